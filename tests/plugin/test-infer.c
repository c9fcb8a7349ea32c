/* test-infer.c: uniformerinfer through GstHarness on the tiny model: which
 * frames enter each window at 15, 25, 30 and 60 fps, on a jittery variable
 * rate stream, in frame-interval mode and with sparse sampling; which buffer carries each result;
 * the meta's content, top-k, threshold, smoothing; all seven formats give
 * the scores of the same picture. */
#include <math.h>
#include "plugin-test-util.h"

typedef struct {
  GstClockTime buffer_pts;      /* the buffer the meta rode on */
  GstClockTime start, end;
  guint n;
  gint ids[TINY_CLASSES];
  gdouble scores[TINY_CLASSES];
} Seen;

/* Pushes frames with the given PTS (duration @dur each, may be NONE) and
 * records every meta that comes out. */
static GArray *
run_stream (GstHarness * h, const GstClockTime * pts, guint n, GstClockTime dur)
{
  GArray *seen = g_array_new (FALSE, TRUE, sizeof (Seen));

  for (guint i = 0; i < n; i++) {
    GstBuffer *out = push_frame (h, pts[i], dur, i);
    GstUniformerMeta *meta = gst_buffer_get_uniformer_meta (out);

    g_assert_cmpuint (GST_BUFFER_PTS (out), ==, pts[i]);
    if (meta) {
      Seen s = { GST_BUFFER_PTS (out), meta->window_start, meta->window_end, meta->n_results };

      assert_meta_valid (meta);
      for (guint k = 0; k < meta->n_results; k++) {
        s.ids[k] = meta->class_ids[k];
        s.scores[k] = meta->scores[k];
      }
      g_array_append_val (seen, s);
    }
    gst_buffer_unref (out);
  }
  return seen;
}

/* With inference-interval=1 in wait mode, window k is sampled frames
 * k .. k+7, and its result rides on the buffer that completed it. */
static void
assert_windows (GArray * seen, const GstClockTime * sampled, guint n_sampled)
{
  g_assert_cmpuint (seen->len, ==, n_sampled - TINY_FRAMES + 1);
  for (guint k = 0; k < seen->len; k++) {
    Seen *s = &g_array_index (seen, Seen, k);

    g_assert_cmpuint (s->start, ==, sampled[k]);
    g_assert_cmpuint (s->end, ==, sampled[k + TINY_FRAMES - 1]);
    g_assert_cmpuint (s->buffer_pts, ==, s->end);
  }
}

static void
test_rate (gconstpointer data)
{
  gint fps = GPOINTER_TO_INT (data);
  guint n_sampled = 11, n_frames;
  GstClockTime *sampled = g_new (GstClockTime, n_sampled), *pts;
  GstHarness *h = infer_harness_new ("late-windows=wait inference-interval=1", FALSE,
      "RGBA", 96, 72, fps, 1);
  GArray *seen;

  /* The trained rate is 7.5 Hz: sample k is the frame nearest k * 133.3 ms,
   * round (k * fps / 7.5) (0, 3, 7, 10, 13, 17... at 25 fps). */
  for (guint k = 0; k < n_sampled; k++)
    sampled[k] = frame_pts ((k * fps * 4 + 15) / 30, fps, 1);
  n_frames = (n_sampled - 1) * fps * 4 / 30 + 2;
  pts = g_new (GstClockTime, n_frames);
  for (guint i = 0; i < n_frames; i++)
    pts[i] = frame_pts (i, fps, 1);
  seen = run_stream (h, pts, n_frames, frame_pts (1, fps, 1));
  assert_windows (seen, sampled, n_sampled);
  g_array_unref (seen);
  g_free (sampled);
  g_free (pts);
  infer_harness_finish (h);
}

