/* uf-recorder.h: records dispatches into a command buffer. Every op goes
 * through uf_rec_dispatch(), which binds the pipeline, pushes the op's
 * constants, dispatches and puts a compute->compute barrier after it.
 * A collecting recorder (uf_rec_init_collect) records nothing and only
 * lists the pipelines the ops would use, so they can be built beforehand. */
#ifndef UF_RECORDER_H
#define UF_RECORDER_H

#include "uf-vk.h"
#include "uf-tuning.h"

/* The descriptor set whose weight bindings cover windows @w32 (binding 1)
 * and @w16 (binding 2), made on demand by the session. */
typedef struct {
  VkDescriptorSet (*set_for) (gpointer data, guint w32, guint w16, GError **error);
  gpointer data;
} UfWeightSets;

/* What an op subtracts from its weight offsets: the first element of the
 * windows its weights are read through. */
typedef struct {
  guint32 f32, f16;           /* floats of binding 1, halves of binding 2 */
} UfWeightBase;

/* Per-dispatch timing (uf_session_profile_ops): a timestamp after every
 * dispatch into @pool (timestamp 0 before the first), with each
 * dispatch's op class and multiply-adds. */
typedef struct {
  VkQueryPool pool;
  guint capacity;             /* timestamps the pool holds */
  guint n;                    /* dispatches timed */
  UfOpClass *op_class;        /* capacity - 1 of each */
  double *macs;
} UfRecProfile;

typedef struct {
  UfDevice *dev;
  const UfTuning *tuning;
  VkCommandBuffer cb;
  VkPipeline bound;
  const UfWeightSets *sets;   /* NULL: only windows 0 (the set given at init) */
  guint w32, w16;             /* the windows bound now */
  VkQueryPool timestamps;     /* may be VK_NULL_HANDLE */
  GPtrArray *wanted;          /* collecting: pipeline keys (GBytes); else NULL */
  GError *error;              /* first error while recording */
  UfRecProfile *profile;      /* NULL unless profiling */
  double macs;                /* the next dispatch's multiply-adds (uf_rec_macs) */
} UfRecorder;

void uf_rec_init (UfRecorder *rec, UfDevice *dev, VkCommandBuffer cb, VkDescriptorSet set,
    VkQueryPool timestamps);
void uf_rec_init_collect (UfRecorder *rec, UfDevice *dev, GPtrArray *wanted);
/* Lets the recorder switch to other weight windows (uf_rec_weights). */
void uf_rec_set_weight_sets (UfRecorder *rec, const UfWeightSets *sets);
/* An op reads weights [lo32, hi32) of binding 1 and [lo16, hi16) of
 * binding 2 (an empty range: none): binds the set of the windows that hold
 * them and returns their bases. Weights of one op larger than the device's
 * window are a recording error. */
UfWeightBase uf_rec_weights (UfRecorder *rec, guint32 lo32, guint32 hi32, guint32 lo16,
    guint32 hi16);
void uf_rec_dispatch (UfRecorder *rec, UfShaderId shader, const guint32 *spec, guint n_spec,
    const void *push, gsize push_size, guint gx, guint gy, guint gz);
void uf_rec_timestamp (UfRecorder *rec, guint index);
/* The multiply-adds of the next dispatch, for the per-op-class profile. */
static inline void
uf_rec_macs (UfRecorder *rec, double macs)
{
  rec->macs = macs;
}
gboolean uf_rec_finish (UfRecorder *rec, GError **error);

static inline guint
uf_div_up (guint a, guint b)
{
  return (a + b - 1) / b;
}

#endif
