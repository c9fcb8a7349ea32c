#version 450
// layernorm.comp: LayerNorm over the channels of each token, [rows][C],
// with affine gamma/beta; one invocation per row, two passes over the row
// (mean, then variance) for accuracy.
#extension GL_GOOGLE_include_directive : require
#include "bindings.glsl"

layout(local_size_x_id = 0) in;

layout(std430, set = 0, binding = BINDING_ARENA) buffer Arena { float act[]; };
layout(std430, set = 0, binding = BINDING_WEIGHTS) readonly buffer Weights { float w[]; };

layout(push_constant) uniform Push {
  uint rows, C;
  uint in_off, out_off;
  uint gamma_off, beta_off;
  float eps;
} p;

void main()
{
  uint row = gl_GlobalInvocationID.x;
  if (row >= p.rows)
    return;
  uint src = p.in_off + row * p.C;
  uint dst = p.out_off + row * p.C;
  float sum = 0.0;
  for (uint c = 0u; c < p.C; c++)
    sum += act[src + c];
  float mean = sum / float(p.C);
  float var = 0.0;
  for (uint c = 0u; c < p.C; c++) {
    float d = act[src + c] - mean;
    var += d * d;
  }
  float inv = inversesqrt(var / float(p.C) + p.eps);
  for (uint c = 0u; c < p.C; c++)
    act[dst + c] = (act[src + c] - mean) * inv * w[p.gamma_off + c] + w[p.beta_off + c];
}
