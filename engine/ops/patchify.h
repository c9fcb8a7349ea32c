/* ops/patchify.h: im2col for UniFormer's stem (mode 0, from ring slots), its
 * patch_embed2..4 (mode 1), and the video ViTs' patch embedding (mode 2:
 * kernel = stride (tubelet, patch, patch), no padding, from ring slots,
 * K order (c, kt, kh, kw); tokens in (t, h, w) order, or (h, w, t) when
 * time_minor is set, as TimeSformer orders them) */
#ifndef UF_OP_PATCHIFY_H
#define UF_OP_PATCHIFY_H

#include "uf-op.h"

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

#endif
