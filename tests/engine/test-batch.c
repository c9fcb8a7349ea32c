/* test-batch.c: windows of different sessions run as one batch (UfBatch)
 * give each member the logits it gets alone, for batches of 1, 2, 3 and 8,
 * with members at different ring slots and ages, on a random tiny model and
 * on the shipped one; more members than the maximum run in several passes;
 * sessions that run through a batch hold only their frames; bad members
 * are refused with errors. */
#include <math.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include "uniformer.h"
#include "model-writer.h"
#include "uf-test-util.h"

/* Members and their solo runs differ only in the GEMM's row count. On
 * lavapipe they are bitwise equal (0 printed); the bound allows for a
 * tuning whose GEMM tile depends on the row count, which changes only
 * the order of the sums. */
#define BATCH_BOUND 1e-5

#define N_STREAMS 8

static UfDevice *device;

typedef struct {
  UfModel *model;
  UfBatch *batch;
  UfSession *members[N_STREAMS];  /* run through the batch */
  UfSession *alone[N_STREAMS];    /* the same frames, run on their own */
  guint window[N_STREAMS][64];    /* each stream's window: other slots, other ages */
  float *solo[N_STREAMS];         /* logits alone */
} Fixture;

/* A frame of stream @s at time @t: a gradient that moves with t, so every
 * window and every stream has other pixels. */
static void
upload_frame (UfSession *a, UfSession *b, guint slot, guint s, guint t)
{
  guint width = 80 + 7 * s, height = 60 + 3 * s;
  gsize stride = width * 4;
  guint8 *px = g_malloc (stride * height);
  for (guint y = 0; y < height; y++)
    for (guint x = 0; x < width; x++) {
      guint8 *p = px + y * stride + x * 4;
      p[0] = (x * 3 + t * 11 + s * 29) % 256;
      p[1] = (y * 5 + t * 7 + s * 13) % 256;
      p[2] = ((x + y) * 2 + t * 17 * (s + 1)) % 256;
      p[3] = 255;
    }
  UfFrame f = { UF_PIXEL_FORMAT_RGBA, width, height, { px }, { stride } };
  GError *error = NULL;
  g_assert_true (uf_session_upload_frame (a, slot, &f, &error));
  g_assert_true (uf_session_upload_frame (b, slot, &f, &error));
  g_assert_no_error (error);
  g_free (px);
}

