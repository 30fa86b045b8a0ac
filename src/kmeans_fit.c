/*
 * kmeans_fit.c: k-means over a table or query of any size, in O(k * d)
 * memory per process.
 *
 *   kmeans_fit(source regclass, features name, k, seed, id name,
 *              sample_size, max_iter)
 *   kmeans_fit_query(query text, k, seed, sample_size, max_iter)
 *     -> (centroids float8[][], sizes bigint[], inertia float8,
 *         iterations int, converged boolean, n bigint, sample_n bigint,
 *         typical_ids text[], typical_features float8[][])
 *
 * The driver runs ordinary queries through SPI, read-only and with the
 * caller's rights (these functions are not SECURITY DEFINER), all in the
 * caller's snapshot, so every pass sees the same rows:
 *   1. count the points;
 *   2. seeding: the in-memory kmeans aggregate (k-means++, Lloyd, 10
 *      restarts) over a sample of about sample_size points, chosen by a hash
 *      of each point's coordinates and the seed (kmeans_in_sample), so the
 *      sample depends on the data only, never on the plan or row order.  If
 *      every point fits the sample, this is the answer (as kmeans());
 *   3. Lloyd iterations over all points with the kmeans_step aggregate
 *      (exact, order-independent sums: the same bits whatever the plan, in
 *      parallel workers or Citus shards), until the centroids' total squared
 *      shift is at most 1e-4 times the mean per-coordinate variance
 *      (scikit-learn's rule; the variance comes exactly from the first
 *      step), or max_iter;
 *   4. one more pass: sizes and inertia at the final centroids with
 *      kmeans_step, and the real point nearest each centroid with
 *      kmeans_typical.
 * Every query names the extension's functions with their schema and every
 * identifier quoted; the functions are declared with search_path pinned to
 * pg_catalog, pg_temp, so a query text must qualify its tables.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/float.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"

#include "core/kmeans.h"
#include "core/kmeans_step.h"
#include "crm_fmgr.h"
#include "grey_args.h"
#include "kmeans_glue.h"

#define KF_DEFAULT_SAMPLE 100000

typedef struct KfSource
{
	const char *ext;			/* quoted schema of crm_ext */
	const char *from;			/* FROM clause (from FROM on) */
	const char *x;				/* the features expression */
	const char *id;				/* the id expression as text, or NULL */
} KfSource;

typedef struct KfResult
{
	double	   *cent;			/* k x d */
	int			d;
	int64		n;
	int64		sample_n;
	int			iterations;
	bool		converged;
	Datum		step;			/* final kmeans_step state */
	Datum		typical;		/* kmeans_typical_customers record, or 0 */
} KfResult;

/* run a read-only query returning one row; its first column, copied into mcxt */
static Datum
run_one(const char *sql, int nargs, Oid *types, Datum *values, MemoryContext mcxt,
		bool *isnull, int ncols, Datum *more, bool *morenull)
{
	int			rc = SPI_execute_with_args(sql, nargs, types, values, NULL, true, 0);
	Datum		r;
	MemoryContext old;

	if (rc != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "kmeans_fit: query failed (%d): %s", rc, sql);
	old = MemoryContextSwitchTo(mcxt);
	r = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, isnull);
	if (!*isnull)
		r = datumCopy(r, TupleDescAttr(SPI_tuptable->tupdesc, 0)->attbyval,
					  TupleDescAttr(SPI_tuptable->tupdesc, 0)->attlen);
	for (int i = 1; i < ncols; i++)
	{
		Form_pg_attribute att = TupleDescAttr(SPI_tuptable->tupdesc, i);

		more[i - 1] = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, i + 1,
									&morenull[i - 1]);
		if (!morenull[i - 1])
			more[i - 1] = datumCopy(more[i - 1], att->attbyval, att->attlen);
	}
	MemoryContextSwitchTo(old);
	SPI_freetuptable(SPI_tuptable);
	return r;
}

static void
check_k_args(int k, int sample_size, int max_iter)
{
	if (k < 1 || k > KM_MAX_K)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("k must be between 1 and %d", KM_MAX_K),
				 errdetail("k is %d.", k)));
	if (sample_size < k)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("sample_size must be at least k"),
				 errdetail("sample_size is %d, k is %d.", sample_size, k)));
	if (max_iter < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_iter must be positive")));
}

