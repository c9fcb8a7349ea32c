/* uniformer-infer-stream.c: the streaming-thread half of uniformerinfer:
 * each buffer is timed, and each of its regions (the whole frame in frame
 * mode) is sampled into its track's window (uniformer-infer-tracks.c),
 * uploaded, and a due window is handed to the track's worker; finished
 * results ride on the next buffer (on its region's meta in the region
 * modes), go to the bus and feed the action tracker
 * (uniformer-infer-notices.c sends its events and the warnings). The
 * GObject, property and state-change half is gstuniformerinfer.c. */
#include "gstuniformerinfer-private.h"

#include "gstuniformermeta.h"
#include "uniformer-errors.h"

#define GST_CAT_DEFAULT gst_uniformer_infer_debug

/* ---- stream state -------------------------------------------------------- */

void
uniformer_infer_reset_stream (GstUniformerInfer * self)
{
  for (guint i = 0; self->tracks && i < self->tracks->len; i++)
    uniformer_track_reset (self->tracks->pdata[i]);
  g_queue_clear_full (&self->ready, uniformer_report_free);
  self->last_pts = GST_CLOCK_TIME_NONE;
  self->untimed = 0;
}

/* Empties @t's window so that no window mixes frames from both sides of a
 * break in the stream; a result running on the old window is still valid.
 * An action seen before the break is not taken to go on after it. */
