/* uniformer-overlay-regions.c: region boxes and their tracks' labels. */
#include "uniformer-overlay-regions.h"

/* Outline thickness in pixels. */
#define LINE 2

typedef struct {
  GstVideoRectangle box;
  GstClockTime seen;            /* running time the region was last on a buffer */
  UniformerOverlayResult *result;
  GstClockTime result_time;
  GstVideoOverlayRectangle *label;      /* rendered result, at 0,0; NULL: draw it */
} Region;

struct _UniformerOverlayRegions {
  GHashTable *tracks;           /* id -> Region */
  GstVideoOverlayRectangle *pixel;      /* one premultiplied pixel, for the outlines */
  guint32 pixel_color;
};

static void
region_free (gpointer data)
{
  Region *g = data;

  uniformer_overlay_result_free (g->result);
  g_clear_pointer (&g->label, gst_video_overlay_rectangle_unref);
  g_free (g);
}

UniformerOverlayRegions *
uniformer_overlay_regions_new (void)
{
  UniformerOverlayRegions *r = g_new0 (UniformerOverlayRegions, 1);

  r->tracks = g_hash_table_new_full (NULL, NULL, NULL, region_free);
  return r;
}

void
uniformer_overlay_regions_free (UniformerOverlayRegions * r)
{
  if (r == NULL)
    return;
  g_hash_table_unref (r->tracks);
  g_clear_pointer (&r->pixel, gst_video_overlay_rectangle_unref);
  g_free (r);
}

void
uniformer_overlay_regions_clear (UniformerOverlayRegions * r)
{
  g_hash_table_remove_all (r->tracks);
}

/* The result in a "uniformer" parameter structure, or NULL when malformed. */
static UniformerOverlayResult *
result_of (const GstStructure * s)
{
  const GValue *labels = gst_structure_get_value (s, "labels");
  const GValue *scores = gst_structure_get_value (s, "scores");
  UniformerOverlayResult *out;
  guint n;

  if (labels == NULL || scores == NULL || !GST_VALUE_HOLDS_ARRAY (labels)
      || !GST_VALUE_HOLDS_ARRAY (scores))
    return NULL;
  n = MIN (gst_value_array_get_size (labels), gst_value_array_get_size (scores));
  const gchar **l = g_new0 (const gchar *, n + 1);
  gdouble *sc = g_new0 (gdouble, n);
  for (guint i = 0; i < n; i++) {
    const GValue *lv = gst_value_array_get_value (labels, i);
    const GValue *sv = gst_value_array_get_value (scores, i);

    l[i] = G_VALUE_HOLDS_STRING (lv) ? g_value_get_string (lv) : "";
    sc[i] = G_VALUE_HOLDS_DOUBLE (sv) ? g_value_get_double (sv) : 0.0;
  }
  out = uniformer_overlay_result_new (n, l, sc);
  g_free (l);
  g_free (sc);
  return out;
}

static gboolean
expired (GstClockTime since, GstClockTime now, GstClockTime hold)
{
  return GST_CLOCK_TIME_IS_VALID (since) && GST_CLOCK_TIME_IS_VALID (now)
      && GST_CLOCK_TIME_IS_VALID (hold) && now >= since && now - since > hold;
}

