/* uniformer-frames.h: sampled video frames into the engine's ring slots.
 *
 * A frame is uploaded (converted, resized and normalised on the GPU) straight
 * away when no inference runs. While one runs, an upload would queue behind
 * the forward pass on the device's queue and the streaming thread would wait
 * for it, so the frame is copied into a per-slot host buffer instead and
 * uploaded once the run has finished (uniformer_deferred_flush). A slot that
 * is reused before its copy was uploaded just gets the newer copy, so at most
 * one copy per ring slot is kept: memory stays bounded however slow the
 * inference.
 */
#ifndef UNIFORMER_FRAMES_H
#define UNIFORMER_FRAMES_H

#include <gst/video/video.h>
#include "uniformer.h"

G_BEGIN_DECLS

/* The video formats the engine converts on the GPU, as a caps string list. */
#define UNIFORMER_VIDEO_FORMATS "{ RGB, RGBA, BGRA, BGRx, RGBx, I420, NV12 }"

/* Fills @out with @frame's planes, strides and colorimetry; FALSE for a
 * format the engine does not take. */
gboolean uniformer_frame_describe (const GstVideoFrame * frame, UfFrame * out);

typedef struct {
  guint8 *data;                 /* the planes, packed one after another */
  gsize size;
  UfFrame frame;                /* pointing into data */
  gboolean pending;             /* not uploaded yet */
} UniformerFrameCopy;

typedef struct {
  guint n_slots;
  UniformerFrameCopy *copies;   /* per slot, kept for reuse */
} UniformerDeferred;

void uniformer_deferred_init (UniformerDeferred * d, guint n_slots);
void uniformer_deferred_clear (UniformerDeferred * d);
/* Drops the copies not uploaded yet (a flush: those frames are gone). */
void uniformer_deferred_drop (UniformerDeferred * d);
/* Copies @frame (maybe a crop: only its pixels are copied) for @slot. */
gboolean uniformer_deferred_store (UniformerDeferred * d, guint slot, const UfFrame * frame,
    GError ** error);
gboolean uniformer_deferred_has_pending (const UniformerDeferred * d);
/* Uploads every pending copy; call only while no inference runs. */
gboolean uniformer_deferred_flush (UniformerDeferred * d, UfSession * session,
    GError ** error);

G_END_DECLS

#endif /* UNIFORMER_FRAMES_H */
