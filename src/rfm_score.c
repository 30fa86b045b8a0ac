/*
 * rfm_score.c: tie-aware quantile scoring.
 *
 * rfm_breaks(n) WITHIN GROUP (ORDER BY x) collects the values, sorts them
 * once at the end and returns n - 1 cut points (see core/quantile_breaks.c);
 * rfm_score(x, breaks) maps a value to its class 1..n.  Scores depend only on
 * the value, so equal values always score the same, unlike NTILE.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/memutils.h"

#include "core/quantile_breaks.h"
#include "core/sort_doubles.h"

#define RFM_MAX_CLASSES 1000

typedef struct BreaksState
{
	int64		count;
	int64		capacity;
	bool		sorted;
	double	   *values;
} BreaksState;

PG_FUNCTION_INFO_V1(rfm_breaks_transfn);
Datum
rfm_breaks_transfn(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	BreaksState *st;
	double		v;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "rfm_breaks_transfn called in non-aggregate context");

	if (PG_ARGISNULL(0))
	{
		st = MemoryContextAllocZero(aggcxt, sizeof(BreaksState));
		st->capacity = 1024;
		st->values = MemoryContextAlloc(aggcxt, st->capacity * sizeof(double));
	}
	else
		st = (BreaksState *) PG_GETARG_POINTER(0);

	if (PG_ARGISNULL(1))
		PG_RETURN_POINTER(st);	/* NULLs are not ranked, as in percentile_disc */
	v = PG_GETARG_FLOAT8(1);
	if (v == 0)
		v = 0.0;				/* -0.0 equals 0.0; one sign keeps the output stable */
	if (!isfinite(v))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("rfm_breaks input must be finite, got %s", float8out_internal(v))));
	if (st->count == st->capacity)
	{
		if ((Size) st->capacity * 2 * sizeof(double) > MaxAllocHugeSize)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many values for rfm_breaks")));
		st->capacity *= 2;
		st->values = repalloc_huge(st->values, st->capacity * sizeof(double));
	}
	st->values[st->count++] = v;
	st->sorted = false;
	PG_RETURN_POINTER(st);
}

static void
check_classes(int n)
{
	if (n < 2 || n > RFM_MAX_CLASSES)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("number of classes must be between 2 and %d, got %d",
						RFM_MAX_CLASSES, n)));
}

/* Final function: (state, n, dummy ORDER BY argument) -> float8[] */
PG_FUNCTION_INFO_V1(rfm_breaks_finalfn);
Datum
rfm_breaks_finalfn(PG_FUNCTION_ARGS)
{
	BreaksState *st;
	int			n;
	double	   *breaks;
	int64	   *work;
	Datum	   *elems;
	int			i;

	if (PG_ARGISNULL(1))
		PG_RETURN_NULL();
	n = PG_GETARG_INT32(1);
	check_classes(n);
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();		/* no rows */
	st = (BreaksState *) PG_GETARG_POINTER(0);
	if (st->count == 0)
		PG_RETURN_NULL();		/* only NULLs */

	/* Sorting in place is harmless to other final calls sharing the state. */
	if (!st->sorted)
	{
		double	   *tmp = NULL;

		if (st->count >= SORT_DOUBLES_RADIX_MIN)
			tmp = palloc_extended(SORT_DOUBLES_TMP(st->count) * sizeof(double), MCXT_ALLOC_HUGE);
		sort_doubles(st->values, st->count, tmp);
		if (tmp)
			pfree(tmp);
		st->sorted = true;
	}
	work = palloc_extended(QUANTILE_BREAKS_WORK(st->count, n) * sizeof(int64),
						   MCXT_ALLOC_HUGE);
	breaks = palloc((n - 1) * sizeof(double));
	quantile_breaks(st->values, st->count, n, breaks, work);
	pfree(work);

	elems = palloc((n - 1) * sizeof(Datum));
	for (i = 0; i < n - 1; i++)
		elems[i] = Float8GetDatum(breaks[i]);
	PG_RETURN_ARRAYTYPE_P(construct_array(elems, n - 1, FLOAT8OID, sizeof(float8),
										  FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

/*
 * Validates a breaks array; returns a pointer into it and sets *nbreaks.
 * Equal neighbours are allowed (an empty class), descending ones are not.
 */
static const double *
get_breaks(ArrayType *arr, int *nbreaks)
{
	const double *b;
	int			nb,
				i;

	if (ARR_NDIM(arr) != 1 || ARR_ELEMTYPE(arr) != FLOAT8OID)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("breaks must be a one-dimensional float8 array, got %d dimensions",
						ARR_NDIM(arr))));
	if (array_contains_nulls(arr))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("breaks must not contain NULLs")));
	nb = ArrayGetNItems(ARR_NDIM(arr), ARR_DIMS(arr));
	if (nb < 1 || nb > RFM_MAX_CLASSES - 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("breaks must have between 1 and %d elements, got %d",
						RFM_MAX_CLASSES - 1, nb)));
	b = (const double *) ARR_DATA_PTR(arr);
	for (i = 0; i < nb; i++)
	{
		if (isnan(b[i]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("breaks must not contain NaN")));
		if (i > 0 && b[i] < b[i - 1])
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("breaks must be in ascending order"),
					 errdetail("Element %d (%s) is below element %d (%s).",
							   i + 1, float8out_internal(b[i]), i, float8out_internal(b[i - 1])),
					 errhint("Use the output of rfm_breaks(), or sort your own cut points.")));
	}
	*nbreaks = nb;
	return b;
}

/* rfm_score(value, breaks, higher_is_better) -> 1..n */
PG_FUNCTION_INFO_V1(rfm_score);
Datum
rfm_score(PG_FUNCTION_ARGS)
{
	double		v = PG_GETARG_FLOAT8(0);
	ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(1);
	bool		higher_is_better = PG_GETARG_BOOL(2);
	const double *b;
	int			nb,
				cls;

	b = get_breaks(arr, &nb);
	if (!isfinite(v))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("value to score must be finite, got %s", float8out_internal(v))));
	cls = quantile_class(v, b, nb);
	PG_RETURN_INT32(higher_is_better ? cls : nb + 2 - cls);
}
