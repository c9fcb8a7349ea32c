/* uniformer-infer-properties.c: uniformerinfer's properties: their
 * specs (with the documentation gtk-doc reads), defaults, enum types and
 * the set/get handlers, which read and write the settings under the
 * object lock. */
#include "gstuniformerinfer-private.h"

GST_DEBUG_CATEGORY_EXTERN (gst_uniformer_infer_debug);
#define GST_CAT_DEFAULT gst_uniformer_infer_debug

#define DEFAULT_RESIZE_MODE UF_RESIZE_CROP
#define DEFAULT_SHARE_MODEL TRUE
/* Bigger passes only fill a GPU better; the wait adds latency, so a
 * window waits for none by default: windows that fall due while a pass
 * runs make up the next one. */
#define DEFAULT_MAX_BATCH 16
#define MAX_MAX_BATCH 64
#define DEFAULT_BATCH_TIMEOUT 0
#define DEFAULT_SAMPLING GST_UNIFORMER_SAMPLING_MODEL
#define DEFAULT_SAMPLE_RATE 0.0
#define DEFAULT_WINDOW_DURATION 0.0
#define DEFAULT_FRAME_INTERVAL 0
#define DEFAULT_INFERENCE_INTERVAL UNIFORMER_INFER_DEFAULT_INFERENCE_INTERVAL
#define DEFAULT_INFERENCE_PHASE -1
#define DEFAULT_TOP_K 5
#define DEFAULT_THRESHOLD 0.0
#define DEFAULT_SMOOTHING 1
#define DEFAULT_POST_MESSAGES TRUE
#define DEFAULT_LATE_WINDOWS GST_UNIFORMER_LATE_WINDOWS_AUTO
#define DEFAULT_ACTIONS TRUE
/* A class must be the clear winner to start (0.6: above every other class
 * together) and falls back well below that before it ends; two windows
 * (about a second at the default rate and interval) keep one odd window
 * from starting anything. */
#define DEFAULT_ACTION_START_THRESHOLD 0.6
#define DEFAULT_ACTION_END_THRESHOLD 0.4
#define DEFAULT_ACTION_MIN_WINDOWS 2

enum {
  PROP_0,
  PROP_MODEL,
  PROP_DEVICE,
  PROP_RESIZE_MODE,
  PROP_SHARE_MODEL,
  PROP_SHARE_GROUP,
  PROP_MAX_BATCH,
  PROP_BATCH_TIMEOUT,
  PROP_SAMPLING,
  PROP_SAMPLE_RATE,
  PROP_WINDOW_DURATION,
  PROP_FRAME_INTERVAL,
  PROP_INFERENCE_INTERVAL,
  PROP_INFERENCE_PHASE,
  PROP_TOP_K,
  PROP_THRESHOLD,
  PROP_SMOOTHING,
  PROP_POST_MESSAGES,
  PROP_LATE_WINDOWS,
  PROP_ACTIONS,
  PROP_ACTION_START_THRESHOLD,
  PROP_ACTION_END_THRESHOLD,
  PROP_ACTION_MIN_WINDOWS,
  PROP_NUM_FRAMES,
  PROP_NUM_CLASSES,
  PROP_LABELS,
  PROP_MODEL_NAME,
  PROP_MODEL_USERS,
  PROP_WINDOWS_CLASSIFIED,
  PROP_WINDOWS_SKIPPED,
  PROP_LAST_INFERENCE_TIME,
  PROP_MEAN_INFERENCE_TIME,
  PROP_MEAN_BATCH_SIZE,
  PROP_DEVICE_MEMORY,
  PROP_SHARED_DEVICE_MEMORY,
};

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
gst_uniformer_sampling_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_UNIFORMER_SAMPLING_MODEL, "As the model file says", "model"},
    {GST_UNIFORMER_SAMPLING_STRIDE, "Frames at sample-rate (every n-th frame of the model's "
          "source rate)", "stride"},
    {GST_UNIFORMER_SAMPLING_SPARSE, "Frames spread evenly over window-duration", "sparse"},
    {0, NULL, NULL},
  };

  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstUniformerSampling", values));
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

