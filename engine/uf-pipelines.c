/* uf-pipelines.c: compute pipelines, keyed by shader and specialization
 * constants, built on demand or (uf_device_prepare_pipelines) all of a
 * recording's at once on every core, through the on-disk pipeline cache.
 *
 * lavapipe keeps nothing in a Vulkan pipeline cache (its file is a 32-byte
 * header), so every process translates each pipeline's SPIR-V again: up to
 * 0.2 s per pipeline, about 0.6 s for UniFormer-S, hence the parallel
 * build before the first forward pass. The machine code is compiled later,
 * at a pipeline's first dispatch, and kept in Mesa's own disk cache
 * (~/.cache/mesa_shader_cache): on a machine's first run UniFormer-S's first
 * inference takes about 15 s, later runs load the code. */
#include <string.h>
#include "uf-vk.h"

/* The cache file is per device model and driver version; Vulkan itself
 * rejects a stale or foreign blob through its header, so a bad file only
 * costs a recompile. */
void
uf_device_load_pipeline_cache (UfDevice *dev)
{
  char *dir = g_build_filename (g_get_user_cache_dir (), "gst-uniformer", NULL);
  char *file = g_strdup_printf ("pipelines-%04x-%04x-%08x.bin", dev->props.vendorID,
      dev->props.deviceID, dev->props.driverVersion);
  dev->pipeline_cache_path = g_build_filename (dir, file, NULL);
  g_free (dir);
  g_free (file);
  gchar *data = NULL;
  gsize len = 0;
  g_file_get_contents (dev->pipeline_cache_path, &data, &len, NULL);
  VkPipelineCacheCreateInfo ci = {
    .sType = VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO,
    .initialDataSize = len,
    .pInitialData = data,
  };
  if (vkCreatePipelineCache (dev->device, &ci, NULL, &dev->pipeline_cache) != VK_SUCCESS) {
    ci.initialDataSize = 0;
    ci.pInitialData = NULL;
    vkCreatePipelineCache (dev->device, &ci, NULL, &dev->pipeline_cache);
  }
  g_free (data);
}

void
uf_device_save_pipeline_cache (UfDevice *dev)
{
  g_mutex_lock (&dev->pipeline_lock);
  gboolean dirty = dev->pipeline_cache_dirty;
  dev->pipeline_cache_dirty = FALSE;
  g_mutex_unlock (&dev->pipeline_lock);
  if (!dirty || dev->pipeline_cache == VK_NULL_HANDLE)
    return;
  size_t len = 0;
  if (vkGetPipelineCacheData (dev->device, dev->pipeline_cache, &len, NULL) != VK_SUCCESS)
    return;
  void *data = g_malloc (len);
  if (vkGetPipelineCacheData (dev->device, dev->pipeline_cache, &len, data) == VK_SUCCESS) {
    char *dir = g_path_get_dirname (dev->pipeline_cache_path);
    g_mkdir_with_parents (dir, 0700);
    g_file_set_contents (dev->pipeline_cache_path, data, len, NULL);
    g_free (dir);
  }
  g_free (data);
}

static VkShaderModule
get_module (UfDevice *dev, UfShaderId shader, GError **error)
{
  if (dev->modules[shader])
    return dev->modules[shader];
  const UfShaderCode *code = uf_shader_code (shader);
  VkShaderModuleCreateInfo ci = {
    .sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO,
    .codeSize = code->size,
    .pCode = code->code,
  };
  if (!uf_vk_check (vkCreateShaderModule (dev->device, &ci, NULL, &dev->modules[shader]),
          code->name, error))
    return VK_NULL_HANDLE;
  return dev->modules[shader];
}

/* Pipelines are keyed by shader and specialization constants (ids 0..n-1):
 * the key is the shader id followed by the constants. */
GBytes *
uf_pipeline_key_new (UfShaderId shader, const guint32 *spec, guint n_spec)
{
  guint32 words[1 + UF_MAX_SPEC_CONSTANTS] = { shader };
  g_assert (n_spec <= UF_MAX_SPEC_CONSTANTS);
  memcpy (words + 1, spec, n_spec * sizeof (guint32));
  return g_bytes_new (words, (n_spec + 1) * sizeof (guint32));
}

/* Compiles one pipeline; its shader module must exist. Thread-safe: the
 * pipeline cache is internally synchronised. */
