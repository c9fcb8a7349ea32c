/* cases/preprocess.c: frame conversion rows, every pixel format, crops and
 * stretches, both matrices and ranges.
 *
 * Bound: absolute, in normalised units. 4x the fp32 arithmetic error
 * measured on lavapipe would be a few 1e-6, but lavapipe computes the
 * source coordinate (dst + 0.5) * scale - 0.5 exactly as the C reference
 * rounds it; a compiler that fuses it into one multiply-add moves a sample
 * by up to one ulp of the coordinate (2^-17 px for these sources, all under
 * 128 px), which on a full-range step between random neighbours (1/std = 5
 * per px at most) costs 3.8e-5. The bound covers that, and is still 400x
 * below one 8-bit step (0.017). The benchmark row is a 1080p camera's frame
 * to UniFormer-S's input. */
#include <math.h>
#include "../op-case.h"

#define PREPROCESS_BOUND 4e-5

typedef struct {
  UfPixelFormat format;
  guint32 src_w, src_h, dst_w, dst_h;
  gboolean stretch, bgr, bt709, full_range;
  const char *bench;
} PreprocessRow;

static const PreprocessRow rows[] = {
  { UF_PIXEL_FORMAT_RGB, 45, 31, 32, 32, FALSE, FALSE, FALSE, FALSE },
  { UF_PIXEL_FORMAT_RGBA, 64, 48, 32, 32, FALSE, TRUE, FALSE, FALSE },
  { UF_PIXEL_FORMAT_BGRA, 20, 50, 32, 64, TRUE, FALSE, FALSE, FALSE },
  { UF_PIXEL_FORMAT_BGRX, 33, 33, 32, 32, FALSE, FALSE, FALSE, FALSE },
  { UF_PIXEL_FORMAT_RGBX, 100, 70, 64, 32, FALSE, FALSE, FALSE, FALSE },
  { UF_PIXEL_FORMAT_I420, 47, 29, 32, 32, FALSE, FALSE, FALSE, FALSE },
  { UF_PIXEL_FORMAT_I420, 64, 36, 32, 32, FALSE, TRUE, TRUE, TRUE },
  { UF_PIXEL_FORMAT_NV12, 51, 40, 32, 32, FALSE, FALSE, TRUE, FALSE },
  { UF_PIXEL_FORMAT_NV12, 16, 16, 32, 32, TRUE, FALSE, FALSE, TRUE },
  { UF_PIXEL_FORMAT_NV12, 1920, 1080, 224, 224, FALSE, FALSE, TRUE, FALSE,
    "preprocess NV12 1080p -> 224" },
};

/* The absolute error over the output slot (ring slot 1), and that the rest
 * of the ring holds its input. */
static void
check_slot (const PreprocessRow *c, UfOpBench *b, UfOpRegion slot)
{
  double err = 0.0;
  for (gsize i = slot.off; i < slot.off + slot.cols; i++)
    err = MAX (err, isnan (b->gpu_ring[i]) ? INFINITY : fabs (b->gpu_ring[i] - b->ring[i]));
  gsize stray = uf_op_bench_count_outside (b->gpu_ring, b->ring, b->n_ring, slot);
  g_test_message ("preprocess: max abs error %.3g over the output slot (bound %.2g)", err,
      PREPROCESS_BOUND);
  if (!(err <= PREPROCESS_BOUND))
    g_test_fail_printf ("preprocess format %d: max abs error %.3g exceeds %.2g", c->format, err,
        PREPROCESS_BOUND);
  if (stray > 0)
    g_test_fail_printf ("preprocess format %d: %" G_GSIZE_FORMAT " ring elements outside the "
        "slot changed", c->format, stray);
}

static void
run (UfOpCase *oc, gconstpointer row)
{
  const PreprocessRow *c = row;
  static const guint bpp[] = { 3, 4, 4, 4, 4, 1, 1 };
  guint32 cw = (c->src_w + 1) / 2, ch = (c->src_h + 1) / 2;
  UfPreprocessArgs a = {
    .format = c->format, .src_w = c->src_w, .src_h = c->src_h,
    .dst_w = c->dst_w, .dst_h = c->dst_h, .slot_off = 3 * c->dst_w * c->dst_h,
    .mean = { 0.45f, 0.40f, 0.35f }, .inv_std = { 1 / 0.225f, 1 / 0.25f, 1 / 0.2f },
    .bgr = c->bgr, .kr = c->bt709 ? 0.2126f : 0.299f, .kb = c->bt709 ? 0.0722f : 0.114f,
    .full_range = c->full_range,
  };
  a.stride[0] = (c->src_w * bpp[c->format] + 3) / 4 * 4 + 4;  /* padded rows */
  a.plane_off[0] = 8;
  a.stride[1] = a.stride[2] = c->format == UF_PIXEL_FORMAT_NV12 ? 2 * cw + 2 : cw + 3;
  a.plane_off[1] = a.plane_off[0] + a.stride[0] * c->src_h;
  a.plane_off[2] = a.plane_off[1] + a.stride[1] * ch;
  gsize n_staging = a.plane_off[2] + a.stride[2] * ch;
  /* geometry as the session computes it for a crop or a stretch: this row
   * tests the shader against its C reference for given arguments; the
   * session's geometry and conversion are tested against an independent
   * implementation by tests/reference/test_preprocess.py */
  guint32 rw = c->dst_w, rh = c->dst_h;
  if (!c->stretch) {
    if ((guint64) c->src_h * c->dst_w <= (guint64) c->src_w * c->dst_h)
      rw = MAX (c->dst_w, (guint32) floor ((double) c->src_w / c->src_h * c->dst_h));
    else
      rh = MAX (c->dst_h, (guint32) floor ((double) c->src_h / c->src_w * c->dst_w));
  }
  a.scale_x = (float) c->src_w / rw;
  a.scale_y = (float) c->src_h / rh;
  a.crop_x0 = (rw - c->dst_w + 1) / 2;
  a.crop_y0 = (rh - c->dst_h + 1) / 2;
  UfOpBench b;
  uf_op_bench_init (&b, oc->dev, c->src_w, 0, 0, 0, 3 * a.slot_off, 0, n_staging, 1.0f);
  uf_op_case_run (oc, &b, RECORD (uf_op_preprocess_record),
      REFERENCE (uf_op_preprocess_reference), &a);
  if (oc->mode == UF_OP_CASE_BENCH)
    uf_op_case_report (oc, &b, (double) a.slot_off);  /* a value per output element */
  else
    check_slot (c, &b, UF_OP_SPAN (a.slot_off, a.slot_off));
  uf_op_bench_clear (&b);
}

const UfOpSuite uf_op_cases_preprocess[] = {
  { "preprocess", UF_OP_ROWS (rows, PreprocessRow), run, TRUE },
  { NULL },
};
