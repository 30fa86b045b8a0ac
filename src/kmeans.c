/*
 * kmeans.c: SQL glue for k-means.
 *
 *   kmeans(features float8[], k int [, seed int]) aggregate -> float8[][]
 *   kmeans_assign(features float8[], centroids float8[][]) -> int (1-based)
 *
 * The aggregate collects the points in an ordinary float8[] state (so it can
 * run in parallel with a combine function, and Citus can ship partial
 * states); the final function sorts the points into canonical order, so the
 * same seed gives the same centroids whatever the plan, then runs
 * core/kmeans.c.
 *
 * State layout (float8[]):
 *   [0] KM_MAGIC  [1] d  [2] count  [3] k  [4] seed  [5 ..] points,
 * room for capacity = (length - 5) / d points, count of them used.  The
 * transition function grows the array by doubling and otherwise writes in
 * place, so accumulating n points costs O(n).
 */
#include "postgres.h"

#include <limits.h>
#include <math.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/memutils.h"

#include "core/kmeans.h"
#include "grey_args.h"
#include "kmeans_glue.h"

#define KM_MAGIC	20261125.0
#define KM_HDR		5

#define check_range km_check_range

typedef struct
{
	ArrayType  *arr;
	double	   *v;
	int			d;				/* 0 for the empty initial state */
	int64		count;
	int64		capacity;
	int			k;
	int64		seed;
} KmState;

static void
bad_state(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_EXCEPTION),
			 errmsg("invalid kmeans state")));
}

static KmState
state_read(ArrayType *a)
{
	KmState		s;
	int			len;

	memset(&s, 0, sizeof(s));
	s.arr = a;
	if (ARR_NDIM(a) == 0)
		return s;
	if (ARR_NDIM(a) != 1 || (ARR_HASNULL(a) && array_contains_nulls(a)))
		bad_state();
	len = ARR_DIMS(a)[0];
	s.v = (double *) ARR_DATA_PTR(a);
	if (len < KM_HDR || s.v[0] != KM_MAGIC ||
		!(s.v[1] >= 1 && s.v[1] <= INT_MAX) || s.v[1] != floor(s.v[1]) ||
		!(s.v[3] >= 1 && s.v[3] <= KM_MAX_K) || s.v[3] != floor(s.v[3]))
		bad_state();
	s.d = (int) s.v[1];
	/* the data area must hold a whole number of points, at least one */
	if ((len - KM_HDR) % s.d != 0 || len - KM_HDR < s.d || !isfinite(s.v[4]) || s.v[4] != floor(s.v[4]))
		bad_state();
	s.capacity = (len - KM_HDR) / s.d;
	if (!(s.v[2] >= 0 && s.v[2] <= s.capacity) || s.v[2] != floor(s.v[2]))
		bad_state();
	s.count = (int64) s.v[2];
	s.k = (int) s.v[3];
	s.seed = (int64) s.v[4];
	return s;
}

/* Memory the clustering of n points needs: the points and the work space. */
double
km_needed(int64 n, int d, int k)
{
	return (double) n * d * sizeof(double) + (double) kmeans_work_bytes(n, d, k);
}

static void
check_memory(int64 n, int d, int k)
{
	double		need = km_needed(n, d, k);
	double		limit = (double) maintenance_work_mem * 1024.0;

	if (need > limit)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("kmeans needs more than maintenance_work_mem"),
				 errdetail("Clustering " INT64_FORMAT " points of dimension %d needs about %.0f MB; maintenance_work_mem is %d MB.",
						   n, d, need / (1024.0 * 1024.0), maintenance_work_mem / 1024),
				 errhint("Raise maintenance_work_mem, or use kmeans_fit(), which clusters any number of points in O(k x d) memory.")));
	/* a float8[] state can hold at most MaxAllocSize bytes */
	if ((double) (n + 1) * d * sizeof(double) + 1024 > (double) MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("kmeans cannot hold more than %d points of dimension %d",
						(int) ((MaxAllocSize - 1024) / (sizeof(double) * d)), d),
				 errhint("Use kmeans_fit(), which clusters any number of points in O(k x d) memory.")));
}

