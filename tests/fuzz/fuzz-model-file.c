/* fuzz-model-file.c: libFuzzer entry point for the model-file loader.
 *
 * Feeds the input, as a whole file, to uf_model_file_new_from_bytes(), then
 * has its architecture take the tensors (uf_architecture_prepare, on the
 * host). The bytes are wrapped without a copy, so AddressSanitizer sees any
 * read past the fuzzer's buffer. A successfully loaded file is walked (info,
 * every tensor converted to float) to reach the accessors too. GLib criticals and
 * warnings abort, so an API misuse inside the loader counts as a crash.
 *
 * Built with clang -fsanitize=fuzzer,address,undefined (tests/fuzz/meson.build
 * with -Dfuzzer=true, or tests/fuzz/build-fuzzer.sh); replay.c drives the same
 * entry point from a plain main() for CI.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "uf-model-file.h"
#include "architectures/uf-architecture.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);

/* UF_FUZZ_VERBOSE=1: print each input's outcome (for inspecting a corpus). */
static gboolean verbose;
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  verbose = g_getenv ("UF_FUZZ_VERBOSE") != NULL;
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
  g_log_set_fatal_mask ("Json", G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
  g_log_set_fatal_mask ("GLib", G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  GBytes *bytes = g_bytes_new_static (size ? data : (const uint8_t *) "", size);
  GError *error = NULL;
  UfModelFile *file = uf_model_file_new_from_bytes (bytes, "fuzz.safetensors", &error);
  const UfArchitecture *arch = NULL;
  UfWeightPack pack;
  gpointer net = NULL;

  if (file) {
    uf_weight_pack_init (&pack);
    net = uf_architecture_prepare (file, &pack, &arch, &error);
    uf_weight_pack_clear (&pack);
    if (net)
      arch->free_net (net);
    else
      g_clear_pointer (&file, uf_model_file_free);
  }

  if (file == NULL) {
    if (error == NULL || error->domain != UF_ERROR
        || (error->code != UF_ERROR_MODEL_FILE && error->code != UF_ERROR_MODEL_INVALID)
        || !g_str_has_prefix (error->message, "fuzz.safetensors: "))
      abort ();
    if (verbose)
      g_printerr ("%s\n", error->message);
    g_error_free (error);
  } else {
    const UfModelInfo *info = uf_model_file_get_info (file);
    guint n = uf_model_file_get_n_tensors (file);
    volatile float sink = 0.0f;

    if (error != NULL || info->name == NULL || info->labels == NULL || info->provenance == NULL)
      abort ();
    for (guint i = 0; i < info->num_classes; i++)
      if (info->labels[i] == NULL)
        abort ();
    for (guint i = 0; i < n; i++) {
      const UfTensorView *t = uf_model_file_get_tensor_at (file, i);
      float *out = g_new (float, MAX (t->n_elements, 1));

      if (uf_model_file_get_tensor (file, t->name) != t)
        abort ();
      uf_tensor_view_to_f32 (t, out);
      for (gsize k = 0; k < t->n_elements; k++)
        sink += out[k];
      g_free (out);
    }
    (void) sink;
    if (verbose)
      g_printerr ("fuzz.safetensors: valid, %u tensors\n", n);
    uf_model_file_free (file);
  }
  g_bytes_unref (bytes);
  return 0;
}
