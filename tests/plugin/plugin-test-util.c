/* plugin-test-util.c: shared pieces of the uniformerinfer tests. */
#include "plugin-test-util.h"


const gchar *
tiny_model (void)
{
  const gchar *path = g_getenv ("UF_TEST_MODEL");

  g_assert_nonnull (path);
  return path;
}

static GstCaps *
make_caps (const gchar * format, gint width, gint height, gint fps_n, gint fps_d)
{
  return gst_caps_new_simple ("video/x-raw", "format", G_TYPE_STRING, format,
      "width", G_TYPE_INT, width, "height", G_TYPE_INT, height,
      "framerate", GST_TYPE_FRACTION, fps_n, fps_d, NULL);
}

void
infer_harness_set_caps (GstHarness * h, const gchar * format, gint width, gint height,
    gint fps_n, gint fps_d)
{
  gst_harness_set_src_caps (h, make_caps (format, width, height, fps_n, fps_d));
}

void
infer_harness_change_caps (GstHarness * h, const gchar * format, gint width, gint height,
    gint fps_n, gint fps_d)
{
  GstCaps *caps = make_caps (format, width, height, fps_n, fps_d);

  g_assert_true (gst_harness_push_event (h, gst_event_new_caps (caps)));
  gst_caps_unref (caps);
}

GstHarness *
infer_harness_new (const gchar * props, gboolean live, const gchar * format, gint width,
    gint height, gint fps_n, gint fps_d)
{
  gchar *desc = g_strdup_printf ("uniformerinfer model=%s %s", tiny_model (),
      props ? props : "");
  GstHarness *h = gst_harness_new_parse (desc);
  GstBus *bus = gst_bus_new ();

  g_free (desc);
  gst_element_set_bus (h->element, bus);
  gst_object_unref (bus);
  gst_harness_set_live (h, live);
  infer_harness_set_caps (h, format, width, height, fps_n, fps_d);
  return h;
}

GstElement *
infer_element (GstHarness * h)
{
  GstElement *e = gst_harness_find_element (h, "uniformerinfer");

  g_assert_nonnull (e);
  gst_object_unref (e);         /* the harness's bin keeps it alive */
  return e;
}

GstBuffer *
push_frame (GstHarness * h, GstClockTime pts, GstClockTime duration, guint seed)
{
  return push_frame_flags (h, pts, duration, seed, 0);
}

GstBuffer *
new_frame (GstHarness * h, GstClockTime pts, GstClockTime duration, guint seed)
{
  GstCaps *caps = gst_pad_get_current_caps (h->srcpad);
  GstVideoInfo info;
  GstBuffer *buf;
  GstMapInfo map;

  g_assert_true (gst_video_info_from_caps (&info, caps));
  gst_caps_unref (caps);
  buf = gst_buffer_new_allocate (NULL, info.size, NULL);
  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  for (gsize i = 0; i < map.size; i++)
    map.data[i] = (guint8) ((i * 7 + seed * 31 + (i / 97) * 13) & 0xff);
  gst_buffer_unmap (buf, &map);
  GST_BUFFER_PTS (buf) = pts;
  GST_BUFFER_DURATION (buf) = duration;
  return buf;
}

GstBuffer *
push_frame_flags (GstHarness * h, GstClockTime pts, GstClockTime duration, guint seed,
    GstBufferFlags flags)
{
  GstBuffer *buf = new_frame (h, pts, duration, seed);

  GST_BUFFER_FLAG_SET (buf, flags);
  g_assert_cmpint (gst_harness_push (h, buf), ==, GST_FLOW_OK);
  return gst_harness_pull (h);
}

GstMessage *
pop_error (GstBus * bus)
{
  return gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
}

void
infer_harness_finish (GstHarness * h)
{
  GstBus *bus = gst_element_get_bus (h->element);
  GstMessage *msg;

  gst_element_set_state (h->element, GST_STATE_NULL);
  while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR | GST_MESSAGE_WARNING))) {
    GError *err = NULL;

    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR)
      gst_message_parse_error (msg, &err, NULL);
    else
      gst_message_parse_warning (msg, &err, NULL);
    g_error ("unexpected message from the element: %s", err->message);
  }
  gst_object_unref (bus);
  gst_harness_teardown (h);
}

GstClockTime
frame_pts (guint64 n, gint fps_n, gint fps_d)
{
  return gst_util_uint64_scale (n, GST_SECOND * fps_d, fps_n);
}

void
assert_meta_valid (const GstUniformerMeta * meta)
{
  g_assert_cmpuint (meta->frames, ==, TINY_FRAMES);
  g_assert_cmpstr (meta->model_name, ==, "model-writer test model");
  g_assert_cmpuint (meta->inference_time, >, 0);
  g_assert_cmpuint (meta->window_end, >=, meta->window_start);
  for (guint i = 0; i < meta->n_results; i++) {
    gchar *label = g_strdup_printf ("class %d", meta->class_ids[i]);

    g_assert_cmpint (meta->class_ids[i], >=, 0);
    g_assert_cmpint (meta->class_ids[i], <, TINY_CLASSES);
    g_assert_cmpstr (meta->labels[i], ==, label);
    g_assert_cmpfloat (meta->scores[i], >=, 0.0);
    g_assert_cmpfloat (meta->scores[i], <=, 1.0);
    if (i > 0)
      g_assert_cmpfloat (meta->scores[i], <=, meta->scores[i - 1]);
    g_free (label);
  }
  g_assert_null (meta->labels[meta->n_results]);
}

guint64
pipeline_uint_property (GstElement * pipeline, const gchar * name, const gchar * prop)
{
  GstElement *e = gst_bin_get_by_name (GST_BIN (pipeline), name);
  GValue v = G_VALUE_INIT, wide = G_VALUE_INIT;

  g_object_get_property (G_OBJECT (e), prop, &v);
  g_value_init (&wide, G_TYPE_UINT64);
  g_assert_true (g_value_transform (&v, &wide));
  gst_object_unref (e);
  g_value_unset (&v);
  return g_value_get_uint64 (&wide);
}

void
pipeline_set_state (GstElement * pipeline, GstState state)
{
  g_assert_cmpint (gst_element_set_state (pipeline, state), !=, GST_STATE_CHANGE_FAILURE);
  g_assert_cmpint (gst_element_get_state (pipeline, NULL, NULL, GST_CLOCK_TIME_NONE), ==,
      GST_STATE_CHANGE_SUCCESS);
}
