/*
 * rfm_state.c: the storable RFM state type and the rfm_agg aggregate.
 *
 * rfm_agg's transition state is an ordinary varlena type (rfm_state), not
 * "internal": PostgreSQL's parallel and partitionwise aggregation and Citus
 * can then ship partial states between processes and nodes through the
 * type's own send/recv and text I/O, and a state can be stored per customer
 * and merged with new transactions later (incremental scoring).
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "common/shortest_dec.h"
#include "datatype/timestamp.h"
#include "fmgr.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"

#include "core/rfm_accum.h"
#include "crm_fmgr.h"

/*
 * Two layouts share one header and are told apart by size and version: the
 * wide one (88 bytes, any totals) and the compact one (64 bytes, counts and
 * sums that fit 32/64 bits; see RfmCompact in core/rfm_accum.h).  New
 * states start compact and widen once if they outgrow it; functions read
 * both through rfm_state_load(), which yields the wide form.  The text and
 * binary forms do not depend on the layout.
 */
#define RFM_STATE_VERSION 1			/* wide layout; also the binary wire version */
#define RFM_STATE_VERSION_COMPACT 2
#define RFM_FLAG_HAS_AS_OF 0x0001	/* rows after as_of were filtered out */

typedef struct RfmState
{
	int32		vl_len_;		/* varlena header */
	uint16		version;
	uint16		flags;
	int64		as_of;			/* TimestampTz; meaningful with HAS_AS_OF */
	RfmAccum	acc;
} RfmState;

typedef struct RfmStateCompact
{
	int32		vl_len_;
	uint16		version;
	uint16		flags;
	int64		as_of;
	RfmCompact	c;
} RfmStateCompact;

#define RFM_STATE_SIZE sizeof(RfmState)
#define RFM_COMPACT_SIZE sizeof(RfmStateCompact)
StaticAssertDecl(sizeof(RfmStateCompact) == 64,
				 "the compact state must fit PostgreSQL's 64-byte allocation class");

/* An empty wide state without as_of, for the input functions to fill. */
static void
rfm_state_init(RfmState *st)
{
	memset(st, 0, RFM_STATE_SIZE);
	SET_VARSIZE(st, RFM_STATE_SIZE);
	st->version = RFM_STATE_VERSION;
	rfm_accum_init(&st->acc);
}

static RfmStateCompact *
rfm_state_new_compact(MemoryContext cxt, bool has_as_of, TimestampTz as_of)
{
	RfmStateCompact *st = MemoryContextAllocZero(cxt, RFM_COMPACT_SIZE);

	SET_VARSIZE(st, RFM_COMPACT_SIZE);
	st->version = RFM_STATE_VERSION_COMPACT;
	st->flags = has_as_of ? RFM_FLAG_HAS_AS_OF : 0;
	st->as_of = has_as_of ? as_of : 0;
	return st;
}

/*
 * The wide form of a state value: the value itself when it is wide, else
 * *buf filled from the compact one (no allocation: accessors run once per
 * stored customer).
 */
static const RfmState *
rfm_state_load(const struct varlena *raw, RfmState *buf)
{
	const RfmState *w = (const RfmState *) raw;

	if (VARSIZE(raw) == RFM_STATE_SIZE && w->version == RFM_STATE_VERSION)
		return w;
	if (VARSIZE(raw) == RFM_COMPACT_SIZE && w->version == RFM_STATE_VERSION_COMPACT)
	{
		const RfmStateCompact *c = (const RfmStateCompact *) raw;

		SET_VARSIZE(buf, RFM_STATE_SIZE);
		buf->version = RFM_STATE_VERSION;
		buf->flags = c->flags;
		buf->as_of = c->as_of;
		rfm_compact_widen(&c->c, &buf->acc);
		return buf;
	}
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("invalid rfm_state value"),
			 errdetail("Size %u, expected %zu bytes of version %d or %zu bytes of version %d.",
					   (unsigned) VARSIZE(raw), RFM_STATE_SIZE, RFM_STATE_VERSION,
					   RFM_COMPACT_SIZE, RFM_STATE_VERSION_COMPACT)));
	return NULL;				/* keep the compiler quiet */
}

