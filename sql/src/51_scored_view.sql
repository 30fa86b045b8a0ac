-- ===================================================================
-- Scored views: setup, refresh, teardown (src/scored_view.c).  Every
-- object here is CREATE OR REPLACE, so this file is also the upgrade from
-- 1.1 (the Makefile appends it to the upgrade script); see the security
-- model and the exactly-once design in 50_score_jobs.sql.
-- ===================================================================

CREATE OR REPLACE FUNCTION crm_run_as(role regrole, query text) RETURNS text
    AS 'MODULE_PATHNAME' LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION crm_run_as(regrole, text) IS
    'Runs SQL as role inside a security-restricted operation with search_path pg_catalog, pg_temp (as REFRESH MATERIALIZED VIEW runs as the view''s owner) and returns the first column of its first row as text; allowed to superusers and roles that may SET ROLE to it; used by crm_refresh_scores and crm_case_base_build';

-- OPERATOR(schema.=) of a type's default btree equality: customer ids are
-- compared with the operator their primary key uses, spelled out so that no
-- search_path can substitute another
CREATE OR REPLACE FUNCTION crm_eq_operator(t regtype) RETURNS text
LANGUAGE sql STABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$
    SELECT pg_catalog.format('OPERATOR(%I.%s)', n.nspname, o.oprname)
    FROM pg_catalog.pg_type ty
    CROSS JOIN LATERAL (SELECT CASE WHEN ty.typtype OPERATOR(pg_catalog.=) 'd' THEN ty.typbasetype ELSE ty.oid END AS base) b
    JOIN pg_catalog.pg_opclass c ON c.opcdefault
         AND c.opcmethod OPERATOR(pg_catalog.=) (SELECT a.oid FROM pg_catalog.pg_am a WHERE a.amname OPERATOR(pg_catalog.=) 'btree')
         AND (c.opcintype OPERATOR(pg_catalog.=) b.base
              OR EXISTS (SELECT 1 FROM pg_catalog.pg_cast k WHERE k.castsource OPERATOR(pg_catalog.=) b.base
                         AND k.casttarget OPERATOR(pg_catalog.=) c.opcintype AND k.castmethod OPERATOR(pg_catalog.=) 'b'))
    JOIN pg_catalog.pg_amop ao ON ao.amopfamily OPERATOR(pg_catalog.=) c.opcfamily AND ao.amopstrategy OPERATOR(pg_catalog.=) 3
         AND ao.amoplefttype OPERATOR(pg_catalog.=) c.opcintype AND ao.amoprighttype OPERATOR(pg_catalog.=) c.opcintype
    JOIN pg_catalog.pg_operator o ON o.oid OPERATOR(pg_catalog.=) ao.amopopr
    JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) o.oprnamespace
    WHERE ty.oid OPERATOR(pg_catalog.=) t
    ORDER BY c.opcintype OPERATOR(pg_catalog.=) b.base DESC
    LIMIT 1
$$;
COMMENT ON FUNCTION crm_eq_operator(regtype) IS
    'OPERATOR(schema.=) of the default btree equality of a type (domains: of the base type); NULL when the type has none';

-- Citus: the distribution column of a hash-distributed table, NULL for any
-- other table or without Citus (read dynamically: its catalog may not exist)
CREATE OR REPLACE FUNCTION crm_citus_dist_column(rel regclass) RETURNS name
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE col name;
BEGIN
    IF pg_catalog.to_regclass('pg_catalog.pg_dist_partition') IS NULL THEN
        RETURN NULL;
    END IF;
    EXECUTE $$SELECT pg_catalog.column_to_column_name(p.logicalrelid, p.partkey) FROM pg_catalog.pg_dist_partition p
              WHERE p.logicalrelid OPERATOR(pg_catalog.=) $1 AND p.partmethod OPERATOR(pg_catalog.=) 'h'$$ INTO col USING rel;
    RETURN col;
END
$fn$;
COMMENT ON FUNCTION crm_citus_dist_column(regclass) IS
    'Distribution column of a Citus hash-distributed table; NULL for other tables or without Citus (internal)';

-- Citus: is rel a reference table?
CREATE OR REPLACE FUNCTION crm_citus_is_reference(rel regclass) RETURNS boolean
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE r boolean;
BEGIN
    IF pg_catalog.to_regclass('pg_catalog.pg_dist_partition') IS NULL THEN
        RETURN false;
    END IF;
    EXECUTE $$SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_dist_partition p WHERE p.logicalrelid OPERATOR(pg_catalog.=) $1
                             AND p.partmethod OPERATOR(pg_catalog.=) 'n')$$ INTO r USING rel;
    RETURN r;
END
$fn$;
COMMENT ON FUNCTION crm_citus_is_reference(regclass) IS 'True when rel is a Citus reference table (internal)';

-- pg_trigger.tgtype bit of an event (TRIGGER_TYPE_INSERT etc. in
-- catalog/pg_trigger.h)
CREATE OR REPLACE FUNCTION crm_trigger_event_bit(event text) RETURNS int
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$ SELECT CASE WHEN event = 'insert' THEN 4 WHEN event = 'delete' THEN 8 WHEN event = 'update' THEN 16
                  WHEN event = 'truncate' THEN 32 END $$;
COMMENT ON FUNCTION crm_trigger_event_bit(text) IS
    'The pg_trigger.tgtype bit of insert, delete, update or truncate (internal)';

