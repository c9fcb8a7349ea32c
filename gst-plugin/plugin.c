/* plugin.c: registers the `uniformer` plugin's elements. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/gst.h>

#include "gstuniformerinfer.h"
#include "gstuniformeroverlay.h"
#include "gstuniformerpublish.h"

static gboolean
plugin_init (GstPlugin * plugin)
{
  gboolean ret = FALSE;

  ret |= GST_ELEMENT_REGISTER (uniformerinfer, plugin);
  ret |= GST_ELEMENT_REGISTER (uniformeroverlay, plugin);
  ret |= GST_ELEMENT_REGISTER (uniformerpublish, plugin);
  return ret;
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, uniformer,
    "Action recognition in video with the UniFormer transformer on Vulkan",
    plugin_init, VERSION, GST_LICENSE, GST_PACKAGE_NAME, GST_PACKAGE_ORIGIN)
