/* uniformer-light.c: UniFormer's light video models, XXS and XS
 * (../shared/docs/uniformer-light-spec.md): a two-conv stem, UniFormer's
 * local blocks in stages 1-2, and in stages 3-4 attention blocks that prune
 * tokens. Each pruning block ranks the tokens by their accumulated cls
 * attention, attends over the cls row, the K best and one representative
 * of the rest, then puts the tokens back in their order (the dropped ones
 * moved by the representative's change). The converter folds the layer
 * scales into the layers they scale (docs/model-format.md). */
#include <math.h>
#include <string.h>

#include "uniformer-blocks.h"
#include "../uf-metadata.h"

typedef struct {
  UfUniformerShape s;
  /* stages 3 and 4, a value per block */
  float ratio[2][UF_UNIFORMER_MAX_DEPTH];
  float trade_off[2][UF_UNIFORMER_MAX_DEPTH];
  guint kept[2][UF_UNIFORMER_MAX_DEPTH];
} Params;

typedef struct {
  UfNetLayout layout;
  Params p;
  guint32 T, H, W;                    /* input frames and size */
  guint32 t, h[4], w[4], n[4];        /* tokens per stage: t * h * w */
  /* arena regions (float offsets): the stream ping-pongs between x and y;
   * stem the first conv's output; z[0..1] the token rows a stage-3/4 block
   * attends over (cls first); scores the stage's token scores; order the
   * ranking; saved the representative token before the block; probs the
   * cls row's attention per head. */
  guint32 x, y, stem, z[2], scores[2], order, saved, probs, pooled;
  UfUniformerScratch sc;
  UfMatrixRef stem_conv[2];           /* BatchNorms folded in */
  guint32 stem_chunk[2];              /* output frames per im2col chunk of each stem conv */
  UfUniformerPatch patch[4];          /* 1..3 */
  UfUniformerBlock *blocks[4];
  guint32 cls_token;
  UfMatrixRef cls_upsample;
  UfMatrixRef head;                   /* the final BatchNorm folded in */
} Net;

static const char *const stage_names[] = {
  "stem", "stage1", "stage2", "stage3", "stage4", "head", NULL,
};

/* ---- hyper-parameters ---------------------------------------------------- */

static guint32
stage_tokens (const Params *p, guint s)
{
  return p->s.frames / 2 * (p->s.height >> (s + 2)) * (p->s.width >> (s + 2));
}

static gboolean
prunes (const Params *p, guint s, guint i)
{
  return p->ratio[s - 2][i] < 1.0f;
}

static gboolean
check_schedule (const Params *p, GError **error)
{
#define INVALID(...) return uf_metadata_invalid (error, __VA_ARGS__)
  for (guint s = 2; s < 4; s++) {
    guint32 n = stage_tokens (p, s);
    for (guint i = 0; i < p->s.depths[s]; i++) {
      float r = p->ratio[s - 2][i], t = p->trade_off[s - 2][i];
      guint k = p->kept[s - 2][i];
      if (!(r > 0.0f && r <= 1.0f))
        INVALID ("metadata \"stage%u_prune_ratio\": block %u has %g; expected a number in "
            "(0, 1]", s + 1, i, (double) r);
      if (!(t >= 0.0f && t <= 1.0f))
        INVALID ("metadata \"stage%u_trade_off\": block %u has %g; expected a number in "
            "[0, 1]", s + 1, i, (double) t);
      if (r == 1.0f && k != n)
        INVALID ("metadata \"stage%u_kept_tokens\": block %u keeps %u tokens; with prune "
            "ratio 1 it keeps all %u", s + 1, i, k, n);
      if (r < 1.0f && (k < 1 || k + 2 > n))
        INVALID ("metadata \"stage%u_kept_tokens\": block %u keeps %u of %u tokens; a "
            "pruning block keeps at least one and drops at least two", s + 1, i, k, n);
    }
  }
  if (prunes (p, 2, 0))
    INVALID ("metadata \"stage3_prune_ratio\": block 0 prunes, but the token scores come "
        "from its attention: its ratio must be 1");
  gboolean stage4_prunes = FALSE;
  for (guint i = 0; i < p->s.depths[3]; i++)
    stage4_prunes |= prunes (p, 3, i);
  if (stage4_prunes && !prunes (p, 2, p->s.depths[2] - 1))
    INVALID ("metadata \"stage4_prune_ratio\": stage 4 prunes, but the last stage-3 block "
        "does not: stage 4 ranks its tokens by the scores pooled at the end of a pruning "
        "stage 3");
  return TRUE;
#undef INVALID
}

