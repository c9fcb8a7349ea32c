/* bench-ops.c: times each op at the sizes UniFormer-S uses (16 x 224 x 224)
 * and the video ViT-B models use (TimeSformer 8 x 224 x 224, VideoMAE 16 x
 * 224 x 224), to show where the time goes: the benchmark rows of every op's
 * case table (tests/ops/cases/<op>.c), run by the code its test rows run.
 * A benchmark, not a test:
 *   build/tests/ops/bench-ops [only]
 * With "only", just the rows whose name contains it (e.g. "fc", "DW"). */
#include <string.h>
#include "op-case-tables.h"

int
main (int argc, char **argv)
{
  const char *only = argc > 1 ? argv[1] : NULL;
  GError *error = NULL;
  UfOpCase bench = { .mode = UF_OP_CASE_BENCH };
  bench.dev = uf_device_open (NULL, &error);
  if (bench.dev == NULL) {
    g_printerr ("%s\n", error->message);
    g_error_free (error);
    return 1;
  }
  char *paths = uf_device_describe_paths (bench.dev);
  g_print ("device: %s\nengine paths: %s\n", uf_device_get_name (bench.dev), paths);
  g_free (paths);
  for (const UfOpSuite *const *table = uf_op_case_tables; *table; table++)
    for (const UfOpSuite *s = *table; s->name; s++)
      for (gsize i = 0; s->benchmarked && i < s->n_rows; i++) {
        bench.bench = uf_op_suite_bench_name (s, i);
        if (bench.bench != NULL && (only == NULL || strstr (bench.bench, only) != NULL))
          s->run (&bench, uf_op_suite_row (s, i));
      }
  uf_device_unref (bench.dev);
  return 0;
}
