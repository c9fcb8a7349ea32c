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
 * Buffers that carry no result pass through untouched (not even made
 * writable).
 *
 * On a live stream a window that is due while the previous one is still
 * being classified is dropped (#GstUniformerInfer:late-windows), so latency
 * never builds up. Flushes, new segments and EOS empty the window; a result
 * still running at EOS is posted as a message only (its timestamps are
 * those of the window's last frame), since no buffer follows. A flushing
 * seek or a change down to READY never waits for a running classification:
 * its result is dropped when it arrives.
 *
 * The window is also emptied, so that no window mixes frames from both
 * sides, when a buffer is marked DISCONT, when the PTS goes backwards or
 * jumps forward by more than a window spans, and on a GAP event that
 * leaves a sampling instant without a frame. Buffers without a PTS are
 * timed by counting frames at the caps' frame rate (a warning says so once).
 * Interlaced video is refused in caps. The `qos` property (from
 * #GstBaseTransform, default off) drops buffers a sink reports late after
 * they were sampled, so the window is unaffected and a result waiting for a
 * buffer rides on the next one.
 *
 * Errors name the problem in the message and give the engine's detail in
 * the debug string: a missing model file or Vulkan device is
 * GST_RESOURCE_ERROR_NOT_FOUND, a model file that cannot be opened
 * GST_RESOURCE_ERROR_OPEN_READ, a malformed or unsupported one
 * GST_RESOURCE_ERROR_READ, too little device memory
 * GST_RESOURCE_ERROR_NO_SPACE_LEFT, a Vulkan failure
 * GST_LIBRARY_ERROR_INIT (at start) or GST_LIBRARY_ERROR_FAILED.
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
 *
 * Since: 0.1
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
#include "uniformer-results.h"
#include "uniformer-sampler.h"
#include "uniformer-worker.h"

GST_DEBUG_CATEGORY_STATIC (gst_uniformer_infer_debug);
#define GST_CAT_DEFAULT gst_uniformer_infer_debug

#define DEFAULT_RESIZE_MODE UF_RESIZE_CROP
#define DEFAULT_SAMPLE_RATE 0.0
#define DEFAULT_FRAME_INTERVAL 0
#define DEFAULT_INFERENCE_INTERVAL 4
#define DEFAULT_TOP_K 5
#define DEFAULT_THRESHOLD 0.0
#define DEFAULT_SMOOTHING 1
#define DEFAULT_POST_MESSAGES TRUE
#define DEFAULT_LATE_WINDOWS GST_UNIFORMER_LATE_WINDOWS_AUTO

enum {
  PROP_0,
  PROP_MODEL,
  PROP_DEVICE,
  PROP_RESIZE_MODE,
  PROP_SAMPLE_RATE,
  PROP_FRAME_INTERVAL,
  PROP_INFERENCE_INTERVAL,
  PROP_TOP_K,
  PROP_THRESHOLD,
  PROP_SMOOTHING,
  PROP_POST_MESSAGES,
  PROP_LATE_WINDOWS,
  PROP_NUM_FRAMES,
  PROP_NUM_CLASSES,
  PROP_LABELS,
  PROP_MODEL_NAME,
  PROP_WINDOWS_CLASSIFIED,
  PROP_WINDOWS_SKIPPED,
  PROP_LAST_INFERENCE_TIME,
  PROP_MEAN_INFERENCE_TIME,
};

/* The properties that may change while playing, copied under the object
 * lock at the start of each buffer. */
typedef struct {
  gdouble sample_rate;          /* 0 = the model's trained rate */
  guint frame_interval;         /* > 0: every n-th frame instead of sample-rate */
  guint inference_interval;
  guint top_k;
  gdouble threshold;
  guint smoothing;
  gboolean post_messages;
  GstUniformerLateWindows late_windows;
} Settings;

struct _GstUniformerInfer {
  GstBaseTransform parent;

  /* properties, under the object lock */
  gchar *model_path;
  gchar *device_name;
  UfResizeMode resize_mode;
  Settings props;
  guint num_frames;
  guint num_classes;
  gchar **labels;               /* of the loaded model, kept after stop */
  gchar *model_name;
  guint64 windows_classified, windows_skipped;
  guint64 last_inference_ns, total_inference_ns;

  /* engine objects, from start() to stop() */
  UfDevice *device;
  UfModel *model;
  const UfModelInfo *info;
  UfSession *session;           /* owned by the worker */
  UniformerWorker *worker;
  UniformerWorker *retired;     /* stopped, maybe still finishing a run */

  /* streaming-thread state */
  Settings cur;
  GstVideoInfo vinfo;
  UniformerSampler sampler;
  UniformerWindow window;
  UniformerDeferred deferred;
  UniformerSmoother smoother;
  guint64 generation;           /* bumped by every reset: older results are dropped */
  gboolean live_known, live;
  GQueue ready;                 /* UniformerReport*: attach to the outgoing buffer */
  guint64 reported_latency;
  GstFlowReturn flow;           /* of the last before_transform, for transform_ip */
  GstClockTime last_pts;        /* the last valid PTS, to time buffers without one */
  guint64 untimed;              /* buffers without PTS since then */
  gboolean warned_untimed;
};

#define gst_uniformer_infer_parent_class parent_class
G_DEFINE_TYPE (GstUniformerInfer, gst_uniformer_infer, GST_TYPE_BASE_TRANSFORM);
GST_ELEMENT_REGISTER_DEFINE (uniformerinfer, "uniformerinfer", GST_RANK_NONE,
    GST_TYPE_UNIFORMER_INFER);

#define UNIFORMER_INFER_CAPS \
  GST_VIDEO_CAPS_MAKE (UNIFORMER_VIDEO_FORMATS) ", interlace-mode = (string) progressive"

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS (UNIFORMER_INFER_CAPS));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS (UNIFORMER_INFER_CAPS));

GType
gst_uniformer_late_windows_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_UNIFORMER_LATE_WINDOWS_AUTO, "Skip when upstream is live, wait otherwise", "auto"},
    {GST_UNIFORMER_LATE_WINDOWS_SKIP, "Drop windows due while an inference runs", "skip"},
    {GST_UNIFORMER_LATE_WINDOWS_WAIT, "Block the stream until every window is classified",
        "wait"},
    {0, NULL, NULL},
  };

  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstUniformerLateWindows", values));
  return type;
}

