#version 450
// attention.comp: multi-head self-attention over all N tokens, flash style:
// keys are visited in blocks of KB with an online softmax, so the N x N
// score matrix never exists. qkv is [N][3C] (q | k | v, head-major inside
// each), the output [N][C] in the same head-major order.
//
// One invocation per (query, head); lanes run along queries, so every lane
// reads the same key and value (a broadcast load on lavapipe).
//
// The inner loops are unrolled ([[unroll]]; HD and KB are constants):
// lavapipe stops any invocation after 65535 loop iterations in all (its
// infinite-loop guard), so only the key-block loop may remain a loop.
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
#include "bindings.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint HD = 64;
const uint KB = 8u;

layout(std430, set = 0, binding = BINDING_ARENA) buffer Arena { float act[]; };

layout(push_constant) uniform Push {
  uint N, C;
  uint qkv_off, out_off;
  float scale;
} p;

void main()
{
  uint i = gl_GlobalInvocationID.x;
  uint head = gl_WorkGroupID.y;
  uint qi = min(i, p.N - 1u);
  uint stride = 3u * p.C;
  float q[HD], acc[HD];
  uint qbase = p.qkv_off + qi * stride + head * HD;
  [[unroll]] for (uint d = 0u; d < HD; d++) {
    q[d] = act[qbase + d] * p.scale;
    acc[d] = 0.0;
  }
  float m = -1.0 / 0.0, l = 0.0;
  uint kbase0 = p.qkv_off + p.C + head * HD;
  uint vbase0 = p.qkv_off + 2u * p.C + head * HD;
  for (uint j0 = 0u; j0 < p.N; j0 += KB) {
    float s[KB];
    float bm = -1.0 / 0.0;
    [[unroll]] for (uint jj = 0u; jj < KB; jj++) {
      uint j = j0 + jj;
      float dot = -1.0 / 0.0;
      if (j < p.N) {
        uint kb = kbase0 + j * stride;
        dot = 0.0;
        [[unroll]] for (uint d = 0u; d < HD; d++)
          dot += q[d] * act[kb + d];
      }
      s[jj] = dot;
      bm = max(bm, dot);
    }
    float mnew = max(m, bm);
    float corr = exp(m - mnew);
    l *= corr;
    [[unroll]] for (uint d = 0u; d < HD; d++)
      acc[d] *= corr;
    [[unroll]] for (uint jj = 0u; jj < KB; jj++) {
      uint j = j0 + jj;
      if (j >= p.N)
        break;
      float pj = exp(s[jj] - mnew);
      l += pj;
      uint vb = vbase0 + j * stride;
      [[unroll]] for (uint d = 0u; d < HD; d++)
        acc[d] += pj * act[vb + d];
    }
    m = mnew;
  }
  if (i >= p.N)
    return;
  float inv = 1.0 / l;
  uint obase = p.out_off + i * p.C + head * HD;
  [[unroll]] for (uint d = 0u; d < HD; d++)
    act[obase + d] = acc[d] * inv;
}
