/*
 * kmeans.c: k-means++ seeding, Lloyd iterations with Hamerly's bounds,
 * restarts; see kmeans.h.
 *
 * Hamerly (2010), "Making k-means even faster": each point keeps an upper
 * bound u on the distance to its centroid and a lower bound l on the distance
 * to the second nearest.  After the centroids move by m_j, u += m_a and
 * l -= max_j m_j; a point whose u <= max(l, s_a) (s_a = half the distance from
 * its centroid to the nearest other centroid) cannot change cluster and is
 * skipped without computing any distance.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/interrupts.h"
#include "core/kmeans.h"

/*
 * Loops over the points check for a cancel every 1024 points when a point
 * costs k * d work (k up to 10000): about every 1e7 operations at worst.
 */
#define KM_POINT_CHECK(i, k) \
	do { if (((i) & ((k) > 64 ? 1023 : 65535)) == 0) crm_check_interrupts(); } while (0)

/* ---- canonical order ---- */

static inline int
row_cmp(const double *x, int d, int64_t a, int64_t b)
{
	const double *ra = x + (size_t) a * d;
	const double *rb = x + (size_t) b * d;

	for (int j = 0; j < d; j++)
	{
		if (ra[j] < rb[j])
			return -1;
		if (ra[j] > rb[j])
			return 1;
	}
	/* equal rows: order by position, so the sort is total and stable */
	return (a > b) - (a < b);
}

/*
 * Bottom-up merge sort of the row indices in perm[0..n-1]; tmp holds n
 * int64.  Returns the buffer holding the result (perm or tmp).
 */
static int64_t *
sort_rows(const double *x, int64_t n, int d, int64_t *perm, int64_t *tmp)
{
	int64_t    *src = perm,
			   *dst = tmp;

	/* runs of 8 by insertion sort */
	for (int64_t lo = 0; lo < n; lo += 8)
	{
		int64_t		hi = lo + 8 < n ? lo + 8 : n;

		for (int64_t i = lo + 1; i < hi; i++)
		{
			int64_t		v = src[i],
						j = i;

			while (j > lo && row_cmp(x, d, src[j - 1], v) > 0)
			{
				src[j] = src[j - 1];
				j--;
			}
			src[j] = v;
		}
	}
	for (int64_t width = 8; width < n; width *= 2)
	{
		crm_check_interrupts();
		for (int64_t lo = 0; lo < n; lo += 2 * width)
		{
			int64_t		mid = lo + width < n ? lo + width : n;
			int64_t		hi = lo + 2 * width < n ? lo + 2 * width : n;
			int64_t		i = lo,
						j = mid,
						o = lo;

			while (i < mid && j < hi)
				dst[o++] = row_cmp(x, d, src[i], src[j]) <= 0 ? src[i++] : src[j++];
			while (i < mid)
				dst[o++] = src[i++];
			while (j < hi)
				dst[o++] = src[j++];
		}
		{
			int64_t    *t = src;

			src = dst;
			dst = t;
		}
	}
	return src;
}

int64_t
kmeans_canonicalize(double *x, int64_t n, int d, int64_t *work)
{
	double	   *tmp = (double *) (work + 2 * n);	/* one row */
	int64_t		distinct;
	int64_t    *perm;

	if (n == 0)
		return 0;
	for (int64_t i = 0; i < n; i++)
		work[i] = i;
	perm = sort_rows(x, n, d, work, work + n);
	crm_check_interrupts();

	/* apply: new[i] = old[perm[i]], following cycles; done slots get -1 */
	for (int64_t i = 0; i < n; i++)
	{
		int64_t		j = i;

		if (perm[i] < 0 || perm[i] == i)
		{
			perm[i] = -1;
			continue;
		}
		memcpy(tmp, x + (size_t) i * d, sizeof(double) * d);
		for (;;)
		{
			int64_t		src = perm[j];

			perm[j] = -1;
			if (src == i)
			{
				memcpy(x + (size_t) j * d, tmp, sizeof(double) * d);
				break;
			}
			memcpy(x + (size_t) j * d, x + (size_t) src * d, sizeof(double) * d);
			j = src;
		}
	}

	distinct = 1;
	for (int64_t i = 1; i < n; i++)
	{
		const double *a = x + (size_t) (i - 1) * d,
				   *b = x + (size_t) i * d;

		for (int j = 0; j < d; j++)
			if (a[j] != b[j])
			{
				distinct++;
				break;
			}
	}
	return distinct;
}

