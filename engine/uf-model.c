/* uf-model.c: loads a model file: its architecture prepares the weights
 * for the shaders (architectures/), which are uploaded once. */
#include <string.h>
#include "uf-model.h"
#include "uf-model-file.h"
#include "uf-weight-pack.h"

static void
copy_info (UfModel *model, const UfModelInfo *src)
{
  model->info = *src;
  model->labels = g_new0 (char *, src->num_classes + 1);
  for (guint i = 0; i < src->num_classes; i++)
    model->labels[i] = g_strdup (src->labels[i]);
  model->architecture = g_strdup (src->architecture);
  model->name = g_strdup (src->name);
  model->provenance = g_strdup (src->provenance ? src->provenance : "");
  model->info.labels = (const char *const *) model->labels;
  model->info.architecture = model->architecture;
  model->info.name = model->name;
  model->info.provenance = model->provenance;
}

static gboolean
upload (UfModel *model, UfWeightPack *pack, GError **error)
{
  gsize n32 = pack->f32->len * sizeof (float), n16 = MAX (pack->f16->len, 8) * sizeof (guint16);
  model->weight_bytes = n32 + (pack->f16->len ? n16 : 0);
  /* Larger than one descriptor can cover is fine: ops read their weights
   * through windows of the buffers (uf_rec_weights). */
  return uf_buffer_create (model->dev, n32, FALSE, &model->weights, error)
      && uf_buffer_upload (model->dev, &model->weights, 0, pack->f32->data, n32, error)
      && uf_buffer_create (model->dev, n16, FALSE, &model->weights16, error)
      && (pack->f16->len == 0 || uf_buffer_upload (model->dev, &model->weights16, 0,
              pack->f16->data, pack->f16->len * sizeof (guint16), error));
}

UfModel *
uf_model_load (UfDevice *dev, const char *path, GError **error)
{
  UfModelFile *file = uf_model_file_open (path, error);
  UfWeightPack pack;
  const UfArchitecture *arch = NULL;
  if (file == NULL)
    return NULL;
  uf_weight_pack_init (&pack);
  gpointer net = uf_architecture_prepare (file, &pack, &arch, error);
  if (net == NULL) {
    uf_weight_pack_clear (&pack);
    uf_model_file_free (file);
    return NULL;
  }
  UfModel *model = g_new0 (UfModel, 1);
  model->ref_count = 1;
  model->dev = uf_device_ref (dev);
  model->arch = arch;
  model->net = net;
  copy_info (model, uf_model_file_get_info (file));
  uf_model_file_free (file);
  gboolean ok = upload (model, &pack, error);
  uf_weight_pack_clear (&pack);
  if (!ok) {
    g_prefix_error (error, "%s: uploading the weights: ", path);
    uf_model_unref (model);
    return NULL;
  }
  return model;
}

UfModel *
uf_model_ref (UfModel *model)
{
  g_atomic_int_inc (&model->ref_count);
  return model;
}

void
uf_model_unref (UfModel *model)
{
  if (model == NULL || !g_atomic_int_dec_and_test (&model->ref_count))
    return;
  uf_buffer_destroy (model->dev, &model->weights);
  uf_buffer_destroy (model->dev, &model->weights16);
  if (model->net)
    model->arch->free_net (model->net);
  g_strfreev (model->labels);
  g_free (model->architecture);
  g_free (model->name);
  g_free (model->provenance);
  uf_device_unref (model->dev);
  g_free (model);
}

const UfModelInfo *
uf_model_get_info (UfModel *model)
{
  return &model->info;
}

UfDevice *
uf_model_get_device (UfModel *model)
{
  return model->dev;
}

gsize
uf_model_get_device_bytes (UfModel *model)
{
  return model->weights.size + model->weights16.size;
}

guint64
uf_model_get_macs (UfModel *model)
{
  return model->arch->macs (model->net);
}

char *
uf_model_describe (UfModel *model)
{
  return model->arch->describe (model->net);
}
