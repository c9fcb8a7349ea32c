#version 450
// meanpool.comp: mean over the N tokens of [N][C], one invocation per channel,
// each workgroup row (Y) another window's [N][C].
#extension GL_GOOGLE_include_directive : require
#include "bindings.glsl"

layout(local_size_x_id = 0) in;

layout(std430, set = 0, binding = BINDING_ARENA) buffer Arena { float act[]; };

layout(push_constant) uniform Push {
  uint N, C;
  uint in_off, out_off;
} p;

void main()
{
  uint c = gl_GlobalInvocationID.x, w = gl_GlobalInvocationID.y;
  if (c >= p.C)
    return;
  uint in_off = p.in_off + w * p.N * p.C;
  float sum = 0.0;
  for (uint n = 0u; n < p.N; n++)
    sum += act[in_off + n * p.C + c];
  act[p.out_off + w * p.C + c] = sum / float(p.N);
}
