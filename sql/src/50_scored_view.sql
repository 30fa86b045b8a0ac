-- ===================================================================
-- Scored tables kept fresh: incremental RFM states, scores, segments,
-- manual overrides; refreshed by a job (pg_cron) in one transaction.
-- ===================================================================

CREATE TABLE crm_score_jobs (
    target         regclass PRIMARY KEY,
    data_table     regclass NOT NULL UNIQUE,
    override_table regclass NOT NULL,
    source         regclass NOT NULL,
    customer_col   name NOT NULL,
    time_col       name NOT NULL,
    amount_col     name NOT NULL,
    segment_map    text,
    case_base      text,
    loaded_through timestamptz,
    last_as_of     timestamptz,
    r_breaks       float8[],
    f_breaks       float8[],
    m_breaks       float8[],
    segment_names  text[],
    segment_grid   smallint[],
    last_refresh   timestamptz,
    last_changed_customers bigint,
    last_customers bigint,
    last_duration  interval
);
COMMENT ON TABLE crm_score_jobs IS
    'Scored tables managed by crm_score_setup()/crm_refresh_scores(): where their transactions come from, how far they have been loaded, and the quintile cut points and segment grid of the last refresh';
COMMENT ON COLUMN crm_score_jobs.segment_names IS
    'Segments of the map at the last refresh, in name order';
COMMENT ON COLUMN crm_score_jobs.segment_grid IS
    'Segment of every score combination at the last refresh, as a position in segment_names: element (r-1)*25 + (f-1)*5 + m; the view reads segments from it (small, fixed-width: no per-row detoasting), so readers need no rights on the segment map tables and map edits take effect at the next refresh';
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
    parts text[] := parse_ident(target);
    sch   text;
    q_target text;
    q_data   text;
    q_over   text;
