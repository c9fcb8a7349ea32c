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
#include "uniformer-track.h"

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
  gint inference_phase;         /* -1: auto_phase */
  guint top_k;
  gdouble threshold;
  guint smoothing;
  gboolean post_messages;
  GstUniformerLateWindows late_windows;
  gboolean actions;
  UniformerActionParams action;
  gdouble region_margin;        /* fraction of a region's size added on each side */
  GstClockTime track_timeout;
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
  guint auto_phase;             /* the phase it holds among the model's running elements */
  guint64 last_inference_ns, total_inference_ns;
  guint64 total_batch_size;     /* of the passes the classified windows ran in */
  guint64 own_device_bytes;     /* the session's (its frames) */
  guint64 shared_device_bytes;  /* the model's weights and its batches' memory */

  /* regions: the properties, under the object lock */
  GstUniformerRegionMode region_mode_prop;
  gchar *region_type_prop;      /* meta mode: only ROIs of this type; NULL: all */
  GArray *regions_prop;         /* GstVideoRectangle: the fixed regions */
  guint max_tracks_prop;
  guint n_tracks;               /* statistics, under the object lock */
  guint64 regions_refused;

  /* engine objects, from start() to stop() */
  UfDevice *device;             /* the model's */
  UfModel *model;
  UniformerModelCache *model_cache;     /* where model came from; NULL: not shared */
  const UfModelInfo *info;
  UniformerTrackConfig track_config;    /* holds the batcher */
  GstUniformerRegionMode region_mode;   /* and the rest of this block: as at start() */
  GQuark region_type;           /* 0: all */
  guint max_tracks;
  guint64 track_device_bytes;   /* one track's session (its frames) */
  /* The tracks: added and dropped by the streaming thread, read by the
   * threads that set the workers flushing, under tracks_lock. */
  GMutex tracks_lock;
  GPtrArray *tracks;            /* UniformerTrack* */
  gboolean flushing;            /* under tracks_lock: new tracks start flushing */
  GPtrArray *retired;           /* UniformerTrack*: dropped, maybe still in a pass */
  UfModel *retired_model;       /* the retired tracks', released after them */
  UniformerModelCache *retired_cache;

  /* streaming-thread state */
  Settings cur;
  gdouble rate;                 /* the windows' sampling rate under cur */
  GstVideoInfo vinfo;
  gboolean live_known, live;
  GQueue ready;                 /* UniformerReport*: attach to the outgoing buffer */
  guint64 reported_latency;
  GstFlowReturn flow;           /* of the last before_transform, for transform_ip */
  GstClockTime last_pts;        /* the last valid PTS, to time buffers without one */
  guint64 untimed;              /* buffers without PTS since then */
  gboolean warned_untimed, warned_tracks, warned_repeated_id;

  /* action events */
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

/* uniformer-infer-properties.c: the properties (class_init) and their
 * defaults (instance init). */
#define UNIFORMER_INFER_DEFAULT_INFERENCE_INTERVAL 4
void uniformer_infer_install_properties (GObjectClass * gobject_class);
void uniformer_infer_settings_init (GstUniformerInfer * self);

/* FALSE, with a warning, once the element has started. Under the object lock. */
gboolean uniformer_infer_settable_now (GstUniformerInfer * self, GParamSpec * pspec);

/* uniformer-infer-region-properties.c: the region modes' properties, their
 * ids from UNIFORMER_INFER_REGION_PROP_BASE on; set and get under the
 * object lock, FALSE for an id that is not theirs. */
#define UNIFORMER_INFER_REGION_PROP_BASE 1000
void uniformer_infer_install_region_properties (GObjectClass * gobject_class);
void uniformer_infer_region_settings_init (GstUniformerInfer * self);
gboolean uniformer_infer_set_region_property (GstUniformerInfer * self, guint prop_id,
    const GValue * value, GParamSpec * pspec);
gboolean uniformer_infer_get_region_property (GstUniformerInfer * self, guint prop_id,
    GValue * value);

/* The installed default model if there is one, else the source tree's. */
const gchar *uniformer_infer_default_model_path (void);

/* Forgets every track's window and everything computed from it (not the
 * actions); results still running are dropped when they arrive. */
