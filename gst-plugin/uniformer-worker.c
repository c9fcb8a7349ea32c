/* uniformer-worker.c: one element's windows, run by its batcher. */
#include "uniformer-worker.h"

#include <string.h>

typedef enum {
  WORKER_IDLE,
  WORKER_RUNNING,               /* queued in the batcher, or in its pass */
  WORKER_DONE,                  /* result waiting to be taken */
} WorkerState;

struct _UniformerWorker {
  UfSession *session;
  UniformerBatcher *batcher;
  guint frames, num_classes;
  GstClockTime batch_timeout;
  GMutex lock;
  GCond cond;
  WorkerState state;
  gboolean flushing;
  guint *slots;                 /* the submitted window */
  UniformerBatchJob run;        /* what the batcher runs */
  UniformerJobResult *job;      /* filled by the run */
};

void
uniformer_job_result_free (UniformerJobResult * r)
{
  if (r == NULL)
    return;
  g_free (r->probs);
  g_clear_error (&r->error);
  g_free (r);
}

/* The batcher's thread: the window's pass has ended. */
static void
run_done (UniformerBatchJob * run, guint batch_size, guint64 run_ns, GError * error)
{
  UniformerWorker *w = (UniformerWorker *) ((guint8 *) run -
      G_STRUCT_OFFSET (UniformerWorker, run));

  g_mutex_lock (&w->lock);
  w->job->inference_ns = run_ns;
  w->job->batch_size = batch_size;
  if (error)
    w->job->error = g_error_copy (error);
  w->state = WORKER_DONE;
  g_cond_broadcast (&w->cond);
  g_mutex_unlock (&w->lock);
}

UniformerWorker *
uniformer_worker_new (UfSession * session, UniformerBatcher * batcher, guint frames,
    guint num_classes, GstClockTime batch_timeout)
{
  UniformerWorker *w = g_new0 (UniformerWorker, 1);

  w->session = session;
  w->batcher = uniformer_batcher_ref (batcher);
  w->frames = frames;
  w->num_classes = num_classes;
  w->batch_timeout = batch_timeout;
  w->slots = g_new0 (guint, frames);
  g_mutex_init (&w->lock);
  g_cond_init (&w->cond);
  return w;
}

void
uniformer_worker_wait (UniformerWorker * w)
{
  g_mutex_lock (&w->lock);
  while (w->state == WORKER_RUNNING && !w->flushing)
    g_cond_wait (&w->cond, &w->lock);
  g_mutex_unlock (&w->lock);
}

void
uniformer_worker_set_flushing (UniformerWorker * w, gboolean flushing)
{
  g_mutex_lock (&w->lock);
  w->flushing = flushing;
  g_cond_broadcast (&w->cond);
  g_mutex_unlock (&w->lock);
}

gboolean
uniformer_worker_is_flushing (UniformerWorker * w)
{
  gboolean flushing;

  g_mutex_lock (&w->lock);
  flushing = w->flushing;
  g_mutex_unlock (&w->lock);
  return flushing;
}

void
uniformer_worker_stop (UniformerWorker * w)
{
  uniformer_worker_set_flushing (w, TRUE);
  /* a window still queued will not run; one in a pass ends with it */
  if (uniformer_batcher_cancel (w->batcher, &w->run, FALSE)) {
    g_mutex_lock (&w->lock);
    w->state = WORKER_IDLE;
    g_clear_pointer (&w->job, uniformer_job_result_free);
    g_mutex_unlock (&w->lock);
  }
}

void
uniformer_worker_free (UniformerWorker * w)
{
  if (w == NULL)
    return;
  uniformer_worker_stop (w);
  /* the pass the window may be in reads the session: wait for its end */
  uniformer_batcher_cancel (w->batcher, &w->run, TRUE);
  uf_session_free (w->session);
  uniformer_batcher_unref (w->batcher);
  uniformer_job_result_free (w->job);
  g_mutex_clear (&w->lock);
  g_cond_clear (&w->cond);
  g_free (w->slots);
  g_free (w);
}

gboolean
uniformer_worker_busy (UniformerWorker * w)
{
  gboolean busy;

  g_mutex_lock (&w->lock);
  busy = w->state != WORKER_IDLE;
  g_mutex_unlock (&w->lock);
  return busy;
}

void
uniformer_worker_submit (UniformerWorker * w, const guint * slots,
    GstClockTime window_start, GstClockTime window_end, guint64 generation)
{
  UniformerJobResult *job;

  g_return_if_fail (!uniformer_worker_busy (w));
  job = g_new0 (UniformerJobResult, 1);
  job->generation = generation;
  job->window_start = window_start;
  job->window_end = window_end;
  job->frames = w->frames;
  job->num_classes = w->num_classes;
  job->probs = g_new0 (float, w->num_classes);

  g_mutex_lock (&w->lock);
  memcpy (w->slots, slots, w->frames * sizeof (guint));
  w->job = job;
  w->state = WORKER_RUNNING;
  g_mutex_unlock (&w->lock);
  /* the batcher owns w->run until run_done; the streaming thread touches
   * neither it nor the slot list while the state is RUNNING */
  w->run = (UniformerBatchJob) {
    .session = w->session, .slots = w->slots, .n_slots = w->frames,
    .result = { .num_classes = w->num_classes, .probs = job->probs },
    .deadline = g_get_monotonic_time () * 1000 + w->batch_timeout,
    .done = run_done,
  };
  uniformer_batcher_queue (w->batcher, &w->run);
}

UniformerJobResult *
uniformer_worker_take_result (UniformerWorker * w)
{
  UniformerJobResult *r = NULL;

  g_mutex_lock (&w->lock);
  if (w->state == WORKER_DONE) {
    r = w->job;
    w->job = NULL;
    w->state = WORKER_IDLE;
  }
  g_mutex_unlock (&w->lock);
  return r;
}
