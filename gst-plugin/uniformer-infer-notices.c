/* uniformer-infer-notices.c: what uniformerinfer tells the application
 * besides its results: the starts and ends of actions (the tracker is
 * uniformer-actions.c; here they become the "uniformer-action" message and
 * custom downstream event), and warnings about what makes results poor or
 * absent (skipped windows, too low a frame rate, a stream too short for a
 * window). Called on the streaming thread. */
#include "gstuniformerinfer-private.h"

#define GST_CAT_DEFAULT gst_uniformer_infer_debug

/* Skipped windows are warned about at most once in this much running time. */
#define SKIP_WARNING_INTERVAL (10 * GST_SECOND)
/* A stream whose frames are this much further apart than the sampling
 * period asks for gets the frame-rate warning. */
#define SPACING_TOLERANCE 1.1

GstClockTime
uniformer_infer_running_time (GstUniformerInfer * self, GstClockTime pts)
{
  GstSegment *seg = &GST_BASE_TRANSFORM (self)->segment;

  if (seg->format != GST_FORMAT_TIME || !GST_CLOCK_TIME_IS_VALID (pts))
    return GST_CLOCK_TIME_NONE;
  return gst_segment_to_running_time (seg, GST_FORMAT_TIME, pts);
}

/* ---- action events ------------------------------------------------------- */

/* Tags the events from @first on as @t's. */
static void
tag_events (GstUniformerInfer * self, UniformerTrack * t, guint first)
{
  for (guint i = first; i < self->action_events->len; i++)
    g_array_index (self->action_events, UniformerActionEvent, i).track_id = t->id;
}

void
uniformer_infer_end_track_actions (GstUniformerInfer * self, UniformerTrack * t,
    UniformerActionReason reason)
{
  guint first = self->action_events->len;

  uniformer_actions_end_all (&t->actions, reason, self->action_events);
  tag_events (self, t, first);
}

void
uniformer_infer_end_actions (GstUniformerInfer * self, UniformerActionReason reason)
{
  self->flushed = FALSE;
  for (guint i = 0; self->tracks && self->action_events && i < self->tracks->len; i++)
    uniformer_infer_end_track_actions (self, self->tracks->pdata[i], reason);
}

/* After a flush the open actions end at what comes next: a new segment
 * makes it a seek (the sink_event handler), anything else a flush. */
void
uniformer_infer_settle_flush (GstUniformerInfer * self)
{
  if (self->flushed)
    uniformer_infer_end_actions (self, UNIFORMER_ACTION_REASON_FLUSH);
}

static GstStructure *
action_structure (GstUniformerInfer * self, const UniformerActionEvent * ev)
{
  GstStructure *s = gst_structure_new (UNIFORMER_ACTION_STRUCTURE_NAME,
      "label", G_TYPE_STRING, self->info->labels[ev->class_id],
      "class-id", G_TYPE_INT, (gint) ev->class_id,
      "state", G_TYPE_STRING, uniformer_action_state_name (ev->state),
      "start-pts", G_TYPE_UINT64, ev->span.start_pts,
      "start-running-time", G_TYPE_UINT64, ev->span.start_running_time,
      "end-pts", G_TYPE_UINT64, ev->span.end_pts,
      "end-running-time", G_TYPE_UINT64, ev->span.end_running_time,
      "peak-score", G_TYPE_DOUBLE, ev->peak_score,
      "mean-score", G_TYPE_DOUBLE, ev->mean_score,
      "windows", G_TYPE_UINT, ev->windows,
      "model", G_TYPE_STRING, self->info->name, NULL);

  if (ev->state == UNIFORMER_ACTION_ENDED)
    gst_structure_set (s, "reason", G_TYPE_STRING,
        uniformer_action_reason_name (ev->reason), NULL);
  if (self->region_mode != GST_UNIFORMER_REGION_MODE_FRAME)
    gst_structure_set (s, "track-id", G_TYPE_INT, ev->track_id, NULL);
  return s;
}

void
uniformer_infer_send_actions (GstUniformerInfer * self, gboolean downstream)
{
  GstPad *srcpad = GST_BASE_TRANSFORM_SRC_PAD (self);

  for (guint i = 0; self->action_events && i < self->action_events->len; i++) {
    const UniformerActionEvent *ev = &g_array_index (self->action_events,
        UniformerActionEvent, i);
    GstStructure *s = action_structure (self, ev);

    GST_INFO_OBJECT (self, "%s %s: %" GST_TIME_FORMAT " - %" GST_TIME_FORMAT ", %u windows, "
        "peak %.3f%s%s", self->info->labels[ev->class_id],
        uniformer_action_state_name (ev->state), GST_TIME_ARGS (ev->span.start_pts),
        GST_TIME_ARGS (ev->span.end_pts), ev->windows, ev->peak_score,
        ev->reason ? ", " : "", ev->reason ? uniformer_action_reason_name (ev->reason) : "");
    if (downstream)
      gst_pad_push_event (srcpad, gst_event_new_custom (GST_EVENT_CUSTOM_DOWNSTREAM,
              gst_structure_copy (s)));
    gst_element_post_message (GST_ELEMENT (self),
        gst_message_new_element (GST_OBJECT (self), s));
  }
  if (self->action_events)
    g_array_set_size (self->action_events, 0);
}

void
uniformer_infer_track_actions (GstUniformerInfer * self, UniformerTrack * t,
    const gdouble * scores, GstClockTime start, GstClockTime end)
{
  UniformerSpan window = { start, uniformer_infer_running_time (self, start), end,
    uniformer_infer_running_time (self, end) };
  guint first = self->action_events->len;

  if (!self->cur.actions)
    return;
  uniformer_actions_push (&t->actions, &self->cur.action, scores, &window,
      self->action_events);
  tag_events (self, t, first);
}

