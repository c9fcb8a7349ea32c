/* ops/tokenmerge.h: the representative token of the dropped tokens, their
 * score-weighted mean: rep[c] = sum_r g[t_r] x[t_r][c] / sum_r g[t_r] over
 * the ranks K <= r < N, t_r = order[r] (a tokenrank output). Written to
 * out_off and to copy_off (the scatter's saved row). x, g, order in the
 * arena (shaders/tokenmerge.comp). */
#ifndef UF_OP_TOKENMERGE_H
#define UF_OP_TOKENMERGE_H

#include "uf-op.h"

typedef struct {
  guint32 N, K, C;
  guint32 x_off, score_off, order_off;
  guint32 out_off, copy_off;
} UfTokenmergeArgs;
void uf_op_tokenmerge_record (UfRecorder *rec, const UfTokenmergeArgs *a);
void uf_op_tokenmerge_reference (const UfTokenmergeArgs *a, const UfHostBuffers *h);

#endif
