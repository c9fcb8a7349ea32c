/* vit.c: the pre-LN transformer the video ViT families share: the patch
 * embedding (im2col of kernel = stride tubelets + GEMM), the table of
 * position (and time) embeddings, the blocks
 *   x = x + proj(attn(LN1 x)); x = x + fc2(GELU(fc1(LN2 x)))
 * or TimeSformer's divided ones (a temporal step first, spec §1.1), and the
 * heads. Tokens are rows of [tokens][C]. */
#include <math.h>
#include <string.h>

#include "vit.h"
#include "../uf-metadata.h"
#include "../ops/uf-ops.h"
#include "uf-blocks.h"

#define MAX_HIDDEN 4096
#define MAX_DEPTH 64
#define MAX_MLP 16384
#define MAX_PATCH 64
#define MAX_TUBELET 8
/* tokens of one clip: the attention op's group count (Z) and the tables
 * built at load are bounded by it */
#define MAX_TOKENS 65535

const char *const vit_stage_names[] = { "embed", "blocks", "head", NULL };

/* ---- hyper-parameters ---------------------------------------------------- */

static gboolean
check_params (const VitParams *p, GError **error)
{
#define INVALID(...) return uf_metadata_invalid (error, __VA_ARGS__)
  if (p->frames % p->tubelet != 0)
    INVALID ("metadata \"frames\" is %u; expected a multiple of tubelet_size %u", p->frames,
        p->tubelet);
  if (p->height % p->patch != 0 || p->width % p->patch != 0)
    INVALID ("metadata \"crop_height\" and \"crop_width\" are %u and %u; expected multiples "
        "of patch_size %u", p->height, p->width, p->patch);
  if (p->hidden % p->heads != 0)
    INVALID ("metadata \"num_heads\" is %u, which does not divide hidden_size %u", p->heads,
        p->hidden);
  guint64 patches = (guint64) (p->frames / p->tubelet) * (p->height / p->patch)
      * (p->width / p->patch);
  if (patches > MAX_TOKENS)
    INVALID ("%u frames of %ux%u in %ux%ux%u patches make %" G_GUINT64_FORMAT " tokens; "
        "this engine runs at most %u", p->frames, p->height, p->width, p->tubelet, p->patch,
        p->patch, patches, MAX_TOKENS);
  return TRUE;
#undef INVALID
}

VitParams *
vit_parse (JsonObject *md, const UfModelInfo *info, guint poolings, GError **error)
{
  static const char *const gelus[] = { "exact", "tanh", NULL };
  static const char *const pooling_names[] = { "cls", "mean", "token0", NULL };
  VitParams *p = g_new0 (VitParams, 1);
  guint gelu, pooling;
  double eps, head_eps;

  p->classes = info->num_classes;
  p->frames = info->frames;
  p->height = info->crop_height;
  p->width = info->crop_width;
  if (!uf_metadata_uint (md, "hidden_size", 4, MAX_HIDDEN, &p->hidden, error)
      || !uf_metadata_uint (md, "depth", 1, MAX_DEPTH, &p->depth, error)
      || !uf_metadata_uint (md, "num_heads", 1, MAX_HIDDEN, &p->heads, error)
      || !uf_metadata_uint (md, "mlp_dim", 1, MAX_MLP, &p->mlp, error)
      || !uf_metadata_uint (md, "patch_size", 1, MAX_PATCH, &p->patch, error)
      || !uf_metadata_uint (md, "tubelet_size", 1, MAX_TUBELET, &p->tubelet, error)
      || !uf_metadata_double (md, "layer_norm_eps", 1e-30, 1.0, &eps, error)
      || !uf_metadata_double (md, "head_norm_eps", 1e-30, 1.0, &head_eps, error)
      || !uf_metadata_choice (md, "gelu", gelus, &gelu, error)
      || !uf_metadata_choice (md, "pooling", pooling_names, &pooling, error)
      || !check_params (p, error))
    goto failed;
  if (!(poolings & (1u << pooling))) {
    g_set_error (error, UF_ERROR, UF_ERROR_MODEL_INVALID, "metadata \"pooling\" is \"%s\", "
        "which this architecture does not have", pooling_names[pooling]);
    goto failed;
  }
  p->eps = (float) eps;
  p->head_eps = (float) head_eps;
  p->gelu_tanh = gelu == 1;
  p->pooling = pooling;
  if (!uf_op_attention_check_shape (p->hidden, p->hidden / p->heads, error)) {
    g_prefix_error (error, "attention (blocks.*.attn, %u heads): ", p->heads);
    goto failed;
  }
  return p;

failed:
  g_free (p);
  return NULL;
}

