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

#include "gstuniformerinfer-private.h"

#include <string.h>

#include "uniformer-errors.h"

GST_DEBUG_CATEGORY (gst_uniformer_infer_debug);
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

/* ---- events, queries, caps ----------------------------------------------- */

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
      uniformer_infer_reset_stream (self);
      if (self->worker)
        uniformer_worker_set_flushing (self->worker, FALSE);
      break;
    case GST_EVENT_SEGMENT:
      /* A repeated segment (sent again with new caps, say) changes nothing. */
      gst_event_parse_segment (event, &segment);
      if (!gst_segment_is_equal (segment, &trans->segment)) {
        GST_DEBUG_OBJECT (self, "new segment: emptying the window");
        uniformer_infer_reset_stream (self);
      }
      break;
    case GST_EVENT_GAP:
      uniformer_infer_handle_gap (self, event);
      break;
    case GST_EVENT_EOS:
      uniformer_infer_finish_at_eos (self);
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

/* Waits for a stopped worker to have freed its session, then lets go of
 * the model and device it ran on. */
static void
release_retired (GstUniformerInfer * self)
{
  g_clear_pointer (&self->retired, uniformer_worker_free);
  g_clear_pointer (&self->retired_model, uf_model_unref);
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

  /* a worker stopped before may still be finishing its last run */
  release_retired (self);
  self->device = uf_device_open (device, &error);
  if (self->device == NULL) {
    UNIFORMER_POST_ENGINE_ERROR (self, error, path, NULL);
    goto failed;
  }
  self->model = uf_model_load (self->device, path, &error);
  if (self->model == NULL) {
    UNIFORMER_POST_ENGINE_ERROR (self, error, path, NULL);
    goto failed;
  }
  self->info = uf_model_get_info (self->model);
  frames = self->info->frames;
  config.ring_slots = uniformer_window_ring_size (frames);
  self->session = uf_session_new (self->model, &config, &error);
  if (self->session == NULL) {
    UNIFORMER_POST_ENGINE_ERROR (self, error, path, NULL);
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
  uniformer_infer_reset_stream (self);

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
   * state change does not wait for the GPU; start() or finalize() joins.
   * The model (and with it the device) is kept until then, so that the
   * worker thread only ever frees the session: destroying a Vulkan device
   * there raced with instances being made on the element's thread. */
  if (self->worker) {
    uniformer_worker_stop (self->worker);
    release_retired (self);
    self->retired = g_steal_pointer (&self->worker);
    self->retired_model = g_steal_pointer (&self->model);
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

  release_retired (self);
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
  trans_class->before_transform = GST_DEBUG_FUNCPTR (uniformer_infer_before_transform);
  trans_class->transform_ip = GST_DEBUG_FUNCPTR (uniformer_infer_transform_ip);

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
