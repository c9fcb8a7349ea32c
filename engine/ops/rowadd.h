/* ops/rowadd.h: x[r][c] += table[r][c] in place (the first @replace rows are set
 * to the table's instead); table in weights binding 1 */
#ifndef UF_OP_ROWADD_H
#define UF_OP_ROWADD_H

#include "uf-op.h"

typedef struct {
  guint32 rows, C;
  guint32 off, table_off;
  guint32 replace;
} UfRowaddArgs;
void uf_op_rowadd_record (UfRecorder *rec, const UfRowaddArgs *a);
void uf_op_rowadd_reference (const UfRowaddArgs *a, const UfHostBuffers *h);

#endif
