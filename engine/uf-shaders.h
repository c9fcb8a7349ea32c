/* uf-shaders.h: the SPIR-V modules compiled from shaders/ at build time. */
#ifndef UF_SHADERS_H
#define UF_SHADERS_H

#include <glib.h>

typedef enum {
  UF_SHADER_GEMM_F32,         /* shaders/gemm.comp, weights in binding 1 */
  UF_SHADER_GEMM_F16,         /* shaders/gemm.comp, weights in binding 2 */
  UF_SHADER_GEMM_TILED_F32,   /* shaders/gemm-tiled.comp, weights in binding 1 */
  UF_SHADER_GEMM_TILED_F16,   /* shaders/gemm-tiled.comp, weights in binding 2 */
  UF_SHADER_GEMM_TILED_F32_ARITH16,   /* the same two with fp16 arithmetic (ARITH_F16) */
  UF_SHADER_GEMM_TILED_F16_ARITH16,
  UF_SHADER_GEMM_COOPMAT_F32, /* shaders/gemm-coopmat.comp, weights in binding 1 */
  UF_SHADER_GEMM_COOPMAT_F16, /* shaders/gemm-coopmat.comp, weights in binding 2 */
  UF_SHADER_DWCONV,           /* shaders/dwconv.comp */
  UF_SHADER_LAYERNORM,        /* shaders/layernorm.comp */
  UF_SHADER_ATTENTION,        /* shaders/attention.comp */
  UF_SHADER_ATTENTION_ARITH16,        /* shaders/attention.comp with fp16 arithmetic */
  UF_SHADER_PATCHIFY,         /* shaders/patchify.comp */
  UF_SHADER_MEANPOOL,         /* shaders/meanpool.comp */
  UF_SHADER_ROWADD,           /* shaders/rowadd.comp */
  UF_SHADER_PREPROCESS,       /* shaders/preprocess.comp */
  UF_N_SHADERS
} UfShaderId;

typedef struct {
  const char *name;
  const guint32 *code;
  gsize size;                 /* bytes */
} UfShaderCode;

const UfShaderCode *uf_shader_code (UfShaderId id);

#endif
