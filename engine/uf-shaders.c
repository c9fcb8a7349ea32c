/* uf-shaders.c: table of the embedded SPIR-V (headers made by glslangValidator --vn). */
#include <stdint.h>
#include "uf-shaders.h"

#include "uf-shader-code.h"

#define ENTRY(id, name) [UF_SHADER_##id] = { #name, name##_spv, sizeof (name##_spv) },

static const UfShaderCode shader_table[UF_N_SHADERS] = {
  UF_SHADER_LIST (ENTRY)
};

const UfShaderCode *
uf_shader_code (UfShaderId id)
{
  g_return_val_if_fail (id < UF_N_SHADERS, NULL);
  return &shader_table[id];
}
