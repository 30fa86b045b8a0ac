/*
 * rfm_accum.c: exact, order-independent RFM accumulation.
 */
#include "core/rfm_accum.h"

#include <math.h>
#include <string.h>

#define INT128_MAX_D 1.7014118346046923e38	/* 2^127 */

void
rfm_accum_init(RfmAccum *acc)
{
	memset(acc, 0, sizeof(*acc));
}

/* Round an amount to micro-units.  Most amounts fit int64 and take the
 * single-instruction path; larger ones go through the int128 conversion. */
static inline RfmAddResult
money_from_double(double amount, rfm_int128 *out)
{
	double		scaled = amount * RFM_MONEY_SCALE;

	if (fabs(scaled) < 9.0e18)
	{
		*out = (rfm_int128) llrint(scaled);
		return RFM_ADD_OK;
	}
	if (!isfinite(amount))
		return RFM_ADD_NOT_FINITE;
	if (fabs(scaled) >= INT128_MAX_D / 4)
		return RFM_ADD_OVERFLOW;
	*out = (rfm_int128) nearbyint(scaled);
	return RFM_ADD_OK;
}

/*
 * First/last purchase and largest amount after adding purchases spanning
 * [lo, hi] with largest amount mx to a summary of n earlier purchases; one
 * rule for rows, merges and both layouts.
 */
static inline void
purchase_span(int64_t n, int64_t *first, int64_t *last, double *max,
			  int64_t lo, int64_t hi, double mx)
{
	if (n == 0)
	{
		*first = lo;
		*last = hi;
		*max = mx;
		return;
	}
	if (lo < *first)
		*first = lo;
	if (hi > *last)
		*last = hi;
	if (mx > *max)
		*max = mx;
}

RfmAddResult
rfm_accum_add(RfmAccum *acc, int64_t txn_time, double amount)
{
	rfm_int128	micro;
	RfmAddResult r = money_from_double(amount, &micro);	/* NaN: NOT_FINITE */

	if (r != RFM_ADD_OK)
		return r;
	return rfm_accum_add_micro(acc, txn_time, micro, amount);
}

RfmAddResult
rfm_accum_add_micro(RfmAccum *acc, int64_t txn_time, rfm_int128 micro,
					double amount)
{
	if (amount > 0)
	{
		rfm_int128	sum;

		if (__builtin_add_overflow(money_get(acc->purchase_sum), micro, &sum))
			return RFM_ADD_OVERFLOW;
		acc->purchase_sum = money_make(sum);
		purchase_span(acc->n_purchases, &acc->first_purchase, &acc->last_purchase,
					  &acc->max_amount, txn_time, txn_time, amount);
		acc->n_purchases++;
	}
	else if (amount < 0)
	{
		rfm_int128	sum;

		if (__builtin_add_overflow(money_get(acc->refund_sum), micro, &sum))
			return RFM_ADD_OVERFLOW;
		acc->refund_sum = money_make(sum);
		acc->n_refunds++;
	}
	return RFM_ADD_OK;
}

RfmAddResult
rfm_accum_merge(RfmAccum *into, const RfmAccum *from)
{
	rfm_int128	psum,
				rsum;

	if (__builtin_add_overflow(money_get(into->purchase_sum), money_get(from->purchase_sum), &psum) ||
		__builtin_add_overflow(money_get(into->refund_sum), money_get(from->refund_sum), &rsum))
		return RFM_ADD_OVERFLOW;
	into->purchase_sum = money_make(psum);
	into->refund_sum = money_make(rsum);
	if (__builtin_add_overflow(into->n_refunds, from->n_refunds, &into->n_refunds))
		return RFM_ADD_OVERFLOW;
	if (from->n_purchases > 0)
	{
		purchase_span(into->n_purchases, &into->first_purchase, &into->last_purchase,
					  &into->max_amount, from->first_purchase, from->last_purchase,
					  from->max_amount);
		if (__builtin_add_overflow(into->n_purchases, from->n_purchases, &into->n_purchases))
			return RFM_ADD_OVERFLOW;
	}
	return RFM_ADD_OK;
}

RfmAddResult
rfm_compact_add(RfmCompact *c, int64_t txn_time, double amount)
{
	rfm_int128	micro;
	RfmAddResult r = money_from_double(amount, &micro);

	if (r != RFM_ADD_OK)
		return r;
	return rfm_compact_add_micro(c, txn_time, micro, amount);
}

RfmAddResult
rfm_compact_add_micro(RfmCompact *c, int64_t txn_time, rfm_int128 micro,
					  double amount)
{
	int64_t		sum;

	if (micro > INT64_MAX || micro < INT64_MIN)
		return RFM_ADD_WIDEN;
	if (amount > 0)
	{
		if (c->n_purchases == INT32_MAX ||
			__builtin_add_overflow(c->purchase_sum, (int64_t) micro, &sum))
			return RFM_ADD_WIDEN;
		c->purchase_sum = sum;
		purchase_span(c->n_purchases, &c->first_purchase, &c->last_purchase,
					  &c->max_amount, txn_time, txn_time, amount);
		c->n_purchases++;
	}
	else if (amount < 0)
	{
		if (c->n_refunds == INT32_MAX ||
			__builtin_add_overflow(c->refund_sum, (int64_t) micro, &sum))
			return RFM_ADD_WIDEN;
		c->refund_sum = sum;
		c->n_refunds++;
	}
	return RFM_ADD_OK;
}

