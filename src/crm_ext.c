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

#include "access/xact.h"
#include "funcapi.h"
#include "storage/proc.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "crm_fmgr.h"

TupleDesc
crm_result_tupdesc(FunctionCallInfo fcinfo)
{
	TupleDesc	tupdesc = (TupleDesc) fcinfo->flinfo->fn_extra;

	if (tupdesc == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);

		if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
			elog(ERROR, "return type must be a row type");
		tupdesc = BlessTupleDesc(CreateTupleDescCopy(tupdesc));
		fcinfo->flinfo->fn_extra = tupdesc;
		MemoryContextSwitchTo(old);
	}
	return tupdesc;
}

const char *
crm_ext_schema(FunctionCallInfo fcinfo)
{
	return quote_identifier(get_namespace_name(get_func_namespace(fcinfo->flinfo->fn_oid)));
}

/* PostgreSQL 17 moved the local transaction id into MyProc->vxid. */
#if PG_VERSION_NUM >= 170000
#define CRM_MY_LXID (MyProc->vxid.lxid)
#else
#define CRM_MY_LXID (MyProc->lxid)
#endif

void
crm_stamp_now(CrmReadStamp *stamp)
{
	stamp->lxid = CRM_MY_LXID;
	stamp->cid = GetCurrentCommandId(false);
}

bool
crm_stamp_current(const CrmReadStamp *stamp)
{
	return stamp->lxid == CRM_MY_LXID && stamp->cid == GetCurrentCommandId(false);
}
