/* uniformer-worker.c: one thread that runs windows through the engine. */
#include "uniformer-worker.h"

#include <string.h>

typedef enum {
  WORKER_IDLE,
  WORKER_RUNNING,
  WORKER_DONE,                  /* result waiting to be taken */
} WorkerState;

struct _UniformerWorker {
  UfSession *session;
  guint frames, num_classes;
  GThread *thread;
  GMutex lock;
  GCond cond;
  WorkerState state;
  gboolean quit;
  gboolean flushing;
  guint *slots;                 /* the submitted window */
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

static void
run_job (UniformerWorker * w, UniformerJobResult * job)
{
  UfResult result = { .probs = job->probs };
  gint64 t0 = g_get_monotonic_time ();

  uf_session_run (w->session, w->slots, w->frames, &result, &job->error);
  job->inference_ns = (guint64) (g_get_monotonic_time () - t0) * 1000;
}

static gpointer
worker_main (gpointer data)
{
  UniformerWorker *w = data;

  g_mutex_lock (&w->lock);
  for (;;) {
    while (!w->quit && w->state != WORKER_RUNNING)
      g_cond_wait (&w->cond, &w->lock);
    if (w->quit)
      break;
    /* The streaming thread touches neither the slot list nor the job while
     * the state is RUNNING, so the run needs no lock. */
    g_mutex_unlock (&w->lock);
    run_job (w, w->job);
    g_mutex_lock (&w->lock);
    w->state = WORKER_DONE;
    g_cond_broadcast (&w->cond);
  }
  g_mutex_unlock (&w->lock);
  g_clear_pointer (&w->session, uf_session_free);
  return NULL;
}

UniformerWorker *
uniformer_worker_new (UfSession * session, guint frames, guint num_classes)
{
  UniformerWorker *w = g_new0 (UniformerWorker, 1);

  w->session = session;
  w->frames = frames;
  w->num_classes = num_classes;
  w->slots = g_new0 (guint, frames);
  g_mutex_init (&w->lock);
  g_cond_init (&w->cond);
  w->thread = g_thread_new ("uniformer-infer", worker_main, w);
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
  g_mutex_lock (&w->lock);
  w->quit = TRUE;
  w->flushing = TRUE;
  g_cond_broadcast (&w->cond);
  g_mutex_unlock (&w->lock);
}

void
uniformer_worker_free (UniformerWorker * w)
{
  if (w == NULL)
    return;
  uniformer_worker_stop (w);
  g_thread_join (w->thread);
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
  g_cond_broadcast (&w->cond);
  g_mutex_unlock (&w->lock);
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
