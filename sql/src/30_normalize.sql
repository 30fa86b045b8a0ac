-- ---------------------------------------------------------------------------
-- Normalization of indicator vectors (src/normalize.c, src/rfm_features.c;
-- core: src/core/normalize.c).  The conventions below hold for this file and
-- the grey, kmeans and cbr files after it.
--
-- Conventions: pure maths is IMMUTABLE PARALLEL SAFE.  Functions whose
-- weights default to NULL (= equal weights) are not STRICT; they return NULL
-- when any other argument is NULL.  Weights are normalized to sum to 1
-- (negative, non-finite or all-zero weights are refused).
-- ---------------------------------------------------------------------------

-- Per-position statistics ---------------------------------------------------

CREATE TYPE feature_summary AS (
    n      bigint,
    min    float8[],
    max    float8[],
    mean   float8[],
    stddev float8[]
);
COMMENT ON TYPE feature_summary IS
'Per-position statistics of float8[] vectors: count, min, max, mean and sample standard deviation (NULL when n < 2).';

CREATE FUNCTION feature_stats_accum(float8[], float8[]) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'feature_stats_accum'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION feature_stats_accum(float8[], float8[]) IS
'Transition function of feature_stats (Welford update of {count, min[d], max[d], mean[d], m2[d]}).';

CREATE FUNCTION feature_stats_combine(float8[], float8[]) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'feature_stats_combine'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION feature_stats_combine(float8[], float8[]) IS
'Combine function of feature_stats (Chan, Golub and LeVeque''s pairwise merge of mean and variance).';

CREATE FUNCTION feature_stats_final(float8[]) RETURNS feature_summary
    AS 'MODULE_PATHNAME', 'feature_stats_final'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION feature_stats_final(float8[]) IS
'Final function of feature_stats: the feature_summary of a state (NULL for no rows).';

CREATE AGGREGATE feature_stats(float8[]) (
    SFUNC = feature_stats_accum,
    STYPE = float8[],
    INITCOND = '{}',
    COMBINEFUNC = feature_stats_combine,
    FINALFUNC = feature_stats_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE feature_stats(float8[]) IS
'Per-position count, min, max, mean and sample stddev of float8[] vectors (NULL rows ignored); parallel safe.';

CREATE FUNCTION normalize_features(features float8[], stats feature_summary,
                                   cost boolean[] DEFAULT NULL,
                                   method text DEFAULT 'minmax')
    RETURNS float8[]
    AS 'MODULE_PATHNAME', 'normalize_features'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION normalize_features(float8[], feature_summary, boolean[], text) IS
'Normalize a vector with feature_stats: method ''minmax'' gives (x-min)/(max-min) for benefit and (max-x)/(max-min) for cost positions (0.5 for a constant position); ''zscore'' gives (x-mean)/stddev, negated for cost positions (0 when stddev is 0). cost NULL: every position is larger-is-better.';

-- Indicator vectors of rfm rows ----------------------------------------------

CREATE FUNCTION rfm_features(r rfm, fields text[]) RETURNS float8[]
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION rfm_features(rfm, text[]) IS
    'Indicator vector of an rfm row, fields by name; for one-purchase customers mean_gap_days stands in as tenure_days and overdue_ratio as recency_days / max(tenure_days, 30)';

REVOKE EXECUTE ON FUNCTION feature_stats_accum(float8[], float8[]), feature_stats_combine(float8[], float8[]),
    feature_stats_final(float8[]) FROM PUBLIC;
