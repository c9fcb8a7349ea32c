/* uf-shaders.h: the SPIR-V modules compiled from shaders/ at build time. */
#ifndef UF_SHADERS_H
#define UF_SHADERS_H

#include <glib.h>

#include "uf-shader-ids.h"
#include "uniformer.h"

/* One per shader module of the op list (engine/ops/meson.build). */
typedef enum {
#define UF_SHADER_ID(id, name) UF_SHADER_##id,
  UF_SHADER_LIST (UF_SHADER_ID)
#undef UF_SHADER_ID
  UF_N_SHADERS
} UfShaderId;

typedef struct {
  const char *name;
  const guint32 *code;
  gsize size;                 /* bytes */
} UfShaderCode;

const UfShaderCode *uf_shader_code (UfShaderId id);
/* The op class a shader's dispatches count under in a profile. */
UfOpClass uf_shader_op_class (UfShaderId id);

#endif
