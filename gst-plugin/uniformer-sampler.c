/* uniformer-sampler.c: timestamp sampling and window bookkeeping (see the
 * header for the rules). */
#include "uniformer-sampler.h"

#include <math.h>
#include <string.h>

void
uniformer_sampler_init (UniformerSampler * s, gdouble rate, guint frame_interval)
{
  memset (s, 0, sizeof (*s));
  s->rate = rate;
  s->frame_interval = frame_interval;
  uniformer_sampler_reset (s);
}

void
uniformer_sampler_reset (UniformerSampler * s)
{
  s->started = FALSE;
  s->anchor = GST_CLOCK_TIME_NONE;
  s->next_index = 0;
  s->last_taken = GST_CLOCK_TIME_NONE;
  s->frames_seen = 0;
}

static gdouble
period_ns (const UniformerSampler * s)
{
  return GST_SECOND / s->rate;
}

/* Each instant is computed from the anchor, never by adding periods, so a
 * period that is not a whole number of nanoseconds (7.5 Hz) does not drift. */
GstClockTime
uniformer_sampler_instant (const UniformerSampler * s, guint64 index)
{
  return s->anchor + (GstClockTime) llround ((gdouble) index * period_ns (s));
}

GstClockTime
uniformer_sampler_tolerance (const UniformerSampler * s, GstClockTime frame_duration)
{
  GstClockTime half_period = (GstClockTime) (period_ns (s) / 2);

  if (!GST_CLOCK_TIME_IS_VALID (frame_duration) || frame_duration == 0)
    return half_period / 2;
  return MIN (frame_duration / 2, half_period);
}

/* Moves the grid to the first instant after @reach (the PTS of the frame
 * just taken plus the tolerance): that frame served one instant, and the
 * instants it overshot (a gap) are dropped. */
static void
advance (UniformerSampler * s, GstClockTime reach)
{
  guint64 k = (guint64) floor ((reach - s->anchor) / period_ns (s)) + 1;

  while (k > 1 && uniformer_sampler_instant (s, k - 1) > reach)
    k--;
  while (uniformer_sampler_instant (s, k) <= reach)
    k++;
  s->next_index = MAX (s->next_index + 1, k);
}

static UniformerSample
offer_every_nth (UniformerSampler * s, GstClockTime pts)
{
  UniformerSample res = UNIFORMER_SAMPLE_TAKE;

  if (s->started && GST_CLOCK_TIME_IS_VALID (pts)
      && GST_CLOCK_TIME_IS_VALID (s->last_taken) && pts < s->last_taken) {
    s->frames_seen = 0;
    res = UNIFORMER_SAMPLE_RESTART;
  }
  if (s->frames_seen++ % s->frame_interval != 0)
    return UNIFORMER_SAMPLE_SKIP;
  s->started = TRUE;
  if (GST_CLOCK_TIME_IS_VALID (pts))
    s->last_taken = pts;
  return res;
}

UniformerSample
uniformer_sampler_offer (UniformerSampler * s, GstClockTime pts, GstClockTime frame_duration)
{
  UniformerSample res = UNIFORMER_SAMPLE_TAKE;
  GstClockTime tol;

  if (s->frame_interval > 0)
    return offer_every_nth (s, pts);
  if (!GST_CLOCK_TIME_IS_VALID (pts))
    return UNIFORMER_SAMPLE_SKIP;
  tol = uniformer_sampler_tolerance (s, frame_duration);
  if (s->started && pts < s->last_taken) {
    uniformer_sampler_reset (s);
    res = UNIFORMER_SAMPLE_RESTART;
  }
  if (!s->started) {
    s->started = TRUE;
    s->anchor = pts;
  } else if (pts + tol < uniformer_sampler_instant (s, s->next_index)) {
    return UNIFORMER_SAMPLE_SKIP;
  }
  advance (s, pts + tol);
  s->last_taken = pts;
  return res;
}

/* ---- the window ---------------------------------------------------------- */

guint
uniformer_window_ring_size (guint frames)
{
  return 2 * frames + 1;
}

void
uniformer_window_init (UniformerWindow * w, guint frames, guint interval)
{
  memset (w, 0, sizeof (*w));
  w->frames = frames;
  w->interval = MAX (interval, 1);
  w->n_slots = uniformer_window_ring_size (frames);
  w->slots = g_new0 (guint, frames);
  w->pts = g_new0 (GstClockTime, frames);
  w->pinned = g_new0 (gboolean, w->n_slots);
}

void
uniformer_window_clear (UniformerWindow * w)
{
  g_free (w->slots);
  g_free (w->pts);
  g_free (w->pinned);
  memset (w, 0, sizeof (*w));
}

void
uniformer_window_reset (UniformerWindow * w)
{
  w->n = 0;
  w->filled_once = FALSE;
  w->since_due = 0;
}

void
uniformer_window_set_interval (UniformerWindow * w, guint interval)
{
  w->interval = MAX (interval, 1);
}

void
uniformer_window_set_phase (UniformerWindow * w, guint phase)
{
  w->phase = phase;
}

gboolean
uniformer_window_contains (const UniformerWindow * w, guint slot)
{
  for (guint i = 0; i < w->n; i++)
    if (w->slots[i] == slot)
      return TRUE;
  return FALSE;
}

guint
uniformer_window_free_slot (const UniformerWindow * w)
{
  for (guint s = 0; s < w->n_slots; s++)
    if (!w->pinned[s] && !uniformer_window_contains (w, s))
      return s;
  g_assert_not_reached ();      /* the ring size makes this impossible */
  return 0;
}

gboolean
uniformer_window_push (UniformerWindow * w, guint slot, GstClockTime pts)
{
  g_return_val_if_fail (slot < w->n_slots, FALSE);

  if (w->n == w->frames) {
    memmove (w->slots, w->slots + 1, (w->n - 1) * sizeof (guint));
    memmove (w->pts, w->pts + 1, (w->n - 1) * sizeof (GstClockTime));
    w->n--;
  }
  w->slots[w->n] = slot;
  w->pts[w->n] = pts;
  w->n++;
  if (w->n < w->frames)
    return FALSE;
  if (!w->filled_once) {
    guint phase = w->phase % w->interval;

    w->filled_once = TRUE;
    /* due now, or once `phase` more frames are sampled */
    w->since_due = phase == 0 ? 0 : w->interval - phase;
    return phase == 0;
  }
  if (++w->since_due < w->interval)
    return FALSE;
  w->since_due = 0;
  return TRUE;
}

void
uniformer_window_pin (UniformerWindow * w)
{
  for (guint i = 0; i < w->n; i++)
    w->pinned[w->slots[i]] = TRUE;
}

void
uniformer_window_unpin_all (UniformerWindow * w)
{
  memset (w->pinned, 0, w->n_slots * sizeof (gboolean));
}
