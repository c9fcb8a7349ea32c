/* test-infer-actions.c: uniformerinfer's action events through GstHarness on
 * the tiny model: the "uniformer-action" messages and the custom downstream
 * events that carry the same structure, where they fall among the buffers
 * and events, their fields, and every reason an action ends for (score,
 * flush, seek, discont, EOS, stopped, disabled). With both thresholds at 0
 * every class's score counts, so all five classes start together whatever
 * the random model says. And the warnings: skipped windows (rate-limited,
 * counted), a frame rate too low for the model, a stream too short for a
 * window. */
#include <string.h>
#include "plugin-test-util.h"

#define FPS 30
#define MODEL_NAME "model-writer test model"

static GstClockTime
pts30 (guint64 n)
{
  return frame_pts (n, FPS, 1);
}

/* What left the element, in order: a buffer (type 0) or an event. */
typedef struct {
  GstEventType type;
  GstClockTime pts;
  GstStructure *custom;         /* a custom downstream event's */
} Flow;

static void
flow_clear (gpointer data)
{
  Flow *f = data;

  g_clear_pointer (&f->custom, gst_structure_free);
}

static GstPadProbeReturn
record_flow (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  Flow f = { 0, GST_CLOCK_TIME_NONE, NULL };

  if (GST_PAD_PROBE_INFO_TYPE (info) & GST_PAD_PROBE_TYPE_BUFFER) {
    f.pts = GST_BUFFER_PTS (GST_PAD_PROBE_INFO_BUFFER (info));
  } else {
    GstEvent *e = GST_PAD_PROBE_INFO_EVENT (info);

    f.type = GST_EVENT_TYPE (e);
    if (f.type == GST_EVENT_CUSTOM_DOWNSTREAM)
      f.custom = gst_structure_copy (gst_event_get_structure (e));
  }
  g_array_append_val ((GArray *) data, f);
  return GST_PAD_PROBE_OK;
}

/* Wait mode, every sample a window, both thresholds 0 (plus @props); what
 * leaves the element is recorded in @flow. */
static GstHarness *
actions_harness (const gchar * props, GArray ** flow)
{
  gchar *all = g_strdup_printf ("late-windows=wait inference-interval=1 "
      "action-start-threshold=0 action-end-threshold=0 %s", props ? props : "");
  GstHarness *h = infer_harness_new (all, FALSE, "RGBA", 96, 72, FPS, 1);

  g_free (all);
  *flow = g_array_new (FALSE, TRUE, sizeof (Flow));
  g_array_set_clear_func (*flow, flow_clear);
  gst_pad_add_probe (h->sinkpad, GST_PAD_PROBE_TYPE_BUFFER |
      GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, record_flow, *flow, NULL);
  return h;
}

static void
push_range (GstHarness * h, guint64 first, guint64 last, GstBufferFlags flags)
{
  for (guint64 n = first; n <= last; n++)
    gst_buffer_unref (push_frame_flags (h, pts30 (n), pts30 (1), (guint) n,
            n == first ? flags : 0));
}

/* The "uniformer-action" messages on the bus, in order (copies). */
static GPtrArray *
pop_actions (GstHarness * h)
{
  GstBus *bus = gst_element_get_bus (h->element);
  GPtrArray *all = g_ptr_array_new_with_free_func ((GDestroyNotify) gst_structure_free);
  GstMessage *msg;

  while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT))) {
    const GstStructure *s = gst_message_get_structure (msg);

    if (gst_structure_has_name (s, "uniformer-action"))
      g_ptr_array_add (all, gst_structure_copy (s));
    gst_message_unref (msg);
  }
  gst_object_unref (bus);
  return all;
}

/* Asserts one action structure: class @id in @state (reason NULL: none),
 * spanning @start..@end in PTS, running time = PTS - @segment_start. */
