/* test-overlay: uniformeroverlay's pixels through a GstHarness, in every
 * supported format: the box lands where it is configured and nowhere else, a
 * result expires after hold-time, buffers without results stay untouched,
 * and with a downstream that draws GstVideoOverlayCompositionMeta the box is
 * attached instead of blended. Then the attach-or-blend decision: two
 * overlays in series into fakesink and appsink (both blend, both boxes in the
 * pixels) and into an appsink that requires the caps feature (both attach),
 * a harness sink that offers the meta in its ALLOCATION answer (attach), a
 * composition attached upstream of a blending overlay (blended too); QoS
 * drops late buffers without losing their results; interlaced caps are
 * refused. */
#include <gst/check/gstharness.h>
#include <gst/video/video.h>

#include "gstuniformermeta.h"

#define WIDTH 320
#define HEIGHT 240
/* The flat frame colour; the box (black background, white text, green bars)
 * differs from it in every pixel. */
#define FILL_R 40
#define FILL_G 90
#define FILL_B 200

static const gchar *formats[] = { "RGB", "RGBA", "BGRA", "BGRx", "RGBx", "I420", "NV12" };

static const gchar *labels[] = { "waving hand", "clapping", "jumping", NULL };
static const gint class_ids[] = { 2, 0, 4 };
static const gdouble scores[] = { 0.81, 0.12, 0.04 };

/* A pixel region, [x0, x1) x [y0, y1). */
typedef struct
{
  gint x0, y0, x1, y1;
} Region;

static const Region top_left = { 8, 8, 48, 24 };
static const Region bottom_right = { WIDTH - 48, HEIGHT - 24, WIDTH - 8, HEIGHT - 8 };

static GstHarness *
overlay_harness (const gchar * format, const gchar * properties, GstVideoInfo * info)
{
  gchar *launch = g_strdup_printf ("uniformeroverlay %s", properties ? properties : "");
  GstHarness *h = gst_harness_new_parse (launch);
  GstCaps *caps = gst_caps_new_simple ("video/x-raw", "format", G_TYPE_STRING, format,
      "width", G_TYPE_INT, WIDTH, "height", G_TYPE_INT, HEIGHT,
      "framerate", GST_TYPE_FRACTION, 30, 1, NULL);

  g_assert_nonnull (h);
  g_assert_true (gst_video_info_from_caps (info, caps));
  gst_harness_set_src_caps (h, caps);
  g_free (launch);
  return h;
}

static guint8
clamp_u8 (gdouble v)
{
  return (guint8) CLAMP (v + 0.5, 0.0, 255.0);
}

/* A frame of the flat colour; each component written through the format's
 * own description, so one function covers packed RGB and planar YUV. */
static GstBuffer *
flat_frame (const GstVideoInfo * info, GstClockTime pts)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, GST_VIDEO_INFO_SIZE (info), NULL);
  const GstVideoFormatInfo *finfo = info->finfo;
  gdouble y = 0.299 * FILL_R + 0.587 * FILL_G + 0.114 * FILL_B;
  guint8 yuv[3] = { clamp_u8 (16 + y * 219 / 255),
    clamp_u8 (128 + (FILL_B - y) * 0.564 * 224 / 255),
    clamp_u8 (128 + (FILL_R - y) * 0.713 * 224 / 255)
  };
  guint8 rgba[4] = { FILL_R, FILL_G, FILL_B, 255 };
  GstVideoFrame frame;

  gst_buffer_memset (buf, 0, 0xff, GST_VIDEO_INFO_SIZE (info));
  g_assert_true (gst_video_frame_map (&frame, info, buf, GST_MAP_WRITE));
  for (guint c = 0; c < GST_VIDEO_FORMAT_INFO_N_COMPONENTS (finfo); c++) {
    guint8 value = GST_VIDEO_FORMAT_INFO_IS_YUV (finfo) ? yuv[c] : rgba[c];
    gint cw = GST_VIDEO_FRAME_COMP_WIDTH (&frame, c);
    gint ch = GST_VIDEO_FRAME_COMP_HEIGHT (&frame, c);

    for (gint row = 0; row < ch; row++) {
      guint8 *p = GST_VIDEO_FRAME_COMP_DATA (&frame, c) + row * GST_VIDEO_FRAME_COMP_STRIDE (&frame, c);

      for (gint col = 0; col < cw; col++)
        p[col * GST_VIDEO_FRAME_COMP_PSTRIDE (&frame, c)] = value;
    }
  }
  gst_video_frame_unmap (&frame);
  GST_BUFFER_PTS (buf) = pts;
  GST_BUFFER_DURATION (buf) = GST_SECOND / 30;
  return buf;
}

