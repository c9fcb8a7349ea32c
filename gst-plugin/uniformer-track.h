/* uniformer-track.h: one window of uniformerinfer and everything that hangs
 * off it: the sampler that picks its frames, the ring slots they are
 * preprocessed into (a ring-only session of the model's batch), the worker
 * that classifies it, the smoothing of its results and its open actions.
 *
 * In frame mode the element has one track, the whole frame. In the region
 * modes it has one per region: per GstVideoRegionOfInterestMeta id (meta)
 * or per rectangle of the `regions` property (fixed); each samples its
 * region's crop by timestamp on the buffers the region is on, so the
 * windows of all tracks of all streams that share the model run in the
 * same batches.
 */
#ifndef UNIFORMER_TRACK_H
#define UNIFORMER_TRACK_H

#include <gst/video/video.h>

#include "uniformer.h"
#include "uniformer-actions.h"
#include "uniformer-batcher.h"
#include "uniformer-frames.h"
#include "uniformer-results.h"
#include "uniformer-sampler.h"
#include "uniformer-worker.h"

G_BEGIN_DECLS

/* The track id of the whole frame (frame mode). */
#define UNIFORMER_FRAME_TRACK (-1)

typedef struct {
  gint id;                      /* the region's ROI id, its fixed index, or FRAME_TRACK */
  gchar *type;                  /* the region's type name; NULL in frame mode */
  GstVideoRectangle box;        /* the region when last seen, in frame pixels */
  GstClockTime last_seen;       /* PTS of the last buffer it was on */
  UfSession *session;           /* owned by the worker */
  UniformerWorker *worker;
  UniformerSampler sampler;
  UniformerWindow window;
  UniformerDeferred deferred;
  UniformerSmoother smoother;
  UniformerActions actions;
  guint64 generation;           /* bumped by every reset: older results are dropped */
} UniformerTrack;

typedef struct {
  UfModel *model;
  UniformerBatcher *batcher;
  UfResizeMode resize_mode;
  GstClockTime batch_timeout;
} UniformerTrackConfig;

/* A track with an empty window, its session a member of the batcher's batch. */
UniformerTrack *uniformer_track_new (const UniformerTrackConfig * config, gint id,
    const gchar * type, GError ** error);
/* Stops the worker (a queued window is dropped) and frees everything;
 * waits for a pass the track's window is in. */
void uniformer_track_free (UniformerTrack * t);
/* For a track being dropped: drops a finished result and says whether
 * freeing it would no longer wait for the GPU. */
gboolean uniformer_track_retired_done (UniformerTrack * t);
/* Forgets the window and what was computed from it (not the actions); a
 * result still running belongs to the old generation. */
void uniformer_track_reset (UniformerTrack * t);
/* Empties the window and the smoothing at a break in the stream; a result
 * running on the old window is still valid. */
void uniformer_track_restart (UniformerTrack * t);
/* Puts a frame (or a region's crop) into ring slot @slot: uploaded now when
 * no window of the track runs, else copied to upload later. */
gboolean uniformer_track_store (UniformerTrack * t, guint slot, const UfFrame * frame,
    GError ** error);
/* Uploads the copies kept while a window ran; call while none runs. */
gboolean uniformer_track_flush_deferred (UniformerTrack * t, GError ** error);

G_END_DECLS

#endif /* UNIFORMER_TRACK_H */
