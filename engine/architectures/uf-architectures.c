/* uf-architectures.c: the list of network families, and the weight loader
 * they take their tensors through. */
#include "uf-architecture.h"

#include <stdarg.h>
#include <string.h>

#include "../uf-metadata.h"

extern const UfArchitecture uf_architecture_uniformer;
extern const UfArchitecture uf_architecture_uniformer_light;
extern const UfArchitecture uf_architecture_timesformer;
extern const UfArchitecture uf_architecture_vivit;
extern const UfArchitecture uf_architecture_videomae;

static const UfArchitecture *const architectures[] = {
  &uf_architecture_uniformer,
  &uf_architecture_uniformer_light,
  &uf_architecture_timesformer,
  &uf_architecture_vivit,
  &uf_architecture_videomae,
};

const UfArchitecture *
uf_architecture_find (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (architectures); i++)
    if (g_strcmp0 (architectures[i]->name, name) == 0)
      return architectures[i];
  return NULL;
}

/* ---- the weight loader --------------------------------------------------- */

struct _UfWeightLoader {
  UfModelFile *file;
  UfWeightPack *pack;
  GHashTable *asked;            /* names handed out (owned) */
  GError *problem;              /* the first missing or misshapen tensor */
};

/* Longest tensor name quoted verbatim in an error message. */
#define MAX_QUOTED 96

static char *
quote (const char *s)
{
  return uf_quote (s, MAX_QUOTED);
}

static void G_GNUC_PRINTF (3, 4)
set_problem (UfWeightLoader *ld, const char *name, const char *format, ...)
{
  va_list args;
  char *rest, *q;

  if (ld->problem)
    return;
  va_start (args, format);
  rest = g_strdup_vprintf (format, args);
  va_end (args);
  q = quote (name);
  ld->problem = g_error_new (UF_ERROR, UF_ERROR_MODEL_INVALID, "tensor \"%s\" %s", q, rest);
  g_free (q);
  g_free (rest);
}

static float *
read_tensor (UfWeightLoader *ld, gboolean *is_f16, guint n_dims, const gint64 *shape,
    char *name)
{
  const UfTensorView *t = uf_model_file_get_tensor (ld->file, name);
  gsize n = 1;

  for (guint i = 0; i < n_dims; i++)
    n *= (gsize) shape[i];
  if (is_f16)
    *is_f16 = FALSE;
  g_hash_table_add (ld->asked, name);
  if (t == NULL) {
    set_problem (ld, name, "is missing");
    return g_new0 (float, MAX (n, 1));
  }
  if (t->n_dims != n_dims || memcmp (t->shape, shape, n_dims * sizeof (gint64)) != 0) {
    char *have = uf_format_shape (t->n_dims, t->shape), *want = uf_format_shape (n_dims, shape);
    set_problem (ld, name, "has shape %s, expected %s", have, want);
    g_free (have);
    g_free (want);
    return g_new0 (float, MAX (n, 1));
  }
  float *out = g_new (float, MAX (n, 1));
  uf_tensor_view_to_f32 (t, out);
  if (is_f16)
    *is_f16 = t->dtype == UF_DTYPE_F16;
  return out;
}

float *
uf_weights_read (UfWeightLoader *ld, gboolean *is_f16, guint n_dims, const gint64 *shape,
    const char *format, ...)
{
  va_list args;
  char *name;

  va_start (args, format);
  name = g_strdup_vprintf (format, args);
  va_end (args);
  return read_tensor (ld, is_f16, n_dims, shape, name);
}

UfWeightPack *
uf_weights_pack (UfWeightLoader *ld)
{
  return ld->pack;
}

guint32
uf_weights_add_vector (UfWeightLoader *ld, guint32 n, const char *format, ...)
{
  va_list args;
  gint64 shape[1] = { n };
  char *name;

  va_start (args, format);
  name = g_strdup_vprintf (format, args);
  va_end (args);
  float *v = read_tensor (ld, NULL, 1, shape, name);
  guint32 off = uf_weight_pack_add (ld->pack, v, n);
  g_free (v);
  return off;
}

UfMatrixRef
uf_weights_add_linear (UfWeightLoader *ld, guint32 N, guint32 K, guint conv_dims,
    const char *prefix)
{
  gint64 shape[5] = { N, K, 1, 1, 1 };
  gboolean f16;
  float *w = uf_weights_read (ld, &f16, conv_dims == 5 ? 5 : 2, shape, "%s.weight", prefix);
  float *b = uf_weights_read (ld, NULL, 1, shape, "%s.bias", prefix);
  UfMatrixRef ref = uf_weight_pack_add_matrix (ld->pack, w, N, K, b, f16);
  g_free (w);
  g_free (b);
  return ref;
}

/* ---- preparing a network ------------------------------------------------- */

static gboolean
unknown_architecture (const char *name, GError **error)
{
  GString *known = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (architectures); i++)
    g_string_append_printf (known, "%s\"%s\"", i ? ", " : "", architectures[i]->name);
  g_set_error (error, UF_ERROR, UF_ERROR_MODEL_INVALID, "metadata \"architecture\" is \"%s\"; "
      "this build runs %s", name, known->str);
  g_string_free (known, TRUE);
  return FALSE;
}

gpointer
uf_architecture_prepare (UfModelFile *file, UfWeightPack *pack, const UfArchitecture **arch_out,
    GError **error)
{
  const UfModelInfo *info = uf_model_file_get_info (file);
  const UfArchitecture *arch = uf_architecture_find (info->architecture);
  UfWeightLoader ld = { .file = file, .pack = pack };
  gpointer params, net;
  char *what;

  if (arch == NULL) {
    unknown_architecture (info->architecture, error);
    goto failed;
  }
  params = arch->parse (uf_model_file_get_metadata (file), info, error);
  if (params == NULL)
    goto failed;
  ld.asked = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  net = arch->load (&ld, params, info);
  what = arch->describe (net);
  /* a tensor nobody asked for first (header order), so that a renamed set
   * of tensors is reported by one of its names, not as a missing one */
  for (guint i = 0; i < uf_model_file_get_n_tensors (file); i++) {
    const char *name = uf_model_file_get_tensor_at (file, i)->name;
    if (!g_hash_table_contains (ld.asked, name)) {
      g_clear_error (&ld.problem);
      set_problem (&ld, name, "is not a tensor of a %s", what);
      break;
    }
  }
  g_hash_table_unref (ld.asked);
  g_free (what);
  if (ld.problem) {
    g_propagate_error (error, ld.problem);
    arch->free_net (net);
    goto failed;
  }
  *arch_out = arch;
  return net;

failed:
  g_prefix_error (error, "%s: ", uf_model_file_get_display_name (file));
  return NULL;
}