GType
gst_uniformer_resize_mode_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {UF_RESIZE_CROP, "Short side to the model's size, centre crop (how models are tested)",
        "crop"},
    {UF_RESIZE_STRETCH, "Whole frame stretched to the model's size", "stretch"},
    {0, NULL, NULL},
  };

  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstUniformerResizeMode", values));
  return type;
}

static const gchar *
default_model_path (void)
{
  if (g_file_test (UNIFORMER_DEFAULT_MODEL_INSTALLED, G_FILE_TEST_EXISTS))
    return UNIFORMER_DEFAULT_MODEL_INSTALLED;
  return UNIFORMER_DEFAULT_MODEL_SOURCE;
}

/* ---- errors -------------------------------------------------------------- */

/* How each engine error reaches the application: a GStreamer domain and
 * code, and the sentence a user reads (the engine's text goes to the debug
 * string). %s in a sentence is the model path. */
typedef struct {
  UfError code;
  GQuark (*domain) (void);
  gint gst_code;
  const gchar *sentence;
} ErrorMapping;

static const ErrorMapping error_mappings[] = {
  {UF_ERROR_NO_DEVICE, gst_resource_error_quark, GST_RESOURCE_ERROR_NOT_FOUND,
      "No usable Vulkan device was found."},
  {UF_ERROR_NOT_FOUND, gst_resource_error_quark, GST_RESOURCE_ERROR_NOT_FOUND,
      "Model file \"%s\" not found."},
  {UF_ERROR_READ, gst_resource_error_quark, GST_RESOURCE_ERROR_OPEN_READ,
      "Could not open the model file \"%s\" for reading."},
  {UF_ERROR_MODEL_FILE, gst_resource_error_quark, GST_RESOURCE_ERROR_READ,
      "The model file \"%s\" is damaged or not a gst-uniformer model."},
  {UF_ERROR_MODEL_INVALID, gst_resource_error_quark, GST_RESOURCE_ERROR_READ,
      "The model file \"%s\" describes a model this element cannot run."},
  {UF_ERROR_OUT_OF_MEMORY, gst_resource_error_quark, GST_RESOURCE_ERROR_NO_SPACE_LEFT,
      "Not enough memory on the Vulkan device."},
  {UF_ERROR_VULKAN, gst_library_error_quark, GST_LIBRARY_ERROR_INIT,
      "Could not set up the model on the Vulkan device."},
  {UF_ERROR_ARGUMENT, gst_library_error_quark, GST_LIBRARY_ERROR_SETTINGS,
      "The model cannot be run with these settings."},
};

