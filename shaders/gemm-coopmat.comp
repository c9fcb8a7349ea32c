#version 450
// gemm-coopmat.comp: the GEMM on cooperative matrices (VK_NV_cooperative_matrix,
// the tensor cores of NVIDIA GPUs); gemm-common.glsl says what it computes.
// The host chooses it only when the device reports the extension with an
// fp16 x fp16 + fp32 subgroup shape, and passes that shape as MS x NS x KS.
//
// A workgroup is 2 x 2 subgroups (the host sizes it from the subgroup size
// the device reports, which NVIDIA's drivers, the ones with this extension,
// keep fixed for compute); each subgroup owns 2 x 2 accumulator
// matrices of MS x NS, so the workgroup computes a BM x BN block of C
// (64 x 64 for the 16 x 16 x 16 shape). A and B pass through shared memory
// as float16_t, BK = 2 KS k-steps at a time; out-of-range elements are staged
// as zero, so M, N and K need not be multiples of any tile. The products
// accumulate in fp32. At the end each subgroup stores its accumulators to
// shared memory, and every invocation runs the fused epilogue (store_c) on
// the elements that lie inside C.
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_memory_scope_semantics : require
#extension GL_NV_cooperative_matrix : require
#include "gemm-common.glsl"

// local_size_x: the host passes 4 subgroups' worth of invocations.
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint MS = 16;
layout(constant_id = 2) const uint NS = 16;
layout(constant_id = 3) const uint KS = 16;

const uint SUBGROUPS_M = 2u, SUBGROUPS_N = 2u;
const uint TILES_M = 2u, TILES_N = 2u;          // accumulators per subgroup
const uint BM = SUBGROUPS_M * TILES_M * MS;
const uint BN = SUBGROUPS_N * TILES_N * NS;
const uint BK = 2u * KS;
// Row strides of the shared panels, padded against bank conflicts; loads
// and stores of cooperative matrices need 16-byte aligned rows, so the pads
// are 8 halves and 4 floats.
const uint AS_STRIDE = BK + 8u;
const uint BS_STRIDE = BN + 8u;
const uint CS_STRIDE = BN + 4u;

shared float16_t As[BM * AS_STRIDE];            // A panel, row-major: As[m][k]
shared float16_t Bs[BK * BS_STRIDE];            // B panel, row-major: Bs[k][n]
shared float Cs[BM * CS_STRIDE];                // the finished block of C

void main()
{
  uint tid = gl_LocalInvocationID.x, threads = gl_WorkGroupSize.x;
  uint m0 = gl_WorkGroupID.y * BM, n0 = gl_WorkGroupID.x * BN;
  uint sg_m = gl_SubgroupID / SUBGROUPS_N, sg_n = gl_SubgroupID % SUBGROUPS_N;

  fcoopmatNV<32, gl_ScopeSubgroup, MS, NS> acc[TILES_M][TILES_N];
  [[unroll]] for (uint i = 0u; i < TILES_M; i++)
    [[unroll]] for (uint j = 0u; j < TILES_N; j++)
      acc[i][j] = fcoopmatNV<32, gl_ScopeSubgroup, MS, NS>(0.0);

  for (uint k0 = 0u; k0 < p.K; k0 += BK) {
    // Consecutive invocations read consecutive k of A (its rows are
    // contiguous) and consecutive groups of eight n of B.
    for (uint e = tid; e < BM * BK; e += threads) {
      uint m = e / BK, k = e % BK;
      uint gm = m0 + m, gk = k0 + k;
      As[m * AS_STRIDE + k] = float16_t((gm < p.M && gk < p.K) ?
          act[p.a_off + gm * p.lda + gk] : 0.0);
    }
    for (uint e = tid; e < BK * BN / 8u; e += threads) {
      uint k = e / (BN / 8u), n = 8u * (e % (BN / 8u));
      uint gk = k0 + k, gn = n0 + n;
      vec4 lo = vec4(0.0), hi = vec4(0.0);
      if (gk < p.K && gn < p.ldb)               // ldb and gn are multiples of 8
        load_b8(p.b_off + gk * p.ldb + gn, lo, hi);
      [[unroll]] for (uint c = 0u; c < 4u; c++) {
        Bs[k * BS_STRIDE + n + c] = float16_t(lo[c]);
        Bs[k * BS_STRIDE + n + 4u + c] = float16_t(hi[c]);
      }
    }
    barrier();
    [[unroll]] for (uint kk = 0u; kk < BK; kk += KS) {
      fcoopmatNV<16, gl_ScopeSubgroup, MS, KS> a[TILES_M];
      [[unroll]] for (uint i = 0u; i < TILES_M; i++) {
        uint m = (sg_m * TILES_M + i) * MS;
        coopMatLoadNV(a[i], As, m * AS_STRIDE + kk, AS_STRIDE, false);
      }
      [[unroll]] for (uint j = 0u; j < TILES_N; j++) {
        fcoopmatNV<16, gl_ScopeSubgroup, KS, NS> b;
        uint n = (sg_n * TILES_N + j) * NS;
        coopMatLoadNV(b, Bs, kk * BS_STRIDE + n, BS_STRIDE, false);
        [[unroll]] for (uint i = 0u; i < TILES_M; i++)
          acc[i][j] = coopMatMulAddNV(a[i], b, acc[i][j]);
      }
    }
    barrier();
  }

  [[unroll]] for (uint i = 0u; i < TILES_M; i++)
    [[unroll]] for (uint j = 0u; j < TILES_N; j++) {
      uint m = (sg_m * TILES_M + i) * MS, n = (sg_n * TILES_N + j) * NS;
      coopMatStoreNV(acc[i][j], Cs, m * CS_STRIDE + n, CS_STRIDE, false);
    }
  barrier();
  for (uint e = tid; e < BM * BN; e += threads) {
    uint row = m0 + e / BN, col = n0 + e % BN;
    if (row < p.M && col < p.N)
      store_c(row, col, Cs[(e / BN) * CS_STRIDE + e % BN]);
  }
}
