/* uf-model-file.c: the model file as a container: safetensors parsing and
 * validation, and the metadata every model has. */
#include "uf-model-file.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "uf-metadata.h"
#include "uf-strict-json.h"

/* JSON nesting needed by a model header: {tensors: {shape: [..]}} is 3 deep. */
#define HEADER_MAX_DEPTH 8
/* JSON values in a header. A tensor entry has at most 11 (the object, dtype,
 * shape and its 5 dimensions, data_offsets and its 2 numbers); the largest
 * UniFormer model the metadata limits allow (depths 64,64,64,64) has 4,374
 * tensors, so about 48,000 values plus the metadata. The cap bounds the memory of the
 * parsed header to a few tens of MB whatever the 16 MiB of text contain. */
#define HEADER_MAX_VALUES (1u << 17)
/* Longest tensor name quoted verbatim in an error message. */
#define MAX_QUOTED 96

struct _UfModelFile {
  GBytes *bytes;
  char *display_name;
  UfModelInfo info;
  JsonObject *metadata;         /* for the architecture's own keys */
  UfTensorView *tensors;        /* n_tensors, header order */
  char **names;                 /* n_tensors names owned here */
  guint n_tensors;
  GHashTable *by_name;          /* name -> UfTensorView* */
};

/* The byte range of a tensor, for the tiling check. */
typedef struct {
  guint64 begin, end;
  guint index;
} Range;

/* ---- helpers ------------------------------------------------------------- */

static char *
quote (const char *s)
{
  return uf_quote (s, MAX_QUOTED);
}

/* Sets an error about tensor @name: the message is `tensor "NAME"` + @format. */
static gboolean G_GNUC_PRINTF (4, 5)
tensor_error (GError **error, gint code, const char *name, const char *format, ...)
{
  va_list args;
  char *rest, *q = quote (name);

  va_start (args, format);
  rest = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, UF_ERROR, code, "tensor \"%s\" %s", q, rest);
  g_free (rest);
  g_free (q);
  return FALSE;
}

static const char *const other_dtypes[] = {
  "BOOL", "U8", "I8", "I16", "U16", "I32", "U32", "I64", "U64", "BF16", "F64",
  "F8_E4M3", "F8_E5M2", "F8_E8M0", "F4", "F6_E2M3", "F6_E3M2", "C64", NULL,
};

/* A non-negative integer JSON value. */
static gboolean
get_uint_node (JsonNode *node, guint64 *out)
{
  gint64 v;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    return FALSE;
  v = json_node_get_int (node);
  if (v < 0)
    return FALSE;
  *out = (guint64) v;
  return TRUE;
}

/* ---- container ----------------------------------------------------------- */

