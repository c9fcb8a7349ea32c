/* uniformer-infer-stream.c: the streaming-thread half of uniformerinfer:
 * each buffer is timed, sampled into the window, uploaded, and a due window
 * is handed to the worker; finished results ride on the next buffer, go to
 * the bus and feed the action tracker (uniformer-infer-notices.c sends its
 * events and the warnings). The GObject, property and state-change half is
 * gstuniformerinfer.c. */
#include "gstuniformerinfer-private.h"

#include "gstuniformermeta.h"
#include "uniformer-errors.h"

#define GST_CAT_DEFAULT gst_uniformer_infer_debug

/* ---- stream state -------------------------------------------------------- */

/* Forgets the window and everything computed from it; a result still
 * running belongs to the old generation and will be dropped. */
void
uniformer_infer_reset_stream (GstUniformerInfer * self)
{
  self->generation++;
  uniformer_sampler_reset (&self->sampler);
  if (self->window.slots)
    uniformer_window_reset (&self->window);
  if (self->deferred.pending)
    uniformer_deferred_drop (&self->deferred);
  if (self->smoother.mean)
    uniformer_smoother_reset (&self->smoother);
  g_queue_clear_full (&self->ready, uniformer_report_free);
  self->last_pts = GST_CLOCK_TIME_NONE;
  self->untimed = 0;
}

/* Empties the window so that no window mixes frames from both sides of a
 * break in the stream; a result running on the old window is still valid.
 * An action seen before the break is not taken to go on after it. */
static void
restart_window (GstUniformerInfer * self, const gchar * why)
{
  if (self->window.n > 0)
    GST_DEBUG_OBJECT (self, "%s: emptying the window", why);
  uniformer_sampler_reset (&self->sampler);
  uniformer_window_reset (&self->window);
  uniformer_smoother_reset (&self->smoother);
  uniformer_infer_end_actions (self, UNIFORMER_ACTION_REASON_DISCONT);
}

gdouble
uniformer_infer_model_rate (GstUniformerInfer * self)
{
  const UfModelInfo *info = self->info;

  if (info->source_fps <= 0 || info->sampling_rate == 0)
    return 7.5;                 /* 30 fps / 4: the official Kinetics protocol */
  return info->source_fps / info->sampling_rate;
}

gdouble
uniformer_infer_sampling_rate (GstUniformerInfer * self, const Settings * st)
{
  gboolean sparse = st->sampling == GST_UNIFORMER_SAMPLING_SPARSE
      || (st->sampling == GST_UNIFORMER_SAMPLING_MODEL
      && self->info->sampling == UF_SAMPLING_SPARSE);

  if (!sparse)
    return st->sample_rate > 0 ? st->sample_rate : uniformer_infer_model_rate (self);
  /* T frames at the centres of T equal segments of the span are 1/T of
   * it apart: the same grid as stride sampling at T / span */
  if (st->window_duration > 0)
    return self->info->frames / st->window_duration;
  return uniformer_infer_model_rate (self);
}

/* Copies the settings for this buffer and applies the ones that changed. */
static void
update_settings (GstUniformerInfer * self)
{
  Settings st;
  gdouble rate;

  GST_OBJECT_LOCK (self);
  st = self->props;
  GST_OBJECT_UNLOCK (self);

  rate = uniformer_infer_sampling_rate (self, &st);
  if (rate != self->sampler.rate || st.frame_interval != self->sampler.frame_interval) {
    /* Frames taken at another spacing would mix in one window. */
    GST_DEBUG_OBJECT (self, "sampling at %.3f Hz, frame interval %u", rate,
        st.frame_interval);
    uniformer_sampler_init (&self->sampler, rate, st.frame_interval);
    uniformer_window_reset (&self->window);
  }
  uniformer_window_set_interval (&self->window, st.inference_interval);
  if (self->cur.actions && !st.actions)
    uniformer_infer_end_actions (self, UNIFORMER_ACTION_REASON_DISABLED);
  if (st.smoothing != self->smoother.capacity) {
    uniformer_smoother_clear (&self->smoother);
    uniformer_smoother_init (&self->smoother, self->info->num_classes, st.smoothing);
  }
  self->cur = st;
}

