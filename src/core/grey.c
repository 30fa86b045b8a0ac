/*
 * grey.c: Deng's grey relational analysis; see grey.h for the definitions.
 */
#include <float.h>
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

/*
 * Finite inputs can still give deltas near or beyond DBL_MAX (|1e308 - -1e308|),
 * and delta + rho*dmax must not overflow either.  Coefficients depend only on
 * ratios of deltas, so when the largest delta exceeds this limit the deltas
 * are recomputed from inputs scaled by 1/4 (exact for normal numbers).
 */
#define GREY_DELTA_LIMIT (DBL_MAX / 4)
#define GREY_DELTA_SCALE 0.25

void
grey_coefficients(const double *ref, const double *cmp, int n, double rho,
				  double *out)
{
	double		dmin,
				dmax;
	double		scale = 1.0;

	for (;;)
	{
		dmin = INFINITY;
		dmax = 0.0;
		for (int j = 0; j < n; j++)
		{
			double		d = fabs(ref[j] * scale - cmp[j] * scale);

			out[j] = d;
			dmin = d < dmin ? d : dmin;
			dmax = d > dmax ? d : dmax;
		}
		if (dmax <= GREY_DELTA_LIMIT || scale != 1.0)
			break;
		scale = GREY_DELTA_SCALE;
	}
	if (dmax == 0.0)
	{
		/* identical sequences: every coefficient is defined as 1 */
		for (int j = 0; j < n; j++)
			out[j] = 1.0;
		return;
	}
	{
		double		rdmax = rho * dmax;
		double		num = dmin + rdmax;

		for (int j = 0; j < n; j++)
			out[j] = num / (out[j] + rdmax);
	}
}

/*
 * Deltas of every case, column-major (cases_t is n rows of t values: the
 * cases transposed, so the inner loops run over the cases and vectorize);
 * d gets n*t deltas; returns the global min and max.
 */
GREY_KERNEL static void
deltas_t(const double *ref, const double *cases_t, int t, int n, double scale,
		 double *d, double *dmin_out, double *dmax_out)
{
	double		lo0 = INFINITY,
				lo1 = INFINITY;
	double		hi0 = 0.0,
				hi1 = 0.0;

	for (int j = 0; j < n; j++)
	{
		const double *c = cases_t + (size_t) j * t;
		double	   *dj = d + (size_t) j * t;
		double		r = ref[j] * scale;
		int			f = 0;

		for (; f + 2 <= t; f += 2)
		{
			double		v0 = fabs(r - c[f] * scale),
						v1 = fabs(r - c[f + 1] * scale);

			dj[f] = v0;
			dj[f + 1] = v1;
			lo0 = v0 < lo0 ? v0 : lo0;
			lo1 = v1 < lo1 ? v1 : lo1;
			hi0 = v0 > hi0 ? v0 : hi0;
			hi1 = v1 > hi1 ? v1 : hi1;
		}
		for (; f < t; f++)
		{
			double		v = fabs(r - c[f] * scale);

			dj[f] = v;
			lo0 = v < lo0 ? v : lo0;
			hi0 = v > hi0 ? v : hi0;
		}
	}
	*dmin_out = lo1 < lo0 ? lo1 : lo0;
	*dmax_out = hi1 > hi0 ? hi1 : hi0;
}

/*
 * grade_f = sum_j w_j * (dmin + rho*dmax) / (d_fj + rho*dmax) for every case
 * f, computed as (dmin/dmax + rho) * sum_j w_j / x_fj with the scaled
 * x = d/dmax + rho in [rho, 1 + rho].  Divisions are the cost of this
 * kernel, so four terms share one:
 *   a/x1 + b/x2 = (a x2 + b x1) / (x1 x2), twice, and again for the pairs;
 * all terms are positive (no cancellation), and the scaled x keep the
 * products of four far from overflow and underflow for rho >= 1e-60.  A
 * smaller rho, or a subnormal dmax (1/dmax overflows), takes the direct
 * quotient per term.
 */
GREY_KERNEL static void
weighted_grades(const double *d, int t, int n, const double *w, double rho,
				double dmin, double dmax, double *grades)
{
	double		inv = 1.0 / dmax;
	int			j = 0;

	for (int f = 0; f < t; f++)
		grades[f] = 0.0;
	if (!isfinite(inv) || rho < 1e-60)
	{
		double		rdmax = rho * dmax;
		double		num = dmin + rdmax;

		for (j = 0; j < n; j++)
			for (int f = 0; f < t; f++)
				grades[f] += w[j] * (num / (d[(size_t) j * t + f] + rdmax));
		return;
	}
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

			grades[f] += (n12 * p34 + n34 * p12) / (p12 * p34);
		}
	}
	for (; j < n; j++)
	{
		const double *dj = d + (size_t) j * t;
		double		wj = w[j];

		for (int f = 0; f < t; f++)
			grades[f] += wj / (dj[f] * inv + rho);
	}
	{
		double		num = dmin * inv + rho;

		for (int f = 0; f < t; f++)
			grades[f] *= num;
	}
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

	deltas_t(ref, cases_t, t, n, 1.0, work, &dmin, &dmax);
	if (!(dmax <= GREY_DELTA_LIMIT))
		deltas_t(ref, cases_t, t, n, GREY_DELTA_SCALE, work, &dmin, &dmax);
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
	weighted_grades(work, t, n, weights, rho, dmin, dmax, grades);
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

	{
		double		scale = 1.0,
					dmax;

		for (;;)
		{
			dmax = 0.0;
			for (int f = 0; f < t; f++)
				for (int j = 0; j < n; j++)
				{
					double		v = fabs(ref[j] * scale - cases[(size_t) f * n + j] * scale);

					work[(size_t) f * n + j] = v;
					dmax = v > dmax ? v : dmax;
				}
			if (dmax <= GREY_DELTA_LIMIT || scale != 1.0)
				break;
			scale = GREY_DELTA_SCALE;
		}
	}
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
