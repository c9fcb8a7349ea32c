/* uniformer.c: UniFormer (../shared/docs/uniformer-spec.md): a 4-stage
 * hierarchy, local relation aggregation in stages 1-2 and global attention
 * in stages 3-4, every block opened by a dynamic position embedding.
 * Activations are channels-last [t][h][w][C], which is also the token order
 * (t, h, w) of the attention stages, so no transposes are needed. */
#include <math.h>
#include <string.h>

#include "uniformer-blocks.h"
#include "../uf-metadata.h"

typedef UfUniformerShape Params;

typedef struct {
  UfNetLayout layout;
  Params p;
  guint32 T, H, W;                    /* input frames and size */
  guint32 t, h[4], w[4], n[4];        /* tokens per stage: t * h * w */
  /* arena regions (float offsets): the residual stream ping-pongs between
   * x and y; t1/t2 hold per-token temporaries of C channels, hid the MLP
   * hidden layer, qkv or im2col patches. */
  guint32 x, y, pooled;
  UfUniformerScratch sc;
  UfUniformerPatch patch[4];
  UfUniformerBlock *blocks[4];
  UfMatrixRef head;                   /* final BatchNorm folded in */
} Net;

static const char *const stage_names[] = {
  "stem", "stage1", "stage2", "stage3", "stage4", "head", NULL,
};

/* ---- hyper-parameters ---------------------------------------------------- */

static gpointer
parse (JsonObject *md, const UfModelInfo *info, GError **error)
{
  Params *p = g_new0 (Params, 1);

  if (!uf_uniformer_parse_shape (md, info, p, error)) {
    g_free (p);
    return NULL;
  }
  return p;
}

/* ---- weights ------------------------------------------------------------- */

/* The stem's conv [Cout][3][3][4][4] as a matrix in patchify mode 0's K
 * order, PyTorch's own (c, kt, kh, kw); then its LayerNorm. */
static UfUniformerPatch
add_stem (UfWeightLoader *ld, const Params *p)
{
  guint32 cout = p->dims[0];
  gboolean f16;
  float *w = uf_weights_read (ld, &f16, 5, UF_SHAPE (cout, 3, 3, 4, 4),
      "patch_embed1.proj.weight");
  float *b = uf_weights_read (ld, NULL, 1, UF_SHAPE (cout), "patch_embed1.proj.bias");
  UfUniformerPatch pw = {
    .proj = uf_weight_pack_add_matrix (uf_weights_pack (ld), w, cout, 3 * 48, b, f16),
  };
  g_free (w);
  g_free (b);
  pw.ln_g = uf_weights_add_vector (ld, cout, "patch_embed1.norm.weight");
  pw.ln_b = uf_weights_add_vector (ld, cout, "patch_embed1.norm.bias");
  return pw;
}

static void
plan (Net *net)
{
  const Params *p = &net->p;
  net->T = p->frames;
  net->H = p->height;
  net->W = p->width;
  net->t = net->T / 2;
  gsize stream = 0, hidden = 0;
  for (guint s = 0; s < 4; s++) {
    net->h[s] = net->H >> (s + 2);
    net->w[s] = net->W >> (s + 2);
    net->n[s] = net->t * net->h[s] * net->w[s];
    guint32 C = p->dims[s], cin = s == 0 ? 3 : p->dims[s - 1];
    guint32 patch_k = s == 0 ? cin * 48 : cin * 4;
    stream = MAX (stream, (gsize) net->n[s] * C);
    hidden = MAX (hidden, (gsize) net->n[s] * MAX (MAX (C * p->mlp_ratio, 3 * C), patch_k));
  }
  guint32 off = 0;
  net->x = off; off += uf_block_align8 (stream);
  net->y = off; off += uf_block_align8 (stream);
  net->sc.t1 = off; off += uf_block_align8 (stream);
  net->sc.t2 = off; off += uf_block_align8 (stream);
  net->sc.hid = off; off += uf_block_align8 (hidden);
  net->pooled = off; off += uf_block_align8 (p->dims[3]);
  net->layout.logits = off; off += uf_block_align8 (p->num_classes);
  net->layout.arena_floats = off;
}

static gpointer
load (UfWeightLoader *ld, gpointer params, const UfModelInfo *info)
{
  Net *net = g_new0 (Net, 1);
  net->p = *(Params *) params;
  g_free (params);
  const Params *p = &net->p;
  for (guint s = 0; s < 4; s++) {
    net->patch[s] = s == 0 ? add_stem (ld, p)
        : uf_uniformer_add_patch_embed2 (ld, s, p->dims[s - 1], p->dims[s]);
    net->blocks[s] = g_new0 (UfUniformerBlock, p->depths[s]);
    for (guint i = 0; i < p->depths[s]; i++)
      net->blocks[s][i] = uf_uniformer_add_block (ld, s, i, p->dims[s],
          p->dims[s] * p->mlp_ratio);
  }
  net->head = uf_uniformer_add_linear_bn (ld, p->num_classes, p->dims[3], 2, "head", "norm");
  plan (net);
  return net;
}

