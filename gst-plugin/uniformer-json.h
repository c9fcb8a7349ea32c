/* uniformer-json.h: uniformerpublish's messages, one JSON object each
 * (docs/result-schema.md describes the fields). */
#ifndef UNIFORMER_JSON_H
#define UNIFORMER_JSON_H

#include <gst/gst.h>
#include "gstuniformermeta.h"

G_BEGIN_DECLS

/* The "schema" field: raised when a field changes meaning or goes away
 * (new fields may appear without it). */
#define UNIFORMER_JSON_SCHEMA 1

/* What every message says about where and when it came from. */
typedef struct {
  const gchar *source;          /* the stream's name */
  const gchar *stream_id;       /* the STREAM_START's id, or NULL */
  gint64 utc_us;                /* wall-clock time, g_get_real_time() */
} UniformerJsonContext;

/* A "result" message: the classification @meta on a buffer with @pts and
 * its running and stream time (GST_CLOCK_TIME_NONE: null). */
gchar *uniformer_json_result (const UniformerJsonContext * ctx, const GstUniformerMeta * meta,
    GstClockTime pts, GstClockTime running_time, GstClockTime stream_time);

/* A "result" message from a region's "uniformer" parameter structure
 * (uniformerinfer's region modes): the fields of a frame result, then
 * track_id and the region's box and type. */
gchar *uniformer_json_region_result (const UniformerJsonContext * ctx,
    const GstStructure * param, GstClockTime pts, GstClockTime running_time,
    GstClockTime stream_time);
/* An "action" message: every field of @event_structure ("uniformer-action"),
 * named with '_' for '-'. */
gchar *uniformer_json_action (const UniformerJsonContext * ctx,
    const GstStructure * event_structure);

/* ISO 8601 UTC with milliseconds: 2026-12-01T10:20:30.123Z. */
gchar *uniformer_json_utc_string (gint64 utc_us);

G_END_DECLS

#endif /* UNIFORMER_JSON_H */