/* Posts @error (consumed) as an element error. @path is the model file's,
 * or NULL; @sentence, when set, replaces the mapping's (errors while
 * streaming say what failed: the codes stay the engine's). */
static void
post_engine_error (GstUniformerInfer * self, GError * error, const gchar * path,
    const gchar * sentence, gint line)
{
  const ErrorMapping *m = NULL;
  GQuark domain = GST_LIBRARY_ERROR;
  gint code = GST_LIBRARY_ERROR_FAILED;
  gchar **parts, *text;

  for (guint i = 0; i < G_N_ELEMENTS (error_mappings); i++)
    if (error->domain == UF_ERROR && error->code == (gint) error_mappings[i].code)
      m = &error_mappings[i];
  if (m) {
    domain = m->domain ();
    code = m->gst_code;
  }
  if (sentence != NULL && domain == GST_LIBRARY_ERROR)
    code = GST_LIBRARY_ERROR_FAILED;    /* INIT and SETTINGS describe the start */
  if (sentence == NULL)
    sentence = m ? m->sentence : "Internal error in the inference engine.";
  parts = g_strsplit (sentence, "%s", 2);
  text = g_strjoinv (path ? path : "", parts);
  g_strfreev (parts);
  gst_element_message_full (GST_ELEMENT (self), GST_MESSAGE_ERROR, domain, code, text,
      g_strdup (error->message), __FILE__, GST_FUNCTION, line);
  g_error_free (error);
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
  self->last_pts = GST_CLOCK_TIME_NONE;
  self->untimed = 0;
}

/* Empties the window so that no window mixes frames from both sides of a
 * break in the stream; a result running on the old window is still valid. */
static void
restart_window (GstUniformerInfer * self, const gchar * why)
{
  if (self->window.n > 0)
    GST_DEBUG_OBJECT (self, "%s: emptying the window", why);
  uniformer_sampler_reset (&self->sampler);
  uniformer_window_reset (&self->window);
  uniformer_smoother_reset (&self->smoother);
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
  Settings st;
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
    post_engine_error (self, g_steal_pointer (&r->error), NULL,
        "Classifying a window failed.", __LINE__);
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
    post_engine_error (self, error, NULL, "Could not upload a video frame.", __LINE__);
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
  post_engine_error (self, error, NULL, "Could not upload a video frame.", __LINE__);
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
  GstClockTime pts;
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
  }
  GST_LOG_OBJECT (self, "sampled %" GST_TIME_FORMAT, GST_TIME_ARGS (pts));
  slot = uniformer_window_free_slot (&self->window);
  if (!store_frame (self, buf, slot))
    return GST_FLOW_ERROR;
  if (uniformer_window_push (&self->window, slot, pts) && !schedule_window (self))
    return GST_FLOW_ERROR;
  return GST_FLOW_OK;
}

/* The analysis runs before the base class handles the buffer, because its
 * outcome says whether the buffer must become writable: most buffers carry
 * no result and go through in passthrough, without even a shallow copy. */
static void
gst_uniformer_infer_before_transform (GstBaseTransform * trans, GstBuffer * buf)
{
  GstUniformerInfer *self = GST_UNIFORMER_INFER (trans);

  if (self->flow == GST_FLOW_OK)
    self->flow = process_buffer (self, buf);
  gst_base_transform_set_passthrough (trans, g_queue_is_empty (&self->ready));
}

