/* uf-arch.c: model metadata parsing and the expected tensor list. */
#include "uf-arch.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "uf-strict-json.h"

/* Longest metadata value quoted verbatim in an error message. */
#define MAX_QUOTED 48

/* An escaped, possibly shortened copy of @s for messages. */
static char *
quote (const char *s)
{
  gsize len = strlen (s);
  char *cut = g_strndup (s, MIN (len, MAX_QUOTED));
  char *esc = g_strescape (cut, NULL);
  char *ret = len > MAX_QUOTED ? g_strconcat (esc, "...", NULL) : g_strdup (esc);

  g_free (cut);
  g_free (esc);
  return ret;
}

static gboolean G_GNUC_PRINTF (4, 5)
bad_value (GError **error, const char *key, const char *value, const char *format, ...)
{
  va_list args;
  char *expected, *q;

  va_start (args, format);
  expected = g_strdup_vprintf (format, args);
  va_end (args);
  q = quote (value);
  g_set_error (error, UF_ERROR, UF_ERROR_MODEL_INVALID, "metadata \"%s\" is \"%s\"; expected %s",
      key, q, expected);
  g_free (q);
  g_free (expected);
  return FALSE;
}

/* Looks up @key; FALSE with an error when it is missing (and @required) or not
 * a string. *out is NULL when an optional key is missing. */
static gboolean
get_string (JsonObject *md, const char *key, gboolean required, const char **out, GError **error)
{
  JsonNode *node = json_object_get_member (md, key);

  *out = NULL;
  if (node == NULL) {
    if (!required)
      return TRUE;
    g_set_error (error, UF_ERROR, UF_ERROR_MODEL_INVALID, "metadata \"%s\" is missing", key);
    return FALSE;
  }
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING) {
    g_set_error (error, UF_ERROR, UF_ERROR_MODEL_FILE,
        "metadata \"%s\" is not a string (safetensors metadata values must be strings)", key);
    return FALSE;
  }
  *out = json_node_get_string (node);
  return TRUE;
}

/* Decimal digits only, no sign, no spaces, value <= G_MAXUINT. */
static gboolean
parse_uint_strict (const char *s, guint *out)
{
  guint64 v = 0;

  if (*s == '\0')
    return FALSE;
  for (; *s; s++) {
    if (!g_ascii_isdigit (*s))
      return FALSE;
    v = v * 10 + (guint) (*s - '0');
    if (v > G_MAXUINT)
      return FALSE;
  }
  *out = (guint) v;
  return TRUE;
}

static gboolean
parse_double_strict (const char *s, double *out)
{
  char *end = NULL;
  double v;

  if (*s == '\0' || g_ascii_isspace (*s))
    return FALSE;
  v = g_ascii_strtod (s, &end);
  if (end == s || *end != '\0' || !isfinite (v))
    return FALSE;
  *out = v;
  return TRUE;
}

/* "a,b,c" with optional spaces around the items; exactly @n items. */
static gboolean
parse_uint_list (const char *s, guint n, guint *out)
{
  char **items = g_strsplit (s, ",", -1);
  gboolean ok = g_strv_length (items) == n;

  for (guint i = 0; ok && i < n; i++)
    ok = parse_uint_strict (g_strstrip (items[i]), &out[i]);
  g_strfreev (items);
  return ok;
}

static gboolean
parse_float_list (const char *s, guint n, float *out)
{
  char **items = g_strsplit (s, ",", -1);
  gboolean ok = g_strv_length (items) == n;

  for (guint i = 0; ok && i < n; i++) {
    double v;
    ok = parse_double_strict (g_strstrip (items[i]), &v) && fabs (v) <= G_MAXFLOAT;
    out[i] = (float) v;
  }
  g_strfreev (items);
  return ok;
}

static gboolean
require_fixed (JsonObject *md, const char *key, const char *expected, GError **error)
{
  const char *v;
  char *q;

  if (!get_string (md, key, TRUE, &v, error))
    return FALSE;
  if (strcmp (v, expected) == 0)
    return TRUE;
  q = quote (v);
  if (strcmp (key, "format_version") == 0)
    g_set_error (error, UF_ERROR, UF_ERROR_MODEL_INVALID,
        "metadata \"format_version\" is \"%s\"; this build reads version %s only", q, expected);
  else
    g_set_error (error, UF_ERROR, UF_ERROR_MODEL_INVALID,
        "metadata \"%s\" is \"%s\", expected \"%s\"", key, q, expected);
  g_free (q);
  return FALSE;
}