static void
test_jittery_variable_rate (void)
{
  /* 30 fps nominal with jitter, framerate 0/1, no durations: the tolerance is
   * a quarter of the 133.3 ms period, so sample k is the first frame at or
   * after k * 133.3 ms - 33.3 ms. */
  static const gint jitter_ms[] = { 0, 9, -8, 4, -5 };
  static const guint want_ms[] = { 0, 103, 268, 372, 537, 660, 787, 928, 1048, 1197 };
  GstClockTime pts[40], sampled[G_N_ELEMENTS (want_ms)];
  GstHarness *h = infer_harness_new ("late-windows=wait inference-interval=1", FALSE,
      "RGBA", 96, 72, 0, 1);
  GArray *seen;

  for (guint i = 0; i < G_N_ELEMENTS (pts); i++)
    pts[i] = (GstClockTime) (gint64) ((gint) i * 33 + jitter_ms[i % 5]) * GST_MSECOND;
  for (guint k = 0; k < G_N_ELEMENTS (want_ms); k++)
    sampled[k] = want_ms[k] * GST_MSECOND;
  seen = run_stream (h, pts, G_N_ELEMENTS (pts), GST_CLOCK_TIME_NONE);
  assert_windows (seen, sampled, G_N_ELEMENTS (want_ms));
  g_array_unref (seen);
  infer_harness_finish (h);
}

/* Sparse sampling spreads the window's frames evenly over window-duration:
 * 8 frames over 3.2 s are 400 ms apart, every 12th frame at 30 fps; stride
 * sampling ignores window-duration (every 4th frame, the trained 7.5 Hz). */
static void
test_sparse (gconstpointer data)
{
  gboolean sparse = GPOINTER_TO_INT (data);
  guint step = sparse ? 12 : 4, n_sampled = 10, n_frames = (n_sampled - 1) * step + 2;
  GstClockTime sampled[10], *pts = g_new (GstClockTime, n_frames);
  gchar *props = g_strdup_printf ("late-windows=wait inference-interval=1 sampling=%s "
      "window-duration=3.2", sparse ? "sparse" : "stride");
  GstHarness *h = infer_harness_new (props, FALSE, "RGBA", 96, 72, 30, 1);
  GArray *seen;

  g_assert_cmpuint (TINY_FRAMES, ==, 8);
  for (guint k = 0; k < n_sampled; k++)
    sampled[k] = frame_pts (k * step, 30, 1);
  for (guint i = 0; i < n_frames; i++)
    pts[i] = frame_pts (i, 30, 1);
  seen = run_stream (h, pts, n_frames, frame_pts (1, 30, 1));
  assert_windows (seen, sampled, n_sampled);
  g_array_unref (seen);
  g_free (pts);
  g_free (props);
  infer_harness_finish (h);
}

static void
test_frame_interval (void)
{
  GstClockTime pts[30], sampled[10];
  GstHarness *h = infer_harness_new ("late-windows=wait inference-interval=1 "
      "frame-interval=3", FALSE, "RGBA", 96, 72, 30, 1);
  GArray *seen;

  for (guint i = 0; i < 30; i++)
    pts[i] = frame_pts (i, 30, 1);
  for (guint k = 0; k < 10; k++)
    sampled[k] = pts[3 * k];
  seen = run_stream (h, pts, 30, frame_pts (1, 30, 1));
  assert_windows (seen, sampled, 10);
  g_array_unref (seen);
  infer_harness_finish (h);
}

static void
test_inference_interval (void)
{
  /* Windows at samples 0-7, then every third sample: ends at frames 28, 40, 52. */
  GstClockTime pts[60];
  GstHarness *h = infer_harness_new ("late-windows=wait inference-interval=3", FALSE,
      "RGBA", 96, 72, 30, 1);
  GArray *seen;

  for (guint i = 0; i < 60; i++)
    pts[i] = frame_pts (i, 30, 1);
  seen = run_stream (h, pts, 60, frame_pts (1, 30, 1));
  g_assert_cmpuint (seen->len, ==, 3);
  for (guint k = 0; k < 3; k++) {
    Seen *s = &g_array_index (seen, Seen, k);

    g_assert_cmpuint (s->end, ==, pts[28 + 12 * k]);
    g_assert_cmpuint (s->start, ==, pts[12 * k]);
  }
  g_array_unref (seen);
  infer_harness_finish (h);
}