static gboolean
parse_tensor_entry (const char *name, JsonNode *node, const guint8 *data_base, guint64 data_size,
    UfTensorView *view, Range *range, GError **error)
{
  JsonObject *entry;
  JsonNode *dtype_node, *shape_node, *offsets_node;
  GList *members;
  const char *dtype;
  JsonArray *shape, *offsets;
  guint64 n_elements = 1, n_bytes, begin, end, esize;
  guint n_dims;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return tensor_error (error, UF_ERROR_MODEL_FILE, name, "is not a JSON object in the header");
  entry = json_node_get_object (node);

  members = json_object_get_members (entry);
  for (GList *l = members; l; l = l->next) {
    const char *key = l->data;
    if (strcmp (key, "dtype") != 0 && strcmp (key, "shape") != 0
        && strcmp (key, "data_offsets") != 0) {
      char *q = quote (key);
      tensor_error (error, UF_ERROR_MODEL_FILE, name, "has an unexpected key \"%s\"", q);
      g_free (q);
      g_list_free (members);
      return FALSE;
    }
  }
  g_list_free (members);

  /* dtype */
  dtype_node = json_object_get_member (entry, "dtype");
  if (dtype_node == NULL)
    return tensor_error (error, UF_ERROR_MODEL_FILE, name, "has no dtype");
  if (!JSON_NODE_HOLDS_VALUE (dtype_node) || json_node_get_value_type (dtype_node) != G_TYPE_STRING)
    return tensor_error (error, UF_ERROR_MODEL_FILE, name, "has a dtype that is not a string");
  dtype = json_node_get_string (dtype_node);
  if (strcmp (dtype, "F32") == 0) {
    view->dtype = UF_DTYPE_F32;
    esize = 4;
  } else if (strcmp (dtype, "F16") == 0) {
    view->dtype = UF_DTYPE_F16;
    esize = 2;
  } else if (g_strv_contains (other_dtypes, dtype)) {
    return tensor_error (error, UF_ERROR_MODEL_INVALID, name,
        "has dtype %s; only F32 and F16 are supported", dtype);
  } else {
    char *q = quote (dtype);
    tensor_error (error, UF_ERROR_MODEL_FILE, name, "has an unknown dtype \"%s\"", q);
    g_free (q);
    return FALSE;
  }

  /* shape */
  shape_node = json_object_get_member (entry, "shape");
  if (shape_node == NULL)
    return tensor_error (error, UF_ERROR_MODEL_FILE, name, "has no shape");
  if (!JSON_NODE_HOLDS_ARRAY (shape_node))
    return tensor_error (error, UF_ERROR_MODEL_FILE, name, "has a shape that is not an array");
  shape = json_node_get_array (shape_node);
  n_dims = json_array_get_length (shape);
  if (n_dims > 5)
    return tensor_error (error, UF_ERROR_MODEL_INVALID, name,
        "has %u dimensions; at most 5 are supported", n_dims);
  view->n_dims = n_dims;
  for (guint i = 0; i < n_dims; i++) {
    guint64 d;
    if (!get_uint_node (json_array_get_element (shape, i), &d))
      return tensor_error (error, UF_ERROR_MODEL_FILE, name,
          "has a shape that is not an array of non-negative integers");
    view->shape[i] = (gint64) d;
    if (!g_uint64_checked_mul (&n_elements, n_elements, d))
      n_elements = G_MAXUINT64;   /* saturate; caught below */
  }
  if (!g_uint64_checked_mul (&n_bytes, n_elements, esize))
    n_bytes = G_MAXUINT64;

  /* data_offsets */
  offsets_node = json_object_get_member (entry, "data_offsets");
  if (offsets_node == NULL)
    return tensor_error (error, UF_ERROR_MODEL_FILE, name, "has no data_offsets");
  if (!JSON_NODE_HOLDS_ARRAY (offsets_node)
      || json_array_get_length (offsets = json_node_get_array (offsets_node)) != 2
      || !get_uint_node (json_array_get_element (offsets, 0), &begin)
      || !get_uint_node (json_array_get_element (offsets, 1), &end))
    return tensor_error (error, UF_ERROR_MODEL_FILE, name,
        "has data_offsets that are not two non-negative integers [begin,end]");
  if (begin > end)
    return tensor_error (error, UF_ERROR_MODEL_FILE, name,
        "has data_offsets [%" G_GUINT64_FORMAT ",%" G_GUINT64_FORMAT "] with begin after end",
        begin, end);
  if (end > data_size)
    return tensor_error (error, UF_ERROR_MODEL_FILE, name,
        "has data_offsets [%" G_GUINT64_FORMAT ",%" G_GUINT64_FORMAT "] beyond the end of the "
        "data (%" G_GUINT64_FORMAT " bytes)", begin, end, data_size);
  if (end - begin != n_bytes) {
    char *s = uf_format_shape (n_dims, view->shape);
    if (n_bytes == G_MAXUINT64)
      tensor_error (error, UF_ERROR_MODEL_FILE, name, "has shape %s, which is too large", s);
    else
      tensor_error (error, UF_ERROR_MODEL_FILE, name,
          "has data_offsets [%" G_GUINT64_FORMAT ",%" G_GUINT64_FORMAT "] holding %"
          G_GUINT64_FORMAT " bytes, but %s %s needs %" G_GUINT64_FORMAT,
          begin, end, end - begin, dtype, s, n_bytes);
    g_free (s);
    return FALSE;
  }

  view->data = data_base + begin;
  view->n_bytes = (gsize) n_bytes;
  view->n_elements = (gsize) n_elements;
  range->begin = begin;
  range->end = end;
  return TRUE;
}

static int
compare_ranges (const void *a, const void *b)
{
  const Range *ra = a, *rb = b;

  if (ra->begin != rb->begin)
    return ra->begin < rb->begin ? -1 : 1;
  if (ra->end != rb->end)
    return ra->end < rb->end ? -1 : 1;
  return ra->index < rb->index ? -1 : ra->index > rb->index;
}

