/* cases/attention.c: attention rows. Long rows matter: lavapipe ends an
 * invocation after 65535 loop iterations, which once cut the key loop
 * short from N = 512 at head_dim 64. Grouped rows as TimeSformer reads its
 * [1 + N*T][C] tokens: temporal groups of T consecutive rows after the cls
 * row, spatial groups of 1 + N rows T apart with the cls row shared; counts
 * that fill no tile. The benchmark rows are UniFormer-S's stage 3 at 16 x
 * 224 x 224 and the video ViT-B models'.
 *
 * Bounds: fp32, 4x the worst error measured on lavapipe over both tuning
 * rows when it was set, rounded up to two significant digits; fp16
 * arithmetic, the same margin: the inputs rounded to fp16, a four-wide
 * dot and blocks of 8 keys in fp16 before fp32 takes over. Attention's
 * outputs are weighted means, smaller than its inputs, so its relative
 * error is the larger. */
#include <math.h>
#include "../op-case.h"

#define ATTENTION_BOUND 6.7e-6
#define FP16_ATTENTION_BOUND 7.8e-3

typedef struct {
  guint32 N, C, head_dim;
  guint32 groups, base, group_stride, token_stride, shared;
  const char *bench;
} AttentionRow;

static const AttentionRow rows[] = {
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
  { 1568, 320, 64, .bench = "stage3 attention (5 heads)" },
  { 8, 768, 64, 196, 1, 8, 1, 0, "TimeSformer temporal attn (196 x 8)" },
  { 197, 768, 64, 8, 1, 1, 8, 1, "TimeSformer spatial attn (8 x 197)" },
  { 1568, 768, 64, .bench = "VideoMAE attention (1568 tokens)" },
};

static void
run (UfOpCase *oc, const AttentionRow *c, guint arith_f16, double least, double bound,
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
  UfTuning tuning = *oc->dev->tuning;
  tuning.arith_f16 = arith_f16;
  UfOpBench b;
  uf_op_bench_init (&b, oc->dev, c->N + c->groups, a.out_off + n_out + 2, 0, 0, 0, 0, 0, 2.0f);
  if (oc->mode == UF_OP_CASE_TEST)
    b.tuning = &tuning;
  uf_op_case_run (oc, &b, RECORD (uf_op_attention_record),
      REFERENCE (uf_op_attention_reference), &a);
  uf_op_case_check (oc, &b, UF_OP_SPAN (a.out_off, n_out), least, bound,
      2.0 * groups * c->N * c->N * c->C, what);
  uf_op_bench_clear (&b);
}

static void
run_fp32 (UfOpCase *oc, gconstpointer row)
{
  run (oc, row, 0, 0.0, ATTENTION_BOUND, "attention");
}

static void
run_arith16 (UfOpCase *oc, gconstpointer row)
{
  if (!uf_op_case_skip_without_float16 (oc))
    run (oc, row, 1, FP16_LEAST, FP16_ATTENTION_BOUND, "attention fp16 arithmetic");
}

const UfOpSuite uf_op_cases_attention[] = {
  { "attention", UF_OP_ROWS (rows, AttentionRow), run_fp32, TRUE },
  { "attention-arith16", UF_OP_ROWS (rows, AttentionRow), run_arith16, FALSE },
  { NULL },
};
