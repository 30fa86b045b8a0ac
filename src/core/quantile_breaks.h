/*
 * quantile_breaks.h: tie-aware quantile cut points (pure C).
 *
 * NTILE gives equal values different classes; plain quantile cut points
 * merge classes when values repeat a lot.  These cut points are always
 * values of the data, so equal values share a class, and they are moved
 * apart along distinct values so that all n classes are filled whenever the
 * data has at least n distinct values.
 */
#ifndef CRM_QUANTILE_BREAKS_H
#define CRM_QUANTILE_BREAKS_H

#include <stdint.h>

/*
 * sorted[0..count-1]: ascending, finite.  Writes n - 1 non-decreasing cut
 * points to breaks; a value x scores 1 + #{i : breaks[i] <= x}.
 * work must hold QUANTILE_BREAKS_WORK(count, n) int64 slots.  May place +Infinity in breaks
 * (empty top classes) only when the data has a single distinct value.
 */
#define QUANTILE_BREAKS_WORK(count, n) (2 * ((count) + 1) + (n) + 1)

void		quantile_breaks(const double *sorted, int64_t count, int n,
							double *breaks, int64_t *work);

/* 1 + number of breaks <= value (binary search); breaks ascending. */
int			quantile_class(double value, const double *breaks, int nbreaks);

#endif
