/* gemm.c: 1x1 convolutions and linear layers (shaders/gemm.comp on lavapipe,
 * shaders/gemm-tiled.comp on GPUs, with fp16 arithmetic where the device
 * has it, shaders/gemm-coopmat.comp on GPUs with cooperative matrices;
 * engine/uf-tuning.c chooses). */
#include <math.h>
#include "gemm.h"

/* gemm.comp's tile width: the widest of 32, 16, 8 (up to the table's
 * gemm_cw) that divides ldb and still keeps 85% of the lanes of the last
 * workgroup column busy; wider tiles load fewer A elements per multiply-add,
 * idle lanes waste whole invocations. */
static guint32
columns_per_lane (const UfGemmArgs *a, const UfTuning *t)
{
  if (t->gemm_cw == 4)
    return 4;
  for (guint32 cw = 32; cw > 4; cw /= 2) {
    guint32 span = cw * t->gemm_lx;
    if (cw <= t->gemm_cw && a->ldb % cw == 0
        && a->N >= 0.85 * uf_div_up (a->N, span) * span)
      return cw;
  }
  return 4;
}

void
uf_op_gemm_record (UfRecorder *rec, const UfGemmArgs *a)
{
  g_assert (a->ldb % 8 == 0 && a->b_off % 8 == 0 && a->ldb >= a->N);
  uf_rec_macs (rec, (double) a->M * a->N * a->K);
  /* B in binding 2 (F16) or 1, the bias in binding 1 */
  guint32 b_end = a->b_off + a->K * a->ldb, bias = a->flags & UF_GEMM_BIAS;
  guint32 lo32 = bias ? a->bias_off : 0, hi32 = bias ? a->bias_off + a->N : 0;
  if (!a->b_f16) {
    lo32 = bias ? MIN (lo32, a->b_off) : a->b_off;
    hi32 = MAX (hi32, b_end);
  }
  UfWeightBase wb = uf_rec_weights (rec, lo32, hi32, a->b_f16 ? a->b_off : 0,
      a->b_f16 ? b_end : 0);
  guint32 push[11] = { a->M, a->N, a->K, a->a_off, a->lda,
    a->b_off - (a->b_f16 ? wb.f16 : wb.f32), a->ldb, bias ? a->bias_off - wb.f32 : a->bias_off,
    a->c_off, a->ldc, a->flags };
  const UfDevice *dev = rec->dev;
  if (uf_tuning_use_coopmat (rec->tuning, dev)) {
    /* 4 subgroups per workgroup, each 2 x 2 matrices of the device's shape:
     * blocks of 4 m x 4 n (gemm-coopmat.comp) */
    guint32 spec[4] = { 4 * dev->subgroup_size, dev->coopmat_m, dev->coopmat_n,
      dev->coopmat_k };
    uf_rec_dispatch (rec, a->b_f16 ? UF_SHADER_GEMM_COOPMAT_F16 : UF_SHADER_GEMM_COOPMAT_F32,
        spec, 4, push, sizeof (push), uf_div_up (a->N, 4 * dev->coopmat_n),
        uf_div_up (a->M, 4 * dev->coopmat_m), 1);
    return;
  }
  if (rec->tuning->gemm_tiled) {
    /* 64 x 64 blocks of C per 16 x 16 workgroup (gemm-tiled.comp) */
    static const UfShaderId tiled[2][2] = {
      { UF_SHADER_GEMM_TILED_F32, UF_SHADER_GEMM_TILED_F16 },
      { UF_SHADER_GEMM_TILED_F32_ARITH16, UF_SHADER_GEMM_TILED_F16_ARITH16 },
    };
    guint32 spec[1] = { rec->tuning->gemm_bk };
    uf_rec_dispatch (rec, tiled[uf_tuning_use_arith_f16 (rec->tuning, dev)][a->b_f16 != 0],
        spec, 1, push, sizeof (push), uf_div_up (a->N, 64), uf_div_up (a->M, 64), 1);
    return;
  }
  /* TM x CW outputs per invocation (gemm.comp); A through the arena's
   * texel view when its rows start on texel boundaries */
  guint32 cw = columns_per_lane (a, rec->tuning);
  guint32 spec[4] = { rec->tuning->gemm_lx, rec->tuning->gemm_tm, cw,
    uf_on_texels (a->a_off | a->lda) };
  uf_rec_dispatch (rec, a->b_f16 ? UF_SHADER_GEMM_F16 : UF_SHADER_GEMM_F32, spec, 4,
      push, sizeof (push), uf_div_up (uf_div_up (a->N, spec[2]), spec[0]),
      uf_div_up (a->M, spec[1]), 1);
}

static double
gelu_ref (double x)
{
  return 0.5 * x * (1.0 + erf (x / sqrt (2.0)));
}

static double
gelu_tanh_ref (double x)
{
  return 0.5 * x * (1.0 + tanh (sqrt (2.0 / G_PI) * (x + 0.044715 * x * x * x)));
}

void
uf_op_gemm_reference (const UfGemmArgs *a, const UfHostBuffers *h)
{
  const float *b = a->b_f16 ? h->weights16 : h->weights;
  for (guint32 i = 0; i < a->M; i++) {
    for (guint32 j = 0; j < a->N; j++) {
      double acc = 0.0;
      for (guint32 k = 0; k < a->K; k++)
        acc += (double) h->arena[a->a_off + i * a->lda + k] * b[a->b_off + k * a->ldb + j];
      if (a->flags & UF_GEMM_BIAS)
        acc += h->weights[a->bias_off + j];
      if (a->flags & UF_GEMM_GELU)
        acc = gelu_ref (acc);
      else if (a->flags & UF_GEMM_GELU_TANH)
        acc = gelu_tanh_ref (acc);
      float *c = &h->arena[a->c_off + i * a->ldc + j];
      *c = (a->flags & UF_GEMM_ACCUMULATE) ? *c + (float) acc : (float) acc;
    }
  }
}
