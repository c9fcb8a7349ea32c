/* cases/layernorm.c: LayerNorm rows, with small-variance rows so that a
 * wrong eps would show. in_off 1: one value per load; 4: vec4 texels (C a
 * multiple of 4 too). The benchmark rows are UniFormer-S's at 16 x 224 x
 * 224 and the video ViT-B models'.
 *
 * Bound: 4x the worst fp32 error measured on lavapipe over both tuning
 * rows when it was set, rounded up to two significant digits. */
#include "../op-case.h"

#define LAYERNORM_BOUND 9.3e-7

typedef struct {
  guint32 rows, C;
  float eps, scale;
  guint32 in_off;
  const char *bench;
} LayernormRow;

static const LayernormRow rows[] = {
  { 37, 20, 1e-6f, 1.0f, 1 },
  { 9, 320, 1e-6f, 2e-3f, 1 },
  { 13, 64, 1e-5f, 3e-3f, 1 },
  { 37, 20, 1e-6f, 1.0f, 4 },
  { 9, 320, 1e-6f, 2e-3f, 4 },
  { 13, 64, 1e-5f, 3e-3f, 4 },
  { 8 * 14 * 14, 320, 1e-6f, 1.0f, 4, "stage3 layernorm" },
  { 8 * 28 * 28, 128, 1e-6f, 1.0f, 4, "stage2 layernorm" },
  { 1 + 8 * 196, 768, 1e-6f, 1.0f, 4, "ViT-B layernorm (1569 rows)" },
};

static void
run (UfOpCase *oc, gconstpointer row)
{
  const LayernormRow *c = row;
  gsize n = (gsize) c->rows * c->C;
  UfLayernormArgs a = { c->rows, c->C, c->in_off, 4 + n, 0, c->C, c->eps };
  UfOpBench b;
  uf_op_bench_init (&b, oc->dev, c->C, a.out_off + n, 2 * c->C, 0, 0, 0, 0, c->scale);
  for (guint32 i = 0; i < 2 * c->C; i++)        /* gamma, beta of size O(1) */
    b.weights[i] = b.weights[i] / c->scale;
  uf_op_case_run (oc, &b, RECORD (uf_op_layernorm_record),
      REFERENCE (uf_op_layernorm_reference), &a);
  uf_op_case_check (oc, &b, UF_OP_SPAN (a.out_off, n), 0.0, LAYERNORM_BOUND, (double) n,
      "layernorm");
  uf_op_bench_clear (&b);
}

const UfOpSuite uf_op_cases_layernorm[] = {
  { "layernorm", UF_OP_ROWS (rows, LayernormRow), run, TRUE },
  { NULL },
};
