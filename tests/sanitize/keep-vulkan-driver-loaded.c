/* keep-vulkan-driver-loaded: preloaded into the tests of a sanitizer build.
 *
 * The Vulkan loader dlcloses the driver (lavapipe) and the validation layer
 * at vkDestroyInstance. Memory they still point to from their own static data
 * then looks unreferenced to LeakSanitizer, which reports it as a leak in an
 * "<unknown module>" that no suppression can name. Opening both with
 * RTLD_NODELETE keeps them mapped, so LeakSanitizer reports only real leaks. */
#include <dlfcn.h>

__attribute__((constructor)) static void
keep_vulkan_driver_loaded (void)
{
  static const char *const libraries[] = {
    "libvulkan_lvp.so",
    "libVkLayer_khronos_validation.so",
  };
  for (unsigned i = 0; i < sizeof (libraries) / sizeof (libraries[0]); i++)
    dlopen (libraries[i], RTLD_NOW | RTLD_NODELETE);
}
