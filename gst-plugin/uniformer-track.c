/* uniformer-track.c: a window, its ring slots, its worker and its results. */
#include "uniformer-track.h"

UniformerTrack *
uniformer_track_new (const UniformerTrackConfig * c, gint id, const gchar * type,
    GError ** error)
{
  const UfModelInfo *info = uf_model_get_info (c->model);
  UfSessionConfig sc = {
    .ring_slots = uniformer_window_ring_size (info->frames),
    .resize_mode = c->resize_mode,
    .batch = uniformer_batcher_get_batch (c->batcher),
  };
  UfSession *session = uf_session_new (c->model, &sc, error);
  UniformerTrack *t;

  if (session == NULL)
    return NULL;
  t = g_new0 (UniformerTrack, 1);
  t->id = id;
  t->type = g_strdup (type);
  t->last_seen = GST_CLOCK_TIME_NONE;
  t->session = session;
  t->worker = uniformer_worker_new (session, c->batcher, info->frames, info->num_classes,
      c->batch_timeout);
  uniformer_window_init (&t->window, info->frames, 1);      /* the element sets it */
  uniformer_deferred_init (&t->deferred, sc.ring_slots);
  uniformer_sampler_init (&t->sampler, 0, 0);
  uniformer_actions_init (&t->actions, info->num_classes);
  return t;
}

void
uniformer_track_free (UniformerTrack * t)
{
  if (t == NULL)
    return;
  uniformer_worker_free (t->worker);    /* and the session */
  uniformer_window_clear (&t->window);
  uniformer_deferred_clear (&t->deferred);
  uniformer_smoother_clear (&t->smoother);
  uniformer_actions_clear (&t->actions);
  g_free (t->type);
  g_free (t);
}

gboolean
uniformer_track_retired_done (UniformerTrack * t)
{
  UniformerJobResult *r = uniformer_worker_take_result (t->worker);

  uniformer_job_result_free (r);
  return !uniformer_worker_busy (t->worker);
}

void
uniformer_track_reset (UniformerTrack * t)
{
  t->generation++;
  uniformer_sampler_reset (&t->sampler);
  uniformer_window_reset (&t->window);
  uniformer_deferred_drop (&t->deferred);
  if (t->smoother.mean)
    uniformer_smoother_reset (&t->smoother);
}

void
uniformer_track_restart (UniformerTrack * t)
{
  uniformer_sampler_reset (&t->sampler);
  uniformer_window_reset (&t->window);
  if (t->smoother.mean)
    uniformer_smoother_reset (&t->smoother);
}

gboolean
uniformer_track_store (UniformerTrack * t, guint slot, const UfFrame * frame, GError ** error)
{
  if (uniformer_worker_busy (t->worker))
    return uniformer_deferred_store (&t->deferred, slot, frame, error);
  return uf_session_upload_frame (t->session, slot, frame, error);
}

gboolean
uniformer_track_flush_deferred (UniformerTrack * t, GError ** error)
{
  if (!uniformer_deferred_has_pending (&t->deferred))
    return TRUE;
  return uniformer_deferred_flush (&t->deferred, t->session, error);
}