/* the k x d matrix of a float8[][] datum, copied */
static double *
matrix_copy(Datum m, int k, int *d)
{
	int			rows,
				cols;
	double	   *src = grey_arg_matrix(DatumGetArrayTypeP(m), "centroids", &rows, &cols);
	double	   *dst;

	if (rows != k)
		elog(ERROR, "kmeans_fit: expected %d centroids, got %d", k, rows);
	dst = palloc(sizeof(double) * rows * cols);
	memcpy(dst, src, sizeof(double) * rows * cols);
	*d = cols;
	return dst;
}

/*
 * The passes.  SPI leaves CurrentMemoryContext at its procedure context after
 * each call; everything kept is allocated explicitly in keep (the caller's
 * context) or in a per-iteration context.
 */
static KfResult
kf_run(KfSource *src, int k, int seed, int sample_size, int max_iter,
	   MemoryContext keep)
{
	MemoryContext iter_cxt;
	KfResult	r;
	StringInfoData sql;
	Oid			argtypes[1] = {FLOAT8ARRAYOID};
	Datum		arg[1];
	bool		isnull;
	Datum		v,
				more[2];
	bool		morenull[2];
	double		rate,
				tol = 0.0;
	int			d;

	memset(&r, 0, sizeof(r));
	{
		MemoryContext old = MemoryContextSwitchTo(keep);

		initStringInfo(&sql);
		MemoryContextSwitchTo(old);
	}

	/* 1. count */
	appendStringInfo(&sql, "SELECT pg_catalog.count(%s) %s", src->x, src->from);
	v = run_one(sql.data, 0, NULL, NULL, keep, &isnull, 1, NULL, NULL);
	r.n = DatumGetInt64(v);
	if (r.n == 0)
		return r;

	/* 2. seeding on a content-hash sample (all points if they fit) */
	rate = (double) sample_size / (double) r.n;
	resetStringInfo(&sql);
	if (rate >= 1.0)
		appendStringInfo(&sql, "SELECT %s.kmeans(%s, %d, %d), pg_catalog.count(%s) %s",
						 src->ext, src->x, k, seed, src->x, src->from);
	else
		appendStringInfo(&sql, "SELECT %s.kmeans(%s, %d, %d), pg_catalog.count(%s) %s WHERE %s.kmeans_in_sample(%s, %s, %d)",
						 src->ext, src->x, k, seed, src->x, src->from,
						 src->ext, src->x, float8out_internal(rate), seed);
	v = run_one(sql.data, 0, NULL, NULL, keep, &isnull, 2, more, morenull);
	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the seeding sample is empty"),
				 errhint("Raise sample_size.")));
	r.sample_n = DatumGetInt64(more[0]);
	{
		MemoryContext old = MemoryContextSwitchTo(keep);

		r.cent = matrix_copy(v, k, &d);
		MemoryContextSwitchTo(old);
	}
	r.d = d;

	iter_cxt = AllocSetContextCreate(keep, "kmeans_fit iteration", ALLOCSET_DEFAULT_SIZES);

	/* 3. Lloyd over all points (not needed when the sample was everything) */
	if (rate < 1.0)
	{
		resetStringInfo(&sql);
		appendStringInfo(&sql, "SELECT %s.kmeans_step(%s, $1) %s", src->ext, src->x, src->from);
		for (r.iterations = 1; r.iterations <= max_iter; r.iterations++)
		{
			MemoryContext old;
			double	   *next,
					   *s;
			double		shift = 0.0;
			int			sk,
						sd;
			ArrayType  *sa;

			CHECK_FOR_INTERRUPTS();
			MemoryContextReset(iter_cxt);
			old = MemoryContextSwitchTo(iter_cxt);
			arg[0] = PointerGetDatum(km_matrix_datum(r.cent, k, d));
			v = run_one(sql.data, 1, argtypes, arg, iter_cxt, &isnull, 1, NULL, NULL);
			if (isnull)
				elog(ERROR, "kmeans_fit: the data changed between passes");
			MemoryContextSwitchTo(iter_cxt);
			sa = DatumGetArrayTypeP(v);
			s = (double *) ARR_DATA_PTR(sa);
			if (kstep_check(s, ARR_DIMS(sa)[0], &sk, &sd) || sk != k || sd != d)
				elog(ERROR, "kmeans_fit: unexpected kmeans_step state");
			if (r.iterations == 1)
			{
				/* scikit-learn's tolerance: 1e-4 * mean variance per coordinate */
				double		n = 0.0;

				for (int c = 0; c < k; c++)
					n += kstep_count(s, k, d, c);
				tol = KMEANS_TOL * kstep_total_ss(s, k, d, r.cent) / (n * d);
			}
			next = palloc(sizeof(double) * k * d);
			kstep_centroids(s, k, d, r.cent, next);
			for (int i = 0; i < k * d; i++)
				shift += (next[i] - r.cent[i]) * (next[i] - r.cent[i]);
			MemoryContextSwitchTo(old);
			memcpy(r.cent, next, sizeof(double) * k * d);
			elog(DEBUG1, "kmeans_fit: iteration %d, squared shift %g, tolerance %g",
				 r.iterations, shift, tol);
			if (shift <= tol)
			{
				r.converged = true;
				break;
			}
		}
		if (r.iterations > max_iter)
			r.iterations = max_iter;
	}
	else
		r.converged = true;

	/* 4. sizes, inertia and typical points at the final centroids */
	resetStringInfo(&sql);
	appendStringInfo(&sql, "SELECT %s.kmeans_step(%s, $1), %s.kmeans_typical(%s, %s, $1) %s",
					 src->ext, src->x, src->ext, src->id ? src->id : "NULL::pg_catalog.text",
					 src->x, src->from);
	MemoryContextSwitchTo(iter_cxt);
	arg[0] = PointerGetDatum(km_matrix_datum(r.cent, k, d));
	r.step = run_one(sql.data, 1, argtypes, arg, keep, &isnull, 2, more, morenull);
	if (isnull || morenull[0])
		elog(ERROR, "kmeans_fit: the data changed between passes");
	r.typical = more[0];
	MemoryContextDelete(iter_cxt);
	return r;
}