void
uniformer_overlay_regions_update (UniformerOverlayRegions * r, GstBuffer * buf,
    GstClockTime now, GstClockTime hold)
{
  gpointer state = NULL, key, value;
  GHashTableIter it;
  GstMeta *m;

  while ((m = gst_buffer_iterate_meta_filtered (buf, &state,
              GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
    GstVideoRegionOfInterestMeta *roi = (GstVideoRegionOfInterestMeta *) m;
    GstStructure *p = gst_video_region_of_interest_meta_get_param (roi, "uniformer");
    Region *g = g_hash_table_lookup (r->tracks, GINT_TO_POINTER (roi->id));
    UniformerOverlayResult *result = p ? result_of (p) : NULL;

    if (g == NULL && result == NULL)
      continue;                 /* a region no result was given for yet */
    if (g == NULL) {
      g = g_new0 (Region, 1);
      g_hash_table_insert (r->tracks, GINT_TO_POINTER (roi->id), g);
    }
    g->box = (GstVideoRectangle) { roi->x, roi->y, roi->w, roi->h };
    g->seen = now;
    if (result) {
      if (!uniformer_overlay_result_equal (result, g->result))
        g_clear_pointer (&g->label, gst_video_overlay_rectangle_unref);
      uniformer_overlay_result_free (g->result);
      g->result = result;
      g->result_time = now;
    }
  }
  g_hash_table_iter_init (&it, r->tracks);
  while (g_hash_table_iter_next (&it, &key, &value)) {
    Region *g = value;

    if (expired (g->seen, now, hold) || expired (g->result_time, now, hold)
        || g->result->n_rows == 0)
      g_hash_table_iter_remove (&it);
  }
}

static GstVideoOverlayRectangle *
pixel_of (UniformerOverlayRegions * r, guint32 argb)
{
  GstBuffer *px;
  GstMapInfo map;
  guint a = argb >> 24;
  guint32 premultiplied = (a << 24) | ((((argb >> 16) & 0xff) * a / 255) << 16)
      | ((((argb >> 8) & 0xff) * a / 255) << 8) | ((argb & 0xff) * a / 255);

  if (r->pixel && r->pixel_color == argb)
    return r->pixel;
  g_clear_pointer (&r->pixel, gst_video_overlay_rectangle_unref);
  px = gst_buffer_new_allocate (NULL, 4, NULL);
  gst_buffer_map (px, &map, GST_MAP_WRITE);
  /* native-endian ARGB, as the composition's RGB format names it */
  *(guint32 *) map.data = premultiplied;
  gst_buffer_unmap (px, &map);
  gst_buffer_add_video_meta (px, GST_VIDEO_FRAME_FLAG_NONE,
      GST_VIDEO_OVERLAY_COMPOSITION_FORMAT_RGB, 1, 1);
  r->pixel = gst_video_overlay_rectangle_new_raw (px, 0, 0, 1, 1,
      GST_VIDEO_OVERLAY_FORMAT_FLAG_PREMULTIPLIED_ALPHA);
  r->pixel_color = argb;
  gst_buffer_unref (px);
  return r->pixel;
}

/* A copy of @rect drawn at (x, y) scaled to w x h, added to @comp. */
static GstVideoOverlayComposition *
add_at (GstVideoOverlayComposition * comp, GstVideoOverlayRectangle * rect, gint x, gint y,
    guint w, guint h)
{
  GstVideoOverlayRectangle *placed = gst_video_overlay_rectangle_copy (rect);

  gst_video_overlay_rectangle_set_render_rectangle (placed, x, y, w, h);
  if (comp == NULL)
    comp = gst_video_overlay_composition_new (placed);
  else
    gst_video_overlay_composition_add_rectangle (comp, placed);
  gst_video_overlay_rectangle_unref (placed);
  return comp;
}

GstVideoOverlayComposition *
uniformer_overlay_regions_render (UniformerOverlayRegions * r,
    UniformerOverlayRenderer * renderer, const UniformerOverlayStyle * style,
    gboolean style_changed, gint fw, gint fh, GstVideoOverlayComposition * comp)
{
  UniformerOverlayStyle label_style = *style;
  GHashTableIter it;
  gpointer value;

  /* a track's label is its best class, at the box's top left corner */
  label_style.max_rows = MIN (style->max_rows, 1);
  label_style.halign = UNIFORMER_OVERLAY_HALIGN_LEFT;
  label_style.valign = UNIFORMER_OVERLAY_VALIGN_TOP;
  label_style.xpad = label_style.ypad = 0;
  g_hash_table_iter_init (&it, r->tracks);
  while (g_hash_table_iter_next (&it, NULL, &value)) {
    Region *g = value;
    gint x0 = CLAMP (g->box.x, 0, fw), y0 = CLAMP (g->box.y, 0, fh);
    gint x1 = CLAMP (g->box.x + g->box.w, 0, fw), y1 = CLAMP (g->box.y + g->box.h, 0, fh);
    GstVideoOverlayRectangle *px = pixel_of (r, style->bar_color);
    gint lx, ly;
    guint lw, lh;

    if (x1 - x0 < 2 * LINE || y1 - y0 < 2 * LINE)
      continue;
    comp = add_at (comp, px, x0, y0, x1 - x0, LINE);
    comp = add_at (comp, px, x0, y1 - LINE, x1 - x0, LINE);
    comp = add_at (comp, px, x0, y0, LINE, y1 - y0);
    comp = add_at (comp, px, x1 - LINE, y0, LINE, y1 - y0);
    if (style_changed)
      g_clear_pointer (&g->label, gst_video_overlay_rectangle_unref);
    if (g->label == NULL) {
      GstVideoOverlayComposition *c = uniformer_overlay_render (renderer, &label_style,
          g->result, fw - x0, fh - y0);

      if (c)
        g->label = gst_video_overlay_rectangle_ref (gst_video_overlay_composition_get_rectangle
            (c, 0));
      g_clear_pointer (&c, gst_video_overlay_composition_unref);
    }
    if (g->label == NULL)
      continue;
    gst_video_overlay_rectangle_get_render_rectangle (g->label, &lx, &ly, &lw, &lh);
    comp = add_at (comp, g->label, x0, y0, lw, lh);
  }
  return comp;
}
