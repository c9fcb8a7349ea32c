/* uniformer-filewriter.h: uniformerpublish's file output: one JSON object per
 * line, written by the outbox's consumer thread. */
#ifndef UNIFORMER_FILEWRITER_H
#define UNIFORMER_FILEWRITER_H

#include <gst/gst.h>
#include "uniformer-outbox.h"

G_BEGIN_DECLS

typedef struct _UniformerFileWriter UniformerFileWriter;

/* Opens @location for writing, truncating it; "-" is standard output.
 * Fails with a G_FILE_ERROR. Write errors later are posted on @element's bus. */
UniformerFileWriter *uniformer_file_writer_open (const gchar * location, GstElement * element,
    GError ** error);
/* An UniformerOutboxRun and its GDestroyNotify. */
void uniformer_file_writer_run (UniformerOutbox * box, gpointer writer);
void uniformer_file_writer_free (gpointer writer);

G_END_DECLS

#endif /* UNIFORMER_FILEWRITER_H */
