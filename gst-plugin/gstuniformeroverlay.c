/* gstuniformeroverlay.c: draws the latest uniformerinfer result onto the video. */

/**
 * SECTION:element-uniformeroverlay
 * @title: uniformeroverlay
 *
 * Draws the top classes and their scores, from the #GstUniformerMeta that
 * uniformerinfer attaches to buffers, in a box over the video. A result is
 * shown from the buffer carrying its meta until `hold-time` nanoseconds of
 * running time later (running time of the buffers' PTS), or until the next
 * result replaces it; a meta with no classes clears the box.
 *
 * With uniformerinfer in a region mode (#GstUniformerInfer:region-mode) the
 * results are on the buffers' #GstVideoRegionOfInterestMeta: each track's
 * region is outlined (in `bar-color`) with its best class and score at its
 * top left corner. The box follows the track's region meta on every buffer
 * and is dropped `hold-time` after the track's last result, or after its
 * region was last on a buffer.
 *
 * The box is rendered once per result (or settings change) with Pango/Cairo.
 * It is attached to buffers as #GstVideoOverlayCompositionMeta, and the
 * pixels are left alone, only when downstream will draw it: when downstream
 * answers the ALLOCATION query with
 * %GST_VIDEO_OVERLAY_COMPOSITION_META_API_TYPE, or when it accepts nothing
 * but caps with the `meta:GstVideoOverlayComposition` feature. Otherwise
 * (an ANY-caps sink such as fakesink or appsink, videoconvert, another
 * uniformeroverlay that blends) the box is blended into the frames, together
 * with any composition an upstream element attached, which nothing
 * downstream would draw. An ALLOCATION query from upstream is answered the
 * same way: the meta is offered only when this element attaches too.
 *
 * Progressive video only: interlaced frames are refused in caps (the blend
 * would mix the two fields' chroma in 4:2:0 formats); put `deinterlace`
 * before it.
 *
 * The `qos` property (from #GstBaseTransform, default off) drops buffers
 * that a sink's QoS events report as late; a result carried by a dropped
 * buffer is still taken and shown from the next buffer that is drawn.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 videotestsrc ! video/x-raw,width=640,height=480 ! \
 *     uniformerinfer model=model.safetensors ! \
 *     uniformeroverlay halignment=right valignment=bottom max-rows=3 ! \
 *     videoconvert ! autovideosink
 * ]|
 */
#include "gstuniformeroverlay.h"

#include <gst/base/gstbasetransform.h>
#include <gst/video/video.h>

#include "gstuniformermeta.h"
#include "uniformer-overlay-render.h"
#include "uniformer-overlay-regions.h"

GST_DEBUG_CATEGORY_STATIC (gst_uniformer_overlay_debug);
#define GST_CAT_DEFAULT gst_uniformer_overlay_debug

#define GST_TYPE_UNIFORMER_OVERLAY (gst_uniformer_overlay_get_type ())
G_DECLARE_FINAL_TYPE (GstUniformerOverlay, gst_uniformer_overlay, GST, UNIFORMER_OVERLAY,
    GstBaseTransform);

#define GST_TYPE_UNIFORMER_OVERLAY_HALIGN (gst_uniformer_overlay_halign_get_type ())
#define GST_TYPE_UNIFORMER_OVERLAY_VALIGN (gst_uniformer_overlay_valign_get_type ())

#define DEFAULT_HOLD_TIME (3 * GST_SECOND)
#define DEFAULT_HALIGN UNIFORMER_OVERLAY_HALIGN_LEFT
#define DEFAULT_VALIGN UNIFORMER_OVERLAY_VALIGN_TOP
#define DEFAULT_PAD 8
#define DEFAULT_FONT_DESC "Sans 14"
#define DEFAULT_COLOR 0xffffffff
#define DEFAULT_BAR_COLOR 0xff3cb371
#define DEFAULT_BACKGROUND_COLOR 0xa0000000
#define DEFAULT_SHOW_SCORES TRUE
#define DEFAULT_MAX_ROWS 5
#define MAX_MAX_ROWS 100

enum
{
  PROP_0,
  PROP_HOLD_TIME,
  PROP_HALIGNMENT,
  PROP_VALIGNMENT,
  PROP_XPAD,
  PROP_YPAD,
  PROP_FONT_DESC,
  PROP_COLOR,
  PROP_BAR_COLOR,
  PROP_BACKGROUND_COLOR,
  PROP_SHOW_SCORES,
  PROP_MAX_ROWS,
};

