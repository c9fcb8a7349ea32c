/* test-infer-robust.c: uniformerinfer where streams break and users poke:
 * DISCONT and forward PTS jumps empty the window; buffers without PTS are
 * timed by the frame rate; buffers without a result go through untouched
 * and a result never lands on a buffer someone else holds; properties that
 * apply at start are refused while playing; interlaced caps are refused; a
 * flushing seek and a state change to NULL do not wait for a running
 * classification. */
#include <string.h>
#include "plugin-test-util.h"

#define FPS 30

static GstClockTime
pts30 (guint64 n)
{
  return frame_pts (n, FPS, 1);
}

/* Every window classified, each on the buffer that completed it. */
static GstHarness *
wait_harness (void)
{
  return infer_harness_new ("late-windows=wait inference-interval=1", FALSE, "RGBA", 96, 72,
      FPS, 1);
}

/* Pushes frames @first..@last at 30 fps (the first with @flags); returns
 * how many came out with a meta, the last one's window in @start/@end. */
static guint
push_range (GstHarness * h, guint64 first, guint64 last, GstClockTime offset,
    GstBufferFlags flags, GstClockTime * start, GstClockTime * end)
{
  guint metas = 0;

  for (guint64 n = first; n <= last; n++) {
    GstBuffer *out = push_frame_flags (h, offset + pts30 (n), pts30 (1), (guint) n,
        n == first ? flags : 0);
    GstUniformerMeta *meta = gst_buffer_get_uniformer_meta (out);

    if (meta) {
      assert_meta_valid (meta);
      *start = meta->window_start;
      *end = meta->window_end;
      metas++;
    }
    gst_buffer_unref (out);
  }
  return metas;
}

/* A camera reconnects: frames 0..16 (five samples), then the stream goes
 * on 60 s later. The first window after it holds only new frames. */
static void
test_forward_jump (gconstpointer data)
{
  GstBufferFlags flags = GPOINTER_TO_UINT (data);
  GstHarness *h = wait_harness ();
  GstClockTime start = 0, end = 0, later = 60 * GST_SECOND;

  g_assert_cmpuint (push_range (h, 0, 16, 0, 0, &start, &end), ==, 0);
  g_assert_cmpuint (push_range (h, 0, 27, later, flags, &start, &end), ==, 0);
  g_assert_cmpuint (push_range (h, 28, 28, later, 0, &start, &end), ==, 1);
  g_assert_cmpuint (start, ==, later);
  g_assert_cmpuint (end, ==, later + pts30 (28));
  infer_harness_finish (h);
}

/* DISCONT without a jump: the frames before it may be from another source. */
static void
test_discont (void)
{
  GstHarness *h = wait_harness ();
  GstClockTime start = 0, end = 0;

  g_assert_cmpuint (push_range (h, 0, 16, 0, 0, &start, &end), ==, 0);
  g_assert_cmpuint (push_range (h, 17, 44, 0, GST_BUFFER_FLAG_DISCONT, &start, &end), ==, 0);
  g_assert_cmpuint (push_range (h, 45, 45, 0, 0, &start, &end), ==, 1);
  g_assert_cmpuint (start, ==, pts30 (17));
  infer_harness_finish (h);
}

/* Buffers without PTS are timed at the caps' 30 fps, with one warning. */
static void
test_no_pts (void)
{
  GstHarness *h = wait_harness ();
  GstBus *bus = gst_element_get_bus (h->element);
  GstUniformerMeta *meta = NULL;
  GstBuffer *out = NULL;
  GstMessage *msg;
  GError *err = NULL;
  guint n;

  for (n = 0; n <= 28 && meta == NULL; n++) {
    if (out)
      gst_buffer_unref (out);
    out = push_frame (h, GST_CLOCK_TIME_NONE, GST_CLOCK_TIME_NONE, n);
    meta = gst_buffer_get_uniformer_meta (out);
  }
  g_assert_nonnull (meta);
  g_assert_cmpuint (n - 1, ==, 28);     /* every 4th frame, as with timestamps */
  g_assert_cmpuint (meta->window_start, ==, 0);
  g_assert_cmpuint (meta->window_end, ==, 28 * gst_util_uint64_scale_int (GST_SECOND, 1, FPS));
  gst_buffer_unref (out);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING);
  g_assert_nonnull (msg);
  gst_message_parse_warning (msg, &err, NULL);
  g_assert_error (err, GST_STREAM_ERROR, GST_STREAM_ERROR_FORMAT);
  g_assert_nonnull (strstr (err->message, "no timestamps"));
  g_error_free (err);
  gst_message_unref (msg);
  g_assert_null (gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING));      /* once */
  gst_object_unref (bus);
  infer_harness_finish (h);
}

