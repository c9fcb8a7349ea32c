/* write-test-model: writes a small valid gst-uniformer model file with random
 * finite weights (tests/model-file/model-writer.c).
 *
 *   write-test-model [--arch tiny|micro] [--f16] [--seed N] OUTPUT
 *
 * tiny:  depths 1,1,1,1, dims 32,64,128,256, head_dim 32, mlp_ratio 2, 5 classes
 *        (about 3.5 MB as F32), crop 64x64, 8 frames;
 * micro: depths 1,1,1,1, dims 4,4,4,4, head_dim 4, mlp_ratio 1, 2 classes
 *        (about 14 kB; the fuzzer's seeds).
 */
#include <stdio.h>
#include <stdlib.h>

#include "model-writer.h"

int
main (int argc, char **argv)
{
  char *arch = NULL;
  gboolean f16 = FALSE;
  gint seed = 1;
  GOptionEntry entries[] = {
    { "arch", 'a', 0, G_OPTION_ARG_STRING, &arch, "tiny (default) or micro", "ARCH" },
    { "f16", 0, 0, G_OPTION_ARG_NONE, &f16, "store weight matrices as F16", NULL },
    { "seed", 's', 0, G_OPTION_ARG_INT, &seed, "random seed (default 1)", "N" },
    { NULL }
  };
  GOptionContext *ctx = g_option_context_new ("OUTPUT - write a small test model file");
  GError *error = NULL;
  MwModel *model;
  const MwArch *a;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error) || argc != 2) {
    fprintf (stderr, "%s\n", error ? error->message : "exactly one OUTPUT expected");
    return 2;
  }
  g_option_context_free (ctx);

  if (arch == NULL || g_strcmp0 (arch, "tiny") == 0) {
    a = &mw_arch_tiny;
  } else if (g_strcmp0 (arch, "micro") == 0) {
    a = &mw_arch_micro;
  } else {
    fprintf (stderr, "unknown --arch %s\n", arch);
    return 2;
  }

  model = mw_model_new (a, f16 ? UF_DTYPE_F16 : UF_DTYPE_F32, (guint32) seed);
  if (a == &mw_arch_micro) {
    mw_model_set_meta (model, "crop_height", "32");
    mw_model_set_meta (model, "crop_width", "32");
    mw_model_set_meta (model, "frames", "2");
  }
  if (!mw_model_write (model, argv[1], &error)) {
    fprintf (stderr, "%s\n", error->message);
    return 1;
  }
  mw_model_free (model);
  g_free (arch);
  return 0;
}
