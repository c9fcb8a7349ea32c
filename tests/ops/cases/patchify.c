/* cases/patchify.c: patchify rows. W (modes 0 and 2, with the patch in
 * mode 2) or Cin (mode 1) a multiple of 4: four k per invocation. patchify
 * only moves values: it must be exact. The benchmark rows are UniFormer-S's
 * stem at 16 x 224 x 224 and the video ViTs' patch embeddings. */
#include "../op-case.h"

typedef struct {
  guint32 mode, T, H, W, Cin, tubelet, patch;
  gboolean time_minor;
  const char *bench;
} PatchifyRow;

static const PatchifyRow rows[] = {
  { 0, 4, 8, 12, 3 },
  { 0, 6, 32, 32, 3 },
  { 0, 4, 8, 10, 3 },
  { 1, 3, 6, 10, 5 },
  { 1, 2, 4, 4, 64 },
  { 2, 4, 32, 48, 3, 2, 16, FALSE },            /* ViViT and VideoMAE tubelets */
  { 2, 3, 16, 20, 3, 1, 4, TRUE },              /* TimeSformer's (h, w, t) order */
  { 2, 4, 10, 15, 3, 2, 5, FALSE },             /* odd patch: one k per invocation */
  { 2, 6, 15, 10, 3, 3, 5, TRUE },
  { 0, 16, 224, 224, 3, .bench = "stem patchify (16 x 224)" },
  { 2, 8, 224, 224, 3, 1, 16, TRUE, "TimeSformer patchify (8 x 224)" },
  { 2, 16, 224, 224, 3, 2, 16, FALSE, "VideoMAE patchify (16 x 224)" },
};

static void
run (UfOpCase *oc, gconstpointer row)
{
  const PatchifyRow *c = row;
  guint32 stride = c->mode == 0 ? 4 : c->mode == 1 ? 2 : c->patch;
  UfPatchifyArgs a = {
    .mode = c->mode, .T = c->T, .H = c->H, .W = c->W, .Cin = c->Cin,
    .To = c->mode == 0 ? c->T / 2 : c->mode == 1 ? c->T : c->T / c->tubelet,
    .Ho = c->H / stride, .Wo = c->W / stride,
    .slots_off = 1, .tubelet = c->tubelet, .patch = c->patch, .time_minor = c->time_minor,
  };
  gboolean from_ring = c->mode != 1;
  gsize n_in = (gsize) c->T * c->H * c->W * c->Cin;
  guint32 slots = c->T + 2;
  a.in_off = from_ring ? 3 * c->H * c->W : c->Cin % 4 == 0 ? 4 : 2;
  a.out_off = from_ring ? 1 : 2 + n_in;
  gsize n_out = (gsize) a.To * a.Ho * a.Wo * uf_op_patchify_k (&a);
  UfOpBench b;
  uf_op_bench_init (&b, oc->dev, c->T * 3 + c->mode, a.out_off + n_out + 3, 0, 0,
      from_ring ? (gsize) slots * a.in_off : 0, c->T + 1, 0, 1.0f);
  for (guint32 t = 0; t < c->T; t++)         /* a shuffled window */
    b.control[1 + t] = (t * 5 + 3) % slots;
  uf_op_case_run (oc, &b, RECORD (uf_op_patchify_record),
      REFERENCE (uf_op_patchify_reference), &a);
  /* moves, not multiply-adds: a benchmark's GFLOP/s count one per value */
  uf_op_case_check (oc, &b, UF_OP_SPAN (a.out_off, n_out), 0.0, 0.0, n_out / 2.0, "patchify");
  uf_op_bench_clear (&b);
}

const UfOpSuite uf_op_cases_patchify[] = {
  { "patchify", UF_OP_ROWS (rows, PatchifyRow), run, TRUE },
  { NULL },
};
