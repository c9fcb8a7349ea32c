/* videomae.c: VideoMAE (../shared/docs/video-vit-spec.md §3): tubelet
 * patches, no cls token, a fixed sinusoid position table (computed here, in
 * float64 as the official code does, never stored), pre-LN blocks, and mean
 * pooling with fc_norm or LayerNorm on token 0. */
#include <math.h>

#include "vit.h"

static gpointer
parse (JsonObject *md, const UfModelInfo *info, GError **error)
{
  return vit_parse (md, info, 1u << VIT_POOL_MEAN | 1u << VIT_POOL_TOKEN0, error);
}

/* angle = n / 10000^(2 floor(j/2) / C); sin on even j, cos on odd j */
static void
sinusoid_table (float *t, guint32 n_pos, guint32 C)
{
  for (guint32 n = 0; n < n_pos; n++)
    for (guint32 j = 0; j < C; j++) {
      double angle = n / pow (10000.0, 2.0 * (j / 2) / C);
      t[(gsize) n * C + j] = (float) (j % 2 == 0 ? sin (angle) : cos (angle));
    }
}

static gpointer
load (UfWeightLoader *ld, gpointer params, const UfModelInfo *info)
{
  VitNet *net = vit_load (ld, params, FALSE, FALSE, "VideoMAE");
  guint32 C = net->p.hidden;
  float *t = g_new (float, (gsize) net->tokens * C);
  sinusoid_table (t, net->tokens, C);
  net->table = uf_weight_pack_add (uf_weights_pack (ld), t, (gsize) net->tokens * C);
  g_free (t);
  return net;
}

VIT_ARCHITECTURE (uf_architecture_videomae, "videomae");