static void
add_result (GstBuffer * buf, guint n)
{
  g_assert_nonnull (gst_buffer_add_uniformer_meta (buf, n, class_ids, labels, scores,
          0, GST_SECOND / 4, 8, 1000, "tiny"));
}

/* The fraction of pixels in @r where any component of @out differs from the
 * untouched flat frame. */
static gdouble
changed_fraction (const GstVideoInfo * info, GstBuffer * out, const Region * r)
{
  GstBuffer *ref = flat_frame (info, 0);
  GstVideoFrame a, b;
  guint changed = 0;

  g_assert_true (gst_video_frame_map (&a, info, out, GST_MAP_READ));
  g_assert_true (gst_video_frame_map (&b, info, ref, GST_MAP_READ));
  for (gint y = r->y0; y < r->y1; y++) {
    for (gint x = r->x0; x < r->x1; x++) {
      gboolean differs = FALSE;

      for (guint c = 0; c < GST_VIDEO_FRAME_N_COMPONENTS (&a); c++) {
        gsize off = (y >> GST_VIDEO_FORMAT_INFO_H_SUB (info->finfo, c))
            * GST_VIDEO_FRAME_COMP_STRIDE (&a, c)
            + (x >> GST_VIDEO_FORMAT_INFO_W_SUB (info->finfo, c))
            * GST_VIDEO_FRAME_COMP_PSTRIDE (&a, c);

        differs |= GST_VIDEO_FRAME_COMP_DATA (&a, c)[off] != GST_VIDEO_FRAME_COMP_DATA (&b, c)[off];
      }
      changed += differs;
    }
  }
  gst_video_frame_unmap (&a);
  gst_video_frame_unmap (&b);
  gst_buffer_unref (ref);
  return (gdouble) changed / ((r->x1 - r->x0) * (r->y1 - r->y0));
}

static gdouble
whole_frame_changed (const GstVideoInfo * info, GstBuffer * out)
{
  Region all = { 0, 0, WIDTH, HEIGHT };

  return changed_fraction (info, out, &all);
}

/* Pushes one flat frame (with a result of @n classes when @n >= 0) and
 * returns what came out. */
static GstBuffer *
push_frame (GstHarness * h, const GstVideoInfo * info, GstClockTime pts, gint n)
{
  GstBuffer *in = flat_frame (info, pts);

  if (n >= 0)
    add_result (in, n);
  return gst_harness_push_and_pull (h, in);
}