-- A source time value as timestamptz: timestamp and date columns are read
-- in the job's fixed time zone, not the session's
CREATE OR REPLACE FUNCTION crm_score_time_expr(time_type regtype, col text, time_zone text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE time_type
           WHEN 'timestamp with time zone'::pg_catalog.regtype THEN pg_catalog.format('(%s)::pg_catalog.timestamptz', col)
           WHEN 'timestamp without time zone'::pg_catalog.regtype
                THEN pg_catalog.format('pg_catalog.timezone(%L::pg_catalog.text, (%s)::pg_catalog.timestamp)', time_zone, col)
           ELSE pg_catalog.format('pg_catalog.timezone(%L::pg_catalog.text, ((%s)::pg_catalog.date)::pg_catalog.timestamp)', time_zone, col) END
$$;
COMMENT ON FUNCTION crm_score_time_expr(regtype, text, text) IS
    'SQL expression turning a source time column into timestamptz: timestamp and date are read in the job''s time zone (internal)';

-- The refresh's one pass over the states (src/score_scan.c)
DO $do$ BEGIN
    CREATE TYPE crm_score_scan_result AS (r_breaks float8[], f_breaks float8[], m_breaks float8[], customers bigint, candidates tid[]);
EXCEPTION WHEN duplicate_object THEN NULL;
END $do$;
COMMENT ON TYPE crm_score_scan_result IS 'Result of crm_score_scan: the new quintile cut points, the customers scored, the rows whose segment may have moved';
CREATE OR REPLACE FUNCTION crm_score_scan_transfn(internal, tid, boolean, float8, float8, float8)
    RETURNS internal AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE;
CREATE OR REPLACE FUNCTION crm_score_scan_finalfn(internal, float8[], float8[], float8[], float8) RETURNS crm_score_scan_result
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE;
COMMENT ON FUNCTION crm_score_scan_transfn(internal, tid, boolean, float8, float8, float8) IS
    'crm_score_scan transition step (internal use)';
COMMENT ON FUNCTION crm_score_scan_finalfn(internal, float8[], float8[], float8[], float8) IS 'crm_score_scan final step (internal use)';
REVOKE ALL ON FUNCTION crm_score_scan_transfn(internal, tid, boolean, float8, float8, float8),
    crm_score_scan_finalfn(internal, float8[], float8[], float8[], float8) FROM PUBLIC;
-- an ordered-set aggregate, as rfm_breaks: it collects every row and sorts
-- what it needs itself, so it has no partial states to combine
CREATE OR REPLACE AGGREGATE crm_score_scan(old_r_breaks float8[], old_f_breaks float8[], old_m_breaks float8[], days_since float8
                                           ORDER BY row_id tid, changed boolean, recency float8, frequency float8, monetary float8) (
    SFUNC = crm_score_scan_transfn,
    STYPE = internal,
    FINALFUNC = crm_score_scan_finalfn
);
COMMENT ON AGGREGATE crm_score_scan(float8[], float8[], float8[], float8 ORDER BY tid, boolean, float8, float8, float8) IS
    'One pass of a refresh over a scored view''s states: rfm_breaks(5) of recency, frequency and monetary, and the rows that were written now or whose score crosses a cut point since the last refresh (internal use)';

-- Creates what a job needs besides its state and override tables, or
-- brings a job made by crm_ext 1.1 up to date: the pending table, the
-- one-row meta table, the capture trigger function and triggers, and the
-- view (CREATE OR REPLACE: users' views on it survive).  Runs as the owner.
CREATE OR REPLACE FUNCTION crm_score_install(job crm_score_jobs, with_view boolean) RETURNS crm_score_jobs
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    tgt    text := pg_catalog.regexp_replace(job.data_table::text, '_data("?)$', '\1');  -- qualified, quoted
    sch    text := (SELECT pg_catalog.quote_ident(n.nspname) FROM pg_catalog.pg_class c
                    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = job.data_table);
    base   text := (SELECT c.relname FROM pg_catalog.pg_class c WHERE c.oid = job.data_table);
    ctype  text := (SELECT pg_catalog.format_type(a.atttypid, a.atttypmod) FROM pg_catalog.pg_attribute a
                    WHERE a.attrelid = job.data_table AND a.attname = 'customer_id');
    ceq    text := @extschema@.crm_eq_operator((SELECT a.atttypid::pg_catalog.regtype FROM pg_catalog.pg_attribute a
                    WHERE a.attrelid = job.data_table AND a.attname = 'customer_id'));
    numeric_amount boolean := (SELECT a.atttypid = 'numeric'::pg_catalog.regtype FROM pg_catalog.pg_attribute a
                               WHERE a.attrelid = job.source AND a.attname = job.amount_col);
    atype  text;
    q_pend text;
    q_meta text;
    q_fn   text;
    q_hist text;
    q_tot  text;
    tx     text;
    r_sc   text;
    f_sc   text;
    m_sc   text;
    seg    text;
    k      text;
    tg     text;
    tn     name;
    own    boolean;
    stmt   text[];
    i      int;
    dist   name := @extschema@.crm_citus_dist_column(job.source);
BEGIN
    base := pg_catalog.left(base, pg_catalog.length(base) - 5);      -- strip '_data'
    q_pend := sch || '.' || pg_catalog.quote_ident(base || '_pending');
    q_meta := sch || '.' || pg_catalog.quote_ident(base || '_meta');
    q_fn   := sch || '.' || pg_catalog.quote_ident(base || '_capture');
    q_hist := sch || '.' || pg_catalog.quote_ident(base || '_history');
    q_tot  := sch || '.' || pg_catalog.quote_ident(base || '_totals');
    atype  := CASE WHEN numeric_amount THEN 'pg_catalog.numeric' ELSE 'pg_catalog.float8' END;
    IF ceq IS NULL THEN
        RAISE EXCEPTION 'customer column type % has no default btree equality', ctype USING ERRCODE = 'undefined_function';
    END IF;

    IF job.pending_table IS NULL THEN
        EXECUTE pg_catalog.format($$CREATE TABLE %s (customer_id %s, txn_time pg_catalog.timestamptz, amount %s,
                                     recompute pg_catalog.bool NOT NULL DEFAULT false)$$, q_pend, ctype, atype);
        EXECUTE pg_catalog.format('COMMENT ON TABLE %s IS %L', q_pend,
            pg_catalog.format('Rows of %s captured since the last refresh of %s, and customers to recompute (recompute = true; NULL customer: all, after TRUNCATE)', job.source, tgt));
        job.pending_table := q_pend::pg_catalog.regclass;
    END IF;
    IF job.meta_table IS NULL THEN
        EXECUTE pg_catalog.format($$CREATE TABLE %s (
            one pg_catalog.bool PRIMARY KEY DEFAULT true CHECK (one),
            as_of pg_catalog.timestamptz, refreshed_at pg_catalog.timestamptz,
            r_breaks pg_catalog.float8[], f_breaks pg_catalog.float8[], m_breaks pg_catalog.float8[],
            segment_names pg_catalog.text[], segment_grid pg_catalog.int2[],
            case_base pg_catalog.text, cb_fields pg_catalog.text[], cb_cost pg_catalog.bool[], cb_stats @extschema@.feature_summary,
            cb_cases pg_catalog.float8[], cb_labels pg_catalog.text[], cb_group_sizes pg_catalog.int4[],
            cb_inner_weights pg_catalog.float8[], cb_group_weights pg_catalog.float8[], cb_rho pg_catalog.float8,
            source_truncated pg_catalog.bool NOT NULL DEFAULT false,
            refresh_no pg_catalog.int8 NOT NULL DEFAULT 0, pruned_as_of pg_catalog.timestamptz)$$, q_meta);
        EXECUTE pg_catalog.format('COMMENT ON TABLE %s IS %L', q_meta,
            pg_catalog.format('The last refresh of %s: as_of, quintile cut points, segment grid and case base the view scores with', tgt));
        EXECUTE pg_catalog.format($$INSERT INTO %s (as_of, refreshed_at, r_breaks, f_breaks, m_breaks, segment_names, segment_grid)
                                     VALUES ($1, $2, $3, $4, $5, $6, $7)$$, q_meta)
          USING job.last_as_of, job.last_refresh, job.r_breaks, job.f_breaks, job.m_breaks, job.segment_names, job.segment_grid;
        job.meta_table := q_meta::pg_catalog.regclass;
    END IF;

    IF job.history_table IS NULL THEN
        EXECUTE pg_catalog.format($$CREATE TABLE %s (
            refresh_no pg_catalog.int8 NOT NULL, as_of pg_catalog.timestamptz NOT NULL, customer_id %s NOT NULL,
            segment pg_catalog.text, value_class pg_catalog.text, monetary pg_catalog.float8,
            prev_segment pg_catalog.text, prev_value_class pg_catalog.text, prev_monetary pg_catalog.float8)$$, q_hist, ctype);
        EXECUTE pg_catalog.format('CREATE INDEX ON %s (customer_id, refresh_no)', q_hist);
        EXECUTE pg_catalog.format('CREATE INDEX ON %s (refresh_no)', q_hist);
        EXECUTE pg_catalog.format('COMMENT ON TABLE %s IS %L', q_hist,
            pg_catalog.format('What each refresh of %s changed: one row per customer whose segment, value class or spend changed (NULL segment: no longer scored), with the values before; append-only, pruned after crm_score_jobs.history_retention (each customer''s last row is kept)', tgt));
        EXECUTE pg_catalog.format('COMMENT ON COLUMN %s.refresh_no IS %L', q_hist, 'Number of the refresh (1, 2, ...): orders rows of the same as_of');
        EXECUTE pg_catalog.format('COMMENT ON COLUMN %s.as_of IS %L', q_hist, 'as_of of that refresh');
        EXECUTE pg_catalog.format('COMMENT ON COLUMN %s.segment IS %L', q_hist, 'Computed segment after the refresh (NULL: no longer scored)');
        EXECUTE pg_catalog.format('COMMENT ON COLUMN %s.value_class IS %L', q_hist, 'Value class after the refresh');
        EXECUTE pg_catalog.format('COMMENT ON COLUMN %s.monetary IS %L', q_hist, 'Monetary (total spend) after the refresh');
        EXECUTE pg_catalog.format('COMMENT ON COLUMN %s.prev_segment IS %L', q_hist, 'Segment at the customer''s previous row (NULL: new)');
        EXECUTE pg_catalog.format('COMMENT ON COLUMN %s.prev_value_class IS %L', q_hist, 'Value class at the previous row');
        EXECUTE pg_catalog.format('COMMENT ON COLUMN %s.prev_monetary IS %L', q_hist, 'Monetary at the previous row');
        job.history_table := q_hist::pg_catalog.regclass;
    END IF;
    IF job.totals_table IS NULL THEN
        EXECUTE pg_catalog.format($$CREATE TABLE %s (
            refresh_no pg_catalog.int8 NOT NULL, as_of pg_catalog.timestamptz NOT NULL, kind pg_catalog.text NOT NULL,
            label pg_catalog.text NOT NULL, customers pg_catalog.int8 NOT NULL, monetary pg_catalog.numeric NOT NULL,
            PRIMARY KEY (refresh_no, kind, label))$$, q_tot);
        EXECUTE pg_catalog.format('COMMENT ON TABLE %s IS %L', q_tot,
            pg_catalog.format('Customers and total spend per segment and per value class of %s after each refresh (kept up to date from the history, not from a pass over everyone)', tgt));
        job.totals_table := q_tot::pg_catalog.regclass;
    END IF;

    -- Citus: a source distributed by customer gets its state, override and
    -- pending tables colocated with it (every statement of a refresh then
    -- runs shard by shard on the workers) and the meta table replicated to
    -- every node as a reference table, for the view to join there
    IF dist IS NOT NULL THEN
        IF dist <> job.customer_col THEN
            RAISE EXCEPTION 'source % is distributed by "%", not by its customer column "%"', job.source, dist, job.customer_col
                USING ERRCODE = 'feature_not_supported',
                HINT = 'Distribute the transactions by customer: SELECT create_distributed_table(source, customer column).';
        END IF;
        -- DDL of distributed tables and functions in one transaction
        PERFORM pg_catalog.set_config('citus.multi_shard_modify_mode', 'sequential', true);
        FOREACH k IN ARRAY ARRAY[job.data_table::text, job.override_table::text, job.pending_table::text] LOOP
            IF @extschema@.crm_citus_dist_column(k::pg_catalog.regclass) IS NULL THEN
                EXECUTE 'SELECT pg_catalog.create_distributed_table($1, $2, colocate_with => $3)'
                  USING k::pg_catalog.regclass, 'customer_id'::pg_catalog.text, job.source::pg_catalog.text;
            END IF;
        END LOOP;
        IF @extschema@.crm_citus_dist_column(job.history_table) IS NULL THEN
            EXECUTE 'SELECT pg_catalog.create_distributed_table($1, $2, colocate_with => $3)'
              USING job.history_table, 'customer_id'::pg_catalog.text, job.source::pg_catalog.text;
        END IF;
        FOREACH k IN ARRAY ARRAY[job.meta_table::text, job.totals_table::text] LOOP
            IF NOT @extschema@.crm_citus_is_reference(k::pg_catalog.regclass) THEN
                EXECUTE 'SELECT pg_catalog.create_reference_table($1)' USING k::pg_catalog.regclass;
            END IF;
        END LOOP;
        PERFORM pg_catalog.set_config('citus.enable_unsafe_triggers', 'on', true);
    END IF;

    -- capture: in the writer's transaction, as the owner (the writer needs no
    -- rights on the pending table); UPDATE marks only customers whose
    -- (time, amount) rows really changed.  Statement-level triggers with
    -- transition tables serve ordinary sessions; logical replication's apply
    -- worker fires only row-level triggers, so row-level ones enabled for
    -- REPLICA sessions alone serve it: each write is captured once.
    tx := @extschema@.crm_score_time_expr(job.time_type, 'n.' || pg_catalog.quote_ident(job.time_col), job.time_zone);
    stmt := ARRAY[
        pg_catalog.format($s$INSERT INTO %%1$s (customer_id, txn_time, amount)
                SELECT n.%1$I, %2$s, (n.%3$I)::%4$s FROM crm_new n
                WHERE n.%1$I IS NOT NULL AND n.%5$I IS NOT NULL AND n.%3$I IS NOT NULL$s$,
                job.customer_col, tx, job.amount_col, atype, job.time_col),
        pg_catalog.format($s$INSERT INTO %%1$s (customer_id, recompute)
                SELECT DISTINCT x.c, true FROM (SELECT n.%1$I AS c, n.%2$I AS t, n.%3$I AS a, 1 AS w FROM crm_old n
                                                UNION ALL SELECT n.%1$I, n.%2$I, n.%3$I, -1 FROM crm_new n) x
                WHERE x.c IS NOT NULL GROUP BY x.c, x.t, x.a HAVING pg_catalog.sum(x.w) OPERATOR(pg_catalog.<>) 0$s$,
                job.customer_col, job.time_col, job.amount_col),
        pg_catalog.format($s$INSERT INTO %%1$s (customer_id, recompute)
                SELECT DISTINCT n.%1$I, true FROM crm_old n WHERE n.%1$I IS NOT NULL$s$, job.customer_col),
        'INSERT INTO %1$s (customer_id, recompute) VALUES (NULL, true)'];
    IF dist IS NULL THEN
        -- static statements into the pending table
        FOR i IN 1..4 LOOP
            stmt[i] := pg_catalog.format(stmt[i], job.pending_table) || ';';
        END LOOP;
    ELSE
        -- on Citus the triggers fire on the source's shards, on the workers:
        -- write into the colocated shard of the pending table, there
        FOR i IN 1..4 LOOP
            stmt[i] := pg_catalog.format($s$SELECT pg_catalog.shard_name(%1$L::pg_catalog.regclass, s2.shardid) INTO sh
                      FROM pg_catalog.pg_dist_shard s1 JOIN pg_catalog.pg_dist_shard s2
                        ON s2.logicalrelid OPERATOR(pg_catalog.=) %1$L::pg_catalog.regclass AND s2.shardminvalue OPERATOR(pg_catalog.=) s1.shardminvalue
                      WHERE s1.shardid OPERATOR(pg_catalog.=) (pg_catalog.substring(TG_TABLE_NAME, '_([0-9]+)$'))::pg_catalog.int8;
                    IF sh IS NULL THEN
                        %4$s
                    END IF;
                    IF pg_catalog.strpos(sh, '.') OPERATOR(pg_catalog.=) 0 THEN   -- shard_name() leaves public out
                        sh := %3$L OPERATOR(pg_catalog.||) '.' OPERATOR(pg_catalog.||) sh;
                    END IF;
                    EXECUTE pg_catalog.format(%2$L, sh);$s$, job.pending_table, stmt[i], sch,
                    -- TRUNCATE also fires on the coordinator's table itself: the shards record it
                    -- (and only there), where the pending table cannot take a row
                    -- without a customer: the meta table keeps the mark
                    CASE WHEN i = 4 THEN pg_catalog.format('UPDATE %s SET source_truncated = true; RETURN NULL;', job.meta_table)
                         ELSE $r$RAISE EXCEPTION 'crm_ext capture trigger fired on % outside a shard', TG_TABLE_NAME;$r$ END);
        END LOOP;
    END IF;
    EXECUTE pg_catalog.format($f$CREATE OR REPLACE FUNCTION %1$s() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $b$
        DECLARE sh pg_catalog.text;
        BEGIN
            IF TG_LEVEL OPERATOR(pg_catalog.=) 'ROW' THEN
                IF TG_OP OPERATOR(pg_catalog.=) 'INSERT' THEN
                    IF NEW.%3$I IS NOT NULL AND NEW.%7$I IS NOT NULL AND NEW.%5$I IS NOT NULL THEN
                        INSERT INTO %2$s (customer_id, txn_time, amount) VALUES (NEW.%3$I, %8$s, (NEW.%5$I)::%6$s);
                    END IF;
                ELSIF TG_OP OPERATOR(pg_catalog.=) 'UPDATE' THEN
                    IF ROW(OLD.%3$I, OLD.%7$I, OLD.%5$I) IS DISTINCT FROM ROW(NEW.%3$I, NEW.%7$I, NEW.%5$I) THEN
                        INSERT INTO %2$s (customer_id, recompute)
                        SELECT DISTINCT v.c, true FROM (VALUES (OLD.%3$I), (NEW.%3$I)) v(c) WHERE v.c IS NOT NULL;
                    END IF;
                ELSIF OLD.%3$I IS NOT NULL THEN
                    INSERT INTO %2$s (customer_id, recompute) VALUES (OLD.%3$I, true);
                END IF;
                RETURN NULL;
            END IF;
            IF TG_OP OPERATOR(pg_catalog.=) 'INSERT' THEN
                %9$s
            ELSIF TG_OP OPERATOR(pg_catalog.=) 'UPDATE' THEN
                %10$s
            ELSIF TG_OP OPERATOR(pg_catalog.=) 'DELETE' THEN
                %11$s
            ELSE
                %12$s
            END IF;
            RETURN NULL;
        END $b$$f$, q_fn, job.pending_table, job.customer_col, tx, job.amount_col, atype, job.time_col,
        @extschema@.crm_score_time_expr(job.time_type, 'NEW.' || pg_catalog.quote_ident(job.time_col), job.time_zone),
        stmt[1], stmt[2], stmt[3], stmt[4]);
    EXECUTE pg_catalog.format('REVOKE ALL ON FUNCTION %s() FROM PUBLIC', q_fn);
    EXECUTE pg_catalog.format('COMMENT ON FUNCTION %s() IS %L', q_fn,
        pg_catalog.format('Captures rows written to %s for the next refresh of %s (crm_ext)', job.source, tgt));
    job.capture_function := (q_fn || '()')::pg_catalog.regprocedure;
    -- triggers are found by their function and event (names and OIDs change
    -- with a dump and restore); named after a hash of the pending table's name
    tg := 'crm_capture_' || pg_catalog.left(pg_catalog.md5(job.pending_table::text), 12) || '_';
    own := pg_catalog.pg_has_role((SELECT c.relowner FROM pg_catalog.pg_class c WHERE c.oid = job.source), 'USAGE');
    FOREACH k IN ARRAY ARRAY['insert', 'update', 'delete', 'truncate'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_trigger t WHERE t.tgrelid = job.source AND t.tgfoid = job.capture_function
                       AND (t.tgtype::int & @extschema@.crm_trigger_event_bit(k)) <> 0 AND (t.tgtype::int & 1) = 0) THEN
            EXECUTE pg_catalog.format('CREATE TRIGGER %I AFTER %s ON %s %s FOR EACH STATEMENT EXECUTE FUNCTION %s()',
                tg || k, pg_catalog.upper(k), job.source,
                CASE k WHEN 'insert' THEN 'REFERENCING NEW TABLE AS crm_new'
                       WHEN 'update' THEN 'REFERENCING OLD TABLE AS crm_old NEW TABLE AS crm_new'
                       WHEN 'delete' THEN 'REFERENCING OLD TABLE AS crm_old' ELSE '' END, q_fn);
        END IF;
        -- enabled; TRUNCATE always (logical replication replays it as a statement)
        IF own THEN
            FOR tn IN SELECT t.tgname FROM pg_catalog.pg_trigger t WHERE t.tgrelid = job.source AND t.tgfoid = job.capture_function
                      AND (t.tgtype::int & @extschema@.crm_trigger_event_bit(k)) <> 0 AND (t.tgtype::int & 1) = 0
                      AND t.tgenabled <> CASE WHEN k = 'truncate' THEN 'A' ELSE 'O' END LOOP
                EXECUTE pg_catalog.format('ALTER TABLE %s ENABLE %s TRIGGER %I', job.source,
                                          CASE WHEN k = 'truncate' THEN 'ALWAYS' ELSE '' END, tn);
            END LOOP;
        END IF;
        -- the row-level twin, for replica sessions only (setting that takes
        -- the table's owner: without it, no twin, which would double count)
        IF k <> 'truncate' AND own AND dist IS NULL AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_trigger t WHERE t.tgrelid = job.source
                       AND t.tgfoid = job.capture_function
                       AND (t.tgtype::int & @extschema@.crm_trigger_event_bit(k)) <> 0 AND (t.tgtype::int & 1) = 1) THEN
            EXECUTE pg_catalog.format('CREATE TRIGGER %I AFTER %s ON %s FOR EACH ROW EXECUTE FUNCTION %s()',
                tg || k || '_row', pg_catalog.upper(k), job.source, q_fn);
        END IF;
        IF k <> 'truncate' AND own AND dist IS NULL THEN
            FOR tn IN SELECT t.tgname FROM pg_catalog.pg_trigger t WHERE t.tgrelid = job.source AND t.tgfoid = job.capture_function
                      AND (t.tgtype::int & @extschema@.crm_trigger_event_bit(k)) <> 0 AND (t.tgtype::int & 1) = 1
                      AND t.tgenabled <> 'R' LOOP
                EXECUTE pg_catalog.format('ALTER TABLE %s ENABLE REPLICA TRIGGER %I', job.source, tn);
            END LOOP;
        END IF;
    END LOOP;
    IF NOT own THEN
        RAISE WARNING 'the capture triggers on % fire only in ordinary sessions', job.source
            USING DETAIL = 'Rows applied by logical replication or written with session_replication_role = replica would not be captured; a refresh refuses while the source is subscribed.',
                  HINT = pg_catalog.format('Let the owner of %s run crm_score_setup, or own the table.', job.source);
    END IF;

    -- The view is read by BI tools, often all of it: rfm_final runs once per
    -- row in a LATERAL subquery kept apart by OFFSET 0 (a function in FROM
    -- would go through a tuplestore per row, and a flattened subquery would
    -- call it once per column); scores and segment are plain expressions, so
    -- only the columns a query reads are computed, and a filter on
    -- customer_id still reaches the primary key (its operator is leakproof,
    -- so security_barrier does not stop it).  Every function is called with
    -- its exact argument types and every operator is qualified.
    IF NOT with_view THEN
        RETURN job;
    END IF;
    r_sc := '@extschema@.rfm_score((f.r).recency_days, m.r_breaks, false)';
    f_sc := '@extschema@.rfm_score(((f.r).frequency)::pg_catalog.float8, m.f_breaks, true)';
    m_sc := '@extschema@.rfm_score((f.r).monetary, m.m_breaks, true)';
    seg := pg_catalog.format('m.segment_names[m.segment_grid[((%s OPERATOR(pg_catalog.*) 25) OPERATOR(pg_catalog.+) (%s OPERATOR(pg_catalog.*) 5)) OPERATOR(pg_catalog.+) (%s OPERATOR(pg_catalog.-) 30)]]',
                             r_sc, f_sc, m_sc);
    EXECUTE pg_catalog.format($$CREATE OR REPLACE VIEW %1$s WITH (security_barrier = true) AS
        SELECT d.customer_id, (f.r).recency_days, (f.r).frequency, (f.r).monetary, (f.r).first_txn, (f.r).last_txn,
               (f.r).tenure_days, (f.r).mean_gap_days, (f.r).avg_amount, (f.r).purchases_per_30d, (f.r).overdue_ratio,
               %5$s AS r_score, %6$s AS f_score, %7$s AS m_score,
               pg_catalog.concat(%5$s, %6$s, %7$s) AS rfm_code,
               COALESCE(o.segment, %8$s) AS segment,
               %8$s AS computed_segment,
               o.segment IS NOT NULL AS segment_overridden,
               (v.c).label AS value_class, (v.c).similarity AS similarity,
               m.as_of AS as_of, m.refreshed_at AS refreshed_at
        FROM %2$s d
        CROSS JOIN %3$s m
        CROSS JOIN LATERAL (SELECT @extschema@.rfm_final(d.state, m.as_of) AS r OFFSET 0) f
        LEFT JOIN LATERAL (SELECT @extschema@.cbr_classify(
                               @extschema@.normalize_features(@extschema@.rfm_features(f.r, m.cb_fields), m.cb_stats, m.cb_cost,
                                                              'minmax'::pg_catalog.text),
                               m.cb_cases, m.cb_labels, m.cb_group_sizes, m.cb_inner_weights, m.cb_group_weights, m.cb_rho,
                               'global'::pg_catalog.text) AS c
                           WHERE m.cb_cases IS NOT NULL OFFSET 0) v ON true
        LEFT JOIN %4$s o ON o.customer_id %9$s d.customer_id
        WHERE (f.r).frequency IS NOT NULL$$,
        tgt, job.data_table, job.meta_table, job.override_table, r_sc, f_sc, m_sc, seg, ceq);
    -- the moves of every refresh, for a BI tool to pivot
    EXECUTE pg_catalog.format($$CREATE OR REPLACE VIEW %1$s AS
        SELECT h.refresh_no, h.as_of, 'segment'::pg_catalog.text AS kind, h.prev_segment AS from_label, h.segment AS to_label,
               pg_catalog.count(*) AS customers, pg_catalog.sum(h.prev_monetary) AS revenue_before,
               pg_catalog.sum(h.monetary) AS revenue_after
        FROM %2$s h WHERE h.prev_segment IS DISTINCT FROM h.segment GROUP BY h.refresh_no, h.as_of, h.prev_segment, h.segment
        UNION ALL
        SELECT h.refresh_no, h.as_of, 'value_class'::pg_catalog.text, h.prev_value_class, h.value_class,
               pg_catalog.count(*), pg_catalog.sum(h.prev_monetary), pg_catalog.sum(h.monetary)
        FROM %2$s h WHERE h.prev_value_class IS DISTINCT FROM h.value_class GROUP BY h.refresh_no, h.as_of, h.prev_value_class, h.value_class$$,
        sch || '.' || pg_catalog.quote_ident(base || '_moves'), job.history_table);
    EXECUTE pg_catalog.format('COMMENT ON VIEW %s IS %L', sch || '.' || pg_catalog.quote_ident(base || '_moves'),
        pg_catalog.format('Customers who moved segment or value class at each refresh of %s, with their spend before and after (from the history)', tgt));
    RETURN job;
END
$fn$;
COMMENT ON FUNCTION crm_score_install(crm_score_jobs, boolean) IS
    'Creates what is missing of a scored view job''s pending table, meta table and capture triggers, puts the triggers in the state they must be in, and (with_view) creates or replaces the view (internal: called by crm_score_setup, by the first refresh of a view set up by crm_ext 1.1, and by a full rebuild that finds the triggers wrong)';

-- What is wrong with a job's capture triggers, if anything: missing or
-- disabled ones lose rows, row-level twins that fire in ordinary sessions
-- count them twice, and a subscribed source needs the twins.
CREATE OR REPLACE FUNCTION crm_score_capture_problem(job crm_score_jobs) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE
        WHEN EXISTS (SELECT 1 FROM pg_catalog.unnest(ARRAY['insert', 'update', 'delete', 'truncate']) k
                     WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_trigger t WHERE t.tgrelid = job.source AND t.tgfoid = job.capture_function
                                       AND (t.tgtype::int & @extschema@.crm_trigger_event_bit(k)) <> 0 AND (t.tgtype::int & 1) = 0
                                       AND t.tgenabled <> 'D')) THEN 'missing'
        WHEN EXISTS (SELECT 1 FROM pg_catalog.pg_trigger t WHERE t.tgrelid = job.source AND t.tgfoid = job.capture_function
                     AND (t.tgtype::int & 1) = 1 AND t.tgenabled IN ('O', 'A')) THEN 'twice'
        WHEN EXISTS (SELECT 1 FROM pg_catalog.pg_subscription_rel s WHERE s.srrelid = job.source)
             AND (SELECT pg_catalog.count(*) FROM pg_catalog.pg_trigger t WHERE t.tgrelid = job.source AND t.tgfoid = job.capture_function
                  AND (((t.tgtype::int & 1) = 1 AND t.tgenabled = 'R') OR ((t.tgtype::int & 32) <> 0 AND t.tgenabled = 'A'))) < 4
             THEN 'replication'
        END
