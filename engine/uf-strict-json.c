/* uf-strict-json.c: strict JSON parser producing json-glib nodes. */
#include "uf-strict-json.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "uniformer.h"

typedef struct {
  const guchar *start;
  const guchar *p;
  const guchar *end;
  guint depth;
  guint max_depth;
  guint n_values;
  guint max_values;
  gint code;
  GError **error;
} Parser;

static gboolean parse_value (Parser *ps, JsonNode **out);

static gboolean G_GNUC_PRINTF (2, 3)
fail (Parser *ps, const char *format, ...)
{
  va_list args;
  char *what;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (ps->error, UF_ERROR, ps->code, "invalid JSON at byte %" G_GSIZE_FORMAT ": %s",
      (gsize) (ps->p - ps->start), what);
  g_free (what);
  return FALSE;
}

/* A short printable rendering of the byte at the cursor, for messages. */
static const char *
describe_char (Parser *ps, char buf[16])
{
  if (ps->p >= ps->end)
    return "end of input";
  if (*ps->p >= 0x20 && *ps->p < 0x7f)
    g_snprintf (buf, 16, "'%c'", *ps->p);
  else
    g_snprintf (buf, 16, "byte 0x%02x", *ps->p);
  return buf;
}

static void
skip_ws (Parser *ps)
{
  while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
    ps->p++;
}

static gboolean
read_hex4 (Parser *ps, guint *out)
{
  guint v = 0;

  if (ps->end - ps->p < 4)
    return fail (ps, "truncated \\u escape");
  for (int i = 0; i < 4; i++) {
    int d = g_ascii_xdigit_value (ps->p[i]);
    if (d < 0)
      return fail (ps, "invalid \\u escape");
    v = (v << 4) | (guint) d;
  }
  ps->p += 4;
  *out = v;
  return TRUE;
}

/* Cursor on the opening quote. Appends the decoded string to @out. */
static gboolean
parse_string (Parser *ps, GString *out)
{
  ps->p++;                      /* opening quote */
  for (;;) {
    const guchar *run = ps->p;

    while (ps->p < ps->end && *ps->p != '"' && *ps->p != '\\' && *ps->p >= 0x20)
      ps->p++;
    g_string_append_len (out, (const char *) run, ps->p - run);

    if (ps->p >= ps->end)
      return fail (ps, "unterminated string");
    if (*ps->p == '"') {
      ps->p++;
      return TRUE;
    }
    if (*ps->p < 0x20)
      return fail (ps, "control character 0x%02x in a string", *ps->p);

    /* backslash */
    ps->p++;
    if (ps->p >= ps->end)
      return fail (ps, "unterminated string");
    switch (*ps->p++) {
      case '"': g_string_append_c (out, '"'); break;
      case '\\': g_string_append_c (out, '\\'); break;
      case '/': g_string_append_c (out, '/'); break;
      case 'b': g_string_append_c (out, '\b'); break;
      case 'f': g_string_append_c (out, '\f'); break;
      case 'n': g_string_append_c (out, '\n'); break;
      case 'r': g_string_append_c (out, '\r'); break;
      case 't': g_string_append_c (out, '\t'); break;
      case 'u': {
        guint cp, lo;

        if (!read_hex4 (ps, &cp))
          return FALSE;
        if (cp >= 0xDC00 && cp <= 0xDFFF)
          return fail (ps, "unpaired low surrogate \\u%04X", cp);
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          if (ps->end - ps->p < 2 || ps->p[0] != '\\' || ps->p[1] != 'u')
            return fail (ps, "unpaired high surrogate \\u%04X", cp);
          ps->p += 2;
          if (!read_hex4 (ps, &lo))
            return FALSE;
          if (lo < 0xDC00 || lo > 0xDFFF)
            return fail (ps, "unpaired high surrogate \\u%04X", cp);
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        }
        if (cp == 0)
          return fail (ps, "\\u0000 in a string");
        g_string_append_unichar (out, (gunichar) cp);
        break;
      }
      default:
        ps->p--;
        return fail (ps, "invalid escape sequence");
    }
  }
}

