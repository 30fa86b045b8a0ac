
-- ===================================================================
-- Scored tables kept fresh: incremental RFM states, scores, segments,
-- manual overrides; refreshed by a job (pg_cron) in one transaction.
-- ===================================================================

CREATE TABLE crm_score_jobs (
    target         regclass PRIMARY KEY,
    source         regclass NOT NULL,
    customer_col   name NOT NULL,
    time_col       name NOT NULL,
    amount_col     name NOT NULL,
    segment_map    text,
    state_table    regclass NOT NULL,
    override_table regclass NOT NULL,
    loaded_through timestamptz,
    last_as_of     timestamptz,
    last_refresh   timestamptz,
    last_changed_customers bigint,
    last_customers bigint,
    last_duration  interval
);
COMMENT ON TABLE crm_score_jobs IS
    'Scored tables managed by crm_score_setup()/crm_refresh_scores(): where their transactions come from and how far they have been loaded';
SELECT pg_catalog.pg_extension_config_dump('crm_score_jobs', '');

CREATE FUNCTION crm_score_setup(target text, source regclass,
                                customer_col name DEFAULT 'customer_id',
                                time_col name DEFAULT 'txn_time',
                                amount_col name DEFAULT 'amount',
                                segment_map text DEFAULT NULL)
RETURNS regclass
LANGUAGE plpgsql VOLATILE
AS $fn$
DECLARE
    ext   name := (SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
                   WHERE e.extname = 'crm_ext');
    ttype text;
    ctype text;
    atype regtype;
    t     regclass;
