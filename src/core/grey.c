/*
 * grey.c: Deng's grey relational analysis; see grey.h for the definitions.
 */
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "core/grey.h"

/*
 * On x86-64 with GCC, build the per-row kernels twice, for AVX2 and for the
 * baseline, and let the loader pick (ifunc); 4-wide divisions matter when
 * cbr_classify runs over millions of rows.
 */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && defined(__linux__)
#define GREY_KERNEL __attribute__((target_clones("avx2", "default")))
#else
#define GREY_KERNEL
#endif

/* Coefficient with the dmax == 0 convention (all deltas in scope are 0). */
static inline double
coef(double delta, double dmin, double rdmax)
{
	/* rdmax = rho * dmax > 0 here */
	return (dmin + rdmax) / (delta + rdmax);
}

void
grey_coefficients(const double *ref, const double *cmp, int n, double rho,
				  double *out)
{
	double		dmin = INFINITY,
				dmax = 0.0;

	for (int j = 0; j < n; j++)
	{
		double		d = fabs(ref[j] - cmp[j]);

		out[j] = d;
		if (d < dmin)
			dmin = d;
		if (d > dmax)
			dmax = d;
	}
	if (dmax == 0.0)
	{
		for (int j = 0; j < n; j++)
			out[j] = 1.0;
		return;
	}
	{
		double		rdmax = rho * dmax;

		for (int j = 0; j < n; j++)
			out[j] = coef(out[j], dmin, rdmax);
	}
}

/*
 * Deltas of every case into d (t*n); global min and max.  Several
 * independent min/max accumulators keep the loop from being bound by the
 * latency of one long dependency chain.
 */
/*
 * Deltas of every case, column-major (cases_t is n rows of t values: the
 * cases transposed, so the inner loops run over the cases and vectorize);
 * d gets n*t deltas; returns the global min and max.
 */
GREY_KERNEL static void
deltas_t(const double *ref, const double *cases_t, int t, int n, double *d,
		 double *dmin_out, double *dmax_out)
{
	double		lo0 = INFINITY,
				lo1 = INFINITY;
	double		hi0 = 0.0,
				hi1 = 0.0;

	for (int j = 0; j < n; j++)
	{
		const double *c = cases_t + (size_t) j * t;
		double	   *dj = d + (size_t) j * t;
		double		r = ref[j];
		int			f = 0;

		for (; f + 2 <= t; f += 2)
		{
			double		v0 = fabs(r - c[f]),
						v1 = fabs(r - c[f + 1]);

			dj[f] = v0;
			dj[f + 1] = v1;
			lo0 = v0 < lo0 ? v0 : lo0;
			lo1 = v1 < lo1 ? v1 : lo1;
			hi0 = v0 > hi0 ? v0 : hi0;
			hi1 = v1 > hi1 ? v1 : hi1;
		}
		for (; f < t; f++)
		{
			double		v = fabs(r - c[f]);

			dj[f] = v;
			lo0 = v < lo0 ? v : lo0;
			hi0 = v > hi0 ? v : hi0;
		}
	}
	*dmin_out = lo1 < lo0 ? lo1 : lo0;
	*dmax_out = hi1 > hi0 ? hi1 : hi0;
}

/*
 * sum_j w_j / (d_fj + rho*dmax) for every case f, as
 * (1/dmax) * sum_j w_j / x_fj with x = d/dmax + rho in [rho, 1 + rho].
 * Divisions are the cost of this kernel, so four terms share one:
 *   a/x1 + b/x2 = (a x2 + b x1) / (x1 x2), twice, and again for the pairs;
 * the scaled x keeps the products of four far from overflow and underflow
 * (rho >= 1e-60 here; smaller rho takes one division per term).
 */
GREY_KERNEL static void
weighted_reciprocal_sums(const double *d, int t, int n, const double *w,
						 double rho, double dmax, double *acc)
{
	double		inv = 1.0 / dmax;
	int			j = 0;

	for (int f = 0; f < t; f++)
		acc[f] = 0.0;
	if (rho >= 1e-60)
	{
		for (; j + 4 <= n; j += 4)
		{
			const double *d1 = d + (size_t) j * t,
					   *d2 = d1 + t,
					   *d3 = d2 + t,
					   *d4 = d3 + t;
			double		w1 = w[j],
						w2 = w[j + 1],
						w3 = w[j + 2],
						w4 = w[j + 3];

			for (int f = 0; f < t; f++)
			{
				double		x1 = d1[f] * inv + rho,
							x2 = d2[f] * inv + rho,
							x3 = d3[f] * inv + rho,
							x4 = d4[f] * inv + rho;
				double		p12 = x1 * x2,
							p34 = x3 * x4;
				double		n12 = w1 * x2 + w2 * x1,
							n34 = w3 * x4 + w4 * x3;

				acc[f] += (n12 * p34 + n34 * p12) / (p12 * p34);
			}
		}
	}
	for (; j < n; j++)
	{
		const double *dj = d + (size_t) j * t;
		double		wj = w[j];

		for (int f = 0; f < t; f++)
			acc[f] += wj / (dj[f] * inv + rho);
	}
	for (int f = 0; f < t; f++)
		acc[f] *= inv;
}

