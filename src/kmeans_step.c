/*
 * kmeans_step.c: SQL glue for k-means over data that is never held in
 * memory (core: src/core/kmeans_step.c).
 *
 *   kmeans_step(features float8[], centroids float8[][]) aggregate -> float8[]
 *       one Lloyd iteration: per-cluster counts, exact sums, inertia and
 *       farthest point (O(k * d)); ordinary float8[] state with a combine
 *       function, the same bits whatever the plan
 *   kmeans_step_centroids(step, centroids) -> float8[][]   next centroids
 *   kmeans_step_sizes(step) -> bigint[]
 *   kmeans_step_inertia(step) -> float8
 *   kmeans_in_sample(features, rate, seed) -> boolean   content-hash sample
 *   kmeans_typical(id text, features, centroids) aggregate
 *       -> kmeans_typical_customers (ids text[], features float8[][],
 *          sq_distances float8[]): the real point nearest each centroid
 *
 * The centroids argument is the same on (nearly) every row: it is checked
 * once and kept in fn_extra with a copy of its bytes, which each row
 * compares with its own argument (a few hundred bytes).
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "port/pg_bswap.h"
#include "nodes/primnodes.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "core/kmeans_step.h"
#include "crm_fmgr.h"
#include "grey_args.h"
#include "kmeans_glue.h"

/* ---- shared argument handling ---- */

void
km_check_range(const double *x, int n, const char *what)
{
	for (int i = 0; i < n; i++)
	{
		if (unlikely((i & 65535) == 65535))
			CHECK_FOR_INTERRUPTS();
		if (unlikely(!(fabs(x[i]) <= KSTEP_MAX_ABS)))
		{
			if (!isfinite(x[i]))
				ereport(ERROR,
						(errcode(ERRCODE_DATA_EXCEPTION),
						 errmsg("%s must not contain NaN or infinity", what),
						 errdetail("Element %d is %s.", i + 1,
								   isnan(x[i]) ? "NaN" : (x[i] > 0 ? "Infinity" : "-Infinity"))));
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("%s must lie within -1e150 .. 1e150 for kmeans", what),
					 errdetail("Element %d is %g.", i + 1, x[i]),
					 errhint("Normalize the features first (normalize_features).")));
		}
	}
}

typedef struct CentCache
{
	bool		stable;			/* the argument cannot change during the query */
	Size		len;			/* 0: nothing cached */
	char	   *bytes;
	int			k,
				d;
	double	   *c;				/* k x d */
	double	   *ct;				/* d x k, transposed */
	double	   *dist;			/* k scratch */
	int			len_state;		/* KSTEP_LEN(k, d) */
	bool		in_agg;			/* called as an aggregate's transition */
	MemoryContext mcxt;
} CentCache;

/*
 * Is aggregate argument argno (0-based, as in the Aggref) a constant or an
 * external parameter, whose value is the same on every row of the query?
 */
static bool
agg_arg_stable(FunctionCallInfo fcinfo, int argno)
{
	Aggref	   *ar = AggGetAggref(fcinfo);
	Node	   *e;

	if (ar == NULL || list_length(ar->args) <= argno)
		return false;
	e = (Node *) ((TargetEntry *) list_nth(ar->args, argno))->expr;
	return IsA(e, Const) || (IsA(e, Param) && ((Param *) e)->paramkind == PARAM_EXTERN);
}

/*
 * The parsed centroids argument (argno of the transition function), cached
 * in fn_extra.  When the aggregate's argument is a constant or a query
 * parameter it is parsed once; otherwise re-parsed whenever its bytes differ
 * from the cached copy.
 */
