/* uf-blocks.h: the pieces of forward pass every architecture records the
 * same way: a prepared Linear (a GEMM with its bias and fused epilogue), a
 * row-wise LayerNorm, and an arena plan helper. Internal to the engine. */
#ifndef UF_BLOCKS_H
#define UF_BLOCKS_H

#include "../ops/uf-ops.h"
#include "../uf-weight-pack.h"

/* C[rows][N] = A[rows][K] W + b at @a_off -> @c_off, with @flags
 * (UF_GEMM_GELU, UF_GEMM_GELU_TANH, UF_GEMM_ACCUMULATE). */
void uf_block_linear (UfRecorder *rec, const UfMatrixRef *m, guint32 rows, guint32 a_off,
    guint32 c_off, guint32 flags);
/* LayerNorm over C of each of @rows rows, @in -> @out, gamma/beta packed. */
void uf_block_layernorm (UfRecorder *rec, guint32 rows, guint32 C, guint32 in, guint32 out,
    guint32 gamma, guint32 beta, float eps);

/* @n floats rounded up to whole 8-float runs (an arena region's size). */
static inline guint32
uf_block_align8 (gsize n)
{
  return (n + 7) / 8 * 8;
}

#endif /* UF_BLOCKS_H */