/* Buffers without a result come out as they went in; the one that carries
 * a result is the same buffer when writable, a copy when someone else
 * holds it, and the held buffer stays without a meta. */
static void
test_buffer_identity (void)
{
  GstHarness *h = wait_harness ();

  for (guint n = 0; n <= 32; n++) {
    GstBuffer *in = new_frame (h, pts30 (n), pts30 (1), n), *out;
    gboolean held = n == 28;
    gboolean carries = n == 28 || n == 32;

    if (held)
      gst_buffer_ref (in);
    g_assert_cmpint (gst_harness_push (h, in), ==, GST_FLOW_OK);
    out = gst_harness_pull (h);
    g_assert_cmpint (gst_buffer_get_uniformer_meta (out) != NULL, ==, carries);
    if (held) {
      g_assert_true (out != in);
      g_assert_null (gst_buffer_get_uniformer_meta (in));
      gst_buffer_unref (in);
    } else {
      g_assert_true (out == in);
    }
    gst_buffer_unref (out);
  }
  infer_harness_finish (h);
}

/* model, device and resize-mode take effect at start: while playing they
 * are refused with a warning and read back what runs. */
static void
test_properties_while_playing (void)
{
  GstHarness *h = wait_harness ();
  GstElement *e = infer_element (h);
  GstClockTime start = 0, end = 0;
  gchar *model = NULL;
  guint top_k = 0;

  g_test_expect_message (NULL, G_LOG_LEVEL_WARNING, "*'model' property*PLAYING*");
  g_object_set (e, "model", "/some/other.safetensors", NULL);
  g_test_expect_message (NULL, G_LOG_LEVEL_WARNING, "*'device' property*");
  g_object_set (e, "device", "1", NULL);
  g_test_expect_message (NULL, G_LOG_LEVEL_WARNING, "*'resize-mode' property*");
  gst_util_set_object_arg (G_OBJECT (e), "resize-mode", "stretch");
  g_test_assert_expected_messages ();
  g_object_get (e, "model", &model, NULL);
  g_assert_cmpstr (model, ==, tiny_model ());
  g_free (model);
  /* the playing-time ones apply from the next buffer */
  g_object_set (e, "top-k", 2, NULL);
  g_object_get (e, "top-k", &top_k, NULL);
  g_assert_cmpuint (top_k, ==, 2);
  g_assert_cmpuint (push_range (h, 0, 28, 0, 0, &start, &end), ==, 1);
  infer_harness_finish (h);
}

/* With a classification taking UF_TEST_RUN_DELAY_MS, a flushing seek or a
 * change to NULL while the streaming thread waits for it (wait mode) must
 * not wait for it. */
#define SLOW_RUN_MS 3000

static gpointer
push_window (gpointer data)
{
  GstHarness *h = data;

  /* whether frame 28 still gets out depends on who wins the race with the
   * flush: either way it carries no result */
  for (guint64 n = 0; n <= 28; n++)
    if (gst_harness_push (h, new_frame (h, pts30 (n), pts30 (1), (guint) n)) != GST_FLOW_OK)
      break;
  return NULL;
}

