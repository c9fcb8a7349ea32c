/* ops/gemm.h: C[M][N] = A[M][K] B[K][N] (+bias) (GELU, exact or tanh form) (+C) */
#ifndef UF_OP_GEMM_H
#define UF_OP_GEMM_H

#include "uf-op.h"

enum { UF_GEMM_BIAS = 1, UF_GEMM_GELU = 2, UF_GEMM_ACCUMULATE = 4, UF_GEMM_GELU_TANH = 8 };
typedef struct {
  guint32 M, N, K;
  guint32 a_off, lda;         /* arena */
  guint32 b_off, ldb;         /* weights (binding 1, or 2 if b_f16); ldb, b_off multiples of 8 */
  guint32 bias_off;           /* weights binding 1 */
  guint32 c_off, ldc;         /* arena */
  guint32 flags;
  gboolean b_f16;
} UfGemmArgs;
void uf_op_gemm_record (UfRecorder *rec, const UfGemmArgs *a);
void uf_op_gemm_reference (const UfGemmArgs *a, const UfHostBuffers *h);

#endif
