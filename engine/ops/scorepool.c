/* scorepool.c: pools the stage-3 token scores for stage 4
 * (shaders/scorepool.comp). */
#include "scorepool.h"

void
uf_op_scorepool_record (UfRecorder *rec, const UfScorepoolArgs *a)
{
  guint32 spec[1] = { rec->tuning->rows_lx };
  guint32 push[5] = { a->T, a->H, a->W, a->in_off, a->out_off };
  uf_rec_dispatch (rec, UF_SHADER_SCOREPOOL, spec, 1, push, sizeof (push),
      uf_div_up (a->T * (a->H / 2) * (a->W / 2), spec[0]), 1, 1);
}

static double
pooled (const UfScorepoolArgs *a, const float *g, guint32 o)
{
  guint32 w2 = a->W / 2, h2 = a->H / 2;
  guint32 t = o / (h2 * w2), y = (o / w2) % h2, x = o % w2;
  const float *r0 = g + ((gsize) t * a->H + 2 * y) * a->W + 2 * x, *r1 = r0 + a->W;
  return (r0[0] + r0[1] + r1[0] + r1[1]) / 4.0;
}

void
uf_op_scorepool_reference (const UfScorepoolArgs *a, const UfHostBuffers *h)
{
  const float *g = h->arena + a->in_off;
  guint32 n_in = a->T * a->H * a->W, n_out = n_in / 4;
  double sum_in = 0.0, sum_out = 0.0;
  for (guint32 i = 0; i < n_in; i++)
    sum_in += g[i];
  for (guint32 o = 0; o < n_out; o++)
    sum_out += pooled (a, g, o);
  for (guint32 o = 0; o < n_out; o++)
    h->arena[a->out_off + o] = pooled (a, g, o) * (sum_in / sum_out);
}
