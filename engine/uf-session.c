/* uf-session.c: per-stream state. The forward pass is recorded once (for
 * a batch's pass, once per window count) and replayed for every window:
 * the window's slot numbers are the only thing that changes, and they live
 * in the host-visible control buffer. Frames are preprocessed by command
 * buffers of their own on the upload side (a few in flight), so a stream
 * can upload while a window runs. A session in a batch has no pass: it
 * holds its frames, and uf-batch.c gathers them. */
#include <math.h>
#include <string.h>
#include "uf-session-private.h"
#include "ops/uf-ops.h"

#define MAX_TIMESTAMPS (UF_MAX_STAGES + 1)

static gboolean
submitter_init (UfSession *ss, UfSubmitter *sub, GError **error)
{
  VkDevice d = ss->dev->device;
  VkCommandPoolCreateInfo pi = {
    .sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO,
    .flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT,
    .queueFamilyIndex = ss->dev->queue_family,
  };
  VkFenceCreateInfo fi = { .sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO };
  if (!uf_vk_check (vkCreateCommandPool (d, &pi, NULL, &sub->pool), "vkCreateCommandPool",
          error) || !uf_vk_check (vkCreateFence (d, &fi, NULL, &sub->fence), "vkCreateFence",
          error))
    return FALSE;
  VkCommandBufferAllocateInfo ai = {
    .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
    .commandPool = sub->pool,
    .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
    .commandBufferCount = 1,
  };
  return uf_vk_check (vkAllocateCommandBuffers (d, &ai, &sub->cb), "vkAllocateCommandBuffers",
      error);
}

/* The part of a weight buffer window @k covers (uf-vk.h). */
static UfRange
weight_window (const UfDevice *dev, const UfBuffer *buf, guint k)
{
  VkDeviceSize start = MIN (k * dev->weight_window, buf->size - 16);
  return (UfRange) { start, MIN (2 * dev->weight_window, buf->size - start) };
}

static gboolean
descriptors_for (UfSession *ss, UfSubmitter *sub, UfDescriptors *d, guint w32, guint w16,
    GError **error)
{
  UfBuffer *buffers[UF_N_BINDINGS] = {
    [UF_BINDING_ARENA] = &ss->arena,
    [UF_BINDING_WEIGHTS] = &ss->model->weights,
    [UF_BINDING_WEIGHTS16] = &ss->model->weights16,
    [UF_BINDING_RING] = &ss->ring,
    [UF_BINDING_STAGING] = sub->staging,
    [UF_BINDING_CONTROL] = &ss->control,
  };
  UfRange ranges[UF_N_BINDINGS] = {
    [UF_BINDING_WEIGHTS] = weight_window (ss->dev, &ss->model->weights, w32),
    [UF_BINDING_WEIGHTS16] = weight_window (ss->dev, &ss->model->weights16, w16),
  };
  return uf_descriptors_init (ss->dev, d, buffers, ranges, error);
}

static void
free_descriptors (gpointer data)
{
  UfDescriptors *d = data;
  /* the device outlives every session's descriptors */
  uf_descriptors_clear (d->dev, d);
  g_free (d);
}

static gboolean
submitter_bind (UfSession *ss, UfSubmitter *sub, UfBuffer *staging, GError **error)
{
  sub->staging = staging;
  uf_descriptors_clear (ss->dev, &sub->descriptors);
  if (sub->windows)
    g_hash_table_remove_all (sub->windows);
  return descriptors_for (ss, sub, &sub->descriptors, 0, 0, error);
}

typedef struct {
  UfSession *ss;
  UfSubmitter *sub;
} WindowSource;

/* UfWeightSets for the forward pass: the sets of other windows, made the
 * first time an op needs them. */
