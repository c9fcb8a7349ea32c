/* cases/dwconv.c: depthwise conv rows. align 4: C and every offset a
 * multiple of 4, the four-channels-per-lane texel path; align 1: one
 * channel per lane from the storage buffers. batch: grids one after
 * another, padded each on its own (0: one). The benchmark rows are
 * UniFormer-S's at 16 x 224 x 224.
 *
 * Bound: 4x the worst fp32 error measured on lavapipe over both tuning
 * rows when it was set, rounded up to two significant digits. */
#include "../op-case.h"

#define DWCONV_BOUND 1.7e-6

typedef struct {
  guint32 T, H, W, C, ks, residual, align, batch;
  const char *bench;
} DwconvRow;

static const DwconvRow rows[] = {
  { 3, 5, 7, 12, 3, 1, 1 },
  { 4, 6, 9, 17, 5, 0, 1 },
  { 2, 3, 3, 8, 5, 1, 1 },
  { 5, 7, 11, 33, 3, 0, 1 },
  { 3, 5, 7, 12, 3, 1, 4 },
  { 4, 6, 9, 20, 5, 0, 4 },
  { 2, 3, 3, 8, 5, 1, 4 },
  { 5, 7, 11, 36, 3, 0, 4 },
  { 4, 9, 10, 64, 5, 0, 4 },
  { 3, 5, 7, 12, 3, 1, 4, 2 },
  { 2, 3, 5, 9, 5, 0, 1, 3 },
  { 4, 6, 6, 32, 5, 1, 4, 3 },
  { 8, 56, 56, 64, 5, 0, 4, 0, "stage1 DW5" },
  { 8, 56, 56, 64, 3, 1, 4, 0, "stage1 DPE" },
  { 8, 14, 14, 320, 3, 1, 4, 0, "stage3 DPE" },
  { 4, 16, 16, 32, 5, 0, 4, 8, "motion model stage1 DW5, batch 8" },
};

static void
run (UfOpCase *oc, gconstpointer row)
{
  const DwconvRow *c = row;
  gsize vol = (gsize) MAX (c->batch, 1) * c->T * c->H * c->W * c->C;
  guint32 in_off = c->align == 4 ? 4 : 3, w_off = c->align == 4 ? 8 : 7;
  guint32 taps = c->ks * c->ks * c->ks;
  UfDwconvArgs a = {
    .T = c->T, .H = c->H, .W = c->W, .C = c->C,
    .in_off = in_off, .out_off = (in_off + vol + 5 + c->align - 1) / c->align * c->align,
    .w_off = w_off, .bias_off = w_off + taps * c->C,
    .residual = c->residual, .ks = c->ks, .batch = c->batch,
  };
  UfOpBench b;
  uf_op_bench_init (&b, oc->dev, vol, a.out_off + vol + 4, a.bias_off + c->C, 0, 0, 0, 0,
      1.0f);
  uf_op_case_run (oc, &b, RECORD (uf_op_dwconv_record), REFERENCE (uf_op_dwconv_reference), &a);
  uf_op_case_check (oc, &b, UF_OP_SPAN (a.out_off, vol), 0.0, DWCONV_BOUND,
      (double) vol * taps, "dwconv");
  uf_op_bench_clear (&b);
}

const UfOpSuite uf_op_cases_dwconv[] = {
  { "dwconv", UF_OP_ROWS (rows, DwconvRow), run, TRUE },
  { NULL },
};
