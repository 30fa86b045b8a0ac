/*
 * anp.c: see anp.h for the contract.
 *
 * The limit.  For a column-stochastic W the Cesaro limit
 *   Pi = lim_{N->inf} (1/N) sum_{k<N} W^k
 * always exists; it equals lim W^k when that exists (primitive W, the usual
 * ANP case) and the average over the cycle when W is periodic.  We compute
 * it by repeated squaring, which needs only ~log2(k) products to reach W^k:
 *
 *   1. P <- W, then P <- P*P until max|P_{k+1} - P_k| <= tol.  Squaring can
 *      also settle on a cycle (W = [[0,1],[1,0]] gives P = I for ever), so a
 *      settled P is accepted only if it is invariant, P W x = P x for a test
 *      vector x, which holds exactly for the true limit and fails on a cycle.
 *   2. Otherwise (periodic W, or not settled in ANP_PLAIN_STEPS squarings)
 *      square the lazy matrix Q = (I + W)/2 instead.  Q is aperiodic, has
 *      the same invariant vectors as W, and Q^k -> Pi, the Cesaro limit of W
 *      (every eigenvalue lambda != 1 of W, |lambda| <= 1, maps to
 *      |(1 + lambda)/2| < 1).  So [[0,1],[1,0]] gives all 0.5.
 *
 * Each product is renormalised to column sums 1 so rounding cannot drift.
 * A sink (zero column: a node that depends on nothing) is made absorbing by
 * a 1 on its diagonal, the "identity for sinks" convention of Saaty's
 * hierarchy-as-supermatrix: the limit column of a source then distributes
 * its weight over the sinks it reaches, i.e. hierarchic composition.
 */
#include "core/anp.h"
#include "core/interrupts.h"

#include <float.h>
#include <math.h>
#include <string.h>

AnpStatus
anp_weighted(int n, const double *W, int K, const int *sizes, const double *cw,
			 double *out, AnpResult *res)
{
	long long	total = 0;

	memset(res, 0, sizeof(*res));
	for (int c = 0; c < K; c++)
	{
		if (sizes[c] < 1)
		{
			res->status = ANP_ERR_CLUSTER_SIZE;
			res->row = c;
			res->value = sizes[c];
			return res->status;
		}
		total += sizes[c];
	}
	if (total != n)
	{
		res->status = ANP_ERR_CLUSTER_SUM;
		res->value = (double) total;
		return res->status;
	}
	for (int I = 0; I < K; I++)
		for (int J = 0; J < K; J++)
		{
			double		v = cw[(size_t) I * K + J];

			if (!isfinite(v) || !(v >= 0.0))
			{
				res->status = isfinite(v) ? ANP_ERR_WEIGHT_NEGATIVE : ANP_ERR_WEIGHT_NONFINITE;
				res->row = I;
				res->col = J;
				res->value = v;
				return res->status;
			}
		}

	for (int i = 0, I = 0, left = sizes[0]; i < n; i++)
	{
		const double *wr = W + (size_t) i * n;
		double	   *orow = out + (size_t) i * n;

		if (left == 0)
		{
			I++;
			left = sizes[I];
		}
		left--;
		for (int j = 0, J = 0, jl = sizes[0]; j < n; j++)
		{
			double		v = wr[j];

			if (jl == 0)
			{
				J++;
				jl = sizes[J];
			}
			jl--;
			if (!isfinite(v) || !(v >= 0.0))
			{
				res->status = isfinite(v) ? ANP_ERR_NEGATIVE : ANP_ERR_NONFINITE;
				res->row = i;
				res->col = j;
				res->value = v;
				return res->status;
			}
			orow[j] = cw[(size_t) I * K + J] * v;
		}
	}

	/* renormalise columns (row-major: accumulate sums, then scale) */
	{
		double		sums[256];
		int			base;

		for (base = 0; base < n; base += 256)
		{
			int			w = (n - base < 256) ? n - base : 256;

			for (int j = 0; j < w; j++)
				sums[j] = 0.0;
			for (int i = 0; i < n; i++)
				for (int j = 0; j < w; j++)
					sums[j] += out[(size_t) i * n + base + j];
			for (int j = 0; j < w; j++)
				sums[j] = (sums[j] > 0.0) ? 1.0 / sums[j] : 0.0;
			for (int i = 0; i < n; i++)
				for (int j = 0; j < w; j++)
					out[(size_t) i * n + base + j] *= sums[j];
		}
	}
	return ANP_OK;
}

/* column sums of P into s (length n) */
static void
column_sums(int n, const double *P, double *s)
{
	memset(s, 0, sizeof(double) * (size_t) n);
	for (int i = 0; i < n; i++)
	{
		const double *r = P + (size_t) i * n;

		for (int j = 0; j < n; j++)
			s[j] += r[j];
	}
}

static void
normalise_columns(int n, double *P, double *s)
{
	column_sums(n, P, s);
	for (int j = 0; j < n; j++)
		s[j] = (s[j] > 0.0) ? 1.0 / s[j] : 0.0;
	for (int i = 0; i < n; i++)
	{
		double	   *r = P + (size_t) i * n;

		for (int j = 0; j < n; j++)
			r[j] *= s[j];
	}
}

