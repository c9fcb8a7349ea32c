/* test-actions.c: the action state machine (uniformer-actions.c) on its
 * own: hysteresis between the two thresholds, the minimum run of windows,
 * several classes at once, the reasons actions end for, and that events
 * are dated by the window edges. No pipeline, no GPU. */
#include "uniformer-actions.h"

#define CLASSES 3
#define SECOND G_GUINT64_CONSTANT (1000000000)

static const UniformerActionParams defaults = { 0.6, 0.4, 2 };

/* Window k covers [k s, k s + 1 s]; its running time is its PTS + 100 s,
 * so that PTS and running time are never confused. */
static UniformerSpan
window_k (guint k)
{
  UniformerSpan w = { k * SECOND, (100 + k) * SECOND, (k + 1) * SECOND, (101 + k) * SECOND };

  return w;
}

/* Feeds one window per row of @scores (CLASSES columns) and returns the
 * events; @first is the index of the first window. */
static GArray *
feed (UniformerActions * a, const UniformerActionParams * p, const gdouble * scores,
    guint n_windows, guint first)
{
  GArray *events = g_array_new (FALSE, FALSE, sizeof (UniformerActionEvent));

  for (guint k = 0; k < n_windows; k++) {
    UniformerSpan w = window_k (first + k);

    uniformer_actions_push (a, p, scores + k * CLASSES, &w, events);
  }
  return events;
}

static const UniformerActionEvent *
event_at (GArray * events, guint i)
{
  g_assert_cmpuint (i, <, events->len);
  return &g_array_index (events, UniformerActionEvent, i);
}

/* Asserts an event's class, state, reason and the windows it spans. */
static void
assert_event (const UniformerActionEvent * ev, guint class_id, UniformerActionState state,
    UniformerActionReason reason, guint first_window, guint last_window)
{
  g_assert_cmpuint (ev->class_id, ==, class_id);
  g_assert_cmpint (ev->state, ==, state);
  g_assert_cmpint (ev->reason, ==, reason);
  g_assert_cmpuint (ev->span.start_pts, ==, first_window * SECOND);
  g_assert_cmpuint (ev->span.start_running_time, ==, (100 + first_window) * SECOND);
  g_assert_cmpuint (ev->span.end_pts, ==, (last_window + 1) * SECOND);
  g_assert_cmpuint (ev->span.end_running_time, ==, (101 + last_window) * SECOND);
  g_assert_cmpuint (ev->windows, ==, last_window - first_window + 1);
}

static void
test_hysteresis (void)
{
  /* class 0: 0.5 does not start it; two windows >= 0.6 do; 0.5 and 0.4
   * (between or at the end threshold) keep it; 0.39 ends it, dated by
   * the last window that was still >= 0.4. */
  static const gdouble s[] = {
    0.5, 0, 0,
    0.7, 0, 0,
    0.9, 0, 0,
    0.5, 0, 0,
    0.4, 0, 0,
    0.39, 0, 0,
    0.5, 0, 0,
  };
  UniformerActions a;
  GArray *ev;

  uniformer_actions_init (&a, CLASSES);
  ev = feed (&a, &defaults, s, 7, 0);
  g_assert_cmpuint (ev->len, ==, 2);
  assert_event (event_at (ev, 0), 0, UNIFORMER_ACTION_STARTED, UNIFORMER_ACTION_REASON_NONE,
      1, 2);
  g_assert_cmpfloat_with_epsilon (event_at (ev, 0)->peak_score, 0.9, 1e-12);
  g_assert_cmpfloat_with_epsilon (event_at (ev, 0)->mean_score, 0.8, 1e-12);
  assert_event (event_at (ev, 1), 0, UNIFORMER_ACTION_ENDED,
      UNIFORMER_ACTION_REASON_SCORE_DROPPED, 1, 4);
  g_assert_cmpfloat_with_epsilon (event_at (ev, 1)->peak_score, 0.9, 1e-12);
  g_assert_cmpfloat_with_epsilon (event_at (ev, 1)->mean_score, (0.7 + 0.9 + 0.5 + 0.4) / 4,
      1e-12);
  g_assert_cmpuint (uniformer_actions_n_open (&a), ==, 0);
  g_array_unref (ev);
  uniformer_actions_clear (&a);
}

