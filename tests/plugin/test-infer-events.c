/* test-infer-events.c: uniformerinfer and the stream's events: flush, seek
 * and new segments empty the window and drop results still running; caps
 * change mid-stream (size and format) keeps the window; EOS posts a result
 * still running and never leaks it into the next stream; GAP events. And
 * the errors, by domain and code: missing, unreadable, corrupt and default
 * model files, no matching device. */
#include <string.h>
#include <glib/gstdio.h>
#include "plugin-test-util.h"

#define FPS 30

static GstClockTime
pts30 (guint64 n)
{
  return frame_pts (n, FPS, 1);
}

/* Pushes frames @first..@last (inclusive) at 30 fps; returns how many came
 * out with a meta, and the last meta's window in @start/@end. */
static guint
push_range (GstHarness * h, guint64 first, guint64 last, GstClockTime * start,
    GstClockTime * end)
{
  guint metas = 0;

  for (guint64 n = first; n <= last; n++) {
    GstBuffer *out = push_frame (h, pts30 (n), pts30 (1), (guint) n);
    GstUniformerMeta *meta = gst_buffer_get_uniformer_meta (out);

    if (meta) {
      assert_meta_valid (meta);
      g_assert_cmpuint (GST_BUFFER_PTS (out), >=, meta->window_end);
      if (start)
        *start = meta->window_start;
      if (end)
        *end = meta->window_end;
      metas++;
    }
    gst_buffer_unref (out);
  }
  return metas;
}

/* Every window classified, each on the buffer that completed it. */
static GstHarness *
wait_harness (void)
{
  return infer_harness_new ("late-windows=wait inference-interval=1", FALSE, "RGBA", 96, 72,
      FPS, 1);
}

static void
flush_and_seek (GstHarness * h, gboolean flush, GstClockTime position)
{
  GstSegment seg;

  if (flush) {
    g_assert_true (gst_harness_push_event (h, gst_event_new_flush_start ()));
    g_assert_true (gst_harness_push_event (h, gst_event_new_flush_stop (TRUE)));
  }
  gst_segment_init (&seg, GST_FORMAT_TIME);
  seg.start = seg.time = position;
  g_assert_true (gst_harness_push_event (h, gst_event_new_segment (&seg)));
}

static void
test_seek_resets_window (gconstpointer data)
{
  gboolean flush = GPOINTER_TO_INT (data);
  GstHarness *h = wait_harness ();
  GstClockTime start = 0, end = 0;

  /* Five samples (frames 0..16), then a seek to frame 300: the window
   * starts again there and needs eight new samples (frames 300..328). */
  g_assert_cmpuint (push_range (h, 0, 19, NULL, NULL), ==, 0);
  flush_and_seek (h, flush, pts30 (300));
  g_assert_cmpuint (push_range (h, 300, 327, NULL, NULL), ==, 0);
  g_assert_cmpuint (push_range (h, 328, 328, &start, &end), ==, 1);
  g_assert_cmpuint (start, ==, pts30 (300));
  g_assert_cmpuint (end, ==, pts30 (328));
  infer_harness_finish (h);
}

/* With a slow inference (UF_TEST_RUN_DELAY_MS, read when the session is
 * made) in skip mode, a window is running when the event comes. */
static GstHarness *
slow_harness (void)
{
  GstHarness *h;

  g_setenv ("UF_TEST_RUN_DELAY_MS", "300", TRUE);
  h = infer_harness_new ("late-windows=skip inference-interval=1", TRUE, "RGBA", 96, 72,
      FPS, 1);
  g_unsetenv ("UF_TEST_RUN_DELAY_MS");
  return h;
}

static void
test_flush_drops_running_result (void)
{
  GstHarness *h = slow_harness ();
  GstBus *bus = gst_element_get_bus (h->element);

  /* Frame 28 completes the first window, whose run then takes >= 300 ms.
   * EOS waits for that run: its result belongs to the stream before the
   * flush, so nothing is posted and nothing rides on the new frames. */
  g_assert_cmpuint (push_range (h, 0, 28, NULL, NULL), ==, 0);
  flush_and_seek (h, TRUE, pts30 (600));
  g_assert_cmpuint (push_range (h, 600, 620, NULL, NULL), ==, 0);
  g_assert_true (gst_harness_push_event (h, gst_event_new_eos ()));
  g_assert_null (gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT));
  gst_object_unref (bus);
  infer_harness_finish (h);
}

