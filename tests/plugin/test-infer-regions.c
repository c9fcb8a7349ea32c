/* test-infer-regions.c: uniformerinfer's region modes on the tiny model.
 * meta: each GstVideoRegionOfInterestMeta id is a track whose window holds
 * its region's crop (the same result as frame mode on the cropped video),
 * whose result goes on the region's meta and in the message with the track
 * id and box; tracks come, go after track-timeout and come back; regions
 * partly or wholly outside the frame, at odd pixels of 4:2:0 video;
 * buffers without regions, more regions than max-tracks, the region-type
 * filter. fixed: the regions property's rectangles, results on the metas
 * it adds. */
#include "plugin-test-util.h"

#include <string.h>

#define W 64
#define H 48
#define FPS 30
#define FRAME_NS (GST_SECOND / FPS)

typedef struct {
  gint id;
  gint x, y, w, h;
  const gchar *type;
} Roi;

/* A frame with @rois attached, pushed; the buffer that came out. */
static GstBuffer *
push_with_rois (GstHarness * h, guint n, const Roi * rois, guint n_rois)
{
  GstBuffer *buf = new_frame (h, frame_pts (n, FPS, 1), FRAME_NS, n);

  for (guint i = 0; i < n_rois; i++) {
    GstVideoRegionOfInterestMeta *m = gst_buffer_add_video_region_of_interest_meta (buf,
        rois[i].type ? rois[i].type : "person", rois[i].x, rois[i].y, rois[i].w, rois[i].h);

    m->id = rois[i].id;
  }
  g_assert_cmpint (gst_harness_push (h, buf), ==, GST_FLOW_OK);
  return gst_harness_pull (h);
}

/* The "uniformer" messages on the harness's bus, in order. */
static GPtrArray *
pop_results (GstHarness * h)
{
  GstBus *bus = gst_element_get_bus (h->element);
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) gst_structure_free);
  GstMessage *msg;

  while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT))) {
    const GstStructure *s = gst_message_get_structure (msg);

    if (gst_structure_has_name (s, "uniformer"))
      g_ptr_array_add (out, gst_structure_copy (s));
    gst_message_unref (msg);
  }
  gst_object_unref (bus);
  return out;
}

/* The "uniformer" messages on the harness's bus into @results; returns how
 * many warnings there were, each asserted to be of details kind @kind. */
static guint
pop_results_and_warnings (GstHarness * h, GPtrArray * results, const gchar * kind)
{
  GstBus *bus = gst_element_get_bus (h->element);
  GstMessage *msg;
  guint warnings = 0;

  while ((msg = gst_bus_pop (bus))) {
    const GstStructure *d = NULL;

    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ELEMENT
        && gst_structure_has_name (gst_message_get_structure (msg), "uniformer"))
      g_ptr_array_add (results, gst_structure_copy (gst_message_get_structure (msg)));
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_WARNING) {
      gst_message_parse_warning_details (msg, &d);
      g_assert_nonnull (d);
      g_assert_cmpstr (gst_structure_get_string (d, "kind"), ==, kind);
      warnings++;
    }
    gst_message_unref (msg);
  }
  gst_object_unref (bus);
  return warnings;
}


static gint
track_of (const GstStructure * s)
{
  gint id = G_MININT;

  g_assert_true (gst_structure_get_int (s, "track-id", &id));
  return id;
}

static gdouble
top_score (const GstStructure * s)
{
  const GValue *scores = gst_structure_get_value (s, "scores");

  return g_value_get_double (gst_value_array_get_value (scores, 0));
}

static gint
top_class (const GstStructure * s)
{
  const GValue *ids = gst_structure_get_value (s, "class-ids");

  return g_value_get_int (gst_value_array_get_value (ids, 0));
}

/* The region metas of @buf that carry a result, asserted to be their own
 * track's; each one's type is @type unless that is NULL. */
