/* vit.h: what the video ViT families (timesformer.c, vivit.c, videomae.c)
 * share: their hyper-parameters (docs/model-format.md, "Video ViT
 * families"), the pre-LN transformer block (joint, or TimeSformer's divided
 * space-time), the patch embedding and the heads
 * (../shared/docs/video-vit-spec.md). Internal to the engine. */
#ifndef UF_VIT_H
#define UF_VIT_H

#include "uf-architecture.h"

G_BEGIN_DECLS

typedef enum {
  VIT_POOL_CLS,                 /* LayerNorm(x[cls]) */
  VIT_POOL_MEAN,                /* fc_norm(mean over the tokens) */
  VIT_POOL_TOKEN0,              /* LayerNorm(x[0]), a patch token */
} VitPooling;

typedef struct {
  guint hidden, depth, heads, mlp, patch, tubelet;
  float eps, head_eps;
  gboolean gelu_tanh;
  VitPooling pooling;
  guint classes, frames, height, width;
} VitParams;

typedef struct {
  guint32 ln1_g, ln1_b, ln2_g, ln2_b;
  UfMatrixRef qkv, proj, fc1, fc2;
  /* divided space-time only: the temporal step; t_proj has temporal_fc
   * folded in */
  guint32 t_ln_g, t_ln_b;
  UfMatrixRef t_qkv, t_proj;
} VitBlock;

typedef struct {
  UfNetLayout layout;
  const char *family;                 /* "ViViT", ... for messages */
  VitParams p;
  guint32 grid_t, grid_h, grid_w;     /* patches along time, height, width */
  guint32 patches, tokens;            /* tokens = patches + the cls row, if any */
  gboolean has_cls;
  gboolean divided;                   /* TimeSformer: rows 1 + n*T + t, divided blocks */
  UfMatrixRef patch_proj;             /* rows in patchify.comp's mode 2 K order */
  guint32 table;                      /* [tokens][C] added after the patch embedding */
  VitBlock *blocks;
  guint32 norm_g, norm_b;             /* the final norm, or fc_norm */
  UfMatrixRef head;
  /* arena regions (float offsets) */
  guint32 x, t1, t2, hid, pooled, normed;
  guint32 cls_out;                    /* divided: the cls row's output per frame */
} VitNet;

/* Reads the hyper-parameters and checks them against the poolings the
 * family has (@poolings: a bit per VitPooling) and the ops. */
VitParams *vit_parse (JsonObject *md, const UfModelInfo *info, guint poolings,
    GError **error);
/* A network of @p (which it takes) with a cls row or not, with joint or
 * divided space-time blocks: takes the patch embedding, the blocks and the
 * head, and plans the arena; the caller fills net->table. */
VitNet *vit_load (UfWeightLoader *ld, VitParams *p, gboolean has_cls, gboolean divided,
    const char *family);

/* UfArchitecture members every family uses as they are */
void vit_free (gpointer net);
char *vit_describe (gconstpointer net);
void vit_record (UfRecorder *rec, gconstpointer net, guint32 slot_stride, guint32 batch);
guint64 vit_macs (gconstpointer net);

extern const char *const vit_stage_names[];

/* A family's UfArchitecture: its own parse() and load(), vit.c's rest. */
#define VIT_ARCHITECTURE(symbol, family_name) \
  const UfArchitecture symbol = { \
    .name = family_name, .stage_names = vit_stage_names, .parse = parse, .load = load, \
    .describe = vit_describe, .free_net = vit_free, .record = vit_record, .macs = vit_macs, \
  }

G_END_DECLS

#endif /* UF_VIT_H */