static GArray *
classify_stream (const gchar * props, guint n_frames)
{
  GstClockTime pts[64];
  GstHarness *h = infer_harness_new (props, FALSE, "RGBA", 96, 72, 30, 1);
  GArray *seen;
  guint64 classified, skipped, last, mean;
  guint num_frames;

  g_assert_cmpuint (n_frames, <=, G_N_ELEMENTS (pts));
  for (guint i = 0; i < n_frames; i++)
    pts[i] = frame_pts (i, 30, 1);
  seen = run_stream (h, pts, n_frames, frame_pts (1, 30, 1));
  g_object_get (infer_element (h), "windows-classified", &classified, "windows-skipped", &skipped,
      "last-inference-time", &last, "mean-inference-time", &mean, "num-frames", &num_frames,
      NULL);
  g_assert_cmpuint (classified, ==, seen->len);
  g_assert_cmpuint (skipped, ==, 0);
  g_assert_cmpuint (num_frames, ==, TINY_FRAMES);
  g_assert_cmpuint (last, >, 0);
  g_assert_cmpuint (mean, >, 0);
  infer_harness_finish (h);
  return seen;
}

static gdouble
score_of (const Seen * s, gint id)
{
  for (guint k = 0; k < s->n; k++)
    if (s->ids[k] == id)
      return s->scores[k];
  g_assert_not_reached ();
  return 0;
}

static void
test_top_k_threshold_smoothing (void)
{
  /* Frames 0..44 at 30 fps: samples 0..11, windows ending at 28, 32, 36, 40, 44. */
  GArray *all = classify_stream ("late-windows=wait inference-interval=1 top-k=5", 45);
  GArray *top2 = classify_stream ("late-windows=wait inference-interval=1 top-k=2", 45);
  GArray *none = classify_stream ("late-windows=wait inference-interval=1 threshold=0.99", 45);
  GArray *smooth = classify_stream ("late-windows=wait inference-interval=1 smoothing=2", 45);

  g_assert_cmpuint (all->len, ==, 5);
  for (guint k = 0; k < all->len; k++) {
    Seen *a = &g_array_index (all, Seen, k), *t = &g_array_index (top2, Seen, k);
    Seen *s = &g_array_index (smooth, Seen, k);
    gdouble sum = 0;

    g_assert_cmpuint (a->n, ==, TINY_CLASSES);
    for (guint c = 0; c < a->n; c++)
      sum += a->scores[c];
    g_assert_cmpfloat (fabs (sum - 1.0), <, 1e-4);
    /* top-k=2 is the first two of the full ranking, from the same frames */
    g_assert_cmpuint (t->n, ==, 2);
    g_assert_cmpint (t->ids[0], ==, a->ids[0]);
    g_assert_cmpfloat (fabs (t->scores[1] - a->scores[1]), <, 1e-6);
    g_assert_cmpuint (g_array_index (none, Seen, k).n, ==, 0);
    /* smoothing=2: the mean of this window and the previous one */
    for (gint c = 0; c < TINY_CLASSES; c++) {
      gdouble want = k == 0 ? score_of (a, c) :
          (score_of (a, c) + score_of (&g_array_index (all, Seen, k - 1), c)) / 2;

      g_assert_cmpfloat (fabs (score_of (s, c) - want), <, 1e-6);
    }
  }
  g_assert_cmpuint (none->len, ==, 5);
  g_array_unref (all);
  g_array_unref (top2);
  g_array_unref (none);
  g_array_unref (smooth);
}

/* Frame @seed of a smooth picture (gradients, so 4:2:0 chroma loses
 * little), drawn in RGBA and converted to @format by GstVideoConverter. */
static GstBuffer *
picture (const gchar * format, gint width, gint height, guint seed)
{
  GstVideoInfo rgba, out;
  GstVideoFrame src, dst;
  GstBuffer *in, *buf;
  GstVideoConverter *conv;

  gst_video_info_set_format (&rgba, GST_VIDEO_FORMAT_RGBA, width, height);
  gst_video_info_set_format (&out, gst_video_format_from_string (format), width, height);
  in = gst_buffer_new_allocate (NULL, rgba.size, NULL);
  buf = gst_buffer_new_allocate (NULL, out.size, NULL);
  g_assert_true (gst_video_frame_map (&src, &rgba, in, GST_MAP_WRITE));
  for (gint y = 0; y < height; y++) {
    guint8 *row = (guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&src, 0) +
        y * GST_VIDEO_FRAME_PLANE_STRIDE (&src, 0);
    for (gint x = 0; x < width; x++) {
      row[4 * x] = (guint8) (x * 255 / width);
      row[4 * x + 1] = (guint8) (y * 255 / height);
      row[4 * x + 2] = (guint8) MIN (255, 40 + seed * 20 + x);
      row[4 * x + 3] = 255;
    }
  }
  g_assert_true (gst_video_frame_map (&dst, &out, buf, GST_MAP_WRITE));
  conv = gst_video_converter_new (&rgba, &out, NULL);
  gst_video_converter_frame (conv, &src, &dst);
  gst_video_converter_free (conv);
  gst_video_frame_unmap (&src);
  gst_video_frame_unmap (&dst);
  gst_buffer_unref (in);
  return buf;
}

