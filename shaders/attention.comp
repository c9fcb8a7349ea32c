#version 450
// attention.comp: multi-head self-attention over groups of N tokens, flash
// style: keys are visited in blocks of KB with an online softmax, so the
// N x N score matrix never exists. qkv rows are [3C] (q | k | v, head-major
// inside each), output rows [C] in the same head-major order. Workgroup z
// is the group; token i of group g is row base + g * group_stride +
// (i - shared) * token_stride, or, with shared set, row 0 for i = 0 (a cls
// row every group sees), whose output goes to row g of cls_out_off (one
// group of all tokens: base 0, token_stride 1).
//
// Each invocation handles QL queries of one head; lanes run along queries,
// so every lane reads the same key and value, and each such load feeds QL
// queries. Keys and values come through the arena's texel view: on lavapipe
// a storage-buffer load inside a loop is a loop over the lanes even when
// the address is uniform, a texel fetch one branch-free gather.
//
// The inner loops are unrolled ([[unroll]]; HD, KB and QL are constants):
// lavapipe stops any invocation after 65535 loop iterations in all (its
// infinite-loop guard), so only the key-block loop may remain a loop.
//
// ARITH_F16 (for devices with shaderFloat16): q, k and v are held as f16
// (converted on load; the arena stays fp32), each four-wide q.k product is
// formed in f16 and the P*V products of one key block are summed in f16;
// the scores, the running max m, the softmax sum l and the output
// accumulators stay fp32, so the online softmax keeps its precision and
// rounding does not grow with N.
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
#if ARITH_F16
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#define qkv_t f16vec4
#else
#define qkv_t vec4
#endif
#include "bindings.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint HD = 64;
const uint KB = 8u;
layout(constant_id = 2) const uint QL = 8;

layout(std430, set = 0, binding = BINDING_ARENA) buffer Arena { float act[]; };
// The same memory seen as vec4: keys and values are read four floats per
// load (offsets are multiples of 4: the host checks C and HD % 4 == 0).
layout(std430, set = 0, binding = BINDING_ARENA) readonly buffer Arena4 { vec4 act4[]; };
#include "texels.glsl"

layout(push_constant) uniform Push {
  uint N, C;
  uint qkv_off, out_off;
  float scale;
  uint base, group_stride, token_stride, shared_first;
  uint cls_out_off;
} p;

uint row_of(uint i)
{
  if (p.shared_first != 0u && i == 0u)
    return 0u;
  return p.base + gl_WorkGroupID.z * p.group_stride + (i - p.shared_first) * p.token_stride;
}