/* ---- weights ------------------------------------------------------------- */

static void
plan (VitNet *net)
{
  const VitParams *p = &net->p;
  guint32 C = p->hidden, K = 3 * p->tubelet * p->patch * p->patch;
  gsize rows = net->tokens, off = 0;
  net->x = off; off += uf_block_align8 (rows * C);
  net->t1 = off; off += uf_block_align8 (rows * C);
  net->t2 = off; off += uf_block_align8 (rows * C);
  net->hid = off; off += uf_block_align8 (MAX (rows * MAX (3 * C, p->mlp), (gsize) net->patches * K));
  net->pooled = off; off += uf_block_align8 (C);
  net->normed = off; off += uf_block_align8 (C);
  net->cls_out = off; off += uf_block_align8 ((gsize) net->grid_t * C);
  net->layout.logits = off; off += uf_block_align8 (p->classes);
  net->layout.arena_floats = off;
}

/* temporal_attn.proj followed by temporal_fc, with nothing between: one
 * Linear W = W_fc W_proj, b = W_fc b_proj + b_fc (spec §4.6) */
static UfMatrixRef
add_folded_temporal_proj (UfWeightLoader *ld, guint32 C, guint i)
{
  gboolean f16_proj, f16_fc;
  float *wp = uf_weights_read (ld, &f16_proj, 2, UF_SHAPE (C, C),
      "blocks.%u.temporal_attn.proj.weight", i);
  float *bp = uf_weights_read (ld, NULL, 1, UF_SHAPE (C), "blocks.%u.temporal_attn.proj.bias",
      i);
  float *wf = uf_weights_read (ld, &f16_fc, 2, UF_SHAPE (C, C), "blocks.%u.temporal_fc.weight",
      i);
  float *bf = uf_weights_read (ld, NULL, 1, UF_SHAPE (C), "blocks.%u.temporal_fc.bias", i);
  float *w = g_new (float, (gsize) C * C), *b = g_new (float, C);
  double *row = g_new (double, C);
  for (guint32 o = 0; o < C; o++) {
    double bias = bf[o];
    for (guint32 k = 0; k < C; k++)
      row[k] = 0.0;
    for (guint32 m = 0; m < C; m++) {
      double f = wf[(gsize) o * C + m];
      bias += f * bp[m];
      for (guint32 k = 0; k < C; k++)
        row[k] += f * wp[(gsize) m * C + k];
    }
    for (guint32 k = 0; k < C; k++)
      w[(gsize) o * C + k] = (float) row[k];
    b[o] = (float) bias;
  }
  UfMatrixRef ref = uf_weight_pack_add_matrix (uf_weights_pack (ld), w, C, C, b,
      f16_proj && f16_fc);
  g_free (row);
  g_free (w);
  g_free (b);
  g_free (wp);
  g_free (bp);
  g_free (wf);
  g_free (bf);
  return ref;
}

static VitBlock
add_block (UfWeightLoader *ld, const VitParams *p, guint i, gboolean divided)
{
  guint32 C = p->hidden;
  char *name = NULL;
  VitBlock b = { 0 };
#define LINEAR(N, K, suffix) \
  (g_free (name), name = g_strdup_printf ("blocks.%u." suffix, i), \
      uf_weights_add_linear (ld, N, K, 2, name))
  b.ln1_g = uf_weights_add_vector (ld, C, "blocks.%u.norm1.weight", i);
  b.ln1_b = uf_weights_add_vector (ld, C, "blocks.%u.norm1.bias", i);
  b.qkv = LINEAR (3 * C, C, "attn.qkv");
  b.proj = LINEAR (C, C, "attn.proj");
  b.ln2_g = uf_weights_add_vector (ld, C, "blocks.%u.norm2.weight", i);
  b.ln2_b = uf_weights_add_vector (ld, C, "blocks.%u.norm2.bias", i);
  b.fc1 = LINEAR (p->mlp, C, "mlp.fc1");
  b.fc2 = LINEAR (C, p->mlp, "mlp.fc2");
  if (divided) {
    b.t_ln_g = uf_weights_add_vector (ld, C, "blocks.%u.temporal_norm1.weight", i);
    b.t_ln_b = uf_weights_add_vector (ld, C, "blocks.%u.temporal_norm1.bias", i);
    b.t_qkv = LINEAR (3 * C, C, "temporal_attn.qkv");
    b.t_proj = add_folded_temporal_proj (ld, C, i);
  }
#undef LINEAR
  g_free (name);
  return b;
}

