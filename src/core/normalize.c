/*
 * normalize.c: per-position statistics and normalization; see normalize.h.
 */
#include <math.h>

#include "core/normalize.h"

void
fstats_init(double *state, int d)
{
	state[0] = 0.0;
	for (int j = 0; j < d; j++)
	{
		state[1 + j] = INFINITY;
		state[1 + d + j] = -INFINITY;
		state[1 + 2 * d + j] = 0.0;
		state[1 + 3 * d + j] = 0.0;
	}
}

bool
fstats_add(double *state, int d, const double *x)
{
	bool		finite = true;
	double		n = state[0] + 1.0;
	double	   *mn = state + 1,
			   *mx = state + 1 + d,
			   *mean = state + 1 + 2 * d,
			   *m2 = state + 1 + 3 * d;

	state[0] = n;
	for (int j = 0; j < d; j++)
	{
		double		delta = x[j] - mean[j];

		mn[j] = x[j] < mn[j] ? x[j] : mn[j];
		mx[j] = x[j] > mx[j] ? x[j] : mx[j];
		mean[j] += delta / n;
		m2[j] += delta * (x[j] - mean[j]);
		finite &= isfinite(delta) && isfinite(m2[j]);
	}
	return finite;
}

bool
fstats_merge(double *a, const double *b, int d)
{
	double		na = a[0],
				nb = b[0],
				n;
	bool		finite = true;

	if (nb == 0.0)
		return true;
	if (na == 0.0)
	{
		for (int i = 0; i < FSTATS_LEN(d); i++)
			a[i] = b[i];
		return true;
	}
	n = na + nb;
	for (int j = 0; j < d; j++)
	{
		double		ma = a[1 + 2 * d + j],
					mb = b[1 + 2 * d + j];
		double		delta = mb - ma;

		a[1 + j] = b[1 + j] < a[1 + j] ? b[1 + j] : a[1 + j];
		a[1 + d + j] = b[1 + d + j] > a[1 + d + j] ? b[1 + d + j] : a[1 + d + j];
		a[1 + 2 * d + j] = ma + delta * (nb / n);
		/* delta * (delta * w), w <= n/4: the serial path's overflow limit */
		a[1 + 3 * d + j] += b[1 + 3 * d + j] + delta * (delta * (na * nb / n));
		finite &= isfinite(delta) && isfinite(a[1 + 3 * d + j]);
	}
	a[0] = n;
	return finite;
}

double
fstats_stddev(const double *state, int d, int j)
{
	double		n = state[0];
	double		m2 = state[1 + 3 * d + j];

	if (n < 2.0)
		return NAN;
	if (m2 < 0.0)
		m2 = 0.0;
	return sqrt(m2 / (n - 1.0));
}

void
normalize_minmax(const double *x, int d, const double *min, const double *max,
				 const bool *cost, double *out)
{
	for (int j = 0; j < d; j++)
	{
		bool		c = cost && cost[j];
		double		range = max[j] - min[j];
		double		num = c ? max[j] - x[j] : x[j] - min[j];

		/* max - min (or x - min) beyond float8: the same ratio from halves (exact) */
		if (!isfinite(range) || !isfinite(num))
		{
			range = max[j] * 0.5 - min[j] * 0.5;
			num = c ? max[j] * 0.5 - x[j] * 0.5 : x[j] * 0.5 - min[j] * 0.5;
		}
		if (!(range > 0.0))
			out[j] = 0.5;
		else
			out[j] = num / range;
	}
}

void
normalize_zscore(const double *x, int d, const double *mean,
				 const double *stddev, const bool *cost, double *out)
{
	for (int j = 0; j < d; j++)
	{
		double		z;

		if (!(stddev[j] > 0.0) || !isfinite(stddev[j]))
			z = 0.0;
		else if (isfinite(x[j] - mean[j]))
			z = (x[j] - mean[j]) / stddev[j];
		else
			z = (x[j] * 0.5 - mean[j] * 0.5) / (stddev[j] * 0.5);	/* may still overflow */
		out[j] = (cost && cost[j]) ? 0.0 - z : z;	/* no -0 */
	}
}
