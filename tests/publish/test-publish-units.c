/* test-publish-units.c: uniformerpublish's pieces on their own: the outbox
 * (bounded, drops the oldest, counts, drains, stops a consumer thread or
 * leaves a stuck one behind) and the JSON of results and of any action
 * event structure. */
#include <string.h>
#include <json-glib/json-glib.h>
#include <gst/gst.h>

#include "uniformer-json.h"
#include "uniformer-outbox.h"

static void
test_outbox_drops_oldest (void)
{
  UniformerOutbox *box = uniformer_outbox_new (3, NULL);
  UniformerMessage *msg;

  g_assert_nonnull (box);
  for (guint i = 0; i < 5; i++)
    g_assert_true (uniformer_outbox_push (box, NULL, g_strdup_printf ("%u", i)) == (i < 3));
  g_assert_cmpuint (uniformer_outbox_dropped_count (box), ==, 2);
  /* the most recent three are kept, in order */
  for (guint i = 2; i < 5; i++) {
    gchar *want = g_strdup_printf ("%u", i);
    msg = uniformer_outbox_pop (box);
    g_assert_cmpstr (msg->payload, ==, want);
    g_assert_null (msg->topic);
    uniformer_message_free (msg);
    g_free (want);
  }
  g_assert_null (uniformer_outbox_pop (box));
  g_assert_true (uniformer_outbox_is_empty (box));
  /* three pending until reported */
  g_assert_false (uniformer_outbox_wait_drained (box, g_get_monotonic_time () + 1000));
  uniformer_outbox_sent (box, 2);
  uniformer_outbox_lost (box, 1);
  g_assert_true (uniformer_outbox_wait_drained (box, g_get_monotonic_time ()));
  g_assert_cmpuint (uniformer_outbox_sent_count (box), ==, 2);
  g_assert_cmpuint (uniformer_outbox_dropped_count (box), ==, 3);
  uniformer_outbox_unref (box);
}

typedef struct {
  guint taken;
  gint64 block_until;           /* the consumer ignores the close until then */
} Consumer;

/* Takes messages as they come, until the close. */
static void
take_messages (UniformerOutbox * box, gpointer data)
{
  Consumer *c = data;

  uniformer_outbox_set_online (box, TRUE, NULL);
  while (!uniformer_outbox_is_closing (box) || g_get_monotonic_time () < c->block_until) {
    UniformerMessage *msg;

    uniformer_outbox_clear_wakeup (box);
    while ((msg = uniformer_outbox_pop (box))) {
      c->taken++;
      uniformer_message_free (msg);
      uniformer_outbox_sent (box, 1);
    }
    g_usleep (1000);
  }
  uniformer_outbox_discard (box);
}

static void
test_outbox_thread (void)
{
  UniformerOutbox *box = uniformer_outbox_new (100, NULL);
  Consumer *c = g_new0 (Consumer, 1);
  gint64 t0;

  g_assert_true (uniformer_outbox_start (box, "test-consumer", take_messages, c, g_free,
          NULL));
  for (guint i = 0; i < 50; i++)
    uniformer_outbox_push (box, g_strdup ("t"), g_strdup ("x"));
  g_assert_true (uniformer_outbox_wait_drained (box, g_get_monotonic_time () + 5 *
          G_USEC_PER_SEC));
  g_assert_cmpuint (c->taken, ==, 50);
  g_assert_true (uniformer_outbox_get_online (box, NULL));
  t0 = g_get_monotonic_time ();
  g_assert_true (uniformer_outbox_stop (box, 100 * 1000));
  g_assert_cmpint (g_get_monotonic_time () - t0, <, G_USEC_PER_SEC);
  /* pushes after the stop are dropped */
  g_assert_false (uniformer_outbox_push (box, NULL, g_strdup ("late")));
  g_assert_cmpuint (uniformer_outbox_sent_count (box), ==, 50);
  g_assert_cmpuint (uniformer_outbox_dropped_count (box), ==, 1);
  uniformer_outbox_unref (box);
}

/* A consumer that does not return in time (a connect() to a host that
 * drops packets) is left behind: stop() returns after grace + 1 s, and the
 * thread frees the outbox and its data when it is done. */
static void
test_outbox_stuck_consumer (void)
{
  UniformerOutbox *box = uniformer_outbox_new (4, NULL);
  Consumer *c = g_new0 (Consumer, 1);
  gint64 t0;

  c->block_until = g_get_monotonic_time () + 3 * G_USEC_PER_SEC;
  g_assert_true (uniformer_outbox_start (box, "test-stuck", take_messages, c, g_free,
          NULL));
  t0 = g_get_monotonic_time ();
  g_assert_false (uniformer_outbox_stop (box, 200 * 1000));
  g_assert_cmpint (g_get_monotonic_time () - t0, <, 2 * G_USEC_PER_SEC);
  uniformer_outbox_unref (box);
  /* let it finish, so that its memory is freed before the process exits */
  g_usleep (2500 * 1000);
}

static JsonObject *
parse_object (const gchar * text, JsonParser ** parser)
{
  GError *error = NULL;

  *parser = json_parser_new ();
  g_assert_true (json_parser_load_from_data (*parser, text, -1, &error));
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (*parser)));
  return json_node_get_object (json_parser_get_root (*parser));
}

