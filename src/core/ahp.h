/*
 * ahp.h: Analytic Hierarchy Process priorities and consistency (pure C).
 *
 * A judgment matrix is n x n, row-major: a[i*n+j] says how many times
 * element i is as important as element j (Saaty's 1-9 scale, any positive
 * value accepted).  known[i*n+j] is 1 where a judgment was given; a missing
 * judgment (known = 0 at both (i,j) and (j,i)) is handled by Harker's method
 * for the eigenvector and by logarithmic least squares for the geometric
 * mean.  Nothing allocates; work buffers are sized by the macros below.
 */
#ifndef CRM_AHP_H
#define CRM_AHP_H

#include <stddef.h>

/* |a_ij * a_ji - 1| must not exceed this */
#define AHP_RECIPROCAL_TOL 1e-6
/* |a_ii - 1| must not exceed this */
#define AHP_DIAGONAL_TOL 1e-9
/* largest n of the random index table */
#define AHP_RI_MAX 15

typedef enum
{
	AHP_OK = 0,
	AHP_ERR_NONFINITE,			/* row, col, value */
	AHP_ERR_NONPOSITIVE,		/* row, col, value */
	AHP_ERR_DIAGONAL,			/* row = col, value (NaN when missing) */
	AHP_ERR_NONRECIPROCAL,		/* row, col, value = a_ij, other = a_ji */
	AHP_ERR_DISCONNECTED,		/* row: first element not linked to element 0 */
	AHP_ERR_NOCONVERGE,			/* residual, iterations */
	AHP_ERR_SINGULAR			/* internal: LLS system not positive definite */
} AhpStatus;

typedef struct AhpResult
{
	AhpStatus	status;
	int			row;			/* 0-based */
	int			col;
	double		value;
	double		other;
	double		residual;
	int			iterations;
	int			missing;		/* number of missing pairs (i < j) */
} AhpResult;

/* doubles of workspace for ahp_eigen / ahp_geometric; ints for ahp_prepare */
#define AHP_WORK(n) ((size_t) (n) * (size_t) (n) + 4 * (size_t) (n) + 4)
#define AHP_IWORK(n) (2 * (size_t) (n) + 1)

/*
 * Validate and complete the matrix in place: every entry finite and > 0,
 * diagonal 1, a_ij * a_ji = 1 within AHP_RECIPROCAL_TOL; when exactly one of
 * a pair is known the other is set to its reciprocal; the known judgments
 * must connect all elements.  Returns AHP_OK or the first problem found.
 */
AhpStatus	ahp_prepare(int n, double *a, unsigned char *known, int *iwork,
						AhpResult *res);

/*
 * Principal right eigenvector (sum 1) by power iteration started from the
 * geometric-mean solution, and lambda_max.  With missing judgments this is
 * Harker's method: missing a_ij := 0, a_ii := 1 + (missing in row i); the
 * result equals the eigenvector of the matrix completed with w_i/w_j.
 */
AhpStatus	ahp_eigen(int n, const double *a, const unsigned char *known,
					  double *w, double *lambda_max, double *work, AhpResult *res);

/*
 * Row geometric means (sum 1); with missing judgments the logarithmic least
 * squares solution over the known ones (Bozoki, Fulop & Ronyai 2010), which
 * is the row geometric mean when nothing is missing.
 */
AhpStatus	ahp_geometric(int n, const double *a, const unsigned char *known,
						  double *w, double *work, AhpResult *res);

/* lambda_max of the (Harker-completed) matrix for a given w (sum 1) */
double		ahp_lambda(int n, const double *a, const unsigned char *known,
					   const double *w);

/* Saaty's random index for order n; a negative value beyond the table */
double		ahp_random_index(int n);

/*
 * The known judgment (i < j) with the largest |ln(a_ij w_j / w_i)| (Saaty's
 * epsilon_ij farthest from 1); *suggested = w_i / w_j.  Returns 0, or 1 when
 * every known judgment agrees with w to 1e-9 (nothing to revisit).
 */
int			ahp_find_inconsistent(int n, const double *a,
								  const unsigned char *known, const double *w,
								  int *row, int *col, double *judgment,
								  double *suggested);

#endif