static void
assert_action (const GstStructure * s, gint id, const gchar * state, const gchar * reason,
    GstClockTime start, GstClockTime end, guint windows, GstClockTime segment_start)
{
  gchar *label = g_strdup_printf ("class %d", id);
  guint64 v;
  gint class_id;
  guint n;
  gdouble peak, mean;

  g_assert_true (gst_structure_has_name (s, "uniformer-action"));
  g_assert_cmpstr (gst_structure_get_string (s, "label"), ==, label);
  g_assert_true (gst_structure_get_int (s, "class-id", &class_id));
  g_assert_cmpint (class_id, ==, id);
  g_assert_cmpstr (gst_structure_get_string (s, "state"), ==, state);
  g_assert_cmpstr (gst_structure_get_string (s, "reason"), ==, reason);
  g_assert_true (gst_structure_get_uint64 (s, "start-pts", &v));
  g_assert_cmpuint (v, ==, start);
  g_assert_true (gst_structure_get_uint64 (s, "start-running-time", &v));
  g_assert_cmpuint (v, ==, start - segment_start);
  g_assert_true (gst_structure_get_uint64 (s, "end-pts", &v));
  g_assert_cmpuint (v, ==, end);
  g_assert_true (gst_structure_get_uint64 (s, "end-running-time", &v));
  g_assert_cmpuint (v, ==, end - segment_start);
  g_assert_true (gst_structure_get_uint (s, "windows", &n));
  g_assert_cmpuint (n, ==, windows);
  g_assert_true (gst_structure_get_double (s, "peak-score", &peak));
  g_assert_true (gst_structure_get_double (s, "mean-score", &mean));
  g_assert_cmpfloat (mean, >, 0.0);
  g_assert_cmpfloat (mean, <=, peak + 1e-12);
  g_assert_cmpfloat (peak, <=, 1.0);
  g_assert_cmpstr (gst_structure_get_string (s, "model"), ==, MODEL_NAME);
  g_free (label);
}

/* Asserts @msgs are the five classes in @state, each also sent downstream
 * as an identical custom event, right after what @after_type / @after_pts
 * say (a buffer's PTS when @after_type is 0) and from index @from of @flow
 * on; returns the index after them. */
static guint
assert_five (GPtrArray * msgs, GArray * flow, guint from, const gchar * state,
    const gchar * reason, GstClockTime start, GstClockTime end, guint windows,
    GstClockTime segment_start)
{
  guint i = from;

  g_assert_cmpuint (msgs->len, ==, TINY_CLASSES);
  while (i < flow->len && g_array_index (flow, Flow, i).type != GST_EVENT_CUSTOM_DOWNSTREAM)
    i++;
  for (guint c = 0; c < TINY_CLASSES; c++, i++) {
    const GstStructure *s = g_ptr_array_index (msgs, c);

    assert_action (s, c, state, reason, start, end, windows, segment_start);
    g_assert_cmpuint (i, <, flow->len);
    g_assert_cmpint (g_array_index (flow, Flow, i).type, ==, GST_EVENT_CUSTOM_DOWNSTREAM);
    g_assert_true (gst_structure_is_equal (g_array_index (flow, Flow, i).custom, s));
  }
  return i;
}

/* The index in @flow, from @from on, of the buffer with @pts, or of the
 * first event of @type (when @pts is NONE). */
static guint
flow_index (GArray * flow, guint from, GstEventType type, GstClockTime pts)
{
  for (guint i = from; i < flow->len; i++) {
    Flow *f = &g_array_index (flow, Flow, i);

    if (GST_CLOCK_TIME_IS_VALID (pts) ? f->type == 0 && f->pts == pts : f->type == type)
      return i;
  }
  g_assert_not_reached ();
  return 0;
}

static void
test_started_then_eos (void)
{
  GArray *flow;
  GstHarness *h = actions_harness (NULL, &flow);
  GPtrArray *msgs;
  guint next;

  /* Windows end at frames 28 and 32; the second starts every class, dated
   * from the first window's first frame, and goes downstream before the
   * buffer whose result started it. */
  push_range (h, 0, 31, 0);
  msgs = pop_actions (h);
  g_assert_cmpuint (msgs->len, ==, 0);
  g_ptr_array_unref (msgs);
  push_range (h, 32, 32, 0);
  msgs = pop_actions (h);
  next = assert_five (msgs, flow, 0, "started", NULL, 0, pts30 (32), 2, 0);
  g_assert_cmpuint (next, ==, flow_index (flow, 0, 0, pts30 (32)));
  g_ptr_array_unref (msgs);
  /* EOS ends them, before the EOS event; dated by the last window */
  push_range (h, 33, 36, 0);
  g_assert_true (gst_harness_push_event (h, gst_event_new_eos ()));
  msgs = pop_actions (h);
  next = assert_five (msgs, flow, next, "ended", "eos", 0, pts30 (36), 3, 0);
  g_assert_cmpuint (next, ==, flow_index (flow, next, GST_EVENT_EOS, GST_CLOCK_TIME_NONE));
  g_ptr_array_unref (msgs);
  g_array_unref (flow);
  infer_harness_finish (h);
}

