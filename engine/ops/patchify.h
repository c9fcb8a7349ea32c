/* ops/patchify.h: im2col for UniFormer's stem (mode 0, from ring slots), its
 * patch_embed2..4 (mode 1), the video ViTs' patch embedding (mode 2:
 * kernel = stride (tubelet, patch, patch), no padding, from ring slots,
 * K order (c, kt, kh, kw); tokens in (t, h, w) order, or (h, w, t) when
 * time_minor is set, as TimeSformer orders them), and the light models'
 * two stem convs (k3, pad 1, strides (stride_t, stride_s, stride_s)):
 * mode 3 from ring slots, K order (c, kt, kh, kw); mode 4 from
 * channels-last [T][H][W][Cin] in the arena, K order (kt, kh, kw, c). */
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
  guint32 stride_t, stride_s; /* modes 3 and 4 */
  guint32 to_first;           /* modes 3 and 4: the To output frames are to_first..,
                               * so a large conv runs in chunks of frames */
  guint32 windows;            /* modes 0 and 2: windows in one dispatch (0 = 1), window
                               * w's T slots at slots_off + w * T, its tokens after
                               * window w - 1's */
} UfPatchifyArgs;
/* The output size of a mode 3 or 4 conv along an input size @n. */
static inline guint32
uf_op_patchify_conv3_out (guint32 n, guint32 stride)
{
  return (n - 1) / stride + 1;
}
guint32 uf_op_patchify_k (const UfPatchifyArgs *a);
void uf_op_patchify_record (UfRecorder *rec, const UfPatchifyArgs *a);
void uf_op_patchify_reference (const UfPatchifyArgs *a, const UfHostBuffers *h);

#endif
