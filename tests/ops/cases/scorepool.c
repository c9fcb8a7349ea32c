/* cases/scorepool.c: pooled stage-3 scores, positive as the softmax gives
 * them. Bound: 4x the worst fp32 error measured on lavapipe when it was
 * set (the reference sums in double), rounded up to two significant
 * digits. The benchmark row is UniFormer-XS's at 32 x 192 x 192. */
#include <math.h>
#include "../op-case.h"

#define SCOREPOOL_BOUND 6e-7

typedef struct {
  guint32 T, H, W;
  const char *bench;
} ScorepoolRow;

static const ScorepoolRow rows[] = {
  { 2, 4, 6 },
  { 3, 10, 10 },
  { 4, 8, 8 },
  { 16, 12, 12, "light XS stage 3 score pool (2304)" },
};

static void
run (UfOpCase *oc, gconstpointer row)
{
  const ScorepoolRow *c = row;
  guint32 n = c->T * c->H * c->W;
  UfScorepoolArgs a = { c->T, c->H, c->W, 3, 3 + n + 2 };
  UfOpBench b;
  uf_op_bench_init (&b, oc->dev, n, a.out_off + n / 4 + 3, 0, 0, 0, 0, 0, 1.0f);
  for (guint32 i = 0; i < n; i++)
    b.arena[a.in_off + i] = fabsf (b.arena[a.in_off + i]) / n;
  uf_op_case_run (oc, &b, RECORD (uf_op_scorepool_record), REFERENCE (uf_op_scorepool_reference),
      &a);
  uf_op_case_check (oc, &b, UF_OP_SPAN (a.out_off, n / 4), 0.0, SCOREPOOL_BOUND,
      (double) n * n / 4, "scorepool");
  uf_op_bench_clear (&b);
}

const UfOpSuite uf_op_cases_scorepool[] = {
  { "scorepool", UF_OP_ROWS (rows, ScorepoolRow), run, TRUE },
  { NULL },
};
