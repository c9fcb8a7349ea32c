/* attention.c: global multi-head self-attention (shaders/attention.comp,
 * with fp16 arithmetic where the tuning asks and the device has it). */
#include <math.h>
#include <string.h>
#include "attention.h"

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

#define MAX_GROUPS_Z 65535u

static guint32
groups_of (const UfAttentionArgs *a)
{
  return MAX (a->groups, 1);
}

static guint32
token_stride_of (const UfAttentionArgs *a)
{
  return a->token_stride ? a->token_stride : 1;
}

/* Row of token @i of group @g in the qkv and output buffers (token 0 of a
 * shared group: row 0). */
static guint32
row_of (const UfAttentionArgs *a, guint32 g, guint32 i)
{
  if (a->shared && i == 0)
    return 0;
  return a->base + g * a->group_stride + (i - a->shared) * token_stride_of (a);
}

void
uf_op_attention_record (UfRecorder *rec, const UfAttentionArgs *a)
{
  /* models are checked by uf_op_attention_check_shape; offsets are the plan's */
  g_assert (a->head_dim % 4 == 0 && a->C % 4 == 0 && a->qkv_off % 4 == 0);
  g_assert (groups_of (a) <= MAX_GROUPS_Z);
  /* short groups (TimeSformer's temporal ones: T tokens) take fewer
   * queries per invocation, so a workgroup is not mostly idle lanes */
  guint32 lx = rec->tuning->attention_lx;
  guint32 ql = MAX (1, MIN (rec->tuning->attention_ql, uf_div_up (a->N, lx)));
  guint32 spec[3] = { lx, a->head_dim, ql };
  guint32 push[10] = { a->N, a->C, a->qkv_off, a->out_off, 0, a->base, a->group_stride,
    token_stride_of (a), a->shared, a->cls_out_off };
  memcpy (&push[4], &a->scale, sizeof (float));
  /* q k^T and p v over every group */
  uf_rec_macs (rec, 2.0 * groups_of (a) * a->N * a->N * a->C);
  UfShaderId shader = uf_tuning_use_arith_f16 (rec->tuning, rec->dev) ?
      UF_SHADER_ATTENTION_ARITH16 : UF_SHADER_ATTENTION;
  uf_rec_dispatch (rec, shader, spec, 3, push, sizeof (push),
      uf_div_up (a->N, spec[0] * spec[2]), a->C / a->head_dim, groups_of (a));
}

void
uf_op_attention_reference (const UfAttentionArgs *a, const UfHostBuffers *h)
{
  guint32 heads = a->C / a->head_dim, hd = a->head_dim, stride = 3 * a->C;
  double *scores = g_new (double, a->N);
  for (guint32 g = 0; g < groups_of (a); g++) {
    for (guint32 head = 0; head < heads; head++)
      for (guint32 i = 0; i < a->N; i++) {
        const float *q = &h->arena[a->qkv_off + row_of (a, g, i) * stride + head * hd];
        double max = -INFINITY, sum = 0.0;
        for (guint32 j = 0; j < a->N; j++) {
          const float *k = &h->arena[a->qkv_off + row_of (a, g, j) * stride + a->C + head * hd];
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
        guint32 out = a->shared && i == 0 ? a->cls_out_off + g * a->C
            : a->out_off + row_of (a, g, i) * a->C;
        for (guint32 d = 0; d < hd; d++) {
          double acc = 0.0;
          for (guint32 j = 0; j < a->N; j++)
            acc += scores[j] * h->arena[a->qkv_off + row_of (a, g, j) * stride + 2 * a->C
                + head * hd + d];
          h->arena[out + head * hd + d] = acc / sum;
        }
      }
  }
  g_free (scores);
}
