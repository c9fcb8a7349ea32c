#version 450
// gemm.comp: the GEMM shaped for lavapipe (gemm-common.glsl says what it
// computes; gemm-tiled.comp is the shape for GPUs).
//
// Lanes run along columns, so the A element each lane needs is the same for
// the whole subgroup (one scalar load and a broadcast), and each invocation
// keeps a TM x 8 register tile so every B load feeds TM multiply-adds
// (shared/docs/field-notes.md).
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
#include "gemm-common.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint TM = 8;

void main()
{
  uint col0 = (gl_WorkGroupID.x * gl_WorkGroupSize.x + gl_LocalInvocationID.x) * 8u;
  uint row0 = gl_WorkGroupID.y * TM;
  // Lanes past the last column still run the loop (clamped) so the A loads
  // stay uniform; they just do not store.
  uint bcol = min(col0, p.ldb - 8u);
  uint arow[TM];
  vec4 lo[TM], hi[TM];
  [[unroll]] for (uint i = 0u; i < TM; i++) {
    arow[i] = p.a_off + min(row0 + i, p.M - 1u) * p.lda;
    lo[i] = vec4(0.0);
    hi[i] = vec4(0.0);
  }
  uint e = p.b_off + bcol;
  uint k = 0u;
  for (; k + 4u <= p.K; k += 4u) {
    vec4 b0l, b0h, b1l, b1h, b2l, b2h, b3l, b3h;
    load_b8(e, b0l, b0h);
    load_b8(e + p.ldb, b1l, b1h);
    load_b8(e + 2u * p.ldb, b2l, b2h);
    load_b8(e + 3u * p.ldb, b3l, b3h);
    e += 4u * p.ldb;
    [[unroll]] for (uint i = 0u; i < TM; i++) {
      uint a = arow[i] + k;
      float a0 = act[a], a1 = act[a + 1u], a2 = act[a + 2u], a3 = act[a + 3u];
      lo[i] += a0 * b0l + a1 * b1l + a2 * b2l + a3 * b3l;
      hi[i] += a0 * b0h + a1 * b1h + a2 * b2h + a3 * b3h;
    }
  }
  for (; k < p.K; k++) {
    vec4 bl, bh;
    load_b8(e, bl, bh);
    e += p.ldb;
    [[unroll]] for (uint i = 0u; i < TM; i++) {
      float a = act[arow[i] + k];
      lo[i] += a * bl;
      hi[i] += a * bh;
    }
  }
  if (col0 >= p.N)
    return;
  [[unroll]] for (uint i = 0u; i < TM; i++) {
    uint row = row0 + i;
    if (row >= p.M)
      break;
    [[unroll]] for (uint j = 0u; j < 8u; j++) {
      uint col = col0 + j;
      if (col >= p.N)
        break;
      store_c(row, col, j < 4u ? lo[i][j] : hi[i][j - 4u]);
    }
  }
}