static VkDescriptorSet
set_for_windows (gpointer data, guint w32, guint w16, GError **error)
{
  WindowSource *src = data;
  UfSubmitter *sub = src->sub;
  if (w32 == 0 && w16 == 0)
    return sub->descriptors.set;
  if (sub->windows == NULL)
    sub->windows = g_hash_table_new_full (NULL, NULL, NULL, free_descriptors);
  gpointer key = GUINT_TO_POINTER (w32 << 16 | w16);
  UfDescriptors *d = g_hash_table_lookup (sub->windows, key);
  if (d == NULL) {
    d = g_new0 (UfDescriptors, 1);
    if (!descriptors_for (src->ss, sub, d, w32, w16, error)) {
      g_free (d);
      return VK_NULL_HANDLE;
    }
    g_hash_table_insert (sub->windows, key, d);
  }
  return d->set;
}

static void
submitter_clear (UfSession *ss, UfSubmitter *sub)
{
  VkDevice d = ss->dev->device;
  if (sub->fence)
    vkDestroyFence (d, sub->fence, NULL);
  if (sub->pool)
    vkDestroyCommandPool (d, sub->pool, NULL);
  uf_descriptors_clear (ss->dev, &sub->descriptors);
  g_clear_pointer (&sub->windows, g_hash_table_unref);
}

/* The forward pass's pipelines, built on every core before it is recorded
 * (uf-pipelines.c says why). */
static gboolean
prepare_pipelines (UfSession *ss, GError **error)
{
  GPtrArray *wanted = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  for (guint n = 1; n <= ss->batch_windows; n++) {
    UfRecorder collect;
    uf_rec_init_collect (&collect, ss->dev, wanted);
    ss->model->arch->record (&collect, ss->model->net, ss->slot_floats, n);
  }
  gboolean ok = uf_device_prepare_pipelines (ss->dev, wanted, error);
  g_ptr_array_unref (wanted);
  return ok;
}

/* The network for @n windows into @cb, after the barrier that makes the
 * frames and the slot list visible to its first op. */
static void
record_network (UfSession *ss, VkCommandBuffer cb, UfRecorder *rec, const UfWeightSets *sets,
    VkQueryPool stage_times, UfRecProfile *profile, guint n)
{
  /* Frames preprocessed by earlier submissions, and the host's write of
   * the slot list, must be visible to the first op. */
  uf_cmd_barrier (cb, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_HOST_BIT |
      VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_HOST_WRITE_BIT |
      VK_ACCESS_TRANSFER_WRITE_BIT, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
      VK_ACCESS_SHADER_READ_BIT);
  uf_rec_init (rec, ss->dev, cb, ss->run.descriptors.set, stage_times);
  uf_rec_set_weight_sets (rec, sets);
  rec->profile = profile;
  if (profile)
    vkCmdWriteTimestamp (cb, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, profile->pool, 0);
  ss->model->arch->record (rec, ss->model->net, ss->slot_floats, n);
}

/* The pass of @n windows into @cb; their logits go to results [n][K]. */
static gboolean
record_pass (UfSession *ss, VkCommandBuffer cb, guint n, GError **error)
{
  VkCommandBufferBeginInfo bi = { .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO };
  vkBeginCommandBuffer (cb, &bi);
  if (ss->queries)
    vkCmdResetQueryPool (cb, ss->queries, 0, ss->n_stages + 1);
  UfRecorder rec;
  WindowSource src = { ss, &ss->run };
  UfWeightSets sets = { set_for_windows, &src };
  record_network (ss, cb, &rec, &sets, ss->queries, NULL, n);
  VkBufferCopy region = {
    .srcOffset = (VkDeviceSize) n * ss->layout->logits * sizeof (float),
    .size = (VkDeviceSize) n * ss->model->info.num_classes * sizeof (float),
  };
  uf_cmd_barrier (cb, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_WRITE_BIT,
      VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_READ_BIT);
  vkCmdCopyBuffer (cb, ss->arena.buffer, ss->results.buffer, 1, &region);
  uf_cmd_barrier (cb, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT,
      VK_PIPELINE_STAGE_HOST_BIT, VK_ACCESS_HOST_READ_BIT);
  gboolean ok = uf_rec_finish (&rec, error);
  return uf_vk_check (vkEndCommandBuffer (cb), "vkEndCommandBuffer", ok ? error : NULL) && ok;
}

