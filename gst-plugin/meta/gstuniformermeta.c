/* gstuniformermeta.c: GstUniformerMeta registration, copy and conversion. */
#include "gstuniformermeta.h"

#include <string.h>

static gboolean
uniformer_meta_init (GstMeta * meta, gpointer params, GstBuffer * buffer)
{
  GstUniformerMeta *m = (GstUniformerMeta *) meta;

  m->n_results = 0;
  m->class_ids = NULL;
  m->labels = NULL;
  m->scores = NULL;
  m->window_start = GST_CLOCK_TIME_NONE;
  m->window_end = GST_CLOCK_TIME_NONE;
  m->frames = 0;
  m->inference_time = 0;
  m->model_name = NULL;
  return TRUE;
}

static void
uniformer_meta_free (GstMeta * meta, GstBuffer * buffer)
{
  GstUniformerMeta *m = (GstUniformerMeta *) meta;

  g_free (m->class_ids);
  g_strfreev (m->labels);
  g_free (m->scores);
  g_free (m->model_name);
}

static void
uniformer_meta_fill (GstUniformerMeta * m, guint n_results, const gint * class_ids,
    const gchar * const *labels, const gdouble * scores, GstClockTime window_start,
    GstClockTime window_end, guint frames, guint64 inference_time,
    const gchar * model_name)
{
  m->n_results = n_results;
  m->class_ids = g_memdup2 (class_ids, n_results * sizeof (gint));
  m->scores = g_memdup2 (scores, n_results * sizeof (gdouble));
  m->labels = g_new0 (gchar *, n_results + 1);
  for (guint i = 0; i < n_results; i++)
    m->labels[i] = g_strdup (labels[i]);
  m->window_start = window_start;
  m->window_end = window_end;
  m->frames = frames;
  m->inference_time = inference_time;
  m->model_name = g_strdup (model_name);
}

static gboolean
uniformer_meta_transform (GstBuffer * dest, GstMeta * meta, GstBuffer * buffer,
    GQuark type, gpointer data)
{
  GstUniformerMeta *m = (GstUniformerMeta *) meta;

  /* The result describes the stream, not the pixels: it survives copies and
   * scaling alike. */
  return gst_buffer_add_uniformer_meta (dest, m->n_results, m->class_ids,
      (const gchar * const *) m->labels, m->scores, m->window_start, m->window_end,
      m->frames, m->inference_time, m->model_name) != NULL;
}

/**
 * gst_uniformer_meta_api_get_type:
 *
 * Returns: the #GType of the GstUniformerMeta API, for gst_buffer_get_meta().
 */
GType
gst_uniformer_meta_api_get_type (void)
{
  static GType type = 0;
  static const gchar *tags[] = { NULL };

  if (g_once_init_enter (&type)) {
    GType t = gst_meta_api_type_register ("GstUniformerMetaAPI", tags);
    g_once_init_leave (&type, t);
  }
  return type;
}

/**
 * gst_uniformer_meta_get_info:
 *
 * Returns: (transfer none): the registered #GstMetaInfo of #GstUniformerMeta.
 */
const GstMetaInfo *
gst_uniformer_meta_get_info (void)
{
  static const GstMetaInfo *info = NULL;

  if (g_once_init_enter ((GstMetaInfo **) & info)) {
    const GstMetaInfo *mi = gst_meta_register (GST_UNIFORMER_META_API_TYPE,
        "GstUniformerMeta", sizeof (GstUniformerMeta), uniformer_meta_init,
        uniformer_meta_free, uniformer_meta_transform);
    g_once_init_leave ((GstMetaInfo **) & info, (GstMetaInfo *) mi);
  }
  return info;
}

/**
 * gst_buffer_get_uniformer_meta:
 * @buffer: a #GstBuffer
 *
 * Returns: (transfer none) (nullable): the classification result on @buffer,
 *     valid while the buffer is, or %NULL when it carries none.
 */
