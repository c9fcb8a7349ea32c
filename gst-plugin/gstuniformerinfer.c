/* gstuniformerinfer.c: the uniformerinfer element.
 *
 * Keeps a sliding window of frames sampled by timestamp, classifies it with
 * the UniFormer engine on a worker thread and attaches the result to the
 * stream. Frames pass through untouched.
 */
/**
 * SECTION:element-uniformerinfer
 * @title: uniformerinfer
 *
 * Recognises actions in video with a UniFormer model run through Vulkan
 * compute (any GPU with a Vulkan driver, or the CPU through lavapipe).
 *
 * Frames are sampled at the model's trained rate (#GstUniformerInfer:sample-rate,
 * by PTS, so a 15 fps and a 60 fps camera feed the model the same temporal
 * spacing) into a window of #GstUniformerInfer:num-frames frames. Every
 * #GstUniformerInfer:inference-interval sampled frames the window is
 * classified; the result is attached as a #GstUniformerMeta to the first
 * buffer pushed after the classification completes and, when
 * #GstUniformerInfer:post-messages is set, posted as an element message
 * named "uniformer" with the meta's fields (see
 * gst_uniformer_meta_to_structure()) plus `timestamp`, `stream-time`,
 * `running-time` and `duration` of that buffer, like the `level` element.
 *
 * On a live stream a window that is due while the previous one is still
 * being classified is dropped (#GstUniformerInfer:late-windows), so latency
 * never builds up. Flushes, new segments and EOS empty the window; a result
 * still running at EOS is posted as a message only (its timestamps are
 * those of the window's last frame), since no buffer follows.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 -m v4l2src ! videoconvert ! uniformerinfer model=s16x4_k400.safetensors ! \
 *     uniformeroverlay ! videoconvert ! autovideosink
 * ]| prints the classifications (-m) and draws them on the video.
 * |[
 * gst-launch-1.0 -m filesrc location=clip.mp4 ! decodebin ! videoconvert ! \
 *     uniformerinfer model=s16x4_k400.safetensors top-k=3 ! fakesink
 * ]| classifies every window of a file (not live: no window is skipped).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstuniformerinfer.h"

#include <string.h>
#include <gst/video/video.h>

#include "gstuniformermeta.h"
#include "uniformer.h"
#include "uniformer-frames.h"
#include "uniformer-infer-settings.h"
#include "uniformer-results.h"
#include "uniformer-sampler.h"
#include "uniformer-worker.h"

GST_DEBUG_CATEGORY_STATIC (gst_uniformer_infer_debug);
#define GST_CAT_DEFAULT gst_uniformer_infer_debug

#define DEFAULT_RESIZE_MODE UF_RESIZE_CROP

enum {
  PROP_0,
  PROP_MODEL,
  PROP_DEVICE,
  PROP_RESIZE_MODE,
  PROP_NUM_FRAMES,
  PROP_WINDOWS_CLASSIFIED,
  PROP_WINDOWS_SKIPPED,
  PROP_LAST_INFERENCE_TIME,
  PROP_MEAN_INFERENCE_TIME,
  PROP_SETTINGS,                /* the first of uniformer-infer-settings.c's */
};

struct _GstUniformerInfer {
  GstBaseTransform parent;

  /* properties, under the object lock */
  gchar *model_path;
  gchar *device_name;
  UfResizeMode resize_mode;
  UniformerInferSettings props;
  guint num_frames;
  guint64 windows_classified, windows_skipped;
  guint64 last_inference_ns, total_inference_ns;

  /* engine objects, from start() to stop() */
  UfDevice *device;
  UfModel *model;
  const UfModelInfo *info;
  UfSession *session;
  UniformerWorker *worker;

  /* streaming-thread state */
  UniformerInferSettings cur;
  GstVideoInfo vinfo;
  UniformerSampler sampler;
  UniformerWindow window;
  UniformerDeferred deferred;
  UniformerSmoother smoother;
  guint64 generation;           /* bumped by every reset: older results are dropped */
  gboolean live_known, live;
  GQueue ready;                 /* UniformerReport*: attach to the outgoing buffer */
  guint64 reported_latency;
};