static guint
results_on (GstBuffer * buf, const gchar * type)
{
  gpointer state = NULL;
  GstMeta *m;
  guint n = 0;

  while ((m = gst_buffer_iterate_meta_filtered (buf, &state,
              GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
    GstVideoRegionOfInterestMeta *roi = (GstVideoRegionOfInterestMeta *) m;
    GstStructure *p = gst_video_region_of_interest_meta_get_param (roi, "uniformer");

    if (type)
      g_assert_cmpstr (g_quark_to_string (roi->roi_type), ==, type);
    if (p) {
      g_assert_cmpint (track_of (p), ==, roi->id);
      n++;
    }
  }
  return n;
}

/* The part (x, y, w, h) of RGBA frame @src as a frame of its own. */
static GstBuffer *
crop_rgba (GstBuffer * src, gint x, gint y, gint w, gint h)
{
  GstBuffer *out = gst_buffer_new_allocate (NULL, (gsize) w * h * 4, NULL);
  GstMapInfo in, o;

  gst_buffer_map (src, &in, GST_MAP_READ);
  gst_buffer_map (out, &o, GST_MAP_WRITE);
  for (gint r = 0; r < h; r++)
    memcpy (o.data + (gsize) r * w * 4, in.data + ((gsize) (y + r) * W + x) * 4, (gsize) w * 4);
  gst_buffer_unmap (src, &in);
  gst_buffer_unmap (out, &o);
  GST_BUFFER_PTS (out) = GST_BUFFER_PTS (src);
  GST_BUFFER_DURATION (out) = GST_BUFFER_DURATION (src);
  return out;
}

/* Two tracks' windows hold their regions' crops (with region-margin: grown,
 * then clipped to the frame): each result is what frame mode gives on a
 * video of that crop, and rides on that region's meta. */
typedef struct {
  const gchar *props;
  Roi rois[2];
  Roi crops[2];                 /* what each region's window sees */
} CropCase;

static const CropCase crop_cases[] = {
  {"", {{7, 8, 4, 32, 32}, {3, 30, 10, 24, 36}}, {{7, 8, 4, 32, 32}, {3, 30, 10, 24, 36}}},
  /* a quarter of each side more, clipped to the frame */
  {"region-margin=0.25", {{7, 16, 12, 32, 24}, {3, 40, 30, 24, 16}},
      {{7, 8, 6, 48, 36}, {3, 34, 26, 30, 22}}},
};

static void
test_meta_crops (gconstpointer data)
{
  const CropCase *cc = data;
  const Roi *rois = cc->rois, *crops = cc->crops;
  gchar *props = g_strdup_printf ("region-mode=meta late-windows=wait top-k=3 %s", cc->props);
  GstHarness *h = infer_harness_new (props, FALSE, "RGBA", W, H, FPS, 1);
  GstHarness *alone[2];
  guint on_meta = 0;

  g_free (props);
  /* unshared, so the references classify at phase 0 as the tracks do (a
   * shared one would take the next phase of the model's elements) */
  for (guint r = 0; r < 2; r++)
    alone[r] = infer_harness_new ("late-windows=wait top-k=3 share-model=false", FALSE,
        "RGBA", crops[r].w, crops[r].h, FPS, 1);
  for (guint n = 0; n < 80; n++) {
    GstBuffer *frame = new_frame (h, frame_pts (n, FPS, 1), FRAME_NS, n);

    for (guint r = 0; r < 2; r++) {
      g_assert_cmpint (gst_harness_push (alone[r], crop_rgba (frame, crops[r].x, crops[r].y,
                  crops[r].w, crops[r].h)), ==, GST_FLOW_OK);
      gst_buffer_unref (gst_harness_pull (alone[r]));
    }
    gst_buffer_unref (frame);
    GstBuffer *out = push_with_rois (h, n, rois, 2);

    on_meta += results_on (out, NULL);
    g_assert_null (gst_buffer_get_uniformer_meta (out));
    gst_buffer_unref (out);
  }
  GPtrArray *got = pop_results (h);
  g_assert_cmpuint (got->len, >, 4);
  g_assert_cmpuint (on_meta, ==, got->len);
  for (guint r = 0; r < 2; r++) {
    GPtrArray *want = pop_results (alone[r]);
    guint k = 0;

    for (guint i = 0; i < got->len; i++) {
      const GstStructure *s = got->pdata[i];
      guint x, y, w, hh;
      guint64 a, b;

      if (track_of (s) != rois[r].id)
        continue;
      g_assert_cmpuint (k, <, want->len);
      g_assert_true (gst_structure_get (s, "region-x", G_TYPE_UINT, &x, "region-y",
              G_TYPE_UINT, &y, "region-width", G_TYPE_UINT, &w, "region-height", G_TYPE_UINT,
              &hh, NULL));
      g_assert_cmpuint (x, ==, rois[r].x);
      g_assert_cmpuint (y, ==, rois[r].y);
      g_assert_cmpuint (w, ==, rois[r].w);
      g_assert_cmpuint (hh, ==, rois[r].h);
      g_assert_cmpstr (gst_structure_get_string (s, "region-type"), ==, "person");
      gst_structure_get_uint64 (s, "window-start", &a);
      gst_structure_get_uint64 (want->pdata[k], "window-start", &b);
      g_assert_cmpuint (a, ==, b);
      g_assert_cmpint (top_class (s), ==, top_class (want->pdata[k]));
      g_assert_cmpfloat_with_epsilon (top_score (s), top_score (want->pdata[k]), 1e-6);
      k++;
    }
    g_assert_cmpuint (k, ==, want->len);
    g_ptr_array_unref (want);
    infer_harness_finish (alone[r]);
  }
  g_ptr_array_unref (got);
  infer_harness_finish (h);
}

static guint
uint_prop (GstHarness * h, const gchar * name)
{
  guint64 v = 0;
  GParamSpec *spec = g_object_class_find_property (G_OBJECT_GET_CLASS (infer_element (h)),
      name);

  if (spec->value_type == G_TYPE_UINT64) {
    g_object_get (infer_element (h), name, &v, NULL);
    return (guint) v;
  }
  guint u;
  g_object_get (infer_element (h), name, &u, NULL);
  return u;
}

static guint
count_track (GPtrArray * results, gint id, GstClockTime from)
{
  guint n = 0;

  for (guint i = 0; i < results->len; i++) {
    guint64 start;

    gst_structure_get_uint64 (results->pdata[i], "window-start", &start);
    if (track_of (results->pdata[i]) == id && start >= from)
      n++;
  }
  return n;
}

/* Track 2 leaves at frame 40: dropped after track-timeout (its open actions
 * end "track-lost"); it comes back at frame 70 as a new track whose windows
 * hold only frames from then on. Track 1 is there throughout. */
static void
test_tracks_come_and_go (void)
{
  const Roi both[] = { {1, 0, 0, 32, 48}, {2, 32, 0, 32, 48} };
  GstHarness *h = infer_harness_new ("region-mode=meta late-windows=wait "
      "track-timeout=500000000 action-start-threshold=0.0 action-min-windows=1", FALSE,
      "RGBA", W, H, FPS, 1);
  gboolean lost = FALSE;

  for (guint n = 0; n < 160; n++) {
    gboolean two = n < 40 || n >= 70;

    gst_buffer_unref (push_with_rois (h, n, both, two ? 2 : 1));
    if (n == 39)
      g_assert_cmpuint (uint_prop (h, "tracks"), ==, 2);
    if (n == 60)                /* 0.7 s after its last sighting */
      g_assert_cmpuint (uint_prop (h, "tracks"), ==, 1);
    if (n == 70)
      g_assert_cmpuint (uint_prop (h, "tracks"), ==, 2);
  }
  GstBus *bus = gst_element_get_bus (h->element);
  GstMessage *msg;
  GPtrArray *results = g_ptr_array_new_with_free_func ((GDestroyNotify) gst_structure_free);
  while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT))) {
    const GstStructure *s = gst_message_get_structure (msg);

    if (gst_structure_has_name (s, "uniformer"))
      g_ptr_array_add (results, gst_structure_copy (s));
    if (gst_structure_has_name (s, "uniformer-action")
        && !g_strcmp0 (gst_structure_get_string (s, "reason"), "track-lost")) {
      g_assert_cmpint (track_of (s), ==, 2);
      lost = TRUE;
    }
    gst_message_unref (msg);
  }
  gst_object_unref (bus);
  g_assert_true (lost);
  g_assert_cmpuint (count_track (results, 1, 0), >=, 8);
  g_assert_cmpuint (count_track (results, 2, 0), >, count_track (results, 2, frame_pts (70,
              FPS, 1)));
  g_assert_cmpuint (count_track (results, 2, frame_pts (70, FPS, 1)), >, 2);
  /* no window of the returned track reaches back before its return */
  for (guint i = 0; i < results->len; i++) {
    guint64 start, end;

    gst_structure_get_uint64 (results->pdata[i], "window-start", &start);
    gst_structure_get_uint64 (results->pdata[i], "window-end", &end);
    if (track_of (results->pdata[i]) == 2 && end >= frame_pts (70, FPS, 1))
      g_assert_cmpuint (start, >=, frame_pts (70, FPS, 1));
  }
  g_ptr_array_unref (results);
  infer_harness_finish (h);
}