static double
max_abs_diff(size_t len, const double *a, const double *b)
{
	double		m = 0.0;

	for (size_t k = 0; k < len; k++)
	{
		double		d = fabs(a[k] - b[k]);

		m = (d > m) ? d : m;
	}
	return m;
}

/* is P invariant under S (P S x == P x for a fixed generic x)? */
static int
is_invariant(int n, const double *P, const double *S, double tol, double *v)
{
	double	   *x = v,
			   *u = v + n,
			   *y = v + 2 * (size_t) n;
	double		lim = 10.0 * tol + 64.0 * n * DBL_EPSILON;

	for (int i = 0; i < n; i++)
		x[i] = 1.0 + 0.5 * sin(1.7 * i + 0.3);
	linalg_matvec(n, S, x, u);	/* u = S x */
	linalg_matvec(n, P, u, y);	/* y = P S x */
	linalg_matvec(n, P, x, u);	/* u = P x */
	for (int i = 0; i < n; i++)
		if (!(fabs(y[i] - u[i]) <= lim))
			return 0;
	return 1;
}

/*
 * Square *A (columns renormalised) until two successive powers differ by at
 * most tol or *products reaches limit; *A ends as the last power.  Returns
 * the last difference, or r when no product was taken.
 */
static double
square_until(int n, double **A, double **B, double *mm, double *vec,
			 int *products, int limit, double tol, double r)
{
	while (*products < limit)
	{
		double	   *t;

		linalg_matmul(n, *A, *A, *B, mm);
		normalise_columns(n, *B, vec);
		(*products)++;
		r = max_abs_diff((size_t) n * n, *A, *B);
		t = *A;
		*A = *B;
		*B = t;
		if (r <= tol)
			break;
	}
	return r;
}

AnpStatus
anp_limit(int n, const double *W, double tol, int max_iter, double *L,
		  double *work, AnpResult *res)
{
	size_t		nn = (size_t) n * n;
	double	   *S = work;
	double	   *B = work + nn;
	double	   *mm = work + 2 * nn;
	double	   *vec = mm + LINALG_MATMUL_WORK(n);
	double	   *A = L;
	double		r = INFINITY;
	int			products = 0;

	memset(res, 0, sizeof(*res));

	/* validate; S = W with exact column sums and absorbing sinks */
	for (size_t k = 0; k < nn; k++)
	{
		if (!isfinite(W[k]) || !(W[k] >= 0.0))
		{
			res->status = isfinite(W[k]) ? ANP_ERR_NEGATIVE : ANP_ERR_NONFINITE;
			res->row = (int) (k / n);
			res->col = (int) (k % n);
			res->value = W[k];
			return res->status;
		}
	}
	column_sums(n, W, vec);
	for (int j = 0; j < n; j++)
	{
		if (vec[j] != 0.0 && fabs(vec[j] - 1.0) > ANP_COLUMN_TOL)
		{
			res->status = ANP_ERR_COLUMN_SUM;
			res->col = j;
			res->value = vec[j];
			return res->status;
		}
	}
	memcpy(S, W, nn * sizeof(double));
	for (int j = 0; j < n; j++)
	{
		if (vec[j] == 0.0)
		{
			S[(size_t) j * n + j] = 1.0;
			res->sinks++;
		}
	}
	normalise_columns(n, S, vec);

	/* phase 1: square W itself */
	memcpy(A, S, nn * sizeof(double));
	r = square_until(n, &A, &B, mm, vec, &products,
					 ANP_PLAIN_STEPS < max_iter ? ANP_PLAIN_STEPS : max_iter, tol, r);
	if (!(r <= tol && is_invariant(n, A, S, tol, vec)))
	{
		/* phase 2: the lazy matrix (I + W)/2, whose powers tend to the Cesaro limit */
		res->cesaro = 1;
		for (size_t k = 0; k < nn; k++)
			A[k] = 0.5 * S[k];
		for (int i = 0; i < n; i++)
			A[(size_t) i * n + i] += 0.5;
		r = square_until(n, &A, &B, mm, vec, &products, max_iter, tol, r);
	}
	res->iterations = products;
	res->residual = r;
	/* what transient nodes keep after many squarings is rounding residue */
	for (size_t k = 0; k < nn; k++)
		if (A[k] < 1e-15)
			A[k] = 0.0;
	normalise_columns(n, A, vec);
	if (A != L)
		memcpy(L, A, nn * sizeof(double));
	if (!(r <= tol))
	{
		res->status = ANP_ERR_NOCONVERGE;
		return res->status;
	}
	return ANP_OK;
}

void
anp_priorities(int n, const double *L, int start, double *p)
{
	for (int i = 0; i < n; i++)
	{
		const double *r = L + (size_t) i * n;

		if (start >= 0)
			p[i] = r[start];
		else
		{
			double		s = 0.0;

			for (int j = 0; j < n; j++)
				s += r[j];
			p[i] = s / n;
		}
	}
}
