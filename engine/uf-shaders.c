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

UfOpClass
uf_shader_op_class (UfShaderId id)
{
  static const struct {
    const char *prefix;
    UfOpClass op_class;
  } classes[] = {
    { "gemm", UF_OP_CLASS_GEMM },
    { "attention", UF_OP_CLASS_ATTENTION },
    { "dwconv", UF_OP_CLASS_DWCONV },
    { "layernorm", UF_OP_CLASS_LAYERNORM },
  };
  for (guint i = 0; i < G_N_ELEMENTS (classes); i++)
    if (g_str_has_prefix (uf_shader_code (id)->name, classes[i].prefix))
      return classes[i].op_class;
  return UF_OP_CLASS_OTHER;
}
