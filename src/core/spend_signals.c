/*
 * spend_signals.c: see spend_signals.h.  Sums are compensated (Neumaier) so
 * long histories of similar amounts do not lose the small differences the
 * trend and z-score are made of.  Spend near the float8 limit is first
 * divided by a power of two (exact), so squares and sums cannot overflow;
 * only a total or trend that is itself beyond float8 is reported.
 */
#include "core/spend_signals.h"

#include <math.h>
#include <string.h>

typedef struct KahanSum
{
	double		s,
				c;
} KahanSum;

static inline void
ksum_add(KahanSum *k, double x)
{
	double		t = k->s + x;

	if (fabs(k->s) >= fabs(x))
		k->c += (k->s - t) + x;
	else
		k->c += (x - t) + k->s;
	k->s = t;
}

static inline double
ksum_get(const KahanSum *k)
{
	return k->s + k->c;
}

void
spend_signals(const double *spend, int n, SpendSignals *out)
{
	KahanSum	total = {0, 0},
				prev_sum = {0, 0};
	double		xbar,
				sxy = 0,
				sxx = 0;
	int			i,
				np = n - 1;

	double		scale = 1.0,
				inv = 1.0,
				maxabs = 0,
				mean;

	memset(out, 0, sizeof(*out));
	out->periods = n;
	if (n <= 0)
		return;
	for (i = 0; i < n; i++)
		maxabs = fmax(maxabs, fabs(spend[i]));
	if (maxabs > 0x1p500)
	{
		scale = ldexp(1.0, ilogb(maxabs));
		inv = 1.0 / scale;
	}
#define X(i) (spend[i] * inv)
	for (i = 0; i < n; i++)
		ksum_add(&total, X(i));
	mean = ksum_get(&total) / n;	/* in units of scale from here on */
	out->total = ksum_get(&total) * scale;
	out->mean = mean * scale;
	out->last = spend[n - 1];

	/* slope of spend on period index 0..n-1 */
	if (n >= 2)
	{
		xbar = (n - 1) / 2.0;
		for (i = 0; i < n; i++)
		{
			sxy += (i - xbar) * (X(i) - mean);
			sxx += (i - xbar) * (i - xbar);
		}
		out->trend = sxy / sxx * scale;
		out->trend_valid = true;
		if (mean != 0)
		{
			out->trend_pct = (sxy / sxx) / fabs(mean);
			out->trend_pct_valid = true;
		}
	}

	for (i = n - 1; i >= 1 && spend[i] < spend[i - 1]; i--)
		out->falling_periods++;

	/* the last period against the customer's own earlier periods */
	if (np >= 1)
	{
		double		pmean,
					ss = 0;

		for (i = 0; i < np; i++)
			ksum_add(&prev_sum, X(i));
		pmean = ksum_get(&prev_sum) / np;
		if (pmean != 0)
		{
			out->change_pct = (X(n - 1) - pmean) / fabs(pmean);
			out->change_pct_valid = true;
		}
		if (np >= 3)
		{
			double		sd = 0,
						dmax = 0;

			/* deviations in units of the largest one: their squares can
			 * neither overflow (long histories near 2^500) nor underflow
			 * (small periods beside a huge one after rescaling) */
			for (i = 0; i < np; i++)
				dmax = fmax(dmax, fabs(X(i) - pmean));
			if (dmax > 0)
			{
				for (i = 0; i < np; i++)
				{
					double		q = (X(i) - pmean) / dmax;

					ss += q * q;
				}
				sd = dmax * sqrt(ss / (np - 1));
			}
			/* a spread at the level of rounding error (eleven periods of
			 * 1.47 have sd ~1e-16, not 0) is no variation */
			if (sd > 1e-9 * fmax(fabs(pmean), 1e-300))
			{
				out->change_z = (X(n - 1) - pmean) / sd;
				out->change_z_valid = true;
			}
		}
	}
#undef X
	/* a result beyond float8 is reported, never returned as Infinity */
	out->out_of_range = !isfinite(out->total) || !isfinite(out->trend) ||
		(out->trend_pct_valid && !isfinite(out->trend_pct)) ||
		(out->change_pct_valid && !isfinite(out->change_pct)) ||
		(out->change_z_valid && !isfinite(out->change_z));
}
