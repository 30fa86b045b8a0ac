/*
 * linalg.c: see linalg.h.
 *
 * The multiplication is the one hot spot of ANP (the limit supermatrix is a
 * handful of matrix squarings), so it gets a small register-blocked kernel:
 * B is packed into column panels 8 wide (zero padded), each 4 x 8 block of C
 * is accumulated in registers over the whole k range, and the kernel is
 * compiled twice on x86-64 (AVX2+FMA and baseline SSE2) with the right one
 * picked at first use, so the same .so runs on any x86-64 and uses FMA where
 * the CPU has it.
 */
#include "core/linalg.h"
#include "core/interrupts.h"

#include <math.h>
#include <string.h>

#if defined(__GNUC__) || defined(__clang__)
#define CRM_HAVE_VEC 1
typedef double v2d __attribute__((vector_size(16), aligned(8), may_alias));
typedef double v4d __attribute__((vector_size(32), aligned(8), may_alias));
/* a test driver can define CRM_LINALG_BASELINE_ONLY to exercise the SSE2 kernel */
#if defined(__x86_64__) && !defined(CRM_LINALG_BASELINE_ONLY)
#define CRM_X86_DISPATCH 1
#endif
#endif

/* pack B (n x n) into panels: panel p holds columns 8p..8p+7, row k at k*8 */
static void
pack_b(int n, const double *B, double *Bp)
{
	size_t		np = LINALG_PAD(n) / LINALG_NR;

	for (size_t p = 0; p < np; p++)
	{
		double	   *dst = Bp + p * (size_t) n * LINALG_NR;
		size_t		j0 = p * LINALG_NR;
		size_t		w = (j0 + LINALG_NR <= (size_t) n) ? LINALG_NR : (size_t) n - j0;

		for (int k = 0; k < n; k++)
		{
			const double *src = B + (size_t) k * n + j0;
			size_t		j;

			for (j = 0; j < w; j++)
				dst[(size_t) k * LINALG_NR + j] = src[j];
			for (; j < LINALG_NR; j++)
				dst[(size_t) k * LINALG_NR + j] = 0.0;
		}
	}
}

#ifdef CRM_HAVE_VEC
/*
 * One 4 x 8 block of C: c[r] += a_r[k] * B[k, 0..7] for all k, kept in
 * registers (named accumulators, so gcc keeps them there at -O2).
 */
#define KERNEL_AVX2_BODY \
	do { \
		v4d			c00 = {0}, c01 = {0}, c10 = {0}, c11 = {0}, \
					c20 = {0}, c21 = {0}, c30 = {0}, c31 = {0}; \
		for (int k = 0; k < n; k++) \
		{ \
			v4d			b0, b1; \
			b0 = *(const v4d *) (bp + (size_t) k * LINALG_NR); \
			b1 = *(const v4d *) (bp + (size_t) k * LINALG_NR + 4); \
			c00 += a0[k] * b0; c01 += a0[k] * b1; \
			c10 += a1[k] * b0; c11 += a1[k] * b1; \
			c20 += a2[k] * b0; c21 += a2[k] * b1; \
			c30 += a3[k] * b0; c31 += a3[k] * b1; \
		} \
		*(v4d *) &out[0][0] = c00; *(v4d *) &out[0][4] = c01; \
		*(v4d *) &out[1][0] = c10; *(v4d *) &out[1][4] = c11; \
		*(v4d *) &out[2][0] = c20; *(v4d *) &out[2][4] = c21; \
		*(v4d *) &out[3][0] = c30; *(v4d *) &out[3][4] = c31; \
	} while (0)

/* baseline: two passes of a 4 x 4 block with 2-wide (SSE2) vectors */
#define KERNEL_SSE2_HALF(off) \
	do { \
		v2d			c00 = {0}, c01 = {0}, c10 = {0}, c11 = {0}, \
					c20 = {0}, c21 = {0}, c30 = {0}, c31 = {0}; \
		for (int k = 0; k < n; k++) \
		{ \
			v2d			b0, b1; \
			b0 = *(const v2d *) (bp + (size_t) k * LINALG_NR + (off)); \
			b1 = *(const v2d *) (bp + (size_t) k * LINALG_NR + (off) + 2); \
			c00 += a0[k] * b0; c01 += a0[k] * b1; \
			c10 += a1[k] * b0; c11 += a1[k] * b1; \
			c20 += a2[k] * b0; c21 += a2[k] * b1; \
			c30 += a3[k] * b0; c31 += a3[k] * b1; \
		} \
		*(v2d *) &out[0][(off)] = c00; *(v2d *) &out[0][(off) + 2] = c01; \
		*(v2d *) &out[1][(off)] = c10; *(v2d *) &out[1][(off) + 2] = c11; \
		*(v2d *) &out[2][(off)] = c20; *(v2d *) &out[2][(off) + 2] = c21; \
		*(v2d *) &out[3][(off)] = c30; *(v2d *) &out[3][(off) + 2] = c31; \
	} while (0)

