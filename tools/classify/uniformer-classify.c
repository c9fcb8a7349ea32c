/* uniformer-classify: runs one clip through the engine and prints the top-k
 * labels; with --bench, times the engine; with --batch B as well, also B
 * windows in one pass (UfBatch), against one at a time.
 *
 *   uniformer-classify --model FILE --input-npy CLIP.npy [--logits-npy OUT.npy]
 *       [--top-k 5] [--device NAME] [--bench N [--batch B]] [--profile]
 *
 * The clip is a float32 array [1,3,T,H,W] or [3,T,H,W], already normalised. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "uniformer.h"
#include "npy.h"

static char *opt_model, *opt_input, *opt_logits, *opt_device;
static int opt_top_k = 5, opt_bench = 0, opt_batch = 1;
static gboolean opt_list, opt_profile;

static GOptionEntry entries[] = {
  { "model", 'm', 0, G_OPTION_ARG_FILENAME, &opt_model, "Model file (.safetensors)", "FILE" },
  { "input-npy", 'i', 0, G_OPTION_ARG_FILENAME, &opt_input,
    "Normalised clip, float32 [1,3,T,H,W] or [3,T,H,W]", "CLIP.npy" },
  { "logits-npy", 'o', 0, G_OPTION_ARG_FILENAME, &opt_logits, "Write the logits here",
    "OUT.npy" },
  { "top-k", 'k', 0, G_OPTION_ARG_INT, &opt_top_k, "Labels to print (default 5)", "K" },
  { "device", 'd', 0, G_OPTION_ARG_STRING, &opt_device,
    "Vulkan device: index or name substring (default: best available)", "NAME" },
  { "bench", 'b', 0, G_OPTION_ARG_INT, &opt_bench,
    "Run N times and print timings (random clip if no --input-npy)", "N" },
  { "batch", 0, 0, G_OPTION_ARG_INT, &opt_batch,
    "With --bench: also time batches of B windows (and --profile profiles the batch)", "B" },
  { "profile", 'p', 0, G_OPTION_ARG_NONE, &opt_profile,
    "Print the device time and GFLOP/s of each op class (GEMM, attention, ...) of one run",
    NULL },
  { "list-devices", 'l', 0, G_OPTION_ARG_NONE, &opt_list, "List Vulkan devices and exit", NULL },
  { NULL }
};

static int
compare_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

static double
median (double *v, guint n)
{
  qsort (v, n, sizeof (double), compare_double);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static float *
load_clip (const UfModelInfo *info, GError **error)
{
  gsize n = (gsize) 3 * info->frames * info->crop_height * info->crop_width;
  if (opt_input == NULL) {
    float *clip = g_new (float, n);
    GRand *rand = g_rand_new_with_seed (1);
    for (gsize i = 0; i < n; i++)
      clip[i] = g_rand_double_range (rand, -2.0, 2.0);
    g_rand_free (rand);
    return clip;
  }
  NpyArray a;
  if (!npy_read_f32 (opt_input, &a, error))
    return NULL;
  guint skip = a.n_dims == 5 && a.shape[0] == 1 ? 1 : 0;
  if (a.n_dims - skip != 4 || a.shape[skip] != 3 || a.shape[skip + 1] != info->frames
      || a.shape[skip + 2] != info->crop_height || a.shape[skip + 3] != info->crop_width) {
    g_set_error (error, UF_ERROR, UF_ERROR_ARGUMENT, "%s: expected shape [1,3,%u,%u,%u] or "
        "[3,%u,%u,%u] for this model", opt_input, info->frames, info->crop_height,
        info->crop_width, info->frames, info->crop_height, info->crop_width);
    npy_clear (&a);
    return NULL;
  }
  return a.data;
}

static void
print_top_k (const UfModelInfo *info, const UfResult *r)
{
  guint k = MIN ((guint) MAX (opt_top_k, 0), info->num_classes);
  gboolean *taken = g_new0 (gboolean, info->num_classes);
  for (guint i = 0; i < k; i++) {
    guint best = 0;
    float best_p = -1.0f;
    for (guint c = 0; c < info->num_classes; c++)
      if (!taken[c] && r->probs[c] > best_p) {
        best = c;
        best_p = r->probs[c];
      }
    taken[best] = TRUE;
    printf ("%u. %-40s %6.2f%%  (class %u, logit %.4f)\n", i + 1, info->labels[best],
        100.0 * best_p, best, r->logits[best]);
  }
  g_free (taken);
}

/* One more run with a timestamp after every dispatch: where the time goes
 * (of the batch's pass of @windows windows when @batch is set). */
