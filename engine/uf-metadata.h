/* uf-metadata.h: a model file's `__metadata__` (docs/model-format.md):
 * the keys every model has, parsed into a UfModelInfo, and strict readers
 * for the keys of each architecture. Every value is a string; numbers are
 * decimal with nothing around them. Errors are UF_ERROR_MODEL_INVALID (or
 * UF_ERROR_MODEL_FILE for a value that is not a string) and name the key,
 * e.g. `metadata "frames" is "15x"; expected a non-negative integer`.
 * Internal to the engine.
 */
#ifndef UF_METADATA_H
#define UF_METADATA_H

#include <glib.h>
#include <json-glib/json-glib.h>

#include "uniformer.h"

G_BEGIN_DECLS

#define UF_METADATA_MAX_CLASSES   100000
#define UF_METADATA_MAX_FRAMES    256
#define UF_METADATA_MAX_SAMPLING  1000
#define UF_METADATA_MAX_CROP      4096
#define UF_METADATA_FORMAT        "gst-uniformer"
#define UF_METADATA_FORMAT_VERSION "1"

/* Parses the keys every model has (format, version, architecture, classes,
 * window, input size, preprocessing, labels, name, provenance) into @info;
 * the strings are allocated (uf_model_info_clear() frees them). Unknown keys
 * are left for the architecture. On failure @info is left cleared. */
gboolean uf_metadata_parse_common (JsonObject *md, UfModelInfo *info, GError **error);
void uf_model_info_clear (UfModelInfo *info);

/* Readers for an architecture's keys; each reports a missing, malformed or
 * out-of-range value by its key. *out is NULL when an optional string is
 * missing. uf_metadata_choice gives the index of the value in the
 * NULL-terminated @choices. */
gboolean uf_metadata_string (JsonObject *md, const char *key, gboolean required,
    const char **out, GError **error);
gboolean uf_metadata_uint (JsonObject *md, const char *key, guint min, guint max, guint *out,
    GError **error);
gboolean uf_metadata_uint_list (JsonObject *md, const char *key, guint n, guint *out,
    GError **error);
gboolean uf_metadata_float_list (JsonObject *md, const char *key, guint n, float *out,
    GError **error);
gboolean uf_metadata_double (JsonObject *md, const char *key, double min, double max,
    double *out, GError **error);
gboolean uf_metadata_choice (JsonObject *md, const char *key, const char *const *choices,
    guint *out, GError **error);
/* Sets a UF_ERROR_MODEL_INVALID error; returns FALSE. */
gboolean uf_metadata_invalid (GError **error, const char *format, ...) G_GNUC_PRINTF (2, 3);

/* An escaped copy of @s cut to @max bytes ("..." marks a cut), for quoting
 * what a file says in a message; free with g_free. */
char *uf_quote (const char *s, gsize max);

/* Formats @shape as "[a,b,c]" (no spaces); free with g_free. */
char *uf_format_shape (guint n_dims, const gint64 *shape);

G_END_DECLS

#endif /* UF_METADATA_H */