static void
flush (GstHarness * h)
{
  g_assert_true (gst_harness_push_event (h, gst_event_new_flush_start ()));
  g_assert_true (gst_harness_push_event (h, gst_event_new_flush_stop (TRUE)));
}

static void
new_segment (GstHarness * h, GstClockTime position)
{
  GstSegment seg;

  gst_segment_init (&seg, GST_FORMAT_TIME);
  seg.start = seg.time = position;
  g_assert_true (gst_harness_push_event (h, gst_event_new_segment (&seg)));
}

static void
test_seek_and_flush (void)
{
  GArray *flow;
  GstHarness *h = actions_harness (NULL, &flow);
  GPtrArray *msgs;
  guint next, segment_at, mark;

  push_range (h, 0, 32, 0);
  g_ptr_array_unref (pop_actions (h));
  /* a flushing seek: they end when the segment comes, sent after it */
  mark = flow->len;
  flush (h);
  new_segment (h, pts30 (300));
  msgs = pop_actions (h);
  segment_at = flow_index (flow, mark, GST_EVENT_SEGMENT, GST_CLOCK_TIME_NONE);
  next = assert_five (msgs, flow, segment_at, "ended", "seek", 0, pts30 (32), 2, 0);
  g_assert_cmpuint (next - TINY_CLASSES, ==, segment_at + 1);
  g_ptr_array_unref (msgs);
  /* the new segment's actions: running time from its start */
  push_range (h, 300, 332, 0);
  msgs = pop_actions (h);
  next = assert_five (msgs, flow, next, "started", NULL, pts30 (300), pts30 (332), 2,
      pts30 (300));
  g_ptr_array_unref (msgs);
  /* a flush with no segment after it, then EOS */
  flush (h);
  g_assert_true (gst_harness_push_event (h, gst_event_new_eos ()));
  msgs = pop_actions (h);
  assert_five (msgs, flow, next, "ended", "flush", pts30 (300), pts30 (332), 2, pts30 (300));
  g_ptr_array_unref (msgs);
  g_array_unref (flow);
  infer_harness_finish (h);
}

static void
test_discont (void)
{
  GArray *flow;
  GstHarness *h = actions_harness (NULL, &flow);
  GPtrArray *msgs;
  guint next;

  push_range (h, 0, 32, 0);
  g_ptr_array_unref (pop_actions (h));
  /* the DISCONT buffer empties the window: they end before it goes out */
  push_range (h, 33, 33, GST_BUFFER_FLAG_DISCONT);
  msgs = pop_actions (h);
  next = assert_five (msgs, flow, flow_index (flow, 0, 0, pts30 (32)), "ended", "discont", 0,
      pts30 (32), 2, 0);
  g_assert_cmpuint (next, ==, flow_index (flow, 0, 0, pts30 (33)));
  g_ptr_array_unref (msgs);
  g_array_unref (flow);
  infer_harness_finish (h);
}

static void
test_score_dropped (void)
{
  GArray *flow;
  GstHarness *h = actions_harness (NULL, &flow);
  GPtrArray *msgs;

  push_range (h, 0, 32, 0);
  g_ptr_array_unref (pop_actions (h));
  /* no probability reaches 1: the next window (frame 36) ends them all,
   * dated by the last window still above the end threshold */
  g_object_set (infer_element (h), "action-start-threshold", 1.0, "action-end-threshold",
      1.0, NULL);
  push_range (h, 33, 36, 0);
  msgs = pop_actions (h);
  assert_five (msgs, flow, flow_index (flow, 0, 0, pts30 (32)), "ended", "score-dropped", 0,
      pts30 (32), 2, 0);
  g_ptr_array_unref (msgs);
  g_array_unref (flow);
  infer_harness_finish (h);
}

