/* gstuniformerpublish.h: writes uniformerinfer's results and action events
 * as JSON, to a file or an MQTT broker. */
#ifndef GST_UNIFORMER_PUBLISH_H
#define GST_UNIFORMER_PUBLISH_H

#include <gst/gst.h>

G_BEGIN_DECLS

GST_ELEMENT_REGISTER_DECLARE (uniformerpublish);

G_END_DECLS

#endif /* GST_UNIFORMER_PUBLISH_H */