/* Fetch an rfm_state argument, detoasted, checked, in its wide form. */
static const RfmState *
rfm_state_arg(FunctionCallInfo fcinfo, int argno, RfmState *buf)
{
	return rfm_state_load(PG_DETOAST_DATUM(PG_GETARG_DATUM(argno)), buf);
}

/* A state value from a wide state, compact when it fits, allocated in cxt. */
static Datum
rfm_state_pack(const RfmState *st, MemoryContext cxt)
{
	RfmCompact	c;

	if (rfm_compact_narrow(&st->acc, &c))
	{
		RfmStateCompact *out = MemoryContextAlloc(cxt, RFM_COMPACT_SIZE);

		SET_VARSIZE(out, RFM_COMPACT_SIZE);
		out->version = RFM_STATE_VERSION_COMPACT;
		out->flags = st->flags;
		out->as_of = st->as_of;
		out->c = c;
		return PointerGetDatum(out);
	}
	else
	{
		RfmState   *out = MemoryContextAlloc(cxt, RFM_STATE_SIZE);

		memcpy(out, st, RFM_STATE_SIZE);
		return PointerGetDatum(out);
	}
}

static void
report_add_error(RfmAddResult r, double amount)
{
	if (r == RFM_ADD_NOT_FINITE)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("transaction amount must be finite, got %s",
						float8out_internal(amount)),
				 errhint("Filter out or repair NaN and infinite amounts before aggregating.")));
	if (r == RFM_ADD_OVERFLOW)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("monetary total out of range"),
				 errdetail("Amounts are summed exactly in units of 1e-6; the total must stay within +/-1.7e32.")));
}

/*
 * A numeric amount, rounded exactly (half away from zero) to micro-units:
 * numeric * 10^6 -> int8 when it fits, which avoids numeric -> float8's
 * trip through text; amounts beyond +/-9.2e12 take the float8 path.
 */
static void
numeric_to_micro(Numeric num, rfm_int128 *micro, double *amount)
{
	static Numeric million = NULL,
				int8_min = NULL,
				int8_max = NULL;
	Numeric		scaled;
	bool		err = false;

	if (numeric_is_nan(num) || numeric_is_inf(num))
	{
		report_add_error(RFM_ADD_NOT_FINITE,
						 DatumGetFloat8(DirectFunctionCall1(numeric_float8, NumericGetDatum(num))));
		return;
	}
	if (million == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);

		int8_min = int64_to_numeric(-PG_INT64_MAX);
		int8_max = int64_to_numeric(PG_INT64_MAX);
		million = int64_to_numeric(1000000);
		MemoryContextSwitchTo(old);
	}
	scaled = numeric_mul_opt_error(num, million, &err);
	if (!err &&
		DatumGetInt32(DirectFunctionCall2(numeric_cmp, NumericGetDatum(scaled), NumericGetDatum(int8_min))) >= 0 &&
		DatumGetInt32(DirectFunctionCall2(numeric_cmp, NumericGetDatum(scaled), NumericGetDatum(int8_max))) <= 0)
	{
		int64		v = DatumGetInt64(DirectFunctionCall1(numeric_int8, NumericGetDatum(scaled)));

		*micro = v;
		*amount = (double) v / RFM_MONEY_SCALE;
		return;
	}
	*amount = DatumGetFloat8(DirectFunctionCall1(numeric_float8, NumericGetDatum(num)));
	if (fabs(*amount) * RFM_MONEY_SCALE >= 4.0e37)
		report_add_error(RFM_ADD_OVERFLOW, *amount);
	*micro = (rfm_int128) nearbyint(*amount * RFM_MONEY_SCALE);
}

static void
check_as_of(TimestampTz as_of)
{
	if (TIMESTAMP_NOT_FINITE(as_of))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("as_of must be a finite timestamp")));
}

static void
check_same_as_of(const RfmState *a, const RfmState *b)
{
	if (a->flags != b->flags || a->as_of != b->as_of)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot combine RFM states with different as_of"),
				 errdetail("One state was built %s, the other %s.",
						   (a->flags & RFM_FLAG_HAS_AS_OF) ?
						   psprintf("as of %s", pstrdup(timestamptz_to_str(a->as_of))) : "without as_of",
						   (b->flags & RFM_FLAG_HAS_AS_OF) ?
						   psprintf("as of %s", timestamptz_to_str(b->as_of)) : "without as_of"),
				 errhint("rfm_agg needs the same as_of on every row of a group.")));
}

