/* uf-arch.h: the UniFormer architecture as seen by the model file.
 *
 * Parses and validates the `__metadata__` of a model file into a UfModelInfo,
 * and lists the tensors (names and shapes) a model with given hyper-parameters
 * must contain (docs/model-format.md, spec §2). Internal to the engine.
 */
#ifndef UF_ARCH_H
#define UF_ARCH_H

#include <glib.h>
#include <json-glib/json-glib.h>

#include "uniformer.h"

G_BEGIN_DECLS

/* Limits enforced on the metadata. */
#define UF_ARCH_MAX_DEPTH       64      /* blocks per stage */
#define UF_ARCH_MAX_DIM         4096    /* channels per stage */
#define UF_ARCH_MAX_MLP_RATIO   16
#define UF_ARCH_MAX_CLASSES     100000
#define UF_ARCH_MAX_FRAMES      256
#define UF_ARCH_MAX_SAMPLING    1000
#define UF_ARCH_MAX_CROP        4096
#define UF_ARCH_FORMAT          "gst-uniformer"
#define UF_ARCH_FORMAT_VERSION  "1"
#define UF_ARCH_ARCHITECTURE    "uniformer"

/* Parses @metadata (the `__metadata__` object: every value a string) into
 * @info, which the caller zero-initialises. On success @info->labels, ->name
 * and ->provenance are newly allocated (provenance is "" when absent) and
 * must be released with uf_arch_info_clear(); f16_weights is left FALSE.
 * Unknown keys are ignored. On failure @info is left cleared and @error is set
 * (UF_ERROR_MODEL_INVALID, or UF_ERROR_MODEL_FILE for a non-string value)
 * with a message naming the first bad key, e.g.
 * `metadata "frames" is "15"; expected an even integer from 2 to 256`. */
gboolean uf_arch_parse_metadata (JsonObject *metadata, UfModelInfo *info, GError **error);

/* Frees the strings uf_arch_parse_metadata() allocated and zeroes @info. */
void uf_arch_info_clear (UfModelInfo *info);

/* Checks the hyper-parameters of @info (everything except the strings)
 * against the rules above; used by uf_arch_parse_metadata(). */
gboolean uf_arch_validate_info (const UfModelInfo *info, GError **error);

typedef struct {
  char *name;
  guint n_dims;
  gint64 shape[5];
} UfExpectedTensor;

void uf_expected_tensor_free (UfExpectedTensor *t);

/* The tensors of a model with the hyper-parameters of @info (depths, dims,
 * mlp_ratio, num_classes), in PyTorch state_dict order without the
 * `num_batches_tracked` buffers. Returns a GPtrArray of UfExpectedTensor*
 * that frees its elements. */
GPtrArray *uf_arch_expected_tensors (const UfModelInfo *info);

/* Formats @shape as "[a,b,c]" (no spaces); free with g_free. */
char *uf_arch_format_shape (guint n_dims, const gint64 *shape);

G_END_DECLS

#endif /* UF_ARCH_H */
