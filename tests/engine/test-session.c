/* test-session.c: the public engine API end to end on a tiny model: frames
 * uploaded through the ring give the same logits as the same pixels given as
 * a tensor; windows are read in slot order; two sessions run at once from
 * two threads; a crop of a frame runs like a frame of its pixels; bad
 * arguments give errors, not crashes; opening devices
 * leaves the process environment alone. */
#include <math.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include "uniformer.h"
#include "model-writer.h"
#include "uf-test-util.h"

static UfDevice *device;
static UfModel *model;
static char *model_path;
extern char **environ;
static char **environ_at_start;         /* before the first device was opened */
static char *lp_threads_at_start;

#define N_CLASSES 5

static void
run_slots (UfSession *ss, const guint *slots, float *logits)
{
  GError *error = NULL;
  UfResult r = { .logits = logits };
  g_assert_true (uf_session_run (ss, slots, uf_model_get_info (model)->frames, &r, &error));
  g_assert_no_error (error);
}

/* Frame t of the window has colour (r, g, b) = colour_of (t). */
static void
colour_of (guint t, guint8 rgb[3])
{
  rgb[0] = 40 + 25 * t;
  rgb[1] = 200 - 17 * t;
  rgb[2] = (90 * t) % 256;
}

static void
upload_solid (UfSession *ss, guint slot, const guint8 rgb[3], guint width, guint height)
{
  gsize stride = width * 4 + 12;
  guint8 *pixels = g_malloc0 (stride * height);
  for (guint y = 0; y < height; y++)
    for (guint x = 0; x < width; x++)
      memcpy (pixels + y * stride + x * 4, rgb, 3);
  UfFrame f = { UF_PIXEL_FORMAT_RGBA, width, height, { pixels }, { stride } };
  GError *error = NULL;
  g_assert_true (uf_session_upload_frame (ss, slot, &f, &error));
  g_assert_no_error (error);
  g_free (pixels);
}

/* The tensor [3][T][H][W] the same solid frames normalise to. */
static float *
solid_tensor (const guint *order)
{
  const UfModelInfo *info = uf_model_get_info (model);
  gsize plane = (gsize) info->crop_height * info->crop_width;
  float *t = g_new (float, 3 * info->frames * plane);
  for (guint f = 0; f < info->frames; f++) {
    guint8 rgb[3];
    colour_of (order[f], rgb);
    for (guint c = 0; c < 3; c++)
      for (gsize i = 0; i < plane; i++)
        t[((gsize) c * info->frames + f) * plane + i] =
            (rgb[c] / 255.0f - info->mean[c]) / info->std[c];
  }
  return t;
}

static void
test_frames_match_tensor (void)
{
  const UfModelInfo *info = uf_model_get_info (model);
  GError *error = NULL;
  UfSession *ss = uf_session_new (model, NULL, &error);
  g_assert_no_error (error);
  guint T = info->frames, *slots = g_new (guint, T), *order = g_new (guint, T);
  for (guint t = 0; t < uf_session_get_ring_slots (ss); t++) {
    guint8 rgb[3];
    colour_of (t % T, rgb);
    upload_solid (ss, t, rgb, 97 + t, 51);      /* sizes that need resizing and cropping */
  }
  /* A window that wraps around the ring: frame t sits in slot (t + 3) % T. */
  for (guint t = 0; t < T; t++) {
    slots[t] = (t + 3) % T;
    order[t] = (t + 3) % T;
  }
  float frames_logits[N_CLASSES], tensor_logits[N_CLASSES];
  run_slots (ss, slots, frames_logits);
  float *tensor = solid_tensor (order);
  UfResult r = { .logits = tensor_logits };
  g_assert_true (uf_session_run_tensor (ss, tensor, &r, &error));
  uf_test_assert_close (frames_logits, tensor_logits, N_CLASSES, 1e-4);
  g_free (tensor);
  g_free (slots);
  g_free (order);
  uf_session_free (ss);
}

/* The per-op-class profile accounts for the network's dispatches, and the
 * window it profiles runs to the same logits afterwards. */