static gboolean
upstream_is_live (GstUniformerInfer * self)
{
  GstQuery *q = gst_query_new_latency ();
  gboolean live = FALSE;

  if (gst_pad_peer_query (GST_BASE_TRANSFORM_SINK_PAD (self), q))
    gst_query_parse_latency (q, &live, NULL, NULL);
  gst_query_unref (q);
  return live;
}

static gboolean
waits_for_windows (GstUniformerInfer * self, gboolean live)
{
  return self->cur.late_windows == GST_UNIFORMER_LATE_WINDOWS_WAIT
      || (self->cur.late_windows == GST_UNIFORMER_LATE_WINDOWS_AUTO && !live);
}

/* In wait mode on a live stream the element adds the inference time to the
 * latency: tell the pipeline when that estimate has moved by a fifth. */
static void
maybe_post_latency (GstUniformerInfer * self, guint64 mean_ns)
{
  if (!self->live || !waits_for_windows (self, TRUE))
    return;
  if (mean_ns * 5 > self->reported_latency * 6 || mean_ns * 5 < self->reported_latency * 4) {
    self->reported_latency = mean_ns;
    gst_element_post_message (GST_ELEMENT (self),
        gst_message_new_latency (GST_OBJECT (self)));
  }
}

/* ---- results ------------------------------------------------------------- */

/* Takes a finished run, if any; FALSE (element error posted) when it failed. */
static gboolean
collect_result (GstUniformerInfer * self)
{
  UniformerJobResult *r = uniformer_worker_take_result (self->worker);
  guint64 mean;

  if (r == NULL)
    return TRUE;
  uniformer_window_unpin_all (&self->window);
  if (r->generation != self->generation) {
    GST_DEBUG_OBJECT (self, "dropping the result of a window from before a reset");
    uniformer_job_result_free (r);
    return TRUE;
  }
  if (r->error) {
    UNIFORMER_POST_ENGINE_ERROR (self, g_steal_pointer (&r->error), NULL,
        "Classifying a window failed.");
    uniformer_job_result_free (r);
    return FALSE;
  }
  GST_OBJECT_LOCK (self);
  self->windows_classified++;
  self->last_inference_ns = r->inference_ns;
  self->total_inference_ns += r->inference_ns;
  self->total_batch_size += r->batch_size;
  mean = self->total_inference_ns / self->windows_classified;
  GST_OBJECT_UNLOCK (self);
  g_queue_push_tail (&self->ready, uniformer_report_new (&self->smoother, r->probs,
          self->cur.top_k, self->cur.threshold, r->window_start, r->window_end, r->frames,
          r->inference_ns));
  uniformer_infer_track_actions (self, self->smoother.mean, r->window_start, r->window_end);
  uniformer_job_result_free (r);
  maybe_post_latency (self, mean);
  return TRUE;
}

static void
post_result (GstUniformerInfer * self, const GstUniformerMeta * meta, GstClockTime pts,
    GstClockTime duration)
{
  GstSegment *seg = &GST_BASE_TRANSFORM (self)->segment;
  GstStructure *s = gst_uniformer_meta_to_structure (meta);

  gst_structure_set (s,
      "timestamp", G_TYPE_UINT64, (guint64) pts,
      "stream-time", G_TYPE_UINT64,
      (guint64) gst_segment_to_stream_time (seg, GST_FORMAT_TIME, pts),
      "running-time", G_TYPE_UINT64,
      (guint64) gst_segment_to_running_time (seg, GST_FORMAT_TIME, pts),
      "duration", G_TYPE_UINT64, (guint64) duration, NULL);
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self), s));
}

/* Attaches @rep to @buffer (writable), or only posts it when @buffer is
 * NULL (EOS). */
