/* uf-op.h: what every op shares. An op is one slice: its header and host
 * file here (arguments, recording, plain C reference), its shader
 * shaders/<op>.comp, its case table tests/ops/cases/<op>.c (test rows
 * against the reference and benchmark rows at network sizes, run by the
 * same code), and one row in the op list, engine/ops/meson.build.
 *
 * Offsets and sizes are in elements of the binding they refer to (floats,
 * or halves for F16 weights). References work on host mirrors of the
 * buffers (UfHostBuffers) and write into the arena or ring mirror. */
#ifndef UF_OP_H
#define UF_OP_H

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

#endif
