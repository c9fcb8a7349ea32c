/* cases/tokenrank.c: score orders, with ties (scores rounded to a few
 * values, so most tokens share theirs with others), a NaN, and a single
 * token. An order is exact or wrong: bound 0. The benchmark row is
 * UniFormer-XS's stage 3 at 32 x 192 x 192. */
#include <math.h>
#include "../op-case.h"

typedef struct {
  guint32 N;
  gboolean ties, nan;
  const char *bench;
} TokenrankRow;

static const TokenrankRow rows[] = {
  { 37 },
  { 200, TRUE },
  { 1 },
  { 129, TRUE, TRUE },
  { 801 },
  { 2304, .bench = "light XS stage 3 token rank (2304)" },
};

static void
run (UfOpCase *oc, gconstpointer row)
{
  const TokenrankRow *c = row;
  UfTokenrankArgs a = { c->N, 3, 3 + c->N + 2 };
  UfOpBench b;
  uf_op_bench_init (&b, oc->dev, c->N, a.order_off + c->N + 3, 0, 0, 0, 0, 0, 1.0f);
  for (guint32 i = 0; c->ties && i < c->N; i++)
    b.arena[a.score_off + i] = floorf (b.arena[a.score_off + i] * 2.0f) / 2.0f;
  if (c->nan)
    b.arena[a.score_off + c->N / 2] = NAN;
  uf_op_case_run (oc, &b, RECORD (uf_op_tokenrank_record), REFERENCE (uf_op_tokenrank_reference),
      &a);
  uf_op_case_check (oc, &b, UF_OP_SPAN (a.order_off, c->N), 0.0, 0.0, (double) c->N * c->N / 2,
      "tokenrank");
  uf_op_bench_clear (&b);
}

const UfOpSuite uf_op_cases_tokenrank[] = {
  { "tokenrank", UF_OP_ROWS (rows, TokenrankRow), run, TRUE },
  { NULL },
};
