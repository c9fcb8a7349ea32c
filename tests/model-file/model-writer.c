/* model-writer.c: builds small gst-uniformer model files for tests. */
#include "model-writer.h"

#include <math.h>
#include <string.h>

#include "uf-weight-pack.h"

const MwArch mw_arch_tiny = { { 1, 1, 1, 1 }, { 32, 64, 128, 256 }, 32, 2, 5 };
const MwArch mw_arch_micro = { { 1, 1, 1, 1 }, { 4, 4, 4, 4 }, 4, 1, 2 };

/* ---- the UniFormer tensor list (docs/model-format.md) --------------------- */

void
mw_expected_tensor_free (MwExpectedTensor *t)
{
  if (t == NULL)
    return;
  g_free (t->name);
  g_free (t);
}

static void G_GNUC_PRINTF (4, 5)
add (GPtrArray *list, guint n_dims, const gint64 *shape, const char *format, ...)
{
  MwExpectedTensor *t = g_new0 (MwExpectedTensor, 1);
  va_list args;

  va_start (args, format);
  t->name = g_strdup_vprintf (format, args);
  va_end (args);
  t->n_dims = n_dims;
  memcpy (t->shape, shape, n_dims * sizeof (gint64));
  g_ptr_array_add (list, t);
}

#define S1(a)             (const gint64[]) { (a) }
#define S2(a, b)          (const gint64[]) { (a), (b) }
#define S5(a, b, c, d, e) (const gint64[]) { (a), (b), (c), (d), (e) }

/* weight, bias, running_mean, running_var of a BatchNorm over @c channels */
static void
add_batchnorm (GPtrArray *list, gint64 c, const char *prefix)
{
  add (list, 1, S1 (c), "%s.weight", prefix);
  add (list, 1, S1 (c), "%s.bias", prefix);
  add (list, 1, S1 (c), "%s.running_mean", prefix);
  add (list, 1, S1 (c), "%s.running_var", prefix);
}

GPtrArray *
mw_uniformer_tensors (const MwArch *info)
{
  GPtrArray *list = g_ptr_array_new_with_free_func ((GDestroyNotify) mw_expected_tensor_free);
  const gint64 *dims;
  gint64 d[4];

  for (guint i = 0; i < 4; i++)
    d[i] = info->dims[i];
  dims = d;

  /* patch embeddings: LayerNorm registered before the conv */
  for (guint s = 1; s <= 4; s++) {
    gint64 c = dims[s - 1];
    add (list, 1, S1 (c), "patch_embed%u.norm.weight", s);
    add (list, 1, S1 (c), "patch_embed%u.norm.bias", s);
    if (s == 1)
      add (list, 5, S5 (c, 3, 3, 4, 4), "patch_embed1.proj.weight");
    else
      add (list, 5, S5 (c, dims[s - 2], 1, 2, 2), "patch_embed%u.proj.weight", s);
    add (list, 1, S1 (c), "patch_embed%u.proj.bias", s);
  }

  for (guint s = 1; s <= 4; s++) {
    gint64 c = dims[s - 1];
    gint64 h = c * (gint64) info->mlp_ratio;

    for (guint i = 0; i < info->depths[s - 1]; i++) {
      char *p = g_strdup_printf ("blocks%u.%u", s, i);
      char *bn;

      add (list, 5, S5 (c, 1, 3, 3, 3), "%s.pos_embed.weight", p);
      add (list, 1, S1 (c), "%s.pos_embed.bias", p);
      if (s <= 2) {
        /* CBlock */
        bn = g_strdup_printf ("%s.norm1", p);
        add_batchnorm (list, c, bn);
        g_free (bn);
        add (list, 5, S5 (c, c, 1, 1, 1), "%s.conv1.weight", p);
        add (list, 1, S1 (c), "%s.conv1.bias", p);
        add (list, 5, S5 (c, c, 1, 1, 1), "%s.conv2.weight", p);
        add (list, 1, S1 (c), "%s.conv2.bias", p);
        add (list, 5, S5 (c, 1, 5, 5, 5), "%s.attn.weight", p);
        add (list, 1, S1 (c), "%s.attn.bias", p);
        bn = g_strdup_printf ("%s.norm2", p);
        add_batchnorm (list, c, bn);
        g_free (bn);
        add (list, 5, S5 (h, c, 1, 1, 1), "%s.mlp.fc1.weight", p);
        add (list, 1, S1 (h), "%s.mlp.fc1.bias", p);
        add (list, 5, S5 (c, h, 1, 1, 1), "%s.mlp.fc2.weight", p);
        add (list, 1, S1 (c), "%s.mlp.fc2.bias", p);
      } else {
        /* SABlock */
        add (list, 1, S1 (c), "%s.norm1.weight", p);
        add (list, 1, S1 (c), "%s.norm1.bias", p);
        add (list, 2, S2 (3 * c, c), "%s.attn.qkv.weight", p);
        add (list, 1, S1 (3 * c), "%s.attn.qkv.bias", p);
        add (list, 2, S2 (c, c), "%s.attn.proj.weight", p);
        add (list, 1, S1 (c), "%s.attn.proj.bias", p);
        add (list, 1, S1 (c), "%s.norm2.weight", p);
        add (list, 1, S1 (c), "%s.norm2.bias", p);
        add (list, 2, S2 (h, c), "%s.mlp.fc1.weight", p);
        add (list, 1, S1 (h), "%s.mlp.fc1.bias", p);
        add (list, 2, S2 (c, h), "%s.mlp.fc2.weight", p);
        add (list, 1, S1 (c), "%s.mlp.fc2.bias", p);
      }
      g_free (p);
    }
  }

  add_batchnorm (list, dims[3], "norm");
  add (list, 2, S2 ((gint64) info->num_classes, dims[3]), "head.weight");
  add (list, 1, S1 ((gint64) info->num_classes), "head.bias");
  return list;
}

