/* test-infer-batch.c: the windows of uniformerinfer elements that share a
 * model run in batches (one pass, each window its own result), in real
 * pipelines on the tiny model: eight streams batched give every window the
 * result it gets unshared; a stream that seeks and ends mid-run, and an
 * element taken out of a running pipeline, leave the others' results as
 * they are alone; inference-phase spreads the streams' windows over the
 * interval, and an element that stops leaves its phase to the next one. */
#include "plugin-test-util.h"

/* Batched windows differ from unshared ones only in the GEMM's row count:
 * bitwise equal on lavapipe, and within the engine's batch bound
 * (tests/engine/test-batch.c) on any tuning. */
#define BATCH_BOUND 1e-5

/* Shared elements spread their windows over the interval by default
 * (inference-phase -1); the runs compared with unshared ones keep them all
 * at phase 0, as the unshared elements are, so window i is the same window
 * in both. */
#define ALIGNED "inference-phase=0 "

static const gchar *const patterns[] = {
  "smpte", "ball", "zone-plate", "circular", "gamut", "chroma-zone-plate", "pinwheel",
  "spokes",
};

/* "videotestsrc ... ! uniformerinfer name=sN ... ! fakesink" for stream @n */
static gchar *
branch (guint n, guint frames, const gchar * props)
{
  return g_strdup_printf ("videotestsrc name=src%u num-buffers=%u pattern=%s ! "
      "video/x-raw,width=64,height=48,framerate=30/1 ! uniformerinfer name=s%u model=%s "
      "late-windows=wait %s ! fakesink name=sink%u", n, frames, patterns[n % 8], n,
      tiny_model (), props, n);
}

static GstElement *
pipeline_of (guint first, guint n, guint frames, const gchar * props)
{
  GString *desc = g_string_new (NULL);
  GError *error = NULL;

  for (guint i = first; i < first + n; i++) {
    gchar *b = branch (i, frames, props);

    g_string_append_printf (desc, "%s  ", b);
    g_free (b);
  }
  GstElement *p = gst_parse_launch (desc->str, &error);
  g_assert_no_error (error);
  g_string_free (desc, TRUE);
  return p;
}

/* Each element's results, one line per window: its PTS range, then the
 * class ids and scores. */
typedef struct {
  GHashTable *lines;            /* element name -> GPtrArray of gchar* */
  GMutex lock;
} Results;

static GstBusSyncReply
collect (GstBus * bus, GstMessage * msg, gpointer data)
{
  Results *r = data;
  const GstStructure *s = gst_message_get_structure (msg);

  /* Only what wait_eos() pops is queued: a queued message holds its
   * element, and an element taken out of the pipeline must be freed. */
  if (GST_MESSAGE_TYPE (msg) & (GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_WARNING))
    return GST_BUS_PASS;
  if (GST_MESSAGE_TYPE (msg) != GST_MESSAGE_ELEMENT || !gst_structure_has_name (s,
          "uniformer")) {
    gst_message_unref (msg);
    return GST_BUS_DROP;
  }
  guint64 start, end;
  g_assert_true (gst_structure_get_uint64 (s, "window-start", &start));
  g_assert_true (gst_structure_get_uint64 (s, "window-end", &end));
  const GValue *ids = gst_structure_get_value (s, "class-ids");
  const GValue *scores = gst_structure_get_value (s, "scores");
  GString *line = g_string_new (NULL);
  g_string_append_printf (line, "%" G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT, start, end);
  for (guint i = 0; i < gst_value_array_get_size (ids); i++)
    g_string_append_printf (line, " %d:%.9g",
        g_value_get_int (gst_value_array_get_value (ids, i)),
        g_value_get_double (gst_value_array_get_value (scores, i)));
  g_mutex_lock (&r->lock);
  GPtrArray *list = g_hash_table_lookup (r->lines, GST_OBJECT_NAME (GST_MESSAGE_SRC (msg)));
  if (list == NULL) {
    list = g_ptr_array_new_with_free_func (g_free);
    g_hash_table_insert (r->lines, g_strdup (GST_OBJECT_NAME (GST_MESSAGE_SRC (msg))), list);
  }
  g_ptr_array_add (list, g_string_free (line, FALSE));
  g_mutex_unlock (&r->lock);
  gst_message_unref (msg);
  return GST_BUS_DROP;
}

