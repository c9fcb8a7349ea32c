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

gboolean
uniformer_frame_upload (UfSession * session, guint slot, const GstVideoFrame * frame,
    GError ** error)
{
  UfFrame f;

  if (!uniformer_frame_describe (frame, &f)) {
    g_set_error (error, UF_ERROR, UF_ERROR_ARGUMENT, "video format %s is not supported",
        GST_VIDEO_INFO_NAME (&frame->info));
    return FALSE;
  }
  return uf_session_upload_frame (session, slot, &f, error);
}

/* ---- deferred uploads ---------------------------------------------------- */

void
uniformer_deferred_init (UniformerDeferred * d, guint n_slots)
{
  d->n_slots = n_slots;
  d->copies = g_new0 (GstBuffer *, n_slots);
  d->infos = g_new0 (GstVideoInfo, n_slots);
  d->pending = g_new0 (gboolean, n_slots);
}

void
uniformer_deferred_clear (UniformerDeferred * d)
{
  for (guint s = 0; s < d->n_slots; s++)
    gst_clear_buffer (&d->copies[s]);
  g_free (d->copies);
  g_free (d->infos);
  g_free (d->pending);
  memset (d, 0, sizeof (*d));
}

void
uniformer_deferred_drop (UniformerDeferred * d)
{
  memset (d->pending, 0, d->n_slots * sizeof (gboolean));
}

gboolean
uniformer_deferred_store (UniformerDeferred * d, guint slot, const GstVideoFrame * frame)
{
  GstVideoFrame copy;
  gboolean ok;

  g_return_val_if_fail (slot < d->n_slots, FALSE);
  /* The buffer is reused while the frame size stays the same. */
  if (d->copies[slot] && gst_buffer_get_size (d->copies[slot]) != frame->info.size)
    gst_clear_buffer (&d->copies[slot]);
  if (d->copies[slot] == NULL)
    d->copies[slot] = gst_buffer_new_allocate (NULL, frame->info.size, NULL);
  d->infos[slot] = frame->info;
  if (!gst_video_frame_map (&copy, &d->infos[slot], d->copies[slot], GST_MAP_WRITE))
    return FALSE;
  ok = gst_video_frame_copy (&copy, frame);
  gst_video_frame_unmap (&copy);
  d->pending[slot] = ok;
  return ok;
}

gboolean
uniformer_deferred_has_pending (const UniformerDeferred * d)
{
  for (guint s = 0; s < d->n_slots; s++)
    if (d->pending[s])
      return TRUE;
  return FALSE;
}

gboolean
uniformer_deferred_flush (UniformerDeferred * d, UfSession * session, GError ** error)
{
  for (guint s = 0; s < d->n_slots; s++) {
    GstVideoFrame frame;
    gboolean ok;

    if (!d->pending[s])
      continue;
    d->pending[s] = FALSE;
    if (!gst_video_frame_map (&frame, &d->infos[s], d->copies[s], GST_MAP_READ)) {
      g_set_error (error, UF_ERROR, UF_ERROR_ARGUMENT, "cannot map the copy of a frame");
      return FALSE;
    }
    ok = uniformer_frame_upload (session, s, &frame, error);
    gst_video_frame_unmap (&frame);
    if (!ok)
      return FALSE;
  }
  return TRUE;
}