/* ---- warnings ------------------------------------------------------------ */

/* A window was skipped: warned at once, then at most once per
 * SKIP_WARNING_INTERVAL of running time (of the windows' last frames; the
 * monotonic clock when frames have no time), with the count since. */
void
uniformer_infer_warn_skipped (GstUniformerInfer * self, const UniformerWindow * w, guint64 total)
{
  GstClockTime at = uniformer_infer_running_time (self, w->pts[w->n - 1]), last = self->skip_warned_at;
  guint64 n = ++self->skips_unwarned, mean;

  if (!GST_CLOCK_TIME_IS_VALID (at))
    at = GST_CLOCK_TIME_IS_VALID (w->pts[w->n - 1]) ? w->pts[w->n - 1]
        : (GstClockTime) g_get_monotonic_time () * GST_USECOND;
  if (GST_CLOCK_TIME_IS_VALID (last) && at >= last && at - last < SKIP_WARNING_INTERVAL)
    return;
  GST_OBJECT_LOCK (self);
  mean = self->windows_classified ? self->total_inference_ns / self->windows_classified : 0;
  GST_OBJECT_UNLOCK (self);
  GST_ELEMENT_WARNING_WITH_DETAILS (self, RESOURCE, BUSY,
      ("Skipped %" G_GUINT64_FORMAT " window%s (%" G_GUINT64_FORMAT " in all): each was due "
          "while the previous one was still being classified. A larger inference-interval, "
          "a smaller model or a faster device keeps up.", n, n == 1 ? "" : "s", total),
      ("last skipped window %" GST_TIME_FORMAT " - %" GST_TIME_FORMAT ", mean inference time "
          "%.1f ms, inference-interval %u", GST_TIME_ARGS (w->pts[0]),
          GST_TIME_ARGS (w->pts[w->n - 1]), mean / 1e6, self->cur.inference_interval),
      ("kind", G_TYPE_STRING, "windows-skipped", "count", G_TYPE_UINT64, n,
          "total", G_TYPE_UINT64, total, NULL));
  self->skip_warned_at = at;
  self->skips_unwarned = 0;
}

/* A stream whose frames are further apart than the sampling period (a 1
 * fps camera for a model trained on one frame in 4 at 30 fps) cannot give
 * the windows their spacing: every frame is taken and a window spans far
 * more time than the model saw in training. @fps: the caps' frame rate, or
 * the rate a window was sampled at when the caps give none. Warned once. */
void
uniformer_infer_check_frame_rate (GstUniformerInfer * self, gdouble fps)
{
  gboolean by_time = self->cur.frame_interval == 0;
  gdouble wanted = by_time ? self->rate : uniformer_infer_model_rate (self);
  guint span_frames = self->info->frames - 1;
  guint step = by_time ? 1 : self->cur.frame_interval;
  gchar *why;

  if (self->warned_rate || fps <= 0 || fps * SPACING_TOLERANCE >= wanted)
    return;
  self->warned_rate = TRUE;
  if (by_time && self->rate != uniformer_infer_model_rate (self))
    why = g_strdup ("set by sample-rate or window-duration");
  else if (self->info->source_fps > 0 && self->info->sampling_rate > 0)
    why = g_strdup_printf ("the model was trained on one frame in %u at %g fps",
        self->info->sampling_rate, self->info->source_fps);
  else
    why = g_strdup ("the usual training rate, one frame in 4 at 30 fps");
  GST_ELEMENT_WARNING_WITH_DETAILS (self, STREAM, FORMAT,
      ("The video's frame rate, %.3g fps, is below the %.3g samples per second the "
          "windows need (%s): a window spans %.2f s instead of %.2f s, so motion looks "
          "faster to the model than what it was trained on.", fps, wanted, why,
          span_frames * step / fps, span_frames / wanted),
      ("%s, %u frames per window", by_time ? "sampling by timestamp" :
          "taking every frame-interval-th frame", self->info->frames),
      ("kind", G_TYPE_STRING, "frame-rate", "frame-rate", G_TYPE_DOUBLE, fps,
          "sample-rate", G_TYPE_DOUBLE, wanted, NULL));
  g_free (why);
}

/* Without a frame rate in the caps, the spacing of a due window tells. */
void
uniformer_infer_check_window_spacing (GstUniformerInfer * self, const UniformerWindow * w)
{
  GstClockTime span;

  if (self->warned_rate || self->cur.frame_interval > 0
      || GST_VIDEO_INFO_FPS_N (&self->vinfo) > 0 || w->n < 2
      || !GST_CLOCK_TIME_IS_VALID (w->pts[0]) || w->pts[w->n - 1] <= w->pts[0])
    return;
  span = w->pts[w->n - 1] - w->pts[0];
  uniformer_infer_check_frame_rate (self, (w->n - 1) * (gdouble) GST_SECOND / span);
}

/* At EOS, once per start: a stream too short for one window gave no result. */
void
uniformer_infer_warn_if_never_full (GstUniformerInfer * self)
{
  if (self->ever_full || self->warned_short)
    return;
  self->warned_short = TRUE;
  GST_ELEMENT_WARNING_WITH_DETAILS (self, STREAM, FAILED,
      ("The stream ended before a window was full: the model needs %u sampled frames, "
          "the window got to %u, so nothing was classified.", self->info->frames,
          self->max_fill),
      ("sampling at %.3f Hz, frame-interval %u", self->rate, self->cur.frame_interval),
      ("kind", G_TYPE_STRING, "short-stream", "frames", G_TYPE_UINT, self->max_fill,
          "window", G_TYPE_UINT, self->info->frames, NULL));
}
