/* ops/layernorm.h: per-row LayerNorm over C */
#ifndef UF_OP_LAYERNORM_H
#define UF_OP_LAYERNORM_H

#include "uf-op.h"

typedef struct {
  guint32 rows, C;
  guint32 in_off, out_off;
  guint32 gamma_off, beta_off;
  float eps;
} UfLayernormArgs;
void uf_op_layernorm_record (UfRecorder *rec, const UfLayernormArgs *a);
void uf_op_layernorm_reference (const UfLayernormArgs *a, const UfHostBuffers *h);

#endif