$$;
COMMENT ON FUNCTION crm_score_capture_problem(crm_score_jobs) IS
    'NULL when a scored view''s capture triggers are as they must be, else missing, twice or replication (internal)';

-- Names a user gives as text are resolved with the user's search_path, as
-- CREATE VIEW would: by these wrappers, which cannot pin search_path (they
-- must see the caller's) and so call only qualified objects with exact
-- argument types; the routines they call pin it.
CREATE OR REPLACE FUNCTION crm_creation_name(target text) RETURNS text
LANGUAGE sql STABLE STRICT PARALLEL SAFE
AS $$
    -- (no CASE x WHEN: its implicit = would be looked up on the caller's path)
    SELECT CASE WHEN pg_catalog.array_length(p, 1) OPERATOR(pg_catalog.=) 1 THEN pg_catalog.quote_ident((SELECT s FROM pg_catalog.unnest(pg_catalog.current_schemas(false)) s LIMIT 1))
                       OPERATOR(pg_catalog.||) '.' OPERATOR(pg_catalog.||) pg_catalog.quote_ident(p[1])
           WHEN pg_catalog.array_length(p, 1) OPERATOR(pg_catalog.=) 2 THEN pg_catalog.quote_ident(p[1]) OPERATOR(pg_catalog.||) '.' OPERATOR(pg_catalog.||) pg_catalog.quote_ident(p[2])
           END
    FROM (SELECT pg_catalog.parse_ident(target) AS p) x
$$;
COMMENT ON FUNCTION crm_creation_name(text) IS
    'Qualified, quoted name a relation called target would get from CREATE under the caller''s search_path; NULL for more than two parts or no schema';

CREATE OR REPLACE FUNCTION crm_score_setup_named(target text, qualified text, source regclass, customer_col name, time_col name,
                                      amount_col name, segment_map text, time_zone text)
RETURNS regclass
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    ttype  regtype;
    ctype  text;
    atype  regtype;
    t      regclass;
    parts  text[];
    nm     text;
    sch    text;
    q_target text;
    q_data   text;
    q_over   text;
    stale    record;
    job      @extschema@.crm_score_jobs;
    tz       text := coalesce(time_zone, pg_catalog.current_setting('TimeZone'));
    map_max  int;
    kind     "char";
    rel      text;
BEGIN
    IF qualified IS NULL THEN
        RAISE EXCEPTION 'improper target name "%"', target USING ERRCODE = 'invalid_name',
            HINT = 'Give a view name, optionally schema-qualified, with a schema on the search_path to create it in.';
    END IF;
    parts := pg_catalog.parse_ident(qualified);
    nm := parts[2];
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace n WHERE n.nspname = parts[1]) THEN
        RAISE EXCEPTION 'schema "%" does not exist', parts[1] USING ERRCODE = 'invalid_schema_name';
    END IF;
    IF pg_catalog.octet_length(nm) > 53 THEN
        RAISE EXCEPTION 'scored view name "%" is too long', nm USING ERRCODE = 'name_too_long',
            DETAIL = 'Its tables add up to 10 characters (_overrides) and names are limited to 63 bytes.',
            HINT = 'Use a name of at most 53 bytes.';
    END IF;
    sch := pg_catalog.quote_ident(parts[1]) || '.';
    q_target := sch || pg_catalog.quote_ident(nm);
    q_data := sch || pg_catalog.quote_ident(nm || '_data');
    q_over := sch || pg_catalog.quote_ident(nm || '_overrides');

    -- a job left behind by a DROP VIEW, or a name in use
    SELECT j.target, j.target_name INTO stale FROM @extschema@.crm_score_jobs j
     WHERE j.target_name = q_target OR j.data_table = pg_catalog.to_regclass(q_data);
    IF FOUND AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_class c WHERE c.oid = stale.target) THEN
        RAISE EXCEPTION '% is already set up as a scored view', q_target USING ERRCODE = 'duplicate_object',
            DETAIL = 'Its view was dropped, but its job and tables remain.',
            HINT = pg_catalog.format('Run SELECT %s.crm_score_drop(%L) first.', '@extschema@', q_target);
    ELSIF FOUND THEN
        RAISE EXCEPTION '% is already set up as a scored view', q_target USING ERRCODE = 'duplicate_object',
            HINT = pg_catalog.format('Use another name, or run SELECT %s.crm_score_drop(%L) first.', '@extschema@', q_target);
    END IF;
    FOREACH rel IN ARRAY ARRAY[q_target, q_data, q_over, sch || pg_catalog.quote_ident(nm || '_pending'),
                               sch || pg_catalog.quote_ident(nm || '_meta'), sch || pg_catalog.quote_ident(nm || '_history'),
                               sch || pg_catalog.quote_ident(nm || '_totals'), sch || pg_catalog.quote_ident(nm || '_moves')] LOOP
        IF pg_catalog.to_regclass(rel) IS NOT NULL THEN
            RAISE EXCEPTION 'relation % already exists', rel USING ERRCODE = 'duplicate_table',
                DETAIL = pg_catalog.format('A scored view %s needs the names %s and %s_ followed by data, overrides, pending, meta, history, totals and moves.', q_target, nm, nm),
                HINT = 'Choose another name for the scored view, or drop that relation.';
        END IF;
    END LOOP;

    SELECT c.relkind INTO kind FROM pg_catalog.pg_class c WHERE c.oid = source;
    IF kind IS NULL THEN
        RAISE EXCEPTION 'source relation with OID % does not exist', source::oid USING ERRCODE = 'undefined_table';
    ELSIF kind NOT IN ('r', 'p') THEN
        RAISE EXCEPTION 'source % is not a table', source USING ERRCODE = 'wrong_object_type',
            DETAIL = 'New rows are captured by triggers, which views and foreign tables do not have.',
            HINT = 'Set the scored view up on the table the transactions are written to.';
    ELSIF kind = 'p' THEN
        RAISE EXCEPTION 'source % is a partitioned table', source USING ERRCODE = 'feature_not_supported',
            DETAIL = 'Rows written directly into its partitions would bypass the capture triggers.',
            HINT = 'Set one scored view up per partition, or use a plain table.';
    END IF;
    IF NOT pg_catalog.has_table_privilege(source, 'SELECT') OR NOT pg_catalog.has_table_privilege(source, 'TRIGGER') THEN
        RAISE EXCEPTION 'permission denied for table %', source USING ERRCODE = 'insufficient_privilege',
            DETAIL = 'Setting up a scored view needs SELECT (refreshes read the source as you) and TRIGGER (new rows are captured by triggers) on its source.',
            HINT = pg_catalog.format('GRANT SELECT, TRIGGER ON %s TO %I', source, CURRENT_USER);
    END IF;

    SELECT pg_catalog.format_type(a.atttypid, a.atttypmod) INTO ctype FROM pg_catalog.pg_attribute a
     WHERE a.attrelid = source AND a.attname = customer_col AND NOT a.attisdropped AND a.attnum > 0;
    IF ctype IS NULL THEN
        RAISE EXCEPTION 'column "%" does not exist in %', customer_col, source USING ERRCODE = 'undefined_column';
    END IF;
    SELECT a.atttypid::pg_catalog.regtype INTO ttype FROM pg_catalog.pg_attribute a
     WHERE a.attrelid = source AND a.attname = time_col AND NOT a.attisdropped AND a.attnum > 0;
    IF ttype IS NULL THEN
        RAISE EXCEPTION 'column "%" does not exist in %', time_col, source USING ERRCODE = 'undefined_column';
    ELSIF ttype NOT IN ('timestamp with time zone'::regtype, 'timestamp without time zone'::regtype, 'date'::regtype) THEN
        RAISE EXCEPTION 'column "%" of % is of type %', time_col, source, ttype USING ERRCODE = 'datatype_mismatch',
            DETAIL = 'The time column must be a timestamptz, timestamp or date.';
    END IF;
    SELECT a.atttypid::pg_catalog.regtype INTO atype FROM pg_catalog.pg_attribute a
     WHERE a.attrelid = source AND a.attname = amount_col AND NOT a.attisdropped AND a.attnum > 0;
    IF atype IS NULL THEN
        RAISE EXCEPTION 'column "%" does not exist in %', amount_col, source USING ERRCODE = 'undefined_column';
    ELSIF atype NOT IN ('numeric'::regtype, 'double precision'::regtype, 'real'::regtype, 'integer'::regtype,
                        'bigint'::regtype, 'smallint'::regtype) THEN
        RAISE EXCEPTION 'column "%" of % is of type %', amount_col, source, atype USING ERRCODE = 'datatype_mismatch',
            DETAIL = 'The amount column must be numeric, double precision, real, integer, bigint or smallint.';
    END IF;
    PERFORM pg_catalog.timezone(tz, '2000-01-01'::pg_catalog.timestamp);   -- an unknown zone fails here, clearly
    IF segment_map IS NOT NULL THEN
        PERFORM @extschema@.rfm_segment_map_validate(segment_map);
        SELECT sm.max_score INTO map_max FROM @extschema@.rfm_segment_maps sm WHERE sm.map_name = segment_map;
        IF map_max <> 5 THEN
            RAISE EXCEPTION 'segment map "%" must use scores 1..5 (scored tables use quintiles)', segment_map
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
    END IF;

    -- stored: only the mergeable state; the view derives indicators, scores
    -- and segments from state + as_of + cut points on read, so a refresh
    -- rewrites only the customers that have new transactions
    EXECUTE pg_catalog.format($$CREATE TABLE %s (
        customer_id      %s PRIMARY KEY,
        state            @extschema@.rfm_state NOT NULL) WITH (fillfactor = 70)$$, q_data, ctype);  -- room for HOT updates
    EXECUTE pg_catalog.format('COMMENT ON TABLE %s IS %L', q_data,
                   pg_catalog.format('Per-customer RFM states of %s; read them through the view %s', source, q_target));
    EXECUTE pg_catalog.format($$CREATE TABLE %s (customer_id %s PRIMARY KEY, segment pg_catalog.text NOT NULL
                                   CHECK (segment OPERATOR(pg_catalog.<>) ''), reason pg_catalog.text,
                                   set_by pg_catalog.name NOT NULL DEFAULT CURRENT_USER,
                                   set_at pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now())$$, q_over, ctype);
    EXECUTE pg_catalog.format('COMMENT ON TABLE %s IS %L', q_over,
                   pg_catalog.format('Segments pinned by hand; they win over the computed segment in %s, now and after every refresh', q_target));

    job.data_table := q_data::pg_catalog.regclass;
    job.override_table := q_over::pg_catalog.regclass;
    job.source := source;
    job.customer_col := customer_col;
    job.time_col := time_col;
    job.amount_col := amount_col;
    job.segment_map := segment_map;
    job.owner := pg_catalog.to_regrole(CURRENT_USER::text);
    job.target_name := q_target;
    job.time_type := ttype;
    job.time_zone := tz;
    job := @extschema@.crm_score_install(job, true);
    t := q_target::pg_catalog.regclass;
    job.target := t;
    -- (owner, retention and keep_history take their column defaults)
    INSERT INTO @extschema@.crm_score_jobs (target, data_table, override_table, source, customer_col, time_col, amount_col,
                                            segment_map, target_name, pending_table, meta_table, capture_function, time_type,
                                            time_zone, history_table, totals_table)
    VALUES (job.target, job.data_table, job.override_table, job.source, job.customer_col, job.time_col, job.amount_col,
            job.segment_map, job.target_name, job.pending_table, job.meta_table, job.capture_function, job.time_type,
            job.time_zone, job.history_table, job.totals_table);

    EXECUTE pg_catalog.format('COMMENT ON VIEW %s IS %L', t,
                   pg_catalog.format('RFM scores of the customers in %s as of the last refresh (CALL %s.crm_refresh_scores(%L))', source, '@extschema@', t::text));
    EXECUTE pg_catalog.format('COMMENT ON COLUMN %s.customer_id IS %L', t, pg_catalog.format('Customer (%s.%I)', source, customer_col));
    EXECUTE pg_catalog.format('COMMENT ON COLUMN %s.recency_days IS %L', t, 'Days from the last purchase to as_of');
    EXECUTE pg_catalog.format('COMMENT ON COLUMN %s.frequency IS %L', t, 'Number of purchases (amount > 0) up to as_of');
    EXECUTE pg_catalog.format('COMMENT ON COLUMN %s.monetary IS %L', t, 'Sum of all amounts up to as_of, refunds included');
    EXECUTE pg_catalog.format('COMMENT ON COLUMN %s.first_txn IS %L', t, 'First purchase');
    EXECUTE pg_catalog.format('COMMENT ON COLUMN %s.last_txn IS %L', t, 'Last purchase');
    EXECUTE pg_catalog.format('COMMENT ON COLUMN %s.tenure_days IS %L', t, 'Days from the first purchase to as_of');
    EXECUTE pg_catalog.format('COMMENT ON COLUMN %s.mean_gap_days IS %L', t, 'Mean days between consecutive purchases (NULL with one purchase)');
    EXECUTE pg_catalog.format('COMMENT ON COLUMN %s.avg_amount IS %L', t, 'Average ticket: monetary / frequency');
    EXECUTE pg_catalog.format('COMMENT ON COLUMN %s.purchases_per_30d IS %L', t, 'Purchases per 30 days of tenure (tenure floored at 30 days)');
    EXECUTE pg_catalog.format('COMMENT ON COLUMN %s.overdue_ratio IS %L', t, 'recency_days / mean_gap_days; above 1 = away longer than usual');
    EXECUTE pg_catalog.format('COMMENT ON COLUMN %s.r_score IS %L', t, 'Recency quintile 1..5, 5 = most recent (tie-aware, rfm_breaks)');
    EXECUTE pg_catalog.format('COMMENT ON COLUMN %s.f_score IS %L', t, 'Frequency quintile 1..5, 5 = most purchases');
    EXECUTE pg_catalog.format('COMMENT ON COLUMN %s.m_score IS %L', t, 'Monetary quintile 1..5, 5 = highest spend');
    EXECUTE pg_catalog.format('COMMENT ON COLUMN %s.rfm_code IS %L', t, 'R, F and M scores as one code, e.g. 545');
    EXECUTE pg_catalog.format('COMMENT ON COLUMN %s.segment IS %L', t, 'Segment: the manual override if there is one, else computed_segment');
    EXECUTE pg_catalog.format('COMMENT ON COLUMN %s.computed_segment IS %L', t,
                   CASE WHEN segment_map IS NULL THEN 'Segment from the built-in 11-segment map' ELSE pg_catalog.format('Segment from the user map %L', segment_map) END);
    EXECUTE pg_catalog.format('COMMENT ON COLUMN %s.segment_overridden IS %L', t, 'True when segment comes from the override table');
    EXECUTE pg_catalog.format('COMMENT ON COLUMN %s.value_class IS %L', t,
                   'Value class: label of the most similar typical customer of the case base (crm_case_base_build); NULL without a case base');
    EXECUTE pg_catalog.format('COMMENT ON COLUMN %s.similarity IS %L', t,
                   'Multi-layer grey relational grade between the customer and that typical customer, in (0, 1]');
    EXECUTE pg_catalog.format('COMMENT ON COLUMN %s.as_of IS %L', t, 'Date the scores were computed for');
    EXECUTE pg_catalog.format('COMMENT ON COLUMN %s.refreshed_at IS %L', t, 'When the last refresh ran');
    RETURN t;
