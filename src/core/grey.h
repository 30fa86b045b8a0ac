/*
 * grey.h: Deng's grey relational analysis (pure C, no PostgreSQL headers).
 *
 * For a reference x0 and compared sequences xf (f = 1..t) of length n:
 *   delta_fj = |x0_j - xf_j|
 *   dmin, dmax = min and max of delta over the scope (one pair, all cases,
 *                or all cases restricted to one group of positions)
 *   xi_fj    = (dmin + rho * dmax) / (delta_fj + rho * dmax)
 *   grade_f  = sum_j w_j * xi_fj
 * When dmax == 0 every delta in the scope is 0 (the sequences agree there):
 * every coefficient is defined as 1, so the grade is 1.
 *
 * Weights passed to these functions must already be validated (finite,
 * >= 0) and normalized (they sum to 1 overall, or within each group for the
 * inner weights of the multi-layer grade); see grey_normalize_weights().
 */
#ifndef CRM_GREY_H
#define CRM_GREY_H

#include <stdbool.h>

/* Coefficients of one pair (dmin, dmax over the pair). */
void		grey_coefficients(const double *ref, const double *cmp, int n,
							  double rho, double *out);

/*
 * Grade of one pair over n positions (dmin, dmax over the pair) without
 * storing the coefficients; w: n weights, or NULL for equal weights (need
 * not sum to 1: the grade is sum w xi / sum w).  Compensated sums: within
 * (0, 1] at any length.
 */
double		grey_grade_pair(const double *ref, const double *cmp, int n,
							const double *w, double rho);

/*
 * Scratch doubles the case-base functions need for t cases of n values.
 * Sequences longer than 256 positions are summed in compensated blocks, so
 * every grade lies in (0, 1] at any length; long loops check for a cancel.
 */
#define GREY_WORK(t, n) (3 * (size_t) (t) * (n) + (n))

/*
 * One grade per case; cases is t rows of n values, row-major.  dmin and
 * dmax are global over all t*n deltas (Deng's two-level min/max).
 * weights: n values summing to 1.  work: GREY_WORK(t, n) doubles.
 */
void		grey_grades(const double *ref, const double *cases, int t, int n,
						const double *weights, double rho,
						double *grades, double *work);

/*
 * Multi-layer grade of the source study: positions are split into g
 * consecutive groups of group_sizes[i] positions; inner_weights (n values)
 * sum to 1 within each group, group_weights (g values) sum to 1.
 * per_group = false: dmin/dmax global over all cases and positions;
 * per_group = true: dmin/dmax over all cases within each group.
 * With global extremes the two-level grade equals the one-level grade with
 * position weights group_weight * inner_weight (computed that way).
 * work: GREY_WORK(t, n) doubles.
 */
void		grey_multilayer(const double *ref, const double *cases,
								   int t, int n, int g, const int *group_sizes,
								   const double *inner_weights,
								   const double *group_weights,
								   double rho, bool per_group,
								   double *grades, double *work);

/*
 * The global-extremes kernel on transposed cases (cases_t: n rows of t
 * values, see grey_transpose); weights: n values.  work: t*n doubles.
 * grey_grades() is this after a transpose; cbr_classify keeps the
 * transposed case base in its cache.
 */
void		grey_grades_t(const double *ref, const double *cases_t, int t,
						  int n, const double *weights, double rho,
						  double *grades, double *work);

void		grey_transpose(const double *cases, int t, int n, double *cases_t);

/* w[p] = group_weights[group of p] * inner_weights[p] */
void		grey_multilayer_weights(int g, const int *group_sizes,
									const double *inner_weights,
									const double *group_weights, double *w);

/*
 * Scale w[0..n-1] in place to sum to 1.  Returns 0 on success, -1 if a
 * weight is negative or not finite, -2 if they sum to zero.
 */
int			grey_normalize_weights(double *w, int n);

/*
 * Index (0-based) of the largest grade; ties go to the lowest index.
 */
int			grey_argmax(const double *grades, int t);

#endif
