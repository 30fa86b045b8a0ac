/*
 * cbr.c: case-based classification by multi-layer grey relational grade.
 *
 *   cbr_classify(features, cases, labels, group_sizes, inner_weights,
 *                group_weights, rho, extremes)
 *     -> (label text, similarity float8, case_no int)
 *
 * The case base is the same on every row of a query, so it is parsed and
 * validated once and kept in fn_extra together with a copy of the argument
 * bytes it came from.  Each call compares the bytes of its case-base
 * arguments with that copy (a few hundred bytes: cheap next to the
 * arithmetic) and re-parses only when they differ, so a case base that
 * changes between rows (a lateral join, say) is still honoured.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "core/grey.h"
#include "grey_args.h"

/* argument numbers */
#define A_FEATURES	0
#define A_CASES		1
#define A_LABELS	2
#define A_GSIZES	3
#define A_INNER		4
#define A_GROUPW	5
#define A_RHO		6
#define A_EXTREMES	7
#define N_ARGS		8

typedef struct CbrCache
{
	/* the argument bytes the parsed case base came from */
	bool		isnull[N_ARGS];
	Size		len[N_ARGS];
	char	   *bytes[N_ARGS];
	float8		rho;

	MemoryContext mcxt;			/* holds this cache */
	GreyCaseBase *cb;
	Datum	   *labels;			/* t text datums */
	TupleDesc	tupdesc;
} CbrCache;

static inline struct varlena *
arg_varlena(FunctionCallInfo fcinfo, int i)
{
	/* detoasts only external or compressed values; no copy otherwise */
	return pg_detoast_datum_packed((struct varlena *) DatumGetPointer(PG_GETARG_DATUM(i)));
}

static bool
cache_matches(FunctionCallInfo fcinfo, CbrCache *c)
{
	for (int i = A_CASES; i < N_ARGS; i++)
	{
		bool		isnull = (i < PG_NARGS()) ? PG_ARGISNULL(i) : true;

		if (i == A_RHO)
		{
			if (PG_GETARG_FLOAT8(i) != c->rho)
				return false;
			continue;
		}
		if (isnull != c->isnull[i])
			return false;
		if (!isnull)
		{
			struct varlena *v = arg_varlena(fcinfo, i);
			Size		len = VARSIZE_ANY_EXHDR(v);

			if (len != c->len[i] || grey_memcmp(VARDATA_ANY(v), c->bytes[i], len) != 0)
				return false;
		}
	}
	return true;
}

static CbrCache *
cache_build(FunctionCallInfo fcinfo)
{
	MemoryContext old,
				mcxt;
	CbrCache   *prev = (CbrCache *) fcinfo->flinfo->fn_extra;
	CbrCache   *c;
	ArrayType  *labels;
	Datum	   *ldat;
	bool	   *lnulls;
	int			nl;
	TupleDesc	td;

	mcxt = AllocSetContextCreate(fcinfo->flinfo->fn_mcxt,
								 "cbr_classify case base", ALLOCSET_SMALL_SIZES);
	old = MemoryContextSwitchTo(mcxt);
	c = palloc0(sizeof(CbrCache));
	c->mcxt = mcxt;
	c->cb = grey_parse_case_base(fcinfo, A_CASES, A_GSIZES, A_RHO,
								PG_NARGS() > A_EXTREMES ? A_EXTREMES : -1);

	labels = PG_GETARG_ARRAYTYPE_P_COPY(A_LABELS);	/* labels point into it */
	if (ARR_NDIM(labels) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("labels must not be empty")));
	if (ARR_NDIM(labels) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("labels must be a one-dimensional array")));
	deconstruct_array(labels, TEXTOID, -1, false, TYPALIGN_INT,
					  &ldat, &lnulls, &nl);
	if (nl != c->cb->t)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("labels must have one element per case"),
				 errdetail("There are %d cases and %d labels.", c->cb->t, nl)));
	for (int i = 0; i < nl; i++)
		if (lnulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("labels must not contain nulls")));
	c->labels = ldat;

	for (int i = A_CASES; i < N_ARGS; i++)
	{
		c->isnull[i] = (i < PG_NARGS()) ? PG_ARGISNULL(i) : true;
		if (i != A_RHO && !c->isnull[i])
		{
			struct varlena *v = arg_varlena(fcinfo, i);

			c->len[i] = VARSIZE_ANY_EXHDR(v);
			c->bytes[i] = grey_alloc(c->len[i] + 1);
			grey_copy(c->bytes[i], VARDATA_ANY(v), c->len[i]);
		}
	}
	c->rho = PG_GETARG_FLOAT8(A_RHO);

	if (get_call_result_type(fcinfo, NULL, &td) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "cbr_classify must be declared to return a record with OUT parameters");
	c->tupdesc = BlessTupleDesc(CreateTupleDescCopy(td));

	MemoryContextSwitchTo(old);
	fcinfo->flinfo->fn_extra = c;
	if (prev)
		MemoryContextDelete(prev->mcxt);
	return c;
}

PG_FUNCTION_INFO_V1(cbr_classify);
Datum
cbr_classify(PG_FUNCTION_ARGS)
{
	CbrCache   *c = (CbrCache *) fcinfo->flinfo->fn_extra;
	GreyCaseBase *cb;
	double	   *x;
	int			n,
				best;
	Datum		values[3];
	bool		nulls[3] = {false, false, false};

	/* NULL features, cases, labels, rho or extremes: NULL result */
	if (PG_ARGISNULL(A_FEATURES) || PG_ARGISNULL(A_CASES) ||
		PG_ARGISNULL(A_LABELS) || PG_ARGISNULL(A_RHO) ||
		(PG_NARGS() > A_EXTREMES && PG_ARGISNULL(A_EXTREMES)))
		PG_RETURN_NULL();

	if (c == NULL || !cache_matches(fcinfo, c))
		c = cache_build(fcinfo);
	cb = c->cb;

	x = grey_arg_vector(PG_GETARG_ARRAYTYPE_P(A_FEATURES), "features", &n);
	if (unlikely(n != cb->n))
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("features and cases have different lengths"),
				 errdetail("The features have %d elements, the cases %d.", n, cb->n)));

	if (!cb->per_group)
		grey_grades_t(x, cb->cases_t, cb->t, cb->n, cb->weights, cb->rho,
					  cb->grades, cb->work);
	else
		grey_multilayer(x, cb->cases, cb->t, cb->n, cb->g, cb->group_sizes,
						cb->inner_weights, cb->group_weights, cb->rho, true,
						cb->grades, cb->work);
	best = grey_argmax(cb->grades, cb->t);

	values[0] = c->labels[best];
	values[1] = Float8GetDatum(cb->grades[best]);
	values[2] = Int32GetDatum(best + 1);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(c->tupdesc, values, nulls)));
}
