/* uf-model.h: a loaded model: its info and where each prepared weight
 * lives in the model's weight buffers. */
#ifndef UF_MODEL_H
#define UF_MODEL_H

#include "uf-vk.h"

/* A GEMM weight: B = W^T as [K][ldb] (ldb = N rounded up to 8), in binding 1
 * or (f16) binding 2, plus its bias in binding 1. */
typedef struct {
  guint32 w, ldb, bias;
  guint32 K, N;
  gboolean f16;
} UfMatrixRef;

typedef struct {
  guint32 dpe_w, dpe_b;       /* [27][C], [C] */
  /* stages 1-2 (local MHRA) */
  UfMatrixRef conv1, conv2;   /* conv1 has norm1 folded in */
  guint32 dw_w, dw_b;         /* [125][C], [C] */
  /* stages 3-4 (global MHRA) */
  guint32 ln1_g, ln1_b, ln2_g, ln2_b;
  UfMatrixRef qkv, proj;
  /* both: fc1 (norm2 folded in for stages 1-2), fc2 */
  UfMatrixRef fc1, fc2;
} UfBlockWeights;

typedef struct {
  UfMatrixRef proj;           /* rows in patchify.comp's K order */
  guint32 ln_g, ln_b;
} UfPatchWeights;

struct _UfModel {
  gint ref_count;
  UfDevice *dev;
  UfModelInfo info;
  char **labels;
  char *name, *provenance;
  UfBuffer weights, weights16;
  UfPatchWeights patch[4];
  UfBlockWeights *blocks[4];
  UfMatrixRef head;           /* final BatchNorm folded in */
  gsize weight_bytes;
};

#endif