/* New state with room for cap points, holding the header and src's points. */
static ArrayType *
state_alloc(int d, int k, int64 seed, int64 cap, const double *points, int64 count)
{
	int			len = KM_HDR + (int) (cap * d);
	Size		bytes = ARR_OVERHEAD_NONULLS(1) + sizeof(double) * len;
	ArrayType  *a = palloc(bytes);
	double	   *v;

	SET_VARSIZE(a, bytes);
	a->ndim = 1;
	a->dataoffset = 0;
	a->elemtype = FLOAT8OID;
	ARR_DIMS(a)[0] = len;
	ARR_LBOUND(a)[0] = 1;
	v = (double *) ARR_DATA_PTR(a);
	v[0] = KM_MAGIC;
	v[1] = d;
	v[2] = count;
	v[3] = k;
	v[4] = (double) seed;
	if (count > 0)
		memcpy(v + KM_HDR, points, sizeof(double) * count * d);
	memset(v + KM_HDR + count * d, 0, sizeof(double) * (cap - count) * d);
	return a;
}

static Datum
kmeans_accum_common(FunctionCallInfo fcinfo, int64 seed)
{
	ArrayType  *sa = PG_GETARG_ARRAYTYPE_P(0);
	KmState		s = state_read(sa);
	int			n;
	double	   *x = grey_arg_vector(PG_GETARG_ARRAYTYPE_P(1), "features", &n);
	int			k = PG_GETARG_INT32(2);
	bool		inagg = AggCheckCallContext(fcinfo, NULL);

	check_range(x, n, "features");
	if (s.d == 0)
	{
		if (k < 1 || k > KM_MAX_K)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("k must be between 1 and %d", KM_MAX_K),
					 errdetail("k is %d.", k)));
		check_memory(64, n, k);
		sa = state_alloc(n, k, seed, 64, NULL, 0);
		s = state_read(sa);
	}
	else
	{
		if (n != s.d)
			ereport(ERROR,
					(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
					 errmsg("features have different lengths"),
					 errdetail("Earlier rows had %d elements, this one %d.", s.d, n)));
		if (k != s.k || seed != s.seed)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("k and seed must be the same on every row")));
		if (s.count == s.capacity)
		{
			int64		cap = Max(Max(s.capacity * 2, s.count + 1), 64);
			double		limit = (double) maintenance_work_mem * 1024.0;

			int64		maxcap = (int64) ((MaxAllocSize - 1024) / (sizeof(double) * s.d)) - 1;

			/* do not reserve room that the memory or array limits would refuse anyway */
			if (cap > maxcap)
				cap = Max(maxcap, s.count + 1);
			while (cap > s.count + 1 && km_needed(cap, s.d, s.k) > limit)
				cap = s.count + (cap - s.count) / 2;
			check_memory(cap, s.d, s.k);
			sa = state_alloc(s.d, s.k, s.seed, cap, s.v + KM_HDR, s.count);
			s = state_read(sa);
		}
		else if (!inagg)
		{
			sa = PG_GETARG_ARRAYTYPE_P_COPY(0);
			s = state_read(sa);
		}
	}
	/* in an aggregate the state is ours to update in place */
	memcpy(s.v + KM_HDR + s.count * s.d, x, sizeof(double) * n);
	s.v[2] = (double) (s.count + 1);
	PG_RETURN_ARRAYTYPE_P(sa);
}

PG_FUNCTION_INFO_V1(kmeans_accum);
Datum
kmeans_accum(PG_FUNCTION_ARGS)
{
	return kmeans_accum_common(fcinfo, 0);
}

PG_FUNCTION_INFO_V1(kmeans_accum_seed);
Datum
kmeans_accum_seed(PG_FUNCTION_ARGS)
{
	return kmeans_accum_common(fcinfo, PG_GETARG_INT32(3));
}

PG_FUNCTION_INFO_V1(kmeans_combine);
Datum
kmeans_combine(PG_FUNCTION_ARGS)
{
	ArrayType  *aa = PG_GETARG_ARRAYTYPE_P(0);
	ArrayType  *ba = PG_GETARG_ARRAYTYPE_P(1);
	KmState		a = state_read(aa),
				b = state_read(ba);
	int64		total;

	if (b.d == 0 || b.count == 0)
		PG_RETURN_ARRAYTYPE_P(aa);
	if (a.d == 0 || a.count == 0)
		PG_RETURN_ARRAYTYPE_P(AggCheckCallContext(fcinfo, NULL) ? ba : PG_GETARG_ARRAYTYPE_P_COPY(1));
	if (a.d != b.d || a.k != b.k || a.seed != b.seed)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot combine kmeans states with different dimensions, k or seed")));
	total = a.count + b.count;
	if (total <= a.capacity && AggCheckCallContext(fcinfo, NULL))
	{
		memcpy(a.v + KM_HDR + a.count * a.d, b.v + KM_HDR, sizeof(double) * b.count * b.d);
		a.v[2] = (double) total;
		PG_RETURN_ARRAYTYPE_P(aa);
	}
	check_memory(total, a.d, a.k);
	{
		/* room for more partial states, within the array size limit */
		int64		maxcap = (int64) ((MaxAllocSize - 1024) / (sizeof(double) * a.d)) - 1;
		int64		cap = Min(total + total / 2, maxcap);

		aa = state_alloc(a.d, a.k, a.seed, Max(cap, total), a.v + KM_HDR, a.count);
	}
	a = state_read(aa);
	memcpy(a.v + KM_HDR + a.count * a.d, b.v + KM_HDR, sizeof(double) * b.count * b.d);
	a.v[2] = (double) total;
	PG_RETURN_ARRAYTYPE_P(aa);
}

