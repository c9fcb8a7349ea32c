/* uf-ops.h: every op's header (uf-op.h says what an op is), through the
 * include list engine/ops/meson.build generates from its op list. */
#ifndef UF_OPS_H
#define UF_OPS_H

#include "uf-op.h"
#include "uf-op-headers.h"

#endif
