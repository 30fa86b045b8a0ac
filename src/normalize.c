/*
 * normalize.c: per-position statistics of float8[] vectors and the
 * normalizations built on them.
 *
 *   feature_stats(float8[]) aggregate -> feature_summary
 *       (n bigint, min float8[], max float8[], mean float8[], stddev float8[])
 *   normalize_features(features, stats, cost boolean[], method text) -> float8[]
 *
 * The aggregate's state is an ordinary float8[] (layout in
 * core/normalize.h) with a combine function, so PostgreSQL can run it in
 * parallel and Citus can push it down as partial states.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "core/normalize.h"
#include "crm_fmgr.h"
#include "grey_args.h"

static ArrayType *
new_state(int d)
{
	int			len = FSTATS_LEN(d);
	Datum	   *z = palloc(sizeof(Datum) * len);
	ArrayType  *a;

	for (int i = 0; i < len; i++)
		z[i] = Float8GetDatum(0.0);
	a = construct_array(z, len, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL,
						TYPALIGN_DOUBLE);
	fstats_init((double *) ARR_DATA_PTR(a), d);
	return a;
}

/*
 * Positions of a state, or 0 for the empty initial state; checks its shape
 * (and, if full, its values: states can be handed in by users).
 */
static int
state_dims(ArrayType *s, bool full)
{
	int			len;
	double	   *v;

	if (ARR_NDIM(s) == 0)
		return 0;
	if (ARR_NDIM(s) != 1 || (ARR_HASNULL(s) && array_contains_nulls(s)))
		goto bad;
	len = ARR_DIMS(s)[0];
	if (len < FSTATS_LEN(1) || (len - 1) % 4 != 0)
		goto bad;
	v = (double *) ARR_DATA_PTR(s);
	if (!(v[0] >= 1.0 && v[0] <= 9007199254740992.0) || v[0] != floor(v[0]))
		goto bad;
	for (int i = 1; full && i < len; i++)
		if (isnan(v[i]) || (i > 3 * (len - 1) / 4 && v[i] < 0))	/* m2 >= 0 */
			goto bad;
	return (len - 1) / 4;
bad:
	ereport(ERROR,
			(errcode(ERRCODE_DATA_EXCEPTION),
			 errmsg("invalid feature_stats state"),
			 errdetail("A state is {count, min[d], max[d], mean[d], m2[d]}.")));
	return 0;
}

static void
fstats_overflow(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("feature values too far apart for feature_stats"),
			 errdetail("A feature's sum of squared deviations (row count times its variance) must fit float8, about 1.8e308."),
			 errhint("Rescale the feature, e.g. to thousands.")));
}

PG_FUNCTION_INFO_V1(feature_stats_accum);
Datum
feature_stats_accum(PG_FUNCTION_ARGS)
{
	ArrayType  *state = PG_GETARG_ARRAYTYPE_P(0);
	int			n;
	double	   *x = grey_arg_vector(PG_GETARG_ARRAYTYPE_P(1), "features", &n);
	int			d = state_dims(state, false);

	if (d == 0)
		state = new_state(n);
	else if (d != n)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("features have different lengths"),
				 errdetail("Earlier rows had %d elements, this one %d.", d, n)));
	else if (!AggCheckCallContext(fcinfo, NULL))
		state = PG_GETARG_ARRAYTYPE_P_COPY(0);
	/* in an aggregate the state is ours to update in place */
	if (!fstats_add((double *) ARR_DATA_PTR(state), n, x))
		fstats_overflow();
	PG_RETURN_ARRAYTYPE_P(state);
}

