/*
 * grey.c: Deng's grey relational analysis; see grey.h for the definitions.
 */
#include <float.h>
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "core/grey.h"
#include "core/interrupts.h"

/* long loops check for a cancel every this many elements */
#define GREY_CHECK_EVERY 65536
/* below this many positions per grade a plain sum is accurate enough (n eps) */
#define GREY_PLAIN_SUM 256

/*
 * Neumaier's compensated sum: the error stays at a few ulps whatever the
 * number of terms (a plain sum of 1e8 coefficients drifts by ~1e-9).
 */
typedef struct
{
	double		s,
				c;
} CSum;

static inline void
csum_add(CSum *a, double v)
{
	double		t = a->s + v;

	if (fabs(a->s) >= fabs(v))
		a->c += (a->s - t) + v;
	else
		a->c += (v - t) + a->s;
	a->s = t;
}

static inline double
csum_value(const CSum *a)
{
	return a->s + a->c;
}

/* a grade is at most the weight sum, 1, in exact arithmetic: rounding may not exceed it */
static inline double
clamp_grade(double g)
{
	return g > 1.0 ? 1.0 : g;
}

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
		for (int j0 = 0; j0 < n; j0 += GREY_CHECK_EVERY)
		{
			int			j1 = j0 + GREY_CHECK_EVERY < n ? j0 + GREY_CHECK_EVERY : n;

			crm_check_interrupts();
			for (int j = j0; j < j1; j++)
			{
				double		d = fabs(ref[j] * scale - cmp[j] * scale);

				out[j] = d;
				dmin = d < dmin ? d : dmin;
				dmax = d > dmax ? d : dmax;
			}
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

		for (int j0 = 0; j0 < n; j0 += GREY_CHECK_EVERY)
		{
			int			j1 = j0 + GREY_CHECK_EVERY < n ? j0 + GREY_CHECK_EVERY : n;

			crm_check_interrupts();
			for (int j = j0; j < j1; j++)
				out[j] = num / (out[j] + rdmax);
		}
	}
}

