#version 450
// patchify.comp: gathers the patches of a strided patch-embedding conv into
// rows [tokens][K] for gemm.comp (im2col).
//   mode 0, the stem: k(3,4,4) s(2,4,4) p(1,0,0) over the window's frames,
//     read from ring slots named by the control buffer; K order (c, kt, kh, kw),
//     the order of PyTorch's weight [Cout][3][3][4][4].
//   mode 1, patch_embed2..4: k(1,2,2) s(1,2,2) over channels-last [T][H][W][Cin];
//     K order (kh, kw, c), so each run of Cin is contiguous (the host permutes
//     the weights to match).
//   mode 2, the video ViTs: kernel = stride (tubelet, patch, patch), no
//     padding, from ring slots; K order (c, kt, kh, kw); tokens (t, h, w), or
//     (h, w, t) with time_minor (TimeSformer's order).
// With TEXELS each invocation gathers four consecutive k, which lie next to
// each other in the source too (kw in mode 0, c in mode 1), as one vec4
// texel fetch (on lavapipe a storage-buffer load under a branch is a loop
// over the lanes); the host sets it when W (mode 0) or Cin (mode 1) and
// the offsets are multiples of 4.
#extension GL_GOOGLE_include_directive : require
#include "bindings.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const bool TEXELS = false;
const uint V = TEXELS ? 4u : 1u;      // k per invocation

layout(std430, set = 0, binding = BINDING_ARENA) buffer Arena { float act[]; };
layout(std430, set = 0, binding = BINDING_RING) readonly buffer Ring { float ring[]; };
layout(std430, set = 0, binding = BINDING_CONTROL) readonly buffer Control { uint slots[]; };
#include "texels.glsl"

layout(push_constant) uniform Push {
  uint mode;
  uint T, H, W, Cin;        // input size
  uint To, Ho, Wo;          // output size
  uint in_off, out_off;     // in_off: ring slot stride in modes 0 and 2
  uint slots_off;
  uint tubelet, patch_size, time_minor;   // mode 2
} p;

void main()
{
  uint k = gl_GlobalInvocationID.x * V;
  uint token = gl_GlobalInvocationID.y + gl_GlobalInvocationID.z * 65535u;
  uint K = p.mode == 2u ? p.Cin * p.tubelet * p.patch_size * p.patch_size
      : p.mode == 0u ? p.Cin * 48u : p.Cin * 4u;
  if (k >= K || token >= p.To * p.Ho * p.Wo)
    return;
  uint wo = token % p.Wo;
  uint ho = (token / p.Wo) % p.Ho;
  uint to = token / (p.Wo * p.Ho);
  vec4 v = vec4(0.0);
  if (p.mode == 2u) {
    uint pp = p.patch_size * p.patch_size;
    uint c = k / (p.tubelet * pp), kt = (k / pp) % p.tubelet;
    uint kh = (k / p.patch_size) % p.patch_size, kw = k % p.patch_size;
    uint slot = slots[p.slots_off + to * p.tubelet + kt];
    uint e = slot * p.in_off + (c * p.H + ho * p.patch_size + kh) * p.W
        + wo * p.patch_size + kw;
    v = TEXELS ? texelFetch(ring_texels, int(e >> 2)) : vec4(ring[e]);
    if (p.time_minor != 0u)
      token = (ho * p.Wo + wo) * p.To + to;
  } else if (p.mode == 0u) {
    uint c = k / 48u, kt = (k / 16u) % 3u, kh = (k / 4u) % 4u, kw = k % 4u;
    int ti = int(2u * to + kt) - 1;
    if (ti >= 0 && ti < int(p.T)) {
      uint slot = slots[p.slots_off + uint(ti)];
      uint e = slot * p.in_off + (c * p.H + 4u * ho + kh) * p.W + 4u * wo + kw;
      v = TEXELS ? texelFetch(ring_texels, int(e >> 2)) : vec4(ring[e]);
    }
  } else {
    uint c = k % p.Cin, kw = (k / p.Cin) % 2u, kh = k / (2u * p.Cin);
    uint e = p.in_off + ((to * p.H + 2u * ho + kh) * p.W + 2u * wo + kw) * p.Cin + c;
    v = TEXELS ? texelFetch(act_texels, int(e >> 2)) : vec4(act[e]);
  }
  for (uint j = 0u; j < V; j++)
    act[p.out_off + token * K + k + j] = v[j];
}