static CentCache *
centroids_arg(FunctionCallInfo fcinfo, int argno)
{
	CentCache  *cc = (CentCache *) fcinfo->flinfo->fn_extra;
	struct varlena *v;
	ArrayType  *a;
	double	   *data;
	MemoryContext old;

	if (likely(cc != NULL && cc->stable && cc->len > 0))
		return cc;
	v = (struct varlena *) DatumGetPointer(PG_GETARG_DATUM(argno));
	if (VARATT_IS_EXTERNAL(v) || VARATT_IS_COMPRESSED(v))
		v = pg_detoast_datum(v);
	if (cc != NULL && cc->len == VARSIZE_ANY_EXHDR(v) &&
		memcmp(cc->bytes, VARDATA_ANY(v), cc->len) == 0)
		return cc;

	if (cc == NULL)
	{
		cc = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(CentCache));
		cc->mcxt = AllocSetContextCreate(fcinfo->flinfo->fn_mcxt, "kmeans centroids",
										 ALLOCSET_SMALL_SIZES);
		/* the transition function's argument argno is the aggregate's argno - 1 */
		cc->stable = agg_arg_stable(fcinfo, argno - 1);
		cc->in_agg = AggCheckCallContext(fcinfo, NULL) != 0;
		fcinfo->flinfo->fn_extra = cc;
	}
	MemoryContextReset(cc->mcxt);
	cc->len = 0;
	a = DatumGetArrayTypeP(PointerGetDatum(v));
	data = grey_arg_matrix(a, "centroids", &cc->k, &cc->d);
	km_check_range(data, cc->k * cc->d, "centroids");
	if (cc->k > KM_MAX_K)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("at most %d centroids are allowed", KM_MAX_K),
				 errdetail("There are %d.", cc->k)));
	old = MemoryContextSwitchTo(cc->mcxt);
	cc->c = palloc(sizeof(double) * cc->k * cc->d);
	memcpy(cc->c, data, sizeof(double) * cc->k * cc->d);
	cc->ct = palloc(sizeof(double) * cc->k * cc->d);
	for (int c = 0; c < cc->k; c++)
		for (int j = 0; j < cc->d; j++)
			cc->ct[(Size) j * cc->k + c] = cc->c[(Size) c * cc->d + j];
	cc->dist = palloc(sizeof(double) * cc->k);
	cc->len_state = KSTEP_LEN(cc->k, cc->d);
	cc->bytes = palloc(VARSIZE_ANY_EXHDR(v));
	memcpy(cc->bytes, VARDATA_ANY(v), VARSIZE_ANY_EXHDR(v));
	MemoryContextSwitchTo(old);
	cc->len = VARSIZE_ANY_EXHDR(v);
	return cc;
}

/*
 * The point of a row, checked: d values (d < 0: any length, written back),
 * finite, within range.  Short (packed) arrays are read into buf without a
 * palloc; buf must hold KM_POINT_BUF doubles.
 */
const double *
km_point_arg(Datum datum, int *d, double *buf)
{
	struct varlena *v = (struct varlena *) DatumGetPointer(datum);
	ArrayType  *a;
	int			n;
	double	   *x;

	if (VARATT_IS_SHORT(v))
	{
		/*
		 * A short (packed) array, as rows of up to 126 bytes are stored: read
		 * its header fields and copy its values out (they are not aligned)
		 * instead of detoasting into a palloc'd copy.
		 */
		const char *p = VARDATA_SHORT(v) - VARHDRSZ;	/* as if it had a 4-byte header */
		int32		f[4];		/* ndim, dataoffset, elemtype, dim 0 */
		Size		len = VARSIZE_SHORT(v) - VARHDRSZ_SHORT + VARHDRSZ;

		memcpy(f, p + offsetof(ArrayType, ndim), 3 * sizeof(int32));
		if (f[0] == 1 && f[1] == 0 && len >= ARR_OVERHEAD_NONULLS(1))
		{
			memcpy(&f[3], p + sizeof(ArrayType), sizeof(int32));
			n = f[3];
			if (n >= 0 && n <= KM_POINT_BUF &&
				len == ARR_OVERHEAD_NONULLS(1) + sizeof(double) * (Size) n)
			{
				const char *src = p + ARR_OVERHEAD_NONULLS(1);
				bool		ok = true;

				for (int j = 0; j < n; j++)
				{
					memcpy(&buf[j], src + sizeof(double) * j, sizeof(double));
					ok &= fabs(buf[j]) <= KSTEP_MAX_ABS;
				}
				x = buf;
				if (*d >= 0 && unlikely(n != *d))
					goto check;
				if (unlikely(!ok))
					km_check_range(buf, n, "features");
				*d = n;
				return buf;
			}
		}
	}
	a = DatumGetArrayTypeP(datum);
	if (unlikely(ARR_NDIM(a) != 1 || ARR_HASNULL(a)))
		x = grey_arg_vector(a, "features", &n);	/* reports the problem */
	else
	{
		n = ARR_DIMS(a)[0];
		x = (double *) ARR_DATA_PTR(a);
	}
check:
	if (*d >= 0 && unlikely(n != *d))
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("features and centroids have different lengths"),
				 errdetail("The features have %d elements, the centroids %d.", n, *d)));
	*d = n;
	km_check_range(x, n, "features");
	return x;
}

