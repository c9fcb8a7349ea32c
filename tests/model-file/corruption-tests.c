/* corruption-tests.c: corrupt and hostile model files, one table row each,
 * and sweeps over every truncation and many byte flips. Each must give an
 * error that names the problem, never a crash or an out-of-bounds read. */
#include <glib.h>
#include <math.h>
#include <string.h>

#include "model-file-tests.h"
#include "model-writer.h"
#include "uf-model-file.h"

/* ---- corruptions ----------------------------------------------------------- */

typedef struct {
  const char *name;
  const char *meta_key;         /* set metadata meta_key to meta_value (a string) */
  const char *meta_value;       /* or remove it when NULL and !meta_raw */
  const char *meta_raw;         /* or set it to this raw JSON */
  void (*edit) (MwModel *m);
  GBytes *(*edit_bytes) (GBytes *valid);
  gboolean f16;
  gint code;
  const char *message;
} Corruption;

#define FILE_ERR UF_ERROR_MODEL_FILE
#define INVALID UF_ERROR_MODEL_INVALID

static GBytes *
sub_bytes (GBytes *b, gsize len)
{
  return g_bytes_new_from_bytes (b, 0, len);
}

static GBytes *
with_length_field (GBytes *b, guint64 value)
{
  gsize size;
  const guint8 *src = g_bytes_get_data (b, &size);
  guint8 *d = g_memdup2 (src, size);
  guint64 le = GUINT64_TO_LE (value);
  memcpy (d, &le, 8);
  return g_bytes_new_take (d, size);
}

static GBytes *cut_tail (GBytes *b) { return sub_bytes (b, g_bytes_get_size (b) - 100); }
static GBytes *cut_header (GBytes *b) { return sub_bytes (b, 20); }
static GBytes *cut_5 (GBytes *b) { return sub_bytes (b, 5); }
static GBytes *cut_8 (GBytes *b) { return sub_bytes (b, 8); }
static GBytes *len_17mib (GBytes *b) { return with_length_field (b, 17u << 20); }
static GBytes *len_2_63 (GBytes *b) { return with_length_field (b, G_GUINT64_CONSTANT (1) << 63); }
static GBytes *len_max (GBytes *b) { return with_length_field (b, G_MAXUINT64); }
static GBytes *len_past_end (GBytes *b) { return with_length_field (b, g_bytes_get_size (b) - 7); }

#define RAW(fn, text) \
  static GBytes *fn (GBytes *b) { return mw_raw_file (sizeof text - 1, text, sizeof text - 1, NULL, 0); }
RAW (raw_not_json, "hello world!")
RAW (raw_array, "[1,2,3]")
RAW (raw_string, "\"{}\"    ")
RAW (raw_empty, "")
RAW (raw_spaces, "        ")
RAW (raw_bad_utf8, "{\"\xff\":1}")
RAW (raw_nul, "{}\0     ")
RAW (raw_comment, "/*c*/{} ")
RAW (raw_garbage_after, "{} x    ")
RAW (raw_empty_object, "{}")
RAW (raw_no_tensors, "{\"__metadata__\":{}}")

static GBytes *
raw_empty_object_trailing (GBytes *b)
{
  /* no tensors at all, then data: found by the fuzzer (qsort of no ranges) */
  return mw_raw_file (2, "{}", 2, (const guint8 *) "b", 2);
}

static GBytes *
raw_deep (GBytes *b)
{
  char *text = g_strnfill (100000, '[');
  GBytes *r = mw_raw_file (100000, text, 100000, NULL, 0);
  g_free (text);
  return r;
}

static GBytes *
raw_flood (GBytes *b)
{
  /* a header just under the cap that is one long string */
  gsize n = UF_MODEL_FILE_MAX_HEADER;
  char *text = g_malloc (n);
  GBytes *r;
  memset (text, 'a', n);
  text[0] = '"';
  r = mw_raw_file (n, text, n, NULL, 0);
  g_free (text);
  return r;
}

