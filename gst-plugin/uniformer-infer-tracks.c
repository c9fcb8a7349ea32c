/* uniformer-infer-tracks.c: uniformerinfer's tracks (uniformer-track.h):
 * which regions of a buffer are classified and by which track, tracks
 * made for new ROI ids and dropped when their region is gone, and the
 * tracks of a stopped element kept until their pass has ended. Called on
 * the streaming thread, except where it says otherwise. */
#include "gstuniformerinfer-private.h"

#include <stdlib.h>

#include "uniformer-errors.h"

#define GST_CAT_DEFAULT gst_uniformer_infer_debug

/* Any thread (a flush, a state change). */
void
uniformer_infer_set_flushing (GstUniformerInfer * self, gboolean flushing)
{
  g_mutex_lock (&self->tracks_lock);
  self->flushing = flushing;
  for (guint i = 0; self->tracks && i < self->tracks->len; i++)
    uniformer_worker_set_flushing (((UniformerTrack *) self->tracks->pdata[i])->worker,
        flushing);
  g_mutex_unlock (&self->tracks_lock);
}

static void
count_tracks (GstUniformerInfer * self)
{
  GST_OBJECT_LOCK (self);
  self->n_tracks = self->tracks->len;
  self->own_device_bytes = self->tracks->len * self->track_device_bytes;
  GST_OBJECT_UNLOCK (self);
}

UniformerTrack *
uniformer_infer_add_track (GstUniformerInfer * self, gint id, const gchar * type,
    const GstVideoRectangle * box)
{
  GError *error = NULL;
  UniformerTrack *t = uniformer_track_new (&self->track_config, id, type, &error);

  if (t == NULL) {
    UNIFORMER_POST_ENGINE_ERROR (self, error, NULL, "Could not make a window for a region.");
    return NULL;
  }
  if (box)
    t->box = *box;
  if (self->track_device_bytes == 0)
    self->track_device_bytes = uf_session_get_device_bytes (t->session);
  uniformer_infer_apply_settings (self, t);
  g_mutex_lock (&self->tracks_lock);
  uniformer_worker_set_flushing (t->worker, self->flushing);
  g_ptr_array_add (self->tracks, t);
  g_mutex_unlock (&self->tracks_lock);
  count_tracks (self);
  if (self->region_mode != GST_UNIFORMER_REGION_MODE_FRAME)
    GST_DEBUG_OBJECT (self, "new track %d (%s) at %dx%d+%d+%d", id, type, t->box.w, t->box.h,
        t->box.x, t->box.y);
  return t;
}

/* Stops @t and frees it, or keeps it among the retired while its window is
 * in a pass. Call with tracks_lock held. */
static void
retire_locked (GstUniformerInfer * self, UniformerTrack * t)
{
  uniformer_worker_stop (t->worker);
  g_ptr_array_add (self->retired, t);
}

void
uniformer_infer_retire_tracks (GstUniformerInfer * self)
{
  if (self->tracks == NULL)
    return;
  g_mutex_lock (&self->tracks_lock);
  for (guint i = 0; i < self->tracks->len; i++)
    retire_locked (self, self->tracks->pdata[i]);
  g_ptr_array_set_size (self->tracks, 0);
  g_mutex_unlock (&self->tracks_lock);
  count_tracks (self);
}

void
uniformer_infer_free_retired (GstUniformerInfer * self, gboolean wait)
{
  GPtrArray *done = g_ptr_array_new_with_free_func ((GDestroyNotify) uniformer_track_free);

  g_mutex_lock (&self->tracks_lock);
  for (guint i = 0; i < self->retired->len;) {
    UniformerTrack *t = self->retired->pdata[i];

    if (wait || uniformer_track_retired_done (t))
      g_ptr_array_add (done, g_ptr_array_steal_index_fast (self->retired, i));
    else
      i++;
  }
  g_mutex_unlock (&self->tracks_lock);
  g_ptr_array_unref (done);     /* frees them: maybe waits, never under the lock */
}

UniformerTrack *
uniformer_infer_find_track (GstUniformerInfer * self, gint id)
{
  for (guint i = 0; i < self->tracks->len; i++)
    if (((UniformerTrack *) self->tracks->pdata[i])->id == id)
      return self->tracks->pdata[i];
  return NULL;
}

