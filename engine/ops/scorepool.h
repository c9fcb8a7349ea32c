/* ops/scorepool.h: the end of the light models' stage 3
 * (../shared/docs/uniformer-light-spec.md 4.4): the token scores [T][H][W]
 * averaged over 2x2 spatial windows into [T][H/2][W/2], then scaled so
 * that their sum is the sum of the scores before (shaders/scorepool.comp).
 * H and W even; in and out in the arena, not overlapping. */
#ifndef UF_OP_SCOREPOOL_H
#define UF_OP_SCOREPOOL_H

#include "uf-op.h"

typedef struct {
  guint32 T, H, W;
  guint32 in_off, out_off;
} UfScorepoolArgs;
void uf_op_scorepool_record (UfRecorder *rec, const UfScorepoolArgs *a);
void uf_op_scorepool_reference (const UfScorepoolArgs *a, const UfHostBuffers *h);

#endif