static GBytes *
raw_many_values (GBytes *b)
{
  /* 4 MiB of "0," in one array: 2M values, far over the cap */
  GString *text = g_string_new ("{\"a\":[");
  GBytes *r;
  for (guint i = 0; i < 2u << 20; i++)
    g_string_append (text, "0,");
  g_string_append (text, "0]}");
  r = mw_raw_file (text->len, text->str, text->len, NULL, 0);
  g_string_free (text, TRUE);
  return r;
}

static void
set_n_labels (MwModel *m, guint n)
{
  GString *l = g_string_new ("[");
  for (guint i = 0; i < n; i++)
    g_string_append (l, i ? ",\"x\"" : "\"x\"");
  g_string_append_c (l, ']');
  mw_model_set_meta (m, "labels", l->str);
  g_string_free (l, TRUE);
}
static void many_labels (MwModel *m) { set_n_labels (m, 100001); }
static void far_too_many_labels (MwModel *m) { set_n_labels (m, 100002); }

static void no_metadata (MwModel *m) { m->no_metadata = TRUE; }
static void metadata_array (MwModel *m) { m->raw_metadata = g_strdup ("[\"a\"]"); }
static void dup_tensor (MwModel *m)
{
  m->extra_members = g_strdup (",\"head.bias\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}");
}
static void dup_tensor_escaped (MwModel *m)
{
  m->extra_members = g_strdup (",\"head.bia\\u0073\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}");
}
static void dup_metadata (MwModel *m)
{
  g_ptr_array_add (m->meta_keys, g_strdup ("name"));
  g_ptr_array_add (m->meta_values, g_strdup ("\"other\""));
}
static void dtype_bf16 (MwModel *m) { MwTensor *t = mw_model_get_tensor (m, "head.bias"); g_free (t->dtype); t->dtype = g_strdup ("BF16"); }
static void dtype_f64 (MwModel *m) { MwTensor *t = mw_model_get_tensor (m, "head.weight"); g_free (t->dtype); t->dtype = g_strdup ("F64"); }
static void dtype_unknown (MwModel *m) { MwTensor *t = mw_model_get_tensor (m, "head.bias"); g_free (t->dtype); t->dtype = g_strdup ("Q7"); }
static void dtype_i64_buffer (MwModel *m)
{
  MwTensor *t = mw_model_add_tensor (m, "blocks1.0.norm1.num_batches_tracked", "I64", 0, NULL);
  g_byte_array_set_size (t->data, 8);
}
static void shape_mismatch (MwModel *m) { mw_model_get_tensor (m, "head.bias")->raw_shape = g_strdup ("[6]"); }
static void shape_negative (MwModel *m) { mw_model_get_tensor (m, "head.bias")->raw_shape = g_strdup ("[-5]"); }
static void shape_float (MwModel *m) { mw_model_get_tensor (m, "head.bias")->raw_shape = g_strdup ("[5.0]"); }
static void shape_not_array (MwModel *m) { mw_model_get_tensor (m, "head.bias")->raw_shape = g_strdup ("5"); }
static void shape_6d (MwModel *m) { mw_model_get_tensor (m, "head.bias")->raw_shape = g_strdup ("[1,1,1,1,1,5]"); }
static void shape_overflow (MwModel *m)
{
  mw_model_get_tensor (m, "head.bias")->raw_shape = g_strdup ("[4294967296,4294967296,4294967296]");
}
static void shape_overflow_bytes (MwModel *m)
{
  /* 2^62 elements fit in 64 bits, 2^64 bytes do not */
  mw_model_get_tensor (m, "head.bias")->raw_shape = g_strdup ("[4611686018427387904]");
}
static void overlap (MwModel *m)
{
  MwTensor *t = m->tensors->pdata[1];
  t->raw_offsets = g_strdup_printf ("[0,%u]", t->data->len);
}
static void hole (MwModel *m) { ((MwTensor *) m->tensors->pdata[3])->pad_before = 4; }
static void trailing (MwModel *m) { g_byte_array_append (m->trailing, (const guint8 *) "0123456789abcdef", 16); }
static void beyond_end (MwModel *m)
{
  MwTensor *t = m->tensors->pdata[m->tensors->len - 1];
  t->raw_offsets = g_strdup_printf ("[1000000000,%u]", 1000000000u + t->data->len);
}
static void reversed (MwModel *m) { mw_model_get_tensor (m, "head.bias")->raw_offsets = g_strdup ("[20,0]"); }
static void offsets_float (MwModel *m) { mw_model_get_tensor (m, "head.bias")->raw_offsets = g_strdup ("[0.5,20.5]"); }
static void offsets_three (MwModel *m) { mw_model_get_tensor (m, "head.bias")->raw_offsets = g_strdup ("[0,10,20]"); }
static void offsets_huge (MwModel *m)
{
  mw_model_get_tensor (m, "head.bias")->raw_offsets = g_strdup ("[0,99999999999999999999]");
}
static void offsets_2_64 (MwModel *m)
{
  mw_model_get_tensor (m, "head.bias")->raw_offsets = g_strdup ("[9223372036854775807,9223372036854775807]");
}
static void entry_not_object (MwModel *m) { m->extra_members = g_strdup (",\"x\":5"); }
static void entry_extra_key (MwModel *m) { mw_model_get_tensor (m, "head.bias")->raw_extra = g_strdup (",\"foo\":1"); }
static void entry_no_dtype (MwModel *m) { m->extra_members = g_strdup (",\"x\":{\"shape\":[],\"data_offsets\":[0,0]}"); }
static void entry_no_offsets (MwModel *m) { m->extra_members = g_strdup (",\"x\":{\"dtype\":\"F32\",\"shape\":[0]}"); }
static void unknown_tensor (MwModel *m)
{
  mw_model_add_tensor (m, "blocks1.1.conv1.weight", "F32", 5, (const gint64[]) { 32, 32, 1, 1, 1 });
}
static void unknown_empty_tensor (MwModel *m)
{
  mw_model_add_tensor (m, "module.extra", "F32", 1, (const gint64[]) { 0 });
}
static void missing_tensor (MwModel *m) { mw_model_remove_tensor (m, "head.bias"); }
static void wrong_shape (MwModel *m)
{
  mw_tensor_reshape (mw_model_get_tensor (m, "blocks3.0.attn.qkv.weight"), 2, (const gint64[]) { 384, 129 });
}
static void wrong_rank (MwModel *m)
{
  mw_tensor_reshape (mw_model_get_tensor (m, "blocks3.0.attn.proj.weight"), 5,
      (const gint64[]) { 128, 128, 1, 1, 1 });
}
static void nan_weight (MwModel *m) { mw_tensor_set (mw_model_get_tensor (m, "blocks2.0.attn.weight"), 17, NAN); }
static void inf_weight_f16 (MwModel *m) { mw_tensor_set (mw_model_get_tensor (m, "head.weight"), 3, -INFINITY); }
static void nan_weight_f16 (MwModel *m) { mw_tensor_set (mw_model_get_tensor (m, "head.weight"), 0, NAN); }
static void inf_bias (MwModel *m) { mw_tensor_set (mw_model_get_tensor (m, "norm.running_var"), 255, INFINITY); }