struct _GstUniformerOverlay
{
  GstBaseTransform parent;

  /* Properties, under the object lock. settings_serial counts changes so the
   * streaming thread copies and re-renders only when something changed. */
  GstClockTime hold_time;
  UniformerOverlayStyle style;
  guint settings_serial;

  /* Streaming-thread state. */
  GstVideoInfo info;
  gboolean attach;              /* downstream draws GstVideoOverlayCompositionMeta */
  gint need_decide;             /* atomic: decide `attach` again (caps, RECONFIGURE) */
  UniformerOverlayRenderer *renderer;
  UniformerOverlayResult *result;       /* being shown, or NULL */
  GstClockTime result_running_time;
  UniformerOverlayStyle used_style;
  guint used_serial;
  GstVideoOverlayComposition *composition;      /* cached rendering of result */
  UniformerOverlayRegions *regions;     /* region results (uniformerinfer's region modes) */
};

G_DEFINE_TYPE (GstUniformerOverlay, gst_uniformer_overlay, GST_TYPE_BASE_TRANSFORM);
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (uniformeroverlay, "uniformeroverlay", GST_RANK_NONE,
    GST_TYPE_UNIFORMER_OVERLAY,
    GST_DEBUG_CATEGORY_INIT (gst_uniformer_overlay_debug, "uniformeroverlay", 0,
        "UniFormer result overlay"));

/* The formats gst_video_overlay_composition_blend() handles that matter
 * here; with the composition meta the same formats pass untouched.
 * Progressive only: video-blend unpacks 4:2:0 chroma as if progressive, so on
 * interlaced frames the box's chroma would bleed between the fields. */
#define OVERLAY_FORMATS "{ RGB, RGBA, BGRA, BGRx, RGBx, I420, NV12 }"
#define OVERLAY_PROGRESSIVE ", interlace-mode = (string) progressive"
#define OVERLAY_CAPS \
  GST_VIDEO_CAPS_MAKE (OVERLAY_FORMATS) OVERLAY_PROGRESSIVE ";" \
  GST_VIDEO_CAPS_MAKE_WITH_FEATURES (GST_CAPS_FEATURE_MEMORY_SYSTEM_MEMORY "," \
      GST_CAPS_FEATURE_META_GST_VIDEO_OVERLAY_COMPOSITION, OVERLAY_FORMATS) OVERLAY_PROGRESSIVE

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS (OVERLAY_CAPS));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS (OVERLAY_CAPS));

static GType
register_enum_once (GType * type, const gchar * name, const GEnumValue * values)
{
  if (g_once_init_enter (type))
    g_once_init_leave (type, g_enum_register_static (name, values));
  return *type;
}

static GType
gst_uniformer_overlay_halign_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {UNIFORMER_OVERLAY_HALIGN_LEFT, "Left edge, xpad pixels in", "left"},
    {UNIFORMER_OVERLAY_HALIGN_CENTER, "Horizontally centred", "center"},
    {UNIFORMER_OVERLAY_HALIGN_RIGHT, "Right edge, xpad pixels in", "right"},
    {0, NULL, NULL},
  };

  return register_enum_once (&type, "GstUniformerOverlayHAlign", values);
}

static GType
gst_uniformer_overlay_valign_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {UNIFORMER_OVERLAY_VALIGN_TOP, "Top edge, ypad pixels in", "top"},
    {UNIFORMER_OVERLAY_VALIGN_CENTER, "Vertically centred", "center"},
    {UNIFORMER_OVERLAY_VALIGN_BOTTOM, "Bottom edge, ypad pixels in", "bottom"},
    {0, NULL, NULL},
  };

  return register_enum_once (&type, "GstUniformerOverlayVAlign", values);
}

static gboolean
features_have_composition (GstCapsFeatures * features)
{
  return features && !gst_caps_features_is_any (features)
      && gst_caps_features_contains (features,
      GST_CAPS_FEATURE_META_GST_VIDEO_OVERLAY_COMPOSITION);
}

/* Upstream's structure as it is, plus (towards downstream) a variant with the
 * composition feature, or (towards upstream) one without it. Upstream that
 * already attaches compositions needs a downstream that draws them. */
