/* preprocess.c: frame conversion, resize, crop and normalisation
 * (shaders/preprocess.comp). */
#include <math.h>
#include "preprocess.h"

void
uf_op_preprocess_record (UfRecorder *rec, const UfPreprocessArgs *a)
{
  G_STATIC_ASSERT (sizeof (UfPreprocessArgs) <= UF_PUSH_CONSTANT_BYTES);
  guint32 spec[1] = { rec->tuning->preprocess_lx };
  uf_rec_dispatch (rec, UF_SHADER_PREPROCESS, spec, 1, a, sizeof (*a),
      uf_div_up (a->dst_w, spec[0]), a->dst_h, 1);
}

static float
byte_at (const UfHostBuffers *h, guint32 offset)
{
  return h->staging[offset];
}

static void
yuv_to_rgb (const UfPreprocessArgs *a, float y, float u, float v, float rgb[3])
{
  if (a->full_range) {
    y /= 255.0f; u = (u - 128.0f) / 255.0f; v = (v - 128.0f) / 255.0f;
  } else {
    y = (y - 16.0f) / 219.0f; u = (u - 128.0f) / 224.0f; v = (v - 128.0f) / 224.0f;
  }
  float r = y + 2.0f * (1.0f - a->kr) * v;
  float b = y + 2.0f * (1.0f - a->kb) * u;
  float g = (y - a->kr * r - a->kb * b) / (1.0f - a->kr - a->kb);
  rgb[0] = CLAMP (r, 0.0f, 1.0f);
  rgb[1] = CLAMP (g, 0.0f, 1.0f);
  rgb[2] = CLAMP (b, 0.0f, 1.0f);
}

static void
fetch (const UfPreprocessArgs *a, const UfHostBuffers *h, guint32 x, guint32 y, float rgb[3])
{
  guint32 row = a->plane_off[0] + y * a->stride[0];
  /* byte positions of R, G, B for the packed formats */
  static const int order[5][3] = { {0, 1, 2}, {0, 1, 2}, {2, 1, 0}, {2, 1, 0}, {0, 1, 2} };
  static const int bpp[5] = { 3, 4, 4, 4, 4 };
  if (a->format <= UF_PIXEL_FORMAT_RGBX) {
    guint32 o = row + bpp[a->format] * x;
    for (int i = 0; i < 3; i++)
      rgb[i] = byte_at (h, o + order[a->format][i]) / 255.0f;
  } else if (a->format == UF_PIXEL_FORMAT_I420) {
    float u = byte_at (h, a->plane_off[1] + (y / 2) * a->stride[1] + x / 2);
    float v = byte_at (h, a->plane_off[2] + (y / 2) * a->stride[2] + x / 2);
    yuv_to_rgb (a, byte_at (h, row + x), u, v, rgb);
  } else {
    guint32 c = a->plane_off[1] + (y / 2) * a->stride[1] + (x / 2) * 2;
    yuv_to_rgb (a, byte_at (h, row + x), byte_at (h, c), byte_at (h, c + 1), rgb);
  }
}

static void
source_index (guint32 dst, float scale, guint32 size, guint32 *i0, guint32 *i1, float *frac)
{
  float s = MAX (((float) dst + 0.5f) * scale - 0.5f, 0.0f);
  *i0 = MIN ((guint32) s, size - 1);
  *i1 = MIN (*i0 + 1, size - 1);
  *frac = s - (float) *i0;
}

void
uf_op_preprocess_reference (const UfPreprocessArgs *a, const UfHostBuffers *h)
{
  guint32 plane = a->dst_w * a->dst_h;
  for (guint32 oy = 0; oy < a->dst_h; oy++)
    for (guint32 ox = 0; ox < a->dst_w; ox++) {
      guint32 x0, x1, y0, y1;
      float fx, fy, p00[3], p01[3], p10[3], p11[3];
      source_index (ox + a->crop_x0, a->scale_x, a->src_w, &x0, &x1, &fx);
      source_index (oy + a->crop_y0, a->scale_y, a->src_h, &y0, &y1, &fy);
      fetch (a, h, x0, y0, p00);
      fetch (a, h, x1, y0, p01);
      fetch (a, h, x0, y1, p10);
      fetch (a, h, x1, y1, p11);
      for (int c = 0; c < 3; c++) {
        float top = p00[c] + (p01[c] - p00[c]) * fx;
        float bottom = p10[c] + (p11[c] - p10[c]) * fx;
        float v = top + (bottom - top) * fy;
        int dst_c = a->bgr ? 2 - c : c;
        h->ring[a->slot_off + dst_c * plane + oy * a->dst_w + ox] =
            (v - a->mean[dst_c]) * a->inv_std[dst_c];
      }
    }
}
