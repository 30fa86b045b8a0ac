/*
 * crm_ext.c: module entry.  The SQL-callable functions live in one file per
 * concept (rfm_state.c, rfm_score.c, rfm_segment.c, ...); their numeric
 * cores live in src/core/ and need no PostgreSQL headers.
 */
#include "postgres.h"
#include "fmgr.h"

PG_MODULE_MAGIC;

#include "miscadmin.h"
#include "core/interrupts.h"

void
crm_check_interrupts(void)
{
	CHECK_FOR_INTERRUPTS();
}
