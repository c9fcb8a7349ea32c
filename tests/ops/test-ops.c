/* test-ops.c: every shader op against its C reference on random data, with
 * sizes that are not multiples of any tile. One row per case; the error is
 * max|gpu - ref| / max|ref| over the op's output only (the elements it
 * writes), and every other element of the buffer must still hold its input
 * bit for bit. Each row prints its error and its bound.
 *
 * Bounds: each fp32 bound is 4x the worst error its rows measured on
 * lavapipe, over both data layouts (and both tuning rows, lavapipe's and
 * UF_TUNING=row=gpu), when the bound was set, rounded up to two significant
 * digits: float32 arithmetic in another order than the double-precision
 * reference. A GEMM's fp32 error grows like sqrt(K), so its bound is scaled
 * by sqrt(K / 256) for K above 256 and the margin taken on the scaled errors.
 * patchify only moves values: it must be exact. */
#include <math.h>
#include <string.h>
#include "op-bench.h"
#include "uf-test-util.h"

static UfDevice *device;

#define GEMM_BOUND 2.3e-6       /* times MAX (1, sqrt (K / 256)) */
#define DWCONV_BOUND 1.7e-6
#define LAYERNORM_BOUND 9.3e-7
#define ATTENTION_BOUND 6.7e-6
#define MEANPOOL_BOUND 7.3e-7

/* The fp16 paths (fp16 arithmetic, cooperative matrices): fp16's unit
 * roundoff u is 2^-11 = 4.9e-4. Inputs are rounded to fp16 (u each), a
 * product costs u and the fp16 sums are short (one 16-step GEMM panel, one
 * four-wide dot, one block of 8 keys) before fp32 takes over, so each output
 * carries a few u of random-signed error of the size of the terms, with no
 * growth with K (fp16 sums across all of K = 2048 would exceed the bound).
 * The bounds are 4x the worst measured on lavapipe when they were set,
 * rounded up to two significant digits; attention's outputs are weighted
 * means, smaller than its inputs, so its relative error is the larger. The
 * cooperative-matrix rows share the GEMM bound. */
#define FP16_GEMM_BOUND 4.6e-3
#define FP16_ATTENTION_BOUND 7.8e-3
/* ...and at least this: rounding the inputs alone leaves more than 10x this,
 * and fp32 arithmetic stays more than 10x below it, so an error at fp32's
 * level means the fp16 path did not run. */
#define FP16_LEAST 2e-5

/* preprocess: absolute, in normalised units. 4x the fp32 arithmetic error
 * measured on lavapipe would be a few 1e-6, but lavapipe computes the source
 * coordinate (dst + 0.5) * scale - 0.5 exactly as the C reference rounds it;
 * a compiler that fuses it into one multiply-add moves a sample by up to one
 * ulp of the coordinate (2^-17 px for these sources, all under 128 px),
 * which on a full-range step between random neighbours (1/std = 5 per px at
 * most) costs 3.8e-5. The bound covers that, and is still 400x below one
 * 8-bit step (0.017). */
#define PREPROCESS_BOUND 4e-5

#define RECORD(fn) ((UfOpRecordFunc) (void (*) (void)) (fn))
#define REFERENCE(fn) ((UfOpReferenceFunc) (void (*) (void)) (fn))

static const UfTuning *
device_tuning (void)
{
  return device->tuning;
}

/* The error over the op's output region must lie in [least, bound]; least
 * is 0 except for the fp16 paths, whose rounding shows that they ran. The
 * rest of the buffer (@n elements) must hold the inputs bit for bit. */