END
$fn$;
COMMENT ON FUNCTION crm_score_setup_named(text, text, regclass, name, name, name, text, text) IS
    'The work of crm_score_setup once the view''s name is resolved (internal)';

CREATE OR REPLACE FUNCTION crm_score_setup(target text, source regclass,
                                customer_col name DEFAULT 'customer_id',
                                time_col name DEFAULT 'txn_time',
                                amount_col name DEFAULT 'amount',
                                segment_map text DEFAULT NULL,
                                time_zone text DEFAULT NULL)
RETURNS regclass
LANGUAGE sql VOLATILE
AS $$ SELECT @extschema@.crm_score_setup_named(target, @extschema@.crm_creation_name(target), source, customer_col, time_col,
                                               amount_col, segment_map, time_zone) $$;
COMMENT ON FUNCTION crm_score_setup(text, regclass, name, name, name, text, text) IS
    'Creates a scored view (with column comments) over a transactions table, with its state, override, pending and meta tables and the triggers that capture new, changed and deleted rows; the caller owns them all and refreshes run as the caller. time_zone (default: the session''s) is the zone a timestamp or date time column is read in';

-- Records in a scored view's history who moved (segment, value class) or
-- changed spend, as the view shows them now, against each customer's last
-- row; everyone = false looks only at the candidate rows (crm_score_scan)
-- and the recomputed customers (ids).  Then the totals of this refresh.
-- Returns the rows written.  Runs as the owner, inside a refresh or a case
-- base build.
CREATE OR REPLACE FUNCTION crm_score_record_history(job crm_score_jobs, d timestamptz, everyone boolean, cand tid[], ids text)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    ctype      text := (SELECT pg_catalog.format_type(a.atttypid, a.atttypmod) FROM pg_catalog.pg_attribute a
                        WHERE a.attrelid = job.data_table AND a.attname = 'customer_id');
    ceq        text := @extschema@.crm_eq_operator((SELECT a.atttypid::regtype FROM pg_catalog.pg_attribute a
                        WHERE a.attrelid = job.data_table AND a.attname = 'customer_id'));
    refresh_no bigint;
    n_hist     bigint;
