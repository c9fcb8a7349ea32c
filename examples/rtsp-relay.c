/* rtsp-relay: reads an RTSP camera, draws the recognised actions over the
 * picture and serves the result again over RTSP.
 *
 *   uridecodebin uri=INPUT ! videoconvert ! uniformerinfer ! uniformeroverlay
 *       ! videoconvert ! x264enc ! rtph264pay      (served at rtsp://HOST:PORT/MOUNT)
 *
 * The input is opened when the first client connects; clients share one
 * pipeline, so one inference serves them all. INPUT may be any URI
 * uridecodebin reads (rtsp://, http://, file://) or a file name.
 *
 * Run from the build tree (built by meson as build/examples/rtsp-relay):
 *
 *   GST_PLUGIN_PATH=build/gst-plugin build/examples/rtsp-relay \
 *       rtsp://camera/stream --port 8554 --mount /labels
 *
 * installed: $prefix/libexec/gst-uniformer/examples/rtsp-relay rtsp://camera/stream.
 * It prints the address it serves; watch it with, for example,
 *
 *   gst-play-1.0 rtsp://127.0.0.1:8554/labels
 *
 * --port 0 lets the system choose a free port (the printed address has it).
 */
#include <stdio.h>

#include <glib-unix.h>
#include <gst/gst.h>
#include <gst/rtsp-server/rtsp-server.h>

/* Encoded for low delay: a viewer of a live camera wants the present. */
#define RELAY_PIPELINE \
  "( uridecodebin name=src ! videoconvert ! uniformerinfer name=infer ! " \
  "uniformeroverlay ! videoconvert ! " \
  "x264enc tune=zerolatency speed-preset=veryfast key-int-max=30 bitrate=%d ! " \
  "rtph264pay name=pay0 pt=96 config-interval=-1 )"

#define MAX_BITRATE 2048000     /* x264enc's limit, kbit/s */

/* rtspsrc's default 2 s jitter buffer is more than a LAN needs. */
#define INPUT_LATENCY_MS 200

typedef struct
{
  gchar *uri;
  gchar *model;
} Relay;

static void
on_source_setup (GstElement * uridecodebin, GstElement * source, gpointer data)
{
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (source), "latency"))
    g_object_set (source, "latency", (guint) INPUT_LATENCY_MS, NULL);
}

static void
on_media_unprepared (GstRTSPMedia * media, gpointer data)
{
  g_print ("rtsp-relay: no more clients (or the input failed; GST_DEBUG=3 says why)\n");
}

/* Called for each new media pipeline, before it starts. */
static void
on_media_configure (GstRTSPMediaFactory * factory, GstRTSPMedia * media, gpointer data)
{
  Relay *relay = data;
  GstElement *bin = gst_rtsp_media_get_element (media);
  GstElement *src = gst_bin_get_by_name (GST_BIN (bin), "src");
  GstElement *infer = gst_bin_get_by_name (GST_BIN (bin), "infer");

  g_print ("rtsp-relay: a client connected, reading %s\n", relay->uri);
  g_object_set (src, "uri", relay->uri, NULL);
  g_signal_connect (src, "source-setup", G_CALLBACK (on_source_setup), NULL);
  if (relay->model)
    g_object_set (infer, "model", relay->model, NULL);
  g_signal_connect (media, "unprepared", G_CALLBACK (on_media_unprepared), NULL);
  gst_object_unref (infer);
  gst_object_unref (src);
  gst_object_unref (bin);
}

static gboolean
on_interrupt (gpointer loop)
{
  g_main_loop_quit (loop);
  return G_SOURCE_CONTINUE;
}

/* A file name becomes a file:// URI; anything else must be a URI. */
static gchar *
input_uri (const gchar * input, GError ** error)
{
  if (gst_uri_is_valid (input))
    return g_strdup (input);
  if (g_file_test (input, G_FILE_TEST_IS_REGULAR))
    return gst_filename_to_uri (input, error);
  g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
      "%s is neither a URI (rtsp://camera/stream) nor a file", input);
  return NULL;
}

