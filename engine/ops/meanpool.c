/* meanpool.c: mean over all tokens before the head (shaders/meanpool.comp). */
#include "meanpool.h"

void
uf_op_meanpool_record (UfRecorder *rec, const UfMeanpoolArgs *a)
{
  guint32 spec[1] = { rec->tuning->rows_lx };
  guint32 push[4] = { a->N, a->C, a->in_off, a->out_off };
  /* a window per workgroup row */
  uf_rec_dispatch (rec, UF_SHADER_MEANPOOL, spec, 1, push, sizeof (push),
      uf_div_up (a->C, spec[0]), MAX (a->windows, 1), 1);
}

void
uf_op_meanpool_reference (const UfMeanpoolArgs *a, const UfHostBuffers *h)
{
  for (guint32 w = 0; w < MAX (a->windows, 1); w++)
    for (guint32 c = 0; c < a->C; c++) {
      double sum = 0.0;
      for (guint32 n = 0; n < a->N; n++)
        sum += h->arena[a->in_off + (w * a->N + n) * a->C + c];
      h->arena[a->out_off + w * a->C + c] = sum / a->N;
    }
}
