/* device-caps: what the Vulkan device the engine opens (UF_DEVICE or the
 * automatic choice) can run, whatever the tuning asks for, one "key: yes|no"
 * line each; test_network.py tells "this device has no fp16 path" (skip)
 * from "the engine did not take it" (fail). */
#include <stdio.h>

#include "uf-vk.h"

int
main (void)
{
  GError *error = NULL;
  UfDevice *dev = uf_device_open (NULL, &error);
  if (dev == NULL) {
    fprintf (stderr, "device-caps: %s\n", error->message);
    g_error_free (error);
    return 1;
  }
  printf ("device: %s\nshaderFloat16: %s\ncooperative matrix: %s\n", uf_device_get_name (dev),
      dev->has_float16 ? "yes" : "no", dev->has_coopmat ? "yes" : "no");
  uf_device_unref (dev);
  return 0;
}