static void
test_placement (gconstpointer data)
{
  const gchar *format = data;
  GstVideoInfo info;
  GstHarness *h = overlay_harness (format, NULL, &info);
  GstBuffer *out = push_frame (h, &info, 0, 3);

  g_assert_nonnull (out);
  g_assert_nonnull (gst_buffer_get_uniformer_meta (out));
  g_assert_cmpfloat (changed_fraction (&info, out, &top_left), >, 0.9);
  g_assert_cmpfloat (changed_fraction (&info, out, &bottom_right), ==, 0.0);
  gst_buffer_unref (out);
  gst_harness_teardown (h);

  h = overlay_harness (format, "halignment=right valignment=bottom", &info);
  out = push_frame (h, &info, 0, 3);
  g_assert_cmpfloat (changed_fraction (&info, out, &bottom_right), >, 0.9);
  g_assert_cmpfloat (changed_fraction (&info, out, &top_left), ==, 0.0);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

static void
test_no_meta_untouched (gconstpointer data)
{
  GstVideoInfo info;
  GstHarness *h = overlay_harness (data, NULL, &info);
  GstBuffer *out = push_frame (h, &info, 0, -1);

  g_assert_cmpfloat (whole_frame_changed (&info, out), ==, 0.0);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

static void
test_hold_time (gconstpointer data)
{
  GstVideoInfo info;
  GstHarness *h = overlay_harness (data, "hold-time=1000000000", &info);
  GstBuffer *out;

  out = push_frame (h, &info, 0, 3);
  g_assert_cmpfloat (changed_fraction (&info, out, &top_left), >, 0.9);
  gst_buffer_unref (out);
  /* Held without a meta for up to a second of running time... */
  out = push_frame (h, &info, GST_SECOND / 2, -1);
  g_assert_cmpfloat (changed_fraction (&info, out, &top_left), >, 0.9);
  gst_buffer_unref (out);
  out = push_frame (h, &info, GST_SECOND, -1);
  g_assert_cmpfloat (changed_fraction (&info, out, &top_left), >, 0.9);
  gst_buffer_unref (out);
  /* ...then gone. */
  out = push_frame (h, &info, GST_SECOND + GST_SECOND / 2, -1);
  g_assert_cmpfloat (whole_frame_changed (&info, out), ==, 0.0);
  gst_buffer_unref (out);
  /* A new result shows again; a result with no classes clears at once. */
  out = push_frame (h, &info, 2 * GST_SECOND, 2);
  g_assert_cmpfloat (changed_fraction (&info, out, &top_left), >, 0.9);
  gst_buffer_unref (out);
  out = push_frame (h, &info, 2 * GST_SECOND + GST_SECOND / 10, 0);
  g_assert_cmpfloat (whole_frame_changed (&info, out), ==, 0.0);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

static void
test_composition_meta (gconstpointer data)
{
  const gchar *format = data;
  GstVideoInfo info;
  GstHarness *h = overlay_harness (format, "xpad=12 ypad=10", &info);
  gchar *sink_caps = g_strdup_printf ("video/x-raw(memory:SystemMemory, "
      "meta:GstVideoOverlayComposition), format=%s", format);
  GstVideoOverlayCompositionMeta *meta;
  GstVideoOverlayRectangle *rect;
  GstBuffer *out;
  gint x, y;
  guint w, hgt;

  gst_harness_set_sink_caps_str (h, sink_caps);
  out = push_frame (h, &info, 0, 3);
  meta = gst_buffer_get_video_overlay_composition_meta (out);
  g_assert_nonnull (meta);
  g_assert_cmpuint (gst_video_overlay_composition_n_rectangles (meta->overlay), ==, 1);
  rect = gst_video_overlay_composition_get_rectangle (meta->overlay, 0);
  g_assert_true (gst_video_overlay_rectangle_get_render_rectangle (rect, &x, &y, &w, &hgt));
  g_assert_cmpint (x, ==, 12);
  g_assert_cmpint (y, ==, 10);
  g_assert_cmpuint (w, >, 40);
  g_assert_cmpuint (hgt, >, 16);
  g_assert_cmpuint (x + w, <=, WIDTH);
  g_assert_cmpuint (y + hgt, <=, HEIGHT);
  g_assert_cmpfloat (whole_frame_changed (&info, out), ==, 0.0);
  gst_buffer_unref (out);

  /* Blending the attached composition gives the pixels the other mode draws. */
  out = gst_buffer_make_writable (push_frame (h, &info, GST_SECOND / 30, -1));
  meta = gst_buffer_get_video_overlay_composition_meta (out);
  g_assert_nonnull (meta);
  {
    GstVideoFrame frame;

    g_assert_true (gst_video_frame_map (&frame, &info, out, GST_MAP_READWRITE));
    g_assert_true (gst_video_overlay_composition_blend (meta->overlay, &frame));
    gst_video_frame_unmap (&frame);
  }
  g_assert_cmpfloat (changed_fraction (&info, out, &(Region) { 14, 12, 50, 26 }), >, 0.9);
  g_assert_cmpfloat (changed_fraction (&info, out, &bottom_right), ==, 0.0);
  gst_buffer_unref (out);
  g_free (sink_caps);
  gst_harness_teardown (h);
}

/* A flat frame with a region meta of track @id at @box, carrying a result
 * like uniformerinfer's region modes put there when @with_result. */
static GstBuffer *
region_frame (const GstVideoInfo * info, GstClockTime pts, gint id, const Region * box,
    gboolean with_result)
{
  GstBuffer *in = flat_frame (info, pts);
  GstVideoRegionOfInterestMeta *roi = gst_buffer_add_video_region_of_interest_meta (in,
      "person", box->x0, box->y0, box->x1 - box->x0, box->y1 - box->y0);

  roi->id = id;
  if (with_result) {
    GstUniformerMeta *meta;
    GstBuffer *carrier = gst_buffer_new ();

    meta = gst_buffer_add_uniformer_meta (carrier, 3, class_ids, labels, scores, 0,
        GST_SECOND / 4, 8, 1000, "tiny");
    GstStructure *s = gst_uniformer_meta_to_structure (meta);
    gst_structure_set (s, "track-id", G_TYPE_INT, id, NULL);
    gst_video_region_of_interest_meta_add_param (roi, s);
    gst_buffer_unref (carrier);
  }
  return in;
}

/* Region results: each track's box is outlined and labelled at its corner,
 * follows its region meta on later buffers, and goes once the region is
 * gone for hold-time; nothing else is drawn. */
static void
test_regions (gconstpointer data)
{
  GstVideoInfo info;
  GstHarness *h = overlay_harness (data, "hold-time=500000000", &info);
  const Region box = { 100, 60, 260, 200 }, moved = { 40, 40, 200, 180 };
  const Region edge = { 100, 120, 102, 140 }, inside = { 200, 150, 250, 190 };
  const Region label = { 102, 62, 140, 74 }, moved_edge = { 40, 120, 42, 140 };
  GstBuffer *out;

  out = gst_harness_push_and_pull (h, region_frame (&info, 0, 4, &box, TRUE));
  g_assert_cmpfloat (changed_fraction (&info, out, &edge), >, 0.9);
  g_assert_cmpfloat (changed_fraction (&info, out, &label), >, 0.9);
  g_assert_cmpfloat (changed_fraction (&info, out, &inside), ==, 0.0);
  g_assert_cmpfloat (changed_fraction (&info, out, &top_left), ==, 0.0);
  gst_buffer_unref (out);
  /* the region moved, no new result: the box follows it */
  out = gst_harness_push_and_pull (h, region_frame (&info, GST_SECOND / 10, 4, &moved,
          FALSE));
  g_assert_cmpfloat (changed_fraction (&info, out, &moved_edge), >, 0.9);
  g_assert_cmpfloat (changed_fraction (&info, out, &(Region) { 250, 120, 260, 140 }), ==,
      0.0);
  gst_buffer_unref (out);
  /* a region without a result yet is not drawn; a gone one expires */
  out = gst_harness_push_and_pull (h, region_frame (&info, GST_SECOND / 5, 9, &box, FALSE));
  g_assert_cmpfloat (changed_fraction (&info, out, &moved_edge), >, 0.9);
  g_assert_cmpfloat (changed_fraction (&info, out, &edge), ==, 0.0);
  gst_buffer_unref (out);
  out = gst_harness_push_and_pull (h, flat_frame (&info, GST_SECOND));
  g_assert_cmpfloat (whole_frame_changed (&info, out), ==, 0.0);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

/* An ANY-caps sink accepts the feature but would never draw it: blend. */
static void
test_any_sink_blends (void)
{
  GstVideoInfo info;
  GstHarness *h = overlay_harness ("I420", NULL, &info);
  GstBuffer *out;

  gst_harness_set_sink_caps_str (h, "ANY");
  out = push_frame (h, &info, 0, 3);
  g_assert_null (gst_buffer_get_video_overlay_composition_meta (out));
  g_assert_cmpfloat (changed_fraction (&info, out, &top_left), >, 0.9);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

/* Settings apply from the next buffer: fewer rows make a shorter box, no
 * rows none at all. */
static void
test_settings_change (void)
{
  GstVideoInfo info;
  GstHarness *h = overlay_harness ("RGBA", NULL, &info);
  GstElement *overlay = gst_harness_find_element (h, "uniformeroverlay");
  GstBuffer *out;
  gdouble full, one_row;

  out = push_frame (h, &info, 0, 3);
  full = whole_frame_changed (&info, out);
  gst_buffer_unref (out);

  g_object_set (overlay, "max-rows", 1, "show-scores", FALSE, NULL);
  out = push_frame (h, &info, GST_SECOND / 30, -1);
  one_row = whole_frame_changed (&info, out);
  gst_buffer_unref (out);
  g_assert_cmpfloat (one_row, >, 0.0);
  g_assert_cmpfloat (one_row, <, full / 2);

  g_object_set (overlay, "max-rows", 0, NULL);
  out = push_frame (h, &info, 2 * GST_SECOND / 30, -1);
  g_assert_cmpfloat (whole_frame_changed (&info, out), ==, 0.0);
  gst_buffer_unref (out);
  gst_object_unref (overlay);
  gst_harness_teardown (h);
}

/* Labels from a model file need not be UTF-8, the box may not fit the
 * frame, and a buffer may be shorter than its caps: none of it may crash. */
static void
test_bad_input (void)
{
  static const gchar *odd_labels[] = { "caf\xe9 \xff\xfe", "a very long label that does not fit "
        "into a frame of sixty-four pixels at all", NULL };
  GstVideoInfo info;
  GstHarness *h = gst_harness_new_parse ("uniformeroverlay font-desc=\"Sans 40\"");
  GstCaps *caps = gst_caps_from_string ("video/x-raw,format=NV12,width=64,height=32,"
      "framerate=30/1");
  GstBuffer *in, *out;

  g_assert_true (gst_video_info_from_caps (&info, caps));
  gst_harness_set_src_caps (h, caps);
  in = gst_buffer_new_allocate (NULL, GST_VIDEO_INFO_SIZE (&info), NULL);
  gst_buffer_memset (in, 0, 0x10, GST_VIDEO_INFO_SIZE (&info));
  GST_BUFFER_PTS (in) = 0;
  gst_buffer_add_uniformer_meta (in, 2, class_ids, odd_labels, scores, 0, 0, 8, 0, NULL);
  out = gst_harness_push_and_pull (h, in);
  g_assert_nonnull (out);
  gst_buffer_unref (out);

  in = gst_buffer_new_allocate (NULL, 10, NULL);
  GST_BUFFER_PTS (in) = GST_SECOND / 30;
  g_assert_cmpint (gst_harness_push (h, in), ==, GST_FLOW_ERROR);
  gst_harness_teardown (h);
}

/* A downstream that offers the meta in its ALLOCATION answer gets it, with
 * plain caps too; the pixels stay as they were. */
static void
test_allocation_meta_attaches (void)
{
  GstVideoInfo info;
  GstHarness *h = overlay_harness ("I420", NULL, &info);
  GstVideoOverlayCompositionMeta *meta;
  GstBuffer *out;

  gst_harness_add_propose_allocation_meta (h, GST_VIDEO_OVERLAY_COMPOSITION_META_API_TYPE,
      NULL);
  gst_harness_set_sink_caps_str (h, "ANY");
  out = push_frame (h, &info, 0, 3);
  meta = gst_buffer_get_video_overlay_composition_meta (out);
  g_assert_nonnull (meta);
  g_assert_cmpuint (gst_video_overlay_composition_n_rectangles (meta->overlay), ==, 1);
  g_assert_cmpfloat (whole_frame_changed (&info, out), ==, 0.0);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

/* An opaque red square at @r, as a composition. */
static GstVideoOverlayComposition *
red_square (const Region * r)
{
  guint w = r->x1 - r->x0, hgt = r->y1 - r->y0;
  GstBuffer *pixels = gst_buffer_new_allocate (NULL, w * hgt * 4, NULL);
  GstVideoOverlayRectangle *rect;
  GstVideoOverlayComposition *comp;
  GstMapInfo map;

  g_assert_true (gst_buffer_map (pixels, &map, GST_MAP_WRITE));
  for (gsize i = 0; i < map.size; i += 4) {
    /* GST_VIDEO_OVERLAY_COMPOSITION_FORMAT_RGB is BGRA in memory on
     * little-endian machines, ARGB on big-endian ones. */
#if G_BYTE_ORDER == G_LITTLE_ENDIAN
    map.data[i] = 0, map.data[i + 1] = 0, map.data[i + 2] = 255, map.data[i + 3] = 255;
#else
    map.data[i] = 255, map.data[i + 1] = 255, map.data[i + 2] = 0, map.data[i + 3] = 0;
#endif
  }
  gst_buffer_unmap (pixels, &map);
  gst_buffer_add_video_meta (pixels, GST_VIDEO_FRAME_FLAG_NONE,
      GST_VIDEO_OVERLAY_COMPOSITION_FORMAT_RGB, w, hgt);
  rect = gst_video_overlay_rectangle_new_raw (pixels, r->x0, r->y0, w, hgt,
      GST_VIDEO_OVERLAY_FORMAT_FLAG_NONE);
  comp = gst_video_overlay_composition_new (rect);
  gst_video_overlay_rectangle_unref (rect);
  gst_buffer_unref (pixels);
  return comp;
}

/* A blending overlay also blends a composition that reached it (nothing
 * downstream would draw it), whether or not it has a result of its own. */
static void
test_upstream_composition_blended (void)
{
  GstVideoInfo info;
  GstHarness *h = overlay_harness ("RGBx", NULL, &info);
  GstVideoOverlayComposition *comp = red_square (&bottom_right);
  GstBuffer *in, *out;

  gst_harness_set_sink_caps_str (h, "ANY");
  /* With a result of its own (the box at the top left)... */
  in = flat_frame (&info, 0);
  add_result (in, 3);
  gst_buffer_add_video_overlay_composition_meta (in, comp);
  out = gst_harness_push_and_pull (h, in);
  g_assert_null (gst_buffer_get_video_overlay_composition_meta (out));
  g_assert_cmpfloat (changed_fraction (&info, out, &bottom_right), >, 0.9);
  g_assert_cmpfloat (changed_fraction (&info, out, &top_left), >, 0.9);
  gst_buffer_unref (out);
  /* ...and without (the result expired long ago). */
  in = flat_frame (&info, 10 * GST_SECOND);
  gst_buffer_add_video_overlay_composition_meta (in, comp);
  out = gst_harness_push_and_pull (h, in);
  g_assert_null (gst_buffer_get_video_overlay_composition_meta (out));
  g_assert_cmpfloat (changed_fraction (&info, out, &bottom_right), >, 0.9);
  g_assert_cmpfloat (changed_fraction (&info, out, &top_left), ==, 0.0);
  gst_buffer_unref (out);
  gst_video_overlay_composition_unref (comp);
  gst_harness_teardown (h);
}

/* Two overlays in series through GstHarness: into an ANY sink both blend; into
 * a sink that takes only the feature both attach, in one composition. */
static void
test_series_harness (void)
{
  GstVideoInfo info;
  GstHarness *h = gst_harness_new_parse ("uniformeroverlay ! "
      "uniformeroverlay halignment=right valignment=bottom");
  GstCaps *caps = gst_caps_from_string ("video/x-raw,format=NV12,width=320,height=240,"
      "framerate=30/1");
  GstVideoOverlayCompositionMeta *meta;
  GstBuffer *out;

  g_assert_true (gst_video_info_from_caps (&info, caps));
  gst_harness_set_sink_caps_str (h, "ANY");
  gst_harness_set_src_caps (h, caps);
  out = push_frame (h, &info, 0, 3);
  g_assert_null (gst_buffer_get_video_overlay_composition_meta (out));
  g_assert_cmpfloat (changed_fraction (&info, out, &top_left), >, 0.9);
  g_assert_cmpfloat (changed_fraction (&info, out, &bottom_right), >, 0.9);
  gst_buffer_unref (out);
  gst_harness_teardown (h);

  h = gst_harness_new_parse ("uniformeroverlay ! "
      "uniformeroverlay halignment=right valignment=bottom");
  gst_harness_set_sink_caps_str (h, "video/x-raw(memory:SystemMemory, "
      "meta:GstVideoOverlayComposition)");
  gst_harness_set_src_caps_str (h, "video/x-raw,format=NV12,width=320,height=240,"
      "framerate=30/1");
  out = push_frame (h, &info, 0, 3);
  meta = gst_buffer_get_video_overlay_composition_meta (out);
  g_assert_nonnull (meta);
  g_assert_cmpuint (gst_video_overlay_composition_n_rectangles (meta->overlay), ==, 2);
  g_assert_cmpfloat (whole_frame_changed (&info, out), ==, 0.0);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

static GstPadProbeReturn
keep_last_buffer (GstPad * pad, GstPadProbeInfo * probe, gpointer user_data)
{
  GstBuffer **last = user_data;

  gst_buffer_replace (last, GST_PAD_PROBE_INFO_BUFFER (probe));
  return GST_PAD_PROBE_OK;
}

/* appsrc ! uniformeroverlay ! uniformeroverlay (bottom right) ! @sink, one
 * I420 frame with a result; returns the buffer the sink got. */
static GstBuffer *
run_series (const gchar * sink, const gchar * sink_caps, const GstVideoInfo * info)
{
  gchar *desc = g_strdup_printf ("appsrc name=src format=time ! uniformeroverlay ! "
      "uniformeroverlay halignment=right valignment=bottom ! %s name=sink", sink);
  GError *error = NULL;
  GstElement *pipeline = gst_parse_launch (desc, &error);
  GstElement *src, *sinkel;
  GstCaps *caps = gst_video_info_to_caps (info);
  GstBuffer *in = flat_frame (info, 0), *last = NULL;
  GstFlowReturn flow;
  GstMessage *msg;
  GstPad *pad;

  g_assert_no_error (error);
  src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  sinkel = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  g_object_set (src, "caps", caps, NULL);
  if (sink_caps) {
    GstCaps *sc = gst_caps_from_string (sink_caps);

    g_object_set (sinkel, "caps", sc, NULL);
    gst_caps_unref (sc);
  }
  pad = gst_element_get_static_pad (sinkel, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, keep_last_buffer, &last, NULL);
  g_assert_cmpint (gst_element_set_state (pipeline, GST_STATE_PLAYING), !=,
      GST_STATE_CHANGE_FAILURE);
  add_result (in, 3);
  g_signal_emit_by_name (src, "push-buffer", in, &flow);
  g_assert_cmpint (flow, ==, GST_FLOW_OK);
  g_signal_emit_by_name (src, "end-of-stream", &flow);
  msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (pipeline), 20 * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  g_assert_nonnull (msg);
  g_assert_cmpint (GST_MESSAGE_TYPE (msg), ==, GST_MESSAGE_EOS);
  gst_message_unref (msg);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  g_assert_nonnull (last);

  gst_buffer_unref (in);
  gst_caps_unref (caps);
  gst_object_unref (pad);
  gst_object_unref (sinkel);
  gst_object_unref (src);
  gst_object_unref (pipeline);
  g_free (desc);
  return last;
}

/* The case: two overlays into an ANY-caps sink must both draw. */
static void
test_series_pipeline (void)
{
  static const gchar *blending_sinks[] = { "fakesink sync=false",
    "appsink sync=false wait-on-eos=false"
  };
  GstVideoOverlayCompositionMeta *meta;
  GstVideoInfo info;
  GstBuffer *out;

  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_I420, WIDTH, HEIGHT);
  GST_VIDEO_INFO_FPS_N (&info) = 30;
  for (guint i = 0; i < G_N_ELEMENTS (blending_sinks); i++) {
    out = run_series (blending_sinks[i], NULL, &info);
    g_assert_null (gst_buffer_get_video_overlay_composition_meta (out));
    g_assert_cmpfloat (changed_fraction (&info, out, &top_left), >, 0.9);
    g_assert_cmpfloat (changed_fraction (&info, out, &bottom_right), >, 0.9);
    gst_buffer_unref (out);
  }

  /* An appsink whose caps carry the feature draws nothing itself but asks
   * for the compositions: both attach, the pixels stay. */
  out = run_series ("appsink sync=false wait-on-eos=false", "video/x-raw(memory:SystemMemory, "
      "meta:GstVideoOverlayComposition)", &info);
  meta = gst_buffer_get_video_overlay_composition_meta (out);
  g_assert_nonnull (meta);
  g_assert_cmpuint (gst_video_overlay_composition_n_rectangles (meta->overlay), ==, 2);
  g_assert_cmpfloat (whole_frame_changed (&info, out), ==, 0.0);
  gst_buffer_unref (out);
}

/* qos=true drops buffers a QoS event reports late (the base class does it);
 * the result a dropped buffer carried is shown from the next one. */
static void
test_qos (void)
{
  GstVideoInfo info;
  GstBuffer *out;

  for (gint qos = 0; qos <= 1; qos++) {
    GstHarness *h = overlay_harness ("BGRx", qos ? "qos=true" : "qos=false", &info);
    GstBuffer *late;

    out = push_frame (h, &info, 0, -1);
    gst_buffer_unref (out);
    /* Downstream: everything up to running time 1 s is late. */
    g_assert_true (gst_harness_push_upstream_event (h, gst_event_new_qos (GST_QOS_TYPE_UNDERFLOW,
                1.5, GST_SECOND - GST_SECOND / 30, GST_SECOND / 30)));
    late = flat_frame (&info, GST_SECOND / 2);
    add_result (late, 3);
    g_assert_cmpint (gst_harness_push (h, late), ==, GST_FLOW_OK);
    g_assert_cmpuint (gst_harness_buffers_in_queue (h), ==, qos ? 0 : 1);
    if (!qos) {
      out = gst_harness_pull (h);
      g_assert_cmpfloat (changed_fraction (&info, out, &top_left), >, 0.9);
      gst_buffer_unref (out);
    }
    out = push_frame (h, &info, 2 * GST_SECOND, -1);
    g_assert_cmpfloat (changed_fraction (&info, out, &top_left), >, 0.9);
    g_assert_cmpfloat (changed_fraction (&info, out, &bottom_right), ==, 0.0);
    gst_buffer_unref (out);
    gst_harness_teardown (h);
  }
}

/* Progressive only, on both pads. */
static void
test_interlaced_refused (void)
{
  static const gchar *modes[] = { "interleaved", "mixed" };
  GstElement *overlay = gst_element_factory_make ("uniformeroverlay", NULL);
  GstPad *sink = gst_element_get_static_pad (overlay, "sink");
  GstPad *src = gst_element_get_static_pad (overlay, "src");
  GstCaps *caps;

  g_assert_nonnull (overlay);
  caps = gst_caps_from_string ("video/x-raw,format=I420,width=320,height=240,framerate=30/1");
  g_assert_true (gst_pad_query_accept_caps (sink, caps));
  gst_caps_unref (caps);
  caps = gst_caps_from_string ("video/x-raw,format=I420,width=320,height=240,framerate=30/1,"
      "interlace-mode=progressive");
  g_assert_true (gst_pad_query_accept_caps (sink, caps));
  gst_caps_unref (caps);
  for (guint i = 0; i < G_N_ELEMENTS (modes); i++) {
    gchar *str = g_strdup_printf ("video/x-raw,format=I420,width=320,height=240,"
        "framerate=30/1,interlace-mode=%s", modes[i]);

    caps = gst_caps_from_string (str);
    g_assert_false (gst_pad_query_accept_caps (sink, caps));
    g_assert_false (gst_caps_can_intersect (caps, GST_PAD_TEMPLATE_CAPS (GST_PAD_PAD_TEMPLATE
                (src))));
    gst_caps_unref (caps);
    g_free (str);
  }
  gst_object_unref (sink);
  gst_object_unref (src);
  gst_object_unref (overlay);
}

static const struct
{
  const gchar *name;
  GTestDataFunc func;
} per_format[] = {
  {"placement", test_placement},
  {"no-meta-untouched", test_no_meta_untouched},
  {"hold-time", test_hold_time},
  {"composition-meta", test_composition_meta},
  {"regions", test_regions},
};

int
main (int argc, char **argv)
{
  GError *error = NULL;
  GstPlugin *plugin;

  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  plugin = gst_plugin_load_file (UNIFORMER_PLUGIN_FILE, &error);
  g_assert_no_error (error);
  gst_object_unref (plugin);

  for (guint i = 0; i < G_N_ELEMENTS (formats); i++) {
    for (guint t = 0; t < G_N_ELEMENTS (per_format); t++) {
      gchar *path = g_strdup_printf ("/overlay/%s/%s", per_format[t].name, formats[i]);

      g_test_add_data_func (path, formats[i], per_format[t].func);
      g_free (path);
    }
  }
  g_test_add_func ("/overlay/any-sink-blends", test_any_sink_blends);
  g_test_add_func ("/overlay/settings-change", test_settings_change);
  g_test_add_func ("/overlay/bad-input", test_bad_input);
  g_test_add_func ("/overlay/allocation-meta-attaches", test_allocation_meta_attaches);
  g_test_add_func ("/overlay/upstream-composition-blended", test_upstream_composition_blended);
  g_test_add_func ("/overlay/series/harness", test_series_harness);
  g_test_add_func ("/overlay/series/pipeline", test_series_pipeline);
  g_test_add_func ("/overlay/qos", test_qos);
  g_test_add_func ("/overlay/interlaced-refused", test_interlaced_refused);
  return g_test_run ();
}