static void
test_json_result (void)
{
  GstBuffer *buf = gst_buffer_new ();
  const gint ids[] = { 4, 0 };
  const gchar *labels[] = { "wave \"hello\"", "sit" };
  const gdouble scores[] = { 0.625, 0.25 };
  GstUniformerMeta *meta = gst_buffer_add_uniformer_meta (buf, 2, ids, labels, scores,
      100, 900, 8, 1234, "m");
  UniformerJsonContext ctx = { "cam/1", NULL, 1700000000123456 };
  gchar *text = uniformer_json_result (&ctx, meta, 1000, 5000, GST_CLOCK_TIME_NONE);
  JsonParser *parser;
  JsonObject *o = parse_object (text, &parser);
  JsonArray *a;

  g_assert_null (strchr (text, '\n'));
  g_assert_cmpint (json_object_get_int_member (o, "schema"), ==, UNIFORMER_JSON_SCHEMA);
  g_assert_cmpstr (json_object_get_string_member (o, "type"), ==, "result");
  g_assert_cmpstr (json_object_get_string_member (o, "source"), ==, "cam/1");
  g_assert_true (json_object_get_null_member (o, "stream_id"));
  g_assert_cmpstr (json_object_get_string_member (o, "utc"), ==, "2023-11-14T22:13:20.123Z");
  g_assert_cmpint (json_object_get_int_member (o, "pts"), ==, 1000);
  g_assert_cmpint (json_object_get_int_member (o, "running_time"), ==, 5000);
  g_assert_true (json_object_get_null_member (o, "stream_time"));
  g_assert_cmpint (json_object_get_int_member (o, "window_start"), ==, 100);
  g_assert_cmpint (json_object_get_int_member (o, "window_end"), ==, 900);
  g_assert_cmpint (json_object_get_int_member (o, "frames"), ==, 8);
  g_assert_cmpint (json_object_get_int_member (o, "inference_time"), ==, 1234);
  g_assert_cmpstr (json_object_get_string_member (o, "model"), ==, "m");
  a = json_object_get_array_member (o, "labels");
  g_assert_cmpuint (json_array_get_length (a), ==, 2);
  g_assert_cmpstr (json_array_get_string_element (a, 0), ==, "wave \"hello\"");
  a = json_object_get_array_member (o, "class_ids");
  g_assert_cmpint (json_array_get_int_element (a, 0), ==, 4);
  g_assert_cmpint (json_array_get_int_element (a, 1), ==, 0);
  a = json_object_get_array_member (o, "scores");
  g_assert_cmpfloat (json_array_get_double_element (a, 0), ==, 0.625);
  g_assert_cmpfloat (json_array_get_double_element (a, 1), ==, 0.25);
  g_object_unref (parser);
  g_free (text);
  gst_buffer_unref (buf);
}

/* Every field, whatever its type, is carried; names get '_' for '-'; the
 * envelope's fields are not overwritten. */
static void
test_json_action_generic (void)
{
  GstStructure *s = gst_structure_from_string ("uniformer-action, label=(string)wave, "
      "class-id=(int)3, state=(string)ended, start-pts=(guint64)100, "
      "end-pts=(guint64)18446744073709551615, peak-score=(double)0.5, windows=(uint)4, "
      "flag=(boolean)true, big=(gint64)-5, ratio=(fraction)30/1, list=(int)< 1, 2 >, "
      "inner=(structure)\"in, x-y=(int)7;\", type=(string)evil, source=(string)evil", NULL);
  UniformerJsonContext ctx = { "cam", "sid", 0 };
  gchar *text;
  JsonParser *parser;
  JsonObject *o, *inner;
  JsonArray *list;

  g_assert_nonnull (s);
  text = uniformer_json_action (&ctx, s);
  o = parse_object (text, &parser);
  g_assert_cmpstr (json_object_get_string_member (o, "type"), ==, "action");
  g_assert_cmpstr (json_object_get_string_member (o, "source"), ==, "cam");
  g_assert_cmpstr (json_object_get_string_member (o, "stream_id"), ==, "sid");
  g_assert_cmpstr (json_object_get_string_member (o, "utc"), ==, "1970-01-01T00:00:00.000Z");
  g_assert_cmpstr (json_object_get_string_member (o, "label"), ==, "wave");
  g_assert_cmpint (json_object_get_int_member (o, "class_id"), ==, 3);
  g_assert_cmpstr (json_object_get_string_member (o, "state"), ==, "ended");
  g_assert_cmpint (json_object_get_int_member (o, "start_pts"), ==, 100);
  g_assert_true (json_object_get_null_member (o, "end_pts"));
  g_assert_cmpfloat (json_object_get_double_member (o, "peak_score"), ==, 0.5);
  g_assert_cmpint (json_object_get_int_member (o, "windows"), ==, 4);
  g_assert_true (json_object_get_boolean_member (o, "flag"));
  g_assert_cmpint (json_object_get_int_member (o, "big"), ==, -5);
  g_assert_cmpstr (json_object_get_string_member (o, "ratio"), ==, "30/1");
  list = json_object_get_array_member (o, "list");
  g_assert_cmpuint (json_array_get_length (list), ==, 2);
  g_assert_cmpint (json_array_get_int_element (list, 1), ==, 2);
  inner = json_object_get_object_member (o, "inner");
  g_assert_cmpint (json_object_get_int_member (inner, "x_y"), ==, 7);
  g_object_unref (parser);
  g_free (text);
  gst_structure_free (s);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/publish/outbox/drops-oldest", test_outbox_drops_oldest);
  g_test_add_func ("/publish/outbox/thread", test_outbox_thread);
  g_test_add_func ("/publish/outbox/stuck-consumer", test_outbox_stuck_consumer);
  g_test_add_func ("/publish/json/result", test_json_result);
  g_test_add_func ("/publish/json/action-generic", test_json_action_generic);
  return g_test_run ();
}