double
grey_grade_pair(const double *ref, const double *cmp, int n, const double *w,
				double rho)
{
	double		dmin,
				dmax,
				scale = 1.0,
				rdmax,
				num;
	CSum		sum = {0.0, 0.0},
				wsum = {0.0, 0.0};

	/* pass 1: the extremes (deltas recomputed, not stored) */
	for (;;)
	{
		dmin = INFINITY;
		dmax = 0.0;
		for (int j0 = 0; j0 < n; j0 += GREY_CHECK_EVERY)
		{
			int			j1 = j0 + GREY_CHECK_EVERY < n ? j0 + GREY_CHECK_EVERY : n;

			crm_check_interrupts();
			for (int j = j0; j < j1; j++)
			{
				double		d = fabs(ref[j] * scale - cmp[j] * scale);

				dmin = d < dmin ? d : dmin;
				dmax = d > dmax ? d : dmax;
			}
		}
		if (dmax <= GREY_DELTA_LIMIT || scale != 1.0)
			break;
		scale = GREY_DELTA_SCALE;
	}
	if (dmax == 0.0)
		return 1.0;				/* every coefficient is 1 */
	rdmax = rho * dmax;
	num = dmin + rdmax;
	/* pass 2: sum_j w_j xi_j / sum_j w_j, both compensated */
	for (int j0 = 0; j0 < n; j0 += GREY_CHECK_EVERY)
	{
		int			j1 = j0 + GREY_CHECK_EVERY < n ? j0 + GREY_CHECK_EVERY : n;

		crm_check_interrupts();
		for (int j = j0; j < j1; j++)
		{
			double		xi = num / (fabs(ref[j] * scale - cmp[j] * scale) + rdmax);

			if (w)
			{
				csum_add(&sum, w[j] * xi);
				csum_add(&wsum, w[j]);
			}
			else
				csum_add(&sum, xi);
		}
	}
	return clamp_grade(csum_value(&sum) / (w ? csum_value(&wsum) : (double) n));
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

		/* about every GREY_CHECK_EVERY deltas (t can be small or huge) */
		if (t >= GREY_CHECK_EVERY || (j % (GREY_CHECK_EVERY / (t + 1) + 1)) == 0)
			crm_check_interrupts();

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
weighted_grades_block(const double *d, int t, int j0, int j1, const double *w,
					  double rho, double dmin, double dmax, double *grades)
{
	double		inv = 1.0 / dmax;
	int			j = j0;

	for (int f = 0; f < t; f++)
		grades[f] = 0.0;
	if (!isfinite(inv) || rho < 1e-60)
	{
		double		rdmax = rho * dmax;
		double		num = dmin + rdmax;

		for (j = j0; j < j1; j++)
			for (int f = 0; f < t; f++)
				grades[f] += w[j] * (num / (d[(size_t) j * t + f] + rdmax));
		return;
	}
	for (; j + 4 <= j1; j += 4)
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
	for (; j < j1; j++)
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

/*
 * grade_f = sum_j w_j * (dmin + rho*dmax) / (d_fj + rho*dmax) for every case
 * f, computed as (dmin/dmax + rho) * sum_j w_j / x_fj with the scaled
 * x = d/dmax + rho in [rho, 1 + rho].  Divisions are the cost of this
 * kernel, so four terms share one:
 *   a/x1 + b/x2 = (a x2 + b x1) / (x1 x2), twice, and again for the pairs;
 * all terms are positive (no cancellation), and the scaled x keep the
 * products of four far from overflow and underflow for rho >= 1e-60.  A
 * smaller rho, or a subnormal dmax (1/dmax overflows), takes the direct
 * quotient per term.  Up to GREY_PLAIN_SUM positions are summed plainly;
 * longer sequences in blocks of that many, the block sums added with
 * Neumaier's compensation (scratch: 3t doubles), so a grade stays within
 * (0, 1] at any length.
 */
static void
weighted_grades(const double *d, int t, int n, const double *w, double rho,
				double dmin, double dmax, double *grades, double *scratch)
{
	double	   *part = scratch,
			   *cs = scratch + t,
			   *cc = scratch + 2 * (size_t) t;
	size_t		done = 0;

	if (n <= GREY_PLAIN_SUM)
	{
		weighted_grades_block(d, t, 0, n, w, rho, dmin, dmax, grades);
		for (int f = 0; f < t; f++)
			grades[f] = clamp_grade(grades[f]);
		return;
	}
	for (int f = 0; f < t; f++)
		cs[f] = cc[f] = 0.0;
	for (int j0 = 0; j0 < n; j0 += GREY_PLAIN_SUM)
	{
		int			j1 = j0 + GREY_PLAIN_SUM < n ? j0 + GREY_PLAIN_SUM : n;

		done += (size_t) (j1 - j0) * t;
		if (done >= GREY_CHECK_EVERY)
		{
			crm_check_interrupts();
			done = 0;
		}
		weighted_grades_block(d, t, j0, j1, w, rho, dmin, dmax, part);
		for (int f = 0; f < t; f++)
		{
			CSum		a = {cs[f], cc[f]};

			csum_add(&a, part[f]);
			cs[f] = a.s;
			cc[f] = a.c;
		}
	}
	for (int f = 0; f < t; f++)
		grades[f] = clamp_grade(cs[f] + cc[f]);
}

void
grey_transpose(const double *cases, int t, int n, double *cases_t)
{
	for (int f = 0; f < t; f++)
	{
		if (n >= GREY_CHECK_EVERY || f % (GREY_CHECK_EVERY / n + 1) == 0)
			crm_check_interrupts();
		for (int j = 0; j < n; j++)
			cases_t[(size_t) j * t + f] = cases[(size_t) f * n + j];
	}
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
		CSum		s = {0.0, 0.0};

		for (int j = 0; j < n; j++)
			csum_add(&s, weights[j]);
		for (int f = 0; f < t; f++)
			grades[f] = clamp_grade(csum_value(&s));
		return;
	}
	weighted_grades(work, t, n, weights, rho, dmin, dmax, grades, work + (size_t) t * n);
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
			{
				if (n >= GREY_CHECK_EVERY || f % (GREY_CHECK_EVERY / n + 1) == 0)
					crm_check_interrupts();
				for (int j = 0; j < n; j++)
				{
					double		v = fabs(ref[j] * scale - cases[(size_t) f * n + j] * scale);

					work[(size_t) f * n + j] = v;
					dmax = v > dmax ? v : dmax;
				}
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

				if (len >= GREY_CHECK_EVERY || f % (GREY_CHECK_EVERY / len + 1) == 0)
					crm_check_interrupts();
				for (int j = 0; j < len; j++)
				{
					gmin = d[j] < gmin ? d[j] : gmin;
					gmax = d[j] > gmax ? d[j] : gmax;
				}
			}
			for (int f = 0; f < t; f++)
			{
				const double *d = work + (size_t) f * n + start;
				CSum		r = {0.0, 0.0};

				if (len >= GREY_CHECK_EVERY || f % (GREY_CHECK_EVERY / len + 1) == 0)
					crm_check_interrupts();
				if (gmax == 0.0)
				{
					for (int j = 0; j < len; j++)
						csum_add(&r, inner_weights[start + j]);
				}
				else
				{
					double		rdmax = rho * gmax;
					double		num = gmin + rdmax;

					for (int j = 0; j < len; j++)
						csum_add(&r, inner_weights[start + j] * (num / (d[j] + rdmax)));
				}
				grades[f] += group_weights[i] * csum_value(&r);
			}
			start += len;
		}
	}
	for (int f = 0; f < t; f++)
		grades[f] = clamp_grade(grades[f]);
}

int
grey_normalize_weights(double *w, int n)
{
	CSum		cs = {0.0, 0.0};
	double		s = 0.0;

	/* plain sum for short vectors (as before: the same weights), compensated beyond */
	for (int j = 0; j < n; j++)
	{
		if (!isfinite(w[j]) || w[j] < 0.0)
			return -1;
		if (n <= GREY_PLAIN_SUM)
			s += w[j];
		else
			csum_add(&cs, w[j]);
		if ((j & (GREY_CHECK_EVERY - 1)) == GREY_CHECK_EVERY - 1)
			crm_check_interrupts();
	}
	if (n > GREY_PLAIN_SUM)
		s = csum_value(&cs);
	if (!(s > 0.0) || !isfinite(s))
		return -2;
	for (int j = 0; j < n; j++)
	{
		w[j] /= s;
		if ((j & (GREY_CHECK_EVERY - 1)) == GREY_CHECK_EVERY - 1)
			crm_check_interrupts();
	}
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
