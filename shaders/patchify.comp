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
//   modes 3 and 4, the light models' stem: k3, pad 1, strides (stride_t,
//     stride_s, stride_s); mode 3 from ring slots, K order (c, kt, kh, kw),
//     PyTorch's; mode 4 from channels-last [T][H][W][Cin], K order (kt, kh,
//     kw, c) (the host permutes the weights to match); the output frames are
//     to_first.., so a large conv can run in chunks of frames.
// With TEXELS each invocation gathers four consecutive k, which lie next to
// each other in the source too (kw in modes 0 and 2, c in modes 1 and 4), as one vec4
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
  uint stride_t, stride_s;                // modes 3 and 4
  uint to_first;                          // modes 3 and 4: the first output frame
  uint windows;             // modes 0 and 2: window w's T slots at slots_off + w * T,
                            // its tokens after window w - 1's
} p;

// Modes 3 and 4: an invocation per (token, run of k), tokens along X, so a
// workgroup covers LX tokens (one per k would make the stem's 81-wide rows
// a million tiny workgroups): a run is one channel's 27 taps (mode 3) or
// one tap's Cin channels (mode 4, four at a time with TEXELS).
void conv3(uint token, uint run)
{
  uint K = p.Cin * 27u;
  uint wo = token % p.Wo;
  uint ho = (token / p.Wo) % p.Ho;
  uint to = p.to_first + token / (p.Wo * p.Ho);
  uint row = p.out_off + token * K;
  if (p.mode == 3u) {
    uint c = run;
    for (uint tap = 0u; tap < 27u; tap++) {
      int ti = int(to * p.stride_t + tap / 9u) - 1;
      int hi = int(ho * p.stride_s + (tap / 3u) % 3u) - 1;
      int wi = int(wo * p.stride_s + tap % 3u) - 1;
      float v = 0.0;
      if (ti >= 0 && ti < int(p.T) && hi >= 0 && hi < int(p.H) && wi >= 0 && wi < int(p.W))
        v = ring[slots[p.slots_off + uint(ti)] * p.in_off + (c * p.H + uint(hi)) * p.W
            + uint(wi)];
      act[row + c * 27u + tap] = v;
    }
    return;
  }
  uint tap = run;
  int ti = int(to * p.stride_t + tap / 9u) - 1;
  int hi = int(ho * p.stride_s + (tap / 3u) % 3u) - 1;
  int wi = int(wo * p.stride_s + tap % 3u) - 1;
  bool inside = ti >= 0 && ti < int(p.T) && hi >= 0 && hi < int(p.H) && wi >= 0
      && wi < int(p.W);
  uint src = inside ? p.in_off + ((uint(ti) * p.H + uint(hi)) * p.W + uint(wi)) * p.Cin : 0u;
  for (uint c = 0u; c < p.Cin; c += V) {
    vec4 v = vec4(0.0);
    if (inside)
      v = TEXELS ? texelFetch(act_texels, int((src + c) >> 2)) : vec4(act[src + c]);
    for (uint j = 0u; j < V; j++)
      act[row + tap * p.Cin + c + j] = v[j];
  }
}

void main()
{
  if (p.mode >= 3u) {
    uint token = gl_GlobalInvocationID.x + gl_GlobalInvocationID.z * 65535u * gl_WorkGroupSize.x;
    if (token < p.To * p.Ho * p.Wo && gl_GlobalInvocationID.y < (p.mode == 3u ? p.Cin : 27u))
      conv3(token, gl_GlobalInvocationID.y);
    return;
  }
  // Modes 0 to 2: an invocation per token, along X, walks the token's K
  // values V at a time: one invocation per k made the stem's rows of 144 a
  // hundred thousand tiny workgroups, and on lavapipe each workgroup costs
  // more than its few loads.
  uint token = gl_GlobalInvocationID.x + gl_GlobalInvocationID.z * 65535u * gl_WorkGroupSize.x;
  uint K = p.mode == 2u ? p.Cin * p.tubelet * p.patch_size * p.patch_size
      : p.mode == 0u ? p.Cin * 48u : p.Cin * 4u;
  uint n = p.To * p.Ho * p.Wo;
  if (token >= n * p.windows)
    return;
  uint window = token / n;
  token %= n;
  uint slots_off = p.slots_off + window * p.T;
  uint wo = token % p.Wo;
  uint ho = (token / p.Wo) % p.Ho;
  uint to = token / (p.Wo * p.Ho);
  uint dst = p.out_off + (window * n + (p.mode == 2u && p.time_minor != 0u
      ? (ho * p.Wo + wo) * p.To + to : token)) * K;
  for (uint k = 0u; k < K; k += V) {
    vec4 v = vec4(0.0);
    if (p.mode == 2u) {
      uint pp = p.patch_size * p.patch_size;
      uint c = k / (p.tubelet * pp), kt = (k / pp) % p.tubelet;
      uint kh = (k / p.patch_size) % p.patch_size, kw = k % p.patch_size;
      uint slot = slots[slots_off + to * p.tubelet + kt];
      uint e = slot * p.in_off + (c * p.H + ho * p.patch_size + kh) * p.W
          + wo * p.patch_size + kw;
      v = TEXELS ? texelFetch(ring_texels, int(e >> 2)) : vec4(ring[e]);
    } else if (p.mode == 0u) {
      uint c = k / 48u, kt = (k / 16u) % 3u, kh = (k / 4u) % 4u, kw = k % 4u;
      int ti = int(2u * to + kt) - 1;
      if (ti >= 0 && ti < int(p.T)) {
        uint slot = slots[slots_off + uint(ti)];
        uint e = slot * p.in_off + (c * p.H + 4u * ho + kh) * p.W + 4u * wo + kw;
        v = TEXELS ? texelFetch(ring_texels, int(e >> 2)) : vec4(ring[e]);
      }
    } else {
      uint c = k % p.Cin, kw = (k / p.Cin) % 2u, kh = k / (2u * p.Cin);
      uint e = p.in_off + ((to * p.H + 2u * ho + kh) * p.W + 2u * wo + kw) * p.Cin + c;
      v = TEXELS ? texelFetch(act_texels, int(e >> 2)) : vec4(act[e]);
    }
    for (uint j = 0u; j < V; j++)
      act[dst + k + j] = v[j];
  }
}