void main()
{
  uint head = gl_WorkGroupID.y;
  uint stride = 3u * p.C;
  uint first = gl_WorkGroupID.x * gl_WorkGroupSize.x * QL + gl_LocalInvocationID.x;
  qkv_t q[QL][HD / 4u];
  vec4 acc[QL][HD / 4u];
  float m[QL], l[QL];
  [[unroll]] for (uint r = 0u; r < QL; r++) {
    uint qi = min(first + r * gl_WorkGroupSize.x, p.N - 1u);
    uint qbase = p.qkv_off + row_of(qi) * stride + head * HD;
    [[unroll]] for (uint d = 0u; d < HD / 4u; d++) {
      q[r][d] = qkv_t(act4[(qbase >> 2) + d] * p.scale);
      acc[r][d] = vec4(0.0);
    }
    m[r] = -1.0 / 0.0;
    l[r] = 0.0;
  }
  uint kbase0 = p.qkv_off + p.C + head * HD;
  uint vbase0 = p.qkv_off + 2u * p.C + head * HD;
  for (uint j0 = 0u; j0 < p.N; j0 += KB) {
    // Keys past N repeat the last key and are masked below.
    uint kb[KB], vb[KB];
    [[unroll]] for (uint jj = 0u; jj < KB; jj++) {
      uint j = row_of(min(j0 + jj, p.N - 1u));
      kb[jj] = (kbase0 + j * stride) >> 2;
      vb[jj] = (vbase0 + j * stride) >> 2;
    }
    float s[QL][KB];
    [[unroll]] for (uint r = 0u; r < QL; r++)
      [[unroll]] for (uint jj = 0u; jj < KB; jj++)
        s[r][jj] = 0.0;
    [[unroll]] for (uint d = 0u; d < HD / 4u; d++)
      [[unroll]] for (uint jj = 0u; jj < KB; jj++) {
        qkv_t k = qkv_t(texelFetch(act_texels, int(kb[jj] + d)));
        [[unroll]] for (uint r = 0u; r < QL; r++)
          s[r][jj] += float(dot(q[r][d], k));
      }
    float corr[QL];
    [[unroll]] for (uint r = 0u; r < QL; r++) {
      float bm = -1.0 / 0.0;
      [[unroll]] for (uint jj = 0u; jj < KB; jj++) {
        if (j0 + jj >= p.N)
          s[r][jj] = -1.0 / 0.0;
        bm = max(bm, s[r][jj]);
      }
      float mnew = max(m[r], bm);
      corr[r] = exp(m[r] - mnew);
      l[r] *= corr[r];
      [[unroll]] for (uint jj = 0u; jj < KB; jj++) {
        s[r][jj] = exp(s[r][jj] - mnew);
        l[r] += s[r][jj];
      }
      m[r] = mnew;
    }
#if ARITH_F16
    // The weights are in (0, 1] and each block's sum at most KB |v|: no
    // overflow; weights below fp16's range (< 6e-8 of the largest) vanish.
    float16_t ps[QL][KB];
    [[unroll]] for (uint r = 0u; r < QL; r++)
      [[unroll]] for (uint jj = 0u; jj < KB; jj++)
        ps[r][jj] = float16_t(s[r][jj]);
#endif
    [[unroll]] for (uint d = 0u; d < HD / 4u; d++) {
#if ARITH_F16
      f16vec4 a[QL];
      [[unroll]] for (uint r = 0u; r < QL; r++)
        a[r] = f16vec4(0.0);
      [[unroll]] for (uint jj = 0u; jj < KB; jj++) {
        f16vec4 v = f16vec4(texelFetch(act_texels, int(vb[jj] + d)));
        [[unroll]] for (uint r = 0u; r < QL; r++)
          a[r] += ps[r][jj] * v;
      }
      [[unroll]] for (uint r = 0u; r < QL; r++)
        acc[r][d] = acc[r][d] * corr[r] + vec4(a[r]);
#else
      vec4 a[QL];
      [[unroll]] for (uint r = 0u; r < QL; r++)
        a[r] = acc[r][d] * corr[r];
      [[unroll]] for (uint jj = 0u; jj < KB; jj++) {
        vec4 v = texelFetch(act_texels, int(vb[jj] + d));
        [[unroll]] for (uint r = 0u; r < QL; r++)
          a[r] += s[r][jj] * v;
      }
      [[unroll]] for (uint r = 0u; r < QL; r++)
        acc[r][d] = a[r];
#endif
    }
  }
  [[unroll]] for (uint r = 0u; r < QL; r++) {
    uint i = first + r * gl_WorkGroupSize.x;
    if (i >= p.N)
      break;
    float inv = 1.0 / l[r];
    uint obase = (p.shared_first != 0u && i == 0u ? p.cls_out_off + gl_WorkGroupID.z * p.C
        : p.out_off + row_of(i) * p.C) + head * HD;
    [[unroll]] for (uint d = 0u; d < HD / 4u; d++) {
      act[obase + 4u * d] = acc[r][d].x * inv;
      act[obase + 4u * d + 1u] = acc[r][d].y * inv;
      act[obase + 4u * d + 2u] = acc[r][d].z * inv;
      act[obase + 4u * d + 3u] = acc[r][d].w * inv;
    }
  }
}