static gboolean
parse_number (Parser *ps, JsonNode **out)
{
  const guchar *tok = ps->p;
  gboolean negative = FALSE, is_int = TRUE;
  const guchar *digits;

  if (*ps->p == '-') {
    negative = TRUE;
    ps->p++;
  }
  digits = ps->p;
  if (ps->p < ps->end && *ps->p == '0') {
    ps->p++;
  } else if (ps->p < ps->end && *ps->p >= '1' && *ps->p <= '9') {
    while (ps->p < ps->end && g_ascii_isdigit (*ps->p))
      ps->p++;
  } else {
    return fail (ps, "invalid number");
  }
  const guchar *digits_end = ps->p;

  if (ps->p < ps->end && *ps->p == '.') {
    is_int = FALSE;
    ps->p++;
    if (ps->p >= ps->end || !g_ascii_isdigit (*ps->p))
      return fail (ps, "invalid number: no digit after the decimal point");
    while (ps->p < ps->end && g_ascii_isdigit (*ps->p))
      ps->p++;
  }
  if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
    is_int = FALSE;
    ps->p++;
    if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
      ps->p++;
    if (ps->p >= ps->end || !g_ascii_isdigit (*ps->p))
      return fail (ps, "invalid number: no digit in the exponent");
    while (ps->p < ps->end && g_ascii_isdigit (*ps->p))
      ps->p++;
  }

  if (is_int) {
    guint64 v = 0;
    const guint64 limit = negative ? (guint64) G_MAXINT64 + 1 : (guint64) G_MAXINT64;

    for (const guchar *d = digits; d < digits_end; d++) {
      guint digit = *d - '0';
      if (v > (limit - digit) / 10) {
        ps->p = tok;
        return fail (ps, "integer out of the 64-bit range");
      }
      v = v * 10 + digit;
    }
    *out = json_node_new (JSON_NODE_VALUE);
    if (negative)
      json_node_set_int (*out, v == (guint64) G_MAXINT64 + 1 ? G_MININT64 : -(gint64) v);
    else
      json_node_set_int (*out, (gint64) v);
  } else {
    char *text = g_strndup ((const char *) tok, ps->p - tok);
    double d = g_ascii_strtod (text, NULL);

    g_free (text);
    if (!isfinite (d)) {
      ps->p = tok;
      return fail (ps, "number out of the double range");
    }
    *out = json_node_new (JSON_NODE_VALUE);
    json_node_set_double (*out, d);
  }
  return TRUE;
}

static gboolean
parse_literal (Parser *ps, const char *word, JsonNode **out)
{
  gsize n = strlen (word);

  if ((gsize) (ps->end - ps->p) < n || memcmp (ps->p, word, n) != 0)
    return fail (ps, "invalid literal");
  ps->p += n;
  if (word[0] == 'n') {
    *out = json_node_new (JSON_NODE_NULL);
  } else {
    *out = json_node_new (JSON_NODE_VALUE);
    json_node_set_boolean (*out, word[0] == 't');
  }
  return TRUE;
}

static gboolean
enter (Parser *ps)
{
  if (ps->depth >= ps->max_depth)
    return fail (ps, "nesting deeper than %u levels", ps->max_depth);
  ps->depth++;
  return TRUE;
}

static gboolean
parse_object (Parser *ps, JsonNode **out)
{
  JsonObject *object;
  GString *key;
  char buf[16];

  if (!enter (ps))
    return FALSE;
  ps->p++;                      /* '{' */
  object = json_object_new ();
  key = g_string_new (NULL);

  skip_ws (ps);
  if (ps->p < ps->end && *ps->p == '}') {
    ps->p++;
    goto done;
  }
  for (;;) {
    JsonNode *child = NULL;
    const guchar *key_start;

    skip_ws (ps);
    if (ps->p >= ps->end || *ps->p != '"') {
      fail (ps, "expected a string key, found %s", describe_char (ps, buf));
      goto error;
    }
    key_start = ps->p;
    g_string_truncate (key, 0);
    if (!parse_string (ps, key))
      goto error;
    if (json_object_has_member (object, key->str)) {
      char *esc = g_strescape (key->len > 64 ? "(long key)" : key->str, NULL);
      ps->p = key_start;
      fail (ps, "duplicate key \"%s\"", esc);
      g_free (esc);
      goto error;
    }
    skip_ws (ps);
    if (ps->p >= ps->end || *ps->p != ':') {
      fail (ps, "expected ':', found %s", describe_char (ps, buf));
      goto error;
    }
    ps->p++;
    if (!parse_value (ps, &child))
      goto error;
    json_object_set_member (object, key->str, child);
    skip_ws (ps);
    if (ps->p < ps->end && *ps->p == ',') {
      ps->p++;
      continue;
    }
    if (ps->p < ps->end && *ps->p == '}') {
      ps->p++;
      break;
    }
    fail (ps, "expected ',' or '}', found %s", describe_char (ps, buf));
    goto error;
  }

done:
  g_string_free (key, TRUE);
  ps->depth--;
  *out = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (*out, object);
  return TRUE;

error:
  g_string_free (key, TRUE);
  json_object_unref (object);
  return FALSE;
}