/* ---- deterministic PRNG: splitmix64 ---- */

static inline uint64_t
rng_next(uint64_t *s)
{
	uint64_t	z = (*s += UINT64_C(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

static inline double
rng_uniform(uint64_t *s)
{
	return (double) (rng_next(s) >> 11) * (1.0 / 9007199254740992.0);
}

/* ---- distances ---- */

static inline double
sqdist(const double *a, const double *b, int d)
{
	double		s = 0.0;

	for (int j = 0; j < d; j++)
	{
		double		t = a[j] - b[j];

		s += t * t;
	}
	return s;
}

int
kmeans_nearest(const double *x, const double *centroids, int k, int d)
{
	int			best = 0;
	double		bd = sqdist(x, centroids, d);

	for (int c = 1; c < k; c++)
	{
		double		dd;

		/* about every 64k coordinates */
		if ((c & 63) == 0 && (size_t) d * 64 * (size_t) k >= 65536)
			crm_check_interrupts();
		dd = sqdist(x, centroids + (size_t) c * d, d);

		if (dd < bd)
		{
			bd = dd;
			best = c;
		}
	}
	return best;
}

/* ---- work layout ---- */

typedef struct
{
	int32_t    *assign;			/* n */
	double	   *upper;			/* n: distance bound to own centroid */
	double	   *lower;			/* n: bound to second nearest; also D^2 in seeding */
	double	   *cent;			/* k*d current centroids */
	double	   *sums;			/* k*d */
	double	   *moved;			/* k */
	double	   *half;			/* k: half distance to nearest other centroid */
	int64_t    *counts;			/* k */
	double	   *scratch;		/* 3 * d */
} KWork;

#define ALIGN8(x) (((x) + 7) & ~(size_t) 7)

size_t
kmeans_work_bytes(int64_t n, int d, int k)
{
	size_t		per_point = ALIGN8(sizeof(int32_t) * (size_t) n) +
		2 * sizeof(double) * (size_t) n;
	size_t		perm = 2 * sizeof(int64_t) * (size_t) n;
	size_t		small = sizeof(double) * ((size_t) 2 * k * d + 2 * k + 3 * d) +
		sizeof(int64_t) * k;

	return (per_point > perm ? per_point : perm) + small + 64;
}

static KWork
layout(void *work, int64_t n, int d, int k)
{
	KWork		w;
	char	   *p = (char *) work;

	w.upper = (double *) p;
	p += sizeof(double) * n;
	w.lower = (double *) p;
	p += sizeof(double) * n;
	w.cent = (double *) p;
	p += sizeof(double) * k * d;
	w.sums = (double *) p;
	p += sizeof(double) * k * d;
	w.moved = (double *) p;
	p += sizeof(double) * k;
	w.half = (double *) p;
	p += sizeof(double) * k;
	w.counts = (int64_t *) p;
	p += sizeof(int64_t) * k;
	w.scratch = (double *) p;
	p += sizeof(double) * 3 * d;
	w.assign = (int32_t *) p;
	return w;
}

/* ---- seeding: greedy k-means++ (Arthur & Vassilvitskii; trials as scikit-learn) ---- */

static void
seed_plusplus(const double *x, int64_t n, int d, int k, uint64_t *rng,
			  KWork *w)
{
	double	   *closest = w->lower;	/* squared distance to nearest chosen center */
	int			trials = 2 + (int) log((double) k);
	double		pot = 0.0;
	int64_t		first = (int64_t) (rng_uniform(rng) * (double) n);

	if (first >= n)
		first = n - 1;
	memcpy(w->cent, x + (size_t) first * d, sizeof(double) * d);
	for (int64_t i = 0; i < n; i++)
	{
		KM_POINT_CHECK(i, k);
		closest[i] = sqdist(x + (size_t) i * d, w->cent, d);
		pot += closest[i];
	}

	for (int c = 1; c < k; c++)
	{
		int64_t		best = -1;
		double		best_pot = INFINITY;

		crm_check_interrupts();
		for (int t = 0; t < trials; t++)
		{
			double		r = rng_uniform(rng) * pot,
						acc = 0.0,
						cpot = 0.0;
			int64_t		cand = -1;
			const double *cx;

			for (int64_t i = 0; i < n; i++)
			{
				KM_POINT_CHECK(i, k);
				if (closest[i] > 0.0)
				{
					cand = i;
					acc += closest[i];
					if (acc > r)
						break;
				}
			}
			if (cand < 0)
				break;			/* cannot happen with >= k distinct points */
			cx = x + (size_t) cand * d;
			for (int64_t i = 0; i < n; i++)
			{
				double		dd = sqdist(x + (size_t) i * d, cx, d);

				KM_POINT_CHECK(i, k);
				cpot += dd < closest[i] ? dd : closest[i];
			}
			if (cpot < best_pot)
			{
				best_pot = cpot;
				best = cand;
			}
		}
		if (best < 0)
			best = 0;
		memcpy(w->cent + (size_t) c * d, x + (size_t) best * d, sizeof(double) * d);
		pot = 0.0;
		for (int64_t i = 0; i < n; i++)
		{
			double		dd = sqdist(x + (size_t) i * d, w->cent + (size_t) c * d, d);

			KM_POINT_CHECK(i, k);
			if (dd < closest[i])
				closest[i] = dd;
			pot += closest[i];
		}
	}
}

/* ---- Lloyd with Hamerly's bounds ---- */

/* exact nearest and second nearest distance for point i */
static inline void
full_assign(const double *xi, const double *cent, int k, int d,
			int32_t *a, double *u, double *l)
{
	double		b1 = INFINITY,
				b2 = INFINITY;
	int			best = 0;

	for (int c = 0; c < k; c++)
	{
		double		dd = sqdist(xi, cent + (size_t) c * d, d);

		if (dd < b1)
		{
			b2 = b1;
			b1 = dd;
			best = c;
		}
		else if (dd < b2)
			b2 = dd;
	}
	*a = best;
	*u = sqrt(b1);
	*l = sqrt(b2);
}

static void
update_centroids(const double *x, int64_t n, int d, int k, KWork *w)
{
	memset(w->sums, 0, sizeof(double) * k * d);
	memset(w->counts, 0, sizeof(int64_t) * k);
	for (int64_t i = 0; i < n; i++)
	{
		double	   *s = w->sums + (size_t) w->assign[i] * d;
		const double *xi = x + (size_t) i * d;

		KM_POINT_CHECK(i, k);
		for (int j = 0; j < d; j++)
			s[j] += xi[j];
		w->counts[w->assign[i]]++;
	}
}

static int
lloyd(const double *x, int64_t n, int d, int k, int max_iter, double tol,
	  KWork *w)
{
	int			iter;
	int			last = 0;

	for (int64_t i = 0; i < n; i++)
	{
		KM_POINT_CHECK(i, k);
		full_assign(x + (size_t) i * d, w->cent, k, d, &w->assign[i],
					&w->upper[i], &w->lower[i]);
	}

	for (iter = 1; iter <= max_iter; iter++)
	{
		double		maxmove = 0.0,
					shift = 0.0;
		int64_t		changed = 0;
		int			reset = 0;

		crm_check_interrupts();
		update_centroids(x, n, d, k, w);

		for (int c = 0; c < k; c++)
		{
			double	   *cc = w->cent + (size_t) c * d;

			if (w->counts[c] == 0)
			{
				/* empty cluster: move it to the point farthest from its centroid */
				int64_t		far = 0;
				double		fd = -1.0;

				for (int64_t i = 0; i < n; i++)
				{
					double		dd = sqdist(x + (size_t) i * d,
											w->cent + (size_t) w->assign[i] * d, d);

					KM_POINT_CHECK(i, k);
					if (dd > fd)
					{
						fd = dd;
						far = i;
					}
				}
				w->moved[c] = sqrt(sqdist(cc, x + (size_t) far * d, d));
				memcpy(cc, x + (size_t) far * d, sizeof(double) * d);
				reset = 1;
			}
			else
			{
				double	   *newc = w->scratch;
				double		inv = 1.0 / (double) w->counts[c];

				for (int j = 0; j < d; j++)
					newc[j] = w->sums[(size_t) c * d + j] * inv;
				w->moved[c] = sqrt(sqdist(cc, newc, d));
				memcpy(cc, newc, sizeof(double) * d);
			}
			if (w->moved[c] > maxmove)
				maxmove = w->moved[c];
			shift += w->moved[c] * w->moved[c];
		}
		if (maxmove == 0.0)
			break;
		/* centroids (nearly) settled: one last assignment step, then stop */
		if (shift <= tol)
			last = 1;

		for (int c = 0; c < k; c++)
		{
			double		m = INFINITY;

			for (int o = 0; o < k; o++)
				if (o != c)
				{
					double		dd = sqdist(w->cent + (size_t) c * d,
											w->cent + (size_t) o * d, d);

					if (dd < m)
						m = dd;
				}
			w->half[c] = 0.5 * sqrt(m);
		}

		for (int64_t i = 0; i < n; i++)
		{
			int32_t		a = w->assign[i];
			double		u,
						l,
						bound;
			const double *xi = x + (size_t) i * d;

			KM_POINT_CHECK(i, k);
			if (reset)
			{
				int32_t		old = a;

				full_assign(xi, w->cent, k, d, &w->assign[i], &w->upper[i], &w->lower[i]);
				changed += (w->assign[i] != old);
				continue;
			}
			u = w->upper[i] + w->moved[a];
			l = w->lower[i] - maxmove;
			bound = l > w->half[a] ? l : w->half[a];
			if (u > bound)
			{
				u = sqrt(sqdist(xi, w->cent + (size_t) a * d, d));
				if (u > bound)
				{
					full_assign(xi, w->cent, k, d, &w->assign[i], &u, &l);
					changed += (w->assign[i] != a);
				}
			}
			w->upper[i] = u;
			w->lower[i] = l;
		}
		if (changed == 0 || last)
			break;
	}
	return iter > max_iter ? max_iter : iter;
}

int
kmeans_fit(const double *x, int64_t n, int d, int k, uint64_t seed,
		   int restarts, int max_iter, double *centroids, double *inertia,
		   void *work)
{
	KWork		w = layout(work, n, d, k);
	double		best = INFINITY;
	int			best_iter = 0;
	double		tol = 0.0;

	/* scikit-learn's stopping rule: total squared centroid shift <= 1e-4 * mean variance */
	{
		double	   *mean = w.scratch,
				   *m2 = w.scratch + d;

		for (int j = 0; j < d; j++)
			mean[j] = m2[j] = 0.0;
		for (int64_t i = 0; i < n; i++)
			for (int j = 0; j < d; j++)
			{
				double		v = x[(size_t) i * d + j],
							delta = v - mean[j];

				mean[j] += delta / (double) (i + 1);
				m2[j] += delta * (v - mean[j]);
			}
		for (int j = 0; j < d; j++)
			tol += m2[j] / (double) n;
		tol = KMEANS_TOL * tol / d;
	}

	for (int r = 0; r < restarts; r++)
	{
		uint64_t	rng = seed * UINT64_C(0x9E3779B97F4A7C15) + (uint64_t) r * 7919 + 1;
		double		sse = 0.0;
		int			it;

		seed_plusplus(x, n, d, k, &rng, &w);
		it = lloyd(x, n, d, k, max_iter, tol, &w);
		/* on exit from lloyd() every point is assigned to its nearest centroid */
		for (int64_t i = 0; i < n; i++)
			sse += sqdist(x + (size_t) i * d, w.cent + (size_t) w.assign[i] * d, d);
		if (sse < best)
		{
			best = sse;
			best_iter = it;
			memcpy(centroids, w.cent, sizeof(double) * k * d);
		}
	}
	*inertia = best;
	return best_iter;
}