static void
kernel_4x8_base(int n, const double *a0, const double *a1, const double *a2,
				const double *a3, const double *bp, double out[4][LINALG_NR])
{
	KERNEL_SSE2_HALF(0);
	KERNEL_SSE2_HALF(4);
}

#ifdef CRM_X86_DISPATCH
__attribute__((target("avx2,fma")))
static void
kernel_4x8_avx2(int n, const double *a0, const double *a1, const double *a2,
				const double *a3, const double *bp, double out[4][LINALG_NR])
{
	KERNEL_AVX2_BODY;
}
#endif

typedef void (*kernel_fn) (int, const double *, const double *, const double *,
						   const double *, const double *, double[4][LINALG_NR]);

/* pick the kernel once: AVX2+FMA when the CPU has it, else baseline */
static kernel_fn
choose_kernel(void)
{
	static kernel_fn chosen = NULL;

	if (chosen == NULL)
	{
#ifdef CRM_X86_DISPATCH
		__builtin_cpu_init();
		if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
			chosen = kernel_4x8_avx2;
		else
#endif
			chosen = kernel_4x8_base;
	}
	return chosen;
}
#else
static void
kernel_4x8_plain(int n, const double *a0, const double *a1, const double *a2,
				 const double *a3, const double *bp, double out[4][LINALG_NR])
{
	for (int r = 0; r < 4; r++)
		for (int j = 0; j < LINALG_NR; j++)
			out[r][j] = 0.0;
	for (int k = 0; k < n; k++)
	{
		const double *b = bp + (size_t) k * LINALG_NR;

		for (int j = 0; j < LINALG_NR; j++)
		{
			out[0][j] += a0[k] * b[j];
			out[1][j] += a1[k] * b[j];
			out[2][j] += a2[k] * b[j];
			out[3][j] += a3[k] * b[j];
		}
	}
}
#define choose_kernel() kernel_4x8_plain
#endif

void
linalg_matmul(int n, const double *A, const double *B, double *C, double *work)
{
	double	   *Bp = work;
	double	   *zero = work + (size_t) n * LINALG_PAD(n);
	size_t		np = LINALG_PAD(n) / LINALG_NR;

	void		(*kernel) (int, const double *, const double *, const double *,
						   const double *, const double *, double[4][LINALG_NR]) = choose_kernel();

	pack_b(n, B, Bp);
	memset(zero, 0, sizeof(double) * (size_t) n);

	for (int i0 = 0; i0 < n; i0 += 4)
	{
		const double *rows[4];
		int			mr = (i0 + 4 <= n) ? 4 : n - i0;

		crm_check_interrupts();
		for (int r = 0; r < 4; r++)
			rows[r] = (r < mr) ? A + (size_t) (i0 + r) * n : zero;

		for (size_t p = 0; p < np; p++)
		{
			double		out[4][LINALG_NR];
			size_t		j0 = p * LINALG_NR;
			size_t		w = (j0 + LINALG_NR <= (size_t) n) ? LINALG_NR : (size_t) n - j0;

			kernel(n, rows[0], rows[1], rows[2], rows[3],
					   Bp + p * (size_t) n * LINALG_NR, out);
			for (int r = 0; r < mr; r++)
				memcpy(C + (size_t) (i0 + r) * n + j0, out[r], w * sizeof(double));
		}
	}
}

void
linalg_matvec(int n, const double *A, const double *x, double *y)
{
	for (int i = 0; i < n; i++)
	{
		const double *a = A + (size_t) i * n;
		double		s = 0.0;

		for (int j = 0; j < n; j++)
			s += a[j] * x[j];
		y[i] = s;
	}
}

int
linalg_cholesky_solve(int m, double *M, double *b)
{
	/* factor M = L L^T in the lower triangle */
	for (int j = 0; j < m; j++)
	{
		double		d = M[(size_t) j * m + j];

		for (int k = 0; k < j; k++)
			d -= M[(size_t) j * m + k] * M[(size_t) j * m + k];
		if (!(d > 0.0))
			return -1;
		d = sqrt(d);
		M[(size_t) j * m + j] = d;
		for (int i = j + 1; i < m; i++)
		{
			double		s = M[(size_t) i * m + j];

			for (int k = 0; k < j; k++)
				s -= M[(size_t) i * m + k] * M[(size_t) j * m + k];
			M[(size_t) i * m + j] = s / d;
		}
		if ((j & 63) == 63)
			crm_check_interrupts();
	}
	/* forward: L y = b */
	for (int i = 0; i < m; i++)
	{
		double		s = b[i];

		for (int k = 0; k < i; k++)
			s -= M[(size_t) i * m + k] * b[k];
		b[i] = s / M[(size_t) i * m + i];
	}
	/* back: L^T x = y */
	for (int i = m - 1; i >= 0; i--)
	{
		double		s = b[i];

		for (int k = i + 1; k < m; k++)
			s -= M[(size_t) k * m + i] * b[k];
		b[i] = s / M[(size_t) i * m + i];
	}
	return 0;
}
