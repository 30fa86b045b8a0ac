/*
 * matrix_args.c: see matrix_args.h.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "matrix_args.h"

double *
crm_square_matrix_arg(ArrayType *arr, const char *argname, int *n,
					  unsigned char **known)
{
	int			ndim = ARR_NDIM(arr);
	int		   *dims = ARR_DIMS(arr);
	Datum	   *elems;
	bool	   *nulls;
	int			nelems;
	double	   *a;

	if (ARR_ELEMTYPE(arr) != FLOAT8OID)
		elog(ERROR, "%s: expected float8[]", argname);
	if (ndim == 0)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s must not be empty", argname)));
	if (ndim != 2)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s must be a two-dimensional array", argname),
				 errdetail("It has %d dimension%s.", ndim, ndim == 1 ? "" : "s"),
				 errhint("Write a matrix as ARRAY[[...],[...]].")));
	if (dims[0] != dims[1])
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s must be a square matrix", argname),
				 errdetail("It has %d rows and %d columns.", dims[0], dims[1])));

	*n = dims[0];
	deconstruct_array(arr, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE,
					  &elems, &nulls, &nelems);
	a = palloc(sizeof(double) * (Size) nelems);
	if (known)
		*known = palloc(sizeof(unsigned char) * (Size) nelems);
	for (int k = 0; k < nelems; k++)
	{
		if ((k & 65535) == 65535)
			CHECK_FOR_INTERRUPTS();
		if (nulls[k])
		{
			if (!known)
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("%s must not contain NULL elements", argname),
						 errdetail("Row %d, column %d is NULL.", k / *n + 1, k % *n + 1)));
			a[k] = 0.0;
			(*known)[k] = 0;
		}
		else
		{
			a[k] = DatumGetFloat8(elems[k]);
			if (known)
				(*known)[k] = 1;
		}
	}
	pfree(elems);
	pfree(nulls);
	return a;
}

ArrayType *
crm_matrix_result(const double *a, int rows, int cols)
{
	Size		count = (Size) rows * cols;
	Datum	   *d = palloc(sizeof(Datum) * count);
	int			dims[2] = {rows, cols};
	int			lbs[2] = {1, 1};
	ArrayType  *r;

	for (Size k = 0; k < count; k++)
		d[k] = Float8GetDatum(a[k]);
	r = construct_md_array(d, NULL, 2, dims, lbs, FLOAT8OID, sizeof(float8),
						   FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
	pfree(d);
	return r;
}

static Datum *
vector_elems(ArrayType *arr, const char *argname, Oid type, int16 len,
			 bool byval, char align, int *count)
{
	Datum	   *elems;
	bool	   *nulls;

	if (ARR_ELEMTYPE(arr) != type)
		elog(ERROR, "%s: unexpected element type", argname);
	if (ARR_NDIM(arr) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s must be a non-empty one-dimensional array", argname)));
	deconstruct_array(arr, type, len, byval, align, &elems, &nulls, count);
	for (int k = 0; k < *count; k++)
		if (nulls[k])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s must not contain NULL elements", argname),
					 errdetail("Element %d is NULL.", k + 1)));
	pfree(nulls);
	return elems;
}

double *
crm_vector_arg(ArrayType *arr, const char *argname, int *len)
{
	Datum	   *e = vector_elems(arr, argname, FLOAT8OID, sizeof(float8),
								 FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, len);
	double	   *v = palloc(sizeof(double) * (Size) *len);

	for (int k = 0; k < *len; k++)
		v[k] = DatumGetFloat8(e[k]);
	pfree(e);
	return v;
}

int *
crm_int_vector_arg(ArrayType *arr, const char *argname, int *len)
{
	Datum	   *e = vector_elems(arr, argname, INT4OID, sizeof(int32), true,
								 TYPALIGN_INT, len);
	int		   *v = palloc(sizeof(int) * (Size) *len);

	for (int k = 0; k < *len; k++)
		v[k] = DatumGetInt32(e[k]);
	pfree(e);
	return v;
}

void
crm_check_matrix_memory(int n, double doubles, const char *what)
{
	double		bytes = doubles * sizeof(double);
	double		limit = (double) work_mem * 1024.0;

	if (bytes > limit || (double) n * n * sizeof(double) > (double) MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s of order %d needs %.0f kB of working memory, more than work_mem (%d kB)",
						what, n, ceil(bytes / 1024.0), work_mem),
				 errhint("Raise work_mem for this session (SET work_mem = '%.0fMB') or use a smaller model.",
						 ceil(bytes / (1024.0 * 1024.0)) + 1)));
}
