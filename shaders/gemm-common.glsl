// gemm-common.glsl: what the two GEMM shapes (gemm.comp for lavapipe,
// gemm-tiled.comp for GPUs) share: the bindings, the push constants, weight
// loads and the fused epilogue. C[M][N] = A[M][K] * B[K][N] (+ bias) (GELU)
// (+ C): A and C are activations (binding 0); B is a weight matrix stored
// transposed, [K][ldb] with ldb a multiple of 8 (binding 1 as F32, or
// binding 2 as F16 when WEIGHTS_F16).
#include "bindings.glsl"
#include "gelu.glsl"

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
  uint flags;               // 1: add bias, 2: GELU, 4: accumulate into C (residual),
                            // 8: tanh GELU
} p;

// Eight consecutive weights starting at element e (a multiple of 8).
void load_b8(uint e, out vec4 lo, out vec4 hi)
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

#if GEMM_TEXELS
// gemm.comp reads through the texel views of the same memory.
#include "texels.glsl"

// Eight consecutive weights starting at element e (a multiple of 8): one
// fetch of eight halves where the weights are F16.
void fetch_b8(uint e, out vec4 lo, out vec4 hi)
{
#if WEIGHTS_F16
  uvec4 h = texelFetch(weights16_octets, int(e >> 3));
  lo = vec4(unpackHalf2x16(h.x), unpackHalf2x16(h.y));
  hi = vec4(unpackHalf2x16(h.z), unpackHalf2x16(h.w));
#else
  lo = texelFetch(weights_texels, int(e >> 2));
  hi = texelFetch(weights_texels, int(e >> 2) + 1);
#endif
}

// Four consecutive weights starting at element e (a multiple of 4).
vec4 fetch_b4(uint e)
{
#if WEIGHTS_F16
  return texelFetch(weights16_texels, int(e >> 2));
#else
  return texelFetch(weights_texels, int(e >> 2));
#endif
}
#endif

// One weight, element e.
float load_b1(uint e)
{
#if WEIGHTS_F16
  uint pair = w16[e >> 3][(e >> 1) & 3u];
  return unpackHalf2x16(pair)[e & 1u];
#else
  return w32[e >> 2][e & 3u];
#endif
}

// The bias of column col, or zero without one.
float bias_at(uint col)
{
  return (p.flags & 1u) != 0u ? w32[(p.bias_off + col) >> 2][(p.bias_off + col) & 3u] : 0.0;
}

// The rest of the fused epilogue for one output element (row < M, col < N)
// whose bias is added; residual is C's old value, read only when flag 4 is
// set.
void store_c_biased(uint row, uint col, float v, float residual)
{
  if ((p.flags & 2u) != 0u)
    v = uf_gelu(v);
  else if ((p.flags & 8u) != 0u)
    v = uf_gelu_tanh(v);
  if ((p.flags & 4u) != 0u)
    v += residual;
  act[p.c_off + row * p.ldc + col] = v;
}

// The fused epilogue for one output element (row < M, col < N).
void store_c(uint row, uint col, float v)
{
  uint c = p.c_off + row * p.ldc + col;
  store_c_biased(row, col, v + bias_at(col), (p.flags & 4u) != 0u ? act[c] : 0.0);
}
