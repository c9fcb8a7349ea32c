/* clsscore.c: token scores from the cls row's attention
 * (shaders/clsscore.comp). */
#include <math.h>
#include <string.h>
#include "clsscore.h"

void
uf_op_clsscore_record (UfRecorder *rec, const UfClsscoreArgs *a)
{
  guint32 heads = a->C / a->head_dim;
  guint32 spec[1] = { rec->tuning->rows_lx };
  guint32 push[12] = { 0, a->L, a->C, a->head_dim, a->n, a->qkv_off, a->score_off,
    a->order_off, a->probs_off, 0, 0, a->first };
  memcpy (&push[9], &a->scale, 4);
  memcpy (&push[10], &a->trade_off, 4);
  /* a workgroup per head for the softmax, then an invocation per score */
  uf_rec_dispatch (rec, UF_SHADER_CLSSCORE, spec, 1, push, sizeof (push), heads, 1, 1);
  push[0] = 1;
  uf_rec_dispatch (rec, UF_SHADER_CLSSCORE, spec, 1, push, sizeof (push),
      uf_div_up (a->n, spec[0]), 1, 1);
}

void
uf_op_clsscore_reference (const UfClsscoreArgs *a, const UfHostBuffers *h)
{
  guint32 heads = a->C / a->head_dim, C3 = 3 * a->C;
  float *x = h->arena;
  double *s = g_new0 (double, a->L);
  double *logit = g_new (double, a->L);
  for (guint32 hd = 0; hd < heads; hd++) {
    const float *q = x + a->qkv_off + hd * a->head_dim;
    double max = -INFINITY, sum = 0.0;
    for (guint32 j = 0; j < a->L; j++) {
      const float *k = x + a->qkv_off + (gsize) j * C3 + a->C + hd * a->head_dim;
      double dot = 0.0;
      for (guint32 d = 0; d < a->head_dim; d++)
        dot += (double) q[d] * k[d];
      logit[j] = dot * a->scale;
      max = MAX (max, logit[j]);
    }
    for (guint32 j = 0; j < a->L; j++)
      sum += exp (logit[j] - max);
    for (guint32 j = 0; j < a->L; j++) {
      double prob = exp (logit[j] - max) / sum;
      x[a->probs_off + (gsize) hd * a->L + j] = prob;
      s[j] += prob / heads;
    }
  }
  for (guint32 j = 1; j <= a->n; j++) {
    guint32 t = a->order_off == UF_NO_OFFSET ? j - 1 : (guint32) x[a->order_off + j - 1];
    float *g = x + a->score_off + t;
    *g = a->first ? s[j] : (1.0 - a->trade_off) * *g + a->trade_off * s[j];
  }
  g_free (s);
  g_free (logit);
}
