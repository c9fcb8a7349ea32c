/* uniformer-batcher.c: batches of windows across elements (uniformer-batcher.h). */
#include "uniformer-batcher.h"

struct _UniformerBatcher {
  gint refcount;
  UfBatch *batch;
  guint max_batch;
  GThread *thread;
  GMutex lock;
  GCond cond;                   /* a job queued, a pass ended, quit */
  GQueue queue;                 /* UniformerBatchJob*, oldest first */
  GPtrArray *running;           /* the jobs of the pass in progress */
  gboolean quit;
};

/* The earliest deadline of the queued jobs. */
static GstClockTime
first_deadline (UniformerBatcher * b)
{
  GstClockTime first = GST_CLOCK_TIME_NONE;

  for (GList * l = b->queue.head; l; l = l->next) {
    GstClockTime d = ((UniformerBatchJob *) l->data)->deadline;

    if (first == GST_CLOCK_TIME_NONE || d < first)
      first = d;
  }
  return first;
}

/* Runs the jobs in b->running (lock not held) and hands out the results. */
static void
run_pass (UniformerBatcher * b)
{
  guint n = b->running->len;
  UfBatchMember *members = g_new (UfBatchMember, n);
  GError *error = NULL;

  for (guint i = 0; i < n; i++) {
    UniformerBatchJob *job = g_ptr_array_index (b->running, i);

    members[i] = (UfBatchMember) { job->session, job->slots, job->n_slots, &job->result };
  }
  gint64 t0 = g_get_monotonic_time ();
  uf_batch_run (b->batch, members, n, &error);
  guint64 run_ns = (guint64) (g_get_monotonic_time () - t0) * 1000;
  for (guint i = 0; i < n; i++) {
    UniformerBatchJob *job = g_ptr_array_index (b->running, i);

    job->done (job, n, run_ns, error);
  }
  g_clear_error (&error);
  g_free (members);
}

static gpointer
batcher_main (gpointer data)
{
  UniformerBatcher *b = data;

  g_mutex_lock (&b->lock);
  while (!b->quit) {
    if (g_queue_is_empty (&b->queue)) {
      g_cond_wait (&b->cond, &b->lock);
      continue;
    }
    /* Wait for more windows while the batch is not full and no queued
     * window is due; a new window or quit wakes us to look again. */
    GstClockTime due = first_deadline (b);
    gint64 now = g_get_monotonic_time ();
    if (b->queue.length < b->max_batch && (gint64) (due / 1000) > now) {
      g_cond_wait_until (&b->cond, &b->lock, due / 1000);
      continue;
    }
    while (b->running->len < b->max_batch && !g_queue_is_empty (&b->queue))
      g_ptr_array_add (b->running, g_queue_pop_head (&b->queue));
    g_mutex_unlock (&b->lock);
    run_pass (b);
    g_mutex_lock (&b->lock);
    g_ptr_array_set_size (b->running, 0);
    g_cond_broadcast (&b->cond);
  }
  g_mutex_unlock (&b->lock);
  return NULL;
}

UniformerBatcher *
uniformer_batcher_new (UfModel * model, guint max_batch, GError ** error)
{
  UfBatch *batch = uf_batch_new (model, max_batch, error);

  if (batch == NULL)
    return NULL;
  UniformerBatcher *b = g_new0 (UniformerBatcher, 1);
  b->refcount = 1;
  b->batch = batch;
  b->max_batch = uf_batch_get_max_windows (batch);
  g_mutex_init (&b->lock);
  g_cond_init (&b->cond);
  g_queue_init (&b->queue);
  b->running = g_ptr_array_new ();
  b->thread = g_thread_new ("uniformer-batch", batcher_main, b);
  return b;
}

UniformerBatcher *
uniformer_batcher_ref (UniformerBatcher * b)
{
  g_atomic_int_inc (&b->refcount);
  return b;
}

void
uniformer_batcher_unref (UniformerBatcher * b)
{
  if (b == NULL || !g_atomic_int_dec_and_test (&b->refcount))
    return;
  g_mutex_lock (&b->lock);
  b->quit = TRUE;
  g_cond_broadcast (&b->cond);
  g_mutex_unlock (&b->lock);
  g_thread_join (b->thread);
  /* every worker cancelled its job before letting go of the batcher */
  g_warn_if_fail (g_queue_is_empty (&b->queue));
  g_ptr_array_unref (b->running);
  g_mutex_clear (&b->lock);
  g_cond_clear (&b->cond);
  uf_batch_unref (b->batch);
  g_free (b);
}

UfBatch *
uniformer_batcher_get_batch (UniformerBatcher * b)
{
  return b->batch;
}

void
uniformer_batcher_queue (UniformerBatcher * b, UniformerBatchJob * job)
{
  g_mutex_lock (&b->lock);
  g_queue_push_tail (&b->queue, job);
  g_cond_broadcast (&b->cond);
  g_mutex_unlock (&b->lock);
}

gboolean
uniformer_batcher_cancel (UniformerBatcher * b, UniformerBatchJob * job, gboolean wait)
{
  gboolean removed;

  g_mutex_lock (&b->lock);
  removed = g_queue_remove (&b->queue, job);
  while (!removed && wait && g_ptr_array_find (b->running, job, NULL))
    g_cond_wait (&b->cond, &b->lock);
  g_mutex_unlock (&b->lock);
  return removed;
}
