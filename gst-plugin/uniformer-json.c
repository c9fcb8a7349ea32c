/* uniformer-json.c: results and action events as JSON objects, with json-glib. */
#include "uniformer-json.h"

#include <math.h>
#include <json-glib/json-glib.h>

/* Times are integer nanoseconds; an unknown one (GST_CLOCK_TIME_NONE) or
 * one past what a JSON integer carries in json-glib is null. */
static void
add_time (JsonBuilder * b, const gchar * name, guint64 t)
{
  json_builder_set_member_name (b, name);
  if (t > G_MAXINT64)
    json_builder_add_null_value (b);
  else
    json_builder_add_int_value (b, (gint64) t);
}

/* JSON has no NaN or infinity. */
static void
add_double (JsonBuilder * b, gdouble d)
{
  if (isfinite (d))
    json_builder_add_double_value (b, d);
  else
    json_builder_add_null_value (b);
}

gchar *
uniformer_json_utc_string (gint64 utc_us)
{
  GDateTime *t = g_date_time_new_from_unix_utc (utc_us / G_USEC_PER_SEC);
  gchar *seconds, *text;

  if (!t)
    return g_strdup ("");
  seconds = g_date_time_format (t, "%Y-%m-%dT%H:%M:%S");
  text = g_strdup_printf ("%s.%03dZ", seconds, (int) (utc_us % G_USEC_PER_SEC / 1000));
  g_free (seconds);
  g_date_time_unref (t);
  return text;
}

static void
begin_message (JsonBuilder * b, const UniformerJsonContext * ctx, const gchar * type)
{
  gchar *utc = uniformer_json_utc_string (ctx->utc_us);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "schema");
  json_builder_add_int_value (b, UNIFORMER_JSON_SCHEMA);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, type);
  json_builder_set_member_name (b, "source");
  json_builder_add_string_value (b, ctx->source);
  json_builder_set_member_name (b, "stream_id");
  if (ctx->stream_id)
    json_builder_add_string_value (b, ctx->stream_id);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "utc");
  json_builder_add_string_value (b, utc);
  g_free (utc);
}

static gchar *
finish_message (JsonBuilder * b)
{
  JsonGenerator *gen = json_generator_new ();
  JsonNode *root;
  gchar *text;

  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  text = json_generator_to_data (gen, NULL);
  json_node_unref (root);
  g_object_unref (gen);
  g_object_unref (b);
  return text;
}

gchar *
uniformer_json_result (const UniformerJsonContext * ctx, const GstUniformerMeta * meta,
    GstClockTime pts, GstClockTime running_time, GstClockTime stream_time)
{
  JsonBuilder *b = json_builder_new ();

  begin_message (b, ctx, "result");
  add_time (b, "pts", pts);
  add_time (b, "running_time", running_time);
  add_time (b, "stream_time", stream_time);
  add_time (b, "window_start", meta->window_start);
  add_time (b, "window_end", meta->window_end);
  json_builder_set_member_name (b, "frames");
  json_builder_add_int_value (b, meta->frames);
  json_builder_set_member_name (b, "labels");
  json_builder_begin_array (b);
  for (guint i = 0; i < meta->n_results; i++)
    json_builder_add_string_value (b, meta->labels[i]);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "class_ids");
  json_builder_begin_array (b);
  for (guint i = 0; i < meta->n_results; i++)
    json_builder_add_int_value (b, meta->class_ids[i]);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "scores");
  json_builder_begin_array (b);
  for (guint i = 0; i < meta->n_results; i++)
    add_double (b, meta->scores[i]);
  json_builder_end_array (b);
  add_time (b, "inference_time", meta->inference_time);
  json_builder_set_member_name (b, "model");
  if (meta->model_name)
    json_builder_add_string_value (b, meta->model_name);
  else
    json_builder_add_null_value (b);
  return finish_message (b);
}

static void add_value (JsonBuilder * b, const GValue * v);

static gboolean
add_field (GQuark field, const GValue * v, gpointer builder)
{
  gchar *name = g_strdelimit (g_strdup (g_quark_to_string (field)), "-", '_');

  json_builder_set_member_name (builder, name);
  add_value (builder, v);
  g_free (name);
  return TRUE;
}

/* An event's field, unless it has the name of one of the envelope's, which
 * come first and are not overwritten. */
