/* uf-model.c: loads a model file, prepares its weights for the shaders
 * (transposes, BatchNorm folding, layouts) and uploads them once. */
#include <math.h>
#include <string.h>
#include "uf-model.h"
#include "uf-model-file.h"
#include "uf-weight-pack.h"
#include "ops/uf-ops.h"

#define BATCHNORM_EPS 1e-5

typedef struct {
  UfModelFile *file;
  UfWeightPack pack;
} Loader;

/* The tensor @fmt names, as floats (g_free). The file was validated
 * against the architecture, so every expected tensor exists. */
static float *
tensor_f32 (Loader *ld, gboolean *is_f16, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  char *name = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  const UfTensorView *t = uf_model_file_get_tensor (ld->file, name);
  g_assert (t != NULL);
  g_free (name);
  float *out = g_new (float, t->n_elements);
  uf_tensor_view_to_f32 (t, out);
  if (is_f16)
    *is_f16 = t->dtype == UF_DTYPE_F16;
  return out;
}

static guint32
add_vector (Loader *ld, guint32 n, const char *name)
{
  float *v = tensor_f32 (ld, NULL, "%s", name);
  guint32 off = uf_weight_pack_add (&ld->pack, v, n);
  g_free (v);
  return off;
}

/* Depthwise kernel [C][1][k][k][k] -> [k^3][C] so lanes (channels) read
 * consecutive weights. */
static guint32
add_depthwise (Loader *ld, guint32 C, guint32 taps, const char *prefix, guint32 *bias)
{
  char *wname = g_strconcat (prefix, ".weight", NULL), *bname = g_strconcat (prefix, ".bias",
      NULL);
  float *w = tensor_f32 (ld, NULL, "%s", wname);
  float *t = g_new (float, (gsize) taps * C);
  for (guint32 c = 0; c < C; c++)
    for (guint32 k = 0; k < taps; k++)
      t[(gsize) k * C + c] = w[(gsize) c * taps + k];
  guint32 off = uf_weight_pack_add (&ld->pack, t, (gsize) taps * C);
  *bias = add_vector (ld, C, bname);
  g_free (w);
  g_free (t);
  g_free (wname);
  g_free (bname);
  return off;
}

/* A 1x1 conv or linear layer W [N][K] + b, optionally preceded by an eval
 * BatchNorm on its input, which folds exactly:
 *   W (s*x + t) + b = (W diag s) x + (W t + b),  s = g/sqrt(v+eps), t = beta - m*s */
static UfMatrixRef
add_linear (Loader *ld, guint32 N, guint32 K, const char *prefix, const char *bn_prefix)
{
  gboolean f16;
  float *w = tensor_f32 (ld, &f16, "%s.weight", prefix);
  float *b = tensor_f32 (ld, NULL, "%s.bias", prefix);
  if (bn_prefix) {
    float *g = tensor_f32 (ld, NULL, "%s.weight", bn_prefix);
    float *beta = tensor_f32 (ld, NULL, "%s.bias", bn_prefix);
    float *mean = tensor_f32 (ld, NULL, "%s.running_mean", bn_prefix);
    float *var = tensor_f32 (ld, NULL, "%s.running_var", bn_prefix);
    for (guint32 n = 0; n < N; n++) {
      double shift = 0.0;
      for (guint32 k = 0; k < K; k++) {
        double s = g[k] / sqrt ((double) var[k] + BATCHNORM_EPS);
        shift += (double) w[(gsize) n * K + k] * (beta[k] - mean[k] * s);
        w[(gsize) n * K + k] = w[(gsize) n * K + k] * s;
      }
      b[n] += shift;
    }
    g_free (g);
    g_free (beta);
    g_free (mean);
    g_free (var);
  }
  UfMatrixRef ref = uf_weight_pack_add_matrix (&ld->pack, w, N, K, b, f16);
  g_free (w);
  g_free (b);
  return ref;
}

/* Patch embedding conv [Cout][Cin][kt][kh][kw] as a matrix whose K order
 * matches patchify.comp: the stem's natural (c, kt, kh, kw); the 2x2
 * patch embeds' (kh, kw, c). Then its LayerNorm. */