static const Corruption corruptions[] = {
  /* container */
  { "too-short", .edit_bytes = cut_5, .code = FILE_ERR, .message = "file is 5 bytes, too short" },
  { "only-length", .edit_bytes = cut_8, .code = FILE_ERR, .message = "exceeds the 0 bytes that follow it" },
  { "truncated-header", .edit_bytes = cut_header, .code = FILE_ERR, .message = "bytes that follow it (truncated file?)" },
  { "truncated-data", .edit_bytes = cut_tail, .code = FILE_ERR, .message = "beyond the end of the data" },
  { "header-length-17MiB", .edit_bytes = len_17mib, .code = FILE_ERR, .message = "header length 17825792 exceeds the limit of 16777216 bytes" },
  { "header-length-2^63", .edit_bytes = len_2_63, .code = FILE_ERR, .message = "header length 9223372036854775808 exceeds the limit" },
  { "header-length-max", .edit_bytes = len_max, .code = FILE_ERR, .message = "header length 18446744073709551615 exceeds the limit" },
  { "header-length-past-end", .edit_bytes = len_past_end, .code = FILE_ERR, .message = "truncated file?" },
  { "header-not-json", .edit_bytes = raw_not_json, .code = FILE_ERR, .message = "header: invalid JSON at byte 0: unexpected 'h'" },
  { "header-array", .edit_bytes = raw_array, .code = FILE_ERR, .message = "header is not a JSON object" },
  { "header-string", .edit_bytes = raw_string, .code = FILE_ERR, .message = "header is not a JSON object" },
  { "header-empty", .edit_bytes = raw_empty, .code = FILE_ERR, .message = "unexpected end of input" },
  { "header-spaces", .edit_bytes = raw_spaces, .code = FILE_ERR, .message = "unexpected end of input" },
  { "header-bad-utf8", .edit_bytes = raw_bad_utf8, .code = FILE_ERR, .message = "invalid JSON at byte 2: invalid UTF-8" },
  { "header-nul", .edit_bytes = raw_nul, .code = FILE_ERR, .message = "NUL byte" },
  { "header-comment", .edit_bytes = raw_comment, .code = FILE_ERR, .message = "unexpected '/'" },
  { "header-garbage-after", .edit_bytes = raw_garbage_after, .code = FILE_ERR, .message = "after the JSON value" },
  { "header-deep-nesting", .edit_bytes = raw_deep, .code = FILE_ERR, .message = "nesting deeper than 8 levels" },
  { "header-16MiB-string", .edit_bytes = raw_flood, .code = FILE_ERR, .message = "unterminated string" },
  { "header-too-many-values", .edit_bytes = raw_many_values, .code = FILE_ERR, .message = "more than 131072 values" },
  { "header-empty-object-data", .edit_bytes = raw_empty_object_trailing, .code = FILE_ERR, .message = "2 trailing data bytes after the last tensor (tensors end at 0" },
  { "header-empty-object", .edit_bytes = raw_empty_object, .code = INVALID, .message = "no __metadata__" },
  { "header-no-tensors", .edit_bytes = raw_no_tensors, .code = INVALID, .message = "metadata \"format\" is missing" },
  { "duplicate-tensor", .edit = dup_tensor, .code = FILE_ERR, .message = "duplicate key \"head.bias\"" },
  { "duplicate-tensor-escaped", .edit = dup_tensor_escaped, .code = FILE_ERR, .message = "duplicate key \"head.bias\"" },
  { "duplicate-metadata", .edit = dup_metadata, .code = FILE_ERR, .message = "duplicate key \"name\"" },
  { "dtype-bf16", .edit = dtype_bf16, .code = INVALID, .message = "tensor \"head.bias\" has dtype BF16; only F32 and F16 are supported" },
  { "dtype-f64", .edit = dtype_f64, .code = INVALID, .message = "tensor \"head.weight\" has dtype F64" },
  { "dtype-unknown", .edit = dtype_unknown, .code = FILE_ERR, .message = "tensor \"head.bias\" has an unknown dtype \"Q7\"" },
  { "dtype-i64-buffer", .edit = dtype_i64_buffer, .code = INVALID, .message = "tensor \"blocks1.0.norm1.num_batches_tracked\" has dtype I64" },
  { "shape-offset-mismatch", .edit = shape_mismatch, .code = FILE_ERR, .message = "holding 20 bytes, but F32 [6] needs 24" },
  { "shape-negative", .edit = shape_negative, .code = FILE_ERR, .message = "shape that is not an array of non-negative integers" },
  { "shape-float", .edit = shape_float, .code = FILE_ERR, .message = "shape that is not an array of non-negative integers" },
  { "shape-not-array", .edit = shape_not_array, .code = FILE_ERR, .message = "shape that is not an array" },
  { "shape-6d", .edit = shape_6d, .code = INVALID, .message = "has 6 dimensions; at most 5 are supported" },
  { "shape-overflow", .edit = shape_overflow, .code = FILE_ERR, .message = "has shape [4294967296,4294967296,4294967296], which is too large" },
  { "shape-overflow-bytes", .edit = shape_overflow_bytes, .code = FILE_ERR, .message = "which is too large" },
  { "overlap", .edit = overlap, .code = FILE_ERR, .message = "overlap" },
  { "hole", .edit = hole, .code = FILE_ERR, .message = "belong to no tensor (a hole before tensor" },
  { "trailing-bytes", .edit = trailing, .code = FILE_ERR, .message = "16 trailing data bytes after the last tensor" },
  { "offsets-beyond-end", .edit = beyond_end, .code = FILE_ERR, .message = "beyond the end of the data" },
  { "offsets-reversed", .edit = reversed, .code = FILE_ERR, .message = "data_offsets [20,0] with begin after end" },
  { "offsets-float", .edit = offsets_float, .code = FILE_ERR, .message = "not two non-negative integers" },
  { "offsets-three", .edit = offsets_three, .code = FILE_ERR, .message = "not two non-negative integers" },
  { "offsets-huge", .edit = offsets_huge, .code = FILE_ERR, .message = "integer out of the 64-bit range" },
  { "offsets-int64-max", .edit = offsets_2_64, .code = FILE_ERR, .message = "beyond the end of the data" },
  { "entry-not-object", .edit = entry_not_object, .code = FILE_ERR, .message = "tensor \"x\" is not a JSON object" },
  { "entry-extra-key", .edit = entry_extra_key, .code = FILE_ERR, .message = "unexpected key \"foo\"" },
  { "entry-no-dtype", .edit = entry_no_dtype, .code = FILE_ERR, .message = "tensor \"x\" has no dtype" },
  { "entry-no-offsets", .edit = entry_no_offsets, .code = FILE_ERR, .message = "tensor \"x\" has no data_offsets" },
  /* metadata */
  { "no-metadata", .edit = no_metadata, .code = INVALID, .message = "no __metadata__" },
  { "metadata-not-object", .edit = metadata_array, .code = FILE_ERR, .message = "__metadata__ is not a JSON object" },
  { "metadata-not-string", "frames", .meta_raw = "8", .code = FILE_ERR, .message = "metadata \"frames\" is not a string" },
  { "metadata-null", "comment", .meta_raw = "null", .code = FILE_ERR, .message = "metadata \"comment\" is not a string" },
  { "wrong-format", "format", "safetensors", .code = INVALID, .message = "metadata \"format\" is \"safetensors\", expected \"gst-uniformer\"" },
  { "missing-format", "format", .code = INVALID, .message = "metadata \"format\" is missing" },
  { "wrong-version", "format_version", "2", .code = INVALID, .message = "metadata \"format_version\" is \"2\"; this build reads version 1 only" },
  { "wrong-architecture", "architecture", "uniformer_light", .code = INVALID, .message = "metadata \"architecture\" is \"uniformer_light\"; this build runs \"uniformer\"" },
  { "depths-three", "depths", "1,1,1", .code = INVALID, .message = "metadata \"depths\" is \"1,1,1\"; expected 4 comma-separated integers" },
  { "depths-zero", "depths", "1,0,1,1", .code = INVALID, .message = "stage 2 has 0 blocks; expected 1 to 64" },
  { "depths-huge", "depths", "1,1,1,65", .code = INVALID, .message = "stage 4 has 65 blocks" },
  { "depths-overflow", "depths", "1,1,1,99999999999", .code = INVALID, .message = "expected 4 comma-separated integers" },
  { "dims-negative", "dims", "32,64,128,-256", .code = INVALID, .message = "metadata \"dims\" is \"32,64,128,-256\"" },
  { "dims-huge", "dims", "32,64,128,8192", .code = INVALID, .message = "stage 4 has 8192 channels; expected 1 to 4096" },
  { "head-dim-not-dividing", "head_dim", "48", .code = INVALID, .message = "metadata \"head_dim\" is 48; expected a divisor of dims[2] = 128 and dims[3] = 256" },
  { "head-dim-zero", "head_dim", "0", .code = INVALID, .message = "metadata \"head_dim\" is 0" },
  { "mlp-ratio-fraction", "mlp_ratio", "2.5", .code = INVALID, .message = "metadata \"mlp_ratio\" is \"2.5\"; expected a non-negative integer" },
  { "mlp-ratio-huge", "mlp_ratio", "17", .code = INVALID, .message = "metadata \"mlp_ratio\" is 17; expected an integer from 1 to 16" },
  { "num-classes-zero", "num_classes", "0", .code = INVALID, .message = "metadata \"num_classes\" is 0" },
  { "num-classes-spaces", "num_classes", " 5", .code = INVALID, .message = "metadata \"num_classes\" is \" 5\"" },
  { "frames-odd", "frames", "7", .code = INVALID, .message = "metadata \"frames\" is 7; expected an even integer from 2 to 256" },
  { "frames-zero", "frames", "0", .code = INVALID, .message = "metadata \"frames\" is 0" },
  { "frames-huge", "frames", "258", .code = INVALID, .message = "metadata \"frames\" is 258" },
  { "frames-signed", "frames", "+8", .code = INVALID, .message = "metadata \"frames\" is \"+8\"" },
  { "sampling-rate-zero", "sampling_rate", "0", .code = INVALID, .message = "metadata \"sampling_rate\" is 0" },
  { "source-fps-zero", "source_fps", "0", .code = INVALID, .message = "metadata \"source_fps\" is 0; expected a positive number" },
  { "source-fps-inf", "source_fps", "inf", .code = INVALID, .message = "metadata \"source_fps\" is \"inf\"; expected a number" },
  { "source-fps-nan", "source_fps", "nan", .code = INVALID, .message = "metadata \"source_fps\" is \"nan\"" },
  { "crop-not-32", "crop_height", "100", .code = INVALID, .message = "metadata \"crop_height\" is 100; expected a multiple of 32 from 32 to 4096" },
  { "crop-too-small", "crop_width", "0", .code = INVALID, .message = "metadata \"crop_width\" is 0" },
  { "crop-too-big", "crop_width", "4128", .code = INVALID, .message = "metadata \"crop_width\" is 4128" },
  { "mean-two", "mean", "0.45,0.45", .code = INVALID, .message = "metadata \"mean\" is \"0.45,0.45\"; expected 3 comma-separated numbers" },
  { "mean-text", "mean", "a,b,c", .code = INVALID, .message = "metadata \"mean\" is \"a,b,c\"" },
  { "mean-huge", "mean", "1e39,0,0", .code = INVALID, .message = "metadata \"mean\" is \"1e39,0,0\"" },
  { "std-zero", "std", "0.2,0,0.2", .code = INVALID, .message = "metadata \"std\": channel 1 is 0; expected a positive number" },
  { "std-negative", "std", "0.2,0.2,-1", .code = INVALID, .message = "metadata \"std\": channel 2 is -1" },
  { "color-order", "color_order", "rgba", .code = INVALID, .message = "metadata \"color_order\" is \"rgba\"; expected \"rgb\" or \"bgr\"" },
  { "labels-count", "labels", "[\"a\",\"b\",\"c\",\"d\"]", .code = INVALID, .message = "metadata \"labels\" has 4 entries, but num_classes is 5" },
  { "labels-not-json", "labels", "a,b,c,d,e", .code = INVALID, .message = "metadata \"labels\" is not a JSON array of strings: invalid JSON at byte 0" },
  { "labels-not-strings", "labels", "[1,2,3,4,5]", .code = INVALID, .message = "metadata \"labels\": entry 0 is not a string" },
  { "labels-object", "labels", "{\"a\":1}", .code = INVALID, .message = "metadata \"labels\" is not a JSON array of strings" },
  { "labels-nested", "labels", "[[[[[[\"a\"]]]]]]", .code = INVALID, .message = "nesting deeper than 4 levels" },
  { "labels-too-many", .edit = many_labels, .code = INVALID, .message = "metadata \"labels\" has 100001 entries, but num_classes is 5" },
  { "labels-far-too-many", .edit = far_too_many_labels, .code = INVALID, .message = "more than 100002 values" },
  { "labels-missing", "labels", .code = INVALID, .message = "metadata \"labels\" is missing" },
  { "name-empty", "name", "", .code = INVALID, .message = "metadata \"name\" is empty" },
  { "name-missing", "name", .code = INVALID, .message = "metadata \"name\" is missing" },
  { "long-value-quoted-short", "format", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    .code = INVALID, .message = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...\", expected" },
  /* tensor set */
  { "unknown-tensor", .edit = unknown_tensor, .code = INVALID, .message = "tensor \"blocks1.1.conv1.weight\" is not a tensor of a UniFormer model with depths 1,1,1,1" },
  { "unknown-empty-tensor", .edit = unknown_empty_tensor, .code = INVALID, .message = "tensor \"module.extra\" is not a tensor of" },
  { "missing-tensor", .edit = missing_tensor, .code = INVALID, .message = "tensor \"head.bias\" is missing" },
  { "wrong-shape", .edit = wrong_shape, .code = INVALID, .message = "tensor \"blocks3.0.attn.qkv.weight\" has shape [384,129], expected [384,128]" },
  { "wrong-rank", .edit = wrong_rank, .code = INVALID, .message = "tensor \"blocks3.0.attn.proj.weight\" has shape [128,128,1,1,1], expected [128,128]" },
  { "depths-mismatch", "depths", "1,1,2,1", .code = INVALID, .message = "tensor \"blocks3.1.pos_embed.weight\" is missing" },
  { "dims-mismatch", "dims", "32,64,128,512", .code = INVALID, .message = "tensor \"patch_embed4.proj.weight\" has shape [256,128,1,2,2], expected [512,128,1,2,2]" },
  { "classes-mismatch", "num_classes", "4", .code = INVALID, .message = "metadata \"labels\" has 5 entries, but num_classes is 4" },
  { "nan-weight", .edit = nan_weight, .code = INVALID, .message = "tensor \"blocks2.0.attn.weight\" has a non-finite value (NaN) at element 17" },
  { "inf-bias", .edit = inf_bias, .code = INVALID, .message = "tensor \"norm.running_var\" has a non-finite value (infinity) at element 255" },
  { "inf-weight-f16", .edit = inf_weight_f16, .f16 = TRUE, .code = INVALID, .message = "tensor \"head.weight\" has a non-finite value (infinity) at element 3" },
  { "nan-weight-f16", .edit = nan_weight_f16, .f16 = TRUE, .code = INVALID, .message = "tensor \"head.weight\" has a non-finite value (NaN) at element 0" },
};

