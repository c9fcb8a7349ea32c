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
 * writable). Models whose file asks for sparse sampling (UniFormer's light
 * models) spread the window's frames evenly over its span instead
 * (#GstUniformerInfer:sampling, #GstUniformerInfer:window-duration).
 *
 * Elements of one process that use the same device and model file share
 * one device and one copy of the weights (#GstUniformerInfer:share-model),
 * within a group a "gst-uniformer.model-cache" #GstContext or
 * #GstUniformerInfer:share-group names:
 * |[
 * gst-launch-1.0 videotestsrc is-live=true ! uniformerinfer ! fakesink \
 *     videotestsrc is-live=true pattern=ball ! uniformerinfer ! fakesink
 * ]| classifies two streams with one loaded model. Their windows run in
 * shared batches. By default (#GstUniformerInfer:inference-phase=-1) each
 * element that joins a model takes the lowest phase of the inference
 * interval that no other running element holds, so streams that start
 * together do not all fall due on the same frame; inference-phase=0 keeps
 * them aligned.
 *
 * ## Regions: an action per person
 *
 * With #GstUniformerInfer:region-mode=meta the element classifies each
 * region an upstream detector and tracker attached as
 * #GstVideoRegionOfInterestMeta, one window per track (the meta's `id`),
 * each of its region's crop, sampled by timestamp on the buffers that
 * region is on; #GstUniformerInfer:region-mode=fixed does the same for
 * the rectangles of #GstUniformerInfer:regions. A track's result goes on
 * its region's meta as a "uniformer" parameter structure and in the
 * "uniformer" message, both with `track-id` and the region's box; its
 * action events carry `track-id` too, and end with reason "track-lost"
 * when the track is dropped (#GstUniformerInfer:track-timeout). The windows
 * of all tracks (and of all elements sharing the model) run in the same
 * batches.
 * |[
 * gst-launch-1.0 -m filesrc location=cam.mp4 ! decodebin ! videoconvert ! \
 *     uniformerinfer region-mode=fixed regions="0,0,320,240;320,0,320,240" ! \
 *     uniformeroverlay ! videoconvert ! autovideosink
 * ]| classifies the two halves of the top of the picture on their own.
 *
 * ## Action events
 *
 * With #GstUniformerInfer:actions on (the default) the element also says
 * when an action starts and ends, each class on its own (several may be
 * open at once): an action starts once #GstUniformerInfer:action-min-windows
 * consecutive classified windows give its class a probability (smoothed
 * when #GstUniformerInfer:smoothing is on) of at least
 * #GstUniformerInfer:action-start-threshold, and ends at the first window
 * below #GstUniformerInfer:action-end-threshold. Each start and end is
 * posted as an element message named "uniformer-action" and sent
 * downstream, as a serialized custom event
 * (GST_EVENT_CUSTOM_DOWNSTREAM) whose structure is the message's,
 * identical, so that an element downstream can publish it. Its fields:
 *
 * - `label` (string), `class-id` (int), `state` ("started" or "ended"),
 *   `model` (string, the model's name);
 * - `start-pts`, `start-running-time` (guint64): the first frame of the
 *   first window that counted toward the start (the window's edge, not the
 *   moment the action was recognised);
 * - `end-pts`, `end-running-time` (guint64): for "ended", the last frame of
 *   the last window still at or above the end threshold; for "started",
 *   the last frame of the window that started it;
 * - `peak-score`, `mean-score` (double), `windows` (guint): over the
 *   windows counted so far;
 * - `reason` (string, "ended" only): "score-dropped", "seek" (a new
 *   segment, after a flush or not), "flush" (a flush no segment follows),
 *   "discont" (the window was emptied at a break: DISCONT, a PTS jump, a
 *   GAP), "eos", "stopped" (the element went down to READY: posted only,
 *   the pads are inactive) or "disabled" (#GstUniformerInfer:actions was
 *   turned off).
 *
 * A start goes downstream just before the buffer that carries the result
 * that started it (and the message is posted after that result's
 * "uniformer" message); ends for EOS before the EOS event, ends for a seek
 * after the new segment. Times are GST_CLOCK_TIME_NONE where unknown.
 *
 * ## Warnings
 *
 * The element posts a warning, with a details structure whose `kind` says
 * which: "windows-skipped" (GST_RESOURCE_ERROR_BUSY, at the first skipped
 * window and then at most once per 10 s of running time, with `count`
 * since the last one and `total`), "frame-rate" (GST_STREAM_ERROR_FORMAT,
 * once: the frames are too far apart for the sampling rate, so a window
 * spans more time than the model was trained on; `frame-rate` and
 * `sample-rate`) and "short-stream" (GST_STREAM_ERROR_FAILED, once: EOS
 * came before a window was ever full, so nothing was classified; `frames`
 * and `window`).
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


const gchar *
uniformer_infer_default_model_path (void)
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
  gboolean new_segment, ret;

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_FLUSH_START:
      /* not serialized: the streaming thread may be waiting for a run */
      uniformer_infer_set_flushing (self, TRUE);
      break;
    case GST_EVENT_FLUSH_STOP:
      GST_DEBUG_OBJECT (self, "flush: emptying the window");
      uniformer_infer_reset_stream (self);
      /* the open actions end at what comes next: a segment makes it a seek */
      self->flushed = TRUE;
      uniformer_infer_set_flushing (self, FALSE);
      break;
    case GST_EVENT_SEGMENT:
      /* A repeated segment (sent again with new caps, say) changes nothing. */
      gst_event_parse_segment (event, &segment);
      new_segment = !gst_segment_is_equal (segment, &trans->segment);
      if (new_segment) {
        GST_DEBUG_OBJECT (self, "new segment: emptying the window");
        uniformer_infer_reset_stream (self);
      }
      if (new_segment || self->flushed)
        uniformer_infer_end_actions (self, UNIFORMER_ACTION_REASON_SEEK);
      /* the actions' end goes downstream after the segment, so that it
       * never arrives between a flush and the segment that follows it */
      ret = GST_BASE_TRANSFORM_CLASS (parent_class)->sink_event (trans, event);
      uniformer_infer_send_actions (self, TRUE);
      return ret;
    case GST_EVENT_GAP:
      uniformer_infer_handle_gap (self, event);
      uniformer_infer_send_actions (self, TRUE);
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
  const gchar *context_type;

  /* another uniformerinfer looking for a model cache to share */
  if (GST_QUERY_TYPE (query) == GST_QUERY_CONTEXT
      && gst_query_parse_context_type (query, &context_type)
      && g_strcmp0 (context_type, UNIFORMER_MODEL_CACHE_CONTEXT) == 0) {
    GstContext *context = NULL;

    GST_OBJECT_LOCK (self);
    if (self->cache)
      context = uniformer_model_cache_context_new (self->cache);
    GST_OBJECT_UNLOCK (self);
    if (context) {
      gst_query_set_context (query, context);
      gst_context_unref (context);
      return TRUE;
    }
  }
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

/* Gives a model back to the cache it came from, or drops it. */
static void
release_model (UniformerModelCache ** cache, UfModel ** model)
{
  if (*model && *cache)
    uniformer_model_cache_release (*cache, *model);
  else if (*model)
    uf_model_unref (*model);
  *model = NULL;
  g_clear_pointer (cache, uniformer_model_cache_unref);
}

/* Releases the element's model (taken from it under the object lock,
 * which model-users reads them under). */
static void
drop_model (GstUniformerInfer * self)
{
  UniformerModelCache *cache;
  UfModel *model;

  GST_OBJECT_LOCK (self);
  cache = g_steal_pointer (&self->model_cache);
  model = g_steal_pointer (&self->model);
  GST_OBJECT_UNLOCK (self);
  release_model (&cache, &model);
}

/* Lets the next element that starts on the shared model take this one's
 * phase (start() took it once the model was acquired). */
static void
give_back_phase (GstUniformerInfer * self)
{
  if (self->model_cache && self->model)
    uniformer_model_cache_give_phase (self->model_cache, self->model, self->auto_phase);
}

/* Frees the retired tracks, waiting for a pass one may be in, then their model. */
static void
release_retired (GstUniformerInfer * self)
{
  uniformer_infer_free_retired (self, TRUE);
  release_model (&self->retired_cache, &self->retired_model);
}

/* The cache a context set on the element names (a new reference), or NULL. */
static UniformerModelCache *
context_cache (GstUniformerInfer * self)
{
  UniformerModelCache *cache;

  GST_OBJECT_LOCK (self);
  cache = self->cache ? uniformer_model_cache_ref (self->cache) : NULL;
  GST_OBJECT_UNLOCK (self);
  return cache;
}

/* The cache to share the model through, found as GStreamer's context
 * negotiation says: one set on the element (by the application or by its
 * bin, from an element that announced one), one a neighbour answers a
 * context query with, one the application gives in answer to a
 * need-context message; else the process-wide cache, announced with a
 * have-context message so the bin hands it to the other elements. */
static UniformerModelCache *
find_model_cache (GstUniformerInfer * self)
{
  GstBaseTransform *trans = GST_BASE_TRANSFORM (self);
  UniformerModelCache *cache = NULL;
  GstQuery *query;

  /* a group named by share-group needs no negotiation */
  GST_OBJECT_LOCK (self);
  if (self->share_group && *self->share_group)
    cache = uniformer_model_cache_get (self->share_group);
  GST_OBJECT_UNLOCK (self);
  if (cache || (cache = context_cache (self)))
    return cache;

  query = gst_query_new_context (UNIFORMER_MODEL_CACHE_CONTEXT);
  if (gst_pad_peer_query (GST_BASE_TRANSFORM_SRC_PAD (trans), query)
      || gst_pad_peer_query (GST_BASE_TRANSFORM_SINK_PAD (trans), query)) {
    GstContext *context = NULL;

    gst_query_parse_context (query, &context);   /* the query's */
    if (context)
      gst_element_set_context (GST_ELEMENT (self), context);
  }
  gst_query_unref (query);
  if ((cache = context_cache (self)))
    return cache;

  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_need_context (GST_OBJECT (self), UNIFORMER_MODEL_CACHE_CONTEXT));
  if ((cache = context_cache (self)))
    return cache;

  cache = uniformer_model_cache_get ("");
  GstContext *context = uniformer_model_cache_context_new (cache);
  gst_element_set_context (GST_ELEMENT (self), context);
  /* the message takes the reference */
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_have_context (GST_OBJECT (self), context));
  return cache;
}

static void
gst_uniformer_infer_set_context (GstElement * element, GstContext * context)
{
  GstUniformerInfer *self = GST_UNIFORMER_INFER (element);
  UniformerModelCache *cache = uniformer_model_cache_from_context (context);

  if (cache) {
    GST_OBJECT_LOCK (self);
    g_clear_pointer (&self->cache, uniformer_model_cache_unref);
    self->cache = cache;
    GST_OBJECT_UNLOCK (self);
  }
  GST_ELEMENT_CLASS (parent_class)->set_context (element, context);
}

/* The tracks a start begins with: the whole frame, or the fixed regions;
 * meta mode makes them as regions appear. */
static gboolean
add_initial_tracks (GstUniformerInfer * self, GArray * fixed)
{
  if (self->region_mode == GST_UNIFORMER_REGION_MODE_FRAME)
    return uniformer_infer_add_track (self, UNIFORMER_FRAME_TRACK, NULL, NULL) != NULL;
  if (self->region_mode != GST_UNIFORMER_REGION_MODE_FIXED)
    return TRUE;
  if (fixed == NULL || fixed->len == 0) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("region-mode=fixed needs at least one "
            "rectangle in the regions property."), ("regions is empty"));
    return FALSE;
  }
  if (fixed->len > self->max_tracks) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("regions lists %u rectangles, more than "
            "max-tracks (%u).", fixed->len, self->max_tracks), (NULL));
    return FALSE;
  }
  for (guint i = 0; i < fixed->len; i++)
    if (!uniformer_infer_add_track (self, (gint) i, UNIFORMER_FIXED_REGION_TYPE,
            &g_array_index (fixed, GstVideoRectangle, i)))
      return FALSE;
  return TRUE;
}

