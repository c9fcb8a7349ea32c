/* test-publish.c: uniformerpublish through GstHarness. File mode: results
 * from metas and pushed "uniformer-action" events become JSON lines with
 * every field (read back with json-glib), buffers and events pass through,
 * standard output works, an unwritable location fails with RESOURCE
 * OPEN_WRITE. MQTT mode without a broker: bad settings fail at start, and
 * with nothing listening the stream never waits, the oldest messages are
 * dropped and counted, and the warnings are posted (tests/publish's Python
 * test does the rest against a real mosquitto). */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>

#include "gstuniformermeta.h"

#define SEGMENT_BASE (5 * GST_SECOND)

static GstHarness *
publish_harness (const gchar * props)
{
  gchar *desc = g_strdup_printf ("uniformerpublish %s", props);
  GstHarness *h = gst_harness_new_parse (desc);
  GstBus *bus = gst_bus_new ();

  g_free (desc);
  gst_element_set_bus (h->element, bus);
  gst_object_unref (bus);
  gst_harness_set_src_caps_str (h, "video/x-raw,format=RGBA,width=4,height=4");
  return h;
}

static GstElement *
publish_element (GstHarness * h)
{
  GstElement *e = gst_harness_find_element (h, "uniformerpublish");

  g_assert_nonnull (e);
  gst_object_unref (e);         /* the harness's bin keeps it */
  return e;
}

static GstBuffer *
result_buffer (GstClockTime pts, guint n)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, 64, NULL);
  const gint ids[] = { 3, 1 };
  const gchar *labels[] = { "waving", "running" };
  const gdouble scores[] = { 0.75, 0.125 };

  GST_BUFFER_PTS (buf) = pts;
  gst_buffer_add_uniformer_meta (buf, n, ids, labels, scores, pts - 933333333, pts, 8,
      12000000, "test model");
  return buf;
}

static GstEvent *
action_event (const gchar * state)
{
  gboolean ended = g_str_equal (state, "ended");
  GstStructure *s = gst_structure_new ("uniformer-action",
      "label", G_TYPE_STRING, "waving", "class-id", G_TYPE_INT, 3,
      "state", G_TYPE_STRING, state,
      "start-pts", G_TYPE_UINT64, (guint64) GST_SECOND,
      "start-running-time", G_TYPE_UINT64, (guint64) (GST_SECOND + SEGMENT_BASE),
      "end-pts", G_TYPE_UINT64, ended ? (guint64) 3 * GST_SECOND : GST_CLOCK_TIME_NONE,
      "end-running-time", G_TYPE_UINT64, ended ? (guint64) 3 * GST_SECOND + SEGMENT_BASE
      : GST_CLOCK_TIME_NONE,
      "peak-score", G_TYPE_DOUBLE, 0.75, "mean-score", G_TYPE_DOUBLE, 0.5,
      "windows", G_TYPE_UINT, ended ? 5 : 2, "model", G_TYPE_STRING, "test model", NULL);

  if (ended)
    gst_structure_set (s, "reason", G_TYPE_STRING, "score-dropped", NULL);
  return gst_event_new_custom (GST_EVENT_CUSTOM_DOWNSTREAM, s);
}

/* Pushes @buf and checks that the same buffer came out, untouched. */
static void
push_through (GstHarness * h, GstBuffer * buf)
{
  GstBuffer *out;

  g_assert_cmpint (gst_harness_push (h, gst_buffer_ref (buf)), ==, GST_FLOW_OK);
  out = gst_harness_pull (h);
  g_assert_true (out == buf);
  gst_buffer_unref (out);
  gst_buffer_unref (buf);
}

/* The custom events that came out, in order. */
static guint
pull_action_events (GstHarness * h)
{
  GstEvent *ev;
  guint n = 0;

  while ((ev = gst_harness_try_pull_event (h))) {
    if (GST_EVENT_TYPE (ev) == GST_EVENT_CUSTOM_DOWNSTREAM
        && gst_structure_has_name (gst_event_get_structure (ev), "uniformer-action"))
      n++;
    gst_event_unref (ev);
  }
  return n;
}

static void
assert_no_problem (GstHarness * h)
{
  GstBus *bus = gst_element_get_bus (h->element);
  GstMessage *msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR | GST_MESSAGE_WARNING);

  if (msg)
    g_error ("unexpected message: %" GST_PTR_FORMAT, msg);
  gst_object_unref (bus);
}

