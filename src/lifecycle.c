/*
 * lifecycle.c: retention signals and the rule table that maps them to
 * lifecycle actions (develop, maintain, retain, upsell, guard).
 *
 * spend_by_period(...) buckets a customer's transactions into the last n
 * periods before as_of.  Its state is an ordinary int8[] (header + exact
 * micro-unit sums), so it runs under parallel query and Citus pushes it
 * down; spend_signals(float8[]) reads trend, falling streak and sudden
 * change off the buckets; lifecycle_action(...) applies a rule set kept in
 * the lifecycle_rules table, compiled once per query.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "datatype/timestamp.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"

#include "core/spend_signals.h"
#include "crm_fmgr.h"

#define SPEND_MAGIC 0x53504E01	/* "SPN" + layout version 1 */
#define SPEND_HDR 6				/* magic, as_of, months, days, usec, periods */
#define SPEND_MAX_PERIODS 1000

/* period boundaries as_of - j * period, j = 0..periods (cached per call site) */
typedef struct SpendBounds
{
	int64		key[SPEND_HDR];
	int64		bound[FLEXIBLE_ARRAY_MEMBER];
} SpendBounds;

static int64 *
spend_state_data(ArrayType *a)
{
	return (int64 *) ARR_DATA_PTR(a);
}

static ArrayType *
spend_state_arg(FunctionCallInfo fcinfo, int argno)
{
	ArrayType  *a = PG_GETARG_ARRAYTYPE_P(argno);
	int64	   *d;

	if (ARR_NDIM(a) != 1 || ARR_ELEMTYPE(a) != INT8OID || ARR_HASNULL(a) ||
		ARR_DIMS(a)[0] < SPEND_HDR + 1)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("invalid spend_by_period state")));
	d = spend_state_data(a);
	if (d[0] != SPEND_MAGIC || d[5] < 1 || d[5] > SPEND_MAX_PERIODS ||
		ARR_DIMS(a)[0] != SPEND_HDR + d[5])
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("invalid spend_by_period state"),
				 errdetail("Header or length does not match the layout.")));
	return a;
}

static const SpendBounds *
get_bounds(FunctionCallInfo fcinfo, const int64 *key)
{
	SpendBounds *b = (SpendBounds *) fcinfo->flinfo->fn_extra;
	int			periods = (int) key[5];
	int			j;

	if (b != NULL && memcmp(b->key, key, sizeof(b->key)) == 0)
		return b;
	b = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt,
						   offsetof(SpendBounds, bound) + sizeof(int64) * (periods + 1));
	memcpy(b->key, key, sizeof(b->key));
	for (j = 0; j <= periods; j++)
	{
		Interval	step;

		/* as_of - j * period computed directly, so month lengths are right */
		step.month = (int32) (key[2] * j);
		step.day = (int32) (key[3] * j);
		step.time = key[4] * j;
		b->bound[j] = DatumGetTimestampTz(DirectFunctionCall2(timestamptz_mi_interval,
															  TimestampTzGetDatum((TimestampTz) key[1]),
															  IntervalPGetDatum(&step)));
		if (j > 0 && b->bound[j] >= b->bound[j - 1])
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("period must be a positive interval")));
	}
	fcinfo->flinfo->fn_extra = b;
	return b;
}