void uniformer_infer_reset_stream (GstUniformerInfer * self);
/* Applies the current settings to @t (its sampler, window interval and
 * smoothing), emptying its window when the sampling changed. */
void uniformer_infer_apply_settings (GstUniformerInfer * self, UniformerTrack * t);
/* Sets every track's worker flushing, and the tracks made from now on. */
void uniformer_infer_set_flushing (GstUniformerInfer * self, gboolean flushing);
/* Makes a track (FALSE: error posted) and adds it. */
UniformerTrack *uniformer_infer_add_track (GstUniformerInfer * self, gint id,
    const gchar * type, const GstVideoRectangle * box);
/* Stops every track and keeps it until it is out of its pass. */
void uniformer_infer_retire_tracks (GstUniformerInfer * self);
/* Frees the retired tracks; @wait: also those still in a pass. */
void uniformer_infer_free_retired (GstUniformerInfer * self, gboolean wait);
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

/* ---- uniformer-infer-tracks.c ---- */

/* The type name of the ROI metas fixed mode adds for its results. */
#define UNIFORMER_FIXED_REGION_TYPE "region"

/* One region of a buffer and the track it feeds. */
typedef struct {
  UniformerTrack *track;
  GstVideoRectangle box;        /* as given, in frame pixels */
  GstVideoRectangle crop;       /* with the margin, clipped to the frame */
} UniformerRegion;

/* The regions of @buf (frame mode: the whole frame), each with its track,
 * made for a new ROI id while fewer than max-tracks exist; NULL after an
 * element error. */
GArray *uniformer_infer_find_regions (GstUniformerInfer * self, GstBuffer * buf);
/* Drops the tracks not seen for track-timeout around @pts (meta mode):
 * their open actions end with "track-lost". */
void uniformer_infer_drop_lost_tracks (GstUniformerInfer * self, GstClockTime pts);
/* The track with @id, or NULL. */
UniformerTrack *uniformer_infer_find_track (GstUniformerInfer * self, gint id);
/* Parses "x,y,w,h;x,y,w,h..." into GstVideoRectangles; NULL on a syntax error. */
GArray *uniformer_infer_parse_regions (const gchar * text, GError ** error);
gchar *uniformer_infer_format_regions (const GArray * regions);

/* ---- uniformer-infer-notices.c ---- */

/* @pts in the current segment's running time; NONE outside a TIME segment. */
GstClockTime uniformer_infer_running_time (GstUniformerInfer * self, GstClockTime pts);
/* Ends the open actions with @reason into the events to send. */
void uniformer_infer_end_actions (GstUniformerInfer * self, UniformerActionReason reason);
/* After a flush, at anything but a new segment: ends them with "flush". */
void uniformer_infer_settle_flush (GstUniformerInfer * self);
/* Ends one track's open actions with @reason. */
void uniformer_infer_end_track_actions (GstUniformerInfer * self, UniformerTrack * t,
    UniformerActionReason reason);
/* Feeds a classified window's (smoothed) scores to its track's actions. */
void uniformer_infer_track_actions (GstUniformerInfer * self, UniformerTrack * t,
    const gdouble * scores, GstClockTime start, GstClockTime end);
/* Posts the action events waiting and, when @downstream, sends each as a
 * serialized custom downstream event too. */
void uniformer_infer_send_actions (GstUniformerInfer * self, gboolean downstream);
/* @w (just skipped) was skipped, @total in all: rate-limited warning. */
void uniformer_infer_warn_skipped (GstUniformerInfer * self, const UniformerWindow * w,
    guint64 total);
/* Warns once when frames @fps apart cannot give the sampling rate. */
void uniformer_infer_check_frame_rate (GstUniformerInfer * self, gdouble fps);
/* The same, measured on the due window when the caps have no frame rate. */
void uniformer_infer_check_window_spacing (GstUniformerInfer * self,
    const UniformerWindow * w);
/* At EOS: warns once when no window was ever full. */
void uniformer_infer_warn_if_never_full (GstUniformerInfer * self);

G_END_DECLS

#endif /* GST_UNIFORMER_INFER_PRIVATE_H */
