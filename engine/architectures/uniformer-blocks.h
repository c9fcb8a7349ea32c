/* uniformer-blocks.h: what UniFormer (uniformer.c) and its light models
 * (uniformer-light.c) share: their blocks' weights, taken by the official
 * names and folded for the shaders, and the recording of the local blocks,
 * the 2x2 patch embeddings and the depthwise convs. Activations are
 * channels-last [t][h][w][C], which is also the token order (t, h, w) of
 * the attention stages. Internal to the engine. */
#ifndef UNIFORMER_BLOCKS_H
#define UNIFORMER_BLOCKS_H

#include "uf-architecture.h"
#include "uf-blocks.h"

#define UF_UNIFORMER_BATCHNORM_EPS 1e-5
#define UF_UNIFORMER_PATCH_EMBED_LN_EPS 1e-5f
#define UF_UNIFORMER_BLOCK_LN_EPS 1e-6f

#define UF_UNIFORMER_MAX_DEPTH 64     /* blocks per stage */

/* The hyper-parameters UniFormer and its light models read alike. */
typedef struct {
  guint depths[4];
  guint dims[4];
  guint head_dim;
  guint mlp_ratio;
  guint num_classes;
  guint frames, height, width;
} UfUniformerShape;

/* Reads depths, dims, head_dim and mlp_ratio from @md and the window from
 * @info, and checks them against the engine's limits (the attention op's
 * head sizes included): every file they come from is the user's. */
gboolean uf_uniformer_parse_shape (JsonObject *md, const UfModelInfo *info,
    UfUniformerShape *shape, GError **error);
/* "@family with depths 3,4,8,3, dims 64,128,320,512, head_dim 64, mlp_ratio 4" */
char *uf_uniformer_describe (const char *family, const UfUniformerShape *shape);

typedef struct {
  guint32 dpe_w, dpe_b;       /* [27][C], [C] */
  /* stages 1-2 (local MHRA) */
  UfMatrixRef conv1, conv2;   /* conv1 has norm1 folded in */
  guint32 dw_w, dw_b;         /* [125][C], [C] */
  /* stages 3-4 (global MHRA) */
  guint32 ln1_g, ln1_b, ln2_g, ln2_b;
  UfMatrixRef qkv, proj;
  /* both: fc1 (norm2 folded in for stages 1-2), fc2 */
  UfMatrixRef fc1, fc2;
} UfUniformerBlock;

typedef struct {
  UfMatrixRef proj;           /* rows in patchify.comp's K order */
  guint32 ln_g, ln_b;
} UfUniformerPatch;

/* A stage's activations: t x h x w tokens of C channels, for each of
 * @batch windows one after another (0 means 1). */
typedef struct {
  guint32 t, h, w, C;
  guint32 batch;
} UfUniformerGrid;

/* The tokens of all the grid's windows. */
static inline guint32
uf_uniformer_grid_rows (const UfUniformerGrid *g)
{
  return MAX (g->batch, 1) * g->t * g->h * g->w;
}

/* The arena regions a block works in besides its input and output: two of
 * the stream's size and the MLP hidden layer (also qkv). */
typedef struct {
  guint32 t1, t2, hid;
} UfUniformerScratch;

/* Depthwise kernel [C][1][k][k][k] -> [k^3][C] so lanes (channels) read
 * consecutive weights; its bias offset in *bias. */
guint32 uf_uniformer_add_depthwise (UfWeightLoader *ld, guint32 C, guint32 k,
    const char *prefix, guint32 *bias);
/* A 1x1 conv or linear layer @prefix [N][K] (@n_dims 5 or 2) preceded by
 * the eval BatchNorm @bn on its input, folded in. */
UfMatrixRef uf_uniformer_add_linear_bn (UfWeightLoader *ld, guint32 N, guint32 K,
    guint n_dims, const char *prefix, const char *bn);
/* patch_embed<s+1> for s = 1..3: the 2x2 conv in patchify mode 1's K order,
 * then its LayerNorm. */
UfUniformerPatch uf_uniformer_add_patch_embed2 (UfWeightLoader *ld, guint s, guint32 cin,
    guint32 cout);
/* blocks<s+1>.<i>: a local block for s < 2, else a global one. */
UfUniformerBlock uf_uniformer_add_block (UfWeightLoader *ld, guint s, guint i, guint32 C,
    guint32 hidden);

void uf_uniformer_dwconv (UfRecorder *rec, const UfUniformerGrid *g, guint32 ks, guint32 w_off,
    guint32 b_off, guint32 in, guint32 out, gboolean residual);
/* x = x + DPE(x); x = x + conv2(DW5(conv1(BN1 x))); x = x + fc2(GELU(fc1(BN2 x))),
 * @in -> @out */
void uf_uniformer_local_block (UfRecorder *rec, const UfUniformerGrid *g,
    const UfUniformerBlock *b, const UfUniformerScratch *sc, guint32 in, guint32 out);
/* A 2x2 patch embedding from @in (grid @from) to @out (grid @to), through
 * sc->hid (im2col) and sc->t1. */
void uf_uniformer_patch_embed2 (UfRecorder *rec, const UfUniformerGrid *from,
    const UfUniformerGrid *to, const UfUniformerPatch *pw, const UfUniformerScratch *sc,
    guint32 in, guint32 out);

#endif /* UNIFORMER_BLOCKS_H */