#define gst_uniformer_infer_parent_class parent_class
G_DEFINE_TYPE (GstUniformerInfer, gst_uniformer_infer, GST_TYPE_BASE_TRANSFORM);
GST_ELEMENT_REGISTER_DEFINE (uniformerinfer, "uniformerinfer", GST_RANK_NONE,
    GST_TYPE_UNIFORMER_INFER);

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS (GST_VIDEO_CAPS_MAKE (UNIFORMER_VIDEO_FORMATS)));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS (GST_VIDEO_CAPS_MAKE (UNIFORMER_VIDEO_FORMATS)));

static const gchar *
default_model_path (void)
{
  if (g_file_test (UNIFORMER_DEFAULT_MODEL_INSTALLED, G_FILE_TEST_EXISTS))
    return UNIFORMER_DEFAULT_MODEL_INSTALLED;
  return UNIFORMER_DEFAULT_MODEL_SOURCE;
}

/* ---- stream state -------------------------------------------------------- */

/* Forgets the window and everything computed from it; a result still
 * running belongs to the old generation and will be dropped. */
static void
reset_stream (GstUniformerInfer * self)
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
}

static gdouble
model_rate (GstUniformerInfer * self)
{
  const UfModelInfo *info = self->info;

  if (info->source_fps <= 0 || info->sampling_rate == 0)
    return 7.5;                 /* 30 fps / 4: the official Kinetics protocol */
  return info->source_fps / info->sampling_rate;
}

/* Copies the settings for this buffer and applies the ones that changed. */
static void
update_settings (GstUniformerInfer * self)
{
  UniformerInferSettings st;
  gdouble rate;

  GST_OBJECT_LOCK (self);
  st = self->props;
  GST_OBJECT_UNLOCK (self);

  rate = st.sample_rate > 0 ? st.sample_rate : model_rate (self);
  if (rate != self->sampler.rate || st.frame_interval != self->sampler.frame_interval) {
    /* Frames taken at another spacing would mix in one window. */
    GST_DEBUG_OBJECT (self, "sampling at %.3f Hz, frame interval %u", rate,
        st.frame_interval);
    uniformer_sampler_init (&self->sampler, rate, st.frame_interval);
    uniformer_window_reset (&self->window);
  }
  uniformer_window_set_interval (&self->window, st.inference_interval);
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
    GST_ELEMENT_ERROR (self, LIBRARY, FAILED, ("Inference failed: %s", r->error->message),
        (NULL));
    uniformer_job_result_free (r);
    return FALSE;
  }
  GST_OBJECT_LOCK (self);
  self->windows_classified++;
  self->last_inference_ns = r->inference_ns;
  self->total_inference_ns += r->inference_ns;
  mean = self->total_inference_ns / self->windows_classified;
  GST_OBJECT_UNLOCK (self);
  g_queue_push_tail (&self->ready, uniformer_report_new (&self->smoother, r->probs,
          self->cur.top_k, self->cur.threshold, r->window_start, r->window_end, r->frames,
          r->inference_ns));
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

/* Puts a sampled frame into a free ring slot: uploaded now when the GPU
 * is idle, copied for later while a run occupies it. */
