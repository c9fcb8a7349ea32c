/* op-case-tables.h: the list of every op's case table (op-case-list.c). */
#ifndef OP_CASE_TABLES_H
#define OP_CASE_TABLES_H

#include "op-case.h"

/* NULL-terminated; each table ends with a suite whose name is NULL. */
extern const UfOpSuite *const uf_op_case_tables[];

#endif