static GstFlowReturn
gst_uniformer_infer_transform_ip (GstBaseTransform * trans, GstBuffer * buf)
{
  GstUniformerInfer *self = GST_UNIFORMER_INFER (trans);
  UniformerReport *rep;

  if (self->flow != GST_FLOW_OK)
    return self->flow;
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

/* A GAP event says no frame exists for its span: when that leaves a
 * sampling instant without a frame, the window would skip it. */
static void
handle_gap (GstUniformerInfer * self, GstEvent * event)
{
  GstClockTime ts, duration, instant, tolerance;

  gst_event_parse_gap (event, &ts, &duration);
  if (!self->sampler.started || self->info == NULL)
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

static gboolean
gst_uniformer_infer_sink_event (GstBaseTransform * trans, GstEvent * event)
{
  GstUniformerInfer *self = GST_UNIFORMER_INFER (trans);

  const GstSegment *segment;

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_FLUSH_START:
      /* not serialized: the streaming thread may be waiting for a run */
      if (self->worker)
        uniformer_worker_set_flushing (self->worker, TRUE);
      break;
    case GST_EVENT_FLUSH_STOP:
      GST_DEBUG_OBJECT (self, "flush: emptying the window");
      reset_stream (self);
      if (self->worker)
        uniformer_worker_set_flushing (self->worker, FALSE);
      break;
    case GST_EVENT_SEGMENT:
      /* A repeated segment (sent again with new caps, say) changes nothing. */
      gst_event_parse_segment (event, &segment);
      if (!gst_segment_is_equal (segment, &trans->segment)) {
        GST_DEBUG_OBJECT (self, "new segment: emptying the window");
        reset_stream (self);
      }
      break;
    case GST_EVENT_GAP:
      handle_gap (self, event);
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

  /* a worker stopped before may still be finishing its last run */
  g_clear_pointer (&self->retired, uniformer_worker_free);
  self->device = uf_device_open (device, &error);
  if (self->device == NULL) {
    post_engine_error (self, error, path, NULL, __LINE__);
    goto failed;
  }
  self->model = uf_model_load (self->device, path, &error);
  if (self->model == NULL) {
    post_engine_error (self, error, path, NULL, __LINE__);
    goto failed;
  }
  self->info = uf_model_get_info (self->model);
  frames = self->info->frames;
  config.ring_slots = uniformer_window_ring_size (frames);
  self->session = uf_session_new (self->model, &config, &error);
  if (self->session == NULL) {
    post_engine_error (self, error, path, NULL, __LINE__);
    goto failed;
  }
  char *paths = uf_device_describe_paths (self->device);
  GST_INFO_OBJECT (self, "model %s (%s): %u frames of %ux%u, %u classes, on %s (%s)", path,
      self->info->name, frames, self->info->crop_width, self->info->crop_height,
      self->info->num_classes, uf_device_get_name (self->device), paths);
  g_free (paths);

  self->worker = uniformer_worker_new (self->session, frames, self->info->num_classes);
  uniformer_window_init (&self->window, frames, DEFAULT_INFERENCE_INTERVAL);
  uniformer_deferred_init (&self->deferred, config.ring_slots);
  uniformer_sampler_init (&self->sampler, 0, 0);
  gst_video_info_init (&self->vinfo);
  self->live_known = FALSE;
  self->reported_latency = 0;
  self->flow = GST_FLOW_OK;
  self->warned_untimed = FALSE;
  reset_stream (self);

  GST_OBJECT_LOCK (self);
  self->num_frames = frames;
  self->num_classes = self->info->num_classes;
  g_strfreev (self->labels);
  self->labels = g_strdupv ((gchar **) self->info->labels);
  g_free (self->model_name);
  self->model_name = g_strdup (self->info->name);
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

  /* The worker frees the session once its run (if any) has ended: the
   * state change does not wait for the GPU; start() or finalize() joins. */
  if (self->worker) {
    uniformer_worker_stop (self->worker);
    g_clear_pointer (&self->retired, uniformer_worker_free);
    self->retired = g_steal_pointer (&self->worker);
  }
  self->session = NULL;
  g_queue_clear_full (&self->ready, uniformer_report_free);
  uniformer_window_clear (&self->window);
  uniformer_deferred_clear (&self->deferred);
  uniformer_smoother_clear (&self->smoother);
  g_clear_pointer (&self->model, uf_model_unref);
  self->info = NULL;
  if (self->device) {
    messages = uf_device_get_validation_message_count (self->device);
    if (messages > 0)
      GST_ELEMENT_WARNING (self, LIBRARY, FAILED, ("The Vulkan validation layer reported "
              "%u messages.", messages), (NULL));
  }
  g_clear_pointer (&self->device, uf_device_unref);
  return TRUE;
}

static GstStateChangeReturn
gst_uniformer_infer_change_state (GstElement * element, GstStateChange transition)
{
  GstUniformerInfer *self = GST_UNIFORMER_INFER (element);

  /* Deactivating the pads waits for the streaming thread: let it stop
   * waiting for a classification first. */
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY && self->worker)
    uniformer_worker_set_flushing (self->worker, TRUE);
  return GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);
}

