
-- ===================================================================
-- Aggregate support functions are not for direct calls: a hand-made state
-- passed to them could only produce garbage.  Aggregates keep working for
-- everyone, because PostgreSQL checks these functions' EXECUTE privilege
-- against the aggregate's owner, not the caller.
-- ===================================================================
REVOKE EXECUTE ON FUNCTION
    rfm_agg_transfn(rfm_state, timestamptz, float8, timestamptz),
    rfm_agg_transfn(rfm_state, timestamptz, numeric, timestamptz),
    rfm_state_transfn(rfm_state, timestamptz, float8),
    rfm_state_transfn(rfm_state, timestamptz, numeric),
    rfm_agg_finalfn(rfm_state),
    rfm_breaks_transfn(internal, float8),
    rfm_breaks_finalfn(internal, int, float8),
    spend_by_period_transfn(int8[], timestamptz, float8, timestamptz, interval, int),
    spend_by_period_combine(int8[], int8[]),
    spend_by_period_final(int8[]),
    feature_stats_accum(float8[], float8[]),
    feature_stats_combine(float8[], float8[]),
    feature_stats_final(float8[]),
    kmeans_accum(float8[], float8[], int),
    kmeans_accum(float8[], float8[], int, int),
    kmeans_combine(float8[], float8[]),
    kmeans_final(float8[])
FROM PUBLIC;

-- spend_by_period's calendar periods follow the session TimeZone
ALTER FUNCTION spend_by_period_transfn(int8[], timestamptz, float8, timestamptz, interval, int) STABLE;
