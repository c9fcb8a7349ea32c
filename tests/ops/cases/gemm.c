/* cases/gemm.c: GEMM rows. Each test row runs in both fp32 shapes:
 * gemm.comp (lavapipe's) and gemm-tiled.comp (GPUs'), with A's rows on and
 * off texel (4-float) boundaries, which gemm.comp reads in different ways;
 * the gemm-arith16 suite runs gemm-tiled.comp with fp16 arithmetic and the
 * gemm-coopmat suite gemm-coopmat.comp, where the device has them. The
 * benchmark rows are UniFormer-S's at 16 x 224 x 224 and the video ViT-B
 * models' (C 768, MLP 3072, 1 + 8 x 196 rows), on the device's tuning.
 *
 * Bound: 4x the worst fp32 error the test rows measured on lavapipe, over
 * both layouts and both tuning rows (lavapipe's and UF_TUNING=row=gpu),
 * when it was set, rounded up to two significant digits: fp32 arithmetic in
 * another order than the double-precision reference. The error grows like
 * sqrt(K), so the bound is scaled by sqrt(K / 256) above K = 256 and the
 * margin taken on the scaled errors.
 *
 * fp16 paths (fp16 arithmetic, cooperative matrices): inputs rounded to
 * fp16 (unit roundoff 2^-11 = 4.9e-4 each), a product costs one more and
 * the fp16 sums are short (one 16-step panel) before fp32 takes over, so an
 * output carries a few units of random-signed error with no growth with K.
 * 4x the worst measured, as above. */
#include <math.h>
#include "../op-case.h"

#define GEMM_BOUND 2.3e-6       /* times MAX (1, sqrt (K / 256)) */
#define FP16_GEMM_BOUND 4.6e-3

typedef struct {
  guint32 M, N, K, flags;
  gboolean f16;
  const char *bench;
} GemmRow;

#define S1 (8 * 56 * 56)        /* UniFormer-S stage 1 tokens at 16 frames */
#define S3 (8 * 14 * 14)
#define VIT (1 + 8 * 196)
#define M16 (16 * 4 * 16 * 16)    /* the shipped model's stage 1, a batch of 16 */
static const GemmRow rows[] = {
  { 37, 20, 13, UF_GEMM_BIAS, FALSE },
  { 64, 64, 64, UF_GEMM_BIAS | UF_GEMM_ACCUMULATE, FALSE },
  { 1, 174, 256, UF_GEMM_BIAS, FALSE },
  { 100, 72, 33, UF_GEMM_BIAS | UF_GEMM_GELU, FALSE },
  { 41, 96, 144, 0, FALSE },
  { 37, 20, 13, UF_GEMM_BIAS, TRUE },
  { 29, 130, 70, UF_GEMM_BIAS | UF_GEMM_GELU, TRUE },
  { 50, 40, 77, UF_GEMM_BIAS | UF_GEMM_ACCUMULATE, TRUE },
  { 130, 136, 40, UF_GEMM_BIAS | UF_GEMM_GELU | UF_GEMM_ACCUMULATE, FALSE },
  { 70, 24, 2048, UF_GEMM_BIAS, TRUE },         /* the network's longest K */
  { 19, 256, 36, UF_GEMM_BIAS | UF_GEMM_GELU, FALSE },  /* wide tiles fill the lanes */
  { 23, 250, 20, UF_GEMM_BIAS | UF_GEMM_ACCUMULATE, TRUE },
  { 31, 60, 45, UF_GEMM_BIAS, TRUE },           /* F16 at 8 columns a lane: a fetch of 8 */
  { 9, 1020, 12, UF_GEMM_BIAS, FALSE },
  { 45, 52, 36, UF_GEMM_BIAS | UF_GEMM_GELU_TANH, FALSE },     /* ViViT's gelu_fast */
  { 29, 130, 70, UF_GEMM_BIAS | UF_GEMM_GELU_TANH | UF_GEMM_ACCUMULATE, TRUE },
  { S1, 64, 64, UF_GEMM_BIAS, FALSE, "stage1 conv1 1x1 (64->64)" },
  { S1, 256, 64, UF_GEMM_BIAS | UF_GEMM_GELU, FALSE, "stage1 fc1 (64->256)" },
  { S1, 64, 256, UF_GEMM_BIAS | UF_GEMM_ACCUMULATE, FALSE, "stage1 fc2 (256->64)" },
  { S3, 960, 320, UF_GEMM_BIAS, FALSE, "stage3 qkv (320->960)" },
  { S3, 1280, 320, UF_GEMM_BIAS | UF_GEMM_GELU, FALSE, "stage3 fc1 (320->1280)" },
  { S3, 320, 1280, UF_GEMM_BIAS | UF_GEMM_ACCUMULATE, FALSE, "stage3 fc2 (1280->320)" },
  { S3, 1280, 320, UF_GEMM_BIAS | UF_GEMM_GELU, TRUE, "stage3 fc1 f16 (320->1280)" },
  { M16, 32, 144, UF_GEMM_BIAS, FALSE, "motion x16 stem (144->32)" },
  { M16, 32, 32, UF_GEMM_BIAS | UF_GEMM_ACCUMULATE, FALSE, "motion x16 stage1 conv2 (32->32)" },
  { M16, 128, 32, UF_GEMM_BIAS | UF_GEMM_GELU, FALSE, "motion x16 stage1 fc1 (32->128)" },
  { M16, 32, 128, UF_GEMM_BIAS | UF_GEMM_ACCUMULATE, FALSE, "motion x16 stage1 fc2 (128->32)" },
  { M16 / 4, 256, 64, UF_GEMM_BIAS | UF_GEMM_GELU, FALSE, "motion x16 stage2 fc1 (64->256)" },
  { VIT, 2304, 768, UF_GEMM_BIAS, FALSE, "ViT-B qkv (768->2304, 1569 rows)" },
  { VIT, 3072, 768, UF_GEMM_BIAS | UF_GEMM_GELU, FALSE, "ViT-B fc1 (768->3072, 1569 rows)" },
  { VIT, 3072, 768, UF_GEMM_BIAS | UF_GEMM_GELU, TRUE, "ViT-B fc1 f16 (768->3072, 1569 rows)" },
  { VIT, 768, 3072, UF_GEMM_BIAS | UF_GEMM_ACCUMULATE, FALSE,
    "ViT-B fc2 (3072->768, 1569 rows)" },
};

