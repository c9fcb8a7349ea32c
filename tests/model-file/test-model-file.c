/* test-model-file.c: the model-file loader (engine/uf-model-file.c,
 * uf-metadata.c, and the architecture taking its tensors, architectures/):
 * valid files, half floats, the UniFormer tensor list; the strict JSON
 * parser and the corruption table are in their own files. */
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#ifdef G_OS_UNIX
#include <sys/stat.h>
#endif

#include "model-file-tests.h"
#include "model-writer.h"
#include "architectures/uf-architecture.h"
#include "uf-metadata.h"
#include "uf-model-file.h"
#include "uf-weight-pack.h"

UfModelFile *
mf_load_bytes (GBytes *bytes, GError **error)
{
  UfModelFile *f = uf_model_file_new_from_bytes (bytes, DISPLAY, error);
  const UfArchitecture *arch = NULL;
  UfWeightPack pack;
  gpointer net;

  if (f == NULL)
    return NULL;
  uf_weight_pack_init (&pack);
  net = uf_architecture_prepare (f, &pack, &arch, error);
  uf_weight_pack_clear (&pack);
  if (net == NULL) {
    uf_model_file_free (f);
    return NULL;
  }
  arch->free_net (net);
  return f;
}

static UfModelFile *
load_model (MwModel *m, GError **error)
{
  GBytes *b = mw_model_serialize (m);
  UfModelFile *f = mf_load_bytes (b, error);
  g_bytes_unref (b);
  return f;
}

/* ---- valid files --------------------------------------------------------- */

static void
check_tensor_roundtrip (UfModelFile *f, MwModel *m, const char *name)
{
  const UfTensorView *t = uf_model_file_get_tensor (f, name);
  MwTensor *w = mw_model_get_tensor (m, name);
  float *out;

  g_assert_nonnull (t);
  g_assert_nonnull (w);
  g_assert_cmpstr (t->name, ==, name);
  g_assert_cmpuint (t->n_dims, ==, w->n_dims);
  for (guint i = 0; i < t->n_dims; i++)
    g_assert_cmpint (t->shape[i], ==, w->shape[i]);
  g_assert_cmpuint (t->n_bytes, ==, w->data->len);
  g_assert_cmpmem (t->data, t->n_bytes, w->data->data, w->data->len);
  g_assert_cmpint (t->dtype, ==, strcmp (w->dtype, "F16") == 0 ? UF_DTYPE_F16 : UF_DTYPE_F32);

  out = g_new (float, t->n_elements);
  uf_tensor_view_to_f32 (t, out);
  for (gsize i = 0; i < t->n_elements; i++) {
    float expect;
    if (t->dtype == UF_DTYPE_F32) {
      memcpy (&expect, w->data->data + 4 * i, 4);
    } else {
      guint16 h = (guint16) (w->data->data[2 * i] | (w->data->data[2 * i + 1] << 8));
      expect = uf_half_to_float (h);
      /* the writer rounded a float to this half; converting back is exact */
      g_assert_cmpuint (uf_float_to_half (out[i]), ==, h);
    }
    g_assert_true (memcmp (&expect, &out[i], 4) == 0);
  }
  g_free (out);
}

