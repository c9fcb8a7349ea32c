/* strict-json-tests.c: the strict JSON parser under the model-file header
 * (engine/uf-strict-json.c): what it refuses and what it keeps exactly. */
#include <glib.h>

#include "model-file-tests.h"
#include "uf-strict-json.h"
#include "uniformer.h"

/* ---- the strict JSON parser ---------------------------------------------- */

static void
test_strict_json (void)
{
  static const struct { const char *text; const char *error; } cases[] = {
    { "{\"a\":1,\"a\":2}", "duplicate key \"a\"" },
    { "{\"a\":1,\"\\u0061\":2}", "duplicate key \"a\"" },
    { "{\"a\":99999999999999999999}", "integer out of the 64-bit range" },
    { "{\"a\":9223372036854775808}", "integer out of the 64-bit range" },
    { "{\"a\":1e400}", "number out of the double range" },
    { "{\"a\":01}", "expected ',' or '}'" },
    { "{\"a\":0x10}", "expected ',' or '}'" },
    { "{\"a\":\"x\\u0000y\"}", "\\u0000" },
    { "{\"a\":\"\\ud800\"}", "unpaired high surrogate" },
    { "{\"a\":\"\\udc00\"}", "unpaired low surrogate" },
    { "{\"a\":\"\\q\"}", "invalid escape" },
    { "{\"a\":\"\t\"}", "control character" },
    { "{\"a\":1,}", "expected a string key" },
    { "{'a':1}", "expected a string key" },
    { "/*c*/{}", "unexpected '/'" },
    { "{} x", "after the JSON value" },
    { "", "unexpected end of input" },
    { "   ", "unexpected end of input" },
    { "[1,2", "expected ',' or ']'" },
    { "\"abc", "unterminated string" },
    { "[-]", "invalid number" },
    { "[1.]", "no digit after the decimal point" },
    { "[1e]", "no digit in the exponent" },
    { "[tru]", "invalid literal" },
    { "[[[[[[[[[[1]]]]]]]]]]", "nesting deeper than 8 levels" },
    { "[\"\xc3\"]", "invalid UTF-8" },
    { "[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16]", "more than 16 values" },
    { "{\"a\":{},\"b\":[],\"c\":{\"d\":[[],[],[],[],[],[],[],[],[],[],[],[]]}}", "more than 16 values" },
  };
  static const char *valid[] = {
    "{\"a\":[1,-2,3.5,-0,1e3,true,false,null,\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\"]}",
    " [ ] ", "{}", "-9223372036854775808", "[[[[[[[[1]]]]]]]]",
    "[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15]",
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    GError *error = NULL;
    JsonNode *n = uf_json_parse_strict (cases[i].text, strlen (cases[i].text), 8, 16,
        UF_ERROR_MODEL_FILE, &error);
    if (n != NULL || error == NULL || strstr (error->message, cases[i].error) == NULL)
      g_error ("JSON %s: expected an error with \"%s\", got \"%s\"", cases[i].text,
          cases[i].error, error ? error->message : "success");
    g_assert_error (error, UF_ERROR, UF_ERROR_MODEL_FILE);
    g_error_free (error);
  }
  for (guint i = 0; i < G_N_ELEMENTS (valid); i++) {
    GError *error = NULL;
    JsonNode *n = uf_json_parse_strict (valid[i], strlen (valid[i]), 8, 16, UF_ERROR_MODEL_FILE,
        &error);
    g_assert_no_error (error);
    g_assert_nonnull (n);
    json_node_unref (n);
  }
  {
    /* NUL bytes and a buffer that is not NUL-terminated */
    GError *error = NULL;
    const char with_nul[] = "{\"a\":1}\0  ";
    const char unterminated[4] = { '[', '1', ']', 'x' };
    JsonNode *n = uf_json_parse_strict (with_nul, sizeof with_nul - 1, 8, 16, 0, &error);
    g_assert_null (n);
    g_assert_nonnull (strstr (error->message, "NUL byte"));
    g_clear_error (&error);
    n = uf_json_parse_strict (unterminated, 3, 8, 16, 0, &error);
    g_assert_no_error (error);
    g_assert_cmpint (json_array_get_int_element (json_node_get_array (n), 0), ==, 1);
    json_node_unref (n);
  }
  {
    GError *error = NULL;
    JsonNode *n = uf_json_parse_strict ("[-9223372036854775808, 9223372036854775807]", 43, 8,
        16, 0, &error);
    g_assert_no_error (error);
    g_assert_cmpint (json_array_get_int_element (json_node_get_array (n), 0), ==, G_MININT64);
    g_assert_cmpint (json_array_get_int_element (json_node_get_array (n), 1), ==, G_MAXINT64);
    json_node_unref (n);
  }
}

void
add_strict_json_tests (void)
{
  g_test_add_func ("/model-file/strict-json", test_strict_json);
}
