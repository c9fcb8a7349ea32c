/* uniformer.c: UniFormer (../shared/docs/uniformer-spec.md): a 4-stage
 * hierarchy, local relation aggregation in stages 1-2 and global attention
 * in stages 3-4, every block opened by a dynamic position embedding.
 * Activations are channels-last [t][h][w][C], which is also the token order
 * (t, h, w) of the attention stages, so no transposes are needed. */
#include <math.h>
#include <string.h>

#include "uf-architecture.h"
#include "../uf-metadata.h"
#include "../ops/uf-ops.h"
#include "uf-blocks.h"

#define MAX_DEPTH 64                  /* blocks per stage */
#define MAX_DIM 4096                  /* channels per stage */
#define MAX_MLP_RATIO 16
#define BATCHNORM_EPS 1e-5
#define PATCH_EMBED_LN_EPS 1e-5f
#define BLOCK_LN_EPS 1e-6f

typedef struct {
  guint depths[4];
  guint dims[4];
  guint head_dim;
  guint mlp_ratio;
  guint num_classes;
  guint frames, height, width;
} Params;

typedef struct {
  guint32 dpe_w, dpe_b;       /* [27][C], [C] */
  /* stages 1-2 (local MHRA) */
  UfMatrixRef conv1, conv2;   /* conv1 has norm1 folded in */
  guint32 dw_w, dw_b;         /* [125][C], [C] */
  /* stages 3-4 (global MHRA) */
  guint32 ln1_g, ln1_b, ln2_g, ln2_b;
  UfMatrixRef qkv, proj;
  /* both: fc1 (norm2 folded in for stages 1-2), fc2 */
  UfMatrixRef fc1, fc2;
} BlockWeights;

typedef struct {
  UfMatrixRef proj;           /* rows in patchify.comp's K order */
  guint32 ln_g, ln_b;
} PatchWeights;

typedef struct {
  UfNetLayout layout;
  Params p;
  guint32 T, H, W;                    /* input frames and size */
  guint32 t, h[4], w[4], n[4];        /* tokens per stage: t * h * w */
  /* arena regions (float offsets): the residual stream ping-pongs between
   * x and y; t1/t2 hold per-token temporaries of C channels, hid the MLP
   * hidden layer, qkv or im2col patches. */
  guint32 x, y, t1, t2, hid, pooled;
  PatchWeights patch[4];
  BlockWeights *blocks[4];
  UfMatrixRef head;                   /* final BatchNorm folded in */
} Net;

static const char *const stage_names[] = {
  "stem", "stage1", "stage2", "stage3", "stage4", "head", NULL,
};

/* ---- hyper-parameters ---------------------------------------------------- */

static gboolean
check_params (const Params *p, GError **error)
{
#define INVALID(...) return uf_metadata_invalid (error, __VA_ARGS__)
  for (guint i = 0; i < 4; i++)
    if (p->depths[i] < 1 || p->depths[i] > MAX_DEPTH)
      INVALID ("metadata \"depths\": stage %u has %u blocks; expected 1 to %u", i + 1,
          p->depths[i], MAX_DEPTH);
  for (guint i = 0; i < 4; i++)
    if (p->dims[i] < 1 || p->dims[i] > MAX_DIM)
      INVALID ("metadata \"dims\": stage %u has %u channels; expected 1 to %u", i + 1,
          p->dims[i], MAX_DIM);
  if (p->head_dim < 1 || p->dims[2] % p->head_dim != 0 || p->dims[3] % p->head_dim != 0)
    INVALID ("metadata \"head_dim\" is %u; expected a divisor of dims[2] = %u and dims[3] = %u",
        p->head_dim, p->dims[2], p->dims[3]);
  if (p->mlp_ratio < 1 || p->mlp_ratio > MAX_MLP_RATIO)
    INVALID ("metadata \"mlp_ratio\" is %u; expected an integer from 1 to %u", p->mlp_ratio,
        MAX_MLP_RATIO);
  if (p->frames < 2 || p->frames % 2 != 0)
    INVALID ("metadata \"frames\" is %u; expected an even integer from 2 to %u", p->frames,
        UF_METADATA_MAX_FRAMES);
  if (p->height < 32 || p->height % 32)
    INVALID ("metadata \"crop_height\" is %u; expected a multiple of 32 from 32 to %u",
        p->height, UF_METADATA_MAX_CROP);
  if (p->width < 32 || p->width % 32)
    INVALID ("metadata \"crop_width\" is %u; expected a multiple of 32 from 32 to %u",
        p->width, UF_METADATA_MAX_CROP);
  return TRUE;
#undef INVALID
}