static char *
describe (gconstpointer data)
{
  return uf_uniformer_describe ("UniFormer model", &((const Net *) data)->p);
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
grid (const Net *net, guint s, guint32 batch)
{
  return (UfUniformerGrid) { net->t, net->h[s], net->w[s], net->p.dims[s], batch };
}

/* x = x + DPE(x); x = x + proj(attn(LN1 x)); x = x + fc2(GELU(fc1(LN2 x))).
 * Attention runs over each window's tokens: a group per batch member. */
static void
global_block (UfRecorder *rec, const Net *net, const UfUniformerGrid *g,
    const UfUniformerBlock *b, guint32 in, guint32 out)
{
  const UfUniformerScratch *sc = &net->sc;
  guint32 rows = uf_uniformer_grid_rows (g), C = g->C, head_dim = net->p.head_dim;
  guint32 n = g->t * g->h * g->w;
  uf_uniformer_dwconv (rec, g, 3, b->dpe_w, b->dpe_b, in, out, TRUE);
  uf_block_layernorm (rec, rows, C, out, sc->t1, b->ln1_g, b->ln1_b, UF_UNIFORMER_BLOCK_LN_EPS);
  uf_block_linear (rec, &b->qkv, rows, sc->t1, sc->hid, 0);
  UfAttentionArgs a = {
    .N = n, .C = C, .qkv_off = sc->hid, .out_off = sc->t2,
    .scale = 1.0f / sqrtf ((float) head_dim), .head_dim = head_dim,
    .groups = MAX (g->batch, 1), .group_stride = n,
  };
  uf_op_attention_record (rec, &a);
  uf_block_linear (rec, &b->proj, rows, sc->t2, out, UF_GEMM_ACCUMULATE);
  uf_block_layernorm (rec, rows, C, out, sc->t1, b->ln2_g, b->ln2_b, UF_UNIFORMER_BLOCK_LN_EPS);
  uf_block_linear (rec, &b->fc1, rows, sc->t1, sc->hid, UF_GEMM_GELU);
  uf_block_linear (rec, &b->fc2, rows, sc->hid, out, UF_GEMM_ACCUMULATE);
}

/* The stem: k(3,4,4) s(2,4,4) p(1,0,0) conv over each window's ring slots
 * as im2col (each window's padding in time its own) + GEMM into t1, then
 * LayerNorm into @out. */
static void
stem (UfRecorder *rec, const Net *net, guint32 out, guint32 slot_stride, guint32 batch)
{
  UfPatchifyArgs a = {
    .mode = 0, .T = net->T, .H = net->H, .W = net->W, .Cin = 3,
    .To = net->t, .Ho = net->h[0], .Wo = net->w[0],
    .in_off = slot_stride, .out_off = net->sc.hid, .slots_off = 0, .windows = batch,
  };
  uf_op_patchify_record (rec, &a);
  const UfUniformerPatch *pw = &net->patch[0];
  uf_block_linear (rec, &pw->proj, batch * net->n[0], net->sc.hid, net->sc.t1, 0);
  uf_block_layernorm (rec, batch * net->n[0], net->p.dims[0], net->sc.t1, out, pw->ln_g,
      pw->ln_b, UF_UNIFORMER_PATCH_EMBED_LN_EPS);
}

/* The plan for @batch windows: every region @batch times its size. */
static Net
scaled (const Net *net, guint32 batch)
{
  Net b = *net;
  b.x *= batch;
  b.y *= batch;
  b.sc.t1 *= batch;
  b.sc.t2 *= batch;
  b.sc.hid *= batch;
  b.pooled *= batch;
  b.layout.logits *= batch;
  return b;
}

static void
record (UfRecorder *rec, gconstpointer data, guint32 slot_stride, guint32 batch)
{
  batch = MAX (batch, 1);
  const Net plan = scaled (data, batch), *net = &plan;
  const Params *p = &net->p;
  guint32 cur = net->x, other = net->y;
  uf_rec_timestamp (rec, 0);
  for (guint s = 0; s < 4; s++) {
    UfUniformerGrid g = grid (net, s, batch);
    if (s == 0) {
      stem (rec, net, cur, slot_stride, batch);
      uf_rec_timestamp (rec, 1);
    } else {
      UfUniformerGrid from = grid (net, s - 1, batch);
      uf_uniformer_patch_embed2 (rec, &from, &g, &net->patch[s], &net->sc, cur, cur);
    }
    for (guint i = 0; i < p->depths[s]; i++) {
      if (s < 2)
        uf_uniformer_local_block (rec, &g, &net->blocks[s][i], &net->sc, cur, other);
      else
        global_block (rec, net, &g, &net->blocks[s][i], cur, other);
      guint32 tmp = cur;
      cur = other;
      other = tmp;
    }
    uf_rec_timestamp (rec, 2 + s);
  }
  UfMeanpoolArgs m = { net->n[3], p->dims[3], cur, net->pooled, batch };
  uf_op_meanpool_record (rec, &m);
  uf_block_linear (rec, &net->head, batch, net->pooled, net->layout.logits, 0);
  uf_rec_timestamp (rec, 6);
}

/* Multiply-accumulates, spec section 6's formulas. */
static guint64
macs (gconstpointer data)
{
  const Net *net = data;
  const Params *p = &net->p;
  guint64 t = p->frames / 2, total = 0;
  for (guint s = 0; s < 4; s++) {
    guint64 C = p->dims[s], r = p->mlp_ratio;
    guint64 n = t * (p->height >> (s + 2)) * (p->width >> (s + 2));
    total += s == 0 ? 48 * 3 * C * n : 4 * p->dims[s - 1] * C * n;
    guint64 block = s < 2 ? n * (27 * C + 125 * C + 2 * C * C + 2 * r * C * C)
        : n * (27 * C + 4 * C * C + 2 * r * C * C) + 2 * n * n * C;
    total += block * p->depths[s];
  }
  return total + (guint64) p->dims[3] * p->num_classes;
}

const UfArchitecture uf_architecture_uniformer = {
  .name = "uniformer",
  .stage_names = stage_names,
  .parse = parse,
  .describe = describe,
  .load = load,
  .free_net = free_net,
  .record = record,
  .max_batch = 64,
  .macs = macs,
};
