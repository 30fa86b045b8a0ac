/*
 * score_scan.c: the one pass a refresh makes over a scored view's states.
 *
 * crm_score_scan(old cut points, days since the last refresh) WITHIN GROUP
 * (ORDER BY ctid, changed, recency, frequency, monetary) collects the three indicators of
 * every customer, as rfm_breaks does, and returns in one go the new
 * tie-aware quintile cut points of each and the rows whose segment may have
 * moved since the last refresh: rows written by this refresh (changed), and
 * rows whose R, F or M score under the old cut points at the old date
 * differs from their score under the new ones at the new date.  The history
 * of a scored view then looks at those rows only, so recording who moved
 * costs what the moves cost, not a second pass over every customer.
 *
 * The candidate test is a superset test: values within a hair of a cut point
 * (rounding of recency from two dates) count as candidates, and the exact
 * segment of each candidate is compared afterwards.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "storage/itemptr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "core/interrupts.h"
#include "core/quantile_breaks.h"
#include "core/sort_doubles.h"
#include "crm_fmgr.h"

#define SCAN_CLASSES 5
#define SCAN_NB (SCAN_CLASSES - 1)

typedef struct CrmScoreScan
{
	int64		count;
	int64		capacity;
	ItemPointerData *tids;
	bool	   *changed;
	double	   *v[3];			/* recency, frequency, monetary */
} CrmScoreScan;

/* old cut points of indicator k from argument a, or false if NULL */
static bool
old_breaks(FunctionCallInfo fcinfo, int a, double *out)
{
	ArrayType  *arr;

	if (PG_ARGISNULL(a))
		return false;
	arr = PG_GETARG_ARRAYTYPE_P(a);
	if (ARR_NDIM(arr) != 1 || ARR_ELEMTYPE(arr) != FLOAT8OID || array_contains_nulls(arr) ||
		ArrayGetNItems(ARR_NDIM(arr), ARR_DIMS(arr)) != SCAN_NB)
		return false;			/* another shape of cut points: treat everyone as moved */
	memcpy(out, ARR_DATA_PTR(arr), SCAN_NB * sizeof(double));
	return true;
}

static void
grow(CrmScoreScan *st)
{
	int64		cap = st->capacity * 2;

	if ((Size) cap * sizeof(double) > MaxAllocHugeSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many customers for crm_score_scan")));
	st->tids = repalloc_huge(st->tids, cap * sizeof(ItemPointerData));
	st->changed = repalloc_huge(st->changed, cap * sizeof(bool));
	for (int k = 0; k < 3; k++)
		st->v[k] = repalloc_huge(st->v[k], cap * sizeof(double));
	st->capacity = cap;
}

/*
 * transition: (state, tid, changed, recency, frequency, monetary); as an
 * ordered-set aggregate it gets the rows in any order and sorts what it
 * needs itself, as rfm_breaks does
 */
PG_FUNCTION_INFO_V1(crm_score_scan_transfn);
Datum
crm_score_scan_transfn(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt,
				old;
	CrmScoreScan  *st;
	int64		i;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "crm_score_scan_transfn called in non-aggregate context");
	if (PG_ARGISNULL(0))
	{
		old = MemoryContextSwitchTo(aggcxt);
		st = palloc0(sizeof(CrmScoreScan));
		st->capacity = 1024;
		st->tids = palloc(st->capacity * sizeof(ItemPointerData));
		st->changed = palloc(st->capacity * sizeof(bool));
		for (int k = 0; k < 3; k++)
			st->v[k] = palloc(st->capacity * sizeof(double));
		MemoryContextSwitchTo(old);
	}
	else
		st = (CrmScoreScan *) PG_GETARG_POINTER(0);

	/* a customer without a purchase has no scores: not ranked */
	if (PG_ARGISNULL(1) || PG_ARGISNULL(3) || PG_ARGISNULL(4) || PG_ARGISNULL(5))
		PG_RETURN_POINTER(st);
	if (st->count == st->capacity)
	{
		old = MemoryContextSwitchTo(aggcxt);
		grow(st);
		MemoryContextSwitchTo(old);
	}
	i = st->count++;
	st->tids[i] = *(ItemPointer) PG_GETARG_POINTER(1);
	st->changed[i] = !PG_ARGISNULL(2) && PG_GETARG_BOOL(2);
	for (int k = 0; k < 3; k++)
	{
		double		x = PG_GETARG_FLOAT8(3 + k);

		if (!isfinite(x))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("indicator values must be finite")));
		st->v[k][i] = (x == 0) ? 0.0 : x;
	}
	PG_RETURN_POINTER(st);
}

