#version 450
// layernorm.comp: LayerNorm over the channels of each token, [rows][C],
// with affine gamma/beta; one invocation per row, two passes over the row
// (mean, then variance) for accuracy. With TEXELS (C and every offset a
// multiple of 4; the host checks) the row is read as vec4 texels: on
// lavapipe a storage-buffer load in a loop is a loop over the lanes, a
// texel fetch one gather of four values.
#extension GL_GOOGLE_include_directive : require
#include "bindings.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const bool TEXELS = false;
const uint V = TEXELS ? 4u : 1u;      // values per load

layout(std430, set = 0, binding = BINDING_ARENA) buffer Arena { float act[]; };
layout(std430, set = 0, binding = BINDING_WEIGHTS) readonly buffer Weights { float w[]; };
#define TEXEL_LOADS 1
#include "texels.glsl"

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
  vec4 sum = vec4(0.0);
  for (uint c = 0u; c < p.C; c += V)
    sum += load_act(src + c);
  float mean = (sum.x + sum.y + sum.z + sum.w) / float(p.C);
  vec4 mask = TEXELS ? vec4(1.0) : vec4(1.0, 0.0, 0.0, 0.0);
  vec4 var = vec4(0.0);
  for (uint c = 0u; c < p.C; c += V) {
    vec4 d = (load_act(src + c) - mean) * mask;
    var += d * d;
  }
  float inv = inversesqrt((var.x + var.y + var.z + var.w) / float(p.C) + p.eps);
  for (uint c = 0u; c < p.C; c += V) {
    vec4 y = (load_act(src + c) - mean) * inv * load_w(p.gamma_off + c) + load_w(p.beta_off + c);
    for (uint j = 0u; j < V; j++)
      act[dst + c + j] = y[j];
  }
}
