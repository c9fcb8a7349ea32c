/* uf-test-util.h: what every engine test program does at the end. */
#ifndef UF_TEST_UTIL_H
#define UF_TEST_UTIL_H

#include "uniformer.h"

/* Releases @device and returns @status, or 1 when the Vulkan validation
 * layer (UF_VULKAN_VALIDATION=1 in the test environment) reported anything. */
int uf_test_release_device (UfDevice *device, int status);

#endif