static void
report (GstUniformerInfer * self, const UniformerReport * rep, GstBuffer * buffer)
{
  const gchar **labels = g_new0 (const gchar *, rep->n + 1);
  GstBuffer *carrier = buffer ? buffer : gst_buffer_new ();
  GstUniformerMeta *meta;

  for (guint i = 0; i < rep->n; i++)
    labels[i] = self->info->labels[rep->ids[i]];
  meta = gst_buffer_add_uniformer_meta (carrier, rep->n, rep->ids, labels, rep->scores,
      rep->window_start, rep->window_end, rep->frames, rep->inference_ns,
      self->info->name);
  GST_INFO_OBJECT (self, "window %" GST_TIME_FORMAT " - %" GST_TIME_FORMAT
      ": %s %.3f (%u results, %.1f ms)", GST_TIME_ARGS (rep->window_start),
      GST_TIME_ARGS (rep->window_end), rep->n ? labels[0] : "-",
      rep->n ? rep->scores[0] : 0.0, rep->n, rep->inference_ns / 1e6);
  if (self->cur.post_messages) {
    if (buffer)
      post_result (self, meta, GST_BUFFER_PTS (buffer), GST_BUFFER_DURATION (buffer));
    else
      post_result (self, meta, rep->window_end, GST_CLOCK_TIME_NONE);
  }
  if (buffer == NULL)
    gst_buffer_unref (carrier);
  g_free (labels);
}

/* ---- per buffer ---------------------------------------------------------- */

static GstClockTime
frame_duration (GstUniformerInfer * self, GstBuffer * buf)
{
  if (GST_BUFFER_DURATION_IS_VALID (buf))
    return GST_BUFFER_DURATION (buf);
  if (GST_VIDEO_INFO_FPS_N (&self->vinfo) > 0)
    return gst_util_uint64_scale_int (GST_SECOND, GST_VIDEO_INFO_FPS_D (&self->vinfo),
        GST_VIDEO_INFO_FPS_N (&self->vinfo));
  return GST_CLOCK_TIME_NONE;
}

/* The buffer's PTS; for a buffer without one, the last PTS plus the frames
 * counted since at the caps' frame rate, so that sampling by time still
 * works. NONE when neither exists (frame-interval mode needs no time). */
static GstClockTime
timestamp_of (GstUniformerInfer * self, GstBuffer * buf)
{
  GstClockTime pts = GST_BUFFER_PTS (buf), dur;

  if (GST_CLOCK_TIME_IS_VALID (pts)) {
    self->last_pts = pts;
    self->untimed = 0;
    return pts;
  }
  if (self->cur.frame_interval > 0)
    return GST_CLOCK_TIME_NONE;
  dur = frame_duration (self, buf);
  if (!GST_CLOCK_TIME_IS_VALID (dur)) {
    if (!self->warned_untimed)
      GST_ELEMENT_WARNING (self, STREAM, FORMAT, ("The video has neither timestamps nor a "
              "frame rate, so its frames cannot be sampled by time; set frame-interval."),
          ("buffer without PTS or duration, caps frame rate 0/1"));
    self->warned_untimed = TRUE;
    return GST_CLOCK_TIME_NONE;
  }
  if (!self->warned_untimed)
    GST_ELEMENT_WARNING (self, STREAM, FORMAT, ("The video has no timestamps: frames are "
            "timed by counting them at the frame rate."), ("buffer without PTS, timing "
            "frames %" GST_TIME_FORMAT " apart", GST_TIME_ARGS (dur)));
  self->warned_untimed = TRUE;
  self->untimed++;
  if (GST_CLOCK_TIME_IS_VALID (self->last_pts))
    return self->last_pts + self->untimed * dur;
  return (self->untimed - 1) * dur;
}

/* How much time a full window covers; NONE when unknown. */
static GstClockTime
window_span (GstUniformerInfer * self, GstBuffer * buf)
{
  guint frames = self->window.frames;
  GstClockTime dur;

  if (self->cur.frame_interval == 0)
    return (GstClockTime) (frames * GST_SECOND / self->sampler.rate);
  dur = frame_duration (self, buf);
  return GST_CLOCK_TIME_IS_VALID (dur) ? frames * self->cur.frame_interval * dur : dur;
}

/* Breaks the sampler's grid would not see: a DISCONT buffer (a reconnected
 * camera, lost packets) and a forward jump longer than a window spans. */
static void
check_continuity (GstUniformerInfer * self, GstBuffer * buf, GstClockTime pts)
{
  GstClockTime last = self->sampler.last_taken, span;

  if (!self->sampler.started)
    return;
  if (GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_DISCONT)) {
    restart_window (self, "discontinuity");
    return;
  }
  span = window_span (self, buf);
  if (GST_CLOCK_TIME_IS_VALID (pts) && GST_CLOCK_TIME_IS_VALID (last)
      && GST_CLOCK_TIME_IS_VALID (span) && pts > last && pts - last > span) {
    GST_DEBUG_OBJECT (self, "PTS jumped %" GST_TIME_FORMAT " ahead", GST_TIME_ARGS (pts - last));
    restart_window (self, "a jump longer than the window");
  }
}

