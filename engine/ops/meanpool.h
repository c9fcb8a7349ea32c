/* ops/meanpool.h: mean over N tokens of [N][C], for each of `windows`
 * such inputs one after another (0 = 1), into [windows][C] */
#ifndef UF_OP_MEANPOOL_H
#define UF_OP_MEANPOOL_H

#include "uf-op.h"

typedef struct {
  guint32 N, C;
  guint32 in_off, out_off;
  guint32 windows;
} UfMeanpoolArgs;
void uf_op_meanpool_record (UfRecorder *rec, const UfMeanpoolArgs *a);
void uf_op_meanpool_reference (const UfMeanpoolArgs *a, const UfHostBuffers *h);

#endif