static void
fixture_init (Fixture *fx, UfModel *model, guint max_windows)
{
  const UfModelInfo *info = uf_model_get_info (model);
  guint T = info->frames;
  GError *error = NULL;
  memset (fx, 0, sizeof (*fx));
  fx->model = model;
  fx->batch = uf_batch_new (model, max_windows, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (uf_batch_get_max_windows (fx->batch), ==, max_windows);
  for (guint s = 0; s < N_STREAMS; s++) {
    /* rings of different sizes; stream s has uploaded T + 3s frames, so
     * its window starts at another slot and wraps for some */
    UfSessionConfig own = { .ring_slots = T + 2 + s }, member = own;
    member.batch = fx->batch;
    fx->alone[s] = uf_session_new (model, &own, &error);
    g_assert_no_error (error);
    fx->members[s] = uf_session_new (model, &member, &error);
    g_assert_no_error (error);
    guint n_frames = T + 3 * s, ring = own.ring_slots;
    for (guint t = 0; t < n_frames; t++)
      upload_frame (fx->alone[s], fx->members[s], t % ring, s, t);
    for (guint i = 0; i < T; i++)
      fx->window[s][i] = (n_frames - T + i) % ring;
    fx->solo[s] = g_new (float, info->num_classes);
    UfResult r = { .logits = fx->solo[s] };
    g_assert_true (uf_session_run (fx->alone[s], fx->window[s], T, &r, &error));
    g_assert_no_error (error);
  }
  /* frames of different streams give different logits, so a member reading
   * another's frames cannot pass */
  g_assert_true (memcmp (fx->solo[0], fx->solo[1], info->num_classes * sizeof (float)) != 0);
}

static void
fixture_clear (Fixture *fx)
{
  for (guint s = 0; s < N_STREAMS; s++) {
    uf_session_free (fx->members[s]);
    uf_session_free (fx->alone[s]);
    g_free (fx->solo[s]);
  }
  uf_batch_unref (fx->batch);
}

/* Runs the streams @streams (-1 ends) as one batch and checks every member. */
static void
run_and_check (Fixture *fx, const gint *streams)
{
  const UfModelInfo *info = uf_model_get_info (fx->model);
  UfBatchMember m[N_STREAMS * 2];
  float logits[N_STREAMS * 2][64];
  UfResult results[N_STREAMS * 2];
  guint n = 0;
  for (; streams[n] >= 0; n++) {
    results[n] = (UfResult) { .logits = logits[n] };
    m[n] = (UfBatchMember) { fx->members[streams[n]], fx->window[streams[n]], info->frames,
      &results[n] };
  }
  GError *error = NULL;
  g_assert_true (uf_batch_run (fx->batch, m, n, &error));
  g_assert_no_error (error);
  for (guint b = 0; b < n; b++)
    uf_test_assert_close (logits[b], fx->solo[streams[b]], info->num_classes, BATCH_BOUND);
}

static void
check_batches (UfModel *model)
{
  Fixture fx;
  fixture_init (&fx, model, N_STREAMS);
  static const gint one[] = { 5, -1 }, two[] = { 3, 0, -1 }, three[] = { 7, 2, 4, -1 };
  static const gint eight[] = { 6, 1, 0, 7, 3, 5, 2, 4, -1 };
  static const gint twice[] = { 2, 2, 6, -1 };
  run_and_check (&fx, one);
  run_and_check (&fx, two);
  run_and_check (&fx, three);
  run_and_check (&fx, eight);
  run_and_check (&fx, twice);
  guint64 passes, windows;
  uf_batch_get_counts (fx.batch, &passes, &windows);
  g_assert_cmpuint (passes, ==, 5);
  g_assert_cmpuint (windows, ==, 1 + 2 + 3 + 8 + 3);
  /* a member session run alone goes through the batch, as a batch of one */
  const UfModelInfo *info = uf_model_get_info (model);
  float logits[64];
  UfResult r = { .logits = logits };
  GError *error = NULL;
  g_assert_true (uf_session_run (fx.members[4], fx.window[4], info->frames, &r, &error));
  g_assert_no_error (error);
  uf_test_assert_close (logits, fx.solo[4], info->num_classes, BATCH_BOUND);
  uf_batch_get_counts (fx.batch, &passes, &windows);
  g_assert_cmpuint (passes, ==, 6);
  /* a member holds only its frames (the ring, and the staging buffers of
   * stream 0's 80x60 RGBA frames: one per upload in flight, up to four);
   * the activations are the batch's */
  g_assert_cmpuint (uf_session_get_device_bytes (fx.members[0]), <,
      uf_session_get_device_bytes (fx.alone[0]));
  gsize ring = (gsize) (info->frames + 2 + info->frames) * 3 * info->crop_height
      * info->crop_width * sizeof (float);
  g_assert_cmpuint (uf_session_get_device_bytes (fx.members[0]), <=, ring + 4 * 80 * 60 * 4 + 256);
  fixture_clear (&fx);
}

static UfModel *
load (const char *path)
{
  GError *error = NULL;
  UfModel *m = uf_model_load (device, path, &error);
  g_assert_no_error (error);
  return m;
}

static char *tiny_path;

static void
test_tiny_model (void)
{
  UfModel *m = load (tiny_path);
  check_batches (m);
  uf_model_unref (m);
}

static void
test_shipped_model (void)
{
  UfModel *m = load (SHIPPED_MODEL);
  check_batches (m);
  uf_model_unref (m);
}

/* Eight members through a batch of at most three: passes of 3, 3 and 2. */
static void
test_more_than_max (void)
{
  UfModel *m = load (tiny_path);
  Fixture fx;
  fixture_init (&fx, m, 3);
  static const gint eight[] = { 0, 1, 2, 3, 4, 5, 6, 7, -1 };
  run_and_check (&fx, eight);
  guint64 passes, windows;
  uf_batch_get_counts (fx.batch, &passes, &windows);
  g_assert_cmpuint (passes, ==, 3);
  g_assert_cmpuint (windows, ==, 8);
  fixture_clear (&fx);
  uf_model_unref (m);
}

static void
test_errors (void)
{
  UfModel *a = load (tiny_path), *b = load (tiny_path);
  GError *error = NULL;
  UfBatch *batch = uf_batch_new (a, 4, &error);
  g_assert_no_error (error);
  const UfModelInfo *info = uf_model_get_info (a);
  /* a session cannot join a batch of another model */
  UfSessionConfig cfg = { .batch = batch };
  g_assert_null (uf_session_new (b, &cfg, &error));
  g_assert_error (error, UF_ERROR, UF_ERROR_ARGUMENT);
  g_test_message ("%s", error->message);
  g_clear_error (&error);
  UfSession *other = uf_session_new (b, NULL, &error), *own = uf_session_new (a, NULL, &error);
  g_assert_no_error (error);
  guint slots[64] = { 0 };
  float logits[64];
  UfResult r = { .logits = logits };
  UfBatchMember m[2] = {
    { own, slots, info->frames, &r },
    { other, slots, info->frames, &r },
  };
  g_assert_false (uf_batch_run (batch, m, 2, &error));
  g_assert_error (error, UF_ERROR, UF_ERROR_ARGUMENT);
  g_test_message ("%s", error->message);
  g_clear_error (&error);
  m[1] = (UfBatchMember) { own, slots, info->frames - 1, &r };
  g_assert_false (uf_batch_run (batch, m, 2, &error));
  g_assert_error (error, UF_ERROR, UF_ERROR_ARGUMENT);
  g_clear_error (&error);
  slots[1] = 1000;
  g_assert_false (uf_batch_run (batch, m, 1, &error));
  g_assert_error (error, UF_ERROR, UF_ERROR_ARGUMENT);
  g_test_message ("%s", error->message);
  g_clear_error (&error);
  m[0] = (UfBatchMember) { NULL, slots, info->frames, &r };
  g_assert_false (uf_batch_run (batch, m, 1, &error));
  g_assert_error (error, UF_ERROR, UF_ERROR_ARGUMENT);
  g_clear_error (&error);
  /* a member session cannot be profiled: its activations are the batch's */
  UfSessionConfig member = { .batch = batch };
  UfSession *ms = uf_session_new (a, &member, &error);
  g_assert_no_error (error);
  UfOpClassTime classes[UF_N_OP_CLASSES];
  g_assert_false (uf_session_profile_ops (ms, classes, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  /* the session keeps the batch: dropping ours first is fine */
  uf_batch_unref (batch);
  slots[1] = 1;
  for (guint i = 0; i < info->frames; i++)
    slots[i] = i;
  g_assert_true (uf_session_run (ms, slots, info->frames, &r, &error));
  g_assert_no_error (error);
  uf_session_free (ms);
  uf_session_free (own);
  uf_session_free (other);
  uf_model_unref (a);
  uf_model_unref (b);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  GError *error = NULL;
  device = uf_device_open (NULL, &error);
  g_assert_no_error (error);
  MwModel *mw = mw_model_new_tiny (UF_DTYPE_F32, 23);
  int fd = g_file_open_tmp ("uf-batch-XXXXXX.safetensors", &tiny_path, &error);
  g_assert_no_error (error);
  close (fd);
  g_assert_true (mw_model_write (mw, tiny_path, &error));
  mw_model_free (mw);
  g_test_add_func ("/batch/tiny-model", test_tiny_model);
  g_test_add_func ("/batch/shipped-model", test_shipped_model);
  g_test_add_func ("/batch/more-than-max", test_more_than_max);
  g_test_add_func ("/batch/errors", test_errors);
  int status = g_test_run ();
  g_unlink (tiny_path);
  g_free (tiny_path);
  return uf_test_release_device (device, status);
}