int
main (int argc, char **argv)
{
  Relay relay = { 0 };
  gint port = 8554;
  gint bitrate = 2000;
  gchar *mount = NULL, *launch, *service;
  GOptionEntry entries[] = {
    {"port", 'p', 0, G_OPTION_ARG_INT, &port, "TCP port to serve on, 0 = any free one "
          "(default 8554)", "PORT"},
    {"mount", 'm', 0, G_OPTION_ARG_STRING, &mount, "Path of the served stream "
          "(default /labels)", "PATH"},
    {"model", 0, 0, G_OPTION_ARG_FILENAME, &relay.model, "UniFormer model file (default: "
          "the model installed with the plugin)", "FILE"},
    {"bitrate", 'b', 0, G_OPTION_ARG_INT, &bitrate, "H.264 bitrate in kbit/s "
          "(default 2000)", "KBPS"},
    {NULL},
  };
  GOptionContext *ctx = g_option_context_new ("INPUT-URI - serve a camera over RTSP "
      "with the recognised actions drawn on it");
  GError *error = NULL;
  GstRTSPServer *server;
  GstElementFactory *factory;
  GstRTSPMediaFactory *media_factory;
  GstRTSPMountPoints *mounts;
  GMainLoop *loop;
  guint sigint, sigterm;
  int status = 1;

  /* Lines reach a pipe at once (a supervisor reads the address). */
  setvbuf (stdout, NULL, _IOLBF, 0);

  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  if (!g_option_context_parse (ctx, &argc, &argv, &error)) {
    g_printerr ("rtsp-relay: %s\n", error->message);
    goto done;
  }
  if (argc != 2) {
    gchar *help = g_option_context_get_help (ctx, TRUE, NULL);

    g_printerr ("rtsp-relay: give one INPUT-URI\n%s", help);
    g_free (help);
    goto done;
  }
  if (port < 0 || port > 65535 || bitrate < 1 || bitrate > MAX_BITRATE) {
    g_printerr ("rtsp-relay: --port must be in 0..65535 and --bitrate in 1..%d\n",
        MAX_BITRATE);
    goto done;
  }
  if (relay.model && !g_file_test (relay.model, G_FILE_TEST_IS_REGULAR)) {
    g_printerr ("rtsp-relay: no such model file: %s\n", relay.model);
    goto done;
  }
  if (mount == NULL)
    mount = g_strdup ("/labels");
  if (mount[0] != '/') {
    g_printerr ("rtsp-relay: --mount must start with '/' (got %s)\n", mount);
    goto done;
  }
  relay.uri = input_uri (argv[1], &error);
  if (relay.uri == NULL) {
    g_printerr ("rtsp-relay: %s\n", error->message);
    goto done;
  }
  if (!(factory = gst_element_factory_find ("uniformerinfer"))) {
    g_printerr ("rtsp-relay: the uniformer plugin is not visible to GStreamer: install "
        "it, or set GST_PLUGIN_PATH to the build tree's gst-plugin folder\n");
    goto done;
  }
  gst_object_unref (factory);

  server = gst_rtsp_server_new ();
  service = g_strdup_printf ("%d", port);
  gst_rtsp_server_set_service (server, service);
  g_free (service);
  media_factory = gst_rtsp_media_factory_new ();
  launch = g_strdup_printf (RELAY_PIPELINE, bitrate);
  gst_rtsp_media_factory_set_launch (media_factory, launch);
  g_free (launch);
  gst_rtsp_media_factory_set_shared (media_factory, TRUE);
  g_signal_connect (media_factory, "media-configure", G_CALLBACK (on_media_configure),
      &relay);
  mounts = gst_rtsp_server_get_mount_points (server);
  gst_rtsp_mount_points_add_factory (mounts, mount, media_factory);
  g_object_unref (mounts);

  if (gst_rtsp_server_attach (server, NULL) == 0) {
    g_printerr ("rtsp-relay: could not listen on port %d (in use?)\n", port);
  } else {
    loop = g_main_loop_new (NULL, FALSE);
    sigint = g_unix_signal_add (SIGINT, on_interrupt, loop);
    sigterm = g_unix_signal_add (SIGTERM, on_interrupt, loop);
    g_print ("rtsp-relay: serving %s with actions drawn at rtsp://127.0.0.1:%d%s\n",
        relay.uri, gst_rtsp_server_get_bound_port (server), mount);
    g_main_loop_run (loop);
    g_print ("rtsp-relay: stopped\n");
    g_source_remove (sigint);
    g_source_remove (sigterm);
    g_main_loop_unref (loop);
    status = 0;
  }
  g_object_unref (server);

done:
  g_clear_error (&error);
  g_option_context_free (ctx);
  g_free (relay.uri);
  g_free (relay.model);
  g_free (mount);
  return status;
}