static void
tensor_free (MwTensor *t)
{
  g_free (t->name);
  g_free (t->dtype);
  g_byte_array_unref (t->data);
  g_free (t->raw_shape);
  g_free (t->raw_offsets);
  g_free (t->raw_extra);
  g_free (t);
}

static gsize
element_size (const char *dtype)
{
  return strcmp (dtype, "F16") == 0 ? 2 : 4;
}

static gsize
n_elements (guint n_dims, const gint64 *shape)
{
  gsize n = 1;
  for (guint i = 0; i < n_dims; i++)
    n *= (gsize) shape[i];
  return n;
}

void
mw_tensor_set (MwTensor *t, gsize index, float value)
{
  if (strcmp (t->dtype, "F16") == 0) {
    guint16 h = uf_float_to_half (value);
    g_assert (2 * index + 2 <= t->data->len);
    t->data->data[2 * index] = h & 0xff;
    t->data->data[2 * index + 1] = h >> 8;
  } else {
    guint32 bits;
    g_assert (4 * index + 4 <= t->data->len);
    memcpy (&bits, &value, 4);
    bits = GUINT32_TO_LE (bits);
    memcpy (t->data->data + 4 * index, &bits, 4);
  }
}

/* Plausible values by role: positive variances, unit-ish norm scales,
 * 1/sqrt(fan_in) weights, small biases. */
static void
fill_random (MwTensor *t, GRand *rand)
{
  gsize n = n_elements (t->n_dims, t->shape);
  double lo = -0.05, hi = 0.05;

  g_byte_array_set_size (t->data, (guint) (n * element_size (t->dtype)));
  if (g_str_has_suffix (t->name, "running_var")) {
    lo = 0.5;
    hi = 1.5;
  } else if (t->n_dims == 1 && g_str_has_suffix (t->name, ".weight")) {
    lo = 0.8;
    hi = 1.2;
  } else if (t->n_dims >= 2) {
    gsize fan_in = n / (gsize) MAX (t->shape[0], 1);
    hi = 1.0 / sqrt ((double) MAX (fan_in, 1));
    lo = -hi;
  }
  for (gsize i = 0; i < n; i++)
    mw_tensor_set (t, i, (float) g_rand_double_range (rand, lo, hi));
}

MwTensor *
mw_model_add_tensor (MwModel *model, const char *name, const char *dtype, guint n_dims,
    const gint64 *shape)
{
  MwTensor *t = g_new0 (MwTensor, 1);
  GRand *rand = g_rand_new_with_seed (g_str_hash (name));

  g_assert (n_dims <= 5);
  t->name = g_strdup (name);
  t->dtype = g_strdup (dtype);
  t->n_dims = n_dims;
  if (n_dims > 0)
    memcpy (t->shape, shape, n_dims * sizeof (gint64));
  t->data = g_byte_array_new ();
  fill_random (t, rand);
  g_rand_free (rand);
  g_ptr_array_add (model->tensors, t);
  return t;
}

void
mw_tensor_reshape (MwTensor *t, guint n_dims, const gint64 *shape)
{
  GRand *rand = g_rand_new_with_seed (7);

  g_assert (n_dims <= 5);
  memset (t->shape, 0, sizeof t->shape);
  t->n_dims = n_dims;
  memcpy (t->shape, shape, n_dims * sizeof (gint64));
  fill_random (t, rand);
  g_rand_free (rand);
}

