/* gstuniformerpublish.c: publishes uniformerinfer's results and actions as JSON. */

/**
 * SECTION:element-uniformerpublish
 * @title: uniformerpublish
 *
 * Writes every classification result (the #GstUniformerMeta that
 * uniformerinfer attaches to buffers, or in its region modes the "uniformer"
 * parameter of each #GstVideoRegionOfInterestMeta, with the track and box)
 * and every action event (the
 * serialized custom downstream events named `uniformer-action`) as one JSON
 * object: as lines of a file or of standard output (`mode=file`,
 * `location`), or as MQTT messages (`mode=mqtt`) to `topic` on the broker at
 * `host`:`port`, `{source}` in the topic standing for the stream's name.
 * docs/result-schema.md describes the objects. Buffers and events pass
 * through untouched.
 *
 * The streaming thread never waits for the output: messages go through a
 * queue of at most `max-queue` messages to a thread of the element's own,
 * which writes the file or runs the MQTT client. When the queue is full
 * (a broker that went away, a reader that stopped reading standard output)
 * the oldest messages are dropped and counted in `messages-dropped`, with
 * a warning on the bus at most every 10 seconds. The MQTT client reconnects
 * with exponential back-off, from `reconnect-delay` up to
 * `max-reconnect-delay`, and a warning says when the broker cannot be
 * reached. At EOS in file mode the element waits (2 s at most) until the
 * queued lines are written, so the file is complete when EOS arrives
 * downstream.
 *
 * The stream's name ("source" in the messages) is `source-name`, else the
 * name of the upstream source element (rtspsrc0, or what `name=` gave it),
 * else the stream id.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 videotestsrc num-buffers=90 ! uniformerinfer ! \
 *     uniformerpublish location=results.jsonl ! fakesink
 * gst-launch-1.0 v4l2src ! videoconvert ! uniformerinfer ! \
 *     uniformerpublish mode=mqtt host=broker.local topic="cameras/{source}" \
 *     source-name=door ! fakesink
 * ]|
 */
#include "gstuniformerpublish-private.h"

#include <string.h>
#include <gst/video/video.h>

#include "gstuniformermeta.h"
#include "uniformer-filewriter.h"
#include "uniformer-json.h"
#include "uniformer-mqtt.h"

GST_DEBUG_CATEGORY (gst_uniformer_publish_debug);
#define GST_CAT_DEFAULT gst_uniformer_publish_debug

#define ACTION_EVENT_NAME "uniformer-action"
/* Drop warnings on the bus at most this often. */
#define DROP_WARNING_INTERVAL_US (10 * G_USEC_PER_SEC)
/* How long EOS waits for the file, and stopping for the broker, to take
 * what is queued. */
#define EOS_WAIT_US (2 * G_USEC_PER_SEC)
#define STOP_GRACE_US (2 * G_USEC_PER_SEC)

G_DEFINE_TYPE (GstUniformerPublish, gst_uniformer_publish, GST_TYPE_BASE_TRANSFORM);
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (uniformerpublish, "uniformerpublish", GST_RANK_NONE,
    GST_TYPE_UNIFORMER_PUBLISH,
    GST_DEBUG_CATEGORY_INIT (gst_uniformer_publish_debug, "uniformerpublish", 0,
        "UniFormer result publisher"));

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

/* ---- the stream's name ---------------------------------------------------- */

/* The element at the head of the chain upstream (through bins' ghost pads):
 * the first one without a linked sink pad. */
static gchar *
upstream_source_name (GstUniformerPublish * self)
{
  GstPad *pad = gst_pad_get_peer (GST_BASE_TRANSFORM_SINK_PAD (self));
  gchar *name = NULL;

  for (guint hops = 0; pad && hops < 256; hops++) {
    GstElement *element = gst_pad_get_parent_element (pad);
    GstIterator *it;
    GValue item = G_VALUE_INIT;

    gst_clear_object (&pad);
    if (!element)
      break;
    it = gst_element_iterate_sink_pads (element);
    if (gst_iterator_next (it, &item) == GST_ITERATOR_OK) {
      pad = gst_pad_get_peer (g_value_get_object (&item));
      g_value_unset (&item);
    }
    gst_iterator_free (it);
    if (!pad)
      name = gst_element_get_name (element);
    gst_object_unref (element);
  }
  gst_clear_object (&pad);
  return name;
}

/* A name in a topic must not add MQTT wildcards. */
static gchar *
topic_for_source (const gchar * template, const gchar * source)
{
  gchar *safe = g_strdup (source);
  gchar **parts;
  gchar *topic;

  g_strdelimit (safe, "+#", '_');
  parts = g_strsplit (template, SOURCE_PLACEHOLDER, -1);
  topic = g_strjoinv (safe, parts);
  g_strfreev (parts);
  g_free (safe);
  return topic;
}