static gpointer
parse (JsonObject *md, const UfModelInfo *info, GError **error)
{
  Params *p = g_new0 (Params, 1);

  p->num_classes = info->num_classes;
  p->frames = info->frames;
  p->height = info->crop_height;
  p->width = info->crop_width;
  if (!uf_metadata_uint_list (md, "depths", 4, p->depths, error)
      || !uf_metadata_uint_list (md, "dims", 4, p->dims, error)
      || !uf_metadata_uint (md, "head_dim", 0, G_MAXUINT, &p->head_dim, error)
      || !uf_metadata_uint (md, "mlp_ratio", 0, G_MAXUINT, &p->mlp_ratio, error)
      || !check_params (p, error))
    goto failed;
  /* the limits of the engine's ops */
  for (guint s = 2; s < 4; s++)
    if (!uf_op_attention_check_shape (p->dims[s], p->head_dim, error)) {
      g_prefix_error (error, "stage %u attention (blocks%u.*.attn): ", s + 1, s + 1);
      goto failed;
    }
  return p;

failed:
  g_free (p);
  return NULL;
}

/* ---- weights ------------------------------------------------------------- */

/* Depthwise kernel [C][1][k][k][k] -> [k^3][C] so lanes (channels) read
 * consecutive weights. */
static guint32
add_depthwise (UfWeightLoader *ld, guint32 C, guint32 k, const char *prefix, guint32 *bias)
{
  guint32 taps = k * k * k;
  float *w = uf_weights_read (ld, NULL, 5, UF_SHAPE (C, 1, k, k, k), "%s.weight", prefix);
  float *t = g_new (float, (gsize) taps * C);
  for (guint32 c = 0; c < C; c++)
    for (guint32 i = 0; i < taps; i++)
      t[(gsize) i * C + c] = w[(gsize) c * taps + i];
  guint32 off = uf_weight_pack_add (uf_weights_pack (ld), t, (gsize) taps * C);
  *bias = uf_weights_add_vector (ld, C, "%s.bias", prefix);
  g_free (w);
  g_free (t);
  return off;
}

/* A 1x1 conv or linear layer W [N][K] + b preceded by an eval BatchNorm on
 * its input, which folds exactly:
 *   W (s*x + t) + b = (W diag s) x + (W t + b),  s = g/sqrt(v+eps), t = beta - m*s */
static UfMatrixRef
add_linear_bn (UfWeightLoader *ld, guint32 N, guint32 K, guint n_dims, const char *prefix,
    const char *bn)
{
  gboolean f16;
  float *w = uf_weights_read (ld, &f16, n_dims, UF_SHAPE (N, K, 1, 1, 1), "%s.weight", prefix);
  float *b = uf_weights_read (ld, NULL, 1, UF_SHAPE (N), "%s.bias", prefix);
  float *g = uf_weights_read (ld, NULL, 1, UF_SHAPE (K), "%s.weight", bn);
  float *beta = uf_weights_read (ld, NULL, 1, UF_SHAPE (K), "%s.bias", bn);
  float *mean = uf_weights_read (ld, NULL, 1, UF_SHAPE (K), "%s.running_mean", bn);
  float *var = uf_weights_read (ld, NULL, 1, UF_SHAPE (K), "%s.running_var", bn);
  for (guint32 n = 0; n < N; n++) {
    double shift = 0.0;
    for (guint32 k = 0; k < K; k++) {
      double s = g[k] / sqrt ((double) var[k] + BATCHNORM_EPS);
      shift += (double) w[(gsize) n * K + k] * (beta[k] - mean[k] * s);
      w[(gsize) n * K + k] = w[(gsize) n * K + k] * s;
    }
    b[n] += shift;
  }
  UfMatrixRef ref = uf_weight_pack_add_matrix (uf_weights_pack (ld), w, N, K, b, f16);
  g_free (g);
  g_free (beta);
  g_free (mean);
  g_free (var);
  g_free (w);
  g_free (b);
  return ref;
}

/* Patch embedding conv [Cout][Cin][kt][kh][kw] as a matrix whose K order
 * matches patchify.comp: the stem's natural (c, kt, kh, kw); the 2x2
 * patch embeds' (kh, kw, c). Then its LayerNorm. */