static gboolean
profile (UfSession *session, UfBatch *batch, guint windows, GError **error)
{
  UfOpClassTime c[UF_N_OP_CLASSES];
  double total = 0.0;
  if (!(batch ? uf_batch_profile_ops (batch, windows, c, error)
          : uf_session_profile_ops (session, c, error)))
    return FALSE;
  if (batch)
    printf ("profile of a pass of %u windows\n", windows);
  for (guint i = 0; i < UF_N_OP_CLASSES; i++)
    total += c[i].ms;
  printf ("%-15s %10s %10s %7s %10s\n", "op class", "dispatches", "ms", "share", "GFLOP/s");
  for (guint i = 0; i < UF_N_OP_CLASSES; i++) {
    char rate[32] = "-";
    if (c[i].macs > 0 && c[i].ms > 0)
      g_snprintf (rate, sizeof (rate), "%.2f", 2 * c[i].macs / c[i].ms / 1e6);
    printf ("%-15s %10u %10.1f %6.1f%% %10s\n", uf_op_class_name (i), c[i].dispatches, c[i].ms,
        total > 0 ? 100.0 * c[i].ms / total : 0.0, rate);
  }
  printf ("%-15s %10s %10.1f  (timestamps after every dispatch)\n", "total", "", total);
  return TRUE;
}

static gboolean
bench (UfModel *model, UfSession *session, const float *clip, UfResult *r, double first_ms,
    double *steady_ms, GError **error)
{
  const UfModelInfo *info = uf_model_get_info (model);
  double *wall = g_new (double, opt_bench);
  double (*stages)[UF_MAX_STAGES] = g_malloc0_n (opt_bench, sizeof (*stages));
  guint n_stages = uf_session_get_n_stages (session);
  gboolean ok = TRUE;
  for (int i = 0; i < opt_bench && ok; i++) {
    gint64 t0 = g_get_monotonic_time ();
    ok = uf_session_run_tensor (session, clip, r, error);
    wall[i] = (g_get_monotonic_time () - t0) / 1000.0;
    if (!uf_session_get_stage_times (session, stages[i]))
      memset (stages[i], 0, sizeof (stages[i]));
  }
  if (ok) {
    double gflop = 2.0 * uf_model_get_macs (model) / 1e9;
    printf ("model: %s, %u x %u x %u, %.2f GFLOP per clip\n", info->name, info->frames,
        info->crop_height, info->crop_width, gflop);
    char *what = uf_model_describe (model);
    printf ("architecture: %s\n", what);
    g_free (what);
    for (guint s = 0; s < n_stages; s++) {
      double *v = g_new (double, opt_bench);
      for (int i = 0; i < opt_bench; i++)
        v[i] = stages[i][s];
      printf ("stage %-7s %9.1f ms (GPU, median)\n", uf_session_get_stage_name (session, s),
          median (v, opt_bench));
      g_free (v);
    }
    double ms = median (wall, opt_bench);
    *steady_ms = ms;
    printf ("first_inference_ms=%.1f\n", first_ms);
    printf ("ms_per_clip=%.1f\n", ms);
    printf ("first_over_steady=%.2f\n", first_ms / ms);
    printf ("gflops=%.2f\n", gflop / (ms / 1000.0));
    printf ("device_memory_mib=%.1f (weights %.1f, session %.1f)\n",
        (uf_model_get_device_bytes (model) + uf_session_get_device_bytes (session)) / 1048576.0,
        uf_model_get_device_bytes (model) / 1048576.0,
        uf_session_get_device_bytes (session) / 1048576.0);
  }
  g_free (wall);
  g_free (stages);
  return ok;
}

/* B member sessions of a batch, each holding the clip, timed as one batch
 * against the same windows one at a time. */
