/* uf-network.c: the UniFormer layer sequence (spec §1.2-1.3) expressed as
 * ops. Activations are channels-last [t][h][w][C], which is also the token
 * order (t, h, w) of the attention stages, so no transposes are needed. */
#include <math.h>
#include <string.h>
#include "uf-network.h"
#include "ops/uf-ops.h"

#define PATCH_EMBED_LN_EPS 1e-5f
#define BLOCK_LN_EPS 1e-6f

static guint32
align8 (gsize n)
{
  return (n + 7) / 8 * 8;
}

void
uf_network_plan (const UfModelInfo *info, UfNetworkPlan *plan)
{
  memset (plan, 0, sizeof (*plan));
  plan->T = info->frames;
  plan->H = info->crop_height;
  plan->W = info->crop_width;
  plan->t = plan->T / 2;
  gsize stream = 0, hidden = 0;
  for (guint s = 0; s < 4; s++) {
    plan->h[s] = plan->H >> (s + 2);
    plan->w[s] = plan->W >> (s + 2);
    plan->n[s] = plan->t * plan->h[s] * plan->w[s];
    guint32 C = info->dims[s], cin = s == 0 ? 3 : info->dims[s - 1];
    guint32 patch_k = s == 0 ? cin * 48 : cin * 4;
    stream = MAX (stream, (gsize) plan->n[s] * C);
    hidden = MAX (hidden, (gsize) plan->n[s] * MAX (MAX (C * info->mlp_ratio, 3 * C), patch_k));
  }
  guint32 off = 0;
  plan->x = off; off += align8 (stream);
  plan->y = off; off += align8 (stream);
  plan->t1 = off; off += align8 (stream);
  plan->t2 = off; off += align8 (stream);
  plan->hid = off; off += align8 (hidden);
  plan->pooled = off; off += align8 (info->dims[3]);
  plan->logits = off; off += align8 (info->num_classes);
  plan->arena_floats = off;
}

/* C[M][N] = A[M][K] W + b, optional GELU / accumulate */
static void
linear (UfRecorder *rec, const UfMatrixRef *m, guint32 rows, guint32 a_off, guint32 c_off,
    guint32 flags)
{
  UfGemmArgs g = {
    .M = rows, .N = m->N, .K = m->K,
    .a_off = a_off, .lda = m->K,
    .b_off = m->w, .ldb = m->ldb, .b_f16 = m->f16,
    .bias_off = m->bias,
    .c_off = c_off, .ldc = m->N,
    .flags = flags | UF_GEMM_BIAS,
  };
  uf_op_gemm_record (rec, &g);
}

static void
dwconv (UfRecorder *rec, const UfNetworkPlan *p, guint s, guint32 C, guint32 ks, guint32 w_off,
    guint32 b_off, guint32 in, guint32 out, gboolean residual)
{
  UfDwconvArgs d = {
    .T = p->t, .H = p->h[s], .W = p->w[s], .C = C,
    .in_off = in, .out_off = out, .w_off = w_off, .bias_off = b_off,
    .residual = residual, .ks = ks,
  };
  uf_op_dwconv_record (rec, &d);
}

static void
layernorm (UfRecorder *rec, guint32 rows, guint32 C, guint32 in, guint32 out, guint32 g,
    guint32 b, float eps)
{
  UfLayernormArgs l = { rows, C, in, out, g, b, eps };
  uf_op_layernorm_record (rec, &l);
}

/* x = x + DPE(x); x = x + conv2(DW5(conv1(BN1 x))); x = x + fc2(GELU(fc1(BN2 x))) */
static void
local_block (UfRecorder *rec, const UfNetworkPlan *p, guint s, guint32 C,
    const UfBlockWeights *b, guint32 in, guint32 out)
{
  guint32 n = p->n[s];
  dwconv (rec, p, s, C, 3, b->dpe_w, b->dpe_b, in, out, TRUE);
  linear (rec, &b->conv1, n, out, p->t1, 0);
  dwconv (rec, p, s, C, 5, b->dw_w, b->dw_b, p->t1, p->t2, FALSE);
  linear (rec, &b->conv2, n, p->t2, out, UF_GEMM_ACCUMULATE);
  linear (rec, &b->fc1, n, out, p->hid, UF_GEMM_GELU);
  linear (rec, &b->fc2, n, p->hid, out, UF_GEMM_ACCUMULATE);
}