static gboolean
store_frame (GstUniformerInfer * self, GstBuffer * buf, guint slot)
{
  GstVideoFrame frame;
  GError *error = NULL;
  gboolean ok;

  if (!gst_video_frame_map (&frame, &self->vinfo, buf, GST_MAP_READ)) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED, ("Could not map a video frame"), (NULL));
    return FALSE;
  }
  if (uniformer_worker_busy (self->worker)) {
    ok = uniformer_deferred_store (&self->deferred, slot, &frame);
    if (!ok)
      g_set_error (&error, UF_ERROR, UF_ERROR_ARGUMENT, "could not copy a video frame");
  } else {
    ok = uniformer_frame_upload (self->session, slot, &frame, &error);
  }
  gst_video_frame_unmap (&frame);
  if (!ok) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED, ("Could not upload a frame: %s",
            error->message), (NULL));
    g_error_free (error);
  }
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
  GST_ELEMENT_ERROR (self, STREAM, FAILED, ("Could not upload a frame: %s",
          error->message), (NULL));
  g_error_free (error);
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
  if (!collect_result (self))
    return FALSE;
  if (uniformer_worker_busy (self->worker)) {
    GST_OBJECT_LOCK (self);
    self->windows_skipped++;
    GST_OBJECT_UNLOCK (self);
    GST_DEBUG_OBJECT (self, "skipping the window %" GST_TIME_FORMAT " - %" GST_TIME_FORMAT
        ": the previous one is still running", GST_TIME_ARGS (w->pts[0]),
        GST_TIME_ARGS (w->pts[w->n - 1]));
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
  GstClockTime pts = GST_BUFFER_PTS (buf);
  UniformerSample sample;
  guint slot;

  update_settings (self);
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

  sample = uniformer_sampler_offer (&self->sampler, pts, frame_duration (self, buf));
  if (sample == UNIFORMER_SAMPLE_SKIP)
    return GST_FLOW_OK;
  if (sample == UNIFORMER_SAMPLE_RESTART) {
    GST_DEBUG_OBJECT (self, "PTS went back to %" GST_TIME_FORMAT ": new window",
        GST_TIME_ARGS (pts));
    uniformer_window_reset (&self->window);
    uniformer_smoother_reset (&self->smoother);
  }
  GST_LOG_OBJECT (self, "sampled %" GST_TIME_FORMAT, GST_TIME_ARGS (pts));
  slot = uniformer_window_free_slot (&self->window);
  if (!store_frame (self, buf, slot))
    return GST_FLOW_ERROR;
  if (uniformer_window_push (&self->window, slot, pts) && !schedule_window (self))
    return GST_FLOW_ERROR;
  return GST_FLOW_OK;
}

/* The analysis runs here, before the output buffer exists, because only
 * its outcome says whether the buffer must become writable: most buffers
 * carry no result and pass through without even a shallow copy. */
static GstFlowReturn
gst_uniformer_infer_prepare_output_buffer (GstBaseTransform * trans, GstBuffer * inbuf,
    GstBuffer ** outbuf)
{
  GstUniformerInfer *self = GST_UNIFORMER_INFER (trans);
  GstFlowReturn ret = process_buffer (self, inbuf);

  if (ret != GST_FLOW_OK)
    return ret;
  if (g_queue_is_empty (&self->ready) || gst_buffer_is_writable (inbuf))
    *outbuf = inbuf;
  else
    *outbuf = gst_buffer_copy (inbuf);        /* the base class drops inbuf */
  return GST_FLOW_OK;
}

static GstFlowReturn
gst_uniformer_infer_transform_ip (GstBaseTransform * trans, GstBuffer * buf)
{
  GstUniformerInfer *self = GST_UNIFORMER_INFER (trans);
  UniformerReport *rep;

  while ((rep = g_queue_pop_head (&self->ready))) {
    report (self, rep, buf);
    uniformer_report_free (rep);
  }
  return GST_FLOW_OK;
}

/* ---- events, queries, caps ----------------------------------------------- */

/* A run still going at EOS has no buffer left to ride on: its result is
 * posted as a message, then everything is forgotten. */
static void
finish_at_eos (GstUniformerInfer * self)
{
  UniformerReport *rep;

  if (self->worker == NULL)
    return;
  uniformer_worker_wait (self->worker);
  if (collect_result (self))
    while ((rep = g_queue_pop_head (&self->ready))) {
      report (self, rep, NULL);
      uniformer_report_free (rep);
    }
  reset_stream (self);
}

static gboolean
gst_uniformer_infer_sink_event (GstBaseTransform * trans, GstEvent * event)
{
  GstUniformerInfer *self = GST_UNIFORMER_INFER (trans);

  const GstSegment *segment;

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_FLUSH_STOP:
      GST_DEBUG_OBJECT (self, "flush: emptying the window");
      reset_stream (self);
      break;
    case GST_EVENT_SEGMENT:
      /* A repeated segment (sent again with new caps, say) changes nothing. */
      gst_event_parse_segment (event, &segment);
      if (!gst_segment_is_equal (segment, &trans->segment)) {
        GST_DEBUG_OBJECT (self, "new segment: emptying the window");
        reset_stream (self);
      }
      break;
    case GST_EVENT_EOS:
      finish_at_eos (self);
      break;
    default:
      break;
  }
  return GST_BASE_TRANSFORM_CLASS (parent_class)->sink_event (trans, event);
}