static UfPatchWeights
add_patch_embed (Loader *ld, guint s, const UfModelInfo *info)
{
  guint32 cout = info->dims[s], cin = s == 0 ? 3 : info->dims[s - 1];
  guint32 K = s == 0 ? cin * 48 : cin * 4;
  gboolean f16;
  float *w = tensor_f32 (ld, &f16, "patch_embed%u.proj.weight", s + 1);
  float *b = tensor_f32 (ld, NULL, "patch_embed%u.proj.bias", s + 1);
  if (s > 0) {
    float *p = g_new (float, (gsize) cout * K);
    for (guint32 o = 0; o < cout; o++)
      for (guint32 c = 0; c < cin; c++)
        for (guint32 k = 0; k < 4; k++)
          p[(gsize) o * K + k * cin + c] = w[((gsize) o * cin + c) * 4 + k];
    g_free (w);
    w = p;
  }
  UfPatchWeights pw = { .proj = uf_weight_pack_add_matrix (&ld->pack, w, cout, K, b, f16) };
  g_free (w);
  g_free (b);
  char name[64];
  g_snprintf (name, sizeof name, "patch_embed%u.norm.weight", s + 1);
  pw.ln_g = add_vector (ld, cout, name);
  g_snprintf (name, sizeof name, "patch_embed%u.norm.bias", s + 1);
  pw.ln_b = add_vector (ld, cout, name);
  return pw;
}

static UfBlockWeights
add_block (Loader *ld, guint s, guint i, const UfModelInfo *info)
{
  guint32 C = info->dims[s], H = C * info->mlp_ratio;
  char p[64], q[64], r[64];
  UfBlockWeights bw = { 0 };
#define NAME(buf, suffix) (g_snprintf (buf, sizeof buf, "blocks%u.%u." suffix, s + 1, i), buf)
  bw.dpe_w = add_depthwise (ld, C, 27, NAME (p, "pos_embed"), &bw.dpe_b);
  if (s < 2) {
    bw.conv1 = add_linear (ld, C, C, NAME (p, "conv1"), NAME (q, "norm1"));
    bw.dw_w = add_depthwise (ld, C, 125, NAME (p, "attn"), &bw.dw_b);
    bw.conv2 = add_linear (ld, C, C, NAME (p, "conv2"), NULL);
    bw.fc1 = add_linear (ld, H, C, NAME (p, "mlp.fc1"), NAME (q, "norm2"));
  } else {
    bw.ln1_g = add_vector (ld, C, NAME (p, "norm1.weight"));
    bw.ln1_b = add_vector (ld, C, NAME (p, "norm1.bias"));
    bw.qkv = add_linear (ld, 3 * C, C, NAME (p, "attn.qkv"), NULL);
    bw.proj = add_linear (ld, C, C, NAME (p, "attn.proj"), NULL);
    bw.ln2_g = add_vector (ld, C, NAME (p, "norm2.weight"));
    bw.ln2_b = add_vector (ld, C, NAME (p, "norm2.bias"));
    bw.fc1 = add_linear (ld, H, C, NAME (p, "mlp.fc1"), NULL);
  }
  bw.fc2 = add_linear (ld, C, H, NAME (r, "mlp.fc2"), NULL);
#undef NAME
  return bw;
}

static void
copy_info (UfModel *model, const UfModelInfo *src)
{
  model->info = *src;
  model->labels = g_new0 (char *, src->num_classes + 1);
  for (guint i = 0; i < src->num_classes; i++)
    model->labels[i] = g_strdup (src->labels[i]);
  model->name = g_strdup (src->name);
  model->provenance = g_strdup (src->provenance ? src->provenance : "");
  model->info.labels = (const char *const *) model->labels;
  model->info.name = model->name;
  model->info.provenance = model->provenance;
}

