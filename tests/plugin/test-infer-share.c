/* test-infer-share.c: uniformerinfer elements sharing one device and one
 * loaded model (share-model, the gst-uniformer.model-cache context), in real
 * pipelines on the tiny model: who shares with whom (model-users), that a
 * group named by a context keeps elements apart, and that one pipeline
 * stopping frees nothing another still uses. */
#include "plugin-test-util.h"

#define FRAMES 48               /* six windows' worth at the default spacing */

static GstElement *
pipeline_new (const gchar * branches)
{
  GError *error = NULL;
  GstElement *p = gst_parse_launch (branches, &error);

  g_assert_no_error (error);
  return p;
}

/* "videotestsrc ... ! uniformerinfer name=@name @props ! fakesink" */
static gchar *
branch (const gchar * name, const gchar * props)
{
  return g_strdup_printf ("videotestsrc num-buffers=%d ! video/x-raw,width=64,height=48,"
      "framerate=30/1 ! uniformerinfer name=%s model=%s late-windows=wait %s ! fakesink",
      FRAMES, name, tiny_model (), props ? props : "");
}

#define users(p, name) pipeline_uint_property ((p), (name), "model-users")
#define classified(p, name) pipeline_uint_property ((p), (name), "windows-classified")

static void
run_to_eos (GstElement * pipeline)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *msg;

  pipeline_set_state (pipeline, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (bus, 60 * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_WARNING);
  g_assert_nonnull (msg);
  g_assert_cmpint (GST_MESSAGE_TYPE (msg), ==, GST_MESSAGE_EOS);
  gst_message_unref (msg);
  gst_object_unref (bus);
}

static void
finish (GstElement * pipeline)
{
  pipeline_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
}

/* Two elements of a pipeline share; one with share-model=false does not. */
static void
test_one_pipeline (void)
{
  gchar *a = branch ("a", NULL), *b = branch ("b", NULL), *c = branch ("c",
      "share-model=false");
  gchar *desc = g_strjoin ("  ", a, b, c, NULL);
  GstElement *p = pipeline_new (desc);

  pipeline_set_state (p, GST_STATE_PAUSED);
  g_assert_cmpuint (users (p, "a"), ==, 2);
  g_assert_cmpuint (users (p, "b"), ==, 2);
  g_assert_cmpuint (users (p, "c"), ==, 1);
  run_to_eos (p);
  for (const gchar * n = "a"; *n <= 'c'; n = *n == 'a' ? "b" : *n == 'b' ? "c" : "d")
    g_assert_cmpuint (classified (p, n), >, 0);
  finish (p);
  g_free (desc);
  g_free (a);
  g_free (b);
  g_free (c);
}

/* A context naming another group, set on one element, keeps it apart; set
 * on a bin, it reaches every element inside. */
static void
test_group_context (void)
{
  gchar *a = branch ("a", NULL), *b = branch ("b", NULL);
  gchar *desc = g_strjoin ("  ", a, b, NULL);
  GstElement *p = pipeline_new (desc), *q = pipeline_new (desc);
  GstContext *ctx = gst_context_new ("gst-uniformer.model-cache", TRUE);
  GstElement *eb = gst_bin_get_by_name (GST_BIN (p), "b");

  gst_structure_set (gst_context_writable_structure (ctx), "group", G_TYPE_STRING, "apart",
      NULL);
  gst_element_set_context (eb, ctx);
  pipeline_set_state (p, GST_STATE_PAUSED);
  g_assert_cmpuint (users (p, "a"), ==, 1);
  g_assert_cmpuint (users (p, "b"), ==, 1);
  /* the same group on a second pipeline's bin: its two elements join b */
  gst_element_set_context (q, ctx);
  pipeline_set_state (q, GST_STATE_PAUSED);
  g_assert_cmpuint (users (p, "b"), ==, 3);
  g_assert_cmpuint (users (q, "a"), ==, 3);
  g_assert_cmpuint (users (p, "a"), ==, 1);
  finish (q);
  g_assert_cmpuint (users (p, "b"), ==, 1);
  finish (p);
  gst_context_unref (ctx);
  gst_object_unref (eb);
  g_free (desc);
  g_free (a);
  g_free (b);
}

/* share-group names a group without a context. */
static void
test_group_property (void)
{
  gchar *a = branch ("a", NULL), *b = branch ("b", "share-group=by-name");
  gchar *c = branch ("c", "share-group=by-name");
  gchar *desc = g_strjoin ("  ", a, b, c, NULL);
  GstElement *p = pipeline_new (desc);

  pipeline_set_state (p, GST_STATE_PAUSED);
  g_assert_cmpuint (users (p, "a"), ==, 1);
  g_assert_cmpuint (users (p, "b"), ==, 2);
  g_assert_cmpuint (users (p, "c"), ==, 2);
  finish (p);
  g_free (desc);
  g_free (a);
  g_free (b);
  g_free (c);
}

/* Pipelines of one process share through the process-wide group; one going
 * to NULL mid-stream leaves the other classifying. */
static void
test_stop_one (void)
{
  gchar *a = branch ("a", NULL), *b = branch ("b", NULL);
  GstElement *p = pipeline_new (a), *q = pipeline_new (b);

  pipeline_set_state (p, GST_STATE_PAUSED);
  pipeline_set_state (q, GST_STATE_PAUSED);
  g_assert_cmpuint (users (p, "a"), ==, 2);
  g_assert_cmpuint (users (q, "b"), ==, 2);
  pipeline_set_state (p, GST_STATE_PLAYING);
  finish (p);
  g_assert_cmpuint (users (q, "b"), ==, 1);
  run_to_eos (q);
  g_assert_cmpuint (classified (q, "b"), >, 0);
  finish (q);
  g_free (a);
  g_free (b);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/infer/share/one-pipeline", test_one_pipeline);
  g_test_add_func ("/infer/share/group-context", test_group_context);
  g_test_add_func ("/infer/share/group-property", test_group_property);
  g_test_add_func ("/infer/share/stop-one", test_stop_one);
  return g_test_run ();
}