static gboolean
parse_array (Parser *ps, JsonNode **out)
{
  JsonArray *array;
  char buf[16];

  if (!enter (ps))
    return FALSE;
  ps->p++;                      /* '[' */
  array = json_array_new ();

  skip_ws (ps);
  if (ps->p < ps->end && *ps->p == ']') {
    ps->p++;
    goto done;
  }
  for (;;) {
    JsonNode *child = NULL;

    if (!parse_value (ps, &child))
      goto error;
    json_array_add_element (array, child);
    skip_ws (ps);
    if (ps->p < ps->end && *ps->p == ',') {
      ps->p++;
      continue;
    }
    if (ps->p < ps->end && *ps->p == ']') {
      ps->p++;
      break;
    }
    fail (ps, "expected ',' or ']', found %s", describe_char (ps, buf));
    goto error;
  }

done:
  ps->depth--;
  *out = json_node_new (JSON_NODE_ARRAY);
  json_node_take_array (*out, array);
  return TRUE;

error:
  json_array_unref (array);
  return FALSE;
}

static gboolean
parse_value (Parser *ps, JsonNode **out)
{
  char buf[16];

  skip_ws (ps);
  if (ps->p >= ps->end)
    return fail (ps, "unexpected end of input");
  if (ps->n_values >= ps->max_values)
    return fail (ps, "more than %u values", ps->max_values);
  ps->n_values++;
  switch (*ps->p) {
    case '{':
      return parse_object (ps, out);
    case '[':
      return parse_array (ps, out);
    case '"': {
      GString *s = g_string_new (NULL);
      if (!parse_string (ps, s)) {
        g_string_free (s, TRUE);
        return FALSE;
      }
      *out = json_node_new (JSON_NODE_VALUE);
      json_node_set_string (*out, s->str);
      g_string_free (s, TRUE);
      return TRUE;
    }
    case 't':
      return parse_literal (ps, "true", out);
    case 'f':
      return parse_literal (ps, "false", out);
    case 'n':
      return parse_literal (ps, "null", out);
    default:
      if (*ps->p == '-' || g_ascii_isdigit (*ps->p))
        return parse_number (ps, out);
      return fail (ps, "unexpected %s", describe_char (ps, buf));
  }
}

JsonNode *
uf_json_parse_strict (const char *data, gsize length, guint max_depth, guint max_values,
    gint error_code, GError **error)
{
  Parser ps = { 0 };
  JsonNode *root = NULL;
  const gchar *bad;

  g_return_val_if_fail (data != NULL || length == 0, NULL);

  ps.start = ps.p = (const guchar *) data;
  ps.end = ps.start + length;
  ps.max_depth = max_depth;
  ps.max_values = max_values;
  ps.code = error_code;
  ps.error = error;

  if (length > G_MAXSSIZE) {
    fail (&ps, "input too large");
    return NULL;
  }
  if (!g_utf8_validate_len (data, length, &bad)) {
    ps.p = (const guchar *) bad;
    fail (&ps, "%s", *bad == '\0' ? "NUL byte" : "invalid UTF-8");
    return NULL;
  }

  if (!parse_value (&ps, &root))
    return NULL;
  skip_ws (&ps);
  if (ps.p != ps.end) {
    char buf[16];
    fail (&ps, "unexpected %s after the JSON value", describe_char (&ps, buf));
    json_node_unref (root);
    return NULL;
  }
  return root;
}
