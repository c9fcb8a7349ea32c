/* tokenrank.c: ranks scores by counting (shaders/tokenrank.comp): the rank
 * of token i is the number of tokens before it in the order, so every
 * token finds its own place with no sort passes and no ties left open. */
#include <math.h>
#include "tokenrank.h"

void
uf_op_tokenrank_record (UfRecorder *rec, const UfTokenrankArgs *a)
{
  g_return_if_fail (a->N <= UF_TOKENRANK_MAX_N);
  guint32 spec[1] = { rec->tuning->rows_lx };
  guint32 push[3] = { a->N, a->score_off, a->order_off };
  uf_rec_dispatch (rec, UF_SHADER_TOKENRANK, spec, 1, push, sizeof (push),
      uf_div_up (a->N, spec[0]), 1, 1);
}

static float
rank_key (float s)
{
  return isnan (s) ? -INFINITY : s;
}

void
uf_op_tokenrank_reference (const UfTokenrankArgs *a, const UfHostBuffers *h)
{
  const float *g = h->arena + a->score_off;
  for (guint32 i = 0; i < a->N; i++) {
    float s = rank_key (g[i]);
    guint32 rank = 0;
    for (guint32 j = 0; j < a->N; j++) {
      float o = rank_key (g[j]);
      rank += o > s || (o == s && j < i);
    }
    h->arena[a->order_off + rank] = i;
  }
}
