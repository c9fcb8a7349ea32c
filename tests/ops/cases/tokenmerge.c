/* cases/tokenmerge.c: the dropped tokens' weighted mean, through a
 * shuffled order, with positive scores as the softmax gives them.
 * Bound: 4x the worst fp32 error measured on lavapipe when it was set (the
 * reference sums in double), rounded up to two significant digits. The
 * benchmark row is UniFormer-XS's stage 3 at 32 x 192 x 192. */
#include <math.h>
#include "../op-case.h"

#define TOKENMERGE_BOUND 1.7e-6

typedef struct {
  guint32 N, K, C;
  const char *bench;
} TokenmergeRow;

static const TokenmergeRow rows[] = {
  { 37, 18, 12 },
  { 30, 29, 5 },
  { 801, 400, 20 },
  { 2304, 1152, 256, "light XS stage 3 merge (1152 into 1)" },
};

static void
run (UfOpCase *oc, gconstpointer row)
{
  const TokenmergeRow *c = row;
  /* order | scores | x | out, copy */
  UfTokenmergeArgs a = { c->N, c->K, c->C, .order_off = 1 };
  a.score_off = a.order_off + c->N + 2;
  a.x_off = a.score_off + c->N + 1;
  a.out_off = a.x_off + c->N * c->C + 3;
  a.copy_off = a.out_off + c->C;
  UfOpBench b;
  uf_op_bench_init (&b, oc->dev, c->N * 3 + c->K, a.copy_off + c->C + 2, 0, 0, 0, 0, 0, 1.0f);
  g_assert_true (c->N % 7 != 0);
  for (guint32 r = 0; r < c->N; r++) {
    b.arena[a.order_off + r] = (r * 7 + 3) % c->N;
    b.arena[a.score_off + r] = fabsf (b.arena[a.score_off + r]) + 0.01f;
  }
  uf_op_case_run (oc, &b, RECORD (uf_op_tokenmerge_record),
      REFERENCE (uf_op_tokenmerge_reference), &a);
  uf_op_case_check (oc, &b, UF_OP_SPAN (a.out_off, 2 * c->C), 0.0, TOKENMERGE_BOUND,
      (double) (c->N - c->K) * c->C, "tokenmerge");
  uf_op_bench_clear (&b);
}

const UfOpSuite uf_op_cases_tokenmerge[] = {
  { "tokenmerge", UF_OP_ROWS (rows, TokenmergeRow), run, TRUE },
  { NULL },
};
