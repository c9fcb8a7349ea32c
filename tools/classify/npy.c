/* npy.c: the subset of the .npy format the classifier needs: little-endian
 * float32, C order, format versions 1 to 3. */
#include <string.h>
#include <stdlib.h>
#include "npy.h"

#define NPY_MAGIC "\x93NUMPY"

static gboolean
fail (GError **error, const char *path, const char *what)
{
  g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s: %s", path, what);
  return FALSE;
}

static gboolean
parse_shape (const char *header, NpyArray *out)
{
  const char *s = strstr (header, "'shape'");
  if (s == NULL || (s = strchr (s, '(')) == NULL)
    return FALSE;
  s++;
  out->n_dims = 0;
  out->n_elements = 1;
  while (*s && *s != ')') {
    while (*s == ' ' || *s == ',')
      s++;
    if (*s == ')')
      break;
    char *end;
    guint64 v = g_ascii_strtoull (s, &end, 10);
    if (end == s || out->n_dims == NPY_MAX_DIMS || v > G_MAXUINT32)
      return FALSE;
    out->shape[out->n_dims++] = v;
    if (!g_size_checked_mul (&out->n_elements, out->n_elements, v))
      return FALSE;
    s = end;
  }
  return *s == ')';
}

gboolean
npy_read_f32 (const char *path, NpyArray *out, GError **error)
{
  memset (out, 0, sizeof (*out));
  gchar *buf = NULL;
  gsize len = 0;
  if (!g_file_get_contents (path, &buf, &len, error))
    return FALSE;
  gboolean ok = FALSE;
  gsize hlen = 0, hstart = 0;
  if (len < 10 || memcmp (buf, NPY_MAGIC, 6) != 0) {
    fail (error, path, "not a .npy file");
  } else {
    guint8 major = buf[6];
    const guint8 *u = (const guint8 *) buf;
    if (major == 1) {
      hlen = u[8] | (u[9] << 8);
      hstart = 10;
    } else if (len >= 12) {
      hlen = u[8] | (u[9] << 8) | (u[10] << 16) | ((gsize) u[11] << 24);
      hstart = 12;
    }
    if (hstart == 0 || hlen > len - hstart) {
      fail (error, path, "truncated .npy header");
    } else {
      char *header = g_strndup (buf + hstart, hlen);
      gsize data_len = len - hstart - hlen;
      if (strstr (header, "'descr': '<f4'") == NULL)
        fail (error, path, "the array must be float32 ('<f4')");
      else if (strstr (header, "'fortran_order': False") == NULL)
        fail (error, path, "the array must be in C order");
      else if (!parse_shape (header, out))
        fail (error, path, "cannot parse the array shape");
      else if (out->n_elements * 4 != data_len)
        fail (error, path, "data size does not match the shape");
      else {
        out->data = g_new (float, MAX (out->n_elements, 1));
        memcpy (out->data, buf + hstart + hlen, data_len);
        ok = TRUE;
      }
      g_free (header);
    }
  }
  g_free (buf);
  return ok;
}

gboolean
npy_write_f32 (const char *path, const float *data, const gsize *shape, guint n_dims,
    GError **error)
{
  GString *h = g_string_new ("{'descr': '<f4', 'fortran_order': False, 'shape': (");
  gsize n = 1;
  for (guint i = 0; i < n_dims; i++) {
    g_string_append_printf (h, "%" G_GSIZE_FORMAT "%s", shape[i], n_dims == 1 ? "," : i + 1 <
        n_dims ? ", " : "");
    n *= shape[i];
  }
  g_string_append (h, "), }");
  while ((10 + h->len + 1) % 64 != 0)
    g_string_append_c (h, ' ');
  g_string_append_c (h, '\n');
  GByteArray *out = g_byte_array_new ();
  guint8 preamble[10] = { 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, h->len & 0xff, h->len >> 8 };
  g_byte_array_append (out, preamble, 10);
  g_byte_array_append (out, (const guint8 *) h->str, h->len);
  g_byte_array_append (out, (const guint8 *) data, n * sizeof (float));
  gboolean ok = g_file_set_contents (path, (const char *) out->data, out->len, error);
  g_byte_array_unref (out);
  g_string_free (h, TRUE);
  return ok;
}

void
npy_clear (NpyArray *a)
{
  g_clear_pointer (&a->data, g_free);
}
