/* uf-recorder.c */
#include "uf-recorder.h"

void
uf_rec_init (UfRecorder *rec, UfDevice *dev, VkCommandBuffer cb, VkDescriptorSet set,
    VkQueryPool timestamps)
{
  *rec = (UfRecorder) {
    .dev = dev,
    .tuning = dev->tuning,
    .cb = cb,
    .timestamps = timestamps,
  };
  vkCmdBindDescriptorSets (cb, VK_PIPELINE_BIND_POINT_COMPUTE, dev->pipeline_layout, 0, 1,
      &set, 0, NULL);
}

void
uf_rec_init_collect (UfRecorder *rec, UfDevice *dev, GPtrArray *wanted)
{
  *rec = (UfRecorder) {
    .dev = dev,
    .tuning = dev->tuning,
    .wanted = wanted,
  };
}

void
uf_rec_dispatch (UfRecorder *rec, UfShaderId shader, const guint32 *spec, guint n_spec,
    const void *push, gsize push_size, guint gx, guint gy, guint gz)
{
  if (rec->error)
    return;
  g_assert (push_size <= UF_PUSH_CONSTANT_BYTES);
  if (rec->wanted) {
    g_ptr_array_add (rec->wanted, uf_pipeline_key_new (shader, spec, n_spec));
    return;
  }
  VkPipeline pipeline = uf_device_get_pipeline (rec->dev, shader, spec, n_spec, &rec->error);
  if (pipeline == VK_NULL_HANDLE)
    return;
  if (pipeline != rec->bound) {
    vkCmdBindPipeline (rec->cb, VK_PIPELINE_BIND_POINT_COMPUTE, pipeline);
    rec->bound = pipeline;
  }
  vkCmdPushConstants (rec->cb, rec->dev->pipeline_layout, VK_SHADER_STAGE_COMPUTE_BIT, 0,
      push_size, push);
  vkCmdDispatch (rec->cb, gx, gy, gz);
  VkMemoryBarrier barrier = {
    .sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
    .srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT,
    .dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT,
  };
  vkCmdPipelineBarrier (rec->cb, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
      VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, 0, 1, &barrier, 0, NULL, 0, NULL);
}

void
uf_rec_timestamp (UfRecorder *rec, guint index)
{
  if (rec->timestamps)
    vkCmdWriteTimestamp (rec->cb, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, rec->timestamps, index);
}

gboolean
uf_rec_finish (UfRecorder *rec, GError **error)
{
  if (rec->error) {
    g_propagate_error (error, rec->error);
    rec->error = NULL;
    return FALSE;
  }
  return TRUE;
}
