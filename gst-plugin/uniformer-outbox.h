/* uniformer-outbox.h: the bounded queue between uniformerpublish's streaming
 * thread and the thread that writes or sends its messages.
 *
 * The streaming thread only ever takes the queue's mutex for a push: when
 * the queue is full the oldest message is dropped (and counted) to make
 * room, so a slow file or an absent broker never blocks the stream and the
 * messages kept are the most recent ones.
 *
 * The consumer runs on a thread of its own (uniformer_outbox_start). It
 * polls uniformer_outbox_fd(), which is readable when messages arrive or
 * the outbox closes, and reports each message as sent or lost. The outbox
 * and the consumer's data are reference counted between the element and the
 * thread, so uniformer_outbox_stop() can give up waiting for a thread stuck
 * in a system call (a TCP connect to a host that drops packets) and leave
 * it to free everything when it returns.
 */
#ifndef UNIFORMER_OUTBOX_H
#define UNIFORMER_OUTBOX_H

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  gchar *topic;                 /* MQTT topic, or NULL */
  gchar *payload;               /* one JSON object, no newline */
} UniformerMessage;

void uniformer_message_free (UniformerMessage * msg);

typedef struct _UniformerOutbox UniformerOutbox;

/* The consumer's loop: runs until it sees uniformer_outbox_is_closing()
 * and has done what it can by uniformer_outbox_close_deadline(). */
typedef void (*UniformerOutboxRun) (UniformerOutbox * box, gpointer consumer);

UniformerOutbox *uniformer_outbox_new (guint max_messages, GError ** error);
UniformerOutbox *uniformer_outbox_ref (UniformerOutbox * box);
void uniformer_outbox_unref (UniformerOutbox * box);

/* Starts @run (@consumer, freed with @consumer_free with the outbox). */
gboolean uniformer_outbox_start (UniformerOutbox * box, const gchar * thread_name,
    UniformerOutboxRun run, gpointer consumer, GDestroyNotify consumer_free,
    GError ** error);
/* Closes the outbox, gives the consumer @grace_us to send what is queued,
 * then joins it; FALSE when it had not returned a second later and was
 * left to finish on its own. */
gboolean uniformer_outbox_stop (UniformerOutbox * box, gint64 grace_us);

/* Streaming thread. Takes @topic and @payload; returns FALSE when an older
 * message was dropped to make room (or the outbox is closed). */
gboolean uniformer_outbox_push (UniformerOutbox * box, gchar * topic, gchar * payload);
/* Waits until every message pushed so far was sent or lost, at most until
 * @end_time (g_get_monotonic_time); TRUE when they were. */
gboolean uniformer_outbox_wait_drained (UniformerOutbox * box, gint64 end_time);

/* Consumer thread. */
int uniformer_outbox_fd (UniformerOutbox * box);
/* Empties the wakeup fd; call before popping after a wakeup. */
void uniformer_outbox_clear_wakeup (UniformerOutbox * box);
UniformerMessage *uniformer_outbox_pop (UniformerOutbox * box);
gboolean uniformer_outbox_is_empty (UniformerOutbox * box);
gboolean uniformer_outbox_is_closing (UniformerOutbox * box);
gint64 uniformer_outbox_close_deadline (UniformerOutbox * box);
void uniformer_outbox_sent (UniformerOutbox * box, guint n);
void uniformer_outbox_lost (UniformerOutbox * box, guint n);
/* Drops what is still queued, counted as lost. */
void uniformer_outbox_discard (UniformerOutbox * box);
/* Whether the consumer can deliver now (a file is open, a broker
 * connected), and if not why: shown in warnings. */
void uniformer_outbox_set_online (UniformerOutbox * box, gboolean online,
    const gchar * why_not);

/* Any thread. */
guint64 uniformer_outbox_sent_count (UniformerOutbox * box);
guint64 uniformer_outbox_dropped_count (UniformerOutbox * box);
/* Online state; @why_not (may be NULL) gets a copy of the reason. */
gboolean uniformer_outbox_get_online (UniformerOutbox * box, gchar ** why_not);

G_END_DECLS

#endif /* UNIFORMER_OUTBOX_H */