static VkPipeline
create_pipeline (UfDevice *dev, GBytes *key, GError **error)
{
  gsize size;
  const guint32 *words = g_bytes_get_data (key, &size);
  UfShaderId shader = words[0];
  guint n_spec = size / sizeof (guint32) - 1;
  VkSpecializationMapEntry entries[UF_MAX_SPEC_CONSTANTS];
  for (guint i = 0; i < n_spec; i++)
    entries[i] = (VkSpecializationMapEntry) { i, i * 4, 4 };
  VkSpecializationInfo si = { n_spec, entries, n_spec * 4, words + 1 };
  VkComputePipelineCreateInfo ci = {
    .sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO,
    .stage = {
      .sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO,
      .stage = VK_SHADER_STAGE_COMPUTE_BIT,
      .module = dev->modules[shader],
      .pName = "main",
      .pSpecializationInfo = n_spec ? &si : NULL,
    },
    .layout = dev->pipeline_layout,
  };
  VkPipeline pipeline = VK_NULL_HANDLE;
  if (!uf_vk_check (vkCreateComputePipelines (dev->device, dev->pipeline_cache, 1, &ci, NULL,
              &pipeline), uf_shader_code (shader)->name, error))
    return VK_NULL_HANDLE;
  return pipeline;
}

/* Called with pipeline_lock held. */
static void
add_pipeline (UfDevice *dev, GBytes *key, VkPipeline pipeline)
{
  g_hash_table_insert (dev->pipelines, g_bytes_ref (key), pipeline);
  dev->pipeline_cache_dirty = TRUE;
}

VkPipeline
uf_device_get_pipeline (UfDevice *dev, UfShaderId shader, const guint32 *spec, guint n_spec,
    GError **error)
{
  GBytes *key = uf_pipeline_key_new (shader, spec, n_spec);
  g_mutex_lock (&dev->pipeline_lock);
  VkPipeline pipeline = g_hash_table_lookup (dev->pipelines, key);
  if (pipeline == VK_NULL_HANDLE && get_module (dev, shader, error)
      && (pipeline = create_pipeline (dev, key, error)) != VK_NULL_HANDLE)
    add_pipeline (dev, key, pipeline);
  g_mutex_unlock (&dev->pipeline_lock);
  g_bytes_unref (key);
  return pipeline;
}

/* ---- building a recording's pipelines in parallel ---- */

typedef struct {
  UfDevice *dev;
  GPtrArray *keys;            /* GBytes, the pipelines still missing */
  VkPipeline *made;           /* one per key */
  gint next;                  /* the next key to take, atomically */
  GMutex error_lock;
  GError *error;              /* the first failure */
} Builders;

static gpointer
build_pipelines (gpointer data)
{
  Builders *b = data;
  gint i;
  while ((i = g_atomic_int_add (&b->next, 1)) < (gint) b->keys->len) {
    GError *error = NULL;
    b->made[i] = create_pipeline (b->dev, g_ptr_array_index (b->keys, i), &error);
    if (error) {
      g_mutex_lock (&b->error_lock);
      if (b->error == NULL)
        b->error = g_steal_pointer (&error);
      g_mutex_unlock (&b->error_lock);
      g_clear_error (&error);
    }
  }
  return NULL;
}

gboolean
uf_device_prepare_pipelines (UfDevice *dev, GPtrArray *keys, GError **error)
{
  Builders b = { .dev = dev, .keys = g_ptr_array_new () };
  g_mutex_init (&b.error_lock);
  GHashTable *seen = g_hash_table_new (g_bytes_hash, g_bytes_equal);
  gboolean ok = TRUE;
  g_mutex_lock (&dev->pipeline_lock);
  for (guint i = 0; i < keys->len && ok; i++) {
    GBytes *key = g_ptr_array_index (keys, i);
    const guint32 *words = g_bytes_get_data (key, NULL);
    if (g_hash_table_contains (dev->pipelines, key) || !g_hash_table_add (seen, key))
      continue;
    ok = get_module (dev, words[0], error) != VK_NULL_HANDLE;
    g_ptr_array_add (b.keys, key);
  }
  g_mutex_unlock (&dev->pipeline_lock);
  if (ok && b.keys->len > 0) {
    b.made = g_new0 (VkPipeline, b.keys->len);
    guint n_threads = MIN (b.keys->len, g_get_num_processors ());
    GThread **threads = g_new (GThread *, n_threads);
    for (guint t = 1; t < n_threads; t++)
      threads[t] = g_thread_new ("uf-pipelines", build_pipelines, &b);
    build_pipelines (&b);
    for (guint t = 1; t < n_threads; t++)
      g_thread_join (threads[t]);
    g_free (threads);
    g_mutex_lock (&dev->pipeline_lock);
    for (guint i = 0; i < b.keys->len; i++)
      if (b.made[i])
        add_pipeline (dev, g_ptr_array_index (b.keys, i), b.made[i]);
    g_mutex_unlock (&dev->pipeline_lock);
    g_free (b.made);
    if (b.error) {
      g_propagate_error (error, b.error);
      ok = FALSE;
    }
  }
  g_hash_table_unref (seen);
  g_ptr_array_unref (b.keys);
  g_mutex_clear (&b.error_lock);
  return ok;
}
