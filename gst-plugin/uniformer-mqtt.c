/* uniformer-mqtt.c: the MQTT client of uniformerpublish, on the outbox's consumer thread. */
#include "uniformer-mqtt.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>
#include <mosquitto.h>

GST_DEBUG_CATEGORY_EXTERN (gst_uniformer_publish_debug);
#define GST_CAT_DEFAULT gst_uniformer_publish_debug

/* Messages handed to libmosquitto and not yet written (QoS 0) or
 * acknowledged (QoS 1, 2, across reconnections): its own queues stay this
 * short. Each ends as sent (on_publish) or lost (a dropped connection at
 * QoS 0, the element stopping). */
#define IN_FLIGHT 16
/* A broker that accepted the TCP connection but sent no CONNACK by then is
 * given up on (and retried). */
#define CONNACK_TIMEOUT_US (10 * G_USEC_PER_SEC)
/* Longest poll: libmosquitto's keep-alive bookkeeping runs about once a second. */
#define POLL_MS 1000

typedef enum {
  MQTT_OFFLINE,
  MQTT_CONNECTING,              /* TCP (and TLS) up, CONNECT sent, no CONNACK yet */
  MQTT_ONLINE,
} MqttState;

struct _UniformerMqtt
{
  struct mosquitto *mosq;
  gchar *host;
  gint port, qos, keep_alive;
  gint64 min_delay_us, max_delay_us;
  GWeakRef element;             /* for warnings; the thread may outlive it */

  /* Consumer-thread state (the callbacks run inside mosquitto_loop_*). */
  UniformerOutbox *box;         /* borrowed while running */
  MqttState state;
  gint64 delay_us, next_try, connack_deadline;
  guint in_flight;
  gboolean warned;              /* this outage was reported */
  gchar *refused;               /* the CONNACK's reason when refused */
};

static gpointer
init_library (gpointer unused)
{
  mosquitto_lib_init ();
  return NULL;
}

gboolean
uniformer_mqtt_topic_is_valid (const gchar * topic)
{
  return topic && *topic && mosquitto_pub_topic_check (topic) == MOSQ_ERR_SUCCESS
      && mosquitto_validate_utf8 (topic, (int) strlen (topic)) == MOSQ_ERR_SUCCESS;
}

/* An encrypted key would otherwise make OpenSSL ask on the terminal. */
static int
no_key_password (char *buf, int size, int rwflag, void *userdata)
{
  return 0;
}

static gboolean
check_readable (const gchar * what, const gchar * path, GError ** error)
{
  if (!path || access (path, R_OK) == 0)
    return TRUE;
  g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ,
      "Could not read the %s \"%s\": %s", what, path, g_strerror (errno));
  return FALSE;
}

static gboolean
set_up_tls (UniformerMqtt * m, const UniformerMqttSettings * s, GError ** error)
{
  int rc;

  if (!s->tls_ca_file && !s->tls_cert_file && !s->tls_key_file)
    return TRUE;
  if (!check_readable ("TLS CA file", s->tls_ca_file, error)
      || !check_readable ("TLS certificate file", s->tls_cert_file, error)
      || !check_readable ("TLS key file", s->tls_key_file, error))
    return FALSE;
  if (!s->tls_cert_file != !s->tls_key_file) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
        "tls-cert-file and tls-key-file go together");
    return FALSE;
  }
  /* Without a CA file the system's CA certificates are trusted. */
  if (!s->tls_ca_file)
    mosquitto_int_option (m->mosq, MOSQ_OPT_TLS_USE_OS_CERTS, 1);
  rc = mosquitto_tls_set (m->mosq, s->tls_ca_file, NULL, s->tls_cert_file, s->tls_key_file,
      no_key_password);
  if (rc != MOSQ_ERR_SUCCESS) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
        "Could not set up TLS: %s", mosquitto_strerror (rc));
    return FALSE;
  }
  return TRUE;
}

static void on_connect (struct mosquitto *mosq, void *data, int rc);
static void on_disconnect (struct mosquitto *mosq, void *data, int rc);
static void on_publish (struct mosquitto *mosq, void *data, int mid);

