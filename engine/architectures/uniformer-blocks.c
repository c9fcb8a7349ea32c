/* uniformer-blocks.c: the blocks UniFormer and its light models share
 * (uniformer-blocks.h). */
#include <math.h>

#include "uniformer-blocks.h"

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
    .residual = residual, .ks = ks,
  };
  uf_op_dwconv_record (rec, &d);
}

void
uf_uniformer_local_block (UfRecorder *rec, const UfUniformerGrid *g, const UfUniformerBlock *b,
    const UfUniformerScratch *sc, guint32 in, guint32 out)
{
  guint32 n = g->t * g->h * g->w;
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
  UfPatchifyArgs a = {
    .mode = 1, .T = from->t, .H = from->h, .W = from->w, .Cin = from->C,
    .To = to->t, .Ho = to->h, .Wo = to->w, .in_off = in, .out_off = sc->hid,
  };
  uf_op_patchify_record (rec, &a);
  guint32 n = to->t * to->h * to->w;
  uf_block_linear (rec, &pw->proj, n, sc->hid, sc->t1, 0);
  uf_block_layernorm (rec, n, to->C, sc->t1, out, pw->ln_g, pw->ln_b,
      UF_UNIFORMER_PATCH_EMBED_LN_EPS);
}
