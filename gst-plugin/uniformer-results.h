/* uniformer-results.h: from a window's probabilities to what is reported:
 * the mean over the last N windows (smoothing), then the top-k classes at
 * or above a threshold. */
#ifndef UNIFORMER_RESULTS_H
#define UNIFORMER_RESULTS_H

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  guint num_classes;
  guint capacity;               /* N windows averaged; 1 = no smoothing */
  guint count;                  /* windows held, <= capacity */
  guint next;                   /* ring position of the next window */
  gdouble *history;             /* capacity x num_classes */
  gdouble *mean;                /* num_classes */
} UniformerSmoother;

void uniformer_smoother_init (UniformerSmoother * s, guint num_classes, guint capacity);
void uniformer_smoother_clear (UniformerSmoother * s);
void uniformer_smoother_reset (UniformerSmoother * s);
/* Adds a window and returns the mean of the windows held (owned by @s). */
const gdouble *uniformer_smoother_push (UniformerSmoother * s, const float *probs);

/* Writes the best classes (highest score first, ties by lower index) whose
 * score is >= @threshold, at most @k; returns how many. */
guint uniformer_top_k (const gdouble * scores, guint n, guint k, gdouble threshold,
    gint * ids_out, gdouble * scores_out);

/* One classification as reported: the top classes of the smoothed scores. */
typedef struct {
  guint n;
  gint *ids;
  gdouble *scores;
  guint64 window_start, window_end;     /* GstClockTime */
  guint frames;
  guint64 inference_ns;
  /* the region it classified (set by the element; FRAME_TRACK in frame mode) */
  gint track_id;
  gint x, y, width, height;
  gchar *region_type;
} UniformerReport;

/* Pushes @probs into @smoother and keeps the best @top_k of the mean. */
UniformerReport *uniformer_report_new (UniformerSmoother * smoother, const float *probs,
    guint top_k, gdouble threshold, guint64 window_start, guint64 window_end, guint frames,
    guint64 inference_ns);
void uniformer_report_free (gpointer report);

G_END_DECLS

#endif /* UNIFORMER_RESULTS_H */
