/* uniformer-infer-region-properties.c: the properties of uniformerinfer's
 * region modes (what is classified: the whole frame, each region an
 * upstream detector and tracker put on the buffers, or fixed rectangles),
 * with their documentation, defaults and the region-mode enum. */
#include "gstuniformerinfer-private.h"

#define DEFAULT_REGION_MODE GST_UNIFORMER_REGION_MODE_FRAME
#define DEFAULT_REGION_MARGIN 0.0
#define MAX_REGION_MARGIN 2.0
/* Each track holds a ring of preprocessed frames (its device memory). */
#define DEFAULT_MAX_TRACKS 16
#define MAX_MAX_TRACKS 256
/* A tracker that loses a person for a few frames keeps its id; a second
 * keeps the window across such a miss without holding a gone one long. */
#define DEFAULT_TRACK_TIMEOUT GST_SECOND

enum {
  PROP_REGION_MODE = UNIFORMER_INFER_REGION_PROP_BASE,
  PROP_REGION_TYPE,
  PROP_REGIONS,
  PROP_REGION_MARGIN,
  PROP_MAX_TRACKS,
  PROP_TRACK_TIMEOUT,
  PROP_TRACKS,
  PROP_REGIONS_REFUSED,
};

GType
gst_uniformer_region_mode_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_UNIFORMER_REGION_MODE_FRAME, "One window of the whole frame", "frame"},
    {GST_UNIFORMER_REGION_MODE_META, "One window per region meta id (track) on the buffers",
        "meta"},
    {GST_UNIFORMER_REGION_MODE_FIXED, "One window per rectangle of the regions property",
        "fixed"},
    {0, NULL, NULL},
  };

  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstUniformerRegionMode", values));
  return type;
}

gboolean
uniformer_infer_set_region_property (GstUniformerInfer * self, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GError *error = NULL;
  GArray *regions;

  switch (prop_id) {
    case PROP_REGION_MODE:
      if (uniformer_infer_settable_now (self, pspec))
        self->region_mode_prop = g_value_get_enum (value);
      return TRUE;
    case PROP_REGION_TYPE:
      if (uniformer_infer_settable_now (self, pspec)) {
        g_free (self->region_type_prop);
        self->region_type_prop = g_value_dup_string (value);
      }
      return TRUE;
    case PROP_REGIONS:
      if (!uniformer_infer_settable_now (self, pspec))
        return TRUE;
      regions = uniformer_infer_parse_regions (g_value_get_string (value), &error);
      if (regions == NULL) {
        g_warning ("%s: regions not changed: %s", GST_OBJECT_NAME (self), error->message);
        g_error_free (error);
        return TRUE;
      }
      g_clear_pointer (&self->regions_prop, g_array_unref);
      self->regions_prop = regions;
      return TRUE;
    case PROP_REGION_MARGIN:
      self->props.region_margin = g_value_get_double (value);
      return TRUE;
    case PROP_MAX_TRACKS:
      if (uniformer_infer_settable_now (self, pspec))
        self->max_tracks_prop = g_value_get_uint (value);
      return TRUE;
    case PROP_TRACK_TIMEOUT:
      self->props.track_timeout = g_value_get_uint64 (value);
      return TRUE;
    default:
      return FALSE;
  }
}

gboolean
uniformer_infer_get_region_property (GstUniformerInfer * self, guint prop_id, GValue * value)
{
  switch (prop_id) {
    case PROP_REGION_MODE:
      g_value_set_enum (value, self->region_mode_prop);
      return TRUE;
    case PROP_REGION_TYPE:
      g_value_set_string (value, self->region_type_prop);
      return TRUE;
    case PROP_REGIONS:
      g_value_take_string (value, uniformer_infer_format_regions (self->regions_prop));
      return TRUE;
    case PROP_REGION_MARGIN:
      g_value_set_double (value, self->props.region_margin);
      return TRUE;
    case PROP_MAX_TRACKS:
      g_value_set_uint (value, self->max_tracks_prop);
      return TRUE;
    case PROP_TRACK_TIMEOUT:
      g_value_set_uint64 (value, self->props.track_timeout);
      return TRUE;
    case PROP_TRACKS:
      g_value_set_uint (value, self->n_tracks);
      return TRUE;
    case PROP_REGIONS_REFUSED:
      g_value_set_uint64 (value, self->regions_refused);
      return TRUE;
    default:
      return FALSE;
  }
}

#define RW_READY (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY)
#define RW_PLAYING (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING)
#define READ_ONLY (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS)