/* What the light models need beyond UniFormer's shape: a stem halving the
 * first stage's channels, and stage-3 tokens the rank op can order. */
static gboolean
check_params (const Params *p, GError **error)
{
  if (p->s.dims[0] % 2 != 0)
    return uf_metadata_invalid (error, "metadata \"dims\": stage 1 has %u channels; the "
        "light stem needs an even number", p->s.dims[0]);
  if (stage_tokens (p, 2) > UF_TOKENRANK_MAX_N)
    return uf_metadata_invalid (error, "%u frames of %ux%u make %u stage-3 tokens; the "
        "engine ranks at most %u", p->s.frames, p->s.width, p->s.height, stage_tokens (p, 2),
        UF_TOKENRANK_MAX_N);
  return TRUE;
}

static gpointer
parse (JsonObject *md, const UfModelInfo *info, GError **error)
{
  Params *p = g_new0 (Params, 1);

  if (!uf_uniformer_parse_shape (md, info, &p->s, error) || !check_params (p, error))
    goto failed;
  for (guint s = 2; s < 4; s++) {
    char *ratio = g_strdup_printf ("stage%u_prune_ratio", s + 1);
    char *trade = g_strdup_printf ("stage%u_trade_off", s + 1);
    char *kept = g_strdup_printf ("stage%u_kept_tokens", s + 1);
    gboolean ok = uf_metadata_float_list (md, ratio, p->s.depths[s], p->ratio[s - 2], error)
        && uf_metadata_float_list (md, trade, p->s.depths[s], p->trade_off[s - 2], error)
        && uf_metadata_uint_list (md, kept, p->s.depths[s], p->kept[s - 2], error);
    g_free (ratio);
    g_free (trade);
    g_free (kept);
    if (!ok)
      goto failed;
  }
  if (!check_schedule (p, error))
    goto failed;
  return p;

failed:
  g_free (p);
  return NULL;
}

/* ---- weights ------------------------------------------------------------- */

/* patch_embed1.proj.<conv>: a 3x3x3 conv [Cout][Cin][3][3][3] followed by
 * the eval BatchNorm proj.<conv + 1>, folded in:
 *   s (W x + b - m) + beta = (s W) x + (s (b - m) + beta),  s = g/sqrt(v+eps)
 * as a matrix in patchify's K order: mode 3's (c, tap), PyTorch's own, for
 * the first conv; mode 4's (tap, c) for the second. */