BEGIN
    IF pg_catalog.to_regrole(CURRENT_USER::text) <> job.owner THEN
        RAISE EXCEPTION 'the history of % is written as its owner %', job.target, job.owner USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NOT job.keep_history OR job.history_table IS NULL THEN
        RETURN 0;
    END IF;
    EXECUTE pg_catalog.format('UPDATE %s SET refresh_no = refresh_no + 1 RETURNING refresh_no', job.meta_table) INTO refresh_no;
    EXECUTE pg_catalog.format($$
        WITH cur AS (SELECT v.customer_id, v.computed_segment AS segment, v.value_class, v.monetary FROM %1$s v
                     WHERE $3 OR v.customer_id IN (SELECT s.customer_id FROM %2$s s WHERE s.ctid OPERATOR(pg_catalog.=) ANY ($4))),
             gone AS (SELECT i.c AS customer_id FROM pg_catalog.unnest(($5)::%5$s[]) i(c)
                      WHERE NOT EXISTS (SELECT 1 FROM cur WHERE cur.customer_id %4$s i.c)
                      UNION
                      SELECT h.customer_id FROM %3$s h WHERE $3 AND NOT EXISTS (SELECT 1 FROM cur WHERE cur.customer_id %4$s h.customer_id)),
             now AS (SELECT * FROM cur UNION ALL SELECT g.customer_id, NULL, NULL, NULL FROM gone g),
             last AS (SELECT DISTINCT ON (h.customer_id) h.customer_id, h.segment, h.value_class, h.monetary
                      FROM %3$s h WHERE h.customer_id IN (SELECT now.customer_id FROM now)
                      ORDER BY h.customer_id, h.refresh_no DESC)
        INSERT INTO %3$s (refresh_no, as_of, customer_id, segment, value_class, monetary, prev_segment, prev_value_class, prev_monetary)
        SELECT $1, $2, now.customer_id, now.segment, now.value_class, now.monetary, last.segment, last.value_class, last.monetary
        FROM now LEFT JOIN last ON last.customer_id %4$s now.customer_id
        WHERE ROW(now.segment, now.value_class, now.monetary) IS DISTINCT FROM ROW(last.segment, last.value_class, last.monetary)
          AND NOT (last.customer_id IS NULL AND now.segment IS NULL)$$,
        job.target, job.data_table, job.history_table, ceq, ctype)
      USING refresh_no, d, everyone, cand, ids;
    GET DIAGNOSTICS n_hist = ROW_COUNT;
    -- totals per segment and per value class: the last ones plus this
    -- refresh's moves, so a moves report needs no snapshot of everyone
    EXECUTE pg_catalog.format($$
        INSERT INTO %2$s (refresh_no, as_of, kind, label, customers, monetary)
        SELECT $1, $2, x.kind, x.label, pg_catalog.sum(x.n), pg_catalog.sum(x.m) FROM (
            SELECT t.kind, t.label, t.customers AS n, t.monetary AS m FROM %2$s t
             WHERE t.refresh_no OPERATOR(pg_catalog.=) (SELECT pg_catalog.max(t2.refresh_no) FROM %2$s t2
                                                         WHERE t2.refresh_no OPERATOR(pg_catalog.<) $1)
            UNION ALL
            -- this refresh's moves, read once: each row leaves its old labels, joins its new ones
            SELECT v.kind, v.label, v.n, v.m FROM %1$s h CROSS JOIN LATERAL (VALUES
                ('segment'::pg_catalog.text, h.prev_segment, -1, -(h.prev_monetary)::pg_catalog.numeric),
                ('segment', h.segment, 1, (h.monetary)::pg_catalog.numeric),
                ('value_class', h.prev_value_class, -1, -(h.prev_monetary)::pg_catalog.numeric),
                ('value_class', h.value_class, 1, (h.monetary)::pg_catalog.numeric)) v(kind, label, n, m)
             WHERE h.refresh_no OPERATOR(pg_catalog.=) $1 AND v.label IS NOT NULL) x
        GROUP BY x.kind, x.label HAVING pg_catalog.sum(x.n) OPERATOR(pg_catalog.<>) 0$$,
        job.history_table, job.totals_table) USING refresh_no, d;
    RETURN n_hist;
END
$fn$;
COMMENT ON FUNCTION crm_score_record_history(crm_score_jobs, timestamptz, boolean, tid[], text) IS
    'Writes a scored view''s history and totals for what changed since the last recorded point (internal: called by a refresh and by a case base build, as the owner)';

-- The refresh proper, run as the job's owner by crm_refresh_scores.
CREATE OR REPLACE FUNCTION crm_refresh_apply(target regclass, as_of timestamptz, full_rebuild boolean) RETURNS void
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    job      @extschema@.crm_score_jobs;
    d        timestamptz := coalesce(as_of, pg_catalog.now());
    started  timestamptz := pg_catalog.clock_timestamp();
    ctype    text;
    ceq      text;
    tx       text;
    am       text;
    src      text;
    rebuild  boolean := full_rebuild;
    ids      text;
    changed  bigint;
    n        bigint;
    br       float8[];
    bf       float8[];
    bm       float8[];
    seg_names text[];
    grid     smallint[];
    map_max  int;
    col      record;
    problem  text;
    cand     tid[];
    everyone boolean;
    refresh_no bigint;
    n_hist   bigint;
    pruned   timestamptz;
