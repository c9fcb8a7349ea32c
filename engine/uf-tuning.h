/* uf-tuning.h: per-device work shapes (local sizes, register tiles). */
#ifndef UF_TUNING_H
#define UF_TUNING_H

#include "uf-vk.h"

struct _UfTuning {
  const char *name;           /* the table row that matched */
  guint gemm_tiled;           /* 0: gemm.comp (register tiles); 1: gemm-tiled.comp (shared memory) */
  guint gemm_lx, gemm_tm;     /* gemm.comp: lanes per workgroup, rows per invocation */
  guint gemm_cw;              /* gemm.comp: widest tile in columns per invocation (8, 16 or
                               * 32; gemm.c narrows it per GEMM), or 4 */
  guint gemm_bk;              /* gemm-tiled.comp: k-steps per shared-memory panel */
  guint dwconv_lx;            /* dwconv.comp: lanes (channels) per workgroup */
  guint rows_lx;              /* layernorm/meanpool/patchify: lanes per workgroup */
  guint attention_lx;         /* attention.comp: lanes per workgroup */
  guint attention_ql;         /* attention.comp: queries per invocation */
  guint preprocess_lx;        /* preprocess.comp: pixels per workgroup row */
  guint dwconv_wo;            /* dwconv.comp: outputs along W per invocation */
  guint dwconv_ho;            /* dwconv.comp: outputs along H per invocation */
  guint arith_f16;            /* 1: fp16 arithmetic (ARITH_F16 variants) where the device has it */
  guint gemm_coopmat;         /* 1: gemm-coopmat.comp where the device has cooperative matrices
                               (before gemm_tiled) */
  guint weight_window_kib;    /* weight descriptor window (uf-vk.h); 0: half the device's
                               * largest descriptor range (tests set a small one) */
};

/* The table row for a device of @props with the UF_TUNING overrides
 * applied; called once when a device is opened (dev->tuning). */
UfTuning *uf_tuning_new_for_device (const VkPhysicalDeviceProperties *props);

/* A path is used when the tuning asks for it and the device can run it. */
gboolean uf_tuning_use_arith_f16 (const UfTuning *tuning, const UfDevice *dev);
gboolean uf_tuning_use_coopmat (const UfTuning *tuning, const UfDevice *dev);

#endif