/* Whether a property that only takes effect at start may be set now; like
 * filesrc's location, it is refused once the element has started. */
gboolean
uniformer_infer_settable_now (GstUniformerInfer * self, GParamSpec * pspec)
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
      if (uniformer_infer_settable_now (self, pspec)) {
        g_free (self->model_path);
        self->model_path = g_value_dup_string (value);
      }
      break;
    case PROP_DEVICE:
      if (uniformer_infer_settable_now (self, pspec)) {
        g_free (self->device_name);
        self->device_name = g_value_dup_string (value);
      }
      break;
    case PROP_RESIZE_MODE:
      if (uniformer_infer_settable_now (self, pspec))
        self->resize_mode = g_value_get_enum (value);
      break;
    case PROP_SHARE_MODEL:
      if (uniformer_infer_settable_now (self, pspec))
        self->share_model = g_value_get_boolean (value);
      break;
    case PROP_MAX_BATCH:
      if (uniformer_infer_settable_now (self, pspec))
        self->max_batch = g_value_get_uint (value);
      break;
    case PROP_BATCH_TIMEOUT:
      if (uniformer_infer_settable_now (self, pspec))
        self->batch_timeout = g_value_get_uint64 (value);
      break;
    case PROP_SHARE_GROUP:
      if (uniformer_infer_settable_now (self, pspec)) {
        g_free (self->share_group);
        self->share_group = g_value_dup_string (value);
      }
      break;
    case PROP_SAMPLING:
      p->sampling = g_value_get_enum (value);
      break;
    case PROP_WINDOW_DURATION:
      p->window_duration = g_value_get_double (value);
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
    case PROP_INFERENCE_PHASE:
      p->inference_phase = g_value_get_int (value);
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
    case PROP_ACTIONS:
      p->actions = g_value_get_boolean (value);
      break;
    case PROP_ACTION_START_THRESHOLD:
      p->action.start_threshold = g_value_get_double (value);
      break;
    case PROP_ACTION_END_THRESHOLD:
      p->action.end_threshold = g_value_get_double (value);
      break;
    case PROP_ACTION_MIN_WINDOWS:
      p->action.min_windows = g_value_get_uint (value);
      break;
    default:
      if (!uniformer_infer_set_region_property (self, prop_id, value, pspec))
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
      g_value_set_string (value, self->model_path ? self->model_path : uniformer_infer_default_model_path ());
      break;
    case PROP_DEVICE:
      g_value_set_string (value, self->device_name);
      break;
    case PROP_RESIZE_MODE:
      g_value_set_enum (value, self->resize_mode);
      break;
    case PROP_SHARE_MODEL:
      g_value_set_boolean (value, self->share_model);
      break;
    case PROP_MAX_BATCH:
      g_value_set_uint (value, self->max_batch);
      break;
    case PROP_BATCH_TIMEOUT:
      g_value_set_uint64 (value, self->batch_timeout);
      break;
    case PROP_SHARE_GROUP:
      g_value_set_string (value, self->share_group);
      break;
    case PROP_SAMPLING:
      g_value_set_enum (value, p->sampling);
      break;
    case PROP_WINDOW_DURATION:
      g_value_set_double (value, p->window_duration);
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
    case PROP_INFERENCE_PHASE:
      g_value_set_int (value, p->inference_phase);
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
    case PROP_ACTIONS:
      g_value_set_boolean (value, p->actions);
      break;
    case PROP_ACTION_START_THRESHOLD:
      g_value_set_double (value, p->action.start_threshold);
      break;
    case PROP_ACTION_END_THRESHOLD:
      g_value_set_double (value, p->action.end_threshold);
      break;
    case PROP_ACTION_MIN_WINDOWS:
      g_value_set_uint (value, p->action.min_windows);
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
    case PROP_MODEL_USERS:
      g_value_set_uint (value, self->model == NULL ? 0 : self->model_cache == NULL ? 1
          : uniformer_model_cache_users (self->model_cache, self->model));
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
    case PROP_DEVICE_MEMORY:
      g_value_set_uint64 (value, self->own_device_bytes);
      break;
    case PROP_SHARED_DEVICE_MEMORY:
      g_value_set_uint64 (value, self->shared_device_bytes);
      break;
    case PROP_MEAN_BATCH_SIZE:
      g_value_set_double (value, self->windows_classified ?
          (gdouble) self->total_batch_size / self->windows_classified : 0.0);
      break;
    default:
      if (!uniformer_infer_get_region_property (self, prop_id, value))
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

