/* uniformer-overlay-render.c: the result box, drawn with Pango/Cairo into an
 * ARGB buffer wrapped as a GstVideoOverlayComposition. The composition can be
 * blended into any format gst_video_overlay_composition_blend() knows, or
 * attached as meta for a downstream element to draw. */
#include "uniformer-overlay-render.h"

#include <math.h>
#include <pango/pangocairo.h>

#define DEFAULT_FONT "Sans 14"

struct _UniformerOverlayRenderer
{
  PangoFontMap *font_map;
  PangoContext *context;
};

/* The measured pieces of one box. */
typedef struct
{
  guint n_rows;
  PangoLayout **labels;
  PangoLayout **scores;         /* NULL entries when scores are hidden */
  gint text_h, max_label_w, max_score_w;
  gint pad, row_gap, bar_h, row_h, inner_w;
  gint box_w, box_h;
} BoxLayout;

void
uniformer_overlay_style_copy (UniformerOverlayStyle * dest, const UniformerOverlayStyle * src)
{
  gchar *font = g_strdup (src->font_desc);

  g_free (dest->font_desc);
  *dest = *src;
  dest->font_desc = font;
}

void
uniformer_overlay_style_clear (UniformerOverlayStyle * style)
{
  g_clear_pointer (&style->font_desc, g_free);
}

UniformerOverlayResult *
uniformer_overlay_result_new (guint n_rows, const gchar * const *labels, const gdouble * scores)
{
  UniformerOverlayResult *r = g_new0 (UniformerOverlayResult, 1);

  r->n_rows = n_rows;
  r->labels = g_new0 (gchar *, n_rows + 1);
  r->scores = g_new0 (gdouble, MAX (n_rows, 1));
  for (guint i = 0; i < n_rows; i++) {
    /* Labels come from a model file: Pango needs valid UTF-8. */
    r->labels[i] = g_utf8_make_valid (labels && labels[i] ? labels[i] : "", -1);
    r->scores[i] = scores ? scores[i] : 0.0;
  }
  return r;
}

gboolean
uniformer_overlay_result_equal (const UniformerOverlayResult * a, const UniformerOverlayResult * b)
{
  if (a == NULL || b == NULL)
    return a == b;
  if (a->n_rows != b->n_rows)
    return FALSE;
  for (guint i = 0; i < a->n_rows; i++)
    if (a->scores[i] != b->scores[i] || g_strcmp0 (a->labels[i], b->labels[i]) != 0)
      return FALSE;
  return TRUE;
}

void
uniformer_overlay_result_free (UniformerOverlayResult * result)
{
  if (result == NULL)
    return;
  g_strfreev (result->labels);
  g_free (result->scores);
  g_free (result);
}

UniformerOverlayRenderer *
uniformer_overlay_renderer_new (void)
{
  UniformerOverlayRenderer *r = g_new0 (UniformerOverlayRenderer, 1);

  /* A font map of our own: Pango's default one is per thread and the
   * streaming thread may change between pipeline runs. */
  r->font_map = pango_cairo_font_map_new ();
  r->context = pango_font_map_create_context (r->font_map);
  return r;
}

void
uniformer_overlay_renderer_free (UniformerOverlayRenderer * renderer)
{
  if (renderer == NULL)
    return;
  g_object_unref (renderer->context);
  g_object_unref (renderer->font_map);
  g_free (renderer);
}

static PangoLayout *
make_layout (UniformerOverlayRenderer * r, const PangoFontDescription * font,
    const gchar * text, gint * width, gint * height)
{
  PangoLayout *layout = pango_layout_new (r->context);
  PangoRectangle logical;

  pango_layout_set_font_description (layout, font);
  pango_layout_set_text (layout, text, -1);
  pango_layout_get_pixel_extents (layout, NULL, &logical);
  *width = MAX (*width, logical.width);
  *height = MAX (*height, logical.height);
  return layout;
}

static gdouble
clamp_score (gdouble score)
{
  return isnan (score) ? 0.0 : CLAMP (score, 0.0, 1.0);
}

static void
box_layout_measure (BoxLayout * box, UniformerOverlayRenderer * r,
    const UniformerOverlayStyle * style, const UniformerOverlayResult * result)
{
  const gchar *font_name = style->font_desc && *style->font_desc ? style->font_desc : DEFAULT_FONT;
  PangoFontDescription *font = pango_font_description_from_string (font_name);
  gint unused = 0;

  box->n_rows = MIN (result->n_rows, style->max_rows);
  box->labels = g_new0 (PangoLayout *, box->n_rows);
  box->scores = g_new0 (PangoLayout *, box->n_rows);
  for (guint i = 0; i < box->n_rows; i++) {
    box->labels[i] = make_layout (r, font, result->labels[i], &box->max_label_w, &box->text_h);
    if (style->show_scores) {
      gchar *text = g_strdup_printf ("%.0f%%", 100.0 * clamp_score (result->scores[i]));

      box->scores[i] = make_layout (r, font, text, &box->max_score_w, &unused);
      g_free (text);
    }
  }
  pango_font_description_free (font);

  /* Spacing scales with the font so the box keeps its proportions. */
  box->pad = MAX (2, box->text_h / 3);
  box->row_gap = box->pad / 2;
  box->bar_h = style->show_scores ? MAX (2, box->text_h / 4) : 0;
  box->row_h = box->text_h + (style->show_scores ? box->row_gap + box->bar_h : 0);
  box->inner_w = box->max_label_w;
  if (style->show_scores)
    box->inner_w = MAX (box->inner_w + box->pad + box->max_score_w, 4 * box->text_h);
  box->box_w = box->inner_w + 2 * box->pad;
  box->box_h = box->n_rows * box->row_h + (box->n_rows - 1) * box->row_gap + 2 * box->pad;
}

