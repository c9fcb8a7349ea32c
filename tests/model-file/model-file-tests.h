/* model-file-tests.h: the parts of the model-file test program, one file each. */
#ifndef MODEL_FILE_TESTS_H
#define MODEL_FILE_TESTS_H

/* The display name every in-memory test file is loaded under. */
#define DISPLAY "test.safetensors"

#include <glib.h>
#include "uf-model-file.h"

/* Reads @bytes as the engine does before it uploads anything: the container,
 * then the architecture taking every tensor by name and shape
 * (uf_architecture_prepare, on the host). NULL with @error on the first
 * problem. */
UfModelFile *mf_load_bytes (GBytes *bytes, GError **error);

void add_strict_json_tests (void);      /* strict-json-tests.c */
void add_corruption_tests (void);       /* corruption-tests.c */

#endif