BEGIN
    IF array_length(parts, 1) > 2 THEN
        RAISE EXCEPTION 'improper target name "%"', target USING ERRCODE = 'invalid_name';
    END IF;
    sch := CASE WHEN array_length(parts, 1) = 2 THEN quote_ident(parts[1]) || '.' ELSE '' END;
    q_target := sch || quote_ident(parts[array_length(parts, 1)]);
    q_data := sch || quote_ident(parts[array_length(parts, 1)] || '_data');
    q_over := sch || quote_ident(parts[array_length(parts, 1)] || '_overrides');
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

    -- stored: only the mergeable state.  The refresh stores the quintile cut
    -- points in crm_score_jobs, and the view derives indicators, scores and
    -- segments from state + as_of + cut points on read, so a refresh rewrites
    -- only the customers that have new transactions
    EXECUTE format($$CREATE TABLE %s (
        customer_id      %s PRIMARY KEY,
        state            %I.rfm_state NOT NULL) WITH (fillfactor = 70)$$, q_data, ctype, ext);  -- room for HOT updates
    EXECUTE format('COMMENT ON TABLE %s IS %L', q_data,
                   format('Per-customer RFM states of %s; read them through the view %s', source, q_target));
    EXECUTE format($$CREATE TABLE %s (customer_id %s PRIMARY KEY, segment text NOT NULL CHECK (segment <> ''),
                      reason text, set_by name NOT NULL DEFAULT current_user,
                      set_at timestamptz NOT NULL DEFAULT now())$$, q_over, ctype);
    EXECUTE format('COMMENT ON TABLE %s IS %L', q_over,
                   format('Segments pinned by hand; they win over the computed segment in %s, now and after every refresh', q_target));
    -- The view is read by BI tools, often all of it: rfm_final runs once per
    -- row in a LATERAL subquery kept apart by OFFSET 0 (a function in FROM
    -- would go through a tuplestore per row, and a flattened subquery would
    -- call it once per column); scores and segment are plain expressions, so
    -- only the columns a query reads are computed, and a filter on
    -- customer_id still reaches the primary key.  Segments come from the
    -- grid the refresh stored, not from the map tables.
    EXECUTE format($$CREATE VIEW %1$s AS
        SELECT d.customer_id, (f.r).recency_days, (f.r).frequency, (f.r).monetary, (f.r).first_txn, (f.r).last_txn,
               (f.r).tenure_days, (f.r).mean_gap_days, (f.r).avg_amount, (f.r).purchases_per_30d, (f.r).overdue_ratio,
               %4$I.rfm_score((f.r).recency_days, j.r_breaks, false) AS r_score,
               %4$I.rfm_score((f.r).frequency, j.f_breaks) AS f_score,
               %4$I.rfm_score((f.r).monetary, j.m_breaks) AS m_score,
               concat(%4$I.rfm_score((f.r).recency_days, j.r_breaks, false), %4$I.rfm_score((f.r).frequency, j.f_breaks), %4$I.rfm_score((f.r).monetary, j.m_breaks)) AS rfm_code,
               coalesce(o.segment, j.segment_names[j.segment_grid[(%4$I.rfm_score((f.r).recency_days, j.r_breaks, false) - 1) * 25 + (%4$I.rfm_score((f.r).frequency, j.f_breaks) - 1) * 5 + %4$I.rfm_score((f.r).monetary, j.m_breaks)]]) AS segment,
               j.segment_names[j.segment_grid[(%4$I.rfm_score((f.r).recency_days, j.r_breaks, false) - 1) * 25 + (%4$I.rfm_score((f.r).frequency, j.f_breaks) - 1) * 5 + %4$I.rfm_score((f.r).monetary, j.m_breaks)]] AS computed_segment,
               o.segment IS NOT NULL AS segment_overridden,
               (v.c).label AS value_class, (v.c).similarity AS similarity,
               j.last_as_of AS as_of, j.last_refresh AS refreshed_at
        FROM %2$s d
        JOIN %4$I.crm_score_jobs j ON j.data_table = %5$L::regclass
        CROSS JOIN LATERAL (SELECT %4$I.rfm_final(d.state, j.last_as_of) AS r OFFSET 0) f
        LEFT JOIN %4$I.crm_case_bases cb ON cb.name = j.case_base
        LEFT JOIN LATERAL (SELECT %4$I.cbr_classify(
                               %4$I.normalize_features(%4$I.rfm_features(f.r, cb.fields), cb.stats, cb.cost),
                               cb.cases, cb.labels, cb.group_sizes, cb.inner_weights, cb.group_weights, cb.rho) AS c
                           OFFSET 0) v ON true
        LEFT JOIN %3$s o ON o.customer_id = d.customer_id
        WHERE (f.r).frequency IS NOT NULL$$,
        q_target, q_data, q_over, ext, (q_data)::regclass::oid);
    t := q_target::regclass;
    EXECUTE format('INSERT INTO %I.crm_score_jobs (target, data_table, override_table, source, customer_col, time_col, amount_col, segment_map)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8)', ext)
      USING t, (q_data)::regclass, (q_over)::regclass, source, customer_col, time_col, amount_col, segment_map;
    EXECUTE format('COMMENT ON VIEW %s IS %L', t,
                   format('RFM scores of the customers in %s as of the last refresh (CALL %I.crm_refresh_scores(%L))', source, ext, t::text));
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
    EXECUTE format('COMMENT ON COLUMN %s.value_class IS %L', t,
                   'Value class: label of the most similar typical customer of the case base (crm_case_base_build); NULL without a case base');
    EXECUTE format('COMMENT ON COLUMN %s.similarity IS %L', t,
                   'Multi-layer grey relational grade between the customer and that typical customer, in (0, 1]');
    EXECUTE format('COMMENT ON COLUMN %s.as_of IS %L', t, 'Date the scores were computed for');
    EXECUTE format('COMMENT ON COLUMN %s.refreshed_at IS %L', t, 'When the last refresh ran');
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
    cutoff   timestamptz;
    changed  bigint;
    n        bigint;
    br       float8[];
    bf       float8[];
    bm       float8[];
    seg_names text[];
    grid     smallint[];
    map_max  int;