static void
test_eos_posts_running_result (void)
{
  GstHarness *h = slow_harness ();
  GstBus *bus = gst_element_get_bus (h->element);
  GstMessage *msg;
  const GstStructure *s;
  guint64 window_end, timestamp;

  g_assert_cmpuint (push_range (h, 0, 28, NULL, NULL), ==, 0);
  g_assert_true (gst_harness_push_event (h, gst_event_new_eos ()));
  /* The run still going at EOS is posted, stamped with its last frame. */
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT);
  g_assert_nonnull (msg);
  s = gst_message_get_structure (msg);
  g_assert_true (gst_structure_has_name (s, "uniformer"));
  g_assert_true (gst_structure_get_uint64 (s, "window-end", &window_end));
  g_assert_true (gst_structure_get_uint64 (s, "timestamp", &timestamp));
  g_assert_cmpuint (window_end, ==, pts30 (28));
  g_assert_cmpuint (timestamp, ==, pts30 (28));
  gst_message_unref (msg);
  gst_object_unref (bus);
  /* A new stream starts empty: nothing from the old one rides on it. */
  flush_and_seek (h, TRUE, 0);
  g_assert_cmpuint (push_range (h, 0, 27, NULL, NULL), ==, 0);
  infer_harness_finish (h);
}

static void
test_caps_change_keeps_window (void)
{
  GstHarness *h = wait_harness ();
  GstClockTime start = 0, end = 0;

  /* samples 0..3 in RGBA 96x72, 4..7 in I420 160x120: one window */
  g_assert_cmpuint (push_range (h, 0, 15, NULL, NULL), ==, 0);
  infer_harness_change_caps (h, "I420", 160, 120, FPS, 1);
  g_assert_cmpuint (push_range (h, 16, 28, &start, &end), ==, 1);
  g_assert_cmpuint (start, ==, pts30 (0));
  g_assert_cmpuint (end, ==, pts30 (28));
  infer_harness_change_caps (h, "NV12", 64, 48, FPS, 1);
  g_assert_cmpuint (push_range (h, 29, 32, &start, &end), ==, 1);
  g_assert_cmpuint (start, ==, pts30 (4));
  infer_harness_finish (h);
}

static void
test_gap (void)
{
  GstHarness *h = wait_harness ();
  GstClockTime start = 0, end = 0;

  /* Samples 0, 4, 8; a GAP event over frames 9-10 covers no sampling
   * instant (the next is frame 12): the window goes on. */
  g_assert_cmpuint (push_range (h, 0, 8, NULL, NULL), ==, 0);
  g_assert_true (gst_harness_push_event (h, gst_event_new_gap (pts30 (9),
              pts30 (11) - pts30 (9))));
  g_assert_cmpuint (push_range (h, 11, 27, NULL, NULL), ==, 0);
  g_assert_cmpuint (push_range (h, 28, 28, &start, &end), ==, 1);
  g_assert_cmpuint (start, ==, 0);
  /* A GAP over frames 29-69 leaves instants without a frame: the window
   * starts again at frame 70 and needs eight new samples (70..98). */
  g_assert_true (gst_harness_push_event (h, gst_event_new_gap (pts30 (29),
              pts30 (70) - pts30 (29))));
  g_assert_cmpuint (push_range (h, 70, 97, NULL, NULL), ==, 0);
  g_assert_cmpuint (push_range (h, 98, 98, &start, &end), ==, 1);
  g_assert_cmpuint (start, ==, pts30 (70));
  g_assert_cmpuint (end, ==, pts30 (98));
  infer_harness_finish (h);
}

/* Starts a lone uniformerinfer with @prop = @value; returns the error it
 * posted (the start must fail), with its debug string in @debug. */
static GError *
start_error (const gchar * prop, const gchar * value, gchar ** debug)
{
  GstElement *e = gst_element_factory_make ("uniformerinfer", NULL);
  GstBus *bus = gst_bus_new ();
  GstMessage *msg;
  GError *err = NULL;

  gst_element_set_bus (e, bus);
  if (prop)
    g_object_set (e, prop, value, NULL);
  g_assert_cmpint (gst_element_set_state (e, GST_STATE_PAUSED), ==,
      GST_STATE_CHANGE_FAILURE);
  msg = pop_error (bus);
  g_assert_nonnull (msg);
  gst_message_parse_error (msg, &err, debug);
  g_test_message ("error: %s (%s)", err->message, *debug);
  gst_message_unref (msg);
  gst_element_set_state (e, GST_STATE_NULL);
  gst_object_unref (e);
  gst_object_unref (bus);
  return err;
}