static gboolean
add_event_field (GQuark field, const GValue * v, gpointer builder)
{
  static const gchar *const reserved[] = { "schema", "type", "source", "stream_id", "utc",
    NULL
  };
  gchar *name = g_strdelimit (g_strdup (g_quark_to_string (field)), "-", '_');
  gboolean taken = g_strv_contains (reserved, name);

  g_free (name);
  return taken ? TRUE : add_field (field, v, builder);
}

static void
add_value (JsonBuilder * b, const GValue * v)
{
  GType t = G_VALUE_TYPE (v);

  if (t == G_TYPE_STRING) {
    const gchar *s = g_value_get_string (v);
    if (s)
      json_builder_add_string_value (b, s);
    else
      json_builder_add_null_value (b);
  } else if (t == G_TYPE_BOOLEAN)
    json_builder_add_boolean_value (b, g_value_get_boolean (v));
  else if (t == G_TYPE_INT)
    json_builder_add_int_value (b, g_value_get_int (v));
  else if (t == G_TYPE_UINT)
    json_builder_add_int_value (b, g_value_get_uint (v));
  else if (t == G_TYPE_INT64)
    json_builder_add_int_value (b, g_value_get_int64 (v));
  else if (t == G_TYPE_UINT64) {
    guint64 u = g_value_get_uint64 (v);
    if (u > G_MAXINT64)         /* GST_CLOCK_TIME_NONE: unknown */
      json_builder_add_null_value (b);
    else
      json_builder_add_int_value (b, (gint64) u);
  } else if (t == G_TYPE_DOUBLE)
    add_double (b, g_value_get_double (v));
  else if (t == G_TYPE_FLOAT)
    add_double (b, g_value_get_float (v));
  else if (t == GST_TYPE_ARRAY || t == GST_TYPE_LIST) {
    guint n = t == GST_TYPE_ARRAY ? gst_value_array_get_size (v) : gst_value_list_get_size (v);
    json_builder_begin_array (b);
    for (guint i = 0; i < n; i++)
      add_value (b, t == GST_TYPE_ARRAY ? gst_value_array_get_value (v, i)
          : gst_value_list_get_value (v, i));
    json_builder_end_array (b);
  } else if (t == GST_TYPE_STRUCTURE) {
    json_builder_begin_object (b);
    gst_structure_foreach (gst_value_get_structure (v), add_field, b);
    json_builder_end_object (b);
  } else if (G_TYPE_IS_ENUM (t)) {
    GEnumClass *klass = g_type_class_ref (t);
    GEnumValue *e = g_enum_get_value (klass, g_value_get_enum (v));
    if (e)
      json_builder_add_string_value (b, e->value_nick);
    else
      json_builder_add_int_value (b, g_value_get_enum (v));
    g_type_class_unref (klass);
  } else {
    /* Anything else as GStreamer writes it (fractions, flags, caps...). */
    gchar *s = gst_value_serialize (v);
    if (s)
      json_builder_add_string_value (b, s);
    else
      json_builder_add_null_value (b);
    g_free (s);
  }
}

gchar *
uniformer_json_region_result (const UniformerJsonContext * ctx, const GstStructure * param,
    GstClockTime pts, GstClockTime running_time, GstClockTime stream_time)
{
  /* a frame result's fields in its order, then the region's */
  static const gchar *const fields[] = { "window-start", "window-end", "frames", "labels",
    "class-ids", "scores", "inference-time", "model", "track-id", "region-x", "region-y",
    "region-width", "region-height", "region-type", NULL
  };
  JsonBuilder *b = json_builder_new ();

  begin_message (b, ctx, "result");
  add_time (b, "pts", pts);
  add_time (b, "running_time", running_time);
  add_time (b, "stream_time", stream_time);
  for (guint i = 0; fields[i]; i++) {
    const GValue *v = gst_structure_get_value (param, fields[i]);

    if (v)
      add_field (g_quark_from_static_string (fields[i]), v, b);
  }
  return finish_message (b);
}

gchar *
uniformer_json_action (const UniformerJsonContext * ctx, const GstStructure * event_structure)
{
  JsonBuilder *b = json_builder_new ();

  begin_message (b, ctx, "action");
  gst_structure_foreach (event_structure, add_event_field, b);
  return finish_message (b);
}