PG_FUNCTION_INFO_V1(feature_stats_combine);
Datum
feature_stats_combine(PG_FUNCTION_ARGS)
{
	ArrayType  *a = PG_GETARG_ARRAYTYPE_P(0);
	ArrayType  *b = PG_GETARG_ARRAYTYPE_P(1);
	int			da = state_dims(a, true),
				db = state_dims(b, true);

	if (db == 0)
		PG_RETURN_ARRAYTYPE_P(a);
	if (da == 0)
		PG_RETURN_ARRAYTYPE_P(AggCheckCallContext(fcinfo, NULL) ? b : PG_GETARG_ARRAYTYPE_P_COPY(1));
	if (da != db)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("cannot combine feature_stats states of %d and %d positions", da, db)));
	if (!AggCheckCallContext(fcinfo, NULL))
		a = PG_GETARG_ARRAYTYPE_P_COPY(0);
	if (!fstats_merge((double *) ARR_DATA_PTR(a), (double *) ARR_DATA_PTR(b), da))
		fstats_overflow();
	PG_RETURN_ARRAYTYPE_P(a);
}

static Datum
vector_datum(const double *x, int n, int stride)
{
	Datum	   *d = palloc(sizeof(Datum) * n);

	for (int i = 0; i < n; i++)
		d[i] = Float8GetDatum(x[(size_t) i * stride]);
	return PointerGetDatum(construct_array(d, n, FLOAT8OID, sizeof(float8),
										   FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

PG_FUNCTION_INFO_V1(feature_stats_final);
Datum
feature_stats_final(PG_FUNCTION_ARGS)
{
	ArrayType  *state = PG_GETARG_ARRAYTYPE_P(0);
	int			d = state_dims(state, true);
	double	   *s;
	TupleDesc	td;
	Datum		values[5];
	bool		nulls[5] = {false, false, false, false, false};

	if (d == 0)
		PG_RETURN_NULL();		/* no rows */
	s = (double *) ARR_DATA_PTR(state);
	td = crm_result_tupdesc(fcinfo);	/* once per query, not per group */

	values[0] = Int64GetDatum((int64) s[0]);
	values[1] = vector_datum(s + 1, d, 1);
	values[2] = vector_datum(s + 1 + d, d, 1);
	values[3] = vector_datum(s + 1 + 2 * d, d, 1);
	if (s[0] < 2.0)
		nulls[4] = true;		/* sample standard deviation needs two rows */
	else
	{
		double	   *sd = palloc(sizeof(double) * d);

		for (int j = 0; j < d; j++)
			sd[j] = fstats_stddev(s, d, j);
		values[4] = vector_datum(sd, d, 1);
	}
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(td, values, nulls)));
}

/* ---- normalize_features ---- */

typedef struct NormCache
{
	Size		len;			/* bytes of the stats argument it came from */
	char	   *bytes;
	Size		cost_len;
	char	   *cost_bytes;		/* NULL: all benefit */
	bool		zscore;
	int			d;
	double	   *min,
			   *max,
			   *mean,
			   *stddev;
	bool	   *cost;
	MemoryContext mcxt;
} NormCache;

static double *
stats_field(HeapTupleHeader rec, int attno, const char *what, int *d, bool required)
{
	bool		isnull;
	Datum		v = GetAttributeByNum(rec, attno, &isnull);
	int			n;
	double	   *x,
			   *copy;

	if (isnull)
	{
		if (required)
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("stats.%s must not be null", what),
					 errhint("z-scores need at least two rows in feature_stats.")));
		return NULL;
	}
	x = grey_arg_vector(DatumGetArrayTypeP(v), what, &n);
	if (*d >= 0 && n != *d)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("stats.%s has %d elements, expected %d", what, n, *d)));
	*d = n;
	copy = palloc(sizeof(double) * n);
	memcpy(copy, x, sizeof(double) * n);
	return copy;
}

