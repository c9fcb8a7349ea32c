/* uf-metadata.c: strict readers of metadata values, and the keys every
 * model file has. */
#include "uf-metadata.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "uf-strict-json.h"

/* Longest metadata value quoted verbatim in an error message. */
#define MAX_QUOTED 48

char *
uf_quote (const char *s, gsize max)
{
  gsize len = strlen (s);
  char *cut = g_strndup (s, MIN (len, max));
  char *esc = g_strescape (cut, NULL);
  char *ret = len > max ? g_strconcat (esc, "...", NULL) : g_strdup (esc);

  g_free (cut);
  g_free (esc);
  return ret;
}

static char *
quote (const char *s)
{
  return uf_quote (s, MAX_QUOTED);
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

  /* the array and up to UF_METADATA_MAX_CLASSES + 1 strings, so that any list
   * that is too long by a plausible amount reaches the count check below */
  root = uf_json_parse_strict (text, strlen (text), 4, UF_METADATA_MAX_CLASSES + 2,
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

/* ---- readers for the architectures' keys ----------------------------------- */

gboolean
uf_metadata_string (JsonObject *md, const char *key, gboolean required, const char **out,
    GError **error)
{
  return get_string (md, key, required, out, error);
}

gboolean
uf_metadata_uint (JsonObject *md, const char *key, guint min, guint max, guint *out,
    GError **error)
{
  const char *v;

  if (!get_string (md, key, TRUE, &v, error))
    return FALSE;
  if (!parse_uint_strict (v, out))
    return bad_value (error, key, v, "a non-negative integer");
  if (*out < min || *out > max)
    return uf_metadata_invalid (error, "metadata \"%s\" is %u; expected an integer from %u to %u",
        key, *out, min, max);
  return TRUE;
}

gboolean
uf_metadata_uint_list (JsonObject *md, const char *key, guint n, guint *out, GError **error)
{
  const char *v;

  if (!get_string (md, key, TRUE, &v, error))
    return FALSE;
  if (!parse_uint_list (v, n, out))
    return bad_value (error, key, v, "%u comma-separated integers", n);
  return TRUE;
}

gboolean
uf_metadata_float_list (JsonObject *md, const char *key, guint n, float *out, GError **error)
{
  const char *v;

  if (!get_string (md, key, TRUE, &v, error))
    return FALSE;
  if (!parse_float_list (v, n, out))
    return bad_value (error, key, v, "%u comma-separated numbers", n);
  return TRUE;
}

gboolean
uf_metadata_double (JsonObject *md, const char *key, double min, double max, double *out,
    GError **error)
{
  const char *v;

  if (!get_string (md, key, TRUE, &v, error))
    return FALSE;
  if (!parse_double_strict (v, out))
    return bad_value (error, key, v, "a number");
  if (!(*out >= min && *out <= max))
    return uf_metadata_invalid (error, "metadata \"%s\" is %g; expected a number from %g to %g",
        key, *out, min, max);
  return TRUE;
}

gboolean
uf_metadata_choice (JsonObject *md, const char *key, const char *const *choices, guint *out,
    GError **error)
{
  const char *v;
  char *list;

  if (!get_string (md, key, TRUE, &v, error))
    return FALSE;
  for (guint i = 0; choices[i]; i++)
    if (strcmp (v, choices[i]) == 0) {
      *out = i;
      return TRUE;
    }
  list = g_strjoinv ("\", \"", (char **) choices);
  bad_value (error, key, v, "one of \"%s\"", list);
  g_free (list);
  return FALSE;
}

gboolean
uf_metadata_invalid (GError **error, const char *format, ...)
{
  va_list args;

  va_start (args, format);
  g_propagate_error (error, g_error_new_valist (UF_ERROR, UF_ERROR_MODEL_INVALID, format, args));
  va_end (args);
  return FALSE;
}

/* ---- the keys every model has ---------------------------------------------- */

static gboolean
validate_common (const UfModelInfo *info, GError **error)
{
#define INVALID(...) return uf_metadata_invalid (error, __VA_ARGS__)
  if (info->num_classes < 1 || info->num_classes > UF_METADATA_MAX_CLASSES)
    INVALID ("metadata \"num_classes\" is %u; expected 1 to %u", info->num_classes,
        UF_METADATA_MAX_CLASSES);
  if (info->frames < 1 || info->frames > UF_METADATA_MAX_FRAMES)
    INVALID ("metadata \"frames\" is %u; expected an integer from 1 to %u", info->frames,
        UF_METADATA_MAX_FRAMES);
  if (info->sampling_rate < 1 || info->sampling_rate > UF_METADATA_MAX_SAMPLING)
    INVALID ("metadata \"sampling_rate\" is %u; expected 1 to %u", info->sampling_rate,
        UF_METADATA_MAX_SAMPLING);
  if (!isfinite (info->source_fps) || !(info->source_fps > 0.0) || info->source_fps > 1e6)
    INVALID ("metadata \"source_fps\" is %g; expected a positive number", info->source_fps);
  if (info->crop_height < 1 || info->crop_height > UF_METADATA_MAX_CROP)
    INVALID ("metadata \"crop_height\" is %u; expected 1 to %u", info->crop_height,
        UF_METADATA_MAX_CROP);
  if (info->crop_width < 1 || info->crop_width > UF_METADATA_MAX_CROP)
    INVALID ("metadata \"crop_width\" is %u; expected 1 to %u", info->crop_width,
        UF_METADATA_MAX_CROP);
  for (guint i = 0; i < 3; i++)
    if (!isfinite (info->mean[i]))
      INVALID ("metadata \"mean\": channel %u is not finite", i);
  for (guint i = 0; i < 3; i++)
    if (!isfinite (info->std[i]) || !(info->std[i] > 0.0f))
      INVALID ("metadata \"std\": channel %u is %g; expected a positive number", i,
          (double) info->std[i]);
  return TRUE;
#undef INVALID
}

static gboolean
parse_common (JsonObject *md, UfModelInfo *info, GError **error)
{
  const char *v;
  char **labels = NULL;

  if (!require_fixed (md, "format", UF_METADATA_FORMAT, error)
      || !require_fixed (md, "format_version", UF_METADATA_FORMAT_VERSION, error))
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

  GET ("architecture");
  info->architecture = g_strdup (v);
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

  /* optional: "stride" (every sampling_rate-th frame) unless said */
  if (!get_string (md, "sampling", FALSE, &v, error))
    return FALSE;
  if (v == NULL || strcmp (v, "stride") == 0)
    info->sampling = UF_SAMPLING_STRIDE;
  else if (strcmp (v, "sparse") == 0)
    info->sampling = UF_SAMPLING_SPARSE;
  else
    return bad_value (error, "sampling", v, "\"stride\" or \"sparse\"");

  if (!validate_common (info, error))
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
uf_metadata_parse_common (JsonObject *md, UfModelInfo *info, GError **error)
{
  g_return_val_if_fail (md != NULL && info != NULL, FALSE);

  memset (info, 0, sizeof *info);
  if (!parse_common (md, info, error)) {
    uf_model_info_clear (info);
    return FALSE;
  }
  return TRUE;
}

void
uf_model_info_clear (UfModelInfo *info)
{
  if (info == NULL)
    return;
  g_strfreev ((char **) info->labels);
  g_free ((char *) info->architecture);
  g_free ((char *) info->name);
  g_free ((char *) info->provenance);
  memset (info, 0, sizeof *info);
}

char *
uf_format_shape (guint n_dims, const gint64 *shape)
{
  GString *s = g_string_new ("[");

  for (guint i = 0; i < n_dims; i++)
    g_string_append_printf (s, "%s%" G_GINT64_FORMAT, i ? "," : "", shape[i]);
  g_string_append_c (s, ']');
  return g_string_free (s, FALSE);
}
