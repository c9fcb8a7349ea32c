/* uf-device.c: choosing and opening a Vulkan device, its capabilities, and
 * the shared descriptor set and pipeline layouts (uf-pipelines.c builds the
 * pipelines). */
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "uf-vk.h"
#include "uf-tuning.h"

#define LAVAPIPE_PACKAGE "mesa-vulkan-drivers"

gboolean
uf_vk_check (VkResult result, const char *what, GError **error)
{
  if (result == VK_SUCCESS)
    return TRUE;
  g_set_error (error, UF_ERROR,
      result == VK_ERROR_OUT_OF_DEVICE_MEMORY || result == VK_ERROR_OUT_OF_HOST_MEMORY ?
      UF_ERROR_OUT_OF_MEMORY : UF_ERROR_VULKAN, "%s failed (VkResult %d)", what, result);
  return FALSE;
}

static const char *
device_type_name (VkPhysicalDeviceType type)
{
  switch (type) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return "discrete GPU";
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return "integrated GPU";
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return "virtual GPU";
    case VK_PHYSICAL_DEVICE_TYPE_CPU: return "CPU";
    default: return "other";
  }
}

/* Lower is preferred: discrete, integrated, virtual, CPU, other. */
static int
device_type_rank (VkPhysicalDeviceType type)
{
  switch (type) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return 0;
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return 1;
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return 2;
    case VK_PHYSICAL_DEVICE_TYPE_CPU: return 3;
    default: return 4;
  }
}

static VKAPI_ATTR VkBool32 VKAPI_CALL
on_validation_message (VkDebugUtilsMessageSeverityFlagBitsEXT severity,
    VkDebugUtilsMessageTypeFlagsEXT types, const VkDebugUtilsMessengerCallbackDataEXT *data,
    void *user_data)
{
  UfDevice *dev = user_data;
  g_atomic_int_inc (&dev->validation_messages);
  g_printerr ("uniformer: Vulkan validation: %s\n", data->pMessage);
  return VK_FALSE;
}

static gboolean
validation_requested (void)
{
  const char *v = g_getenv ("UF_VULKAN_VALIDATION");
  return v != NULL && strcmp (v, "0") != 0 && *v != '\0';
}

/* Whether @name is among @n Vulkan property structs of @size bytes each
 * that start with their name (VkLayerProperties, VkExtensionProperties). */