static GstCaps *
gst_uniformer_overlay_transform_caps (GstBaseTransform * trans, GstPadDirection direction,
    GstCaps * caps, GstCaps * filter)
{
  GstCaps *result = gst_caps_new_empty ();

  for (guint i = 0; i < gst_caps_get_size (caps); i++) {
    GstStructure *s = gst_caps_get_structure (caps, i);
    GstCapsFeatures *f = gst_caps_get_features (caps, i);
    GstCapsFeatures *other;

    result = gst_caps_merge_structure_full (result, gst_structure_copy (s),
        f ? gst_caps_features_copy (f) : NULL);
    if (f && gst_caps_features_is_any (f))
      continue;
    other = f ? gst_caps_features_copy (f) : gst_caps_features_new_empty ();
    if (direction == GST_PAD_SINK && !features_have_composition (other)) {
      gst_caps_features_add (other, GST_CAPS_FEATURE_META_GST_VIDEO_OVERLAY_COMPOSITION);
    } else if (direction == GST_PAD_SRC && features_have_composition (other)) {
      gst_caps_features_remove (other, GST_CAPS_FEATURE_META_GST_VIDEO_OVERLAY_COMPOSITION);
    } else {
      gst_caps_features_free (other);
      continue;
    }
    result = gst_caps_merge_structure_full (result, gst_structure_copy (s), other);
  }

  if (filter) {
    GstCaps *tmp = gst_caps_intersect_full (filter, result, GST_CAPS_INTERSECT_FIRST);

    gst_caps_unref (result);
    result = tmp;
  }
  GST_DEBUG_OBJECT (trans, "%s caps %" GST_PTR_FORMAT " -> %" GST_PTR_FORMAT,
      direction == GST_PAD_SINK ? "sink" : "src", caps, result);
  return result;
}

/* Output caps keep the input's choice where downstream allows it: plain caps
 * stay plain (whether to attach is decided from the ALLOCATION query once
 * the caps are set), and the feature variant is taken only when downstream
 * accepts nothing else. */
static GstCaps *
gst_uniformer_overlay_fixate_caps (GstBaseTransform * trans, GstPadDirection direction,
    GstCaps * caps, GstCaps * othercaps)
{
  if (gst_caps_get_size (othercaps) > 1 && gst_caps_get_size (caps) > 0) {
    gboolean want = features_have_composition (gst_caps_get_features (caps, 0));

    for (guint i = 0; i < gst_caps_get_size (othercaps); i++) {
      if (features_have_composition (gst_caps_get_features (othercaps, i)) == want) {
        GstCaps *chosen = gst_caps_copy_nth (othercaps, i);

        gst_caps_unref (othercaps);
        othercaps = chosen;
        break;
      }
    }
  }
  return GST_BASE_TRANSFORM_CLASS (gst_uniformer_overlay_parent_class)->fixate_caps (trans,
      direction, caps, othercaps);
}

/* Whether downstream draws GstVideoOverlayCompositionMeta on buffers of
 * @outcaps (the current source caps). As in textoverlay, it says so in its
 * answer to the ALLOCATION query; an ANY-caps sink accepts the caps feature
 * without drawing anything, so accepting the feature does not count. Unlike
 * textoverlay, which then fails to negotiate, a downstream that accepts
 * only caps with the feature (an appsink with such caps, which answers no
 * ALLOCATION query) also gets the meta: that is what it asked for. */
static gboolean
downstream_draws_compositions (GstUniformerOverlay * self, GstCaps * outcaps)
{
  GstPad *srcpad = GST_BASE_TRANSFORM_SRC_PAD (self);
  GstQuery *query = gst_query_new_allocation (outcaps, FALSE);
  gboolean draws;

  if (!gst_pad_peer_query (srcpad, query))
    GST_DEBUG_OBJECT (self, "downstream did not answer the ALLOCATION query");
  draws = gst_query_find_allocation_meta (query, GST_VIDEO_OVERLAY_COMPOSITION_META_API_TYPE,
      NULL);
  gst_query_unref (query);
  GST_DEBUG_OBJECT (self, "composition meta %sin downstream's allocation answer",
      draws ? "" : "not ");

  if (!draws && features_have_composition (gst_caps_get_features (outcaps, 0))) {
    GstCaps *plain = gst_caps_copy (outcaps);

    gst_caps_features_remove (gst_caps_get_features (plain, 0),
        GST_CAPS_FEATURE_META_GST_VIDEO_OVERLAY_COMPOSITION);
    draws = !gst_pad_peer_query_accept_caps (srcpad, plain);
    GST_DEBUG_OBJECT (self, "downstream %s caps without the composition feature",
        draws ? "refuses" : "accepts");
    gst_caps_unref (plain);
  }
  return draws;
}

