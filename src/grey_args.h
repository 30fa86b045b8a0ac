/*
 * grey_args.h: argument checking shared by the grey, k-means, normalization
 * and case-based classification glue (grey.c, kmeans.c, normalize.c, cbr.c).
 *
 * Error codes used throughout:
 *   22004 null_value_not_allowed   NULL array elements
 *   2202E array_subscript_error    wrong number of dimensions, empty arrays,
 *                                  lengths that do not match
 *   22000 data_exception           NaN or infinity in data
 *   22023 invalid_parameter_value  rho, weights, group sizes, k, options
 */
#ifndef CRM_GREY_ARGS_H
#define CRM_GREY_ARGS_H

#include "postgres.h"
#include "fmgr.h"
#include "utils/array.h"

/* 1-D float8 array, non-empty, no NULLs, finite; returns its data. */
double	   *grey_arg_vector(ArrayType *a, const char *what, int *n);

/* 2-D float8 array, non-empty, no NULLs, finite; row-major data. */
double	   *grey_arg_matrix(ArrayType *a, const char *what, int *rows, int *cols);

/*
 * Large inputs (1e8 values) need room beyond 1 GB and copies that react to
 * a cancel: a huge allocation in the current context, and memcpy / memcmp
 * in 8 MB pieces with CHECK_FOR_INTERRUPTS between them.
 */
void	   *grey_alloc(Size bytes);
void		grey_copy(void *dst, const void *src, Size bytes);
int			grey_memcmp(const void *a, const void *b, Size bytes);

/* 1-D float8[] of the n values (built in pieces, reacting to a cancel) */
ArrayType  *grey_float8_array(const double *x, int n);

/* rho in (0, 1] */
void		grey_arg_rho(double rho);

/*
 * Weights: NULL (isnull) means equal weights.  Otherwise 1-D, length n, no
 * NULLs, finite, >= 0, not all zero; the copy written to out is scaled to
 * sum to 1 (weights are normalized, never refused for their sum).
 */
void		grey_arg_weights(ArrayType *a, bool isnull, const char *what, int n,
							double *out);

/*
 * A parsed case base (the multi-layer GRA structure), palloc'd in the
 * current memory context.
 */
typedef struct GreyCaseBase
{
	int			t;				/* cases */
	int			n;				/* positions */
	int			g;				/* groups */
	double	   *cases;			/* t * n */
	int		   *group_sizes;	/* g */
	double	   *inner_weights;	/* n, sum to 1 within each group */
	double	   *group_weights;	/* g, sum to 1 */
	double	   *weights;		/* n: group weight * inner weight */
	double	   *cases_t;		/* n * t: the cases transposed */
	double		rho;
	bool		per_group;
	double	   *work;			/* GREY_WORK(t, n) scratch */
	double	   *grades;			/* t */
} GreyCaseBase;

/*
 * Parse cases (arg cases_arg), group_sizes, inner_weights and group_weights
 * (args gsizes_arg .. gsizes_arg + 2), rho and extremes (extremes_arg < 0
 * means the default 'global').  NULL
 * group_sizes means one group; NULL weights mean equal weights.  The cases
 * and rho arguments must not be NULL (the caller returns NULL first).
 */
GreyCaseBase *grey_parse_case_base(FunctionCallInfo fcinfo, int cases_arg,
								 int gsizes_arg, int rho_arg, int extremes_arg);

#endif