/* The tensors must tile [0, data_size) exactly. */
static gboolean
check_tiling (UfModelFile *file, Range *ranges, guint n, guint64 data_size, GError **error)
{
  guint64 pos = 0;
  const Range *prev = NULL;

  if (n > 1)                    /* ranges is NULL when n is 0 */
    qsort (ranges, n, sizeof (Range), compare_ranges);
  for (guint i = 0; i < n; i++) {
    const Range *r = &ranges[i];
    if (r->begin < pos) {
      char *a = quote (file->names[prev->index]), *b = quote (file->names[r->index]);
      g_set_error (error, UF_ERROR, UF_ERROR_MODEL_FILE,
          "tensors \"%s\" [%" G_GUINT64_FORMAT ",%" G_GUINT64_FORMAT "] and \"%s\" [%"
          G_GUINT64_FORMAT ",%" G_GUINT64_FORMAT "] overlap",
          a, prev->begin, prev->end, b, r->begin, r->end);
      g_free (a);
      g_free (b);
      return FALSE;
    }
    if (r->begin > pos) {
      char *b = quote (file->names[r->index]);
      g_set_error (error, UF_ERROR, UF_ERROR_MODEL_FILE,
          "data bytes [%" G_GUINT64_FORMAT ",%" G_GUINT64_FORMAT "] belong to no tensor "
          "(a hole before tensor \"%s\")", pos, r->begin, b);
      g_free (b);
      return FALSE;
    }
    pos = r->end;
    prev = r;
  }
  if (pos != data_size) {
    g_set_error (error, UF_ERROR, UF_ERROR_MODEL_FILE,
        "%" G_GUINT64_FORMAT " trailing data bytes after the last tensor (tensors end at %"
        G_GUINT64_FORMAT ", the data is %" G_GUINT64_FORMAT " bytes)",
        data_size - pos, pos, data_size);
    return FALSE;
  }
  return TRUE;
}

/* ---- model content ------------------------------------------------------- */

static gboolean
check_metadata_strings (JsonObject *md, GError **error)
{
  GList *members = json_object_get_members (md);
  gboolean ok = TRUE;

  for (GList *l = members; l && ok; l = l->next) {
    JsonNode *v = json_object_get_member (md, l->data);
    if (!JSON_NODE_HOLDS_VALUE (v) || json_node_get_value_type (v) != G_TYPE_STRING) {
      char *q = quote (l->data);
      g_set_error (error, UF_ERROR, UF_ERROR_MODEL_FILE,
          "metadata \"%s\" is not a string (safetensors metadata values must be strings)", q);
      g_free (q);
      ok = FALSE;
    }
  }
  g_list_free (members);
  return ok;
}

static gboolean
check_finite (const UfTensorView *t, GError **error)
{
  if (t->dtype == UF_DTYPE_F32) {
    for (gsize i = 0; i < t->n_elements; i++) {
      guint32 bits;
      memcpy (&bits, t->data + 4 * i, 4);
      bits = GUINT32_FROM_LE (bits);
      if ((bits & 0x7f800000u) == 0x7f800000u)
        return tensor_error (error, UF_ERROR_MODEL_INVALID, t->name,
            "has a non-finite value (%s) at element %" G_GSIZE_FORMAT,
            (bits & 0x007fffffu) ? "NaN" : "infinity", i);
    }
  } else {
    for (gsize i = 0; i < t->n_elements; i++) {
      guint16 bits = (guint16) (t->data[2 * i] | (t->data[2 * i + 1] << 8));
      if ((bits & 0x7c00u) == 0x7c00u)
        return tensor_error (error, UF_ERROR_MODEL_INVALID, t->name,
            "has a non-finite value (%s) at element %" G_GSIZE_FORMAT,
            (bits & 0x03ffu) ? "NaN" : "infinity", i);
    }
  }
  return TRUE;
}

/* ---- loading ------------------------------------------------------------- */

