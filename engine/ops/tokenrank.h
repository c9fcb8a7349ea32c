/* ops/tokenrank.h: the order of N token scores, highest first, equal
 * scores by lower token index (a stable descending sort; a NaN score ranks
 * as -inf): order[r] is the index of the token of rank r, stored as a
 * float in the arena (exact below 2^24). The light models' token pruning
 * keeps the first K of the order (shaders/tokenrank.comp). */
#ifndef UF_OP_TOKENRANK_H
#define UF_OP_TOKENRANK_H

#include "uf-op.h"

#define UF_TOKENRANK_MAX_N 65535u   /* one invocation compares with every score */

typedef struct {
  guint32 N;
  guint32 score_off, order_off;     /* arena; must not overlap */
} UfTokenrankArgs;
void uf_op_tokenrank_record (UfRecorder *rec, const UfTokenrankArgs *a);
void uf_op_tokenrank_reference (const UfTokenrankArgs *a, const UfHostBuffers *h);

#endif