/* A region partly outside the frame is clipped and classified; one wholly
 * outside makes no track; buffers without regions classify nothing. */
static void
test_outside_and_none (void)
{
  const Roi rois[] = { {5, -16, 20, 40, 40}, {6, 500, 500, 20, 20} };
  GstHarness *h = infer_harness_new ("region-mode=meta late-windows=wait", FALSE, "RGBA",
      W, H, FPS, 1);

  for (guint n = 0; n < 40; n++)
    gst_buffer_unref (push_with_rois (h, n, NULL, 0));
  g_assert_cmpuint (uint_prop (h, "tracks"), ==, 0);
  GPtrArray *none = pop_results (h);
  g_assert_cmpuint (none->len, ==, 0);
  g_ptr_array_unref (none);
  for (guint n = 40; n < 140; n++)
    gst_buffer_unref (push_with_rois (h, n, rois, 2));
  g_assert_cmpuint (uint_prop (h, "tracks"), ==, 1);
  GPtrArray *got = pop_results (h);
  g_assert_cmpuint (got->len, >, 2);
  g_assert_cmpuint (count_track (got, 5, 0), ==, got->len);
  g_ptr_array_unref (got);
  infer_harness_finish (h);
}

/* 4:2:0 video: regions at odd pixels start their crops on even ones and
 * are classified like any other. */
