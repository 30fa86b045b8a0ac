/*
 * grey.c: SQL glue for grey relational analysis (Deng).
 *
 *   grey_relational_coefficients(reference, compared, rho)       -> float8[]
 *   grey_relational_grade(reference, compared, weights, rho)     -> float8
 *   grey_relational_grades(reference, cases, weights, rho)       -> float8[]
 *   grey_multilayer_grades(reference, cases, group_sizes,
 *       inner_weights, group_weights, rho, extremes)             -> float8[]
 *
 * The maths is in core/grey.c; this file checks arguments (grey_args.c) and
 * builds results.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "utils/array.h"

#include "core/grey.h"
#include "grey_args.h"

#define float8_vector grey_float8_array

static void
check_same_length(int a, int b, const char *what)
{
	if (a != b)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("reference and %s have different lengths", what),
				 errdetail("The reference has %d elements, %s %d.", a, what, b)));
}

PG_FUNCTION_INFO_V1(grey_relational_coefficients);
Datum
grey_relational_coefficients(PG_FUNCTION_ARGS)
{
	int			n,
				m;
	double	   *ref = grey_arg_vector(PG_GETARG_ARRAYTYPE_P(0), "reference", &n);
	double	   *cmp = grey_arg_vector(PG_GETARG_ARRAYTYPE_P(1), "compared", &m);
	double		rho = PG_GETARG_FLOAT8(2);
	double	   *out;

	check_same_length(n, m, "compared");
	grey_arg_rho(rho);
	out = palloc(sizeof(double) * n);
	grey_coefficients(ref, cmp, n, rho, out);
	PG_RETURN_ARRAYTYPE_P(float8_vector(out, n));
}

PG_FUNCTION_INFO_V1(grey_relational_grade);
Datum
grey_relational_grade(PG_FUNCTION_ARGS)
{
	int			n,
				m;
	double	   *ref,
			   *cmp,
			   *w = NULL;
	double		rho;

	/* NULL weights mean equal weights; any other NULL gives NULL */
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(3))
		PG_RETURN_NULL();
	ref = grey_arg_vector(PG_GETARG_ARRAYTYPE_P(0), "reference", &n);
	cmp = grey_arg_vector(PG_GETARG_ARRAYTYPE_P(1), "compared", &m);
	check_same_length(n, m, "compared");
	rho = PG_GETARG_FLOAT8(3);
	grey_arg_rho(rho);
	if (!PG_ARGISNULL(2))
	{
		/* equal weights (NULL) need no array: the grade is the mean coefficient */
		w = grey_alloc(sizeof(double) * n);
		grey_arg_weights(PG_GETARG_ARRAYTYPE_P(2), false, "weights", n, w);
	}
	/* one pass for the extremes, one for the compensated sum; nothing stored */
	PG_RETURN_FLOAT8(grey_grade_pair(ref, cmp, n, w, rho));
}

PG_FUNCTION_INFO_V1(grey_relational_grades);
Datum
grey_relational_grades(PG_FUNCTION_ARGS)
{
	int			n,
				t,
				m;
	double	   *ref,
			   *cases,
			   *w,
			   *grades;
	double		rho;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(3))
		PG_RETURN_NULL();
	ref = grey_arg_vector(PG_GETARG_ARRAYTYPE_P(0), "reference", &n);
	cases = grey_arg_matrix(PG_GETARG_ARRAYTYPE_P(1), "cases", &t, &m);
	check_same_length(n, m, "cases");
	rho = PG_GETARG_FLOAT8(3);
	grey_arg_rho(rho);
	w = palloc(sizeof(double) * n);
	grey_arg_weights(PG_ARGISNULL(2) ? NULL : PG_GETARG_ARRAYTYPE_P(2),
					PG_ARGISNULL(2), "weights", n, w);
	grades = palloc(sizeof(double) * t);
	grey_grades(ref, cases, t, n, w, rho, grades,
				grey_alloc(sizeof(double) * GREY_WORK(t, n)));
	PG_RETURN_ARRAYTYPE_P(float8_vector(grades, t));
}

PG_FUNCTION_INFO_V1(grey_multilayer_grades);
Datum
grey_multilayer_grades(PG_FUNCTION_ARGS)
{
	int			n;
	double	   *ref;
	GreyCaseBase *cb;

	/* NULL group_sizes / weights have meanings; the rest gives NULL */
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(5) || PG_ARGISNULL(6))
		PG_RETURN_NULL();
	ref = grey_arg_vector(PG_GETARG_ARRAYTYPE_P(0), "reference", &n);
	cb = grey_parse_case_base(fcinfo, 1, 2, 5, 6);
	check_same_length(n, cb->n, "cases");
	grey_multilayer(ref, cb->cases, cb->t, cb->n, cb->g,
						   cb->group_sizes, cb->inner_weights,
						   cb->group_weights, cb->rho, cb->per_group,
						   cb->grades, cb->work);
	PG_RETURN_ARRAYTYPE_P(float8_vector(cb->grades, cb->t));
}