static NormCache *
norm_cache_build(FunctionCallInfo fcinfo, HeapTupleHeader rec, bool zscore)
{
	MemoryContext mcxt = AllocSetContextCreate(fcinfo->flinfo->fn_mcxt,
											   "normalize_features stats",
											   ALLOCSET_SMALL_SIZES);
	MemoryContext old = MemoryContextSwitchTo(mcxt);
	NormCache  *prev = (NormCache *) fcinfo->flinfo->fn_extra;
	NormCache  *c = palloc0(sizeof(NormCache));
	int			n = -1;

	c->mcxt = mcxt;
	c->zscore = zscore;
	c->len = HeapTupleHeaderGetDatumLength(rec);
	c->bytes = palloc(c->len);
	memcpy(c->bytes, rec, c->len);

	c->min = stats_field(rec, 2, "min", &n, true);
	c->max = stats_field(rec, 3, "max", &n, true);
	c->mean = stats_field(rec, 4, "mean", &n, zscore);
	c->stddev = stats_field(rec, 5, "stddev", &n, zscore);
	c->d = n;
	for (int j = 0; j < n; j++)
		if (c->min[j] > c->max[j])
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("stats.min must not exceed stats.max"),
					 errdetail("Position %d has min %g and max %g.", j + 1,
							   c->min[j], c->max[j])));
	if (zscore)
		for (int j = 0; j < n; j++)
			if (c->stddev[j] < 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("stats.stddev must not be negative")));

	if (!PG_ARGISNULL(2))
	{
		ArrayType  *ca = PG_GETARG_ARRAYTYPE_P(2);

		if (ARR_NDIM(ca) != 1 || ARR_DIMS(ca)[0] != n)
			ereport(ERROR,
					(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
					 errmsg("cost must be a one-dimensional array with one element per position"),
					 errdetail("The stats have %d positions.", n)));
		if (ARR_HASNULL(ca) && array_contains_nulls(ca))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("cost must not contain nulls")));
		c->cost = palloc(sizeof(bool) * n);
		memcpy(c->cost, ARR_DATA_PTR(ca), sizeof(bool) * n);
		c->cost_len = VARSIZE(ca);
		c->cost_bytes = palloc(c->cost_len);
		memcpy(c->cost_bytes, ca, c->cost_len);
	}
	MemoryContextSwitchTo(old);
	fcinfo->flinfo->fn_extra = c;
	if (prev)
		MemoryContextDelete(prev->mcxt);
	return c;
}

PG_FUNCTION_INFO_V1(normalize_features);
Datum
normalize_features(PG_FUNCTION_ARGS)
{
	NormCache  *c = (NormCache *) fcinfo->flinfo->fn_extra;
	HeapTupleHeader rec;
	bool		zscore;
	int			n;
	double	   *x,
			   *out;
	char	   *method;
	ArrayType  *cost = NULL;

	/* NULL cost means all positions are benefit; other NULLs give NULL */
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(3))
		PG_RETURN_NULL();
	method = text_to_cstring(PG_GETARG_TEXT_PP(3));
	if (strcmp(method, "minmax") == 0)
		zscore = false;
	else if (strcmp(method, "zscore") == 0)
		zscore = true;
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid normalization method: \"%s\"", method),
				 errhint("Use 'minmax' or 'zscore'.")));
	rec = PG_GETARG_HEAPTUPLEHEADER(1);
	if (!PG_ARGISNULL(2))
		cost = PG_GETARG_ARRAYTYPE_P(2);

	if (c == NULL || c->zscore != zscore ||
		c->len != HeapTupleHeaderGetDatumLength(rec) ||
		memcmp(c->bytes, rec, c->len) != 0 ||
		(cost == NULL) != (c->cost_bytes == NULL) ||
		(cost != NULL && (c->cost_len != VARSIZE(cost) ||
						  memcmp(c->cost_bytes, cost, c->cost_len) != 0)))
		c = norm_cache_build(fcinfo, rec, zscore);

	x = grey_arg_vector(PG_GETARG_ARRAYTYPE_P(0), "features", &n);
	if (n != c->d)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("features and stats have different lengths"),
				 errdetail("The features have %d elements, the stats %d.", n, c->d)));
	out = palloc(sizeof(double) * n);
	if (zscore)
		normalize_zscore(x, n, c->mean, c->stddev, c->cost, out);
	else
		normalize_minmax(x, n, c->min, c->max, c->cost, out);
	for (int j = 0; j < n; j++)
		if (unlikely(!isfinite(out[j])))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("normalized value out of range for type double precision"),
					 errdetail("Position %d: %g is too far from the statistics (%s).", j + 1, x[j],
							   zscore ? "mean and stddev" : "min and max")));
	PG_RETURN_DATUM(vector_datum(out, n, 1));
}