BEGIN
    SELECT format_type(a.atttypid, a.atttypmod) INTO ctype FROM pg_attribute a
     WHERE a.attrelid = source AND a.attname = customer_col AND NOT a.attisdropped AND a.attnum > 0;
    IF ctype IS NULL THEN
        RAISE EXCEPTION 'column "%" does not exist in %', customer_col, source USING ERRCODE = 'undefined_column';
    END IF;
    SELECT a.atttypid::regtype INTO ttype FROM pg_attribute a
     WHERE a.attrelid = source AND a.attname = time_col AND NOT a.attisdropped AND a.attnum > 0;
    IF ttype IS NULL OR ttype NOT IN ('timestamp with time zone', 'timestamp without time zone', 'date') THEN
        RAISE EXCEPTION 'column "%" of % must be a timestamptz, timestamp or date', time_col, source
            USING ERRCODE = 'datatype_mismatch';
    END IF;
    SELECT a.atttypid::regtype INTO atype FROM pg_attribute a
     WHERE a.attrelid = source AND a.attname = amount_col AND NOT a.attisdropped AND a.attnum > 0;
    IF atype IS NULL OR atype NOT IN ('numeric', 'double precision', 'real', 'integer', 'bigint', 'smallint') THEN
        RAISE EXCEPTION 'column "%" of % must be numeric', amount_col, source USING ERRCODE = 'datatype_mismatch';
    END IF;
    IF segment_map IS NOT NULL THEN
        EXECUTE format('SELECT %I.rfm_segment_map_validate($1)', ext) USING segment_map;
        EXECUTE format('SELECT max_score FROM %I.rfm_segment_maps WHERE map_name = $1', ext) INTO ttype USING segment_map;
        IF ttype::int <> 5 THEN
            RAISE EXCEPTION 'segment map "%" must use scores 1..5 (scored tables use quintiles)', segment_map
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
    END IF;

    EXECUTE format($$CREATE TABLE %s (
        customer_id        %s PRIMARY KEY,
        recency_days       float8,
        frequency          bigint,
        monetary           float8,
        first_txn          timestamptz,
        last_txn           timestamptz,
        tenure_days        float8,
        mean_gap_days      float8,
        avg_amount         float8,
        purchases_per_30d  float8,
        overdue_ratio      float8,
        r_score            int,
        f_score            int,
        m_score            int,
        rfm_code           text,
        segment            text,
        computed_segment   text,
        segment_overridden boolean,
        as_of              timestamptz,
        refreshed_at       timestamptz)$$, target, ctype);
    t := target::regclass;
    EXECUTE format('COMMENT ON TABLE %s IS %L', t,
                   format('RFM scores of the customers in %s, refreshed by CALL %I.crm_refresh_scores(%L)', source, ext, t::text));
    EXECUTE format('COMMENT ON COLUMN %s.customer_id IS %L', t, format('Customer (%s.%I)', source, customer_col));
    EXECUTE format('COMMENT ON COLUMN %s.recency_days IS %L', t, 'Days from the last purchase to as_of');
    EXECUTE format('COMMENT ON COLUMN %s.frequency IS %L', t, 'Number of purchases (amount > 0) up to as_of');
    EXECUTE format('COMMENT ON COLUMN %s.monetary IS %L', t, 'Sum of all amounts up to as_of, refunds included');
    EXECUTE format('COMMENT ON COLUMN %s.first_txn IS %L', t, 'First purchase');
    EXECUTE format('COMMENT ON COLUMN %s.last_txn IS %L', t, 'Last purchase');
    EXECUTE format('COMMENT ON COLUMN %s.tenure_days IS %L', t, 'Days from the first purchase to as_of');
    EXECUTE format('COMMENT ON COLUMN %s.mean_gap_days IS %L', t, 'Mean days between consecutive purchases (NULL with one purchase)');
    EXECUTE format('COMMENT ON COLUMN %s.avg_amount IS %L', t, 'Average ticket: monetary / frequency');
    EXECUTE format('COMMENT ON COLUMN %s.purchases_per_30d IS %L', t, 'Purchases per 30 days of tenure (tenure floored at 30 days)');
    EXECUTE format('COMMENT ON COLUMN %s.overdue_ratio IS %L', t, 'recency_days / mean_gap_days; above 1 = away longer than usual');
    EXECUTE format('COMMENT ON COLUMN %s.r_score IS %L', t, 'Recency quintile 1..5, 5 = most recent (tie-aware, rfm_breaks)');
    EXECUTE format('COMMENT ON COLUMN %s.f_score IS %L', t, 'Frequency quintile 1..5, 5 = most purchases');
    EXECUTE format('COMMENT ON COLUMN %s.m_score IS %L', t, 'Monetary quintile 1..5, 5 = highest spend');
    EXECUTE format('COMMENT ON COLUMN %s.rfm_code IS %L', t, 'R, F and M scores as one code, e.g. 545');
    EXECUTE format('COMMENT ON COLUMN %s.segment IS %L', t, 'Segment: the manual override if there is one, else computed_segment');
    EXECUTE format('COMMENT ON COLUMN %s.computed_segment IS %L', t,
                   coalesce(format('Segment from the user map %L', segment_map), 'Segment from the built-in 11-segment map'));
    EXECUTE format('COMMENT ON COLUMN %s.segment_overridden IS %L', t, 'True when segment comes from the override table');
    EXECUTE format('COMMENT ON COLUMN %s.as_of IS %L', t, 'Date the scores were computed for');
    EXECUTE format('COMMENT ON COLUMN %s.refreshed_at IS %L', t, 'When the refresh ran');

    EXECUTE format('CREATE TABLE %s (customer_id %s PRIMARY KEY, state %I.rfm_state NOT NULL)',
                   target || '_state', ctype, ext);
    EXECUTE format('COMMENT ON TABLE %s IS %L', target || '_state',
                   format('Per-customer RFM states of %s, merged with new transactions by crm_refresh_scores', source));
    EXECUTE format($$CREATE TABLE %s (customer_id %s PRIMARY KEY, segment text NOT NULL CHECK (segment <> ''),
                      reason text, set_by name NOT NULL DEFAULT current_user,
                      set_at timestamptz NOT NULL DEFAULT now())$$, target || '_overrides', ctype);
    EXECUTE format('COMMENT ON TABLE %s IS %L', target || '_overrides',
                   format('Segments pinned by hand; they win over the computed segment in %s at every refresh', t));

    EXECUTE format('INSERT INTO %I.crm_score_jobs (target, source, customer_col, time_col, amount_col, segment_map, state_table, override_table)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8)', ext)
      USING t, source, customer_col, time_col, amount_col, segment_map,
            (target || '_state')::regclass, (target || '_overrides')::regclass;
    RETURN t;
END
$fn$;
COMMENT ON FUNCTION crm_score_setup(text, regclass, name, name, name, text) IS
    'Creates a scored table (with column comments), its per-customer state table and its override table for a transactions table, and registers it for crm_refresh_scores';

CREATE PROCEDURE crm_refresh_scores(target regclass, as_of timestamptz DEFAULT NULL, full_rebuild boolean DEFAULT false)
LANGUAGE plpgsql
AS $fn$
DECLARE
    ext      name := (SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
                      WHERE e.extname = 'crm_ext');
    job      record;
    d        timestamptz := coalesce(as_of, now());
    started  timestamptz := clock_timestamp();
    lower_t  timestamptz;
    amount   text;
    changed  bigint;
    n        bigint;