static void
test_disabled_and_stopped (void)
{
  GArray *flow;
  GstHarness *h = actions_harness ("actions=false", &flow);
  GstElement *e = infer_element (h);
  GPtrArray *msgs;
  guint next;

  /* off: no message, no event */
  push_range (h, 0, 32, 0);
  msgs = pop_actions (h);
  g_assert_cmpuint (msgs->len, ==, 0);
  g_ptr_array_unref (msgs);
  for (guint i = 0; i < flow->len; i++)
    g_assert_cmpint (g_array_index (flow, Flow, i).type, !=, GST_EVENT_CUSTOM_DOWNSTREAM);
  /* on: windows at 36 (frames 8..36) and 40 start them */
  g_object_set (e, "actions", TRUE, NULL);
  push_range (h, 33, 40, 0);
  msgs = pop_actions (h);
  next = assert_five (msgs, flow, 0, "started", NULL, pts30 (8), pts30 (40), 2, 0);
  g_ptr_array_unref (msgs);
  /* off again: they end at the next buffer */
  g_object_set (e, "actions", FALSE, NULL);
  push_range (h, 41, 41, 0);
  msgs = pop_actions (h);
  next = assert_five (msgs, flow, next, "ended", "disabled", pts30 (8), pts30 (40), 2, 0);
  g_ptr_array_unref (msgs);
  /* on: windows at 44 (frames 16..44) and 48 start them; the element
   * stops: they end, on the bus only */
  g_object_set (e, "actions", TRUE, NULL);
  push_range (h, 42, 48, 0);
  g_ptr_array_unref (pop_actions (h));
  gst_element_set_state (h->element, GST_STATE_NULL);
  msgs = pop_actions (h);
  g_assert_cmpuint (msgs->len, ==, TINY_CLASSES);
  for (guint c = 0; c < TINY_CLASSES; c++)
    assert_action (g_ptr_array_index (msgs, c), c, "ended", "stopped", pts30 (16),
        pts30 (48), 2, 0);
  g_ptr_array_unref (msgs);
  g_array_unref (flow);
  infer_harness_finish (h);
}

/* The warnings on @h's bus (popped), with their details. */
static GPtrArray *
pop_warnings (GstHarness * h)
{
  GstBus *bus = gst_element_get_bus (h->element);
  GPtrArray *all = g_ptr_array_new_with_free_func ((GDestroyNotify) gst_message_unref);
  GstMessage *msg;

  while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING)))
    g_ptr_array_add (all, msg);
  gst_object_unref (bus);
  return all;
}

/* Asserts a warning's domain, code, details kind; returns its text. */
static gchar *
check_warning (GstMessage * msg, GQuark domain, gint code, const gchar * kind,
    const GstStructure ** details)
{
  GError *err = NULL;
  gchar *text;

  gst_message_parse_warning (msg, &err, NULL);
  gst_message_parse_warning_details (msg, details);
  g_test_message ("warning: %s", err->message);
  g_assert_error (err, domain, code);
  g_assert_nonnull (*details);
  g_assert_cmpstr (gst_structure_get_string (*details, "kind"), ==, kind);
  text = g_strdup (err->message);
  g_error_free (err);
  return text;
}

static void
test_skip_warning (void)
{
  GstHarness *h;
  GPtrArray *warnings;
  const GstStructure *d;
  guint64 count0, count1, total0, total1, skipped;
  gchar *text;

  /* Each run takes 300 ms while frames come in at once: the windows due
   * meanwhile are skipped. The first skip (frame 32, 1.07 s) warns; the
   * next warning waits for 10 s of running time (frame 332 on), and none
   * comes after in the 14 s pushed. */
  g_setenv ("UF_TEST_RUN_DELAY_MS", "300", TRUE);
  h = infer_harness_new ("late-windows=skip inference-interval=1", TRUE, "RGBA", 96, 72,
      FPS, 1);
  g_unsetenv ("UF_TEST_RUN_DELAY_MS");
  push_range (h, 0, 420, 0);
  g_assert_true (gst_harness_push_event (h, gst_event_new_eos ()));
  g_object_get (infer_element (h), "windows-skipped", &skipped, NULL);
  warnings = pop_warnings (h);
  g_assert_cmpuint (warnings->len, ==, 2);
  text = check_warning (g_ptr_array_index (warnings, 0), GST_RESOURCE_ERROR,
      GST_RESOURCE_ERROR_BUSY, "windows-skipped", &d);
  g_assert_true (gst_structure_get_uint64 (d, "count", &count0));
  g_assert_true (gst_structure_get_uint64 (d, "total", &total0));
  g_assert_cmpuint (count0, ==, 1);
  g_assert_cmpuint (total0, ==, 1);
  g_assert_nonnull (strstr (text, "Skipped 1 window (1 in all)"));
  g_free (text);
  text = check_warning (g_ptr_array_index (warnings, 1), GST_RESOURCE_ERROR,
      GST_RESOURCE_ERROR_BUSY, "windows-skipped", &d);
  g_assert_true (gst_structure_get_uint64 (d, "count", &count1));
  g_assert_true (gst_structure_get_uint64 (d, "total", &total1));
  g_assert_cmpuint (count1, >, 1);
  g_assert_cmpuint (total1, ==, count0 + count1);
  g_assert_cmpuint (total1, <=, skipped);
  g_free (text);
  g_ptr_array_unref (warnings);
  infer_harness_finish (h);
}

