/* ops/preprocess.h: a frame in the staging buffer -> a normalised ring slot */
#ifndef UF_OP_PREPROCESS_H
#define UF_OP_PREPROCESS_H

#include "uf-op.h"

typedef struct {
  guint32 format, src_w, src_h;
  guint32 plane_off[3], stride[3];      /* bytes in the staging buffer */
  guint32 dst_w, dst_h, slot_off;
  float scale_x, scale_y;
  guint32 crop_x0, crop_y0;
  float mean[3], inv_std[3];
  guint32 bgr;
  float kr, kb;
  guint32 full_range;
} UfPreprocessArgs;
void uf_op_preprocess_record (UfRecorder *rec, const UfPreprocessArgs *a);
void uf_op_preprocess_reference (const UfPreprocessArgs *a, const UfHostBuffers *h);

#endif
