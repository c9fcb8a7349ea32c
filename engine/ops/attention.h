/* ops/attention.h: softmax(q k^T * scale) v per head, qkv rows [3C] -> out rows
 * [C], over independent groups of N tokens read through strides (no
 * permutes): token i of group g is row base + g * group_stride +
 * (i - shared) * token_stride, except that with shared = 1 token 0 of every
 * group is row 0 (TimeSformer's cls row in its spatial step), whose output
 * for group g goes to row g of cls_out_off instead. groups 0 means 1 and
 * token_stride 0 means 1: one group of all N rows. */
#ifndef UF_OP_ATTENTION_H
#define UF_OP_ATTENTION_H

#include "uf-op.h"

typedef struct {
  guint32 N, C;
  guint32 qkv_off, out_off;
  float scale;
  guint32 head_dim;
  guint32 groups, base, group_stride, token_stride;
  guint32 shared;
  guint32 cls_out_off;
} UfAttentionArgs;
void uf_op_attention_record (UfRecorder *rec, const UfAttentionArgs *a);
/* Whether attention.comp runs @C channels in heads of @head_dim: models are
 * checked when they load, so recording never meets a shape it cannot run. */
gboolean uf_op_attention_check_shape (guint32 C, guint32 head_dim, GError **error);
void uf_op_attention_reference (const UfAttentionArgs *a, const UfHostBuffers *h);

#endif
