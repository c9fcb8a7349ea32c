/* uf-batch.c: several windows in one forward pass. The pass is a session
 * of several windows (uf-session.c records a pass for every count from 1 to
 * the maximum): each run copies the members' frames from their own rings
 * into the pass's ring, window b at slots b*T .., and submits that copy and
 * the pass of that many windows together. The copy costs a few hundred
 * KiB per window at the shipped model's size, far less than the pass, and
 * keeps each session's ring its own (sizes, lifetime, uploads). */
#include <string.h>
#include "uf-metadata.h"
#include "uf-session-private.h"

/* Everything below runs under the pass's run_lock: one run at a time. */
struct _UfBatch {
  gint ref_count;
  UfModel *model;
  guint max_windows;
  UfSession *pass;              /* ring of max_windows * T slots */
  VkCommandBuffer gather;       /* from the pass's command pool */
  guint64 passes, windows;
};

/* The most windows the family takes (up to @wanted) whose activations and
 * ring (a window's frames each, and the T more every session keeps) fit
 * the device's largest storage buffer; at least one, which the session
 * then refuses with an error if even that does not fit. */
static guint
windows_that_fit (UfModel *model, guint wanted)
{
  gsize limit = model->dev->props.limits.maxStorageBufferRange;
  gsize arena = uf_model_layout (model)->arena_floats * sizeof (float);
  gsize frames = (gsize) model->info.frames * 3 * model->info.crop_height
      * model->info.crop_width * sizeof (float);
  gsize ring_fit = limit / frames;
  gsize fit = MIN (limit / arena, ring_fit > 1 ? ring_fit - 1 : 1);
  return MAX (MIN (MIN (wanted, MAX (model->arch->max_batch, 1)), fit), 1);
}

UfBatch *
uf_batch_new (UfModel *model, guint max_windows, GError **error)
{
  UfBatch *batch = g_new0 (UfBatch, 1);
  batch->ref_count = 1;
  batch->model = uf_model_ref (model);
  batch->max_windows = windows_that_fit (model, MAX (max_windows, 1));
  UfSessionConfig config = { .ring_slots = batch->max_windows * model->info.frames };
  batch->pass = uf_session_new_full (model, &config, batch->max_windows, error);
  gboolean ok = batch->pass != NULL;
  if (ok) {
    VkCommandBufferAllocateInfo ai = {
      .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
      .commandPool = batch->pass->run.pool,
      .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
      .commandBufferCount = 1,
    };
    ok = uf_vk_check (vkAllocateCommandBuffers (model->dev->device, &ai, &batch->gather),
        "vkAllocateCommandBuffers", error);
  }
  if (!ok) {
    uf_batch_unref (batch);
    return NULL;
  }
  /* window b reads pass slots b*T .. b*T+T-1, in order */
  guint32 *control = batch->pass->control.mapped;
  for (guint i = 0; i < batch->max_windows * model->info.frames; i++)
    control[i] = i;
  return batch;
}

UfBatch *
uf_batch_ref (UfBatch *batch)
{
  g_atomic_int_inc (&batch->ref_count);
  return batch;
}

void
uf_batch_unref (UfBatch *batch)
{
  if (batch == NULL || !g_atomic_int_dec_and_test (&batch->ref_count))
    return;
  /* the gather command buffer goes with the pass's pool */
  g_clear_pointer (&batch->pass, uf_session_free);
  uf_model_unref (batch->model);
  g_free (batch);
}

UfModel *
uf_batch_get_model (UfBatch *batch)
{
  return batch->model;
}

guint
uf_batch_get_max_windows (UfBatch *batch)
{
  return batch->max_windows;
}

gsize
uf_batch_get_device_bytes (UfBatch *batch)
{
  return uf_session_get_device_bytes (batch->pass);
}

void
uf_batch_get_counts (UfBatch *batch, guint64 *passes, guint64 *windows)
{
  g_mutex_lock (&batch->pass->run_lock);
  if (passes)
    *passes = batch->passes;
  if (windows)
    *windows = batch->windows;
  g_mutex_unlock (&batch->pass->run_lock);
}

/* The copy of @n members' windows into the pass's ring. Uploads that wrote
 * the slots were submitted earlier on the same queue. */
static gboolean
record_gather (UfBatch *batch, const UfBatchMember *members, guint n, GError **error)
{
  VkCommandBuffer cb = batch->gather;
  guint T = batch->model->info.frames;
  VkDeviceSize slot_bytes = (VkDeviceSize) batch->pass->slot_floats * sizeof (float);
  VkCommandBufferBeginInfo bi = {
    .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO,
    .flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT,
  };
  vkBeginCommandBuffer (cb, &bi);
  uf_cmd_barrier (cb, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT,
      VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT, VK_PIPELINE_STAGE_TRANSFER_BIT,
      VK_ACCESS_TRANSFER_READ_BIT | VK_ACCESS_TRANSFER_WRITE_BIT);
  VkBufferCopy regions[UF_METADATA_MAX_FRAMES];
  for (guint b = 0; b < n; b++) {
    for (guint t = 0; t < T; t++)
      regions[t] = (VkBufferCopy) {
        .srcOffset = members[b].slots[t] * slot_bytes,
        .dstOffset = ((VkDeviceSize) b * T + t) * slot_bytes,
        .size = slot_bytes,
      };
    vkCmdCopyBuffer (cb, members[b].session->ring.buffer, batch->pass->ring.buffer, T,
        regions);
  }
  return uf_vk_check (vkEndCommandBuffer (cb), "vkEndCommandBuffer", error);
}

static gboolean
check_member (UfBatch *batch, const UfBatchMember *m, GError **error)
{
  if (m->session == NULL || m->result == NULL || m->slots == NULL) {
    g_set_error (error, UF_ERROR, UF_ERROR_ARGUMENT, "a batch member lacks its session, "
        "window or result");
    return FALSE;
  }
  if (m->session->model != batch->model) {
    g_set_error (error, UF_ERROR, UF_ERROR_ARGUMENT, "a batch member's session runs another "
        "model");
    return FALSE;
  }
  return uf_session_check_window (m->session, m->slots, m->n_slots, error);
}

static gboolean
run_pass (UfBatch *batch, const UfBatchMember *members, guint n, GError **error)
{
  for (guint b = 0; b < n; b++)
    if (!check_member (batch, &members[b], error))
      return FALSE;
  UfSession *pass = batch->pass;
  gboolean ok = record_gather (batch, members, n, error)
      && uf_session_submit_pass (pass, batch->gather, n, error);
  for (guint b = 0; ok && b < n; b++)
    uf_session_fill_result (pass, b, members[b].result);
  if (ok) {
    batch->passes++;
    batch->windows += n;
  }
  return ok;
}

gboolean
uf_batch_run (UfBatch *batch, const UfBatchMember *members, guint n_members, GError **error)
{
  gboolean ok = TRUE;
  g_mutex_lock (&batch->pass->run_lock);
  for (guint first = 0; ok && first < n_members; first += batch->max_windows)
    ok = run_pass (batch, members + first, MIN (batch->max_windows, n_members - first), error);
  g_mutex_unlock (&batch->pass->run_lock);
  return ok;
}

gboolean
uf_batch_profile_ops (UfBatch *batch, guint n_windows, UfOpClassTime *classes, GError **error)
{
  /* takes the pass's run_lock itself */
  return uf_session_profile_pass (batch->pass, CLAMP (n_windows, 1, batch->max_windows),
      classes, error);
}