/* Every pass, 1 to batch_windows windows, recorded once. */
static gboolean
record_forward (UfSession *ss, GError **error)
{
  if (!prepare_pipelines (ss, error))
    return FALSE;
  ss->passes = g_new0 (VkCommandBuffer, ss->batch_windows);
  ss->passes[0] = ss->run.cb;
  VkCommandBufferAllocateInfo ai = {
    .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
    .commandPool = ss->run.pool,
    .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
    .commandBufferCount = ss->batch_windows - 1,
  };
  gboolean ok = ss->batch_windows == 1 || uf_vk_check (vkAllocateCommandBuffers (
          ss->dev->device, &ai, ss->passes + 1), "vkAllocateCommandBuffers", error);
  for (guint n = 1; ok && n <= ss->batch_windows; n++)
    ok = record_pass (ss, ss->passes[n - 1], n, error);
  uf_device_save_pipeline_cache (ss->dev);
  return ok;
}

static gboolean
create_queries (UfSession *ss, GError **error)
{
  if (ss->dev->props.limits.timestampComputeAndGraphics == VK_FALSE)
    return TRUE;
  VkQueryPoolCreateInfo qi = {
    .sType = VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO,
    .queryType = VK_QUERY_TYPE_TIMESTAMP,
    .queryCount = ss->n_stages + 1,
  };
  return uf_vk_check (vkCreateQueryPool (ss->dev->device, &qi, NULL, &ss->queries),
      "vkCreateQueryPool", error);
}

UfSession *
uf_session_new (UfModel *model, const UfSessionConfig *config, GError **error)
{
  return uf_session_new_full (model, config, config && config->batch ? 0 : 1, error);
}

UfSession *
uf_session_new_full (UfModel *model, const UfSessionConfig *config, guint windows,
    GError **error)
{
  UfSession *ss = g_new0 (UfSession, 1);
  const UfModelInfo *info = &model->info;
  ss->model = uf_model_ref (model);
  ss->dev = model->dev;
  g_mutex_init (&ss->run_lock);
  g_mutex_init (&ss->upload_lock);
  ss->resize_mode = config ? config->resize_mode : UF_RESIZE_CROP;
  /* Test-only: lets the plugin's live tests make inference slower than the
   * stream without a big model. Read once here, never in the run path. */
  const char *delay = g_getenv ("UF_TEST_RUN_DELAY_MS");
  ss->test_run_delay_ms = delay ? (guint) g_ascii_strtoull (delay, NULL, 10) : 0;
  ss->ring_slots = config && config->ring_slots ? config->ring_slots : 2 * info->frames;
  ss->batch_windows = windows;
  if (windows == 0) {
    if (uf_batch_get_model (config->batch) != model) {
      g_set_error (error, UF_ERROR, UF_ERROR_ARGUMENT, "the session's batch runs another "
          "model");
      uf_session_free (ss);
      return NULL;
    }
    ss->batch = uf_batch_ref (config->batch);
  }
  ss->layout = uf_model_layout (model);
  ss->n_stages = g_strv_length ((char **) model->arch->stage_names);
  ss->slot_floats = 3 * info->crop_height * info->crop_width;
  /* a session that only holds frames binds stand-ins for what runs use */
  gsize arena_bytes = windows ? windows * ss->layout->arena_floats * sizeof (float) : 16;
  gsize control_bytes = MAX (windows, 1) * info->frames * sizeof (guint32);
  gsize results_bytes = windows ? windows * info->num_classes * sizeof (float) : 16;
  gsize ring_bytes = (gsize) (ss->ring_slots + info->frames) * ss->slot_floats * sizeof (float);
  gsize limit = ss->dev->props.limits.maxStorageBufferRange;
  if (arena_bytes > limit || ring_bytes > limit) {
    g_set_error (error, UF_ERROR, UF_ERROR_OUT_OF_MEMORY, "a session of %u frames at %ux%u "
        "with %u ring slots needs %.0f MiB buffers, more than this device's largest storage "
        "buffer (%.0f MiB)", info->frames, info->crop_height, info->crop_width,
        ss->ring_slots, MAX (arena_bytes, ring_bytes) / 1048576.0, limit / 1048576.0);
    uf_session_free (ss);
    return NULL;
  }
  gboolean ok = uf_buffer_create (ss->dev, arena_bytes, FALSE, &ss->arena, error)
      && uf_buffer_create (ss->dev, ring_bytes, FALSE, &ss->ring, error)
      && uf_buffer_create (ss->dev, control_bytes, TRUE, &ss->control, error)
      && uf_buffer_create (ss->dev, results_bytes, TRUE, &ss->results, error)
      && uf_buffer_create (ss->dev, 16, TRUE, &ss->no_staging, error);
  if (ok && windows)
    ok = submitter_init (ss, &ss->run, error)
        && submitter_bind (ss, &ss->run, &ss->no_staging, error)
        && create_queries (ss, error) && record_forward (ss, error);
  if (!ok) {
    uf_session_free (ss);
    return NULL;
  }
  return ss;
}

