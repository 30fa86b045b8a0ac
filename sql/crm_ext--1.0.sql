-- crm_ext 1.0 install script (released: never edit; change things in a later upgrade script).
\echo Use "CREATE EXTENSION crm_ext" to load this file. \quit

-- ===================================================================
-- RFM indicators from raw transactions
-- ===================================================================

-- The storable aggregate state (see src/rfm_state.c for the text form).
CREATE TYPE rfm_state;

CREATE FUNCTION rfm_state_in(cstring) RETURNS rfm_state
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION rfm_state_out(rfm_state) RETURNS cstring
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION rfm_state_recv(internal) RETURNS rfm_state
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION rfm_state_send(rfm_state) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION rfm_state_in(cstring) IS 'rfm_state text input (rfm1:... form, validated)';
COMMENT ON FUNCTION rfm_state_out(rfm_state) IS 'rfm_state text output (exact)';
COMMENT ON FUNCTION rfm_state_recv(internal) IS 'rfm_state binary input (validated)';
COMMENT ON FUNCTION rfm_state_send(rfm_state) IS 'rfm_state binary output';

CREATE TYPE rfm_state (
    INPUT = rfm_state_in,
    OUTPUT = rfm_state_out,
    RECEIVE = rfm_state_recv,
    SEND = rfm_state_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = plain
);
COMMENT ON TYPE rfm_state IS
    'Mergeable summary of one customer''s transactions (counts, first/last purchase, exact money sums); built by rfm_agg/rfm_state_agg, read by rfm_final';

CREATE TYPE rfm AS (
    recency_days      float8,
    frequency         bigint,
    monetary          float8,
    first_txn         timestamptz,
    last_txn          timestamptz,
    tenure_days       float8,
    mean_gap_days     float8,
    avg_amount        float8,
    purchases_per_30d float8,
    max_amount        float8,
    refunds           bigint,
    refund_amount     float8,
    overdue_ratio     float8
);
COMMENT ON TYPE rfm IS 'RFM and extended indicators of one customer as of a date (see README: rfm_agg)';
COMMENT ON COLUMN rfm.recency_days IS 'Days (fractional) from the last purchase to as_of';
COMMENT ON COLUMN rfm.frequency IS 'Number of purchases (rows with amount > 0) up to as_of';
COMMENT ON COLUMN rfm.monetary IS 'Sum of all amounts up to as_of, refunds included';
COMMENT ON COLUMN rfm.first_txn IS 'Time of the first purchase';
COMMENT ON COLUMN rfm.last_txn IS 'Time of the last purchase';
COMMENT ON COLUMN rfm.tenure_days IS 'Days from the first purchase to as_of';
COMMENT ON COLUMN rfm.mean_gap_days IS 'Mean days between consecutive purchases; NULL with one purchase';
COMMENT ON COLUMN rfm.avg_amount IS 'monetary / frequency';
COMMENT ON COLUMN rfm.purchases_per_30d IS 'Purchases per 30 days of tenure, tenure floored at 30 days';
COMMENT ON COLUMN rfm.max_amount IS 'Largest single purchase';
COMMENT ON COLUMN rfm.refunds IS 'Number of refunds (rows with amount < 0)';
COMMENT ON COLUMN rfm.refund_amount IS 'Total refunded, as a positive number';
COMMENT ON COLUMN rfm.overdue_ratio IS 'recency_days / mean_gap_days: above 1 means longer than usual since the last purchase; NULL without a mean gap';

-- Support functions of the aggregates.
CREATE FUNCTION rfm_agg_transfn(rfm_state, timestamptz, float8, timestamptz) RETURNS rfm_state
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION rfm_agg_transfn(rfm_state, timestamptz, numeric, timestamptz) RETURNS rfm_state
    AS 'MODULE_PATHNAME', 'rfm_agg_transfn_numeric' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION rfm_state_transfn(rfm_state, timestamptz, float8) RETURNS rfm_state
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION rfm_state_transfn(rfm_state, timestamptz, numeric) RETURNS rfm_state
    AS 'MODULE_PATHNAME', 'rfm_state_transfn_numeric' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION rfm_agg_finalfn(rfm_state) RETURNS rfm
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION rfm_agg_transfn(rfm_state, timestamptz, float8, timestamptz) IS 'rfm_agg transition step (internal use)';
COMMENT ON FUNCTION rfm_agg_transfn(rfm_state, timestamptz, numeric, timestamptz) IS 'rfm_agg transition step for numeric amounts (internal use)';
COMMENT ON FUNCTION rfm_state_transfn(rfm_state, timestamptz, float8) IS 'rfm_state_agg transition step (internal use)';
COMMENT ON FUNCTION rfm_state_transfn(rfm_state, timestamptz, numeric) IS 'rfm_state_agg transition step for numeric amounts (internal use)';
COMMENT ON FUNCTION rfm_agg_finalfn(rfm_state) IS 'rfm_agg final step: indicators as of the state''s as_of (internal use)';

CREATE FUNCTION rfm_state_merge(rfm_state, rfm_state) RETURNS rfm_state
    AS 'MODULE_PATHNAME', 'rfm_state_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION rfm_state_merge(rfm_state, rfm_state) IS
    'Merge two RFM states (e.g. a stored state and the state of new transactions); NULL on either side means no transactions; both must have the same as_of';

CREATE FUNCTION rfm_final(rfm_state, as_of timestamptz) RETURNS rfm
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION rfm_final(rfm_state, timestamptz) IS
    'RFM indicators of a stored state as of a date; NULL when the state holds no purchase';

