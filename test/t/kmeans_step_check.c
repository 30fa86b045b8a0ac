/*
 * kmeans_step_check.c: the order-independent Lloyd state (src/core/kmeans_step.c)
 * without PostgreSQL.
 *   1. The same points added in shuffled orders and merged in random groups
 *      give bit-identical canonical states (values of mixed sign and of
 *      magnitudes from 1e-300 to 1e150, zeros, duplicates).
 *   2. Sums are exact: points that are multiples of 2^-40 below 2^20 are
 *      summed exactly in __int128 and compared (within 2 ulp of the exact
 *      sum: one rounding per bin); catastrophic cancellation
 *      2^60 + 1 - 2^60 + 1 gives exactly 2.
 *   3. kstep_nearest_t gives the same index and the same squared distance,
 *      bit for bit, as kmeans_nearest and a scalar loop.
 *   4. An empty cluster takes the farthest point of the farthest donor.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/kmeans.h"
#include "core/kmeans_step.h"

void		crm_check_interrupts(void);
void
crm_check_interrupts(void)
{
}

static uint64_t rs = 88172645463325252ULL;
static uint64_t
rnd(void)
{
	rs ^= rs << 13;
	rs ^= rs >> 7;
	rs ^= rs << 17;
	return rs;
}
static double
unif(void)
{
	return (double) (rnd() >> 11) / 9007199254740992.0;
}

#define K 5
#define D 4
#define N 4000

static int	fails = 0;
#define CHECK(cond, ...) do { if (!(cond)) { fails++; printf("FAIL: " __VA_ARGS__); printf("\n"); } } while (0)

static void
build(double *st, double (*x)[D], const int *order, int n, const double *cent_t,
	  int parts)
{
	/* split the order into `parts` consecutive pieces, merge them in reverse */
	double	   *piece = malloc(sizeof(double) * KSTEP_LEN(K, D));
	double		dist[K];
	int			per = (n + parts - 1) / parts;

	kstep_init(st, K, D);
	for (int p = parts - 1; p >= 0; p--)
	{
		kstep_init(piece, K, D);
		for (int i = p * per; i < n && i < (p + 1) * per; i++)
		{
			double		d2;
			int			c = kstep_nearest_t(x[order[i]], cent_t, K, D, dist, &d2);

			kstep_add_to(piece, K, D, x[order[i]], c, d2);
		}
		kstep_merge(st, piece, K, D);
	}
	kstep_canonicalize(st, K, D);
	free(piece);
}