static UfMatrixRef
add_stem_conv (UfWeightLoader *ld, guint conv, guint32 cout, guint32 cin)
{
  guint32 K = cin * 27;
  gboolean f16;
  float *w = uf_weights_read (ld, &f16, 5, UF_SHAPE (cout, cin, 3, 3, 3),
      "patch_embed1.proj.%u.weight", conv);
  float *b = uf_weights_read (ld, NULL, 1, UF_SHAPE (cout), "patch_embed1.proj.%u.bias", conv);
  float *bn[4];
  static const char *const bn_names[] = { "weight", "bias", "running_mean", "running_var" };
  for (guint i = 0; i < 4; i++)
    bn[i] = uf_weights_read (ld, NULL, 1, UF_SHAPE (cout), "patch_embed1.proj.%u.%s",
        conv + 1, bn_names[i]);
  float *q = g_new (float, (gsize) cout * K);
  for (guint32 o = 0; o < cout; o++) {
    double s = bn[0][o] / sqrt ((double) bn[3][o] + UF_UNIFORMER_BATCHNORM_EPS);
    for (guint32 c = 0; c < cin; c++)
      for (guint32 tap = 0; tap < 27; tap++) {
        gsize k = conv == 0 ? c * 27 + tap : tap * cin + c;
        q[(gsize) o * K + k] = w[((gsize) o * cin + c) * 27 + tap] * s;
      }
    b[o] = (b[o] - bn[2][o]) * s + bn[1][o];
  }
  UfMatrixRef ref = uf_weight_pack_add_matrix (uf_weights_pack (ld), q, cout, K, b, f16);
  for (guint i = 0; i < 4; i++)
    g_free (bn[i]);
  g_free (w);
  g_free (q);
  g_free (b);
  return ref;
}

static void
plan (Net *net)
{
  const Params *p = &net->p;
  net->T = p->s.frames;
  net->H = p->s.height;
  net->W = p->s.width;
  net->t = net->T / 2;
  guint32 half = p->s.dims[0] / 2;
  gsize stem1_rows = (gsize) net->T * (net->H / 2) * (net->W / 2);
  gsize stream = 0, temp = 0, hidden = 0, probs = 0;
  for (guint s = 0; s < 4; s++) {
    net->h[s] = net->H >> (s + 2);
    net->w[s] = net->W >> (s + 2);
    net->n[s] = net->t * net->h[s] * net->w[s];
    guint32 C = p->s.dims[s], wide = MAX (C * p->s.mlp_ratio, 3 * C);
    /* the stage-3/4 blocks attend over the cls row and the stage's tokens */
    gsize rows = net->n[s] + (s >= 2);
    stream = MAX (stream, (gsize) net->n[s] * C);
    temp = MAX (temp, rows * C);
    hidden = MAX (hidden, rows * MAX (wide, s > 0 ? 4 * p->s.dims[s - 1] : 0));
    if (s >= 2)
      probs = MAX (probs, rows * (C / p->s.head_dim));
  }
  /* The stem convs' im2col rows would be the largest region by far (XS at
   * 32 x 192: 127 MiB); they run in chunks of output frames that fit in
   * what the blocks need anyway. */
  gsize per_frame[2] = {
    (gsize) (net->H / 2) * (net->W / 2) * 81, (gsize) net->h[0] * net->w[0] * 27 * half,
  };
  guint32 frames_out[2] = { net->T, net->t };
  for (guint c = 0; c < 2; c++) {
    net->stem_chunk[c] = CLAMP (hidden / per_frame[c], 1, frames_out[c]);
    hidden = MAX (hidden, net->stem_chunk[c] * per_frame[c]);
  }
  guint32 off = 0;
#define REGION(field, size) (net->field = off, off += uf_block_align8 (size))
  REGION (x, stream);
  REGION (y, stream);
  REGION (sc.t1, MAX (stream, temp));
  REGION (sc.t2, MAX (stream, temp));
  REGION (sc.hid, hidden);
  REGION (stem, stem1_rows * half);
  REGION (z[0], (gsize) (net->n[2] + 1) * p->s.dims[2]);
  REGION (z[1], (gsize) (net->n[3] + 1) * p->s.dims[3]);
  REGION (scores[0], net->n[2]);
  REGION (scores[1], net->n[3]);
  REGION (order, net->n[2]);
  REGION (saved, MAX (p->s.dims[2], p->s.dims[3]));
  REGION (probs, probs);
  REGION (pooled, p->s.dims[3]);
  REGION (layout.logits, p->s.num_classes);
#undef REGION
  net->layout.arena_floats = off;
}