double
km_finite(double v, const char *what)
{
	if (!isfinite(v))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("%s overflows float8", what),
				 errhint("Normalize the features first (normalize_features).")));
	return v;
}

/* ---- kmeans_step ---- */

static double *
step_data(ArrayType *a, int *k, int *d)
{
	const char *why;

	if (ARR_NDIM(a) != 1 || ARR_HASNULL(a) || ARR_ELEMTYPE(a) != FLOAT8OID)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("invalid kmeans_step state"),
				 errdetail("A state is a one-dimensional float8[] without NULLs.")));
	why = kstep_check((double *) ARR_DATA_PTR(a), ARR_DIMS(a)[0], k, d);
	if (why)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("invalid kmeans_step state"),
				 errdetail("The state is malformed: %s.", why)));
	return (double *) ARR_DATA_PTR(a);
}

static ArrayType *
new_float8_array(Size len)
{
	Size		bytes = ARR_OVERHEAD_NONULLS(1) + sizeof(double) * len;
	ArrayType  *a;

	if (bytes > MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("kmeans_step state would exceed 1 GB"),
				 errhint("Use fewer clusters or dimensions.")));
	a = palloc0(bytes);
	SET_VARSIZE(a, bytes);
	a->ndim = 1;
	a->dataoffset = 0;
	a->elemtype = FLOAT8OID;
	ARR_DIMS(a)[0] = (int) len;
	ARR_LBOUND(a)[0] = 1;
	return a;
}

PG_FUNCTION_INFO_V1(kmeans_step_accum);
Datum
kmeans_step_accum(PG_FUNCTION_ARGS)
{
	ArrayType  *sa = PG_GETARG_ARRAYTYPE_P(0);
	CentCache  *cc = centroids_arg(fcinfo, 2);
	double		buf[KM_POINT_BUF];
	int			d = cc->d;
	const double *x = km_point_arg(PG_GETARG_DATUM(1), &d, buf);
	double	   *s;
	double		d2;

	if (ARR_NDIM(sa) == 0)
	{
		sa = new_float8_array(KSTEP_LEN(cc->k, cc->d));
		kstep_init((double *) ARR_DATA_PTR(sa), cc->k, cc->d);
	}
	else
	{
		/* our own state (EXECUTE is revoked from PUBLIC): check the header only */
		s = (double *) ARR_DATA_PTR(sa);
		if (unlikely(ARR_NDIM(sa) != 1 || ARR_DIMS(sa)[0] != cc->len_state ||
					 s[0] != KSTEP_MAGIC || s[2] != cc->k || s[3] != cc->d))
		{
			int			sk,
						sd;

			step_data(sa, &sk, &sd);	/* a malformed state is reported here */
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("centroids must have the same shape on every row"),
					 errdetail("Earlier rows had %d x %d centroids, this one %d x %d.",
							   sk, sd, cc->k, cc->d)));
		}
		if (!cc->in_agg)
			sa = PG_GETARG_ARRAYTYPE_P_COPY(0);
	}
	/* in an aggregate the state is ours to update in place */
	{
		int			c = kstep_nearest_t(x, cc->ct, cc->k, cc->d, cc->dist, &d2);

		if (unlikely(!kstep_add_to((double *) ARR_DATA_PTR(sa), cc->k, cc->d, x, c, d2)))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("squared distance to the nearest centroid overflows float8"),
					 errhint("Normalize the features first (normalize_features).")));
	}
	PG_RETURN_ARRAYTYPE_P(sa);
}

