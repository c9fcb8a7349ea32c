/* uniformer-batcher.h: the thread that runs the windows of every
 * uniformerinfer element sharing one model, in batches.
 *
 * Workers (uniformer-worker.h) queue one window each; the batcher's thread
 * takes the queued windows, up to the batch's maximum, as one UfBatch pass,
 * and hands each worker its own result. It waits for more windows only
 * while no queued window has waited longer than its element's batch
 * timeout: with a timeout of 0, windows that fall due while a pass runs
 * make up the next pass, and a lone stream never waits. An element that
 * does not share its model has a batcher of its own.
 *
 * The sessions of the workers are members of the batcher's UfBatch
 * (uniformer_batcher_get_batch), so they hold only their frames. */
#ifndef UNIFORMER_BATCHER_H
#define UNIFORMER_BATCHER_H

#include <gst/gst.h>
#include "uniformer.h"

G_BEGIN_DECLS

typedef struct _UniformerBatcher UniformerBatcher;

/* A queued window: the batcher fills @result and calls @done from its
 * thread, with the size of the pass it ran in. */
typedef struct _UniformerBatchJob UniformerBatchJob;
struct _UniformerBatchJob {
  UfSession *session;
  const guint *slots;
  guint n_slots;
  UfResult result;
  GstClockTime deadline;        /* monotonic: run by then, full batch or not */
  void (*done) (UniformerBatchJob * job, guint batch_size, guint64 run_ns,
      GError * error);
};

/* A batcher for @model with passes of up to @max_batch windows. */
UniformerBatcher *uniformer_batcher_new (UfModel * model, guint max_batch, GError ** error);
UniformerBatcher *uniformer_batcher_ref (UniformerBatcher * b);
/* The last reference stops the thread (after the pass in progress). */
void uniformer_batcher_unref (UniformerBatcher * b);
UfBatch *uniformer_batcher_get_batch (UniformerBatcher * b);
void uniformer_batcher_queue (UniformerBatcher * b, UniformerBatchJob * job);
/* Takes @job out of the queue if it is still waiting there (TRUE: @done
 * will not be called). Otherwise (FALSE: @done was or is being called)
 * and with @wait, waits for the pass it runs in to end, so that the
 * batcher no longer touches @job afterwards. */
gboolean uniformer_batcher_cancel (UniformerBatcher * b, UniformerBatchJob * job,
    gboolean wait);

G_END_DECLS

#endif
