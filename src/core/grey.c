/*
 * grey.c: Deng's grey relational analysis; see grey.h for the definitions.
 */
#include <math.h>
#include <stddef.h>

#include "core/grey.h"

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

/* Deltas of every case into work; global min/max. */
static void
deltas(const double *ref, const double *cases, int t, int n, double *work,
	   double *dmin_out, double *dmax_out)
{
	double		dmin = INFINITY,
				dmax = 0.0;

	for (int f = 0; f < t; f++)
	{
		const double *x = cases + (size_t) f * n;
		double	   *d = work + (size_t) f * n;

		for (int j = 0; j < n; j++)
		{
			double		v = fabs(ref[j] - x[j]);

			d[j] = v;
			dmin = v < dmin ? v : dmin;
			dmax = v > dmax ? v : dmax;
		}
	}
	*dmin_out = dmin;
	*dmax_out = dmax;
}

void
grey_grades(const double *ref, const double *cases, int t, int n,
			const double *weights, double rho, double *grades, double *work)
{
	double		dmin,
				dmax;

	deltas(ref, cases, t, n, work, &dmin, &dmax);
	if (dmax == 0.0)
	{
		for (int f = 0; f < t; f++)
			grades[f] = 1.0;
		return;
	}
	{
		double		rdmax = rho * dmax;
		double		num = dmin + rdmax;

		for (int f = 0; f < t; f++)
		{
			const double *d = work + (size_t) f * n;
			double		s = 0.0;

			for (int j = 0; j < n; j++)
				s += weights[j] / (d[j] + rdmax);
			grades[f] = num * s;
		}
	}
}

void
grey_multilayer(const double *ref, const double *cases, int t, int n,
					   int g, const int *group_sizes,
					   const double *inner_weights,
					   const double *group_weights, double rho, bool per_group,
					   double *grades, double *work)
{
	double		dmin,
				dmax;

	deltas(ref, cases, t, n, work, &dmin, &dmax);

	if (!per_group)
	{
		/* group grade r_fi = sum_j w_ij xi_fij; sim_f = sum_i w_i r_fi */
		double		rdmax = rho * dmax;
		double		num = dmin + rdmax;

		for (int f = 0; f < t; f++)
		{
			const double *d = work + (size_t) f * n;
			double		sim = 0.0;
			int			p = 0;

			for (int i = 0; i < g; i++)
			{
				double		r = 0.0;

				if (dmax == 0.0)
				{
					for (int j = 0; j < group_sizes[i]; j++, p++)
						r += inner_weights[p];
				}
				else
				{
					for (int j = 0; j < group_sizes[i]; j++, p++)
						r += inner_weights[p] * (num / (d[p] + rdmax));
				}
				sim += group_weights[i] * r;
			}
			grades[f] = sim;
		}
		return;
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
