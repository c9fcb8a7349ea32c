/* uf-ops.h: the network's operations. Each op has one source file holding
 * its argument struct's meaning, its host code (record into a command
 * buffer) and its plain C reference; its shader is shaders/<op>.comp and
 * its test row is in tests/ops/test-ops.c.
 *
 * Offsets and sizes are in elements of the binding they refer to (floats,
 * or halves for F16 weights). References work on host mirrors of the
 * buffers (UfHostBuffers) and write into the arena or ring mirror. */
#ifndef UF_OPS_H
#define UF_OPS_H

#include "../uf-recorder.h"

#define UF_NO_OFFSET G_MAXUINT32

/* Whether offsets and sizes (pass them OR-ed together) are all multiples of
 * four floats, so an op may read them as vec4 texels through the texel
 * views (engine/uf-vk.h says why). */
static inline gboolean
uf_on_texels (guint32 offsets)
{
  return offsets % 4 == 0;
}

typedef struct {
  float *arena;
  const float *weights;       /* binding 1 */
  const float *weights16;     /* binding 2, expanded to float, same indices */
  float *ring;
  const guint32 *control;
  const guint8 *staging;
} UfHostBuffers;

/* gemm.c: C[M][N] = A[M][K] B[K][N] (+bias) (GELU, exact or tanh form) (+C) */
enum { UF_GEMM_BIAS = 1, UF_GEMM_GELU = 2, UF_GEMM_ACCUMULATE = 4, UF_GEMM_GELU_TANH = 8 };
typedef struct {
  guint32 M, N, K;
  guint32 a_off, lda;         /* arena */
  guint32 b_off, ldb;         /* weights (binding 1, or 2 if b_f16); ldb, b_off multiples of 8 */
  guint32 bias_off;           /* weights binding 1 */
  guint32 c_off, ldc;         /* arena */
  guint32 flags;
  gboolean b_f16;
} UfGemmArgs;
void uf_op_gemm_record (UfRecorder *rec, const UfGemmArgs *a);
void uf_op_gemm_reference (const UfGemmArgs *a, const UfHostBuffers *h);

/* dwconv.c: depthwise KS^3 conv, channels-last, zero padding, optional residual */
typedef struct {
  guint32 T, H, W, C;
  guint32 in_off, out_off;    /* arena; must not overlap */
  guint32 w_off, bias_off;    /* weights: [KS^3][C] and [C] */
  guint32 residual;
  guint32 ks;                 /* 3 or 5 (any odd size works) */
} UfDwconvArgs;
void uf_op_dwconv_record (UfRecorder *rec, const UfDwconvArgs *a);
void uf_op_dwconv_reference (const UfDwconvArgs *a, const UfHostBuffers *h);

/* layernorm.c: per-row LayerNorm over C */
typedef struct {
  guint32 rows, C;
  guint32 in_off, out_off;
  guint32 gamma_off, beta_off;
  float eps;
} UfLayernormArgs;
void uf_op_layernorm_record (UfRecorder *rec, const UfLayernormArgs *a);
void uf_op_layernorm_reference (const UfLayernormArgs *a, const UfHostBuffers *h);

/* attention.c: softmax(q k^T * scale) v per head, qkv rows [3C] -> out rows
 * [C], over independent groups of N tokens read through strides (no
 * permutes): token i of group g is row base + g * group_stride +
 * (i - shared) * token_stride, except that with shared = 1 token 0 of every
 * group is row 0 (TimeSformer's cls row in its spatial step), whose output
 * for group g goes to row g of cls_out_off instead. groups 0 means 1 and
 * token_stride 0 means 1: one group of all N rows. */
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

/* patchify.c: im2col for UniFormer's stem (mode 0, from ring slots), its
 * patch_embed2..4 (mode 1), and the video ViTs' patch embedding (mode 2:
 * kernel = stride (tubelet, patch, patch), no padding, from ring slots,
 * K order (c, kt, kh, kw); tokens in (t, h, w) order, or (h, w, t) when
 * time_minor is set, as TimeSformer orders them) */
typedef struct {
  guint32 mode;
  guint32 T, H, W, Cin;
  guint32 To, Ho, Wo;
  guint32 in_off, out_off;    /* modes 0 and 2: in_off is the ring slot stride */
  guint32 slots_off;          /* control buffer: the window's slot indices */
  guint32 tubelet, patch;     /* mode 2 */
  gboolean time_minor;        /* mode 2 */
} UfPatchifyArgs;
guint32 uf_op_patchify_k (const UfPatchifyArgs *a);
void uf_op_patchify_record (UfRecorder *rec, const UfPatchifyArgs *a);
void uf_op_patchify_reference (const UfPatchifyArgs *a, const UfHostBuffers *h);

/* meanpool.c: mean over N tokens of [N][C] */
typedef struct {
  guint32 N, C;
  guint32 in_off, out_off;
} UfMeanpoolArgs;
void uf_op_meanpool_record (UfRecorder *rec, const UfMeanpoolArgs *a);
void uf_op_meanpool_reference (const UfMeanpoolArgs *a, const UfHostBuffers *h);

/* rowadd.c: x[r][c] += table[r][c] in place (the first @replace rows are set
 * to the table's instead); table in weights binding 1 */
typedef struct {
  guint32 rows, C;
  guint32 off, table_off;
  guint32 replace;
} UfRowaddArgs;
void uf_op_rowadd_record (UfRecorder *rec, const UfRowaddArgs *a);
void uf_op_rowadd_reference (const UfRowaddArgs *a, const UfHostBuffers *h);

/* preprocess.c: a frame in the staging buffer -> a normalised ring slot */
typedef struct {
  guint32 format, src_w, src_h;
  guint32 plane_off[3], stride[3];      /* bytes in the staging buffer */
  guint32 dst_w, dst_h, slot_off;
  float scale_x, scale_y;
  guint32 crop_x0, crop_y0;
  float mean[3], inv_std[3];
  guint32 bgr;
  float kr, kb;
  guint32 full_range;
} UfPreprocessArgs;
void uf_op_preprocess_record (UfRecorder *rec, const UfPreprocessArgs *a);
void uf_op_preprocess_reference (const UfPreprocessArgs *a, const UfHostBuffers *h);

#endif
