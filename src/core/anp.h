/*
 * anp.h: Analytic Network Process supermatrices (pure C).
 *
 * Supermatrices are n x n, row-major, column-oriented as in Saaty: column j
 * holds the priorities of the nodes that influence node j, so a weighted
 * supermatrix is column stochastic (every column sums to 1, or is zero for
 * a node that depends on nothing: a sink).  Nothing allocates.
 */
#ifndef CRM_ANP_H
#define CRM_ANP_H

#include <stddef.h>
#include "core/linalg.h"

/* a weighted column must sum to 1 within this (or be all zero) */
#define ANP_COLUMN_TOL 1e-6
/* squarings of W itself before falling back to the Cesaro form */
#define ANP_PLAIN_STEPS 12

typedef enum
{
	ANP_OK = 0,
	ANP_ERR_NONFINITE,			/* row, col, value */
	ANP_ERR_NEGATIVE,			/* row, col, value */
	ANP_ERR_CLUSTER_SIZE,		/* row = cluster index, value = size */
	ANP_ERR_CLUSTER_SUM,		/* value = sum of sizes */
	ANP_ERR_WEIGHT_NONFINITE,	/* row, col (clusters), value */
	ANP_ERR_WEIGHT_NEGATIVE,	/* row, col (clusters), value */
	ANP_ERR_COLUMN_SUM,			/* col, value = the column's sum */
	ANP_ERR_NOCONVERGE			/* residual, iterations */
} AnpStatus;

typedef struct AnpResult
{
	AnpStatus	status;
	int			row;
	int			col;
	double		value;
	double		residual;		/* last max |P_{k+1} - P_k| */
	int			iterations;		/* matrix products done */
	int			sinks;			/* zero columns made absorbing */
	int			cesaro;			/* 1 if the (I + W)/2 form was needed */
} AnpResult;

/* doubles of workspace for anp_limit */
#define ANP_LIMIT_WORK(n) (2 * (size_t) (n) * (size_t) (n) + LINALG_MATMUL_WORK(n) + 3 * (size_t) (n))

/*
 * out = block-weighted W: block (I, J) multiplied by cw[I*K + J], then each
 * column rescaled to sum 1 (a zero column stays zero).  W entries and cluster
 * weights must be finite and >= 0; sizes positive and adding up to n.
 */
AnpStatus	anp_weighted(int n, const double *W, int K, const int *sizes,
						 const double *cw, double *out, AnpResult *res);

/*
 * L = the limit supermatrix of column-stochastic W (see anp.c for the method):
 * lim W^k when it exists, otherwise the Cesaro limit lim (1/N) sum_{k<N} W^k;
 * a zero column (sink) is first made absorbing (1 on the diagonal).
 * Converged when max |P_{k+1} - P_k| <= tol; at most max_iter matrix products.
 */
AnpStatus	anp_limit(int n, const double *W, double tol, int max_iter,
					  double *L, double *work, AnpResult *res);

/* p = column start of L, or (start < 0) the mean of L's columns */
void		anp_priorities(int n, const double *L, int start, double *p);

#endif
