/* gstuniformerpublish-private.h: the uniformerpublish instance, shared by
 * the element (gstuniformerpublish.c: stream, queueing, start and stop) and
 * its properties (uniformer-publish-properties.c). */
#ifndef GST_UNIFORMER_PUBLISH_PRIVATE_H
#define GST_UNIFORMER_PUBLISH_PRIVATE_H

#include <gst/base/gstbasetransform.h>

#include "gstuniformerpublish.h"
#include "uniformer-outbox.h"

G_BEGIN_DECLS

GST_DEBUG_CATEGORY_EXTERN (gst_uniformer_publish_debug);

#define GST_TYPE_UNIFORMER_PUBLISH (gst_uniformer_publish_get_type ())
G_DECLARE_FINAL_TYPE (GstUniformerPublish, gst_uniformer_publish, GST, UNIFORMER_PUBLISH,
    GstBaseTransform);

typedef enum {
  UNIFORMER_PUBLISH_FILE,
  UNIFORMER_PUBLISH_MQTT,
} UniformerPublishMode;

#define GST_TYPE_UNIFORMER_PUBLISH_MODE (gst_uniformer_publish_mode_get_type ())

#define SOURCE_PLACEHOLDER "{source}"
#define DEFAULT_MODE UNIFORMER_PUBLISH_FILE
#define DEFAULT_LOCATION "-"
#define DEFAULT_HOST "localhost"
#define DEFAULT_PORT 1883
#define DEFAULT_TOPIC "uniformer/" SOURCE_PLACEHOLDER
#define DEFAULT_QOS 0
#define DEFAULT_KEEP_ALIVE 60
#define DEFAULT_MAX_QUEUE 1000
#define DEFAULT_RECONNECT_DELAY 500
#define DEFAULT_MAX_RECONNECT_DELAY 30000

enum
{
  PROP_0,
  PROP_MODE,
  PROP_LOCATION,
  PROP_SOURCE_NAME,
  PROP_HOST,
  PROP_PORT,
  PROP_TOPIC,
  PROP_CLIENT_ID,
  PROP_QOS,
  PROP_KEEP_ALIVE,
  PROP_USERNAME,
  PROP_PASSWORD,
  PROP_TLS_CA_FILE,
  PROP_TLS_CERT_FILE,
  PROP_TLS_KEY_FILE,
  PROP_MAX_QUEUE,
  PROP_RECONNECT_DELAY,
  PROP_MAX_RECONNECT_DELAY,
  PROP_MESSAGES_PUBLISHED,
  PROP_MESSAGES_DROPPED,
  PROP_CONNECTED,
};

struct _GstUniformerPublish
{
  GstBaseTransform parent;

  /* Properties, under the object lock. */
  UniformerPublishMode mode;
  gchar *location, *source_name, *host, *topic, *client_id;
  gchar *username, *password, *tls_ca_file, *tls_cert_file, *tls_key_file;
  gint port, qos, keep_alive;
  guint max_queue, reconnect_delay, max_reconnect_delay;

  /* From start() to stop(); the pointer under the object lock. */
  UniformerOutbox *outbox;
  guint64 last_published, last_dropped; /* the counters after stop() */

  /* Streaming thread. */
  UniformerPublishMode running_mode;
  guint running_max_queue;
  gchar *topic_template;
  gchar *stream_id;
  gchar *source;                /* resolved on the first message of a stream */
  gchar *stream_topic;
  gint64 last_drop_warning;     /* monotonic; 0: none yet */
  guint64 dropped_at_warning;
};

GType gst_uniformer_publish_mode_get_type (void);

/* uniformer-publish-properties.c */
void uniformer_publish_install_properties (GObjectClass * klass);
void uniformer_publish_init_properties (GstUniformerPublish * self);
void uniformer_publish_free_properties (GstUniformerPublish * self);
void uniformer_publish_set_property (GObject * object, guint prop_id, const GValue * value,
    GParamSpec * pspec);
void uniformer_publish_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec);

G_END_DECLS

#endif /* GST_UNIFORMER_PUBLISH_PRIVATE_H */
