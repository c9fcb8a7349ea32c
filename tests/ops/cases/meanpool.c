/* cases/meanpool.c: mean over tokens. Bound: 4x the worst fp32 error
 * measured on lavapipe when it was set, rounded up to two significant
 * digits. */
#include "../op-case.h"

#define MEANPOOL_BOUND 7.3e-7

typedef struct {
  guint32 N, C, windows;
  const char *bench;
} MeanpoolRow;

static const MeanpoolRow rows[] = {
  { 97, 43 },
  { 29, 21, 3 },
  { 8 * 7 * 7, 512, 0, "stage4 meanpool" },
};

static void
run (UfOpCase *oc, gconstpointer row)
{
  const MeanpoolRow *c = row;
  guint32 w = MAX (c->windows, 1);
  UfMeanpoolArgs a = { c->N, c->C, 3, 3 + w * c->N * c->C + 1, c->windows };
  UfOpBench b;
  uf_op_bench_init (&b, oc->dev, 5, a.out_off + w * c->C, 0, 0, 0, 0, 0, 1.0f);
  uf_op_case_run (oc, &b, RECORD (uf_op_meanpool_record), REFERENCE (uf_op_meanpool_reference),
      &a);
  uf_op_case_check (oc, &b, UF_OP_SPAN (a.out_off, w * a.C), 0.0, MEANPOOL_BOUND,
      (double) w * c->N * c->C, "meanpool");
  uf_op_bench_clear (&b);
}

const UfOpSuite uf_op_cases_meanpool[] = {
  { "meanpool", UF_OP_ROWS (rows, MeanpoolRow), run, TRUE },
  { NULL },
};
