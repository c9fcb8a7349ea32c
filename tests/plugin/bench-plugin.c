/* bench-plugin: uniformerinfer on a live 30 fps 640x480 source (videotestsrc
 * is-live=true, RGBA) with the tiny test model, default settings. Prints:
 * frames per second passed through, streaming-thread CPU time per frame
 * (frames not sampled, and sampled ones), classifications per minute, and
 * the latency the element adds (wall time a buffer spends in it, and what
 * it reports to the latency query). Not a test: run by hand,
 *
 *   bench-plugin [SECONDS] [MODEL]
 */
#include <stdlib.h>
#include <time.h>
#include <gst/gst.h>

typedef struct {
  guint64 frames;
  gint64 first_out, last_out;           /* wall us of the first and last buffer out */
  gint64 enter_wall, enter_cpu;         /* at the sink pad, same thread */
  GArray *cpu_idle, *cpu_sampled;       /* ns per frame */
  GArray *held;                         /* wall ns from sink pad to src pad */
} Bench;

static gint64
thread_cpu_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static GstPadProbeReturn
on_enter (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  Bench *b = data;

  b->enter_wall = g_get_monotonic_time () * 1000;
  b->enter_cpu = thread_cpu_ns ();
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
on_leave (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  Bench *b = data;
  gint64 cpu = thread_cpu_ns () - b->enter_cpu;
  gint64 held = g_get_monotonic_time () * 1000 - b->enter_wall;

  /* 30 fps sampled at the model's 7.5 Hz: every 4th frame enters the window */
  g_array_append_val (b->frames % 4 == 0 ? b->cpu_sampled : b->cpu_idle, cpu);
  g_array_append_val (b->held, held);
  b->last_out = g_get_monotonic_time ();
  if (b->frames++ == 0)
    b->first_out = b->last_out;
  return GST_PAD_PROBE_OK;
}

static gint
cmp_i64 (gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

static void
print_stats (const gchar * what, GArray * a)
{
  gint64 sum = 0;

  if (a->len == 0)
    return;
  g_array_sort (a, cmp_i64);
  for (guint i = 0; i < a->len; i++)
    sum += g_array_index (a, gint64, i);
  g_print ("%-40s median %8.3f ms  mean %8.3f ms  max %8.3f ms  (%u frames)\n", what,
      g_array_index (a, gint64, a->len / 2) / 1e6, sum / (double) a->len / 1e6,
      g_array_index (a, gint64, a->len - 1) / 1e6, a->len);
}

int
main (int argc, char **argv)
{
  guint seconds = argc > 1 ? (guint) atoi (argv[1]) : 20;
  const gchar *model = argc > 2 ? argv[2] : UF_BENCH_MODEL;
  Bench b = { 0 };
  GstElement *pipeline, *infer;
  GstPad *sink, *src;
  GstQuery *q;
  gint64 t0, t1;
  guint64 classified, skipped, mean_ns;
  GstClockTime min_latency = 0;
  gchar *desc;

  g_setenv ("GST_PLUGIN_PATH", UF_BENCH_PLUGIN_DIR, FALSE);
  gst_init (&argc, &argv);
  desc = g_strdup_printf ("videotestsrc is-live=true pattern=ball num-buffers=%u ! "
      "video/x-raw,format=RGBA,width=640,height=480,framerate=30/1 ! "
      "uniformerinfer name=infer model=%s ! fakesink sync=true", seconds * 30, model);
  pipeline = gst_parse_launch (desc, NULL);
  g_free (desc);
  if (pipeline == NULL) {
    g_printerr ("cannot build the pipeline (is GST_PLUGIN_PATH right?)\n");
    return 1;
  }
  infer = gst_bin_get_by_name (GST_BIN (pipeline), "infer");
  sink = gst_element_get_static_pad (infer, "sink");
  src = gst_element_get_static_pad (infer, "src");
  b.cpu_idle = g_array_new (FALSE, FALSE, sizeof (gint64));
  b.cpu_sampled = g_array_new (FALSE, FALSE, sizeof (gint64));
  b.held = g_array_new (FALSE, FALSE, sizeof (gint64));
  gst_pad_add_probe (sink, GST_PAD_PROBE_TYPE_BUFFER, on_enter, &b, NULL);
  gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_BUFFER, on_leave, &b, NULL);

  t0 = g_get_monotonic_time ();
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  {
    GstBus *bus = gst_element_get_bus (pipeline);
    GstMessage *msg = gst_bus_timed_pop_filtered (bus, GST_CLOCK_TIME_NONE,
        GST_MESSAGE_EOS | GST_MESSAGE_ERROR);

    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
      GError *err;

      gst_message_parse_error (msg, &err, NULL);
      g_printerr ("error: %s\n", err->message);
      return 1;
    }
    gst_message_unref (msg);
    gst_object_unref (bus);
  }
  t1 = g_get_monotonic_time ();
  q = gst_query_new_latency ();
  if (gst_pad_query (src, q))
    gst_query_parse_latency (q, NULL, &min_latency, NULL);
  gst_query_unref (q);
  g_object_get (infer, "windows-classified", &classified, "windows-skipped", &skipped,
      "mean-inference-time", &mean_ns, NULL);
  gst_element_set_state (pipeline, GST_STATE_NULL);

  g_print ("live 30 fps 640x480 RGBA, %u s, model %s\n", seconds, model);
  g_print ("frames passed through: %" G_GUINT64_FORMAT " in %.2f s (start-up included); "
      "first to last frame: %.2f fps\n", b.frames, (t1 - t0) / 1e6,
      (b.frames - 1) / ((b.last_out - b.first_out) / 1e6));
  print_stats ("CPU per frame, not sampled:", b.cpu_idle);
  print_stats ("CPU per frame, sampled (upload/copy):", b.cpu_sampled);
  print_stats ("wall time a buffer spends in element:", b.held);
  g_print ("classifications: %" G_GUINT64_FORMAT " (%.1f per minute), skipped %"
      G_GUINT64_FORMAT ", mean inference %.1f ms\n", classified,
      classified * 60.0 / ((b.last_out - b.first_out) / 1e6), skipped, mean_ns / 1e6);
  g_print ("pipeline latency reported downstream of the element: %.1f ms (source's "
      "included)\n", min_latency / 1e6);

  gst_object_unref (sink);
  gst_object_unref (src);
  gst_object_unref (infer);
  gst_object_unref (pipeline);
  return 0;
}