/* The scores (by class) of one window of the picture in @format. */
static void
window_scores (const gchar * format, gdouble * scores)
{
  GstHarness *h = infer_harness_new ("late-windows=wait frame-interval=1", FALSE, format,
      96, 72, 30, 1);
  GstUniformerMeta *meta = NULL;

  for (guint i = 0; i < TINY_FRAMES; i++) {
    GstBuffer *buf = picture (format, 96, 72, i), *out;

    GST_BUFFER_PTS (buf) = frame_pts (i, 30, 1);
    g_assert_cmpint (gst_harness_push (h, buf), ==, GST_FLOW_OK);
    out = gst_harness_pull (h);
    meta = gst_buffer_get_uniformer_meta (out);
    if (meta) {
      g_assert_cmpuint (i, ==, TINY_FRAMES - 1);
      g_assert_cmpuint (meta->n_results, ==, TINY_CLASSES);
      assert_meta_valid (meta);
      for (guint k = 0; k < meta->n_results; k++)
        scores[meta->class_ids[k]] = meta->scores[k];
    }
    gst_buffer_unref (out);
  }
  g_assert_nonnull (meta);
  infer_harness_finish (h);
}

/* Every format gives the scores RGBA gives on the same picture: exactly
 * for the RGB family (the same bytes), and within what 8-bit 4:2:0 YUV
 * loses for I420 and NV12. */
static void
test_format (gconstpointer data)
{
  const gchar *format = data;
  gboolean yuv = g_str_equal (format, "I420") || g_str_equal (format, "NV12");
  gdouble ref[TINY_CLASSES], got[TINY_CLASSES], worst = 0.0;

  window_scores ("RGBA", ref);
  window_scores (format, got);
  for (guint k = 0; k < TINY_CLASSES; k++)
    worst = MAX (worst, fabs (got[k] - ref[k]));
  g_test_message ("%s: largest score difference from RGBA %.3g (RGBA's scores %.3f %.3f "
      "%.3f %.3f %.3f)", format, worst, ref[0], ref[1], ref[2], ref[3], ref[4]);
  /* YUV: about 3x the difference measured when the bound was set */
  g_assert_cmpfloat (worst, <=, yuv ? 3e-3 : 1e-6);
}

int
main (int argc, char **argv)
{
  static const gchar *formats[] = { "RGB", "RGBA", "BGRA", "BGRx", "RGBx", "I420", "NV12" };
  static const gint rates[] = { 15, 25, 30, 60 };

  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (rates); i++) {
    gchar *path = g_strdup_printf ("/infer/sampling/%d-fps", rates[i]);

    g_test_add_data_func (path, GINT_TO_POINTER (rates[i]), test_rate);
    g_free (path);
  }
  g_test_add_func ("/infer/sampling/jittery-variable-rate", test_jittery_variable_rate);
  g_test_add_func ("/infer/sampling/frame-interval", test_frame_interval);
  g_test_add_data_func ("/infer/sampling/sparse", GINT_TO_POINTER (TRUE), test_sparse);
  g_test_add_data_func ("/infer/sampling/stride-ignores-duration", GINT_TO_POINTER (FALSE),
      test_sparse);
  g_test_add_func ("/infer/inference-interval", test_inference_interval);
  g_test_add_func ("/infer/top-k-threshold-smoothing", test_top_k_threshold_smoothing);
  for (guint i = 0; i < G_N_ELEMENTS (formats); i++) {
    gchar *path = g_strdup_printf ("/infer/format/%s", formats[i]);

    g_test_add_data_func (path, formats[i], test_format);
    g_free (path);
  }
  return g_test_run ();
}
