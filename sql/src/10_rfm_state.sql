-- ===================================================================
-- RFM indicators from raw transactions: the storable state type, its
-- aggregates and accessors (src/rfm_state.c; core: src/core/rfm_accum.c)
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


-- Accessors: one indicator off a stored state without building the rfm row
CREATE FUNCTION rfm_state_recency(rfm_state, as_of timestamptz) RETURNS float8
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION rfm_state_recency(rfm_state, timestamptz) IS
    'Days from a state''s last purchase to as_of (rfm.recency_days without building the rfm row); NULL without a purchase';
CREATE FUNCTION rfm_state_frequency(rfm_state) RETURNS bigint
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION rfm_state_frequency(rfm_state) IS
    'Number of purchases in a state (rfm.frequency); NULL without a purchase';
CREATE FUNCTION rfm_state_monetary(rfm_state) RETURNS float8
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION rfm_state_monetary(rfm_state) IS
    'Sum of all amounts in a state, refunds included (rfm.monetary); NULL without a purchase';

-- Aggregate support functions are not for direct calls: a hand-made state
-- passed to them could only produce garbage.  Aggregates keep working for
-- everyone, because PostgreSQL checks these functions' EXECUTE privilege
-- against the aggregate's owner, not the caller.
REVOKE EXECUTE ON FUNCTION
    rfm_agg_transfn(rfm_state, timestamptz, float8, timestamptz),
    rfm_agg_transfn(rfm_state, timestamptz, numeric, timestamptz),
    rfm_state_transfn(rfm_state, timestamptz, float8),
    rfm_state_transfn(rfm_state, timestamptz, numeric),
    rfm_agg_finalfn(rfm_state)
FROM PUBLIC;
