/* test-infer-live.c: uniformerinfer on a live source whose inference is
 * slower than the stream (UF_TEST_RUN_DELAY_MS=300 on the tiny model).
 *
 * skip: every buffer passes, late windows are counted as skipped (and
 * warned about once in these 3 s: the warning waits 10 s to repeat), and the
 * lateness of buffers leaving the element (clock time minus the buffer's
 * running time) stays flat from the first to the last buffers: the
 * streaming thread never waited for an inference. wait: every due window is
 * classified. No assertion is on an absolute time; the margins are far
 * from what one blocked inference (300 ms) would add. */
#include "plugin-test-util.h"

#define N_BUFFERS 90            /* 3 s at 30 fps */
#define EDGE 10                 /* buffers compared at each end */

typedef struct {
  GstElement *pipeline;
  GArray *lateness;             /* gint64 ns, per buffer leaving uniformerinfer */
  guint metas;
} LiveRun;

static GstPadProbeReturn
on_buffer (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  LiveRun *run = data;
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  GstElement *e = run->pipeline;
  GstClock *clock = gst_element_get_clock (e);
  GstSegment *seg;
  GstEvent *ev = gst_pad_get_sticky_event (pad, GST_EVENT_SEGMENT, 0);
  gint64 late;

  gst_event_parse_segment (ev, (const GstSegment **) &seg);
  late = GST_CLOCK_DIFF (gst_segment_to_running_time (seg, GST_FORMAT_TIME,
          GST_BUFFER_PTS (buf)) + gst_element_get_base_time (e),
      gst_clock_get_time (clock));
  g_array_append_val (run->lateness, late);
  if (gst_buffer_get_uniformer_meta (buf))
    run->metas++;
  gst_event_unref (ev);
  gst_object_unref (clock);
  return GST_PAD_PROBE_OK;
}

/* Whether @msg is uniformerinfer's warning about skipped windows. */
static gboolean
is_skip_warning (GstMessage * msg)
{
  const GstStructure *details = NULL;

  gst_message_parse_warning_details (msg, &details);
  return details && !g_strcmp0 (gst_structure_get_string (details, "kind"),
      "windows-skipped");
}

/* Runs the live pipeline to EOS; returns the element's counters and the
 * skip warnings (any other warning fails). */
static void
run_live (const gchar * late_windows, guint n_buffers, LiveRun * run,
    guint64 * classified, guint64 * skipped, guint * messages, guint * skip_warnings)
{
  gchar *desc = g_strdup_printf ("videotestsrc is-live=true num-buffers=%u pattern=ball ! "
      "video/x-raw,format=RGBA,width=320,height=240,framerate=30/1 ! "
      "uniformerinfer name=infer model=%s inference-interval=1 late-windows=%s ! "
      "fakesink sync=true", n_buffers, tiny_model (), late_windows);
  GstElement *infer;
  GstPad *pad;
  GstBus *bus;
  GstMessage *msg;
  gboolean eos = FALSE;

  run->pipeline = gst_parse_launch (desc, NULL);
  g_assert_nonnull (run->pipeline);
  g_free (desc);
  run->lateness = g_array_new (FALSE, FALSE, sizeof (gint64));
  run->metas = 0;
  infer = gst_bin_get_by_name (GST_BIN (run->pipeline), "infer");
  pad = gst_element_get_static_pad (infer, "src");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, on_buffer, run, NULL);
  gst_object_unref (pad);

  g_setenv ("UF_TEST_RUN_DELAY_MS", "300", TRUE);
  g_assert_cmpint (gst_element_set_state (run->pipeline, GST_STATE_PLAYING), !=,
      GST_STATE_CHANGE_FAILURE);
  g_unsetenv ("UF_TEST_RUN_DELAY_MS");
  bus = gst_element_get_bus (run->pipeline);
  *messages = *skip_warnings = 0;
  while (!eos) {
    msg = gst_bus_timed_pop (bus, GST_CLOCK_TIME_NONE);
    switch (GST_MESSAGE_TYPE (msg)) {
      case GST_MESSAGE_WARNING:
        if (is_skip_warning (msg)) {
          (*skip_warnings)++;
          break;
        }
        /* fall through */
      case GST_MESSAGE_ERROR:
        g_error ("unexpected %s from %s", GST_MESSAGE_TYPE_NAME (msg),
            GST_MESSAGE_SRC_NAME (msg));
        break;
      case GST_MESSAGE_ELEMENT:
        if (gst_structure_has_name (gst_message_get_structure (msg), "uniformer"))
          (*messages)++;
        break;
      case GST_MESSAGE_EOS:
        eos = TRUE;
        break;
      default:
        break;
    }
    gst_message_unref (msg);
  }
  g_object_get (infer, "windows-classified", classified, "windows-skipped", skipped, NULL);
  gst_element_set_state (run->pipeline, GST_STATE_NULL);
  /* the validation layer's count arrives as a warning when stopping */
  g_assert_null (gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR | GST_MESSAGE_WARNING));
  gst_object_unref (bus);
  gst_object_unref (infer);
  gst_object_unref (run->pipeline);
}