/* Waits for @u's upload (if any) to have run. upload_lock held. */
static void
wait_upload (UfSession *ss, UfUpload *u)
{
  if (u->submitted) {
    vkWaitForFences (ss->dev->device, 1, &u->sub.fence, VK_TRUE, UINT64_MAX);
    vkResetFences (ss->dev->device, 1, &u->sub.fence);
    u->submitted = 0;
  }
}

/* An upload whose staging buffer may be rewritten: one that has run, a new
 * one while fewer than UF_UPLOADS_IN_FLIGHT exist, else the oldest, waited
 * for. upload_lock held. */
static UfUpload *
idle_upload (UfSession *ss, GError **error)
{
  UfUpload *oldest = NULL;
  for (guint i = 0; i < ss->n_uploads; i++) {
    UfUpload *u = &ss->uploads[i];
    if (u->submitted && vkGetFenceStatus (ss->dev->device, u->sub.fence) == VK_SUCCESS) {
      vkResetFences (ss->dev->device, 1, &u->sub.fence);
      u->submitted = 0;
    }
    if (u->submitted == 0)
      return u;
    if (oldest == NULL || u->submitted < oldest->submitted)
      oldest = u;
  }
  if (ss->n_uploads < UF_UPLOADS_IN_FLIGHT) {
    UfUpload *u = &ss->uploads[ss->n_uploads];
    if (!uf_buffer_create (ss->dev, 16, TRUE, &u->staging, error)
        || !submitter_init (ss, &u->sub, error)
        || !submitter_bind (ss, &u->sub, &u->staging, error)) {
      submitter_clear (ss, &u->sub);
      uf_buffer_destroy (ss->dev, &u->staging);
      memset (u, 0, sizeof (*u));
      return NULL;
    }
    ss->n_uploads++;
    return u;
  }
  wait_upload (ss, oldest);
  return oldest;
}

void
uf_session_free (UfSession *ss)
{
  if (ss == NULL)
    return;
  /* Runs complete before uf_session_run returns; only uploads may still
   * be in flight. Their own fences, not vkDeviceWaitIdle: the device's
   * queue may be in use by other sessions of a shared model. */
  for (guint i = 0; i < ss->n_uploads; i++) {
    wait_upload (ss, &ss->uploads[i]);
    submitter_clear (ss, &ss->uploads[i].sub);
    uf_buffer_destroy (ss->dev, &ss->uploads[i].staging);
  }
  submitter_clear (ss, &ss->run);
  if (ss->queries)
    vkDestroyQueryPool (ss->dev->device, ss->queries, NULL);
  uf_buffer_destroy (ss->dev, &ss->arena);
  uf_buffer_destroy (ss->dev, &ss->ring);
  uf_buffer_destroy (ss->dev, &ss->control);
  uf_buffer_destroy (ss->dev, &ss->results);
  uf_buffer_destroy (ss->dev, &ss->no_staging);
  g_free (ss->passes);
  if (ss->batch)
    uf_batch_unref (ss->batch);
  g_mutex_clear (&ss->run_lock);
  g_mutex_clear (&ss->upload_lock);
  uf_model_unref (ss->model);
  g_free (ss);
}