/* Decides `attach` for the negotiated caps, once after each caps change or
 * RECONFIGURE from downstream; on the streaming thread (transform_ip, or an
 * ALLOCATION query from upstream, which comes on the same thread). */
static void
ensure_decided (GstUniformerOverlay * self)
{
  GstCaps *outcaps;

  if (!g_atomic_int_compare_and_exchange (&self->need_decide, TRUE, FALSE))
    return;
  outcaps = gst_pad_get_current_caps (GST_BASE_TRANSFORM_SRC_PAD (self));
  if (outcaps == NULL) {
    g_atomic_int_set (&self->need_decide, TRUE);
    return;
  }
  self->attach = downstream_draws_compositions (self, outcaps);
  gst_caps_unref (outcaps);
  GST_INFO_OBJECT (self, "%dx%d %s, %s", self->info.width, self->info.height,
      gst_video_format_to_string (self->info.finfo->format),
      self->attach ? "attaching composition meta" : "blending into frames");
}

static gboolean
gst_uniformer_overlay_set_caps (GstBaseTransform * trans, GstCaps * incaps, GstCaps * outcaps)
{
  GstUniformerOverlay *self = GST_UNIFORMER_OVERLAY (trans);

  if (!gst_video_info_from_caps (&self->info, incaps)) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, (NULL),
        ("cannot read video caps %" GST_PTR_FORMAT, incaps));
    return FALSE;
  }
  /* Downstream has not seen @outcaps yet: ask it once it has. */
  self->attach = FALSE;
  g_atomic_int_set (&self->need_decide, TRUE);
  g_clear_pointer (&self->composition, gst_video_overlay_composition_unref);
  return TRUE;
}

/* Upstream may attach compositions exactly when this element does (they
 * then travel on with ours to a downstream that draws them): the base class
 * forwards the query downstream (in place, there is no decide query), and
 * the answer gets the composition meta if and only if `attach`. Without it
 * (another uniformeroverlay that blends, fakesink) upstream blends too. */
static gboolean
gst_uniformer_overlay_propose_allocation (GstBaseTransform * trans, GstQuery * decide_query,
    GstQuery * query)
{
  GstUniformerOverlay *self = GST_UNIFORMER_OVERLAY (trans);
  gboolean ret;

  ensure_decided (self);
  ret = GST_BASE_TRANSFORM_CLASS (gst_uniformer_overlay_parent_class)->propose_allocation (trans,
      decide_query, query);
  if (!self->attach) {
    guint index;

    /* Downstream's answer for upstream's caps may differ from the one
     * for ours that decided `attach`. */
    while (gst_query_find_allocation_meta (query, GST_VIDEO_OVERLAY_COMPOSITION_META_API_TYPE,
            &index))
      gst_query_remove_nth_allocation_meta (query, index);
    return ret;
  }
  if (!gst_query_find_allocation_meta (query, GST_VIDEO_OVERLAY_COMPOSITION_META_API_TYPE,
          NULL))
    gst_query_add_allocation_meta (query, GST_VIDEO_OVERLAY_COMPOSITION_META_API_TYPE, NULL);
  return TRUE;
}

/* RECONFIGURE from downstream: what it draws may have changed. */
static gboolean
gst_uniformer_overlay_src_event (GstBaseTransform * trans, GstEvent * event)
{
  if (GST_EVENT_TYPE (event) == GST_EVENT_RECONFIGURE)
    g_atomic_int_set (&GST_UNIFORMER_OVERLAY (trans)->need_decide, TRUE);
  return GST_BASE_TRANSFORM_CLASS (gst_uniformer_overlay_parent_class)->src_event (trans, event);
}

static void
clear_result (GstUniformerOverlay * self)
{
  if (self->regions)
    uniformer_overlay_regions_clear (self->regions);
  g_clear_pointer (&self->result, uniformer_overlay_result_free);
  g_clear_pointer (&self->composition, gst_video_overlay_composition_unref);
  self->result_running_time = GST_CLOCK_TIME_NONE;
}

