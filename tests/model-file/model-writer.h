/* model-writer.h: builds small gst-uniformer model files for tests.
 *
 * An MwModel is an editable description of a model file: an ordered list of
 * tensors (name, dtype string, shape, raw little-endian bytes) and ordered
 * metadata. mw_model_serialize() turns it into safetensors bytes. Tests
 * corrupt a model by editing the description (and the knobs below) or the
 * serialized bytes.
 */
#ifndef MODEL_WRITER_H
#define MODEL_WRITER_H

#include <glib.h>

#include "uf-model-file.h"

G_BEGIN_DECLS

typedef struct {
  guint depths[4];
  guint dims[4];
  guint head_dim;
  guint mlp_ratio;
  guint num_classes;
} MwArch;

/* depths 1,1,1,1; dims 32,64,128,256; head_dim 32; mlp_ratio 2; 5 classes */
extern const MwArch mw_arch_tiny;
/* depths 1,1,1,1; dims 4,4,4,4; head_dim 4; mlp_ratio 1; 2 classes (fuzz seeds) */
extern const MwArch mw_arch_micro;

typedef struct {
  char *name;
  char *dtype;                  /* written verbatim: "F32", "F16", "BF16", ... */
  guint n_dims;
  gint64 shape[5];
  GByteArray *data;             /* raw bytes, written in list order */
  gsize pad_before;             /* zero bytes written before the data (a hole) */
  char *raw_shape;              /* when set, written instead of the shape */
  char *raw_offsets;            /* when set, written instead of data_offsets */
  char *raw_extra;              /* when set, appended inside the entry: ,"k":v */
} MwTensor;

typedef struct {
  GPtrArray *tensors;           /* MwTensor* */
  GPtrArray *meta_keys;         /* char* */
  GPtrArray *meta_values;       /* char*, raw JSON text of each value */
  gboolean no_metadata;         /* omit __metadata__ */
  char *raw_metadata;           /* when set, written as the __metadata__ value */
  char *extra_members;          /* raw text appended to the header object: ,"x":.. */
  GByteArray *trailing;         /* bytes appended after the tensor data */
} MwModel;

/* One tensor of a model: its name and PyTorch shape. */
typedef struct {
  char *name;
  guint n_dims;
  gint64 shape[5];
} MwExpectedTensor;

void mw_expected_tensor_free (MwExpectedTensor *t);
/* The tensors of a UniFormer model of @arch (docs/model-format.md), in
 * PyTorch state_dict order without the `num_batches_tracked` buffers: a
 * GPtrArray of MwExpectedTensor* that frees its elements. */
GPtrArray *mw_uniformer_tensors (const MwArch *arch);

/* A valid model of @arch with random finite weights from @seed. With
 * @dtype F16 the tensors of two or more dimensions are stored as F16 (as
 * `uniformer-convert --dtype f16` does), the others as F32. */
MwModel *mw_model_new (const MwArch *arch, UfDtype dtype, guint32 seed);
MwModel *mw_model_new_tiny (UfDtype dtype, guint32 seed);
void mw_model_free (MwModel *model);

/* Metadata: set (as a JSON string), set raw JSON, remove. Setting keeps the
 * key's position; new keys are appended. */
void mw_model_set_meta (MwModel *model, const char *key, const char *value);
void mw_model_set_meta_raw (MwModel *model, const char *key, const char *raw_json);
void mw_model_remove_meta (MwModel *model, const char *key);
const char *mw_model_get_meta_raw (MwModel *model, const char *key);

MwTensor *mw_model_get_tensor (MwModel *model, const char *name);
void mw_model_remove_tensor (MwModel *model, const char *name);
/* Appends a tensor with random F32/F16 data (by @dtype; other dtype strings
 * get 4 bytes per element). */
MwTensor *mw_model_add_tensor (MwModel *model, const char *name, const char *dtype,
    guint n_dims, const gint64 *shape);
/* Replaces the shape and regenerates the data to match. */
void mw_tensor_reshape (MwTensor *t, guint n_dims, const gint64 *shape);
/* Stores @value at element @index (F32 or F16 tensors). */
void mw_tensor_set (MwTensor *t, gsize index, float value);

/* The safetensors bytes (header padded with spaces to a multiple of 8). */
GBytes *mw_model_serialize (MwModel *model);
gboolean mw_model_write (MwModel *model, const char *path, GError **error);

/* A file made of an explicit 8-byte length field, header text and data. */
GBytes *mw_raw_file (guint64 length_field, const char *header, gsize header_len,
    const guint8 *data, gsize data_len);


G_END_DECLS

#endif /* MODEL_WRITER_H */