/* Puts a sampled frame into a free ring slot: uploaded now when the GPU
 * is idle, copied for later while a run occupies it. */
static gboolean
store_frame (GstUniformerInfer * self, GstBuffer * buf, guint slot)
{
  GstVideoFrame frame;
  GError *error = NULL;
  gboolean ok;

  if (!gst_video_frame_map (&frame, &self->vinfo, buf, GST_MAP_READ)) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED, ("Could not map a video frame."),
        ("gst_video_frame_map failed for %" GST_PTR_FORMAT, buf));
    return FALSE;
  }
  if (uniformer_worker_busy (self->worker)) {
    ok = uniformer_deferred_store (&self->deferred, slot, &frame);
    if (!ok)
      g_set_error (&error, UF_ERROR, UF_ERROR_OUT_OF_MEMORY, "could not copy a video frame");
  } else {
    ok = uniformer_frame_upload (self->session, slot, &frame, &error);
  }
  gst_video_frame_unmap (&frame);
  if (!ok)
    UNIFORMER_POST_ENGINE_ERROR (self, error, NULL, "Could not upload a video frame.");
  return ok;
}

static gboolean
flush_deferred (GstUniformerInfer * self)
{
  GError *error = NULL;

  if (!uniformer_deferred_has_pending (&self->deferred))
    return TRUE;
  if (uniformer_deferred_flush (&self->deferred, self->session, &error))
    return TRUE;
  UNIFORMER_POST_ENGINE_ERROR (self, error, NULL, "Could not upload a video frame.");
  return FALSE;
}

/* A window is due: classify it, or drop it when the previous one still runs
 * and the element does not wait. */
static gboolean
schedule_window (GstUniformerInfer * self)
{
  UniformerWindow *w = &self->window;
  gboolean wait = waits_for_windows (self, self->live);

  if (wait)
    uniformer_worker_wait (self->worker);
  if (uniformer_worker_is_flushing (self->worker))
    return TRUE;                /* the buffer will be refused downstream anyway */
  if (!collect_result (self))
    return FALSE;
  if (uniformer_worker_busy (self->worker)) {
    guint64 total;

    GST_OBJECT_LOCK (self);
    total = ++self->windows_skipped;
    GST_OBJECT_UNLOCK (self);
    GST_DEBUG_OBJECT (self, "skipping the window %" GST_TIME_FORMAT " - %" GST_TIME_FORMAT
        ": the previous one is still running", GST_TIME_ARGS (w->pts[0]),
        GST_TIME_ARGS (w->pts[w->n - 1]));
    uniformer_infer_warn_skipped (self, w, total);
    return TRUE;
  }
  if (!flush_deferred (self))
    return FALSE;
  uniformer_window_pin (w);
  uniformer_worker_submit (self->worker, w->slots, w->pts[0], w->pts[w->n - 1],
      self->generation);
  if (wait) {
    uniformer_worker_wait (self->worker);
    return collect_result (self);
  }
  return TRUE;
}