static void
check_range (const float *gpu, const float *ref, gsize n, UfOpRegion out, double least,
    double bound, const char *what)
{
  double err = uf_op_bench_region_error (gpu, ref, out, 1e-6);
  gsize stray = uf_op_bench_count_outside (gpu, ref, n, out);
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

static void
check (const float *gpu, const float *ref, gsize n, UfOpRegion out, double bound,
    const char *what)
{
  check_range (gpu, ref, n, out, 0.0, bound, what);
}

/* Tuning for one path, whatever the device's table row says: fp32
 * arithmetic unless asked, no cooperative matrices unless asked. */
static UfTuning
path_tuning (guint gemm_tiled, guint arith_f16, guint gemm_coopmat)
{
  UfTuning tuning = *device_tuning ();
  tuning.gemm_tiled = gemm_tiled;
  tuning.arith_f16 = arith_f16;
  tuning.gemm_coopmat = gemm_coopmat;
  return tuning;
}

static gboolean
skip_without_float16 (void)
{
  if (device->has_float16)
    return FALSE;
  g_test_skip ("the device lacks shaderFloat16: no fp16 arithmetic path");
  return TRUE;
}

/* ---- gemm ---- */
/* Each case runs in both fp32 shapes: gemm.comp (lavapipe's) and
 * gemm-tiled.comp (GPUs'), with A's rows on and off texel (4-float)
 * boundaries, which gemm.comp reads in different ways; the
 * /ops/gemm-arith16 rows run gemm-tiled.comp with fp16 arithmetic and the
 * /ops/gemm-coopmat rows gemm-coopmat.comp, where the device has them. */
typedef struct { guint32 M, N, K, flags; gboolean f16; } GemmCase;
static const GemmCase gemm_cases[] = {
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
  { 9, 1020, 12, UF_GEMM_BIAS, FALSE },
  { 45, 52, 36, UF_GEMM_BIAS | UF_GEMM_GELU_TANH, FALSE },     /* ViViT's gelu_fast */
  { 29, 130, 70, UF_GEMM_BIAS | UF_GEMM_GELU_TANH | UF_GEMM_ACCUMULATE, TRUE },
};

static void
run_gemm (const GemmCase *c, gboolean a_aligned, const UfTuning *tuning, double least,
    double bound, const char *what)
{
  guint32 ldb = (c->N + 7) / 8 * 8;
  UfGemmArgs a = {
    .M = c->M, .N = c->N, .K = c->K,
    .a_off = a_aligned ? 8 : 5, .lda = a_aligned ? (c->K + 3) / 4 * 4 + 4 : c->K + 3,
    .b_off = 16, .ldb = ldb, .b_f16 = c->f16,
    .bias_off = a_aligned ? 8 : 3,
    .ldc = a_aligned ? (c->N + 3) / 4 * 4 + 4 : c->N + 1,
    .flags = c->flags,
  };
  a.c_off = a.a_off + c->M * a.lda + (a_aligned ? 8 : 7);
  gsize n_arena = a.c_off + c->M * a.ldc + 9;
  gsize n_w = 16 + (gsize) c->K * ldb + 8;
  UfOpBench b;
  uf_op_bench_init (&b, device, c->M * 7 + c->N, n_arena, n_w, c->f16 ? n_w : 0, 0, 0, 0, 1.0f);
  b.tuning = tuning;
  uf_op_bench_run (&b, RECORD (uf_op_gemm_record), REFERENCE (uf_op_gemm_reference), &a);
  UfOpRegion c_region = { a.c_off, c->M, c->N, a.ldc };
  check_range (b.gpu_arena, b.arena, n_arena, c_region, least, bound, what);
  uf_op_bench_clear (&b);
}

static void
test_gemm (gconstpointer data)
{
  const GemmCase *c = data;
  /* fp32 rounding of a sum of K random-signed terms grows like sqrt(K) */
  double bound = GEMM_BOUND * MAX (1.0, sqrt (c->K / 256.0));
  for (guint aligned = 0; aligned <= 1; aligned++) {
    UfTuning tuning = path_tuning (1, 0, 0);
    run_gemm (c, aligned, &tuning, 0.0, bound,
        aligned ? "gemm-tiled (A aligned)" : "gemm-tiled");
    /* every tile width gemm.c may choose for gemm.comp */
    for (guint cw = 4; cw <= 32; cw *= 2) {
      tuning = path_tuning (0, 0, 0);
      tuning.gemm_cw = cw;
      char *what = g_strdup_printf ("gemm (A %s, tile width up to %u)",
          aligned ? "texels" : "storage", cw);
      run_gemm (c, aligned, &tuning, 0.0, bound, what);
      g_free (what);
    }
  }
}

static void
test_gemm_arith16 (gconstpointer data)
{
  if (skip_without_float16 ())
    return;
  UfTuning tuning = path_tuning (1, 1, 0);
  run_gemm (data, FALSE, &tuning, FP16_LEAST, FP16_GEMM_BOUND, "gemm-tiled fp16 arithmetic");
}

static void
test_gemm_coopmat (gconstpointer data)
{
  if (!device->has_coopmat) {
    g_test_skip ("the device lacks VK_NV_cooperative_matrix with an fp16 x fp16 + fp32 "
        "subgroup shape (lavapipe has none): gemm-coopmat.comp not run");
    return;
  }
  UfTuning tuning = path_tuning (1, 0, 1);
  run_gemm (data, FALSE, &tuning, FP16_LEAST, FP16_GEMM_BOUND, "gemm-coopmat");
}

/* ---- dwconv ---- */
/* align 4: C and every offset a multiple of 4, the four-channels-per-lane
 * texel path; align 1: one channel per lane from the storage buffers. */
typedef struct { guint32 T, H, W, C, ks, residual, align; } DwconvCase;
static const DwconvCase dwconv_cases[] = {
  { 3, 5, 7, 12, 3, 1, 1 },
  { 4, 6, 9, 17, 5, 0, 1 },
  { 2, 3, 3, 8, 5, 1, 1 },
  { 5, 7, 11, 33, 3, 0, 1 },
  { 3, 5, 7, 12, 3, 1, 4 },
  { 4, 6, 9, 20, 5, 0, 4 },
  { 2, 3, 3, 8, 5, 1, 4 },
  { 5, 7, 11, 36, 3, 0, 4 },
  { 4, 9, 10, 64, 5, 0, 4 },
};

static void
test_dwconv (gconstpointer data)
{
  const DwconvCase *c = data;
  gsize vol = (gsize) c->T * c->H * c->W * c->C;
  guint32 in_off = c->align == 4 ? 4 : 3, w_off = c->align == 4 ? 8 : 7;
  UfDwconvArgs a = {
    .T = c->T, .H = c->H, .W = c->W, .C = c->C,
    .in_off = in_off, .out_off = (in_off + vol + 5 + c->align - 1) / c->align * c->align,
    .w_off = w_off, .bias_off = w_off + c->ks * c->ks * c->ks * c->C,
    .residual = c->residual, .ks = c->ks,
  };
  UfOpBench b;
  uf_op_bench_init (&b, device, vol, a.out_off + vol + 4, a.bias_off + c->C, 0, 0, 0, 0, 1.0f);
  uf_op_bench_run (&b, RECORD (uf_op_dwconv_record), REFERENCE (uf_op_dwconv_reference), &a);
  check (b.gpu_arena, b.arena, b.n_arena, UF_OP_SPAN (a.out_off, vol), DWCONV_BOUND,
      "dwconv");
  uf_op_bench_clear (&b);
}

/* ---- layernorm: small-variance rows, so a wrong eps would show ---- */
/* in_off 1: one value per load; 4: vec4 texels (C a multiple of 4 too) */
typedef struct { guint32 rows, C; float eps, scale; guint32 in_off; } LayernormCase;
static const LayernormCase layernorm_cases[] = {
  { 37, 20, 1e-6f, 1.0f, 1 },
  { 9, 320, 1e-6f, 2e-3f, 1 },
  { 13, 64, 1e-5f, 3e-3f, 1 },
  { 37, 20, 1e-6f, 1.0f, 4 },
  { 9, 320, 1e-6f, 2e-3f, 4 },
  { 13, 64, 1e-5f, 3e-3f, 4 },
};

static void
test_layernorm (gconstpointer data)
{
  const LayernormCase *c = data;
  UfLayernormArgs a = { c->rows, c->C, c->in_off, 4 + c->rows * c->C, 0, c->C, c->eps };
  UfOpBench b;
  uf_op_bench_init (&b, device, c->C, a.out_off + c->rows * c->C, 2 * c->C, 0, 0, 0, 0,
      c->scale);
  for (guint32 i = 0; i < 2 * c->C; i++)        /* gamma, beta of size O(1) */
    b.weights[i] = b.weights[i] / c->scale;
  uf_op_bench_run (&b, RECORD (uf_op_layernorm_record), REFERENCE (uf_op_layernorm_reference),
      &a);
  check (b.gpu_arena, b.arena, b.n_arena, UF_OP_SPAN (a.out_off, (gsize) c->rows * c->C),
      LAYERNORM_BOUND, "layernorm");
  uf_op_bench_clear (&b);
}

/* ---- attention ---- */
typedef struct {
  guint32 N, C, head_dim;
  guint32 groups, base, group_stride, token_stride, shared;
} AttentionCase;
/* Long rows matter: lavapipe ends an invocation after 65535 loop
 * iterations, which once cut the key loop short from N = 512 at head_dim 64.
 * Grouped rows as TimeSformer reads its [1 + N*T][C] tokens: temporal groups
 * of T consecutive rows after the cls row, spatial groups of 1 + N rows T
 * apart with the cls row shared; counts that fill no tile. */
static const AttentionCase attention_cases[] = {
  { 37, 64, 32 },
  { 50, 128, 64 },
  { 9, 40, 8 },
  { 21, 48, 12 },
  { 203, 320, 64 },
  { 600, 64, 32 },
  { 1568, 64, 64 },
  { 8, 64, 32, 6, 1, 8, 1, 0 },                 /* temporal: 6 patches x 8 frames */
  { 8, 64, 16, 98, 1, 8, 1, 0 },
  { 7, 64, 32, 8, 1, 1, 8, 1 },                 /* spatial: 8 frames of 1 + 6 */
  { 197, 64, 32, 6, 1, 1, 6, 1 },               /* 1 + 196 tokens, 6 groups */
  { 785, 32, 16, 2, 1, 1, 2, 1 },
};

static void
run_attention (const AttentionCase *c, guint arith_f16, double least, double bound,
    const char *what)
{
  /* rows the groups cover: one past the last token of the last group */
  guint32 groups = MAX (c->groups, 1), tstride = c->token_stride ? c->token_stride : 1;
  guint32 rows = c->base + (groups - 1) * c->group_stride + (c->N - c->shared - 1) * tstride + 1;
  UfAttentionArgs a = {
    .N = c->N, .C = c->C, .qkv_off = 4, .out_off = 4 + 3 * rows * c->C + 3,
    .scale = 1.0f / sqrtf (c->head_dim), .head_dim = c->head_dim,
    .groups = c->groups, .base = c->base, .group_stride = c->group_stride,
    .token_stride = c->token_stride, .shared = c->shared,
  };
  /* the cls outputs right after the rows, so one span holds every output */
  a.cls_out_off = a.out_off + rows * c->C;
  gsize n_out = (gsize) (rows + (c->shared ? groups : 0)) * c->C;
  UfTuning tuning = *device_tuning ();
  tuning.arith_f16 = arith_f16;
  UfOpBench b;
  uf_op_bench_init (&b, device, c->N + c->groups, a.out_off + n_out + 2, 0, 0, 0, 0, 0, 2.0f);
  b.tuning = &tuning;
  uf_op_bench_run (&b, RECORD (uf_op_attention_record), REFERENCE (uf_op_attention_reference),
      &a);
  check_range (b.gpu_arena, b.arena, b.n_arena, UF_OP_SPAN (a.out_off, n_out), least, bound,
      what);
  uf_op_bench_clear (&b);
}

static void
test_attention (gconstpointer data)
{
  run_attention (data, 0, 0.0, ATTENTION_BOUND, "attention");
}

static void
test_attention_arith16 (gconstpointer data)
{
  if (!skip_without_float16 ())
    run_attention (data, 1, FP16_LEAST, FP16_ATTENTION_BOUND, "attention fp16 arithmetic");
}

/* ---- patchify ---- */
typedef struct { guint32 mode, T, H, W, Cin, tubelet, patch; gboolean time_minor; } PatchifyCase;
/* W (modes 0 and 2, with the patch in mode 2) or Cin (mode 1) a multiple of
 * 4: four k per invocation */
static const PatchifyCase patchify_cases[] = {
  { 0, 4, 8, 12, 3 },
  { 0, 6, 32, 32, 3 },
  { 0, 4, 8, 10, 3 },
  { 1, 3, 6, 10, 5 },
  { 1, 2, 4, 4, 64 },
  { 2, 4, 32, 48, 3, 2, 16, FALSE },            /* ViViT and VideoMAE tubelets */
  { 2, 3, 16, 20, 3, 1, 4, TRUE },              /* TimeSformer's (h, w, t) order */
  { 2, 4, 10, 15, 3, 2, 5, FALSE },             /* odd patch: one k per invocation */
  { 2, 6, 15, 10, 3, 3, 5, TRUE },
};

static void
test_patchify (gconstpointer data)
{
  const PatchifyCase *c = data;
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
  uf_op_bench_init (&b, device, c->T * 3 + c->mode, a.out_off + n_out + 3, 0, 0,
      from_ring ? (gsize) slots * a.in_off : 0, c->T + 1, 0, 1.0f);
  for (guint32 t = 0; t < c->T; t++)         /* a shuffled window */
    b.control[1 + t] = (t * 5 + 3) % slots;
  uf_op_bench_run (&b, RECORD (uf_op_patchify_record), REFERENCE (uf_op_patchify_reference),
      &a);
  check (b.gpu_arena, b.arena, b.n_arena, UF_OP_SPAN (a.out_off, n_out), 0.0, "patchify");
  uf_op_bench_clear (&b);
}

/* ---- meanpool ---- */
static void
test_meanpool (void)
{
  UfMeanpoolArgs a = { 97, 43, 3, 3 + 97 * 43 + 1 };
  UfOpBench b;
  uf_op_bench_init (&b, device, 5, a.out_off + 43, 0, 0, 0, 0, 0, 1.0f);
  uf_op_bench_run (&b, RECORD (uf_op_meanpool_record), REFERENCE (uf_op_meanpool_reference),
      &a);
  check (b.gpu_arena, b.arena, b.n_arena, UF_OP_SPAN (a.out_off, a.C), MEANPOOL_BOUND,
      "meanpool");
  uf_op_bench_clear (&b);
}

/* ---- rowadd ---- */
/* TimeSformer-like 1 + N*T rows with the cls row replaced, VideoMAE-like
 * rows without one; sizes that fill no workgroup exactly */
typedef struct { guint32 rows, C, replace; } RowaddCase;
static const RowaddCase rowadd_cases[] = {
  { 197, 40, 1 },
  { 785, 24, 1 },
  { 98, 36, 0 },
};

static void
test_rowadd (gconstpointer data)
{
  const RowaddCase *c = data;
  gsize n = (gsize) c->rows * c->C;
  UfRowaddArgs a = { c->rows, c->C, 3, 5, c->replace };
  UfOpBench b;
  uf_op_bench_init (&b, device, 7, a.off + n + 2, a.table_off + n + 1, 0, 0, 0, 0, 1.0f);
  uf_op_bench_run (&b, RECORD (uf_op_rowadd_record), REFERENCE (uf_op_rowadd_reference), &a);
  check (b.gpu_arena, b.arena, b.n_arena, UF_OP_SPAN (a.off, n), 0.0, "rowadd");
  uf_op_bench_clear (&b);
}

/* ---- preprocess ---- */
typedef struct {
  UfPixelFormat format;
  guint32 src_w, src_h, dst_w, dst_h;
  gboolean stretch, bgr, bt709, full_range;
} PreprocessCase;
static const PreprocessCase preprocess_cases[] = {
  { UF_PIXEL_FORMAT_RGB, 45, 31, 32, 32, FALSE, FALSE, FALSE, FALSE },
  { UF_PIXEL_FORMAT_RGBA, 64, 48, 32, 32, FALSE, TRUE, FALSE, FALSE },
  { UF_PIXEL_FORMAT_BGRA, 20, 50, 32, 64, TRUE, FALSE, FALSE, FALSE },
  { UF_PIXEL_FORMAT_BGRX, 33, 33, 32, 32, FALSE, FALSE, FALSE, FALSE },
  { UF_PIXEL_FORMAT_RGBX, 100, 70, 64, 32, FALSE, FALSE, FALSE, FALSE },
  { UF_PIXEL_FORMAT_I420, 47, 29, 32, 32, FALSE, FALSE, FALSE, FALSE },
  { UF_PIXEL_FORMAT_I420, 64, 36, 32, 32, FALSE, TRUE, TRUE, TRUE },
  { UF_PIXEL_FORMAT_NV12, 51, 40, 32, 32, FALSE, FALSE, TRUE, FALSE },
  { UF_PIXEL_FORMAT_NV12, 16, 16, 32, 32, TRUE, FALSE, FALSE, TRUE },
};

static void
test_preprocess (gconstpointer data)
{
  const PreprocessCase *c = data;
  static const guint bpp[] = { 3, 4, 4, 4, 4, 1, 1 };
  guint32 cw = (c->src_w + 1) / 2, ch = (c->src_h + 1) / 2;
  UfPreprocessArgs a = {
    .format = c->format, .src_w = c->src_w, .src_h = c->src_h,
    .dst_w = c->dst_w, .dst_h = c->dst_h, .slot_off = 3 * c->dst_w * c->dst_h,
    .mean = { 0.45f, 0.40f, 0.35f }, .inv_std = { 1 / 0.225f, 1 / 0.25f, 1 / 0.2f },
    .bgr = c->bgr, .kr = c->bt709 ? 0.2126f : 0.299f, .kb = c->bt709 ? 0.0722f : 0.114f,
    .full_range = c->full_range,
  };
  a.stride[0] = (c->src_w * bpp[c->format] + 3) / 4 * 4 + 4;  /* padded rows */
  a.plane_off[0] = 8;
  a.stride[1] = a.stride[2] = c->format == UF_PIXEL_FORMAT_NV12 ? 2 * cw + 2 : cw + 3;
  a.plane_off[1] = a.plane_off[0] + a.stride[0] * c->src_h;
  a.plane_off[2] = a.plane_off[1] + a.stride[1] * ch;
  gsize n_staging = a.plane_off[2] + a.stride[2] * ch;
  /* geometry as the session computes it for a crop or a stretch: this row
   * tests the shader against its C reference for given arguments; the
   * session's geometry and conversion are tested against an independent
   * implementation by tests/reference/test_preprocess.py */
  guint32 rw = c->dst_w, rh = c->dst_h;
  if (!c->stretch) {
    if ((guint64) c->src_h * c->dst_w <= (guint64) c->src_w * c->dst_h)
      rw = MAX (c->dst_w, (guint32) floor ((double) c->src_w / c->src_h * c->dst_h));
    else
      rh = MAX (c->dst_h, (guint32) floor ((double) c->src_h / c->src_w * c->dst_w));
  }
  a.scale_x = (float) c->src_w / rw;
  a.scale_y = (float) c->src_h / rh;
  a.crop_x0 = (rw - c->dst_w + 1) / 2;
  a.crop_y0 = (rh - c->dst_h + 1) / 2;
  UfOpBench b;
  uf_op_bench_init (&b, device, c->src_w, 0, 0, 0, 3 * a.slot_off, 0, n_staging, 1.0f);
  uf_op_bench_run (&b, RECORD (uf_op_preprocess_record), REFERENCE (uf_op_preprocess_reference),
      &a);
  /* absolute error in normalised units, over the output slot (ring slot 1) */
  UfOpRegion slot = UF_OP_SPAN (a.slot_off, a.slot_off);
  double err = 0.0;
  for (gsize i = slot.off; i < slot.off + slot.cols; i++)
    err = MAX (err, isnan (b.gpu_ring[i]) ? INFINITY : fabs (b.gpu_ring[i] - b.ring[i]));
  gsize stray = uf_op_bench_count_outside (b.gpu_ring, b.ring, b.n_ring, slot);
  g_test_message ("preprocess: max abs error %.3g over the output slot (bound %.2g)", err,
      PREPROCESS_BOUND);
  if (!(err <= PREPROCESS_BOUND))
    g_test_fail_printf ("preprocess format %d: max abs error %.3g exceeds %.2g", c->format, err,
        PREPROCESS_BOUND);
  if (stray > 0)
    g_test_fail_printf ("preprocess format %d: %" G_GSIZE_FORMAT " ring elements outside the "
        "slot changed", c->format, stray);
  uf_op_bench_clear (&b);
}

#define ADD_ROWS(prefix, cases, func) \
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) { \
    char *path = g_strdup_printf ("/ops/" prefix "/%u", i); \
    g_test_add_data_func (path, &cases[i], func); \
    g_free (path); \
  }

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  GError *error = NULL;
  device = uf_device_open (NULL, &error);
  g_assert_no_error (error);
  ADD_ROWS ("gemm", gemm_cases, test_gemm);
  ADD_ROWS ("gemm-arith16", gemm_cases, test_gemm_arith16);
  ADD_ROWS ("gemm-coopmat", gemm_cases, test_gemm_coopmat);
  ADD_ROWS ("dwconv", dwconv_cases, test_dwconv);
  ADD_ROWS ("layernorm", layernorm_cases, test_layernorm);
  ADD_ROWS ("attention", attention_cases, test_attention);
  ADD_ROWS ("attention-arith16", attention_cases, test_attention_arith16);
  ADD_ROWS ("patchify", patchify_cases, test_patchify);
  ADD_ROWS ("rowadd", rowadd_cases, test_rowadd);
  ADD_ROWS ("preprocess", preprocess_cases, test_preprocess);
  g_test_add_func ("/ops/meanpool", test_meanpool);
  return uf_test_release_device (device, g_test_run ());
}
