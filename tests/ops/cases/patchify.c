/* cases/patchify.c: patchify rows. W (modes 0 and 2, with the patch in
 * mode 2) or Cin (modes 1 and 4) a multiple of 4: four k per invocation;
 * modes 3 and 4 (the light stem's padded 3x3x3 convs) with sizes whose
 * last stride runs off the edge. patchify
 * only moves values: it must be exact. The benchmark rows are UniFormer-S's
 * stem at 16 x 224 x 224 and the video ViTs' patch embeddings. */
#include "../op-case.h"

typedef struct {
  guint32 mode, T, H, W, Cin, tubelet, patch;
  gboolean time_minor;
  guint32 stride_t, stride_s;   /* modes 3 and 4 */
  guint32 to_first, to_count;   /* modes 3 and 4: a chunk of output frames (count 0: all) */
  guint32 windows;              /* modes 0 and 2: windows in one dispatch (0: 1) */
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
  { 3, 5, 10, 14, 3, .stride_t = 1, .stride_s = 2 },
  { 3, 4, 9, 7, 3, .stride_t = 2, .stride_s = 2 },
  { 4, 5, 7, 9, 8, .stride_t = 2, .stride_s = 2 },
  { 4, 3, 6, 5, 6, .stride_t = 2, .stride_s = 2 },
  { 4, 4, 5, 6, 4, .stride_t = 1, .stride_s = 1 },
  { 3, 7, 9, 10, 3, .stride_t = 1, .stride_s = 2, .to_first = 2, .to_count = 3 },
  { 4, 7, 6, 8, 8, .stride_t = 2, .stride_s = 2, .to_first = 3, .to_count = 1 },
  { 0, 4, 8, 12, 3, .windows = 3 },             /* a batch: each window its slots */
  { 0, 4, 8, 10, 3, .windows = 2 },
  { 2, 3, 16, 20, 3, 1, 4, TRUE, .windows = 3 },
  { 0, 16, 224, 224, 3, .bench = "stem patchify (16 x 224)" },
  { 0, 8, 64, 64, 3, .bench = "stem patchify (8 x 64, the shipped model)" },
  { 0, 8, 64, 64, 3, .windows = 16, .bench = "stem patchify (8 x 64, the shipped model, x16)" },
  { 1, 4, 16, 16, 32, .bench = "patch_embed2 (the shipped model)" },
  { 3, 16, 160, 160, 3, .stride_t = 1, .stride_s = 2, .bench = "light stem conv1 (16 x 160)" },
  { 4, 16, 80, 80, 28, .stride_t = 2, .stride_s = 2, .bench = "light stem conv2 (16 x 160)" },
  { 2, 8, 224, 224, 3, 1, 16, TRUE, .bench = "TimeSformer patchify (8 x 224)" },
  { 2, 16, 224, 224, 3, 2, 16, FALSE, .bench = "VideoMAE patchify (16 x 224)" },
};

static void
run (UfOpCase *oc, gconstpointer row)
{
  const PatchifyRow *c = row;
  guint32 stride = c->mode == 0 ? 4 : c->mode == 1 ? 2 : c->patch;
  UfPatchifyArgs a = {
    .mode = c->mode, .T = c->T, .H = c->H, .W = c->W, .Cin = c->Cin,
    .To = c->mode == 0 ? c->T / 2 : c->mode == 1 ? c->T : c->T / MAX (c->tubelet, 1),
    .Ho = c->H / MAX (stride, 1), .Wo = c->W / MAX (stride, 1),
    .slots_off = 1, .tubelet = c->tubelet, .patch = c->patch, .time_minor = c->time_minor,
    .stride_t = c->stride_t, .stride_s = c->stride_s, .windows = c->windows,
  };
  guint32 windows = MAX (c->windows, 1);
  if (c->mode >= 3) {
    a.To = c->to_count ? c->to_count : uf_op_patchify_conv3_out (c->T, c->stride_t);
    a.to_first = c->to_first;
    a.Ho = uf_op_patchify_conv3_out (c->H, c->stride_s);
    a.Wo = uf_op_patchify_conv3_out (c->W, c->stride_s);
  }
  gboolean from_ring = c->mode != 1 && c->mode != 4;
  gsize n_in = (gsize) c->T * c->H * c->W * c->Cin;
  guint32 slots = windows * c->T + 2;
  a.in_off = from_ring ? 3 * c->H * c->W : c->Cin % 4 == 0 ? 4 : 2;
  a.out_off = from_ring ? 1 : a.in_off + n_in + 2;
  gsize n_out = (gsize) windows * a.To * a.Ho * a.Wo * uf_op_patchify_k (&a);
  UfOpBench b;
  uf_op_bench_init (&b, oc->dev, c->T * 3 + c->mode, a.out_off + n_out + 3, 0, 0,
      from_ring ? (gsize) slots * a.in_off : 0, windows * c->T + 1, 0, 1.0f);
  for (guint32 t = 0; t < windows * c->T; t++)       /* shuffled windows */
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
