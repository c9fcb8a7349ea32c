/* uniformer-model-cache.h: the models uniformerinfer elements share. Elements
 * that use the same device and the same model file get the same UfModel:
 * one Vulkan device (on lavapipe: one thread pool) and one upload of the
 * weights, whatever the number of streams, and one batcher that runs
 * their windows in batches (with the activation memory of one batch); each
 * element keeps its own session (its frame ring). An entry lives while an
 * element uses it, so one element stopping frees nothing the others use.
 *
 * Caches are process-wide, one per group name. Elements learn their group
 * from a GstContext of type UNIFORMER_MODEL_CACHE_CONTEXT with a string
 * field "group", so an application keeps a set of elements apart by
 * setting a context with a group name of its own on them (or on their
 * bin; no API needed: gst_context_new and a structure field). Elements
 * that find no such context use group "" and announce it. */
#ifndef UNIFORMER_MODEL_CACHE_H
#define UNIFORMER_MODEL_CACHE_H

#include <gst/gst.h>

#include "uniformer.h"
#include "uniformer-batcher.h"

G_BEGIN_DECLS

#define UNIFORMER_MODEL_CACHE_CONTEXT "gst-uniformer.model-cache"

typedef struct _UniformerModelCache UniformerModelCache;

/* The cache of group @group (a new reference), made on first use. */
UniformerModelCache *uniformer_model_cache_get (const gchar * group);
UniformerModelCache *uniformer_model_cache_ref (UniformerModelCache * cache);
void uniformer_model_cache_unref (UniformerModelCache * cache);
const gchar *uniformer_model_cache_group (UniformerModelCache * cache);

/* The model @path on device @device (NULL: automatic), loaded by the first
 * element that asks and shared after; a new reference, to give back with
 * uniformer_model_cache_release. A file replaced on disk is a new model. */
UfModel *uniformer_model_cache_acquire (UniformerModelCache * cache, const gchar * device,
    const gchar * path, GError ** error);
void uniformer_model_cache_release (UniformerModelCache * cache, UfModel * model);
/* The batcher of @model (acquired through @cache), made by the first
 * element that asks, with passes of up to @max_batch windows: the elements
 * that share a model share its batches, and later elements' @max_batch is
 * not used. A new reference. */
UniformerBatcher *uniformer_model_cache_get_batcher (UniformerModelCache * cache,
    UfModel * model, guint max_batch, GError ** error);
/* The lowest phase no running element of @model holds, now held by the
 * caller until it gives it back: elements that share a model and start
 * together get 0, 1, 2, ..., and one that restarts gets back a phase
 * another left, so the phases stay spread as elements come and go. */
guint uniformer_model_cache_take_phase (UniformerModelCache * cache, UfModel * model);
void uniformer_model_cache_give_phase (UniformerModelCache * cache, UfModel * model,
    guint phase);
/* How many elements use @model through @cache (for tests and logs). */
guint uniformer_model_cache_users (UniformerModelCache * cache, UfModel * model);

GstContext *uniformer_model_cache_context_new (UniformerModelCache * cache);
/* The cache of the group @context names (a new reference), or NULL when it
 * is not a model-cache context. A context without a group is group "". */
UniformerModelCache *uniformer_model_cache_from_context (const GstContext * context);

G_END_DECLS

#endif