guint
uf_session_get_ring_slots (UfSession *ss)
{
  return ss->ring_slots;
}

gsize
uf_session_get_device_bytes (UfSession *ss)
{
  gsize staging = 0;
  g_mutex_lock (&ss->upload_lock);
  for (guint i = 0; i < ss->n_uploads; i++)
    staging += ss->uploads[i].staging.size;
  g_mutex_unlock (&ss->upload_lock);
  return ss->arena.size + ss->ring.size + ss->control.size + ss->results.size + staging
      + ss->no_staging.size;
}

static void
read_stage_times (UfSession *ss)
{
  guint64 ts[MAX_TIMESTAMPS];
  ss->have_times = ss->queries && vkGetQueryPoolResults (ss->dev->device, ss->queries, 0,
      ss->n_stages + 1, sizeof (ts), ts, sizeof (guint64),
      VK_QUERY_RESULT_64_BIT) == VK_SUCCESS;
  for (guint i = 0; ss->have_times && i < ss->n_stages; i++)
    ss->stage_ms[i] = (ts[i + 1] - ts[i]) * ss->dev->timestamp_period_ns / 1e6;
}

void
uf_session_fill_result (UfSession *ss, guint b, UfResult *result)
{
  guint K = ss->model->info.num_classes;
  const float *logits = (const float *) ss->results.mapped + (gsize) b * K;
  result->num_classes = K;
  float max = -INFINITY;
  double sum = 0.0;
  for (guint i = 0; i < K; i++)
    max = MAX (max, logits[i]);
  for (guint i = 0; i < K; i++)
    sum += exp (logits[i] - max);
  for (guint i = 0; i < K; i++) {
    if (result->logits)
      result->logits[i] = logits[i];
    if (result->probs)
      result->probs[i] = exp (logits[i] - max) / sum;
  }
  double total = 0.0;
  for (guint i = 0; ss->have_times && i < ss->n_stages; i++)
    total += ss->stage_ms[i];
  result->gpu_time_ns = (guint64) (total * 1e6);
}

gboolean
uf_session_submit_pass (UfSession *ss, VkCommandBuffer pre, guint n, GError **error)
{
  VkCommandBuffer cbs[2] = { pre, ss->passes[n - 1] };
  guint first = pre ? 0 : 1;
  gboolean ok = uf_device_submit_all_and_wait (ss->dev, cbs + first, 2 - first, ss->run.fence,
      error);
  if (ok)
    read_stage_times (ss);
  if (ss->test_run_delay_ms)  /* test-only, see uf_session_new_full */
    g_usleep ((gulong) ss->test_run_delay_ms * 1000);
  return ok;
}

/* Whether @slots is a window of the model's length within @ss's ring
 * (its own slots and the T after them that run_tensor fills). */
gboolean
uf_session_check_window (UfSession *ss, const guint *slots, guint n_slots, GError **error)
{
  guint T = ss->model->info.frames;
  if (n_slots != T) {
    g_set_error (error, UF_ERROR, UF_ERROR_ARGUMENT, "the model takes windows of %u frames, "
        "got %u", T, n_slots);
    return FALSE;
  }
  for (guint i = 0; i < n_slots; i++)
    if (slots[i] >= ss->ring_slots + T) {
      g_set_error (error, UF_ERROR, UF_ERROR_ARGUMENT, "slot %u is outside the ring of %u "
          "slots", slots[i], ss->ring_slots);
      return FALSE;
    }
  return TRUE;
}

