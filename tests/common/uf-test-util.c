/* uf-test-util.c: what the engine test programs share (uf-test-util.h). */
#include <math.h>
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

void
uf_test_assert_close (const float *a, const float *b, guint n, double bound)
{
  double max_ref = 1e-6, max_diff = 0.0;
  for (guint i = 0; i < n; i++) {
    g_assert_true (isfinite (a[i]) && isfinite (b[i]));
    max_ref = MAX (max_ref, fabs (b[i]));
    max_diff = MAX (max_diff, fabs (a[i] - b[i]));
  }
  g_test_message ("relative difference %.3g (bound %.1g)", max_diff / max_ref, bound);
  g_assert_cmpfloat (max_diff / max_ref, <=, bound);
}