static Datum
kf_result(FunctionCallInfo fcinfo, KfResult *r, int k, bool with_ids)
{
	TupleDesc	td = crm_result_tupdesc(fcinfo);
	Datum		values[9];
	bool		nulls[9];

	memset(nulls, 0, sizeof(nulls));
	values[5] = Int64GetDatum(r->n);
	if (r->n == 0)
	{
		for (int i = 0; i < 9; i++)
			nulls[i] = (i != 5);
	}
	else
	{
		ArrayType  *sa = DatumGetArrayTypeP(r->step);
		double	   *s = (double *) ARR_DATA_PTR(sa);
		Datum	   *sizes = palloc(sizeof(Datum) * k);
		HeapTupleHeader typ = DatumGetHeapTupleHeader(r->typical);
		bool		tn;

		for (int c = 0; c < k; c++)
			sizes[c] = Int64GetDatum((int64) kstep_count(s, k, r->d, c));
		values[0] = PointerGetDatum(km_matrix_datum(r->cent, k, r->d));
		values[1] = PointerGetDatum(construct_array(sizes, k, INT8OID, sizeof(int64),
													FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
		values[2] = Float8GetDatum(km_finite(kstep_inertia(s, k, r->d), "inertia"));
		values[3] = Int32GetDatum(r->iterations);
		values[4] = BoolGetDatum(r->converged);
		values[6] = Int64GetDatum(r->sample_n);
		values[7] = GetAttributeByNum(typ, 1, &tn);
		nulls[7] = tn || !with_ids;
		values[8] = GetAttributeByNum(typ, 2, &tn);
		nulls[8] = tn;
	}
	return HeapTupleGetDatum(heap_form_tuple(td, values, nulls));
}

PG_FUNCTION_INFO_V1(kmeans_fit_table);
Datum
kmeans_fit_table(PG_FUNCTION_ARGS)
{
	Oid			rel;
	char	   *col,
			   *idcol = NULL;
	int			k,
				seed,
				sample_size,
				max_iter;
	AttrNumber	att;
	KfSource	src;
	KfResult	r;
	char	   *relname;
	Datum		res;

	for (int i = 0; i < 7; i++)
		if (i != 4 && PG_ARGISNULL(i))
			PG_RETURN_NULL();
	rel = PG_GETARG_OID(0);
	col = NameStr(*PG_GETARG_NAME(1));
	k = PG_GETARG_INT32(2);
	seed = PG_GETARG_INT32(3);
	if (!PG_ARGISNULL(4))
		idcol = NameStr(*PG_GETARG_NAME(4));
	sample_size = PG_GETARG_INT32(5);
	max_iter = PG_GETARG_INT32(6);
	check_k_args(k, sample_size, max_iter);

	relname = get_rel_name(rel);
	if (relname == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", rel)));
	att = get_attnum(rel, col);
	if (att == InvalidAttrNumber || att < 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"%s\" of relation \"%s\" does not exist", col, relname)));
	if (get_atttype(rel, att) != FLOAT8ARRAYOID)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("column \"%s\" of relation \"%s\" must be float8[]", col, relname),
				 errdetail("It is %s.", format_type_be(get_atttype(rel, att)))));
	if (idcol)
	{
		AttrNumber	ia = get_attnum(rel, idcol);

		if (ia == InvalidAttrNumber || ia < 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("column \"%s\" of relation \"%s\" does not exist", idcol, relname)));
	}

	src.ext = crm_ext_schema(fcinfo);
	src.x = psprintf("t.%s", quote_identifier(col));
	src.id = idcol ? psprintf("(t.%s)::pg_catalog.text", quote_identifier(idcol)) : NULL;
	src.from = psprintf("FROM %s t",
						quote_qualified_identifier(get_namespace_name(get_rel_namespace(rel)),
												   relname));
	{
		MemoryContext caller = CurrentMemoryContext;

		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		r = kf_run(&src, k, seed, sample_size, max_iter, caller);
		SPI_finish();
	}
	res = kf_result(fcinfo, &r, k, idcol != NULL);
	PG_RETURN_DATUM(res);
}

