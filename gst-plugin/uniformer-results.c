/* uniformer-results.c: score smoothing and top-k selection. */
#include "uniformer-results.h"

#include <string.h>

void
uniformer_smoother_init (UniformerSmoother * s, guint num_classes, guint capacity)
{
  s->num_classes = num_classes;
  s->capacity = MAX (capacity, 1);
  s->history = g_new0 (gdouble, (gsize) s->capacity * num_classes);
  s->mean = g_new0 (gdouble, num_classes);
  uniformer_smoother_reset (s);
}

void
uniformer_smoother_clear (UniformerSmoother * s)
{
  g_free (s->history);
  g_free (s->mean);
  memset (s, 0, sizeof (*s));
}

void
uniformer_smoother_reset (UniformerSmoother * s)
{
  s->count = 0;
  s->next = 0;
}

const gdouble *
uniformer_smoother_push (UniformerSmoother * s, const float *probs)
{
  gdouble *row = s->history + (gsize) s->next * s->num_classes;

  for (guint c = 0; c < s->num_classes; c++)
    row[c] = probs[c];
  s->next = (s->next + 1) % s->capacity;
  s->count = MIN (s->count + 1, s->capacity);

  /* Summed afresh each time: N x classes additions, no drift from a running sum. */
  memset (s->mean, 0, s->num_classes * sizeof (gdouble));
  for (guint i = 0; i < s->count; i++)
    for (guint c = 0; c < s->num_classes; c++)
      s->mean[c] += s->history[(gsize) i * s->num_classes + c];
  for (guint c = 0; c < s->num_classes; c++)
    s->mean[c] /= s->count;
  return s->mean;
}

static gint
by_score_desc (gconstpointer a, gconstpointer b, gpointer data)
{
  const gdouble *scores = data;
  gint ia = *(const gint *) a, ib = *(const gint *) b;

  if (scores[ia] != scores[ib])
    return scores[ia] > scores[ib] ? -1 : 1;
  return ia - ib;
}

guint
uniformer_top_k (const gdouble * scores, guint n, guint k, gdouble threshold,
    gint * ids_out, gdouble * scores_out)
{
  gint *order = g_new (gint, n);
  guint found = 0;

  for (guint c = 0; c < n; c++)
    order[c] = c;
  g_qsort_with_data (order, n, sizeof (gint), by_score_desc, (gpointer) scores);
  for (guint i = 0; i < n && found < k && scores[order[i]] >= threshold; i++) {
    ids_out[found] = order[i];
    scores_out[found] = scores[order[i]];
    found++;
  }
  g_free (order);
  return found;
}

UniformerReport *
uniformer_report_new (UniformerSmoother * smoother, const float *probs, guint top_k,
    gdouble threshold, guint64 window_start, guint64 window_end, guint frames,
    guint64 inference_ns)
{
  UniformerReport *rep = g_new0 (UniformerReport, 1);
  guint k = MIN (top_k, smoother->num_classes);
  const gdouble *scores = uniformer_smoother_push (smoother, probs);

  rep->ids = g_new0 (gint, k);
  rep->scores = g_new0 (gdouble, k);
  rep->n = uniformer_top_k (scores, smoother->num_classes, k, threshold, rep->ids,
      rep->scores);
  rep->window_start = window_start;
  rep->window_end = window_end;
  rep->frames = frames;
  rep->inference_ns = inference_ns;
  return rep;
}

void
uniformer_report_free (gpointer report)
{
  UniformerReport *rep = report;

  g_free (rep->ids);
  g_free (rep->scores);
  g_free (rep->region_type);
  g_free (rep);
}