#define RW_READY (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY)
#define RW_PLAYING (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING)
#define READ_ONLY (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS)

void
uniformer_infer_install_properties (GObjectClass * gobject_class)
{
  gobject_class->set_property = gst_uniformer_infer_set_property;
  gobject_class->get_property = gst_uniformer_infer_get_property;

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
   * GstUniformerInfer:share-model:
   *
   * Whether the element shares its device and loaded model with the other
   * uniformerinfer elements of the process that use the same device and
   * model file: one Vulkan device and one copy of the weights for all of
   * them, each element keeping its own frames and results. Elements share
   * within a group, named by the string field "group" of a GstContext of
   * type "gst-uniformer.model-cache" (group "" when none is given): an
   * application keeps a set of elements apart by setting such a context
   * with a group name of its own on them or on their bin. Read when the
   * element starts; refused with a warning while it runs.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_SHARE_MODEL,
      g_param_spec_boolean ("share-model", "Share model", "Share the device and the loaded "
          "model with the other uniformerinfer elements that use the same device and model "
          "file (within the group a gst-uniformer.model-cache GstContext names)",
          DEFAULT_SHARE_MODEL, RW_READY));
  /**
   * GstUniformerInfer:share-group:
   *
   * The group the element shares its model within (see
   * #GstUniformerInfer:share-model), by name; empty or NULL: the group a
   * gst-uniformer.model-cache context gives, else "". Read when the element
   * starts; refused with a warning while it runs.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_SHARE_GROUP,
      g_param_spec_string ("share-group", "Share group", "Share the model only with the "
          "elements of this group; empty: the group a gst-uniformer.model-cache context "
          "gives, else the process-wide one", NULL, RW_READY));
  /**
   * GstUniformerInfer:max-batch:
   *
   * The most windows one forward pass runs. The windows of every element
   * that shares the model (#GstUniformerInfer:share-model) run in passes
   * together: windows that fall due at about the same time in different
   * streams are one submission to the device, each with its own result. The
   * first element of a share group to start sets it for the group, which
   * keeps activation memory for that many windows; an element that does
   * not share its model runs one window per pass. The
   * engine may run fewer: the token-pruning light models and the video ViTs
   * run one window per pass, and a pass must fit the device's largest
   * storage buffer. Read when the element starts; refused with a warning
   * while it runs.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_MAX_BATCH,
      g_param_spec_uint ("max-batch", "Maximum batch", "The most windows of the elements "
          "sharing the model that run as one pass (set by the group's first element)", 1,
          MAX_MAX_BATCH, DEFAULT_MAX_BATCH, RW_READY));
  /**
   * GstUniformerInfer:batch-timeout:
   *
   * How long, in nanoseconds, a due window may wait for windows of other
   * streams to join its pass (like nvstreammux's batched-push-timeout). 0:
   * it waits for none; a pass takes every window queued while the one before
   * ran. A live stream's streaming thread never waits for it: a window due
   * while the element's previous one is queued or running is skipped and
   * counted (#GstUniformerInfer:windows-skipped). Read when the element
   * starts; refused with a warning while it runs.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_BATCH_TIMEOUT,
      g_param_spec_uint64 ("batch-timeout", "Batch timeout", "Nanoseconds a due window may "
          "wait for other streams' windows to join its pass (0: none)", 0, G_MAXUINT64,
          DEFAULT_BATCH_TIMEOUT, RW_READY));
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
   * GstUniformerInfer:sampling:
   *
   * How the window's frames are spread over time: at #GstUniformerInfer:sample-rate
   * (stride, the Kinetics protocol of UniFormer-S/B and the video ViTs), or
   * evenly over #GstUniformerInfer:window-duration (sparse, the light models'
   * test-time sampling). The default follows the model file.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_SAMPLING,
      g_param_spec_enum ("sampling", "Sampling", "How the window's frames are spread over "
          "time: stride (at sample-rate), sparse (evenly over window-duration), or as the "
          "model file says", GST_TYPE_UNIFORMER_SAMPLING, DEFAULT_SAMPLING, RW_PLAYING));
  /**
   * GstUniformerInfer:window-duration:
   *
   * With sparse sampling, the seconds of stream one window spans: its
   * #GstUniformerInfer:num-frames frames are the centres of as many equal
   * segments of it, so the sample rate is frames / duration. 0 takes the
   * model's span (frames x sampling rate source frames at its source frame
   * rate: about 10 s for the light models, the whole Kinetics clips they
   * were tested on).
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_WINDOW_DURATION,
      g_param_spec_double ("window-duration", "Window duration", "Sparse sampling: seconds "
          "of stream one window spans, its frames spread evenly over it; 0 = the model's "
          "span", 0, 3600, DEFAULT_WINDOW_DURATION, RW_PLAYING));
  /**
   * GstUniformerInfer:sample-rate:
   *
   * Samples per second the window takes from the stream, by timestamp, with
   * stride sampling.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_SAMPLE_RATE,
      g_param_spec_double ("sample-rate", "Sample rate", "Stride sampling: frames per second "
          "the window samples from the stream, by timestamp; 0 = the model's trained rate "
          "(source fps / sampling rate, 7.5 for 30 fps / 4)", 0, 1000, DEFAULT_SAMPLE_RATE, RW_PLAYING));
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
   * GstUniformerInfer:inference-phase:
   *
   * Where in each inference-interval this element's classifications fall:
   * the first one waits this many sampled frames (modulo inference-interval)
   * after the window first fills, and after each flush or seek. Elements
   * that share a model and start together all fall due on the same frames,
   * so their windows queue behind each other in one batch; different
   * phases spread them over the interval. -1, the default, takes the lowest
   * phase no other running element of its shared model holds when it
   * starts (0 for the first, 1 for the next, ...; a phase an element that
   * stopped held is taken again; 0 when not shared), so an unshared element
   * classifies as soon as its window is full. 0 keeps every element on the
   * same frames, for windows that line up across streams.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_INFERENCE_PHASE,
      g_param_spec_int ("inference-phase", "Inference phase", "Sampled frames the "
          "first classification waits after the window first fills (modulo "
          "inference-interval), so that streams sharing a model fall due on different "
          "frames; -1 = the lowest phase no other running element of its shared model "
          "holds (0 when not shared)", -1,
          10000, DEFAULT_INFERENCE_PHASE, RW_PLAYING));
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
   * GstUniformerInfer:actions:
   *
   * Post a "uniformer-action" element message, and send the same structure
   * downstream as a serialized custom event, when an action starts or ends
   * (see #GstUniformerInfer:action-start-threshold). Turning it off ends
   * the open actions (reason "disabled").
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_ACTIONS,
      g_param_spec_boolean ("actions", "Actions", "Post a \"uniformer-action\" element "
          "message and send a custom downstream event of the same name when an action "
          "starts or ends", DEFAULT_ACTIONS, RW_PLAYING));
  /**
   * GstUniformerInfer:action-start-threshold:
   *
   * The (smoothed) probability at or above which a class's windows count
   * toward starting its action; #GstUniformerInfer:action-min-windows
   * consecutive ones start it.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_ACTION_START_THRESHOLD,
      g_param_spec_double ("action-start-threshold", "Action start threshold",
          "Probability (smoothed if smoothing is on) at or above which a class's windows "
          "count toward starting its action", 0, 1, DEFAULT_ACTION_START_THRESHOLD,
          RW_PLAYING));
  /**
   * GstUniformerInfer:action-end-threshold:
   *
   * An open action ends at the first window whose probability for its
   * class is below this; taken as at most
   * #GstUniformerInfer:action-start-threshold.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_ACTION_END_THRESHOLD,
      g_param_spec_double ("action-end-threshold", "Action end threshold",
          "An open action ends at the first window whose probability for its class is "
          "below this (a value above action-start-threshold counts as that)", 0, 1,
          DEFAULT_ACTION_END_THRESHOLD, RW_PLAYING));
  /**
   * GstUniformerInfer:action-min-windows:
   *
   * Consecutive classified windows at or above
   * #GstUniformerInfer:action-start-threshold that start an action.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_ACTION_MIN_WINDOWS,
      g_param_spec_uint ("action-min-windows", "Action minimum windows", "Consecutive "
          "classified windows at or above action-start-threshold that start an action",
          1, 1000, DEFAULT_ACTION_MIN_WINDOWS, RW_PLAYING));
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
   * GstUniformerInfer:model-users:
   *
   * The elements using the loaded model now, this one included (1 when it
   * is not shared, 0 when none is loaded).
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_MODEL_USERS,
      g_param_spec_uint ("model-users", "Model users", "Elements using the loaded model now, "
          "this one included (1: not shared, 0: none loaded)", 0, G_MAXUINT, 0, READ_ONLY));
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

  /**
   * GstUniformerInfer:mean-batch-size:
   *
   * The mean number of windows in the passes this element's classified
   * windows ran in (1.0 when every pass ran one window).
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_MEAN_BATCH_SIZE,
      g_param_spec_double ("mean-batch-size", "Mean batch size", "Mean windows per pass of "
          "the passes this element's windows ran in", 0.0, MAX_MAX_BATCH, 0.0, READ_ONLY));

  /**
   * GstUniformerInfer:device-memory:
   *
   * Bytes of device memory the element's own stream state takes (its ring
   * of preprocessed frames), from the time it loads its model.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_DEVICE_MEMORY,
      g_param_spec_uint64 ("device-memory", "Device memory", "Bytes of device memory of the "
          "element's own frames (its ring)", 0, G_MAXUINT64, 0, READ_ONLY));
  /**
   * GstUniformerInfer:shared-device-memory:
   *
   * Bytes of device memory of the model's weights and of the activation
   * memory its batches run in, which the element shares with the other
   * #GstUniformerInfer:model-users (its own when it does not share).
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_SHARED_DEVICE_MEMORY,
      g_param_spec_uint64 ("shared-device-memory", "Shared device memory", "Bytes of device "
          "memory of the model's weights and batch activations, shared with the other model "
          "users", 0, G_MAXUINT64, 0, READ_ONLY));

  gst_type_mark_as_plugin_api (GST_TYPE_UNIFORMER_LATE_WINDOWS, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_UNIFORMER_RESIZE_MODE, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_UNIFORMER_SAMPLING, 0);
  uniformer_infer_install_region_properties (gobject_class);
}

void
uniformer_infer_settings_init (GstUniformerInfer * self)
{
  Settings *p = &self->props;


  self->resize_mode = DEFAULT_RESIZE_MODE;
  self->share_model = DEFAULT_SHARE_MODEL;
  self->max_batch = DEFAULT_MAX_BATCH;
  self->batch_timeout = DEFAULT_BATCH_TIMEOUT;
  p->sampling = DEFAULT_SAMPLING;
  p->sample_rate = DEFAULT_SAMPLE_RATE;
  p->window_duration = DEFAULT_WINDOW_DURATION;
  p->frame_interval = DEFAULT_FRAME_INTERVAL;
  p->inference_interval = DEFAULT_INFERENCE_INTERVAL;
  p->inference_phase = DEFAULT_INFERENCE_PHASE;
  p->top_k = DEFAULT_TOP_K;
  p->threshold = DEFAULT_THRESHOLD;
  p->smoothing = DEFAULT_SMOOTHING;
  p->post_messages = DEFAULT_POST_MESSAGES;
  p->late_windows = DEFAULT_LATE_WINDOWS;
  p->actions = DEFAULT_ACTIONS;
  p->action.start_threshold = DEFAULT_ACTION_START_THRESHOLD;
  p->action.end_threshold = DEFAULT_ACTION_END_THRESHOLD;
  p->action.min_windows = DEFAULT_ACTION_MIN_WINDOWS;
  uniformer_infer_region_settings_init (self);
}
