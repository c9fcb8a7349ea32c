/* uniformer-actions.c: the per-class start/end state machine (see the
 * header for the rules). */
#include "uniformer-actions.h"

#include <string.h>

const gchar *
uniformer_action_reason_name (UniformerActionReason reason)
{
  switch (reason) {
    case UNIFORMER_ACTION_REASON_SCORE_DROPPED:
      return "score-dropped";
    case UNIFORMER_ACTION_REASON_FLUSH:
      return "flush";
    case UNIFORMER_ACTION_REASON_SEEK:
      return "seek";
    case UNIFORMER_ACTION_REASON_DISCONT:
      return "discont";
    case UNIFORMER_ACTION_REASON_EOS:
      return "eos";
    case UNIFORMER_ACTION_REASON_STOPPED:
      return "stopped";
    case UNIFORMER_ACTION_REASON_DISABLED:
      return "disabled";
    case UNIFORMER_ACTION_REASON_TRACK_LOST:
      return "track-lost";
    case UNIFORMER_ACTION_REASON_NONE:
    default:
      return NULL;
  }
}

const gchar *
uniformer_action_state_name (UniformerActionState state)
{
  return state == UNIFORMER_ACTION_STARTED ? "started" : "ended";
}

void
uniformer_actions_init (UniformerActions * a, guint num_classes)
{
  a->num_classes = num_classes;
  a->tracks = g_new0 (UniformerActionTrack, num_classes);
}

void
uniformer_actions_clear (UniformerActions * a)
{
  g_free (a->tracks);
  memset (a, 0, sizeof (*a));
}

static void
emit (GArray * events, guint class_id, const UniformerActionTrack * t,
    UniformerActionState state, UniformerActionReason reason)
{
  UniformerActionEvent ev = {
    .class_id = class_id,
    .state = state,
    .reason = reason,
    .span = t->span,
    .peak_score = t->peak,
    .mean_score = t->windows ? t->sum / t->windows : 0.0,
    .windows = t->windows,
  };

  g_array_append_val (events, ev);
}

/* Counts a window into the track: the first one dates it. */
static void
count_window (UniformerActionTrack * t, gdouble score, const UniformerSpan * window)
{
  if (t->windows == 0) {
    t->span = *window;
    t->peak = score;
    t->sum = 0.0;
  }
  t->windows++;
  t->sum += score;
  t->peak = MAX (t->peak, score);
  t->span.end_pts = window->end_pts;
  t->span.end_running_time = window->end_running_time;
}

void
uniformer_actions_push (UniformerActions * a, const UniformerActionParams * params,
    const gdouble * scores, const UniformerSpan * window, GArray * events)
{
  gdouble end_threshold = MIN (params->end_threshold, params->start_threshold);
  guint min_windows = MAX (params->min_windows, 1);

  /* Ends before starts, so that a consumer sees one action hand over to
   * the next in that order when both happen at the same window. */
  for (guint c = 0; c < a->num_classes; c++) {
    UniformerActionTrack *t = &a->tracks[c];

    if (!t->open)
      continue;
    if (scores[c] >= end_threshold) {
      count_window (t, scores[c], window);
    } else {
      emit (events, c, t, UNIFORMER_ACTION_ENDED, UNIFORMER_ACTION_REASON_SCORE_DROPPED);
      memset (t, 0, sizeof (*t));
    }
  }
  for (guint c = 0; c < a->num_classes; c++) {
    UniformerActionTrack *t = &a->tracks[c];

    if (t->open)
      continue;
    if (scores[c] < params->start_threshold) {
      t->windows = 0;           /* the run of windows above it is broken */
      continue;
    }
    count_window (t, scores[c], window);
    if (t->windows >= min_windows) {
      t->open = TRUE;
      emit (events, c, t, UNIFORMER_ACTION_STARTED, UNIFORMER_ACTION_REASON_NONE);
    }
  }
}

void
uniformer_actions_end_all (UniformerActions * a, UniformerActionReason reason,
    GArray * events)
{
  for (guint c = 0; c < a->num_classes; c++) {
    if (a->tracks[c].open)
      emit (events, c, &a->tracks[c], UNIFORMER_ACTION_ENDED, reason);
    memset (&a->tracks[c], 0, sizeof (a->tracks[c]));
  }
}

guint
uniformer_actions_n_open (const UniformerActions * a)
{
  guint n = 0;

  for (guint c = 0; c < a->num_classes; c++)
    n += a->tracks[c].open;
  return n;
}