static void
test_valid (gconstpointer data)
{
  UfDtype dtype = GPOINTER_TO_INT (data);
  MwModel *m = mw_model_new_tiny (dtype, 42);
  GError *error = NULL;
  UfModelFile *f = load_model (m, &error);
  const UfModelInfo *info;
  GPtrArray *expected;

  g_assert_no_error (error);
  g_assert_nonnull (f);
  info = uf_model_file_get_info (f);
  g_assert_cmpstr (info->architecture, ==, "uniformer");
  g_assert_cmpuint (info->num_classes, ==, 5);
  g_assert_cmpuint (info->frames, ==, 8);
  g_assert_cmpuint (info->sampling_rate, ==, 4);
  g_assert_cmpfloat (info->source_fps, ==, 30.0);
  g_assert_cmpuint (info->crop_height, ==, 64);
  g_assert_cmpuint (info->crop_width, ==, 64);
  g_assert_cmpfloat (info->mean[1], ==, 0.45f);
  g_assert_cmpfloat (info->std[2], ==, 0.225f);
  g_assert_cmpint (info->color_order, ==, UF_COLOR_ORDER_RGB);
  g_assert_cmpstr (info->labels[0], ==, "class 0");
  g_assert_cmpstr (info->labels[4], ==, "class 4");
  g_assert_null (info->labels[5]);
  g_assert_cmpstr (info->name, ==, "model-writer test model");
  g_assert_cmpstr (info->provenance, ==, "tests/model-file/model-writer.c");
  g_assert_cmpint (info->f16_weights, ==, dtype == UF_DTYPE_F16);
  g_assert_cmpstr (uf_model_file_get_display_name (f), ==, DISPLAY);

  expected = mw_uniformer_tensors (&mw_arch_tiny);
  g_assert_cmpuint (uf_model_file_get_n_tensors (f), ==, expected->len);
  for (guint i = 0; i < expected->len; i++) {
    MwExpectedTensor *e = expected->pdata[i];
    const UfTensorView *t = uf_model_file_get_tensor (f, e->name);
    g_assert_nonnull (t);
    g_assert_true (t == uf_model_file_get_tensor_at (f, i));   /* writer uses this order */
    g_assert_cmpint (t->dtype, ==, dtype == UF_DTYPE_F16 && e->n_dims >= 2 ? UF_DTYPE_F16 : UF_DTYPE_F32);
  }
  g_ptr_array_unref (expected);
  g_assert_null (uf_model_file_get_tensor (f, "nonexistent"));
  g_assert_null (uf_model_file_get_tensor (f, "__metadata__"));

  check_tensor_roundtrip (f, m, "head.weight");
  check_tensor_roundtrip (f, m, "head.bias");
  check_tensor_roundtrip (f, m, "patch_embed1.proj.weight");
  check_tensor_roundtrip (f, m, "blocks3.0.attn.qkv.weight");
  check_tensor_roundtrip (f, m, "blocks1.0.norm1.running_var");

  uf_model_file_free (f);
  mw_model_free (m);
}

