/* test-pipeline: uniformerinfer and uniformeroverlay in whole pipelines on
 * the tiny test model (real Vulkan, real encoder and decoder):
 *
 *   /pipeline/mp4   videotestsrc ! uniformerinfer ! uniformeroverlay ! x264enc
 *                   ! mp4mux ! filesink, then the file decoded again: every
 *                   frame is there, and the box is in exactly the frames that
 *                   followed a classification with classes in it;
 *   /pipeline/live  a live source for 20 s into a synchronised sink: no frame
 *                   arrives late enough to be dropped, no QoS message, EOS.
 *
 * Both fail on any Vulkan validation message (the engine prints them) and on
 * any error or warning on the bus. /pipeline/mp4 is in the `sanitize` suite
 * (ASan + UBSan build); tests/pipeline/lsan.supp names the libraries' own
 * leaks.
 */
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <gst/gst.h>
#include <gst/video/video.h>

#include "gstuniformermeta.h"

#define WIDTH 320
#define HEIGHT 240
#define MP4_FRAMES 90
#define LIVE_FRAMES 600         /* 20 s at 30 fps */
/* A flat source colour, so the box shows as a luma difference. */
#define SOURCE "videotestsrc pattern=solid-color foreground-color=0xff2850c8"
#define CAPS "video/x-raw,format=I420,width=320,height=240,framerate=30/1"
/* The box stays until the next result, so what each frame must show follows
 * from the metas alone; three rows keep it clear of the far corner. */
#define OVERLAY "uniformeroverlay name=overlay hold-time=18446744073709551615 max-rows=3"

static guint validation_messages;

/* The engine reports Vulkan validation messages through g_printerr. */
static void
count_printerr (const gchar * text)
{
  if (strstr (text, "Vulkan validation"))
    g_atomic_int_inc (&validation_messages);
  fputs (text, stderr);
}

/* Per buffer entering the overlay: whether a box must be drawn on it. */
typedef struct
{
  GArray *expect_box;           /* gboolean per frame */
  gboolean showing;
  guint results;                /* buffers carrying a meta */
} Expectation;

static GstPadProbeReturn
record_expectation (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  Expectation *e = data;
  GstUniformerMeta *meta = gst_buffer_get_uniformer_meta (GST_PAD_PROBE_INFO_BUFFER (info));

  if (meta) {
    e->results++;
    e->showing = meta->n_results > 0;
    g_assert_cmpuint (meta->frames, ==, 8);
    g_assert_true (meta->window_start <= meta->window_end);
  }
  g_array_append_val (e->expect_box, e->showing);
  return GST_PAD_PROBE_OK;
}

static void
probe_sink_pad (GstElement * pipeline, const gchar * element, GstPadProbeCallback cb,
    gpointer data)
{
  GstElement *e = gst_bin_get_by_name (GST_BIN (pipeline), element);
  GstPad *pad;

  g_assert_nonnull (e);
  pad = gst_element_get_static_pad (e, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, cb, data, NULL);
  gst_object_unref (pad);
  gst_object_unref (e);
}

/* Plays @pipeline to EOS; fails on an error or warning, or a 5-minute hang.
 * Returns the number of QoS messages seen. The pipeline stays in PLAYING so
 * the sink's statistics can still be read. */
static guint
play_to_eos (GstElement * pipeline)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  guint qos = 0;
  gboolean done = FALSE;

  g_assert_cmpint (gst_element_set_state (pipeline, GST_STATE_PLAYING), !=,
      GST_STATE_CHANGE_FAILURE);
  while (!done) {
    GstMessage *msg = gst_bus_timed_pop_filtered (bus, 300 * GST_SECOND,
        GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_WARNING | GST_MESSAGE_QOS);
    GError *error = NULL;
    gchar *debug = NULL;

    g_assert_nonnull (msg);
    switch (GST_MESSAGE_TYPE (msg)) {
      case GST_MESSAGE_EOS:
        done = TRUE;
        break;
      case GST_MESSAGE_QOS:
        qos++;
        break;
      case GST_MESSAGE_ERROR:
        gst_message_parse_error (msg, &error, &debug);
        g_error ("error from %s: %s (%s)", GST_MESSAGE_SRC_NAME (msg), error->message, debug);
        break;
      default:
        gst_message_parse_warning (msg, &error, &debug);
        g_error ("warning from %s: %s (%s)", GST_MESSAGE_SRC_NAME (msg), error->message, debug);
        break;
    }
    gst_message_unref (msg);
  }
  gst_object_unref (bus);
  return qos;
}

static void
stop_and_free (GstElement * pipeline)
{
  g_assert_cmpint (gst_element_set_state (pipeline, GST_STATE_NULL), ==,
      GST_STATE_CHANGE_SUCCESS);
  gst_object_unref (pipeline);
}

static GstElement *
launch (const gchar * description)
{
  GError *error = NULL;
  GstElement *pipeline = gst_parse_launch (description, &error);

  g_assert_no_error (error);
  g_test_message ("%s", description);
  return pipeline;
}

static gdouble
mean_luma (const GstVideoFrame * frame, gint x0, gint y0, gint x1, gint y1)
{
  guint64 sum = 0;

  for (gint y = y0; y < y1; y++)
    for (gint x = x0; x < x1; x++)
      sum += GST_VIDEO_FRAME_COMP_DATA (frame, 0)[y * GST_VIDEO_FRAME_COMP_STRIDE (frame, 0) + x];
  return (gdouble) sum / ((x1 - x0) * (y1 - y0));
}

