/* plugin-test-util.h: shared pieces of the uniformerinfer tests. */
#ifndef PLUGIN_TEST_UTIL_H
#define PLUGIN_TEST_UTIL_H

#include <gst/gst.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>
#include "gstuniformermeta.h"

G_BEGIN_DECLS

#define TINY_FRAMES 8           /* the tiny model's window */
#define TINY_CLASSES 5

/* The tiny model written by the build (UF_TEST_MODEL). */
const gchar *tiny_model (void);

/* A harness around uniformerinfer with @props ("name=value ..."), given a
 * bus so its error and warning messages can be checked; @live sets what the
 * harness answers to latency queries. Caps: @format at @width x @height,
 * @fps_n/@fps_d (0/1 = variable). */
GstHarness *infer_harness_new (const gchar * props, gboolean live, const gchar * format,
    gint width, gint height, gint fps_n, gint fps_d);
/* The uniformerinfer element inside the harness (gst_harness_new_parse
 * wraps it in a bin); borrowed. */
GstElement *infer_element (GstHarness * h);
void infer_harness_set_caps (GstHarness * h, const gchar * format, gint width, gint height,
    gint fps_n, gint fps_d);
/* Mid-stream caps change: a caps event alone, as a decoder sends it
 * (gst_harness_set_src_caps also sends a new segment). */
void infer_harness_change_caps (GstHarness * h, const gchar * format, gint width,
    gint height, gint fps_n, gint fps_d);

/* Pushes a frame of the current caps with @pts (and @duration, may be NONE),
 * filled with a pattern that depends on @seed; returns the buffer that came
 * out (owned by the caller). */
GstBuffer *push_frame (GstHarness * h, GstClockTime pts, GstClockTime duration, guint seed);
/* The same with @flags set on the buffer (GST_BUFFER_FLAG_DISCONT, say). */
GstBuffer *push_frame_flags (GstHarness * h, GstClockTime pts, GstClockTime duration,
    guint seed, GstBufferFlags flags);
/* The frame push_frame() would push, not pushed. */
GstBuffer *new_frame (GstHarness * h, GstClockTime pts, GstClockTime duration, guint seed);

/* Sets the element to NULL, asserts that its bus got no error or warning
 * (the validation layer's count arrives as a warning), tears down. */
void infer_harness_finish (GstHarness * h);

/* The first error message on @bus, or NULL. */
GstMessage *pop_error (GstBus * bus);

/* PTS of frame n of a stream at fps_n/fps_d, as sources compute it. */
GstClockTime frame_pts (guint64 n, gint fps_n, gint fps_d);

/* Asserts the meta's invariants: scores in [0,1], best first, labels
 * "class N" matching the ids, the model's name, frames == TINY_FRAMES. */
void assert_meta_valid (const GstUniformerMeta * meta);

/* Property @prop (an unsigned integer of any width) of the element called
 * @name in @pipeline. */
guint64 pipeline_uint_property (GstElement * pipeline, const gchar * name,
    const gchar * prop);
/* Sets @pipeline to @state and waits for it to get there. */
void pipeline_set_state (GstElement * pipeline, GstState state);

G_END_DECLS

#endif /* PLUGIN_TEST_UTIL_H */
