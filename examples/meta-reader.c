/* meta-reader: an application that runs uniformerinfer in its own pipeline
 * and reads the results from the buffers, as GstUniformerMeta.
 *
 *   SOURCE ! videoconvert ! uniformerinfer ! fakesink
 *
 * A pad probe on the sink's pad sees every buffer; the few that carry a
 * GstUniformerMeta are printed, one line each:
 *
 *   0:00:01.033333333  window 0:00:00.000000000 - 0:00:00.933333333  8 frames
 *       85.7 ms  [model name]  class 0 0.309, class 1 0.189, ...
 *
 * (the buffer's PTS first: a result rides on the first buffer pushed after
 * its window was classified, which is not the window itself).
 *
 * Run from the build tree (built by meson as build/examples/meta-reader):
 *
 *   GST_PLUGIN_PATH=build/gst-plugin build/examples/meta-reader clip.mp4
 *   GST_PLUGIN_PATH=build/gst-plugin build/examples/meta-reader \
 *       --model s16x4_k400.safetensors --source v4l2src
 *
 * installed: $prefix/libexec/gst-uniformer/examples/meta-reader clip.mp4.
 * Built on its own against the installed library:
 *
 *   cc meta-reader.c -o meta-reader \
 *       $(pkg-config --cflags --libs gstuniformermeta-1.0)
 *
 * Ctrl-C ends a live source cleanly (EOS first, so the last result prints).
 */
#include <stdio.h>

#include <glib-unix.h>
#include <gst/gst.h>

#include <gstuniformermeta.h>

typedef struct
{
  GMainLoop *loop;
  GstElement *pipeline;
  guint results;
  gboolean failed;
} App;

static void
print_meta (GstBuffer * buf, const GstUniformerMeta * meta)
{
  GString *line = g_string_new (NULL);

  g_string_append_printf (line, "%" GST_TIME_FORMAT "  window %" GST_TIME_FORMAT " - %"
      GST_TIME_FORMAT "  %u frames  %.1f ms  [%s] ", GST_TIME_ARGS (GST_BUFFER_PTS (buf)),
      GST_TIME_ARGS (meta->window_start), GST_TIME_ARGS (meta->window_end), meta->frames,
      meta->inference_time / 1e6, meta->model_name);
  for (guint i = 0; i < meta->n_results; i++)
    g_string_append_printf (line, "%s%s %.3f", i ? ", " : " ", meta->labels[i],
        meta->scores[i]);
  if (meta->n_results == 0)
    g_string_append (line, " (no class above the threshold)");
  g_print ("%s\n", line->str);
  g_string_free (line, TRUE);
}

/* Runs in the streaming thread, for every buffer reaching the sink. */
static GstPadProbeReturn
on_buffer (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  App *app = data;
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  GstUniformerMeta *meta = gst_buffer_get_uniformer_meta (buf);

  if (meta) {
    print_meta (buf, meta);
    g_atomic_int_inc (&app->results);
  }
  return GST_PAD_PROBE_OK;
}

static gboolean
on_bus_message (GstBus * bus, GstMessage * msg, gpointer data)
{
  App *app = data;
  GError *error = NULL;
  gchar *debug = NULL;

  switch (GST_MESSAGE_TYPE (msg)) {
    case GST_MESSAGE_ERROR:
      gst_message_parse_error (msg, &error, &debug);
      g_printerr ("meta-reader: error from %s: %s\n%s\n", GST_OBJECT_NAME (msg->src),
          error->message, debug ? debug : "");
      app->failed = TRUE;
      g_main_loop_quit (app->loop);
      break;
    case GST_MESSAGE_WARNING:
      gst_message_parse_warning (msg, &error, &debug);
      g_printerr ("meta-reader: warning from %s: %s\n", GST_OBJECT_NAME (msg->src),
          error->message);
      break;
    case GST_MESSAGE_EOS:
      g_main_loop_quit (app->loop);
      break;
    default:
      break;
  }
  g_clear_error (&error);
  g_free (debug);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_interrupt (gpointer data)
{
  App *app = data;

  g_printerr ("meta-reader: interrupted, finishing the stream\n");
  gst_element_send_event (app->pipeline, gst_event_new_eos ());
  return G_SOURCE_CONTINUE;
}

/* The pipeline for a file name or URI, or for a source description. */
static GstElement *
build_pipeline (const gchar * input, const gchar * source_desc, const gchar * model,
    GError ** error)
{
  const gchar *tail = "videoconvert ! uniformerinfer name=infer ! fakesink name=sink";
  gchar *desc, *uri = NULL;
  GstElement *pipeline, *element;

  if (input && !gst_uri_is_valid (input)) {
    if (!g_file_test (input, G_FILE_TEST_IS_REGULAR)) {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT, "no such file: %s", input);
      return NULL;
    }
    uri = gst_filename_to_uri (input, error);
    if (uri == NULL)
      return NULL;
  }
  if (source_desc)
    desc = g_strdup_printf ("%s ! %s", source_desc, tail);
  else
    desc = g_strdup_printf ("uridecodebin name=src ! %s", tail);
  /* A missing element is an error even though a pipeline comes back. */
  pipeline = gst_parse_launch (desc, error);
  g_free (desc);
  if (pipeline == NULL || *error) {
    g_clear_object (&pipeline);
    g_free (uri);
    return NULL;
  }
  if (!source_desc) {
    element = gst_bin_get_by_name (GST_BIN (pipeline), "src");
    g_object_set (element, "uri", uri ? uri : input, NULL);
    gst_object_unref (element);
  }
  if (model) {
    element = gst_bin_get_by_name (GST_BIN (pipeline), "infer");
    g_object_set (element, "model", model, NULL);
    gst_object_unref (element);
  }
  g_free (uri);
  return pipeline;
}

