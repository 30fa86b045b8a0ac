/*
 * grey_args.c: argument checking shared by the grey / k-means / CBR glue.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/memutils.h"
#include "utils/builtins.h"

#include "core/grey.h"
#include "grey_args.h"

static void
check_finite(const double *x, int count, const char *what)
{
	for (int i = 0; i < count; i++)
	{
		if (unlikely((i & 65535) == 65535))
			CHECK_FOR_INTERRUPTS();
		if (unlikely(!isfinite(x[i])))
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("%s must not contain NaN or infinity", what),
					 errdetail("Element %d is %s.", i + 1,
							   isnan(x[i]) ? "NaN" : (x[i] > 0 ? "Infinity" : "-Infinity"))));
	}
}

void *
grey_alloc(Size bytes)
{
	return MemoryContextAllocHuge(CurrentMemoryContext, bytes);
}

void
grey_copy(void *dst, const void *src, Size bytes)
{
	for (Size i = 0; i < bytes; i += (Size) 8 << 20)
	{
		CHECK_FOR_INTERRUPTS();
		memcpy((char *) dst + i, (const char *) src + i, Min(bytes - i, (Size) 8 << 20));
	}
}

int
grey_memcmp(const void *a, const void *b, Size bytes)
{
	for (Size i = 0; i < bytes; i += (Size) 8 << 20)
	{
		int			r;

		if (i > 0)
			CHECK_FOR_INTERRUPTS();
		r = memcmp((const char *) a + i, (const char *) b + i, Min(bytes - i, (Size) 8 << 20));
		if (r != 0)
			return r;
	}
	return 0;
}

ArrayType *
grey_float8_array(const double *x, int n)
{
	Size		bytes = ARR_OVERHEAD_NONULLS(1) + sizeof(double) * (Size) n;
	ArrayType  *a;
	char	   *dst;

	if (bytes > MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("result array would exceed 1 GB")));
	a = palloc(bytes);
	SET_VARSIZE(a, bytes);
	a->ndim = 1;
	a->dataoffset = 0;
	a->elemtype = FLOAT8OID;
	ARR_DIMS(a)[0] = n;
	ARR_LBOUND(a)[0] = 1;
	dst = ARR_DATA_PTR(a);
	/* in pieces, checking for a cancel between them (1e8 values: 800 MB) */
	for (Size i = 0; i < (Size) n; i += 1 << 20)
	{
		Size		m = Min((Size) n - i, (Size) 1 << 20);

		CHECK_FOR_INTERRUPTS();
		memcpy(dst + i * sizeof(double), x + i, m * sizeof(double));
	}
	return a;
}

static void
check_no_nulls(ArrayType *a, const char *what)
{
	if (unlikely(ARR_HASNULL(a) && array_contains_nulls(a)))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not contain nulls", what)));
}

double *
grey_arg_vector(ArrayType *a, const char *what, int *n)
{
	int			nd = ARR_NDIM(a);

	if (unlikely(nd == 0))
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s must not be empty", what)));
	if (unlikely(nd != 1))
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s must be a one-dimensional array", what),
				 errdetail("It has %d dimensions.", nd)));
	check_no_nulls(a, what);
	*n = ARR_DIMS(a)[0];
	check_finite((double *) ARR_DATA_PTR(a), *n, what);
	return (double *) ARR_DATA_PTR(a);
}

double *
grey_arg_matrix(ArrayType *a, const char *what, int *rows, int *cols)
{
	int			nd = ARR_NDIM(a);

	if (unlikely(nd == 0))
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s must not be empty", what)));
	if (unlikely(nd != 2))
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s must be a two-dimensional array", what),
				 errdetail("It has %d dimension%s.", nd, nd == 1 ? "" : "s"),
				 errhint("Write one row per case, e.g. ARRAY[[1,2],[3,4]].")));
	check_no_nulls(a, what);
	*rows = ARR_DIMS(a)[0];
	*cols = ARR_DIMS(a)[1];
	check_finite((double *) ARR_DATA_PTR(a), *rows * *cols, what);
	return (double *) ARR_DATA_PTR(a);
}

void
grey_arg_rho(double rho)
{
	if (!(rho > 0.0 && rho <= 1.0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("rho must be in (0, 1]"),
				 errdetail("rho is %g.", rho),
				 errhint("The distinguishing coefficient is usually 0.5.")));
}

