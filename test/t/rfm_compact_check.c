/*
 * rfm_compact_check.c: the compact accumulator at its limits.  Each add
 * either succeeds exactly as the wide accumulator does or reports
 * RFM_ADD_WIDEN and leaves the compact state untouched, so that widening it
 * and redoing the add on the wide form gives the wide result.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/rfm_accum.h"

void
crm_check_interrupts(void)
{
}

static int	failures = 0;

static void
expect(int cond, const char *what)
{
	if (!cond)
	{
		printf("FAILED: %s\n", what);
		failures++;
	}
}

/* add to the compact state, widening on demand; compare with a wide twin */
static void
step(RfmCompact *c, int *is_wide, RfmAccum *w, RfmAccum *ref, int64_t t, double amount)
{
	RfmAddResult r;

	expect(rfm_accum_add(ref, t, amount) == RFM_ADD_OK, "wide reference add");
	if (!*is_wide)
	{
		RfmCompact before = *c;

		r = rfm_compact_add(c, t, amount);
		if (r == RFM_ADD_OK)
			return;
		expect(r == RFM_ADD_WIDEN, "compact add says OK or WIDEN");
		expect(memcmp(&before, c, sizeof(before)) == 0, "WIDEN leaves the compact state unchanged");
		rfm_compact_widen(c, w);
		*is_wide = 1;
	}
	expect(rfm_accum_add(w, t, amount) == RFM_ADD_OK, "wide add after widening");
}

static int
same(const RfmAccum *a, const RfmAccum *b)
{
	return a->n_purchases == b->n_purchases && a->n_refunds == b->n_refunds &&
		a->first_purchase == b->first_purchase && a->last_purchase == b->last_purchase &&
		money_get(a->purchase_sum) == money_get(b->purchase_sum) &&
		money_get(a->refund_sum) == money_get(b->refund_sum) && a->max_amount == b->max_amount;
}

int
main(void)
{
	static const double amounts[] = {1.5, -0.25, 9.2e12, 4e6, -9.2e12, -9.2e12, 1e13, 3.0};
	RfmCompact	c;
	RfmAccum	w,
				ref,
				got;
	int			is_wide = 0;
	int			i;

	/* sums crossing int64 micro-units both ways, and one amount beyond it */
	memset(&c, 0, sizeof(c));
	rfm_accum_init(&w);
	rfm_accum_init(&ref);
	for (i = 0; i < (int) (sizeof(amounts) / sizeof(amounts[0])); i++)
		step(&c, &is_wide, &w, &ref, 1000 * i, amounts[i]);
	expect(is_wide, "the state widened");
	expect(same(&w, &ref), "widened state equals the wide reference");

	/* counts at INT32_MAX: the next purchase or refund needs the wide form */
	memset(&c, 0, sizeof(c));
	c.n_purchases = INT32_MAX - 1;
	c.first_purchase = c.last_purchase = 5;
	c.purchase_sum = 1;
	c.max_amount = 1e-6;
	expect(rfm_compact_add(&c, 7, 1.0) == RFM_ADD_OK, "purchase count reaches INT32_MAX");
	expect(rfm_compact_add(&c, 8, 1.0) == RFM_ADD_WIDEN, "one more purchase widens");
	expect(c.n_purchases == INT32_MAX && c.last_purchase == 7, "and changed nothing");
	c.n_refunds = INT32_MAX;
	expect(rfm_compact_add(&c, 8, -1.0) == RFM_ADD_WIDEN, "a refund beyond INT32_MAX widens");
	rfm_compact_widen(&c, &got);
	expect(got.n_purchases == INT32_MAX && got.n_refunds == INT32_MAX, "widen keeps the counts");

	/* narrow: only what fits, and it round-trips */
	expect(!rfm_compact_narrow(&ref, &c), "a sum beyond int64 does not narrow");
	rfm_accum_init(&w);
	expect(rfm_accum_add(&w, 1, 12.5) == RFM_ADD_OK && rfm_accum_add(&w, 3, -2) == RFM_ADD_OK, "small wide state");
	expect(rfm_compact_narrow(&w, &c), "a small state narrows");
	rfm_compact_widen(&c, &got);
	expect(same(&w, &got), "narrow then widen round-trips");
	w.n_refunds = (int64_t) INT32_MAX + 1;
	expect(!rfm_compact_narrow(&w, &c), "a count beyond INT32_MAX does not narrow");

	/* non-finite amounts are errors, not widening */
	memset(&c, 0, sizeof(c));
	expect(rfm_compact_add(&c, 1, INFINITY) == RFM_ADD_NOT_FINITE, "infinity is not finite");
	expect(rfm_compact_add(&c, 1, NAN) == RFM_ADD_NOT_FINITE, "NaN is not finite");

	if (failures == 0)
		printf("compact accumulator limits ok");
	return failures != 0;
}
