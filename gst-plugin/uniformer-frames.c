/* uniformer-frames.c: GstVideoFrame -> UfFrame, and deferred uploads. */
#include "uniformer-frames.h"

#include <string.h>

static gboolean
pixel_format (GstVideoFormat format, UfPixelFormat * out)
{
  switch (format) {
    case GST_VIDEO_FORMAT_RGB:
      *out = UF_PIXEL_FORMAT_RGB;
      return TRUE;
    case GST_VIDEO_FORMAT_RGBA:
      *out = UF_PIXEL_FORMAT_RGBA;
      return TRUE;
    case GST_VIDEO_FORMAT_BGRA:
      *out = UF_PIXEL_FORMAT_BGRA;
      return TRUE;
    case GST_VIDEO_FORMAT_BGRx:
      *out = UF_PIXEL_FORMAT_BGRX;
      return TRUE;
    case GST_VIDEO_FORMAT_RGBx:
      *out = UF_PIXEL_FORMAT_RGBX;
      return TRUE;
    case GST_VIDEO_FORMAT_I420:
      *out = UF_PIXEL_FORMAT_I420;
      return TRUE;
    case GST_VIDEO_FORMAT_NV12:
      *out = UF_PIXEL_FORMAT_NV12;
      return TRUE;
    default:
      return FALSE;
  }
}

gboolean
uniformer_frame_describe (const GstVideoFrame * frame, UfFrame * out)
{
  const GstVideoInfo *info = &frame->info;

  memset (out, 0, sizeof (*out));
  if (!pixel_format (GST_VIDEO_INFO_FORMAT (info), &out->format))
    return FALSE;
  out->width = GST_VIDEO_INFO_WIDTH (info);
  out->height = GST_VIDEO_INFO_HEIGHT (info);
  for (guint p = 0; p < GST_VIDEO_FRAME_N_PLANES (frame) && p < 3; p++) {
    out->planes[p] = GST_VIDEO_FRAME_PLANE_DATA (frame, p);
    out->strides[p] = GST_VIDEO_FRAME_PLANE_STRIDE (frame, p);
  }
  /* Only BT.709 differs from the engine's BT.601 default among the
   * matrices caps carry for these formats; anything else decodes as 601. */
  out->yuv_matrix = info->colorimetry.matrix == GST_VIDEO_COLOR_MATRIX_BT709 ?
      UF_YUV_MATRIX_BT709 : UF_YUV_MATRIX_BT601;
  out->yuv_full_range = info->colorimetry.range == GST_VIDEO_COLOR_RANGE_0_255;
  return TRUE;
}

/* ---- deferred uploads ---------------------------------------------------- */

void
uniformer_deferred_init (UniformerDeferred * d, guint n_slots)
{
  d->n_slots = n_slots;
  d->copies = g_new0 (UniformerFrameCopy, n_slots);
}

void
uniformer_deferred_clear (UniformerDeferred * d)
{
  for (guint s = 0; s < d->n_slots; s++)
    g_free (d->copies[s].data);
  g_free (d->copies);
  memset (d, 0, sizeof (*d));
}

void
uniformer_deferred_drop (UniformerDeferred * d)
{
  for (guint s = 0; s < d->n_slots; s++)
    d->copies[s].pending = FALSE;
}

gboolean
uniformer_deferred_store (UniformerDeferred * d, guint slot, const UfFrame * frame,
    GError ** error)
{
  UniformerFrameCopy *c;
  UfFrameLayout l;
  gsize total = 0, off[3];

  g_return_val_if_fail (slot < d->n_slots, FALSE);
  if (!uf_frame_get_layout (frame, &l, error))
    return FALSE;
  for (guint p = 0; p < l.n_planes; p++) {
    off[p] = total;
    total += l.row_bytes[p] * l.rows[p];
  }
  c = &d->copies[slot];
  /* the copy's memory is reused while the frame's size stays the same */
  if (c->size != total) {
    g_free (c->data);
    c->data = g_try_malloc (total);
    c->size = c->data ? total : 0;
    if (c->data == NULL) {
      c->pending = FALSE;
      g_set_error (error, UF_ERROR, UF_ERROR_OUT_OF_MEMORY, "could not copy a video frame "
          "(%" G_GSIZE_FORMAT " bytes)", total);
      return FALSE;
    }
  }
  c->frame = *frame;
  for (guint p = 0; p < l.n_planes; p++) {
    for (guint r = 0; r < l.rows[p]; r++)
      memcpy (c->data + off[p] + r * l.row_bytes[p],
          frame->planes[p] + r * frame->strides[p], l.row_bytes[p]);
    c->frame.planes[p] = c->data + off[p];
    c->frame.strides[p] = l.row_bytes[p];
  }
  c->pending = TRUE;
  return TRUE;
}

gboolean
uniformer_deferred_has_pending (const UniformerDeferred * d)
{
  for (guint s = 0; s < d->n_slots; s++)
    if (d->copies[s].pending)
      return TRUE;
  return FALSE;
}

gboolean
uniformer_deferred_flush (UniformerDeferred * d, UfSession * session, GError ** error)
{
  for (guint s = 0; s < d->n_slots; s++) {
    if (!d->copies[s].pending)
      continue;
    d->copies[s].pending = FALSE;
    if (!uf_session_upload_frame (session, s, &d->copies[s].frame, error))
      return FALSE;
  }
  return TRUE;
}
