/*
 * ahp.c: see ahp.h for the contract.
 *
 * References
 *   T. L. Saaty, The Analytic Hierarchy Process, McGraw-Hill, 1980
 *     (eigenvector method, CI = (lambda_max - n)/(n - 1), random index).
 *   P. T. Harker, "Incomplete pairwise comparisons in the analytic hierarchy
 *     process", Mathematical Modelling 9(11), 1987, 837-848.
 *   S. Bozoki, J. Fulop, L. Ronyai, "On optimal completion of incomplete
 *     pairwise comparison matrices", Math. Comput. Modelling 52, 2010.
 */
#include "core/ahp.h"
#include "core/linalg.h"
#include "core/interrupts.h"

#include <float.h>
#include <math.h>
#include <string.h>

#define AHP_MAX_ITER 100000

/*
 * Saaty's random consistency index for n = 1..15 (index 0 unused):
 * mean CI of random reciprocal matrices on the 1/9..9 scale.  n <= 10 as in
 * Saaty (1980); n = 11..15 as extended in Saaty's later tables (the values
 * that also ship with SuperDecisions).  See README for the table and source.
 */
static const double saaty_ri[AHP_RI_MAX + 1] = {
	0.0,
	0.00, 0.00, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49,
	1.51, 1.48, 1.56, 1.57, 1.59
};

double
ahp_random_index(int n)
{
	if (n < 1 || n > AHP_RI_MAX)
		return -1.0;
	return saaty_ri[n];
}

static void
set_err(AhpResult *res, AhpStatus st, int row, int col, double value, double other)
{
	res->status = st;
	res->row = row;
	res->col = col;
	res->value = value;
	res->other = other;
}

AhpStatus
ahp_prepare(int n, double *a, unsigned char *known, int *iwork, AhpResult *res)
{
	int		   *queue = iwork;
	int			head = 0,
				tail = 0;

	memset(res, 0, sizeof(*res));

	/* entries: finite, positive; diagonal 1 */
	for (int i = 0; i < n; i++)
	{
		for (int j = 0; j < n; j++)
		{
			size_t		ij = (size_t) i * n + j;

			if (!known[ij])
			{
				if (i == j)
				{
					set_err(res, AHP_ERR_DIAGONAL, i, j, NAN, 0);
					return res->status;
				}
				continue;
			}
			if (!isfinite(a[ij]))
			{
				set_err(res, AHP_ERR_NONFINITE, i, j, a[ij], 0);
				return res->status;
			}
			if (!(a[ij] > 0.0))
			{
				set_err(res, AHP_ERR_NONPOSITIVE, i, j, a[ij], 0);
				return res->status;
			}
			if (i == j && fabs(a[ij] - 1.0) > AHP_DIAGONAL_TOL)
			{
				set_err(res, AHP_ERR_DIAGONAL, i, j, a[ij], 0);
				return res->status;
			}
		}
	}

	/* reciprocity; fill a half-given pair */
	for (int i = 0; i < n; i++)
	{
		for (int j = i + 1; j < n; j++)
		{
			size_t		ij = (size_t) i * n + j,
						ji = (size_t) j * n + i;

			if (known[ij] && known[ji])
			{
				if (fabs(a[ij] * a[ji] - 1.0) > AHP_RECIPROCAL_TOL)
				{
					set_err(res, AHP_ERR_NONRECIPROCAL, i, j, a[ij], a[ji]);
					return res->status;
				}
			}
			else if (known[ij])
			{
				a[ji] = 1.0 / a[ij];
				known[ji] = 1;
			}
			else if (known[ji])
			{
				a[ij] = 1.0 / a[ji];
				known[ij] = 1;
			}
			else
			{
				a[ij] = a[ji] = 0.0;
				res->missing++;
			}
		}
	}

	/* the comparison graph must be connected: BFS from element 0 */
	if (res->missing > 0 && n > 1)
	{
		int		   *seen = iwork + n;

		memset(seen, 0, sizeof(int) * (size_t) n);
		queue[tail++] = 0;
		seen[0] = 1;
		while (head < tail)
		{
			int			u = queue[head++];

			for (int v = 0; v < n; v++)
			{
				if (!seen[v] && known[(size_t) u * n + v])
				{
					seen[v] = 1;
					queue[tail++] = v;
				}
			}
		}
		for (int i = 0; i < n; i++)
		{
			if (!seen[i])
			{
				set_err(res, AHP_ERR_DISCONNECTED, i, 0, 0, 0);
				return res->status;
			}
		}
	}
	return AHP_OK;
}

/* (C w)_i for Harker's matrix C: a row's missing judgments hold 0.0 and
 * count once each on the diagonal */
static inline double
harker_row(int n, const double *a, const unsigned char *known,
		   const double *w, int i)
{
	const double *ai = a + (size_t) i * n;
	const unsigned char *ki = known + (size_t) i * n;
	double		s = 0.0;
	int			m = 0;

	for (int j = 0; j < n; j++)
	{
		s += ai[j] * w[j];
		m += !ki[j];
	}
	return s + m * w[i];
}