static gboolean
gst_uniformer_overlay_sink_event (GstBaseTransform * trans, GstEvent * event)
{
  /* Running time restarts after a flush: the held result's time is void. */
  if (GST_EVENT_TYPE (event) == GST_EVENT_FLUSH_STOP)
    clear_result (GST_UNIFORMER_OVERLAY (trans));
  return GST_BASE_TRANSFORM_CLASS (gst_uniformer_overlay_parent_class)->sink_event (trans, event);
}

static gboolean
gst_uniformer_overlay_start (GstBaseTransform * trans)
{
  GstUniformerOverlay *self = GST_UNIFORMER_OVERLAY (trans);

  self->renderer = uniformer_overlay_renderer_new ();
  self->regions = uniformer_overlay_regions_new ();
  self->used_serial = G_MAXUINT;
  clear_result (self);
  return TRUE;
}

static gboolean
gst_uniformer_overlay_stop (GstBaseTransform * trans)
{
  GstUniformerOverlay *self = GST_UNIFORMER_OVERLAY (trans);

  clear_result (self);
  g_clear_pointer (&self->renderer, uniformer_overlay_renderer_free);
  g_clear_pointer (&self->regions, uniformer_overlay_regions_free);
  uniformer_overlay_style_clear (&self->used_style);
  return TRUE;
}

/* Takes a new result from @buf's meta and drops an expired one. */
static void
update_result (GstUniformerOverlay * self, GstBuffer * buf, GstClockTime running_time,
    GstClockTime hold_time)
{
  GstUniformerMeta *meta = gst_buffer_get_uniformer_meta (buf);

  if (meta) {
    UniformerOverlayResult *result = uniformer_overlay_result_new (meta->n_results,
        (const gchar * const *) meta->labels, meta->scores);

    if (!uniformer_overlay_result_equal (result, self->result))
      g_clear_pointer (&self->composition, gst_video_overlay_composition_unref);
    uniformer_overlay_result_free (self->result);
    self->result = result;
    self->result_running_time = running_time;
    GST_LOG_OBJECT (self, "result with %u classes at %" GST_TIME_FORMAT, meta->n_results,
        GST_TIME_ARGS (running_time));
    return;
  }

  /* Without a timestamp on either side the result cannot expire. */
  if (self->result && GST_CLOCK_TIME_IS_VALID (running_time)
      && GST_CLOCK_TIME_IS_VALID (self->result_running_time)
      && GST_CLOCK_TIME_IS_VALID (hold_time)
      && running_time >= self->result_running_time
      && running_time - self->result_running_time > hold_time) {
    GST_LOG_OBJECT (self, "result from %" GST_TIME_FORMAT " expired",
        GST_TIME_ARGS (self->result_running_time));
    clear_result (self);
  }
}

/* The attach mode: our rectangle joins any composition already on @buf. */
static void
attach_composition (GstBuffer * buf, GstVideoOverlayComposition * ours)
{
  GstVideoOverlayCompositionMeta *meta = gst_buffer_get_video_overlay_composition_meta (buf);
  GstVideoOverlayComposition *merged;

  if (meta == NULL) {
    gst_buffer_add_video_overlay_composition_meta (buf, ours);
    return;
  }
  merged = gst_video_overlay_composition_copy (meta->overlay);
  for (guint i = 0; i < gst_video_overlay_composition_n_rectangles (ours); i++)
    gst_video_overlay_composition_add_rectangle (merged,
        gst_video_overlay_composition_get_rectangle (ours, i));
  gst_buffer_remove_meta (buf, (GstMeta *) meta);
  gst_buffer_add_video_overlay_composition_meta (buf, merged);
  gst_video_overlay_composition_unref (merged);
}

static GstFlowReturn draw (GstUniformerOverlay * self, GstBuffer * buf,
    GstVideoOverlayComposition * drawn);

/* Every input buffer passes here, also one that QoS then drops, so no
 * result is lost and expiry follows the stream. */
static void
gst_uniformer_overlay_before_transform (GstBaseTransform * trans, GstBuffer * buf)
{
  GstUniformerOverlay *self = GST_UNIFORMER_OVERLAY (trans);
  GstClockTime hold_time, running_time = GST_CLOCK_TIME_NONE;

  GST_OBJECT_LOCK (self);
  hold_time = self->hold_time;
  GST_OBJECT_UNLOCK (self);

  if (trans->segment.format == GST_FORMAT_TIME)
    running_time = gst_segment_to_running_time (&trans->segment, GST_FORMAT_TIME,
        GST_BUFFER_PTS (buf));
  update_result (self, buf, running_time, hold_time);
  uniformer_overlay_regions_update (self->regions, buf, running_time, hold_time);
}