static gboolean
gst_uniformer_infer_start (GstBaseTransform * trans)
{
  GstUniformerInfer *self = GST_UNIFORMER_INFER (trans);
  GError *error = NULL;
  gchar *path, *device;
  guint frames, max_batch;
  GstClockTime batch_timeout;
  UfResizeMode resize_mode;
  gboolean share;
  UniformerBatcher *batcher = NULL;
  GArray *fixed;

  GST_OBJECT_LOCK (self);
  path = g_strdup (self->model_path ? self->model_path : uniformer_infer_default_model_path ());
  device = g_strdup (self->device_name);
  resize_mode = self->resize_mode;
  share = self->share_model;
  max_batch = self->max_batch;
  batch_timeout = self->batch_timeout;
  self->region_mode = self->region_mode_prop;
  self->region_type = self->region_type_prop && *self->region_type_prop ?
      g_quark_from_string (self->region_type_prop) : 0;
  self->max_tracks = self->max_tracks_prop;
  fixed = self->regions_prop ? g_array_ref (self->regions_prop) : NULL;
  self->cur = self->props;
  self->n_tracks = 0;
  self->regions_refused = 0;
  GST_OBJECT_UNLOCK (self);

  /* tracks stopped before may still be finishing their last run */
  release_retired (self);
  UniformerModelCache *cache = share ? find_model_cache (self) : NULL;
  UfModel *model;
  if (cache) {
    model = uniformer_model_cache_acquire (cache, device, path, &error);
  } else {
    UfDevice *dev = uf_device_open (device, &error);

    model = dev ? uf_model_load (dev, path, &error) : NULL;
    g_clear_pointer (&dev, uf_device_unref);
  }
  /* under the lock: model-users reads them */
  GST_OBJECT_LOCK (self);
  self->model = model;
  self->model_cache = cache;
  GST_OBJECT_UNLOCK (self);
  if (self->model == NULL) {
    UNIFORMER_POST_ENGINE_ERROR (self, error, path, NULL);
    goto failed;
  }
  self->auto_phase = self->model_cache ?
      uniformer_model_cache_take_phase (self->model_cache, self->model) : 0;
  self->device = uf_device_ref (uf_model_get_device (self->model));
  self->info = uf_model_get_info (self->model);
  frames = self->info->frames;
  /* the windows run in the batches of the model's batcher: shared with the
   * elements that share the model, else the element's own, whose passes
   * hold the element's windows only (one at a time in frame mode) */
  batcher = self->model_cache ? uniformer_model_cache_get_batcher (self->model_cache,
      self->model, max_batch, &error) : uniformer_batcher_new (self->model,
      self->region_mode == GST_UNIFORMER_REGION_MODE_FRAME ? 1 : max_batch, &error);
  if (batcher == NULL) {
    UNIFORMER_POST_ENGINE_ERROR (self, error, path, NULL);
    goto failed;
  }
  self->track_config = (UniformerTrackConfig) {
  self->model, batcher, resize_mode, batch_timeout};
  self->track_device_bytes = 0;
  self->rate = uniformer_infer_sampling_rate (self, &self->cur);
  self->flushing = FALSE;
  self->action_events = g_array_new (FALSE, FALSE, sizeof (UniformerActionEvent));
  gst_video_info_init (&self->vinfo);
  if (!add_initial_tracks (self, fixed))
    goto failed;
  char *paths = uf_device_describe_paths (self->device);
  GST_INFO_OBJECT (self, "model %s (%s): %u frames of %ux%u, %u classes, on %s (%s)", path,
      self->info->name, frames, self->info->crop_width, self->info->crop_height,
      self->info->num_classes, uf_device_get_name (self->device), paths);
  g_free (paths);

  self->live_known = FALSE;
  self->reported_latency = 0;
  self->flow = GST_FLOW_OK;
  self->warned_untimed = self->warned_tracks = self->warned_repeated_id = FALSE;
  self->flushed = FALSE;
  self->skip_warned_at = GST_CLOCK_TIME_NONE;
  self->skips_unwarned = 0;
  self->warned_rate = self->warned_short = self->ever_full = FALSE;
  self->max_fill = 0;
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
  self->total_batch_size = 0;
  self->shared_device_bytes = uf_model_get_device_bytes (self->model)
      + uf_batch_get_device_bytes (uniformer_batcher_get_batch (batcher));
  GST_OBJECT_UNLOCK (self);
  g_free (path);
  g_free (device);
  g_clear_pointer (&fixed, g_array_unref);
  return TRUE;

failed:
  g_free (path);
  g_free (device);
  g_clear_pointer (&fixed, g_array_unref);
  give_back_phase (self);
  uniformer_infer_retire_tracks (self);
  uniformer_infer_free_retired (self, TRUE);
  g_clear_pointer (&self->action_events, g_array_unref);
  g_clear_pointer (&self->track_config.batcher, uniformer_batcher_unref);
  drop_model (self);
  g_clear_pointer (&self->device, uf_device_unref);
  self->info = NULL;
  return FALSE;
}

