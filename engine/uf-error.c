/* uf-error.c: the UF_ERROR domain. */
#include "uniformer.h"

G_DEFINE_QUARK (uf-error-quark, uf_error)
