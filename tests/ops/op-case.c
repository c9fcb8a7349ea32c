/* op-case.c: running one case-table row as a test or as a benchmark. */
#include "op-case.h"

gconstpointer
uf_op_suite_row (const UfOpSuite *s, gsize i)
{
  return (const char *) s->rows + i * s->row_size;
}

const char *
uf_op_suite_bench_name (const UfOpSuite *s, gsize i)
{
  return G_STRUCT_MEMBER (const char *, uf_op_suite_row (s, i), s->bench_offset);
}

void
uf_op_case_run (UfOpCase *oc, UfOpBench *b, UfOpRecordFunc record,
    UfOpReferenceFunc reference, gconstpointer args)
{
  if (oc->mode == UF_OP_CASE_BENCH) {
    b->repeats = 2;
    reference = NULL;
  }
  uf_op_bench_run (b, record, reference, args);
}

void
uf_op_case_report (UfOpCase *oc, UfOpBench *b, double macs)
{
  g_print ("%-36s %9.2f ms %8.2f GFLOP/s %9.2f CPU ms %8.2f GFLOP/CPU-s\n", oc->bench,
      b->last_ms, 2 * macs / b->last_ms / 1e6, b->last_cpu_ms,
      2 * macs / b->last_cpu_ms / 1e6);
}

void
uf_op_case_check (UfOpCase *oc, UfOpBench *b, UfOpRegion out, double least,
    double bound, double macs, const char *what)
{
  if (oc->mode == UF_OP_CASE_BENCH) {
    uf_op_case_report (oc, b, macs);
    return;
  }
  double err = uf_op_bench_region_error (b->gpu_arena, b->arena, out, 1e-6);
  gsize stray = uf_op_bench_count_outside (b->gpu_arena, b->arena, b->n_arena, out);
  g_test_message ("%s: relative error %.3g over the output (bound %.2g)", what, err, bound);
  if (!(err <= bound))
    g_test_fail_printf ("%s: relative error %.3g exceeds %.2g", what, err, bound);
  if (err < least)
    g_test_fail_printf ("%s: relative error %.3g is below %.2g: the fp16 path did not run",
        what, err, least);
  if (stray > 0)
    g_test_fail_printf ("%s: %" G_GSIZE_FORMAT " elements outside the output changed", what,
        stray);
}

UfTuning
uf_op_case_path_tuning (UfOpCase *oc, guint gemm_tiled, guint arith_f16, guint gemm_coopmat)
{
  UfTuning tuning = *oc->dev->tuning;
  tuning.gemm_tiled = gemm_tiled;
  tuning.arith_f16 = arith_f16;
  tuning.gemm_coopmat = gemm_coopmat;
  return tuning;
}

gboolean
uf_op_case_skip_without_float16 (UfOpCase *oc)
{
  if (oc->dev->has_float16)
    return FALSE;
  g_test_skip ("the device lacks shaderFloat16: no fp16 arithmetic path");
  return TRUE;
}
