/* uf-blocks.c: the shared pieces of forward pass (uf-blocks.h). */
#include "uf-blocks.h"

void
uf_block_linear (UfRecorder *rec, const UfMatrixRef *m, guint32 rows, guint32 a_off,
    guint32 c_off, guint32 flags)
{
  UfGemmArgs g = {
    .M = rows, .N = m->N, .K = m->K,
    .a_off = a_off, .lda = m->K,
    .b_off = m->w, .ldb = m->ldb, .b_f16 = m->f16,
    .bias_off = m->bias,
    .c_off = c_off, .ldc = m->N,
    .flags = flags | UF_GEMM_BIAS,
  };
  uf_op_gemm_record (rec, &g);
}

void
uf_block_layernorm (UfRecorder *rec, guint32 rows, guint32 C, guint32 in, guint32 out,
    guint32 gamma, guint32 beta, float eps)
{
  UfLayernormArgs l = { rows, C, in, out, gamma, beta, eps };
  uf_op_layernorm_record (rec, &l);
}
