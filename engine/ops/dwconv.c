/* dwconv.c: depthwise 3-D convolutions, DPE and local MHRA (shaders/dwconv.comp). */
#include "dwconv.h"

void
uf_op_dwconv_record (UfRecorder *rec, const UfDwconvArgs *a)
{
  /* four channels per lane through the texel views when they can */
  gboolean texels = uf_on_texels (a->C | a->in_off | a->out_off | a->w_off | a->bias_off);
  /* no wider than the channels need, in whole subgroups (lavapipe's
   * vector): lanes past the last channel cost as much as busy ones */
  guint32 sg = MAX (rec->dev->subgroup_size, 1);
  guint32 lanes = uf_div_up (a->C / (texels ? 4 : 1), sg) * sg;
  guint32 spec[5] = { MIN (rec->tuning->dwconv_lx, lanes), a->ks, rec->tuning->dwconv_wo,
    rec->tuning->dwconv_ho, texels };
  guint32 taps = a->ks * a->ks * a->ks;
  UfWeightBase wb = uf_rec_weights (rec, MIN (a->w_off, a->bias_off),
      MAX (a->w_off + taps * a->C, a->bias_off + a->C), 0, 0);
  guint32 batch = MAX (a->batch, 1);
  guint32 push[9] = { a->T, a->H, a->W, a->C, a->in_off, a->out_off, a->w_off - wb.f32,
    a->bias_off - wb.f32, a->residual };
  uf_rec_macs (rec, (double) batch * a->T * a->H * a->W * a->C * taps);
  /* the grids of a batch are frames one after another in z */
  uf_rec_dispatch (rec, UF_SHADER_DWCONV, spec, 5, push, sizeof (push),
      uf_div_up (a->C / (texels ? 4 : 1), spec[0]), uf_div_up (a->W, spec[2]),
      batch * a->T * uf_div_up (a->H, spec[3]));
}

static void
dwconv_one (const UfDwconvArgs *a, const UfHostBuffers *h)
{
  int pad = a->ks / 2, ks = a->ks;
  for (guint32 t = 0; t < a->T; t++)
    for (guint32 y = 0; y < a->H; y++)
      for (guint32 x = 0; x < a->W; x++)
        for (guint32 c = 0; c < a->C; c++) {
          double acc = h->weights[a->bias_off + c];
          for (int kt = 0; kt < ks; kt++)
            for (int kh = 0; kh < ks; kh++)
              for (int kw = 0; kw < ks; kw++) {
                int ti = t + kt - pad, yi = y + kh - pad, xi = x + kw - pad;
                if (ti < 0 || ti >= (int) a->T || yi < 0 || yi >= (int) a->H || xi < 0
                    || xi >= (int) a->W)
                  continue;
                acc += (double) h->weights[a->w_off + ((kt * ks + kh) * ks + kw) * a->C + c]
                    * h->arena[a->in_off + ((ti * a->H + yi) * a->W + xi) * a->C + c];
              }
          guint32 pos = ((t * a->H + y) * a->W + x) * a->C + c;
          if (a->residual)
            acc += h->arena[a->in_off + pos];
          h->arena[a->out_off + pos] = acc;
        }
}

void
uf_op_dwconv_reference (const UfDwconvArgs *a, const UfHostBuffers *h)
{
  gsize grid = (gsize) a->T * a->H * a->W * a->C;
  for (guint32 b = 0; b < MAX (a->batch, 1); b++) {
    UfDwconvArgs one = *a;
    one.batch = 1;
    one.in_off += b * grid;
    one.out_off += b * grid;
    dwconv_one (&one, h);
  }
}
