/*
 * crm_fmgr.h: small fmgr helpers shared by the glue files.
 */
#ifndef CRM_FMGR_H
#define CRM_FMGR_H

#include "postgres.h"
#include "fmgr.h"
#include "access/tupdesc.h"

/*
 * The blessed result row type of a function returning a composite, looked
 * up once per query and kept in fn_extra (for functions that use fn_extra
 * for nothing else).
 */
TupleDesc	crm_result_tupdesc(FunctionCallInfo fcinfo);

/* Quoted name of the schema crm_ext lives in (that of the calling function). */
const char *crm_ext_schema(FunctionCallInfo fcinfo);

/*
 * When a per-query cache of table contents (segment maps, lifecycle rules)
 * was read: it is stale once the transaction or command changes, as in a
 * PL/pgSQL loop that edits the table between calls.
 */
typedef struct CrmReadStamp
{
	LocalTransactionId lxid;
	CommandId	cid;
} CrmReadStamp;

void		crm_stamp_now(CrmReadStamp *stamp);
bool		crm_stamp_current(const CrmReadStamp *stamp);

#endif
