/*
 * segment_map.h: RFM score -> segment maps (pure C).
 *
 * The built-in map is the 11-segment R x FM grid documented in README.md.
 * User maps are lists of rules (score ranges + priority) compiled into a
 * lookup table of every (r, f, m) cell, which is also where gaps, ambiguous
 * overlaps and rules that can never match are found.
 */
#ifndef CRM_SEGMENT_MAP_H
#define CRM_SEGMENT_MAP_H

#include <stdint.h>

#define SEGMENT_MAX_SCORE 10

/* The 11 built-in segment names, indexed by rfm11_segment()'s result. */
extern const char *const rfm11_names[11];

/* Segment index for scores 1..5 (caller validates the range). */
int			rfm11_segment(int r, int f, int m);

typedef struct SegmentRule
{
	int			priority;
	int			segment;		/* index into the caller's name list */
	int			lo[3];			/* r, f, m lower bounds, inclusive */
	int			hi[3];
} SegmentRule;

typedef enum SegmentMapProblem
{
	SEGMAP_OK = 0,
	SEGMAP_GAP,					/* a cell no rule covers */
	SEGMAP_AMBIGUOUS			/* two same-priority rules, different segments */
} SegmentMapProblem;

/*
 * Compile rules (sorted by priority ascending = first wins) for scores
 * 1..max_score into cells[max_score^3] of rule indexes, index of cell
 * (r, f, m) = ((r-1) * S + (f-1)) * S + (m-1).  wins[i] counts the cells
 * rule i decides (0: the rule can never match).  On a problem, *bad_cell is
 * the first offending cell and *rule_a / *rule_b the rules involved.
 */
SegmentMapProblem segment_map_compile(const SegmentRule *rules, int nrules,
									  int max_score, int16_t *cells, int64_t *wins,
									  int *bad_cell, int *rule_a, int *rule_b,
									  int *gap_count);

#endif
