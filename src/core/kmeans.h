/*
 * kmeans.h: k-means with k-means++ seeding and Hamerly's bounds (pure C, no
 * PostgreSQL headers, no allocation: the caller provides every buffer).
 *
 * Determinism: the caller first puts the points into canonical order with
 * kmeans_canonicalize() (lexicographic sort), so the result depends only on
 * the multiset of points, k and the seed, never on the order in which rows
 * (or parallel partial states) arrived.
 */
#ifndef CRM_KMEANS_H
#define CRM_KMEANS_H

#include <stddef.h>
#include <stdint.h>

#define KMEANS_RESTARTS 10
#define KMEANS_MAX_ITER 300
/* relative tolerance on the total squared centroid shift (as scikit-learn) */
#define KMEANS_TOL 1e-4

/*
 * Sort the n rows of x (d values each) lexicographically, in place; work is
 * scratch for 2*n int64 (kmeans_work_bytes() is enough).  Returns the number
 * of distinct rows.
 */
int64_t		kmeans_canonicalize(double *x, int64_t n, int d, int64_t *work);

/* Bytes of work kmeans_fit() needs (also enough for the perm of canonicalize). */
size_t		kmeans_work_bytes(int64_t n, int d, int k);

/*
 * Cluster the n rows of x (d values each; at least k distinct rows) into k
 * clusters: `restarts` runs of greedy k-means++ seeding followed by Lloyd
 * iterations (with Hamerly's triangle-inequality pruning) until no point
 * changes cluster, the centroids' total squared shift falls to KMEANS_TOL
 * times the data's mean per-coordinate variance (scikit-learn's rule; one
 * more assignment step follows), or max_iter is reached; keeps the run with the lowest
 * inertia.  Writes k*d centroid coordinates (row-major) and the inertia
 * (sum of squared distances to the nearest centroid).  work: see
 * kmeans_work_bytes(), aligned for double.  Returns the number of Lloyd
 * iterations of the kept run.
 */
int			kmeans_fit(const double *x, int64_t n, int d, int k, uint64_t seed,
					   int restarts, int max_iter, double *centroids,
					   double *inertia, void *work);

/* 0-based index of the centroid nearest to x (squared Euclidean); ties to the lowest. */
int			kmeans_nearest(const double *x, const double *centroids, int k, int d);

#endif
