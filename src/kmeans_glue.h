/*
 * kmeans_glue.h: argument helpers shared by the k-means glue files
 * (kmeans.c, kmeans_step.c, kmeans_fit.c).
 */
#ifndef CRM_KMEANS_GLUE_H
#define CRM_KMEANS_GLUE_H

#include "postgres.h"
#include "fmgr.h"
#include "utils/array.h"

#define KM_MAX_K	10000
/* doubles of stack room for a short (packed) point array: 126 bytes + header */
#define KM_POINT_BUF 20

/* finite and within +-1e150 (22000 / 22003 otherwise) */
void		km_check_range(const double *x, int n, const char *what);

/*
 * A row's point: 1-D float8[] without NULLs, of *d elements (or any length
 * when *d < 0, written back), checked as km_check_range.  Reads short arrays
 * into buf (KM_POINT_BUF doubles) instead of allocating.
 */
const double *km_point_arg(Datum datum, int *d, double *buf);

/* v, or 22003 when it is not finite */
double		km_finite(double v, const char *what);

/* rows x cols float8[][] */
ArrayType  *km_matrix_datum(const double *x, int rows, int cols);

/* in-memory kmeans: bytes needed for n points; how many fit maintenance_work_mem */
double		km_needed(int64 n, int d, int k);

#endif