static GstFlowReturn
process_buffer (GstUniformerInfer * self, GstBuffer * buf)
{
  GstClockTime pts;
  UniformerSample sample;
  guint slot;
  gboolean due;

  update_settings (self);
  uniformer_infer_settle_flush (self);
  if (GST_VIDEO_INFO_FPS_N (&self->vinfo) > 0)
    uniformer_infer_check_frame_rate (self, (gdouble) GST_VIDEO_INFO_FPS_N (&self->vinfo)
        / GST_VIDEO_INFO_FPS_D (&self->vinfo));
  if (!self->live_known) {
    self->live = upstream_is_live (self);
    self->live_known = TRUE;
    GST_INFO_OBJECT (self, "upstream is %slive: %s late windows", self->live ? "" : "not ",
        waits_for_windows (self, self->live) ? "waiting for" : "skipping");
  }
  if (!collect_result (self))
    return GST_FLOW_ERROR;
  if (!uniformer_worker_busy (self->worker) && !flush_deferred (self))
    return GST_FLOW_ERROR;

  pts = timestamp_of (self, buf);
  check_continuity (self, buf, pts);
  sample = uniformer_sampler_offer (&self->sampler, pts, frame_duration (self, buf));
  if (sample == UNIFORMER_SAMPLE_SKIP)
    return GST_FLOW_OK;
  if (sample == UNIFORMER_SAMPLE_RESTART) {
    GST_DEBUG_OBJECT (self, "PTS went back to %" GST_TIME_FORMAT ": new window",
        GST_TIME_ARGS (pts));
    uniformer_window_reset (&self->window);
    uniformer_smoother_reset (&self->smoother);
    uniformer_infer_end_actions (self, UNIFORMER_ACTION_REASON_DISCONT);
  }
  GST_LOG_OBJECT (self, "sampled %" GST_TIME_FORMAT, GST_TIME_ARGS (pts));
  slot = uniformer_window_free_slot (&self->window);
  if (!store_frame (self, buf, slot))
    return GST_FLOW_ERROR;
  due = uniformer_window_push (&self->window, slot, pts);
  self->max_fill = MAX (self->max_fill, self->window.n);
  if (due) {
    self->ever_full = TRUE;
    uniformer_infer_check_window_spacing (self);
    if (!schedule_window (self))
      return GST_FLOW_ERROR;
  }
  return GST_FLOW_OK;
}

/* The analysis runs before the base class handles the buffer, because its
 * outcome says whether the buffer must become writable: most buffers carry
 * no result and go through in passthrough, without even a shallow copy. */
void
uniformer_infer_before_transform (GstBaseTransform * trans, GstBuffer * buf)
{
  GstUniformerInfer *self = GST_UNIFORMER_INFER (trans);

  if (self->flow == GST_FLOW_OK)
    self->flow = process_buffer (self, buf);
  gst_base_transform_set_passthrough (trans, g_queue_is_empty (&self->ready));
}

GstFlowReturn
uniformer_infer_transform_ip (GstBaseTransform * trans, GstBuffer * buf)
{
  GstUniformerInfer *self = GST_UNIFORMER_INFER (trans);
  UniformerReport *rep;

  if (self->flow != GST_FLOW_OK)
    return self->flow;
  while ((rep = g_queue_pop_head (&self->ready))) {
    report (self, rep, buf);
    uniformer_report_free (rep);
  }
  /* before the buffer that carries the result that started or ended them */
  uniformer_infer_send_actions (self, TRUE);
  return GST_FLOW_OK;
}

/* A run still going at EOS has no buffer left to ride on: its result is
 * posted as a message, the open actions end (sent before the EOS event),
 * then everything is forgotten. */
void
uniformer_infer_finish_at_eos (GstUniformerInfer * self)
{
  UniformerReport *rep;

  if (self->worker == NULL)
    return;
  uniformer_infer_settle_flush (self);
  uniformer_worker_wait (self->worker);
  if (collect_result (self))
    while ((rep = g_queue_pop_head (&self->ready))) {
      report (self, rep, NULL);
      uniformer_report_free (rep);
    }
  uniformer_infer_end_actions (self, UNIFORMER_ACTION_REASON_EOS);
  uniformer_infer_send_actions (self, TRUE);
  uniformer_infer_warn_if_never_full (self);
  uniformer_infer_reset_stream (self);
}

/* A GAP event says no frame exists for its span: when that leaves a
 * sampling instant without a frame, the window would skip it. */
void
uniformer_infer_handle_gap (GstUniformerInfer * self, GstEvent * event)
{
  GstClockTime ts, duration, instant, tolerance;

  gst_event_parse_gap (event, &ts, &duration);
  if (self->info == NULL)
    return;
  uniformer_infer_settle_flush (self);
  if (!self->sampler.started)
    return;
  if (self->sampler.frame_interval > 0 || !GST_CLOCK_TIME_IS_VALID (duration)) {
    restart_window (self, "gap event");
    return;
  }
  instant = uniformer_sampler_instant (&self->sampler, self->sampler.next_index);
  tolerance = uniformer_sampler_tolerance (&self->sampler, GST_CLOCK_TIME_NONE);
  if (GST_CLOCK_TIME_IS_VALID (ts) && ts + duration > instant + tolerance)
    restart_window (self, "gap event over a sampling instant");
}