static void
test_yuv_regions (void)
{
  const Roi rois[] = { {1, 5, 3, 31, 29}, {2, 33, 17, 27, 25} };
  const gchar *formats[] = { "I420", "NV12" };

  for (guint f = 0; f < G_N_ELEMENTS (formats); f++) {
    GstHarness *h = infer_harness_new ("region-mode=meta late-windows=wait", FALSE,
        formats[f], W, H, FPS, 1);

    for (guint n = 0; n < 60; n++)
      gst_buffer_unref (push_with_rois (h, n, rois, 2));
    GPtrArray *got = pop_results (h);
    g_assert_cmpuint (count_track (got, 1, 0), >=, 2);
    g_assert_cmpuint (count_track (got, 1, 0), ==, count_track (got, 2, 0));
    g_ptr_array_unref (got);
    infer_harness_finish (h);
  }
}

/* Any id is a track, -1 too; an id repeated on one buffer (regions nobody
 * tracked all have id 0) classifies its first region and warns once. */
static void
test_ids (void)
{
  const Roi rois[] = { {-1, 0, 0, 32, 24}, {0, 32, 0, 32, 24}, {0, 0, 24, 32, 24} };
  GstHarness *h = infer_harness_new ("region-mode=meta late-windows=wait", FALSE, "RGBA",
      W, H, FPS, 1);
  GPtrArray *got = g_ptr_array_new_with_free_func ((GDestroyNotify) gst_structure_free);

  for (guint n = 0; n < 60; n++)
    gst_buffer_unref (push_with_rois (h, n, rois, 3));
  g_assert_cmpuint (uint_prop (h, "tracks"), ==, 2);
  g_assert_cmpuint (pop_results_and_warnings (h, got, "repeated-region-id"), ==, 1);
  g_assert_cmpuint (count_track (got, -1, 0), >=, 2);
  g_assert_cmpuint (count_track (got, 0, 0), ==, count_track (got, -1, 0));
  for (guint i = 0; i < got->len; i++) {
    guint y;

    g_assert_true (gst_structure_get_uint (got->pdata[i], "region-y", &y));
    g_assert_cmpuint (y, ==, 0);        /* the first region of id 0 */
  }
  g_ptr_array_unref (got);
  infer_harness_finish (h);
}

/* More regions than max-tracks: the first ones get tracks, the others are
 * refused, counted and warned about once; region-type keeps one type. */
