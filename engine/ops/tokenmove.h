/* ops/tokenmove.h: moves token rows [C] through an order (a tokenrank
 * output, floats holding indices; UF_NO_OFFSET for the identity).
 *   gather: out[r] = in[order[r]] for r < K.
 *   scatter, the inverse: out[order[r]] = in[r] for r < K; and when N > K,
 *     out[order[r]] += in[K] - saved for K <= r < N: the dropped tokens take
 *     the change the representative token (row K of in, which held @saved
 *     before the block) went through, the light models' fast update.
 * in and out must not overlap (shaders/tokenmove.comp). */
#ifndef UF_OP_TOKENMOVE_H
#define UF_OP_TOKENMOVE_H

#include "uf-op.h"

typedef struct {
  gboolean scatter;
  guint32 N, K, C;            /* N: scatter only */
  guint32 in_off, out_off, order_off;
  guint32 saved_off;          /* scatter with N > K */
} UfTokenmoveArgs;
void uf_op_tokenmove_record (UfRecorder *rec, const UfTokenmoveArgs *a);
void uf_op_tokenmove_reference (const UfTokenmoveArgs *a, const UfHostBuffers *h);

#endif