/*
 * Shared row step.  In aggregate context the state is ours and is updated in
 * place (as float8_accum does), so a row costs no allocation.  A new state
 * is made in the per-row context: the executor copies a new transition value
 * into the aggregate's context anyway, and a first copy made there would
 * stay allocated, doubling the memory and spreading each group's data over
 * more cache lines.
 */
static Datum
rfm_transition(FunctionCallInfo fcinfo, bool has_as_of, int as_of_arg,
			   bool numeric_amount)
{
	MemoryContext aggcxt;
	RfmStateCompact *hdr;		/* either layout: the header is shared */
	TimestampTz as_of = 0;
	TimestampTz t;
	rfm_int128	micro = 0;
	double		amount;
	RfmAddResult r;
	RfmState   *wide;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("rfm transition function called in non-aggregate context"),
				 errhint("Use the aggregates rfm_agg() or rfm_state_agg().")));

	if (has_as_of)
	{
		if (PG_ARGISNULL(as_of_arg))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("as_of must not be NULL"),
					 errhint("Pass the date the scores are computed for, e.g. now() or a report date.")));
		as_of = PG_GETARG_TIMESTAMPTZ(as_of_arg);
	}

	if (PG_ARGISNULL(0))
	{
		if (has_as_of)
			check_as_of(as_of);
		hdr = rfm_state_new_compact(CurrentMemoryContext, has_as_of, as_of);
	}
	else
	{
		hdr = (RfmStateCompact *) PG_GETARG_POINTER(0);
		if (has_as_of && hdr->as_of != as_of)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("as_of must be the same for every row of a group"),
					 errdetail("Saw %s and %s.", pstrdup(timestamptz_to_str(hdr->as_of)),
							   pstrdup(timestamptz_to_str(as_of)))));
	}

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_POINTER(hdr); /* rows with NULL time or amount are ignored */

	t = PG_GETARG_TIMESTAMPTZ(1);
	if (TIMESTAMP_NOT_FINITE(t))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("transaction time must be finite")));
	if (has_as_of && t > as_of)
		PG_RETURN_POINTER(hdr); /* after the scoring date: not seen yet */

	if (numeric_amount)
		numeric_to_micro(PG_GETARG_NUMERIC(2), &micro, &amount);
	else
		amount = PG_GETARG_FLOAT8(2);

	if (VARSIZE(hdr) == RFM_COMPACT_SIZE)
	{
		r = numeric_amount ? rfm_compact_add_micro(&hdr->c, t, micro, amount)
			: rfm_compact_add(&hdr->c, t, amount);
		if (likely(r == RFM_ADD_OK))
			PG_RETURN_POINTER(hdr);
		if (r != RFM_ADD_WIDEN)
			report_add_error(r, amount);
		/* outgrown: continue wide (the executor adopts the new value) */
		wide = palloc(RFM_STATE_SIZE);
		(void) rfm_state_load((struct varlena *) hdr, wide);	/* fills wide */
	}
	else
		wide = (RfmState *) hdr;

	r = numeric_amount ? rfm_accum_add_micro(&wide->acc, t, micro, amount)
		: rfm_accum_add(&wide->acc, t, amount);
	if (unlikely(r != RFM_ADD_OK))
		report_add_error(r, amount);
	PG_RETURN_POINTER(wide);
}

PG_FUNCTION_INFO_V1(rfm_agg_transfn);
Datum
rfm_agg_transfn(PG_FUNCTION_ARGS)
{
	return rfm_transition(fcinfo, true, 3, false);
}

PG_FUNCTION_INFO_V1(rfm_agg_transfn_numeric);
Datum
rfm_agg_transfn_numeric(PG_FUNCTION_ARGS)
{
	return rfm_transition(fcinfo, true, 3, true);
}

/* rfm_state_agg(txn_time, amount): the as_of-free state for stored rollups */
PG_FUNCTION_INFO_V1(rfm_state_transfn);
Datum
rfm_state_transfn(PG_FUNCTION_ARGS)
{
	return rfm_transition(fcinfo, false, -1, false);
}

