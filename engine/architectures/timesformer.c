/* timesformer.c: TimeSformer with divided space-time attention
 * (../shared/docs/video-vit-spec.md §1.1): per-frame 16x16 patches (tubelet
 * 1) in TimeSformer's token order 1 + n*T + t, a cls token, a position
 * table per frame plus a time table per patch (added as one table built
 * here), divided blocks (vit.c), LayerNorm on the cls row. The converter
 * stores the embeddings at the model's frame count and size, resized as the
 * official code does. */
#include "vit.h"

static gpointer
parse (JsonObject *md, const UfModelInfo *info, GError **error)
{
  VitParams *p = vit_parse (md, info, 1u << VIT_POOL_CLS, error);
  if (p && p->tubelet != 1) {
    g_set_error (error, UF_ERROR, UF_ERROR_MODEL_INVALID, "metadata \"tubelet_size\" is %u; "
        "TimeSformer's patches are one frame deep (1)", p->tubelet);
    g_clear_pointer (&p, g_free);
  }
  return p;
}

/* Row 0 = cls + pos[0]; row 1 + n*T + t = pos[1 + n] + time[t]. */
static gpointer
load (UfWeightLoader *ld, gpointer params, const UfModelInfo *info)
{
  VitNet *net = vit_load (ld, params, TRUE, TRUE, "TimeSformer");
  guint32 C = net->p.hidden, T = net->grid_t, N = net->grid_h * net->grid_w;
  float *cls = uf_weights_read (ld, NULL, 3, UF_SHAPE (1, 1, C), "cls_token");
  float *pos = uf_weights_read (ld, NULL, 3, UF_SHAPE (1, 1 + N, C), "pos_embed");
  float *time = uf_weights_read (ld, NULL, 3, UF_SHAPE (1, T, C), "time_embed");
  float *table = g_new (float, (gsize) net->tokens * C);
  for (guint32 c = 0; c < C; c++)
    table[c] = cls[c] + pos[c];
  for (guint32 n = 0; n < N; n++)
    for (guint32 t = 0; t < T; t++)
      for (guint32 c = 0; c < C; c++)
        table[((gsize) 1 + n * T + t) * C + c] = pos[(gsize) (1 + n) * C + c]
            + time[(gsize) t * C + c];
  net->table = uf_weight_pack_add (uf_weights_pack (ld), table, (gsize) net->tokens * C);
  g_free (cls);
  g_free (pos);
  g_free (time);
  g_free (table);
  return net;
}

VIT_ARCHITECTURE (uf_architecture_timesformer, "timesformer");