GstUniformerMeta *
gst_buffer_get_uniformer_meta (GstBuffer * buffer)
{
  g_return_val_if_fail (GST_IS_BUFFER (buffer), NULL);

  return (GstUniformerMeta *) gst_buffer_get_meta (buffer, GST_UNIFORMER_META_API_TYPE);
}

/**
 * gst_buffer_add_uniformer_meta:
 * @buffer: a writable #GstBuffer
 * @n_results: number of classes in @class_ids, @labels and @scores
 * @class_ids: (array length=n_results) (nullable): class indices, best first
 * @labels: (array length=n_results) (element-type utf8) (nullable): class names
 * @scores: (array length=n_results) (nullable): probabilities
 * @window_start: PTS of the window's first frame
 * @window_end: PTS of the window's last frame
 * @frames: frames in the window
 * @inference_time: forward-pass time, in nanoseconds
 * @model_name: (nullable): the model's name
 *
 * Adds a meta holding copies of the arrays and strings.
 *
 * Returns: (transfer none) (nullable): the meta added, or %NULL on bad input.
 */
GstUniformerMeta *
gst_buffer_add_uniformer_meta (GstBuffer * buffer, guint n_results,
    const gint * class_ids, const gchar * const *labels, const gdouble * scores,
    GstClockTime window_start, GstClockTime window_end, guint frames,
    guint64 inference_time, const gchar * model_name)
{
  GstUniformerMeta *m;

  g_return_val_if_fail (GST_IS_BUFFER (buffer), NULL);
  g_return_val_if_fail (n_results == 0 || (class_ids && labels && scores), NULL);

  m = (GstUniformerMeta *) gst_buffer_add_meta (buffer, GST_UNIFORMER_META_INFO, NULL);
  if (!m)
    return NULL;
  uniformer_meta_fill (m, n_results, class_ids, labels, scores, window_start,
      window_end, frames, inference_time, model_name);
  return m;
}

/**
 * gst_uniformer_meta_get_labels:
 * @meta: a #GstUniformerMeta
 *
 * Returns: (transfer none) (array zero-terminated=1): the class names, best first.
 */
const gchar *const *
gst_uniformer_meta_get_labels (const GstUniformerMeta * meta)
{
  static const gchar *const none[] = { NULL };

  g_return_val_if_fail (meta != NULL, none);
  return meta->labels ? (const gchar * const *) meta->labels : none;
}

/**
 * gst_uniformer_meta_get_class_ids:
 * @meta: a #GstUniformerMeta
 * @n_results: (out) (optional): where to store the number of classes
 *
 * Returns: (transfer none) (array length=n_results): the class indices, in
 *     the order of gst_uniformer_meta_get_labels().
 */
const gint *
gst_uniformer_meta_get_class_ids (const GstUniformerMeta * meta, guint * n_results)
{
  g_return_val_if_fail (meta != NULL, NULL);
  if (n_results)
    *n_results = meta->n_results;
  return meta->class_ids;
}

/**
 * gst_uniformer_meta_get_scores:
 * @meta: a #GstUniformerMeta
 * @n_results: (out) (optional): where to store the number of classes
 *
 * Returns: (transfer none) (array length=n_results): the probabilities, in
 *     the order of gst_uniformer_meta_get_labels().
 */
const gdouble *
gst_uniformer_meta_get_scores (const GstUniformerMeta * meta, guint * n_results)
{
  g_return_val_if_fail (meta != NULL, NULL);
  if (n_results)
    *n_results = meta->n_results;
  return meta->scores;
}

/**
 * gst_uniformer_meta_get_n_results:
 * @meta: a #GstUniformerMeta
 *
 * Returns: the number of classes reported (may be 0).
 */
guint
gst_uniformer_meta_get_n_results (const GstUniformerMeta * meta)
{
  g_return_val_if_fail (meta != NULL, 0);
  return meta->n_results;
}

/**
 * gst_uniformer_meta_get_window_start:
 * @meta: a #GstUniformerMeta
 *
 * Returns: the PTS of the first frame of the classified window.
 */