BEGIN
    -- one refresh of a view at a time; a failure anywhere rolls all of it back
    SELECT * INTO job FROM @extschema@.crm_score_jobs j WHERE j.target = crm_refresh_apply.target FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION '% is not a scored view', target USING ERRCODE = 'undefined_object',
            HINT = 'Create it with crm_score_setup().';
    END IF;
    IF pg_catalog.to_regrole(CURRENT_USER::text) <> job.owner THEN
        RAISE EXCEPTION 'a refresh of % must run as its owner %', target, job.owner USING ERRCODE = 'insufficient_privilege',
            HINT = 'CALL crm_refresh_scores(), which runs it as the owner.';
    END IF;
    IF NOT pg_catalog.isfinite(d) THEN
        RAISE EXCEPTION 'as_of must be a finite timestamp' USING ERRCODE = 'datetime_field_overflow';
    END IF;
    IF d > pg_catalog.now() THEN
        RAISE EXCEPTION 'as_of % is in the future', d USING ERRCODE = 'invalid_parameter_value',
            DETAIL = 'A scored view holds what has happened up to as_of; rows dated later wait in the pending table.',
            HINT = 'Score a future date from the stored states with rfm_final(state, date), without moving the view.';
    END IF;

    -- the objects the job names must still be there, as set up
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_class c WHERE c.oid = job.source) THEN
        RAISE EXCEPTION 'the source table of scored view % no longer exists', target USING ERRCODE = 'undefined_table',
            HINT = pg_catalog.format('Drop the scored view with SELECT %s.crm_score_drop(%L) and set it up on the new table.', '@extschema@', target::text);
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_class c WHERE c.oid = job.data_table) THEN
        RAISE EXCEPTION 'the state table of scored view % no longer exists', target USING ERRCODE = 'undefined_table',
            HINT = pg_catalog.format('Drop the scored view with SELECT %s.crm_score_drop(%L) and set it up again.', '@extschema@', target::text);
    END IF;
    FOR col IN SELECT k.name, k.expected, a.atttypid AS actual
               FROM (VALUES (job.customer_col, (SELECT a2.atttypid FROM pg_catalog.pg_attribute a2
                                                WHERE a2.attrelid = job.data_table AND a2.attname = 'customer_id')),
                            (job.time_col, coalesce(job.time_type::oid, 0)), (job.amount_col, 0::oid)) k(name, expected)
               LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = job.source AND a.attname = k.name
                    AND a.attnum > 0 AND NOT a.attisdropped LOOP
        IF col.actual IS NULL THEN
            RAISE EXCEPTION 'column "%" of %, which scored view % reads, no longer exists', col.name, job.source, target
                USING ERRCODE = 'undefined_column',
                HINT = pg_catalog.format('Drop the scored view with SELECT %s.crm_score_drop(%L) and set it up again.', '@extschema@', target::text);
        ELSIF col.expected <> 0 AND col.expected <> col.actual THEN
            RAISE EXCEPTION 'column "%" of % changed type from % to % since scored view % was set up', col.name, job.source,
                            col.expected::regtype, col.actual::regtype, target USING ERRCODE = 'datatype_mismatch',
                DETAIL = 'Rows captured since the change may have been read the old way.',
                HINT = pg_catalog.format('Drop the scored view with SELECT %s.crm_score_drop(%L) and set it up again.', '@extschema@', target::text);
        END IF;
    END LOOP;

    IF job.pending_table IS NOT NULL AND EXISTS (SELECT 1 FROM pg_catalog.pg_class c WHERE c.oid = job.pending_table)
       AND (SELECT a.atttypid = 'numeric'::regtype FROM pg_catalog.pg_attribute a
            WHERE a.attrelid = job.source AND a.attname = job.amount_col)
           IS DISTINCT FROM (SELECT a.atttypid = 'numeric'::regtype FROM pg_catalog.pg_attribute a
                             WHERE a.attrelid = job.pending_table AND a.attname = 'amount') THEN
        RAISE EXCEPTION 'column "%" of % changed between numeric and another type since scored view % was set up',
                        job.amount_col, job.source, target USING ERRCODE = 'datatype_mismatch',
            HINT = pg_catalog.format('Drop the scored view with SELECT %s.crm_score_drop(%L) and set it up again.', '@extschema@', target::text);
    END IF;
    IF job.pending_table IS NULL THEN
        -- set up by crm_ext 1.1: its rows were loaded by a time watermark,
        -- which can have missed rows; capture from now on and rebuild
        IF job.time_type IS NULL THEN
            job.time_type := (SELECT a.atttypid::regtype FROM pg_catalog.pg_attribute a
                              WHERE a.attrelid = job.source AND a.attname = job.time_col);
            job.time_zone := pg_catalog.current_setting('TimeZone');
        END IF;
        job.target_name := coalesce(job.target_name, target::text);
        job := @extschema@.crm_score_install(job, true);
        UPDATE @extschema@.crm_score_jobs j SET pending_table = job.pending_table, meta_table = job.meta_table,
               history_table = job.history_table, totals_table = job.totals_table,
               capture_function = job.capture_function, time_type = job.time_type, time_zone = job.time_zone,
               target_name = job.target_name
         WHERE j.target = crm_refresh_apply.target;
        rebuild := true;
        RAISE NOTICE 'scored view % now captures new rows with triggers; this first refresh rebuilds it from %', target, job.source;
    END IF;
    -- disabled capture triggers lose rows, and row-level twins enabled for
    -- ordinary sessions count them twice: refuse rather than guess; a full
    -- rebuild repairs what the owner may repair, and starts afresh
    problem := @extschema@.crm_score_capture_problem(job);
    IF problem IS NOT NULL AND full_rebuild THEN
        job := @extschema@.crm_score_install(job, false);
        problem := @extschema@.crm_score_capture_problem(job);
    END IF;
    IF problem = 'missing' THEN
        RAISE EXCEPTION 'the capture triggers of scored view % on % are missing or disabled', target, job.source
            USING ERRCODE = 'object_not_in_prerequisite_state',
            DETAIL = 'Rows written while a trigger was disabled were not captured.',
            HINT = pg_catalog.format('Enable the triggers of %s that call %s, or let its owner refresh with full_rebuild => true (that re-creates them).',
                                     job.source, job.capture_function);
    ELSIF problem = 'twice' THEN
        RAISE EXCEPTION 'row-level capture triggers of scored view % on % fire in ordinary sessions', target, job.source
            USING ERRCODE = 'object_not_in_prerequisite_state',
            DETAIL = 'They are meant for logical replication only (ENABLE REPLICA); with the statement-level ones they count rows twice.',
            HINT = pg_catalog.format('Refresh with full_rebuild => true as the owner of %s: that re-enables them for replica sessions only.', job.source);
    ELSIF problem = 'replication' THEN
        RAISE EXCEPTION '% is written by logical replication, but the capture triggers of scored view % do not all fire there', job.source, target
            USING ERRCODE = 'object_not_in_prerequisite_state',
            DETAIL = 'The apply worker fires only row-level triggers enabled for replica sessions, and TRUNCATE triggers enabled always.',
            HINT = pg_catalog.format('Refresh with full_rebuild => true as the owner of %s: that adds them.', job.source);
    END IF;
    IF NOT rebuild AND job.last_as_of IS NULL THEN
        rebuild := true;
    END IF;
    IF NOT rebuild AND d < job.last_as_of THEN
        RAISE EXCEPTION 'as_of % is before the last refresh (as of %)', d, job.last_as_of
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Use full_rebuild => true to score an earlier date.';
    END IF;

    ctype := (SELECT pg_catalog.format_type(a.atttypid, a.atttypmod) FROM pg_catalog.pg_attribute a
              WHERE a.attrelid = job.data_table AND a.attname = 'customer_id');
    ceq := @extschema@.crm_eq_operator(ctype::regtype);
    tx := @extschema@.crm_score_time_expr(job.time_type, 's.' || pg_catalog.quote_ident(job.time_col), job.time_zone);
    am := CASE WHEN (SELECT a.atttypid FROM pg_catalog.pg_attribute a WHERE a.attrelid = job.source AND a.attname = job.amount_col)
                    = 'numeric'::regtype
               THEN pg_catalog.format('(s.%I)::pg_catalog.numeric', job.amount_col)
               ELSE pg_catalog.format('(s.%I)::pg_catalog.float8', job.amount_col) END;
    -- the source as (c, t, a), without rows rfm_state_agg would ignore
    src := pg_catalog.format('(SELECT s.%1$I AS c, %2$s AS t, %3$s AS a FROM %4$s s WHERE s.%1$I IS NOT NULL AND s.%5$I IS NOT NULL AND s.%6$I IS NOT NULL)',
                             job.customer_col, tx, am, job.source, job.time_col, job.amount_col);

    IF NOT rebuild AND EXISTS (SELECT 1 FROM pg_catalog.pg_class c WHERE c.oid = job.pending_table) THEN
        -- after a TRUNCATE of the source only a rebuild is right
        EXECUTE pg_catalog.format('SELECT EXISTS (SELECT 1 FROM %s p WHERE p.recompute AND p.customer_id IS NULL) OR (SELECT m.source_truncated FROM %s m)',
                                  job.pending_table, job.meta_table) INTO rebuild;
    END IF;

    IF @extschema@.crm_citus_dist_column(job.source) IS NOT NULL THEN
        -- (one connection per worker: the history statement reads what the
        -- load statements wrote in this transaction)
        PERFORM pg_catalog.set_config('citus.multi_shard_modify_mode', 'sequential', true);
        -- Citus: statements run shard by shard on the workers, each with
        -- snapshots of its own, so what needs the source and the pending
        -- table to agree (a rebuild, customers to recompute) holds writers
        -- off with a SHARE lock on the source for its duration; merging new
        -- rows needs no lock: the merged rows are exactly the deleted ones
        IF rebuild THEN
            EXECUTE pg_catalog.format('LOCK TABLE %s IN SHARE MODE', job.source);
            EXECUTE pg_catalog.format('DELETE FROM %s', job.data_table);
            EXECUTE pg_catalog.format('DELETE FROM %s', job.pending_table);
            EXECUTE pg_catalog.format('UPDATE %s SET source_truncated = false WHERE source_truncated', job.meta_table);
            EXECUTE pg_catalog.format('INSERT INTO %1$s (customer_id, txn_time, amount) SELECT x.c, x.t, x.a FROM %2$s x WHERE x.t OPERATOR(pg_catalog.>) $1',
                                      job.pending_table, src) USING d;
            EXECUTE pg_catalog.format('INSERT INTO %1$s (customer_id, state) SELECT x.c, @extschema@.rfm_state_agg(x.t, x.a) FROM %2$s x WHERE x.t OPERATOR(pg_catalog.<=) $1 GROUP BY x.c',
                                      job.data_table, src) USING d;
            GET DIAGNOSTICS changed = ROW_COUNT;
        ELSE
            changed := 0;
            EXECUTE pg_catalog.format('SELECT EXISTS (SELECT 1 FROM %s p WHERE p.recompute)', job.pending_table) INTO rebuild;
            IF rebuild THEN
                EXECUTE pg_catalog.format('LOCK TABLE %s IN SHARE MODE', job.source);
                EXECUTE pg_catalog.format('SELECT pg_catalog.array_agg(DISTINCT p.customer_id)::pg_catalog.text FROM %s p WHERE p.recompute AND p.customer_id IS NOT NULL',
                                          job.pending_table) INTO ids;
                EXECUTE pg_catalog.format('DELETE FROM %1$s p WHERE p.customer_id %2$s ANY (($1)::%3$s[])', job.pending_table, ceq, ctype) USING ids;
                EXECUTE pg_catalog.format('INSERT INTO %1$s (customer_id, txn_time, amount) SELECT x.c, x.t, x.a FROM %2$s x WHERE x.c %3$s ANY (($2)::%4$s[]) AND x.t OPERATOR(pg_catalog.>) $1',
                                          job.pending_table, src, ceq, ctype) USING d, ids;
                EXECUTE pg_catalog.format('DELETE FROM %1$s s WHERE s.customer_id %2$s ANY (($1)::%3$s[])', job.data_table, ceq, ctype) USING ids;
                EXECUTE pg_catalog.format('INSERT INTO %1$s (customer_id, state) SELECT x.c, @extschema@.rfm_state_agg(x.t, x.a) FROM %2$s x WHERE x.c %3$s ANY (($2)::%4$s[]) AND x.t OPERATOR(pg_catalog.<=) $1 GROUP BY x.c',
                                          job.data_table, src, ceq, ctype) USING d, ids;
                GET DIAGNOSTICS changed = ROW_COUNT;
                rebuild := false;
            END IF;
            EXECUTE pg_catalog.format($$WITH q AS (DELETE FROM %1$s p WHERE NOT p.recompute AND p.txn_time OPERATOR(pg_catalog.<=) $1
                                                   RETURNING p.customer_id, p.txn_time, p.amount)
                INSERT INTO %2$s AS s (customer_id, state)
                SELECT q.customer_id, @extschema@.rfm_state_agg(q.txn_time, q.amount) FROM q GROUP BY q.customer_id
                ON CONFLICT (customer_id) DO UPDATE SET state = @extschema@.rfm_state_merge(s.state, EXCLUDED.state)$$,
                job.pending_table, job.data_table) USING d;
            GET DIAGNOSTICS n = ROW_COUNT;
            changed := changed + n;
        END IF;
    ELSIF rebuild THEN
        -- every state from the source, and the pending table reset to the
        -- source rows dated after as_of, in one statement: one snapshot, so
        -- a row is either read here or still pending, never both
        EXECUTE pg_catalog.format('DELETE FROM %s', job.data_table);
        EXECUTE pg_catalog.format($$WITH clear AS (DELETE FROM %1$s p RETURNING 1),
                 later AS (INSERT INTO %1$s (customer_id, txn_time, amount)
                           SELECT x.c, x.t, x.a FROM %2$s x WHERE x.t OPERATOR(pg_catalog.>) $1)
            INSERT INTO %3$s (customer_id, state)
            SELECT x.c, @extschema@.rfm_state_agg(x.t, x.a) FROM %2$s x WHERE x.t OPERATOR(pg_catalog.<=) $1 GROUP BY x.c$$,
            job.pending_table, src, job.data_table) USING d;
        GET DIAGNOSTICS changed = ROW_COUNT;
    ELSE
        -- customers whose rows were updated or deleted: recomputed from the
        -- source, with their pending rows dropped, in the same statement as
        -- the merge of everyone else's new rows
        EXECUTE pg_catalog.format('SELECT pg_catalog.array_agg(DISTINCT p.customer_id)::pg_catalog.text FROM %s p WHERE p.recompute AND p.customer_id IS NOT NULL',
                                  job.pending_table) INTO ids;
        IF ids IS NULL THEN
            EXECUTE pg_catalog.format($$WITH q AS (DELETE FROM %1$s p WHERE NOT p.recompute AND p.txn_time OPERATOR(pg_catalog.<=) $1
                                                   RETURNING p.customer_id, p.txn_time, p.amount)
                MERGE INTO %2$s s
                USING (SELECT q.customer_id, @extschema@.rfm_state_agg(q.txn_time, q.amount) AS state FROM q GROUP BY q.customer_id) n
                ON s.customer_id %3$s n.customer_id
                WHEN MATCHED THEN UPDATE SET state = @extschema@.rfm_state_merge(s.state, n.state)
                WHEN NOT MATCHED THEN INSERT (customer_id, state) VALUES (n.customer_id, n.state)$$,
                job.pending_table, job.data_table, ceq) USING d;
        ELSE
            EXECUTE pg_catalog.format($$WITH ids AS (SELECT pg_catalog.unnest(($2)::%5$s[]) AS c),
                     q AS (DELETE FROM %1$s p
                           WHERE p.customer_id %3$s ANY (($2)::%5$s[])
                              OR (NOT p.recompute AND p.txn_time OPERATOR(pg_catalog.<=) $1)
                           RETURNING p.customer_id, p.txn_time, p.amount, p.recompute),
                     later AS (INSERT INTO %1$s (customer_id, txn_time, amount)
                               SELECT x.c, x.t, x.a FROM %4$s x
                               WHERE x.c %3$s ANY (($2)::%5$s[]) AND x.t OPERATOR(pg_catalog.>) $1),
                     fresh AS (SELECT x.c, @extschema@.rfm_state_agg(x.t, x.a) AS state FROM %4$s x
                               WHERE x.c %3$s ANY (($2)::%5$s[]) AND x.t OPERATOR(pg_catalog.<=) $1 GROUP BY x.c)
                MERGE INTO %6$s s
                USING (SELECT i.c AS customer_id, f.state, true AS replace FROM ids i LEFT JOIN fresh f ON f.c %3$s i.c
                       UNION ALL
                       SELECT q.customer_id, @extschema@.rfm_state_agg(q.txn_time, q.amount), false FROM q
                       WHERE NOT q.recompute AND NOT (q.customer_id %3$s ANY (($2)::%5$s[])) GROUP BY q.customer_id) n
                ON s.customer_id %3$s n.customer_id
                WHEN MATCHED AND n.replace AND n.state IS NULL THEN DELETE
                WHEN MATCHED AND n.replace THEN UPDATE SET state = n.state
                WHEN MATCHED THEN UPDATE SET state = @extschema@.rfm_state_merge(s.state, n.state)
                WHEN NOT MATCHED AND n.state IS NOT NULL THEN INSERT (customer_id, state) VALUES (n.customer_id, n.state)$$,
                job.pending_table, NULL, ceq, src, ctype, job.data_table) USING d, ids;
        END IF;
        GET DIAGNOSTICS changed = ROW_COUNT;
    END IF;

    -- tie-aware quintile cut points over every customer as of the date, and
    -- (locally) the rows whose segment may have moved since the last
    -- refresh: written now (xmin is this transaction), or with a score that
    -- crosses a cut point between the two dates (crm_score_scan)
    IF @extschema@.crm_citus_dist_column(job.source) IS NULL THEN
        EXECUTE pg_catalog.format($$SELECT (x).r_breaks, (x).f_breaks, (x).m_breaks, coalesce((x).customers, 0), (x).candidates
            FROM (SELECT @extschema@.crm_score_scan($2, $3, $4, $5) WITHIN GROUP (ORDER BY s.ctid,
                         s.xmin OPERATOR(pg_catalog.=) pg_catalog.xid(pg_catalog.pg_current_xact_id()),
                         @extschema@.rfm_state_recency(s.state, $1), (@extschema@.rfm_state_frequency(s.state))::pg_catalog.float8,
                         @extschema@.rfm_state_monetary(s.state)) AS x
                  FROM %s s WHERE @extschema@.rfm_state_frequency(s.state) IS NOT NULL) q$$, job.data_table)
          INTO br, bf, bm, n, cand
          USING d, CASE WHEN NOT rebuild THEN job.r_breaks END, CASE WHEN NOT rebuild THEN job.f_breaks END,
                CASE WHEN NOT rebuild THEN job.m_breaks END,
                pg_catalog.date_part('epoch', d - job.last_as_of) / 86400.0;
    ELSE
        -- (Citus: row ids are per shard; every customer is a candidate)
        EXECUTE pg_catalog.format($$SELECT @extschema@.rfm_breaks(5) WITHIN GROUP (ORDER BY @extschema@.rfm_state_recency(s.state, $1)),
                                @extschema@.rfm_breaks(5) WITHIN GROUP (ORDER BY (@extschema@.rfm_state_frequency(s.state))::pg_catalog.float8),
                                @extschema@.rfm_breaks(5) WITHIN GROUP (ORDER BY @extschema@.rfm_state_monetary(s.state)), pg_catalog.count(*)
                         FROM %s s WHERE @extschema@.rfm_state_frequency(s.state) IS NOT NULL$$, job.data_table)
          INTO br, bf, bm, n USING d;
        cand := NULL;
    END IF;

    IF job.segment_map IS NOT NULL THEN
        SELECT sm.max_score INTO map_max FROM @extschema@.rfm_segment_maps sm WHERE sm.map_name = job.segment_map;
        IF map_max IS NULL THEN
            RAISE EXCEPTION 'segment map "%" of % does not exist any more', job.segment_map, target
                USING ERRCODE = 'undefined_object', HINT = 'Recreate the map, or set crm_score_jobs.segment_map to NULL for the built-in one.';
        ELSIF map_max <> 5 THEN
            RAISE EXCEPTION 'segment map "%" must use scores 1..5 (scored tables use quintiles), it now uses 1..%', job.segment_map, map_max
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
    END IF;
    -- the segment of every score combination, from the built-in or the
    -- user map as it is now (the view must not read the map tables: its
    -- readers may have no rights on them, and edits wait for a refresh)
    WITH g AS (SELECT r, f, m, CASE WHEN job.segment_map IS NULL THEN @extschema@.rfm_segment(r, f, m)
                                    ELSE @extschema@.rfm_segment(r, f, m, job.segment_map) END AS seg
               FROM pg_catalog.generate_series(1, 5) r, pg_catalog.generate_series(1, 5) f, pg_catalog.generate_series(1, 5) m),
         nm AS (SELECT pg_catalog.array_agg(DISTINCT g.seg ORDER BY g.seg) AS names FROM g)
    SELECT nm.names, pg_catalog.array_agg(pg_catalog.array_position(nm.names, g.seg)::smallint ORDER BY g.r, g.f, g.m)
      INTO seg_names, grid FROM g, nm GROUP BY nm.names;

    -- the case base the view classifies with, as it is now
    EXECUTE pg_catalog.format($$UPDATE %s SET as_of = $1, refreshed_at = pg_catalog.now(), r_breaks = $2, f_breaks = $3, m_breaks = $4,
                                   segment_names = $5, segment_grid = $6$$, job.meta_table)
      USING d, br, bf, bm, seg_names, grid;
    -- and the case base as it is now
    PERFORM @extschema@.crm_score_use_case_base(target, job.case_base, false);

    -- history: who moved (segment, value class) or changed spend, as the
    -- view now shows them against the last recorded row of each customer.
    -- Only the candidates are looked at, unless the cut points or the grid
    -- could move everyone, a rebuild happened, or value classes (which
    -- drift with time for everyone) are shown.
    everyone := rebuild OR cand IS NULL OR job.case_base IS NOT NULL
                OR seg_names IS DISTINCT FROM job.segment_names OR grid IS DISTINCT FROM job.segment_grid;
    IF rebuild AND job.last_as_of IS NOT NULL AND d < job.last_as_of THEN
        -- a rebuild to an earlier date: what history said after it no longer holds
        EXECUTE pg_catalog.format('DELETE FROM %s h WHERE h.as_of OPERATOR(pg_catalog.>) $1', job.history_table) USING d;
        EXECUTE pg_catalog.format('DELETE FROM %s t WHERE t.as_of OPERATOR(pg_catalog.>) $1', job.totals_table) USING d;
    END IF;
    n_hist := @extschema@.crm_score_record_history(job, d, everyone, cand, ids);
    -- retention: rows older than the window go, but each customer's last one
    -- stays (it is what the next refresh compares with)
    -- (at most once per 30 days of as_of: the rows kept are read each time)
    EXECUTE pg_catalog.format('SELECT m.pruned_as_of FROM %s m', job.meta_table) INTO pruned;
    IF job.history_retention IS NOT NULL AND (pruned IS NULL OR d - pruned > interval '30 days') THEN
        EXECUTE pg_catalog.format('UPDATE %s SET pruned_as_of = $1', job.meta_table) USING d;
        EXECUTE pg_catalog.format($$DELETE FROM %1$s h WHERE h.as_of OPERATOR(pg_catalog.<) $1
                                      AND EXISTS (SELECT 1 FROM %1$s l WHERE l.customer_id %2$s h.customer_id
                                                  AND l.refresh_no OPERATOR(pg_catalog.>) h.refresh_no)$$, job.history_table, ceq)
          USING d - job.history_retention;
        EXECUTE pg_catalog.format($$DELETE FROM %1$s t WHERE t.as_of OPERATOR(pg_catalog.<) $1
                                      AND t.refresh_no OPERATOR(pg_catalog.<) (SELECT pg_catalog.max(t2.refresh_no) FROM %1$s t2
                                                                                WHERE t2.as_of OPERATOR(pg_catalog.<) $1)$$, job.totals_table)
          USING d - job.history_retention;
    END IF;

    UPDATE @extschema@.crm_score_jobs j SET loaded_through = d, last_as_of = d, last_refresh = pg_catalog.now(),
           r_breaks = br, f_breaks = bf, m_breaks = bm, segment_names = seg_names, segment_grid = grid,
           last_changed_customers = changed, last_customers = n, last_history_rows = n_hist,
           last_duration = pg_catalog.clock_timestamp() - started
     WHERE j.target = crm_refresh_apply.target;