static void
test_no_wait_for_running (gconstpointer data)
{
  gboolean to_null = GPOINTER_TO_INT (data);
  GstHarness *h;
  GThread *thread;
  gint64 t0;

  g_setenv ("UF_TEST_RUN_DELAY_MS", G_STRINGIFY (SLOW_RUN_MS), TRUE);
  h = infer_harness_new ("late-windows=wait inference-interval=1", FALSE, "RGBA", 96, 72,
      FPS, 1);
  g_unsetenv ("UF_TEST_RUN_DELAY_MS");
  thread = g_thread_new ("push", push_window, h);
  g_usleep (SLOW_RUN_MS / 3 * G_TIME_SPAN_MILLISECOND);   /* frame 28 waits for its run */
  t0 = g_get_monotonic_time ();
  if (to_null)
    gst_element_set_state (h->element, GST_STATE_NULL);
  else
    g_assert_true (gst_harness_push_event (h, gst_event_new_flush_start ()));
  g_thread_join (thread);
  g_test_message ("the streaming thread returned %" G_GINT64_FORMAT " ms after the %s",
      (g_get_monotonic_time () - t0) / 1000, to_null ? "state change" : "flush");
  /* it returned long before the run it waited for could end */
  g_assert_cmpint (g_get_monotonic_time () - t0, <, SLOW_RUN_MS / 2 * G_TIME_SPAN_MILLISECOND);
  if (!to_null)
    g_assert_true (gst_harness_push_event (h, gst_event_new_flush_stop (TRUE)));
  infer_harness_finish (h);
}

/* What the loaded model is, as read-only properties. */
static void
test_model_properties (void)
{
  GstHarness *h = wait_harness ();
  GstElement *e = infer_element (h);
  gchar **labels = NULL, *name = NULL;
  guint classes = 0;

  g_object_get (e, "num-classes", &classes, "labels", &labels, "model-name", &name, NULL);
  g_assert_cmpuint (classes, ==, TINY_CLASSES);
  g_assert_cmpuint (g_strv_length (labels), ==, TINY_CLASSES);
  g_assert_cmpstr (labels[4], ==, "class 4");
  g_assert_cmpstr (name, ==, "model-writer test model");
  g_strfreev (labels);
  g_free (name);
  infer_harness_finish (h);
}

/* Interlaced video is refused in caps (the GPU resize reads frames as
 * progressive); without the field, or progressive, it is taken. */
static void
test_interlaced_refused (void)
{
  GstElement *e = gst_element_factory_make ("uniformerinfer", NULL);
  GstPad *sink = gst_element_get_static_pad (e, "sink");
  const gchar *base = "video/x-raw,format=I420,width=320,height=240,framerate=30/1";
  gchar *interleaved = g_strdup_printf ("%s,interlace-mode=interleaved", base);
  gchar *progressive = g_strdup_printf ("%s,interlace-mode=progressive", base);
  const gchar *descs[] = { base, progressive, interleaved };
  const gboolean accepted[] = { TRUE, TRUE, FALSE };

  for (guint i = 0; i < G_N_ELEMENTS (descs); i++) {
    GstCaps *caps = gst_caps_from_string (descs[i]);
    GstCaps *templ = gst_pad_get_pad_template_caps (sink);

    g_assert_cmpint (gst_caps_can_intersect (caps, templ), ==, accepted[i]);
    gst_caps_unref (templ);
    gst_caps_unref (caps);
  }
  g_free (interleaved);
  g_free (progressive);
  gst_object_unref (sink);
  gst_object_unref (e);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_data_func ("/infer-robust/forward-jump", GUINT_TO_POINTER (0), test_forward_jump);
  g_test_add_data_func ("/infer-robust/forward-jump-discont",
      GUINT_TO_POINTER (GST_BUFFER_FLAG_DISCONT), test_forward_jump);
  g_test_add_func ("/infer-robust/discont", test_discont);
  g_test_add_func ("/infer-robust/no-pts", test_no_pts);
  g_test_add_func ("/infer-robust/buffer-identity", test_buffer_identity);
  g_test_add_func ("/infer-robust/properties-while-playing", test_properties_while_playing);
  g_test_add_func ("/infer-robust/model-properties", test_model_properties);
  g_test_add_func ("/infer-robust/interlaced-refused", test_interlaced_refused);
  g_test_add_data_func ("/infer-robust/flush-does-not-wait", GINT_TO_POINTER (FALSE),
      test_no_wait_for_running);
  g_test_add_data_func ("/infer-robust/null-does-not-wait", GINT_TO_POINTER (TRUE),
      test_no_wait_for_running);
  return g_test_run ();
}
