/* rowadd.c: adds a table of rows (position and time embeddings) to the
 * token rows, in place (shaders/rowadd.comp). */
#include "rowadd.h"

#define MAX_GROUPS_Y 65535u   /* the shader folds larger row counts into Z */
#define ROWS 8                /* rows per workgroup (the shader's local_size_y) */

void
uf_op_rowadd_record (UfRecorder *rec, const UfRowaddArgs *a)
{
  guint32 spec[1] = { rec->tuning->rows_lx };
  UfWeightBase wb = uf_rec_weights (rec, a->table_off, a->table_off + a->rows * a->C, 0, 0);
  guint32 push[5] = { a->rows, a->C, a->off, a->table_off - wb.f32, a->replace };
  uf_rec_dispatch (rec, UF_SHADER_ROWADD, spec, 1, push, sizeof (push),
      uf_div_up (a->C, spec[0]), MIN (uf_div_up (a->rows, ROWS), MAX_GROUPS_Y),
      uf_div_up (a->rows, ROWS * MAX_GROUPS_Y));
}

void
uf_op_rowadd_reference (const UfRowaddArgs *a, const UfHostBuffers *h)
{
  for (guint32 r = 0; r < a->rows; r++)
    for (guint32 c = 0; c < a->C; c++) {
      gsize e = (gsize) r * a->C + c;
      float base = r < a->replace ? 0.0f : h->arena[a->off + e];
      h->arena[a->off + e] = base + h->weights[a->table_off + e];
    }
}