gboolean
uf_session_run (UfSession *ss, const guint *slots, guint n_slots, UfResult *result,
    GError **error)
{
  if (ss->batch) {
    UfBatchMember m = { ss, slots, n_slots, result };
    return uf_batch_run (ss->batch, &m, 1, error);
  }
  if (!uf_session_check_window (ss, slots, n_slots, error))
    return FALSE;
  g_mutex_lock (&ss->run_lock);
  guint32 *control = ss->control.mapped;
  for (guint i = 0; i < n_slots; i++)
    control[i] = slots[i];
  gboolean ok = uf_session_submit_pass (ss, VK_NULL_HANDLE, 1, error);
  if (ok)
    uf_session_fill_result (ss, 0, result);
  g_mutex_unlock (&ss->run_lock);
  return ok;
}

gboolean
uf_session_run_tensor (UfSession *ss, const float *tensor, UfResult *result, GError **error)
{
  guint T = ss->model->info.frames;
  gsize plane = ss->slot_floats / 3;
  /* [3][T][H][W] -> T slots of [3][H][W], placed after the user's slots */
  float *frames = g_new (float, (gsize) T * ss->slot_floats);
  for (guint t = 0; t < T; t++)
    for (guint c = 0; c < 3; c++)
      memcpy (frames + ((gsize) t * 3 + c) * plane, tensor + ((gsize) c * T + t) * plane,
          plane * sizeof (float));
  guint *slots = g_new (guint, T);
  for (guint t = 0; t < T; t++)
    slots[t] = ss->ring_slots + t;
  gboolean ok = uf_buffer_upload (ss->dev, &ss->ring,
      (VkDeviceSize) ss->ring_slots * ss->slot_floats * sizeof (float), frames,
      (gsize) T * ss->slot_floats * sizeof (float), error)
      && uf_session_run (ss, slots, T, result, error);
  g_free (frames);
  g_free (slots);
  return ok;
}

/* Timestamps per forward pass at most (a dispatch each, and one before). */
#define MAX_PROFILED_DISPATCHES 8192

const char *
uf_op_class_name (UfOpClass op_class)
{
  static const char *const names[UF_N_OP_CLASSES] = {
    "GEMM", "attention", "depthwise conv", "LayerNorm", "other",
  };
  return op_class < UF_N_OP_CLASSES ? names[op_class] : "?";
}

gboolean
uf_session_profile_ops (UfSession *ss, UfOpClassTime *classes, GError **error)
{
  if (ss->batch_windows == 0) {
    g_set_error (error, UF_ERROR, UF_ERROR_ARGUMENT, "the session runs through a batch; "
        "profile the batch (uf_batch_profile_ops)");
    return FALSE;
  }
  return uf_session_profile_pass (ss, 1, classes, error);
}

