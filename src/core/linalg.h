/*
 * linalg.h: the small amount of dense linear algebra AHP/ANP need (pure C).
 *
 * Matrices are square, row-major, n x n doubles.  Nothing here allocates:
 * callers pass every buffer, sized by the *_WORK macros.
 */
#ifndef CRM_LINALG_H
#define CRM_LINALG_H

#include <stddef.h>

/* Width of the packed column panels of the multiplication kernel. */
#define LINALG_NR 8
#define LINALG_PAD(n) ((((size_t) (n)) + LINALG_NR - 1) / LINALG_NR * LINALG_NR)

/* doubles of workspace linalg_matmul needs for order n */
#define LINALG_MATMUL_WORK(n) ((size_t) (n) * LINALG_PAD(n) + (size_t) (n))

/*
 * C = A * B.  C must not alias A or B.  work: LINALG_MATMUL_WORK(n) doubles.
 * Register-blocked (4 rows x 8 columns) kernel over a packed copy of B;
 * calls crm_check_interrupts() once per block row.
 */
void		linalg_matmul(int n, const double *A, const double *B, double *C,
						  double *work);

/* y = A x (row-major A, n x n) */
void		linalg_matvec(int n, const double *A, const double *x, double *y);

/*
 * Solve M x = b for symmetric positive definite M (m x m, row-major) by
 * Cholesky; M is overwritten by its factor, b by the solution.
 * Returns 0, or -1 when M is not (numerically) positive definite.
 */
int			linalg_cholesky_solve(int m, double *M, double *b);

#endif
