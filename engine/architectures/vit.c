/* vit.c: the pre-LN transformer the video ViT families share: the patch
 * embedding (im2col of kernel = stride tubelets + GEMM), the table of
 * position (and time) embeddings, the blocks
 *   x = x + proj(attn(LN1 x)); x = x + fc2(GELU(fc1(LN2 x)))
 * and the heads. Tokens are rows of [tokens][C]. */
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
  net->layout.logits = off; off += uf_block_align8 (p->classes);
  net->layout.arena_floats = off;
}

static VitBlock
add_block (UfWeightLoader *ld, const VitParams *p, guint i)
{
  guint32 C = p->hidden;
  char *name = NULL;
  VitBlock b;
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
#undef LINEAR
  g_free (name);
  return b;
}

VitNet *
vit_load (UfWeightLoader *ld, VitParams *params, gboolean has_cls, const char *family)
{
  VitNet *net = g_new0 (VitNet, 1);
  net->family = family;
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
    net->blocks[i] = add_block (ld, p, i);
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

void
vit_record (UfRecorder *rec, gconstpointer data, guint32 slot_stride, guint32 slots_off)
{
  const VitNet *net = data;
  const VitParams *p = &net->p;
  guint32 C = p->hidden;
  uf_rec_timestamp (rec, 0);
  UfPatchifyArgs pa = {
    .mode = 2, .T = p->frames, .H = p->height, .W = p->width, .Cin = 3,
    .To = net->grid_t, .Ho = net->grid_h, .Wo = net->grid_w,
    .in_off = slot_stride, .out_off = net->hid, .slots_off = slots_off,
    .tubelet = p->tubelet, .patch = p->patch,
  };
  uf_op_patchify_record (rec, &pa);
  uf_block_linear (rec, &net->patch_proj, net->patches, net->hid, net->x + (net->has_cls ? C : 0), 0);
  UfRowaddArgs ra = { net->tokens, C, net->x, net->table, net->has_cls ? 1 : 0 };
  uf_op_rowadd_record (rec, &ra);
  uf_rec_timestamp (rec, 1);
  for (guint i = 0; i < p->depth; i++)
    block (rec, net, &net->blocks[i]);
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
  guint64 block = n * (4 * C * C + 2 * C * p->mlp) + 2 * n * n * C;
  return net->patches * K * C + p->depth * block + C * p->classes;
}
