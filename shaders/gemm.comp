#version 450
// gemm.comp: C[M][N] = A[M][K] * B[K][N] (+ bias) (GELU) (+ C), the 1x1
// convolutions and linear layers. A and C are activations (binding 0); B is
// a weight matrix stored transposed, [K][ldb] with ldb a multiple of 8
// (binding 1 as F32, or binding 2 as F16 when WEIGHTS_F16).
//
// Shaped for lavapipe (shared/docs/field-notes.md): lanes run along
// columns, so the A element each lane needs is the same for the whole
// subgroup (one scalar load and a broadcast), and each invocation keeps a
// TM x 8 register tile so every B load feeds TM multiply-adds.
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
#include "bindings.glsl"
#include "gelu.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint TM = 8;

layout(std430, set = 0, binding = BINDING_ARENA) buffer Arena { float act[]; };
layout(std430, set = 0, binding = BINDING_WEIGHTS) readonly buffer Weights { vec4 w32[]; };
#if WEIGHTS_F16
layout(std430, set = 0, binding = BINDING_WEIGHTS16) readonly buffer Weights16 { uvec4 w16[]; };
#endif

layout(push_constant) uniform Push {
  uint M, N, K;
  uint a_off, lda;
  uint b_off, ldb;
  uint bias_off;
  uint c_off, ldc;
  uint flags;               // 1: add bias, 2: GELU, 4: accumulate into C (residual)
} p;

// Eight consecutive weights starting at element e (a multiple of 8).
void load_b(uint e, out vec4 lo, out vec4 hi)
{
#if WEIGHTS_F16
  uvec4 h = w16[e >> 3];
  lo = vec4(unpackHalf2x16(h.x), unpackHalf2x16(h.y));
  hi = vec4(unpackHalf2x16(h.z), unpackHalf2x16(h.w));
#else
  lo = w32[e >> 2];
  hi = w32[(e >> 2) + 1u];
#endif
}

float load_bias(uint e)
{
  return w32[e >> 2][e & 3u];
}

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
    load_b(e, b0l, b0h);
    load_b(e + p.ldb, b1l, b1h);
    load_b(e + 2u * p.ldb, b2l, b2h);
    load_b(e + 3u * p.ldb, b3l, b3h);
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
    load_b(e, bl, bh);
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
      float v = j < 4u ? lo[i][j] : hi[i][j - 4u];
      if ((p.flags & 1u) != 0u)
        v += load_bias(p.bias_off + col);
      if ((p.flags & 2u) != 0u)
        v = uf_gelu(v);
      uint c = p.c_off + row * p.ldc + col;
      if ((p.flags & 4u) != 0u)
        v += act[c];
      act[c] = v;
    }
  }
}