PG_FUNCTION_INFO_V1(kmeans_step_combine);
Datum
kmeans_step_combine(PG_FUNCTION_ARGS)
{
	ArrayType  *aa = PG_GETARG_ARRAYTYPE_P(0);
	ArrayType  *ba = PG_GETARG_ARRAYTYPE_P(1);
	int			ka,
				da,
				kb,
				db;
	double	   *b;

	if (ARR_NDIM(ba) == 0)
		PG_RETURN_ARRAYTYPE_P(aa);
	b = step_data(ba, &kb, &db);
	if (ARR_NDIM(aa) == 0)
	{
		ArrayType  *r = AggCheckCallContext(fcinfo, NULL) ? ba : PG_GETARG_ARRAYTYPE_P_COPY(1);

		PG_RETURN_ARRAYTYPE_P(r);
	}
	step_data(aa, &ka, &da);
	if (ka != kb || da != db)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot combine kmeans_step states of %d x %d and %d x %d centroids",
						ka, da, kb, db)));
	if (!AggCheckCallContext(fcinfo, NULL))
		aa = PG_GETARG_ARRAYTYPE_P_COPY(0);
	kstep_merge((double *) ARR_DATA_PTR(aa), b, ka, da);
	PG_RETURN_ARRAYTYPE_P(aa);
}

PG_FUNCTION_INFO_V1(kmeans_step_final);
Datum
kmeans_step_final(PG_FUNCTION_ARGS)
{
	ArrayType  *a = PG_GETARG_ARRAYTYPE_P_COPY(0);
	int			k,
				d;
	double	   *s;

	if (ARR_NDIM(a) == 0)
		PG_RETURN_NULL();		/* no rows */
	s = step_data(a, &k, &d);
	kstep_canonicalize(s, k, d);
	PG_RETURN_ARRAYTYPE_P(a);
}

PG_FUNCTION_INFO_V1(kmeans_step_centroids);
Datum
kmeans_step_centroids(PG_FUNCTION_ARGS)
{
	int			k,
				d,
				ck,
				cd;
	double	   *s = step_data(PG_GETARG_ARRAYTYPE_P(0), &k, &d);
	double	   *old = grey_arg_matrix(PG_GETARG_ARRAYTYPE_P(1), "centroids", &ck, &cd);
	double	   *out;

	if (ck != k || cd != d)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("centroids do not match the kmeans_step state"),
				 errdetail("The state has %d x %d centroids, the argument %d x %d.", k, d, ck, cd)));
	out = palloc(sizeof(double) * k * d);
	kstep_centroids(s, k, d, old, out);
	PG_RETURN_ARRAYTYPE_P(km_matrix_datum(out, k, d));
}

PG_FUNCTION_INFO_V1(kmeans_step_sizes);
Datum
kmeans_step_sizes(PG_FUNCTION_ARGS)
{
	int			k,
				d;
	double	   *s = step_data(PG_GETARG_ARRAYTYPE_P(0), &k, &d);
	Datum	   *e = palloc(sizeof(Datum) * k);

	for (int c = 0; c < k; c++)
		e[c] = Int64GetDatum((int64) kstep_count(s, k, d, c));
	PG_RETURN_ARRAYTYPE_P(construct_array(e, k, INT8OID, sizeof(int64), FLOAT8PASSBYVAL,
										  TYPALIGN_DOUBLE));
}

