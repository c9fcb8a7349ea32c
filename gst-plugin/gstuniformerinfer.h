/* gstuniformerinfer.h: the uniformerinfer element (see gstuniformerinfer.c). */
#ifndef GST_UNIFORMER_INFER_H
#define GST_UNIFORMER_INFER_H

#include <gst/base/gstbasetransform.h>

G_BEGIN_DECLS

/**
 * GstUniformerLateWindows:
 * @GST_UNIFORMER_LATE_WINDOWS_AUTO: skip when upstream is live, wait otherwise
 * @GST_UNIFORMER_LATE_WINDOWS_SKIP: drop a window that is due while the
 *     previous one is still being classified
 * @GST_UNIFORMER_LATE_WINDOWS_WAIT: block the stream until every due window
 *     is classified
 */
typedef enum {
  GST_UNIFORMER_LATE_WINDOWS_AUTO,
  GST_UNIFORMER_LATE_WINDOWS_SKIP,
  GST_UNIFORMER_LATE_WINDOWS_WAIT,
} GstUniformerLateWindows;

#define GST_TYPE_UNIFORMER_LATE_WINDOWS (gst_uniformer_late_windows_get_type ())
GType gst_uniformer_late_windows_get_type (void);

/**
 * GstUniformerSampling:
 * @GST_UNIFORMER_SAMPLING_MODEL: as the model file says
 * @GST_UNIFORMER_SAMPLING_STRIDE: frames at #GstUniformerInfer:sample-rate
 *     (the model's trained rate: every n-th frame of its source frame rate)
 * @GST_UNIFORMER_SAMPLING_SPARSE: the window's frames spread evenly over
 *     #GstUniformerInfer:window-duration (the light models' test-time
 *     sampling: each frame the centre of its segment of the span)
 */
typedef enum {
  GST_UNIFORMER_SAMPLING_MODEL,
  GST_UNIFORMER_SAMPLING_STRIDE,
  GST_UNIFORMER_SAMPLING_SPARSE,
} GstUniformerSampling;

#define GST_TYPE_UNIFORMER_SAMPLING (gst_uniformer_sampling_get_type ())
GType gst_uniformer_sampling_get_type (void);

#define GST_TYPE_UNIFORMER_RESIZE_MODE (gst_uniformer_resize_mode_get_type ())
GType gst_uniformer_resize_mode_get_type (void);

#define GST_TYPE_UNIFORMER_INFER (gst_uniformer_infer_get_type ())
G_DECLARE_FINAL_TYPE (GstUniformerInfer, gst_uniformer_infer, GST, UNIFORMER_INFER,
    GstBaseTransform)

GST_ELEMENT_REGISTER_DECLARE (uniformerinfer);

/**
 * GstUniformerRegionMode:
 * @GST_UNIFORMER_REGION_MODE_FRAME: one window of the whole frame
 * @GST_UNIFORMER_REGION_MODE_META: one window per #GstVideoRegionOfInterestMeta
 *     id on the buffers (a track), of that region's crop
 * @GST_UNIFORMER_REGION_MODE_FIXED: one window per rectangle of
 *     #GstUniformerInfer:regions
 *
 * What uniformerinfer classifies.
 */
typedef enum {
  GST_UNIFORMER_REGION_MODE_FRAME,
  GST_UNIFORMER_REGION_MODE_META,
  GST_UNIFORMER_REGION_MODE_FIXED,
} GstUniformerRegionMode;

GType gst_uniformer_region_mode_get_type (void);
#define GST_TYPE_UNIFORMER_REGION_MODE (gst_uniformer_region_mode_get_type ())

G_END_DECLS

#endif /* GST_UNIFORMER_INFER_H */
