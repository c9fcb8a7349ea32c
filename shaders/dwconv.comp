#version 450
// dwconv.comp: depthwise 3-D convolution (DPE 3x3x3, local MHRA 5x5x5) on
// channels-last activations [T][H][W][C], zero padding KS/2 on every axis,
// optionally adding its input (the DPE residual). Weights are [KS^3][C].
//
// Lanes run along channels; each invocation makes WO outputs along W so an
// input voxel loaded once feeds up to KS of them. Border tests depend only
// on the position, so they are uniform across the subgroup.
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
#include "bindings.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint KS = 3;
layout(constant_id = 2) const uint WO = 4;

layout(std430, set = 0, binding = BINDING_ARENA) buffer Arena { float act[]; };
layout(std430, set = 0, binding = BINDING_WEIGHTS) readonly buffer Weights { float w[]; };

layout(push_constant) uniform Push {
  uint T, H, W, C;
  uint in_off, out_off;
  uint w_off, bias_off;
  uint residual;
} p;

void main()
{
  uint c = gl_GlobalInvocationID.x;
  uint w0 = gl_WorkGroupID.y * WO;
  uint t = gl_WorkGroupID.z / p.H;
  uint h = gl_WorkGroupID.z % p.H;
  if (c >= p.C)
    return;
  int pad = int(KS / 2u);
  float acc[WO];
  float b = w[p.bias_off + c];
  [[unroll]] for (uint o = 0u; o < WO; o++)
    acc[o] = b;
  [[unroll]] for (uint kt = 0u; kt < KS; kt++) {
    int ti = int(t + kt) - pad;
    if (ti < 0 || ti >= int(p.T))
      continue;
    [[unroll]] for (uint kh = 0u; kh < KS; kh++) {
      int hi = int(h + kh) - pad;
      if (hi < 0 || hi >= int(p.H))
        continue;
      uint row = p.in_off + (uint(ti) * p.H + uint(hi)) * p.W * p.C + c;
      uint wrow = p.w_off + ((kt * KS + kh) * KS) * p.C + c;
      [[unroll]] for (uint iw = 0u; iw < WO + KS - 1u; iw++) {
        int wi = int(w0 + iw) - pad;
        if (wi < 0 || wi >= int(p.W))
          continue;
        float x = act[row + uint(wi) * p.C];
        [[unroll]] for (uint o = 0u; o < WO; o++) {
          int kw = int(iw) - int(o);
          if (kw >= 0 && kw < int(KS))
            acc[o] += x * w[wrow + uint(kw) * p.C];
        }
      }
    }
  }
  [[unroll]] for (uint o = 0u; o < WO; o++) {
    uint wo = w0 + o;
    if (wo >= p.W)
      break;
    uint pos = ((t * p.H + h) * p.W + wo) * p.C + c;
    float v = acc[o];
    if (p.residual != 0u)
      v += act[p.in_off + pos];
    act[p.out_off + pos] = v;
  }
}