static void
test_corruption (gconstpointer data)
{
  const Corruption *c = data;
  MwModel *m = mw_model_new_tiny (c->f16 ? UF_DTYPE_F16 : UF_DTYPE_F32, 11);
  GBytes *bytes;
  GError *error = NULL;
  UfModelFile *f;

  if (c->meta_key) {
    if (c->meta_raw)
      mw_model_set_meta_raw (m, c->meta_key, c->meta_raw);
    else if (c->meta_value)
      mw_model_set_meta (m, c->meta_key, c->meta_value);
    else
      mw_model_remove_meta (m, c->meta_key);
  }
  if (c->edit)
    c->edit (m);
  bytes = mw_model_serialize (m);
  if (c->edit_bytes) {
    GBytes *edited = c->edit_bytes (bytes);
    g_bytes_unref (bytes);
    bytes = edited;
  }

  f = mf_load_bytes (bytes, &error);
  if (f != NULL)
    g_error ("%s: the corrupt file was accepted", c->name);
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  if (!g_error_matches (error, UF_ERROR, c->code) || !g_str_has_prefix (error->message, DISPLAY ": ")
      || strstr (error->message, c->message) == NULL)
    g_error ("%s: expected code %d and a message with \"%s\", got code %d: %s", c->name, c->code,
        c->message, error->code, error->message);
  g_error_free (error);
  g_bytes_unref (bytes);
  mw_model_free (m);
}

