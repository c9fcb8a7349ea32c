/* uniformer-mqtt.h: uniformerpublish's MQTT output, a libmosquitto client run
 * by the outbox's consumer thread.
 *
 * The thread connects, publishes what the outbox holds and, when the broker
 * goes away, reconnects with exponential back-off (reconnect_delay_ms
 * doubling up to max_reconnect_delay_ms); meanwhile messages wait in the
 * outbox, whose oldest are dropped when it is full. At most a few messages
 * are handed to libmosquitto at a time (IN_FLIGHT in the .c), so its own
 * queue stays small and the outbox bound holds. Connection problems are
 * posted on the element's bus as warnings, once per outage.
 */
#ifndef UNIFORMER_MQTT_H
#define UNIFORMER_MQTT_H

#include <gst/gst.h>
#include "uniformer-outbox.h"

G_BEGIN_DECLS

typedef struct {
  const gchar *host;
  gint port;
  const gchar *client_id;       /* NULL: libmosquitto makes one up */
  gint qos;                     /* 0..2 */
  gint keep_alive;              /* seconds, >= 5 */
  const gchar *username, *password;     /* NULL: none */
  const gchar *tls_ca_file, *tls_cert_file, *tls_key_file;      /* any set: TLS */
  guint reconnect_delay_ms, max_reconnect_delay_ms;
} UniformerMqttSettings;

typedef struct _UniformerMqtt UniformerMqtt;

/* Sets the client up (no connection yet). Fails with a GST_RESOURCE_ERROR:
 * SETTINGS for bad settings, OPEN_READ for a TLS file it cannot read. */
UniformerMqtt *uniformer_mqtt_new (const UniformerMqttSettings * settings,
    GstElement * element, GError ** error);
/* An UniformerOutboxRun and its GDestroyNotify. */
void uniformer_mqtt_run (UniformerOutbox * box, gpointer mqtt);
void uniformer_mqtt_free (gpointer mqtt);

/* Whether @topic is one MQTT may publish to (no wildcards, valid UTF-8). */
gboolean uniformer_mqtt_topic_is_valid (const gchar * topic);

G_END_DECLS

#endif /* UNIFORMER_MQTT_H */