PG_FUNCTION_INFO_V1(kmeans_step_inertia);
Datum
kmeans_step_inertia(PG_FUNCTION_ARGS)
{
	int			k,
				d;
	double	   *s = step_data(PG_GETARG_ARRAYTYPE_P(0), &k, &d);

	PG_RETURN_FLOAT8(km_finite(kstep_inertia(s, k, d), "inertia"));
}

PG_FUNCTION_INFO_V1(kmeans_in_sample);
Datum
kmeans_in_sample(PG_FUNCTION_ARGS)
{
	double		buf[KM_POINT_BUF];
	int			d = -1;
	const double *x = km_point_arg(PG_GETARG_DATUM(0), &d, buf);
	double		rate = PG_GETARG_FLOAT8(1);
	int64		seed = PG_GETARG_INT32(2);

	if (!(rate >= 0.0 && rate <= 1.0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("rate must be between 0 and 1"),
				 errdetail("rate is %g.", rate)));
	PG_RETURN_BOOL(kmeans_point_key(x, d, (uint64_t) seed) < rate);
}

ArrayType *
km_matrix_datum(const double *x, int rows, int cols)
{
	Datum	   *e = palloc(sizeof(Datum) * rows * cols);
	int			dims[2] = {rows, cols},
				lbs[2] = {1, 1};

	for (int i = 0; i < rows * cols; i++)
		e[i] = Float8GetDatum(x[i]);
	return construct_md_array(e, NULL, 2, dims, lbs, FLOAT8OID, sizeof(float8),
							  FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
}

/* ---- kmeans_typical: the real point nearest each centroid ---- */

/*
 * State: a bytea, little-endian, so its text form (hex) means the same on
 * every node:
 *   u32 magic, u32 k, u32 d, u32 id area length
 *   k slots of 8 + 8 + 8*d bytes: f8 sq distance (-1: none), u32 id offset,
 *       u32 id length (0xFFFFFFFF: NULL id), d x f8 point
 *   the id bytes
 * The best point of a cluster is the one with the smallest squared distance,
 * then the smallest id (bytewise; NULL last), then the smallest point.
 */
#define KT_MAGIC	0x4B4D5459u
#define KT_HDR		16
#define KT_SLOT(d)	(16 + 8 * (Size) (d))
#define KT_NULL_ID	0xFFFFFFFFu

static inline void
put_u32(char *p, uint32 v)
{
#ifdef WORDS_BIGENDIAN
	v = pg_bswap32(v);
#endif
	memcpy(p, &v, 4);
}

static inline uint32
get_u32(const char *p)
{
	uint32		v;

	memcpy(&v, p, 4);
#ifdef WORDS_BIGENDIAN
	v = pg_bswap32(v);
#endif
	return v;
}

static inline void
put_f8(char *p, double f)
{
	uint64		v;

	memcpy(&v, &f, 8);
#ifdef WORDS_BIGENDIAN
	v = pg_bswap64(v);
#endif
	memcpy(p, &v, 8);
}

static inline double
get_f8(const char *p)
{
	uint64		v;
	double		f;

	memcpy(&v, p, 8);
#ifdef WORDS_BIGENDIAN
	v = pg_bswap64(v);
#endif
	memcpy(&f, &v, 8);
	return f;
}

typedef struct KtView
{
	const char *base;			/* VARDATA */
	int			k,
				d;
	uint32		idlen;
} KtView;

static void
kt_bad(const char *why)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_EXCEPTION),
			 errmsg("invalid kmeans_typical state"),
			 errdetail("The state is malformed: %s.", why)));
}

