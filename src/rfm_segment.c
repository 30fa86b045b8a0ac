/*
 * rfm_segment.c: RFM scores -> segment names.
 *
 * rfm_segment(r, f, m) is the built-in 11-segment map.  rfm_segment(r, f,
 * m, map_name) applies a user map kept in rfm_segment_maps/rfm_segment_rules:
 * the rules are read with SPI and compiled into a lookup table once per
 * query (cached in fn_extra), then every row is one array lookup.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "core/segment_map.h"
#include "crm_fmgr.h"

static void
check_score(const char *what, int v, int max_score)
{
	if (v < 1 || v > max_score)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("%s score %d is out of range", what, v),
				 errdetail("Scores of this map run from 1 to %d.", max_score)));
}

PG_FUNCTION_INFO_V1(rfm_segment_default);
Datum
rfm_segment_default(PG_FUNCTION_ARGS)
{
	int			r = PG_GETARG_INT32(0),
				f = PG_GETARG_INT32(1),
				m = PG_GETARG_INT32(2);

	check_score("recency", r, 5);
	check_score("frequency", f, 5);
	check_score("monetary", m, 5);
	PG_RETURN_TEXT_P(cstring_to_text(rfm11_names[rfm11_segment(r, f, m)]));
}

typedef struct CompiledMap
{
	text	   *map_name;		/* the cache key, with when it was read */
	CrmReadStamp read;
	int			max_score;
	int			nsegments;
	text	  **segments;		/* distinct segment names */
	int16	   *cells;			/* rule index per (r, f, m) cell */
	int		   *rule_segment;	/* rule index -> segment index */
} CompiledMap;

static const char *
cell_text(int cell, int S)
{
	return psprintf("(r=%d, f=%d, m=%d)", cell / (S * S) + 1, (cell / S) % S + 1, cell % S + 1);
}

static const char *
rule_text(const SegmentRule *ru, text **segments)
{
	return psprintf("\"%s\" (priority %d, r %d-%d, f %d-%d, m %d-%d)",
					text_to_cstring(segments[ru->segment]), ru->priority,
					ru->lo[0], ru->hi[0], ru->lo[1], ru->hi[1], ru->lo[2], ru->hi[2]);
}