static gboolean
parse_file (UfModelFile *file, GError **error)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (file->bytes, &size);
  guint64 header_len, data_size;
  const guint8 *data_base;
  JsonNode *root = NULL;
  JsonObject *header;
  JsonNode *md_node;
  GList *members = NULL;
  Range *ranges = NULL;
  guint n = 0;
  gboolean ok = FALSE;

  if (size < 8) {
    g_set_error (error, UF_ERROR, UF_ERROR_MODEL_FILE,
        "file is %" G_GSIZE_FORMAT " bytes, too short for a safetensors header", size);
    return FALSE;
  }
  memcpy (&header_len, data, 8);
  header_len = GUINT64_FROM_LE (header_len);
  if (header_len > UF_MODEL_FILE_MAX_HEADER) {
    g_set_error (error, UF_ERROR, UF_ERROR_MODEL_FILE,
        "header length %" G_GUINT64_FORMAT " exceeds the limit of %u bytes (not a safetensors "
        "file?)", header_len, UF_MODEL_FILE_MAX_HEADER);
    return FALSE;
  }
  if (header_len > size - 8) {
    g_set_error (error, UF_ERROR, UF_ERROR_MODEL_FILE,
        "header length %" G_GUINT64_FORMAT " exceeds the %" G_GSIZE_FORMAT
        " bytes that follow it (truncated file?)", header_len, size - 8);
    return FALSE;
  }
  data_base = data + 8 + header_len;
  data_size = size - 8 - header_len;

  {
    GError *local = NULL;
    root = uf_json_parse_strict ((const char *) data + 8, (gsize) header_len, HEADER_MAX_DEPTH,
        HEADER_MAX_VALUES, UF_ERROR_MODEL_FILE, &local);
    if (root == NULL) {
      g_set_error (error, UF_ERROR, UF_ERROR_MODEL_FILE, "header: %s", local->message);
      g_error_free (local);
      return FALSE;
    }
  }
  if (!JSON_NODE_HOLDS_OBJECT (root)) {
    g_set_error (error, UF_ERROR, UF_ERROR_MODEL_FILE, "header is not a JSON object");
    goto out;
  }
  header = json_node_get_object (root);

  /* tensors */
  members = json_object_get_members (header);
  n = g_list_length (members);
  file->tensors = g_new0 (UfTensorView, n);
  file->names = g_new0 (char *, n + 1);
  ranges = g_new0 (Range, n);
  file->n_tensors = 0;
  for (GList *l = members; l; l = l->next) {
    const char *name = l->data;
    guint i = file->n_tensors;

    if (strcmp (name, "__metadata__") == 0)
      continue;
    if (!parse_tensor_entry (name, json_object_get_member (header, name), data_base, data_size,
            &file->tensors[i], &ranges[i], error))
      goto out;
    file->names[i] = g_strdup (name);
    file->tensors[i].name = file->names[i];
    ranges[i].index = i;
    file->n_tensors++;
  }
  if (!check_tiling (file, ranges, file->n_tensors, data_size, error))
    goto out;
  for (guint i = 0; i < file->n_tensors; i++)
    g_hash_table_insert (file->by_name, file->names[i], &file->tensors[i]);

  /* metadata */
  md_node = json_object_get_member (header, "__metadata__");
  if (md_node == NULL) {
    g_set_error (error, UF_ERROR, UF_ERROR_MODEL_INVALID,
        "the header has no __metadata__ (not a gst-uniformer model file)");
    goto out;
  }
  if (!JSON_NODE_HOLDS_OBJECT (md_node)) {
    g_set_error (error, UF_ERROR, UF_ERROR_MODEL_FILE, "__metadata__ is not a JSON object");
    goto out;
  }
  if (!check_metadata_strings (json_node_get_object (md_node), error))
    goto out;
  if (!uf_metadata_parse_common (json_node_get_object (md_node), &file->info, error))
    goto out;
  file->metadata = json_object_ref (json_node_get_object (md_node));
  for (guint i = 0; i < file->n_tensors; i++)
    if (file->tensors[i].dtype == UF_DTYPE_F16)
      file->info.f16_weights = TRUE;

  /* content */
  for (guint i = 0; i < file->n_tensors; i++)
    if (!check_finite (&file->tensors[i], error))
      goto out;

  ok = TRUE;
out:
  g_free (ranges);
  g_list_free (members);
  json_node_unref (root);
  return ok;
}

UfModelFile *
uf_model_file_new_from_bytes (GBytes *bytes, const char *display_name, GError **error)
{
  UfModelFile *file;

  g_return_val_if_fail (bytes != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  file = g_new0 (UfModelFile, 1);
  file->bytes = g_bytes_ref (bytes);
  file->display_name = g_strdup (display_name ? display_name : "<memory>");
  file->by_name = g_hash_table_new (g_str_hash, g_str_equal);

  if (!parse_file (file, error)) {
    g_prefix_error (error, "%s: ", file->display_name);
    uf_model_file_free (file);
    return NULL;
  }
  return file;
}

UfModelFile *
uf_model_file_open (const char *path, GError **error)
{
  GError *local = NULL;
  GMappedFile *mapped;
  GBytes *bytes;
  UfModelFile *file;
  char *display;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  display = g_filename_display_name (path);
  if (g_file_test (path, G_FILE_TEST_IS_DIR)) {
    g_set_error (error, UF_ERROR, UF_ERROR_READ, "%s: is a directory", display);
    g_free (display);
    return NULL;
  }
  /* a FIFO or a device could be endless */
  if (g_file_test (path, G_FILE_TEST_EXISTS) && !g_file_test (path, G_FILE_TEST_IS_REGULAR)) {
    g_set_error (error, UF_ERROR, UF_ERROR_READ, "%s: not a regular file", display);
    g_free (display);
    return NULL;
  }
  mapped = g_mapped_file_new (path, FALSE, &local);
  if (mapped != NULL) {
    bytes = g_mapped_file_get_bytes (mapped);
    g_mapped_file_unref (mapped);
  } else if (g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT)
      || g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOTDIR)
      || g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_ACCES)) {
    g_set_error (error, UF_ERROR, g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_ACCES) ?
        UF_ERROR_READ : UF_ERROR_NOT_FOUND, "%s: %s", display, local->message);
    g_error_free (local);
    g_free (display);
    return NULL;
  } else {
    /* a regular file that cannot be mapped (some network or FUSE file
     * systems): read it instead */
    char *contents = NULL;
    gsize length = 0;

    g_clear_error (&local);
    if (!g_file_get_contents (path, &contents, &length, &local)) {
      g_set_error (error, UF_ERROR, UF_ERROR_READ, "%s: %s", display, local->message);
      g_error_free (local);
      g_free (display);
      return NULL;
    }
    bytes = g_bytes_new_take (contents, length);
  }

  file = uf_model_file_new_from_bytes (bytes, display, error);
  g_bytes_unref (bytes);
  g_free (display);
  return file;
}