static void
results_init (Results * r, GstElement * pipeline)
{
  GstBus *bus = gst_element_get_bus (pipeline);

  r->lines = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      (GDestroyNotify) g_ptr_array_unref);
  g_mutex_init (&r->lock);
  gst_bus_set_sync_handler (bus, collect, r, NULL);
  gst_object_unref (bus);
}

static void
results_clear (Results * r)
{
  g_hash_table_unref (r->lines);
  g_mutex_clear (&r->lock);
}

/* Parses "start-end id:score ..." back into numbers and compares two
 * windows: the same PTS range and classes, scores within BATCH_BOUND. */
static void
assert_same_window (const gchar * a, const gchar * b)
{
  gchar **x = g_strsplit (a, " ", -1), **y = g_strsplit (b, " ", -1);

  g_assert_cmpuint (g_strv_length (x), ==, g_strv_length (y));
  g_assert_cmpstr (x[0], ==, y[0]);
  for (guint i = 1; x[i]; i++) {
    g_assert_cmpint (atoi (x[i]), ==, atoi (y[i]));
    g_assert_cmpfloat_with_epsilon (g_ascii_strtod (strchr (x[i], ':') + 1, NULL),
        g_ascii_strtod (strchr (y[i], ':') + 1, NULL), BATCH_BOUND);
  }
  g_strfreev (x);
  g_strfreev (y);
}

/* Element @name's windows in @got are those of @want, in order. */
static void
assert_same_results (Results * got, Results * want, const gchar * name)
{
  GPtrArray *g = g_hash_table_lookup (got->lines, name);
  GPtrArray *w = g_hash_table_lookup (want->lines, name);

  g_assert_nonnull (g);
  g_assert_nonnull (w);
  g_assert_cmpuint (g->len, ==, w->len);
  for (guint i = 0; i < g->len; i++)
    assert_same_window (g_ptr_array_index (g, i), g_ptr_array_index (w, i));
}

static void
wait_eos (GstElement * pipeline)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *msg = gst_bus_timed_pop_filtered (bus, 120 * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_WARNING);

  g_assert_nonnull (msg);
  g_assert_cmpint (GST_MESSAGE_TYPE (msg), ==, GST_MESSAGE_EOS);
  gst_message_unref (msg);
  gst_object_unref (bus);
}

static GstElement *
element (GstElement * pipeline, const gchar * fmt, guint n)
{
  gchar *name = g_strdup_printf (fmt, n);
  GstElement *e = gst_bin_get_by_name (GST_BIN (pipeline), name);

  g_assert_nonnull (e);
  g_free (name);
  return e;
}

static gdouble
mean_batch_size (GstElement * pipeline, guint n)
{
  gchar *name = g_strdup_printf ("s%u", n);
  GstElement *e = gst_bin_get_by_name (GST_BIN (pipeline), name);
  gdouble v;

  g_object_get (e, "mean-batch-size", &v, NULL);
  gst_object_unref (e);
  g_free (name);
  return v;
}

static guint64
stream_uint (GstElement * pipeline, guint n, const gchar * prop)
{
  gchar *name = g_strdup_printf ("s%u", n);
  guint64 v = pipeline_uint_property (pipeline, name, prop);

  g_free (name);
  return v;
}

#define model_users(p, n) stream_uint ((p), (n), "model-users")
#define classified(p, n) stream_uint ((p), (n), "windows-classified")

/* Runs streams @first.. (@n of them, @frames each) to EOS with @props,
 * collecting their results into @r. */
static void
run_streams (guint first, guint n, guint frames, const gchar * props, Results * r,
    gdouble * mean_batch)
{
  GstElement *p = pipeline_of (first, n, frames, props);

  results_init (r, p);
  pipeline_set_state (p, GST_STATE_PLAYING);
  wait_eos (p);
  if (mean_batch) {
    *mean_batch = 0;
    for (guint i = first; i < first + n; i++)
      *mean_batch += mean_batch_size (p, i) / n;
  }
  pipeline_set_state (p, GST_STATE_NULL);
  gst_object_unref (p);
}

/* Eight streams through one shared model, their windows in batches (a
 * timeout long enough for all eight to join), against each unshared. */