PG_FUNCTION_INFO_V1(rfm_state_transfn_numeric);
Datum
rfm_state_transfn_numeric(PG_FUNCTION_ARGS)
{
	return rfm_transition(fcinfo, false, -1, true);
}

/*
 * Combine two states (parallel workers, Citus shards, stored + new).  NULL
 * on either side is "no rows".  Inside an aggregate the left state is ours
 * and is merged in place; called as rfm_state_merge() it is copied first.
 */
PG_FUNCTION_INFO_V1(rfm_state_combine);
Datum
rfm_state_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	bool		in_agg = AggCheckCallContext(fcinfo, &aggcxt);
	struct varlena *raw_a;
	RfmState	abuf,
				bbuf,
				res;
	const RfmState *a,
			   *b;

	if (PG_ARGISNULL(0) && PG_ARGISNULL(1))
		PG_RETURN_NULL();
	if (PG_ARGISNULL(0))
	{
		/*
		 * The first partial state of a group (a parallel Finalize step calls
		 * this once per group and worker).  In an aggregate, b itself, once
		 * checked: the executor copies it into its own context anyway, so a
		 * copy made here would be made twice.  Called directly: a copy.
		 */
		b = rfm_state_arg(fcinfo, 1, &bbuf);
		if (in_agg && !VARATT_IS_EXTENDED(DatumGetPointer(PG_GETARG_DATUM(1))))
			PG_RETURN_DATUM(PG_GETARG_DATUM(1));
		PG_RETURN_DATUM(rfm_state_pack(b, CurrentMemoryContext));
	}
	raw_a = PG_DETOAST_DATUM(PG_GETARG_DATUM(0));
	a = rfm_state_load(raw_a, &abuf);
	if (PG_ARGISNULL(1))
		PG_RETURN_POINTER(raw_a);
	b = rfm_state_arg(fcinfo, 1, &bbuf);
	check_same_as_of(a, b);

	memcpy(&res, a, RFM_STATE_SIZE);
	if (rfm_accum_merge(&res.acc, &b->acc) != RFM_ADD_OK)
		report_add_error(RFM_ADD_OVERFLOW, 0);

	/* inside an aggregate the left state is ours: update it in place */
	if (in_agg && (Pointer) raw_a == DatumGetPointer(PG_GETARG_DATUM(0)))
	{
		if (VARSIZE(raw_a) == RFM_STATE_SIZE)
		{
			memcpy(raw_a, &res, RFM_STATE_SIZE);
			PG_RETURN_POINTER(raw_a);
		}
		if (rfm_compact_narrow(&res.acc, &((RfmStateCompact *) raw_a)->c))
			PG_RETURN_POINTER(raw_a);
	}
	PG_RETURN_DATUM(rfm_state_pack(&res, CurrentMemoryContext));
}

/* Build the rfm composite from a state, as of a date. */
static Datum
rfm_result(FunctionCallInfo fcinfo, const RfmState *st, TimestampTz as_of)
{
	TupleDesc	tupdesc;
	RfmIndicators ind;
	Datum		values[13];
	bool		nulls[13] = {0};

	tupdesc = crm_result_tupdesc(fcinfo);
	if (tupdesc->natts != 13)
		elog(ERROR, "rfm type has %d attributes, expected 13", tupdesc->natts);

	rfm_accum_indicators(&st->acc, as_of, &ind);
	values[0] = Float8GetDatum(ind.recency_days);
	values[1] = Int64GetDatum(ind.frequency);
	values[2] = Float8GetDatum(ind.monetary);
	values[3] = TimestampTzGetDatum(ind.first_txn);
	values[4] = TimestampTzGetDatum(ind.last_txn);
	values[5] = Float8GetDatum(ind.tenure_days);
	values[6] = Float8GetDatum(ind.mean_gap_days);
	nulls[6] = !ind.mean_gap_valid;
	values[7] = Float8GetDatum(ind.avg_amount);
	values[8] = Float8GetDatum(ind.purchases_per_30d);
	values[9] = Float8GetDatum(ind.max_amount);
	values[10] = Int64GetDatum(ind.refunds);
	values[11] = Float8GetDatum(ind.refund_amount);
	values[12] = Float8GetDatum(ind.overdue_ratio);
	nulls[12] = !ind.overdue_valid;
	return HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls));
}

