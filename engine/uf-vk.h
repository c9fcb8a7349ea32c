/* uf-vk.h: the engine's internal Vulkan objects shared by its source files.
 *
 * Every compute shader uses the same descriptor set layout (the enum below
 * and shaders/bindings.glsl list the bindings) and one 128-byte
 * push-constant block, so a whole forward pass binds one descriptor set and
 * each op only pushes its offsets and sizes. */
#ifndef UF_VK_H
#define UF_VK_H

#include <vulkan/vulkan.h>
#include "uniformer.h"
#include "uf-shaders.h"

#define UF_PUSH_CONSTANT_BYTES 128
#define UF_N_BINDINGS 6          /* storage buffers, one UfBuffer each */
#define UF_N_TEXEL_BINDINGS 5    /* texel views of some of those buffers */
#define UF_N_ALL_BINDINGS (UF_N_BINDINGS + UF_N_TEXEL_BINDINGS)

/* Binding numbers; they must match shaders/bindings.glsl. */
enum {
  UF_BINDING_ARENA = 0,       /* activations, float, read/write */
  UF_BINDING_WEIGHTS = 1,     /* F32 weights and every 1-D parameter */
  UF_BINDING_WEIGHTS16 = 2,   /* F16 weight matrices, packed two per uint */
  UF_BINDING_RING = 3,        /* preprocessed frame slots, float [slot][3][H][W] */
  UF_BINDING_STAGING = 4,     /* raw frame bytes, host visible */
  UF_BINDING_CONTROL = 5,     /* window slot indices, host visible */
  /* The same memory read as vec4 texels (uniform texel buffers): lavapipe
   * turns a texel fetch into one branch-free gather, where a storage-buffer
   * load at a per-lane address becomes a loop over the lanes. */
  UF_BINDING_ARENA_TEXELS = 6,      /* arena, RGBA32F */
  UF_BINDING_WEIGHTS_TEXELS = 7,    /* F32 weights, RGBA32F */
  UF_BINDING_WEIGHTS16_TEXELS = 8,  /* F16 weights, RGBA16F */
  UF_BINDING_RING_TEXELS = 9,       /* frame slots, RGBA32F */
  UF_BINDING_WEIGHTS16_OCTETS = 10, /* F16 weights, RGBA32UI: eight per texel */
};

typedef struct {
  VkBuffer buffer;
  VkDeviceMemory memory;
  VkDeviceSize size;
  void *mapped;               /* non-NULL for host-visible buffers */
} UfBuffer;

typedef struct _UfTuning UfTuning;   /* uf-tuning.h */

struct _UfDevice {
  gint ref_count;
  VkInstance instance;
  VkPhysicalDevice physical;
  VkDevice device;
  VkQueue queue;
  guint32 queue_family;
  GMutex queue_lock;          /* vkQueueSubmit needs external synchronisation */
  VkPhysicalDeviceProperties props;
  VkPhysicalDeviceMemoryProperties mem_props;
  VkDebugUtilsMessengerEXT messenger;
  gint validation_messages;
  char *type_name;

  /* Optional shader paths the device can run (uf-tuning.h decides which
   * are used); queried and enabled when the device is opened. */
  guint32 subgroup_size;
  gboolean has_float16;       /* shaderFloat16: fp16 arithmetic (ARITH_F16) */
  gboolean has_coopmat;       /* VK_NV_cooperative_matrix, fp16 x fp16 + fp32 */
  guint32 coopmat_m, coopmat_n, coopmat_k;      /* its shape, when has_coopmat */
  /* The work shapes for this device, resolved once when it is opened
   * (UF_TUNING read then), so sessions never share mutable tuning. */
  UfTuning *tuning;
  /* Weight buffers may be larger than one descriptor can cover: a
   * descriptor covers a window of 2 * weight_window bytes starting at a
   * multiple of weight_window (uf-recorder.h, uf_rec_weights). */
  VkDeviceSize weight_window;

  VkDescriptorSetLayout set_layout;
  VkPipelineLayout pipeline_layout;
  VkPipelineCache pipeline_cache;
  char *pipeline_cache_path;
  GMutex pipeline_lock;
  GHashTable *pipelines;      /* UfPipelineKey -> VkPipeline */
  VkShaderModule modules[UF_N_SHADERS];
  gboolean pipeline_cache_dirty;
  double timestamp_period_ns;

  VkCommandPool upload_pool;  /* for one-off copies, under queue_lock */
};

/* A byte range of a buffer a descriptor covers. */
typedef struct {
  VkDeviceSize offset, size;
} UfRange;

/* A descriptor set for one set of buffers, and the texel views it holds. */
typedef struct {
  UfDevice *dev;
  VkDescriptorPool pool;
  VkDescriptorSet set;
  VkBufferView views[UF_N_TEXEL_BINDINGS];
} UfDescriptors;

/* uf-device.c */
gboolean uf_vk_check (VkResult result, const char *what, GError **error);
gboolean uf_device_submit_and_wait (UfDevice *dev, VkCommandBuffer cb, VkFence fence,
    GError **error);
/* @cbs in order, in one submission */
gboolean uf_device_submit_all_and_wait (UfDevice *dev, const VkCommandBuffer *cbs, guint n_cbs,
    VkFence fence, GError **error);

/* uf-pipelines.c */
#define UF_MAX_SPEC_CONSTANTS 16
void uf_device_load_pipeline_cache (UfDevice *dev);
void uf_device_save_pipeline_cache (UfDevice *dev);
GBytes *uf_pipeline_key_new (UfShaderId shader, const guint32 *spec, guint n_spec);
VkPipeline uf_device_get_pipeline (UfDevice *dev, UfShaderId shader, const guint32 *spec,
    guint n_spec, GError **error);
/* Builds the pipelines of keys (GBytes from uf_pipeline_key_new) that do
 * not exist yet, in parallel. */
gboolean uf_device_prepare_pipelines (UfDevice *dev, GPtrArray *keys, GError **error);

/* uf-buffer.c */
gboolean uf_buffer_create (UfDevice *dev, VkDeviceSize size, gboolean host_visible,
    UfBuffer *buf, GError **error);
void uf_buffer_destroy (UfDevice *dev, UfBuffer *buf);
gboolean uf_buffer_upload (UfDevice *dev, UfBuffer *buf, VkDeviceSize offset,
    const void *data, VkDeviceSize size, GError **error);
/* Waits for the copy; a download is ordered after the shader writes
 * submitted before it. */
gboolean uf_buffer_download (UfDevice *dev, UfBuffer *buf, VkDeviceSize offset,
    void *data, VkDeviceSize size, GError **error);
/* A global memory barrier from @src (@src_access) to @dst (@dst_access). */
void uf_cmd_barrier (VkCommandBuffer cb, VkPipelineStageFlags src, VkAccessFlags src_access,
    VkPipelineStageFlags dst, VkAccessFlags dst_access);
/* @ranges: per binding, the part of the buffer the descriptor (and its
 * texel view) covers; NULL, or a zero size, for the whole buffer. */
gboolean uf_descriptors_init (UfDevice *dev, UfDescriptors *d,
    UfBuffer *const buffers[UF_N_BINDINGS], const UfRange *ranges, GError **error);
void uf_descriptors_clear (UfDevice *dev, UfDescriptors *d);
void uf_descriptor_layout_bindings (VkDescriptorSetLayoutBinding out[UF_N_ALL_BINDINGS]);

#endif /* UF_VK_H */