static gboolean
gst_uniformer_infer_query (GstBaseTransform * trans, GstPadDirection direction,
    GstQuery * query)
{
  GstUniformerInfer *self = GST_UNIFORMER_INFER (trans);
  gboolean live;
  GstClockTime min, max, ours = 0;

  if (direction != GST_PAD_SRC || GST_QUERY_TYPE (query) != GST_QUERY_LATENCY)
    return GST_BASE_TRANSFORM_CLASS (parent_class)->query (trans, direction, query);
  if (!gst_pad_peer_query (GST_BASE_TRANSFORM_SINK_PAD (trans), query))
    return FALSE;
  gst_query_parse_latency (query, &live, &min, &max);
  /* Skipping late windows adds nothing beyond the upload of a frame;
   * waiting holds each buffer that completes a window for one inference. */
  GST_OBJECT_LOCK (self);
  if (self->props.late_windows == GST_UNIFORMER_LATE_WINDOWS_WAIT
      || (self->props.late_windows == GST_UNIFORMER_LATE_WINDOWS_AUTO && !live))
    ours = self->windows_classified ? self->total_inference_ns / self->windows_classified : 0;
  GST_OBJECT_UNLOCK (self);
  GST_DEBUG_OBJECT (self, "adding %" GST_TIME_FORMAT " of latency", GST_TIME_ARGS (ours));
  gst_query_set_latency (query, live, min + ours,
      GST_CLOCK_TIME_IS_VALID (max) ? max + ours : max);
  return TRUE;
}

static gboolean
gst_uniformer_infer_set_caps (GstBaseTransform * trans, GstCaps * incaps, GstCaps * outcaps)
{
  GstUniformerInfer *self = GST_UNIFORMER_INFER (trans);
  GstVideoInfo info;

  if (!gst_video_info_from_caps (&info, incaps)) {
    GST_ERROR_OBJECT (self, "invalid caps %" GST_PTR_FORMAT, incaps);
    return FALSE;
  }
  /* The ring holds preprocessed frames of the model's size, so the window
   * carries on across a change of frame size or format. */
  GST_DEBUG_OBJECT (self, "caps %" GST_PTR_FORMAT, incaps);
  self->vinfo = info;
  return TRUE;
}

/* ---- start / stop -------------------------------------------------------- */

static void
engine_error (GstUniformerInfer * self, GError * error, const gchar * what,
    const gchar * path)
{
  if (error->code == UF_ERROR_NO_DEVICE)
    GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND, ("No usable Vulkan device: %s",
            error->message), (NULL));
  else if (path && !strstr (error->message, path))
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ, ("%s %s: %s", what, path,
            error->message), (NULL));
  else
    GST_ELEMENT_ERROR (self, RESOURCE, FAILED, ("%s: %s", what, error->message), (NULL));
  g_error_free (error);
}

static gboolean
gst_uniformer_infer_start (GstBaseTransform * trans)
{
  GstUniformerInfer *self = GST_UNIFORMER_INFER (trans);
  GError *error = NULL;
  gchar *path, *device;
  UfSessionConfig config = { 0 };
  guint frames;

  GST_OBJECT_LOCK (self);
  path = g_strdup (self->model_path ? self->model_path : default_model_path ());
  device = g_strdup (self->device_name);
  config.resize_mode = self->resize_mode;
  GST_OBJECT_UNLOCK (self);

  self->device = uf_device_open (device, &error);
  if (self->device == NULL) {
    engine_error (self, error, "Could not open a Vulkan device", NULL);
    goto failed;
  }
  self->model = uf_model_load (self->device, path, &error);
  if (self->model == NULL) {
    engine_error (self, error, "Could not load the model", path);
    goto failed;
  }
  self->info = uf_model_get_info (self->model);
  frames = self->info->frames;
  config.ring_slots = uniformer_window_ring_size (frames);
  self->session = uf_session_new (self->model, &config, &error);
  if (self->session == NULL) {
    engine_error (self, error, "Could not prepare the model", path);
    goto failed;
  }
  char *paths = uf_device_describe_paths (self->device);
  GST_INFO_OBJECT (self, "model %s (%s): %u frames of %ux%u, %u classes, on %s (%s)", path,
      self->info->name, frames, self->info->crop_width, self->info->crop_height,
      self->info->num_classes, uf_device_get_name (self->device), paths);
  g_free (paths);

  self->worker = uniformer_worker_new (self->session, frames, self->info->num_classes);
  uniformer_window_init (&self->window, frames, UNIFORMER_DEFAULT_INFERENCE_INTERVAL);
  uniformer_deferred_init (&self->deferred, config.ring_slots);
  uniformer_sampler_init (&self->sampler, 0, 0);
  gst_video_info_init (&self->vinfo);
  self->live_known = FALSE;
  self->reported_latency = 0;
  reset_stream (self);

  GST_OBJECT_LOCK (self);
  self->num_frames = frames;
  self->windows_classified = self->windows_skipped = 0;
  self->last_inference_ns = self->total_inference_ns = 0;
  GST_OBJECT_UNLOCK (self);
  g_free (path);
  g_free (device);
  return TRUE;

failed:
  g_free (path);
  g_free (device);
  g_clear_pointer (&self->model, uf_model_unref);
  g_clear_pointer (&self->device, uf_device_unref);
  self->info = NULL;
  return FALSE;
}

