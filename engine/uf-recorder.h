/* uf-recorder.h: records dispatches into a command buffer. Every op goes
 * through uf_rec_dispatch(), which binds the pipeline, pushes the op's
 * constants, dispatches and puts a compute->compute barrier after it.
 * A collecting recorder (uf_rec_init_collect) records nothing and only
 * lists the pipelines the ops would use, so they can be built beforehand. */
#ifndef UF_RECORDER_H
#define UF_RECORDER_H

#include "uf-vk.h"
#include "uf-tuning.h"

typedef struct {
  UfDevice *dev;
  const UfTuning *tuning;
  VkCommandBuffer cb;
  VkPipeline bound;
  VkQueryPool timestamps;     /* may be VK_NULL_HANDLE */
  GPtrArray *wanted;          /* collecting: pipeline keys (GBytes); else NULL */
  GError *error;              /* first error while recording */
} UfRecorder;

void uf_rec_init (UfRecorder *rec, UfDevice *dev, VkCommandBuffer cb, VkDescriptorSet set,
    VkQueryPool timestamps);
void uf_rec_init_collect (UfRecorder *rec, UfDevice *dev, GPtrArray *wanted);
void uf_rec_dispatch (UfRecorder *rec, UfShaderId shader, const guint32 *spec, guint n_spec,
    const void *push, gsize push_size, guint gx, guint gy, guint gz);
void uf_rec_timestamp (UfRecorder *rec, guint index);
gboolean uf_rec_finish (UfRecorder *rec, GError **error);

static inline guint
uf_div_up (guint a, guint b)
{
  return (a + b - 1) / b;
}

#endif
