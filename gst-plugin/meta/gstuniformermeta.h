/* gstuniformermeta.h: the classification result uniformerinfer attaches to buffers.
 *
 * Link with `pkg-config --libs gstuniformermeta-1.0`. Reading a result:
 *
 *   GstUniformerMeta *meta = gst_buffer_get_uniformer_meta (buffer);
 *   if (meta)
 *     for (guint i = 0; i < meta->n_results; i++)
 *       g_print ("%s %.3f\n", meta->labels[i], meta->scores[i]);
 *
 * From Python, through the GObject-introspection typelib GstUniformer-1.0
 * (in a pad probe; see examples/meta_probe.py):
 *
 *   meta = GstUniformer.buffer_get_uniformer_meta(info.get_buffer())
 *   if meta:
 *       print(meta.get_labels(), meta.get_scores(), meta.get_window_end())
 *
 * The meta is attached to the first buffer pushed after a classification
 * completes; it describes the window of sampled frames whose first and last
 * PTS are window_start and window_end, not the buffer it rides on.
 */
#ifndef GST_UNIFORMER_META_H
#define GST_UNIFORMER_META_H

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_UNIFORMER_META_API_TYPE (gst_uniformer_meta_api_get_type ())
#define GST_UNIFORMER_META_INFO (gst_uniformer_meta_get_info ())

typedef struct _GstUniformerMeta GstUniformerMeta;

/**
 * GstUniformerMeta:
 * @meta: the parent #GstMeta
 * @n_results: number of entries in @class_ids, @labels and @scores (the top-k
 *     classes that passed the threshold, best first; may be 0)
 * @class_ids: (array length=n_results): class indices in the model's label order
 * @labels: (array zero-terminated=1): class names, NULL-terminated
 * @scores: (array length=n_results): softmax probabilities (smoothed when
 *     smoothing > 1), in [0, 1]
 * @window_start: PTS of the first frame of the classified window
 * @window_end: PTS of the last frame of the classified window
 * @frames: number of frames in the window
 * @inference_time: wall-clock time of the forward pass, in nanoseconds
 * @model_name: (nullable): the model's name from its file
 *
 * From languages bound through GObject introspection (namespace
 * `GstUniformer`), read it with gst_buffer_get_uniformer_meta() and the
 * gst_uniformer_meta_get_*() accessors.
 */
struct _GstUniformerMeta {
  GstMeta meta;

  guint n_results;
  gint *class_ids;
  gchar **labels;
  gdouble *scores;
  GstClockTime window_start;
  GstClockTime window_end;
  guint frames;
  guint64 inference_time;
  gchar *model_name;
};

GType gst_uniformer_meta_api_get_type (void);
const GstMetaInfo *gst_uniformer_meta_get_info (void);

/* The result on @buffer, or NULL. */
GstUniformerMeta *gst_buffer_get_uniformer_meta (GstBuffer * buffer);

/* Adds a meta holding copies of the arrays and strings. */
GstUniformerMeta *gst_buffer_add_uniformer_meta (GstBuffer * buffer, guint n_results,
    const gint * class_ids, const gchar * const *labels, const gdouble * scores,
    GstClockTime window_start, GstClockTime window_end, guint frames,
    guint64 inference_time, const gchar * model_name);

/* Accessors, for bindings (C may read the fields directly). */
const gchar *const *gst_uniformer_meta_get_labels (const GstUniformerMeta * meta);
const gint *gst_uniformer_meta_get_class_ids (const GstUniformerMeta * meta,
    guint * n_results);
const gdouble *gst_uniformer_meta_get_scores (const GstUniformerMeta * meta,
    guint * n_results);
guint gst_uniformer_meta_get_n_results (const GstUniformerMeta * meta);
GstClockTime gst_uniformer_meta_get_window_start (const GstUniformerMeta * meta);
GstClockTime gst_uniformer_meta_get_window_end (const GstUniformerMeta * meta);
guint gst_uniformer_meta_get_frames (const GstUniformerMeta * meta);
guint64 gst_uniformer_meta_get_inference_time (const GstUniformerMeta * meta);
const gchar *gst_uniformer_meta_get_model_name (const GstUniformerMeta * meta);

/* The result as a GstStructure named "uniformer" with the fields of the
 * element's bus message (see the .c); the caller adds the buffer's times. */
GstStructure *gst_uniformer_meta_to_structure (const GstUniformerMeta * meta);

G_END_DECLS

#endif /* GST_UNIFORMER_META_H */