static gpointer
load (UfWeightLoader *ld, gpointer params, const UfModelInfo *info)
{
  Net *net = g_new0 (Net, 1);
  net->p = *(Params *) params;
  g_free (params);
  const Params *p = &net->p;
  net->stem_conv[0] = add_stem_conv (ld, 0, p->s.dims[0] / 2, 3);
  net->stem_conv[1] = add_stem_conv (ld, 3, p->s.dims[0], p->s.dims[0] / 2);
  for (guint s = 0; s < 4; s++) {
    if (s > 0)
      net->patch[s] = uf_uniformer_add_patch_embed2 (ld, s, p->s.dims[s - 1], p->s.dims[s]);
    net->blocks[s] = g_new0 (UfUniformerBlock, p->s.depths[s]);
    for (guint i = 0; i < p->s.depths[s]; i++)
      net->blocks[s][i] = uf_uniformer_add_block (ld, s, i, p->s.dims[s],
          p->s.dims[s] * p->s.mlp_ratio);
  }
  gboolean f16;
  float *cls = uf_weights_read (ld, &f16, 3, UF_SHAPE (1, 1, p->s.dims[2]), "cls_token");
  net->cls_token = uf_weight_pack_add (uf_weights_pack (ld), cls, p->s.dims[2]);
  g_free (cls);
  net->cls_upsample = uf_weights_add_linear (ld, p->s.dims[3], p->s.dims[2], 2, "cls_upsample");
  net->head = uf_uniformer_add_linear_bn (ld, p->s.num_classes, p->s.dims[3], 2, "head", "norm");
  plan (net);
  return net;
}

static char *
describe (gconstpointer data)
{
  return uf_uniformer_describe ("UniFormer light model", &((const Net *) data)->p.s);
}

static void
free_net (gpointer data)
{
  Net *net = data;
  for (guint s = 0; s < 4; s++)
    g_free (net->blocks[s]);
  g_free (net);
}

/* ---- forward pass -------------------------------------------------------- */

static UfUniformerGrid
grid (const Net *net, guint s)
{
  return (UfUniformerGrid) { net->t, net->h[s], net->w[s], net->p.s.dims[s] };
}

/* Whether a block after block i of stage s prunes, so the scores it
 * leaves are read. */
static gboolean
scores_read_later (const Params *p, guint s, guint i)
{
  for (; s < 4; s++, i = G_MAXUINT)
    for (guint j = i + 1; j < p->s.depths[s]; j++)
      if (prunes (p, s, j))
        return TRUE;
  return FALSE;
}

/* Block i of stage s (2 or 3) on the tokens at @in, leaving them at @out:
 *   P = x + DPE(x); Z = [cls; kept P; rep] (all of P when the block does
 *   not prune); Z += proj(attn(LN1 Z)); Z += fc2(GELU(fc1(LN2 Z)));
 *   the kept rows of Z back into P, the dropped ones moved by rep's change. */
