/* uf-buffer.c: storage buffers, host<->device copies, descriptor sets. */
#include <string.h>
#include "uf-vk.h"

static gboolean
find_memory_type (UfDevice *dev, guint32 type_bits, VkMemoryPropertyFlags want, guint32 *out)
{
  for (guint32 i = 0; i < dev->mem_props.memoryTypeCount; i++) {
    if ((type_bits & (1u << i)) &&
        (dev->mem_props.memoryTypes[i].propertyFlags & want) == want) {
      *out = i;
      return TRUE;
    }
  }
  return FALSE;
}

gboolean
uf_buffer_create (UfDevice *dev, VkDeviceSize size, gboolean host_visible, UfBuffer *buf,
    GError **error)
{
  memset (buf, 0, sizeof (*buf));
  /* whole 16-byte texels, so the RGBA32F views reach the last element */
  buf->size = MAX ((size + 15) / 16 * 16, 16);
  VkBufferCreateInfo bi = {
    .sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO,
    .size = buf->size,
    .usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_UNIFORM_TEXEL_BUFFER_BIT |
        VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT,
    .sharingMode = VK_SHARING_MODE_EXCLUSIVE,
  };
  if (!uf_vk_check (vkCreateBuffer (dev->device, &bi, NULL, &buf->buffer), "vkCreateBuffer",
          error))
    return FALSE;
  VkMemoryRequirements req;
  vkGetBufferMemoryRequirements (dev->device, buf->buffer, &req);
  VkMemoryPropertyFlags want = host_visible ?
      VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT :
      VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT;
  guint32 type;
  if (!find_memory_type (dev, req.memoryTypeBits, want, &type)) {
    g_set_error (error, UF_ERROR, UF_ERROR_VULKAN, "no suitable Vulkan memory type for a %s "
        "buffer", host_visible ? "host-visible" : "device-local");
    uf_buffer_destroy (dev, buf);
    return FALSE;
  }
  VkMemoryAllocateInfo ai = {
    .sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO,
    .allocationSize = req.size,
    .memoryTypeIndex = type,
  };
  if (!uf_vk_check (vkAllocateMemory (dev->device, &ai, NULL, &buf->memory),
          "vkAllocateMemory", error)
      || !uf_vk_check (vkBindBufferMemory (dev->device, buf->buffer, buf->memory, 0),
          "vkBindBufferMemory", error)
      || (host_visible && !uf_vk_check (vkMapMemory (dev->device, buf->memory, 0,
                  VK_WHOLE_SIZE, 0, &buf->mapped), "vkMapMemory", error))) {
    uf_buffer_destroy (dev, buf);
    return FALSE;
  }
  return TRUE;
}

void
uf_buffer_destroy (UfDevice *dev, UfBuffer *buf)
{
  if (buf->buffer)
    vkDestroyBuffer (dev->device, buf->buffer, NULL);
  if (buf->memory)
    vkFreeMemory (dev->device, buf->memory, NULL);
  memset (buf, 0, sizeof (*buf));
}

/* Copies through a temporary host-visible buffer, so device-local memory
 * works on every device; used at load time and by tests, not per frame. */
void
uf_cmd_barrier (VkCommandBuffer cb, VkPipelineStageFlags src, VkAccessFlags src_access,
    VkPipelineStageFlags dst, VkAccessFlags dst_access)
{
  VkMemoryBarrier b = {
    .sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
    .srcAccessMask = src_access,
    .dstAccessMask = dst_access,
  };
  vkCmdPipelineBarrier (cb, src, dst, 0, 1, &b, 0, NULL, 0, NULL);
}