static gboolean
gst_uniformer_infer_stop (GstBaseTransform * trans)
{
  GstUniformerInfer *self = GST_UNIFORMER_INFER (trans);
  guint messages;

  g_clear_pointer (&self->worker, uniformer_worker_free);
  g_queue_clear_full (&self->ready, uniformer_report_free);
  uniformer_window_clear (&self->window);
  uniformer_deferred_clear (&self->deferred);
  uniformer_smoother_clear (&self->smoother);
  g_clear_pointer (&self->session, uf_session_free);
  g_clear_pointer (&self->model, uf_model_unref);
  self->info = NULL;
  if (self->device) {
    messages = uf_device_get_validation_message_count (self->device);
    if (messages > 0)
      GST_ELEMENT_WARNING (self, LIBRARY, FAILED, ("The Vulkan validation layer reported "
              "%u messages", messages), (NULL));
  }
  g_clear_pointer (&self->device, uf_device_unref);
  return TRUE;
}

/* ---- properties ---------------------------------------------------------- */

static void
gst_uniformer_infer_set_property (GObject * object, guint prop_id, const GValue * value,
    GParamSpec * pspec)
{
  GstUniformerInfer *self = GST_UNIFORMER_INFER (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MODEL:
      g_free (self->model_path);
      self->model_path = g_value_dup_string (value);
      break;
    case PROP_DEVICE:
      g_free (self->device_name);
      self->device_name = g_value_dup_string (value);
      break;
    case PROP_RESIZE_MODE:
      self->resize_mode = g_value_get_enum (value);
      break;
    default:
      if (!uniformer_infer_settings_set (&self->props, PROP_SETTINGS, prop_id, value))
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_uniformer_infer_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  GstUniformerInfer *self = GST_UNIFORMER_INFER (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MODEL:
      g_value_set_string (value, self->model_path ? self->model_path : default_model_path ());
      break;
    case PROP_DEVICE:
      g_value_set_string (value, self->device_name);
      break;
    case PROP_RESIZE_MODE:
      g_value_set_enum (value, self->resize_mode);
      break;
    case PROP_NUM_FRAMES:
      g_value_set_uint (value, self->num_frames);
      break;
    case PROP_WINDOWS_CLASSIFIED:
      g_value_set_uint64 (value, self->windows_classified);
      break;
    case PROP_WINDOWS_SKIPPED:
      g_value_set_uint64 (value, self->windows_skipped);
      break;
    case PROP_LAST_INFERENCE_TIME:
      g_value_set_uint64 (value, self->last_inference_ns);
      break;
    case PROP_MEAN_INFERENCE_TIME:
      g_value_set_uint64 (value, self->windows_classified ?
          self->total_inference_ns / self->windows_classified : 0);
      break;
    default:
      if (!uniformer_infer_settings_get (&self->props, PROP_SETTINGS, prop_id, value))
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_uniformer_infer_finalize (GObject * object)
{
  GstUniformerInfer *self = GST_UNIFORMER_INFER (object);

  g_free (self->model_path);
  g_free (self->device_name);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

#define READ_ONLY (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS)
#define RW_READY (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY)

static void
install_properties (GObjectClass * gobject_class)
{
  g_object_class_install_property (gobject_class, PROP_MODEL,
      g_param_spec_string ("model", "Model", "Path of the UniFormer model file "
          "(.safetensors, from tools/uniformer-convert); default: the model installed "
          "with the plugin", NULL, RW_READY));
  g_object_class_install_property (gobject_class, PROP_DEVICE,
      g_param_spec_string ("device", "Device", "Vulkan device: an index or a part of its "
          "name (see uniformer-classify --list-devices); NULL = automatic (discrete GPU, "
          "integrated, virtual, CPU) or the UF_DEVICE environment variable", NULL, RW_READY));
  g_object_class_install_property (gobject_class, PROP_RESIZE_MODE,
      g_param_spec_enum ("resize-mode", "Resize mode", "How frames are fitted to the "
          "model's input size", GST_TYPE_UNIFORMER_RESIZE_MODE, DEFAULT_RESIZE_MODE,
          RW_READY));
  g_object_class_install_property (gobject_class, PROP_NUM_FRAMES,
      g_param_spec_uint ("num-frames", "Number of frames", "Frames per window, from the "
          "model (0 until the element has loaded it, in PAUSED)", 0, G_MAXUINT, 0,
          READ_ONLY));
  g_object_class_install_property (gobject_class, PROP_WINDOWS_CLASSIFIED,
      g_param_spec_uint64 ("windows-classified", "Windows classified", "Classifications "
          "reported since the element started", 0, G_MAXUINT64, 0, READ_ONLY));
  g_object_class_install_property (gobject_class, PROP_WINDOWS_SKIPPED,
      g_param_spec_uint64 ("windows-skipped", "Windows skipped", "Due windows dropped "
          "because the previous inference was still running", 0, G_MAXUINT64, 0,
          READ_ONLY));
  g_object_class_install_property (gobject_class, PROP_LAST_INFERENCE_TIME,
      g_param_spec_uint64 ("last-inference-time", "Last inference time", "Wall-clock time "
          "of the last classification, in nanoseconds", 0, G_MAXUINT64, 0, READ_ONLY));
  g_object_class_install_property (gobject_class, PROP_MEAN_INFERENCE_TIME,
      g_param_spec_uint64 ("mean-inference-time", "Mean inference time", "Mean wall-clock "
          "time of the classifications, in nanoseconds", 0, G_MAXUINT64, 0, READ_ONLY));
  uniformer_infer_settings_install (gobject_class, PROP_SETTINGS);
}

static void
gst_uniformer_infer_class_init (GstUniformerInferClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);

  GST_DEBUG_CATEGORY_INIT (gst_uniformer_infer_debug, "uniformerinfer", 0,
      "UniFormer action recognition");

  gobject_class->set_property = gst_uniformer_infer_set_property;
  gobject_class->get_property = gst_uniformer_infer_get_property;
  gobject_class->finalize = gst_uniformer_infer_finalize;
  install_properties (gobject_class);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "UniFormer action recognition",
      "Filter/Analyzer/Video",
      "Classifies the actions in a sliding window of video frames with a UniFormer model "
      "on Vulkan and attaches the results as GstUniformerMeta and bus messages",
      "gst-uniformer developers");

  trans_class->start = GST_DEBUG_FUNCPTR (gst_uniformer_infer_start);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_uniformer_infer_stop);
  trans_class->set_caps = GST_DEBUG_FUNCPTR (gst_uniformer_infer_set_caps);
  trans_class->sink_event = GST_DEBUG_FUNCPTR (gst_uniformer_infer_sink_event);
  trans_class->query = GST_DEBUG_FUNCPTR (gst_uniformer_infer_query);
  trans_class->prepare_output_buffer =
      GST_DEBUG_FUNCPTR (gst_uniformer_infer_prepare_output_buffer);
  trans_class->transform_ip = GST_DEBUG_FUNCPTR (gst_uniformer_infer_transform_ip);

  gst_type_mark_as_plugin_api (GST_TYPE_UNIFORMER_LATE_WINDOWS, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_UNIFORMER_RESIZE_MODE, 0);
}

static void
gst_uniformer_infer_init (GstUniformerInfer * self)
{
  self->resize_mode = DEFAULT_RESIZE_MODE;
  uniformer_infer_settings_init (&self->props);
  g_queue_init (&self->ready);
  gst_base_transform_set_in_place (GST_BASE_TRANSFORM (self), TRUE);
}
