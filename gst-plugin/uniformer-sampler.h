/* uniformer-sampler.h: which frames of a stream enter the window, and the
 * window itself as an ordered list of ring slots. Pure bookkeeping: no
 * GStreamer objects, no GPU.
 *
 * Sampling by timestamps: the sampling instants form a grid that starts at
 * the PTS of the first sampled frame and has a period of 1/rate. A frame is
 * taken when its PTS reaches the next instant minus a tolerance; the grid
 * then moves on to the first instant the frame cannot serve, so it never
 * drifts with the frames' timing and, after a gap, jumps past the instants
 * that had no frame.
 *
 * Tolerance: half the frame's duration, so that of the frames around an
 * instant the nearest one is taken (rounded PTS such as 33333333 ns at 30
 * fps hit the grid). It is capped at half the sampling period so one frame
 * never serves two instants; when the duration is unknown it is a quarter of
 * the period.
 */
#ifndef UNIFORMER_SAMPLER_H
#define UNIFORMER_SAMPLER_H

#include <gst/gst.h>

G_BEGIN_DECLS

typedef enum {
  UNIFORMER_SAMPLE_SKIP,        /* the frame is not sampled */
  UNIFORMER_SAMPLE_TAKE,        /* the frame enters the window */
  UNIFORMER_SAMPLE_RESTART,     /* PTS went backwards: empty the window, then take it */
} UniformerSample;

typedef struct {
  gdouble rate;                 /* instants per second (frame_interval == 0) */
  guint frame_interval;         /* > 0: take every n-th frame instead */
  gboolean started;
  GstClockTime anchor;          /* PTS of the first sampled frame: instant 0 */
  guint64 next_index;           /* the next instant to fill */
  GstClockTime last_taken;      /* PTS of the last sampled frame */
  guint64 frames_seen;          /* frames offered since the start (frame-interval mode) */
} UniformerSampler;

void uniformer_sampler_init (UniformerSampler * s, gdouble rate, guint frame_interval);
/* Forgets the grid: the next frame offered starts a new one. */
void uniformer_sampler_reset (UniformerSampler * s);
GstClockTime uniformer_sampler_instant (const UniformerSampler * s, guint64 index);
GstClockTime uniformer_sampler_tolerance (const UniformerSampler * s,
    GstClockTime frame_duration);
/* @frame_duration may be GST_CLOCK_TIME_NONE. Frames without a PTS are never
 * sampled in timestamp mode. */
UniformerSample uniformer_sampler_offer (UniformerSampler * s, GstClockTime pts,
    GstClockTime frame_duration);

/* The window: up to `frames` slot indices, oldest first. A classification
 * is due `phase` (modulo `interval`) sampled frames after the window first
 * fills, then every `interval` sampled frames.
 * Slots of the window being classified are pinned until the run ends, so
 * a ring of 2 * frames + 1 slots always has a free one: `frames` in the
 * window, at most `frames` more pinned, one for the incoming frame. */
typedef struct {
  guint frames;
  guint interval;
  guint phase;
  guint n_slots;
  guint n;                      /* frames in the window */
  guint *slots;
  GstClockTime *pts;
  gboolean *pinned;             /* per ring slot */
  gboolean filled_once;         /* the first full window was due */
  guint since_due;              /* sampled frames since the last due window */
} UniformerWindow;

guint uniformer_window_ring_size (guint frames);
void uniformer_window_init (UniformerWindow * w, guint frames, guint interval);
void uniformer_window_clear (UniformerWindow * w);
/* Empties the window; pins stay (a run may still read them). */
void uniformer_window_reset (UniformerWindow * w);
void uniformer_window_set_interval (UniformerWindow * w, guint interval);
/* Takes effect the next time the window fills from empty. */
void uniformer_window_set_phase (UniformerWindow * w, guint phase);
/* A slot neither in the window nor pinned. */
guint uniformer_window_free_slot (const UniformerWindow * w);
/* Appends a sampled frame (dropping the oldest when full); TRUE when a
 * classification is due on the window as it now stands. */
gboolean uniformer_window_push (UniformerWindow * w, guint slot, GstClockTime pts);
gboolean uniformer_window_contains (const UniformerWindow * w, guint slot);
void uniformer_window_pin (UniformerWindow * w);
void uniformer_window_unpin_all (UniformerWindow * w);

G_END_DECLS

#endif /* UNIFORMER_SAMPLER_H */