static void
test_valid_variants (void)
{
  GError *error = NULL;
  MwModel *m = mw_model_new_tiny (UF_DTYPE_F32, 3);
  UfModelFile *f;

  /* provenance is optional; unknown metadata keys are ignored; bgr; spaces
   * around list items; the tensors may be listed in any order */
  mw_model_remove_meta (m, "provenance");
  mw_model_set_meta (m, "comment", "made by a test");
  mw_model_set_meta (m, "color_order", "bgr");
  mw_model_set_meta (m, "mean", "0.5, 0.25 ,1e-1");
  mw_model_set_meta (m, "source_fps", "29.97");
  mw_model_set_meta (m, "labels", "[\"a \\\"quoted\\\" label\", \"\\u00e9t\\u00e9\", \"\", \"x\", \"\\ud83d\\ude00\"]");
  g_ptr_array_add (m->tensors, g_ptr_array_steal_index (m->tensors, 0));
  f = load_model (m, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (uf_model_file_get_info (f)->provenance, ==, "");
  g_assert_cmpint (uf_model_file_get_info (f)->color_order, ==, UF_COLOR_ORDER_BGR);
  g_assert_cmpfloat (uf_model_file_get_info (f)->mean[0], ==, 0.5f);
  g_assert_cmpfloat (uf_model_file_get_info (f)->mean[1], ==, 0.25f);
  g_assert_cmpfloat (uf_model_file_get_info (f)->mean[2], ==, 0.1f);
  g_assert_cmpfloat (uf_model_file_get_info (f)->source_fps, ==, 29.97);
  g_assert_cmpstr (uf_model_file_get_info (f)->labels[0], ==, "a \"quoted\" label");
  g_assert_cmpstr (uf_model_file_get_info (f)->labels[1], ==, "\xc3\xa9t\xc3\xa9");
  g_assert_cmpstr (uf_model_file_get_info (f)->labels[2], ==, "");
  g_assert_cmpstr (uf_model_file_get_info (f)->labels[4], ==, "\xf0\x9f\x98\x80");
  g_assert_cmpstr (uf_model_file_get_tensor_at (f, 0)->name, ==, "patch_embed1.norm.bias");
  uf_model_file_free (f);
  mw_model_free (m);

  /* the micro architecture (the fuzzer's seeds) */
  m = mw_model_new (&mw_arch_micro, UF_DTYPE_F16, 1);
  mw_model_set_meta (m, "crop_height", "32");
  mw_model_set_meta (m, "crop_width", "4096");
  mw_model_set_meta (m, "frames", "256");
  f = load_model (m, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (uf_model_file_get_n_tensors (f), ==, 90);
  uf_model_file_free (f);
  mw_model_free (m);
}

static void
test_open (void)
{
  GError *error = NULL;
  char *dir = g_dir_make_tmp ("uf-model-file-XXXXXX", &error);
  char *path, *empty, *missing;
  MwModel *m = mw_model_new_tiny (UF_DTYPE_F16, 5);
  UfModelFile *f;

  g_assert_no_error (error);
  path = g_build_filename (dir, "model.safetensors", NULL);
  empty = g_build_filename (dir, "empty.safetensors", NULL);
  missing = g_build_filename (dir, "missing.safetensors", NULL);
  g_assert_true (mw_model_write (m, path, &error));
  g_assert_true (g_file_set_contents (empty, "", 0, &error));

  f = uf_model_file_open (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (uf_model_file_get_display_name (f), ==, path);
  check_tensor_roundtrip (f, m, "blocks4.0.mlp.fc2.weight");
  uf_model_file_free (f);

  f = uf_model_file_open (missing, &error);
  g_assert_null (f);
  g_assert_error (error, UF_ERROR, UF_ERROR_NOT_FOUND);
  g_assert_true (g_str_has_prefix (error->message, missing));
  g_clear_error (&error);

  f = uf_model_file_open (dir, &error);
  g_assert_null (f);
  g_assert_error (error, UF_ERROR, UF_ERROR_READ);
  g_assert_nonnull (strstr (error->message, "is a directory"));
  g_clear_error (&error);

  f = uf_model_file_open (empty, &error);
  g_assert_null (f);
  g_assert_error (error, UF_ERROR, UF_ERROR_MODEL_FILE);
  g_assert_nonnull (strstr (error->message, "too short"));
  g_clear_error (&error);

#ifdef G_OS_UNIX
  {
    char *fifo = g_build_filename (dir, "fifo", NULL);
    g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
    f = uf_model_file_open (fifo, &error);
    g_assert_null (f);
    g_assert_error (error, UF_ERROR, UF_ERROR_READ);
    g_assert_nonnull (strstr (error->message, "not a regular file"));
    g_clear_error (&error);
    g_unlink (fifo);
    g_free (fifo);
  }
#endif

  /* NULL display name */
  {
    GBytes *b = g_bytes_new_static ("abc", 3);
    f = uf_model_file_new_from_bytes (b, NULL, &error);
    g_assert_null (f);
    g_assert_true (g_str_has_prefix (error->message, "<memory>: "));
    g_clear_error (&error);
    g_bytes_unref (b);
  }

  g_unlink (path);
  g_unlink (empty);
  g_rmdir (dir);
  g_free (path);
  g_free (empty);
  g_free (missing);
  g_free (dir);
  mw_model_free (m);
}

/* ---- half floats ----------------------------------------------------------- */

static void
test_half (void)
{
  static const struct { guint16 h; float f; } known[] = {
    { 0x0000, 0.0f },
    { 0x0001, 5.9604644775390625e-08f },        /* smallest subnormal, 2^-24 */
    { 0x0002, 1.1920928955078125e-07f },
    { 0x03ff, 6.097555160522461e-05f },         /* largest subnormal */
    { 0x0400, 6.103515625e-05f },               /* smallest normal, 2^-14 */
    { 0x3555, 0.333251953125f },
    { 0x3c00, 1.0f },
    { 0x3c01, 1.0009765625f },
    { 0xc000, -2.0f },
    { 0x7bff, 65504.0f },
    { 0xfbff, -65504.0f },
    { 0x8001, -5.9604644775390625e-08f },
    { 0x7c00, INFINITY },
    { 0xfc00, -INFINITY },
  };
  guint8 raw[1 + 2 * G_N_ELEMENTS (known)];
  float out[G_N_ELEMENTS (known)];
  UfTensorView view = { 0 };

  for (guint i = 0; i < G_N_ELEMENTS (known); i++) {
    g_assert_cmpfloat (uf_half_to_float (known[i].h), ==, known[i].f);
    g_assert_cmpuint (uf_float_to_half (known[i].f), ==, known[i].h);
    /* misaligned on purpose */
    raw[1 + 2 * i] = known[i].h & 0xff;
    raw[2 + 2 * i] = known[i].h >> 8;
  }
  g_assert_true (signbit (uf_half_to_float (0x8000)));
  g_assert_false (signbit (uf_half_to_float (0x0000)));
  g_assert_true (isnan (uf_half_to_float (0x7e00)));
  g_assert_true (isnan (uf_half_to_float (0x7c01)));
  g_assert_true (isnan (uf_half_to_float (0xfe00)));

  view.name = "x";
  view.dtype = UF_DTYPE_F16;
  view.n_dims = 1;
  view.shape[0] = G_N_ELEMENTS (known);
  view.data = raw + 1;
  view.n_elements = G_N_ELEMENTS (known);
  view.n_bytes = 2 * view.n_elements;
  uf_tensor_view_to_f32 (&view, out);
  for (guint i = 0; i < G_N_ELEMENTS (known); i++)
    g_assert_true (memcmp (&out[i], &known[i].f, 4) == 0);

  /* every half against an arithmetic reference */
  for (guint h = 0; h < 0x10000; h++) {
    guint e = (h >> 10) & 0x1f, mant = h & 0x3ff;
    float f = uf_half_to_float ((guint16) h);
    double ref;
    guint32 bits;

    if (e == 31) {
      g_assert_true (mant ? isnan (f) : isinf (f));
      memcpy (&bits, &f, 4);
      g_assert_cmpuint ((bits >> 13) & 0x3ff, ==, mant);        /* payload kept */
      g_assert_cmpint (!!signbit (f), ==, !!(h & 0x8000));
      continue;
    }
    ref = e == 0 ? ldexp (mant, -24) : ldexp (1024 + mant, (int) e - 25);
    if (h & 0x8000)
      ref = -ref;
    g_assert_cmpfloat ((double) f, ==, ref);
    g_assert_cmpint (!!signbit (f), ==, !!(h & 0x8000));
    g_assert_cmpuint (uf_float_to_half (f), ==, h);             /* the writer inverts it */
  }

  /* the writer rounds to nearest even, overflowing to infinity */
  g_assert_cmpuint (uf_float_to_half (65519.0f), ==, 0x7bff);
  g_assert_cmpuint (uf_float_to_half (65520.0f), ==, 0x7c00);
  g_assert_cmpuint (uf_float_to_half (1.0f + 1.0f / 2048), ==, 0x3c00);  /* tie to even */
  g_assert_cmpuint (uf_float_to_half (1.0f + 3.0f / 2048), ==, 0x3c02);
  g_assert_cmpuint (uf_float_to_half (2.9802322387695312e-08f), ==, 0x0000); /* 2^-25 tie */
  g_assert_cmpuint (uf_float_to_half (1e-30f), ==, 0x0000);
}

static void
test_f32_view (void)
{
  const float values[] = { 1.5f, -0.0f, 3.4028234663852886e+38f, 1.401298464324817e-45f };
  guint8 raw[1 + sizeof values];
  float out[G_N_ELEMENTS (values)];
  UfTensorView view = { 0 };

  memcpy (raw + 1, values, sizeof values);      /* the test host is little-endian */
  view.name = "x";
  view.dtype = UF_DTYPE_F32;
  view.n_dims = 1;
  view.shape[0] = G_N_ELEMENTS (values);
  view.data = raw + 1;
  view.n_elements = G_N_ELEMENTS (values);
  view.n_bytes = sizeof values;
  uf_tensor_view_to_f32 (&view, out);
  g_assert_cmpmem (out, sizeof out, values, sizeof values);
}

/* ---- the architecture ---------------------------------------------------- */

static void
count_expected (const MwArch *arch, guint *n_tensors, guint64 *n_numbers, guint64 *n_params)
{
  GPtrArray *list = mw_uniformer_tensors (arch);

  *n_tensors = list->len;
  *n_numbers = *n_params = 0;
  for (guint i = 0; i < list->len; i++) {
    MwExpectedTensor *e = list->pdata[i];
    guint64 n = 1;
    for (guint d = 0; d < e->n_dims; d++)
      n *= (guint64) e->shape[d];
    *n_numbers += n;
    if (!g_str_has_suffix (e->name, "running_mean") && !g_str_has_suffix (e->name, "running_var"))
      *n_params += n;
  }
  g_ptr_array_unref (list);
}

static void
test_expected_tensors (void)
{
  MwArch s = { { 3, 4, 8, 3 }, { 64, 128, 320, 512 }, 64, 4, 400 };
  MwArch b = { { 5, 8, 20, 7 }, { 64, 128, 320, 512 }, 64, 4, 400 };
  guint n;
  guint64 numbers, params;
  GPtrArray *list;
  MwExpectedTensor *e;

  /* spec §2: S has 331 keys, 21,404,255 stored numbers, of which 15 are
   * num_batches_tracked scalars; 21,400,400 parameters at 400 classes */
  count_expected (&s, &n, &numbers, &params);
  g_assert_cmpuint (n, ==, 331 - 15);
  g_assert_cmpuint (numbers, ==, 21404255 - 15);
  g_assert_cmpuint (params, ==, 21400400);
  /* B: 687 keys (27 num_batches_tracked), 49,813,200 parameters */
  count_expected (&b, &n, &numbers, &params);
  g_assert_cmpuint (n, ==, 687 - 27);
  g_assert_cmpuint (params, ==, 49813200);
  /* S at 600 and 174 classes: 21.503 M and 21.284 M parameters */
  s.num_classes = 600;
  count_expected (&s, &n, &numbers, &params);
  g_assert_cmpuint (params / 1000, ==, 21503);
  s.num_classes = 174;
  count_expected (&s, &n, &numbers, &params);
  g_assert_cmpuint ((params + 500) / 1000, ==, 21284);

  /* fixed PyTorch order */
  s.num_classes = 400;
  list = mw_uniformer_tensors (&s);
  e = list->pdata[0];
  g_assert_cmpstr (e->name, ==, "patch_embed1.norm.weight");
  e = list->pdata[2];
  g_assert_cmpstr (e->name, ==, "patch_embed1.proj.weight");
  g_assert_cmpuint (e->n_dims, ==, 5);
  g_assert_cmpint (e->shape[0], ==, 64);
  g_assert_cmpint (e->shape[1], ==, 3);
  g_assert_cmpint (e->shape[2], ==, 3);
  g_assert_cmpint (e->shape[3], ==, 4);
  g_assert_cmpint (e->shape[4], ==, 4);
  e = list->pdata[16];
  g_assert_cmpstr (e->name, ==, "blocks1.0.pos_embed.weight");
  e = list->pdata[list->len - 1];
  g_assert_cmpstr (e->name, ==, "head.bias");
  g_assert_cmpint (e->shape[0], ==, 400);
  for (guint i = 0; i < list->len; i++) {
    e = list->pdata[i];
    if (strcmp (e->name, "blocks3.2.attn.qkv.weight") == 0) {
      g_assert_cmpuint (e->n_dims, ==, 2);
      g_assert_cmpint (e->shape[0], ==, 960);
      g_assert_cmpint (e->shape[1], ==, 320);
    }
    if (strcmp (e->name, "patch_embed3.proj.weight") == 0) {
      char *str = uf_format_shape (e->n_dims, e->shape);
      g_assert_cmpstr (str, ==, "[320,128,1,2,2]");
      g_free (str);
    }
    if (strcmp (e->name, "blocks2.3.mlp.fc1.weight") == 0) {
      char *str = uf_format_shape (e->n_dims, e->shape);
      g_assert_cmpstr (str, ==, "[512,128,1,1,1]");
      g_free (str);
    }
  }
  g_ptr_array_unref (list);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_data_func ("/model-file/valid/f32", GINT_TO_POINTER (UF_DTYPE_F32), test_valid);
  g_test_add_data_func ("/model-file/valid/f16", GINT_TO_POINTER (UF_DTYPE_F16), test_valid);
  g_test_add_func ("/model-file/valid/variants", test_valid_variants);
  g_test_add_func ("/model-file/open", test_open);
  g_test_add_func ("/model-file/half", test_half);
  g_test_add_func ("/model-file/f32-view", test_f32_view);
  g_test_add_func ("/model-file/expected-tensors", test_expected_tensors);
  add_strict_json_tests ();
  add_corruption_tests ();

  return g_test_run ();
}