/* A's layout: rows off texel boundaries (storage reads), on them (texel
 * reads), or packed as the network packs them (benchmarks). */
typedef enum { A_STORAGE, A_TEXELS, A_DENSE } ALayout;

static void
run (UfOpCase *oc, const GemmRow *c, ALayout layout, const UfTuning *tuning, double least,
    double bound, const char *what)
{
  guint32 ldb = (c->N + 7) / 8 * 8;
  UfGemmArgs a = {
    .M = c->M, .N = c->N, .K = c->K, .b_off = 16, .ldb = ldb, .b_f16 = c->f16,
    .flags = c->flags,
  };
  switch (layout) {
    case A_STORAGE:
      a.a_off = 5, a.lda = c->K + 3, a.bias_off = 3, a.ldc = c->N + 1;
      a.c_off = a.a_off + c->M * a.lda + 7;
      break;
    case A_TEXELS:
      a.a_off = 8, a.lda = (c->K + 3) / 4 * 4 + 4, a.bias_off = 8;
      a.ldc = (c->N + 3) / 4 * 4 + 4;
      a.c_off = a.a_off + c->M * a.lda + 8;
      break;
    case A_DENSE:
      a.a_off = 0, a.lda = c->K, a.bias_off = 0, a.ldc = c->N;
      a.c_off = c->M * c->K;
      break;
  }
  gsize n_arena = a.c_off + (gsize) c->M * a.ldc + 9;
  gsize n_w = 16 + (gsize) c->K * ldb + 8;
  UfOpBench b;
  uf_op_bench_init (&b, oc->dev, c->M * 7 + c->N, n_arena, n_w, c->f16 ? n_w : 0, 0, 0, 0,
      1.0f);
  b.tuning = tuning;
  uf_op_case_run (oc, &b, RECORD (uf_op_gemm_record), REFERENCE (uf_op_gemm_reference), &a);
  UfOpRegion c_region = { a.c_off, c->M, c->N, a.ldc };
  uf_op_case_check (oc, &b, c_region, least, bound, (double) c->M * c->N * c->K, what);
  uf_op_bench_clear (&b);
}

static void
run_fp32 (UfOpCase *oc, gconstpointer row)
{
  const GemmRow *c = row;
  if (oc->mode == UF_OP_CASE_BENCH) {
    run (oc, c, A_DENSE, NULL, 0.0, 0.0, NULL);
    return;
  }
  double bound = GEMM_BOUND * MAX (1.0, sqrt (c->K / 256.0));
  for (ALayout layout = A_STORAGE; layout <= A_TEXELS; layout++) {
    UfTuning tuning = uf_op_case_path_tuning (oc, 1, 0, 0);
    run (oc, c, layout, &tuning, 0.0, bound,
        layout == A_TEXELS ? "gemm-tiled (A aligned)" : "gemm-tiled");
    /* every tile width gemm.c may choose for gemm.comp */
    for (guint cw = 4; cw <= 32; cw *= 2) {
      tuning = uf_op_case_path_tuning (oc, 0, 0, 0);
      tuning.gemm_cw = cw;
      char *what = g_strdup_printf ("gemm (A %s, tile width up to %u)",
          layout == A_TEXELS ? "texels" : "storage", cw);
      run (oc, c, layout, &tuning, 0.0, bound, what);
      g_free (what);
    }
  }
}

static void
run_arith16 (UfOpCase *oc, gconstpointer row)
{
  if (uf_op_case_skip_without_float16 (oc))
    return;
  UfTuning tuning = uf_op_case_path_tuning (oc, 1, 1, 0);
  run (oc, row, A_STORAGE, &tuning, FP16_LEAST, FP16_GEMM_BOUND, "gemm-tiled fp16 arithmetic");
}

static void
run_coopmat (UfOpCase *oc, gconstpointer row)
{
  if (!oc->dev->has_coopmat) {
    g_test_skip ("the device lacks VK_NV_cooperative_matrix with an fp16 x fp16 + fp32 "
        "subgroup shape (lavapipe has none): gemm-coopmat.comp not run");
    return;
  }
  UfTuning tuning = uf_op_case_path_tuning (oc, 1, 0, 1);
  run (oc, row, A_STORAGE, &tuning, FP16_LEAST, FP16_GEMM_BOUND, "gemm-coopmat");
}

const UfOpSuite uf_op_cases_gemm[] = {
  { "gemm", UF_OP_ROWS (rows, GemmRow), run_fp32, TRUE },
  { "gemm-arith16", UF_OP_ROWS (rows, GemmRow), run_arith16, FALSE },
  { "gemm-coopmat", UF_OP_ROWS (rows, GemmRow), run_coopmat, FALSE },
  { NULL },
};
