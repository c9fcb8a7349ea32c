#version 450
// gemm.comp: the GEMM shaped for lavapipe (gemm-common.glsl says what it
// computes; gemm-tiled.comp is the shape for GPUs).
//
// Lanes run along columns: each invocation keeps a TM x CW register tile
// (CW columns: 4, 8, 16 or 32, engine/ops/gemm.c picks) and walks K four
// steps at a time. Every operand is read as a vec4 texel fetch, which
// lavapipe compiles to one branch-free gather; a storage-buffer load at a
// per-lane address costs a loop over the lanes (shared/docs/field-notes.md,
// engine/uf-vk.h). The fetches, not the multiply-adds, bound this loop, so
// F16 weights come eight to a fetch (an RGBA32UI view) where a lane's tile
// has 8 columns or more. A rows come from the arena's texel view when a_off
// and lda are multiples of 4 (A_TEXELS), else from the storage buffer.
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
#define GEMM_TEXELS 1
#include "gemm-common.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint TM = 4;
layout(constant_id = 2) const uint CW = 8;
layout(constant_id = 3) const bool A_TEXELS = true;
const uint CV = CW / 4u;      // vec4s per row of the tile

// Four consecutive A elements of one row, starting at k (a multiple of 4).
vec4 load_a4(uint row_start, uint k)
{
  if (A_TEXELS)
    return texelFetch(act_texels, int((row_start + k) >> 2));
  uint a = row_start + k;
  return vec4(act[a], act[a + 1u], act[a + 2u], act[a + 3u]);
}

void main()
{
  uint col0 = (gl_WorkGroupID.x * gl_WorkGroupSize.x + gl_LocalInvocationID.x) * CW;
  uint row0 = gl_WorkGroupID.y * TM;
  // Lanes past the last column compute a clamped copy and do not store;
  // rows past M likewise.
  uint e = p.b_off + min(col0, p.ldb - CW);
  uint arow[TM];
  vec4 acc[TM][CV];
  [[unroll]] for (uint i = 0u; i < TM; i++) {
    arow[i] = p.a_off + min(row0 + i, p.M - 1u) * p.lda;
    [[unroll]] for (uint c = 0u; c < CV; c++)
      acc[i][c] = vec4(0.0);
  }
  uint k = 0u;
  for (; k + 4u <= p.K; k += 4u) {
    vec4 b[4][CV];
    [[unroll]] for (uint kk = 0u; kk < 4u; kk++)
      if (WEIGHTS_F16 != 0 && CV % 2u == 0u) {
        // CW >= 8: e + 4c is a multiple of 8
        [[unroll]] for (uint c = 0u; c < CV; c += 2u)
          fetch_b8(e + kk * p.ldb + 4u * c, b[kk][c], b[kk][c + 1u]);
      } else {
        [[unroll]] for (uint c = 0u; c < CV; c++)
          b[kk][c] = fetch_b4(e + kk * p.ldb + 4u * c);
      }
    e += 4u * p.ldb;
    [[unroll]] for (uint i = 0u; i < TM; i++) {
      vec4 a = load_a4(arow[i], k);
      [[unroll]] for (uint c = 0u; c < CV; c++)
        acc[i][c] += a.x * b[0][c] + a.y * b[1][c] + a.z * b[2][c] + a.w * b[3][c];
    }
  }
  for (; k < p.K; k++) {
    vec4 b[CV];
    [[unroll]] for (uint c = 0u; c < CV; c++)
      b[c] = fetch_b4(e + 4u * c);
    e += p.ldb;
    [[unroll]] for (uint i = 0u; i < TM; i++) {
      float a = act[arow[i] + k];
      [[unroll]] for (uint c = 0u; c < CV; c++)
        acc[i][c] += a * b[c];
    }
  }
  if (col0 >= p.N)
    return;
  // The epilogue reads the bias once per column, not per output, and the
  // bias and the residual as texels where they lie on texel boundaries.
  bool bias_texels = (p.bias_off & 3u) == 0u;
  bool c_texels = ((p.c_off | p.ldc) & 3u) == 0u;
  vec4 bias[CV];
  [[unroll]] for (uint c = 0u; c < CV; c++) {
    uint col = min(col0 + 4u * c, p.ldb - 4u);
    if ((p.flags & 1u) == 0u)
      bias[c] = vec4(0.0);
    else if (bias_texels)
      bias[c] = texelFetch(weights_texels, int((p.bias_off + col) >> 2));
    else
      bias[c] = vec4(bias_at(col), bias_at(col + 1u), bias_at(col + 2u), bias_at(col + 3u));
  }
  [[unroll]] for (uint i = 0u; i < TM; i++) {
    uint row = row0 + i;
    if (row >= p.M)
      break;
    [[unroll]] for (uint c = 0u; c < CV; c++) {
      uint col = col0 + 4u * c;
      if (col >= p.N)
        break;
      uint e = p.c_off + row * p.ldc + col;
      vec4 old = vec4(0.0);
      if ((p.flags & 4u) != 0u)
        old = c_texels ? texelFetch(act_texels, int(e >> 2)) :
            vec4(act[e], act[e + 1u], act[e + 2u], act[e + 3u]);
      [[unroll]] for (uint j = 0u; j < 4u; j++)
        if (col + j < p.N)
          store_c_biased(row, col + j, acc[i][c][j] + bias[c][j], old[j]);
    }
  }
}
