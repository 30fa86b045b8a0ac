/*
 * rfm_features.c: an indicator vector from an rfm row, by field name.
 *
 * The case-based classifier needs a float8[] per customer; building it with
 * SQL expressions per row costs more than the classification itself.  The
 * field names are resolved to attribute numbers once per query (fn_extra).
 * Two fields are NULL by definition for one-purchase customers and get the
 * documented stand-ins: mean_gap_days -> tenure_days, overdue_ratio ->
 * recency_days / max(tenure_days, 30).
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/typcache.h"

typedef struct FeatureMap
{
	Oid			tupType;
	int32		tupTypmod;
	int			nfields;
	ArrayType  *names;			/* cache key: a copy of the names array */
	int		   *attno;			/* 1-based attribute of each field */
	Oid		   *atttype;
	char	   *standin;		/* 'g' mean_gap_days, 'o' overdue_ratio, 0 none */
	int			att_recency,
				att_tenure;
} FeatureMap;

static int
find_att(TupleDesc td, const char *name)
{
	int			i;

	for (i = 0; i < td->natts; i++)
	{
		Form_pg_attribute a = TupleDescAttr(td, i);

		if (!a->attisdropped && strcmp(NameStr(a->attname), name) == 0)
			return i + 1;
	}
	return 0;
}

static FeatureMap *
build_map(FunctionCallInfo fcinfo, HeapTupleHeader rec, ArrayType *names)
{
	Oid			tupType = HeapTupleHeaderGetTypeId(rec);
	int32		tupTypmod = HeapTupleHeaderGetTypMod(rec);
	TupleDesc	td = lookup_rowtype_tupdesc(tupType, tupTypmod);
	MemoryContext old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
	FeatureMap *m = palloc0(sizeof(FeatureMap));
	Datum	   *elems;
	bool	   *nulls;
	int			n,
				i;

	deconstruct_array(names, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	m->tupType = tupType;
	m->tupTypmod = tupTypmod;
	m->nfields = n;
	m->names = DatumGetArrayTypePCopy(PointerGetDatum(names));
	m->attno = palloc(sizeof(int) * n);
	m->atttype = palloc(sizeof(Oid) * n);
	m->standin = palloc0(n);
	m->att_recency = find_att(td, "recency_days");
	m->att_tenure = find_att(td, "tenure_days");
	for (i = 0; i < n; i++)
	{
		char	   *name;

		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("field names must not be NULL")));
		name = TextDatumGetCString(elems[i]);
		m->attno[i] = find_att(td, name);
		if (m->attno[i] == 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("rfm has no field \"%s\"", name),
					 errhint("Use fields of the rfm type, e.g. recency_days, frequency, monetary.")));
		m->atttype[i] = TupleDescAttr(td, m->attno[i] - 1)->atttypid;
		if (strcmp(name, "mean_gap_days") == 0)
			m->standin[i] = 'g';
		else if (strcmp(name, "overdue_ratio") == 0)
			m->standin[i] = 'o';
		if (m->atttype[i] != FLOAT8OID && m->atttype[i] != INT8OID)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("field \"%s\" is not numeric", name)));
	}
	MemoryContextSwitchTo(old);
	ReleaseTupleDesc(td);
	return m;
}

static double
field_value(HeapTupleHeader rec, int attno, Oid type, bool *isnull)
{
	Datum		d = GetAttributeByNum(rec, attno, isnull);

	if (*isnull)
		return 0;
	return type == INT8OID ? (double) DatumGetInt64(d) : DatumGetFloat8(d);
}

PG_FUNCTION_INFO_V1(rfm_features);
Datum
rfm_features(PG_FUNCTION_ARGS)
{
	HeapTupleHeader rec = PG_GETARG_HEAPTUPLEHEADER(0);
	ArrayType  *names = PG_GETARG_ARRAYTYPE_P(1);
	FeatureMap *m = (FeatureMap *) fcinfo->flinfo->fn_extra;
	Datum	   *out;
	int			i;

	if (ARR_NDIM(names) != 1 || ArrayGetNItems(1, ARR_DIMS(names)) < 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("fields must be a non-empty one-dimensional text array")));
	if (m == NULL || m->tupType != HeapTupleHeaderGetTypeId(rec) ||
		VARSIZE(m->names) != VARSIZE(names) || memcmp(m->names, names, VARSIZE(names)) != 0)
	{
		m = build_map(fcinfo, rec, names);
		fcinfo->flinfo->fn_extra = m;
	}
	out = palloc(sizeof(Datum) * m->nfields);
	for (i = 0; i < m->nfields; i++)
	{
		bool		isnull;
		double		v = field_value(rec, m->attno[i], m->atttype[i], &isnull);

		if (isnull)
		{
			/* the two fields that are NULL for a single purchase */
			bool		rnull,
						tnull;
			double		recency = m->att_recency ? field_value(rec, m->att_recency, FLOAT8OID, &rnull) : 0;
			double		tenure = m->att_tenure ? field_value(rec, m->att_tenure, FLOAT8OID, &tnull) : 0;

			if (m->att_recency == 0 || m->att_tenure == 0 || rnull || tnull)
				PG_RETURN_NULL();	/* a NULL rfm (no purchase) has no features */
			if (m->standin[i] == 'g')
				v = tenure;
			else if (m->standin[i] == 'o')
				v = recency / fmax(tenure, 30.0);
			else
				PG_RETURN_NULL();
		}
		out[i] = Float8GetDatum(v);
	}
	PG_RETURN_ARRAYTYPE_P(construct_array(out, m->nfields, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}