gboolean
uf_session_profile_pass (UfSession *ss, guint n, UfOpClassTime *classes, GError **error)
{
  VkDevice d = ss->dev->device;
  if (ss->dev->props.limits.timestampComputeAndGraphics == VK_FALSE) {
    g_set_error (error, UF_ERROR, UF_ERROR_NO_DEVICE, "this device has no timestamps to "
        "profile with");
    return FALSE;
  }

  UfRecProfile prof = {
    .capacity = MAX_PROFILED_DISPATCHES + 1,
    .op_class = g_new (UfOpClass, MAX_PROFILED_DISPATCHES),
    .macs = g_new (double, MAX_PROFILED_DISPATCHES),
  };
  VkQueryPoolCreateInfo qi = {
    .sType = VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO,
    .queryType = VK_QUERY_TYPE_TIMESTAMP,
    .queryCount = prof.capacity,
  };
  VkCommandBufferAllocateInfo ai = {
    .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
    .commandPool = ss->run.pool,
    .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
    .commandBufferCount = 1,
  };
  VkFenceCreateInfo fi = { .sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO };
  VkCommandBufferBeginInfo bi = { .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO };
  VkCommandBuffer cb = VK_NULL_HANDLE;
  VkFence fence = VK_NULL_HANDLE;
  guint64 *ts = g_new (guint64, prof.capacity);
  /* the run's pool, descriptor sets and buffers: no run meanwhile */
  g_mutex_lock (&ss->run_lock);
  gboolean ok = uf_vk_check (vkCreateQueryPool (d, &qi, NULL, &prof.pool), "vkCreateQueryPool",
      error)
      && uf_vk_check (vkAllocateCommandBuffers (d, &ai, &cb), "vkAllocateCommandBuffers", error)
      && uf_vk_check (vkCreateFence (d, &fi, NULL, &fence), "vkCreateFence", error);
  if (ok) {
    vkBeginCommandBuffer (cb, &bi);
    vkCmdResetQueryPool (cb, prof.pool, 0, prof.capacity);
    UfRecorder rec;
    WindowSource src = { ss, &ss->run };
    UfWeightSets sets = { set_for_windows, &src };
    record_network (ss, cb, &rec, &sets, VK_NULL_HANDLE, &prof, n);
    ok = uf_rec_finish (&rec, error)
        && uf_vk_check (vkEndCommandBuffer (cb), "vkEndCommandBuffer", error)
        && uf_device_submit_and_wait (ss->dev, cb, fence, error)
        && uf_vk_check (vkGetQueryPoolResults (d, prof.pool, 0, prof.n + 1,
            (prof.n + 1) * sizeof (guint64), ts, sizeof (guint64), VK_QUERY_RESULT_64_BIT),
            "vkGetQueryPoolResults", error);
  }
  memset (classes, 0, UF_N_OP_CLASSES * sizeof (UfOpClassTime));
  for (guint i = 0; ok && i < prof.n; i++) {
    UfOpClassTime *c = &classes[prof.op_class[i]];
    c->dispatches++;
    c->ms += (ts[i + 1] - ts[i]) * ss->dev->timestamp_period_ns / 1e6;
    c->macs += prof.macs[i];
  }
  if (cb)
    vkFreeCommandBuffers (d, ss->run.pool, 1, &cb);
  g_mutex_unlock (&ss->run_lock);
  if (fence)
    vkDestroyFence (d, fence, NULL);
  if (prof.pool)
    vkDestroyQueryPool (d, prof.pool, NULL);
  g_free (ts);
  g_free (prof.op_class);
  g_free (prof.macs);
  return ok;
}

void
uf_session_set_profiling (UfSession *ss, gboolean enable)
{
  ss->profiling = enable;
}

gboolean
uf_session_get_stage_times (UfSession *ss, double *ms)
{
  g_mutex_lock (&ss->run_lock);
  gboolean ok = ss->have_times;
  if (ok)
    memcpy (ms, ss->stage_ms, ss->n_stages * sizeof (double));
  g_mutex_unlock (&ss->run_lock);
  return ok;
}

guint
uf_session_get_n_stages (UfSession *ss)
{
  return ss->n_stages;
}

const char *
uf_session_get_stage_name (UfSession *ss, guint stage)
{
  return stage < ss->n_stages ? ss->model->arch->stage_names[stage] : NULL;
}

/* ---- frame upload -------------------------------------------------------- */

/* Resize geometry: the official protocol scales the short side to the crop
 * size (long side floor(long/short*size)) and takes the centre; for a
 * non-square input the scale is the one that covers the whole crop. */
static void
frame_geometry (UfSession *ss, const UfFrame *f, UfPreprocessArgs *a)
{
  guint ch = ss->model->info.crop_height, cw = ss->model->info.crop_width;
  guint rh = ch, rw = cw;
  if (ss->resize_mode == UF_RESIZE_CROP) {
    if ((guint64) f->height * cw <= (guint64) f->width * ch)
      rw = MAX (cw, (guint) floor ((double) f->width / f->height * ch));
    else
      rh = MAX (ch, (guint) floor ((double) f->height / f->width * cw));
  }
  a->scale_x = (float) f->width / rw;
  a->scale_y = (float) f->height / rh;
  a->crop_x0 = (rw - cw + 1) / 2;
  a->crop_y0 = (rh - ch + 1) / 2;
  a->dst_w = cw;
  a->dst_h = ch;
}