static GstFlowReturn
gst_uniformer_overlay_transform_ip (GstBaseTransform * trans, GstBuffer * buf)
{
  GstUniformerOverlay *self = GST_UNIFORMER_OVERLAY (trans);
  GstVideoOverlayComposition *drawn;
  gboolean style_changed = FALSE;
  GstFlowReturn ret;

  ensure_decided (self);

  GST_OBJECT_LOCK (self);
  if (self->used_serial != self->settings_serial) {
    uniformer_overlay_style_copy (&self->used_style, &self->style);
    self->used_serial = self->settings_serial;
    g_clear_pointer (&self->composition, gst_video_overlay_composition_unref);
    style_changed = TRUE;
  }
  GST_OBJECT_UNLOCK (self);

  /* No result, no composition: clear_result() drops both. */
  if (self->result && self->composition == NULL)
    self->composition = uniformer_overlay_render (self->renderer, &self->used_style,
        self->result, GST_VIDEO_INFO_WIDTH (&self->info), GST_VIDEO_INFO_HEIGHT (&self->info));
  /* the regions' boxes move with every buffer: their rectangles are placed anew */
  drawn = self->composition ? gst_video_overlay_composition_copy (self->composition) : NULL;
  drawn = uniformer_overlay_regions_render (self->regions, self->renderer, &self->used_style,
      style_changed, GST_VIDEO_INFO_WIDTH (&self->info), GST_VIDEO_INFO_HEIGHT (&self->info),
      drawn);
  ret = draw (self, buf, drawn);
  g_clear_pointer (&drawn, gst_video_overlay_composition_unref);
  return ret;
}

/* Attaches or blends @drawn (may be NULL) onto @buf. */
static GstFlowReturn
draw (GstUniformerOverlay * self, GstBuffer * buf, GstVideoOverlayComposition * drawn)
{
  GstVideoOverlayCompositionMeta *upstream;
  GstVideoFrame frame;

  if (self->attach) {
    if (drawn)
      attach_composition (buf, drawn);
    return GST_FLOW_OK;
  }

  /* Blending. A composition from upstream would be drawn by nobody
   * downstream: blend it first, under ours. */
  upstream = gst_buffer_get_video_overlay_composition_meta (buf);
  if (upstream == NULL && drawn == NULL)
    return GST_FLOW_OK;
  if (!gst_video_frame_map (&frame, &self->info, buf, GST_MAP_READWRITE)) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED, (NULL),
        ("cannot map a %" G_GSIZE_FORMAT "-byte buffer as a %dx%d %s frame",
            gst_buffer_get_size (buf), GST_VIDEO_INFO_WIDTH (&self->info),
            GST_VIDEO_INFO_HEIGHT (&self->info),
            GST_VIDEO_INFO_NAME (&self->info)));
    return GST_FLOW_ERROR;
  }
  if (upstream) {
    gpointer state = NULL;
    GstMeta *meta;

    while ((meta = gst_buffer_iterate_meta_filtered (buf, &state,
                GST_VIDEO_OVERLAY_COMPOSITION_META_API_TYPE))) {
      GstVideoOverlayComposition *comp = ((GstVideoOverlayCompositionMeta *) meta)->overlay;

      GST_LOG_OBJECT (self, "blending a composition of %u rectangles from upstream",
          gst_video_overlay_composition_n_rectangles (comp));
      gst_video_overlay_composition_blend (comp, &frame);
    }
  }
  if (drawn)
    gst_video_overlay_composition_blend (drawn, &frame);
  gst_video_frame_unmap (&frame);
  /* Drawn now; the mapping held a reference, so remove them only here. */
  while ((upstream = gst_buffer_get_video_overlay_composition_meta (buf)))
    gst_buffer_remove_meta (buf, (GstMeta *) upstream);
  return GST_FLOW_OK;
}

