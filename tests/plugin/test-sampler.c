/* test-sampler.c: the sampling grid, the window bookkeeping, top-k and
 * smoothing on their own (no pipeline, no GPU). */
#include <gst/gst.h>
#include "uniformer-sampler.h"
#include "uniformer-results.h"

static GstClockTime
pts_at (guint64 n, gint fps)
{
  return gst_util_uint64_scale (n, GST_SECOND, fps);
}

/* Frame numbers sampled from @n frames of a constant-rate stream. */
static GArray *
sampled_frames (gint fps, guint n, gdouble rate)
{
  UniformerSampler s;
  GArray *taken = g_array_new (FALSE, FALSE, sizeof (guint));

  uniformer_sampler_init (&s, rate, 0);
  for (guint i = 0; i < n; i++)
    if (uniformer_sampler_offer (&s, pts_at (i, fps), pts_at (1, fps)) !=
        UNIFORMER_SAMPLE_SKIP)
      g_array_append_val (taken, i);
  return taken;
}

static void
assert_frames (GArray * got, const guint * want, guint n_want)
{
  g_assert_cmpuint (got->len, >=, n_want);
  for (guint i = 0; i < n_want; i++)
    g_assert_cmpuint (g_array_index (got, guint, i), ==, want[i]);
}

static void
test_constant_rates (void)
{
  /* At 7.5 samples per second: every 4th frame of 30 fps, every 8th of 60,
   * every 2nd of 15; at 25 fps the frame nearest each 133.3 ms instant. */
  static const guint at30[] = { 0, 4, 8, 12, 16, 20, 24, 28 };
  static const guint at60[] = { 0, 8, 16, 24, 32, 40 };
  static const guint at15[] = { 0, 2, 4, 6, 8, 10, 12 };
  static const guint at25[] = { 0, 3, 7, 10, 13, 17, 20, 23, 27, 30 };
  GArray *got;

  got = sampled_frames (30, 30, 7.5);
  assert_frames (got, at30, G_N_ELEMENTS (at30));
  g_array_unref (got);
  got = sampled_frames (60, 41, 7.5);
  assert_frames (got, at60, G_N_ELEMENTS (at60));
  g_assert_cmpuint (got->len, ==, 6);
  g_array_unref (got);
  got = sampled_frames (15, 13, 7.5);
  assert_frames (got, at15, G_N_ELEMENTS (at15));
  g_array_unref (got);
  got = sampled_frames (25, 31, 7.5);
  assert_frames (got, at25, G_N_ELEMENTS (at25));
  g_assert_cmpuint (got->len, ==, G_N_ELEMENTS (at25));
  g_array_unref (got);
}

static void
test_no_drift (void)
{
  /* One hour at 30 fps: exactly every 4th frame, though neither 1/30 s nor
   * 1/7.5 s is a whole number of nanoseconds. */
  GArray *got = sampled_frames (30, 108000, 7.5);

  g_assert_cmpuint (got->len, ==, 27000);
  for (guint i = 0; i < got->len; i++)
    g_assert_cmpuint (g_array_index (got, guint, i), ==, 4 * i);
  g_array_unref (got);
}

static void
test_gap (void)
{
  static const guint frames[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 50, 51, 52, 53, 54, 55, 56 };
  static const guint want[] = { 0, 4, 8, 50, 52, 56 };
  UniformerSampler s;
  GArray *taken = g_array_new (FALSE, FALSE, sizeof (guint));

  /* After the gap the frame at 50 serves instant 12 (frame 48's), and the
   * grid stays anchored at 0: 52 and 56 are the next instants. */
  uniformer_sampler_init (&s, 7.5, 0);
  for (guint i = 0; i < G_N_ELEMENTS (frames); i++)
    if (uniformer_sampler_offer (&s, pts_at (frames[i], 30), pts_at (1, 30)) ==
        UNIFORMER_SAMPLE_TAKE)
      g_array_append_val (taken, frames[i]);
  assert_frames (taken, want, G_N_ELEMENTS (want));
  g_assert_cmpuint (taken->len, ==, G_N_ELEMENTS (want));
  g_array_unref (taken);
}

