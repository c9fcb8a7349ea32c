/* uf-weight-pack.c */
#include <string.h>
#include <math.h>
#include "uf-weight-pack.h"

#define ALIGN_ELEMENTS 8      /* gemm.comp reads 8 weights at a time */

void
uf_weight_pack_init (UfWeightPack *pack)
{
  pack->f32 = g_array_new (FALSE, TRUE, sizeof (float));
  pack->f16 = g_array_new (FALSE, TRUE, sizeof (guint16));
}

void
uf_weight_pack_clear (UfWeightPack *pack)
{
  g_clear_pointer (&pack->f32, g_array_unref);
  g_clear_pointer (&pack->f16, g_array_unref);
}

static guint32
reserve (GArray *array, gsize n)
{
  guint32 off = GPOINTER_TO_UINT (GSIZE_TO_POINTER (
      (array->len + ALIGN_ELEMENTS - 1) / ALIGN_ELEMENTS * ALIGN_ELEMENTS));
  g_array_set_size (array, off + n);
  return off;
}

guint32
uf_weight_pack_add (UfWeightPack *pack, const float *data, gsize n)
{
  guint32 off = reserve (pack->f32, n);
  memcpy (&g_array_index (pack->f32, float, off), data, n * sizeof (float));
  return off;
}

UfMatrixRef
uf_weight_pack_add_matrix (UfWeightPack *pack, const float *w, guint32 N, guint32 K,
    const float *bias, gboolean f16)
{
  UfMatrixRef ref = { .K = K, .N = N, .f16 = f16 };
  ref.ldb = (N + ALIGN_ELEMENTS - 1) / ALIGN_ELEMENTS * ALIGN_ELEMENTS;
  ref.w = reserve (f16 ? pack->f16 : pack->f32, (gsize) K * ref.ldb);
  for (guint32 k = 0; k < K; k++)
    for (guint32 n = 0; n < N; n++) {
      float v = w[(gsize) n * K + k];
      if (f16)
        g_array_index (pack->f16, guint16, ref.w + (gsize) k * ref.ldb + n) =
            uf_float_to_half (v);
      else
        g_array_index (pack->f32, float, ref.w + (gsize) k * ref.ldb + n) = v;
    }
  ref.bias = uf_weight_pack_add (pack, bias, N);
  return ref;
}

/* Round to nearest even, with overflow to infinity and subnormals. */
guint16
uf_float_to_half (float f)
{
  guint32 x;
  memcpy (&x, &f, 4);
  guint32 sign = (x >> 16) & 0x8000u;
  guint32 mag = x & 0x7fffffffu;
  if (mag >= 0x7f800000u)       /* inf, or NaN keeping its top payload bits */
    return sign | 0x7c00u | (mag > 0x7f800000u ? 0x200u | ((mag >> 13) & 0x3ffu) : 0);
  if (mag >= 0x477ff000u)                         /* rounds past 65504 */
    return sign | 0x7c00u;
  if (mag < 0x38800000u) {                        /* subnormal half or zero */
    float a;
    memcpy (&a, &mag, 4);
    return sign | (guint16) lrintf (a * 16777216.0f);   /* units of 2^-24 */
  }
  guint32 h = ((mag - 0x38000000u) >> 13);
  guint32 rest = mag & 0x1fffu;
  if (rest > 0x1000u || (rest == 0x1000u && (h & 1u)))
    h++;
  return sign | h;
}
