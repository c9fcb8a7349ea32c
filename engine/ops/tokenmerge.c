/* tokenmerge.c: merges the dropped tokens into one (shaders/tokenmerge.comp). */
#include "tokenmerge.h"

void
uf_op_tokenmerge_record (UfRecorder *rec, const UfTokenmergeArgs *a)
{
  guint32 spec[1] = { rec->tuning->rows_lx };
  guint32 push[8] = { a->N, a->K, a->C, a->x_off, a->score_off, a->order_off, a->out_off,
    a->copy_off };
  uf_rec_dispatch (rec, UF_SHADER_TOKENMERGE, spec, 1, push, sizeof (push),
      uf_div_up (a->C, spec[0]), 1, 1);
}

void
uf_op_tokenmerge_reference (const UfTokenmergeArgs *a, const UfHostBuffers *h)
{
  float *x = h->arena;
  for (guint32 c = 0; c < a->C; c++) {
    double sum = 0.0, weight = 0.0;
    for (guint32 r = a->K; r < a->N; r++) {
      guint32 t = (guint32) x[a->order_off + r];
      double g = x[a->score_off + t];
      sum += g * x[a->x_off + (gsize) t * a->C + c];
      weight += g;
    }
    x[a->out_off + c] = x[a->copy_off + c] = sum / weight;
  }
}
