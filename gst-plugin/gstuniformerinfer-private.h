/* gstuniformerinfer-private.h: the uniformerinfer instance, shared by the
 * element's GObject and state-change half (gstuniformerinfer.c) and its
 * streaming-thread half (uniformer-infer-stream.c). */
#ifndef GST_UNIFORMER_INFER_PRIVATE_H
#define GST_UNIFORMER_INFER_PRIVATE_H

#include <gst/video/video.h>

#include "gstuniformerinfer.h"
#include "uniformer.h"
#include "uniformer-results.h"
#include "uniformer-sampler.h"
#include "uniformer-frames.h"
#include "uniformer-worker.h"

G_BEGIN_DECLS

GST_DEBUG_CATEGORY_EXTERN (gst_uniformer_infer_debug);

/* The properties that may change while playing, copied under the object
 * lock at the start of each buffer. */
typedef struct {
  gdouble sample_rate;          /* 0 = the model's trained rate */
  guint frame_interval;         /* > 0: every n-th frame instead of sample-rate */
  guint inference_interval;
  guint top_k;
  gdouble threshold;
  guint smoothing;
  gboolean post_messages;
  GstUniformerLateWindows late_windows;
} Settings;

struct _GstUniformerInfer {
  GstBaseTransform parent;

  /* properties, under the object lock */
  gchar *model_path;
  gchar *device_name;
  UfResizeMode resize_mode;
  Settings props;
  guint num_frames;
  guint num_classes;
  gchar **labels;               /* of the loaded model, kept after stop */
  gchar *model_name;
  guint64 windows_classified, windows_skipped;
  guint64 last_inference_ns, total_inference_ns;

  /* engine objects, from start() to stop() */
  UfDevice *device;
  UfModel *model;
  const UfModelInfo *info;
  UfSession *session;           /* owned by the worker */
  UniformerWorker *worker;
  UniformerWorker *retired;     /* stopped, maybe still finishing a run */
  UfModel *retired_model;       /* the retired worker's, released after it */

  /* streaming-thread state */
  Settings cur;
  GstVideoInfo vinfo;
  UniformerSampler sampler;
  UniformerWindow window;
  UniformerDeferred deferred;
  UniformerSmoother smoother;
  guint64 generation;           /* bumped by every reset: older results are dropped */
  gboolean live_known, live;
  GQueue ready;                 /* UniformerReport*: attach to the outgoing buffer */
  guint64 reported_latency;
  GstFlowReturn flow;           /* of the last before_transform, for transform_ip */
  GstClockTime last_pts;        /* the last valid PTS, to time buffers without one */
  guint64 untimed;              /* buffers without PTS since then */
  gboolean warned_untimed;
};

/* ---- uniformer-infer-stream.c ---- */

/* Forgets the window and everything computed from it. */
void uniformer_infer_reset_stream (GstUniformerInfer * self);
/* EOS: the result of a run still going is posted as a message. */
void uniformer_infer_finish_at_eos (GstUniformerInfer * self);
void uniformer_infer_handle_gap (GstUniformerInfer * self, GstEvent * event);
/* GstBaseTransform's before_transform and transform_ip. */
void uniformer_infer_before_transform (GstBaseTransform * trans, GstBuffer * buf);
GstFlowReturn uniformer_infer_transform_ip (GstBaseTransform * trans, GstBuffer * buf);

G_END_DECLS

#endif /* GST_UNIFORMER_INFER_PRIVATE_H */