/* rfm_agg's final function: indicators as of the state's own as_of. */
PG_FUNCTION_INFO_V1(rfm_agg_finalfn);
Datum
rfm_agg_finalfn(PG_FUNCTION_ARGS)
{
	RfmState	buf;
	const RfmState *st;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	st = rfm_state_arg(fcinfo, 0, &buf);
	if (st->acc.n_purchases == 0)
		PG_RETURN_NULL();		/* no purchase up to as_of */
	if (!(st->flags & RFM_FLAG_HAS_AS_OF))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("this rfm_state has no as_of"),
				 errhint("Use rfm_final(state, as_of).")));
	return rfm_result(fcinfo, st, st->as_of);
}

/* rfm_final(state, as_of): indicators of a stored state as of a date. */
PG_FUNCTION_INFO_V1(rfm_final);
Datum
rfm_final(PG_FUNCTION_ARGS)
{
	RfmState	buf;
	const RfmState *st = rfm_state_arg(fcinfo, 0, &buf);
	TimestampTz as_of = PG_GETARG_TIMESTAMPTZ(1);

	check_as_of(as_of);
	if ((st->flags & RFM_FLAG_HAS_AS_OF) && as_of != st->as_of)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("this rfm_state was built as of %s, not %s",
						pstrdup(timestamptz_to_str(st->as_of)), pstrdup(timestamptz_to_str(as_of))),
				 errdetail("Rows after its as_of were left out when it was built."),
				 errhint("Build states with rfm_state_agg(txn_time, amount) to score them at any date.")));
	if (st->acc.n_purchases == 0)
		PG_RETURN_NULL();
	if (st->acc.last_purchase > as_of)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("rfm_state holds purchases after as_of %s", timestamptz_to_str(as_of)),
				 errdetail("Its last purchase is at %s.", timestamptz_to_str(st->acc.last_purchase)),
				 errhint("Score at a date on or after the last transaction merged into the state.")));
	return rfm_result(fcinfo, st, as_of);
}

/*
 * Text form: "rfm1:<as_of>:<purchases>:<refunds>:<first>:<last>:<purchase
 * sum>:<refund sum>:<max amount>", timestamps as PostgreSQL microseconds,
 * sums in micro-units, as_of "-" when absent.  Integers and shortest-exact
 * float text make it exact and fast, which Citus relies on when it ships
 * partial states between nodes as text.
 */
PG_FUNCTION_INFO_V1(rfm_state_out);
Datum
rfm_state_out(PG_FUNCTION_ARGS)
{
	RfmState	buf;
	const RfmState *st = rfm_state_arg(fcinfo, 0, &buf);
	char		ps[48],
				rs[48],
				mx[32];

	rfm_int128_to_text(money_get(st->acc.purchase_sum), ps);
	rfm_int128_to_text(money_get(st->acc.refund_sum), rs);
	double_to_shortest_decimal_buf(st->acc.max_amount, mx);
	PG_RETURN_CSTRING(psprintf("rfm1:%s:" INT64_FORMAT ":" INT64_FORMAT
							   ":" INT64_FORMAT ":" INT64_FORMAT ":%s:%s:%s",
							   (st->flags & RFM_FLAG_HAS_AS_OF) ?
							   psprintf(INT64_FORMAT, st->as_of) : "-",
							   st->acc.n_purchases, st->acc.n_refunds,
							   st->acc.first_purchase, st->acc.last_purchase, ps, rs, mx));
}