static gboolean
parse_labels (const char *text, guint num_classes, char ***labels_out, GError **error)
{
  GError *local = NULL;
  JsonNode *root;
  JsonArray *array;
  guint n;
  char **labels;

  /* the array and up to UF_ARCH_MAX_CLASSES + 1 strings, so that any list
   * that is too long by a plausible amount reaches the count check below */
  root = uf_json_parse_strict (text, strlen (text), 4, UF_ARCH_MAX_CLASSES + 2,
      UF_ERROR_MODEL_INVALID, &local);
  if (root == NULL) {
    g_set_error (error, UF_ERROR, UF_ERROR_MODEL_INVALID,
        "metadata \"labels\" is not a JSON array of strings: %s", local->message);
    g_error_free (local);
    return FALSE;
  }
  if (!JSON_NODE_HOLDS_ARRAY (root)) {
    g_set_error (error, UF_ERROR, UF_ERROR_MODEL_INVALID,
        "metadata \"labels\" is not a JSON array of strings");
    json_node_unref (root);
    return FALSE;
  }
  array = json_node_get_array (root);
  n = json_array_get_length (array);
  if (n != num_classes) {
    g_set_error (error, UF_ERROR, UF_ERROR_MODEL_INVALID,
        "metadata \"labels\" has %u entries, but num_classes is %u", n, num_classes);
    json_node_unref (root);
    return FALSE;
  }
  labels = g_new0 (char *, n + 1);
  for (guint i = 0; i < n; i++) {
    JsonNode *el = json_array_get_element (array, i);
    if (!JSON_NODE_HOLDS_VALUE (el) || json_node_get_value_type (el) != G_TYPE_STRING) {
      g_set_error (error, UF_ERROR, UF_ERROR_MODEL_INVALID,
          "metadata \"labels\": entry %u is not a string", i);
      g_strfreev (labels);
      json_node_unref (root);
      return FALSE;
    }
    labels[i] = g_strdup (json_node_get_string (el));
  }
  json_node_unref (root);
  *labels_out = labels;
  return TRUE;
}

gboolean
uf_arch_validate_info (const UfModelInfo *info, GError **error)
{
#define INVALID(...) \
  do { \
    g_set_error (error, UF_ERROR, UF_ERROR_MODEL_INVALID, __VA_ARGS__); \
    return FALSE; \
  } while (0)

  for (guint i = 0; i < 4; i++)
    if (info->depths[i] < 1 || info->depths[i] > UF_ARCH_MAX_DEPTH)
      INVALID ("metadata \"depths\": stage %u has %u blocks; expected 1 to %u", i + 1,
          info->depths[i], UF_ARCH_MAX_DEPTH);
  for (guint i = 0; i < 4; i++)
    if (info->dims[i] < 1 || info->dims[i] > UF_ARCH_MAX_DIM)
      INVALID ("metadata \"dims\": stage %u has %u channels; expected 1 to %u", i + 1,
          info->dims[i], UF_ARCH_MAX_DIM);
  if (info->head_dim < 1 || info->dims[2] % info->head_dim != 0
      || info->dims[3] % info->head_dim != 0)
    INVALID ("metadata \"head_dim\" is %u; expected a divisor of dims[2] = %u and dims[3] = %u",
        info->head_dim, info->dims[2], info->dims[3]);
  if (info->mlp_ratio < 1 || info->mlp_ratio > UF_ARCH_MAX_MLP_RATIO)
    INVALID ("metadata \"mlp_ratio\" is %u; expected an integer from 1 to %u", info->mlp_ratio,
        UF_ARCH_MAX_MLP_RATIO);
  if (info->num_classes < 1 || info->num_classes > UF_ARCH_MAX_CLASSES)
    INVALID ("metadata \"num_classes\" is %u; expected 1 to %u", info->num_classes,
        UF_ARCH_MAX_CLASSES);
  if (info->frames < 2 || info->frames > UF_ARCH_MAX_FRAMES || info->frames % 2 != 0)
    INVALID ("metadata \"frames\" is %u; expected an even integer from 2 to %u", info->frames,
        UF_ARCH_MAX_FRAMES);
  if (info->sampling_rate < 1 || info->sampling_rate > UF_ARCH_MAX_SAMPLING)
    INVALID ("metadata \"sampling_rate\" is %u; expected 1 to %u", info->sampling_rate,
        UF_ARCH_MAX_SAMPLING);
  if (!isfinite (info->source_fps) || !(info->source_fps > 0.0) || info->source_fps > 1e6)
    INVALID ("metadata \"source_fps\" is %g; expected a positive number", info->source_fps);
  if (info->crop_height < 32 || info->crop_height > UF_ARCH_MAX_CROP || info->crop_height % 32)
    INVALID ("metadata \"crop_height\" is %u; expected a multiple of 32 from 32 to %u",
        info->crop_height, UF_ARCH_MAX_CROP);
  if (info->crop_width < 32 || info->crop_width > UF_ARCH_MAX_CROP || info->crop_width % 32)
    INVALID ("metadata \"crop_width\" is %u; expected a multiple of 32 from 32 to %u",
        info->crop_width, UF_ARCH_MAX_CROP);
  for (guint i = 0; i < 3; i++)
    if (!isfinite (info->mean[i]))
      INVALID ("metadata \"mean\": channel %u is not finite", i);
  for (guint i = 0; i < 3; i++)
    if (!isfinite (info->std[i]) || !(info->std[i] > 0.0f))
      INVALID ("metadata \"std\": channel %u is %g; expected a positive number", i,
          (double) info->std[i]);
  if (info->color_order != UF_COLOR_ORDER_RGB && info->color_order != UF_COLOR_ORDER_BGR)
    INVALID ("invalid color order %d", (int) info->color_order);
  return TRUE;
#undef INVALID
}

