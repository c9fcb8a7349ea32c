/* model-file-tests.h: the parts of the model-file test program, one file each. */
#ifndef MODEL_FILE_TESTS_H
#define MODEL_FILE_TESTS_H

/* The display name every in-memory test file is loaded under. */
#define DISPLAY "test.safetensors"

void add_strict_json_tests (void);      /* strict-json-tests.c */
void add_corruption_tests (void);       /* corruption-tests.c */

#endif