CREATE AGGREGATE rfm_agg(txn_time timestamptz, amount float8, as_of timestamptz) (
    SFUNC = rfm_agg_transfn,
    STYPE = rfm_state,
    FINALFUNC = rfm_agg_finalfn,
    COMBINEFUNC = rfm_state_merge,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE rfm_agg(timestamptz, float8, timestamptz) IS
    'RFM and extended indicators (rfm type) from one customer''s transactions as of a date; rows after as_of or with NULL time/amount are ignored; NULL without a purchase';

CREATE AGGREGATE rfm_agg(txn_time timestamptz, amount numeric, as_of timestamptz) (
    SFUNC = rfm_agg_transfn,
    STYPE = rfm_state,
    FINALFUNC = rfm_agg_finalfn,
    COMBINEFUNC = rfm_state_merge,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE rfm_agg(timestamptz, numeric, timestamptz) IS
    'rfm_agg for numeric amounts (rounded exactly to micro-units, half away from zero)';

CREATE AGGREGATE rfm_state_agg(txn_time timestamptz, amount float8) (
    SFUNC = rfm_state_transfn,
    STYPE = rfm_state,
    COMBINEFUNC = rfm_state_merge,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE rfm_state_agg(timestamptz, float8) IS
    'Storable RFM state of transactions, without an as_of: store it per customer, merge new days into it, score with rfm_final(state, as_of)';

CREATE AGGREGATE rfm_state_agg(txn_time timestamptz, amount numeric) (
    SFUNC = rfm_state_transfn,
    STYPE = rfm_state,
    COMBINEFUNC = rfm_state_merge,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE rfm_state_agg(timestamptz, numeric) IS
    'rfm_state_agg for numeric amounts';

CREATE AGGREGATE rfm_state_agg(rfm_state) (
    SFUNC = rfm_state_merge,
    STYPE = rfm_state,
    COMBINEFUNC = rfm_state_merge,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE rfm_state_agg(rfm_state) IS
    'Merge many RFM states into one (roll daily states up to a customer''s state)';

-- ===================================================================
-- Tie-aware quantile scores
-- ===================================================================

CREATE FUNCTION rfm_breaks_transfn(internal, float8) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION rfm_breaks_finalfn(internal, int, float8) RETURNS float8[]
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION rfm_breaks_transfn(internal, float8) IS 'rfm_breaks transition step (internal use)';
COMMENT ON FUNCTION rfm_breaks_finalfn(internal, int, float8) IS 'rfm_breaks final step (internal use)';

CREATE AGGREGATE rfm_breaks(n int ORDER BY float8) (
    SFUNC = rfm_breaks_transfn,
    STYPE = internal,
    FINALFUNC = rfm_breaks_finalfn,
    FINALFUNC_EXTRA,
    FINALFUNC_MODIFY = SHAREABLE,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE rfm_breaks(int ORDER BY float8) IS
    'n-1 ascending cut points for n quantile classes; cut points are data values chosen so equal values share a class and all n classes are filled when there are at least n distinct values';

CREATE FUNCTION rfm_score(value float8, breaks float8[], higher_is_better boolean DEFAULT true)
    RETURNS int
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION rfm_score(float8, float8[], boolean) IS
    'Class 1..n of a value given n-1 ascending breaks (class = 1 + number of breaks <= value); higher_is_better = false reverses it (use for recency)';

-- ===================================================================
-- Segment maps
-- ===================================================================

CREATE FUNCTION rfm_segment(r int, f int, m int) RETURNS text
    AS 'MODULE_PATHNAME', 'rfm_segment_default' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION rfm_segment(int, int, int) IS
    'The 11-segment RFM map (Champions ... Lost) on scores 1..5, by R and FM = ceil((F+M)/2); see README';

CREATE TABLE rfm_segment_maps (
    map_name    text PRIMARY KEY,
    max_score   int NOT NULL DEFAULT 5 CHECK (max_score BETWEEN 2 AND 10),
    description text
);
COMMENT ON TABLE rfm_segment_maps IS 'User-defined segment maps applied by rfm_segment(r, f, m, map_name)';

CREATE TABLE rfm_segment_rules (
    map_name text NOT NULL REFERENCES rfm_segment_maps ON UPDATE CASCADE ON DELETE CASCADE,
    segment  text NOT NULL,
    priority int NOT NULL,
    r_min    int NOT NULL DEFAULT 1,
    r_max    int,
    f_min    int NOT NULL DEFAULT 1,
    f_max    int,
    m_min    int NOT NULL DEFAULT 1,
    m_max    int,
    CHECK (r_min >= 1 AND (r_max IS NULL OR r_max >= r_min)),
    CHECK (f_min >= 1 AND (f_max IS NULL OR f_max >= f_min)),
    CHECK (m_min >= 1 AND (m_max IS NULL OR m_max >= m_min))
);
CREATE INDEX ON rfm_segment_rules (map_name);
COMMENT ON TABLE rfm_segment_rules IS
    'Rules of user segment maps: a score box (NULL max = up to the map''s max_score) and a priority; lower priority wins, equal priorities must not overlap, every score combination must be covered';

SELECT pg_catalog.pg_extension_config_dump('rfm_segment_maps', '');
SELECT pg_catalog.pg_extension_config_dump('rfm_segment_rules', '');

CREATE FUNCTION rfm_segment(r int, f int, m int, map_name text) RETURNS text
    AS 'MODULE_PATHNAME', 'rfm_segment_map' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION rfm_segment(int, int, int, text) IS
    'Segment of (r, f, m) under a user map from rfm_segment_maps/rfm_segment_rules; the map is validated (gaps, equal-priority overlaps) once per query';

CREATE FUNCTION rfm_segment_map_validate(map_name text) RETURNS int
    AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION rfm_segment_map_validate(text) IS
    'Checks a user segment map: errors on gaps and equal-priority overlaps, warns about rules that can never match; returns the number of segments';
