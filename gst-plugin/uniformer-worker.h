/* uniformer-worker.h: the windows of one uniformerinfer element.
 *
 * The streaming thread hands it one window at a time (the slot list and the
 * window's PTS range); the worker queues it on its batcher
 * (uniformer-batcher.h), whose thread runs it, in a pass with the windows
 * of other elements that share the model, and keeps the result until the
 * streaming thread takes it. The streaming thread never waits for
 * the GPU unless it asks to (uniformer_worker_wait, late-windows=wait), and
 * never while the worker is flushing (a flushing seek, a state change
 * down to READY).
 *
 * The worker owns the session: uniformer_worker_stop() returns at once (a
 * window still queued is dropped, one in a pass ends with it), so stopping
 * an element never waits for the GPU; uniformer_worker_free() waits for
 * that pass and frees the session.
 */
#ifndef UNIFORMER_WORKER_H
#define UNIFORMER_WORKER_H

#include <gst/gst.h>
#include "uniformer.h"
#include "uniformer-batcher.h"

G_BEGIN_DECLS

typedef struct {
  guint64 generation;           /* the element's stream generation at submission */
  GstClockTime window_start, window_end;
  guint frames;
  guint num_classes;
  float *probs;                 /* num_classes softmax probabilities */
  guint64 inference_ns;         /* wall-clock time of the pass it ran in */
  guint batch_size;             /* windows in that pass */
  GError *error;                /* set when the run failed */
} UniformerJobResult;

void uniformer_job_result_free (UniformerJobResult * r);

typedef struct _UniformerWorker UniformerWorker;

/* Takes @session, a member of @batcher's batch; the streaming thread may
 * keep uploading frames into it until uniformer_worker_stop(). A window
 * waits at most @batch_timeout for others to join its pass. */
UniformerWorker *uniformer_worker_new (UfSession * session, UniformerBatcher * batcher,
    guint frames, guint num_classes, GstClockTime batch_timeout);
/* Drops a window still queued; never blocks on the GPU. */
void uniformer_worker_stop (UniformerWorker * w);
/* Stops the worker if needed and waits for its thread to end. */
void uniformer_worker_free (UniformerWorker * w);
/* TRUE from submission until the result has been taken. */
gboolean uniformer_worker_busy (UniformerWorker * w);
/* Starts a run; the worker must not be busy. */
void uniformer_worker_submit (UniformerWorker * w, const guint * slots,
    GstClockTime window_start, GstClockTime window_end, guint64 generation);
/* The finished result, or NULL while running or idle. Never blocks on the GPU. */
UniformerJobResult *uniformer_worker_take_result (UniformerWorker * w);
/* Blocks until the running job (if any) has finished, or until the worker
 * is set flushing. */
void uniformer_worker_wait (UniformerWorker * w);
/* While flushing, uniformer_worker_wait() returns at once (and wakes up a
 * thread that waits); a run in progress goes on, and its result is taken
 * as usual when it ends. */
void uniformer_worker_set_flushing (UniformerWorker * w, gboolean flushing);
gboolean uniformer_worker_is_flushing (UniformerWorker * w);

G_END_DECLS

#endif /* UNIFORMER_WORKER_H */
