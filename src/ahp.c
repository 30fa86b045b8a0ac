/*
 * ahp.c: SQL glue for AHP priorities and consistency (core in core/ahp.c).
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "core/ahp.h"
#include "crm_fmgr.h"
#include "matrix_args.h"

PG_FUNCTION_INFO_V1(ahp_priorities);
PG_FUNCTION_INFO_V1(ahp_consistency);
PG_FUNCTION_INFO_V1(ahp_most_inconsistent);
PG_FUNCTION_INFO_V1(ahp_random_index_sql);

typedef struct AhpInput
{
	int			n;
	double	   *a;
	unsigned char *known;
	AhpResult	res;
} AhpInput;

/* read, validate and complete a judgment matrix; errors are reported here */
static void
ahp_read(ArrayType *arr, AhpInput *in)
{
	int		   *iwork;

	in->a = crm_square_matrix_arg(arr, "judgments", &in->n, &in->known);
	crm_check_matrix_memory(in->n, (double) AHP_WORK(in->n) + 2.0 * in->n * in->n,
							"judgment matrix");
	iwork = palloc(sizeof(int) * AHP_IWORK(in->n));
	ahp_prepare(in->n, in->a, in->known, iwork, &in->res);
	pfree(iwork);

	switch (in->res.status)
	{
		case AHP_OK:
			break;
		case AHP_ERR_NONFINITE:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("judgments must be finite"),
					 errdetail("Row %d, column %d is %g.", in->res.row + 1,
							   in->res.col + 1, in->res.value)));
			break;
		case AHP_ERR_NONPOSITIVE:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("judgments must be positive"),
					 errdetail("Row %d, column %d is %g.", in->res.row + 1,
							   in->res.col + 1, in->res.value),
					 errhint("A missing judgment is written as NULL in both (i,j) and (j,i).")));
			break;
		case AHP_ERR_DIAGONAL:
			if (isnan(in->res.value))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("diagonal of judgments must be 1"),
						 errdetail("Row %d, column %d is NULL.", in->res.row + 1,
								   in->res.col + 1)));
			else
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("diagonal of judgments must be 1"),
						 errdetail("Row %d, column %d is %g.", in->res.row + 1,
								   in->res.col + 1, in->res.value)));
			break;
		case AHP_ERR_NONRECIPROCAL:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("judgments are not reciprocal at (%d,%d) and (%d,%d)",
							in->res.row + 1, in->res.col + 1,
							in->res.col + 1, in->res.row + 1),
					 errdetail("%g * %g = %.9g differs from 1 by more than the tolerance %g.",
							   in->res.value, in->res.other,
							   in->res.value * in->res.other, AHP_RECIPROCAL_TOL),
					 errhint("Enter a_ji = 1/a_ij exactly (for example 1.0/3 rather than 0.333), or give one of the pair and leave the other NULL.")));
			break;
		case AHP_ERR_DISCONNECTED:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("known judgments do not connect all elements"),
					 errdetail("Element %d cannot be reached from element 1 through the given judgments (%d of %d pairs are missing).",
							   in->res.row + 1, in->res.missing,
							   in->n * (in->n - 1) / 2),
					 errhint("Every element needs a chain of judgments linking it to every other; at least n-1 well-placed judgments are needed.")));
			break;
		default:
			elog(ERROR, "unexpected AHP status %d", (int) in->res.status);
	}
}

static void
ahp_solve_eigen(AhpInput *in, double *w, double *lambda)
{
	double	   *work = palloc(sizeof(double) * AHP_WORK(in->n));

	if (ahp_eigen(in->n, in->a, in->known, w, lambda, work, &in->res) != AHP_OK)
	{
		if (in->res.status == AHP_ERR_NOCONVERGE)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("power iteration did not converge"),
					 errdetail("Relative change %g after %d iterations.",
							   in->res.residual, in->res.iterations)));
		elog(ERROR, "unexpected AHP status %d", (int) in->res.status);
	}
	pfree(work);
}

/*
 * ahp_priorities(judgments float8[][], method text) -> float8[]
 */
