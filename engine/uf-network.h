/* uf-network.h: the forward pass as a sequence of ops over one arena. */
#ifndef UF_NETWORK_H
#define UF_NETWORK_H

#include "uf-model.h"
#include "uf-recorder.h"

#define UF_N_TIMESTAMPS (UF_N_STAGE_TIMES + 1)

typedef struct {
  guint32 T, H, W;                    /* input frames and size */
  guint32 t, h[4], w[4], n[4];        /* tokens per stage: t * h * w */
  /* arena regions (float offsets): the residual stream ping-pongs between
   * x and y; t1/t2 hold per-token temporaries of C channels, hid the MLP
   * hidden layer, qkv or im2col patches. */
  guint32 x, y, t1, t2, hid, pooled, logits;
  gsize arena_floats;
} UfNetworkPlan;

void uf_network_plan (const UfModelInfo *info, UfNetworkPlan *plan);
/* Records the whole pass; the window's ring slots are read from the control
 * buffer at @slots_off, each slot @slot_stride floats apart. */
void uf_network_record (UfRecorder *rec, UfModel *model, const UfNetworkPlan *plan,
    guint32 slot_stride, guint32 slots_off);

#endif