static gboolean
parse_metadata (JsonObject *md, UfModelInfo *info, GError **error)
{
  const char *v;
  char **labels = NULL;

  if (!require_fixed (md, "format", UF_ARCH_FORMAT, error)
      || !require_fixed (md, "format_version", UF_ARCH_FORMAT_VERSION, error)
      || !require_fixed (md, "architecture", UF_ARCH_ARCHITECTURE, error))
    return FALSE;

#define GET(key) \
  do { \
    if (!get_string (md, key, TRUE, &v, error)) \
      return FALSE; \
  } while (0)
#define UINT(key, field) \
  do { \
    GET (key); \
    if (!parse_uint_strict (v, &info->field)) \
      return bad_value (error, key, v, "a non-negative integer"); \
  } while (0)

  GET ("depths");
  if (!parse_uint_list (v, 4, info->depths))
    return bad_value (error, "depths", v, "4 comma-separated integers");
  GET ("dims");
  if (!parse_uint_list (v, 4, info->dims))
    return bad_value (error, "dims", v, "4 comma-separated integers");
  UINT ("head_dim", head_dim);
  UINT ("mlp_ratio", mlp_ratio);
  UINT ("num_classes", num_classes);
  UINT ("frames", frames);
  UINT ("sampling_rate", sampling_rate);
  GET ("source_fps");
  if (!parse_double_strict (v, &info->source_fps))
    return bad_value (error, "source_fps", v, "a number");
  UINT ("crop_height", crop_height);
  UINT ("crop_width", crop_width);
  GET ("mean");
  if (!parse_float_list (v, 3, info->mean))
    return bad_value (error, "mean", v, "3 comma-separated numbers");
  GET ("std");
  if (!parse_float_list (v, 3, info->std))
    return bad_value (error, "std", v, "3 comma-separated numbers");
  GET ("color_order");
  if (strcmp (v, "rgb") == 0)
    info->color_order = UF_COLOR_ORDER_RGB;
  else if (strcmp (v, "bgr") == 0)
    info->color_order = UF_COLOR_ORDER_BGR;
  else
    return bad_value (error, "color_order", v, "\"rgb\" or \"bgr\"");

  if (!uf_arch_validate_info (info, error))
    return FALSE;

  GET ("labels");
  if (!parse_labels (v, info->num_classes, &labels, error))
    return FALSE;
  info->labels = (const char *const *) labels;
  GET ("name");
  if (*v == '\0') {
    g_set_error (error, UF_ERROR, UF_ERROR_MODEL_INVALID, "metadata \"name\" is empty");
    return FALSE;
  }
  info->name = g_strdup (v);
  if (!get_string (md, "provenance", FALSE, &v, error))
    return FALSE;
  info->provenance = g_strdup (v ? v : "");
  return TRUE;
#undef GET
#undef UINT
}

gboolean
uf_arch_parse_metadata (JsonObject *md, UfModelInfo *info, GError **error)
{
  g_return_val_if_fail (md != NULL && info != NULL, FALSE);

  memset (info, 0, sizeof *info);
  if (!parse_metadata (md, info, error)) {
    uf_arch_info_clear (info);
    return FALSE;
  }
  return TRUE;
}

void
uf_arch_info_clear (UfModelInfo *info)
{
  if (info == NULL)
    return;
  g_strfreev ((char **) info->labels);
  g_free ((char *) info->name);
  g_free ((char *) info->provenance);
  memset (info, 0, sizeof *info);
}

/* ---- expected tensors ---------------------------------------------------- */

void
uf_expected_tensor_free (UfExpectedTensor *t)
{
  if (t == NULL)
    return;
  g_free (t->name);
  g_free (t);
}

static void G_GNUC_PRINTF (4, 5)
add (GPtrArray *list, guint n_dims, const gint64 *shape, const char *format, ...)
{
  UfExpectedTensor *t = g_new0 (UfExpectedTensor, 1);
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
uf_arch_expected_tensors (const UfModelInfo *info)
{
  GPtrArray *list = g_ptr_array_new_with_free_func ((GDestroyNotify) uf_expected_tensor_free);
  const gint64 *dims;
  gint64 d[4];

  g_return_val_if_fail (info != NULL, list);
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

char *
uf_arch_format_shape (guint n_dims, const gint64 *shape)
{
  GString *s = g_string_new ("[");

  for (guint i = 0; i < n_dims; i++)
    g_string_append_printf (s, "%s%" G_GINT64_FORMAT, i ? "," : "", shape[i]);
  g_string_append_c (s, ']');
  return g_string_free (s, FALSE);
}
