/* layernorm.c: LayerNorm over channels (shaders/layernorm.comp). */
#include <math.h>
#include <string.h>
#include "layernorm.h"

void
uf_op_layernorm_record (UfRecorder *rec, const UfLayernormArgs *a)
{
  /* rows read as vec4 texels when they can be */
  guint32 spec[2] = { rec->tuning->rows_lx,
    uf_on_texels (a->C | a->in_off | a->out_off | a->gamma_off | a->beta_off) };
  UfWeightBase wb = uf_rec_weights (rec, MIN (a->gamma_off, a->beta_off),
      MAX (a->gamma_off, a->beta_off) + a->C, 0, 0);
  guint32 push[7] = { a->rows, a->C, a->in_off, a->out_off, a->gamma_off - wb.f32,
    a->beta_off - wb.f32 };
  memcpy (&push[6], &a->eps, sizeof (float));
  uf_rec_macs (rec, (double) a->rows * a->C);
  uf_rec_dispatch (rec, UF_SHADER_LAYERNORM, spec, 2, push, sizeof (push),
      uf_div_up (a->rows, spec[0]), 1, 1);
}

void
uf_op_layernorm_reference (const UfLayernormArgs *a, const UfHostBuffers *h)
{
  for (guint32 r = 0; r < a->rows; r++) {
    const float *x = &h->arena[a->in_off + r * a->C];
    float *y = &h->arena[a->out_off + r * a->C];
    double mean = 0.0, var = 0.0;
    for (guint32 c = 0; c < a->C; c++)
      mean += x[c];
    mean /= a->C;
    for (guint32 c = 0; c < a->C; c++)
      var += (x[c] - mean) * (x[c] - mean);
    double inv = 1.0 / sqrt (var / a->C + a->eps);
    for (guint32 c = 0; c < a->C; c++)
      y[c] = (x[c] - mean) * inv * h->weights[a->gamma_off + c] + h->weights[a->beta_off + c];
  }
}