static void
test_min_windows (void)
{
  /* Runs of 1 and 2 windows above the start threshold, broken by 0.55:
   * with min 3 nothing starts until windows 5..7, dated from window 5. */
  static const gdouble s[] = {
    0.8, 0, 0,
    0.55, 0, 0,
    0.8, 0, 0,
    0.8, 0, 0,
    0.55, 0, 0,
    0.7, 0, 0,
    0.7, 0, 0,
    0.7, 0, 0,
  };
  UniformerActionParams p = { 0.6, 0.4, 3 };
  UniformerActions a;
  GArray *ev;

  uniformer_actions_init (&a, CLASSES);
  ev = feed (&a, &p, s, 8, 0);
  g_assert_cmpuint (ev->len, ==, 1);
  assert_event (event_at (ev, 0), 0, UNIFORMER_ACTION_STARTED, UNIFORMER_ACTION_REASON_NONE,
      5, 7);
  g_array_unref (ev);
  uniformer_actions_clear (&a);

  /* min 1: one window starts it; end above start counts as start */
  p.min_windows = 1;
  p.end_threshold = 0.9;
  uniformer_actions_init (&a, CLASSES);
  ev = feed (&a, &p, s, 2, 0);
  g_assert_cmpuint (ev->len, ==, 2);
  assert_event (event_at (ev, 0), 0, UNIFORMER_ACTION_STARTED, UNIFORMER_ACTION_REASON_NONE,
      0, 0);
  assert_event (event_at (ev, 1), 0, UNIFORMER_ACTION_ENDED,
      UNIFORMER_ACTION_REASON_SCORE_DROPPED, 0, 0);
  g_array_unref (ev);
  uniformer_actions_clear (&a);
}

static void
test_several_classes (void)
{
  /* 0 and 1 start together, 2 takes over from 0 at window 3: the end of 0
   * comes before the start of 2 in that window's events. */
  static const gdouble s[] = {
    0.7, 0.65, 0.0,
    0.7, 0.65, 0.0,
    0.45, 0.65, 0.6,
    0.1, 0.65, 0.9,
  };
  UniformerActions a;
  GArray *ev;

  uniformer_actions_init (&a, CLASSES);
  ev = feed (&a, &defaults, s, 4, 10);
  g_assert_cmpuint (ev->len, ==, 4);
  assert_event (event_at (ev, 0), 0, UNIFORMER_ACTION_STARTED, UNIFORMER_ACTION_REASON_NONE,
      10, 11);
  assert_event (event_at (ev, 1), 1, UNIFORMER_ACTION_STARTED, UNIFORMER_ACTION_REASON_NONE,
      10, 11);
  assert_event (event_at (ev, 2), 0, UNIFORMER_ACTION_ENDED,
      UNIFORMER_ACTION_REASON_SCORE_DROPPED, 10, 12);
  assert_event (event_at (ev, 3), 2, UNIFORMER_ACTION_STARTED, UNIFORMER_ACTION_REASON_NONE,
      12, 13);
  g_assert_cmpuint (uniformer_actions_n_open (&a), ==, 2);
  g_array_unref (ev);
  uniformer_actions_clear (&a);
}