static void
test_profile_ops (void)
{
  const UfModelInfo *info = uf_model_get_info (model);
  GError *error = NULL;
  UfSession *ss = uf_session_new (model, NULL, &error);
  g_assert_no_error (error);
  guint T = info->frames, *slots = g_new (guint, T);
  for (guint t = 0; t < T; t++) {
    guint8 rgb[3];
    colour_of (t, rgb);
    upload_solid (ss, t, rgb, 64, 48);
    slots[t] = t;
  }
  float before[N_CLASSES], after[N_CLASSES];
  run_slots (ss, slots, before);
  UfOpClassTime c[UF_N_OP_CLASSES];
  g_assert_true (uf_session_profile_ops (ss, c, &error));
  g_assert_no_error (error);
  double total = 0.0;
  for (guint i = 0; i < UF_N_OP_CLASSES; i++) {
    g_test_message ("%s: %u dispatches, %.3f ms, %.0f MACs", uf_op_class_name (i),
        c[i].dispatches, c[i].ms, c[i].macs);
    g_assert_cmpfloat (c[i].ms, >=, 0.0);
    total += c[i].ms;
  }
  /* a UniFormer has GEMMs, attention, depthwise convs and LayerNorms, and
   * counts the multiply-adds of each */
  for (guint i = UF_OP_CLASS_GEMM; i <= UF_OP_CLASS_LAYERNORM; i++) {
    g_assert_cmpuint (c[i].dispatches, >, 0);
    g_assert_cmpfloat (c[i].macs, >, 0.0);
  }
  g_assert_cmpuint (c[UF_OP_CLASS_OTHER].dispatches, >, 0);   /* patch gathers, pooling */
  g_assert_cmpfloat (total, >, 0.0);
  run_slots (ss, slots, after);
  uf_test_assert_close (before, after, N_CLASSES, 0.0);
  g_free (slots);
  uf_session_free (ss);
}

typedef struct {
  UfSession *session;
  float logits[N_CLASSES];
} ThreadRun;

static gpointer
run_in_thread (gpointer data)
{
  ThreadRun *run = data;
  const UfModelInfo *info = uf_model_get_info (model);
  guint *slots = g_new (guint, info->frames);
  for (guint t = 0; t < info->frames; t++)
    slots[t] = t;
  for (int i = 0; i < 3; i++)
    run_slots (run->session, slots, run->logits);
  g_free (slots);
  return NULL;
}

static void
test_two_sessions_two_threads (void)
{
  const UfModelInfo *info = uf_model_get_info (model);
  GError *error = NULL;
  ThreadRun runs[2];
  for (int s = 0; s < 2; s++) {
    runs[s].session = uf_session_new (model, NULL, &error);
    g_assert_no_error (error);
    for (guint t = 0; t < info->frames; t++) {
      guint8 rgb[3];
      colour_of (t, rgb);
      upload_solid (runs[s].session, t, rgb, 64, 64);
    }
  }
  GThread *a = g_thread_new ("run-a", run_in_thread, &runs[0]);
  GThread *b = g_thread_new ("run-b", run_in_thread, &runs[1]);
  g_thread_join (a);
  g_thread_join (b);
  uf_test_assert_close (runs[0].logits, runs[1].logits, N_CLASSES, 0.0);
  uf_session_free (runs[0].session);
  uf_session_free (runs[1].session);
}

static void
test_errors (void)
{
  GError *error = NULL;
  UfSession *ss = uf_session_new (model, NULL, &error);
  guint slots[64] = { 0 };
  float logits[N_CLASSES];
  UfResult r = { .logits = logits };
  guint T = uf_model_get_info (model)->frames;
  g_assert_false (uf_session_run (ss, slots, T - 1, &r, &error));
  g_assert_error (error, UF_ERROR, UF_ERROR_ARGUMENT);
  g_clear_error (&error);
  slots[2] = 999;
  g_assert_false (uf_session_run (ss, slots, T, &r, &error));
  g_assert_error (error, UF_ERROR, UF_ERROR_ARGUMENT);
  g_clear_error (&error);
  UfFrame f = { UF_PIXEL_FORMAT_NV12, 64, 64, { (const guint8 *) "x" }, { 64 } };
  g_assert_false (uf_session_upload_frame (ss, 0, &f, &error));     /* no UV plane */
  g_assert_error (error, UF_ERROR, UF_ERROR_ARGUMENT);
  g_clear_error (&error);
  uf_session_free (ss);

  g_assert_null (uf_device_open ("no-such-vulkan-device", &error));
  g_assert_error (error, UF_ERROR, UF_ERROR_NO_DEVICE);
  g_assert_nonnull (strstr (error->message, "no-such-vulkan-device"));
  g_clear_error (&error);
  g_assert_null (uf_model_load (device, "/nonexistent/model.safetensors", &error));
  g_assert_nonnull (strstr (error->message, "/nonexistent/model.safetensors"));
  g_clear_error (&error);
}

