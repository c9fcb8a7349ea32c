/* uf-model-file.h: reading and validating a gst-uniformer model file as a
 * container; it knows no architecture.
 *
 * A model file is a safetensors file with gst-uniformer metadata
 * (docs/model-format.md). Opening one checks the container before anything
 * is returned (header length, JSON, every tensor's dtype, shape and byte
 * range, no overlaps, no holes, no trailing bytes, no duplicate keys), the
 * metadata every model has (uf-metadata.h), and that every stored value is
 * finite. The architecture then takes its tensors by name and shape
 * (architectures/uf-architecture.h), which checks the tensor set. Internal
 * to the engine.
 *
 * Errors are in the UF_ERROR domain: UF_ERROR_MODEL_FILE when the file is
 * not a well-formed safetensors file, UF_ERROR_MODEL_INVALID when it is well
 * formed but not a valid model (metadata, unsupported dtype, non-finite
 * values). Messages start with the display name and name the first problem,
 * e.g. `model.safetensors: metadata "frames" is "15x"; expected a
 * non-negative integer`.
 */
#ifndef UF_MODEL_FILE_H
#define UF_MODEL_FILE_H

#include <glib.h>
#include <json-glib/json-glib.h>

#include "uniformer.h"

G_BEGIN_DECLS

/* Largest accepted JSON header. */
#define UF_MODEL_FILE_MAX_HEADER (16u * 1024u * 1024u)

typedef enum {
  UF_DTYPE_F32,
  UF_DTYPE_F16,
} UfDtype;

typedef struct {
  const char *name;
  UfDtype dtype;
  guint n_dims;
  gint64 shape[5];              /* entries past n_dims are 0 */
  const guint8 *data;           /* into the file's bytes; may be unaligned; little-endian */
  gsize n_bytes;
  gsize n_elements;
} UfTensorView;

typedef struct _UfModelFile UfModelFile;

/* Maps (or, where mapping fails, reads) the file at @path, then validates it
 * as uf_model_file_new_from_bytes() with @path as display name. */
UfModelFile *uf_model_file_open (const char *path, GError **error);

/* Validates @bytes (a reference is taken; the tensor views point into it).
 * @display_name prefixes error messages; NULL means "<memory>". */
UfModelFile *uf_model_file_new_from_bytes (GBytes *bytes, const char *display_name,
    GError **error);

void uf_model_file_free (UfModelFile *file);

/* The metadata every model has; all strings are owned by @file.
 * f16_weights is TRUE when any tensor is stored as F16. */
const UfModelInfo *uf_model_file_get_info (UfModelFile *file);
/* The whole `__metadata__` object, for the architecture's keys. */
JsonObject *uf_model_file_get_metadata (UfModelFile *file);

/* The tensor called @name, or NULL if the file has none. Owned by @file. */
const UfTensorView *uf_model_file_get_tensor (UfModelFile *file, const char *name);

/* All tensors, in header order. */
guint uf_model_file_get_n_tensors (UfModelFile *file);
const UfTensorView *uf_model_file_get_tensor_at (UfModelFile *file, guint index);

const char *uf_model_file_get_display_name (UfModelFile *file);

/* Writes the t->n_elements values of @t to @out as floats. F16 values are
 * converted exactly (subnormals, signed zeros, infinities and NaN payloads
 * included). */
void uf_tensor_view_to_f32 (const UfTensorView *t, float *out);

/* Exact IEEE half -> single conversion of one value given as raw bits. */
float uf_half_to_float (guint16 bits);

G_END_DECLS

#endif /* UF_MODEL_FILE_H */