static void
test_missing_model (void)
{
  const gchar *path = "/nonexistent/dir/missing-model.safetensors";
  gchar *debug = NULL;
  GError *err = start_error ("model", path, &debug);

  g_assert_error (err, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (err->message, path));
  g_assert_nonnull (strstr (debug, path));
  g_error_free (err);
  g_free (debug);
}

static void
test_unreadable_model (void)
{
  gchar *dir = g_dir_make_tmp ("uniformer-infer-XXXXXX", NULL);
  gchar *debug = NULL;
  GError *err = start_error ("model", dir, &debug);     /* a directory */

  g_assert_error (err, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ);
  g_assert_nonnull (strstr (err->message, dir));
  g_error_free (err);
  g_free (debug);
  g_rmdir (dir);
  g_free (dir);
}

static void
test_corrupt_model (void)
{
  gchar *dir = g_dir_make_tmp ("uniformer-infer-XXXXXX", NULL);
  gchar *path = g_build_filename (dir, "corrupt.safetensors", NULL);
  gchar *debug = NULL;
  GError *err;

  g_assert_true (g_file_set_contents (path, "this is not a model file", -1, NULL));
  err = start_error ("model", path, &debug);
  g_assert_error (err, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_READ);
  g_assert_nonnull (strstr (err->message, path));
  g_assert_nonnull (strstr (debug, "safetensors"));
  g_error_free (err);
  g_free (debug);
  g_unlink (path);
  g_rmdir (dir);
  g_free (path);
  g_free (dir);
}

static void
test_default_model (void)
{
  GstElement *e = gst_element_factory_make ("uniformerinfer", NULL);
  gchar *path = NULL, *msg;

  g_object_get (e, "model", &path, NULL);
  gst_object_unref (e);
  g_assert_true (g_str_has_suffix (path, "uniformer-motion.safetensors"));
  if (g_file_test (path, G_FILE_TEST_EXISTS)) {
    /* the shipped motion model: 8 frames every 4th, loaded with no property set */
    guint frames = 0;

    e = gst_element_factory_make ("uniformerinfer", NULL);
    g_assert_cmpint (gst_element_set_state (e, GST_STATE_PAUSED), !=,
        GST_STATE_CHANGE_FAILURE);
    g_object_get (e, "num-frames", &frames, NULL);
    g_assert_cmpuint (frames, ==, 8);
    gst_element_set_state (e, GST_STATE_NULL);
    gst_object_unref (e);
  } else {
    GError *err = start_error (NULL, NULL, &msg);

    g_assert_error (err, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND);
    g_assert_nonnull (strstr (err->message, path));
    g_error_free (err);
    g_free (msg);
  }
  g_free (path);
}

static void
test_no_device (void)
{
  gchar *debug = NULL;
  GError *err = start_error ("device", "no-such-vulkan-device", &debug);

  g_assert_error (err, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (debug, "no-such-vulkan-device"));
  g_error_free (err);
  g_free (debug);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_data_func ("/infer-events/flushing-seek", GINT_TO_POINTER (TRUE),
      test_seek_resets_window);
  g_test_add_data_func ("/infer-events/new-segment", GINT_TO_POINTER (FALSE),
      test_seek_resets_window);
  g_test_add_func ("/infer-events/flush-drops-running-result",
      test_flush_drops_running_result);
  g_test_add_func ("/infer-events/eos-posts-running-result", test_eos_posts_running_result);
  g_test_add_func ("/infer-events/caps-change-keeps-window", test_caps_change_keeps_window);
  g_test_add_func ("/infer-events/gap", test_gap);
  g_test_add_func ("/infer-events/missing-model", test_missing_model);
  g_test_add_func ("/infer-events/unreadable-model", test_unreadable_model);
  g_test_add_func ("/infer-events/corrupt-model", test_corrupt_model);
  g_test_add_func ("/infer-events/default-model", test_default_model);
  g_test_add_func ("/infer-events/no-device", test_no_device);
  return g_test_run ();
}