BEGIN
    -- one refresh of a table at a time; a failure anywhere rolls all of it back
    EXECUTE format('SELECT * FROM %I.crm_score_jobs WHERE target = $1 FOR UPDATE', ext) INTO job USING target;
    IF job IS NULL THEN
        RAISE EXCEPTION '% is not a scored table', target USING ERRCODE = 'undefined_object',
            HINT = 'Create it with crm_score_setup().';
    END IF;
    IF NOT isfinite(d) THEN
        RAISE EXCEPTION 'as_of must be a finite timestamp' USING ERRCODE = 'datetime_field_overflow';
    END IF;
    IF full_rebuild OR job.loaded_through IS NULL THEN
        EXECUTE format('DELETE FROM %s', job.data_table);
        lower_t := '-infinity';
    ELSIF d < job.loaded_through THEN
        RAISE EXCEPTION 'as_of % is before the transactions already loaded (up to %)', d, job.loaded_through
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Use full_rebuild => true to score an earlier date.';
    ELSE
        lower_t := job.loaded_through;
    END IF;

    -- Rows of transactions still open are invisible now and would commit with
    -- times before as_of: load only up to the start of the oldest transaction
    -- that is writing, and let the next refresh take the rest.
    cutoff := least(d, (SELECT min(xact_start) - interval '1 microsecond' FROM pg_stat_activity
                        WHERE backend_xid IS NOT NULL AND backend_type = 'client backend'
                          AND pid <> pg_backend_pid()));
    IF cutoff < lower_t THEN
        cutoff := lower_t;
    END IF;

    amount := CASE WHEN (SELECT atttypid FROM pg_attribute WHERE attrelid = job.source AND attname = job.amount_col)
                        = 'numeric'::regtype
                   THEN format('%I', job.amount_col) ELSE format('%I::float8', job.amount_col) END;
    -- 1. only the new transactions are read, (loaded_through, as_of], and
    --    merged into the stored states of the customers they belong to.
    --    MERGE joins once instead of a speculative insertion per row as in
    --    INSERT ... ON CONFLICT.  It is safe because the FOR UPDATE above
    --    keeps other refreshes of this table out; a writer of its own into
    --    the state table would meet a unique violation here, not a merge.
    EXECUTE format($$MERGE INTO %1$s s
        USING (SELECT %2$I AS customer_id, %3$I.rfm_state_agg(%4$I, %5$s) AS state FROM %6$s
               WHERE %4$I > $1 AND %4$I <= $2 AND %2$I IS NOT NULL GROUP BY %2$I) n
        ON s.customer_id = n.customer_id
        WHEN MATCHED THEN UPDATE SET state = %3$I.rfm_state_merge(s.state, n.state)
        WHEN NOT MATCHED THEN INSERT (customer_id, state) VALUES (n.customer_id, n.state)$$,
        job.data_table, job.customer_col, ext, job.time_col, amount, job.source)
      USING lower_t, cutoff;
    GET DIAGNOSTICS changed = ROW_COUNT;

    -- 2. tie-aware quintile cut points over every customer as of the date
    EXECUTE format($$SELECT %1$I.rfm_breaks(5) WITHIN GROUP (ORDER BY %1$I.rfm_state_recency(state, $1)),
                            %1$I.rfm_breaks(5) WITHIN GROUP (ORDER BY %1$I.rfm_state_frequency(state)),
                            %1$I.rfm_breaks(5) WITHIN GROUP (ORDER BY %1$I.rfm_state_monetary(state)), count(*)
                     FROM %2$s WHERE %1$I.rfm_state_frequency(state) IS NOT NULL$$, ext, job.data_table)
      INTO br, bf, bm, n USING d;

    IF job.segment_map IS NOT NULL THEN
        EXECUTE format('SELECT max_score FROM %I.rfm_segment_maps WHERE map_name = $1', ext) INTO map_max USING job.segment_map;
        IF map_max IS NULL THEN
            RAISE EXCEPTION 'segment map "%" of % does not exist any more', job.segment_map, target
                USING ERRCODE = 'undefined_object', HINT = 'Recreate the map, or set crm_score_jobs.segment_map to NULL for the built-in one.';
        ELSIF map_max <> 5 THEN
            RAISE EXCEPTION 'segment map "%" must use scores 1..5 (scored tables use quintiles), it now uses 1..%', job.segment_map, map_max
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
    END IF;
    -- 3. the segment of every score combination, from the built-in or the
    --    user map as it is now (the view must not read the map tables: its
    --    readers may have no rights on them, and edits wait for a refresh)
    EXECUTE format($$WITH g AS (SELECT r, f, m, CASE WHEN $1 IS NULL THEN %1$I.rfm_segment(r, f, m)
                                                     ELSE %1$I.rfm_segment(r, f, m, $1) END AS seg
                                FROM generate_series(1, 5) r, generate_series(1, 5) f, generate_series(1, 5) m),
                          n AS (SELECT array_agg(DISTINCT seg ORDER BY seg) AS names FROM g)
                     SELECT n.names, array_agg(array_position(n.names, g.seg)::smallint ORDER BY g.r, g.f, g.m)
                     FROM g, n GROUP BY n.names$$, ext)
      INTO seg_names, grid USING job.segment_map;

    -- 4. the view scores every customer from these cut points on read: no
    --    customer row is rewritten because the quintiles moved
    EXECUTE format($$UPDATE %I.crm_score_jobs SET loaded_through = $6, last_as_of = $2, last_refresh = now(),
                     r_breaks = $7, f_breaks = $8, m_breaks = $9, segment_names = $10, segment_grid = $11,
                     last_changed_customers = $3, last_customers = $4,
                     last_duration = clock_timestamp() - $5
                     WHERE target = $1$$, ext)
      USING target, d, changed, n, started, cutoff, br, bf, bm, seg_names, grid;
END
$fn$;
COMMENT ON PROCEDURE crm_refresh_scores(regclass, timestamptz, boolean) IS
    'Refreshes a scored view as of a date (default now()): merges only the transactions after the last refresh into the stored states and recomputes the tie-aware quintile cut points the view scores with, all in one transaction';
