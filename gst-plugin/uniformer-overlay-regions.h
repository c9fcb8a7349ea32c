/* uniformer-overlay-regions.h: uniformeroverlay's region results: each
 * track's box (from the GstVideoRegionOfInterestMeta of each buffer, so a
 * box follows its region) and its latest result (the "uniformer" parameter
 * uniformerinfer puts on that meta in its region modes), drawn as an
 * outline with the track's top label and score at its top left corner. */
#ifndef UNIFORMER_OVERLAY_REGIONS_H
#define UNIFORMER_OVERLAY_REGIONS_H

#include <gst/video/video.h>

#include "uniformer-overlay-render.h"

G_BEGIN_DECLS

typedef struct _UniformerOverlayRegions UniformerOverlayRegions;

UniformerOverlayRegions *uniformer_overlay_regions_new (void);
void uniformer_overlay_regions_free (UniformerOverlayRegions * r);
void uniformer_overlay_regions_clear (UniformerOverlayRegions * r);
/* Takes @buf's region results and boxes; a track's result is dropped
 * @hold_time after it arrived, and its region @hold_time after it was last
 * on a buffer (when the times are known). */
void uniformer_overlay_regions_update (UniformerOverlayRegions * r, GstBuffer * buf,
    GstClockTime running_time, GstClockTime hold_time);
/* Adds the boxes and labels to @comp (made when NULL); returns it. @style
 * changed: the labels are drawn again. */
GstVideoOverlayComposition *uniformer_overlay_regions_render (UniformerOverlayRegions * r,
    UniformerOverlayRenderer * renderer, const UniformerOverlayStyle * style,
    gboolean style_changed, gint frame_width, gint frame_height,
    GstVideoOverlayComposition * comp);

G_END_DECLS

#endif /* UNIFORMER_OVERLAY_REGIONS_H */