static gboolean
staged_copy (UfDevice *dev, UfBuffer *buf, VkDeviceSize offset, void *data, VkDeviceSize size,
    gboolean to_device, GError **error)
{
  if (buf->mapped) {
    if (to_device)
      memcpy ((guint8 *) buf->mapped + offset, data, size);
    else
      memcpy (data, (guint8 *) buf->mapped + offset, size);
    return TRUE;
  }
  UfBuffer staging;
  if (!uf_buffer_create (dev, size, TRUE, &staging, error))
    return FALSE;
  if (to_device)
    memcpy (staging.mapped, data, size);
  VkCommandBufferAllocateInfo ai = {
    .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
    .commandPool = dev->upload_pool,
    .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
    .commandBufferCount = 1,
  };
  VkCommandBuffer cb = VK_NULL_HANDLE;
  VkFence fence = VK_NULL_HANDLE;
  VkFenceCreateInfo fi = { .sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO };
  VkCommandBufferBeginInfo bi = {
    .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO,
    .flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT,
  };
  VkBufferCopy region = {
    .srcOffset = to_device ? 0 : offset,
    .dstOffset = to_device ? offset : 0,
    .size = size,
  };
  gboolean ok = uf_vk_check (vkCreateFence (dev->device, &fi, NULL, &fence), "vkCreateFence",
      error);
  /* The pool belongs to the device and is shared by threads: allocating
   * from it and recording into its buffers hold the lock. */
  g_mutex_lock (&dev->queue_lock);
  ok = ok && uf_vk_check (vkAllocateCommandBuffers (dev->device, &ai, &cb),
      "vkAllocateCommandBuffers", error);
  if (ok) {
    vkBeginCommandBuffer (cb, &bi);
    if (to_device) {
      vkCmdCopyBuffer (cb, staging.buffer, buf->buffer, 1, &region);
    } else {
      /* what shaders submitted earlier wrote, copied, then read by the host */
      uf_cmd_barrier (cb, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_WRITE_BIT,
          VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_READ_BIT);
      vkCmdCopyBuffer (cb, buf->buffer, staging.buffer, 1, &region);
      uf_cmd_barrier (cb, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT,
          VK_PIPELINE_STAGE_HOST_BIT, VK_ACCESS_HOST_READ_BIT);
    }
    vkEndCommandBuffer (cb);
  }
  g_mutex_unlock (&dev->queue_lock);
  if (ok)
    ok = uf_device_submit_and_wait (dev, cb, fence, error);
  if (ok && !to_device)
    memcpy (data, staging.mapped, size);
  if (fence)
    vkDestroyFence (dev->device, fence, NULL);
  if (cb) {
    g_mutex_lock (&dev->queue_lock);
    vkFreeCommandBuffers (dev->device, dev->upload_pool, 1, &cb);
    g_mutex_unlock (&dev->queue_lock);
  }
  uf_buffer_destroy (dev, &staging);
  return ok;
}

gboolean
uf_buffer_upload (UfDevice *dev, UfBuffer *buf, VkDeviceSize offset, const void *data,
    VkDeviceSize size, GError **error)
{
  return staged_copy (dev, buf, offset, (void *) data, size, TRUE, error);
}

gboolean
uf_buffer_download (UfDevice *dev, UfBuffer *buf, VkDeviceSize offset, void *data,
    VkDeviceSize size, GError **error)
{
  return staged_copy (dev, buf, offset, data, size, FALSE, error);
}

/* Texel views: which storage binding each one reads, and as what. These
 * formats are mandatory for uniform texel buffers on every Vulkan device. */
static const struct {
  guint source;
  VkFormat format;
  VkDeviceSize texel_bytes;
} texel_views[UF_N_TEXEL_BINDINGS] = {
  { UF_BINDING_ARENA, VK_FORMAT_R32G32B32A32_SFLOAT, 16 },
  { UF_BINDING_WEIGHTS, VK_FORMAT_R32G32B32A32_SFLOAT, 16 },
  { UF_BINDING_WEIGHTS16, VK_FORMAT_R16G16B16A16_SFLOAT, 8 },
  { UF_BINDING_RING, VK_FORMAT_R32G32B32A32_SFLOAT, 16 },
  { UF_BINDING_WEIGHTS16, VK_FORMAT_R32G32B32A32_UINT, 16 },
};

void
uf_descriptor_layout_bindings (VkDescriptorSetLayoutBinding out[UF_N_ALL_BINDINGS])
{
  for (guint i = 0; i < UF_N_ALL_BINDINGS; i++)
    out[i] = (VkDescriptorSetLayoutBinding) {
      .binding = i,
      .descriptorType = i < UF_N_BINDINGS ? VK_DESCRIPTOR_TYPE_STORAGE_BUFFER :
          VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER,
      .descriptorCount = 1,
      .stageFlags = VK_SHADER_STAGE_COMPUTE_BIT,
    };
}

void
uf_descriptors_clear (UfDevice *dev, UfDescriptors *d)
{
  for (guint i = 0; i < UF_N_TEXEL_BINDINGS; i++)
    if (d->views[i])
      vkDestroyBufferView (dev->device, d->views[i], NULL);
  if (d->pool)
    vkDestroyDescriptorPool (dev->device, d->pool, NULL);
  memset (d, 0, sizeof (*d));
}

