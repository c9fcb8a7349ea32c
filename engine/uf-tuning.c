/* uf-tuning.c: the table of work shapes by device type. lavapipe runs one
 * workgroup as one thread-pool task with X vectorised 8 lanes wide, so it
 * wants local_size_x a multiple of 8 and large register tiles; GPUs want
 * more lanes per workgroup. */
#include "uf-tuning.h"

static const UfTuning tuning_table[] = {
  /* name        gemm_lx tm  dw  rows attn pre */
  { "cpu",          8,    8, 16,  8,   8,   8 },
  { "gpu",         64,    4, 64, 64,  64,  64 },
};

const UfTuning *
uf_tuning_for_device (const VkPhysicalDeviceProperties *props)
{
  return props->deviceType == VK_PHYSICAL_DEVICE_TYPE_CPU ? &tuning_table[0] : &tuning_table[1];
}