/* class of x and of x moved by a hair either way agree under breaks? */
static inline bool
class_range(double x, const double *b, int *lo, int *hi)
{
	double		eps = 1e-7 * fmax(1.0, fabs(x));

	*lo = quantile_class(x - eps, b, SCAN_NB);
	*hi = quantile_class(x + eps, b, SCAN_NB);
	return *lo == *hi;
}

/* final: (state, old r, f, m cut points, days since the last refresh) */
PG_FUNCTION_INFO_V1(crm_score_scan_finalfn);
Datum
crm_score_scan_finalfn(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc = crm_result_tupdesc(fcinfo);
	CrmScoreScan  *st;
	double		nb[3][SCAN_NB];
	double		ob[3][SCAN_NB];
	bool		have_old;
	double		delta_days;
	Datum		values[5];
	bool		nulls[5] = {false, false, false, false, false};
	int64		ncand = 0,
				i;
	ItemPointerData *cand;
	Datum	   *elems;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	st = (CrmScoreScan *) PG_GETARG_POINTER(0);
	if (st->count == 0)
		PG_RETURN_NULL();
	have_old = old_breaks(fcinfo, 1, ob[0]) && old_breaks(fcinfo, 2, ob[1]) &&
		old_breaks(fcinfo, 3, ob[2]) && !PG_ARGISNULL(4);
	delta_days = PG_ARGISNULL(4) ? 0 : PG_GETARG_FLOAT8(4);

	/* the new cut points, as rfm_breaks(5) computes them */
	{
		double	   *sorted = palloc_extended(st->count * sizeof(double), MCXT_ALLOC_HUGE);
		double	   *tmp = NULL;
		int64	   *work = palloc_extended(QUANTILE_BREAKS_WORK(st->count, SCAN_CLASSES) * sizeof(int64),
										   MCXT_ALLOC_HUGE);

		if (st->count >= SORT_DOUBLES_RADIX_MIN)
			tmp = palloc_extended(SORT_DOUBLES_TMP(st->count) * sizeof(double), MCXT_ALLOC_HUGE);
		for (int k = 0; k < 3; k++)
		{
			memcpy(sorted, st->v[k], st->count * sizeof(double));
			sort_doubles(sorted, st->count, tmp);
			quantile_breaks(sorted, st->count, SCAN_CLASSES, nb[k], work);
			crm_check_interrupts();
		}
		pfree(sorted);
		pfree(work);
		if (tmp)
			pfree(tmp);
	}

	/* rows whose scores may differ between the last refresh and this one */
	cand = palloc_extended(st->count * sizeof(ItemPointerData), MCXT_ALLOC_HUGE);
	for (i = 0; i < st->count; i++)
	{
		bool		moved = st->changed[i] || !have_old;

		for (int k = 0; k < 3 && !moved; k++)
		{
			/* recency grew by the days since the last refresh */
			double		then = st->v[k][i] - (k == 0 ? delta_days : 0);
			int			a,
						b,
						c,
						d;
			bool		sharp = class_range(then, ob[k], &a, &b) &
				class_range(st->v[k][i], nb[k], &c, &d);

			moved = !sharp || a != c;
		}
		if (moved)
			cand[ncand++] = st->tids[i];
		if ((i & 0xFFFF) == 0)
			crm_check_interrupts();
	}

	for (int k = 0; k < 3; k++)
	{
		Datum		e[SCAN_NB];

		for (int j = 0; j < SCAN_NB; j++)
			e[j] = Float8GetDatum(nb[k][j]);
		values[k] = PointerGetDatum(construct_array(e, SCAN_NB, FLOAT8OID, sizeof(float8),
													FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	}
	values[3] = Int64GetDatum(st->count);
	elems = palloc_extended((ncand > 0 ? ncand : 1) * sizeof(Datum), MCXT_ALLOC_HUGE);
	for (i = 0; i < ncand; i++)
		elems[i] = PointerGetDatum(&cand[i]);
	values[4] = PointerGetDatum(construct_array(elems, (int) ncand, TIDOID, sizeof(ItemPointerData),
												false, TYPALIGN_SHORT));
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