static UfRange
range_of (UfBuffer *const buffers[UF_N_BINDINGS], const UfRange *ranges, guint binding)
{
  if (ranges && ranges[binding].size)
    return ranges[binding];
  return (UfRange) { 0, buffers[binding]->size };
}

static gboolean
create_texel_views (UfDevice *dev, UfDescriptors *d, UfBuffer *const buffers[UF_N_BINDINGS],
    const UfRange *ranges, GError **error)
{
  for (guint i = 0; i < UF_N_TEXEL_BINDINGS; i++) {
    UfBuffer *buf = buffers[texel_views[i].source];
    UfRange r = range_of (buffers, ranges, texel_views[i].source);
    /* A view must cover its whole range: the shaders read every element
     * through it. */
    VkDeviceSize texels = r.size / texel_views[i].texel_bytes;
    VkDeviceSize limit = dev->props.limits.maxTexelBufferElements;
    if (texels > limit) {
      g_set_error (error, UF_ERROR, UF_ERROR_OUT_OF_MEMORY, "a %.0f MiB buffer exceeds this "
          "device's largest texel buffer (%.0f MiB); use fewer frames or a smaller input size",
          buf->size / 1048576.0, limit * texel_views[i].texel_bytes / 1048576.0);
      return FALSE;
    }
    VkBufferViewCreateInfo vi = {
      .sType = VK_STRUCTURE_TYPE_BUFFER_VIEW_CREATE_INFO,
      .buffer = buf->buffer,
      .format = texel_views[i].format,
      .offset = r.offset,
      .range = texels * texel_views[i].texel_bytes,
    };
    if (!uf_vk_check (vkCreateBufferView (dev->device, &vi, NULL, &d->views[i]),
            "vkCreateBufferView", error))
      return FALSE;
  }
  return TRUE;
}

gboolean
uf_descriptors_init (UfDevice *dev, UfDescriptors *d, UfBuffer *const buffers[UF_N_BINDINGS],
    const UfRange *ranges, GError **error)
{
  memset (d, 0, sizeof (*d));
  d->dev = dev;
  VkDescriptorPoolSize ps[] = {
    { VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, UF_N_BINDINGS },
    { VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER, UF_N_TEXEL_BINDINGS },
  };
  VkDescriptorPoolCreateInfo pi = {
    .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO,
    .maxSets = 1,
    .poolSizeCount = G_N_ELEMENTS (ps),
    .pPoolSizes = ps,
  };
  if (!uf_vk_check (vkCreateDescriptorPool (dev->device, &pi, NULL, &d->pool),
          "vkCreateDescriptorPool", error))
    goto fail;
  VkDescriptorSetAllocateInfo ai = {
    .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO,
    .descriptorPool = d->pool,
    .descriptorSetCount = 1,
    .pSetLayouts = &dev->set_layout,
  };
  if (!uf_vk_check (vkAllocateDescriptorSets (dev->device, &ai, &d->set),
          "vkAllocateDescriptorSets", error)
      || !create_texel_views (dev, d, buffers, ranges, error))
    goto fail;
  VkDescriptorBufferInfo infos[UF_N_BINDINGS];
  VkWriteDescriptorSet writes[UF_N_ALL_BINDINGS];
  for (guint i = 0; i < UF_N_ALL_BINDINGS; i++) {
    gboolean storage = i < UF_N_BINDINGS;
    if (storage) {
      UfRange r = range_of (buffers, ranges, i);
      infos[i] = (VkDescriptorBufferInfo) { buffers[i]->buffer, r.offset, r.size };
    }
    writes[i] = (VkWriteDescriptorSet) {
      .sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET,
      .dstSet = d->set,
      .dstBinding = i,
      .descriptorCount = 1,
      .descriptorType = storage ? VK_DESCRIPTOR_TYPE_STORAGE_BUFFER :
          VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER,
      .pBufferInfo = storage ? &infos[i] : NULL,
      .pTexelBufferView = storage ? NULL : &d->views[i - UF_N_BINDINGS],
    };
  }
  vkUpdateDescriptorSets (dev->device, UF_N_ALL_BINDINGS, writes, 0, NULL);
  return TRUE;

fail:
  uf_descriptors_clear (dev, d);
  return FALSE;
}
