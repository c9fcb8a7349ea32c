/* cases/rowadd.c: TimeSformer-like 1 + N*T rows with the cls row replaced,
 * VideoMAE-like rows without one; sizes that fill no workgroup exactly.
 * One rounding per element, as the reference rounds it: exact. */
#include "../op-case.h"

typedef struct {
  guint32 rows, C, replace;
  const char *bench;
} RowaddRow;

static const RowaddRow rows[] = {
  { 197, 40, 1 },
  { 785, 24, 1 },
  { 98, 36, 0 },
  { 1 + 8 * 196, 768, 1, "TimeSformer position embedding" },
};

static void
run (UfOpCase *oc, gconstpointer row)
{
  const RowaddRow *c = row;
  gsize n = (gsize) c->rows * c->C;
  UfRowaddArgs a = { c->rows, c->C, 3, 5, c->replace };
  UfOpBench b;
  uf_op_bench_init (&b, oc->dev, 7, a.off + n + 2, a.table_off + n + 1, 0, 0, 0, 0, 1.0f);
  uf_op_case_run (oc, &b, RECORD (uf_op_rowadd_record), REFERENCE (uf_op_rowadd_reference), &a);
  uf_op_case_check (oc, &b, UF_OP_SPAN (a.off, n), 0.0, 0.0, n / 2.0, "rowadd");
  uf_op_bench_clear (&b);
}

const UfOpSuite uf_op_cases_rowadd[] = {
  { "rowadd", UF_OP_ROWS (rows, RowaddRow), run, TRUE },
  { NULL },
};
