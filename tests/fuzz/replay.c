/* replay.c: runs the fuzzer's entry point on files, without libFuzzer.
 *
 *   fuzz-replay PATH...
 *
 * Each PATH is a file or a directory whose regular files are replayed (not
 * recursively). Used by the `fuzz-corpus-replay` test on tests/fuzz/corpus,
 * and to reproduce a crash file with a normal (gcc) build. Exits non-zero
 * when a path cannot be read or nothing was replayed; a crash aborts.
 */
#include <stdint.h>
#include <stdio.h>

#include <glib.h>

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static gint
compare_paths (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(char *const *) a, *(char *const *) b);
}

static gboolean
replay_file (const char *path, guint *count)
{
  char *contents = NULL;
  gsize length = 0;
  GError *error = NULL;

  if (!g_file_get_contents (path, &contents, &length, &error)) {
    fprintf (stderr, "%s\n", error->message);
    g_error_free (error);
    return FALSE;
  }
  /* an exact-size copy, as libFuzzer passes it */
  {
    guint8 *exact = g_memdup2 (contents, length);
    LLVMFuzzerTestOneInput (exact, length);
    g_free (exact);
  }
  g_free (contents);
  (*count)++;
  return TRUE;
}

int
main (int argc, char **argv)
{
  guint count = 0;
  gboolean ok = TRUE;

  if (argc < 2) {
    fprintf (stderr, "usage: %s FILE-OR-DIRECTORY...\n", argv[0]);
    return 2;
  }
  LLVMFuzzerInitialize (&argc, &argv);

  for (int i = 1; i < argc; i++) {
    if (g_file_test (argv[i], G_FILE_TEST_IS_DIR)) {
      GError *error = NULL;
      GDir *dir = g_dir_open (argv[i], 0, &error);
      GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
      const char *name;

      if (dir == NULL) {
        fprintf (stderr, "%s\n", error->message);
        g_error_free (error);
        ok = FALSE;
        continue;
      }
      while ((name = g_dir_read_name (dir)) != NULL)
        g_ptr_array_add (names, g_build_filename (argv[i], name, NULL));
      g_dir_close (dir);
      /* sorted, so that a failure reproduces in the same order */
      g_ptr_array_sort (names, compare_paths);
      for (guint k = 0; k < names->len; k++) {
        const char *path = g_ptr_array_index (names, k);
        if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
          ok &= replay_file (path, &count);
      }
      g_ptr_array_unref (names);
    } else {
      ok &= replay_file (argv[i], &count);
    }
  }
  printf ("replayed %u inputs\n", count);
  return ok && count > 0 ? 0 : 1;
}