Datum
ahp_priorities(PG_FUNCTION_ARGS)
{
	ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(0);
	char	   *method = text_to_cstring(PG_GETARG_TEXT_PP(1));
	AhpInput	in;
	double	   *w;
	double		lambda;
	Datum	   *d;
	int			geometric;

	if (pg_strcasecmp(method, "eigen") == 0 || pg_strcasecmp(method, "eigenvector") == 0)
		geometric = 0;
	else if (pg_strcasecmp(method, "geometric") == 0)
		geometric = 1;
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown AHP method \"%s\"", method),
				 errhint("Use 'eigen' or 'geometric'.")));

	ahp_read(arr, &in);
	w = palloc(sizeof(double) * in.n);
	if (geometric)
	{
		double	   *work = palloc(sizeof(double) * AHP_WORK(in.n));

		if (ahp_geometric(in.n, in.a, in.known, w, work, &in.res) != AHP_OK)
			elog(ERROR, "logarithmic least squares system is singular");
	}
	else
		ahp_solve_eigen(&in, w, &lambda);

	d = palloc(sizeof(Datum) * in.n);
	for (int i = 0; i < in.n; i++)
		d[i] = Float8GetDatum(w[i]);
	PG_RETURN_ARRAYTYPE_P(construct_array(d, in.n, FLOAT8OID, sizeof(float8),
										  FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

/*
 * ahp_consistency(judgments) -> (lambda_max, ci, ri, cr)
 * CI = (lambda_max - n)/(n - 1); CR = CI/RI; CR = 0 for n <= 2 (RI = 0 there,
 * every 2x2 reciprocal matrix is consistent); RI and CR NULL beyond the table.
 */
Datum
ahp_consistency(PG_FUNCTION_ARGS)
{
	ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(0);
	AhpInput	in;
	double	   *w;
	double		lambda,
				ci,
				ri;
	TupleDesc	tupdesc;
	Datum		values[4];
	bool		nulls[4] = {false, false, false, false};

	tupdesc = crm_result_tupdesc(fcinfo);	/* looked up once per query */

	ahp_read(arr, &in);
	w = palloc(sizeof(double) * in.n);
	ahp_solve_eigen(&in, w, &lambda);

	if (in.n <= 2)
	{
		/* a reciprocal 2x2 (or 1x1) matrix is consistent by construction */
		lambda = in.n;
		ci = 0.0;
	}
	else
		ci = (lambda - in.n) / (in.n - 1);
	/* lambda_max >= n in exact arithmetic; do not report -1e-16 */
	if (ci < 0.0 && ci > -1e-12)
		ci = 0.0;
	ri = ahp_random_index(in.n);

	values[0] = Float8GetDatum(lambda);
	values[1] = Float8GetDatum(ci);
	if (ri < 0.0)
	{
		nulls[2] = nulls[3] = true;
	}
	else
	{
		values[2] = Float8GetDatum(ri);
		values[3] = Float8GetDatum(in.n <= 2 ? 0.0 : ci / ri);
	}
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/*
 * ahp_most_inconsistent(judgments) -> (row, col, judgment, suggested)
 * The given judgment a_ij (i < j) with the largest |ln(a_ij w_j / w_i)|,
 * Saaty's epsilon_ij farthest from 1; suggested = w_i / w_j.  All NULL when
 * the matrix is consistent.
 */
Datum
ahp_most_inconsistent(PG_FUNCTION_ARGS)
{
	ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(0);
	AhpInput	in;
	double	   *w;
	double		lambda,
				judgment = 0,
				suggested = 0;
	int			row = 0,
				col = 0;
	TupleDesc	tupdesc;
	Datum		values[4];
	bool		nulls[4] = {false, false, false, false};

	tupdesc = crm_result_tupdesc(fcinfo);	/* looked up once per query */

	ahp_read(arr, &in);
	w = palloc(sizeof(double) * in.n);
	ahp_solve_eigen(&in, w, &lambda);

	if (ahp_find_inconsistent(in.n, in.a, in.known, w, &row, &col,
							  &judgment, &suggested) != 0)
		nulls[0] = nulls[1] = nulls[2] = nulls[3] = true;
	else
	{
		values[0] = Int32GetDatum(row + 1);
		values[1] = Int32GetDatum(col + 1);
		values[2] = Float8GetDatum(judgment);
		values[3] = Float8GetDatum(suggested);
	}
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/* ahp_random_index(n int) -> float8: Saaty's RI, NULL beyond the table */
Datum
ahp_random_index_sql(PG_FUNCTION_ARGS)
{
	int32		n = PG_GETARG_INT32(0);
	double		ri;

	if (n < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("matrix order must be at least 1")));
	ri = ahp_random_index(n);
	if (ri < 0.0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(ri);
}
