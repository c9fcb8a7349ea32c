/* cases/clsscore.c: the first block's scores (set, over every token), a
 * pruned block's (the kept tokens' updated through a shuffled order, the
 * rest untouched) and an unpruned block's (all updated in place); head
 * counts and lengths of the light models and odd ones.
 * Bound: 4x the worst fp32 error measured on lavapipe when it was set (the
 * reference works in double), rounded up to two significant digits. The
 * benchmark row is UniFormer-XS's stage 3 at 32 x 192 x 192. */
#include <math.h>
#include "../op-case.h"

#define CLSSCORE_BOUND 1.4e-6

typedef struct {
  guint32 L, C, head_dim, n, N;       /* N: scores; n of them updated */
  gboolean first, ordered;
  float trade_off;
  const char *bench;
} ClsscoreRow;

static const ClsscoreRow rows[] = {
  { 40, 64, 16, 39, 39, TRUE, FALSE, 0.5f },
  { 40, 64, 16, 38, 75, FALSE, TRUE, 0.5f },
  { 257, 224, 28, 256, 256, FALSE, FALSE, 0.3f },
  { 130, 224, 28, 128, 256, FALSE, TRUE, 0.5f },
  { 102, 448, 28, 100, 200, FALSE, TRUE, 0.5f },
  { 9, 12, 4, 7, 16, FALSE, TRUE, 0.25f },
  { 1154, 256, 32, 1152, 2304, FALSE, TRUE, 0.5f, "light XS stage 3 cls scores (1154)" },
};

static void
run (UfOpCase *oc, gconstpointer row)
{
  const ClsscoreRow *c = row;
  guint32 heads = c->C / c->head_dim;
  /* order | qkv | scores, probs */
  UfClsscoreArgs a = {
    .L = c->L, .C = c->C, .head_dim = c->head_dim, .n = c->n,
    .order_off = c->ordered ? 2 : UF_NO_OFFSET, .scale = 1.0f / sqrtf (c->head_dim),
    .trade_off = c->trade_off, .first = c->first,
  };
  a.qkv_off = 2 + c->N + 1;
  a.score_off = a.qkv_off + 3 * c->L * c->C + 2;
  a.probs_off = a.score_off + c->N;
  gsize n_out = c->N + (gsize) heads * c->L;
  UfOpBench b;
  uf_op_bench_init (&b, oc->dev, c->L + c->n, a.score_off + n_out + 3, 0, 0, 0, 0, 0, 1.0f);
  g_assert_true (!c->ordered || c->N % 7 != 0);
  for (guint32 r = 0; r < c->N; r++) {
    b.arena[2 + r] = (r * 7 + 3) % c->N;
    b.arena[a.score_off + r] = fabsf (b.arena[a.score_off + r]) / c->N;
  }
  uf_op_case_run (oc, &b, RECORD (uf_op_clsscore_record), REFERENCE (uf_op_clsscore_reference),
      &a);
  uf_op_case_check (oc, &b, UF_OP_SPAN (a.score_off, n_out), 0.0, CLSSCORE_BOUND,
      (double) c->L * c->C, "clsscore");
  uf_op_bench_clear (&b);
}

const UfOpSuite uf_op_cases_clsscore[] = {
  { "clsscore", UF_OP_ROWS (rows, ClsscoreRow), run, TRUE },
  { NULL },
};
