/*
 * kmeans_step.h: one Lloyd iteration over points that are never held in
 * memory (pure C, no PostgreSQL headers).
 *
 * The state of an iteration is a flat array of doubles (an ordinary
 * float8[] in SQL, so parallel query and Citus can combine partial states):
 * per cluster the number of points, their coordinate sums, their squared
 * distances to the centroid they were assigned to (inertia), and the point
 * farthest from that centroid (to re-seed empty clusters).  Its size is
 * O(k * d), whatever the number of points.
 *
 * Order independence.  Floating-point sums depend on the order of the
 * additions, so a plain double accumulator would make the next centroids
 * depend on the plan (parallel workers, Citus shards, row order).  Every sum
 * here is kept exactly instead, in the "binned" form of reproducible
 * summation (Demmel & Nguyen; ReproBLAS): the real line is cut into bins of
 * KSTEP_W bits at fixed positions (bin b covers 2^(W*b) .. 2^(W*(b+1))),
 * each value is split exactly into its base-2^W digits, and an accumulator
 * keeps the integer sum of the digits in the KSTEP_BINS bins just below and
 * including the top bin of the largest value it has seen.  Digits further
 * down (at least W*(KSTEP_BINS-1) = 64 bits below the largest value) are
 * dropped for every value alike.  The kept bins are a function of the
 * multiset of values only, so states combine in any order and grouping to
 * the same result, bit for bit, and that result is the exact sum up to the
 * dropped digits (relative error below 2^-64 of the largest value).
 * Coordinates of magnitude below about 1e-298 (bins below KSTEP_BIN_MIN)
 * add nothing.  Squared distances are summed scaled by 2^-512 (exact), so
 * that every finite one fits the same bins.
 *
 * Layout (doubles):
 *   [0] KSTEP_MAGIC  [1] KSTEP_VERSION  [2] k  [3] d
 *   then k slots of KSTEP_SLOT(d) doubles:
 *     [0] count  [1] farthest squared distance (-1: none)
 *     [2 .. 2+d-1] farthest point
 *     then d+1 accumulators of KSTEP_ACC doubles (coordinate sums, then
 *     the sum of squared distances): [0] top bin B, then for i = 0..BINS-1
 *     the pair (hi, lo), bin B-i holding hi * 2^KSTEP_M + lo (integers).
 * A state is canonical (a unique representation of its value) when every lo
 * lies in [0, 2^KSTEP_M); kstep_canonicalize() makes it so.  Transitions
 * normalize lazily (lo stays exact up to 2^53).
 */
#ifndef CRM_KMEANS_STEP_H
#define CRM_KMEANS_STEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KSTEP_MAGIC		20260313.0
#define KSTEP_VERSION	1.0
#define KSTEP_HDR		4
#define KSTEP_W			32
#define KSTEP_BINS		3
#define KSTEP_M			40
#define KSTEP_ACC		(1 + 2 * KSTEP_BINS)
#define KSTEP_BIN_MIN	(-29)
#define KSTEP_BIN_MAX	15
#define KSTEP_SLOT(d)	(2 + (size_t) (d) + (size_t) KSTEP_ACC * ((d) + 1))
#define KSTEP_LEN(k, d)	(KSTEP_HDR + (size_t) (k) * KSTEP_SLOT(d))

/* coordinates (and centroids) must lie within this bound */
#define KSTEP_MAX_ABS	1e150

/* Fresh state for k clusters of dimension d (KSTEP_LEN(k, d) doubles). */
void		kstep_init(double *s, int k, int d);

/*
 * Index (0-based) of the centroid nearest to x, ties to the lowest, and its
 * squared distance in *d2.  cent_t: the k centroids transposed (d rows of
 * k values); dist: scratch for k doubles.  The distances are summed in
 * coordinate order, as kmeans_nearest() does, so both give the same bits.
 */
int			kstep_nearest_t(const double *x, const double *cent_t, int k, int d,
							double *dist, double *d2);

/*
 * Add x, at squared distance d2 from its centroid, to cluster c; false (and
 * nothing added) when d2 is not finite.
 */
bool		kstep_add_to(double *s, int k, int d, const double *x, int c, double d2);

/* a += b (both valid states of the same k and d); a comes out canonical. */
void		kstep_merge(double *a, const double *b, int k, int d);

/* Normalize every accumulator into its unique representation. */
void		kstep_canonicalize(double *s, int k, int d);

/*
 * 0 if s (len doubles) is a well-formed state, with its k and d written
 * out; otherwise a short reason (states can be handed in by users).
 */
const char *kstep_check(const double *s, size_t len, int *k, int *d);

/* Count of cluster c. */
double		kstep_count(const double *s, int k, int d, int c);

/* Sum of squared distances of cluster c's points to their centroid. */
double		kstep_cluster_inertia(const double *s, int k, int d, int c);

/* Total inertia (clusters added in index order from their exact sums). */
double		kstep_inertia(const double *s, int k, int d);

/*
 * The next centroids (row-major k x d) from a state: each cluster's mean.
 * An empty cluster takes the farthest point of the non-empty cluster whose
 * farthest point is farthest from its centroid (each such donor serves one
 * empty cluster, in decreasing order of that distance; the donor's own mean
 * then leaves that point out), as scikit-learn relocates empty clusters; an
 * empty cluster with no donor left keeps its old centroid (old, k x d).
 * Returns the number of empty clusters.
 */
int			kstep_centroids(const double *s, int k, int d, const double *old,
							double *out);

/*
 * Total squared distance of every point to the mean of all points, from a
 * state made with the given centroids (exact sums, so order independent).
 */
double		kstep_total_ss(const double *s, int k, int d, const double *centroids);

/* Exact value of one accumulator, rounded once per bin. */
double		kstep_acc_value(const double *acc);

/* Deterministic hash of a point (and a seed) in [0, 1): -0 hashes as 0. */
double		kmeans_point_key(const double *x, int d, uint64_t seed);

#endif
