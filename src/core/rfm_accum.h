/*
 * rfm_accum.h: the RFM accumulator, pure C (no PostgreSQL headers).
 *
 * One accumulator summarises a customer's transactions so that it can be
 * updated row by row, merged with another accumulator in any order (parallel
 * workers, Citus shards, yesterday's stored state + today's rows) and still
 * give bit-identical results.  That is why money is summed in exact fixed
 * point (int128 micro-units) rather than float8: float addition is not
 * associative, integer addition is.
 */
#ifndef CRM_RFM_ACCUM_H
#define CRM_RFM_ACCUM_H

#include <stdbool.h>
#include <stdint.h>

/* money is kept in units of 1e-6 (micro-units) */
#define RFM_MONEY_SCALE 1000000.0
/* timestamps are PostgreSQL microseconds; one day in those units */
#define RFM_USEC_PER_DAY 86400000000.0

typedef __int128 rfm_int128;

/*
 * An int128 stored as two 64-bit halves: palloc'd and on-disk states are
 * only 8-byte aligned, and gcc may use 16-byte-aligned SSE moves on any
 * struct holding an __int128 member, even one declared aligned(8).
 */
typedef struct RfmMoney
{
	uint64_t	lo;
	int64_t		hi;
} RfmMoney;

static inline rfm_int128
money_get(RfmMoney m)
{
	return (rfm_int128) (((unsigned __int128) (uint64_t) m.hi << 64) | m.lo);
}

static inline RfmMoney
money_make(rfm_int128 v)
{
	RfmMoney	m;

	m.lo = (uint64_t) v;
	m.hi = (int64_t) (v >> 64);
	return m;
}

typedef struct RfmAccum
{
	int64_t		n_purchases;	/* rows with amount > 0 */
	int64_t		n_refunds;		/* rows with amount < 0 */
	int64_t		first_purchase; /* usec; valid when n_purchases > 0 */
	int64_t		last_purchase;
	RfmMoney	purchase_sum;	/* sum of positive amounts, micro-units */
	RfmMoney	refund_sum;		/* sum of negative amounts (<= 0) */
	double		max_amount;		/* largest single purchase */
} RfmAccum;

/*
 * The compact accumulator: the same information in 48 bytes, for the
 * common case of counts below 2^31 and sums within int64 micro-units
 * (+/-9.2e12).  rfm_agg's hash aggregate keeps one state per customer and
 * touches it on every row; a 64-byte state (with its 16-byte header) fits
 * PostgreSQL's 64-byte allocation class where the 88-byte wide one takes
 * 128, and that memory is what a hash aggregate over many customers waits
 * on.  A state that outgrows it is widened once, and results are
 * bit-identical either way.
 */
typedef struct RfmCompact
{
	int32_t		n_purchases;
	int32_t		n_refunds;
	int64_t		first_purchase;
	int64_t		last_purchase;
	int64_t		purchase_sum;	/* micro-units */
	int64_t		refund_sum;
	double		max_amount;
} RfmCompact;

typedef enum RfmAddResult
{
	RFM_ADD_OK = 0,
	RFM_ADD_NOT_FINITE,			/* amount is NaN or infinite */
	RFM_ADD_OVERFLOW,			/* amount or running sum beyond int128 range */
	RFM_ADD_WIDEN				/* compact only: does not fit, nothing changed */
} RfmAddResult;

/* Derived indicators, as the rfm composite type reports them. */
typedef struct RfmIndicators
{
	double		recency_days;
	int64_t		frequency;
	double		monetary;
	int64_t		first_txn;
	int64_t		last_txn;
	double		tenure_days;
	double		mean_gap_days;
	bool		mean_gap_valid; /* false with a single purchase */
	double		avg_amount;
	double		purchases_per_30d;
	double		max_amount;
	int64_t		refunds;
	double		refund_amount;
	double		overdue_ratio;
	bool		overdue_valid;	/* false without a usable mean gap */
} RfmIndicators;

void		rfm_accum_init(RfmAccum *acc);
RfmAddResult rfm_accum_add(RfmAccum *acc, int64_t txn_time, double amount);
/* Same, with the amount already rounded to micro-units (exact decimal
 * input); amount is its double value, deciding purchase/refund and max. */
RfmAddResult rfm_accum_add_micro(RfmAccum *acc, int64_t txn_time,
								 rfm_int128 micro, double amount);
RfmAddResult rfm_accum_merge(RfmAccum *into, const RfmAccum *from);

/* Compact counterparts; RFM_ADD_WIDEN leaves the accumulator unchanged. */
RfmAddResult rfm_compact_add(RfmCompact *c, int64_t txn_time, double amount);
RfmAddResult rfm_compact_add_micro(RfmCompact *c, int64_t txn_time,
								   rfm_int128 micro, double amount);
void		rfm_compact_widen(const RfmCompact *c, RfmAccum *acc);
/* false when acc does not fit the compact form */
bool		rfm_compact_narrow(const RfmAccum *acc, RfmCompact *c);
void		rfm_accum_indicators(const RfmAccum *acc, int64_t as_of,
								 RfmIndicators *out);
/* The two indicators the refresh ranks states by, computed exactly as
 * rfm_accum_indicators does: scores on read must match the cut points. */
double		rfm_accum_recency_days(const RfmAccum *acc, int64_t as_of);
double		rfm_accum_monetary(const RfmAccum *acc);
double		rfm_money_to_double(rfm_int128 v);

/* Decimal text of an int128 (buf >= 41 bytes); returns length. */
int			rfm_int128_to_text(rfm_int128 v, char *buf);
/* Parses an optionally signed decimal int128; returns chars consumed or 0. */
int			rfm_int128_from_text(const char *s, rfm_int128 *out);

#endif