static char *
json_quote (const char *s)
{
  GString *out = g_string_new ("\"");

  for (const guchar *p = (const guchar *) s; *p; p++) {
    if (*p == '"' || *p == '\\')
      g_string_append_printf (out, "\\%c", *p);
    else if (*p < 0x20)
      g_string_append_printf (out, "\\u%04x", *p);
    else
      g_string_append_c (out, (char) *p);
  }
  g_string_append_c (out, '"');
  return g_string_free (out, FALSE);
}

void
mw_model_set_meta_raw (MwModel *model, const char *key, const char *raw_json)
{
  for (guint i = 0; i < model->meta_keys->len; i++) {
    if (strcmp (model->meta_keys->pdata[i], key) == 0) {
      g_free (model->meta_values->pdata[i]);
      model->meta_values->pdata[i] = g_strdup (raw_json);
      return;
    }
  }
  g_ptr_array_add (model->meta_keys, g_strdup (key));
  g_ptr_array_add (model->meta_values, g_strdup (raw_json));
}

void
mw_model_set_meta (MwModel *model, const char *key, const char *value)
{
  char *q = json_quote (value);
  mw_model_set_meta_raw (model, key, q);
  g_free (q);
}

void
mw_model_remove_meta (MwModel *model, const char *key)
{
  for (guint i = 0; i < model->meta_keys->len; i++) {
    if (strcmp (model->meta_keys->pdata[i], key) == 0) {
      g_ptr_array_remove_index (model->meta_keys, i);
      g_ptr_array_remove_index (model->meta_values, i);
      return;
    }
  }
}

const char *
mw_model_get_meta_raw (MwModel *model, const char *key)
{
  for (guint i = 0; i < model->meta_keys->len; i++)
    if (strcmp (model->meta_keys->pdata[i], key) == 0)
      return model->meta_values->pdata[i];
  return NULL;
}

MwTensor *
mw_model_get_tensor (MwModel *model, const char *name)
{
  for (guint i = 0; i < model->tensors->len; i++) {
    MwTensor *t = model->tensors->pdata[i];
    if (strcmp (t->name, name) == 0)
      return t;
  }
  return NULL;
}

void
mw_model_remove_tensor (MwModel *model, const char *name)
{
  MwTensor *t = mw_model_get_tensor (model, name);
  g_assert (t != NULL);
  g_ptr_array_remove (model->tensors, t);
}

static char *
uint_list (const guint *v, guint n)
{
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < n; i++)
    g_string_append_printf (s, "%s%u", i ? "," : "", v[i]);
  return g_string_free (s, FALSE);
}

MwModel *
mw_model_new (const MwArch *arch, UfDtype dtype, guint32 seed)
{
  MwModel *model = g_new0 (MwModel, 1);
  GPtrArray *expected;
  GString *labels;
  char *s;

  model->tensors = g_ptr_array_new_with_free_func ((GDestroyNotify) tensor_free);
  model->meta_keys = g_ptr_array_new_with_free_func (g_free);
  model->meta_values = g_ptr_array_new_with_free_func (g_free);
  model->trailing = g_byte_array_new ();

  mw_model_set_meta (model, "format", "gst-uniformer");
  mw_model_set_meta (model, "format_version", "1");
  mw_model_set_meta (model, "architecture", "uniformer");
  s = uint_list (arch->depths, 4);
  mw_model_set_meta (model, "depths", s);
  g_free (s);
  s = uint_list (arch->dims, 4);
  mw_model_set_meta (model, "dims", s);
  g_free (s);
  s = g_strdup_printf ("%u", arch->head_dim);
  mw_model_set_meta (model, "head_dim", s);
  g_free (s);
  s = g_strdup_printf ("%u", arch->mlp_ratio);
  mw_model_set_meta (model, "mlp_ratio", s);
  g_free (s);
  s = g_strdup_printf ("%u", arch->num_classes);
  mw_model_set_meta (model, "num_classes", s);
  g_free (s);
  mw_model_set_meta (model, "frames", "8");
  mw_model_set_meta (model, "sampling_rate", "4");
  mw_model_set_meta (model, "source_fps", "30");
  mw_model_set_meta (model, "crop_height", "64");
  mw_model_set_meta (model, "crop_width", "64");
  mw_model_set_meta (model, "mean", "0.45,0.45,0.45");
  mw_model_set_meta (model, "std", "0.225,0.225,0.225");
  mw_model_set_meta (model, "color_order", "rgb");
  labels = g_string_new ("[");
  for (guint i = 0; i < arch->num_classes; i++)
    g_string_append_printf (labels, "%s\"class %u\"", i ? "," : "", i);
  g_string_append_c (labels, ']');
  mw_model_set_meta (model, "labels", labels->str);
  g_string_free (labels, TRUE);
  mw_model_set_meta (model, "name", "model-writer test model");
  mw_model_set_meta (model, "provenance", "tests/model-file/model-writer.c");

  expected = mw_uniformer_tensors (arch);
  for (guint i = 0; i < expected->len; i++) {
    MwExpectedTensor *e = expected->pdata[i];
    const char *dt = dtype == UF_DTYPE_F16 && e->n_dims >= 2 ? "F16" : "F32";
    MwTensor *t = mw_model_add_tensor (model, e->name, dt, e->n_dims, e->shape);
    /* reseed per model so that different seeds give different weights */
    GRand *rand = g_rand_new_with_seed (seed * 2654435761u + i);
    fill_random (t, rand);
    g_rand_free (rand);
  }
  g_ptr_array_unref (expected);
  return model;
}