static void
gst_uniformer_overlay_set_property (GObject * object, guint prop_id, const GValue * value,
    GParamSpec * pspec)
{
  GstUniformerOverlay *self = GST_UNIFORMER_OVERLAY (object);
  UniformerOverlayStyle *style = &self->style;

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_HOLD_TIME:
      self->hold_time = g_value_get_uint64 (value);
      break;
    case PROP_HALIGNMENT:
      style->halign = g_value_get_enum (value);
      break;
    case PROP_VALIGNMENT:
      style->valign = g_value_get_enum (value);
      break;
    case PROP_XPAD:
      style->xpad = g_value_get_int (value);
      break;
    case PROP_YPAD:
      style->ypad = g_value_get_int (value);
      break;
    case PROP_FONT_DESC:
      g_free (style->font_desc);
      style->font_desc = g_value_dup_string (value);
      break;
    case PROP_COLOR:
      style->color = g_value_get_uint (value);
      break;
    case PROP_BAR_COLOR:
      style->bar_color = g_value_get_uint (value);
      break;
    case PROP_BACKGROUND_COLOR:
      style->background_color = g_value_get_uint (value);
      break;
    case PROP_SHOW_SCORES:
      style->show_scores = g_value_get_boolean (value);
      break;
    case PROP_MAX_ROWS:
      style->max_rows = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  self->settings_serial++;
  GST_OBJECT_UNLOCK (self);
}

static void
gst_uniformer_overlay_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  GstUniformerOverlay *self = GST_UNIFORMER_OVERLAY (object);
  const UniformerOverlayStyle *style = &self->style;

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_HOLD_TIME:
      g_value_set_uint64 (value, self->hold_time);
      break;
    case PROP_HALIGNMENT:
      g_value_set_enum (value, style->halign);
      break;
    case PROP_VALIGNMENT:
      g_value_set_enum (value, style->valign);
      break;
    case PROP_XPAD:
      g_value_set_int (value, style->xpad);
      break;
    case PROP_YPAD:
      g_value_set_int (value, style->ypad);
      break;
    case PROP_FONT_DESC:
      g_value_set_string (value, style->font_desc);
      break;
    case PROP_COLOR:
      g_value_set_uint (value, style->color);
      break;
    case PROP_BAR_COLOR:
      g_value_set_uint (value, style->bar_color);
      break;
    case PROP_BACKGROUND_COLOR:
      g_value_set_uint (value, style->background_color);
      break;
    case PROP_SHOW_SCORES:
      g_value_set_boolean (value, style->show_scores);
      break;
    case PROP_MAX_ROWS:
      g_value_set_uint (value, style->max_rows);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_uniformer_overlay_finalize (GObject * object)
{
  GstUniformerOverlay *self = GST_UNIFORMER_OVERLAY (object);

  clear_result (self);
  uniformer_overlay_renderer_free (self->renderer);
  uniformer_overlay_style_clear (&self->style);
  uniformer_overlay_style_clear (&self->used_style);
  G_OBJECT_CLASS (gst_uniformer_overlay_parent_class)->finalize (object);
}

#define PARAM_FLAGS (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING)

static void
install_color_property (GObjectClass * gobject_class, guint prop_id, const gchar * name,
    const gchar * nick, const gchar * blurb, guint32 default_value)
{
  g_object_class_install_property (gobject_class, prop_id,
      g_param_spec_uint (name, nick, blurb, 0, G_MAXUINT32, default_value, PARAM_FLAGS));
}

