/*
 * anp.c: SQL glue for ANP supermatrices (core in core/anp.c).
 */
#include "postgres.h"

#include <math.h>

#include "fmgr.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "core/anp.h"
#include "matrix_args.h"

PG_FUNCTION_INFO_V1(anp_weighted_supermatrix);
PG_FUNCTION_INFO_V1(anp_limit_supermatrix);
PG_FUNCTION_INFO_V1(anp_limit_priorities);

static void
anp_report(const AnpResult *res, const char *argname, double tol)
{
	switch (res->status)
	{
		case ANP_OK:
			return;
		case ANP_ERR_NONFINITE:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s must be finite", argname),
					 errdetail("Row %d, column %d is %g.", res->row + 1, res->col + 1, res->value)));
			break;
		case ANP_ERR_NEGATIVE:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s must not be negative", argname),
					 errdetail("Row %d, column %d is %g.", res->row + 1, res->col + 1, res->value)));
			break;
		case ANP_ERR_CLUSTER_SIZE:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("cluster sizes must be positive"),
					 errdetail("Cluster %d has size %g.", res->row + 1, res->value)));
			break;
		case ANP_ERR_CLUSTER_SUM:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("cluster sizes do not add up to the order of the supermatrix"),
					 errdetail("They add up to %.0f.", res->value)));
			break;
		case ANP_ERR_WEIGHT_NONFINITE:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("cluster weights must be finite"),
					 errdetail("Row %d, column %d is %g.", res->row + 1, res->col + 1, res->value)));
			break;
		case ANP_ERR_WEIGHT_NEGATIVE:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("cluster weights must not be negative"),
					 errdetail("Row %d, column %d is %g.", res->row + 1, res->col + 1, res->value)));
			break;
		case ANP_ERR_COLUMN_SUM:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s is not column stochastic", argname),
					 errdetail("Column %d sums to %.9g; every column must sum to 1 (within %g) or be all zero.",
							   res->col + 1, res->value, ANP_COLUMN_TOL),
					 errhint("Build it with anp_weighted_supermatrix(), which weights and renormalizes the columns.")));
			break;
		case ANP_ERR_NOCONVERGE:
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("limit supermatrix did not converge"),
					 errdetail("Largest change between successive powers was %g after %d matrix products (tolerance %g).",
							   res->residual, res->iterations, tol),
					 errhint("Raise max_iterations or tolerance.")));
			break;
	}
}

/*
 * anp_weighted_supermatrix(unweighted float8[][], cluster_sizes int[],
 *                          cluster_weights float8[][]) -> float8[][]
 */
Datum
anp_weighted_supermatrix(PG_FUNCTION_ARGS)
{
	int			n,
				K,
				k2;
	double	   *W = crm_square_matrix_arg(PG_GETARG_ARRAYTYPE_P(0), "unweighted", &n, NULL);
	int		   *sizes = crm_int_vector_arg(PG_GETARG_ARRAYTYPE_P(1), "cluster_sizes", &K);
	double	   *cw = crm_square_matrix_arg(PG_GETARG_ARRAYTYPE_P(2), "cluster_weights", &k2, NULL);
	double	   *out;
	AnpResult	res;

	if (k2 != K)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("cluster_weights must be %d x %d, one row and column per cluster", K, K),
				 errdetail("It is %d x %d.", k2, k2)));
	crm_check_matrix_memory(n, 3.0 * n * n, "supermatrix");
	out = palloc(sizeof(double) * (Size) n * n);
	anp_weighted(n, W, K, sizes, cw, out, &res);
	anp_report(&res, "unweighted", 0);
	PG_RETURN_ARRAYTYPE_P(crm_matrix_result(out, n, n));
}

static void
limit_args(FunctionCallInfo fcinfo, int tol_arg, int iter_arg, double *tol, int *max_iter)
{
	if (PG_ARGISNULL(tol_arg) || PG_ARGISNULL(iter_arg))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("tolerance and max_iterations must not be NULL")));
	*tol = PG_GETARG_FLOAT8(tol_arg);
	*max_iter = PG_GETARG_INT32(iter_arg);
	if (!(*tol > 0.0) || !isfinite(*tol) || *tol >= 1.0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("tolerance must be in (0, 1)"),
				 errdetail("It is %g.", *tol)));
	if (*max_iter < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_iterations must be at least 1")));
}