UniformerMqtt *
uniformer_mqtt_new (const UniformerMqttSettings * s, GstElement * element, GError ** error)
{
  static GOnce once = G_ONCE_INIT;
  UniformerMqtt *m;
  int rc;

  g_once (&once, init_library, NULL);
  if (!s->host || !*s->host) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS, "No MQTT host set");
    return NULL;
  }
  if (s->password && !s->username) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
        "A password needs a username");
    return NULL;
  }
  m = g_new0 (UniformerMqtt, 1);
  g_weak_ref_init (&m->element, element);
  m->mosq = mosquitto_new (s->client_id, TRUE, m);
  if (!m->mosq) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
        "Could not create an MQTT client%s%s: %s", s->client_id ? " with id " : "",
        s->client_id ? s->client_id : "", g_strerror (errno));
    uniformer_mqtt_free (m);
    return NULL;
  }
  m->host = g_strdup (s->host);
  m->port = s->port;
  m->qos = s->qos;
  m->keep_alive = s->keep_alive;
  m->min_delay_us = (gint64) MAX (s->reconnect_delay_ms, 1) * 1000;
  m->max_delay_us = MAX ((gint64) s->max_reconnect_delay_ms * 1000, m->min_delay_us);
  m->delay_us = m->min_delay_us;
  if (s->username && (rc = mosquitto_username_pw_set (m->mosq, s->username,
              s->password)) != MOSQ_ERR_SUCCESS) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
        "Bad MQTT username or password: %s", mosquitto_strerror (rc));
    uniformer_mqtt_free (m);
    return NULL;
  }
  if (!set_up_tls (m, s, error)) {
    uniformer_mqtt_free (m);
    return NULL;
  }
  mosquitto_connect_callback_set (m->mosq, on_connect);
  mosquitto_disconnect_callback_set (m->mosq, on_disconnect);
  mosquitto_publish_callback_set (m->mosq, on_publish);
  return m;
}

void
uniformer_mqtt_free (gpointer mqtt)
{
  UniformerMqtt *m = mqtt;

  if (!m)
    return;
  if (m->mosq)
    mosquitto_destroy (m->mosq);
  g_weak_ref_clear (&m->element);
  g_free (m->refused);
  g_free (m->host);
  g_free (m);
}

/* Once per outage: the first failed attempt, or the loss of a connection. */
static void
went_offline (UniformerMqtt * m, const gchar * what, const gchar * why)
{
  gchar *reason = g_strdup_printf ("%s the MQTT broker at %s:%d (%s)", what, m->host, m->port,
      why);
  GstElement *element;

  m->state = MQTT_OFFLINE;
  /* At QoS 0 what libmosquitto was still to write is gone (it discards it
   * at the next connect, without a callback): lost. At QoS 1 and 2 it keeps
   * the unacknowledged messages and sends them again once reconnected, so
   * they stay in flight, and are lost only if the element stops first. */
  if (m->qos == 0 && m->in_flight > 0) {
    uniformer_outbox_lost (m->box, m->in_flight);
    m->in_flight = 0;
  }
  m->next_try = g_get_monotonic_time () + m->delay_us;
  GST_INFO ("%s; next try in %" G_GINT64_FORMAT " ms", reason, m->delay_us / 1000);
  m->delay_us = MIN (m->delay_us * 2, m->max_delay_us);
  uniformer_outbox_set_online (m->box, FALSE, reason);
  if (!m->warned && !uniformer_outbox_is_closing (m->box)
      && (element = g_weak_ref_get (&m->element))) {
    GST_ELEMENT_WARNING (element, RESOURCE, OPEN_WRITE, ("%s; retrying.", reason),
        ("reconnecting with back-off up to %" G_GINT64_FORMAT " ms", m->max_delay_us / 1000));
    gst_object_unref (element);
  }
  m->warned = TRUE;
  g_free (reason);
}

static void
on_connect (struct mosquitto *mosq, void *data, int rc)
{
  UniformerMqtt *m = data;

  if (rc != 0) {
    /* The broker closes the connection; on_disconnect follows. */
    g_free (m->refused);
    m->refused = g_strdup (mosquitto_connack_string (rc));
    return;
  }
  GST_INFO ("connected to the MQTT broker at %s:%d", m->host, m->port);
  m->state = MQTT_ONLINE;
  m->delay_us = m->min_delay_us;
  m->warned = FALSE;
  uniformer_outbox_set_online (m->box, TRUE, NULL);
}

static void
on_disconnect (struct mosquitto *mosq, void *data, int rc)
{
  UniformerMqtt *m = data;

  if (m->refused) {
    went_offline (m, "Refused by", m->refused);
    g_clear_pointer (&m->refused, g_free);
  } else if (m->state == MQTT_ONLINE)
    went_offline (m, "Lost the connection to", rc ? mosquitto_strerror (rc) : "closed");
  else if (m->state == MQTT_CONNECTING)
    went_offline (m, "Could not connect to", rc ? mosquitto_strerror (rc) : "closed");
}

static void
on_publish (struct mosquitto *mosq, void *data, int mid)
{
  UniformerMqtt *m = data;

  if (m->in_flight > 0)
    m->in_flight--;
  uniformer_outbox_sent (m->box, 1);
}

