/* test-ops.c: every op against its C reference on random data, with sizes
 * that are not multiples of any tile: the test rows of every op's case
 * table (tests/ops/cases/<op>.c), as /ops/<suite>/<i>. The error is
 * max|gpu - ref| / max|ref| over the op's output only (the elements it
 * writes), and every other element of the buffer must still hold its input
 * bit for bit. Each row prints its error and its bound, which the case
 * file states and explains. */
#include "op-case-tables.h"
#include "uf-test-util.h"

static UfOpCase test_case = { .mode = UF_OP_CASE_TEST };

typedef struct {
  const UfOpSuite *suite;
  gsize row;
} TestRow;

static void
run_row (gconstpointer data)
{
  const TestRow *t = data;
  t->suite->run (&test_case, uf_op_suite_row (t->suite, t->row));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  GError *error = NULL;
  test_case.dev = uf_device_open (NULL, &error);
  g_assert_no_error (error);
  GPtrArray *rows = g_ptr_array_new_with_free_func (g_free);
  for (const UfOpSuite *const *table = uf_op_case_tables; *table; table++)
    for (const UfOpSuite *s = *table; s->name; s++)
      for (gsize i = 0, n = 0; i < s->n_rows; i++) {
        if (uf_op_suite_bench_name (s, i) != NULL)
          continue;
        TestRow *t = g_new (TestRow, 1);
        *t = (TestRow) { s, i };
        g_ptr_array_add (rows, t);
        char *path = g_strdup_printf ("/ops/%s/%" G_GSIZE_FORMAT, s->name, n++);
        g_test_add_data_func (path, t, run_row);
        g_free (path);
      }
  int status = g_test_run ();
  g_ptr_array_unref (rows);
  return uf_test_release_device (test_case.dev, status);
}
