/* op-case-list.c: every op's case table, in op-list order. */
#include "op-case-list.h"
#include "op-case-tables.h"

#define DECLARE(op) extern const UfOpSuite uf_op_cases_##op[];
UF_OP_CASE_LIST (DECLARE)
#undef DECLARE

#define ENTRY(op) uf_op_cases_##op,
const UfOpSuite *const uf_op_case_tables[] = { UF_OP_CASE_LIST (ENTRY) NULL };
#undef ENTRY