static gboolean
parse_args (int *argc, char ***argv, gchar ** model, gchar ** source_desc)
{
  GOptionEntry entries[] = {
    {"model", 'm', 0, G_OPTION_ARG_FILENAME, model,
        "UniFormer model file (default: the model installed with the plugin)", "FILE"},
    {"source", 's', 0, G_OPTION_ARG_STRING, source_desc,
        "A source as gst-launch-1.0 describes it, instead of FILE-OR-URI "
          "(e.g. \"v4l2src\")", "DESCRIPTION"},
    {NULL},
  };
  GOptionContext *ctx = g_option_context_new ("[FILE-OR-URI] - print the "
      "GstUniformerMeta of a video's classifications");
  GError *error = NULL;
  gboolean ok;

  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  ok = g_option_context_parse (ctx, argc, argv, &error);
  if (!ok) {
    g_printerr ("meta-reader: %s\n", error->message);
    g_error_free (error);
  } else if ((*argc == 2) == (*source_desc != NULL) || *argc > 2) {
    gchar *help = g_option_context_get_help (ctx, TRUE, NULL);

    g_printerr ("meta-reader: give either one FILE-OR-URI or --source\n%s", help);
    g_free (help);
    ok = FALSE;
  }
  g_option_context_free (ctx);
  return ok;
}

int
main (int argc, char **argv)
{
  App app = { 0 };
  gchar *model = NULL, *source_desc = NULL;
  GError *error = NULL;
  GstElement *sink;
  GstPad *pad;
  GstBus *bus;
  GstMessage *msg;
  guint bus_watch, sigint;

  /* Results reach a pipe as they come. */
  setvbuf (stdout, NULL, _IOLBF, 0);
  if (!parse_args (&argc, &argv, &model, &source_desc))
    return 2;
  app.pipeline = build_pipeline (argc == 2 ? argv[1] : NULL, source_desc, model, &error);
  g_free (model);
  g_free (source_desc);
  if (app.pipeline == NULL) {
    g_printerr ("meta-reader: %s\n", error->message);
    g_error_free (error);
    return 1;
  }

  sink = gst_bin_get_by_name (GST_BIN (app.pipeline), "sink");
  pad = gst_element_get_static_pad (sink, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, on_buffer, &app, NULL);
  gst_object_unref (pad);
  gst_object_unref (sink);

  app.loop = g_main_loop_new (NULL, FALSE);
  bus = gst_element_get_bus (app.pipeline);
  bus_watch = gst_bus_add_watch (bus, on_bus_message, &app);
  sigint = g_unix_signal_add (SIGINT, on_interrupt, &app);

  /* On failure the error waits on the bus, read below. */
  if (gst_element_set_state (app.pipeline, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE)
    g_main_loop_run (app.loop);
  else
    app.failed = TRUE;

  /* Stopping may still warn (uniformerinfer reports Vulkan validation
   * messages then), and the watch no longer runs: read what is left before
   * NULL, which empties the bus. */
  gst_element_set_state (app.pipeline, GST_STATE_READY);
  while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR | GST_MESSAGE_WARNING))) {
    on_bus_message (bus, msg, &app);
    gst_message_unref (msg);
  }
  gst_element_set_state (app.pipeline, GST_STATE_NULL);
  g_source_remove (sigint);
  g_source_remove (bus_watch);
  gst_object_unref (bus);
  gst_object_unref (app.pipeline);
  g_main_loop_unref (app.loop);

  g_print ("%u results\n", app.results);
  return app.failed ? 1 : 0;
}