/* Reject states no accumulation could have produced. */
static void
rfm_state_validate(const RfmState *st, int sqlstate, const char *input)
{
	const RfmAccum *a = &st->acc;
	const char *why = NULL;

	if (a->n_purchases < 0 || a->n_refunds < 0)
		why = "negative counts";
	else if (money_get(a->purchase_sum) < 0 || money_get(a->refund_sum) > 0)
		why = "purchase sum must be >= 0 and refund sum <= 0";
	else if (a->n_refunds == 0 && money_get(a->refund_sum) != 0)
		why = "refund sum without refunds";
	else if (a->n_purchases == 0 &&
			 (money_get(a->purchase_sum) != 0 || a->first_purchase != 0 ||
			  a->last_purchase != 0 || a->max_amount != 0))
		why = "purchase fields set without purchases";
	else if (a->n_purchases > 0 &&
			 (a->first_purchase > a->last_purchase || !(a->max_amount > 0) ||
			  !isfinite(a->max_amount) ||
			  !IS_VALID_TIMESTAMP(a->first_purchase) ||
			  !IS_VALID_TIMESTAMP(a->last_purchase) ||
			  (a->n_purchases == 1 && a->first_purchase != a->last_purchase) ||
			  /* the largest purchase cannot exceed the sum of all purchases */
			  a->max_amount * RFM_MONEY_SCALE >
			  (double) money_get(a->purchase_sum) * (1 + 1e-12) + 1))
		why = "inconsistent purchase fields";
	else if ((st->flags & RFM_FLAG_HAS_AS_OF) &&
			 (!IS_VALID_TIMESTAMP(st->as_of) ||
			  (a->n_purchases > 0 && a->last_purchase > st->as_of)))
		why = "purchases after as_of";
	else if (st->flags & ~RFM_FLAG_HAS_AS_OF)
		why = "unknown flags";
	if (why)
		ereport(ERROR,
				(errcode(sqlstate),
				 errmsg("invalid rfm_state: %s", why),
				 input ? errdetail("Input: \"%s\".", input) : 0));
}

static const char *
parse_int64_field(const char *p, int64 *out, bool *ok)
{
	char	   *end;

	errno = 0;
	*out = strtoi64(p, &end, 10);
	if (end == p || errno != 0 || (*end != ':' && *end != '\0'))
		*ok = false;
	return end;
}

PG_FUNCTION_INFO_V1(rfm_state_in);
Datum
rfm_state_in(PG_FUNCTION_ARGS)
{
	char	   *input = PG_GETARG_CSTRING(0);
	RfmState	wide;				/* filled here, packed once at the end */
	RfmState   *st = &wide;
	const char *p = input;
	bool		ok = true;
	int			used;
	char	   *end;
	rfm_int128	v128;

	rfm_state_init(st);
	if (strncmp(p, "rfm1:", 5) != 0)
		ok = false;
	else
	{
		p += 5;
		if (*p == '-')
			p++;
		else
		{
			st->flags |= RFM_FLAG_HAS_AS_OF;
			p = parse_int64_field(p, &st->as_of, &ok);
		}
		/* the integer fields in text order, then the two sums */
		{
			int64	   *ints[] = {&st->acc.n_purchases, &st->acc.n_refunds,
								   &st->acc.first_purchase, &st->acc.last_purchase};
			RfmMoney   *sums[] = {&st->acc.purchase_sum, &st->acc.refund_sum};
			int			i;

			for (i = 0; ok && i < lengthof(ints); i++)
			{
				if (*p != ':')
					ok = false;
				else
					p = parse_int64_field(p + 1, ints[i], &ok);
			}
			for (i = 0; ok && i < lengthof(sums); i++)
			{
				if (*p != ':' || (used = rfm_int128_from_text(p + 1, &v128)) <= 0)
					ok = false;
				else
				{
					*sums[i] = money_make(v128);
					p += 1 + used;
				}
			}
		}
		if (ok && *p == ':')
		{
			errno = 0;
			st->acc.max_amount = strtod(p + 1, &end);
			/* strtod flags a subnormal with ERANGE, yet output prints them:
			 * accept what is finite and nonzero, as float8in does */
			if (end == p + 1 || *end != '\0' ||
				(errno != 0 && !(errno == ERANGE && st->acc.max_amount != 0 &&
								 isfinite(st->acc.max_amount))))
				ok = false;
		}
		else
			ok = false;
	}
	if (!ok)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type rfm_state: \"%s\"", input),
				 errhint("Expected rfm1:<as_of|->:<purchases>:<refunds>:<first>:<last>:<purchase sum>:<refund sum>:<max amount>.")));
	rfm_state_validate(st, ERRCODE_INVALID_TEXT_REPRESENTATION, input);
	PG_RETURN_DATUM(rfm_state_pack(st, CurrentMemoryContext));
}