int
main(void)
{
	static double x[N][D];
	static int	order[N];
	double		cent[K * D],
				cent_t[K * D];
	size_t		len = KSTEP_LEN(K, D);
	double	   *a = malloc(sizeof(double) * len),
			   *b = malloc(sizeof(double) * len);
	int			kk,
				dd,
				same = 0;

	/* 1. order independence over wild magnitudes */
	for (int i = 0; i < N; i++)
		for (int j = 0; j < D; j++)
		{
			double		m = pow(10.0, -300.0 + unif() * 450.0);

			switch (rnd() % 6)
			{
				case 0:
					x[i][j] = 0.0;
					break;
				case 1:
					x[i][j] = -m;
					break;
				case 2:
					x[i][j] = unif();
					break;
				default:
					x[i][j] = m;
			}
		}
	for (int i = 0; i < N / 10; i++)
		memcpy(x[N - 1 - i], x[i], sizeof(x[i]));	/* duplicates */
	for (int c = 0; c < K; c++)
		for (int j = 0; j < D; j++)
			cent[c * D + j] = (c - 2) * pow(10.0, c * 30.0);
	for (int c = 0; c < K; c++)
		for (int j = 0; j < D; j++)
			cent_t[j * K + c] = cent[c * D + j];
	for (int i = 0; i < N; i++)
		order[i] = i;
	build(a, x, order, N, cent_t, 1);
	CHECK(kstep_check(a, len, &kk, &dd) == 0 && kk == K && dd == D, "state checks");
	for (int trial = 0; trial < 40; trial++)
	{
		for (int i = N - 1; i > 0; i--)
		{
			int			j = rnd() % (i + 1),
						t = order[i];

			order[i] = order[j];
			order[j] = t;
		}
		build(b, x, order, N, cent_t, 1 + trial % 7);
		if (memcmp(a, b, sizeof(double) * len) == 0)
			same++;
	}
	CHECK(same == 40, "shuffled and regrouped states identical in %d of 40 trials", same);

	/* 2. exact sums */
	{
		__int128	exact[K][D];
		double		mean[K * D];
		int			ok = 1;

		memset(exact, 0, sizeof(exact));
		for (int i = 0; i < N; i++)
			for (int j = 0; j < D; j++)
			{
				int64_t		units = (int64_t) (rnd() % (UINT64_C(1) << 60)) - (INT64_C(1) << 59);

				x[i][j] = ldexp((double) units, -40);	/* |x| < 2^19, a multiple of 2^-40 */
			}
		for (int c = 0; c < K; c++)
			for (int j = 0; j < D; j++)
				cent_t[j * K + c] = cent[c * D + j] = (c - 2) * 1e5;
		for (int i = 0; i < N; i++)
			order[i] = i;
		build(a, x, order, N, cent_t, 3);
		for (int i = 0; i < N; i++)
		{
			int			c = kmeans_nearest(x[i], cent, K, D);

			for (int j = 0; j < D; j++)
				exact[c][j] += (__int128) ldexp(x[i][j], 40);
		}
		kstep_centroids(a, K, D, cent, mean);
		for (int c = 0; c < K; c++)
		{
			double		cnt = kstep_count(a, K, D, c);

			for (int j = 0; j < D && cnt > 0; j++)
			{
				double		want = ldexp((double) exact[c][j], -40);	/* rounded once */
				double		got = mean[c * D + j] * cnt;

				if (fabs(got - want) > 4 * ldexp(1.0, ilogb(want) - 52) + 1e-300)
					ok = 0;
			}
		}
		CHECK(ok, "cluster sums equal the exact int128 sums (within 4 ulp after mean * count)");
	}
	{
		double		one[1 * 1],
					ct[1] = {0.0},
					v[4] = {ldexp(1, 60), 1.0, -ldexp(1, 60), 1.0},
					dist[1],
					m[1];
		double	   *s = malloc(sizeof(double) * KSTEP_LEN(1, 1));

		kstep_init(s, 1, 1);
		for (int i = 0; i < 4; i++)
		{
			double		d2;
			int			c = kstep_nearest_t(&v[i], ct, 1, 1, dist, &d2);

			kstep_add_to(s, 1, 1, &v[i], c, d2);
		}
		one[0] = 0.0;
		kstep_centroids(s, 1, 1, one, m);
		CHECK(m[0] * 4 == 2.0, "2^60 + 1 - 2^60 + 1 = 2 exactly (got mean %.17g)", m[0]);
		free(s);
	}

	/* 3. nearest: the same bits as the scalar loop */
	{
		int			ok = 1;
		double		dist[K];

		for (int c = 0; c < K; c++)
			for (int j = 0; j < D; j++)
				cent_t[j * K + c] = cent[c * D + j] = unif() * 10 - 5;
		for (int i = 0; i < N; i++)
		{
			double		p[D],
						d2,
						s = 0.0;
			int			c1,
						c2;

			for (int j = 0; j < D; j++)
				p[j] = unif() * 10 - 5;
			c1 = kstep_nearest_t(p, cent_t, K, D, dist, &d2);
			c2 = kmeans_nearest(p, cent, K, D);
			for (int j = 0; j < D; j++)
				s += (p[j] - cent[c2 * D + j]) * (p[j] - cent[c2 * D + j]);
			if (c1 != c2 || memcmp(&s, &d2, sizeof(double)) != 0)
				ok = 0;
		}
		CHECK(ok, "kstep_nearest_t = kmeans_nearest, same squared distance bits");
	}

	/* 4. empty cluster relocation */
	{
		double		c3[3 * 1] = {0.0, 10.0, 1000.0},
					ct3[3] = {0.0, 10.0, 1000.0},
					pts[5] = {-1.0, 0.0, 1.0, 9.0, 14.0},
					dist[3],
					out[3];
		double	   *s = malloc(sizeof(double) * KSTEP_LEN(3, 1));

		kstep_init(s, 3, 1);
		for (int i = 0; i < 5; i++)
		{
			double		d2;
			int			c = kstep_nearest_t(&pts[i], ct3, 3, 1, dist, &d2);

			kstep_add_to(s, 3, 1, &pts[i], c, d2);
		}
		kstep_centroids(s, 3, 1, c3, out);
		/* cluster 3 is empty; donor: cluster 2 (farthest point 14 at 16 > 1) */
		CHECK(out[2] == 14.0 && out[1] == 9.0 && out[0] == 0.0,
			  "empty cluster relocated to the farthest point (got %g %g %g)", out[0], out[1], out[2]);
		free(s);
	}

	if (fails == 0)
		printf("40 shuffled/regrouped states identical, sums exact, nearest bit-equal, relocation\n");
	free(a);
	free(b);
	return fails != 0;
}