static PatchWeights
add_patch_embed (UfWeightLoader *ld, const Params *p, guint s)
{
  guint32 cout = p->dims[s], cin = s == 0 ? 3 : p->dims[s - 1];
  guint32 K = s == 0 ? cin * 48 : cin * 4;
  gboolean f16;
  float *w = s == 0
      ? uf_weights_read (ld, &f16, 5, UF_SHAPE (cout, 3, 3, 4, 4), "patch_embed1.proj.weight")
      : uf_weights_read (ld, &f16, 5, UF_SHAPE (cout, cin, 1, 2, 2), "patch_embed%u.proj.weight",
      s + 1);
  float *b = uf_weights_read (ld, NULL, 1, UF_SHAPE (cout), "patch_embed%u.proj.bias", s + 1);
  if (s > 0) {
    float *q = g_new (float, (gsize) cout * K);
    for (guint32 o = 0; o < cout; o++)
      for (guint32 c = 0; c < cin; c++)
        for (guint32 k = 0; k < 4; k++)
          q[(gsize) o * K + k * cin + c] = w[((gsize) o * cin + c) * 4 + k];
    g_free (w);
    w = q;
  }
  PatchWeights pw = {
    .proj = uf_weight_pack_add_matrix (uf_weights_pack (ld), w, cout, K, b, f16),
  };
  g_free (w);
  g_free (b);
  pw.ln_g = uf_weights_add_vector (ld, cout, "patch_embed%u.norm.weight", s + 1);
  pw.ln_b = uf_weights_add_vector (ld, cout, "patch_embed%u.norm.bias", s + 1);
  return pw;
}

static BlockWeights
add_block (UfWeightLoader *ld, const Params *p, guint s, guint i)
{
  guint32 C = p->dims[s], H = C * p->mlp_ratio;
  char *b = g_strdup_printf ("blocks%u.%u", s + 1, i);
  char *q = NULL, *r = NULL;
  BlockWeights bw = { 0 };
#define NAME(buf, suffix) (g_free (buf), buf = g_strconcat (b, suffix, NULL))
  bw.dpe_w = add_depthwise (ld, C, 3, NAME (q, ".pos_embed"), &bw.dpe_b);
  if (s < 2) {
    bw.conv1 = add_linear_bn (ld, C, C, 5, NAME (q, ".conv1"), NAME (r, ".norm1"));
    bw.dw_w = add_depthwise (ld, C, 5, NAME (q, ".attn"), &bw.dw_b);
    bw.conv2 = uf_weights_add_linear (ld, C, C, 5, NAME (q, ".conv2"));
    bw.fc1 = add_linear_bn (ld, H, C, 5, NAME (q, ".mlp.fc1"), NAME (r, ".norm2"));
    bw.fc2 = uf_weights_add_linear (ld, C, H, 5, NAME (q, ".mlp.fc2"));
  } else {
    bw.ln1_g = uf_weights_add_vector (ld, C, "%s.norm1.weight", b);
    bw.ln1_b = uf_weights_add_vector (ld, C, "%s.norm1.bias", b);
    bw.qkv = uf_weights_add_linear (ld, 3 * C, C, 2, NAME (q, ".attn.qkv"));
    bw.proj = uf_weights_add_linear (ld, C, C, 2, NAME (q, ".attn.proj"));
    bw.ln2_g = uf_weights_add_vector (ld, C, "%s.norm2.weight", b);
    bw.ln2_b = uf_weights_add_vector (ld, C, "%s.norm2.bias", b);
    bw.fc1 = uf_weights_add_linear (ld, H, C, 2, NAME (q, ".mlp.fc1"));
    bw.fc2 = uf_weights_add_linear (ld, C, H, 2, NAME (q, ".mlp.fc2"));
  }
#undef NAME
  g_free (b);
  g_free (q);
  g_free (r);
  return bw;
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
  net->t1 = off; off += uf_block_align8 (stream);
  net->t2 = off; off += uf_block_align8 (stream);
  net->hid = off; off += uf_block_align8 (hidden);
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
    net->patch[s] = add_patch_embed (ld, p, s);
    net->blocks[s] = g_new0 (BlockWeights, p->depths[s]);
    for (guint i = 0; i < p->depths[s]; i++)
      net->blocks[s][i] = add_block (ld, p, s, i);
  }
  net->head = add_linear_bn (ld, p->num_classes, p->dims[3], 2, "head", "norm");
  plan (net);
  return net;
}