static void
resolve_source (GstUniformerPublish * self)
{
  if (self->source)
    return;
  GST_OBJECT_LOCK (self);
  self->source = g_strdup (self->source_name);
  GST_OBJECT_UNLOCK (self);
  if (!self->source)
    self->source = upstream_source_name (self);
  if (!self->source && self->stream_id)
    self->source = g_strdup (self->stream_id);
  if (!self->source)
    self->source = gst_object_get_name (GST_OBJECT (self));
  if (self->running_mode == UNIFORMER_PUBLISH_MQTT)
    self->stream_topic = topic_for_source (self->topic_template, self->source);
  GST_INFO_OBJECT (self, "stream \"%s\"%s%s", self->source,
      self->stream_topic ? ", topic " : "", self->stream_topic ? self->stream_topic : "");
}

static void
forget_stream (GstUniformerPublish * self)
{
  g_clear_pointer (&self->source, g_free);
  g_clear_pointer (&self->stream_topic, g_free);
}

/* ---- queueing ------------------------------------------------------------- */

static void
warn_dropped (GstUniformerPublish * self)
{
  gint64 now = g_get_monotonic_time ();
  guint64 dropped, fresh;
  gchar *why_not = NULL;
  gboolean online;

  if (self->last_drop_warning && now - self->last_drop_warning < DROP_WARNING_INTERVAL_US)
    return;
  dropped = uniformer_outbox_dropped_count (self->outbox);
  fresh = dropped - self->dropped_at_warning;
  online = uniformer_outbox_get_online (self->outbox, &why_not);
  GST_ELEMENT_WARNING (self, RESOURCE, WRITE,
      ("Dropped %" G_GUINT64_FORMAT " message%s (the queue of %u is full): %s.", fresh,
          fresh == 1 ? "" : "s", self->running_max_queue,
          online ? "the output does not keep up" : why_not),
      ("%" G_GUINT64_FORMAT " dropped since the start; warnings at most every %d s",
          dropped, (int) (DROP_WARNING_INTERVAL_US / G_USEC_PER_SEC)));
  self->last_drop_warning = now;
  self->dropped_at_warning = dropped;
  g_free (why_not);
}

static void
publish (GstUniformerPublish * self, gchar * payload)
{
  GST_LOG_OBJECT (self, "%s", payload);
  if (!self->outbox) {
    g_free (payload);
    return;
  }
  if (!uniformer_outbox_push (self->outbox, g_strdup (self->stream_topic), payload))
    warn_dropped (self);
}

static UniformerJsonContext
json_context (GstUniformerPublish * self)
{
  UniformerJsonContext ctx = { self->source, self->stream_id, g_get_real_time () };

  return ctx;
}