static GPtrArray *
read_lines (const gchar * path)
{
  gchar *text = NULL;
  gchar **lines;
  GPtrArray *objects = g_ptr_array_new_with_free_func ((GDestroyNotify) g_object_unref);

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_assert_true (g_str_has_suffix (text, "\n"));
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] && *lines[i]; i++) {
    JsonParser *p = json_parser_new ();
    GError *error = NULL;

    g_assert_true (json_parser_load_from_data (p, lines[i], -1, &error));
    g_assert_no_error (error);
    g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (p)));
    g_ptr_array_add (objects, p);
  }
  g_strfreev (lines);
  g_free (text);
  return objects;
}

static JsonObject *
line (GPtrArray * objects, guint i)
{
  return json_node_get_object (json_parser_get_root (g_ptr_array_index (objects, i)));
}

static void
check_envelope (JsonObject * o, const gchar * type)
{
  GDateTime *utc = g_date_time_new_from_iso8601 (json_object_get_string_member (o, "utc"),
      NULL);
  GDateTime *now = g_date_time_new_now_utc ();

  g_assert_cmpint (json_object_get_int_member (o, "schema"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (o, "type"), ==, type);
  g_assert_cmpstr (json_object_get_string_member (o, "source"), ==, "cam");
  g_assert_nonnull (json_object_get_string_member (o, "stream_id"));
  g_assert_nonnull (utc);
  g_assert_cmpint (ABS (g_date_time_difference (now, utc)), <, 60 * G_TIME_SPAN_SECOND);
  g_date_time_unref (utc);
  g_date_time_unref (now);
}

static void
check_result (JsonObject * o, GstClockTime pts, guint n)
{
  JsonArray *labels = json_object_get_array_member (o, "labels");
  JsonArray *ids = json_object_get_array_member (o, "class_ids");
  JsonArray *scores = json_object_get_array_member (o, "scores");

  check_envelope (o, "result");
  g_assert_cmpint (json_object_get_int_member (o, "pts"), ==, pts);
  g_assert_cmpint (json_object_get_int_member (o, "running_time"), ==, pts + SEGMENT_BASE);
  g_assert_cmpint (json_object_get_int_member (o, "stream_time"), ==, pts);
  g_assert_cmpint (json_object_get_int_member (o, "window_start"), ==, pts - 933333333);
  g_assert_cmpint (json_object_get_int_member (o, "window_end"), ==, pts);
  g_assert_cmpint (json_object_get_int_member (o, "frames"), ==, 8);
  g_assert_cmpint (json_object_get_int_member (o, "inference_time"), ==, 12000000);
  g_assert_cmpstr (json_object_get_string_member (o, "model"), ==, "test model");
  g_assert_cmpuint (json_array_get_length (labels), ==, n);
  g_assert_cmpuint (json_array_get_length (ids), ==, n);
  g_assert_cmpuint (json_array_get_length (scores), ==, n);
  if (n == 2) {
    g_assert_cmpstr (json_array_get_string_element (labels, 0), ==, "waving");
    g_assert_cmpstr (json_array_get_string_element (labels, 1), ==, "running");
    g_assert_cmpint (json_array_get_int_element (ids, 0), ==, 3);
    g_assert_cmpint (json_array_get_int_element (ids, 1), ==, 1);
    g_assert_cmpfloat (json_array_get_double_element (scores, 0), ==, 0.75);
    g_assert_cmpfloat (json_array_get_double_element (scores, 1), ==, 0.125);
  }
}

static void
check_action (JsonObject * o, const gchar * state)
{
  gboolean ended = g_str_equal (state, "ended");

  check_envelope (o, "action");
  g_assert_cmpstr (json_object_get_string_member (o, "label"), ==, "waving");
  g_assert_cmpint (json_object_get_int_member (o, "class_id"), ==, 3);
  g_assert_cmpstr (json_object_get_string_member (o, "state"), ==, state);
  g_assert_cmpint (json_object_get_int_member (o, "start_pts"), ==, GST_SECOND);
  g_assert_cmpint (json_object_get_int_member (o, "start_running_time"), ==,
      GST_SECOND + SEGMENT_BASE);
  if (ended) {
    g_assert_cmpint (json_object_get_int_member (o, "end_pts"), ==, 3 * GST_SECOND);
    g_assert_cmpint (json_object_get_int_member (o, "end_running_time"), ==,
        3 * GST_SECOND + SEGMENT_BASE);
    g_assert_cmpstr (json_object_get_string_member (o, "reason"), ==, "score-dropped");
  } else {
    g_assert_true (json_object_get_null_member (o, "end_pts"));
    g_assert_true (json_object_get_null_member (o, "end_running_time"));
    g_assert_false (json_object_has_member (o, "reason"));
  }
  g_assert_cmpfloat (json_object_get_double_member (o, "peak_score"), ==, 0.75);
  g_assert_cmpfloat (json_object_get_double_member (o, "mean_score"), ==, 0.5);
  g_assert_cmpint (json_object_get_int_member (o, "windows"), ==, ended ? 5 : 2);
  g_assert_cmpstr (json_object_get_string_member (o, "model"), ==, "test model");
}

/* Results, a buffer without one, two action events, EOS; then the file. */
static void
push_stream (GstHarness * h)
{
  GstSegment seg;
  GstBuffer *plain = gst_buffer_new_allocate (NULL, 64, NULL);

  gst_segment_init (&seg, GST_FORMAT_TIME);
  seg.base = SEGMENT_BASE;
  g_assert_true (gst_harness_push_event (h, gst_event_new_segment (&seg)));
  push_through (h, result_buffer (GST_SECOND, 2));
  GST_BUFFER_PTS (plain) = 2 * GST_SECOND;
  push_through (h, plain);
  g_assert_true (gst_harness_push_event (h, action_event ("started")));
  g_assert_true (gst_harness_push_event (h, action_event ("ended")));
  push_through (h, result_buffer (3 * GST_SECOND, 0));
  g_assert_true (gst_harness_push_event (h, gst_event_new_eos ()));
  g_assert_cmpuint (pull_action_events (h), ==, 2);
}

static void
check_stream_lines (const gchar * path)
{
  GPtrArray *objects = read_lines (path);

  g_assert_cmpuint (objects->len, ==, 4);
  check_result (line (objects, 0), GST_SECOND, 2);
  check_action (line (objects, 1), "started");
  check_action (line (objects, 2), "ended");
  check_result (line (objects, 3), 3 * GST_SECOND, 0);
  g_ptr_array_unref (objects);
}

/* A file in a directory of its own, removed (both asserted there) by
 * out_file_free. */
typedef struct {
  gchar *dir, *path;
} OutFile;

static OutFile
out_file_new (const gchar * name)
{
  OutFile f = { g_dir_make_tmp ("uf-publish-XXXXXX", NULL), NULL };

  f.path = g_build_filename (f.dir, name, NULL);
  return f;
}

static void
out_file_free (OutFile * f)
{
  g_assert_cmpint (g_unlink (f->path), ==, 0);
  g_assert_cmpint (g_rmdir (f->dir), ==, 0);
  g_free (f->path);
  g_free (f->dir);
}

static void
test_file_lines (void)
{
  OutFile out = out_file_new ("out.jsonl");
  gchar *props = g_strdup_printf ("location=%s source-name=cam", out.path);
  GstHarness *h = publish_harness (props);
  GstElement *e = publish_element (h);
  guint64 published, dropped;
  gboolean connected;

  push_stream (h);
  /* complete at EOS, before the element stops */
  check_stream_lines (out.path);
  g_object_get (e, "messages-published", &published, "messages-dropped", &dropped,
      "connected", &connected, NULL);
  g_assert_cmpuint (published, ==, 4);
  g_assert_cmpuint (dropped, ==, 0);
  g_assert_true (connected);
  assert_no_problem (h);
  gst_harness_teardown (h);
  out_file_free (&out);
  g_free (props);
}

/* uniformerinfer's region modes put each track's result on its region's
 * meta: one result line per region, with its track and box. */
static void
test_file_regions (void)
{
  OutFile out = out_file_new ("regions.jsonl");
  gchar *props = g_strdup_printf ("location=%s source-name=cam", out.path);
  GstHarness *h = publish_harness (props);
  GstBuffer *buf = result_buffer (GST_SECOND, 2), *carrier = gst_buffer_new ();
  GstUniformerMeta *meta = gst_buffer_get_uniformer_meta (buf);
  GstSegment seg;

  /* the result as a region parameter, the way uniformerinfer writes it */
  gst_buffer_add_uniformer_meta (carrier, meta->n_results, meta->class_ids,
      (const gchar **) meta->labels, meta->scores, meta->window_start, meta->window_end,
      meta->frames, meta->inference_time, meta->model_name);
  gst_buffer_remove_meta (buf, (GstMeta *) meta);
  for (gint id = 4; id <= 5; id++) {
    GstVideoRegionOfInterestMeta *roi = gst_buffer_add_video_region_of_interest_meta (buf,
        "person", 10 * id, 20, 30, 40);
    GstStructure *s = gst_uniformer_meta_to_structure (gst_buffer_get_uniformer_meta (carrier));

    roi->id = id;
    gst_structure_set (s, "track-id", G_TYPE_INT, id, "region-x", G_TYPE_UINT, 10 * id,
        "region-y", G_TYPE_UINT, 20, "region-width", G_TYPE_UINT, 30, "region-height",
        G_TYPE_UINT, 40, "region-type", G_TYPE_STRING, "person", NULL);
    gst_video_region_of_interest_meta_add_param (roi, s);
  }
  gst_buffer_unref (carrier);
  gst_segment_init (&seg, GST_FORMAT_TIME);
  seg.base = SEGMENT_BASE;
  g_assert_true (gst_harness_push_event (h, gst_event_new_segment (&seg)));
  push_through (h, buf);
  g_assert_true (gst_harness_push_event (h, gst_event_new_eos ()));
  GPtrArray *objects = read_lines (out.path);
  g_assert_cmpuint (objects->len, ==, 2);
  for (guint i = 0; i < 2; i++) {
    JsonObject *o = line (objects, i);

    check_result (o, GST_SECOND, 2);
    g_assert_cmpint (json_object_get_int_member (o, "track_id"), ==, 4 + i);
    g_assert_cmpint (json_object_get_int_member (o, "region_x"), ==, 10 * (4 + i));
    g_assert_cmpint (json_object_get_int_member (o, "region_height"), ==, 40);
    g_assert_cmpstr (json_object_get_string_member (o, "region_type"), ==, "person");
  }
  g_ptr_array_unref (objects);
  assert_no_problem (h);
  gst_harness_teardown (h);
  out_file_free (&out);
  g_free (props);
}

/* location=- writes to standard output, here redirected to a file. */
static void
test_stdout (void)
{
  OutFile out = out_file_new ("stdout.jsonl");
  int fd = g_open (out.path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  int saved = dup (STDOUT_FILENO);
  GstHarness *h;

  g_assert_cmpint (fd, >=, 0);
  fflush (stdout);
  g_assert_cmpint (dup2 (fd, STDOUT_FILENO), ==, STDOUT_FILENO);
  h = publish_harness ("source-name=cam");
  push_stream (h);
  gst_harness_teardown (h);
  fflush (stdout);
  g_assert_cmpint (dup2 (saved, STDOUT_FILENO), ==, STDOUT_FILENO);
  close (saved);
  close (fd);
  check_stream_lines (out.path);
  out_file_free (&out);
}

/* The element on its own, with a bus, in NULL. */
static GstElement *
new_publish (GstBus ** bus)
{
  GstElement *e = gst_element_factory_make ("uniformerpublish", NULL);

  g_assert_nonnull (e);
  *bus = gst_bus_new ();
  gst_element_set_bus (e, *bus);
  return e;
}

/* Starting fails with an error of @domain/@code whose text has @needle. */
static void
assert_start_fails (GstElement * e, GstBus * bus, GQuark domain, gint code,
    const gchar * needle)
{
  GstMessage *msg;
  GError *error = NULL;
  gchar *debug = NULL;

  g_assert_cmpint (gst_element_set_state (e, GST_STATE_PAUSED), ==,
      GST_STATE_CHANGE_FAILURE);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  g_assert_nonnull (msg);
  gst_message_parse_error (msg, &error, &debug);
  g_assert_error (error, domain, code);
  if (!strstr (error->message, needle) && !(debug && strstr (debug, needle)))
    g_error ("\"%s\" in neither \"%s\" nor \"%s\"", needle, error->message, debug);
  g_error_free (error);
  g_free (debug);
  gst_message_unref (msg);
  gst_element_set_state (e, GST_STATE_NULL);
}

static void
test_file_open_error (void)
{
  GstBus *bus;
  GstElement *e = new_publish (&bus);

  g_object_set (e, "location", "/nonexistent-dir/results.jsonl", NULL);
  assert_start_fails (e, bus, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_WRITE,
      "/nonexistent-dir/results.jsonl");
  gst_object_unref (e);
  gst_object_unref (bus);
}

static void
test_mqtt_bad_settings (void)
{
  GstBus *bus;
  GstElement *e = new_publish (&bus);

  g_object_set (e, "mode", 1, "topic", "cams/+/x", NULL);
  assert_start_fails (e, bus, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS, "cams/+/x");
  g_object_set (e, "topic", "cams/{source}", "tls-ca-file", "/nonexistent/ca.pem", NULL);
  assert_start_fails (e, bus, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ,
      "/nonexistent/ca.pem");
  g_object_set (e, "tls-ca-file", NULL, "password", "secret", NULL);
  assert_start_fails (e, bus, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS, "username");
  gst_object_unref (e);
  gst_object_unref (bus);
}

/* A loopback port nothing listens on. */
static guint16
closed_port (void)
{
  GSocket *s = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
      G_SOCKET_PROTOCOL_TCP, NULL);
  GInetAddress *lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  GSocketAddress *any = g_inet_socket_address_new (lo, 0);
  GInetSocketAddress *bound;
  guint16 port;

  g_assert_true (g_socket_bind (s, any, FALSE, NULL));
  bound = G_INET_SOCKET_ADDRESS (g_socket_get_local_address (s, NULL));
  port = g_inet_socket_address_get_port (bound);
  g_object_unref (bound);
  g_object_unref (any);
  g_object_unref (lo);
  g_object_unref (s);
  return port;
}

/* The warnings on @bus, as GErrors. */
static GPtrArray *
pop_warnings (GstBus * bus)
{
  GPtrArray *errors = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
  GstMessage *msg;

  while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING))) {
    GError *error = NULL;

    gst_message_parse_warning (msg, &error, NULL);
    g_ptr_array_add (errors, error);
    gst_message_unref (msg);
  }
  return errors;
}

