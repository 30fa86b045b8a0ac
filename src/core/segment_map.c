/*
 * segment_map.c: see segment_map.h.
 */
#include "core/segment_map.h"

const char *const rfm11_names[11] = {
	"Champions", "Loyal Customers", "Potential Loyalist", "New Customers",
	"Promising", "Need Attention", "About To Sleep", "At Risk",
	"Can't Lose Them", "Hibernating", "Lost"
};

enum
{
	CHAMP, LOYAL, POTENTIAL, NEW, PROMISING, ATTENTION, SLEEP, RISK, CANTLOSE,
	HIBERNATING, LOST
};

/*
 * Rows R = 5..1, columns FM = 1..5, FM = ceil((F + M) / 2).  Each segment is
 * one non-overlapping block inside its published R / FM ranges (README), so
 * every cell has exactly one segment and no segment hides behind another
 * (the trap of reading those ranges as first-match rules).
 */
static const signed char rfm11_grid[5][5] = {
	/* R=5 */ {NEW, POTENTIAL, POTENTIAL, CHAMP, CHAMP},
	/* R=4 */ {PROMISING, POTENTIAL, POTENTIAL, LOYAL, LOYAL},
	/* R=3 */ {SLEEP, SLEEP, ATTENTION, LOYAL, LOYAL},
	/* R=2 */ {HIBERNATING, HIBERNATING, RISK, RISK, RISK},
	/* R=1 */ {LOST, LOST, RISK, CANTLOSE, CANTLOSE},
};

int
rfm11_segment(int r, int f, int m)
{
	int			fm = (f + m + 1) / 2;

	return rfm11_grid[5 - r][fm - 1];
}

SegmentMapProblem
segment_map_compile(const SegmentRule *rules, int nrules, int max_score,
					int16_t *cells, int64_t *wins, int *bad_cell,
					int *rule_a, int *rule_b, int *gap_count)
{
	int			S = max_score;
	int			ncells = S * S * S;
	int			i,
				c;

	for (c = 0; c < ncells; c++)
		cells[c] = -1;
	for (i = 0; i < nrules; i++)
		wins[i] = 0;
	*gap_count = 0;

	for (i = 0; i < nrules; i++)
	{
		const SegmentRule *ru = &rules[i];
		int			r,
					f,
					m;

		for (r = ru->lo[0]; r <= ru->hi[0]; r++)
			for (f = ru->lo[1]; f <= ru->hi[1]; f++)
				for (m = ru->lo[2]; m <= ru->hi[2]; m++)
				{
					int			cell = ((r - 1) * S + (f - 1)) * S + (m - 1);
					int			owner = cells[cell];

					if (owner < 0)
					{
						cells[cell] = (int16_t) i;
						wins[i]++;
					}
					else if (rules[owner].priority == ru->priority &&
							 rules[owner].segment != ru->segment)
					{
						*bad_cell = cell;
						*rule_a = owner;
						*rule_b = i;
						return SEGMAP_AMBIGUOUS;
					}
				}
	}
	for (c = 0; c < ncells; c++)
		if (cells[c] < 0)
		{
			if (*gap_count == 0)
				*bad_cell = c;
			(*gap_count)++;
		}
	return *gap_count > 0 ? SEGMAP_GAP : SEGMAP_OK;
}
