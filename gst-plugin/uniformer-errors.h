/* uniformer-errors.h: how an engine error (the UF_ERROR domain) reaches an
 * application: a GStreamer error domain and code chosen from the engine's
 * code by one table, the sentence a user reads in the message and the
 * engine's text in the debug string. */
#ifndef UNIFORMER_ERRORS_H
#define UNIFORMER_ERRORS_H

#include <gst/gst.h>
#include "uniformer.h"

G_BEGIN_DECLS

/* Posts @error (consumed) as an error of @element. @path is the model
 * file's, or NULL; @sentence, when set, replaces the table's (errors while
 * streaming say what failed; the codes stay the engine's). */
void uniformer_post_engine_error (GstElement * element, GError * error, const gchar * path,
    const gchar * sentence, const gchar * file, const gchar * function, gint line);

#define UNIFORMER_POST_ENGINE_ERROR(element, error, path, sentence) \
  uniformer_post_engine_error (GST_ELEMENT (element), (error), (path), (sentence), __FILE__, \
      GST_FUNCTION, __LINE__)

G_END_DECLS

#endif /* UNIFORMER_ERRORS_H */
