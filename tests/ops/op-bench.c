/* op-bench.c */
#include <sys/resource.h>
#include <math.h>
#include <string.h>
#include "op-bench.h"
#include "uf-weight-pack.h"
#include "uf-model-file.h"

static float *
random_floats (GRand *rand, gsize n, float scale)
{
  float *v = g_new (float, MAX (n, 1));
  for (gsize i = 0; i < n; i++)
    v[i] = g_rand_double_range (rand, -scale, scale);
  return v;
}

void
uf_op_bench_init (UfOpBench *b, UfDevice *dev, guint32 seed, gsize n_arena, gsize n_weights,
    gsize n_weights16, gsize n_ring, gsize n_control, gsize n_staging, float scale)
{
  memset (b, 0, sizeof (*b));
  b->dev = dev;
  b->rand = g_rand_new_with_seed (seed);
  b->n_arena = n_arena;
  b->n_weights = n_weights;
  b->n_weights16 = n_weights16;
  b->n_ring = n_ring;
  b->n_control = n_control;
  b->n_staging = n_staging;
  b->arena = random_floats (b->rand, n_arena, scale);
  b->weights = random_floats (b->rand, n_weights, scale);
  b->ring = random_floats (b->rand, n_ring, scale);
  b->weights16_bits = g_new (guint16, MAX (n_weights16, 8));
  b->weights16 = g_new (float, MAX (n_weights16, 8));
  for (gsize i = 0; i < n_weights16; i++) {
    b->weights16_bits[i] = uf_float_to_half (g_rand_double_range (b->rand, -scale, scale));
    b->weights16[i] = uf_half_to_float (b->weights16_bits[i]);
  }
  b->control = g_new0 (guint32, MAX (n_control, 1));
  b->staging = g_new0 (guint8, MAX (n_staging, 4));
  for (gsize i = 0; i < n_staging; i++)
    b->staging[i] = g_rand_int_range (b->rand, 0, 256);
}

void
uf_op_bench_clear (UfOpBench *b)
{
  g_rand_free (b->rand);
  g_free (b->arena);
  g_free (b->weights);
  g_free (b->weights16_bits);
  g_free (b->weights16);
  g_free (b->ring);
  g_free (b->control);
  g_free (b->staging);
  g_free (b->gpu_arena);
  g_free (b->gpu_ring);
}

static void
make_buffer (UfDevice *dev, UfBuffer *buf, const void *data, gsize bytes, gboolean host)
{
  GError *error = NULL;
  g_assert_true (uf_buffer_create (dev, MAX ((bytes + 3) / 4 * 4, 16), host, buf, &error));
  if (bytes > 0)
    g_assert_true (uf_buffer_upload (dev, buf, 0, data, bytes, &error));
  g_assert_no_error (error);
}

