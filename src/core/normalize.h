/*
 * normalize.h: per-position statistics of feature vectors and the
 * normalizations built on them (pure C, no PostgreSQL headers).
 *
 * The running statistics live in a flat array of doubles so that the SQL
 * aggregate can keep them in an ordinary float8[] state (which Citus can push
 * down and PostgreSQL can combine in parallel):
 *
 *   state[0]            count of vectors
 *   state[1 + 0*d + j]  min of position j
 *   state[1 + 1*d + j]  max
 *   state[1 + 2*d + j]  mean
 *   state[1 + 3*d + j]  M2 (sum of squared deviations from the mean)
 *
 * Two states are merged with Chan, Golub and LeVeque's pairwise update,
 * which keeps the variance exact up to rounding whatever the split.
 */
#ifndef CRM_NORMALIZE_H
#define CRM_NORMALIZE_H

#include <stdbool.h>

#define FSTATS_LEN(d) (1 + 4 * (d))

/* Fresh state for d positions (count 0). */
void		fstats_init(double *state, int d);

/* Add one vector x[0..d-1] (Welford).  false: a difference or the sum of
 * squared deviations (n times the variance) overflowed float8; the state is
 * then unusable and the caller must fail. */
bool		fstats_add(double *state, int d, const double *x);

/* a += b (Chan et al.); both with d positions.  false as for fstats_add. */
bool		fstats_merge(double *a, const double *b, int d);

/* Sample standard deviation of position j (n - 1 divisor); NaN if n < 2. */
double		fstats_stddev(const double *state, int d, int j);

/*
 * Min-max normalization into [0, 1] (for values inside [min, max]):
 *   benefit: (x - min) / (max - min);  cost: (max - x) / (max - min).
 * A constant position (max == min) carries no information and maps to 0.5.
 * When max - min (or x - min) overflows float8, the ratio is computed from
 * halves, exactly as far as the quotient goes.  A value far outside
 * [min, max] can still give a quotient beyond float8 (infinite): the caller
 * reports it.
 */
void		normalize_minmax(const double *x, int d, const double *min,
							 const double *max, const bool *cost, double *out);

/*
 * z-score (x - mean) / stddev, negated for cost positions; a position whose
 * stddev is 0 (or unknown) maps to 0.  x - mean beyond float8 is computed
 * from halves; a quotient beyond float8 is infinite (the caller reports it).
 */
void		normalize_zscore(const double *x, int d, const double *mean,
							 const double *stddev, const bool *cost,
							 double *out);

#endif
