/* make-seeds: writes the fuzzer's seed inputs into a directory.
 *
 *   make-seeds DIR
 *
 * Valid micro models (tests/model-file/model-writer.c, about 13 kB), a
 * metadata-only header that reaches every metadata parser, a bare tensor
 * table, and a few corrupt variants. tests/fuzz/corpus/ started from these
 * (see tests/fuzz/README.md).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "model-writer.h"

static void
save_bytes (const char *dir, const char *name, GBytes *bytes)
{
  char *path = g_build_filename (dir, name, NULL);
  gsize len;
  const char *d = g_bytes_get_data (bytes, &len);
  GError *error = NULL;

  if (!g_file_set_contents (path, d, (gssize) len, &error))
    g_error ("%s", error->message);
  g_free (path);
}

static void
save (const char *dir, const char *name, MwModel *m)
{
  GBytes *b = mw_model_serialize (m);
  save_bytes (dir, name, b);
  g_bytes_unref (b);
}

static MwModel *
micro (UfDtype dtype, guint32 seed)
{
  MwModel *m = mw_model_new (&mw_arch_micro, dtype, seed);
  mw_model_set_meta (m, "crop_height", "32");
  mw_model_set_meta (m, "crop_width", "32");
  mw_model_set_meta (m, "frames", "2");
  return m;
}

static void
save_raw (const char *dir, const char *name, const char *header, const guint8 *data, gsize n)
{
  GBytes *b = mw_raw_file (strlen (header), header, strlen (header), data, n);
  save_bytes (dir, name, b);
  g_bytes_unref (b);
}

int
main (int argc, char **argv)
{
  const char *dir;
  MwModel *m;

  if (argc != 2) {
    fprintf (stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  dir = argv[1];
  g_mkdir_with_parents (dir, 0755);

  /* valid */
  m = micro (UF_DTYPE_F32, 1);
  save (dir, "valid-micro-f32", m);
  mw_model_free (m);
  m = micro (UF_DTYPE_F16, 2);
  save (dir, "valid-micro-f16", m);
  mw_model_free (m);
  m = micro (UF_DTYPE_F16, 3);
  mw_model_remove_meta (m, "provenance");
  mw_model_set_meta (m, "color_order", "bgr");
  mw_model_set_meta (m, "mean", "0.5, 0.25 ,1e-1");
  mw_model_set_meta (m, "source_fps", "29.97");
  mw_model_set_meta (m, "labels", "[\"a \\\"b\\\"\", \"\\u00e9\\ud83d\\ude00\"]");
  g_ptr_array_add (m->tensors, g_ptr_array_steal_index (m->tensors, 0));
  save (dir, "valid-micro-variants", m);
  mw_model_free (m);

  /* metadata only: every metadata key parsed, then the tensors are missing */
  m = micro (UF_DTYPE_F32, 4);
  g_ptr_array_set_size (m->tensors, 0);
  save (dir, "metadata-only", m);
  mw_model_free (m);

  /* bare tensor tables */
  {
    static const guint8 data[24] = { 0, 0x3c, 0, 0xbc, 0x01, 0, 0xff, 0x7b, 0, 0, 0x80, 0x3f };
    save_raw (dir, "table-f16-f32",
        "{\"a\":{\"dtype\":\"F16\",\"shape\":[2,2],\"data_offsets\":[0,8]},"
        "\"b\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1],\"data_offsets\":[8,12]},"
        "\"c\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[12,16]},"
        "\"d\":{\"dtype\":\"F16\",\"shape\":[0],\"data_offsets\":[16,16]},"
        "\"__metadata__\":{\"format\":\"gst-uniformer\"}}", data, 16);
    save_raw (dir, "table-escapes",
        "{\"\\u0061\\n\\t\\\"\\\\\\/\\ud83d\\ude00\":{\"dtype\":\"F32\",\"shape\":[1],"
        "\"data_offsets\":[0,4]}, \"__metadata__\" : {\"k\": [ -0 , 1.5e-3 , true , false , null ] }}", data, 4);
  }

  /* corrupt */
  m = micro (UF_DTYPE_F32, 5);
  ((MwTensor *) m->tensors->pdata[3])->pad_before = 4;
  save (dir, "corrupt-hole", m);
  mw_model_free (m);
  m = micro (UF_DTYPE_F16, 6);
  mw_tensor_set (mw_model_get_tensor (m, "head.weight"), 1, NAN);
  save (dir, "corrupt-nan", m);
  mw_model_free (m);
  m = micro (UF_DTYPE_F32, 7);
  mw_model_set_meta (m, "depths", "1,1,2,1");
  save (dir, "corrupt-metadata", m);
  mw_model_free (m);
  m = micro (UF_DTYPE_F32, 8);
  m->extra_members = g_strdup (",\"head.bias\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}");
  save (dir, "corrupt-duplicate", m);
  mw_model_free (m);
  save_raw (dir, "corrupt-not-json", "[[[{\"a\":01}]]]", NULL, 0);

  /* small structural corruptions the fuzzer is slow to build itself (each
   * needs a consistent length field) */
  {
    static const guint8 four[4] = { 0, 0, 0x80, 0x3f };
    save_raw (dir, "small-empty-object", "{}", NULL, 0);
    save_raw (dir, "small-metadata-array", "{\"__metadata__\":[]}", NULL, 0);
    save_raw (dir, "small-metadata-number",
        "{\"__metadata__\":{\"format\":\"gst-uniformer\",\"format_version\":1}}", NULL, 0);
    save_raw (dir, "small-no-dtype", "{\"a\":{\"shape\":[1],\"data_offsets\":[0,4]}}", four, 4);
    save_raw (dir, "small-no-offsets", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", four, 4);
    save_raw (dir, "small-6d", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1],"
        "\"data_offsets\":[0,4]}}", four, 4);
    save_raw (dir, "small-shape-overflow", "{\"a\":{\"dtype\":\"F32\","
        "\"shape\":[4294967296,4294967296,4294967296],\"data_offsets\":[0,4]}}", four, 4);
    save_raw (dir, "small-bytes-overflow", "{\"a\":{\"dtype\":\"F32\","
        "\"shape\":[9223372036854775807],\"data_offsets\":[0,4]}}", four, 4);
    save_raw (dir, "small-same-begin", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],"
        "\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]},"
        "\"__metadata__\":{}}", four, 4);
    save_raw (dir, "small-bf16", "{\"a\":{\"dtype\":\"BF16\",\"shape\":[2],"
        "\"data_offsets\":[0,4]}}", four, 4);
    save_raw (dir, "small-reversed", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],"
        "\"data_offsets\":[4,0]}}", four, 4);
  }
  m = micro (UF_DTYPE_F32, 9);
  g_ptr_array_set_size (m->tensors, 0);
  mw_model_set_meta (m, "labels", "{\"a\":\"b\"}");
  save (dir, "metadata-only-labels-object", m);
  mw_model_free (m);
  m = micro (UF_DTYPE_F32, 10);
  mw_tensor_set (mw_model_get_tensor (m, "blocks4.0.attn.qkv.bias"), 2, INFINITY);
  save (dir, "corrupt-inf-f32", m);
  mw_model_free (m);
  return 0;
}
