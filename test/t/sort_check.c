/*
 * sort_check.c: sort_doubles (radix path and small-input path) against
 * qsort on inputs that stress the key transform: negatives, -0.0/0.0,
 * subnormals, +-Infinity, huge magnitudes, heavy ties, presorted and
 * reversed runs.  Prints a summary; exits non-zero on the first mismatch.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sort_doubles.h"

void
crm_check_interrupts(void)
{
}

static int
cmp(const void *a, const void *b)
{
	double		x = *(const double *) a,
				y = *(const double *) b;

	return (x > y) - (x < y);
}

static uint64_t rng = 88172645463325252ULL;
static double
next_value(int pattern, int64_t i, int64_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	switch (pattern)
	{
		case 0:					/* uniform doubles across signs */
			return ((double) (rng % 2000001) - 1000000.0) / 7.0;
		case 1:					/* few distinct values */
			return (double) (rng % 5) - 2.0;
		case 2:					/* special values */
			{
				static const double s[] = {0.0, -0.0, 5e-324, -5e-324, 1e308, -1e308,
				INFINITY, -INFINITY, 2.2250738585072014e-308, 1.0, -1.0};

				return s[rng % (sizeof(s) / sizeof(s[0]))];
			}
		case 3:					/* presorted */
			return (double) i * 0.5;
		case 4:					/* reversed */
			return (double) (n - i) * 3.25;
		default:				/* raw bit patterns (non-NaN) */
			{
				double		d;

				memcpy(&d, &rng, sizeof(d));
				return isnan(d) ? 0.0 : d;
			}
	}
}

int
main(void)
{
	static const int64_t sizes[] = {1, 2, 511, 512, 513, 4096, 100000};
	int			checked = 0;

	for (int p = 0; p < 6; p++)
		for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
		{
			int64_t		n = sizes[s];
			double	   *v = malloc(n * sizeof(double));
			double	   *ref = malloc(n * sizeof(double));
			double	   *tmp = malloc(SORT_DOUBLES_TMP(n) * sizeof(double));

			for (int64_t i = 0; i < n; i++)
				v[i] = ref[i] = next_value(p, i, n);
			sort_doubles(v, n, tmp);
			qsort(ref, n, sizeof(double), cmp);
			for (int64_t i = 0; i < n; i++)
				if (!(v[i] == ref[i]) || (i > 0 && v[i] < v[i - 1]))
				{
					printf("pattern %d n %lld: index %lld got %.17g want %.17g\n",
						   p, (long long) n, (long long) i, v[i], ref[i]);
					return 1;
				}
			checked++;
			free(v);
			free(ref);
			free(tmp);
		}
	printf("%d inputs sorted as qsort sorts them", checked);
	return 0;
}