void
rfm_compact_widen(const RfmCompact *c, RfmAccum *acc)
{
	acc->n_purchases = c->n_purchases;
	acc->n_refunds = c->n_refunds;
	acc->first_purchase = c->first_purchase;
	acc->last_purchase = c->last_purchase;
	acc->purchase_sum = money_make(c->purchase_sum);
	acc->refund_sum = money_make(c->refund_sum);
	acc->max_amount = c->max_amount;
}

bool
rfm_compact_narrow(const RfmAccum *acc, RfmCompact *c)
{
	rfm_int128	ps = money_get(acc->purchase_sum),
				rs = money_get(acc->refund_sum);

	if (acc->n_purchases < 0 || acc->n_purchases > INT32_MAX ||
		acc->n_refunds < 0 || acc->n_refunds > INT32_MAX ||
		ps > INT64_MAX || ps < INT64_MIN || rs > INT64_MAX || rs < INT64_MIN)
		return false;
	c->n_purchases = (int32_t) acc->n_purchases;
	c->n_refunds = (int32_t) acc->n_refunds;
	c->first_purchase = acc->first_purchase;
	c->last_purchase = acc->last_purchase;
	c->purchase_sum = (int64_t) ps;
	c->refund_sum = (int64_t) rs;
	c->max_amount = acc->max_amount;
	return true;
}

double
rfm_accum_recency_days(const RfmAccum *acc, int64_t as_of)
{
	return (double) (as_of - acc->last_purchase) / RFM_USEC_PER_DAY;
}

double
rfm_accum_monetary(const RfmAccum *acc)
{
	return rfm_money_to_double(money_get(acc->purchase_sum) + money_get(acc->refund_sum));
}

double
rfm_money_to_double(rfm_int128 v)
{
	/* exact integer -> nearest double, then one correctly rounded division */
	return (double) v / RFM_MONEY_SCALE;
}

void
rfm_accum_indicators(const RfmAccum *acc, int64_t as_of, RfmIndicators *out)
{
	double		n = (double) acc->n_purchases;

	memset(out, 0, sizeof(*out));
	out->frequency = acc->n_purchases;
	out->first_txn = acc->first_purchase;
	out->last_txn = acc->last_purchase;
	out->recency_days = rfm_accum_recency_days(acc, as_of);
	out->tenure_days = (double) (as_of - acc->first_purchase) / RFM_USEC_PER_DAY;
	out->monetary = rfm_accum_monetary(acc);
	out->avg_amount = n > 0 ? out->monetary / n : 0;
	out->max_amount = acc->max_amount;
	out->refunds = acc->n_refunds;
	out->refund_amount = rfm_money_to_double(-money_get(acc->refund_sum));
	/* The mean of consecutive gaps telescopes to (last - first) / (n - 1),
	 * which is why it needs no ordering and merges exactly. */
	if (acc->n_purchases > 1)
	{
		out->mean_gap_valid = true;
		out->mean_gap_days = (double) (acc->last_purchase - acc->first_purchase) /
			(n - 1) / RFM_USEC_PER_DAY;
		if (out->mean_gap_days > 0)
		{
			out->overdue_valid = true;
			out->overdue_ratio = out->recency_days / out->mean_gap_days;
		}
	}
	/* Tenure is floored at 30 days so a first purchase yesterday reads as
	 * one purchase per 30 days, not thirty. */
	out->purchases_per_30d = 30.0 * n / fmax(out->tenure_days, 30.0);
}

int
rfm_int128_to_text(rfm_int128 v, char *buf)
{
	char		tmp[48];
	int			len = 0,
				pos = 0;
	unsigned __int128 u;

	if (v < 0)
	{
		buf[pos++] = '-';
		u = (unsigned __int128) (-(v + 1)) + 1;
	}
	else
		u = (unsigned __int128) v;
	do
	{
		tmp[len++] = (char) ('0' + (int) (u % 10));
		u /= 10;
	} while (u != 0);
	while (len > 0)
		buf[pos++] = tmp[--len];
	buf[pos] = '\0';
	return pos;
}

int
rfm_int128_from_text(const char *s, rfm_int128 *out)
{
	const char *p = s;
	bool		neg = false;
	unsigned __int128 u = 0;
	const unsigned __int128 limit = ((unsigned __int128) 1) << 127;

	if (*p == '-' || *p == '+')
		neg = (*p++ == '-');
	if (*p < '0' || *p > '9')
		return 0;
	while (*p >= '0' && *p <= '9')
	{
		unsigned __int128 next = u * 10 + (unsigned) (*p - '0');

		if (u > limit / 10 || next > limit)
			return 0;
		u = next;
		p++;
	}
	if (!neg && u == limit)
		return 0;
	*out = neg ? (rfm_int128) (0 - u) : (rfm_int128) u;
	return (int) (p - s);
}
