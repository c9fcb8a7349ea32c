#version 450
// scorepool.comp: 2x2 spatial mean of the stage-3 scores, scaled to keep
// their sum (ops/scorepool.h). One invocation per output; each sums the
// scores itself (a few thousand of them), so one dispatch does it.
#extension GL_GOOGLE_include_directive : require
#include "bindings.glsl"

layout(local_size_x_id = 0) in;

layout(std430, set = 0, binding = BINDING_ARENA) buffer Arena { float act[]; };

layout(push_constant) uniform Push {
  uint T, H, W;
  uint in_off, out_off;
} p;

float pooled(uint o)
{
  uint w2 = p.W / 2u, h2 = p.H / 2u;
  uint t = o / (h2 * w2), y = (o / w2) % h2, x = o % w2;
  uint r0 = p.in_off + (t * p.H + 2u * y) * p.W + 2u * x, r1 = r0 + p.W;
  return (act[r0] + act[r0 + 1u] + act[r1] + act[r1 + 1u]) / 4.0;
}

void main()
{
  uint o = gl_GlobalInvocationID.x, n_in = p.T * p.H * p.W, n_out = n_in / 4u;
  if (o >= n_out)
    return;
  float sum_in = 0.0, sum_out = 0.0;
  for (uint i = 0u; i < n_in; i++)
    sum_in += act[p.in_off + i];
  for (uint i = 0u; i < n_out; i++)
    sum_out += pooled(i);
  act[p.out_off + o] = pooled(o) * (sum_in / sum_out);
}
