/* attention.c: global multi-head self-attention (shaders/attention.comp,
 * with fp16 arithmetic where the tuning asks and the device has it). */
#include <math.h>
#include <string.h>
#include "uf-ops.h"

/* A head's query and accumulators live in registers (HD / 4 vec4 each). */
#define MAX_HEAD_DIM 256

gboolean
uf_op_attention_check_shape (guint32 C, guint32 head_dim, GError **error)
{
  if (head_dim == 0 || C % head_dim != 0)
    g_set_error (error, UF_ERROR, UF_ERROR_MODEL_INVALID, "head_dim %u does not divide the "
        "%u channels", head_dim, C);
  else if (head_dim % 4 != 0 || head_dim > MAX_HEAD_DIM)
    /* the shader reads q, k and v as vec4 */
    g_set_error (error, UF_ERROR, UF_ERROR_MODEL_INVALID, "head_dim %u is not supported: "
        "the attention shader needs a multiple of 4 up to %u", head_dim, MAX_HEAD_DIM);
  else
    return TRUE;
  return FALSE;
}

void
uf_op_attention_record (UfRecorder *rec, const UfAttentionArgs *a)
{
  /* models are checked by uf_op_attention_check_shape; offsets are the plan's */
  g_assert (a->head_dim % 4 == 0 && a->C % 4 == 0 && a->qkv_off % 4 == 0);
  guint32 spec[3] = { rec->tuning->attention_lx, a->head_dim, rec->tuning->attention_ql };
  guint32 push[5] = { a->N, a->C, a->qkv_off, a->out_off };
  memcpy (&push[4], &a->scale, sizeof (float));
  UfShaderId shader = uf_tuning_use_arith_f16 (rec->tuning, rec->dev) ?
      UF_SHADER_ATTENTION_ARITH16 : UF_SHADER_ATTENTION;
  uf_rec_dispatch (rec, shader, spec, 3, push, sizeof (push),
      uf_div_up (a->N, spec[0] * spec[2]), a->C / a->head_dim, 1);
}

void
uf_op_attention_reference (const UfAttentionArgs *a, const UfHostBuffers *h)
{
  guint32 heads = a->C / a->head_dim, hd = a->head_dim, stride = 3 * a->C;
  double *scores = g_new (double, a->N);
  for (guint32 head = 0; head < heads; head++)
    for (guint32 i = 0; i < a->N; i++) {
      const float *q = &h->arena[a->qkv_off + i * stride + head * hd];
      double max = -INFINITY, sum = 0.0;
      for (guint32 j = 0; j < a->N; j++) {
        const float *k = &h->arena[a->qkv_off + j * stride + a->C + head * hd];
        double dot = 0.0;
        for (guint32 d = 0; d < hd; d++)
          dot += (double) q[d] * k[d];
        scores[j] = dot * a->scale;
        max = MAX (max, scores[j]);
      }
      for (guint32 j = 0; j < a->N; j++) {
        scores[j] = exp (scores[j] - max);
        sum += scores[j];
      }
      for (guint32 d = 0; d < hd; d++) {
        double acc = 0.0;
        for (guint32 j = 0; j < a->N; j++)
          acc += scores[j] * h->arena[a->qkv_off + j * stride + 2 * a->C + head * hd + d];
        h->arena[a->out_off + i * a->C + head * hd + d] = acc / sum;
      }
    }
  g_free (scores);
}