/* y = C w; y must not alias w */
static void
harker_apply(int n, const double *a, const unsigned char *known,
			 const double *w, double *y)
{
	for (int i = 0; i < n; i++)
		y[i] = harker_row(n, a, known, w, i);
}

double
ahp_lambda(int n, const double *a, const unsigned char *known, const double *w)
{
	double		s = 0.0,
				ws = 0.0;

	/* sum_i (C w)_i / sum_i w_i, computed without a buffer */
	for (int i = 0; i < n; i++)
	{
		s += harker_row(n, a, known, w, i);
		ws += w[i];
	}
	return s / ws;
}

AhpStatus
ahp_geometric(int n, const double *a, const unsigned char *known, double *w,
			  double *work, AhpResult *res)
{
	double		mx = -INFINITY,
				sum = 0.0;
	int			complete = 1;

	for (size_t k = 0; k < (size_t) n * n && complete; k++)
		complete = known[k];

	if (complete || n == 1)
	{
		/* log of the row geometric mean */
		for (int i = 0; i < n; i++)
		{
			double		s = 0.0;

			for (int j = 0; j < n; j++)
				s += log(a[(size_t) i * n + j]);
			w[i] = s / n;
		}
	}
	else
	{
		/*
		 * Minimise sum over known pairs (ln a_ij - x_i + x_j)^2: the normal
		 * equations are L x = r with L the Laplacian of the comparison graph
		 * and r_i = sum_{j known} ln a_ij.  Fix x_0 = 0 and solve the
		 * remaining (n-1) x (n-1) system, positive definite when the graph
		 * is connected.
		 */
		int			m = n - 1;
		double	   *L = work;
		double	   *r = work + (size_t) m * m;

		memset(L, 0, sizeof(double) * (size_t) m * m);
		for (int i = 1; i < n; i++)
		{
			double		ri = 0.0;

			for (int j = 0; j < n; j++)
			{
				if (j == i || !known[(size_t) i * n + j])
					continue;
				ri += log(a[(size_t) i * n + j]);
				L[(size_t) (i - 1) * m + (i - 1)] += 1.0;
				if (j > 0)
					L[(size_t) (i - 1) * m + (j - 1)] -= 1.0;
			}
			r[i - 1] = ri;
		}
		if (linalg_cholesky_solve(m, L, r) != 0)
		{
			set_err(res, AHP_ERR_SINGULAR, 0, 0, 0, 0);
			return res->status;
		}
		w[0] = 0.0;
		for (int i = 1; i < n; i++)
			w[i] = r[i - 1];
	}
	for (int i = 0; i < n; i++)
		if (w[i] > mx)
			mx = w[i];
	for (int i = 0; i < n; i++)
	{
		w[i] = exp(w[i] - mx);
		sum += w[i];
	}
	for (int i = 0; i < n; i++)
		w[i] /= sum;
	return AHP_OK;
}

AhpStatus
ahp_eigen(int n, const double *a, const unsigned char *known, double *w,
		  double *lambda_max, double *work, AhpResult *res)
{
	double	   *y = work;
	double	   *gwork = work + n;
	double		tol = fmax(1e-14, 4.0 * n * DBL_EPSILON);
	double		delta = INFINITY;
	int			it;

	if (ahp_geometric(n, a, known, w, gwork, res) != AHP_OK)
		return res->status;

	for (it = 1; it <= AHP_MAX_ITER; it++)
	{
		double		s = 0.0;

		harker_apply(n, a, known, w, y);
		for (int i = 0; i < n; i++)
			s += y[i];
		delta = 0.0;
		for (int i = 0; i < n; i++)
		{
			double		v = y[i] / s;
			double		d = fabs(v - w[i]) / v;

			if (d > delta)
				delta = d;
			w[i] = v;
		}
		if (delta <= tol)
			break;
		if ((it & 255) == 0)
			crm_check_interrupts();
	}
	res->iterations = it;
	res->residual = delta;
	/* rounding noise can keep delta a hair above tol on big matrices */
	if (delta > tol && !(delta <= 1e-10))
	{
		res->status = AHP_ERR_NOCONVERGE;
		return res->status;
	}
	*lambda_max = ahp_lambda(n, a, known, w);
	return AHP_OK;
}

int
ahp_find_inconsistent(int n, const double *a, const unsigned char *known,
					  const double *w, int *row, int *col, double *judgment,
					  double *suggested)
{
	double		best = -1.0;

	for (int i = 0; i < n; i++)
	{
		for (int j = i + 1; j < n; j++)
		{
			size_t		ij = (size_t) i * n + j;
			double		dev;

			if (!known[ij])
				continue;
			dev = fabs(log(a[ij] * w[j] / w[i]));
			if (dev > best)
			{
				best = dev;
				*row = i;
				*col = j;
				*judgment = a[ij];
				*suggested = w[i] / w[j];
			}
		}
	}
	return (best > 1e-9) ? 0 : 1;
}