static char *
describe (gconstpointer data)
{
  const Params *p = &((const Net *) data)->p;
  return g_strdup_printf ("UniFormer model with depths %u,%u,%u,%u, dims %u,%u,%u,%u, "
      "head_dim %u, mlp_ratio %u", p->depths[0], p->depths[1], p->depths[2], p->depths[3],
      p->dims[0], p->dims[1], p->dims[2], p->dims[3], p->head_dim, p->mlp_ratio);
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

static void
dwconv (UfRecorder *rec, const Net *net, guint s, guint32 C, guint32 ks, guint32 w_off,
    guint32 b_off, guint32 in, guint32 out, gboolean residual)
{
  UfDwconvArgs d = {
    .T = net->t, .H = net->h[s], .W = net->w[s], .C = C,
    .in_off = in, .out_off = out, .w_off = w_off, .bias_off = b_off,
    .residual = residual, .ks = ks,
  };
  uf_op_dwconv_record (rec, &d);
}

/* x = x + DPE(x); x = x + conv2(DW5(conv1(BN1 x))); x = x + fc2(GELU(fc1(BN2 x))) */
static void
local_block (UfRecorder *rec, const Net *net, guint s, const BlockWeights *b, guint32 in,
    guint32 out)
{
  guint32 n = net->n[s], C = net->p.dims[s];
  dwconv (rec, net, s, C, 3, b->dpe_w, b->dpe_b, in, out, TRUE);
  uf_block_linear (rec, &b->conv1, n, out, net->t1, 0);
  dwconv (rec, net, s, C, 5, b->dw_w, b->dw_b, net->t1, net->t2, FALSE);
  uf_block_linear (rec, &b->conv2, n, net->t2, out, UF_GEMM_ACCUMULATE);
  uf_block_linear (rec, &b->fc1, n, out, net->hid, UF_GEMM_GELU);
  uf_block_linear (rec, &b->fc2, n, net->hid, out, UF_GEMM_ACCUMULATE);
}

/* x = x + DPE(x); x = x + proj(attn(LN1 x)); x = x + fc2(GELU(fc1(LN2 x))) */
static void
global_block (UfRecorder *rec, const Net *net, guint s, const BlockWeights *b, guint32 in,
    guint32 out)
{
  guint32 n = net->n[s], C = net->p.dims[s], head_dim = net->p.head_dim;
  dwconv (rec, net, s, C, 3, b->dpe_w, b->dpe_b, in, out, TRUE);
  uf_block_layernorm (rec, n, C, out, net->t1, b->ln1_g, b->ln1_b, BLOCK_LN_EPS);
  uf_block_linear (rec, &b->qkv, n, net->t1, net->hid, 0);
  UfAttentionArgs a = {
    .N = n, .C = C, .qkv_off = net->hid, .out_off = net->t2,
    .scale = 1.0f / sqrtf ((float) head_dim), .head_dim = head_dim,
  };
  uf_op_attention_record (rec, &a);
  uf_block_linear (rec, &b->proj, n, net->t2, out, UF_GEMM_ACCUMULATE);
  uf_block_layernorm (rec, n, C, out, net->t1, b->ln2_g, b->ln2_b, BLOCK_LN_EPS);
  uf_block_linear (rec, &b->fc1, n, net->t1, net->hid, UF_GEMM_GELU);
  uf_block_linear (rec, &b->fc2, n, net->hid, out, UF_GEMM_ACCUMULATE);
}

/* patch_embed s: conv as im2col + GEMM into t1, then LayerNorm into @out */
static void
patch_embed (UfRecorder *rec, const Net *net, guint s, guint32 in, guint32 out,
    guint32 slot_stride, guint32 slots_off)
{
  const Params *p = &net->p;
  UfPatchifyArgs a = {
    .mode = s == 0 ? 0 : 1,
    .T = s == 0 ? net->T : net->t,
    .H = s == 0 ? net->H : net->h[s - 1],
    .W = s == 0 ? net->W : net->w[s - 1],
    .Cin = s == 0 ? 3 : p->dims[s - 1],
    .To = net->t, .Ho = net->h[s], .Wo = net->w[s],
    .in_off = s == 0 ? slot_stride : in,
    .out_off = net->hid,
    .slots_off = slots_off,
  };
  uf_op_patchify_record (rec, &a);
  const PatchWeights *pw = &net->patch[s];
  uf_block_linear (rec, &pw->proj, net->n[s], net->hid, net->t1, 0);
  uf_block_layernorm (rec, net->n[s], p->dims[s], net->t1, out, pw->ln_g, pw->ln_b,
      PATCH_EMBED_LN_EPS);
}

static void
record (UfRecorder *rec, gconstpointer data, guint32 slot_stride, guint32 slots_off)
{
  const Net *net = data;
  const Params *p = &net->p;
  guint32 cur = net->x, other = net->y;
  uf_rec_timestamp (rec, 0);
  for (guint s = 0; s < 4; s++) {
    patch_embed (rec, net, s, cur, cur, slot_stride, slots_off);
    if (s == 0)
      uf_rec_timestamp (rec, 1);
    for (guint i = 0; i < p->depths[s]; i++) {
      if (s < 2)
        local_block (rec, net, s, &net->blocks[s][i], cur, other);
      else
        global_block (rec, net, s, &net->blocks[s][i], cur, other);
      guint32 tmp = cur;
      cur = other;
      other = tmp;
    }
    uf_rec_timestamp (rec, 2 + s);
  }
  UfMeanpoolArgs m = { net->n[3], p->dims[3], cur, net->pooled };
  uf_op_meanpool_record (rec, &m);
  uf_block_linear (rec, &net->head, 1, net->pooled, net->layout.logits, 0);
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
  .macs = macs,
};