static void
test_jitter_without_duration (void)
{
  /* Variable rate, no durations: the tolerance is a quarter period (33.3 ms).
   * Instants: 0, 133.3, 266.7, 400, 533.3 ms. */
  static const GstClockTime ms[] = { 0, 40, 70, 95, 102, 140, 170, 230, 240, 300,
    370, 372, 390, 450, 505, 530, 560 };
  static const GstClockTime want[] = { 0, 102, 240, 370, 505 };
  UniformerSampler s;
  guint n = 0;

  uniformer_sampler_init (&s, 7.5, 0);
  g_assert_cmpuint (uniformer_sampler_tolerance (&s, GST_CLOCK_TIME_NONE), ==,
      33333333);
  for (guint i = 0; i < G_N_ELEMENTS (ms); i++)
    if (uniformer_sampler_offer (&s, ms[i] * GST_MSECOND, GST_CLOCK_TIME_NONE) ==
        UNIFORMER_SAMPLE_TAKE) {
      g_assert_cmpuint (n, <, G_N_ELEMENTS (want));
      g_assert_cmpuint (ms[i], ==, want[n++]);
    }
  g_assert_cmpuint (n, ==, G_N_ELEMENTS (want));
}

static void
test_backwards_and_missing_pts (void)
{
  UniformerSampler s;

  uniformer_sampler_init (&s, 7.5, 0);
  g_assert_cmpint (uniformer_sampler_offer (&s, GST_CLOCK_TIME_NONE, GST_CLOCK_TIME_NONE),
      ==, UNIFORMER_SAMPLE_SKIP);
  g_assert_cmpint (uniformer_sampler_offer (&s, 5 * GST_SECOND, GST_CLOCK_TIME_NONE), ==,
      UNIFORMER_SAMPLE_TAKE);
  g_assert_cmpint (uniformer_sampler_offer (&s, 1 * GST_SECOND, GST_CLOCK_TIME_NONE), ==,
      UNIFORMER_SAMPLE_RESTART);
  g_assert_cmpuint (s.anchor, ==, 1 * GST_SECOND);
}

static void
test_frame_interval (void)
{
  UniformerSampler s;
  guint taken = 0;

  uniformer_sampler_init (&s, 7.5, 3);
  for (guint i = 0; i < 10; i++)
    if (uniformer_sampler_offer (&s, i % 4 == 1 ? GST_CLOCK_TIME_NONE : pts_at (i, 30),
            GST_CLOCK_TIME_NONE) == UNIFORMER_SAMPLE_TAKE) {
      g_assert_cmpuint (i % 3, ==, 0);
      taken++;
    }
  g_assert_cmpuint (taken, ==, 4);
}

static void
test_window (void)
{
  UniformerWindow w;
  guint due = 0;

  uniformer_window_init (&w, 8, 4);
  g_assert_cmpuint (w.n_slots, ==, 17);
  for (guint i = 0; i < 20; i++) {
    guint slot = uniformer_window_free_slot (&w);

    g_assert_false (uniformer_window_contains (&w, slot));
    g_assert_false (w.pinned[slot]);
    if (uniformer_window_push (&w, slot, i)) {
      /* due on the 8th frame (i = 7), then every 4th */
      g_assert_true (i == 7 || i == 11 || i == 15 || i == 19);
      g_assert_cmpuint (w.n, ==, 8);
      g_assert_cmpuint (w.pts[0], ==, i - 7);
      g_assert_cmpuint (w.pts[7], ==, i);
      /* a run holds these slots while the window goes on sliding */
      uniformer_window_unpin_all (&w);
      uniformer_window_pin (&w);
      due++;
    }
  }
  g_assert_cmpuint (due, ==, 4);
  uniformer_window_reset (&w);
  g_assert_cmpuint (w.n, ==, 0);
  for (guint i = 0; i < 7; i++)
    g_assert_false (uniformer_window_push (&w, uniformer_window_free_slot (&w), i));
  g_assert_true (uniformer_window_push (&w, uniformer_window_free_slot (&w), 7));
  uniformer_window_clear (&w);
}

