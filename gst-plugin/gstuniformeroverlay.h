/* gstuniformeroverlay.h: draws uniformerinfer's latest results onto the video. */
#ifndef GST_UNIFORMER_OVERLAY_H
#define GST_UNIFORMER_OVERLAY_H

#include <gst/gst.h>

G_BEGIN_DECLS

GST_ELEMENT_REGISTER_DECLARE (uniformeroverlay);

G_END_DECLS

#endif /* GST_UNIFORMER_OVERLAY_H */