PG_FUNCTION_INFO_V1(kmeans_fit_query);
Datum
kmeans_fit_query(PG_FUNCTION_ARGS)
{
	char	   *query = text_to_cstring(PG_GETARG_TEXT_PP(0));
	int			k = PG_GETARG_INT32(1);
	int			seed = PG_GETARG_INT32(2);
	int			sample_size = PG_GETARG_INT32(3);
	int			max_iter = PG_GETARG_INT32(4);
	KfSource	src;
	KfResult	r;
	StringInfoData sql;
	TupleDesc	td;
	int			ncols;
	Datum		res;

	MemoryContext caller = CurrentMemoryContext;

	check_k_args(k, sample_size, max_iter);
	src.ext = crm_ext_schema(fcinfo);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");

	/* the query's columns: features float8[] [, id of any type] */
	initStringInfo(&sql);
	appendStringInfo(&sql, "SELECT * FROM (%s) q LIMIT 0", query);
	if (SPI_execute(sql.data, true, 0) != SPI_OK_SELECT)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the query must be a SELECT")));
	td = SPI_tuptable->tupdesc;
	ncols = td->natts;
	if (ncols < 1 || ncols > 2 || TupleDescAttr(td, 0)->atttypid != FLOAT8ARRAYOID)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("the query must return the features (float8[]) and optionally an id"),
				 errdetail("It returns %d column%s%s.", ncols, ncols == 1 ? "" : "s",
						   ncols >= 1 && TupleDescAttr(td, 0)->atttypid != FLOAT8ARRAYOID ?
						   psprintf(", the first of type %s", format_type_be(TupleDescAttr(td, 0)->atttypid)) : "")));
	SPI_freetuptable(SPI_tuptable);

	src.x = "q.x";
	src.id = ncols == 2 ? "(q.id)::pg_catalog.text" : NULL;
	src.from = MemoryContextStrdup(caller, psprintf("FROM (%s) AS q(x%s)", query, ncols == 2 ? ", id" : ""));
	r = kf_run(&src, k, seed, sample_size, max_iter, caller);
	SPI_finish();
	res = kf_result(fcinfo, &r, k, ncols == 2);
	PG_RETURN_DATUM(res);
}