static void
gst_uniformer_overlay_class_init (GstUniformerOverlayClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);

  gobject_class->set_property = gst_uniformer_overlay_set_property;
  gobject_class->get_property = gst_uniformer_overlay_get_property;
  gobject_class->finalize = gst_uniformer_overlay_finalize;

  g_object_class_install_property (gobject_class, PROP_HOLD_TIME,
      g_param_spec_uint64 ("hold-time", "Hold time",
          "How long a result stays on screen after the buffer that carried it, in "
          "nanoseconds of running time (buffer PTS); a newer result replaces it sooner. "
          "0 shows it on that buffer only, 18446744073709551615 (GST_CLOCK_TIME_NONE) "
          "until the next result", 0, G_MAXUINT64, DEFAULT_HOLD_TIME, PARAM_FLAGS));
  g_object_class_install_property (gobject_class, PROP_HALIGNMENT,
      g_param_spec_enum ("halignment", "Horizontal alignment",
          "Horizontal position of the result box in the frame",
          GST_TYPE_UNIFORMER_OVERLAY_HALIGN, DEFAULT_HALIGN, PARAM_FLAGS));
  g_object_class_install_property (gobject_class, PROP_VALIGNMENT,
      g_param_spec_enum ("valignment", "Vertical alignment",
          "Vertical position of the result box in the frame",
          GST_TYPE_UNIFORMER_OVERLAY_VALIGN, DEFAULT_VALIGN, PARAM_FLAGS));
  g_object_class_install_property (gobject_class, PROP_XPAD,
      g_param_spec_int ("xpad", "Horizontal padding",
          "Pixels between the box and the left or right edge it is aligned to",
          0, G_MAXINT, DEFAULT_PAD, PARAM_FLAGS));
  g_object_class_install_property (gobject_class, PROP_YPAD,
      g_param_spec_int ("ypad", "Vertical padding",
          "Pixels between the box and the top or bottom edge it is aligned to",
          0, G_MAXINT, DEFAULT_PAD, PARAM_FLAGS));
  g_object_class_install_property (gobject_class, PROP_FONT_DESC,
      g_param_spec_string ("font-desc", "Font description",
          "Pango font description of the text, e.g. \"Sans Bold 20\"; the box's padding "
          "and bar height scale with it", DEFAULT_FONT_DESC, PARAM_FLAGS));
  install_color_property (gobject_class, PROP_COLOR, "color", "Text colour",
      "Colour of the labels and scores as 0xAARRGGBB", DEFAULT_COLOR);
  install_color_property (gobject_class, PROP_BAR_COLOR, "bar-color", "Bar colour",
      "Colour of the score bars as 0xAARRGGBB (the unfilled part is drawn at 30% of its "
      "alpha)", DEFAULT_BAR_COLOR);
  install_color_property (gobject_class, PROP_BACKGROUND_COLOR, "background-color",
      "Background colour", "Colour of the box behind the text as 0xAARRGGBB; alpha below "
      "0xff makes it translucent, 0 invisible", DEFAULT_BACKGROUND_COLOR);
  g_object_class_install_property (gobject_class, PROP_SHOW_SCORES,
      g_param_spec_boolean ("show-scores", "Show scores",
          "Draw each class's score as a percentage and a bar under its label",
          DEFAULT_SHOW_SCORES, PARAM_FLAGS));
  g_object_class_install_property (gobject_class, PROP_MAX_ROWS,
      g_param_spec_uint ("max-rows", "Maximum rows",
          "Most classes drawn (best first); the meta may carry fewer. 0 draws nothing",
          0, MAX_MAX_ROWS, DEFAULT_MAX_ROWS, PARAM_FLAGS));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "UniFormer result overlay",
      "Filter/Editor/Video", "Draws the action classes found by uniformerinfer onto the video",
      UNIFORMER_AUTHOR);

  trans_class->transform_caps = gst_uniformer_overlay_transform_caps;
  trans_class->fixate_caps = gst_uniformer_overlay_fixate_caps;
  trans_class->set_caps = gst_uniformer_overlay_set_caps;
  trans_class->propose_allocation = gst_uniformer_overlay_propose_allocation;
  trans_class->sink_event = gst_uniformer_overlay_sink_event;
  trans_class->src_event = gst_uniformer_overlay_src_event;
  trans_class->before_transform = gst_uniformer_overlay_before_transform;
  trans_class->start = gst_uniformer_overlay_start;
  trans_class->stop = gst_uniformer_overlay_stop;
  trans_class->transform_ip = gst_uniformer_overlay_transform_ip;

  gst_type_mark_as_plugin_api (GST_TYPE_UNIFORMER_OVERLAY_HALIGN, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_UNIFORMER_OVERLAY_VALIGN, 0);
}

static void
gst_uniformer_overlay_init (GstUniformerOverlay * self)
{
  self->hold_time = DEFAULT_HOLD_TIME;
  self->style.font_desc = g_strdup (DEFAULT_FONT_DESC);
  self->style.color = DEFAULT_COLOR;
  self->style.bar_color = DEFAULT_BAR_COLOR;
  self->style.background_color = DEFAULT_BACKGROUND_COLOR;
  self->style.show_scores = DEFAULT_SHOW_SCORES;
  self->style.max_rows = DEFAULT_MAX_ROWS;
  self->style.halign = DEFAULT_HALIGN;
  self->style.valign = DEFAULT_VALIGN;
  self->style.xpad = DEFAULT_PAD;
  self->style.ypad = DEFAULT_PAD;
  self->result_running_time = GST_CLOCK_TIME_NONE;
  self->used_serial = G_MAXUINT;
}
