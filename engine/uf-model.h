/* uf-model.h: a loaded model: its info, its architecture's prepared
 * network and the weight buffers on the device. */
#ifndef UF_MODEL_H
#define UF_MODEL_H

#include "uf-vk.h"
#include "architectures/uf-architecture.h"

struct _UfModel {
  gint ref_count;
  UfDevice *dev;
  UfModelInfo info;
  char **labels;
  char *architecture, *name, *provenance;
  const UfArchitecture *arch;
  gpointer net;               /* the architecture's; starts with UfNetLayout */
  UfBuffer weights, weights16;
  gsize weight_bytes;
};

static inline const UfNetLayout *
uf_model_layout (const UfModel *model)
{
  return model->net;
}

#endif