static gboolean
upload (UfModel *model, UfWeightPack *pack, GError **error)
{
  gsize n32 = pack->f32->len * sizeof (float), n16 = MAX (pack->f16->len, 8) * sizeof (guint16);
  model->weight_bytes = n32 + (pack->f16->len ? n16 : 0);
  /* Each weight buffer is one storage-buffer binding. */
  gsize limit = model->dev->props.limits.maxStorageBufferRange;
  if (n32 > limit || n16 > limit) {
    g_set_error (error, UF_ERROR, UF_ERROR_OUT_OF_MEMORY, "the prepared weights (%.0f MiB) "
        "exceed this device's largest storage buffer (%.0f MiB); a model with F16 weights "
        "(uniformer-convert --dtype f16) may fit", MAX (n32, n16) / 1048576.0,
        limit / 1048576.0);
    return FALSE;
  }
  return uf_buffer_create (model->dev, n32, FALSE, &model->weights, error)
      && uf_buffer_upload (model->dev, &model->weights, 0, pack->f32->data, n32, error)
      && uf_buffer_create (model->dev, n16, FALSE, &model->weights16, error)
      && (pack->f16->len == 0 || uf_buffer_upload (model->dev, &model->weights16, 0,
              pack->f16->data, pack->f16->len * sizeof (guint16), error));
}

/* The file is a valid model; these are the limits of the engine's ops. */
static gboolean
check_op_shapes (const UfModelInfo *info, const char *path, GError **error)
{
  for (guint s = 2; s < 4; s++)
    if (!uf_op_attention_check_shape (info->dims[s], info->head_dim, error)) {
      g_prefix_error (error, "%s: stage %u attention (blocks%u.*.attn): ", path, s + 1, s + 1);
      return FALSE;
    }
  return TRUE;
}

UfModel *
uf_model_load (UfDevice *dev, const char *path, GError **error)
{
  Loader ld = { .file = uf_model_file_open (path, error) };
  if (ld.file == NULL)
    return NULL;
  if (!check_op_shapes (uf_model_file_get_info (ld.file), path, error)) {
    uf_model_file_free (ld.file);
    return NULL;
  }
  UfModel *model = g_new0 (UfModel, 1);
  model->ref_count = 1;
  model->dev = uf_device_ref (dev);
  copy_info (model, uf_model_file_get_info (ld.file));
  const UfModelInfo *info = &model->info;
  uf_weight_pack_init (&ld.pack);
  for (guint s = 0; s < 4; s++) {
    model->patch[s] = add_patch_embed (&ld, s, info);
    model->blocks[s] = g_new0 (UfBlockWeights, info->depths[s]);
    for (guint i = 0; i < info->depths[s]; i++)
      model->blocks[s][i] = add_block (&ld, s, i, info);
  }
  model->head = add_linear (&ld, info->num_classes, info->dims[3], "head", "norm");
  uf_model_file_free (ld.file);
  gboolean ok = upload (model, &ld.pack, error);
  uf_weight_pack_clear (&ld.pack);
  if (!ok) {
    g_prefix_error (error, "%s: uploading the weights: ", path);
    uf_model_unref (model);
    return NULL;
  }
  return model;
}

UfModel *
uf_model_ref (UfModel *model)
{
  g_atomic_int_inc (&model->ref_count);
  return model;
}

void
uf_model_unref (UfModel *model)
{
  if (model == NULL || !g_atomic_int_dec_and_test (&model->ref_count))
    return;
  uf_buffer_destroy (model->dev, &model->weights);
  uf_buffer_destroy (model->dev, &model->weights16);
  for (guint s = 0; s < 4; s++)
    g_free (model->blocks[s]);
  g_strfreev (model->labels);
  g_free (model->name);
  g_free (model->provenance);
  uf_device_unref (model->dev);
  g_free (model);
}

const UfModelInfo *
uf_model_get_info (UfModel *model)
{
  return &model->info;
}

gsize
uf_model_get_device_bytes (UfModel *model)
{
  return model->weights.size + model->weights16.size;
}

guint64
uf_model_get_macs (UfModel *model)
{
  const UfModelInfo *info = &model->info;
  guint64 t = info->frames / 2, macs = 0;
  for (guint s = 0; s < 4; s++) {
    guint64 C = info->dims[s], r = info->mlp_ratio;
    guint64 n = t * (info->crop_height >> (s + 2)) * (info->crop_width >> (s + 2));
    macs += s == 0 ? 48 * 3 * C * n : 4 * info->dims[s - 1] * C * n;
    guint64 block = s < 2 ? n * (27 * C + 125 * C + 2 * C * C + 2 * r * C * C)
        : n * (27 * C + 4 * C * C + 2 * r * C * C) + 2 * n * n * C;
    macs += block * info->depths[s];
  }
  return macs + (guint64) info->dims[3] * info->num_classes;
}
