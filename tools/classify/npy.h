/* npy.h: reading and writing float32 NumPy .npy arrays (C order). */
#ifndef NPY_H
#define NPY_H

#include <glib.h>

#define NPY_MAX_DIMS 8

typedef struct {
  guint n_dims;
  gsize shape[NPY_MAX_DIMS];
  gsize n_elements;
  float *data;
} NpyArray;

gboolean npy_read_f32 (const char *path, NpyArray *out, GError **error);
gboolean npy_write_f32 (const char *path, const float *data, const gsize *shape, guint n_dims,
    GError **error);
void npy_clear (NpyArray *a);

#endif
