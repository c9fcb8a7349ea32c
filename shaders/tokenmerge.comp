#version 450
// tokenmerge.comp: the score-weighted mean of the tokens ranked K..N-1
// (ops/tokenmerge.h), one invocation per channel; each sums the weights
// itself, which costs N - K additions and no second pass.
#extension GL_GOOGLE_include_directive : require
#include "bindings.glsl"

layout(local_size_x_id = 0) in;

layout(std430, set = 0, binding = BINDING_ARENA) buffer Arena { float act[]; };

layout(push_constant) uniform Push {
  uint N, K, C;
  uint x_off, score_off, order_off;
  uint out_off, copy_off;
} p;

void main()
{
  uint c = gl_GlobalInvocationID.x;
  if (c >= p.C)
    return;
  float sum = 0.0, weight = 0.0;
  for (uint r = p.K; r < p.N; r++) {
    uint t = uint(act[p.order_off + r]);
    float g = act[p.score_off + t];
    sum += g * act[p.x_off + t * p.C + c];
    weight += g;
  }
  float rep = sum / weight;
  act[p.out_off + c] = rep;
  act[p.copy_off + c] = rep;
}