static void
pruning_block (UfRecorder *rec, const Net *net, guint s, guint i, guint32 in, guint32 out)
{
  const Params *p = &net->p;
  const UfUniformerBlock *b = &net->blocks[s][i];
  const UfUniformerScratch *sc = &net->sc;
  guint32 N = net->n[s], C = p->s.dims[s], z = net->z[s - 2], g = net->scores[s - 2];
  gboolean pruned = prunes (p, s, i);
  guint32 K = pruned ? p->kept[s - 2][i] : N, L = pruned ? K + 2 : N + 1;
  guint32 order = pruned ? net->order : UF_NO_OFFSET;
  UfUniformerGrid grd = grid (net, s);

  uf_uniformer_dwconv (rec, &grd, 3, b->dpe_w, b->dpe_b, in, out, TRUE);
  if (pruned) {
    UfTokenrankArgs rank = { N, g, order };
    uf_op_tokenrank_record (rec, &rank);
    UfTokenmergeArgs merge = { N, K, C, out, g, order, z + (K + 1) * C, net->saved };
    uf_op_tokenmerge_record (rec, &merge);
  }
  UfTokenmoveArgs gather = { FALSE, N, K, C, out, z + C, order };
  uf_op_tokenmove_record (rec, &gather);

  uf_block_layernorm (rec, L, C, z, sc->t1, b->ln1_g, b->ln1_b, UF_UNIFORMER_BLOCK_LN_EPS);
  uf_block_linear (rec, &b->qkv, L, sc->t1, sc->hid, 0);
  float scale = 1.0f / sqrtf ((float) p->s.head_dim);
  UfAttentionArgs a = {
    .N = L, .C = C, .qkv_off = sc->hid, .out_off = sc->t2, .scale = scale,
    .head_dim = p->s.head_dim,
  };
  uf_op_attention_record (rec, &a);
  if (scores_read_later (p, s, i)) {
    UfClsscoreArgs cs = {
      .L = L, .C = C, .head_dim = p->s.head_dim, .n = K, .qkv_off = sc->hid, .score_off = g,
      .order_off = order, .probs_off = net->probs, .scale = scale,
      .trade_off = p->trade_off[s - 2][i], .first = s == 2 && i == 0,
    };
    uf_op_clsscore_record (rec, &cs);
  }
  uf_block_linear (rec, &b->proj, L, sc->t2, z, UF_GEMM_ACCUMULATE);
  uf_block_layernorm (rec, L, C, z, sc->t1, b->ln2_g, b->ln2_b, UF_UNIFORMER_BLOCK_LN_EPS);
  uf_block_linear (rec, &b->fc1, L, sc->t1, sc->hid, UF_GEMM_GELU);
  uf_block_linear (rec, &b->fc2, L, sc->hid, z, UF_GEMM_ACCUMULATE);

  UfTokenmoveArgs scatter = { TRUE, N, K, C, z + C, out, order, net->saved };
  uf_op_tokenmove_record (rec, &scatter);
}

/* Conv3d(3 -> C1/2, k3, s(1,2,2), p1), BN, GELU, Conv3d(-> C1, k3, s2, p1),
 * BN: each as im2col + GEMM, in chunks of output frames, the BatchNorms
 * folded. */
static void
stem (UfRecorder *rec, const Net *net, guint32 out, guint32 slot_stride)
{
  guint32 half = net->p.s.dims[0] / 2, H2 = net->H / 2, W2 = net->W / 2;
  const UfUniformerScratch *sc = &net->sc;
  for (guint32 t0 = 0; t0 < net->T; t0 += net->stem_chunk[0]) {
    guint32 n = MIN (net->stem_chunk[0], net->T - t0);
    UfPatchifyArgs a = {
      .mode = 3, .T = net->T, .H = net->H, .W = net->W, .Cin = 3,
      .To = n, .Ho = H2, .Wo = W2, .in_off = slot_stride, .out_off = sc->hid,
      .stride_t = 1, .stride_s = 2, .to_first = t0,
    };
    uf_op_patchify_record (rec, &a);
    uf_block_linear (rec, &net->stem_conv[0], n * H2 * W2, sc->hid,
        net->stem + t0 * H2 * W2 * half, UF_GEMM_GELU);
  }
  guint32 plane = net->h[0] * net->w[0];
  for (guint32 t0 = 0; t0 < net->t; t0 += net->stem_chunk[1]) {
    guint32 n = MIN (net->stem_chunk[1], net->t - t0);
    UfPatchifyArgs b = {
      .mode = 4, .T = net->T, .H = H2, .W = W2, .Cin = half,
      .To = n, .Ho = net->h[0], .Wo = net->w[0], .in_off = net->stem,
      .out_off = sc->hid, .stride_t = 2, .stride_s = 2, .to_first = t0,
    };
    uf_op_patchify_record (rec, &b);
    uf_block_linear (rec, &net->stem_conv[1], n * plane, sc->hid,
        out + t0 * plane * net->p.s.dims[0], 0);
  }
}

