/* bench-ops.c: times each op at the sizes UniFormer-S uses (16 x 224 x 224
 * unless noted) and the video ViT-B models use (TimeSformer 8 x 224 x 224,
 * VideoMAE 16 x 224 x 224), to show where the time goes. A benchmark, not a
 * test:
 *   build/tests/ops/bench-ops [frames [only]]
 * With "only", just the rows whose name contains it (e.g. "fc", "DW"). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "op-bench.h"

#define RECORD(fn) ((UfOpRecordFunc) (void (*) (void)) (fn))

static UfDevice *device;
static const char *only;

static gboolean
skipped (const char *what)
{
  return only != NULL && strstr (what, only) == NULL;
}

static void
report (const char *what, UfOpBench *b, double macs)
{
  g_print ("%-34s %9.2f ms %8.2f GFLOP/s %9.2f CPU ms %8.2f GFLOP/CPU-s\n", what, b->last_ms,
      2 * macs / b->last_ms / 1e6, b->last_cpu_ms, 2 * macs / b->last_cpu_ms / 1e6);
}

static void
bench_gemm (guint32 M, guint32 N, guint32 K, gboolean f16, const char *what)
{
  if (skipped (what))
    return;
  guint32 ldb = (N + 7) / 8 * 8;
  UfGemmArgs a = { M, N, K, 0, K, 0, ldb, 0, M * K, N, UF_GEMM_BIAS, f16 };
  UfOpBench b;
  uf_op_bench_init (&b, device, 1, (gsize) M * K + (gsize) M * N, (gsize) K * ldb,
      f16 ? (gsize) K * ldb : 0, 0, 0, 0, 1.0f);
  b.repeats = 2;
  uf_op_bench_run (&b, RECORD (uf_op_gemm_record), NULL, &a);
  report (what, &b, (double) M * N * K);
  uf_op_bench_clear (&b);
}

static void
bench_dwconv (guint32 t, guint32 hw, guint32 C, guint32 ks, const char *what)
{
  if (skipped (what))
    return;
  gsize vol = (gsize) t * hw * hw * C;
  UfDwconvArgs a = { t, hw, hw, C, 0, vol, 0, ks * ks * ks * C, 1, ks };
  UfOpBench b;
  uf_op_bench_init (&b, device, 1, 2 * vol, ks * ks * ks * C + C, 0, 0, 0, 0, 1.0f);
  b.repeats = 2;
  uf_op_bench_run (&b, RECORD (uf_op_dwconv_record), NULL, &a);
  report (what, &b, (double) vol * ks * ks * ks);
  uf_op_bench_clear (&b);
}

/* @groups groups of N tokens (1: all of them); @shared: TimeSformer's
 * spatial groups (the cls row shared, tokens @groups rows apart); else
 * consecutive rows (its temporal groups) */
static void
bench_grouped_attention (guint32 N, guint32 C, guint32 groups, gboolean shared,
    const char *what)
{
  if (skipped (what))
    return;
  guint32 rows = shared ? 1 + groups * (N - 1) : groups * N;
  UfAttentionArgs a = {
    .N = N, .C = C, .qkv_off = 0, .out_off = 3 * rows * C, .scale = 0.125f, .head_dim = 64,
    .groups = groups, .base = shared ? 1 : 0, .group_stride = shared ? 1 : N,
    .token_stride = shared ? groups : 1, .shared = shared, .cls_out_off = 4 * rows * C,
  };
  UfOpBench b;
  uf_op_bench_init (&b, device, 1, (gsize) 4 * rows * C + groups * C, 0, 0, 0, 0, 0, 1.0f);
  b.repeats = 2;
  uf_op_bench_run (&b, RECORD (uf_op_attention_record), NULL, &a);
  report (what, &b, 2.0 * groups * N * N * C);
  uf_op_bench_clear (&b);
}

static void
bench_attention (guint32 N, guint32 C, const char *what)
{
  bench_grouped_attention (N, C, 1, FALSE, what);
}

static void
bench_layernorm (guint32 rows, guint32 C, const char *what)
{
  if (skipped (what))
    return;
  UfLayernormArgs a = { rows, C, 0, rows * C, 0, C, 1e-6f };
  UfOpBench b;
  uf_op_bench_init (&b, device, 1, (gsize) 2 * rows * C, 2 * C, 0, 0, 0, 0, 1.0f);
  b.repeats = 2;
  uf_op_bench_run (&b, RECORD (uf_op_layernorm_record), NULL, &a);
  report (what, &b, (double) rows * C);
  uf_op_bench_clear (&b);
}

int
main (int argc, char **argv)
{
  guint t = argc > 1 ? atoi (argv[1]) / 2 : 8;
  only = argc > 2 ? argv[2] : NULL;
  GError *error = NULL;
  device = uf_device_open (NULL, &error);
  if (device == NULL) {
    g_printerr ("%s\n", error->message);
    return 1;
  }
  char *paths = uf_device_describe_paths (device);
  g_print ("device: %s, %u frames\nengine paths: %s\n", uf_device_get_name (device), 2 * t,
      paths);
  g_free (paths);
  guint32 n1 = t * 56 * 56, n2 = t * 28 * 28, n3 = t * 14 * 14;
  bench_gemm (n1, 64, 64, FALSE, "stage1 conv1 1x1 (64->64)");
  bench_gemm (n1, 256, 64, FALSE, "stage1 fc1 (64->256)");
  bench_gemm (n1, 64, 256, FALSE, "stage1 fc2 (256->64)");
  bench_gemm (n3, 960, 320, FALSE, "stage3 qkv (320->960)");
  bench_gemm (n3, 1280, 320, FALSE, "stage3 fc1 (320->1280)");
  bench_gemm (n3, 320, 1280, FALSE, "stage3 fc2 (1280->320)");
  bench_gemm (n3, 1280, 320, TRUE, "stage3 fc1 f16 (320->1280)");
  bench_attention (n3, 320, "stage3 attention (5 heads)");
  bench_dwconv (t, 56, 64, 5, "stage1 DW5");
  bench_dwconv (t, 56, 64, 3, "stage1 DPE");
  bench_dwconv (t, 14, 320, 3, "stage3 DPE");
  bench_layernorm (n3, 320, "stage3 layernorm");
  bench_layernorm (n2, 128, "stage2 layernorm");
  /* the video ViT-B models (C 768, 12 heads, MLP 3072) */
  bench_gemm (1 + 196 * 8, 2304, 768, FALSE, "ViT-B qkv (768->2304, 1569 rows)");
  bench_gemm (1 + 196 * 8, 3072, 768, FALSE, "ViT-B fc1 (768->3072, 1569 rows)");
  bench_gemm (1 + 196 * 8, 768, 3072, FALSE, "ViT-B fc2 (3072->768, 1569 rows)");
  bench_grouped_attention (8, 768, 196, FALSE, "TimeSformer temporal attn (196 x 8)");
  bench_grouped_attention (197, 768, 8, TRUE, "TimeSformer spatial attn (8 x 197)");
  bench_attention (1568, 768, "VideoMAE attention (1568 tokens)");
  bench_layernorm (1 + 196 * 8, 768, "ViT-B layernorm (1569 rows)");
  uf_device_unref (device);
  return 0;
}
