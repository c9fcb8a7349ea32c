#version 450
// tokenrank.comp: order[rank(i)] = i, where rank(i) counts the tokens that
// come before token i: a higher score, or an equal one at a lower index (a
// NaN score counts as -inf). One invocation per token, each comparing with
// every score: N^2 comparisons, but no passes and no open ties.
#extension GL_GOOGLE_include_directive : require
#include "bindings.glsl"

layout(local_size_x_id = 0) in;

layout(std430, set = 0, binding = BINDING_ARENA) buffer Arena { float act[]; };

layout(push_constant) uniform Push {
  uint N;
  uint score_off, order_off;
} p;

float rank_key(float s)
{
  return isnan(s) ? -1.0 / 0.0 : s;
}

void main()
{
  uint i = gl_GlobalInvocationID.x;
  if (i >= p.N)
    return;
  float s = rank_key(act[p.score_off + i]);
  uint rank = 0u;
  for (uint j = 0u; j < p.N; j++) {
    float o = rank_key(act[p.score_off + j]);
    rank += (o > s || (o == s && j < i)) ? 1u : 0u;
  }
  act[p.order_off + rank] = float(i);
}
