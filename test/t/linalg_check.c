/*
 * linalg_check.c: standalone check of the matrix-multiplication kernels
 * against a naive triple loop, for orders that exercise every edge case of
 * the 4 x 8 blocking.  Build and run both kernels:
 *
 *   gcc -O2 -Isrc test/t/linalg_check.c src/core/linalg.c -lm -o /tmp/lc && /tmp/lc
 *   gcc -O2 -DCRM_LINALG_BASELINE_ONLY -Isrc test/t/linalg_check.c src/core/linalg.c -lm -o /tmp/lc0 && /tmp/lc0
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/linalg.h"

void
crm_check_interrupts(void)
{
}

int
main(void)
{
	int			fails = 0;

	for (int n = 1; n <= 41; n++)
	{
		double	   *A = malloc(sizeof(double) * n * n),
				   *B = malloc(sizeof(double) * n * n),
				   *C = malloc(sizeof(double) * n * n),
				   *W = malloc(sizeof(double) * LINALG_MATMUL_WORK(n));
		double		err = 0.0;

		for (int k = 0; k < n * n; k++)
		{
			A[k] = sin(k * 0.37 + n);
			B[k] = cos(k * 0.11 - n);
		}
		linalg_matmul(n, A, B, C, W);
		for (int i = 0; i < n; i++)
			for (int j = 0; j < n; j++)
			{
				double		s = 0.0;

				for (int k = 0; k < n; k++)
					s += A[i * n + k] * B[k * n + j];
				err = fmax(err, fabs(s - C[i * n + j]));
			}
		if (err > 1e-12)
		{
			printf("n = %d: max error %g\n", n, err);
			fails++;
		}
		free(A);
		free(B);
		free(C);
		free(W);
	}
	printf("%s\n", fails ? "FAILED" : "linalg_matmul ok for n = 1..41");
	return fails != 0;
}
