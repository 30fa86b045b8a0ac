/*
 * spend_signals.h: lifecycle signals from a customer's spend per period
 * (pure C).  Input is oldest period first, the last element the current one.
 */
#ifndef CRM_SPEND_SIGNALS_H
#define CRM_SPEND_SIGNALS_H

#include <stdbool.h>

typedef struct SpendSignals
{
	int			periods;
	double		total;
	double		mean;
	double		last;
	double		trend;			/* least-squares slope, spend per period */
	bool		trend_valid;	/* needs >= 2 periods */
	double		trend_pct;		/* trend / mean */
	bool		trend_pct_valid;	/* needs mean != 0 */
	int			falling_periods;	/* consecutive decreases ending at last */
	double		change_z;		/* last vs earlier periods, in their stddevs */
	bool		change_z_valid; /* needs >= 3 earlier periods and stddev > 0 */
	double		change_pct;		/* last vs mean of earlier periods */
	bool		change_pct_valid;	/* needs >= 1 earlier period, mean != 0 */
	bool		out_of_range;	/* a result beyond float8 (|spend| near 1e308, or a ratio to ~0) */
} SpendSignals;

void		spend_signals(const double *spend, int n, SpendSignals *out);

#endif