/* ---- properties ---------------------------------------------------------- */

/* Whether a property that only takes effect at start may be set now; like
 * filesrc's location, it is refused once the element has started. */
static gboolean
settable_now (GstUniformerInfer * self, GParamSpec * pspec)
{
  GstState state = GST_STATE (self);

  if (state == GST_STATE_NULL || state == GST_STATE_READY)
    return TRUE;
  g_warning ("Changing the '%s' property on %s while it is %s is not supported: set it in "
      "the NULL or READY state.", pspec->name, GST_OBJECT_NAME (self),
      gst_element_state_get_name (state));
  return FALSE;
}

static void
gst_uniformer_infer_set_property (GObject * object, guint prop_id, const GValue * value,
    GParamSpec * pspec)
{
  GstUniformerInfer *self = GST_UNIFORMER_INFER (object);
  Settings *p = &self->props;

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MODEL:
      if (settable_now (self, pspec)) {
        g_free (self->model_path);
        self->model_path = g_value_dup_string (value);
      }
      break;
    case PROP_DEVICE:
      if (settable_now (self, pspec)) {
        g_free (self->device_name);
        self->device_name = g_value_dup_string (value);
      }
      break;
    case PROP_RESIZE_MODE:
      if (settable_now (self, pspec))
        self->resize_mode = g_value_get_enum (value);
      break;
    case PROP_SAMPLE_RATE:
      p->sample_rate = g_value_get_double (value);
      break;
    case PROP_FRAME_INTERVAL:
      p->frame_interval = g_value_get_uint (value);
      break;
    case PROP_INFERENCE_INTERVAL:
      p->inference_interval = g_value_get_uint (value);
      break;
    case PROP_TOP_K:
      p->top_k = g_value_get_uint (value);
      break;
    case PROP_THRESHOLD:
      p->threshold = g_value_get_double (value);
      break;
    case PROP_SMOOTHING:
      p->smoothing = g_value_get_uint (value);
      break;
    case PROP_POST_MESSAGES:
      p->post_messages = g_value_get_boolean (value);
      break;
    case PROP_LATE_WINDOWS:
      p->late_windows = g_value_get_enum (value);
      break;
    default:
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
  const Settings *p = &self->props;

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
    case PROP_SAMPLE_RATE:
      g_value_set_double (value, p->sample_rate);
      break;
    case PROP_FRAME_INTERVAL:
      g_value_set_uint (value, p->frame_interval);
      break;
    case PROP_INFERENCE_INTERVAL:
      g_value_set_uint (value, p->inference_interval);
      break;
    case PROP_TOP_K:
      g_value_set_uint (value, p->top_k);
      break;
    case PROP_THRESHOLD:
      g_value_set_double (value, p->threshold);
      break;
    case PROP_SMOOTHING:
      g_value_set_uint (value, p->smoothing);
      break;
    case PROP_POST_MESSAGES:
      g_value_set_boolean (value, p->post_messages);
      break;
    case PROP_LATE_WINDOWS:
      g_value_set_enum (value, p->late_windows);
      break;
    case PROP_NUM_FRAMES:
      g_value_set_uint (value, self->num_frames);
      break;
    case PROP_NUM_CLASSES:
      g_value_set_uint (value, self->num_classes);
      break;
    case PROP_LABELS:
      g_value_set_boxed (value, self->labels);
      break;
    case PROP_MODEL_NAME:
      g_value_set_string (value, self->model_name);
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
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_uniformer_infer_finalize (GObject * object)
{
  GstUniformerInfer *self = GST_UNIFORMER_INFER (object);

  g_clear_pointer (&self->retired, uniformer_worker_free);
  g_strfreev (self->labels);
  g_free (self->model_name);
  g_free (self->model_path);
  g_free (self->device_name);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

#define RW_READY (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY)
#define RW_PLAYING (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING)
#define READ_ONLY (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS)

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

  /**
   * GstUniformerInfer:model:
   *
   * The model file to run (from tools/uniformer-convert). Read when the
   * element starts; refused with a warning while it runs.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_MODEL,
      g_param_spec_string ("model", "Model", "Path of the UniFormer model file "
          "(.safetensors, from tools/uniformer-convert); default: the model installed "
          "with the plugin", NULL, RW_READY));
  /**
   * GstUniformerInfer:device:
   *
   * The Vulkan device to run on. Read when the element starts; refused with
   * a warning while it runs.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_DEVICE,
      g_param_spec_string ("device", "Device", "Vulkan device: an index or a part of its "
          "name (see uniformer-classify --list-devices); NULL = automatic (discrete GPU, "
          "integrated, virtual, CPU) or the UF_DEVICE environment variable", NULL, RW_READY));
  /**
   * GstUniformerInfer:resize-mode:
   *
   * How frames are fitted to the model's input. Read when the element
   * starts; refused with a warning while it runs.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_RESIZE_MODE,
      g_param_spec_enum ("resize-mode", "Resize mode", "How frames are fitted to the "
          "model's input size", GST_TYPE_UNIFORMER_RESIZE_MODE, DEFAULT_RESIZE_MODE,
          RW_READY));
  /**
   * GstUniformerInfer:sample-rate:
   *
   * Samples per second the window takes from the stream, by timestamp.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_SAMPLE_RATE,
      g_param_spec_double ("sample-rate", "Sample rate", "Frames per second the window "
          "samples from the stream, by timestamp; 0 = the model's trained rate (source fps "
          "/ sampling rate, 7.5 for 30 fps / 4)", 0, 1000, DEFAULT_SAMPLE_RATE, RW_PLAYING));
  /**
   * GstUniformerInfer:frame-interval:
   *
   * Sample every N-th frame instead of sampling by timestamp.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_FRAME_INTERVAL,
      g_param_spec_uint ("frame-interval", "Frame interval", "Sample every N-th frame "
          "whatever the timestamps; 0 = sample by timestamp at sample-rate", 0, 10000,
          DEFAULT_FRAME_INTERVAL, RW_PLAYING));
  /**
   * GstUniformerInfer:inference-interval:
   *
   * Sampled frames the window slides between classifications.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_INFERENCE_INTERVAL,
      g_param_spec_uint ("inference-interval", "Inference interval", "Sampled frames the "
          "window slides between classifications (the first one is made as soon as the "
          "window is full); the default 4 gives about two classifications a second at 7.5 "
          "samples per second", 1, 10000, DEFAULT_INFERENCE_INTERVAL, RW_PLAYING));
  /**
   * GstUniformerInfer:top-k:
   *
   * Best classes reported per classification.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_TOP_K,
      g_param_spec_uint ("top-k", "Top k", "Best classes reported per classification", 1,
          1000, DEFAULT_TOP_K, RW_PLAYING));
  /**
   * GstUniformerInfer:threshold:
   *
   * Classes whose (smoothed) probability is below this are not reported.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_THRESHOLD,
      g_param_spec_double ("threshold", "Threshold", "Classes whose (smoothed) probability "
          "is below this are not reported", 0, 1, DEFAULT_THRESHOLD, RW_PLAYING));
  /**
   * GstUniformerInfer:smoothing:
   *
   * Report the mean probabilities of the last N windows.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_SMOOTHING,
      g_param_spec_uint ("smoothing", "Smoothing", "Report the mean probabilities of the "
          "last N windows; 1 = no smoothing", 1, 100, DEFAULT_SMOOTHING, RW_PLAYING));
  /**
   * GstUniformerInfer:post-messages:
   *
   * Post an element message named "uniformer" for every classification.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_POST_MESSAGES,
      g_param_spec_boolean ("post-messages", "Post messages", "Post an element message "
          "named \"uniformer\" on the bus for every classification", DEFAULT_POST_MESSAGES,
          RW_PLAYING));
  /**
   * GstUniformerInfer:late-windows:
   *
   * What to do with a window that is due while the previous one is still
   * being classified.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_LATE_WINDOWS,
      g_param_spec_enum ("late-windows", "Late windows", "What to do with a window that is "
          "due while the previous one is still being classified",
          GST_TYPE_UNIFORMER_LATE_WINDOWS, DEFAULT_LATE_WINDOWS, RW_PLAYING));
  /**
   * GstUniformerInfer:num-frames:
   *
   * Frames per window, from the model.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_NUM_FRAMES,
      g_param_spec_uint ("num-frames", "Number of frames", "Frames per window, from the "
          "model (0 until the element has loaded it, in PAUSED)", 0, G_MAXUINT, 0,
          READ_ONLY));
  /**
   * GstUniformerInfer:num-classes:
   *
   * Classes the model tells apart.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_NUM_CLASSES,
      g_param_spec_uint ("num-classes", "Number of classes", "Classes the model tells apart "
          "(0 until the element has loaded it, in PAUSED)", 0, G_MAXUINT, 0, READ_ONLY));
  /**
   * GstUniformerInfer:labels:
   *
   * The model's class names, in class-id order.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_LABELS,
      g_param_spec_boxed ("labels", "Labels", "The model's class names, in class-id order "
          "(NULL until the element has loaded it, in PAUSED)", G_TYPE_STRV, READ_ONLY));
  /**
   * GstUniformerInfer:model-name:
   *
   * The loaded model's name, as its results carry it.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_MODEL_NAME,
      g_param_spec_string ("model-name", "Model name", "The loaded model's name, as its "
          "results carry it (NULL until the element has loaded it, in PAUSED)", NULL,
          READ_ONLY));
  /**
   * GstUniformerInfer:windows-classified:
   *
   * Classifications reported since the element started.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_WINDOWS_CLASSIFIED,
      g_param_spec_uint64 ("windows-classified", "Windows classified", "Classifications "
          "reported since the element started", 0, G_MAXUINT64, 0, READ_ONLY));
  /**
   * GstUniformerInfer:windows-skipped:
   *
   * Due windows dropped because the previous inference was still running.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_WINDOWS_SKIPPED,
      g_param_spec_uint64 ("windows-skipped", "Windows skipped", "Due windows dropped "
          "because the previous inference was still running", 0, G_MAXUINT64, 0,
          READ_ONLY));
  /**
   * GstUniformerInfer:last-inference-time:
   *
   * Wall-clock time of the last classification, in nanoseconds.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_LAST_INFERENCE_TIME,
      g_param_spec_uint64 ("last-inference-time", "Last inference time", "Wall-clock time "
          "of the last classification, in nanoseconds", 0, G_MAXUINT64, 0, READ_ONLY));
  /**
   * GstUniformerInfer:mean-inference-time:
   *
   * Mean wall-clock time of the classifications, in nanoseconds.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_MEAN_INFERENCE_TIME,
      g_param_spec_uint64 ("mean-inference-time", "Mean inference time", "Mean wall-clock "
          "time of the classifications, in nanoseconds", 0, G_MAXUINT64, 0, READ_ONLY));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "UniFormer action recognition",
      "Filter/Analyzer/Video",
      "Classifies the actions in a sliding window of video frames with a UniFormer model "
      "on Vulkan and attaches the results as GstUniformerMeta and bus messages",
      UNIFORMER_AUTHOR);

  element_class->change_state = GST_DEBUG_FUNCPTR (gst_uniformer_infer_change_state);
  trans_class->start = GST_DEBUG_FUNCPTR (gst_uniformer_infer_start);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_uniformer_infer_stop);
  trans_class->set_caps = GST_DEBUG_FUNCPTR (gst_uniformer_infer_set_caps);
  trans_class->sink_event = GST_DEBUG_FUNCPTR (gst_uniformer_infer_sink_event);
  trans_class->query = GST_DEBUG_FUNCPTR (gst_uniformer_infer_query);
  trans_class->before_transform = GST_DEBUG_FUNCPTR (gst_uniformer_infer_before_transform);
  trans_class->transform_ip = GST_DEBUG_FUNCPTR (gst_uniformer_infer_transform_ip);

  gst_type_mark_as_plugin_api (GST_TYPE_UNIFORMER_LATE_WINDOWS, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_UNIFORMER_RESIZE_MODE, 0);
}

static void
gst_uniformer_infer_init (GstUniformerInfer * self)
{
  Settings *p = &self->props;

  self->resize_mode = DEFAULT_RESIZE_MODE;
  p->sample_rate = DEFAULT_SAMPLE_RATE;
  p->frame_interval = DEFAULT_FRAME_INTERVAL;
  p->inference_interval = DEFAULT_INFERENCE_INTERVAL;
  p->top_k = DEFAULT_TOP_K;
  p->threshold = DEFAULT_THRESHOLD;
  p->smoothing = DEFAULT_SMOOTHING;
  p->post_messages = DEFAULT_POST_MESSAGES;
  p->late_windows = DEFAULT_LATE_WINDOWS;
  g_queue_init (&self->ready);
  gst_base_transform_set_in_place (GST_BASE_TRANSFORM (self), TRUE);
  gst_base_transform_set_passthrough (GST_BASE_TRANSFORM (self), TRUE);
}
