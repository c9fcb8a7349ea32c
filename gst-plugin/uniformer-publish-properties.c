/* uniformer-publish-properties.c: uniformerpublish's properties: their
 * specs, defaults, the mode enum and the set/get handlers, which work
 * under the object lock. */
#include "gstuniformerpublish-private.h"

GType
gst_uniformer_publish_mode_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {UNIFORMER_PUBLISH_FILE, "JSON lines to the file at location (- for standard output)",
        "file"},
    {UNIFORMER_PUBLISH_MQTT, "MQTT messages to the broker at host:port", "mqtt"},
    {0, NULL, NULL},
  };

  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstUniformerPublishMode", values));
  return type;
}

static void
set_string (GstUniformerPublish * self, gchar ** field, const GValue * value)
{
  const gchar *s = g_value_get_string (value);

  GST_OBJECT_LOCK (self);
  g_free (*field);
  *field = s && *s ? g_strdup (s) : NULL;
  GST_OBJECT_UNLOCK (self);
}

static gchar **
string_field (GstUniformerPublish * self, guint prop_id)
{
  switch (prop_id) {
    case PROP_LOCATION:
      return &self->location;
    case PROP_SOURCE_NAME:
      return &self->source_name;
    case PROP_HOST:
      return &self->host;
    case PROP_TOPIC:
      return &self->topic;
    case PROP_CLIENT_ID:
      return &self->client_id;
    case PROP_USERNAME:
      return &self->username;
    case PROP_PASSWORD:
      return &self->password;
    case PROP_TLS_CA_FILE:
      return &self->tls_ca_file;
    case PROP_TLS_CERT_FILE:
      return &self->tls_cert_file;
    case PROP_TLS_KEY_FILE:
      return &self->tls_key_file;
    default:
      return NULL;
  }
}

static gint *
int_field (GstUniformerPublish * self, guint prop_id)
{
  switch (prop_id) {
    case PROP_PORT:
      return &self->port;
    case PROP_QOS:
      return &self->qos;
    case PROP_KEEP_ALIVE:
      return &self->keep_alive;
    default:
      return NULL;
  }
}

static guint *
uint_field (GstUniformerPublish * self, guint prop_id)
{
  switch (prop_id) {
    case PROP_MAX_QUEUE:
      return &self->max_queue;
    case PROP_RECONNECT_DELAY:
      return &self->reconnect_delay;
    case PROP_MAX_RECONNECT_DELAY:
      return &self->max_reconnect_delay;
    default:
      return NULL;
  }
}

void
uniformer_publish_set_property (GObject * object, guint prop_id, const GValue * value,
    GParamSpec * pspec)
{
  GstUniformerPublish *self = GST_UNIFORMER_PUBLISH (object);
  gchar **s = string_field (self, prop_id);
  gint *i = int_field (self, prop_id);
  guint *u = uint_field (self, prop_id);

  if (s) {
    set_string (self, s, value);
    return;
  }
  GST_OBJECT_LOCK (self);
  if (prop_id == PROP_MODE)
    self->mode = g_value_get_enum (value);
  else if (i)
    *i = g_value_get_int (value);
  else if (u)
    *u = g_value_get_uint (value);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  GST_OBJECT_UNLOCK (self);
}

void
uniformer_publish_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  GstUniformerPublish *self = GST_UNIFORMER_PUBLISH (object);
  gchar **s = string_field (self, prop_id);
  gint *i = int_field (self, prop_id);
  guint *u = uint_field (self, prop_id);

  GST_OBJECT_LOCK (self);
  if (s)
    g_value_set_string (value, *s);
  else if (i)
    g_value_set_int (value, *i);
  else if (u)
    g_value_set_uint (value, *u);
  else if (prop_id == PROP_MODE)
    g_value_set_enum (value, self->mode);
  else if (prop_id == PROP_MESSAGES_PUBLISHED)
    g_value_set_uint64 (value, self->outbox ? uniformer_outbox_sent_count (self->outbox)
        : self->last_published);
  else if (prop_id == PROP_MESSAGES_DROPPED)
    g_value_set_uint64 (value, self->outbox ? uniformer_outbox_dropped_count (self->outbox)
        : self->last_dropped);
  else if (prop_id == PROP_CONNECTED)
    g_value_set_boolean (value, self->outbox
        && uniformer_outbox_get_online (self->outbox, NULL));
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  GST_OBJECT_UNLOCK (self);
}

void
uniformer_publish_init_properties (GstUniformerPublish * self)
{
  self->mode = DEFAULT_MODE;
  self->location = g_strdup (DEFAULT_LOCATION);
  self->host = g_strdup (DEFAULT_HOST);
  self->port = DEFAULT_PORT;
  self->topic = g_strdup (DEFAULT_TOPIC);
  self->qos = DEFAULT_QOS;
  self->keep_alive = DEFAULT_KEEP_ALIVE;
  self->max_queue = DEFAULT_MAX_QUEUE;
  self->reconnect_delay = DEFAULT_RECONNECT_DELAY;
  self->max_reconnect_delay = DEFAULT_MAX_RECONNECT_DELAY;
}

void
uniformer_publish_free_properties (GstUniformerPublish * self)
{
  for (guint p = PROP_MODE; p <= PROP_TLS_KEY_FILE; p++) {
    gchar **s = string_field (self, p);
    if (s)
      g_clear_pointer (s, g_free);
  }
}

#define RW_READY (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY)
#define READ_ONLY (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS)