static void
restart_window (GstUniformerInfer * self, UniformerTrack * t, const gchar * why)
{
  if (t->window.n > 0)
    GST_DEBUG_OBJECT (self, "%s: emptying the window of track %d", why, t->id);
  uniformer_track_restart (t);
  uniformer_infer_end_track_actions (self, t, UNIFORMER_ACTION_REASON_DISCONT);
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

void
uniformer_infer_apply_settings (GstUniformerInfer * self, UniformerTrack * t)
{
  const Settings *st = &self->cur;

  if (self->rate != t->sampler.rate || st->frame_interval != t->sampler.frame_interval) {
    /* Frames taken at another spacing would mix in one window. */
    uniformer_sampler_init (&t->sampler, self->rate, st->frame_interval);
    uniformer_window_reset (&t->window);
  }
  uniformer_window_set_interval (&t->window, st->inference_interval);
  uniformer_window_set_phase (&t->window, st->inference_phase >= 0 ?
      (guint) st->inference_phase : self->auto_phase);
  if (st->smoothing != t->smoother.capacity) {
    uniformer_smoother_clear (&t->smoother);
    uniformer_smoother_init (&t->smoother, self->info->num_classes, st->smoothing);
  }
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
  if (rate != self->rate || st.frame_interval != self->cur.frame_interval)
    GST_DEBUG_OBJECT (self, "sampling at %.3f Hz, frame interval %u", rate,
        st.frame_interval);
  if (self->cur.actions && !st.actions)
    uniformer_infer_end_actions (self, UNIFORMER_ACTION_REASON_DISABLED);
  self->cur = st;
  self->rate = rate;
  for (guint i = 0; i < self->tracks->len; i++)
    uniformer_infer_apply_settings (self, self->tracks->pdata[i]);
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

/* Takes @t's finished run, if any; FALSE (element error posted) when it failed. */
static gboolean
collect_result (GstUniformerInfer * self, UniformerTrack * t)
{
  UniformerJobResult *r = uniformer_worker_take_result (t->worker);
  UniformerReport *rep;
  guint64 mean;

  if (r == NULL)
    return TRUE;
  uniformer_window_unpin_all (&t->window);
  if (r->generation != t->generation) {
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
  rep = uniformer_report_new (&t->smoother, r->probs, self->cur.top_k, self->cur.threshold,
      r->window_start, r->window_end, r->frames, r->inference_ns);
  rep->track_id = t->id;
  rep->x = t->box.x;
  rep->y = t->box.y;
  rep->width = t->box.w;
  rep->height = t->box.h;
  rep->region_type = g_strdup (t->type);
  g_queue_push_tail (&self->ready, rep);
  uniformer_infer_track_actions (self, t, t->smoother.mean, r->window_start, r->window_end);
  uniformer_job_result_free (r);
  maybe_post_latency (self, mean);
  return TRUE;
}

static gboolean
collect_results (GstUniformerInfer * self)
{
  for (guint i = 0; i < self->tracks->len; i++)
    if (!collect_result (self, self->tracks->pdata[i]))
      return FALSE;
  return TRUE;
}

/* Posts the "uniformer" message @s (taken) with the times of the buffer
 * at @pts that carries it. */
static void
post_result (GstUniformerInfer * self, GstStructure * s, GstClockTime pts,
    GstClockTime duration)
{
  GstSegment *seg = &GST_BASE_TRANSFORM (self)->segment;

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

/* The region's ROI meta on @buffer: in meta mode the one with the track's
 * id (NULL when it is not on this buffer), in fixed mode a new one. */
static GstVideoRegionOfInterestMeta *
region_meta (GstUniformerInfer * self, const UniformerReport * rep, GstBuffer * buffer)
{
  gpointer state = NULL;
  GstMeta *m;

  if (self->region_mode == GST_UNIFORMER_REGION_MODE_FIXED) {
    GstVideoRegionOfInterestMeta *roi = gst_buffer_add_video_region_of_interest_meta (buffer,
        rep->region_type, rep->x, rep->y, rep->width, rep->height);

    roi->id = rep->track_id;
    return roi;
  }
  while ((m = gst_buffer_iterate_meta_filtered (buffer, &state,
              GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
    GstVideoRegionOfInterestMeta *roi = (GstVideoRegionOfInterestMeta *) m;

    if (roi->id == rep->track_id && (self->region_type == 0
            || roi->roi_type == self->region_type))
      return roi;
  }
  return NULL;
}

/* Attaches @rep to @buffer (writable), or only posts it when @buffer is
 * NULL (EOS): as a GstUniformerMeta in frame mode, as a parameter of the
 * region's GstVideoRegionOfInterestMeta in the region modes. */
static void
report (GstUniformerInfer * self, const UniformerReport * rep, GstBuffer * buffer)
{
  const gchar **labels = g_new0 (const gchar *, rep->n + 1);
  gboolean region = self->region_mode != GST_UNIFORMER_REGION_MODE_FRAME;
  GstBuffer *carrier = buffer && !region ? buffer : gst_buffer_new ();
  GstVideoRegionOfInterestMeta *roi = NULL;
  GstUniformerMeta *meta;
  GstStructure *s;

  for (guint i = 0; i < rep->n; i++)
    labels[i] = self->info->labels[rep->ids[i]];
  meta = gst_buffer_add_uniformer_meta (carrier, rep->n, rep->ids, labels, rep->scores,
      rep->window_start, rep->window_end, rep->frames, rep->inference_ns,
      self->info->name);
  GST_INFO_OBJECT (self, "window %" GST_TIME_FORMAT " - %" GST_TIME_FORMAT
      " of track %d: %s %.3f (%u results, %.1f ms)", GST_TIME_ARGS (rep->window_start),
      GST_TIME_ARGS (rep->window_end), rep->track_id, rep->n ? labels[0] : "-",
      rep->n ? rep->scores[0] : 0.0, rep->n, rep->inference_ns / 1e6);
  s = gst_uniformer_meta_to_structure (meta);
  if (region) {
    gst_structure_set (s, "track-id", G_TYPE_INT, rep->track_id,
        "region-x", G_TYPE_UINT, (guint) rep->x, "region-y", G_TYPE_UINT, (guint) rep->y,
        "region-width", G_TYPE_UINT, (guint) rep->width,
        "region-height", G_TYPE_UINT, (guint) rep->height,
        "region-type", G_TYPE_STRING, rep->region_type, NULL);
    roi = buffer ? region_meta (self, rep, buffer) : NULL;
    if (roi)
      gst_video_region_of_interest_meta_add_param (roi, gst_structure_copy (s));
  }
  if (self->cur.post_messages && buffer)
    post_result (self, s, GST_BUFFER_PTS (buffer), GST_BUFFER_DURATION (buffer));
  else if (self->cur.post_messages)
    post_result (self, s, rep->window_end, GST_CLOCK_TIME_NONE);
  else
    gst_structure_free (s);
  if (carrier != buffer)
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
  guint frames = self->info->frames;
  GstClockTime dur;

  if (self->cur.frame_interval == 0)
    return (GstClockTime) (frames * GST_SECOND / self->rate);
  dur = frame_duration (self, buf);
  return GST_CLOCK_TIME_IS_VALID (dur) ? frames * self->cur.frame_interval * dur : dur;
}

/* Breaks the sampler's grid would not see: a DISCONT buffer (a reconnected
 * camera, lost packets) and a forward jump longer than a window spans
 * (for a region: also one that was away that long). */
static void
check_continuity (GstUniformerInfer * self, UniformerTrack * t, GstBuffer * buf,
    GstClockTime pts)
{
  GstClockTime last = t->sampler.last_taken, span;

  if (!t->sampler.started)
    return;
  if (GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_DISCONT)) {
    restart_window (self, t, "discontinuity");
    return;
  }
  span = window_span (self, buf);
  if (GST_CLOCK_TIME_IS_VALID (pts) && GST_CLOCK_TIME_IS_VALID (last)
      && GST_CLOCK_TIME_IS_VALID (span) && pts > last && pts - last > span) {
    GST_DEBUG_OBJECT (self, "PTS jumped %" GST_TIME_FORMAT " ahead", GST_TIME_ARGS (pts - last));
    restart_window (self, t, "a jump longer than the window");
  }
}

static gboolean
flush_deferred (GstUniformerInfer * self, UniformerTrack * t)
{
  GError *error = NULL;

  if (uniformer_track_flush_deferred (t, &error))
    return TRUE;
  UNIFORMER_POST_ENGINE_ERROR (self, error, NULL, "Could not upload a video frame.");
  return FALSE;
}

/* @t's window is due: classify it, or drop it when its previous one still
 * runs and the element does not wait. In wait mode the caller waits for it. */
static gboolean
schedule_window (GstUniformerInfer * self, UniformerTrack * t, gboolean wait)
{
  UniformerWindow *w = &t->window;

  if (wait)
    uniformer_worker_wait (t->worker);
  if (uniformer_worker_is_flushing (t->worker))
    return TRUE;                /* the buffer will be refused downstream anyway */
  if (!collect_result (self, t))
    return FALSE;
  if (uniformer_worker_busy (t->worker)) {
    guint64 total;

    GST_OBJECT_LOCK (self);
    total = ++self->windows_skipped;
    GST_OBJECT_UNLOCK (self);
    GST_DEBUG_OBJECT (self, "skipping the window %" GST_TIME_FORMAT " - %" GST_TIME_FORMAT
        " of track %d: the previous one is still running", GST_TIME_ARGS (w->pts[0]),
        GST_TIME_ARGS (w->pts[w->n - 1]), t->id);
    uniformer_infer_warn_skipped (self, w, total);
    return TRUE;
  }
  if (!flush_deferred (self, t))
    return FALSE;
  uniformer_window_pin (w);
  uniformer_worker_submit (t->worker, w->slots, w->pts[0], w->pts[w->n - 1], t->generation);
  return TRUE;
}

/* The buffer's frame, mapped once for all of its regions. */
typedef struct {
  GstVideoFrame frame;
  UfFrame uf;
  gboolean mapped;
} MappedFrame;

static gboolean
map_frame (GstUniformerInfer * self, GstBuffer * buf, MappedFrame * m)
{
  if (m->mapped)
    return TRUE;
  if (!gst_video_frame_map (&m->frame, &self->vinfo, buf, GST_MAP_READ)) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED, ("Could not map a video frame."),
        ("gst_video_frame_map failed for %" GST_PTR_FORMAT, buf));
    return FALSE;
  }
  m->mapped = TRUE;
  if (!uniformer_frame_describe (&m->frame, &m->uf)) {
    GST_ELEMENT_ERROR (self, STREAM, FORMAT, ("The video format is not supported."),
        ("format %s", GST_VIDEO_INFO_NAME (&self->vinfo)));
    return FALSE;
  }
  return TRUE;
}

/* Samples @r's crop of the buffer into its track's window; *@due: the
 * window is due. */
static gboolean
sample_region (GstUniformerInfer * self, const UniformerRegion * r, GstBuffer * buf,
    GstClockTime pts, MappedFrame * m, gboolean * due)
{
  UniformerTrack *t = r->track;
  UniformerSample sample;
  GError *error = NULL;
  UfFrame crop;
  guint slot;

  *due = FALSE;
  t->box = r->box;
  t->last_seen = pts;
  check_continuity (self, t, buf, pts);
  sample = uniformer_sampler_offer (&t->sampler, pts, frame_duration (self, buf));
  if (sample == UNIFORMER_SAMPLE_SKIP)
    return TRUE;
  if (sample == UNIFORMER_SAMPLE_RESTART) {
    GST_DEBUG_OBJECT (self, "PTS went back to %" GST_TIME_FORMAT ": new window",
        GST_TIME_ARGS (pts));
    uniformer_window_reset (&t->window);
    uniformer_smoother_reset (&t->smoother);
    uniformer_infer_end_track_actions (self, t, UNIFORMER_ACTION_REASON_DISCONT);
  }
  GST_LOG_OBJECT (self, "sampled %" GST_TIME_FORMAT " for track %d", GST_TIME_ARGS (pts),
      t->id);
  if (!map_frame (self, buf, m))
    return FALSE;
  if (!uf_frame_crop (&m->uf, r->crop.x, r->crop.y, r->crop.w, r->crop.h, &crop))
    return TRUE;                /* cannot happen: the crop was checked */
  slot = uniformer_window_free_slot (&t->window);
  if (!uniformer_track_store (t, slot, &crop, &error)) {
    UNIFORMER_POST_ENGINE_ERROR (self, error, NULL, "Could not upload a video frame.");
    return FALSE;
  }
  *due = uniformer_window_push (&t->window, slot, pts);
  self->max_fill = MAX (self->max_fill, t->window.n);
  if (*due) {
    self->ever_full = TRUE;
    uniformer_infer_check_window_spacing (self, &t->window);
  }
  return TRUE;
}

static GstFlowReturn
process_regions (GstUniformerInfer * self, GstBuffer * buf, GstClockTime pts)
{
  gboolean wait = waits_for_windows (self, self->live), ok = TRUE;
  GArray *regions = uniformer_infer_find_regions (self, buf);
  GPtrArray *submitted = g_ptr_array_new ();
  MappedFrame m = { 0 };

  if (regions == NULL)
    ok = FALSE;
  for (guint i = 0; ok && i < regions->len; i++) {
    const UniformerRegion *r = &g_array_index (regions, UniformerRegion, i);
    gboolean due;

    ok = sample_region (self, r, buf, pts, &m, &due)
        && (!due || schedule_window (self, r->track, wait));
    if (ok && due)
      g_ptr_array_add (submitted, r->track);
  }
  if (m.mapped)
    gst_video_frame_unmap (&m.frame);
  /* waiting: the due windows of all regions ran in one batch */
  for (guint i = 0; ok && wait && i < submitted->len; i++) {
    UniformerTrack *t = submitted->pdata[i];

    uniformer_worker_wait (t->worker);
    ok = collect_result (self, t);
  }
  g_ptr_array_unref (submitted);
  if (regions)
    g_array_unref (regions);
  if (ok)
    uniformer_infer_drop_lost_tracks (self, pts);
  return ok ? GST_FLOW_OK : GST_FLOW_ERROR;
}

static GstFlowReturn
process_buffer (GstUniformerInfer * self, GstBuffer * buf)
{
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
  if (!collect_results (self))
    return GST_FLOW_ERROR;
  for (guint i = 0; i < self->tracks->len; i++) {
    UniformerTrack *t = self->tracks->pdata[i];

    if (!uniformer_worker_busy (t->worker) && !flush_deferred (self, t))
      return GST_FLOW_ERROR;
  }
  return process_regions (self, buf, timestamp_of (self, buf));
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

/* Runs still going at EOS have no buffer left to ride on: their results
 * are posted as messages, the open actions end (sent before the EOS
 * event), then everything is forgotten. */
void
uniformer_infer_finish_at_eos (GstUniformerInfer * self)
{
  UniformerReport *rep;
  gboolean ok = TRUE;

  if (self->tracks == NULL || self->info == NULL)
    return;
  uniformer_infer_settle_flush (self);
  for (guint i = 0; ok && i < self->tracks->len; i++) {
    UniformerTrack *t = self->tracks->pdata[i];

    uniformer_worker_wait (t->worker);
    ok = collect_result (self, t);
  }
  while (ok && (rep = g_queue_pop_head (&self->ready))) {
    report (self, rep, NULL);
    uniformer_report_free (rep);
  }
  uniformer_infer_end_actions (self, UNIFORMER_ACTION_REASON_EOS);
  uniformer_infer_send_actions (self, TRUE);
  uniformer_infer_warn_if_never_full (self);
  uniformer_infer_reset_stream (self);
}

/* A GAP event says no frame exists for its span: when that leaves a
 * sampling instant of a track without a frame, its window would skip it. */
void
uniformer_infer_handle_gap (GstUniformerInfer * self, GstEvent * event)
{
  GstClockTime ts, duration, instant, tolerance;

  gst_event_parse_gap (event, &ts, &duration);
  if (self->info == NULL)
    return;
  uniformer_infer_settle_flush (self);
  for (guint i = 0; i < self->tracks->len; i++) {
    UniformerTrack *t = self->tracks->pdata[i];

    if (!t->sampler.started)
      continue;
    if (t->sampler.frame_interval > 0 || !GST_CLOCK_TIME_IS_VALID (duration)) {
      restart_window (self, t, "gap event");
      continue;
    }
    instant = uniformer_sampler_instant (&t->sampler, t->sampler.next_index);
    tolerance = uniformer_sampler_tolerance (&t->sampler, GST_CLOCK_TIME_NONE);
    if (GST_CLOCK_TIME_IS_VALID (ts) && ts + duration > instant + tolerance)
      restart_window (self, t, "gap event over a sampling instant");
  }
}