/* ---- robustness sweeps ----------------------------------------------------- */

static void
test_every_truncation (void)
{
  MwModel *m = mw_model_new (&mw_arch_micro, UF_DTYPE_F16, 2);
  GBytes *full;
  gsize size;
  UfModelFile *f;
  GError *error = NULL;

  mw_model_set_meta (m, "crop_height", "32");
  full = mw_model_serialize (m);
  size = g_bytes_get_size (full);
  f = uf_model_file_new_from_bytes (full, DISPLAY, &error);
  g_assert_no_error (error);
  uf_model_file_free (f);

  for (gsize len = 0; len < size; len++) {
    /* copy into an exact-size buffer so that ASan sees any over-read */
    guint8 *copy = g_memdup2 (g_bytes_get_data (full, NULL), len);
    GBytes *b = g_bytes_new_take (copy, len);
    f = uf_model_file_new_from_bytes (b, DISPLAY, &error);
    g_assert_null (f);
    g_assert_error (error, UF_ERROR, UF_ERROR_MODEL_FILE);
    g_clear_error (&error);
    g_bytes_unref (b);
  }
  g_bytes_unref (full);
  mw_model_free (m);
}

static void
test_every_byte_flip (void)
{
  MwModel *m = mw_model_new (&mw_arch_micro, UF_DTYPE_F32, 3);
  GBytes *full = mw_model_serialize (m);
  gsize size;
  const guint8 *d = g_bytes_get_data (full, &size);
  guint accepted = 0;

  for (gsize pos = 0; pos < size; pos++) {
    static const guint8 masks[] = { 0x01, 0x20, 0x80, 0xff };
    for (guint k = 0; k < G_N_ELEMENTS (masks); k++) {
      guint8 *copy = g_memdup2 (d, size);
      GBytes *b;
      UfModelFile *f;
      GError *error = NULL;

      copy[pos] ^= masks[k];
      b = g_bytes_new_take (copy, size);
      f = mf_load_bytes (b, &error);
      if (f) {
        /* a flip that keeps the file valid (a weight, a label letter...) */
        g_assert_no_error (error);
        g_assert_cmpuint (uf_model_file_get_n_tensors (f), >, 0);
        accepted++;
        uf_model_file_free (f);
      } else {
        g_assert_nonnull (error);
        g_assert_true (error->domain == UF_ERROR);
        g_assert_true (error->code == UF_ERROR_MODEL_FILE || error->code == UF_ERROR_MODEL_INVALID);
        g_error_free (error);
      }
      g_bytes_unref (b);
    }
  }
  g_test_message ("%u of %" G_GSIZE_FORMAT " flipped files accepted", accepted, 4 * size);
  g_assert_cmpuint (accepted, >, 0);
  g_bytes_unref (full);
  mw_model_free (m);
}

void
add_corruption_tests (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (corruptions); i++) {
    char *path = g_strdup_printf ("/model-file/corrupt/%s", corruptions[i].name);
    g_test_add_data_func (path, &corruptions[i], test_corruption);
    g_free (path);
  }
  g_test_add_func ("/model-file/sweep/truncation", test_every_truncation);
  g_test_add_func ("/model-file/sweep/byte-flip", test_every_byte_flip);
}