static void
test_eight_streams (void)
{
  Results batched, alone;
  gdouble mean_batched, mean_alone;
  GstElement *p = pipeline_of (0, 8, 48, ALIGNED "batch-timeout=200000000");

  pipeline_set_state (p, GST_STATE_PAUSED);
  g_assert_cmpuint (model_users (p, 0), ==, 8);
  pipeline_set_state (p, GST_STATE_NULL);
  gst_object_unref (p);

  run_streams (0, 8, 48, ALIGNED "batch-timeout=200000000", &batched, &mean_batched);
  run_streams (0, 8, 48, "share-model=false", &alone, &mean_alone);
  g_test_message ("mean batch size: shared %.2f, unshared %.2f", mean_batched, mean_alone);
  g_assert_cmpfloat (mean_alone, ==, 1.0);
  g_assert_cmpfloat (mean_batched, >, 2.0);
  for (guint i = 0; i < 8; i++) {
    gchar *name = g_strdup_printf ("s%u", i);

    assert_same_results (&batched, &alone, name);
    g_free (name);
  }
  results_clear (&batched);
  results_clear (&alone);
}

/* Two pipelines share a model; the second one seeks back twice (flushing)
 * and is ended (EOS) while the first runs. The first's windows are those it
 * gets alone. */
static void
test_seek_and_eos_one (void)
{
  Results ref, shared, other;
  GstElement *p, *q;

  run_streams (0, 1, 300, "share-model=false", &ref, NULL);
  p = pipeline_of (0, 1, 300, ALIGNED "batch-timeout=20000000");
  q = pipeline_of (1, 1, 3000, ALIGNED "batch-timeout=20000000");
  results_init (&shared, p);
  results_init (&other, q);
  pipeline_set_state (p, GST_STATE_PAUSED);
  pipeline_set_state (q, GST_STATE_PAUSED);
  g_assert_cmpuint (model_users (p, 0), ==, 2);
  pipeline_set_state (p, GST_STATE_PLAYING);
  pipeline_set_state (q, GST_STATE_PLAYING);
  for (guint seek = 1; seek <= 3; seek++) {
    while (classified (q, 1) < seek)
      g_usleep (2000);
    if (seek < 3)
      g_assert_true (gst_element_seek_simple (q, GST_FORMAT_TIME, GST_SEEK_FLAG_FLUSH, 0));
    else
      g_assert_true (gst_element_send_event (q, gst_event_new_eos ()));
  }
  wait_eos (q);
  /* the first is still running: its stream is long */
  g_assert_cmpuint (classified (p, 0), <, ((GPtrArray *) g_hash_table_lookup (ref.lines,
              "s0"))->len);
  pipeline_set_state (q, GST_STATE_NULL);
  wait_eos (p);
  assert_same_results (&shared, &ref, "s0");
  g_assert_cmpuint (((GPtrArray *) g_hash_table_lookup (other.lines, "s1"))->len, >=, 3);
  pipeline_set_state (p, GST_STATE_NULL);
  gst_object_unref (p);
  gst_object_unref (q);
  results_clear (&ref);
  results_clear (&shared);
  results_clear (&other);
}

/* Stream 2's branch is taken out of a running pipeline of three; streams
 * 0 and 1 go on to the results they get alone. */
static void
test_remove_element (void)
{
  Results ref, got;
  GstElement *p = pipeline_of (0, 3, 150, ALIGNED "batch-timeout=20000000");

  run_streams (0, 2, 150, "share-model=false", &ref, NULL);
  results_init (&got, p);
  pipeline_set_state (p, GST_STATE_PLAYING);
  while (classified (p, 2) < 2)
    g_usleep (2000);
  const gchar *parts[] = { "src%u", "s%u", "sink%u" };
  for (guint i = 0; i < G_N_ELEMENTS (parts); i++) {
    GstElement *e = element (p, parts[i], 2);

    gst_element_set_locked_state (e, TRUE);
    g_assert_cmpint (gst_element_set_state (e, GST_STATE_NULL), ==,
        GST_STATE_CHANGE_SUCCESS);
    g_assert_true (gst_bin_remove (GST_BIN (p), e));
    gst_object_unref (e);
  }
  g_assert_cmpuint (model_users (p, 0), ==, 2);
  wait_eos (p);
  assert_same_results (&got, &ref, "s0");
  assert_same_results (&got, &ref, "s1");
  pipeline_set_state (p, GST_STATE_NULL);
  gst_object_unref (p);
  results_clear (&ref);
  results_clear (&got);
}