static void
test_end_all (void)
{
  /* Class 0 open, class 1 one window into its run: ending all reports
   * class 0 with the reason and forgets class 1's run, which must start
   * afresh. */
  static const gdouble s[] = {
    0.9, 0.0, 0,
    0.9, 0.8, 0,
  };
  static const gdouble after[] = {
    0.0, 0.8, 0,
    0.0, 0.8, 0,
  };
  static const UniformerActionReason reasons[] = {
    UNIFORMER_ACTION_REASON_FLUSH, UNIFORMER_ACTION_REASON_SEEK,
    UNIFORMER_ACTION_REASON_DISCONT, UNIFORMER_ACTION_REASON_EOS,
    UNIFORMER_ACTION_REASON_STOPPED, UNIFORMER_ACTION_REASON_DISABLED,
  };
  static const gchar *names[] = { "flush", "seek", "discont", "eos", "stopped", "disabled" };

  for (guint r = 0; r < G_N_ELEMENTS (reasons); r++) {
    UniformerActions a;
    GArray *ev, *more;

    uniformer_actions_init (&a, CLASSES);
    ev = feed (&a, &defaults, s, 2, 0);
    g_assert_cmpuint (ev->len, ==, 1);
    uniformer_actions_end_all (&a, reasons[r], ev);
    g_assert_cmpuint (ev->len, ==, 2);
    assert_event (event_at (ev, 1), 0, UNIFORMER_ACTION_ENDED, reasons[r], 0, 1);
    g_assert_cmpstr (uniformer_action_reason_name (event_at (ev, 1)->reason), ==, names[r]);
    g_assert_cmpuint (uniformer_actions_n_open (&a), ==, 0);
    /* class 1's run (window 1) was forgotten: its start is dated from window 5 */
    more = feed (&a, &defaults, after, 2, 5);
    g_assert_cmpuint (more->len, ==, 1);
    assert_event (event_at (more, 0), 1, UNIFORMER_ACTION_STARTED,
        UNIFORMER_ACTION_REASON_NONE, 5, 6);
    /* ending twice reports nothing more than the open one */
    uniformer_actions_end_all (&a, reasons[r], more);
    uniformer_actions_end_all (&a, reasons[r], more);
    g_assert_cmpuint (more->len, ==, 2);
    g_array_unref (more);
    g_array_unref (ev);
    uniformer_actions_clear (&a);
  }
  g_assert_null (uniformer_action_reason_name (UNIFORMER_ACTION_REASON_NONE));
  g_assert_cmpstr (uniformer_action_reason_name (UNIFORMER_ACTION_REASON_SCORE_DROPPED), ==,
      "score-dropped");
  g_assert_cmpstr (uniformer_action_state_name (UNIFORMER_ACTION_STARTED), ==, "started");
  g_assert_cmpstr (uniformer_action_state_name (UNIFORMER_ACTION_ENDED), ==, "ended");
}

static void
test_unknown_times (void)
{
  /* Times are carried as given, unknown ones included. */
  static const gdouble s[] = { 0.9, 0, 0 };
  UniformerSpan w = { 5 * SECOND, G_MAXUINT64, 6 * SECOND, G_MAXUINT64 };
  UniformerActionParams p = { 0.6, 0.4, 1 };
  UniformerActions a;
  GArray *ev = g_array_new (FALSE, FALSE, sizeof (UniformerActionEvent));

  uniformer_actions_init (&a, CLASSES);
  uniformer_actions_push (&a, &p, s, &w, ev);
  g_assert_cmpuint (ev->len, ==, 1);
  g_assert_cmpuint (event_at (ev, 0)->span.start_pts, ==, 5 * SECOND);
  g_assert_cmpuint (event_at (ev, 0)->span.start_running_time, ==, G_MAXUINT64);
  g_assert_cmpuint (event_at (ev, 0)->span.end_running_time, ==, G_MAXUINT64);
  g_array_unref (ev);
  uniformer_actions_clear (&a);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/actions/hysteresis", test_hysteresis);
  g_test_add_func ("/actions/min-windows", test_min_windows);
  g_test_add_func ("/actions/several-classes", test_several_classes);
  g_test_add_func ("/actions/end-all", test_end_all);
  g_test_add_func ("/actions/unknown-times", test_unknown_times);
  return g_test_run ();
}