static void
send_money(StringInfo buf, RfmMoney v)
{
	pq_sendint64(buf, v.hi);
	pq_sendint64(buf, (int64) v.lo);
}

static RfmMoney
recv_money(StringInfo buf)
{
	RfmMoney	m;

	m.hi = pq_getmsgint64(buf);
	m.lo = (uint64) pq_getmsgint64(buf);
	return m;
}

PG_FUNCTION_INFO_V1(rfm_state_send);
Datum
rfm_state_send(PG_FUNCTION_ARGS)
{
	RfmState	wide;
	const RfmState *st = rfm_state_arg(fcinfo, 0, &wide);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendint16(&buf, RFM_STATE_VERSION);	/* the wire format, whatever the layout */
	pq_sendint16(&buf, st->flags);
	pq_sendint64(&buf, st->as_of);
	pq_sendint64(&buf, st->acc.n_purchases);
	pq_sendint64(&buf, st->acc.n_refunds);
	pq_sendint64(&buf, st->acc.first_purchase);
	pq_sendint64(&buf, st->acc.last_purchase);
	send_money(&buf, st->acc.purchase_sum);
	send_money(&buf, st->acc.refund_sum);
	pq_sendfloat8(&buf, st->acc.max_amount);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(rfm_state_recv);
Datum
rfm_state_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	RfmState	wide;				/* filled here, packed once at the end */
	RfmState   *st = &wide;
	const int	wire_size = 2 + 2 + 8 * 5 + 16 * 2 + 8;

	rfm_state_init(st);
	if (buf->len - buf->cursor != wire_size)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary rfm_state: %d bytes, expected %d",
						buf->len - buf->cursor, wire_size)));
	st->version = pq_getmsgint(buf, 2);
	if (st->version != RFM_STATE_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("unsupported rfm_state version %d", st->version)));
	st->flags = pq_getmsgint(buf, 2);
	st->as_of = pq_getmsgint64(buf);
	st->acc.n_purchases = pq_getmsgint64(buf);
	st->acc.n_refunds = pq_getmsgint64(buf);
	st->acc.first_purchase = pq_getmsgint64(buf);
	st->acc.last_purchase = pq_getmsgint64(buf);
	st->acc.purchase_sum = recv_money(buf);
	st->acc.refund_sum = recv_money(buf);
	st->acc.max_amount = pq_getmsgfloat8(buf);
	rfm_state_validate(st, ERRCODE_INVALID_BINARY_REPRESENTATION, NULL);
	PG_RETURN_DATUM(rfm_state_pack(st, CurrentMemoryContext));
}

/*
 * Cheap accessors of a state, for queries over many stored states (the
 * refresh's scoring pass) that need one or two indicators, not the whole
 * rfm row.  NULL when the state holds no purchase.
 */
PG_FUNCTION_INFO_V1(rfm_state_recency);
Datum
rfm_state_recency(PG_FUNCTION_ARGS)
{
	RfmState	buf;
	const RfmState *st = rfm_state_arg(fcinfo, 0, &buf);
	TimestampTz as_of = PG_GETARG_TIMESTAMPTZ(1);

	if (st->acc.n_purchases == 0)
		PG_RETURN_NULL();
	check_as_of(as_of);
	PG_RETURN_FLOAT8(rfm_accum_recency_days(&st->acc, as_of));
}

PG_FUNCTION_INFO_V1(rfm_state_frequency);
Datum
rfm_state_frequency(PG_FUNCTION_ARGS)
{
	RfmState	buf;
	const RfmState *st = rfm_state_arg(fcinfo, 0, &buf);

	if (st->acc.n_purchases == 0)
		PG_RETURN_NULL();
	PG_RETURN_INT64(st->acc.n_purchases);
}

PG_FUNCTION_INFO_V1(rfm_state_monetary);
Datum
rfm_state_monetary(PG_FUNCTION_ARGS)
{
	RfmState	buf;
	const RfmState *st = rfm_state_arg(fcinfo, 0, &buf);

	if (st->acc.n_purchases == 0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(rfm_accum_monetary(&st->acc));
}
