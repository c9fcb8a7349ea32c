#version 450
// dwconv.comp: depthwise 3-D convolution (DPE 3x3x3, local MHRA 5x5x5) on
// channels-last activations [T][H][W][C], zero padding KS/2 on every axis,
// optionally adding its input (the DPE residual). Weights are [KS^3][C].
// A batch of grids lies one after another; workgroup z runs over the
// frames of all of them, and padding stops at each grid's first and last
// frame.
//
// Lanes run along channels; each invocation makes an HO x WO tile of outputs
// in one t plane, for four channels (TEXELS) or one. Per kernel plane kt it
// keeps the KS x KS weights in registers and loads each input voxel of the
// (HO+KS-1) x (WO+KS-1) patch once, feeding every output it touches: on
// lavapipe every per-lane load is a gather, so loads per multiply-add is
// what sets the speed, and a vec4 texel fetch (four channels) is one
// branch-free gather where a storage-buffer load is a loop over the lanes.
// TEXELS needs C and every offset to be multiples of 4; the host checks.
// Border tests depend only on the position, so they are uniform across the
// subgroup.
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
#include "bindings.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint KS = 3;
layout(constant_id = 2) const uint WO = 4;
layout(constant_id = 3) const uint HO = 4;
layout(constant_id = 4) const bool TEXELS = false;
const uint CPL = TEXELS ? 4u : 1u;    // channels per lane

layout(std430, set = 0, binding = BINDING_ARENA) buffer Arena { float act[]; };
layout(std430, set = 0, binding = BINDING_WEIGHTS) readonly buffer Weights { float w[]; };
#define TEXEL_LOADS 1
#include "texels.glsl"

layout(push_constant) uniform Push {
  uint T, H, W, C;
  uint in_off, out_off;
  uint w_off, bias_off;
  uint residual;
} p;

void main()
{
  uint c = gl_GlobalInvocationID.x * CPL;
  uint w0 = gl_WorkGroupID.y * WO;
  uint h_tiles = (p.H + HO - 1u) / HO;
  uint frame = gl_WorkGroupID.z / h_tiles;
  uint t = frame % p.T;
  uint h0 = (gl_WorkGroupID.z % h_tiles) * HO;
  if (c >= p.C)
    return;
  uint grid = (frame - t) * p.H * p.W * p.C;   // this batch member's first float
  uint in_off = p.in_off + grid, out_off = p.out_off + grid;
  int pad = int(KS / 2u);
  vec4 acc[HO * WO];
  vec4 b = load_w(p.bias_off + c);
  [[unroll]] for (uint o = 0u; o < HO * WO; o++)
    acc[o] = b;
  // The kernel-plane loop stays a loop: unrolled, the 5x5x5 pipeline took
  // 265 ms to build on lavapipe, in every process (engine/uf-pipelines.c),
  // for a few percent of speed.
  [[dont_unroll]] for (uint kt = 0u; kt < KS; kt++) {
    int ti = int(t + kt) - pad;
    if (ti < 0 || ti >= int(p.T))
      continue;
    vec4 wk[KS * KS];
    [[unroll]] for (uint k = 0u; k < KS * KS; k++)
      wk[k] = load_w(p.w_off + (kt * KS * KS + k) * p.C + c);
    [[unroll]] for (uint ih = 0u; ih < HO + KS - 1u; ih++) {
      int hi = int(h0 + ih) - pad;
      if (hi < 0 || hi >= int(p.H))
        continue;
      uint row = in_off + (uint(ti) * p.H + uint(hi)) * p.W * p.C + c;
      [[unroll]] for (uint iw = 0u; iw < WO + KS - 1u; iw++) {
        int wi = int(w0 + iw) - pad;
        if (wi < 0 || wi >= int(p.W))
          continue;
        vec4 x = load_act(row + uint(wi) * p.C);
        [[unroll]] for (uint oh = 0u; oh < HO; oh++) {
          int kh = int(ih) - int(oh);
          if (kh < 0 || kh >= int(KS))
            continue;
          [[unroll]] for (uint ow = 0u; ow < WO; ow++) {
            int kw = int(iw) - int(ow);
            if (kw >= 0 && kw < int(KS))
              acc[oh * WO + ow] += x * wk[uint(kh) * KS + uint(kw)];
          }
        }
      }
    }
  }
  [[unroll]] for (uint oh = 0u; oh < HO; oh++) {
    uint ho = h0 + oh;
    if (ho >= p.H)
      break;
    [[unroll]] for (uint ow = 0u; ow < WO; ow++) {
      uint wo = w0 + ow;
      if (wo >= p.W)
        break;
      uint pos = ((t * p.H + ho) * p.W + wo) * p.C + c;
      vec4 v = acc[oh * WO + ow];
      if (p.residual != 0u)
        v += load_act(in_off + pos);
      [[unroll]] for (uint j = 0u; j < CPL; j++)
        act[out_off + pos + j] = v[j];
    }
  }
}
