/* uniformer-filewriter.c: JSON lines to a file or standard output, on the consumer thread. */
#include "uniformer-filewriter.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

GST_DEBUG_CATEGORY_EXTERN (gst_uniformer_publish_debug);
#define GST_CAT_DEFAULT gst_uniformer_publish_debug

struct _UniformerFileWriter
{
  int fd;
  gchar *location;
  GWeakRef element;             /* for errors; the thread may outlive it */
  gboolean failed;              /* a write failed: the rest is dropped */
};

UniformerFileWriter *
uniformer_file_writer_open (const gchar * location, GstElement * element, GError ** error)
{
  UniformerFileWriter *w;
  gboolean to_stdout = g_strcmp0 (location, "-") == 0;
  /* Standard output is duplicated so that closing the writer leaves it open. */
  int fd = to_stdout ? fcntl (STDOUT_FILENO, F_DUPFD_CLOEXEC, 0)
      : open (location, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);

  if (fd < 0) {
    int e = errno;
    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (e), "%s: %s",
        to_stdout ? "standard output" : location, g_strerror (e));
    return NULL;
  }
  w = g_new0 (UniformerFileWriter, 1);
  w->fd = fd;
  w->location = g_strdup (to_stdout ? "standard output" : location);
  g_weak_ref_init (&w->element, element);
  return w;
}

void
uniformer_file_writer_free (gpointer writer)
{
  UniformerFileWriter *w = writer;

  if (!w)
    return;
  close (w->fd);
  g_weak_ref_clear (&w->element);
  g_free (w->location);
  g_free (w);
}

static gboolean
write_all (int fd, const gchar * data, gsize len, int *err)
{
  while (len > 0) {
    gssize n = write (fd, data, len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      *err = errno;
      return FALSE;
    }
    data += n;
    len -= n;
  }
  return TRUE;
}

static void
post_write_error (UniformerFileWriter * w, int err)
{
  GstElement *element = g_weak_ref_get (&w->element);

  GST_ERROR ("writing to %s: %s", w->location, g_strerror (err));
  if (!element)
    return;
  if (err == ENOSPC)
    GST_ELEMENT_ERROR (element, RESOURCE, NO_SPACE_LEFT,
        ("No space left to write the results to %s.", w->location), (NULL));
  else
    GST_ELEMENT_ERROR (element, RESOURCE, WRITE,
        ("Could not write the results to %s.", w->location), ("%s", g_strerror (err)));
  gst_object_unref (element);
}

/* Writes everything queued in one write; FALSE when nothing was. */
static gboolean
write_queued (UniformerFileWriter * w, UniformerOutbox * box)
{
  GString *lines = g_string_new (NULL);
  UniformerMessage *msg;
  guint n = 0;
  int err = 0;

  while ((msg = uniformer_outbox_pop (box))) {
    g_string_append (lines, msg->payload);
    g_string_append_c (lines, '\n');
    uniformer_message_free (msg);
    n++;
  }
  if (n > 0 && !w->failed && !write_all (w->fd, lines->str, lines->len, &err)) {
    w->failed = TRUE;
    uniformer_outbox_set_online (box, FALSE, "writing failed");
    post_write_error (w, err);
  }
  if (n > 0 && w->failed)
    uniformer_outbox_lost (box, n);
  else if (n > 0)
    uniformer_outbox_sent (box, n);
  g_string_free (lines, TRUE);
  return n > 0;
}

void
uniformer_file_writer_run (UniformerOutbox * box, gpointer writer)
{
  UniformerFileWriter *w = writer;
  struct pollfd wakeup = { uniformer_outbox_fd (box), POLLIN, 0 };

  uniformer_outbox_set_online (box, TRUE, NULL);
  for (;;) {
    uniformer_outbox_clear_wakeup (box);
    write_queued (w, box);
    if (uniformer_outbox_is_closing (box)) {
      /* The last messages pushed before the close are in by now. */
      write_queued (w, box);
      break;
    }
    while (poll (&wakeup, 1, -1) < 0 && errno == EINTR);
  }
  uniformer_outbox_set_online (box, FALSE, "stopped");
}