static GstFlowReturn
gst_uniformer_publish_transform_ip (GstBaseTransform * trans, GstBuffer * buf)
{
  GstUniformerPublish *self = GST_UNIFORMER_PUBLISH (trans);
  GstUniformerMeta *meta = gst_buffer_get_uniformer_meta (buf);
  GstClockTime pts = GST_BUFFER_PTS (buf), running_time = GST_CLOCK_TIME_NONE;
  GstClockTime stream_time = GST_CLOCK_TIME_NONE;
  UniformerJsonContext ctx;
  gpointer state = NULL;
  GstMeta *m;
  GPtrArray *regions = NULL;

  /* the region modes' results: a parameter of each region's meta */
  while ((m = gst_buffer_iterate_meta_filtered (buf, &state,
              GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
    GstStructure *param = gst_video_region_of_interest_meta_get_param (
        (GstVideoRegionOfInterestMeta *) m, "uniformer");

    if (param) {
      regions = regions ? regions : g_ptr_array_new ();
      g_ptr_array_add (regions, param);
    }
  }
  if (!meta && !regions)
    return GST_FLOW_OK;
  resolve_source (self);
  if (trans->segment.format == GST_FORMAT_TIME && GST_CLOCK_TIME_IS_VALID (pts)) {
    running_time = gst_segment_to_running_time (&trans->segment, GST_FORMAT_TIME, pts);
    stream_time = gst_segment_to_stream_time (&trans->segment, GST_FORMAT_TIME, pts);
  }
  ctx = json_context (self);
  if (meta)
    publish (self, uniformer_json_result (&ctx, meta, pts, running_time, stream_time));
  for (guint i = 0; regions && i < regions->len; i++)
    publish (self, uniformer_json_region_result (&ctx, regions->pdata[i], pts, running_time,
            stream_time));
  if (regions)
    g_ptr_array_unref (regions);
  return GST_FLOW_OK;
}

static gboolean
gst_uniformer_publish_sink_event (GstBaseTransform * trans, GstEvent * event)
{
  GstUniformerPublish *self = GST_UNIFORMER_PUBLISH (trans);
  const GstStructure *s;

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_STREAM_START:{
      const gchar *id = NULL;

      gst_event_parse_stream_start (event, &id);
      if (g_strcmp0 (id, self->stream_id) != 0) {
        g_free (self->stream_id);
        self->stream_id = g_strdup (id);
        forget_stream (self);
      }
      break;
    }
    case GST_EVENT_CUSTOM_DOWNSTREAM:
      s = gst_event_get_structure (event);
      if (s && gst_structure_has_name (s, ACTION_EVENT_NAME)) {
        UniformerJsonContext ctx;

        resolve_source (self);
        ctx = json_context (self);
        publish (self, uniformer_json_action (&ctx, s));
      }
      break;
    case GST_EVENT_EOS:
      if (self->running_mode == UNIFORMER_PUBLISH_FILE && self->outbox
          && !uniformer_outbox_wait_drained (self->outbox,
              g_get_monotonic_time () + EOS_WAIT_US))
        GST_WARNING_OBJECT (self, "EOS: lines still queued after %d s",
            (int) (EOS_WAIT_US / G_USEC_PER_SEC));
      break;
    default:
      break;
  }
  return GST_BASE_TRANSFORM_CLASS (gst_uniformer_publish_parent_class)->sink_event (trans,
      event);
}

/* ---- start and stop ------------------------------------------------------- */

static void
post_gerror (GstUniformerPublish * self, GError * error, const gchar * text)
{
  gst_element_message_full (GST_ELEMENT (self), GST_MESSAGE_ERROR, error->domain,
      error->code, g_strdup (text ? text : error->message), g_strdup (error->message),
      __FILE__, GST_FUNCTION, __LINE__);
}

static gboolean
start_file (GstUniformerPublish * self, const gchar * location)
{
  GError *error = NULL;
  UniformerFileWriter *writer = uniformer_file_writer_open (location, GST_ELEMENT (self),
      &error);

  if (!writer) {
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_WRITE,
        ("Could not open file \"%s\" for writing.", location), ("%s", error->message));
    g_error_free (error);
    return FALSE;
  }
  if (!uniformer_outbox_start (self->outbox, "uf-publish-file", uniformer_file_writer_run,
          writer, uniformer_file_writer_free, &error)) {
    GST_ELEMENT_ERROR (self, RESOURCE, FAILED, ("Could not start the writing thread."),
        ("%s", error->message));
    g_error_free (error);
    return FALSE;
  }
  return TRUE;
}

static gboolean
start_mqtt (GstUniformerPublish * self, const UniformerMqttSettings * settings)
{
  GError *error = NULL;
  gchar *example = topic_for_source (self->topic_template, "source");
  gboolean topic_ok = uniformer_mqtt_topic_is_valid (example);
  UniformerMqtt *mqtt;

  g_free (example);
  if (!topic_ok) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("Invalid MQTT topic \"%s\".",
            self->topic_template), ("a topic to publish to is not empty and has no + or #"));
    return FALSE;
  }
  mqtt = uniformer_mqtt_new (settings, GST_ELEMENT (self), &error);
  if (!mqtt) {
    post_gerror (self, error, NULL);
    g_error_free (error);
    return FALSE;
  }
  if (!uniformer_outbox_start (self->outbox, "uf-publish-mqtt", uniformer_mqtt_run, mqtt,
          uniformer_mqtt_free, &error)) {
    GST_ELEMENT_ERROR (self, RESOURCE, FAILED, ("Could not start the MQTT thread."),
        ("%s", error->message));
    g_error_free (error);
    return FALSE;
  }
  return TRUE;
}

/* The MQTT settings, copied under the object lock (strings owned). */
static UniformerMqttSettings
copy_mqtt_settings (GstUniformerPublish * self)
{
  UniformerMqttSettings m = {
    g_strdup (self->host), self->port, g_strdup (self->client_id), self->qos,
    self->keep_alive, g_strdup (self->username), g_strdup (self->password),
    g_strdup (self->tls_ca_file), g_strdup (self->tls_cert_file),
    g_strdup (self->tls_key_file), self->reconnect_delay, self->max_reconnect_delay
  };

  return m;
}

static void
free_mqtt_settings (UniformerMqttSettings * m)
{
  g_free ((gchar *) m->host);
  g_free ((gchar *) m->client_id);
  g_free ((gchar *) m->username);
  g_free ((gchar *) m->password);
  g_free ((gchar *) m->tls_ca_file);
  g_free ((gchar *) m->tls_cert_file);
  g_free ((gchar *) m->tls_key_file);
}

