/* uniformer-actions.h: when an action starts and ends, from the scores of
 * the classified windows, each class on its own with hysteresis. Pure
 * logic: no GStreamer element, no GPU.
 *
 * A class's action starts once `min_windows` consecutive windows score at
 * or above `start_threshold`; it is dated from the first frame of the
 * first of those windows (the window edge, not the moment it was
 * recognised). It stays open while windows score at or above
 * `end_threshold` (taken as at most `start_threshold`) and ends at the
 * first window below it, dated by the last frame of the last window that
 * was still at or above it. The gap between the thresholds keeps a score
 * that hovers around one threshold from starting and ending an action at
 * every window. Each class has its own state: several actions may be open
 * at once.
 *
 * Times are carried, not interpreted: the caller gives each window's PTS
 * and running time (G_MAXUINT64 = unknown) and gets them back in events.
 */
#ifndef UNIFORMER_ACTIONS_H
#define UNIFORMER_ACTIONS_H

#include <glib.h>

G_BEGIN_DECLS

/* The name of the element message and of the custom downstream event. */
#define UNIFORMER_ACTION_STRUCTURE_NAME "uniformer-action"

typedef enum {
  UNIFORMER_ACTION_STARTED,
  UNIFORMER_ACTION_ENDED,
} UniformerActionState;

/* Why an action ended; NONE for a start. */
typedef enum {
  UNIFORMER_ACTION_REASON_NONE,
  UNIFORMER_ACTION_REASON_SCORE_DROPPED,        /* a window scored below end_threshold */
  UNIFORMER_ACTION_REASON_FLUSH,        /* a flush not followed by a new segment */
  UNIFORMER_ACTION_REASON_SEEK, /* a new segment (after a flush or not) */
  UNIFORMER_ACTION_REASON_DISCONT,      /* the window was emptied at a break in the stream */
  UNIFORMER_ACTION_REASON_EOS,
  UNIFORMER_ACTION_REASON_STOPPED,      /* the element went down to READY */
  UNIFORMER_ACTION_REASON_DISABLED,     /* the `actions` property was turned off */
  UNIFORMER_ACTION_REASON_TRACK_LOST,   /* its region was not seen for track-timeout */
} UniformerActionReason;

/* "score-dropped", "flush", ...; NULL for NONE. */
const gchar *uniformer_action_reason_name (UniformerActionReason reason);
const gchar *uniformer_action_state_name (UniformerActionState state);

/* From the first frame of one window to the last frame of another. */
typedef struct {
  guint64 start_pts, start_running_time;
  guint64 end_pts, end_running_time;
} UniformerSpan;

typedef struct {
  gdouble start_threshold;
  gdouble end_threshold;
  guint min_windows;            /* >= 1 */
} UniformerActionParams;

typedef struct {
  guint class_id;
  UniformerActionState state;
  UniformerActionReason reason;
  UniformerSpan span;           /* started: from the first counted window to this one */
  gdouble peak_score, mean_score;       /* over the windows counted */
  guint windows;
  gint track_id;                /* the region's track; -1 in frame mode (set by the caller) */
} UniformerActionEvent;

/* One class: a run of windows at or above start_threshold not yet long
 * enough (open == FALSE, windows > 0), or an open action. */
typedef struct {
  gboolean open;
  guint windows;
  UniformerSpan span;
  gdouble peak, sum;
} UniformerActionTrack;

typedef struct {
  guint num_classes;
  UniformerActionTrack *tracks;
} UniformerActions;

void uniformer_actions_init (UniformerActions * a, guint num_classes);
void uniformer_actions_clear (UniformerActions * a);
/* Feeds one classified window: @scores has num_classes entries, @window is
 * its span. Appends the UniformerActionEvent it causes to @events: the
 * ends first, then the starts, each in class order. */
void uniformer_actions_push (UniformerActions * a, const UniformerActionParams * params,
    const gdouble * scores, const UniformerSpan * window, GArray * events);
/* Ends every open action with @reason and forgets runs not yet started. */
void uniformer_actions_end_all (UniformerActions * a, UniformerActionReason reason,
    GArray * events);
guint uniformer_actions_n_open (const UniformerActions * a);

G_END_DECLS

#endif /* UNIFORMER_ACTIONS_H */