/* the limit of W (palloc'd n x n), errors reported */
static double *
compute_limit(ArrayType *arr, double tol, int max_iter, int *n)
{
	double	   *W = crm_square_matrix_arg(arr, "weighted", n, NULL);
	double	   *L,
			   *work;
	AnpResult	res;

	crm_check_matrix_memory(*n, 2.0 * *n * *n + (double) ANP_LIMIT_WORK(*n),
							"limit supermatrix");
	L = palloc(sizeof(double) * (Size) *n * *n);
	work = palloc(sizeof(double) * ANP_LIMIT_WORK(*n));
	anp_limit(*n, W, tol, max_iter, L, work, &res);
	anp_report(&res, "weighted", tol);
	pfree(work);
	pfree(W);
	return L;
}

/*
 * anp_limit_supermatrix(weighted float8[][], tolerance float8,
 *                       max_iterations int) -> float8[][]
 */
Datum
anp_limit_supermatrix(PG_FUNCTION_ARGS)
{
	double		tol;
	int			max_iter,
				n;
	double	   *L;

	limit_args(fcinfo, 1, 2, &tol, &max_iter);
	L = compute_limit(PG_GETARG_ARRAYTYPE_P(0), tol, max_iter, &n);
	PG_RETURN_ARRAYTYPE_P(crm_matrix_result(L, n, n));
}

/*
 * anp_limit_priorities(weighted float8[][], cluster_sizes int[] DEFAULT NULL,
 *                      tolerance, max_iterations, start int DEFAULT NULL)
 *   -> TABLE (node int, cluster int, priority float8, cluster_priority float8)
 * priority: column `start` of the limit, or the mean of its columns (any
 * column, when the network is irreducible); cluster_priority: priority
 * normalized within the node's cluster (NULL when the cluster's total is 0).
 */
Datum
anp_limit_priorities(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	double		tol;
	int			max_iter,
				n,
				K = 0,
				start = -1;
	int		   *sizes = NULL;
	double	   *L,
			   *p,
			   *csum;

	InitMaterializedSRF(fcinfo, 0);
	if (PG_ARGISNULL(0))
		return (Datum) 0;
	limit_args(fcinfo, 2, 3, &tol, &max_iter);

	L = compute_limit(PG_GETARG_ARRAYTYPE_P(0), tol, max_iter, &n);
	if (!PG_ARGISNULL(1))
	{
		long		total = 0;

		sizes = crm_int_vector_arg(PG_GETARG_ARRAYTYPE_P(1), "cluster_sizes", &K);
		for (int c = 0; c < K; c++)
		{
			if (sizes[c] < 1)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("cluster sizes must be positive"),
						 errdetail("Cluster %d has size %d.", c + 1, sizes[c])));
			total += sizes[c];
		}
		if (total != n)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("cluster sizes do not add up to the order of the supermatrix"),
					 errdetail("They add up to %ld; the supermatrix has %d rows.", total, n)));
	}
	if (!PG_ARGISNULL(4))
	{
		start = PG_GETARG_INT32(4);
		if (start < 1 || start > n)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("start must be a node number between 1 and %d", n)));
		start--;
	}

	p = palloc(sizeof(double) * n);
	anp_priorities(n, L, start, p);
	csum = palloc0(sizeof(double) * (K > 0 ? K : 1));
	for (int i = 0, c = 0, left = (K > 0 ? sizes[0] : n); i < n; i++)
	{
		if (left == 0)
			left = sizes[++c];
		left--;
		csum[c] += p[i];
	}
	for (int i = 0, c = 0, left = (K > 0 ? sizes[0] : n); i < n; i++)
	{
		Datum		values[4];
		bool		nulls[4] = {false, false, false, false};

		if (left == 0)
			left = sizes[++c];
		left--;
		values[0] = Int32GetDatum(i + 1);
		if (K > 0)
			values[1] = Int32GetDatum(c + 1);
		else
			nulls[1] = true;
		values[2] = Float8GetDatum(p[i]);
		if (csum[c] > 0.0)
			values[3] = Float8GetDatum(p[i] / csum[c]);
		else
			nulls[3] = true;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
