/* uniformer-outbox.c: bounded message queue and consumer thread of uniformerpublish. */
#include "uniformer-outbox.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

/* How long stop() waits past the grace period before detaching a consumer
 * thread that has not returned. */
#define JOIN_SLACK_US G_USEC_PER_SEC

struct _UniformerOutbox
{
  gint refcount;
  int wakeup_fd;                /* eventfd: written on push and close */

  GMutex lock;
  GCond changed;                /* pending reached 0, or the thread exited */
  GQueue queue;                 /* of UniformerMessage */
  guint max_messages;
  guint64 pending;              /* pushed, neither sent nor lost yet */
  guint64 sent, dropped;
  gboolean closing, exited;
  gint64 close_deadline;
  gboolean online;
  gchar *why_not;

  GThread *thread;
  UniformerOutboxRun run;
  gpointer consumer;
  GDestroyNotify consumer_free;
};

void
uniformer_message_free (UniformerMessage * msg)
{
  if (!msg)
    return;
  g_free (msg->topic);
  g_free (msg->payload);
  g_free (msg);
}

UniformerOutbox *
uniformer_outbox_new (guint max_messages, GError ** error)
{
  UniformerOutbox *box;
  int fd = eventfd (0, EFD_CLOEXEC | EFD_NONBLOCK);

  if (fd < 0) {
    int e = errno;
    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (e),
        "could not create an eventfd: %s", g_strerror (e));
    return NULL;
  }
  box = g_new0 (UniformerOutbox, 1);
  box->refcount = 1;
  box->wakeup_fd = fd;
  g_mutex_init (&box->lock);
  g_cond_init (&box->changed);
  g_queue_init (&box->queue);
  box->max_messages = MAX (max_messages, 1);
  box->why_not = g_strdup ("not started");
  return box;
}

UniformerOutbox *
uniformer_outbox_ref (UniformerOutbox * box)
{
  g_atomic_int_inc (&box->refcount);
  return box;
}

void
uniformer_outbox_unref (UniformerOutbox * box)
{
  if (!box || !g_atomic_int_dec_and_test (&box->refcount))
    return;
  if (box->consumer_free)
    box->consumer_free (box->consumer);
  g_queue_clear_full (&box->queue, (GDestroyNotify) uniformer_message_free);
  g_free (box->why_not);
  close (box->wakeup_fd);
  g_cond_clear (&box->changed);
  g_mutex_clear (&box->lock);
  g_free (box);
}

static void
wake (UniformerOutbox * box)
{
  guint64 one = 1;

  /* Only fails when the counter would overflow: it is then readable anyway. */
  if (write (box->wakeup_fd, &one, sizeof one) < 0 && errno != EAGAIN)
    g_warning ("uniformer-outbox: eventfd write: %s", g_strerror (errno));
}

static gpointer
consumer_thread (gpointer data)
{
  UniformerOutbox *box = data;
  sigset_t pipe;

  /* A write to a reader or a TLS peer that went away raises SIGPIPE, which
   * would end the whole program: blocked in this thread, the write fails
   * with EPIPE instead and is handled as an error. */
  sigemptyset (&pipe);
  sigaddset (&pipe, SIGPIPE);
  pthread_sigmask (SIG_BLOCK, &pipe, NULL);
  box->run (box, box->consumer);
  g_mutex_lock (&box->lock);
  box->exited = TRUE;
  g_cond_broadcast (&box->changed);
  g_mutex_unlock (&box->lock);
  uniformer_outbox_unref (box);
  return NULL;
}

gboolean
uniformer_outbox_start (UniformerOutbox * box, const gchar * thread_name,
    UniformerOutboxRun run, gpointer consumer, GDestroyNotify consumer_free,
    GError ** error)
{
  g_return_val_if_fail (box->thread == NULL, FALSE);

  box->run = run;
  box->consumer = consumer;
  box->consumer_free = consumer_free;
  box->thread = g_thread_try_new (thread_name, consumer_thread, uniformer_outbox_ref (box),
      error);
  if (!box->thread) {
    uniformer_outbox_unref (box);       /* the thread's reference */
    return FALSE;
  }
  return TRUE;
}

gboolean
uniformer_outbox_stop (UniformerOutbox * box, gint64 grace_us)
{
  gint64 give_up;
  gboolean exited;

  g_mutex_lock (&box->lock);
  box->closing = TRUE;
  box->close_deadline = g_get_monotonic_time () + grace_us;
  give_up = box->close_deadline + JOIN_SLACK_US;
  wake (box);
  while (box->thread && !box->exited
      && g_cond_wait_until (&box->changed, &box->lock, give_up));
  exited = box->exited;
  g_mutex_unlock (&box->lock);
  if (!box->thread)
    return TRUE;
  if (exited)
    g_thread_join (box->thread);
  else
    g_thread_unref (box->thread);
  box->thread = NULL;
  return exited;
}