static gboolean
ensure_staging (UfSession *ss, UfUpload *u, gsize bytes, GError **error)
{
  if (u->staging.size >= bytes)
    return TRUE;
  uf_buffer_destroy (ss->dev, &u->staging);
  return uf_buffer_create (ss->dev, bytes, TRUE, &u->staging, error)
      && submitter_bind (ss, &u->sub, &u->staging, error);
}

gboolean
uf_session_upload_frame (UfSession *ss, guint slot, const UfFrame *frame, GError **error)
{
  UfFrameLayout l;
  if (!uf_frame_get_layout (frame, &l, error))
    return FALSE;
  if (slot >= ss->ring_slots) {
    g_set_error (error, UF_ERROR, UF_ERROR_ARGUMENT, "slot %u is outside the ring of %u slots",
        slot, ss->ring_slots);
    return FALSE;
  }
  const UfModelInfo *info = &ss->model->info;
  UfPreprocessArgs a = {
    .format = frame->format, .src_w = frame->width, .src_h = frame->height,
    .slot_off = slot * ss->slot_floats,
    .bgr = info->color_order == UF_COLOR_ORDER_BGR,
    .kr = frame->yuv_matrix == UF_YUV_MATRIX_BT709 ? 0.2126f : 0.299f,
    .kb = frame->yuv_matrix == UF_YUV_MATRIX_BT709 ? 0.0722f : 0.114f,
    .full_range = frame->yuv_full_range,
  };
  for (guint c = 0; c < 3; c++) {
    a.mean[c] = info->mean[c];
    a.inv_std[c] = 1.0f / info->std[c];
  }
  frame_geometry (ss, frame, &a);
  gsize total = 0;
  for (guint i = 0; i < l.n_planes; i++) {
    a.plane_off[i] = total;
    a.stride[i] = (l.row_bytes[i] + 3) / 4 * 4;
    total += (gsize) a.stride[i] * l.rows[i];
  }

  g_mutex_lock (&ss->upload_lock);
  UfUpload *u = idle_upload (ss, error);   /* its staging buffer is about to be rewritten */
  gboolean ok = u != NULL && ensure_staging (ss, u, total, error);
  if (ok) {
    for (guint i = 0; i < l.n_planes; i++)
      for (guint r = 0; r < l.rows[i]; r++)
        memcpy ((guint8 *) u->staging.mapped + a.plane_off[i] + (gsize) r * a.stride[i],
            frame->planes[i] + (gsize) r * frame->strides[i], l.row_bytes[i]);
    VkCommandBufferBeginInfo bi = {
      .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO,
      .flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT,
    };
    vkBeginCommandBuffer (u->sub.cb, &bi);
    UfRecorder rec;
    uf_rec_init (&rec, ss->dev, u->sub.cb, u->sub.descriptors.set, VK_NULL_HANDLE);
    uf_op_preprocess_record (&rec, &a);
    ok = uf_rec_finish (&rec, error);
    vkEndCommandBuffer (u->sub.cb);
  }
  if (ok) {
    VkSubmitInfo si = {
      .sType = VK_STRUCTURE_TYPE_SUBMIT_INFO,
      .commandBufferCount = 1,
      .pCommandBuffers = &u->sub.cb,
    };
    g_mutex_lock (&ss->dev->queue_lock);
    VkResult r = vkQueueSubmit (ss->dev->queue, 1, &si, u->sub.fence);
    g_mutex_unlock (&ss->dev->queue_lock);
    ok = uf_vk_check (r, "vkQueueSubmit", error);
    if (ok)
      u->submitted = ++ss->n_submitted;
  }
  g_mutex_unlock (&ss->upload_lock);
  return ok;
}
