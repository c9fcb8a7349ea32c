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
// The same memory seen as vec4: keys and values are read four floats per
// load (offsets are multiples of 4: the host checks C and HD % 4 == 0).
layout(std430, set = 0, binding = BINDING_ARENA) readonly buffer Arena4 { vec4 act4[]; };

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
    // Scores of KB keys at once: each q[d] (spilled on lavapipe) is read
    // once per block and feeds KB multiply-adds. Keys past N repeat the
    // last key and are masked after.
    uint kb[KB], vb[KB];
    [[unroll]] for (uint jj = 0u; jj < KB; jj++) {
      uint j = min(j0 + jj, p.N - 1u);
      kb[jj] = kbase0 + j * stride;
      vb[jj] = vbase0 + j * stride;
    }
    float s[KB];
    [[unroll]] for (uint jj = 0u; jj < KB; jj++)
      s[jj] = 0.0;
    [[unroll]] for (uint d = 0u; d < HD; d += 4u) {
      vec4 qd = vec4(q[d], q[d + 1u], q[d + 2u], q[d + 3u]);
      [[unroll]] for (uint jj = 0u; jj < KB; jj++)
        s[jj] += dot(qd, act4[(kb[jj] + d) >> 2]);
    }
    float bm = -1.0 / 0.0;
    [[unroll]] for (uint jj = 0u; jj < KB; jj++) {
      if (j0 + jj >= p.N)
        s[jj] = -1.0 / 0.0;
      bm = max(bm, s[jj]);
    }
    float mnew = max(m, bm);
    float corr = exp(m - mnew);
    l *= corr;
    [[unroll]] for (uint jj = 0u; jj < KB; jj++) {
      s[jj] = exp(s[jj] - mnew);
      l += s[jj];
    }
    [[unroll]] for (uint d = 0u; d < HD; d += 4u) {
      vec4 a = vec4(acc[d], acc[d + 1u], acc[d + 2u], acc[d + 3u]) * corr;
      [[unroll]] for (uint jj = 0u; jj < KB; jj++)
        a += s[jj] * act4[(vb[jj] + d) >> 2];
      acc[d] = a.x;
      acc[d + 1u] = a.y;
      acc[d + 2u] = a.z;
      acc[d + 3u] = a.w;
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