PG_FUNCTION_INFO_V1(spend_by_period_transfn);
Datum
spend_by_period_transfn(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	ArrayType  *state;
	int64	   *d;
	int64		key[SPEND_HDR];
	const SpendBounds *b;
	TimestampTz t;
	double		amount;
	int			lo,
				hi,
				periods;
	int64		micro;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "spend_by_period_transfn called in non-aggregate context");
	if (PG_ARGISNULL(3) || PG_ARGISNULL(4) || PG_ARGISNULL(5))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("as_of, period and periods must not be NULL")));

	key[0] = SPEND_MAGIC;
	key[1] = PG_GETARG_TIMESTAMPTZ(3);
	{
		Interval   *p = PG_GETARG_INTERVAL_P(4);

		key[2] = p->month;
		key[3] = p->day;
		key[4] = p->time;
	}
	key[5] = PG_GETARG_INT32(5);
	periods = (int) key[5];

	if (PG_ARGISNULL(0))
	{
		Datum	   *elems;
		int			i;

		if (TIMESTAMP_NOT_FINITE(key[1]))
			ereport(ERROR,
					(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
					 errmsg("as_of must be a finite timestamp")));
		if (periods < 1 || periods > SPEND_MAX_PERIODS)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("periods must be between 1 and %d, got %d", SPEND_MAX_PERIODS, periods)));
		/* made in the per-row context: the executor copies a new state into
		 * the aggregate's, and a first copy there would never be freed */
		elems = palloc0(sizeof(Datum) * (SPEND_HDR + periods));
		for (i = 0; i < SPEND_HDR + periods; i++)
			elems[i] = Int64GetDatum(i < SPEND_HDR ? key[i] : 0);
		state = construct_array(elems, SPEND_HDR + periods, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
	}
	else
	{
		state = (ArrayType *) PG_GETARG_POINTER(0);
		if (memcmp(spend_state_data(state), key, sizeof(key)) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("as_of, period and periods must be the same for every row of a group")));
	}
	b = get_bounds(fcinfo, key);

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_POINTER(state);
	t = PG_GETARG_TIMESTAMPTZ(1);
	if (TIMESTAMP_NOT_FINITE(t))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("transaction time must be finite")));
	amount = PG_GETARG_FLOAT8(2);
	if (!isfinite(amount))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("transaction amount must be finite, got %s", float8out_internal(amount))));
	if (t > b->bound[0] || t <= b->bound[periods])
		PG_RETURN_POINTER(state);	/* outside the window */

	/* find j with bound[j] < t <= bound[j - 1]; bounds decrease with j */
	lo = 1;
	hi = periods;
	while (lo < hi)
	{
		int			mid = (lo + hi) / 2;

		if (b->bound[mid] < t)
			hi = mid;
		else
			lo = mid + 1;
	}
	if (fabs(amount) >= 9.0e12)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("amount %s is too large for spend_by_period", float8out_internal(amount)),
				 errdetail("Per-period sums are exact in units of 1e-6 and must stay within +/-9.2e12.")));
	micro = llrint(amount * 1e6);
	d = spend_state_data(state);
	if (__builtin_add_overflow(d[SPEND_HDR + periods - lo], micro, &d[SPEND_HDR + periods - lo]))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("spend of one period out of range")));
	PG_RETURN_POINTER(state);
}

PG_FUNCTION_INFO_V1(spend_by_period_combine);
Datum
spend_by_period_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	bool		in_agg = AggCheckCallContext(fcinfo, &aggcxt);
	ArrayType  *a,
			   *b;
	int64	   *da,
			   *db;
	int			i,
				n;

	if (PG_ARGISNULL(0) && PG_ARGISNULL(1))
		PG_RETURN_NULL();
	if (PG_ARGISNULL(0))
	{
		b = spend_state_arg(fcinfo, 1);
		a = (ArrayType *) palloc(VARSIZE(b));	/* in an aggregate, the executor adopts it */
		memcpy(a, b, VARSIZE(b));
		PG_RETURN_ARRAYTYPE_P(a);
	}
	a = spend_state_arg(fcinfo, 0);
	if (PG_ARGISNULL(1))
		PG_RETURN_ARRAYTYPE_P(a);
	b = spend_state_arg(fcinfo, 1);
	da = spend_state_data(a);
	db = spend_state_data(b);
	if (memcmp(da, db, sizeof(int64) * SPEND_HDR) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot combine spend_by_period states with different as_of, period or periods")));
	if (!in_agg || (Pointer) a != DatumGetPointer(PG_GETARG_DATUM(0)))
	{
		ArrayType  *copy = palloc(VARSIZE(a));

		memcpy(copy, a, VARSIZE(a));
		a = copy;
		da = spend_state_data(a);
	}
	n = SPEND_HDR + (int) da[5];
	for (i = SPEND_HDR; i < n; i++)
		if (__builtin_add_overflow(da[i], db[i], &da[i]))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("spend of one period out of range")));
	PG_RETURN_ARRAYTYPE_P(a);
}

