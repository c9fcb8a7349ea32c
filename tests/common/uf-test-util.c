/* uf-test-util.c: what every engine test program does at the end. */
#include "uf-test-util.h"

int
uf_test_release_device (UfDevice *device, int status)
{
  guint messages = uf_device_get_validation_message_count (device);
  uf_device_unref (device);
  if (messages > 0) {
    g_printerr ("the Vulkan validation layer reported %u message(s)\n", messages);
    return 1;
  }
  return status;
}