static KtView
kt_view(bytea *b)
{
	KtView		v;
	Size		len = VARSIZE_ANY_EXHDR(b);

	v.base = VARDATA_ANY(b);
	if (len < KT_HDR || get_u32(v.base) != KT_MAGIC)
		kt_bad("no kmeans_typical marker");
	v.k = (int) get_u32(v.base + 4);
	v.d = (int) get_u32(v.base + 8);
	v.idlen = get_u32(v.base + 12);
	if (v.k < 1 || v.k > KM_MAX_K || v.d < 1 || v.d > 100000 ||
		len != KT_HDR + (Size) v.k * KT_SLOT(v.d) + v.idlen)
		kt_bad("its length does not match k and d");
	for (int c = 0; c < v.k; c++)
	{
		const char *sl = v.base + KT_HDR + (Size) c * KT_SLOT(v.d);
		double		d2 = get_f8(sl);
		uint32		off = get_u32(sl + 8),
					il = get_u32(sl + 12);

		if (!(d2 >= 0.0 || d2 == -1.0) || !isfinite(d2))
			kt_bad("a distance is invalid");
		if (d2 >= 0.0 && il != KT_NULL_ID && ((Size) off + il > v.idlen))
			kt_bad("an id lies outside the state");
	}
	return v;
}

static inline const char *
kt_slot(const KtView *v, int c)
{
	return v->base + KT_HDR + (Size) c * KT_SLOT(v->d);
}

/* one candidate for a cluster */
typedef struct KtCand
{
	double		d2;				/* -1: none */
	const char *id;				/* NULL: NULL id */
	uint32		idlen;
	const char *point;			/* d little-endian doubles, or NULL with x */
	const double *x;			/* native doubles */
} KtCand;

static KtCand
kt_cand(const KtView *v, int c)
{
	const char *sl = kt_slot(v, c);
	KtCand		r;
	uint32		il = get_u32(sl + 12);

	r.d2 = get_f8(sl);
	r.id = il == KT_NULL_ID ? NULL : v->base + KT_HDR + (Size) v->k * KT_SLOT(v->d) + get_u32(sl + 8);
	r.idlen = il == KT_NULL_ID ? 0 : il;
	r.point = sl + 16;
	r.x = NULL;
	return r;
}

static inline double
cand_coord(const KtCand *c, int j)
{
	return c->x ? c->x[j] : get_f8(c->point + 8 * j);
}

/* is a better than b? */
static bool
kt_better(const KtCand *a, const KtCand *b, int d)
{
	if (a->d2 < 0.0)
		return false;
	if (b->d2 < 0.0)
		return true;
	if (a->d2 != b->d2)
		return a->d2 < b->d2;
	if ((a->id == NULL) != (b->id == NULL))
		return b->id == NULL;	/* NULL ids last */
	if (a->id != NULL)
	{
		int			r = memcmp(a->id, b->id, Min(a->idlen, b->idlen));

		if (r != 0)
			return r < 0;
		if (a->idlen != b->idlen)
			return a->idlen < b->idlen;
	}
	for (int j = 0; j < d; j++)
	{
		double		u = cand_coord(a, j),
					w = cand_coord(b, j);

		if (u != w)
			return u < w;
	}
	return false;
}

/* a fresh state holding the k candidates */
static bytea *
kt_build(int k, int d, const KtCand *cands)
{
	Size		ids = 0,
				len;
	bytea	   *b;
	char	   *p,
			   *idp;
	uint32		off = 0;

	for (int c = 0; c < k; c++)
		if (cands[c].d2 >= 0.0 && cands[c].id)
			ids += cands[c].idlen;
	len = KT_HDR + (Size) k * KT_SLOT(d) + ids;
	if (len + VARHDRSZ > MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("kmeans_typical state would exceed 1 GB")));
	b = palloc0(len + VARHDRSZ);
	SET_VARSIZE(b, len + VARHDRSZ);
	p = VARDATA(b);
	put_u32(p, KT_MAGIC);
	put_u32(p + 4, k);
	put_u32(p + 8, d);
	put_u32(p + 12, (uint32) ids);
	idp = p + KT_HDR + (Size) k * KT_SLOT(d);
	for (int c = 0; c < k; c++)
	{
		char	   *sl = p + KT_HDR + (Size) c * KT_SLOT(d);
		const KtCand *cd = &cands[c];

		put_f8(sl, cd->d2 >= 0.0 ? cd->d2 : -1.0);
		if (cd->d2 < 0.0 || cd->id == NULL)
		{
			put_u32(sl + 8, 0);
			put_u32(sl + 12, cd->d2 < 0.0 ? 0 : KT_NULL_ID);
		}
		else
		{
			put_u32(sl + 8, off);
			put_u32(sl + 12, cd->idlen);
			memcpy(idp + off, cd->id, cd->idlen);
			off += cd->idlen;
		}
		for (int j = 0; j < d; j++)
			put_f8(sl + 16 + 8 * j, cd->d2 >= 0.0 ? cand_coord(cd, j) : 0.0);
	}
	return b;
}

