/* tokenmove.c: gathers and scatters token rows (shaders/tokenmove.comp). */
#include "tokenmove.h"

#define MAX_GROUPS_Y 65535u   /* the shader folds larger row counts into Z */
#define ROWS 8                /* rows per workgroup (the shader's local_size_y) */

static guint32
rows_moved (const UfTokenmoveArgs *a)
{
  return a->scatter && a->N > a->K ? a->N : a->K;
}

void
uf_op_tokenmove_record (UfRecorder *rec, const UfTokenmoveArgs *a)
{
  guint32 spec[1] = { rec->tuning->rows_lx };
  guint32 push[8] = { a->scatter, a->N, a->K, a->C, a->in_off, a->out_off, a->order_off,
    a->saved_off };
  guint32 rows = rows_moved (a);
  uf_rec_dispatch (rec, UF_SHADER_TOKENMOVE, spec, 1, push, sizeof (push),
      uf_div_up (a->C, spec[0]), MIN (uf_div_up (rows, ROWS), MAX_GROUPS_Y),
      uf_div_up (rows, ROWS * MAX_GROUPS_Y));
}

void
uf_op_tokenmove_reference (const UfTokenmoveArgs *a, const UfHostBuffers *h)
{
  float *x = h->arena;
  for (guint32 r = 0; r < rows_moved (a); r++) {
    guint32 t = a->order_off == UF_NO_OFFSET ? r : (guint32) x[a->order_off + r];
    for (guint32 c = 0; c < a->C; c++) {
      if (!a->scatter)
        x[a->out_off + (gsize) r * a->C + c] = x[a->in_off + (gsize) t * a->C + c];
      else if (r < a->K)
        x[a->out_off + (gsize) t * a->C + c] = x[a->in_off + (gsize) r * a->C + c];
      else
        x[a->out_off + (gsize) t * a->C + c] +=
            x[a->in_off + (gsize) a->K * a->C + c] - x[a->saved_off + c];
    }
  }
}
