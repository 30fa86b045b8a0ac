/*
 * sort_doubles.c: see sort_doubles.h.
 *
 * A double's bits, with the sign bit flipped for positives and every bit
 * flipped for negatives, order as unsigned integers exactly as the doubles
 * do.  Six stable passes of 11 bits sort those keys; a pass whose digit is
 * the same for every value (common for the exponent bits of data in one
 * range) is skipped.  Small inputs go to qsort.
 */
#include "core/sort_doubles.h"
#include "core/interrupts.h"

#include <stdlib.h>
#include <string.h>

#define DIGIT_BITS 11
#define DIGITS 6				/* 6 * 11 = 66 >= 64 */
#define BUCKETS (1 << DIGIT_BITS)
#if DIGITS * BUCKETS != 6 * 2048
#error "SORT_DOUBLES_TMP in sort_doubles.h must reserve DIGITS * BUCKETS counters"
#endif

static inline uint64_t
key_of(double d)
{
	uint64_t	u;

	memcpy(&u, &d, sizeof(u));
	return (u & UINT64_C(0x8000000000000000)) ? ~u : u | UINT64_C(0x8000000000000000);
}

static inline double
double_of(uint64_t k)
{
	uint64_t	u = (k & UINT64_C(0x8000000000000000)) ? k & ~UINT64_C(0x8000000000000000) : ~k;
	double		d;

	memcpy(&d, &u, sizeof(d));
	return d;
}

static int
cmp_double(const void *a, const void *b)
{
	double		x = *(const double *) a,
				y = *(const double *) b;

	return (x > y) - (x < y);
}

void
sort_doubles(double *v, int64_t n, double *tmp)
{
	/* uint64_t and double have the same size; the buffers hold keys while
	 * sorting (built with -fno-strict-aliasing, as all of PostgreSQL is) */
	uint64_t   *src = (uint64_t *) v;
	uint64_t   *dst = (uint64_t *) tmp;
	uint64_t  (*counts)[BUCKETS] = (uint64_t (*)[BUCKETS]) (dst + n);
	int			d;

	if (n < SORT_DOUBLES_RADIX_MIN)
	{
		qsort(v, (size_t) n, sizeof(double), cmp_double);
		return;
	}

	memset(counts, 0, DIGITS * BUCKETS * sizeof(uint64_t));
	for (int64_t i = 0; i < n; i++)
	{
		uint64_t	k = key_of(v[i]);

		src[i] = k;
		for (d = 0; d < DIGITS; d++)
			counts[d][(k >> (d * DIGIT_BITS)) & (BUCKETS - 1)]++;
	}
	crm_check_interrupts();

	for (d = 0; d < DIGITS; d++)
	{
		uint64_t   *c = counts[d];
		uint64_t	sum = 0;
		int			shift = d * DIGIT_BITS;
		uint64_t   *swap;

		/* every key has the same digit here: the pass would not move anything */
		if (c[(src[0] >> shift) & (BUCKETS - 1)] == (uint64_t) n)
			continue;
		for (int b = 0; b < BUCKETS; b++)
		{
			uint64_t	cnt = c[b];

			c[b] = sum;
			sum += cnt;
		}
		for (int64_t i = 0; i < n; i++)
		{
			uint64_t	k = src[i];

			dst[c[(k >> shift) & (BUCKETS - 1)]++] = k;
		}
		swap = src;
		src = dst;
		dst = swap;
		crm_check_interrupts();
	}

	/* keys back to doubles, into v (src is v or tmp after an odd pass count) */
	for (int64_t i = 0; i < n; i++)
		v[i] = double_of(src[i]);
}
