/* vivit.c: ViViT model 1, spatio-temporal attention
 * (../shared/docs/video-vit-spec.md §2.1): tubelet patches in (t, h, w)
 * order, a cls token, one learned position table over all tokens, pre-LN
 * blocks with the tanh GELU, LayerNorm on the cls row. */
#include "vit.h"

static gpointer
parse (JsonObject *md, const UfModelInfo *info, GError **error)
{
  return vit_parse (md, info, 1u << VIT_POOL_CLS, error);
}

/* The table the patch embedding's rows get: row 0 = cls + pos[0] (the cls
 * row itself), rows 1.. = pos[1..]. */
static gpointer
load (UfWeightLoader *ld, gpointer params, const UfModelInfo *info)
{
  VitNet *net = vit_load (ld, params, TRUE, FALSE, "ViViT");
  guint32 C = net->p.hidden;
  float *cls = uf_weights_read (ld, NULL, 3, UF_SHAPE (1, 1, C), "cls_token");
  float *pos = uf_weights_read (ld, NULL, 3, UF_SHAPE (1, net->tokens, C), "pos_embed");
  for (guint32 c = 0; c < C; c++)
    pos[c] += cls[c];
  net->table = uf_weight_pack_add (uf_weights_pack (ld), pos, (gsize) net->tokens * C);
  g_free (cls);
  g_free (pos);
  return net;
}

VIT_ARCHITECTURE (uf_architecture_vivit, "vivit");