PG_FUNCTION_INFO_V1(kmeans_typical_accum);
Datum
kmeans_typical_accum(PG_FUNCTION_ARGS)
{
	bytea	   *st;
	CentCache  *cc;
	double		buf[KM_POINT_BUF];
	int			d,
				best = 0;
	const double *x;
	double		bd = INFINITY;
	KtCand		cand;
	KtView		v;
	KtCand	   *cands;

	/* NULL features or centroids: the row is skipped; a NULL id is allowed */
	if (PG_ARGISNULL(0))
		elog(ERROR, "kmeans_typical state must not be NULL");
	st = PG_GETARG_BYTEA_PP(0);
	if (PG_ARGISNULL(2) || PG_ARGISNULL(3))
		PG_RETURN_BYTEA_P(st);
	cc = centroids_arg(fcinfo, 3);
	d = cc->d;
	x = km_point_arg(PG_GETARG_DATUM(2), &d, buf);
	best = kstep_nearest_t(x, cc->ct, cc->k, d, cc->dist, &bd);
	km_finite(bd, "squared distance to the nearest centroid");
	cand.d2 = bd;
	cand.x = x;
	cand.point = NULL;
	if (PG_ARGISNULL(1))
	{
		cand.id = NULL;
		cand.idlen = 0;
	}
	else
	{
		text	   *id = PG_GETARG_TEXT_PP(1);

		cand.id = VARDATA_ANY(id);
		cand.idlen = VARSIZE_ANY_EXHDR(id);
	}

	if (VARSIZE_ANY_EXHDR(st) == 0)
	{
		cands = palloc(sizeof(KtCand) * cc->k);
		for (int c = 0; c < cc->k; c++)
			cands[c].d2 = -1.0;
		cands[best] = cand;
		PG_RETURN_BYTEA_P(kt_build(cc->k, d, cands));
	}
	/* our own state (EXECUTE is revoked from PUBLIC): trust its layout */
	v.base = VARDATA_ANY(st);
	v.k = (int) get_u32(v.base + 4);
	v.d = (int) get_u32(v.base + 8);
	v.idlen = get_u32(v.base + 12);
	if (get_u32(v.base) != KT_MAGIC || v.k != cc->k || v.d != d)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("centroids must have the same shape on every row")));
	{
		KtCand		cur = kt_cand(&v, best);

		if (!kt_better(&cand, &cur, d))
			PG_RETURN_BYTEA_P(st);	/* the common case: nothing to do */
		/* same id length, or no id in either: overwrite in place */
		if (AggCheckCallContext(fcinfo, NULL) && !VARATT_IS_SHORT(st) &&
			cur.d2 >= 0.0 && (cur.id == NULL) == (cand.id == NULL) && cur.idlen == cand.idlen)
		{
			char	   *sl = (char *) kt_slot(&v, best);

			put_f8(sl, cand.d2);
			if (cand.id)
				memcpy((char *) cur.id, cand.id, cand.idlen);
			for (int j = 0; j < d; j++)
				put_f8(sl + 16 + 8 * j, x[j]);
			PG_RETURN_BYTEA_P(st);
		}
	}
	cands = palloc(sizeof(KtCand) * cc->k);
	for (int c = 0; c < cc->k; c++)
		cands[c] = kt_cand(&v, c);
	cands[best] = cand;
	PG_RETURN_BYTEA_P(kt_build(cc->k, d, cands));
}