/* A valid file whose shapes an op cannot run is refused when it loads, with
 * the layer named, instead of aborting when a session records it. */
static void
test_unsupported_op_shape (void)
{
  static const MwArch head_dim_30 = { { 1, 1, 1, 1 }, { 16, 32, 120, 240 }, 30, 2, 5 };
  GError *error = NULL;
  char *path;
  int fd = g_file_open_tmp ("uf-head-dim-XXXXXX.safetensors", &path, &error);
  g_assert_no_error (error);
  close (fd);
  MwModel *mw = mw_model_new (&head_dim_30, UF_DTYPE_F32, 3);
  g_assert_true (mw_model_write (mw, path, &error));
  mw_model_free (mw);
  g_assert_null (uf_model_load (device, path, &error));
  g_assert_error (error, UF_ERROR, UF_ERROR_MODEL_INVALID);
  g_assert_nonnull (strstr (error->message, "stage 3 attention"));
  g_assert_nonnull (strstr (error->message, "head_dim 30"));
  g_clear_error (&error);
  g_unlink (path);
  g_free (path);
}

/* Other threads read the environment (a GStreamer application always has
 * some): opening devices, the first one of the process included, must
 * leave it as it was. A reader thread runs meanwhile, as fontconfig's did
 * when setenv crashed it. */
static gpointer
read_environment (gpointer stop)
{
  while (!g_atomic_int_get ((gint *) stop))
    (void) getenv ("LP_NUM_THREADS");
  return NULL;
}

static void
test_environment_untouched (void)
{
  gint stop = 0;
  GThread *reader = g_thread_new ("getenv", read_environment, &stop);
  for (guint i = 0; i < 3; i++) {
    GError *error = NULL;
    UfDevice *d = uf_device_open (NULL, &error);
    g_assert_no_error (error);
    uf_device_unref (d);
  }
  g_atomic_int_set (&stop, 1);
  g_thread_join (reader);
  g_assert_true (environ == environ_at_start);
  g_assert_cmpstr (getenv ("LP_NUM_THREADS"), ==, lp_threads_at_start);
}

/* Byte (col, row) of plane p of the pattern frames. */
static guint8
pattern_byte (guint p, gsize col, guint row)
{
  return (guint8) ((col * 7 + row * 13 + p * 50 + (col * row) / 5) & 0xff);
}

/* A @format frame of @w x @h whose byte (col, row) of plane p is the
 * pattern's (col0[p] + col, row0[p] + row); its planes go into @keep. */
static UfFrame
pattern_frame (UfPixelFormat format, guint w, guint h, const gsize *col0, const guint *row0,
    GPtrArray *keep)
{
  static const guint8 somewhere[1];
  UfFrame f = { format, w, h, { somewhere, somewhere, somewhere }, { 1 << 20, 1 << 20, 1 << 20 } };
  UfFrameLayout l;
  g_assert_true (uf_frame_get_layout (&f, &l, NULL));
  for (guint p = 0; p < 3; p++) {
    f.planes[p] = NULL;
    f.strides[p] = 0;
    if (p >= l.n_planes)
      continue;
    gsize stride = l.row_bytes[p] + 5;        /* strides above the row size */
    guint8 *mem = g_malloc (stride * l.rows[p]);
    for (guint r = 0; r < l.rows[p]; r++)
      for (gsize c = 0; c < l.row_bytes[p]; c++)
        mem[r * stride + c] = pattern_byte (p, col0[p] + c, row0[p] + r);
    f.planes[p] = mem;
    f.strides[p] = stride;
    g_ptr_array_add (keep, mem);
  }
  return f;
}

static void
run_frame_window (UfSession *ss, const UfFrame *f, float *logits)
{
  const UfModelInfo *info = uf_model_get_info (model);
  guint *slots = g_new (guint, info->frames);
  GError *error = NULL;
  for (guint t = 0; t < info->frames; t++) {
    g_assert_true (uf_session_upload_frame (ss, t, f, &error));
    g_assert_no_error (error);
    slots[t] = t;
  }
  run_slots (ss, slots, logits);
  g_free (slots);
}