/* How many of @errors start with @prefix; each has @domain and @code. */
static guint
count_errors (GPtrArray * errors, const gchar * prefix, GQuark domain, gint code)
{
  guint n = 0;

  for (guint i = 0; i < errors->len; i++) {
    GError *error = g_ptr_array_index (errors, i);

    if (g_str_has_prefix (error->message, prefix)) {
      g_assert_error (error, domain, code);
      n++;
    }
  }
  return n;
}

static void
test_mqtt_no_broker (void)
{
  gchar *props = g_strdup_printf ("mode=mqtt host=127.0.0.1 port=%u max-queue=3 "
      "reconnect-delay=20 max-reconnect-delay=100 source-name=cam", closed_port ());
  GstHarness *h = publish_harness (props);
  GstElement *e = publish_element (h);
  GstBus *bus = gst_element_get_bus (h->element);
  guint64 dropped = 0, published = 0;
  gboolean connected = TRUE;
  GPtrArray *warnings;
  gint64 t0 = g_get_monotonic_time ();

  for (guint i = 1; i <= 20; i++)
    push_through (h, result_buffer (i * GST_SECOND, 2));
  /* pushing never waited for the broker */
  g_assert_cmpint (g_get_monotonic_time () - t0, <, G_USEC_PER_SEC);
  g_object_get (e, "messages-dropped", &dropped, "messages-published", &published,
      "connected", &connected, NULL);
  g_assert_cmpuint (dropped, ==, 17);
  g_assert_cmpuint (published, ==, 0);
  g_assert_false (connected);
  /* one drop warning for the burst (at most one per 10 s), and one from
   * the thread for the outage however often it retried; counted before the
   * teardown, as the bus flushes in NULL */
  g_usleep (300 * 1000);
  warnings = pop_warnings (bus);
  g_assert_cmpuint (count_errors (warnings, "Dropped 1 message ", GST_RESOURCE_ERROR,
          GST_RESOURCE_ERROR_WRITE), ==, 1);
  g_assert_cmpuint (count_errors (warnings, "Could not connect", GST_RESOURCE_ERROR,
          GST_RESOURCE_ERROR_OPEN_WRITE), ==, 1);
  g_assert_cmpuint (warnings->len, ==, 2);
  g_ptr_array_unref (warnings);
  t0 = g_get_monotonic_time ();
  gst_harness_teardown (h);
  /* stopping does not wait for a broker that is not there */
  g_assert_cmpint (g_get_monotonic_time () - t0, <, G_USEC_PER_SEC);
  gst_object_unref (bus);
  g_free (props);
}

int
main (int argc, char **argv)
{
  GError *error = NULL;
  GstPlugin *plugin;

  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  plugin = gst_plugin_load_file (UNIFORMER_PLUGIN_FILE, &error);
  g_assert_no_error (error);
  gst_object_unref (plugin);

  g_test_add_func ("/publish/file/lines", test_file_lines);
  g_test_add_func ("/publish/file/stdout", test_stdout);
  g_test_add_func ("/publish/file/regions", test_file_regions);
  g_test_add_func ("/publish/file/open-error", test_file_open_error);
  g_test_add_func ("/publish/mqtt/bad-settings", test_mqtt_bad_settings);
  g_test_add_func ("/publish/mqtt/no-broker", test_mqtt_no_broker);
  return g_test_run ();
}
