/* ops/dwconv.h: depthwise KS^3 conv, channels-last, zero padding, optional
 * residual, over @batch independent grids [T][H][W][C] stored one after
 * another (batch 0 means 1): padding stops at each grid's edges. */
#ifndef UF_OP_DWCONV_H
#define UF_OP_DWCONV_H

#include "uf-op.h"

typedef struct {
  guint32 T, H, W, C;
  guint32 in_off, out_off;    /* arena; must not overlap */
  guint32 w_off, bias_off;    /* weights: [KS^3][C] and [C] */
  guint32 residual;
  guint32 ks;                 /* 3 or 5 (any odd size works) */
  guint32 batch;
} UfDwconvArgs;
void uf_op_dwconv_record (UfRecorder *rec, const UfDwconvArgs *a);
void uf_op_dwconv_reference (const UfDwconvArgs *a, const UfHostBuffers *h);

#endif