static void
record (UfRecorder *rec, gconstpointer data, guint32 slot_stride, guint32 batch)
{
  g_assert (batch <= 1);      /* max_batch 0: token pruning is per window */
  const Net *net = data;
  const Params *p = &net->p;
  guint32 cur = net->x, other = net->y;
  uf_rec_timestamp (rec, 0);
  stem (rec, net, cur, slot_stride);
  uf_rec_timestamp (rec, 1);
  for (guint s = 0; s < 4; s++) {
    UfUniformerGrid g = grid (net, s);
    if (s > 0) {
      UfUniformerGrid from = grid (net, s - 1);
      uf_uniformer_patch_embed2 (rec, &from, &g, &net->patch[s], &net->sc, cur, cur);
    }
    if (s == 2) {             /* the cls row starts as cls_token */
      UfRowaddArgs cls = { 1, p->s.dims[2], net->z[0], net->cls_token, 1 };
      uf_op_rowadd_record (rec, &cls);
    } else if (s == 3) {      /* ... and goes on through cls_upsample */
      uf_block_linear (rec, &net->cls_upsample, 1, net->z[0], net->z[1], 0);
    }
    for (guint i = 0; i < p->s.depths[s]; i++) {
      if (s < 2)
        uf_uniformer_local_block (rec, &g, &net->blocks[s][i], &net->sc, cur, other);
      else
        pruning_block (rec, net, s, i, cur, other);
      guint32 tmp = cur;
      cur = other;
      other = tmp;
    }
    /* stage 4 ranks by the stage-3 scores pooled 2x2, their sum kept */
    if (s == 2 && scores_read_later (p, 2, p->s.depths[2] - 1)) {
      UfScorepoolArgs pool = { net->t, net->h[2], net->w[2], net->scores[0], net->scores[1] };
      uf_op_scorepool_record (rec, &pool);
    }
    uf_rec_timestamp (rec, 2 + s);
  }
  UfMeanpoolArgs m = { net->n[3], p->s.dims[3], cur, net->pooled };
  uf_op_meanpool_record (rec, &m);
  uf_block_linear (rec, &net->head, 1, net->pooled, net->layout.logits, 0);
  uf_rec_timestamp (rec, 6);
}

/* Multiply-accumulates of the convolutions, the linear layers and the
 * attention products, over the tokens each block attends over. */
static guint64
macs (gconstpointer data)
{
  const Net *net = data;
  const Params *p = &net->p;
  guint64 half = p->s.dims[0] / 2, r = p->s.mlp_ratio;
  guint64 total = (guint64) net->T * (net->H / 2) * (net->W / 2) * 81 * half
      + (guint64) net->n[0] * 27 * half * p->s.dims[0];
  for (guint s = 0; s < 4; s++) {
    guint64 C = p->s.dims[s], n = net->n[s];
    if (s > 0)
      total += 4 * p->s.dims[s - 1] * C * n;
    for (guint i = 0; i < p->s.depths[s]; i++) {
      if (s < 2) {
        total += n * (27 * C + 125 * C + 2 * C * C + 2 * r * C * C);
        continue;
      }
      guint64 L = prunes (p, s, i) ? p->kept[s - 2][i] + 2 : n + 1;
      total += n * 27 * C + L * (4 * C * C + 2 * r * C * C) + 2 * L * L * C;
    }
  }
  return total + (guint64) p->s.dims[2] * p->s.dims[3]
      + (guint64) p->s.dims[3] * p->s.num_classes;
}

const UfArchitecture uf_architecture_uniformer_light = {
  .name = "uniformer-light",
  .stage_names = stage_names,
  .parse = parse,
  .describe = describe,
  .load = load,
  .free_net = free_net,
  .record = record,
  .macs = macs,
};
