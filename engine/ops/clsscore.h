/* ops/clsscore.h: the light models' token scores from the cls row's
 * attention (../shared/docs/uniformer-light-spec.md 4.1). Over the L rows
 * of qkv [L][3C] (q | k | v, each head h at channels h*head_dim..), row 0
 * the cls token: s_j = mean over heads of softmax_j (q_0 . k_j * scale),
 * for the key rows j = 1..n; then each score g[t] of token t = order[j-1]
 * (the identity with no order) becomes s_j, or (1 - t) g[t] + t s_j unless
 * @first. @probs_off: [heads][L], where each head's probabilities are
 * left. In the arena
 * (shaders/clsscore.comp, two dispatches: the softmax per head, then the
 * update). */
#ifndef UF_OP_CLSSCORE_H
#define UF_OP_CLSSCORE_H

#include "uf-op.h"

typedef struct {
  guint32 L, C, head_dim, n;
  guint32 qkv_off, score_off, order_off, probs_off;
  float scale, trade_off;
  gboolean first;
} UfClsscoreArgs;
void uf_op_clsscore_record (UfRecorder *rec, const UfClsscoreArgs *a);
void uf_op_clsscore_reference (const UfClsscoreArgs *a, const UfHostBuffers *h);

#endif