static gboolean
gst_uniformer_publish_start (GstBaseTransform * trans)
{
  GstUniformerPublish *self = GST_UNIFORMER_PUBLISH (trans);
  UniformerOutbox *box;
  UniformerMqttSettings mqtt;
  GError *error = NULL;
  gchar *location;
  gboolean ok;

  GST_OBJECT_LOCK (self);
  box = uniformer_outbox_new (self->max_queue, &error);
  self->running_mode = self->mode;
  self->running_max_queue = self->max_queue;
  g_free (self->topic_template);
  self->topic_template = g_strdup (self->topic ? self->topic : DEFAULT_TOPIC);
  location = g_strdup (self->location ? self->location : DEFAULT_LOCATION);
  mqtt = copy_mqtt_settings (self);
  GST_OBJECT_UNLOCK (self);

  self->last_drop_warning = 0;
  self->dropped_at_warning = 0;
  if (!box) {
    GST_ELEMENT_ERROR (self, RESOURCE, FAILED, ("Could not set up the message queue."),
        ("%s", error->message));
    g_error_free (error);
    ok = FALSE;
  } else {
    GST_OBJECT_LOCK (self);
    self->outbox = box;
    GST_OBJECT_UNLOCK (self);
    if (self->running_mode == UNIFORMER_PUBLISH_FILE)
      ok = start_file (self, location);
    else
      ok = start_mqtt (self, &mqtt);
    if (!ok) {
      GST_OBJECT_LOCK (self);
      self->outbox = NULL;
      GST_OBJECT_UNLOCK (self);
      uniformer_outbox_unref (box);
    }
  }
  g_free (location);
  free_mqtt_settings (&mqtt);
  return ok;
}

static gboolean
gst_uniformer_publish_stop (GstBaseTransform * trans)
{
  GstUniformerPublish *self = GST_UNIFORMER_PUBLISH (trans);
  UniformerOutbox *box = self->outbox;

  if (box) {
    if (!uniformer_outbox_stop (box, STOP_GRACE_US))
      GST_WARNING_OBJECT (self, "the output thread is still busy (in a connect?); "
          "leaving it to finish on its own");
    GST_OBJECT_LOCK (self);
    self->last_published = uniformer_outbox_sent_count (box);
    self->last_dropped = uniformer_outbox_dropped_count (box);
    self->outbox = NULL;
    GST_OBJECT_UNLOCK (self);
    GST_INFO_OBJECT (self, "%" G_GUINT64_FORMAT " messages published, %" G_GUINT64_FORMAT
        " dropped", self->last_published, self->last_dropped);
    uniformer_outbox_unref (box);
  }
  forget_stream (self);
  g_clear_pointer (&self->stream_id, g_free);
  return TRUE;
}

/* ---- GObject -------------------------------------------------------------- */

static void
gst_uniformer_publish_finalize (GObject * object)
{
  GstUniformerPublish *self = GST_UNIFORMER_PUBLISH (object);

  uniformer_publish_free_properties (self);
  g_free (self->topic_template);
  g_free (self->stream_id);
  forget_stream (self);
  G_OBJECT_CLASS (gst_uniformer_publish_parent_class)->finalize (object);
}

static void
gst_uniformer_publish_init (GstUniformerPublish * self)
{
  uniformer_publish_init_properties (self);
  gst_base_transform_set_passthrough (GST_BASE_TRANSFORM (self), TRUE);
  gst_base_transform_set_in_place (GST_BASE_TRANSFORM (self), TRUE);
}

static void
gst_uniformer_publish_class_init (GstUniformerPublishClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);

  gobject_class->set_property = uniformer_publish_set_property;
  gobject_class->get_property = uniformer_publish_get_property;
  gobject_class->finalize = gst_uniformer_publish_finalize;

  uniformer_publish_install_properties (gobject_class);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "UniFormer result publisher",
      "Filter/Metadata", "Writes the action classes and action events found by "
      "uniformerinfer as JSON, to a file or an MQTT broker", UNIFORMER_AUTHOR);
  gst_type_mark_as_plugin_api (GST_TYPE_UNIFORMER_PUBLISH_MODE, 0);

  trans_class->start = GST_DEBUG_FUNCPTR (gst_uniformer_publish_start);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_uniformer_publish_stop);
  trans_class->transform_ip = GST_DEBUG_FUNCPTR (gst_uniformer_publish_transform_ip);
  trans_class->sink_event = GST_DEBUG_FUNCPTR (gst_uniformer_publish_sink_event);
  trans_class->transform_ip_on_passthrough = TRUE;
}