VitNet *
vit_load (UfWeightLoader *ld, VitParams *params, gboolean has_cls, gboolean divided,
    const char *family)
{
  VitNet *net = g_new0 (VitNet, 1);
  net->family = family;
  net->divided = divided;
  net->p = *params;
  g_free (params);
  const VitParams *p = &net->p;
  guint32 C = p->hidden, K = 3 * p->tubelet * p->patch * p->patch;
  net->grid_t = p->frames / p->tubelet;
  net->grid_h = p->height / p->patch;
  net->grid_w = p->width / p->patch;
  net->patches = net->grid_t * net->grid_h * net->grid_w;
  net->has_cls = has_cls;
  net->tokens = net->patches + (has_cls ? 1 : 0);

  /* [C][3][kt][p][p] flattened is already patchify's (c, kt, kh, kw) order */
  gboolean f16;
  float *w = uf_weights_read (ld, &f16, 5, UF_SHAPE (C, 3, p->tubelet, p->patch, p->patch),
      "patch_embed.proj.weight");
  float *b = uf_weights_read (ld, NULL, 1, UF_SHAPE (C), "patch_embed.proj.bias");
  net->patch_proj = uf_weight_pack_add_matrix (uf_weights_pack (ld), w, C, K, b, f16);
  g_free (w);
  g_free (b);
  net->blocks = g_new0 (VitBlock, p->depth);
  for (guint i = 0; i < p->depth; i++)
    net->blocks[i] = add_block (ld, p, i, divided);
  const char *norm = p->pooling == VIT_POOL_MEAN ? "fc_norm" : "norm";
  net->norm_g = uf_weights_add_vector (ld, C, "%s.weight", norm);
  net->norm_b = uf_weights_add_vector (ld, C, "%s.bias", norm);
  net->head = uf_weights_add_linear (ld, p->classes, C, 2, "head");
  plan (net);
  return net;
}

void
vit_free (gpointer data)
{
  VitNet *net = data;
  g_free (net->blocks);
  g_free (net);
}

char *
vit_describe (gconstpointer data)
{
  const VitNet *net = data;
  const VitParams *p = &net->p;
  return g_strdup_printf ("%s model with hidden_size %u, depth %u, %u heads, mlp_dim %u, "
      "patches %ux%ux%u", net->family, p->hidden, p->depth, p->heads, p->mlp, p->tubelet, p->patch,
      p->patch);
}

/* ---- forward pass -------------------------------------------------------- */

static void
block (UfRecorder *rec, const VitNet *net, const VitBlock *b)
{
  const VitParams *p = &net->p;
  guint32 n = net->tokens, C = p->hidden, head_dim = C / p->heads;
  uf_block_layernorm (rec, n, C, net->x, net->t1, b->ln1_g, b->ln1_b, p->eps);
  uf_block_linear (rec, &b->qkv, n, net->t1, net->hid, 0);
  UfAttentionArgs a = {
    .N = n, .C = C, .qkv_off = net->hid, .out_off = net->t2,
    .scale = 1.0f / sqrtf ((float) head_dim), .head_dim = head_dim,
  };
  uf_op_attention_record (rec, &a);
  uf_block_linear (rec, &b->proj, n, net->t2, net->x, UF_GEMM_ACCUMULATE);
  uf_block_layernorm (rec, n, C, net->x, net->t1, b->ln2_g, b->ln2_b, p->eps);
  uf_block_linear (rec, &b->fc1, n, net->t1, net->hid, p->gelu_tanh ? UF_GEMM_GELU_TANH : UF_GEMM_GELU);
  uf_block_linear (rec, &b->fc2, n, net->hid, net->x, UF_GEMM_ACCUMULATE);
}

/* TimeSformer's block (spec §1.1), rows 1 + n*T + t after the cls row:
 *   xt = x[1:] + fc(proj(attn_t(LN_t x[1:])))  over N groups of T rows
 *   rs = attn_s(LN1 [cls; xt])                 over T groups of 1 + N rows
 *   x = [x[0]; xt] + proj([mean_t rs_cls; rs])   (proj is linear: the mean
 *                                                 of the cls rows goes first)
 *   x = x + fc2(GELU(fc1(LN2 x))) */
