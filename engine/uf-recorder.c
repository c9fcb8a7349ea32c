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
uf_rec_set_weight_sets (UfRecorder *rec, const UfWeightSets *sets)
{
  rec->sets = sets;
}

/* The window of [lo, hi) elements of @bytes each, or @current when empty;
 * FALSE when it spans more than one window's reach. */
static gboolean
window_of (VkDeviceSize window, guint32 lo, guint32 hi, guint bytes, guint current, guint *k)
{
  *k = current;
  if (hi <= lo)
    return TRUE;
  *k = (guint) ((VkDeviceSize) lo * bytes / window);
  return (VkDeviceSize) hi * bytes <= (*k + 2) * window;
}

UfWeightBase
uf_rec_weights (UfRecorder *rec, guint32 lo32, guint32 hi32, guint32 lo16, guint32 hi16)
{
  VkDeviceSize W = rec->dev->weight_window;
  guint k32, k16;
  if (!window_of (W, lo32, hi32, 4, rec->w32, &k32) || !window_of (W, lo16, hi16, 2, rec->w16,
          &k16)) {
    if (!rec->error)
      g_set_error (&rec->error, UF_ERROR, UF_ERROR_MODEL_INVALID, "the weights of one layer "
          "(%.2f MiB) exceed what this device can read through one descriptor (%.2f MiB)",
          MAX ((hi32 - lo32) * 4.0, (hi16 - lo16) * 2.0) / 1048576.0, W / 1048576.0);
    return (UfWeightBase) { 0, 0 };
  }
  if ((k32 != rec->w32 || k16 != rec->w16) && !rec->wanted && !rec->error) {
    VkDescriptorSet set = VK_NULL_HANDLE;
    if (rec->sets)
      set = rec->sets->set_for (rec->sets->data, k32, k16, &rec->error);
    else
      g_set_error (&rec->error, UF_ERROR, UF_ERROR_ARGUMENT, "weights beyond the first "
          "descriptor window, and no other windows to bind");
    if (set != VK_NULL_HANDLE)
      vkCmdBindDescriptorSets (rec->cb, VK_PIPELINE_BIND_POINT_COMPUTE,
          rec->dev->pipeline_layout, 0, 1, &set, 0, NULL);
  }
  rec->w32 = k32;
  rec->w16 = k16;
  return (UfWeightBase) { (guint32) (k32 * W / 4), (guint32) (k16 * W / 2) };
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
  /* a network too large for the device (frames, input size, a batch of
   * many windows) is refused when it is recorded, not dispatched past
   * the limits */
  const guint32 *max = rec->dev->props.limits.maxComputeWorkGroupCount;
  if (gx > max[0] || gy > max[1] || gz > max[2]) {
    g_set_error (&rec->error, UF_ERROR, UF_ERROR_OUT_OF_MEMORY, "the network needs a "
        "dispatch of %u x %u x %u workgroups (%s), more than this device's %u x %u x %u; "
        "use fewer frames, a smaller input or a smaller batch", gx, gy, gz,
        uf_shader_code (shader)->name, max[0], max[1], max[2]);
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
  UfRecProfile *prof = rec->profile;
  if (prof && prof->n + 1 < prof->capacity) {
    prof->op_class[prof->n] = uf_shader_op_class (shader);
    prof->macs[prof->n] = rec->macs;
    prof->n++;
    vkCmdWriteTimestamp (rec->cb, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, prof->pool, prof->n);
  }
  rec->macs = 0.0;
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