void
uniformer_infer_install_region_properties (GObjectClass * gobject_class)
{
  /**
   * GstUniformerInfer:region-mode:
   *
   * What is classified. "frame": one window of the whole frame, whose
   * result rides on the buffer as a #GstUniformerMeta. "meta": one window
   * per track: every #GstVideoRegionOfInterestMeta on a buffer (of
   * #GstUniformerInfer:region-type, when set) feeds the window of the track
   * its `id` names, with the region's crop (grown by
   * #GstUniformerInfer:region-margin, clipped to the frame, then fitted by
   * #GstUniformerInfer:resize-mode), sampled by timestamp on the buffers the
   * region is on (of regions that share an id on one buffer, the first;
 * the element warns once, details `kind` "repeated-region-id", since
 * untracked region metas all have id 0). "fixed": one window per rectangle of
   * #GstUniformerInfer:regions, track ids 0, 1, ... in their order. In the
   * region modes a track's result is added to its region's meta as a
   * "uniformer" parameter structure (the fields of the "uniformer"
   * message, see gst_uniformer_meta_to_structure(), plus `track-id`,
   * `region-x`, `region-y`, `region-width`, `region-height` and
   * `region-type`) on the first buffer pushed after the classification
   * completes that has the region (fixed mode adds the region's meta, of
   * type "region"), and posted as the "uniformer" message with those
   * fields too; no #GstUniformerMeta is attached. The windows of all tracks
   * run in the same batches. Read when the element starts; refused with a
   * warning while it runs.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_REGION_MODE,
      g_param_spec_enum ("region-mode", "Region mode", "What is classified: the whole frame, "
          "each region meta's track, or the fixed regions", GST_TYPE_UNIFORMER_REGION_MODE,
          DEFAULT_REGION_MODE, RW_READY));
  /**
   * GstUniformerInfer:region-type:
   *
   * In meta mode, only region metas of this type name (e.g. "person") are
   * classified; NULL or empty: all. Read when the element starts; refused
   * with a warning while it runs.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_REGION_TYPE,
      g_param_spec_string ("region-type", "Region type", "Meta mode: classify only the "
          "region metas of this type name (empty: all)", NULL, RW_READY));
  /**
   * GstUniformerInfer:regions:
   *
   * In fixed mode, the rectangles to classify, in frame pixels, as
   * "x,y,width,height" separated by ";" (e.g. "0,0,320,240;320,0,320,240").
   * Width and height are at least 2; a rectangle partly outside the frame
   * is clipped, one wholly outside is not classified. A malformed value is
   * refused with a warning. Read when the element starts; refused with a
   * warning while it runs.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_REGIONS,
      g_param_spec_string ("regions", "Regions", "Fixed mode: the rectangles to classify, "
          "\"x,y,width,height;...\" in frame pixels", "", RW_READY));
  /**
   * GstUniformerInfer:region-margin:
   *
   * How much of the surroundings a region's crop takes in: this fraction of
   * the region's width (height) is added on the left and the right (top and
   * bottom) before the crop is clipped to the frame. May change while
   * playing.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_REGION_MARGIN,
      g_param_spec_double ("region-margin", "Region margin", "Fraction of a region's size "
          "added on each side of its crop", 0.0, MAX_REGION_MARGIN, DEFAULT_REGION_MARGIN,
          RW_PLAYING));
  /**
   * GstUniformerInfer:max-tracks:
   *
   * The most tracks (each with its window and its ring of preprocessed
   * frames, see #GstUniformerInfer:device-memory) held at once. In meta
   * mode a region whose id has no track while this many are held is not
   * classified until a track is dropped (after
   * #GstUniformerInfer:track-timeout); the element warns once (details
   * `kind` "too-many-tracks") and counts them in
   * #GstUniformerInfer:regions-refused. Read when the element starts;
   * refused with a warning while it runs.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_MAX_TRACKS,
      g_param_spec_uint ("max-tracks", "Maximum tracks", "The most region tracks held at "
          "once (each a window and its frames)", 1, MAX_MAX_TRACKS, DEFAULT_MAX_TRACKS,
          RW_READY));
  /**
   * GstUniformerInfer:track-timeout:
   *
   * In meta mode, a track whose region has not been on a buffer for this
   * long (nanoseconds of PTS) is dropped: its open actions end with reason
   * "track-lost" and its slots are reused; the id makes a new track if it
   * comes back. May change while playing.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_TRACK_TIMEOUT,
      g_param_spec_uint64 ("track-timeout", "Track timeout", "Nanoseconds a track's region "
          "may be missing before the track is dropped", 0, G_MAXUINT64,
          DEFAULT_TRACK_TIMEOUT, RW_PLAYING));
  /**
   * GstUniformerInfer:tracks:
   *
   * The tracks held now (1 in frame mode).
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_TRACKS,
      g_param_spec_uint ("tracks", "Tracks", "The tracks (windows) held now", 0,
          G_MAXUINT, 0, READ_ONLY));
  /**
   * GstUniformerInfer:regions-refused:
   *
   * Region sightings not classified because #GstUniformerInfer:max-tracks
   * tracks were held, since the element started.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_REGIONS_REFUSED,
      g_param_spec_uint64 ("regions-refused", "Regions refused", "Region sightings not "
          "classified because max-tracks tracks were held", 0, G_MAXUINT64, 0, READ_ONLY));

  gst_type_mark_as_plugin_api (GST_TYPE_UNIFORMER_REGION_MODE, 0);
}

void
uniformer_infer_region_settings_init (GstUniformerInfer * self)
{
  self->region_mode_prop = DEFAULT_REGION_MODE;
  self->max_tracks_prop = DEFAULT_MAX_TRACKS;
  self->props.region_margin = DEFAULT_REGION_MARGIN;
  self->props.track_timeout = DEFAULT_TRACK_TIMEOUT;
}
