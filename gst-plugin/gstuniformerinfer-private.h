/* gstuniformerinfer-private.h: the uniformerinfer instance, shared by the
 * element's GObject and state-change half (gstuniformerinfer.c) and its
 * streaming-thread half (uniformer-infer-stream.c). */
#ifndef GST_UNIFORMER_INFER_PRIVATE_H
#define GST_UNIFORMER_INFER_PRIVATE_H

#include <gst/video/video.h>

#include "gstuniformerinfer.h"
#include "uniformer.h"
#include "uniformer-actions.h"
#include "uniformer-results.h"
#include "uniformer-sampler.h"
#include "uniformer-frames.h"
#include "uniformer-worker.h"
#include "uniformer-model-cache.h"

G_BEGIN_DECLS

GST_DEBUG_CATEGORY_EXTERN (gst_uniformer_infer_debug);

/* The properties that may change while playing, copied under the object
 * lock at the start of each buffer. */
typedef struct {
  GstUniformerSampling sampling;
  gdouble sample_rate;          /* stride: 0 = the model's trained rate */
  gdouble window_duration;      /* sparse: seconds, 0 = the model's span */
  guint frame_interval;         /* > 0: every n-th frame instead of sample-rate */
  guint inference_interval;
  guint top_k;
  gdouble threshold;
  guint smoothing;
  gboolean post_messages;
  GstUniformerLateWindows late_windows;
  gboolean actions;
  UniformerActionParams action;
} Settings;

struct _GstUniformerInfer {
  GstBaseTransform parent;

  /* properties, under the object lock */
  gchar *model_path;
  gchar *device_name;
  UfResizeMode resize_mode;
  gboolean share_model;
  guint max_batch;
  GstClockTime batch_timeout;
  gchar *share_group;           /* NULL: the group a context gives, else "" */
  UniformerModelCache *cache;   /* from a GstContext, else the process-wide one */
  Settings props;
  guint num_frames;
  guint num_classes;
  gchar **labels;               /* of the loaded model, kept after stop */
  gchar *model_name;
  guint64 windows_classified, windows_skipped;
  guint64 last_inference_ns, total_inference_ns;
  guint64 total_batch_size;     /* of the passes the classified windows ran in */
  guint64 own_device_bytes;     /* the session's (its frames) */
  guint64 shared_device_bytes;  /* the model's weights and its batches' memory */

  /* engine objects, from start() to stop() */
  UfDevice *device;             /* the model's */
  UfModel *model;
  UniformerModelCache *model_cache;     /* where model came from; NULL: not shared */
  const UfModelInfo *info;
  UfSession *session;           /* owned by the worker */
  UniformerWorker *worker;
  UniformerWorker *retired;     /* stopped, maybe still finishing a run */
  UfModel *retired_model;       /* the retired worker's, released after it */
  UniformerModelCache *retired_cache;

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

  /* action events */
  UniformerActions actions;
  GArray *action_events;        /* UniformerActionEvent, to post and send downstream */
  gboolean flushed;             /* flushed: open actions end at what comes next */

  /* warnings: once per start, or at most one per SKIP_WARNING_INTERVAL */
  GstClockTime skip_warned_at;  /* running time of the last skip warning */
  guint64 skips_unwarned;
  gboolean warned_rate, warned_short;
  gboolean ever_full;           /* a window was due since start */
  guint max_fill;               /* the most frames the window held */
};

/* ---- uniformer-infer-stream.c ---- */

/* Forgets the window and everything computed from it (not the actions). */
/* uniformer-infer-properties.c: the properties (class_init) and their
 * defaults (instance init). */
#define UNIFORMER_INFER_DEFAULT_INFERENCE_INTERVAL 4
void uniformer_infer_install_properties (GObjectClass * gobject_class);
void uniformer_infer_settings_init (GstUniformerInfer * self);

/* The installed default model if there is one, else the source tree's. */
const gchar *uniformer_infer_default_model_path (void);

void uniformer_infer_reset_stream (GstUniformerInfer * self);
/* Samples per second the model was trained at. */
gdouble uniformer_infer_model_rate (GstUniformerInfer * self);
/* The rate the window samples at with settings @st. */
gdouble uniformer_infer_sampling_rate (GstUniformerInfer * self, const Settings * st);
/* EOS: the result of a run still going is posted as a message, open
 * actions end, and a stream that never filled a window is warned about. */
void uniformer_infer_finish_at_eos (GstUniformerInfer * self);
void uniformer_infer_handle_gap (GstUniformerInfer * self, GstEvent * event);
/* GstBaseTransform's before_transform and transform_ip. */
void uniformer_infer_before_transform (GstBaseTransform * trans, GstBuffer * buf);
GstFlowReturn uniformer_infer_transform_ip (GstBaseTransform * trans, GstBuffer * buf);

/* ---- uniformer-infer-notices.c ---- */

/* @pts in the current segment's running time; NONE outside a TIME segment. */
GstClockTime uniformer_infer_running_time (GstUniformerInfer * self, GstClockTime pts);
/* Ends the open actions with @reason into the events to send. */
void uniformer_infer_end_actions (GstUniformerInfer * self, UniformerActionReason reason);
/* After a flush, at anything but a new segment: ends them with "flush". */
void uniformer_infer_settle_flush (GstUniformerInfer * self);
/* Feeds a classified window's (smoothed) scores to the tracker. */
void uniformer_infer_track_actions (GstUniformerInfer * self, const gdouble * scores,
    GstClockTime start, GstClockTime end);
/* Posts the action events waiting and, when @downstream, sends each as a
 * serialized custom downstream event too. */
void uniformer_infer_send_actions (GstUniformerInfer * self, gboolean downstream);
/* @w (just skipped) was skipped, @total in all: rate-limited warning. */
void uniformer_infer_warn_skipped (GstUniformerInfer * self, const UniformerWindow * w,
    guint64 total);
/* Warns once when frames @fps apart cannot give the sampling rate. */
void uniformer_infer_check_frame_rate (GstUniformerInfer * self, gdouble fps);
/* The same, measured on the due window when the caps have no frame rate. */
void uniformer_infer_check_window_spacing (GstUniformerInfer * self);
/* At EOS: warns once when no window was ever full. */
void uniformer_infer_warn_if_never_full (GstUniformerInfer * self);

G_END_DECLS

#endif /* GST_UNIFORMER_INFER_PRIVATE_H */
