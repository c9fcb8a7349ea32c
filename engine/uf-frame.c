/* uf-frame.c: the memory layout of a UfFrame's planes, and crops of a
 * frame that point into its planes (no copy). */
#include "uniformer.h"

#include <string.h>

#define MAX_FRAME_SIDE 16384

static const guint packed_bpp[] = { 3, 4, 4, 4, 4 };

static gboolean
is_yuv (UfPixelFormat format)
{
  return format == UF_PIXEL_FORMAT_I420 || format == UF_PIXEL_FORMAT_NV12;
}

gboolean
uf_frame_get_layout (const UfFrame *f, UfFrameLayout *l, GError **error)
{
  if (f->width == 0 || f->height == 0 || f->width > MAX_FRAME_SIDE
      || f->height > MAX_FRAME_SIDE || (guint) f->format > UF_PIXEL_FORMAT_NV12) {
    g_set_error (error, UF_ERROR, UF_ERROR_ARGUMENT, "unsupported frame: format %d, %ux%u",
        f->format, f->width, f->height);
    return FALSE;
  }
  guint cw = (f->width + 1) / 2, ch = (f->height + 1) / 2;
  memset (l, 0, sizeof (*l));
  if (!is_yuv (f->format))
    *l = (UfFrameLayout) { 1, { (gsize) f->width * packed_bpp[f->format] }, { f->height } };
  else if (f->format == UF_PIXEL_FORMAT_I420)
    *l = (UfFrameLayout) { 3, { f->width, cw, cw }, { f->height, ch, ch } };
  else
    *l = (UfFrameLayout) { 2, { f->width, 2 * cw }, { f->height, ch } };
  for (guint i = 0; i < l->n_planes; i++)
    if (f->planes[i] == NULL || f->strides[i] < l->row_bytes[i]) {
      g_set_error (error, UF_ERROR, UF_ERROR_ARGUMENT, "frame plane %u is missing or its "
          "stride %" G_GSIZE_FORMAT " is below its row size %" G_GSIZE_FORMAT, i,
          f->strides[i], l->row_bytes[i]);
      return FALSE;
    }
  return TRUE;
}

gboolean
uf_frame_crop (const UfFrame *f, gint64 x, gint64 y, gint64 w, gint64 h, UfFrame *out)
{
  gint64 x1 = CLAMP (x + w, 0, (gint64) f->width), y1 = CLAMP (y + h, 0, (gint64) f->height);
  gint64 x0 = CLAMP (x, 0, (gint64) f->width), y0 = CLAMP (y, 0, (gint64) f->height);

  /* chroma is subsampled 2x2: a crop starts on an even pixel */
  if (is_yuv (f->format)) {
    x0 &= ~(gint64) 1;
    y0 &= ~(gint64) 1;
  }
  if (x1 - x0 < 2 || y1 - y0 < 2)
    return FALSE;
  *out = *f;
  out->width = (guint) (x1 - x0);
  out->height = (guint) (y1 - y0);
  if (!is_yuv (f->format)) {
    out->planes[0] = f->planes[0] + (gsize) y0 * f->strides[0] + (gsize) x0 * packed_bpp[f->format];
    return TRUE;
  }
  out->planes[0] = f->planes[0] + (gsize) y0 * f->strides[0] + (gsize) x0;
  /* I420: U and V at half the offset both ways; NV12: UV pairs, 2 bytes each */
  for (guint p = 1; p < (f->format == UF_PIXEL_FORMAT_I420 ? 3u : 2u); p++)
    out->planes[p] = f->planes[p] + (gsize) (y0 / 2) * f->strides[p]
        + (gsize) (f->format == UF_PIXEL_FORMAT_I420 ? x0 / 2 : x0);
  return TRUE;
}
