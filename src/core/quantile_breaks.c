/*
 * quantile_breaks.c: see quantile_breaks.h for the contract.
 *
 * With m distinct values d[0..m-1] and C[j] = number of values below d[j],
 * a cut "at distinct value j" puts d[j..] in the upper classes and sits at
 * rank C[j].  Cut i of n ideally sits at rank count * i / n; we take the
 * distinct-value boundary nearest that rank, then push coinciding cuts apart
 * (forward, then back from the end) so every class keeps at least one value.
 */
#include "core/quantile_breaks.h"
#include "core/interrupts.h"

#include <math.h>

int
quantile_class(double value, const double *breaks, int nbreaks)
{
	int			lo = 0,
				hi = nbreaks;

	/* first index with breaks[idx] > value */
	while (lo < hi)
	{
		int			mid = (lo + hi) / 2;

		if (breaks[mid] <= value)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo + 1;
}

/* index j in [lo, hi] of cum[] nearest to target (cum ascending) */
static int64_t
nearest_boundary(const int64_t *cum, int64_t lo, int64_t hi, double target)
{
	int64_t		a = lo,
				b = hi;

	while (a < b)
	{
		int64_t		mid = a + (b - a) / 2;

		if ((double) cum[mid] < target)
			a = mid + 1;
		else
			b = mid;
	}
	/* a: first boundary at or past target; its left neighbour may be nearer */
	if (a > lo && target - (double) cum[a - 1] <= (double) cum[a] - target)
		return a - 1;
	return a;
}

void
quantile_breaks(const double *sorted, int64_t count, int n,
				double *breaks, int64_t *work)
{
	int64_t    *cum = work;			/* cum[j] = values below distinct j */
	int64_t    *first = work + count + 1;	/* index of distinct j in sorted */
	int64_t		m = 0;
	int			i;

	for (int64_t k = 0; k < count; k++)
	{
		if ((k & 0xFFFFF) == 0)
			crm_check_interrupts();
		if (k == 0 || sorted[k] != sorted[k - 1])
		{
			cum[m] = k;
			first[m] = k;
			m++;
		}
	}
	cum[m] = count;

	if (m >= n)
	{
		int64_t    *g = work + 2 * (count + 1);

		g[0] = 0;
		for (i = 1; i < n; i++)
			g[i] = nearest_boundary(cum, 1, m - 1, (double) count * i / n);
		g[n] = m;
		for (i = 1; i < n; i++)
			if (g[i] <= g[i - 1])
				g[i] = g[i - 1] + 1;
		for (i = n - 1; i >= 1; i--)
			if (g[i] >= g[i + 1])
				g[i] = g[i + 1] - 1;
		for (i = 1; i < n; i++)
			breaks[i - 1] = sorted[first[g[i]]];
		return;
	}

	/*
	 * Fewer distinct values than classes: not every class can be filled.
	 * Each distinct value takes the class of its mid-rank, the lowest value
	 * class 1 and the highest class n, kept strictly increasing.  A single
	 * distinct value takes the middle class.
	 */
	{
		int64_t    *s = work + 2 * (count + 1);
		int			c;
		int64_t		k;

		for (k = 0; k < m; k++)
		{
			double		mid = ((double) cum[k] + (double) (cum[k + 1] - cum[k]) / 2.0) / (double) count;
			int64_t		sc = (int64_t) ceil(mid * n);

			s[k] = sc < 1 ? 1 : (sc > n ? n : sc);
		}
		if (m >= 2)
		{
			s[0] = 1;
			s[m - 1] = n;
			for (k = 1; k < m; k++)
				if (s[k] <= s[k - 1])
					s[k] = s[k - 1] + 1;
			for (k = m - 2; k >= 0; k--)
				if (s[k] >= s[k + 1])
					s[k] = s[k + 1] - 1;
		}
		/* class c starts at the first distinct value scoring >= c */
		k = 0;
		for (c = 2; c <= n; c++)
		{
			while (k < m && s[k] < c)
				k++;
			breaks[c - 2] = k < m ? sorted[first[k]] : INFINITY;
		}
	}
}