GstClockTime
gst_uniformer_meta_get_window_start (const GstUniformerMeta * meta)
{
  g_return_val_if_fail (meta != NULL, GST_CLOCK_TIME_NONE);
  return meta->window_start;
}

/**
 * gst_uniformer_meta_get_window_end:
 * @meta: a #GstUniformerMeta
 *
 * Returns: the PTS of the last frame of the classified window.
 */
GstClockTime
gst_uniformer_meta_get_window_end (const GstUniformerMeta * meta)
{
  g_return_val_if_fail (meta != NULL, GST_CLOCK_TIME_NONE);
  return meta->window_end;
}

/**
 * gst_uniformer_meta_get_frames:
 * @meta: a #GstUniformerMeta
 *
 * Returns: the number of frames in the classified window.
 */
guint
gst_uniformer_meta_get_frames (const GstUniformerMeta * meta)
{
  g_return_val_if_fail (meta != NULL, 0);
  return meta->frames;
}

/**
 * gst_uniformer_meta_get_inference_time:
 * @meta: a #GstUniformerMeta
 *
 * Returns: the wall-clock time of the forward pass, in nanoseconds.
 */
guint64
gst_uniformer_meta_get_inference_time (const GstUniformerMeta * meta)
{
  g_return_val_if_fail (meta != NULL, 0);
  return meta->inference_time;
}

/**
 * gst_uniformer_meta_get_model_name:
 * @meta: a #GstUniformerMeta
 *
 * Returns: (transfer none) (nullable): the model's name from its file.
 */
const gchar *
gst_uniformer_meta_get_model_name (const GstUniformerMeta * meta)
{
  g_return_val_if_fail (meta != NULL, NULL);
  return meta->model_name;
}

/**
 * gst_uniformer_meta_to_structure:
 * @meta: a #GstUniformerMeta
 *
 * The result as a #GstStructure named "uniformer" with the fields the
 * element posts on the bus: window-start, window-end (guint64), frames
 * (guint), labels (GstValueArray of strings), class-ids (GstValueArray of
 * ints), scores (GstValueArray of doubles), inference-time (guint64 ns),
 * model (string). The caller adds timestamp, stream-time and running-time.
 *
 * Returns: (transfer full): a new structure.
 */
GstStructure *
gst_uniformer_meta_to_structure (const GstUniformerMeta * meta)
{
  GValue labels = G_VALUE_INIT, ids = G_VALUE_INIT, scores = G_VALUE_INIT;
  GstStructure *s;

  g_return_val_if_fail (meta != NULL, NULL);

  g_value_init (&labels, GST_TYPE_ARRAY);
  g_value_init (&ids, GST_TYPE_ARRAY);
  g_value_init (&scores, GST_TYPE_ARRAY);
  for (guint i = 0; i < meta->n_results; i++) {
    GValue v = G_VALUE_INIT;

    g_value_init (&v, G_TYPE_STRING);
    g_value_set_string (&v, meta->labels[i]);
    gst_value_array_append_and_take_value (&labels, &v);
    g_value_init (&v, G_TYPE_INT);
    g_value_set_int (&v, meta->class_ids[i]);
    gst_value_array_append_and_take_value (&ids, &v);
    g_value_init (&v, G_TYPE_DOUBLE);
    g_value_set_double (&v, meta->scores[i]);
    gst_value_array_append_and_take_value (&scores, &v);
  }

  s = gst_structure_new ("uniformer",
      "window-start", G_TYPE_UINT64, (guint64) meta->window_start,
      "window-end", G_TYPE_UINT64, (guint64) meta->window_end,
      "frames", G_TYPE_UINT, meta->frames,
      "inference-time", G_TYPE_UINT64, meta->inference_time,
      "model", G_TYPE_STRING, meta->model_name ? meta->model_name : "", NULL);
  gst_structure_take_value (s, "labels", &labels);
  gst_structure_take_value (s, "class-ids", &ids);
  gst_structure_take_value (s, "scores", &scores);
  return s;
}