MwModel *
mw_model_new_tiny (UfDtype dtype, guint32 seed)
{
  return mw_model_new (&mw_arch_tiny, dtype, seed);
}

void
mw_model_free (MwModel *model)
{
  if (model == NULL)
    return;
  g_ptr_array_unref (model->tensors);
  g_ptr_array_unref (model->meta_keys);
  g_ptr_array_unref (model->meta_values);
  g_free (model->raw_metadata);
  g_free (model->extra_members);
  g_byte_array_unref (model->trailing);
  g_free (model);
}

GBytes *
mw_raw_file (guint64 length_field, const char *header, gsize header_len, const guint8 *data,
    gsize data_len)
{
  GByteArray *out = g_byte_array_new ();
  guint64 le = GUINT64_TO_LE (length_field);

  g_byte_array_append (out, (const guint8 *) &le, 8);
  if (header_len)
    g_byte_array_append (out, (const guint8 *) header, (guint) header_len);
  if (data_len)
    g_byte_array_append (out, data, (guint) data_len);
  return g_byte_array_free_to_bytes (out);
}

GBytes *
mw_model_serialize (MwModel *model)
{
  GString *h = g_string_new ("{");
  GByteArray *data = g_byte_array_new ();
  gboolean first = TRUE;
  GBytes *bytes;

  if (!model->no_metadata) {
    g_string_append (h, "\"__metadata__\":");
    if (model->raw_metadata) {
      g_string_append (h, model->raw_metadata);
    } else {
      g_string_append_c (h, '{');
      for (guint i = 0; i < model->meta_keys->len; i++) {
        char *k = json_quote (model->meta_keys->pdata[i]);
        g_string_append_printf (h, "%s%s:%s", i ? "," : "", k,
            (const char *) model->meta_values->pdata[i]);
        g_free (k);
      }
      g_string_append_c (h, '}');
    }
    first = FALSE;
  }

  for (guint i = 0; i < model->tensors->len; i++) {
    MwTensor *t = model->tensors->pdata[i];
    char *k = json_quote (t->name);
    gsize begin;

    g_string_append_printf (h, "%s%s:{\"dtype\":\"%s\",\"shape\":", first ? "" : ",", k, t->dtype);
    g_free (k);
    first = FALSE;
    if (t->raw_shape) {
      g_string_append (h, t->raw_shape);
    } else {
      g_string_append_c (h, '[');
      for (guint d = 0; d < t->n_dims; d++)
        g_string_append_printf (h, "%s%" G_GINT64_FORMAT, d ? "," : "", t->shape[d]);
      g_string_append_c (h, ']');
    }
    for (gsize p = 0; p < t->pad_before; p++)
      g_byte_array_append (data, (const guint8 *) "", 1);
    begin = data->len;
    g_byte_array_append (data, t->data->data, t->data->len);
    if (t->raw_offsets)
      g_string_append_printf (h, ",\"data_offsets\":%s", t->raw_offsets);
    else
      g_string_append_printf (h, ",\"data_offsets\":[%" G_GSIZE_FORMAT ",%u]", begin, data->len);
    if (t->raw_extra)
      g_string_append (h, t->raw_extra);
    g_string_append_c (h, '}');
  }
  if (model->extra_members)
    g_string_append (h, model->extra_members);
  g_string_append_c (h, '}');
  while (h->len % 8)
    g_string_append_c (h, ' ');

  g_byte_array_append (data, model->trailing->data, model->trailing->len);
  bytes = mw_raw_file (h->len, h->str, h->len, data->data, data->len);
  g_string_free (h, TRUE);
  g_byte_array_unref (data);
  return bytes;
}

gboolean
mw_model_write (MwModel *model, const char *path, GError **error)
{
  GBytes *bytes = mw_model_serialize (model);
  gsize len;
  const char *d = g_bytes_get_data (bytes, &len);
  gboolean ok = g_file_set_contents (path, d, (gssize) len, error);

  g_bytes_unref (bytes);
  return ok;
}