static void
drop_track (GstUniformerInfer * self, guint index)
{
  UniformerTrack *t = self->tracks->pdata[index];

  GST_DEBUG_OBJECT (self, "dropping track %d: not seen since %" GST_TIME_FORMAT, t->id,
      GST_TIME_ARGS (t->last_seen));
  uniformer_infer_end_track_actions (self, t, UNIFORMER_ACTION_REASON_TRACK_LOST);
  g_mutex_lock (&self->tracks_lock);
  g_ptr_array_remove_index (self->tracks, index);
  retire_locked (self, t);
  g_mutex_unlock (&self->tracks_lock);
  count_tracks (self);
}

void
uniformer_infer_drop_lost_tracks (GstUniformerInfer * self, GstClockTime pts)
{
  GstClockTime timeout = self->cur.track_timeout;

  if (self->region_mode != GST_UNIFORMER_REGION_MODE_META || !GST_CLOCK_TIME_IS_VALID (pts))
    return;
  for (guint i = 0; i < self->tracks->len;) {
    UniformerTrack *t = self->tracks->pdata[i];

    /* a PTS far behind the last sighting (a seek back) counts as unseen too */
    if (GST_CLOCK_TIME_IS_VALID (t->last_seen)
        && (pts > t->last_seen + timeout || t->last_seen > pts + timeout))
      drop_track (self, i);
    else
      i++;
  }
  uniformer_infer_free_retired (self, FALSE);
}

/* @box grown by the margin on each side and clipped to the frame; FALSE
 * when less than 2x2 pixels of it lie inside. */
static gboolean
crop_of (GstUniformerInfer * self, const GstVideoRectangle * box, GstVideoRectangle * crop)
{
  gint64 fw = GST_VIDEO_INFO_WIDTH (&self->vinfo), fh = GST_VIDEO_INFO_HEIGHT (&self->vinfo);
  gint64 mx = (gint64) (box->w * self->cur.region_margin + 0.5);
  gint64 my = (gint64) (box->h * self->cur.region_margin + 0.5);
  gint64 x0 = CLAMP (box->x - mx, 0, fw), y0 = CLAMP (box->y - my, 0, fh);
  gint64 x1 = CLAMP ((gint64) box->x + box->w + mx, 0, fw);
  gint64 y1 = CLAMP ((gint64) box->y + box->h + my, 0, fh);

  if (x1 - x0 < 2 || y1 - y0 < 2)
    return FALSE;
  *crop = (GstVideoRectangle) { (gint) x0, (gint) y0, (gint) (x1 - x0), (gint) (y1 - y0) };
  return TRUE;
}

static void
warn_too_many (GstUniformerInfer * self, gint id)
{
  guint64 refused;

  GST_OBJECT_LOCK (self);
  refused = ++self->regions_refused;
  GST_OBJECT_UNLOCK (self);
  GST_LOG_OBJECT (self, "region %d not classified: %u tracks held", id, self->max_tracks);
  if (self->warned_tracks)
    return;
  self->warned_tracks = TRUE;
  GST_ELEMENT_WARNING_WITH_DETAILS (self, RESOURCE, BUSY,
      ("More regions than max-tracks (%u) are in the video: the new ones are not "
          "classified until a track is dropped.", self->max_tracks),
      ("region id %d refused (%" G_GUINT64_FORMAT " sightings refused so far)", id, refused),
      ("kind", G_TYPE_STRING, "too-many-tracks", "max-tracks", G_TYPE_UINT, self->max_tracks,
          NULL));
}

/* Regions without tracking all have id 0 (the meta's default). */
static void
warn_repeated_id (GstUniformerInfer * self, gint id)
{
  if (self->warned_repeated_id)
    return;
  self->warned_repeated_id = TRUE;
  GST_ELEMENT_WARNING_WITH_DETAILS (self, STREAM, FORMAT,
      ("Several regions on one buffer have the same id, %d: only the first is classified. "
          "Each object needs an id of its own, as a tracker gives them.", id),
      ("region metas with id %d repeated on one buffer", id),
      ("kind", G_TYPE_STRING, "repeated-region-id", "id", G_TYPE_INT, id, NULL));
}

static gboolean
add_region (GstUniformerInfer * self, GArray * out, UniformerTrack * t,
    const GstVideoRectangle * box)
{
  UniformerRegion r = { t, *box };

  if (!crop_of (self, box, &r.crop))
    return FALSE;
  g_array_append_val (out, r);
  return TRUE;
}

