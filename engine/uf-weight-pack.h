/* uf-weight-pack.h: builds the host images of the two weight buffers. */
#ifndef UF_WEIGHT_PACK_H
#define UF_WEIGHT_PACK_H

#include <glib.h>

/* A GEMM weight: B = W^T as [K][ldb] (ldb = N rounded up to 8), in binding 1
 * or (f16) binding 2, plus its bias in binding 1. */
typedef struct {
  guint32 w, ldb, bias;
  guint32 K, N;
  gboolean f16;
} UfMatrixRef;

typedef struct {
  GArray *f32;                /* float, binding 1 */
  GArray *f16;                /* guint16, binding 2 */
} UfWeightPack;

void uf_weight_pack_init (UfWeightPack *pack);
void uf_weight_pack_clear (UfWeightPack *pack);
/* Appends @n floats at an offset aligned to 8 elements; returns the offset. */
guint32 uf_weight_pack_add (UfWeightPack *pack, const float *data, gsize n);
/* Appends W [N][K] (row-major, as PyTorch stores it) transposed to [K][ldb]. */
UfMatrixRef uf_weight_pack_add_matrix (UfWeightPack *pack, const float *w, guint32 N,
    guint32 K, const float *bias, gboolean f16);
guint16 uf_float_to_half (float f);

#endif