static void
try_connect (UniformerMqtt * m)
{
  /* Blocking (TCP connect and TLS handshake) on this thread only: the
   * non-blocking connect of libmosquitto 2.0 needs its own loop thread. */
  int rc = mosquitto_connect (m->mosq, m->host, m->port, m->keep_alive);

  if (rc == MOSQ_ERR_SUCCESS) {
    m->state = MQTT_CONNECTING;
    m->connack_deadline = g_get_monotonic_time () + CONNACK_TIMEOUT_US;
  } else
    went_offline (m, "Could not connect to", rc == MOSQ_ERR_ERRNO ? g_strerror (errno)
        : mosquitto_strerror (rc));
}

static void
publish_queued (UniformerMqtt * m)
{
  while (m->state == MQTT_ONLINE && m->in_flight < IN_FLIGHT
      && !mosquitto_want_write (m->mosq)) {
    UniformerMessage *msg = uniformer_outbox_pop (m->box);
    int rc;

    if (!msg)
      return;
    m->in_flight++;
    rc = mosquitto_publish (m->mosq, NULL, msg->topic, (int) strlen (msg->payload),
        msg->payload, m->qos, false);
    if (rc != MOSQ_ERR_SUCCESS) {
      GST_WARNING ("publishing to %s: %s", msg->topic, mosquitto_strerror (rc));
      m->in_flight--;
      uniformer_outbox_lost (m->box, 1);
    }
    uniformer_message_free (msg);
  }
}

/* One round of network I/O, waiting at most @timeout_ms. */
static void
poll_once (UniformerMqtt * m, int timeout_ms)
{
  struct pollfd fds[2] = { {uniformer_outbox_fd (m->box), POLLIN, 0} };
  int sock = mosquitto_socket (m->mosq);
  nfds_t n = 1;

  if (sock >= 0) {
    fds[1].fd = sock;
    fds[1].events = POLLIN | (mosquitto_want_write (m->mosq) ? POLLOUT : 0);
    n = 2;
  }
  if (poll (fds, n, timeout_ms) < 0 && errno != EINTR)
    GST_WARNING ("poll: %s", g_strerror (errno));
  if (fds[0].revents)
    uniformer_outbox_clear_wakeup (m->box);
  if (sock < 0)
    return;
  /* Errors close the socket and call on_disconnect. */
  if (fds[1].revents & (POLLIN | POLLERR | POLLHUP))
    mosquitto_loop_read (m->mosq, 1);
  if ((fds[1].revents & POLLOUT) && mosquitto_socket (m->mosq) >= 0)
    mosquitto_loop_write (m->mosq, 1);
  mosquitto_loop_misc (m->mosq);
}

static int
wait_ms (gint64 until, gint64 now)
{
  return (int) CLAMP ((until - now + 999) / 1000, 0, POLL_MS);
}

void
uniformer_mqtt_run (UniformerOutbox * box, gpointer mqtt)
{
  UniformerMqtt *m = mqtt;

  m->box = box;
  uniformer_outbox_set_online (box, FALSE, "connecting");
  for (;;) {
    gint64 now = g_get_monotonic_time ();
    gint64 deadline = uniformer_outbox_close_deadline (box);
    int timeout = POLL_MS;

    if (deadline != G_MAXINT64) {
      /* Closing: deliver what is queued while connected (or while the
       * broker's CONNACK is still to come: a stop soon after the start)
       * and time is left; no new connection attempts. */
      gboolean done = uniformer_outbox_is_empty (box) && m->in_flight == 0
          && !mosquitto_want_write (m->mosq);
      if (m->state == MQTT_OFFLINE || done || now >= deadline)
        break;
      timeout = wait_ms (deadline, now);
    }
    if (m->state == MQTT_OFFLINE && deadline == G_MAXINT64) {
      if (now >= m->next_try)
        try_connect (m);
      if (m->state == MQTT_OFFLINE)
        timeout = wait_ms (m->next_try, g_get_monotonic_time ());
    }
    if (m->state == MQTT_CONNECTING && now >= m->connack_deadline) {
      mosquitto_disconnect (m->mosq);
      went_offline (m, "Could not connect to", "no CONNACK");
    }
    publish_queued (m);
    poll_once (m, timeout);
    publish_queued (m);
  }
  if (m->state != MQTT_OFFLINE) {
    m->state = MQTT_OFFLINE;    /* on_disconnect: nothing to report */
    mosquitto_disconnect (m->mosq);
    mosquitto_loop_write (m->mosq, 1);
  }
  uniformer_outbox_discard (box);
  if (m->in_flight)
    uniformer_outbox_lost (box, m->in_flight);
  uniformer_outbox_set_online (box, FALSE, "stopped");
  m->box = NULL;
}