G_STATIC_ASSERT (G_STRUCT_OFFSET (VkLayerProperties, layerName) == 0);
G_STATIC_ASSERT (G_STRUCT_OFFSET (VkExtensionProperties, extensionName) == 0);
static gboolean
name_listed (const void *props, guint32 n, gsize size, const char *name)
{
  for (guint32 i = 0; i < n; i++)
    if (strcmp ((const char *) props + i * size, name) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
layer_available (const char *name)
{
  guint32 n = 0;
  vkEnumerateInstanceLayerProperties (&n, NULL);
  VkLayerProperties *layers = g_new0 (VkLayerProperties, n);
  vkEnumerateInstanceLayerProperties (&n, layers);
  gboolean found = name_listed (layers, n, sizeof (*layers), name);
  g_free (layers);
  return found;
}

static gboolean
create_instance (UfDevice *dev, gboolean validate, GError **error)
{
  const char *layers[] = { "VK_LAYER_KHRONOS_validation" };
  const char *extensions[] = { VK_EXT_DEBUG_UTILS_EXTENSION_NAME };
  VkApplicationInfo app = {
    .sType = VK_STRUCTURE_TYPE_APPLICATION_INFO,
    .pApplicationName = "gst-uniformer",
    .pEngineName = "uniformer-engine",
    .apiVersion = VK_API_VERSION_1_2,   /* the 1.2 feature structs (capabilities) */
  };
  VkInstanceCreateInfo info = {
    .sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO,
    .pApplicationInfo = &app,
    .enabledLayerCount = validate ? 1 : 0,
    .ppEnabledLayerNames = layers,
    .enabledExtensionCount = validate ? 1 : 0,
    .ppEnabledExtensionNames = extensions,
  };
  VkResult r = vkCreateInstance (&info, NULL, &dev->instance);
  if (r == VK_ERROR_INCOMPATIBLE_DRIVER) {
    g_set_error (error, UF_ERROR, UF_ERROR_NO_DEVICE,
        "no Vulkan driver found; for the CPU driver (lavapipe) install the Debian package %s",
        LAVAPIPE_PACKAGE);
    return FALSE;
  }
  if (!uf_vk_check (r, "vkCreateInstance", error))
    return FALSE;
  if (validate) {
    VkDebugUtilsMessengerCreateInfoEXT mi = {
      .sType = VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT,
      .messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT |
          VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT,
      .messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT |
          VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT,
      .pfnUserCallback = on_validation_message,
      .pUserData = dev,
    };
    PFN_vkCreateDebugUtilsMessengerEXT create = (PFN_vkCreateDebugUtilsMessengerEXT)
        vkGetInstanceProcAddr (dev->instance, "vkCreateDebugUtilsMessengerEXT");
    if (create)
      create (dev->instance, &mi, NULL, &dev->messenger);
  }
  return TRUE;
}

static gboolean
enumerate (VkInstance instance, VkPhysicalDevice **out, guint32 *n, GError **error)
{
  *n = 0;
  if (!uf_vk_check (vkEnumeratePhysicalDevices (instance, n, NULL),
          "vkEnumeratePhysicalDevices", error))
    return FALSE;
  if (*n == 0) {
    g_set_error (error, UF_ERROR, UF_ERROR_NO_DEVICE,
        "no Vulkan device found; for the CPU driver (lavapipe) install the Debian package %s",
        LAVAPIPE_PACKAGE);
    return FALSE;
  }
  *out = g_new0 (VkPhysicalDevice, *n);
  return uf_vk_check (vkEnumeratePhysicalDevices (instance, n, *out),
      "vkEnumeratePhysicalDevices", error);
}

static gboolean
has_compute_queue (VkPhysicalDevice pd, guint32 *family)
{
  guint32 n = 0;
  vkGetPhysicalDeviceQueueFamilyProperties (pd, &n, NULL);
  VkQueueFamilyProperties *fams = g_new0 (VkQueueFamilyProperties, n);
  vkGetPhysicalDeviceQueueFamilyProperties (pd, &n, fams);
  gboolean found = FALSE;
  for (guint32 i = 0; i < n && !found; i++) {
    if (fams[i].queueFlags & VK_QUEUE_COMPUTE_BIT) {
      *family = i;
      found = TRUE;
    }
  }
  g_free (fams);
  return found;
}

/* Picks by index, by case-insensitive name substring, or by type rank. */
static gboolean
choose_physical (UfDevice *dev, const char *selector, GError **error)
{
  VkPhysicalDevice *pds = NULL;
  guint32 n = 0;
  if (!enumerate (dev->instance, &pds, &n, error)) {
    g_free (pds);
    return FALSE;
  }
  int chosen = -1, best_rank = G_MAXINT;
  char *end = NULL;
  gboolean by_index = selector && *selector && (strtoul (selector, &end, 10), *end == '\0');
  char *needle = selector && *selector ? g_utf8_casefold (selector, -1) : NULL;
  for (guint32 i = 0; i < n; i++) {
    VkPhysicalDeviceProperties p;
    guint32 family;
    vkGetPhysicalDeviceProperties (pds[i], &p);
    if (!has_compute_queue (pds[i], &family))
      continue;
    if (by_index) {
      if (i == strtoul (selector, NULL, 10))
        chosen = i;
    } else if (needle) {
      char *name = g_utf8_casefold (p.deviceName, -1);
      if (chosen < 0 && strstr (name, needle))
        chosen = i;
      g_free (name);
    } else if (device_type_rank (p.deviceType) < best_rank) {
      best_rank = device_type_rank (p.deviceType);
      chosen = i;
    }
  }
  g_free (needle);
  if (chosen < 0) {
    g_set_error (error, UF_ERROR, UF_ERROR_NO_DEVICE,
        "no Vulkan compute device matches \"%s\" (%u device(s) present; "
        "uniformer-classify --list-devices shows them)", selector ? selector : "", n);
    g_free (pds);
    return FALSE;
  }
  dev->physical = pds[chosen];
  g_free (pds);
  vkGetPhysicalDeviceProperties (dev->physical, &dev->props);
  vkGetPhysicalDeviceMemoryProperties (dev->physical, &dev->mem_props);
  has_compute_queue (dev->physical, &dev->queue_family);
  dev->type_name = g_strdup (device_type_name (dev->props.deviceType));
  dev->timestamp_period_ns = dev->props.limits.timestampPeriod;
  return TRUE;
}

static gboolean
has_device_extension (VkPhysicalDevice pd, const char *name)
{
  guint32 n = 0;
  vkEnumerateDeviceExtensionProperties (pd, NULL, &n, NULL);
  VkExtensionProperties *exts = g_new0 (VkExtensionProperties, n);
  vkEnumerateDeviceExtensionProperties (pd, NULL, &n, exts);
  gboolean found = name_listed (exts, n, sizeof (*exts), name);
  g_free (exts);
  return found;
}

/* gemm-coopmat.comp multiplies fp16 A and B into fp32 accumulators, one
 * matrix per subgroup. It takes sides of 8 or 16 (16-byte aligned rows in
 * shared memory, and at most 27 KiB of it); 16 x 16 x 16 is preferred, then
 * the largest. */
static void
choose_coopmat_shape (UfDevice *dev)
{
  PFN_vkGetPhysicalDeviceCooperativeMatrixPropertiesNV get_props =
      (PFN_vkGetPhysicalDeviceCooperativeMatrixPropertiesNV)
      vkGetInstanceProcAddr (dev->instance, "vkGetPhysicalDeviceCooperativeMatrixPropertiesNV");
  guint32 n = 0;
  if (get_props == NULL || get_props (dev->physical, &n, NULL) != VK_SUCCESS)
    return;
  VkCooperativeMatrixPropertiesNV *shapes = g_new0 (VkCooperativeMatrixPropertiesNV, MAX (n, 1));
  for (guint32 i = 0; i < n; i++)
    shapes[i].sType = VK_STRUCTURE_TYPE_COOPERATIVE_MATRIX_PROPERTIES_NV;
  if (get_props (dev->physical, &n, shapes) != VK_SUCCESS)
    n = 0;
  guint32 best = 0;
  for (guint32 i = 0; i < n; i++) {
    const VkCooperativeMatrixPropertiesNV *s = &shapes[i];
    gboolean usable = s->AType == VK_COMPONENT_TYPE_FLOAT16_NV
        && s->BType == VK_COMPONENT_TYPE_FLOAT16_NV && s->CType == VK_COMPONENT_TYPE_FLOAT32_NV
        && s->DType == VK_COMPONENT_TYPE_FLOAT32_NV && s->scope == VK_SCOPE_SUBGROUP_NV
        && (s->MSize == 8 || s->MSize == 16) && (s->NSize == 8 || s->NSize == 16)
        && (s->KSize == 8 || s->KSize == 16);
    guint32 score = s->MSize * s->NSize * s->KSize;
    if (usable && score > best) {
      best = score;
      dev->coopmat_m = s->MSize;
      dev->coopmat_n = s->NSize;
      dev->coopmat_k = s->KSize;
    }
  }
  dev->has_coopmat = best > 0;
  g_free (shapes);
}

/* What the optional shader paths need: shaderFloat16 for fp16 arithmetic;
 * for cooperative matrices also the extension, its feature, the Vulkan
 * memory model (glslang declares it for every GL_NV_cooperative_matrix
 * shader), subgroup operations in compute shaders and 32 KiB of shared
 * memory. Without Vulkan 1.2 the device gets neither; a missing capability
 * only means the path is not chosen. */
static void
query_capabilities (UfDevice *dev)
{
  VkPhysicalDeviceSubgroupProperties subgroup = {
    .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES,
  };
  VkPhysicalDeviceProperties2 props2 = {
    .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2,
    .pNext = &subgroup,
  };
  vkGetPhysicalDeviceProperties2 (dev->physical, &props2);
  dev->subgroup_size = subgroup.subgroupSize;
  if (dev->props.apiVersion < VK_API_VERSION_1_2)
    return;
  gboolean coopmat_ext = has_device_extension (dev->physical,
      VK_NV_COOPERATIVE_MATRIX_EXTENSION_NAME);
  VkPhysicalDeviceCooperativeMatrixFeaturesNV coopmat = {
    .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_COOPERATIVE_MATRIX_FEATURES_NV,
  };
  VkPhysicalDeviceVulkan12Features v12 = {
    .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES,
    .pNext = coopmat_ext ? &coopmat : NULL,
  };
  VkPhysicalDeviceFeatures2 features = {
    .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2,
    .pNext = &v12,
  };
  vkGetPhysicalDeviceFeatures2 (dev->physical, &features);
  dev->has_float16 = v12.shaderFloat16;
  if (coopmat_ext && coopmat.cooperativeMatrix && v12.shaderFloat16 && v12.vulkanMemoryModel
      && (subgroup.supportedStages & VK_SHADER_STAGE_COMPUTE_BIT)
      && (subgroup.supportedOperations & VK_SUBGROUP_FEATURE_BASIC_BIT)
      && dev->props.limits.maxComputeSharedMemorySize >= 32768)
    choose_coopmat_shape (dev);
}

static gboolean
create_logical (UfDevice *dev, GError **error)
{
  query_capabilities (dev);
  float priority = 1.0f;
  VkDeviceQueueCreateInfo qi = {
    .sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO,
    .queueFamilyIndex = dev->queue_family,
    .queueCount = 1,
    .pQueuePriorities = &priority,
  };
  /* exactly what the chosen capabilities need */
  const char *coopmat_ext = VK_NV_COOPERATIVE_MATRIX_EXTENSION_NAME;
  VkPhysicalDeviceCooperativeMatrixFeaturesNV coopmat = {
    .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_COOPERATIVE_MATRIX_FEATURES_NV,
    .cooperativeMatrix = VK_TRUE,
  };
  VkPhysicalDeviceVulkan12Features v12 = {
    .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES,
    .pNext = dev->has_coopmat ? &coopmat : NULL,
    .shaderFloat16 = dev->has_float16,
    .vulkanMemoryModel = dev->has_coopmat,
  };
  VkDeviceCreateInfo di = {
    .sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO,
    .pNext = dev->has_float16 ? &v12 : NULL,
    .queueCreateInfoCount = 1,
    .pQueueCreateInfos = &qi,
    .enabledExtensionCount = dev->has_coopmat ? 1 : 0,
    .ppEnabledExtensionNames = &coopmat_ext,
  };
  if (!uf_vk_check (vkCreateDevice (dev->physical, &di, NULL, &dev->device),
          "vkCreateDevice", error))
    return FALSE;
  vkGetDeviceQueue (dev->device, dev->queue_family, 0, &dev->queue);

  VkDescriptorSetLayoutBinding bindings[UF_N_ALL_BINDINGS];
  uf_descriptor_layout_bindings (bindings);
  VkDescriptorSetLayoutCreateInfo li = {
    .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO,
    .bindingCount = UF_N_ALL_BINDINGS,
    .pBindings = bindings,
  };
  if (!uf_vk_check (vkCreateDescriptorSetLayout (dev->device, &li, NULL, &dev->set_layout),
          "vkCreateDescriptorSetLayout", error))
    return FALSE;
  VkPushConstantRange range = {
    .stageFlags = VK_SHADER_STAGE_COMPUTE_BIT,
    .size = UF_PUSH_CONSTANT_BYTES,
  };
  VkPipelineLayoutCreateInfo pli = {
    .sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO,
    .setLayoutCount = 1,
    .pSetLayouts = &dev->set_layout,
    .pushConstantRangeCount = 1,
    .pPushConstantRanges = &range,
  };
  if (!uf_vk_check (vkCreatePipelineLayout (dev->device, &pli, NULL, &dev->pipeline_layout),
          "vkCreatePipelineLayout", error))
    return FALSE;
  VkCommandPoolCreateInfo cpi = {
    .sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO,
    .flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT,
    .queueFamilyIndex = dev->queue_family,
  };
  return uf_vk_check (vkCreateCommandPool (dev->device, &cpi, NULL, &dev->upload_pool),
      "vkCreateCommandPool", error);
}

/* The engine never writes the process environment: other threads (a
 * GStreamer application always has some) may be reading it, and glibc's
 * setenv can free the array a concurrent getenv walks. lavapipe needs no
 * help: when LP_NUM_THREADS is unset it runs compute on as many threads as
 * the process may use CPUs; a user who wants fewer sets the variable before
 * starting the program. */

/* Half of the largest range a weight descriptor and its texel views may
 * cover, at every offset alignment they need: any op's weights up to this
 * size lie inside the window [k W, k W + 2 W) with k = first byte / W. */
static VkDeviceSize
weight_window (const UfDevice *dev)
{
  const VkPhysicalDeviceLimits *l = &dev->props.limits;
  VkDeviceSize limit = MIN ((VkDeviceSize) l->maxStorageBufferRange,
      (VkDeviceSize) l->maxTexelBufferElements * 8);    /* the RGBA16F view's texels */
  /* powers of two; 32 bytes keep F32 GEMM weights on their 8-float rows */
  VkDeviceSize align = MAX (MAX (l->minStorageBufferOffsetAlignment,
          l->minTexelBufferOffsetAlignment), 32);
  VkDeviceSize w = limit / 2;
  if (dev->tuning->weight_window_kib)
    w = MIN (w, (VkDeviceSize) dev->tuning->weight_window_kib * 1024);
  return MAX (w / align * align, align);
}

UfDevice *
uf_device_open (const char *selector, GError **error)
{
  if (selector == NULL)
    selector = g_getenv ("UF_DEVICE");
  UfDevice *dev = g_new0 (UfDevice, 1);
  dev->ref_count = 1;
  g_mutex_init (&dev->queue_lock);
  g_mutex_init (&dev->pipeline_lock);
  dev->pipelines = g_hash_table_new_full (g_bytes_hash, g_bytes_equal,
      (GDestroyNotify) g_bytes_unref, NULL);
  gboolean validate = validation_requested ();
  if (validate && !layer_available ("VK_LAYER_KHRONOS_validation")) {
    g_printerr ("uniformer: UF_VULKAN_VALIDATION is set but VK_LAYER_KHRONOS_validation "
        "is missing (Debian package vulkan-validationlayers)\n");
    validate = FALSE;
  }
  if (!create_instance (dev, validate, error) || !choose_physical (dev, selector, error)
      || !create_logical (dev, error)) {
    uf_device_unref (dev);
    return NULL;
  }
  dev->tuning = uf_tuning_new_for_device (&dev->props);
  dev->weight_window = weight_window (dev);
  uf_device_load_pipeline_cache (dev);
  return dev;
}

UfDevice *
uf_device_ref (UfDevice *dev)
{
  g_atomic_int_inc (&dev->ref_count);
  return dev;
}

static void
destroy_pipeline (gpointer key, gpointer value, gpointer user_data)
{
  UfDevice *dev = user_data;
  vkDestroyPipeline (dev->device, (VkPipeline) value, NULL);
}

void
uf_device_unref (UfDevice *dev)
{
  if (dev == NULL || !g_atomic_int_dec_and_test (&dev->ref_count))
    return;
  if (dev->device) {
    vkDeviceWaitIdle (dev->device);
    uf_device_save_pipeline_cache (dev);
    g_hash_table_foreach (dev->pipelines, destroy_pipeline, dev);
    for (guint i = 0; i < UF_N_SHADERS; i++)
      if (dev->modules[i])
        vkDestroyShaderModule (dev->device, dev->modules[i], NULL);
    vkDestroyPipelineCache (dev->device, dev->pipeline_cache, NULL);
    vkDestroyCommandPool (dev->device, dev->upload_pool, NULL);
    vkDestroyPipelineLayout (dev->device, dev->pipeline_layout, NULL);
    vkDestroyDescriptorSetLayout (dev->device, dev->set_layout, NULL);
    vkDestroyDevice (dev->device, NULL);
  }
  if (dev->messenger) {
    PFN_vkDestroyDebugUtilsMessengerEXT destroy = (PFN_vkDestroyDebugUtilsMessengerEXT)
        vkGetInstanceProcAddr (dev->instance, "vkDestroyDebugUtilsMessengerEXT");
    if (destroy)
      destroy (dev->instance, dev->messenger, NULL);
  }
  if (dev->instance)
    vkDestroyInstance (dev->instance, NULL);
  g_hash_table_unref (dev->pipelines);
  g_mutex_clear (&dev->queue_lock);
  g_mutex_clear (&dev->pipeline_lock);
  g_free (dev->pipeline_cache_path);
  g_free (dev->type_name);
  g_free (dev->tuning);
  g_free (dev);
}

const char *
uf_device_get_name (UfDevice *dev)
{
  return dev->props.deviceName;
}

const char *
uf_device_get_type_name (UfDevice *dev)
{
  return dev->type_name;
}

guint
uf_device_get_validation_message_count (UfDevice *dev)
{
  return g_atomic_int_get (&dev->validation_messages);
}

char *
uf_device_describe_paths (UfDevice *dev)
{
  const UfTuning *tuning = dev->tuning;
  char *coopmat = uf_tuning_use_coopmat (tuning, dev) ?
      g_strdup_printf ("%ux%ux%u", dev->coopmat_m, dev->coopmat_n, dev->coopmat_k) :
      g_strdup ("none");
  char *text = g_strdup_printf ("tuning row %s, fp16 arithmetic: %s, cooperative matrix: %s",
      tuning->name, uf_tuning_use_arith_f16 (tuning, dev) ? "yes" : "no", coopmat);
  g_free (coopmat);
  return text;
}

char **
uf_device_list (GError **error)
{
  UfDevice tmp = { 0 };
  VkPhysicalDevice *pds = NULL;
  guint32 n = 0;
  if (!create_instance (&tmp, FALSE, error))
    return NULL;
  GPtrArray *out = g_ptr_array_new ();
  if (enumerate (tmp.instance, &pds, &n, error)) {
    for (guint32 i = 0; i < n; i++) {
      VkPhysicalDeviceProperties p;
      vkGetPhysicalDeviceProperties (pds[i], &p);
      g_ptr_array_add (out, g_strdup_printf ("%u: %s (%s)", i, p.deviceName,
              device_type_name (p.deviceType)));
    }
  }
  g_free (pds);
  vkDestroyInstance (tmp.instance, NULL);
  g_ptr_array_add (out, NULL);
  return (char **) g_ptr_array_free (out, FALSE);
}

gboolean
uf_device_submit_and_wait (UfDevice *dev, VkCommandBuffer cb, VkFence fence, GError **error)
{
  return uf_device_submit_all_and_wait (dev, &cb, 1, fence, error);
}

gboolean
uf_device_submit_all_and_wait (UfDevice *dev, const VkCommandBuffer *cbs, guint n_cbs,
    VkFence fence, GError **error)
{
  VkSubmitInfo si = {
    .sType = VK_STRUCTURE_TYPE_SUBMIT_INFO,
    .commandBufferCount = n_cbs,
    .pCommandBuffers = cbs,
  };
  g_mutex_lock (&dev->queue_lock);
  VkResult r = vkQueueSubmit (dev->queue, 1, &si, fence);
  g_mutex_unlock (&dev->queue_lock);
  if (!uf_vk_check (r, "vkQueueSubmit", error))
    return FALSE;
  r = vkWaitForFences (dev->device, 1, &fence, VK_TRUE, UINT64_MAX);
  vkResetFences (dev->device, 1, &fence);
  return uf_vk_check (r, "vkWaitForFences", error);
}