/* A crop (uf_frame_crop) gives the logits of a frame holding just its
 * pixels, in every format: YUV crops start on even pixels. Crops are
 * clipped to the frame; one with less than 2x2 pixels inside is refused. */
static void
test_frame_crop (void)
{
  static const UfPixelFormat formats[] = { UF_PIXEL_FORMAT_RGB, UF_PIXEL_FORMAT_RGBA,
    UF_PIXEL_FORMAT_BGRX, UF_PIXEL_FORMAT_I420, UF_PIXEL_FORMAT_NV12 };
  static const guint bpp[] = { 3, 4, 4, 4, 4 };
  const gsize zero_cols[3] = { 0 };
  const guint zero_rows[3] = { 0 };
  GError *error = NULL;
  UfSession *ss = uf_session_new (model, NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (formats); i++) {
    UfPixelFormat fmt = formats[i];
    gboolean yuv = fmt == UF_PIXEL_FORMAT_I420 || fmt == UF_PIXEL_FORMAT_NV12;
    GPtrArray *keep = g_ptr_array_new_with_free_func (g_free);
    UfFrame full = pattern_frame (fmt, 96, 80, zero_cols, zero_rows, keep), crop;
    guint x0 = yuv ? 10 : 11, y0 = yuv ? 6 : 7;
    g_assert_true (uf_frame_crop (&full, 11, 7, 41, 33, &crop));
    g_assert_cmpuint (crop.width, ==, 52 - x0);
    g_assert_cmpuint (crop.height, ==, 40 - y0);
    gsize col0[3] = { yuv ? x0 : (gsize) x0 * bpp[fmt], fmt == UF_PIXEL_FORMAT_I420 ? x0 / 2 : x0,
      x0 / 2 };
    guint row0[3] = { y0, y0 / 2, y0 / 2 };
    UfFrame alone = pattern_frame (fmt, crop.width, crop.height, col0, row0, keep);
    float a[N_CLASSES], b[N_CLASSES];
    run_frame_window (ss, &crop, a);
    run_frame_window (ss, &alone, b);
    g_assert_cmpmem (a, sizeof a, b, sizeof b);
    /* clipped: 20x20 at the corner; refused: 1 pixel wide, or outside */
    g_assert_true (uf_frame_crop (&full, -20, -10, 40, 30, &crop));
    g_assert_cmpuint (crop.width, ==, 20);
    g_assert_cmpuint (crop.height, ==, 20);
    g_assert_true (crop.planes[0] == full.planes[0]);
    g_assert_false (uf_frame_crop (&full, 40, 0, 1, 10, &crop));
    g_assert_false (uf_frame_crop (&full, 200, 200, 10, 10, &crop));
    g_ptr_array_unref (keep);
  }
  uf_session_free (ss);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  GError *error = NULL;
  environ_at_start = environ;
  lp_threads_at_start = g_strdup (getenv ("LP_NUM_THREADS"));
  device = uf_device_open (NULL, &error);
  g_assert_no_error (error);
  MwModel *mw = mw_model_new_tiny (UF_DTYPE_F32, 11);
  int fd = g_file_open_tmp ("uf-session-XXXXXX.safetensors", &model_path, &error);
  g_assert_no_error (error);
  close (fd);
  g_assert_true (mw_model_write (mw, model_path, &error));
  mw_model_free (mw);
  model = uf_model_load (device, model_path, &error);
  g_assert_no_error (error);
  g_test_add_func ("/session/frames-match-tensor", test_frames_match_tensor);
  g_test_add_func ("/session/frame-crop", test_frame_crop);
  g_test_add_func ("/session/two-sessions-two-threads", test_two_sessions_two_threads);
  g_test_add_func ("/session/profile-ops", test_profile_ops);
  g_test_add_func ("/session/errors", test_errors);
  g_test_add_func ("/session/unsupported-op-shape", test_unsupported_op_shape);
  g_test_add_func ("/session/environment-untouched", test_environment_untouched);
  int status = g_test_run ();
  uf_model_unref (model);
  g_unlink (model_path);
  g_free (model_path);
  g_free (lp_threads_at_start);
  return uf_test_release_device (device, status);
}