PG_FUNCTION_INFO_V1(spend_by_period_final);
Datum
spend_by_period_final(PG_FUNCTION_ARGS)
{
	ArrayType  *a;
	int64	   *d;
	Datum	   *out;
	int			i,
				periods;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	a = spend_state_arg(fcinfo, 0);
	d = spend_state_data(a);
	periods = (int) d[5];
	out = palloc(sizeof(Datum) * periods);
	for (i = 0; i < periods; i++)
		out[i] = Float8GetDatum((double) d[SPEND_HDR + i] / 1e6);
	PG_RETURN_ARRAYTYPE_P(construct_array(out, periods, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

/* Reads a 1-D float8 array without NULL/NaN/Infinity into a palloc'd buffer. */
static double *
spend_array(ArrayType *arr, int *n)
{
	int			i,
				count;
	const double *src;
	double	   *dst;

	if (ARR_NDIM(arr) != 1 || ARR_ELEMTYPE(arr) != FLOAT8OID)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("spend must be a one-dimensional float8 array with at least one period")));
	if (array_contains_nulls(arr))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("spend must not contain NULLs"),
				 errhint("Use 0 for a period without spend (spend_by_period() does).")));
	count = ArrayGetNItems(1, ARR_DIMS(arr));
	src = (const double *) ARR_DATA_PTR(arr);
	dst = palloc(sizeof(double) * count);
	for (i = 0; i < count; i++)
	{
		if (!isfinite(src[i]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("spend must be finite, element %d is %s", i + 1, float8out_internal(src[i]))));
		dst[i] = src[i];
	}
	*n = count;
	return dst;
}

PG_FUNCTION_INFO_V1(spend_signals_sql);
Datum
spend_signals_sql(PG_FUNCTION_ARGS)
{
	int			n;
	double	   *spend = spend_array(PG_GETARG_ARRAYTYPE_P(0), &n);
	SpendSignals s;
	TupleDesc	tupdesc;
	Datum		v[9];
	bool		nulls[9] = {0};

	tupdesc = crm_result_tupdesc(fcinfo);
	spend_signals(spend, n, &s);
	if (s.out_of_range)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("spend signals out of range: the total, trend or a ratio of these %d periods exceeds float8", n),
				 errhint("Rescale spend values near 1e308, or periods near 0 that the last one is compared with.")));
	v[0] = Int32GetDatum(s.periods);
	v[1] = Float8GetDatum(s.total);
	v[2] = Float8GetDatum(s.mean);
	v[3] = Float8GetDatum(s.last);
	v[4] = Float8GetDatum(s.trend);
	nulls[4] = !s.trend_valid;
	v[5] = Float8GetDatum(s.trend_pct);
	nulls[5] = !s.trend_pct_valid;
	v[6] = Int32GetDatum(s.falling_periods);
	v[7] = Float8GetDatum(s.change_z);
	nulls[7] = !s.change_z_valid;
	v[8] = Float8GetDatum(s.change_pct);
	nulls[8] = !s.change_pct_valid;
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, v, nulls)));
}

/* ------------------------------------------------------------------------
 * lifecycle_action: first rule (lowest priority number) whose bounds all hold
 */
#define LC_SIGNALS 9
static const char *const lc_signal_names[LC_SIGNALS] = {
	"trend_pct", "falling_periods", "change_z", "change_pct", "overdue_ratio",
	"value_score", "contract_days_left", "complaints_trend", "arrears"
};

typedef struct LcRule
{
	text	   *action;
	bool		has_lo[LC_SIGNALS],
				has_hi[LC_SIGNALS];
	double		lo[LC_SIGNALS],
				hi[LC_SIGNALS];
} LcRule;

typedef struct LcRuleSet
{
	text	   *name;			/* cache key, with when it was read */
	CrmReadStamp read;
	int			nrules;
	LcRule	   *rules;
} LcRuleSet;

