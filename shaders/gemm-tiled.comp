#version 450
// gemm-tiled.comp: the GEMM shaped for GPUs (gemm-common.glsl says what it
// computes; gemm.comp is the shape for lavapipe).
//
// A workgroup of 16 x 16 invocations computes a 64 x 64 block of C, each
// invocation 4 x 4 outputs strided by 16 so that neighbouring invocations
// read neighbouring shared-memory words (no bank conflicts) and store
// neighbouring columns (coalesced). The block's A and B panels pass through
// shared memory BK k-steps at a time: every global element is read once per
// workgroup, by consecutive invocations at consecutive addresses.
//
// ARITH_F16 (for devices with shaderFloat16): the panels hold float16_t,
// which halves their shared memory and traffic, and the products are formed
// and summed in fp16 two outputs at a time (f16vec2), but only within one
// BK panel: each panel's partial sums are added to fp32 accumulators, so
// the rounding error does not grow with K (up to 2048 in this network).
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
#if ARITH_F16
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#define panel_t float16_t
#else
#define panel_t float
#endif
#include "gemm-common.glsl"

layout(local_size_x = 16, local_size_y = 16) in;
layout(constant_id = 0) const uint BK = 16;

const uint LANES = 16u;               // invocations along each side
const uint TT = 4u;                   // outputs per invocation along each side
const uint BM = LANES * TT, BN = LANES * TT;
const uint THREADS = LANES * LANES;

shared panel_t As[BK][BM];            // A panel, transposed: As[k][m]
shared panel_t Bs[BK][BN];

void main()
{
  uint tx = gl_LocalInvocationID.x, ty = gl_LocalInvocationID.y;
  uint tid = ty * LANES + tx;
  uint m0 = gl_WorkGroupID.y * BM, n0 = gl_WorkGroupID.x * BN;
  float acc[TT][TT];
  [[unroll]] for (uint i = 0u; i < TT; i++)
    [[unroll]] for (uint j = 0u; j < TT; j++)
      acc[i][j] = 0.0;

  for (uint k0 = 0u; k0 < p.K; k0 += BK) {
    // Out-of-range elements load as zero, so the products need no tests.
    [[unroll]] for (uint r = 0u; r < BM * BK / THREADS; r++) {
      uint e = tid + r * THREADS;
      uint m = e / BK, k = e % BK;
      uint gm = m0 + m, gk = k0 + k;
      As[k][m] = panel_t((gm < p.M && gk < p.K) ? act[p.a_off + gm * p.lda + gk] : 0.0);
    }
    [[unroll]] for (uint r = 0u; r < BK * BN / THREADS; r++) {
      uint e = tid + r * THREADS;
      uint k = e / BN, n = e % BN;
      uint gk = k0 + k, gn = n0 + n;
      Bs[k][n] = panel_t((gk < p.K && gn < p.ldb) ? load_b1(p.b_off + gk * p.ldb + gn) : 0.0);
    }
    barrier();
#if ARITH_F16
    f16vec2 part[TT][TT / 2u];
    [[unroll]] for (uint i = 0u; i < TT; i++)
      [[unroll]] for (uint j = 0u; j < TT / 2u; j++)
        part[i][j] = f16vec2(0.0);
    [[unroll]] for (uint k = 0u; k < BK; k++) {
      f16vec2 b[TT / 2u];
      [[unroll]] for (uint j = 0u; j < TT / 2u; j++)
        b[j] = f16vec2(Bs[k][tx + 2u * j * LANES], Bs[k][tx + (2u * j + 1u) * LANES]);
      [[unroll]] for (uint i = 0u; i < TT; i++) {
        float16_t a = As[k][ty + i * LANES];
        [[unroll]] for (uint j = 0u; j < TT / 2u; j++)
          part[i][j] += a * b[j];
      }
    }
    [[unroll]] for (uint i = 0u; i < TT; i++)
      [[unroll]] for (uint j = 0u; j < TT / 2u; j++) {
        acc[i][2u * j] += float(part[i][j].x);
        acc[i][2u * j + 1u] += float(part[i][j].y);
      }
#else
    [[unroll]] for (uint k = 0u; k < BK; k++) {
      float a[TT], b[TT];
      [[unroll]] for (uint i = 0u; i < TT; i++)
        a[i] = As[k][ty + i * LANES];
      [[unroll]] for (uint j = 0u; j < TT; j++)
        b[j] = Bs[k][tx + j * LANES];
      [[unroll]] for (uint i = 0u; i < TT; i++)
        [[unroll]] for (uint j = 0u; j < TT; j++)
          acc[i][j] += a[i] * b[j];
    }
#endif
    barrier();
  }

  [[unroll]] for (uint i = 0u; i < TT; i++) {
    uint row = m0 + ty + i * LANES;
    [[unroll]] for (uint j = 0u; j < TT; j++) {
      uint col = n0 + tx + j * LANES;
      if (row < p.M && col < p.N)
        store_c(row, col, acc[i][j]);
    }
  }
}