/* Read and compile a user map; result lives in cxt. */
static CompiledMap *
compile_map(FunctionCallInfo fcinfo, text *map_name, MemoryContext cxt)
{
	/* the map tables live in the schema of this function, the extension's */
	const char *qs = crm_ext_schema(fcinfo);
	char	   *sql;
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1] = {PointerGetDatum(map_name)};
	MemoryContext old;
	CompiledMap *cm;
	SegmentRule *rules;
	int64	   *wins;
	uint64		nrows,
				i;
	int			nrules = 0,
				bad_cell = 0,
				rule_a = 0,
				rule_b = 0,
				gaps = 0;
	SegmentMapProblem problem;
	char	   *name = text_to_cstring(map_name);

	sql = psprintf("SELECT m.max_score, r.segment, r.priority, "
				   "r.r_min, coalesce(r.r_max, m.max_score), "
				   "r.f_min, coalesce(r.f_max, m.max_score), "
				   "r.m_min, coalesce(r.m_max, m.max_score) "
				   "FROM %s.rfm_segment_maps m LEFT JOIN %s.rfm_segment_rules r "
				   "ON r.map_name = m.map_name WHERE m.map_name = $1 "
				   "ORDER BY r.priority, r.segment, r.r_min, r.f_min, r.m_min",
				   qs, qs);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_with_args(sql, 1, argtypes, args, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read segment map \"%s\"", name);
	nrows = SPI_processed;
	if (nrows > PG_INT16_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("segment map \"%s\" has %llu rules, more than the %d supported",
						name, (unsigned long long) nrows, PG_INT16_MAX)));
	if (nrows == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("segment map \"%s\" does not exist", name),
				 errhint("Insert it into %s.rfm_segment_maps and its rules into %s.rfm_segment_rules.",
						 qs, qs)));

	old = MemoryContextSwitchTo(cxt);
	cm = palloc0(sizeof(CompiledMap));
	cm->map_name = DatumGetTextPCopy(PointerGetDatum(map_name));
	rules = palloc0(sizeof(SegmentRule) * nrows);
	cm->segments = palloc0(sizeof(text *) * nrows);
	cm->rule_segment = palloc0(sizeof(int) * nrows);
	MemoryContextSwitchTo(old);

	for (i = 0; i < nrows; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	td = SPI_tuptable->tupdesc;
		bool		isnull;
		Datum		d;
		text	   *seg;
		int			k,
					s;

		cm->max_score = DatumGetInt32(SPI_getbinval(tup, td, 1, &isnull));
		d = SPI_getbinval(tup, td, 2, &isnull);
		if (isnull)
			continue;			/* map without rules: reported as a gap */
		seg = DatumGetTextPP(d);
		for (s = 0; s < cm->nsegments; s++)
			if (VARSIZE_ANY_EXHDR(seg) == VARSIZE_ANY_EXHDR(cm->segments[s]) &&
				memcmp(VARDATA_ANY(seg), VARDATA_ANY(cm->segments[s]), VARSIZE_ANY_EXHDR(seg)) == 0)
				break;
		if (s == cm->nsegments)
		{
			old = MemoryContextSwitchTo(cxt);
			cm->segments[cm->nsegments++] = DatumGetTextPCopy(d);
			MemoryContextSwitchTo(old);
		}
		rules[nrules].segment = s;
		rules[nrules].priority = DatumGetInt32(SPI_getbinval(tup, td, 3, &isnull));
		for (k = 0; k < 3; k++)
		{
			rules[nrules].lo[k] = DatumGetInt32(SPI_getbinval(tup, td, 4 + 2 * k, &isnull));
			rules[nrules].hi[k] = DatumGetInt32(SPI_getbinval(tup, td, 5 + 2 * k, &isnull));
		}
		nrules++;
	}
	SPI_finish();

	for (i = 0; i < nrules; i++)
	{
		int			k;

		for (k = 0; k < 3; k++)
			if (rules[i].lo[k] < 1 || rules[i].hi[k] > cm->max_score ||
				rules[i].lo[k] > rules[i].hi[k])
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("segment map \"%s\": rule %s has a range outside 1..%d",
								name, rule_text(&rules[i], cm->segments), cm->max_score)));
		cm->rule_segment[i] = rules[i].segment;
	}

	cm->cells = MemoryContextAlloc(cxt, sizeof(int16) * cm->max_score * cm->max_score * cm->max_score);
	wins = palloc(sizeof(int64) * (nrules + 1));
	problem = segment_map_compile(rules, nrules, cm->max_score, cm->cells, wins,
								  &bad_cell, &rule_a, &rule_b, &gaps);
	if (problem == SEGMAP_AMBIGUOUS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("segment map \"%s\" has overlapping rules of equal priority", name),
				 errdetail("Rules %s and %s both cover %s.",
						   rule_text(&rules[rule_a], cm->segments),
						   rule_text(&rules[rule_b], cm->segments),
						   cell_text(bad_cell, cm->max_score)),
				 errhint("Give one of them a different priority (lower wins) or make the ranges disjoint.")));
	if (problem == SEGMAP_GAP)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("segment map \"%s\" leaves %d score combinations without a segment", name, gaps),
				 errdetail("The first is %s.", cell_text(bad_cell, cm->max_score)),
				 errhint("Add a rule covering them, for example a catch-all rule with the largest priority number.")));
	for (i = 0; i < nrules; i++)
		if (wins[i] == 0)
			ereport(WARNING,
					(errcode(ERRCODE_WARNING),
					 errmsg("segment map \"%s\": rule %s can never match", name,
							rule_text(&rules[i], cm->segments)),
					 errdetail("Rules with a smaller priority number cover all of its scores.")));
	return cm;
}

static CompiledMap *
get_map(FunctionCallInfo fcinfo, text *map_name)
{
	CompiledMap *cm = (CompiledMap *) fcinfo->flinfo->fn_extra;

	/* reread when the name changes or a later command may see other rules
	 * (a PL/pgSQL loop that edits the map keeps this cache across statements) */
	if (cm == NULL || !crm_stamp_current(&cm->read) ||
		VARSIZE_ANY_EXHDR(cm->map_name) != VARSIZE_ANY_EXHDR(map_name) ||
		memcmp(VARDATA_ANY(cm->map_name), VARDATA_ANY(map_name), VARSIZE_ANY_EXHDR(map_name)) != 0)
	{
		cm = compile_map(fcinfo, map_name, fcinfo->flinfo->fn_mcxt);
		crm_stamp_now(&cm->read);
		fcinfo->flinfo->fn_extra = cm;
	}
	return cm;
}

PG_FUNCTION_INFO_V1(rfm_segment_map);
Datum
rfm_segment_map(PG_FUNCTION_ARGS)
{
	int			r = PG_GETARG_INT32(0),
				f = PG_GETARG_INT32(1),
				m = PG_GETARG_INT32(2);
	CompiledMap *cm = get_map(fcinfo, PG_GETARG_TEXT_PP(3));
	int			S = cm->max_score;
	int			rule;

	check_score("recency", r, S);
	check_score("frequency", f, S);
	check_score("monetary", m, S);
	rule = cm->cells[((r - 1) * S + (f - 1)) * S + (m - 1)];
	PG_RETURN_TEXT_P(DatumGetTextPCopy(PointerGetDatum(cm->segments[cm->rule_segment[rule]])));
}

/* rfm_segment_map_validate(map_name): compile once, raising what is wrong. */
PG_FUNCTION_INFO_V1(rfm_segment_map_validate);
Datum
rfm_segment_map_validate(PG_FUNCTION_ARGS)
{
	CompiledMap *cm = compile_map(fcinfo, PG_GETARG_TEXT_PP(0), CurrentMemoryContext);

	PG_RETURN_INT32(cm->nsegments);
}
