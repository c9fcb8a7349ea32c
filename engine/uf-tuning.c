/* uf-tuning.c: the table of work shapes by device type. lavapipe runs one
 * workgroup as one thread-pool task with X vectorised 8 lanes wide, so it
 * wants local_size_x a multiple of 8 and large register tiles; GPUs want
 * more lanes per workgroup.
 *
 * UF_TUNING="gemm_lx=16,gemm_tm=4" overrides entries, for measuring;
 * UF_TUNING="row=gpu" starts from another row (the tests run the GPU shapes
 * on lavapipe that way).
 *
 * arith_f16 and gemm_coopmat ask for a path; it is taken only where the
 * device reports the capability (lavapipe has shaderFloat16 but no fp16
 * ALUs, so its row leaves fp16 arithmetic off; it has no cooperative
 * matrices). */
#include <stdlib.h>
#include <string.h>
#include "uf-tuning.h"

/* By name, so a new field is one more entry per row, not a column; a field
 * left out is 0. */
static const UfTuning tuning_table[] = {
  { .name = "cpu", .gemm_tiled = 0, .gemm_lx = 8, .gemm_tm = 16, .gemm_cw = 16, .gemm_bk = 16,
    .dwconv_lx = 16, .rows_lx = 8, .attention_lx = 8, .attention_ql = 8, .preprocess_lx = 8,
    .dwconv_wo = 4, .dwconv_ho = 4, .arith_f16 = 0, .gemm_coopmat = 0,
    .weight_window_kib = 0 },
  { .name = "gpu", .gemm_tiled = 1, .gemm_lx = 64, .gemm_tm = 4, .gemm_cw = 8, .gemm_bk = 16,
    .dwconv_lx = 64, .rows_lx = 64, .attention_lx = 64, .attention_ql = 2, .preprocess_lx = 64,
    .dwconv_wo = 4, .dwconv_ho = 1, .arith_f16 = 1, .gemm_coopmat = 1,
    .weight_window_kib = 0 },
};

static const struct {
  const char *key;
  gsize offset;
  guint min;                  /* smallest value an override may set */
} tuning_keys[] = {
  { "gemm_tiled", G_STRUCT_OFFSET (UfTuning, gemm_tiled), 0 },
  { "gemm_lx", G_STRUCT_OFFSET (UfTuning, gemm_lx), 1 },
  { "gemm_bk", G_STRUCT_OFFSET (UfTuning, gemm_bk), 1 },
  { "gemm_tm", G_STRUCT_OFFSET (UfTuning, gemm_tm), 1 },
  { "gemm_cw", G_STRUCT_OFFSET (UfTuning, gemm_cw), 4 },
  { "dwconv_lx", G_STRUCT_OFFSET (UfTuning, dwconv_lx), 1 },
  { "rows_lx", G_STRUCT_OFFSET (UfTuning, rows_lx), 1 },
  { "attention_lx", G_STRUCT_OFFSET (UfTuning, attention_lx), 1 },
  { "preprocess_lx", G_STRUCT_OFFSET (UfTuning, preprocess_lx), 1 },
  { "attention_ql", G_STRUCT_OFFSET (UfTuning, attention_ql), 1 },
  { "dwconv_wo", G_STRUCT_OFFSET (UfTuning, dwconv_wo), 1 },
  { "dwconv_ho", G_STRUCT_OFFSET (UfTuning, dwconv_ho), 1 },
  { "arith_f16", G_STRUCT_OFFSET (UfTuning, arith_f16), 0 },
  { "gemm_coopmat", G_STRUCT_OFFSET (UfTuning, gemm_coopmat), 0 },
  { "weight_window_kib", G_STRUCT_OFFSET (UfTuning, weight_window_kib), 0 },
};

static UfTuning *
apply_overrides (guint row)
{
  const char *env = g_getenv ("UF_TUNING");
  UfTuning *t = g_new (UfTuning, 1);
  *t = tuning_table[row];
  if (env == NULL || *env == '\0')
    return t;
  char **items = g_strsplit (env, ",", -1);
  for (char **it = items; *it; it++)
    for (guint r = 0; r < G_N_ELEMENTS (tuning_table); r++)
      if (g_str_has_prefix (*it, "row=") && strcmp (*it + 4, tuning_table[r].name) == 0)
        *t = tuning_table[r];
  for (char **it = items; *it; it++) {
    char **kv = g_strsplit (*it, "=", 2);
    for (guint k = 0; kv[0] && kv[1] && k < G_N_ELEMENTS (tuning_keys); k++) {
      guint v = strtoul (kv[1], NULL, 10);
      if (strcmp (kv[0], tuning_keys[k].key) == 0 && v >= tuning_keys[k].min
          && v <= (strcmp (kv[0], "weight_window_kib") == 0 ? 4u << 20 : 1024))
        G_STRUCT_MEMBER (guint, t, tuning_keys[k].offset) = v;
    }
    g_strfreev (kv);
  }
  g_strfreev (items);
  return t;
}

UfTuning *
uf_tuning_new_for_device (const VkPhysicalDeviceProperties *props)
{
  return apply_overrides (props->deviceType == VK_PHYSICAL_DEVICE_TYPE_CPU ? 0 : 1);
}

gboolean
uf_tuning_use_arith_f16 (const UfTuning *tuning, const UfDevice *dev)
{
  return tuning->arith_f16 && dev->has_float16;
}

gboolean
uf_tuning_use_coopmat (const UfTuning *tuning, const UfDevice *dev)
{
  return tuning->gemm_coopmat && dev->has_coopmat;
}