PG_FUNCTION_INFO_V1(kmeans_typical_combine);
Datum
kmeans_typical_combine(PG_FUNCTION_ARGS)
{
	bytea	   *a = PG_GETARG_BYTEA_PP(0);
	bytea	   *b = PG_GETARG_BYTEA_PP(1);
	KtView		va,
				vb;
	KtCand	   *cands;

	if (VARSIZE_ANY_EXHDR(b) == 0)
		PG_RETURN_BYTEA_P(a);
	vb = kt_view(b);
	if (VARSIZE_ANY_EXHDR(a) == 0)
		PG_RETURN_BYTEA_P(PG_GETARG_BYTEA_P_COPY(1));
	va = kt_view(a);
	if (va.k != vb.k || va.d != vb.d)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot combine kmeans_typical states of %d x %d and %d x %d centroids",
						va.k, va.d, vb.k, vb.d)));
	cands = palloc(sizeof(KtCand) * va.k);
	for (int c = 0; c < va.k; c++)
	{
		KtCand		ca = kt_cand(&va, c),
					cb = kt_cand(&vb, c);

		cands[c] = kt_better(&cb, &ca, va.d) ? cb : ca;
	}
	PG_RETURN_BYTEA_P(kt_build(va.k, va.d, cands));
}

PG_FUNCTION_INFO_V1(kmeans_typical_final);
Datum
kmeans_typical_final(PG_FUNCTION_ARGS)
{
	bytea	   *st = PG_GETARG_BYTEA_PP(0);
	KtView		v;
	TupleDesc	td;
	Datum		values[3];
	bool		nulls[3] = {false, false, false};
	Datum	   *ids,
			   *pts,
			   *d2s;
	bool	   *idnull,
			   *ptnull,
			   *d2null;
	int			dims[2],
				lbs[2] = {1, 1};

	if (VARSIZE_ANY_EXHDR(st) == 0)
		PG_RETURN_NULL();		/* no rows */
	v = kt_view(st);
	td = crm_result_tupdesc(fcinfo);
	ids = palloc(sizeof(Datum) * v.k);
	idnull = palloc(sizeof(bool) * v.k);
	d2s = palloc(sizeof(Datum) * v.k);
	d2null = palloc(sizeof(bool) * v.k);
	pts = palloc(sizeof(Datum) * v.k * v.d);
	ptnull = palloc(sizeof(bool) * v.k * v.d);
	for (int c = 0; c < v.k; c++)
	{
		KtCand		cd = kt_cand(&v, c);
		bool		none = cd.d2 < 0.0;

		idnull[c] = none || cd.id == NULL;
		ids[c] = idnull[c] ? (Datum) 0 : PointerGetDatum(cstring_to_text_with_len(cd.id, cd.idlen));
		d2null[c] = none;
		d2s[c] = Float8GetDatum(none ? 0.0 : cd.d2);
		for (int j = 0; j < v.d; j++)
		{
			ptnull[c * v.d + j] = none;
			pts[c * v.d + j] = Float8GetDatum(none ? 0.0 : cand_coord(&cd, j));
		}
	}
	dims[0] = v.k;
	values[0] = PointerGetDatum(construct_md_array(ids, idnull, 1, dims, lbs, TEXTOID, -1,
												   false, TYPALIGN_INT));
	dims[1] = v.d;
	values[1] = PointerGetDatum(construct_md_array(pts, ptnull, 2, dims, lbs, FLOAT8OID,
												   sizeof(float8), FLOAT8PASSBYVAL,
												   TYPALIGN_DOUBLE));
	values[2] = PointerGetDatum(construct_md_array(d2s, d2null, 1, dims, lbs, FLOAT8OID,
												   sizeof(float8), FLOAT8PASSBYVAL,
												   TYPALIGN_DOUBLE));
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(td, values, nulls)));
}
