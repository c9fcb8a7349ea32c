/* uniformer-blocks.c: the blocks UniFormer and its light models share
 * (uniformer-blocks.h). */
#include <math.h>

#include "uniformer-blocks.h"
#include "../uf-metadata.h"

#define MAX_DIM 4096                  /* channels per stage */
#define MAX_MLP_RATIO 16

static gboolean
check_shape (const UfUniformerShape *p, GError **error)
{
#define INVALID(...) return uf_metadata_invalid (error, __VA_ARGS__)
  for (guint i = 0; i < 4; i++)
    if (p->depths[i] < 1 || p->depths[i] > UF_UNIFORMER_MAX_DEPTH)
      INVALID ("metadata \"depths\": stage %u has %u blocks; expected 1 to %u", i + 1,
          p->depths[i], UF_UNIFORMER_MAX_DEPTH);
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

gboolean
uf_uniformer_parse_shape (JsonObject *md, const UfModelInfo *info, UfUniformerShape *p,
    GError **error)
{
  p->num_classes = info->num_classes;
  p->frames = info->frames;
  p->height = info->crop_height;
  p->width = info->crop_width;
  if (!uf_metadata_uint_list (md, "depths", 4, p->depths, error)
      || !uf_metadata_uint_list (md, "dims", 4, p->dims, error)
      || !uf_metadata_uint (md, "head_dim", 0, G_MAXUINT, &p->head_dim, error)
      || !uf_metadata_uint (md, "mlp_ratio", 0, G_MAXUINT, &p->mlp_ratio, error)
      || !check_shape (p, error))
    return FALSE;
  /* the limits of the engine's ops */
  for (guint s = 2; s < 4; s++)
    if (!uf_op_attention_check_shape (p->dims[s], p->head_dim, error)) {
      g_prefix_error (error, "stage %u attention (blocks%u.*.attn): ", s + 1, s + 1);
      return FALSE;
    }
  return TRUE;
}

char *
uf_uniformer_describe (const char *family, const UfUniformerShape *p)
{
  return g_strdup_printf ("%s with depths %u,%u,%u,%u, dims %u,%u,%u,%u, head_dim %u, "
      "mlp_ratio %u", family, p->depths[0], p->depths[1], p->depths[2], p->depths[3],
      p->dims[0], p->dims[1], p->dims[2], p->dims[3], p->head_dim, p->mlp_ratio);
}

guint32
uf_uniformer_add_depthwise (UfWeightLoader *ld, guint32 C, guint32 k, const char *prefix,
    guint32 *bias)
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

/* An eval BatchNorm on the input folds exactly:
 *   W (s*x + t) + b = (W diag s) x + (W t + b),  s = g/sqrt(v+eps), t = beta - m*s */
UfMatrixRef
uf_uniformer_add_linear_bn (UfWeightLoader *ld, guint32 N, guint32 K, guint n_dims,
    const char *prefix, const char *bn)
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
      double s = g[k] / sqrt ((double) var[k] + UF_UNIFORMER_BATCHNORM_EPS);
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

/* [Cout][Cin][1][2][2] -> K order (kh, kw, c), so each run of Cin is
 * contiguous in patchify mode 1. */
UfUniformerPatch
uf_uniformer_add_patch_embed2 (UfWeightLoader *ld, guint s, guint32 cin, guint32 cout)
{
  guint32 K = cin * 4;
  gboolean f16;
  float *w = uf_weights_read (ld, &f16, 5, UF_SHAPE (cout, cin, 1, 2, 2),
      "patch_embed%u.proj.weight", s + 1);
  float *b = uf_weights_read (ld, NULL, 1, UF_SHAPE (cout), "patch_embed%u.proj.bias", s + 1);
  float *q = g_new (float, (gsize) cout * K);
  for (guint32 o = 0; o < cout; o++)
    for (guint32 c = 0; c < cin; c++)
      for (guint32 k = 0; k < 4; k++)
        q[(gsize) o * K + k * cin + c] = w[((gsize) o * cin + c) * 4 + k];
  UfUniformerPatch pw = {
    .proj = uf_weight_pack_add_matrix (uf_weights_pack (ld), q, cout, K, b, f16),
  };
  g_free (w);
  g_free (q);
  g_free (b);
  pw.ln_g = uf_weights_add_vector (ld, cout, "patch_embed%u.norm.weight", s + 1);
  pw.ln_b = uf_weights_add_vector (ld, cout, "patch_embed%u.norm.bias", s + 1);
  return pw;
}

UfUniformerBlock
uf_uniformer_add_block (UfWeightLoader *ld, guint s, guint i, guint32 C, guint32 H)
{
  char *b = g_strdup_printf ("blocks%u.%u", s + 1, i);
  char *q = NULL, *r = NULL;
  UfUniformerBlock bw = { 0 };
#define NAME(buf, suffix) (g_free (buf), buf = g_strconcat (b, suffix, NULL))
  bw.dpe_w = uf_uniformer_add_depthwise (ld, C, 3, NAME (q, ".pos_embed"), &bw.dpe_b);
  if (s < 2) {
    bw.conv1 = uf_uniformer_add_linear_bn (ld, C, C, 5, NAME (q, ".conv1"), NAME (r, ".norm1"));
    bw.dw_w = uf_uniformer_add_depthwise (ld, C, 5, NAME (q, ".attn"), &bw.dw_b);
    bw.conv2 = uf_weights_add_linear (ld, C, C, 5, NAME (q, ".conv2"));
    bw.fc1 = uf_uniformer_add_linear_bn (ld, H, C, 5, NAME (q, ".mlp.fc1"),
        NAME (r, ".norm2"));
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

void
uf_uniformer_dwconv (UfRecorder *rec, const UfUniformerGrid *g, guint32 ks, guint32 w_off,
    guint32 b_off, guint32 in, guint32 out, gboolean residual)
{
  UfDwconvArgs d = {
    .T = g->t, .H = g->h, .W = g->w, .C = g->C,
    .in_off = in, .out_off = out, .w_off = w_off, .bias_off = b_off,
    .residual = residual, .ks = ks, .batch = g->batch,
  };
  uf_op_dwconv_record (rec, &d);
}

void
uf_uniformer_local_block (UfRecorder *rec, const UfUniformerGrid *g, const UfUniformerBlock *b,
    const UfUniformerScratch *sc, guint32 in, guint32 out)
{
  guint32 n = uf_uniformer_grid_rows (g);
  uf_uniformer_dwconv (rec, g, 3, b->dpe_w, b->dpe_b, in, out, TRUE);
  uf_block_linear (rec, &b->conv1, n, out, sc->t1, 0);
  uf_uniformer_dwconv (rec, g, 5, b->dw_w, b->dw_b, sc->t1, sc->t2, FALSE);
  uf_block_linear (rec, &b->conv2, n, sc->t2, out, UF_GEMM_ACCUMULATE);
  uf_block_linear (rec, &b->fc1, n, out, sc->hid, UF_GEMM_GELU);
  uf_block_linear (rec, &b->fc2, n, sc->hid, out, UF_GEMM_ACCUMULATE);
}

void
uf_uniformer_patch_embed2 (UfRecorder *rec, const UfUniformerGrid *from,
    const UfUniformerGrid *to, const UfUniformerPatch *pw, const UfUniformerScratch *sc,
    guint32 in, guint32 out)
{
  /* k(1,2,2): a batch's windows are just more frames */
  guint32 batch = MAX (from->batch, 1);
  UfPatchifyArgs a = {
    .mode = 1, .T = batch * from->t, .H = from->h, .W = from->w, .Cin = from->C,
    .To = batch * to->t, .Ho = to->h, .Wo = to->w, .in_off = in, .out_off = sc->hid,
  };
  uf_op_patchify_record (rec, &a);
  guint32 n = uf_uniformer_grid_rows (to);
  uf_block_linear (rec, &pw->proj, n, sc->hid, sc->t1, 0);
  uf_block_layernorm (rec, n, to->C, sc->t1, out, pw->ln_g, pw->ln_b,
      UF_UNIFORMER_PATCH_EMBED_LN_EPS);
}