static void
test_short_stream_warning (void)
{
  GArray *flow;
  GstHarness *h = actions_harness (NULL, &flow);
  GPtrArray *warnings;
  const GstStructure *d;
  guint frames, window;
  gchar *text;

  /* 20 frames: 5 samples of the 8 a window needs */
  push_range (h, 0, 19, 0);
  g_assert_true (gst_harness_push_event (h, gst_event_new_eos ()));
  warnings = pop_warnings (h);
  g_assert_cmpuint (warnings->len, ==, 1);
  text = check_warning (g_ptr_array_index (warnings, 0), GST_STREAM_ERROR,
      GST_STREAM_ERROR_FAILED, "short-stream", &d);
  g_assert_true (gst_structure_get_uint (d, "frames", &frames));
  g_assert_true (gst_structure_get_uint (d, "window", &window));
  g_assert_cmpuint (frames, ==, 5);
  g_assert_cmpuint (window, ==, TINY_FRAMES);
  g_assert_nonnull (strstr (text, "needs 8 sampled frames, the window got to 5"));
  g_free (text);
  g_ptr_array_unref (warnings);
  /* once: a second short stream after a seek says nothing */
  flush (h);
  new_segment (h, 0);
  push_range (h, 0, 19, 0);
  g_assert_true (gst_harness_push_event (h, gst_event_new_eos ()));
  g_array_unref (flow);
  infer_harness_finish (h);
}

/* @fps_n/1 caps (0: variable rate, frames 1 s apart) warn once that the
 * frames are too far apart for 7.5 samples per second. */
static void
test_frame_rate_warning (gconstpointer data)
{
  gint fps_n = GPOINTER_TO_INT (data);
  GstClockTime step = fps_n ? GST_SECOND / fps_n : GST_SECOND;
  GstHarness *h = infer_harness_new ("late-windows=wait inference-interval=1", FALSE, "RGBA",
      96, 72, fps_n, 1);
  GPtrArray *warnings;
  const GstStructure *d;
  gdouble fps, rate;
  gchar *text;

  for (guint n = 0; n < 12; n++)
    gst_buffer_unref (push_frame (h, n * step, fps_n ? step : GST_CLOCK_TIME_NONE, n));
  warnings = pop_warnings (h);
  g_assert_cmpuint (warnings->len, ==, 1);
  text = check_warning (g_ptr_array_index (warnings, 0), GST_STREAM_ERROR,
      GST_STREAM_ERROR_FORMAT, "frame-rate", &d);
  g_assert_true (gst_structure_get_double (d, "frame-rate", &fps));
  g_assert_true (gst_structure_get_double (d, "sample-rate", &rate));
  g_assert_cmpfloat_with_epsilon (fps, fps_n ? fps_n : 1.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (rate, 7.5, 1e-9);
  g_assert_nonnull (strstr (text, fps_n ? "frame rate, 2 fps," : "frame rate, 1 fps,"));
  g_free (text);
  g_ptr_array_unref (warnings);
  infer_harness_finish (h);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/infer-actions/started-then-eos", test_started_then_eos);
  g_test_add_func ("/infer-actions/seek-and-flush", test_seek_and_flush);
  g_test_add_func ("/infer-actions/discont", test_discont);
  g_test_add_func ("/infer-actions/score-dropped", test_score_dropped);
  g_test_add_func ("/infer-actions/disabled-and-stopped", test_disabled_and_stopped);
  g_test_add_func ("/infer-actions/skip-warning", test_skip_warning);
  g_test_add_func ("/infer-actions/short-stream-warning", test_short_stream_warning);
  g_test_add_data_func ("/infer-actions/frame-rate-warning", GINT_TO_POINTER (2),
      test_frame_rate_warning);
  g_test_add_data_func ("/infer-actions/frame-rate-warning-variable", GINT_TO_POINTER (0),
      test_frame_rate_warning);
  return g_test_run ();
}