/* Per decoded frame: whether the box darkens its corner of the flat frame. */
static GstPadProbeReturn
record_box (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  GArray *seen = data;
  GstCaps *caps = gst_pad_get_current_caps (pad);
  GstVideoInfo vinfo;
  GstVideoFrame frame;
  gdouble box, far;
  gboolean present;

  g_assert_true (gst_video_info_from_caps (&vinfo, caps));
  gst_caps_unref (caps);
  g_assert_true (gst_video_frame_map (&frame, &vinfo, GST_PAD_PROBE_INFO_BUFFER (info),
          GST_MAP_READ));
  box = mean_luma (&frame, 12, 12, 40, 24);
  far = mean_luma (&frame, WIDTH - 40, HEIGHT - 24, WIDTH - 12, HEIGHT - 12);
  gst_video_frame_unmap (&frame);
  /* The box's translucent black takes the flat colour's luma (86) down by
   * about 40; x264 moves a flat area by a few steps at most. */
  present = far - box > 15.0;
  g_assert_true (present || ABS (far - box) < 5.0);
  g_array_append_val (seen, present);
  return GST_PAD_PROBE_OK;
}

static void
test_mp4 (void)
{
  gchar *path = g_build_filename (g_get_tmp_dir (), "uniformer-test-pipeline-XXXXXX.mp4", NULL);
  gint fd = g_mkstemp (path);
  Expectation e = { g_array_new (FALSE, FALSE, sizeof (gboolean)), FALSE, 0 };
  GArray *seen = g_array_new (FALSE, FALSE, sizeof (gboolean));
  gchar *description;
  GstElement *pipeline;
  guint shown = 0;

  g_assert_cmpint (fd, >=, 0);
  close (fd);
  description = g_strdup_printf (SOURCE " num-buffers=%d ! " CAPS " ! uniformerinfer model=%s ! "
      OVERLAY " ! x264enc speed-preset=ultrafast tune=zerolatency ! mp4mux ! filesink "
      "location=%s", MP4_FRAMES, TEST_MODEL_FILE, path);
  pipeline = launch (description);
  probe_sink_pad (pipeline, "overlay", record_expectation, &e);
  play_to_eos (pipeline);
  stop_and_free (pipeline);
  g_free (description);
  g_assert_cmpuint (e.expect_box->len, ==, MP4_FRAMES);
  g_assert_cmpuint (e.results, >, 0);

  description = g_strdup_printf ("filesrc location=%s ! qtdemux ! h264parse ! avdec_h264 ! "
      "fakesink name=sink", path);
  pipeline = launch (description);
  probe_sink_pad (pipeline, "sink", record_box, seen);
  play_to_eos (pipeline);
  stop_and_free (pipeline);
  g_free (description);

  g_assert_cmpuint (seen->len, ==, MP4_FRAMES);
  for (guint i = 0; i < MP4_FRAMES; i++) {
    if (g_array_index (seen, gboolean, i) != g_array_index (e.expect_box, gboolean, i))
      g_error ("frame %u: box %s, expected %s", i,
          g_array_index (seen, gboolean, i) ? "drawn" : "absent",
          g_array_index (e.expect_box, gboolean, i) ? "drawn" : "absent");
    shown += g_array_index (seen, gboolean, i);
  }
  g_test_message ("%u results, box in %u of %d frames", e.results, shown, MP4_FRAMES);
  /* The first window needs 8 sampled frames, so the first frame has no box. */
  g_assert_false (g_array_index (seen, gboolean, 0));

  g_unlink (path);
  g_free (path);
  g_array_unref (seen);
  g_array_unref (e.expect_box);
  g_assert_cmpuint (g_atomic_int_get (&validation_messages), ==, 0);
}

static void
test_live (void)
{
  Expectation e = { g_array_new (FALSE, FALSE, sizeof (gboolean)), FALSE, 0 };
  gchar *description = g_strdup_printf ("videotestsrc is-live=true pattern=ball num-buffers=%d ! "
      CAPS " ! uniformerinfer model=%s ! " OVERLAY " ! fakesink name=sink sync=true qos=true "
      "max-lateness=20000000", LIVE_FRAMES, TEST_MODEL_FILE);
  GstElement *pipeline = launch (description);
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  GstStructure *stats;
  guint64 rendered = 0, dropped = 0;
  guint qos;

  probe_sink_pad (pipeline, "overlay", record_expectation, &e);
  qos = play_to_eos (pipeline);
  g_object_get (sink, "stats", &stats, NULL);
  g_assert_true (gst_structure_get_uint64 (stats, "rendered", &rendered));
  g_assert_true (gst_structure_get_uint64 (stats, "dropped", &dropped));
  g_test_message ("rendered %" G_GUINT64_FORMAT ", dropped %" G_GUINT64_FORMAT
      ", %u QoS messages, %u results", rendered, dropped, qos, e.results);
  g_assert_cmpuint (rendered, ==, LIVE_FRAMES);
  g_assert_cmpuint (dropped, ==, 0);
  g_assert_cmpuint (qos, ==, 0);
  /* How many windows get classified depends on the machine's speed (late
   * windows are skipped when live), so e.results is reported, not checked. */

  gst_structure_free (stats);
  gst_object_unref (sink);
  stop_and_free (pipeline);
  g_array_unref (e.expect_box);
  g_free (description);
  g_assert_cmpuint (g_atomic_int_get (&validation_messages), ==, 0);
}

int
main (int argc, char **argv)
{
  GError *error = NULL;
  GstPlugin *plugin;
  int ret;

  g_set_printerr_handler (count_printerr);
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  plugin = gst_plugin_load_file (UNIFORMER_PLUGIN_FILE, &error);
  g_assert_no_error (error);
  gst_object_unref (plugin);

  g_test_add_func ("/pipeline/mp4", test_mp4);
  g_test_add_func ("/pipeline/live", test_live);
  ret = g_test_run ();
  gst_deinit ();
  return ret;
}