static gboolean
gst_uniformer_infer_stop (GstBaseTransform * trans)
{
  GstUniformerInfer *self = GST_UNIFORMER_INFER (trans);
  guint messages;

  /* The pads are inactive by now: the actions' end goes to the bus only. */
  if (self->info) {
    uniformer_infer_end_actions (self, self->flushed ? UNIFORMER_ACTION_REASON_FLUSH
        : UNIFORMER_ACTION_REASON_STOPPED);
    uniformer_infer_send_actions (self, FALSE);
  }
  g_clear_pointer (&self->action_events, g_array_unref);
  g_queue_clear_full (&self->ready, uniformer_report_free);

  /* A track's worker drops a window still queued; one in a pass ends with
   * it: the state change does not wait for the GPU. start() or finalize()
   * waits for that pass and frees the track, then the model (and with it
   * maybe the device and the batcher). */
  give_back_phase (self);
  uniformer_infer_retire_tracks (self);
  uniformer_infer_free_retired (self, FALSE);
  g_clear_pointer (&self->track_config.batcher, uniformer_batcher_unref);
  self->track_config.model = NULL;
  if (self->retired->len > 0 && self->retired_model == NULL) {
    GST_OBJECT_LOCK (self);
    self->retired_model = g_steal_pointer (&self->model);
    self->retired_cache = g_steal_pointer (&self->model_cache);
    GST_OBJECT_UNLOCK (self);
  } else {
    /* waits only when an earlier stop's tracks are still in a pass */
    release_retired (self);
    drop_model (self);
  }
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
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY)
    uniformer_infer_set_flushing (self, TRUE);
  return GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);
}