BEGIN
    -- one refresh of a table at a time; a failure anywhere rolls all of it back
    EXECUTE format('SELECT * FROM %I.crm_score_jobs WHERE target = $1 FOR UPDATE', ext) INTO job USING target;
    IF job IS NULL THEN
        RAISE EXCEPTION '% is not a scored table', target USING ERRCODE = 'undefined_object',
            HINT = 'Create it with crm_score_setup().';
    END IF;
    IF full_rebuild OR job.loaded_through IS NULL THEN
        EXECUTE format('TRUNCATE %s', job.state_table);
        lower_t := '-infinity';
    ELSIF d < job.loaded_through THEN
        RAISE EXCEPTION 'as_of % is before the transactions already loaded (up to %)', d, job.loaded_through
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Use full_rebuild => true to score an earlier date.';
    ELSE
        lower_t := job.loaded_through;
    END IF;

    amount := CASE WHEN (SELECT atttypid FROM pg_attribute WHERE attrelid = job.source AND attname = job.amount_col)
                        = 'numeric'::regtype
                   THEN format('%I', job.amount_col) ELSE format('%I::float8', job.amount_col) END;
    -- only the new transactions are read: (loaded_through, as_of]
    EXECUTE format($$INSERT INTO %1$s AS s (customer_id, state)
        SELECT %2$I, %3$I.rfm_state_agg(%4$I, %5$s) FROM %6$s
        WHERE %4$I > $1 AND %4$I <= $2 AND %2$I IS NOT NULL GROUP BY %2$I
        ON CONFLICT (customer_id) DO UPDATE SET state = %3$I.rfm_state_merge(s.state, EXCLUDED.state)$$,
        job.state_table, job.customer_col, ext, job.time_col, amount, job.source)
      USING lower_t, d;
    GET DIAGNOSTICS changed = ROW_COUNT;

    DROP TABLE IF EXISTS pg_temp.crm_refresh_rfm, pg_temp.crm_refresh_breaks;
    EXECUTE format($$CREATE TEMP TABLE crm_refresh_rfm ON COMMIT DROP AS
        SELECT customer_id, (%1$I.rfm_final(state, $1)).* FROM %2$s$$, ext, job.state_table) USING d;
    DELETE FROM crm_refresh_rfm WHERE frequency IS NULL;
    EXECUTE format($$CREATE TEMP TABLE crm_refresh_breaks ON COMMIT DROP AS
        SELECT %1$I.rfm_breaks(5) WITHIN GROUP (ORDER BY recency_days) AS r,
               %1$I.rfm_breaks(5) WITHIN GROUP (ORDER BY frequency) AS f,
               %1$I.rfm_breaks(5) WITHIN GROUP (ORDER BY monetary) AS m FROM crm_refresh_rfm$$, ext);

    -- replace the scores in this transaction: readers see the old ones until commit
    EXECUTE format('DELETE FROM %s', target);
    EXECUTE format($$INSERT INTO %1$s
        SELECT s.customer_id, s.recency_days, s.frequency, s.monetary, s.first_txn, s.last_txn, s.tenure_days,
               s.mean_gap_days, s.avg_amount, s.purchases_per_30d, s.overdue_ratio,
               sc.r, sc.f, sc.m, concat(sc.r, sc.f, sc.m),
               coalesce(o.segment, sc.seg), sc.seg, o.segment IS NOT NULL, $1, now()
        FROM crm_refresh_rfm s CROSS JOIN crm_refresh_breaks b
        CROSS JOIN LATERAL (SELECT %2$I.rfm_score(s.recency_days, b.r, false) AS r,
                                   %2$I.rfm_score(s.frequency, b.f) AS f,
                                   %2$I.rfm_score(s.monetary, b.m) AS m) sc0
        CROSS JOIN LATERAL (SELECT sc0.r, sc0.f, sc0.m,
                                   CASE WHEN $2 IS NULL THEN %2$I.rfm_segment(sc0.r, sc0.f, sc0.m)
                                        ELSE %2$I.rfm_segment(sc0.r, sc0.f, sc0.m, $2) END AS seg) sc
        LEFT JOIN %3$s o ON o.customer_id = s.customer_id$$, target, ext, job.override_table)
      USING d, job.segment_map;
    GET DIAGNOSTICS n = ROW_COUNT;

    EXECUTE format($$UPDATE %I.crm_score_jobs SET loaded_through = $2, last_as_of = $2, last_refresh = now(),
                     last_changed_customers = $3, last_customers = $4, last_duration = clock_timestamp() - $5
                     WHERE target = $1$$, ext)
      USING target, d, changed, n, started;
    DROP TABLE pg_temp.crm_refresh_rfm, pg_temp.crm_refresh_breaks;
END
$fn$;
COMMENT ON PROCEDURE crm_refresh_scores(regclass, timestamptz, boolean) IS
    'Refreshes a scored table as of a date (default now()): merges only the transactions after the last refresh into the stored states, rescores every customer (tie-aware quintiles, segment map, manual overrides win) and replaces the scores, all in one transaction';