PG_FUNCTION_INFO_V1(kmeans_final);
Datum
kmeans_final(PG_FUNCTION_ARGS)
{
	/*
	 * The points are sorted in place: allowed on the aggregate's own state
	 * (FINALFUNC_MODIFY = READ_WRITE), never on a value handed in directly.
	 */
	KmState		s = state_read(AggCheckCallContext(fcinfo, NULL) ?
							   PG_GETARG_ARRAYTYPE_P(0) :
							   PG_GETARG_ARRAYTYPE_P_COPY(0));
	double	   *pts,
			   *cent;
	void	   *work;
	int64		distinct;
	double		inertia;
	Datum	   *elems;
	int			dims[2],
				lbs[2] = {1, 1};

	if (s.d == 0 || s.count == 0)
		PG_RETURN_NULL();
	check_memory(s.count, s.d, s.k);
	pts = s.v + KM_HDR;
	work = MemoryContextAllocHuge(CurrentMemoryContext,
								  kmeans_work_bytes(s.count, s.d, s.k));
	distinct = kmeans_canonicalize(pts, s.count, s.d, (int64_t *) work);
	if (distinct < s.k)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("k is larger than the number of distinct points"),
				 errdetail("k is %d, there are " INT64_FORMAT " distinct points among " INT64_FORMAT ".",
						   s.k, distinct, s.count)));
	cent = palloc(sizeof(double) * s.k * s.d);
	kmeans_fit(pts, s.count, s.d, s.k, (uint64_t) s.seed, KMEANS_RESTARTS,
			   KMEANS_MAX_ITER, cent, &inertia, work);
	pfree(work);

	elems = palloc(sizeof(Datum) * s.k * s.d);
	for (int i = 0; i < s.k * s.d; i++)
		elems[i] = Float8GetDatum(cent[i]);
	dims[0] = s.k;
	dims[1] = s.d;
	PG_RETURN_ARRAYTYPE_P(construct_md_array(elems, NULL, 2, dims, lbs, FLOAT8OID,
											 sizeof(float8), FLOAT8PASSBYVAL,
											 TYPALIGN_DOUBLE));
}

PG_FUNCTION_INFO_V1(kmeans_assign);
Datum
kmeans_assign(PG_FUNCTION_ARGS)
{
	int			n,
				k,
				d;
	double	   *x = grey_arg_vector(PG_GETARG_ARRAYTYPE_P(0), "features", &n);
	double	   *c = grey_arg_matrix(PG_GETARG_ARRAYTYPE_P(1), "centroids", &k, &d);

	check_range(x, n, "features");
	check_range(c, k * d, "centroids");
	if (n != d)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("features and centroids have different lengths"),
				 errdetail("The features have %d elements, the centroids %d.", n, d)));
	PG_RETURN_INT32(kmeans_nearest(x, c, k, d) + 1);
}

PG_FUNCTION_INFO_V1(kmeans_capacity);
Datum
kmeans_capacity(PG_FUNCTION_ARGS)
{
	int			d = PG_GETARG_INT32(0);
	int			k = PG_GETARG_INT32(1);
	double		limit = (double) maintenance_work_mem * 1024.0;
	int64		lo = 0,
				hi;

	if (d < 1 || k < 1 || k > KM_MAX_K)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("d must be positive and k between 1 and %d", KM_MAX_K)));
	/* the largest n with km_needed(n) within maintenance_work_mem and the 1 GB array limit */
	hi = (int64) ((MaxAllocSize - 1024) / (sizeof(double) * d)) - 1;
	if (km_needed(hi, d, k) <= limit)
		PG_RETURN_INT64(hi);
	while (lo < hi)
	{
		int64		mid = lo + (hi - lo + 1) / 2;

		if (km_needed(mid, d, k) <= limit)
			lo = mid;
		else
			hi = mid - 1;
	}
	PG_RETURN_INT64(lo);
}
