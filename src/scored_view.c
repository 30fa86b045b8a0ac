/*
 * scored_view.c: running a scored view's maintenance as the view's owner.
 *
 * A nightly refresh is typically run by a superuser or a scheduler role
 * (pg_cron), but it writes tables that belong to the view's owner and reads
 * a source the owner chose.  Anything the owner planted there (a trigger or
 * an index expression on its tables, a function in a view it points the job
 * at) would run with the caller's rights.  So the refresh runs as the owner,
 * inside a security-restricted operation, exactly as PostgreSQL itself runs
 * REFRESH MATERIALIZED VIEW, VACUUM and REINDEX: the owner's code cannot SET
 * ROLE back to the caller, create temporary objects that would outlive the
 * operation, or see a search_path other than pg_catalog, pg_temp.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_authid.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/syscache.h"

/* May the current user act as role (what SET ROLE would allow)? */
static bool
may_act_as(Oid role)
{
	Oid			me = GetUserId();

	if (me == role || superuser())
		return true;
#if PG_VERSION_NUM >= 160000
	return member_can_set_role(me, role);
#else
	return is_member_of_role(me, role);
#endif
}

PG_FUNCTION_INFO_V1(crm_run_as);
Datum
crm_run_as(PG_FUNCTION_ARGS)
{
	Oid			role = PG_GETARG_OID(0);
	char	   *query = text_to_cstring(PG_GETARG_TEXT_PP(1));
	Oid			save_userid;
	int			save_sec_context;
	int			save_nestlevel;
	HeapTuple	tup;
	int			rc;
	char	   *result = NULL;

	tup = SearchSysCache1(AUTHOID, ObjectIdGetDatum(role));
	if (!HeapTupleIsValid(tup))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("role with OID %u does not exist", role)));
	ReleaseSysCache(tup);

	/* the same limits as SET ROLE: no identity change from a security-definer context */
	if (InLocalUserIdChange() || InSecurityRestrictedOperation())
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("cannot run as role \"%s\" inside a security-definer function or a security-restricted operation",
						GetUserNameFromId(role, false))));
	if (!may_act_as(role))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to run as role \"%s\"", GetUserNameFromId(role, false)),
				 errdetail("Only the owner of a scored view, a role that may SET ROLE to it, or a superuser can maintain it."),
				 errhint("GRANT \"%s\" TO the role that runs the job.", GetUserNameFromId(role, false))));

	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	SetUserIdAndSecContext(role, save_sec_context | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	save_nestlevel = NewGUCNestLevel();
	(void) set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);

	/* an error aborts the (sub)transaction, which restores both */
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	rc = SPI_execute(query, false, 0);
	if (rc < 0)
		elog(ERROR, "SPI_execute failed: %s", SPI_result_code_string(rc));
	if (SPI_tuptable != NULL && SPI_processed > 0 && SPI_tuptable->tupdesc->natts > 0)
	{
		char	   *v = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);

		if (v != NULL)
		{
			/* outlives SPI_finish: allocated in the caller's context */
			result = SPI_palloc(strlen(v) + 1);
			strcpy(result, v);
		}
	}
	SPI_finish();

	AtEOXact_GUC(false, save_nestlevel);
	SetUserIdAndSecContext(save_userid, save_sec_context);
	if (result == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(result));
}
