/* cases/tokenmove.c: gathers and scatters through a shuffled order and
 * through the identity; scatters with and without the dropped tokens'
 * update. A gather moves values (exact); the update is one subtraction and
 * one addition per element in the reference's order: exact too. The
 * benchmark rows are UniFormer-XS's stage 3 at 32 x 192 x 192. */
#include "../op-case.h"

typedef struct {
  gboolean scatter;
  guint32 N, K, C;
  gboolean identity;
  const char *bench;
} TokenmoveRow;

static const TokenmoveRow rows[] = {
  { FALSE, 37, 18, 12 },
  { FALSE, 37, 37, 7, TRUE },
  { TRUE, 37, 18, 12 },
  { TRUE, 50, 50, 9 },
  { TRUE, 29, 29, 5, TRUE },
  { TRUE, 801, 400, 20 },
  { FALSE, 2304, 1152, 256, .bench = "light XS stage 3 gather (1152 of 2304)" },
  { TRUE, 2304, 1152, 256, .bench = "light XS stage 3 scatter (2304)" },
};

static void
run (UfOpCase *oc, gconstpointer row)
{
  const TokenmoveRow *c = row;
  /* order | rows in (N, or K + 1 for a scatter) | saved | out (N or K rows) */
  guint32 in_rows = c->scatter ? c->K + 1 : c->N, out_rows = c->scatter ? c->N : c->K;
  UfTokenmoveArgs a = {
    .scatter = c->scatter, .N = c->N, .K = c->K, .C = c->C,
    .order_off = c->identity ? UF_NO_OFFSET : 2,
  };
  a.in_off = 2 + c->N + 3;
  a.saved_off = a.in_off + in_rows * c->C + 1;
  a.out_off = a.saved_off + c->C + 2;
  UfOpBench b;
  uf_op_bench_init (&b, oc->dev, c->N + c->K, a.out_off + out_rows * c->C + 3, 0, 0, 0, 0, 0,
      1.0f);
  for (guint32 r = 0; r < c->N; r++)        /* a shuffled order: 7 is prime to N */
    b.arena[2 + r] = (r * 7 + 3) % c->N;
  g_assert_true (c->identity || c->N % 7 != 0);
  uf_op_case_run (oc, &b, RECORD (uf_op_tokenmove_record), REFERENCE (uf_op_tokenmove_reference),
      &a);
  uf_op_case_check (oc, &b, UF_OP_SPAN (a.out_off, (gsize) out_rows * c->C), 0.0, 0.0,
      (double) out_rows * c->C / 2, c->scatter ? "tokenmove scatter" : "tokenmove gather");
  uf_op_bench_clear (&b);
}

const UfOpSuite uf_op_cases_tokenmove[] = {
  { "tokenmove", UF_OP_ROWS (rows, TokenmoveRow), run, TRUE },
  { NULL },
};
