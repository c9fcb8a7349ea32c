/* uf-strict-json.h: a strict RFC 8259 JSON parser that builds json-glib nodes.
 *
 * json-glib's own parser is lenient in ways that matter for untrusted input:
 * it wraps integers that overflow 64 bits, accepts comments, single quotes and
 * hex numbers, silently keeps the last of duplicate object keys, truncates
 * strings at an escaped NUL and recurses without a depth limit. This parser
 * rejects all of those, limits nesting, and reports the byte offset of the
 * first problem. Internal to the engine.
 */
#ifndef UF_STRICT_JSON_H
#define UF_STRICT_JSON_H

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Parses @length bytes of @data (need not be NUL-terminated) as one JSON
 * value surrounded by optional whitespace. The input must be valid UTF-8 with
 * no NUL bytes; strings must not contain \u0000 or unpaired surrogates;
 * integers (no fraction, no exponent) must fit in gint64 and are stored as
 * G_TYPE_INT64 values, other numbers as finite doubles; object keys must be
 * unique; objects and arrays nest at most @max_depth deep; the document has
 * at most @max_values values (objects, arrays and scalars; this bounds the
 * memory of the tree, which is about 100 bytes a value). Errors are in the
 * UF_ERROR domain with code @error_code. Returns a new node (json_node_unref). */
JsonNode *uf_json_parse_strict (const char *data, gsize length, guint max_depth,
    guint max_values, gint error_code, GError **error);

G_END_DECLS

#endif /* UF_STRICT_JSON_H */