/* ---- properties ---------------------------------------------------------- */


static void
gst_uniformer_infer_finalize (GObject * object)
{
  GstUniformerInfer *self = GST_UNIFORMER_INFER (object);

  release_retired (self);
  g_ptr_array_unref (self->tracks);
  g_ptr_array_unref (self->retired);
  g_mutex_clear (&self->tracks_lock);
  g_clear_pointer (&self->regions_prop, g_array_unref);
  g_free (self->region_type_prop);
  g_clear_pointer (&self->cache, uniformer_model_cache_unref);
  g_strfreev (self->labels);
  g_free (self->model_name);
  g_free (self->model_path);
  g_free (self->device_name);
  g_free (self->share_group);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_uniformer_infer_class_init (GstUniformerInferClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);

  GST_DEBUG_CATEGORY_INIT (gst_uniformer_infer_debug, "uniformerinfer", 0,
      "UniFormer action recognition");

  gobject_class->finalize = gst_uniformer_infer_finalize;

  uniformer_infer_install_properties (gobject_class);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "UniFormer action recognition",
      "Filter/Analyzer/Video",
      "Classifies the actions in a sliding window of video frames with a UniFormer model "
      "on Vulkan and attaches the results as GstUniformerMeta and bus messages",
      UNIFORMER_AUTHOR);

  element_class->change_state = GST_DEBUG_FUNCPTR (gst_uniformer_infer_change_state);
  element_class->set_context = GST_DEBUG_FUNCPTR (gst_uniformer_infer_set_context);
  trans_class->start = GST_DEBUG_FUNCPTR (gst_uniformer_infer_start);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_uniformer_infer_stop);
  trans_class->set_caps = GST_DEBUG_FUNCPTR (gst_uniformer_infer_set_caps);
  trans_class->sink_event = GST_DEBUG_FUNCPTR (gst_uniformer_infer_sink_event);
  trans_class->query = GST_DEBUG_FUNCPTR (gst_uniformer_infer_query);
  trans_class->before_transform = GST_DEBUG_FUNCPTR (uniformer_infer_before_transform);
  trans_class->transform_ip = GST_DEBUG_FUNCPTR (uniformer_infer_transform_ip);
}

static void
gst_uniformer_infer_init (GstUniformerInfer * self)
{
  uniformer_infer_settings_init (self);
  g_queue_init (&self->ready);
  g_mutex_init (&self->tracks_lock);
  self->tracks = g_ptr_array_new ();
  self->retired = g_ptr_array_new ();
  gst_base_transform_set_in_place (GST_BASE_TRANSFORM (self), TRUE);
  gst_base_transform_set_passthrough (GST_BASE_TRANSFORM (self), TRUE);
}
