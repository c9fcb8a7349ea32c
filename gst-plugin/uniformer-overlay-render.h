/* uniformer-overlay-render.h: lays out and draws a classification result
 * (labels, scores, score bars) into a GstVideoOverlayComposition with
 * Pango/Cairo. No GStreamer element state: uniformeroverlay owns one renderer
 * and calls it from its streaming thread only. */
#ifndef UNIFORMER_OVERLAY_RENDER_H
#define UNIFORMER_OVERLAY_RENDER_H

#include <gst/video/video.h>

G_BEGIN_DECLS

typedef enum {
  UNIFORMER_OVERLAY_HALIGN_LEFT,
  UNIFORMER_OVERLAY_HALIGN_CENTER,
  UNIFORMER_OVERLAY_HALIGN_RIGHT,
} UniformerOverlayHAlign;

typedef enum {
  UNIFORMER_OVERLAY_VALIGN_TOP,
  UNIFORMER_OVERLAY_VALIGN_CENTER,
  UNIFORMER_OVERLAY_VALIGN_BOTTOM,
} UniformerOverlayVAlign;

/* How the box looks and where it goes. Colours are 0xAARRGGBB. */
typedef struct {
  gchar *font_desc;
  guint32 color;
  guint32 bar_color;
  guint32 background_color;
  gboolean show_scores;
  guint max_rows;
  UniformerOverlayHAlign halign;
  UniformerOverlayVAlign valign;
  gint xpad, ypad;
} UniformerOverlayStyle;

/* A copy of the rows of one result, best first. */
typedef struct {
  guint n_rows;
  gchar **labels;               /* n_rows strings, NULL-terminated */
  gdouble *scores;              /* n_rows values in [0, 1] */
} UniformerOverlayResult;

typedef struct _UniformerOverlayRenderer UniformerOverlayRenderer;

void uniformer_overlay_style_copy (UniformerOverlayStyle * dest,
    const UniformerOverlayStyle * src);
void uniformer_overlay_style_clear (UniformerOverlayStyle * style);

UniformerOverlayResult *uniformer_overlay_result_new (guint n_rows,
    const gchar * const *labels, const gdouble * scores);
gboolean uniformer_overlay_result_equal (const UniformerOverlayResult * a,
    const UniformerOverlayResult * b);
void uniformer_overlay_result_free (UniformerOverlayResult * result);

UniformerOverlayRenderer *uniformer_overlay_renderer_new (void);
void uniformer_overlay_renderer_free (UniformerOverlayRenderer * renderer);

/* Draws @result as one ARGB rectangle placed in a @frame_width x
 * @frame_height frame. Returns NULL when there is nothing to draw (no rows,
 * max_rows 0, or the frame is empty). */
GstVideoOverlayComposition *uniformer_overlay_render (UniformerOverlayRenderer * renderer,
    const UniformerOverlayStyle * style, const UniformerOverlayResult * result,
    gint frame_width, gint frame_height);

G_END_DECLS

#endif /* UNIFORMER_OVERLAY_RENDER_H */