void
uf_model_file_free (UfModelFile *file)
{
  if (file == NULL)
    return;
  uf_model_info_clear (&file->info);
  if (file->metadata)
    json_object_unref (file->metadata);
  g_hash_table_unref (file->by_name);
  g_strfreev (file->names);
  g_free (file->tensors);
  g_free (file->display_name);
  g_bytes_unref (file->bytes);
  g_free (file);
}

JsonObject *
uf_model_file_get_metadata (UfModelFile *file)
{
  g_return_val_if_fail (file != NULL, NULL);
  return file->metadata;
}

const UfModelInfo *
uf_model_file_get_info (UfModelFile *file)
{
  g_return_val_if_fail (file != NULL, NULL);
  return &file->info;
}

const UfTensorView *
uf_model_file_get_tensor (UfModelFile *file, const char *name)
{
  g_return_val_if_fail (file != NULL && name != NULL, NULL);
  return g_hash_table_lookup (file->by_name, name);
}

guint
uf_model_file_get_n_tensors (UfModelFile *file)
{
  g_return_val_if_fail (file != NULL, 0);
  return file->n_tensors;
}

const UfTensorView *
uf_model_file_get_tensor_at (UfModelFile *file, guint index)
{
  g_return_val_if_fail (file != NULL && index < file->n_tensors, NULL);
  return &file->tensors[index];
}

const char *
uf_model_file_get_display_name (UfModelFile *file)
{
  g_return_val_if_fail (file != NULL, NULL);
  return file->display_name;
}

/* ---- conversion ---------------------------------------------------------- */

static inline guint32
half_to_float_bits (guint16 h)
{
  guint32 sign = (guint32) (h & 0x8000u) << 16;
  guint32 exp = (h >> 10) & 0x1fu;
  guint32 mant = h & 0x3ffu;

  if (exp == 0) {
    if (mant == 0)
      return sign;                              /* signed zero */
    /* subnormal: mant * 2^-24; normalise so the leading 1 is at bit 10 */
    exp = 127 - 15 + 1;
    while (!(mant & 0x400u)) {
      mant <<= 1;
      exp--;
    }
    return sign | (exp << 23) | ((mant & 0x3ffu) << 13);
  }
  if (exp == 31)
    return sign | 0x7f800000u | (mant << 13);   /* infinity, NaN with its payload */
  return sign | ((exp + 127 - 15) << 23) | (mant << 13);
}

float
uf_half_to_float (guint16 bits)
{
  guint32 f = half_to_float_bits (bits);
  float out;

  memcpy (&out, &f, 4);
  return out;
}

void
uf_tensor_view_to_f32 (const UfTensorView *t, float *out)
{
  g_return_if_fail (t != NULL && (out != NULL || t->n_elements == 0));

  if (t->dtype == UF_DTYPE_F32) {
#if G_BYTE_ORDER == G_LITTLE_ENDIAN
    if (t->n_bytes)
      memcpy (out, t->data, t->n_bytes);
#else
    for (gsize i = 0; i < t->n_elements; i++) {
      guint32 bits;
      memcpy (&bits, t->data + 4 * i, 4);
      bits = GUINT32_FROM_LE (bits);
      memcpy (&out[i], &bits, 4);
    }
#endif
  } else {
    for (gsize i = 0; i < t->n_elements; i++) {
      guint32 bits = half_to_float_bits ((guint16) (t->data[2 * i] | (t->data[2 * i + 1] << 8)));
      memcpy (&out[i], &bits, 4);
    }
  }
}
