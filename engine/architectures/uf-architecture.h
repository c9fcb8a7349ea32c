/* uf-architecture.h: what one network family provides to the engine, and
 * the loader through which it takes its weights from a model file.
 *
 * One file per family in this folder (uniformer.c, ...), each owning its
 * hyper-parameters (read from the metadata), its weights (requested by
 * name and shape, then folded and packed for the shaders), its forward pass
 * (built from the ops and the shared blocks), its MACs and its stage names;
 * uf-architectures.c lists them. Internal to the engine.
 */
#ifndef UF_ARCHITECTURE_H
#define UF_ARCHITECTURE_H

#include <json-glib/json-glib.h>

#include "../uf-model-file.h"
#include "../uf-recorder.h"
#include "../uf-weight-pack.h"

G_BEGIN_DECLS

/* Hands an architecture the tensors it asks for. A tensor that is missing
 * or has another shape is recorded (the first such problem is reported when
 * the load ends, after any tensor the architecture did not ask for), and
 * the architecture gets zeros of the shape it asked for, so a load never
 * needs an error path of its own. */
typedef struct _UfWeightLoader UfWeightLoader;

/* A shape for uf_weights_read: UF_SHAPE (C, 3, 1, 16, 16). */
#define UF_SHAPE(...) ((const gint64[]) { __VA_ARGS__ })

/* The tensor named by @format with exactly @shape, as floats (g_free);
 * *is_f16 (may be NULL) says whether the file stores it as F16. */
float *uf_weights_read (UfWeightLoader *ld, gboolean *is_f16, guint n_dims,
    const gint64 *shape, const char *format, ...) G_GNUC_PRINTF (5, 6);
/* The pack the prepared weights go into. */
UfWeightPack *uf_weights_pack (UfWeightLoader *ld);

/* A vector of @n floats named by @format, packed; returns its offset. */
guint32 uf_weights_add_vector (UfWeightLoader *ld, guint32 n, const char *format, ...)
    G_GNUC_PRINTF (3, 4);
/* A Linear @prefix.weight [N][K] (or a 1x1 conv, [N][K][1][1][1] when
 * @conv_dims is 5) with @prefix.bias [N], packed as a GEMM weight. */
UfMatrixRef uf_weights_add_linear (UfWeightLoader *ld, guint32 N, guint32 K, guint conv_dims,
    const char *prefix);

/* Every family's prepared network starts with this. */
typedef struct {
  gsize arena_floats;           /* activation memory of one forward pass */
  guint32 logits;               /* arena offset of the num_classes logits */
} UfNetLayout;

typedef struct {
  const char *name;             /* the metadata's "architecture" */
  /* NULL-terminated; the forward pass writes timestamp i before stage i
   * and one after the last */
  const char *const *stage_names;
  /* Reads and checks the family's hyper-parameters (@info holds the
   * common keys, already checked); returns them, or NULL with @error set. */
  gpointer (*parse) (JsonObject *md, const UfModelInfo *info, GError **error);
  /* Takes every weight through @ld and plans the arena; returns the
   * prepared network (a struct starting with UfNetLayout), which owns
   * @params from then on. */
  gpointer (*load) (UfWeightLoader *ld, gpointer params, const UfModelInfo *info);
  /* "UniFormer model with depths 1,1,1,1, ...": for logs, and to name the
   * tensor set in errors */
  char *(*describe) (gconstpointer net);
  void (*free_net) (gpointer net);
  /* Records the forward pass of @batch windows (0 means 1): window b's
   * frames are the ring slots at control entries b*T .. b*T+T-1 (@slot_stride
   * floats apart), and it runs in an arena of batch x arena_floats where
   * every region is @batch times its size, so its logits are at
   * batch * logits + b * num_classes. */
  void (*record) (UfRecorder *rec, gconstpointer net, guint32 slot_stride, guint32 batch);
  /* The largest batch record takes (0: one window at a time). */
  guint max_batch;
  guint64 (*macs) (gconstpointer net);
} UfArchitecture;

/* The family called @name, or NULL. */
const UfArchitecture *uf_architecture_find (const char *name);

/* Prepares the network @file describes, on the host: finds its
 * architecture, reads its hyper-parameters and takes every tensor (each
 * asked for with its exact shape; a tensor nobody asked for is an error).
 * The weights go into @pack (initialised by the caller). */
gpointer uf_architecture_prepare (UfModelFile *file, UfWeightPack *pack,
    const UfArchitecture **arch, GError **error);

G_END_DECLS

#endif /* UF_ARCHITECTURE_H */