static void
test_max_tracks_and_type (void)
{
  const Roi rois[] = { {1, 0, 0, 16, 16}, {2, 16, 0, 16, 16}, {3, 32, 0, 16, 16},
  {4, 48, 0, 16, 16, "car"}
  };
  GstHarness *h = infer_harness_new ("region-mode=meta late-windows=wait max-tracks=2 "
      "region-type=person", FALSE, "RGBA", W, H, FPS, 1);
  GPtrArray *got = g_ptr_array_new_with_free_func ((GDestroyNotify) gst_structure_free);

  for (guint n = 0; n < 40; n++)
    gst_buffer_unref (push_with_rois (h, n, rois, 4));
  g_assert_cmpuint (uint_prop (h, "tracks"), ==, 2);
  g_assert_cmpuint (uint_prop (h, "regions-refused"), ==, 40);      /* id 3 on each */
  g_assert_cmpuint (pop_results_and_warnings (h, got, "too-many-tracks"), ==, 1);
  g_assert_cmpuint (got->len, >, 0);
  g_assert_cmpuint (count_track (got, 1, 0) + count_track (got, 2, 0), ==, got->len);
  g_ptr_array_unref (got);
  infer_harness_finish (h);
}

/* Fixed mode: one track per rectangle; the results ride on region metas
 * the element adds. Without rectangles it refuses to start. */
static void
test_fixed (void)
{
  GstHarness *h = infer_harness_new ("region-mode=fixed late-windows=wait "
      "regions=\"0,0,32,24;32,24,32,24\"", FALSE, "RGBA", W, H, FPS, 1);
  guint on_meta = 0;
  gchar *regions = NULL;

  g_object_get (infer_element (h), "regions", &regions, NULL);
  g_assert_cmpstr (regions, ==, "0,0,32,24;32,24,32,24");
  g_free (regions);
  for (guint n = 0; n < 100; n++) {
    GstBuffer *out = push_with_rois (h, n, NULL, 0);
    guint k = results_on (out, "region");

    /* a buffer carries both rectangles' results or none (they run together) */
    g_assert_true (k == 0 || k == 2);
    on_meta += k;
    gst_buffer_unref (out);
  }
  g_assert_cmpuint (uint_prop (h, "tracks"), ==, 2);
  GPtrArray *got = pop_results (h);
  g_assert_cmpuint (count_track (got, 0, 0), >, 2);
  g_assert_cmpuint (count_track (got, 0, 0), ==, count_track (got, 1, 0));
  g_assert_cmpuint (on_meta, ==, got->len);
  g_ptr_array_unref (got);
  infer_harness_finish (h);

  GstElement *e = gst_element_factory_make ("uniformerinfer", NULL);
  g_test_expect_message (NULL, G_LOG_LEVEL_WARNING, "*regions not changed*region 2*");
  g_object_set (e, "regions", "0,0,32,24;1,2,3", NULL);
  g_test_assert_expected_messages ();
  gst_object_unref (e);

  gchar *desc = g_strdup_printf ("videotestsrc ! uniformerinfer model=%s region-mode=fixed "
      "! fakesink", tiny_model ());
  GstElement *p = gst_parse_launch (desc, NULL);
  g_free (desc);
  g_assert_nonnull (p);
  gst_element_set_state (p, GST_STATE_PAUSED);
  GstBus *bus = gst_element_get_bus (p);
  GstMessage *err = gst_bus_timed_pop_filtered (bus, 30 * GST_SECOND, GST_MESSAGE_ERROR);
  g_assert_nonnull (err);
  GError *error = NULL;
  gst_message_parse_error (err, &error, NULL);
  g_assert_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS);
  g_assert_nonnull (strstr (error->message, "regions"));
  g_error_free (error);
  gst_message_unref (err);
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (p);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_data_func ("/regions/meta-crops", &crop_cases[0], test_meta_crops);
  g_test_add_data_func ("/regions/meta-crops-margin", &crop_cases[1], test_meta_crops);
  g_test_add_func ("/regions/tracks-come-and-go", test_tracks_come_and_go);
  g_test_add_func ("/regions/outside-and-none", test_outside_and_none);
  g_test_add_func ("/regions/yuv", test_yuv_regions);
  g_test_add_func ("/regions/ids", test_ids);
  g_test_add_func ("/regions/max-tracks-and-type", test_max_tracks_and_type);
  g_test_add_func ("/regions/fixed", test_fixed);
  return g_test_run ();
}