static gint64
max_lateness (GArray * a, guint from, guint n)
{
  gint64 m = G_MININT64;

  for (guint i = from; i < from + n; i++)
    m = MAX (m, g_array_index (a, gint64, i));
  return m;
}

static void
test_skip_never_blocks (void)
{
  LiveRun run;
  guint64 classified, skipped;
  guint messages, skip_warnings;
  gint64 first, last;

  run_live ("auto", N_BUFFERS, &run, &classified, &skipped, &messages, &skip_warnings);
  g_assert_cmpuint (run.lateness->len, ==, N_BUFFERS);
  first = max_lateness (run.lateness, 0, EDGE);
  last = max_lateness (run.lateness, N_BUFFERS - EDGE, EDGE);
  g_test_message ("lateness: first %" G_GINT64_FORMAT " ms, last %" G_GINT64_FORMAT
      " ms; %" G_GUINT64_FORMAT " classified, %" G_GUINT64_FORMAT " skipped",
      first / 1000000, last / 1000000, classified, skipped);
  /* 23 samples, 16 due windows, each run 300 ms: blocking would add seconds */
  g_assert_cmpint (last - first, <, 150 * GST_MSECOND);
  g_assert_cmpuint (classified, >, 0);
  g_assert_cmpuint (skipped, >, 0);
  g_assert_cmpuint (skip_warnings, ==, 1);
  g_assert_cmpuint (classified + skipped, <=, 16);
  /* the meta and the messages agree; one more message may come at EOS */
  g_assert_cmpuint (run.metas, <=, classified);
  g_assert_cmpuint (messages, ==, classified);
  g_array_unref (run.lateness);
}

static void
test_wait_classifies_all (void)
{
  LiveRun run;
  guint64 classified, skipped;
  guint messages, skip_warnings;

  /* 60 frames: samples at frames 0, 4, ..., 56 (15), windows 15 - 8 + 1 */
  run_live ("wait", 60, &run, &classified, &skipped, &messages, &skip_warnings);
  g_assert_cmpuint (classified, ==, 8);
  g_assert_cmpuint (skipped, ==, 0);
  g_assert_cmpuint (skip_warnings, ==, 0);
  g_assert_cmpuint (run.metas, ==, 8);
  g_assert_cmpuint (messages, ==, 8);
  /* The probe does see a blocked stream: eight 300 ms waits pile up. */
  g_assert_cmpint (max_lateness (run.lateness, 60 - EDGE, EDGE)
      - max_lateness (run.lateness, 0, EDGE), >, 1 * GST_SECOND);
  g_array_unref (run.lateness);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/infer-live/skip-never-blocks", test_skip_never_blocks);
  g_test_add_func ("/infer-live/wait-classifies-all", test_wait_classifies_all);
  return g_test_run ();
}