static void
divided_block (UfRecorder *rec, const VitNet *net, const VitBlock *b)
{
  const VitParams *p = &net->p;
  guint32 C = p->hidden, head_dim = C / p->heads, T = net->grid_t, N = net->grid_h * net->grid_w;
  guint32 n = net->tokens, rows = net->patches;
  float scale = 1.0f / sqrtf ((float) head_dim);
  uf_block_layernorm (rec, rows, C, net->x + C, net->t1 + C, b->t_ln_g, b->t_ln_b, p->eps);
  uf_block_linear (rec, &b->t_qkv, rows, net->t1 + C, net->hid + 3 * C, 0);
  UfAttentionArgs ta = {
    .N = T, .C = C, .qkv_off = net->hid, .out_off = net->t2, .scale = scale,
    .head_dim = head_dim, .groups = N, .base = 1, .group_stride = T, .token_stride = 1,
  };
  uf_op_attention_record (rec, &ta);
  uf_block_linear (rec, &b->t_proj, rows, net->t2 + C, net->x + C, UF_GEMM_ACCUMULATE);

  uf_block_layernorm (rec, n, C, net->x, net->t1, b->ln1_g, b->ln1_b, p->eps);
  uf_block_linear (rec, &b->qkv, n, net->t1, net->hid, 0);
  UfAttentionArgs sa = {
    .N = 1 + N, .C = C, .qkv_off = net->hid, .out_off = net->t2, .scale = scale,
    .head_dim = head_dim, .groups = T, .base = 1, .group_stride = 1, .token_stride = T,
    .shared = 1, .cls_out_off = net->cls_out,
  };
  uf_op_attention_record (rec, &sa);
  UfMeanpoolArgs m = { T, C, net->cls_out, net->t2 };
  uf_op_meanpool_record (rec, &m);
  uf_block_linear (rec, &b->proj, n, net->t2, net->x, UF_GEMM_ACCUMULATE);

  uf_block_layernorm (rec, n, C, net->x, net->t1, b->ln2_g, b->ln2_b, p->eps);
  uf_block_linear (rec, &b->fc1, n, net->t1, net->hid,
      p->gelu_tanh ? UF_GEMM_GELU_TANH : UF_GEMM_GELU);
  uf_block_linear (rec, &b->fc2, n, net->hid, net->x, UF_GEMM_ACCUMULATE);
}

void
vit_record (UfRecorder *rec, gconstpointer data, guint32 slot_stride, guint32 batch)
{
  g_assert (batch <= 1);      /* max_batch 0 */
  const VitNet *net = data;
  const VitParams *p = &net->p;
  guint32 C = p->hidden;
  uf_rec_timestamp (rec, 0);
  UfPatchifyArgs pa = {
    .mode = 2, .T = p->frames, .H = p->height, .W = p->width, .Cin = 3,
    .To = net->grid_t, .Ho = net->grid_h, .Wo = net->grid_w,
    .in_off = slot_stride, .out_off = net->hid,
    .tubelet = p->tubelet, .patch = p->patch, .time_minor = net->divided,
  };
  uf_op_patchify_record (rec, &pa);
  uf_block_linear (rec, &net->patch_proj, net->patches, net->hid, net->x + (net->has_cls ? C : 0), 0);
  UfRowaddArgs ra = { net->tokens, C, net->x, net->table, net->has_cls ? 1 : 0 };
  uf_op_rowadd_record (rec, &ra);
  uf_rec_timestamp (rec, 1);
  for (guint i = 0; i < p->depth; i++) {
    if (net->divided)
      divided_block (rec, net, &net->blocks[i]);
    else
      block (rec, net, &net->blocks[i]);
  }
  uf_rec_timestamp (rec, 2);
  guint32 head_in = net->x;
  if (p->pooling == VIT_POOL_MEAN) {
    UfMeanpoolArgs m = { net->tokens, C, net->x, net->pooled };
    uf_op_meanpool_record (rec, &m);
    head_in = net->pooled;
  }
  /* LayerNorm is per row: the cls row (or token 0, or the pooled row) alone */
  uf_block_layernorm (rec, 1, C, head_in, net->normed, net->norm_g, net->norm_b,
      p->pooling == VIT_POOL_MEAN ? p->head_eps : p->eps);
  uf_block_linear (rec, &net->head, 1, net->normed, net->layout.logits, 0);
  uf_rec_timestamp (rec, 3);
}

guint64
vit_macs (gconstpointer data)
{
  const VitNet *net = data;
  const VitParams *p = &net->p;
  guint64 C = p->hidden, n = net->tokens, K = 3 * p->tubelet * p->patch * p->patch;
  guint64 T = net->grid_t, N = (guint64) net->grid_h * net->grid_w;
  guint64 block = n * (4 * C * C + 2 * C * p->mlp) + 2 * n * n * C;
  if (net->divided)             /* temporal_fc folded; spatial groups of 1 + N */
    block = n * (4 * C * C + 2 * C * p->mlp) + 2 * T * (1 + N) * (1 + N) * C
        + net->patches * 4 * C * C + 2 * N * T * T * C;
  return net->patches * K * C + p->depth * block + C * p->classes;
}