/* The end PTS of element @name's @i-th window in @r. */
static guint64
window_end (Results * r, const gchar * name, guint i)
{
  GPtrArray *list = g_hash_table_lookup (r->lines, name);

  g_assert_nonnull (list);
  g_assert_cmpuint (i, <, list->len);
  return g_ascii_strtoull (strchr (g_ptr_array_index (list, i), '-') + 1, NULL, 10);
}

/* inference-phase N delays a stream's first window by N sampled frames and
 * keeps the interval after it; -1 (the default) gives the elements sharing
 * a model phases 0, 1, 2, ... in the order they start, so four streams with
 * inference-interval 4 fall due on four different frames, each window
 * still the one that stream gets alone at its phase. Every other frame is
 * sampled (frame-interval 2), so a sampled frame is two frames apart. */
static void
test_phases (void)
{
  const GstClockTime sample = 2 * GST_SECOND / 30;
  Results base, shifted, autos;

  run_streams (0, 1, 90, "share-model=false frame-interval=2", &base, NULL);
  run_streams (0, 1, 90, "share-model=false frame-interval=2 inference-phase=6", &shifted,
      NULL);
  /* 6 modulo the interval (4) is 2: two sampled frames later, then every 4 */
  g_assert_cmpuint (window_end (&shifted, "s0", 0) - window_end (&base, "s0", 0), <=,
      2 * sample + GST_MSECOND);
  g_assert_cmpuint (window_end (&shifted, "s0", 0) - window_end (&base, "s0", 0), >=,
      2 * sample - GST_MSECOND);
  g_assert_cmpuint (window_end (&shifted, "s0", 1) - window_end (&shifted, "s0", 0), <=,
      4 * sample + GST_MSECOND);

  run_streams (0, 4, 90, "frame-interval=2 batch-timeout=20000000",
      &autos, NULL);
  gboolean seen[4] = { FALSE };
  for (guint i = 0; i < 4; i++) {
    gchar *name = g_strdup_printf ("s%u", i);
    gchar *props = NULL;
    Results alone;
    guint phase = (guint) ((window_end (&autos, name, 0) - window_end (&base, "s0", 0)
            + GST_MSECOND) / sample);

    g_assert_cmpuint (phase, <, 4);
    g_assert_false (seen[phase]);
    seen[phase] = TRUE;
    props = g_strdup_printf ("share-model=false frame-interval=2 inference-phase=%u", phase);
    run_streams (i, 1, 90, props, &alone, NULL);
    assert_same_results (&autos, &alone, name);
    results_clear (&alone);
    g_free (props);
    g_free (name);
  }
  results_clear (&base);
  results_clear (&shifted);
  results_clear (&autos);
}

/* An element that stops gives its phase back: with three elements holding
 * phases 0, 1 and 2 (started one after another), the second one stopping
 * lets the next to start take phase 1, not 3 (the number of others). */
static void
test_phase_given_back (void)
{
  const GstClockTime sample = 2 * GST_SECOND / 30;
  Results base, later;
  GstElement *held[3];

  run_streams (0, 1, 90, "share-model=false frame-interval=2", &base, NULL);
  for (guint i = 0; i < 3; i++) {
    held[i] = pipeline_of (i, 1, 90, "frame-interval=2");
    pipeline_set_state (held[i], GST_STATE_PAUSED);
  }
  g_assert_cmpuint (model_users (held[0], 0), ==, 3);
  pipeline_set_state (held[1], GST_STATE_NULL);
  run_streams (3, 1, 90, "frame-interval=2", &later, NULL);
  g_assert_cmpuint (window_end (&later, "s3", 0) - window_end (&base, "s0", 0), <=,
      sample + GST_MSECOND);
  g_assert_cmpuint (window_end (&later, "s3", 0) - window_end (&base, "s0", 0), >=,
      sample - GST_MSECOND);
  for (guint i = 0; i < 3; i++) {
    pipeline_set_state (held[i], GST_STATE_NULL);
    gst_object_unref (held[i]);
  }
  results_clear (&base);
  results_clear (&later);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/infer/batch/eight-streams", test_eight_streams);
  g_test_add_func ("/infer/batch/seek-and-eos-one", test_seek_and_eos_one);
  g_test_add_func ("/infer/batch/remove-element", test_remove_element);
  g_test_add_func ("/infer/batch/phases", test_phases);
  g_test_add_func ("/infer/batch/phase-given-back", test_phase_given_back);
  return g_test_run ();
}