gboolean
uniformer_outbox_push (UniformerOutbox * box, gchar * topic, gchar * payload)
{
  UniformerMessage *msg = g_new (UniformerMessage, 1);
  gboolean kept_all = TRUE;

  msg->topic = topic;
  msg->payload = payload;
  g_mutex_lock (&box->lock);
  if (box->closing) {
    box->dropped++;
    g_mutex_unlock (&box->lock);
    uniformer_message_free (msg);
    return FALSE;
  }
  if (box->queue.length >= box->max_messages) {
    uniformer_message_free (g_queue_pop_head (&box->queue));
    box->dropped++;
    box->pending--;
    kept_all = FALSE;
  }
  g_queue_push_tail (&box->queue, msg);
  box->pending++;
  g_mutex_unlock (&box->lock);
  wake (box);
  return kept_all;
}

gboolean
uniformer_outbox_wait_drained (UniformerOutbox * box, gint64 end_time)
{
  gboolean drained;

  g_mutex_lock (&box->lock);
  while (box->pending > 0 && !box->exited
      && g_cond_wait_until (&box->changed, &box->lock, end_time));
  drained = box->pending == 0;
  g_mutex_unlock (&box->lock);
  return drained;
}

int
uniformer_outbox_fd (UniformerOutbox * box)
{
  return box->wakeup_fd;
}

void
uniformer_outbox_clear_wakeup (UniformerOutbox * box)
{
  guint64 count;

  /* EAGAIN: nothing to clear. */
  while (read (box->wakeup_fd, &count, sizeof count) < 0 && errno == EINTR);
}

UniformerMessage *
uniformer_outbox_pop (UniformerOutbox * box)
{
  UniformerMessage *msg;

  g_mutex_lock (&box->lock);
  msg = g_queue_pop_head (&box->queue);
  g_mutex_unlock (&box->lock);
  return msg;
}

gboolean
uniformer_outbox_is_empty (UniformerOutbox * box)
{
  gboolean empty;

  g_mutex_lock (&box->lock);
  empty = box->queue.length == 0;
  g_mutex_unlock (&box->lock);
  return empty;
}

gboolean
uniformer_outbox_is_closing (UniformerOutbox * box)
{
  gboolean closing;

  g_mutex_lock (&box->lock);
  closing = box->closing;
  g_mutex_unlock (&box->lock);
  return closing;
}

gint64
uniformer_outbox_close_deadline (UniformerOutbox * box)
{
  gint64 deadline;

  g_mutex_lock (&box->lock);
  deadline = box->closing ? box->close_deadline : G_MAXINT64;
  g_mutex_unlock (&box->lock);
  return deadline;
}

static void
finish (UniformerOutbox * box, guint n, gboolean sent)
{
  g_mutex_lock (&box->lock);
  if (sent)
    box->sent += n;
  else
    box->dropped += n;
  box->pending = box->pending > n ? box->pending - n : 0;
  if (box->pending == 0)
    g_cond_broadcast (&box->changed);
  g_mutex_unlock (&box->lock);
}

void
uniformer_outbox_sent (UniformerOutbox * box, guint n)
{
  finish (box, n, TRUE);
}

void
uniformer_outbox_lost (UniformerOutbox * box, guint n)
{
  finish (box, n, FALSE);
}

void
uniformer_outbox_discard (UniformerOutbox * box)
{
  UniformerMessage *msg;
  guint n = 0;

  while ((msg = uniformer_outbox_pop (box))) {
    uniformer_message_free (msg);
    n++;
  }
  if (n)
    uniformer_outbox_lost (box, n);
}

void
uniformer_outbox_set_online (UniformerOutbox * box, gboolean online, const gchar * why_not)
{
  g_mutex_lock (&box->lock);
  box->online = online;
  g_free (box->why_not);
  box->why_not = g_strdup (why_not);
  g_mutex_unlock (&box->lock);
}

guint64
uniformer_outbox_sent_count (UniformerOutbox * box)
{
  guint64 n;

  g_mutex_lock (&box->lock);
  n = box->sent;
  g_mutex_unlock (&box->lock);
  return n;
}

guint64
uniformer_outbox_dropped_count (UniformerOutbox * box)
{
  guint64 n;

  g_mutex_lock (&box->lock);
  n = box->dropped;
  g_mutex_unlock (&box->lock);
  return n;
}

gboolean
uniformer_outbox_get_online (UniformerOutbox * box, gchar ** why_not)
{
  gboolean online;

  g_mutex_lock (&box->lock);
  online = box->online;
  if (why_not)
    *why_not = g_strdup (box->why_not);
  g_mutex_unlock (&box->lock);
  return online;
}
