/* op-case.h: each op's case table (tests/ops/cases/<op>.c) serves both the
 * op tests (test-ops.c) and the op benchmark (bench-ops.c), with the same
 * code. A test row has small, odd sizes and is run on the device and by
 * the op's C reference, within a stated bound; a benchmark row (one with a
 * bench name) has a network's sizes and is timed on the device alone.
 * tests/ops/meson.build generates the list of case tables from the op
 * list. */
#ifndef OP_CASE_H
#define OP_CASE_H

#include "op-bench.h"

typedef enum { UF_OP_CASE_TEST, UF_OP_CASE_BENCH } UfOpCaseMode;

typedef struct {
  UfDevice *dev;
  UfOpCaseMode mode;
  const char *bench;          /* a benchmark row's name */
} UfOpCase;

typedef void (*UfOpCaseFunc) (UfOpCase *oc, gconstpointer row);

/* A table of rows of one struct type, each with a `const char *bench`
 * member (NULL in test rows), and the function that runs a row. */
typedef struct {
  const char *name;           /* test paths /ops/<name>/<i> */
  gconstpointer rows;
  gsize row_size, n_rows, bench_offset;
  UfOpCaseFunc run;
  gboolean benchmarked;       /* whether bench-ops runs its benchmark rows */
} UfOpSuite;
#define UF_OP_ROWS(rows, type) \
  (rows), sizeof (type), G_N_ELEMENTS (rows), G_STRUCT_OFFSET (type, bench)

/* Row @i of @s, and its bench name (NULL: a test row). */
gconstpointer uf_op_suite_row (const UfOpSuite *s, gsize i);
const char *uf_op_suite_bench_name (const UfOpSuite *s, gsize i);

/* Runs the op on @b's buffers: in a test, on the device and then its C
 * reference; in a benchmark, twice on the device, the second timed. */
void uf_op_case_run (UfOpCase *oc, UfOpBench *b, UfOpRecordFunc record,
    UfOpReferenceFunc reference, gconstpointer args);

/* In a test: the relative error over @out (in the arena) must lie in
 * [least, bound] (least is 0 except for the fp16 paths, whose rounding
 * shows that they ran), and every other arena element must still hold its
 * input bit for bit. In a benchmark: prints the time and GFLOP/s of @macs
 * multiply-adds. */
void uf_op_case_check (UfOpCase *oc, UfOpBench *b, UfOpRegion out, double least,
    double bound, double macs, const char *what);
void uf_op_case_report (UfOpCase *oc, UfOpBench *b, double macs);

/* Tuning for one path, whatever the device's table row says: fp32
 * arithmetic unless asked, no cooperative matrices unless asked. */
UfTuning uf_op_case_path_tuning (UfOpCase *oc, guint gemm_tiled, guint arith_f16,
    guint gemm_coopmat);
/* TRUE (and the test skipped) where the device lacks shaderFloat16. */
gboolean uf_op_case_skip_without_float16 (UfOpCase *oc);

/* The fp16 paths' least error: rounding the inputs to fp16 alone leaves
 * more than 10x this, and fp32 arithmetic stays more than 10x below it, so
 * an error at fp32's level means the fp16 path did not run. */
#define FP16_LEAST 2e-5

#define RECORD(fn) ((UfOpRecordFunc) (void (*) (void)) (fn))
#define REFERENCE(fn) ((UfOpReferenceFunc) (void (*) (void)) (fn))

#endif
