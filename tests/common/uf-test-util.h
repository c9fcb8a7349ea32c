/* uf-test-util.h: what the engine test programs share. */
#ifndef UF_TEST_UTIL_H
#define UF_TEST_UTIL_H

#include "uniformer.h"

/* Releases @device and returns @status, or 1 when the Vulkan validation
 * layer (UF_VULKAN_VALIDATION=1 in the test environment) reported anything. */
int uf_test_release_device (UfDevice *device, int status);

/* Asserts that @a and @b (@n finite values) differ by at most @bound
 * relative to the largest |b|, and prints the difference. */
void uf_test_assert_close (const float *a, const float *b, guint n, double bound);

#endif