void
grey_arg_weights(ArrayType *a, bool isnull, const char *what, int n, double *out)
{
	int			len;
	double	   *w;
	int			rc;

	if (isnull)
	{
		for (int j = 0; j < n; j++)
			out[j] = 1.0 / n;
		return;
	}
	w = grey_arg_vector(a, what, &len);
	if (len != n)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s must have %d elements", what, n),
				 errdetail("It has %d.", len)));
	grey_copy(out, w, sizeof(double) * n);
	rc = grey_normalize_weights(out, n);
	if (rc == -1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must not be negative", what)));
	if (rc == -2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must not all be zero", what)));
}

GreyCaseBase *
grey_parse_case_base(FunctionCallInfo fcinfo, int cases_arg, int gsizes_arg,
					int rho_arg, int extremes_arg)
{
	GreyCaseBase *cb = palloc0(sizeof(GreyCaseBase));
	ArrayType  *cases = PG_GETARG_ARRAYTYPE_P(cases_arg);
	double	   *data = grey_arg_matrix(cases, "cases", &cb->t, &cb->n);

	cb->cases = grey_alloc(sizeof(double) * cb->t * cb->n);
	grey_copy(cb->cases, data, sizeof(double) * cb->t * cb->n);
	cb->work = grey_alloc(sizeof(double) * GREY_WORK(cb->t, cb->n));
	cb->grades = palloc(sizeof(double) * cb->t);

	/* group structure */
	if (PG_ARGISNULL(gsizes_arg))
	{
		cb->g = 1;
		cb->group_sizes = palloc(sizeof(int));
		cb->group_sizes[0] = cb->n;
	}
	else
	{
		ArrayType  *gs = PG_GETARG_ARRAYTYPE_P(gsizes_arg);
		int			nd = ARR_NDIM(gs);
		int64		sum = 0;

		if (nd == 0)
			ereport(ERROR,
					(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
					 errmsg("group_sizes must not be empty")));
		if (nd != 1)
			ereport(ERROR,
					(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
					 errmsg("group_sizes must be a one-dimensional array")));
		check_no_nulls(gs, "group_sizes");
		cb->g = ARR_DIMS(gs)[0];
		cb->group_sizes = palloc(sizeof(int) * cb->g);
		for (int i = 0; i < cb->g; i++)
		{
			int			s = ((int32 *) ARR_DATA_PTR(gs))[i];

			if (s < 1)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("group sizes must be positive"),
						 errdetail("Group %d has size %d.", i + 1, s)));
			cb->group_sizes[i] = s;
			sum += s;
		}
		if (sum != cb->n)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("group sizes do not add up to the number of indicators"),
					 errdetail("They add up to " INT64_FORMAT ", the cases have %d indicators.",
							   sum, cb->n)));
	}

	/* inner weights: normalized within each group */
	cb->inner_weights = palloc(sizeof(double) * cb->n);
	if (PG_ARGISNULL(gsizes_arg + 1))
	{
		int			p = 0;

		for (int i = 0; i < cb->g; i++)
			for (int j = 0; j < cb->group_sizes[i]; j++)
				cb->inner_weights[p++] = 1.0 / cb->group_sizes[i];
	}
	else
	{
		int			p = 0,
					len;
		double	   *w = grey_arg_vector(PG_GETARG_ARRAYTYPE_P(gsizes_arg + 1),
									   "inner_weights", &len);

		if (len != cb->n)
			ereport(ERROR,
					(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
					 errmsg("inner_weights must have %d elements", cb->n),
					 errdetail("It has %d.", len)));
		memcpy(cb->inner_weights, w, sizeof(double) * cb->n);
		for (int i = 0; i < cb->g; i++)
		{
			int			rc = grey_normalize_weights(cb->inner_weights + p,
													cb->group_sizes[i]);

			if (rc == -1)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("inner_weights must not be negative")));
			if (rc == -2)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("inner_weights must not all be zero within a group"),
						 errdetail("Group %d has only zero weights.", i + 1)));
			p += cb->group_sizes[i];
		}
	}

	cb->group_weights = palloc(sizeof(double) * cb->g);
	grey_arg_weights(PG_ARGISNULL(gsizes_arg + 2) ? NULL : PG_GETARG_ARRAYTYPE_P(gsizes_arg + 2),
					PG_ARGISNULL(gsizes_arg + 2), "group_weights", cb->g,
					cb->group_weights);

	cb->weights = palloc(sizeof(double) * cb->n);
	grey_multilayer_weights(cb->g, cb->group_sizes, cb->inner_weights,
							cb->group_weights, cb->weights);
	cb->cases_t = grey_alloc(sizeof(double) * cb->t * cb->n);
	grey_transpose(cb->cases, cb->t, cb->n, cb->cases_t);

	cb->rho = PG_GETARG_FLOAT8(rho_arg);
	grey_arg_rho(cb->rho);

	cb->per_group = false;
	if (extremes_arg >= 0 && !PG_ARGISNULL(extremes_arg))
	{
		char	   *s = text_to_cstring(PG_GETARG_TEXT_PP(extremes_arg));

		if (strcmp(s, "global") == 0)
			cb->per_group = false;
		else if (strcmp(s, "group") == 0)
			cb->per_group = true;
		else
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid value for extremes: \"%s\"", s),
					 errhint("Use 'global' (dmin/dmax over all cases and indicators) or 'group' (per group).")));
	}
	return cb;
}