/* With a phase, the first window waits that many sampled frames (modulo
 * the interval) after the window fills, then comes every interval; a reset
 * starts the phase again. */
static void
test_window_phase (void)
{
  UniformerWindow w;

  uniformer_window_init (&w, 8, 4);
  for (guint phase = 0; phase < 9; phase++) {
    guint first = 7 + phase % 4, due = 0;

    uniformer_window_reset (&w);
    uniformer_window_set_phase (&w, phase);
    for (guint i = 0; i < 24; i++) {
      gboolean is_due = uniformer_window_push (&w, uniformer_window_free_slot (&w), i);

      g_assert_cmpint (is_due, ==, i >= first && (i - first) % 4 == 0);
      if (is_due) {
        g_assert_cmpuint (w.pts[0], ==, i - 7);
        due++;
      }
    }
    g_assert_cmpuint (due, ==, (23 - first) / 4 + 1);
  }
  uniformer_window_clear (&w);
}

static void
test_top_k_and_smoothing (void)
{
  const gdouble scores[] = { 0.1, 0.4, 0.1, 0.3, 0.1 };
  gint ids[5];
  gdouble out[5];
  UniformerSmoother sm;
  const float a[] = { 1, 0, 0 }, b[] = { 0, 1, 0 }, c[] = { 0, 0, 1 };
  const gdouble *mean;

  g_assert_cmpuint (uniformer_top_k (scores, 5, 3, 0.0, ids, out), ==, 3);
  g_assert_cmpint (ids[0], ==, 1);
  g_assert_cmpint (ids[1], ==, 3);
  g_assert_cmpint (ids[2], ==, 0);      /* ties: lower index first */
  g_assert_cmpuint (uniformer_top_k (scores, 5, 5, 0.3, ids, out), ==, 2);
  g_assert_cmpuint (uniformer_top_k (scores, 5, 5, 0.5, ids, out), ==, 0);

  uniformer_smoother_init (&sm, 3, 2);
  mean = uniformer_smoother_push (&sm, a);
  g_assert_cmpfloat (mean[0], ==, 1.0);
  mean = uniformer_smoother_push (&sm, b);
  g_assert_cmpfloat (mean[0], ==, 0.5);
  g_assert_cmpfloat (mean[1], ==, 0.5);
  mean = uniformer_smoother_push (&sm, c);      /* a has left the two-window history */
  g_assert_cmpfloat (mean[0], ==, 0.0);
  g_assert_cmpfloat (mean[2], ==, 0.5);
  uniformer_smoother_reset (&sm);
  mean = uniformer_smoother_push (&sm, a);
  g_assert_cmpfloat (mean[0], ==, 1.0);
  uniformer_smoother_clear (&sm);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sampler/constant-rates", test_constant_rates);
  g_test_add_func ("/sampler/no-drift", test_no_drift);
  g_test_add_func ("/sampler/gap", test_gap);
  g_test_add_func ("/sampler/jitter-without-duration", test_jitter_without_duration);
  g_test_add_func ("/sampler/backwards-and-missing-pts", test_backwards_and_missing_pts);
  g_test_add_func ("/sampler/frame-interval", test_frame_interval);
  g_test_add_func ("/sampler/window", test_window);
  g_test_add_func ("/sampler/window-phase", test_window_phase);
  g_test_add_func ("/sampler/top-k-and-smoothing", test_top_k_and_smoothing);
  return g_test_run ();
}