static gboolean
bench_batch (UfModel *model, const float *clip, UfResult *r, double alone_ms, UfBatch **out,
    GError **error)
{
  const UfModelInfo *info = uf_model_get_info (model);
  guint B = (guint) opt_batch, T = info->frames;
  UfBatch *batch = uf_batch_new (model, B, error);
  if (batch == NULL)
    return FALSE;
  B = uf_batch_get_max_windows (batch);
  UfSessionConfig config = { .batch = batch };
  UfSession **members = g_new0 (UfSession *, B);
  UfBatchMember *m = g_new0 (UfBatchMember, B);
  guint *slots = g_new (guint, T);
  gboolean ok = TRUE;
  for (guint b = 0; b < B && ok; b++) {
    /* run_tensor puts the clip in the T slots after the ring's own */
    ok = (members[b] = uf_session_new (model, &config, error)) != NULL
        && uf_session_run_tensor (members[b], clip, r, error);
    for (guint t = 0; ok && t < T; t++)
      slots[t] = uf_session_get_ring_slots (members[b]) + t;
    m[b] = (UfBatchMember) { members[b], slots, T, r };
  }
  double *wall = g_new (double, opt_bench);
  for (int i = 0; i < opt_bench && ok; i++) {
    gint64 t0 = g_get_monotonic_time ();
    ok = uf_batch_run (batch, m, B, error);
    wall[i] = (g_get_monotonic_time () - t0) / 1000.0;
  }
  if (ok) {
    double ms = median (wall, opt_bench) / B;
    printf ("batch_windows=%u\n", B);
    printf ("ms_per_window_batched=%.1f\n", ms);
    printf ("batched_over_alone=%.2f\n", ms / alone_ms);
    printf ("batch_device_memory_mib=%.1f (activations and frames of %u windows)\n",
        uf_batch_get_device_bytes (batch) / 1048576.0, B);
  }
  for (guint b = 0; b < B; b++)
    uf_session_free (members[b]);
  g_free (members);
  g_free (m);
  g_free (slots);
  g_free (wall);
  *out = batch;
  return ok;
}

static gboolean
run (GError **error)
{
  UfDevice *device = uf_device_open (opt_device, error);
  if (device == NULL)
    return FALSE;
  char *paths = uf_device_describe_paths (device);
  fprintf (stderr, "device: %s (%s)\nengine paths: %s\n", uf_device_get_name (device),
      uf_device_get_type_name (device), paths);
  g_free (paths);
  gboolean ok = FALSE;
  UfModel *model = uf_model_load (device, opt_model, error);
  UfSession *session = NULL;
  float *clip = NULL;
  if (model) {
    const UfModelInfo *info = uf_model_get_info (model);
    float *logits = g_new (float, info->num_classes), *probs = g_new (float, info->num_classes);
    UfResult r = { .logits = logits, .probs = probs };
    gint64 t0 = g_get_monotonic_time ();
    ok = (clip = load_clip (info, error)) != NULL
        && (t0 = g_get_monotonic_time (), session = uf_session_new (model, NULL, error)) != NULL
        && uf_session_run_tensor (session, clip, &r, error);
    double first_ms = (g_get_monotonic_time () - t0) / 1000.0;
    double steady_ms = 0.0;
    UfBatch *batch = NULL;
    if (ok && opt_bench > 0)
      ok = bench (model, session, clip, &r, first_ms, &steady_ms, error);
    if (ok && opt_bench > 0 && opt_batch > 1)
      ok = bench_batch (model, clip, &r, steady_ms, &batch, error);
    if (ok && opt_profile)
      ok = profile (session, batch, batch ? uf_batch_get_max_windows (batch) : 1, error);
    if (batch)
      uf_batch_unref (batch);
    if (ok)
      print_top_k (info, &r);
    if (ok && opt_logits) {
      gsize shape[1] = { info->num_classes };
      ok = npy_write_f32 (opt_logits, logits, shape, 1, error);
    }
    g_free (logits);
    g_free (probs);
  }
  g_free (clip);
  uf_session_free (session);
  uf_model_unref (model);
  guint messages = uf_device_get_validation_message_count (device);
  uf_device_unref (device);
  if (ok && messages > 0) {
    g_set_error (error, UF_ERROR, UF_ERROR_VULKAN, "the Vulkan validation layer reported %u "
        "message(s)", messages);
    ok = FALSE;
  }
  return ok;
}

int
main (int argc, char **argv)
{
  GError *error = NULL;
  GOptionContext *ctx = g_option_context_new ("- classify a video clip with UniFormer");
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error)) {
    fprintf (stderr, "uniformer-classify: %s\n", error->message);
    return 2;
  }
  g_option_context_free (ctx);
  if (opt_list) {
    char **list = uf_device_list (&error);
    for (char **d = list; d && *d; d++)
      printf ("%s\n", *d);
    g_strfreev (list);
  } else if (opt_model == NULL || (opt_input == NULL && opt_bench == 0)) {
    fprintf (stderr, "uniformer-classify: --model and --input-npy (or --bench N) are needed\n");
    return 2;
  } else {
    run (&error);
  }
  if (error) {
    fprintf (stderr, "uniformer-classify: %s\n", error->message);
    g_error_free (error);
    return 1;
  }
  return 0;
}