static LcRuleSet *
compile_rules(FunctionCallInfo fcinfo, text *name)
{
	StringInfoData sql;
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1] = {PointerGetDatum(name)};
	MemoryContext cxt = fcinfo->flinfo->fn_mcxt,
				old;
	LcRuleSet  *rs;
	uint64		i;
	int			k;

	initStringInfo(&sql);
	appendStringInfoString(&sql, "SELECT action");
	for (k = 0; k < LC_SIGNALS; k++)
		appendStringInfo(&sql, ", min_%s::float8, max_%s::float8", lc_signal_names[k], lc_signal_names[k]);
	appendStringInfo(&sql, " FROM %s.lifecycle_rules WHERE rule_set = $1 ORDER BY priority, action",
					 crm_ext_schema(fcinfo));

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_with_args(sql.data, 1, argtypes, args, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read lifecycle rules");
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("lifecycle rule set \"%s\" does not exist", text_to_cstring(name)),
				 errhint("Add its rules to %s.lifecycle_rules; the built-in set is \"default\".",
						 crm_ext_schema(fcinfo))));
	old = MemoryContextSwitchTo(cxt);
	rs = palloc0(sizeof(LcRuleSet));
	rs->name = DatumGetTextPCopy(PointerGetDatum(name));
	rs->nrules = (int) SPI_processed;
	rs->rules = palloc0(sizeof(LcRule) * rs->nrules);
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	td = SPI_tuptable->tupdesc;
		bool		isnull;
		LcRule	   *r = &rs->rules[i];

		r->action = DatumGetTextPCopy(SPI_getbinval(tup, td, 1, &isnull));
		for (k = 0; k < LC_SIGNALS; k++)
		{
			Datum		lo = SPI_getbinval(tup, td, 2 + 2 * k, &r->has_lo[k]);
			Datum		hi = SPI_getbinval(tup, td, 3 + 2 * k, &r->has_hi[k]);

			r->has_lo[k] = !r->has_lo[k];
			r->has_hi[k] = !r->has_hi[k];
			r->lo[k] = r->has_lo[k] ? DatumGetFloat8(lo) : 0;
			r->hi[k] = r->has_hi[k] ? DatumGetFloat8(hi) : 0;
		}
	}
	MemoryContextSwitchTo(old);
	SPI_finish();
	return rs;
}

PG_FUNCTION_INFO_V1(lifecycle_action);
Datum
lifecycle_action(PG_FUNCTION_ARGS)
{
	LcRuleSet  *rs = (LcRuleSet *) fcinfo->flinfo->fn_extra;
	text	   *name;
	double		sig[LC_SIGNALS];
	bool		known[LC_SIGNALS];
	int			k,
				i;

	if (PG_ARGISNULL(LC_SIGNALS))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("rule_set must not be NULL")));
	name = PG_GETARG_TEXT_PP(LC_SIGNALS);
	for (k = 0; k < LC_SIGNALS; k++)
	{
		known[k] = !PG_ARGISNULL(k);
		if (!known[k])
			continue;
		/* falling_periods, value_score and arrears are int, the rest float8 */
		sig[k] = (k == 1 || k == 5 || k == 8) ? (double) PG_GETARG_INT32(k) : PG_GETARG_FLOAT8(k);
		if (isnan(sig[k]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("signal %s must not be NaN", lc_signal_names[k])));
	}
	if (rs == NULL || !crm_stamp_current(&rs->read) ||
		VARSIZE_ANY_EXHDR(rs->name) != VARSIZE_ANY_EXHDR(name) ||
		memcmp(VARDATA_ANY(rs->name), VARDATA_ANY(name), VARSIZE_ANY_EXHDR(name)) != 0)
	{
		rs = compile_rules(fcinfo, name);
		crm_stamp_now(&rs->read);
		fcinfo->flinfo->fn_extra = rs;
	}
	for (i = 0; i < rs->nrules; i++)
	{
		const LcRule *r = &rs->rules[i];
		bool		ok = true;

		for (k = 0; k < LC_SIGNALS && ok; k++)
		{
			if (!r->has_lo[k] && !r->has_hi[k])
				continue;
			/* a bound on an unknown signal does not hold */
			ok = known[k] && (!r->has_lo[k] || sig[k] >= r->lo[k]) &&
				(!r->has_hi[k] || sig[k] <= r->hi[k]);
		}
		if (ok)
			PG_RETURN_TEXT_P(DatumGetTextPCopy(PointerGetDatum(r->action)));
	}
	PG_RETURN_NULL();
}