END
$fn$;
COMMENT ON FUNCTION crm_refresh_apply(regclass, timestamptz, boolean) IS
    'The work of crm_refresh_scores (internal: it runs this as the view''s owner)';

-- Copies a case base into a scored view's meta table and records it in the
-- job: the view classifies with that copy until the next refresh (or the
-- next build), so its readers need no rights on crm_case_bases.
CREATE OR REPLACE FUNCTION crm_score_use_case_base(target regclass, case_base text, record boolean DEFAULT true) RETURNS void
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    job @extschema@.crm_score_jobs;
    cb  record;
BEGIN
    SELECT * INTO job FROM @extschema@.crm_score_jobs j WHERE j.target = crm_score_use_case_base.target
       AND pg_catalog.pg_has_role(j.owner, 'MEMBER') FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION '% is not a scored view you own', target USING ERRCODE = 'undefined_object';
    END IF;
    SELECT b.* INTO cb FROM (SELECT 1) x LEFT JOIN @extschema@.crm_case_bases b ON b.name = crm_score_use_case_base.case_base;
    IF case_base IS NOT NULL AND cb.name IS NULL THEN
        RAISE EXCEPTION 'case base "%" of % does not exist, or is not yours', case_base, target USING ERRCODE = 'undefined_object',
            HINT = 'Build it with crm_case_base_build(), or set crm_score_jobs.case_base to NULL.';
    END IF;
    EXECUTE pg_catalog.format($$UPDATE %s SET case_base = $1, cb_fields = $2, cb_cost = $3, cb_stats = $4, cb_cases = $5, cb_labels = $6,
                                   cb_group_sizes = $7, cb_inner_weights = $8, cb_group_weights = $9, cb_rho = $10$$, job.meta_table)
      USING case_base, cb.fields, cb.cost, cb.stats, cb.cases, cb.labels, cb.group_sizes, cb.inner_weights, cb.group_weights, cb.rho;
    UPDATE @extschema@.crm_score_jobs j SET case_base = crm_score_use_case_base.case_base
     WHERE j.target = crm_score_use_case_base.target AND j.case_base IS DISTINCT FROM crm_score_use_case_base.case_base;
    -- new value classes for everyone: a point of the history of its own
    IF record AND job.last_as_of IS NOT NULL THEN
        job.case_base := case_base;
        PERFORM @extschema@.crm_score_record_history(job, job.last_as_of, true, NULL::tid[], NULL::text);
    END IF;
END
$fn$;
COMMENT ON FUNCTION crm_score_use_case_base(regclass, text, boolean) IS
    'Makes a scored view classify with a case base (NULL: none): copies it into the view''s meta table, records it in the job and (record) writes the new value classes to the history; crm_case_base_build and every refresh call it';

CREATE OR REPLACE PROCEDURE crm_refresh_scores(target regclass, as_of timestamptz DEFAULT NULL, full_rebuild boolean DEFAULT false)
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    own regrole;
BEGIN
    SELECT j.owner INTO own FROM @extschema@.crm_score_jobs j
     WHERE j.target = crm_refresh_scores.target AND pg_catalog.pg_has_role(j.owner, 'MEMBER');
    IF own IS NULL THEN
        RAISE EXCEPTION '% is not a scored view you may refresh', target USING ERRCODE = 'undefined_object',
            HINT = 'Create it with crm_score_setup(); a refresh runs as the view''s owner, so the caller must be the owner, a member of it, or a superuser.';
    END IF;
    IF full_rebuild IS NULL THEN
        RAISE EXCEPTION 'full_rebuild must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    PERFORM @extschema@.crm_run_as(own, pg_catalog.format(
        'SELECT %s.crm_refresh_apply(%s::pg_catalog.oid::pg_catalog.regclass, %L::pg_catalog.timestamptz, %L::pg_catalog.bool)',
        '@extschema@', target::oid, as_of, full_rebuild));
END
$fn$;
COMMENT ON PROCEDURE crm_refresh_scores(regclass, timestamptz, boolean) IS
    'Refreshes a scored view as of a date (default now(); a future date is refused): merges the captured new rows into the stored states, recomputes customers whose rows were updated or deleted, and recomputes the tie-aware quintile cut points the view scores with, all in one transaction, as the view''s owner';

CREATE OR REPLACE FUNCTION crm_score_drop_named(target text, rel regclass, qualified text, keep_overrides boolean) RETURNS void
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    job @extschema@.crm_score_jobs;
    t   regclass;