/* x = x + DPE(x); x = x + proj(attn(LN1 x)); x = x + fc2(GELU(fc1(LN2 x))) */
static void
global_block (UfRecorder *rec, const UfNetworkPlan *p, guint s, guint32 C, guint32 head_dim,
    const UfBlockWeights *b, guint32 in, guint32 out)
{
  guint32 n = p->n[s];
  dwconv (rec, p, s, C, 3, b->dpe_w, b->dpe_b, in, out, TRUE);
  layernorm (rec, n, C, out, p->t1, b->ln1_g, b->ln1_b, BLOCK_LN_EPS);
  linear (rec, &b->qkv, n, p->t1, p->hid, 0);
  UfAttentionArgs a = {
    .N = n, .C = C, .qkv_off = p->hid, .out_off = p->t2,
    .scale = 1.0f / sqrtf ((float) head_dim), .head_dim = head_dim,
  };
  uf_op_attention_record (rec, &a);
  linear (rec, &b->proj, n, p->t2, out, UF_GEMM_ACCUMULATE);
  layernorm (rec, n, C, out, p->t1, b->ln2_g, b->ln2_b, BLOCK_LN_EPS);
  linear (rec, &b->fc1, n, p->t1, p->hid, UF_GEMM_GELU);
  linear (rec, &b->fc2, n, p->hid, out, UF_GEMM_ACCUMULATE);
}

/* patch_embed s: conv as im2col + GEMM into t1, then LayerNorm into @out */
static void
patch_embed (UfRecorder *rec, const UfModel *model, const UfNetworkPlan *p, guint s,
    guint32 in, guint32 out, guint32 slot_stride, guint32 slots_off)
{
  const UfModelInfo *info = &model->info;
  UfPatchifyArgs a = {
    .mode = s == 0 ? 0 : 1,
    .T = s == 0 ? p->T : p->t,
    .H = s == 0 ? p->H : p->h[s - 1],
    .W = s == 0 ? p->W : p->w[s - 1],
    .Cin = s == 0 ? 3 : info->dims[s - 1],
    .To = p->t, .Ho = p->h[s], .Wo = p->w[s],
    .in_off = s == 0 ? slot_stride : in,
    .out_off = p->hid,
    .slots_off = slots_off,
  };
  uf_op_patchify_record (rec, &a);
  const UfPatchWeights *pw = &model->patch[s];
  linear (rec, &pw->proj, p->n[s], p->hid, p->t1, 0);
  layernorm (rec, p->n[s], info->dims[s], p->t1, out, pw->ln_g, pw->ln_b, PATCH_EMBED_LN_EPS);
}

void
uf_network_record (UfRecorder *rec, UfModel *model, const UfNetworkPlan *p,
    guint32 slot_stride, guint32 slots_off)
{
  const UfModelInfo *info = &model->info;
  guint32 cur = p->x, other = p->y;
  uf_rec_timestamp (rec, 0);
  for (guint s = 0; s < 4; s++) {
    patch_embed (rec, model, p, s, cur, cur, slot_stride, slots_off);
    if (s == 0)
      uf_rec_timestamp (rec, 1);
    for (guint i = 0; i < info->depths[s]; i++) {
      if (s < 2)
        local_block (rec, p, s, info->dims[s], &model->blocks[s][i], cur, other);
      else
        global_block (rec, p, s, info->dims[s], info->head_dim, &model->blocks[s][i], cur,
            other);
      guint32 tmp = cur;
      cur = other;
      other = tmp;
    }
    uf_rec_timestamp (rec, 2 + s);
  }
  UfMeanpoolArgs m = { p->n[3], info->dims[3], cur, p->pooled };
  uf_op_meanpool_record (rec, &m);
  linear (rec, &model->head, 1, p->pooled, p->logits, 0);
  uf_rec_timestamp (rec, UF_N_STAGE_TIMES);
}