static double
process_cpu_ms (void)
{
  struct rusage u;
  getrusage (RUSAGE_SELF, &u);
  return (u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e3
      + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e3;
}

void
uf_op_bench_run (UfOpBench *b, UfOpRecordFunc record, UfOpReferenceFunc reference,
    gconstpointer args)
{
  UfDevice *dev = b->dev;
  GError *error = NULL;
  UfBuffer bufs[UF_N_BINDINGS];
  make_buffer (dev, &bufs[UF_BINDING_ARENA], b->arena, b->n_arena * 4, FALSE);
  make_buffer (dev, &bufs[UF_BINDING_WEIGHTS], b->weights, b->n_weights * 4, FALSE);
  make_buffer (dev, &bufs[UF_BINDING_WEIGHTS16], b->weights16_bits, b->n_weights16 * 2, FALSE);
  make_buffer (dev, &bufs[UF_BINDING_RING], b->ring, b->n_ring * 4, FALSE);
  make_buffer (dev, &bufs[UF_BINDING_STAGING], b->staging, b->n_staging, TRUE);
  make_buffer (dev, &bufs[UF_BINDING_CONTROL], b->control, b->n_control * 4, TRUE);
  UfBuffer *ptrs[UF_N_BINDINGS];
  for (guint i = 0; i < UF_N_BINDINGS; i++)
    ptrs[i] = &bufs[i];
  UfDescriptors descriptors;
  g_assert_true (uf_descriptors_init (dev, &descriptors, ptrs, NULL, &error));
  g_assert_no_error (error);

  VkCommandBufferAllocateInfo ai = {
    .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
    .commandPool = dev->upload_pool,
    .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
    .commandBufferCount = 1,
  };
  VkCommandBuffer cb;
  VkFence fence;
  VkFenceCreateInfo fi = { .sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO };
  g_assert_cmpint (vkAllocateCommandBuffers (dev->device, &ai, &cb), ==, VK_SUCCESS);
  g_assert_cmpint (vkCreateFence (dev->device, &fi, NULL, &fence), ==, VK_SUCCESS);
  VkCommandBufferBeginInfo bi = { .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO };
  vkBeginCommandBuffer (cb, &bi);
  /* the uploads submitted before are visible to the op */
  uf_cmd_barrier (cb, VK_PIPELINE_STAGE_TRANSFER_BIT | VK_PIPELINE_STAGE_HOST_BIT,
      VK_ACCESS_TRANSFER_WRITE_BIT | VK_ACCESS_HOST_WRITE_BIT,
      VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_READ_BIT);
  UfRecorder rec;
  uf_rec_init (&rec, dev, cb, descriptors.set, VK_NULL_HANDLE);
  if (b->tuning)
    rec.tuning = b->tuning;
  record (&rec, args);
  g_assert_true (uf_rec_finish (&rec, &error));
  vkEndCommandBuffer (cb);
  for (guint i = 0; i < MAX (b->repeats, 1); i++) {
    gint64 t0 = g_get_monotonic_time ();
    double cpu0 = process_cpu_ms ();
    g_assert_true (uf_device_submit_and_wait (dev, cb, fence, &error));
    b->last_ms = (g_get_monotonic_time () - t0) / 1000.0;
    b->last_cpu_ms = process_cpu_ms () - cpu0;
  }
  g_assert_no_error (error);

  b->gpu_arena = g_new (float, MAX (b->n_arena, 4));
  b->gpu_ring = g_new (float, MAX (b->n_ring, 4));
  g_assert_true (uf_buffer_download (dev, &bufs[UF_BINDING_ARENA], 0, b->gpu_arena,
          MAX (b->n_arena * 4, 16), &error));
  g_assert_true (uf_buffer_download (dev, &bufs[UF_BINDING_RING], 0, b->gpu_ring,
          MAX (b->n_ring * 4, 16), &error));
  vkDestroyFence (dev->device, fence, NULL);
  vkFreeCommandBuffers (dev->device, dev->upload_pool, 1, &cb);
  uf_descriptors_clear (dev, &descriptors);
  for (guint i = 0; i < UF_N_BINDINGS; i++)
    uf_buffer_destroy (dev, &bufs[i]);

  UfHostBuffers h = {
    .arena = b->arena, .weights = b->weights, .weights16 = b->weights16,
    .ring = b->ring, .control = b->control, .staging = b->staging,
  };
  if (reference)
    reference (args, &h);
}

double
uf_op_bench_error (const float *gpu, const float *ref, gsize off, gsize n, double floor)
{
  double max_ref = floor, max_diff = 0.0;
  for (gsize i = off; i < off + n; i++) {
    max_ref = MAX (max_ref, fabs (ref[i]));
    double d = fabs ((double) gpu[i] - ref[i]);
    if (!(d <= max_diff))       /* NaN counts as an error */
      max_diff = isnan (d) ? INFINITY : d;
  }
  return max_diff / max_ref;
}

static gboolean
in_region (gsize i, UfOpRegion r)
{
  if (i < r.off || r.rows == 0)
    return FALSE;
  gsize rel = i - r.off, row = rel / r.ld;
  return row < r.rows && rel % r.ld < r.cols;
}

double
uf_op_bench_region_error (const float *gpu, const float *ref, UfOpRegion r, double floor)
{
  double max_ref = floor, max_diff = 0.0;
  for (gsize row = 0; row < r.rows; row++)
    for (gsize col = 0; col < r.cols; col++) {
      gsize i = r.off + row * r.ld + col;
      max_ref = MAX (max_ref, fabs (ref[i]));
      double d = fabs ((double) gpu[i] - ref[i]);
      if (!(d <= max_diff))     /* NaN counts as an error */
        max_diff = isnan (d) ? INFINITY : d;
    }
  return max_diff / max_ref;
}

gsize
uf_op_bench_count_outside (const float *gpu, const float *ref, gsize n, UfOpRegion r)
{
  gsize changed = 0;
  for (gsize i = 0; i < n; i++)
    if (!in_region (i, r) && memcmp (&gpu[i], &ref[i], sizeof (float)) != 0)
      changed++;
  return changed;
}