BEGIN
    -- by the view, or by the name it had at setup when the view itself was dropped
    SELECT * INTO job FROM @extschema@.crm_score_jobs j
     WHERE (j.target = crm_score_drop_named.rel OR j.target_name = crm_score_drop_named.qualified)
       AND pg_catalog.pg_has_role(j.owner, 'MEMBER')
     ORDER BY j.target = crm_score_drop_named.rel DESC LIMIT 1;
    IF NOT FOUND THEN
        RAISE EXCEPTION '"%" is not a scored view you own', target USING ERRCODE = 'undefined_object',
            HINT = 'SELECT target_name, owner FROM crm_score_jobs lists the scored views you can see.';
    END IF;
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_class c WHERE c.oid = job.target) THEN
        EXECUTE pg_catalog.format('DROP VIEW %s', job.target);
    END IF;
    -- the moves view over the history
    FOR t IN SELECT DISTINCT r.ev_class::pg_catalog.regclass FROM pg_catalog.pg_depend dp
             JOIN pg_catalog.pg_rewrite r ON r.oid = dp.objid AND dp.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass
             JOIN pg_catalog.pg_class c ON c.oid = r.ev_class
             WHERE dp.refobjid = job.history_table AND c.relname = pg_catalog.left(
                   (SELECT c2.relname FROM pg_catalog.pg_class c2 WHERE c2.oid = job.data_table), -5) || '_moves' LOOP
        EXECUTE pg_catalog.format('DROP VIEW %s', t);
    END LOOP;
    -- the trigger function with CASCADE takes the source's capture triggers
    IF job.capture_function IS NOT NULL AND EXISTS (SELECT 1 FROM pg_catalog.pg_proc p WHERE p.oid = job.capture_function) THEN
        EXECUTE pg_catalog.format('DROP FUNCTION %s CASCADE', job.capture_function);
    END IF;
    FOREACH t IN ARRAY ARRAY[job.data_table, job.pending_table, job.meta_table, job.history_table, job.totals_table,
                             CASE WHEN NOT keep_overrides THEN job.override_table END] LOOP
        IF t IS NOT NULL AND EXISTS (SELECT 1 FROM pg_catalog.pg_class c WHERE c.oid = t) THEN
            EXECUTE pg_catalog.format('DROP TABLE %s', t);
        END IF;
    END LOOP;
    DELETE FROM @extschema@.crm_score_jobs j WHERE j.data_table = job.data_table;
END
$fn$;
COMMENT ON FUNCTION crm_score_drop_named(text, regclass, text, boolean) IS
    'The work of crm_score_drop once the name is resolved (internal)';

CREATE OR REPLACE FUNCTION crm_score_drop(target text, keep_overrides boolean DEFAULT false) RETURNS void
LANGUAGE sql VOLATILE
AS $$ SELECT @extschema@.crm_score_drop_named(target, pg_catalog.to_regclass(target), @extschema@.crm_creation_name(target),
                                              keep_overrides) $$;
COMMENT ON FUNCTION crm_score_drop(text, boolean) IS
    'Removes a scored view and everything crm_score_setup made for it (state, pending, meta and override tables, capture triggers and function, job); works also after a DROP VIEW, by the name given at setup. keep_overrides keeps the hand-pinned segments table';

-- What a user queries to see their scored views: names as text (WHERE
-- name = 'scores' works, where crm_score_jobs.target = 'scores' would parse
-- 'scores' as an OID), read with the reader's own rights.
CREATE OR REPLACE VIEW crm_scored_views WITH (security_invoker = true) AS
    SELECT j.target::text AS name, j.target_name, j.source::text AS source, j.owner::text AS owner,
           j.customer_col, j.time_col, j.amount_col, j.time_type::text AS time_type, j.time_zone,
           j.segment_map, j.case_base, j.last_as_of AS as_of, j.last_refresh, j.last_changed_customers AS changed_customers,
           j.last_customers AS customers, j.last_duration, j.pending_table IS NULL AS needs_first_1_2_refresh
    FROM @extschema@.crm_score_jobs j;
COMMENT ON VIEW crm_scored_views IS
    'Scored views you can see (your own, and those you may read), with their source, owner and last refresh';
COMMENT ON COLUMN crm_scored_views.name IS 'The view, as your search_path shows it (WHERE name = ''scores'' works)';
COMMENT ON COLUMN crm_scored_views.target_name IS 'The view''s qualified name at setup (crm_score_drop finds it by this after a DROP VIEW)';
COMMENT ON COLUMN crm_scored_views.source IS 'Table the transactions come from';
COMMENT ON COLUMN crm_scored_views.owner IS 'Role that owns the view; refreshes run as this role';
COMMENT ON COLUMN crm_scored_views.customer_col IS 'Customer column of the source';
COMMENT ON COLUMN crm_scored_views.time_col IS 'Time column of the source';
COMMENT ON COLUMN crm_scored_views.amount_col IS 'Amount column of the source';
COMMENT ON COLUMN crm_scored_views.time_type IS 'Type of the time column at setup';
COMMENT ON COLUMN crm_scored_views.time_zone IS 'Zone a timestamp or date time column is read in';
COMMENT ON COLUMN crm_scored_views.segment_map IS 'User segment map (NULL: the built-in 11 segments)';
COMMENT ON COLUMN crm_scored_views.case_base IS 'Case base of the value classes (NULL: none)';
COMMENT ON COLUMN crm_scored_views.as_of IS 'Date of the last refresh''s scores';
COMMENT ON COLUMN crm_scored_views.last_refresh IS 'When the last refresh ran';
COMMENT ON COLUMN crm_scored_views.changed_customers IS 'Customers whose state the last refresh wrote';
COMMENT ON COLUMN crm_scored_views.customers IS 'Customers scored by the last refresh';
COMMENT ON COLUMN crm_scored_views.last_duration IS 'How long the last refresh took';
COMMENT ON COLUMN crm_scored_views.needs_first_1_2_refresh IS 'Set up by crm_ext 1.1 and not refreshed since: its next refresh adds the capture triggers and rebuilds it';
GRANT SELECT ON crm_scored_views TO PUBLIC;

-- Who moved between two refreshes: a transition matrix of segments (or
-- value classes) with the customers and their spend before and after.
-- Customers who changed in between are read from the history; everyone
-- else stayed where the totals of the earlier refresh put them, with the
-- same spend, so no snapshot of every customer is needed.  NULL labels:
-- not scored at that refresh (new customers come from NULL, customers no
-- longer scored go to NULL).
CREATE OR REPLACE FUNCTION crm_moves(target regclass, kind text, from_as_of timestamptz, to_as_of timestamptz)
RETURNS TABLE (from_label text, to_label text, customers bigint, revenue_before float8, revenue_after float8)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    job  @extschema@.crm_score_jobs;
    f    bigint;
    t    bigint;
    col  text := CASE WHEN kind = 'segment' THEN 'segment' WHEN kind = 'value_class' THEN 'value_class' END;
    pruned timestamptz;
BEGIN
    IF col IS NULL THEN
        RAISE EXCEPTION 'kind must be segment or value_class, got "%"', kind USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT * INTO job FROM @extschema@.crm_score_jobs j WHERE j.target = crm_moves.target;
    IF NOT FOUND OR job.history_table IS NULL THEN
        RAISE EXCEPTION '% is not a scored view with a history', target USING ERRCODE = 'undefined_object',
            HINT = 'Set it up with crm_score_setup() and refresh it (views set up by 1.1 get a history at their first 1.2 refresh).';
    END IF;
    EXECUTE pg_catalog.format('SELECT pg_catalog.max(t.refresh_no) FROM %s t WHERE t.as_of OPERATOR(pg_catalog.<=) $1', job.totals_table)
      INTO f USING from_as_of;
    EXECUTE pg_catalog.format('SELECT pg_catalog.max(t.refresh_no) FROM %s t WHERE t.as_of OPERATOR(pg_catalog.<=) $1', job.totals_table)
      INTO t USING to_as_of;
    IF f IS NULL OR t IS NULL THEN
        RAISE EXCEPTION 'no refresh of % as of % or earlier is recorded', target, least(from_as_of, to_as_of)
            USING ERRCODE = 'no_data_found', HINT = 'SELECT DISTINCT as_of FROM the view''s _totals table lists the refreshes recorded.';
    ELSIF t < f THEN
        RAISE EXCEPTION 'to_as_of % is before from_as_of %', to_as_of, from_as_of USING ERRCODE = 'invalid_parameter_value';
    END IF;
    EXECUTE pg_catalog.format('SELECT m.pruned_as_of - $1 FROM %s m', job.meta_table) INTO pruned USING job.history_retention;
    IF pruned IS NOT NULL AND from_as_of < pruned THEN
        RAISE EXCEPTION 'the history of % before % has been pruned', target, pruned USING ERRCODE = 'no_data_found',
            HINT = 'Raise crm_score_jobs.history_retention to keep more.';
    END IF;
    RETURN QUERY EXECUTE pg_catalog.format($$
        WITH m AS (SELECT DISTINCT h.customer_id FROM %1$s h
                   WHERE h.refresh_no OPERATOR(pg_catalog.>) $1 AND h.refresh_no OPERATOR(pg_catalog.<=) $2),
             a AS (SELECT DISTINCT ON (h.customer_id) h.customer_id, h.%3$I AS lab, h.monetary FROM %1$s h
                   WHERE h.customer_id IN (SELECT m.customer_id FROM m) AND h.refresh_no OPERATOR(pg_catalog.<=) $1
                   ORDER BY h.customer_id, h.refresh_no DESC),
             b AS (SELECT DISTINCT ON (h.customer_id) h.customer_id, h.%3$I AS lab, h.monetary FROM %1$s h
                   WHERE h.customer_id IN (SELECT m.customer_id FROM m) AND h.refresh_no OPERATOR(pg_catalog.<=) $2
                   ORDER BY h.customer_id, h.refresh_no DESC),
             p AS (SELECT a.lab AS l_from, b.lab AS l_to, (a.monetary)::pg_catalog.numeric AS m_from,
                          (b.monetary)::pg_catalog.numeric AS m_to
                   FROM b LEFT JOIN a ON a.customer_id %4$s b.customer_id),
             lf AS (SELECT p.l_from, pg_catalog.count(*) AS n, pg_catalog.sum(p.m_from) AS m FROM p
                    WHERE p.l_from IS NOT NULL GROUP BY p.l_from),
             x AS (SELECT p.l_from, p.l_to, 1::pg_catalog.int8 AS n, p.m_from AS mf, p.m_to AS mt FROM p
                   WHERE p.l_from IS NOT NULL OR p.l_to IS NOT NULL
                   UNION ALL
                   SELECT tt.label, tt.label, tt.customers OPERATOR(pg_catalog.-) coalesce(lf.n, 0),
                          tt.monetary OPERATOR(pg_catalog.-) coalesce(lf.m, 0), tt.monetary OPERATOR(pg_catalog.-) coalesce(lf.m, 0)
                   FROM %2$s tt LEFT JOIN lf ON lf.l_from OPERATOR(pg_catalog.=) tt.label
                   WHERE tt.refresh_no OPERATOR(pg_catalog.=) $1 AND tt.kind OPERATOR(pg_catalog.=) $3)
        SELECT x.l_from, x.l_to, (pg_catalog.sum(x.n))::pg_catalog.int8, (pg_catalog.sum(x.mf))::pg_catalog.float8,
               (pg_catalog.sum(x.mt))::pg_catalog.float8
        FROM x GROUP BY x.l_from, x.l_to HAVING pg_catalog.sum(x.n) OPERATOR(pg_catalog.>) 0
        ORDER BY x.l_from NULLS FIRST, x.l_to NULLS FIRST$$, job.history_table, job.totals_table, col, @extschema@.crm_eq_operator(
            (SELECT a.atttypid::regtype FROM pg_catalog.pg_attribute a WHERE a.attrelid = job.history_table AND a.attname = 'customer_id')))
      USING f, t, kind;
END
$fn$;
COMMENT ON FUNCTION crm_moves(regclass, text, timestamptz, timestamptz) IS
    'Transition matrix of a scored view between the refreshes as of two dates (the last at or before each): kind segment or value_class; customers and spend (monetary) before and after per (from, to) pair; NULL: not scored at that refresh. Reads the view''s history and totals tables (the caller needs SELECT on them)';

CREATE OR REPLACE FUNCTION crm_segment_moves(target regclass, from_as_of timestamptz, to_as_of timestamptz)
RETURNS TABLE (from_segment text, to_segment text, customers bigint, revenue_before float8, revenue_after float8)
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp
AS $$ SELECT * FROM @extschema@.crm_moves(target, 'segment'::pg_catalog.text, from_as_of, to_as_of) $$;
COMMENT ON FUNCTION crm_segment_moves(regclass, timestamptz, timestamptz) IS
    'Segment transition matrix of a scored view between two refreshes (crm_moves with kind segment)';

CREATE OR REPLACE FUNCTION crm_value_class_moves(target regclass, from_as_of timestamptz, to_as_of timestamptz)
RETURNS TABLE (from_class text, to_class text, customers bigint, revenue_before float8, revenue_after float8)
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp
AS $$ SELECT * FROM @extschema@.crm_moves(target, 'value_class'::pg_catalog.text, from_as_of, to_as_of) $$;
COMMENT ON FUNCTION crm_value_class_moves(regclass, timestamptz, timestamptz) IS
    'Value class transition matrix of a scored view between two refreshes (crm_moves with kind value_class)';
