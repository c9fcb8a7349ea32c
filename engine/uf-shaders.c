/* uf-shaders.c: table of the embedded SPIR-V (headers made by glslangValidator --vn). */
#include <stdint.h>
#include "uf-shaders.h"

#include "gemm_f32.spv.h"
#include "gemm_f16.spv.h"
#include "gemm_tiled_f32.spv.h"
#include "gemm_tiled_f16.spv.h"
#include "gemm_tiled_f32_arith16.spv.h"
#include "gemm_tiled_f16_arith16.spv.h"
#include "gemm_coopmat_f32.spv.h"
#include "gemm_coopmat_f16.spv.h"
#include "dwconv.spv.h"
#include "layernorm.spv.h"
#include "attention.spv.h"
#include "attention_arith16.spv.h"
#include "patchify.spv.h"
#include "meanpool.spv.h"
#include "rowadd.spv.h"
#include "preprocess.spv.h"

#define ENTRY(name) { #name, name##_spv, sizeof (name##_spv) }

static const UfShaderCode shader_table[UF_N_SHADERS] = {
  [UF_SHADER_GEMM_F32] = ENTRY (gemm_f32),
  [UF_SHADER_GEMM_F16] = ENTRY (gemm_f16),
  [UF_SHADER_GEMM_TILED_F32] = ENTRY (gemm_tiled_f32),
  [UF_SHADER_GEMM_TILED_F16] = ENTRY (gemm_tiled_f16),
  [UF_SHADER_GEMM_TILED_F32_ARITH16] = ENTRY (gemm_tiled_f32_arith16),
  [UF_SHADER_GEMM_TILED_F16_ARITH16] = ENTRY (gemm_tiled_f16_arith16),
  [UF_SHADER_GEMM_COOPMAT_F32] = ENTRY (gemm_coopmat_f32),
  [UF_SHADER_GEMM_COOPMAT_F16] = ENTRY (gemm_coopmat_f16),
  [UF_SHADER_DWCONV] = ENTRY (dwconv),
  [UF_SHADER_LAYERNORM] = ENTRY (layernorm),
  [UF_SHADER_ATTENTION] = ENTRY (attention),
  [UF_SHADER_ATTENTION_ARITH16] = ENTRY (attention_arith16),
  [UF_SHADER_PATCHIFY] = ENTRY (patchify),
  [UF_SHADER_MEANPOOL] = ENTRY (meanpool),
  [UF_SHADER_ROWADD] = ENTRY (rowadd),
  [UF_SHADER_PREPROCESS] = ENTRY (preprocess),
};

const UfShaderCode *
uf_shader_code (UfShaderId id)
{
  g_return_val_if_fail (id < UF_N_SHADERS, NULL);
  return &shader_table[id];
}