static void
box_layout_clear (BoxLayout * box)
{
  for (guint i = 0; i < box->n_rows; i++) {
    g_clear_object (&box->labels[i]);
    g_clear_object (&box->scores[i]);
  }
  g_free (box->labels);
  g_free (box->scores);
}

static void
set_argb (cairo_t * cr, guint32 argb, gdouble alpha_scale)
{
  cairo_set_source_rgba (cr, ((argb >> 16) & 0xff) / 255.0, ((argb >> 8) & 0xff) / 255.0,
      (argb & 0xff) / 255.0, alpha_scale * ((argb >> 24) & 0xff) / 255.0);
}

static void
draw_box (cairo_t * cr, const BoxLayout * box, const UniformerOverlayStyle * style,
    const UniformerOverlayResult * result)
{
  PangoRectangle logical;

  cairo_set_operator (cr, CAIRO_OPERATOR_SOURCE);
  set_argb (cr, style->background_color, 1.0);
  cairo_paint (cr);
  cairo_set_operator (cr, CAIRO_OPERATOR_OVER);

  for (guint i = 0; i < box->n_rows; i++) {
    gint y = box->pad + i * (box->row_h + box->row_gap);

    set_argb (cr, style->color, 1.0);
    cairo_move_to (cr, box->pad, y);
    pango_cairo_show_layout (cr, box->labels[i]);
    if (!style->show_scores)
      continue;

    /* Scores right-aligned, so their digits line up. */
    pango_layout_get_pixel_extents (box->scores[i], NULL, &logical);
    cairo_move_to (cr, box->pad + box->inner_w - logical.width, y);
    pango_cairo_show_layout (cr, box->scores[i]);

    /* The bar's full length is drawn faintly so scores read as a fraction. */
    y += box->text_h + box->row_gap;
    set_argb (cr, style->bar_color, 0.3);
    cairo_rectangle (cr, box->pad, y, box->inner_w, box->bar_h);
    cairo_fill (cr);
    set_argb (cr, style->bar_color, 1.0);
    cairo_rectangle (cr, box->pad, y, box->inner_w * clamp_score (result->scores[i]), box->bar_h);
    cairo_fill (cr);
  }
}

static gint
place (gint align, gint box_size, gint frame_size, gint padding)
{
  gint pos;

  switch (align) {
    case 0:                    /* left / top */
      pos = padding;
      break;
    case 1:                    /* center */
      pos = (frame_size - box_size) / 2;
      break;
    default:                   /* right / bottom */
      pos = frame_size - box_size - padding;
      break;
  }
  return CLAMP (pos, 0, MAX (0, frame_size - box_size));
}

GstVideoOverlayComposition *
uniformer_overlay_render (UniformerOverlayRenderer * renderer, const UniformerOverlayStyle * style,
    const UniformerOverlayResult * result, gint frame_width, gint frame_height)
{
  BoxLayout box = { 0 };
  GstVideoOverlayComposition *composition;
  GstVideoOverlayRectangle *rect;
  cairo_surface_t *surface;
  cairo_t *cr;
  GstBuffer *pixels;
  GstMapInfo map;
  gint width, height, stride;

  if (result == NULL || result->n_rows == 0 || style->max_rows == 0
      || frame_width <= 0 || frame_height <= 0)
    return NULL;

  box_layout_measure (&box, renderer, style, result);
  /* A box larger than the frame is cut, never placed outside it. */
  width = MIN (box.box_w, frame_width);
  height = MIN (box.box_h, frame_height);
  stride = cairo_format_stride_for_width (CAIRO_FORMAT_ARGB32, width);

  pixels = gst_buffer_new_allocate (NULL, (gsize) stride * height, NULL);
  gst_buffer_map (pixels, &map, GST_MAP_WRITE);
  surface = cairo_image_surface_create_for_data (map.data, CAIRO_FORMAT_ARGB32, width, height,
      stride);
  cr = cairo_create (surface);
  draw_box (cr, &box, style, result);
  cairo_destroy (cr);
  cairo_surface_flush (surface);
  cairo_surface_destroy (surface);
  gst_buffer_unmap (pixels, &map);
  box_layout_clear (&box);

  /* Cairo's ARGB32 is native-endian premultiplied ARGB, which is what
   * GST_VIDEO_OVERLAY_COMPOSITION_FORMAT_RGB names on either endianness. */
  gst_buffer_add_video_meta (pixels, GST_VIDEO_FRAME_FLAG_NONE,
      GST_VIDEO_OVERLAY_COMPOSITION_FORMAT_RGB, width, height);
  rect = gst_video_overlay_rectangle_new_raw (pixels,
      place (style->halign, width, frame_width, style->xpad),
      place (style->valign, height, frame_height, style->ypad), width, height,
      GST_VIDEO_OVERLAY_FORMAT_FLAG_PREMULTIPLIED_ALPHA);
  gst_buffer_unref (pixels);
  composition = gst_video_overlay_composition_new (rect);
  gst_video_overlay_rectangle_unref (rect);
  return composition;
}