static gboolean
listed (GArray * regions, gint id)
{
  for (guint i = 0; i < regions->len; i++)
    if (g_array_index (regions, UniformerRegion, i).track->id == id)
      return TRUE;
  return FALSE;
}

static gboolean
meta_regions (GstUniformerInfer * self, GstBuffer * buf, GArray * out)
{
  gpointer state = NULL;
  GstMeta *m;

  while ((m = gst_buffer_iterate_meta_filtered (buf, &state,
              GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
    GstVideoRegionOfInterestMeta *roi = (GstVideoRegionOfInterestMeta *) m;
    GstVideoRectangle box = { roi->x, roi->y, roi->w, roi->h }, crop;
    UniformerTrack *t;

    if (self->region_type && roi->roi_type != self->region_type)
      continue;
    if (listed (out, roi->id)) {
      warn_repeated_id (self, roi->id);
      continue;
    }
    if (!crop_of (self, &box, &crop))
      continue;                 /* outside the frame */
    t = uniformer_infer_find_track (self, roi->id);
    if (t == NULL && self->tracks->len >= self->max_tracks) {
      warn_too_many (self, roi->id);
      continue;
    }
    if (t == NULL && !(t = uniformer_infer_add_track (self, roi->id,
                g_quark_to_string (roi->roi_type), &box)))
      return FALSE;
    add_region (self, out, t, &box);
  }
  return TRUE;
}

GArray *
uniformer_infer_find_regions (GstUniformerInfer * self, GstBuffer * buf)
{
  GArray *out = g_array_new (FALSE, FALSE, sizeof (UniformerRegion));
  GstVideoRectangle frame = { 0, 0, GST_VIDEO_INFO_WIDTH (&self->vinfo),
    GST_VIDEO_INFO_HEIGHT (&self->vinfo)
  };

  switch (self->region_mode) {
    case GST_UNIFORMER_REGION_MODE_FRAME:
      add_region (self, out, self->tracks->pdata[0], &frame);
      break;
    case GST_UNIFORMER_REGION_MODE_FIXED:
      for (guint i = 0; i < self->tracks->len; i++) {
        UniformerTrack *t = self->tracks->pdata[i];

        add_region (self, out, t, &t->box);
      }
      break;
    case GST_UNIFORMER_REGION_MODE_META:
      if (!meta_regions (self, buf, out))
        g_clear_pointer (&out, g_array_unref);
      break;
  }
  return out;
}

/* ---- the regions property ------------------------------------------------ */

GArray *
uniformer_infer_parse_regions (const gchar * text, GError ** error)
{
  GArray *out = g_array_new (FALSE, FALSE, sizeof (GstVideoRectangle));
  gchar **items = g_strsplit (text ? text : "", ";", -1);

  for (guint i = 0; items[i]; i++) {
    gchar *item = g_strstrip (items[i]), *end = item;
    gint64 v[4];
    guint n = 0;

    if (*item == '\0')
      continue;
    while (n < 4) {
      v[n++] = g_ascii_strtoll (end, &end, 10);
      while (g_ascii_isspace (*end))
        end++;
      if (n < 4 && *end++ != ',')
        break;
    }
    if (n < 4 || *end != '\0' || v[0] < 0 || v[1] < 0 || v[2] < 2 || v[3] < 2
        || v[0] + v[2] > G_MAXINT || v[1] + v[3] > G_MAXINT) {
      g_set_error (error, G_MARKUP_ERROR, G_MARKUP_ERROR_INVALID_CONTENT,
          "region %u, \"%s\", is not x,y,width,height in pixels (width and height at least "
          "2)", i + 1, item);
      g_clear_pointer (&out, g_array_unref);
      break;
    }
    GstVideoRectangle r = { (gint) v[0], (gint) v[1], (gint) v[2], (gint) v[3] };
    g_array_append_val (out, r);
  }
  g_strfreev (items);
  return out;
}

gchar *
uniformer_infer_format_regions (const GArray * regions)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; regions && i < regions->len; i++) {
    const GstVideoRectangle *r = &g_array_index (regions, GstVideoRectangle, i);

    g_string_append_printf (s, "%s%d,%d,%d,%d", i ? ";" : "", r->x, r->y, r->w, r->h);
  }
  return g_string_free (s, FALSE);
}