static void
install_string (GObjectClass * klass, guint id, const gchar * name, const gchar * nick,
    const gchar * blurb, const gchar * def, GParamFlags flags)
{
  g_object_class_install_property (klass, id, g_param_spec_string (name, nick, blurb, def,
          flags));
}

void
uniformer_publish_install_properties (GObjectClass * gobject_class)
{
  g_object_class_install_property (gobject_class, PROP_MODE,
      g_param_spec_enum ("mode", "Mode", "Where the messages go: JSON lines to a file, or an "
          "MQTT broker", GST_TYPE_UNIFORMER_PUBLISH_MODE, DEFAULT_MODE, RW_READY));
  install_string (gobject_class, PROP_LOCATION, "location", "Location", "mode=file: the file "
      "to write (truncated at start), or - for standard output", DEFAULT_LOCATION, RW_READY);
  install_string (gobject_class, PROP_SOURCE_NAME, "source-name", "Source name", "The "
      "stream's name in the messages and in the topic's {source}; default: the upstream "
      "source element's name, else the stream id", NULL, RW_READY);
  install_string (gobject_class, PROP_HOST, "host", "Host", "mode=mqtt: the broker's host "
      "name or address", DEFAULT_HOST, RW_READY);
  g_object_class_install_property (gobject_class, PROP_PORT,
      g_param_spec_int ("port", "Port", "mode=mqtt: the broker's TCP port (1883 plain, "
          "usually 8883 with TLS)", 1, 65535, DEFAULT_PORT, RW_READY));
  install_string (gobject_class, PROP_TOPIC, "topic", "Topic", "mode=mqtt: the topic to "
      "publish to; {source} is replaced by the stream's name (+ and # in it by _)",
      DEFAULT_TOPIC, RW_READY);
  install_string (gobject_class, PROP_CLIENT_ID, "client-id", "Client id", "mode=mqtt: the "
      "MQTT client id; default: a random one", NULL, RW_READY);
  g_object_class_install_property (gobject_class, PROP_QOS,
      g_param_spec_int ("qos", "QoS", "mode=mqtt: MQTT quality of service: 0 at most once, "
          "1 at least once, 2 exactly once", 0, 2, DEFAULT_QOS, RW_READY));
  g_object_class_install_property (gobject_class, PROP_KEEP_ALIVE,
      g_param_spec_int ("keep-alive", "Keep alive", "mode=mqtt: seconds between pings "
          "when nothing else is sent, after which a silent broker counts as gone", 5, 65535,
          DEFAULT_KEEP_ALIVE, RW_READY));
  install_string (gobject_class, PROP_USERNAME, "username", "Username", "mode=mqtt: the "
      "username to log in with; default: none", NULL, RW_READY);
  install_string (gobject_class, PROP_PASSWORD, "password", "Password", "mode=mqtt: the "
      "password, with username (write-only)", NULL,
      G_PARAM_WRITABLE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);
  install_string (gobject_class, PROP_TLS_CA_FILE, "tls-ca-file", "TLS CA file",
      "mode=mqtt: PEM file of the CA certificates to trust; setting this or "
      "tls-cert-file turns TLS on (without it the system's CAs are trusted)", NULL, RW_READY);
  install_string (gobject_class, PROP_TLS_CERT_FILE, "tls-cert-file", "TLS certificate file",
      "mode=mqtt: PEM file of the client certificate, with tls-key-file", NULL, RW_READY);
  install_string (gobject_class, PROP_TLS_KEY_FILE, "tls-key-file", "TLS key file",
      "mode=mqtt: PEM file of the client certificate's private key (not encrypted)", NULL,
      RW_READY);
  g_object_class_install_property (gobject_class, PROP_MAX_QUEUE,
      g_param_spec_uint ("max-queue", "Maximum queue", "Messages kept while the output is "
          "slow or away; when full the oldest is dropped", 1, 1000000, DEFAULT_MAX_QUEUE,
          RW_READY));
  g_object_class_install_property (gobject_class, PROP_RECONNECT_DELAY,
      g_param_spec_uint ("reconnect-delay", "Reconnect delay", "mode=mqtt: milliseconds "
          "before the first new attempt after a failed or lost connection; doubles on "
          "each failure", 10, 3600000, DEFAULT_RECONNECT_DELAY, RW_READY));
  g_object_class_install_property (gobject_class, PROP_MAX_RECONNECT_DELAY,
      g_param_spec_uint ("max-reconnect-delay", "Maximum reconnect delay", "mode=mqtt: "
          "the longest wait between connection attempts, in milliseconds", 10, 3600000,
          DEFAULT_MAX_RECONNECT_DELAY, RW_READY));
  g_object_class_install_property (gobject_class, PROP_MESSAGES_PUBLISHED,
      g_param_spec_uint64 ("messages-published", "Messages published", "Messages written "
          "to the file, or sent to the broker (acknowledged at QoS 1 and 2), since the start",
          0, G_MAXUINT64, 0, READ_ONLY));
  g_object_class_install_property (gobject_class, PROP_MESSAGES_DROPPED,
      g_param_spec_uint64 ("messages-dropped", "Messages dropped", "Messages dropped "
          "since the start: the queue was full, or they were still queued at the stop",
          0, G_MAXUINT64, 0, READ_ONLY));
  g_object_class_install_property (gobject_class, PROP_CONNECTED,
      g_param_spec_boolean ("connected", "Connected", "Whether the output takes messages "
          "now: the file is open, or the client is connected to the broker", FALSE,
          READ_ONLY));
}