void
grey_transpose(const double *cases, int t, int n, double *cases_t)
{
	for (int f = 0; f < t; f++)
		for (int j = 0; j < n; j++)
			cases_t[(size_t) j * t + f] = cases[(size_t) f * n + j];
}

void
grey_grades_t(const double *ref, const double *cases_t, int t, int n,
			  const double *weights, double rho, double *grades, double *work)
{
	double		dmin,
				dmax;

	deltas_t(ref, cases_t, t, n, work, &dmin, &dmax);
	if (dmax == 0.0)
	{
		/* every delta is 0: every coefficient is 1, the grade the weight sum */
		double		s = 0.0;

		for (int j = 0; j < n; j++)
			s += weights[j];
		for (int f = 0; f < t; f++)
			grades[f] = s;
		return;
	}
	weighted_reciprocal_sums(work, t, n, weights, rho, dmax, grades);
	{
		double		num = dmin + rho * dmax;

		for (int f = 0; f < t; f++)
			grades[f] *= num;
	}
}

void
grey_grades(const double *ref, const double *cases, int t, int n,
			const double *weights, double rho, double *grades, double *work)
{
	double	   *ct = work + (size_t) t * n;

	grey_transpose(cases, t, n, ct);
	grey_grades_t(ref, ct, t, n, weights, rho, grades, work);
}

void
grey_multilayer_weights(int g, const int *group_sizes,
						const double *inner_weights,
						const double *group_weights, double *w)
{
	int			p = 0;

	for (int i = 0; i < g; i++)
		for (int j = 0; j < group_sizes[i]; j++, p++)
			w[p] = group_weights[i] * inner_weights[p];
}

void
grey_multilayer(const double *ref, const double *cases, int t, int n,
					   int g, const int *group_sizes,
					   const double *inner_weights,
					   const double *group_weights, double rho, bool per_group,
					   double *grades, double *work)
{
	if (!per_group)
	{
		/* global extremes: the two-level grade is the grade with weights w_i * w_ij */
		double	   *w = work + 2 * (size_t) t * n;

		grey_multilayer_weights(g, group_sizes, inner_weights, group_weights, w);
		grey_grades(ref, cases, t, n, w, rho, grades, work);
		return;
	}

	for (int f = 0; f < t; f++)
		for (int j = 0; j < n; j++)
			work[(size_t) f * n + j] = fabs(ref[j] - cases[(size_t) f * n + j]);
	/* per group: dmin/dmax over all cases within the group's positions */
	for (int f = 0; f < t; f++)
		grades[f] = 0.0;
	{
		int			start = 0;

		for (int i = 0; i < g; i++)
		{
			int			len = group_sizes[i];
			double		gmin = INFINITY,
						gmax = 0.0;

			for (int f = 0; f < t; f++)
			{
				const double *d = work + (size_t) f * n + start;

				for (int j = 0; j < len; j++)
				{
					gmin = d[j] < gmin ? d[j] : gmin;
					gmax = d[j] > gmax ? d[j] : gmax;
				}
			}
			for (int f = 0; f < t; f++)
			{
				const double *d = work + (size_t) f * n + start;
				double		r = 0.0;

				if (gmax == 0.0)
				{
					for (int j = 0; j < len; j++)
						r += inner_weights[start + j];
				}
				else
				{
					double		rdmax = rho * gmax;
					double		num = gmin + rdmax;

					for (int j = 0; j < len; j++)
						r += inner_weights[start + j] * (num / (d[j] + rdmax));
				}
				grades[f] += group_weights[i] * r;
			}
			start += len;
		}
	}
}

int
grey_normalize_weights(double *w, int n)
{
	double		s = 0.0;

	for (int j = 0; j < n; j++)
	{
		if (!isfinite(w[j]) || w[j] < 0.0)
			return -1;
		s += w[j];
	}
	if (!(s > 0.0) || !isfinite(s))
		return -2;
	for (int j = 0; j < n; j++)
		w[j] /= s;
	return 0;
}

int
grey_argmax(const double *grades, int t)
{
	int			best = 0;

	for (int f = 1; f < t; f++)
		if (grades[f] > grades[best])
			best = f;
	return best;
}
