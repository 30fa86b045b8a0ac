-- crm_ext 1.1 -> 1.2 upgrade: the changes to objects that 1.1 already has
-- (CREATE OR REPLACE, ALTER; never a DROP of what users' views may depend
-- on).  Concept files that are new in 1.2 are appended whole by the
-- Makefile (NEW_IN_VERSION), so their SQL is written once.
\echo Use "ALTER EXTENSION crm_ext UPDATE TO '1.2'" to load this file. \quit

-- -------------------------------------------------------------------
-- scored views: jobs get an owner and row-level security, and capture
-- new rows with triggers instead of a time watermark.  A view set up by
-- 1.1 keeps working as it is; its first refresh under 1.2 (as its owner)
-- adds the pending and meta tables and the capture triggers, replaces the
-- view (same columns: users' views on it survive) and rebuilds the states.
-- The routines themselves are in 51_scored_view.sql, appended below.
-- -------------------------------------------------------------------
ALTER TABLE crm_score_jobs
    ADD COLUMN owner regrole,
    ADD COLUMN target_name text,
    ADD COLUMN pending_table regclass,
    ADD COLUMN meta_table regclass,
    ADD COLUMN capture_function regprocedure,
    ADD COLUMN time_type regtype,
    ADD COLUMN time_zone text,
    ADD COLUMN history_table regclass,
    ADD COLUMN totals_table regclass,
    ADD COLUMN history_retention interval DEFAULT '400 days',
    ADD COLUMN last_history_rows bigint,
    ADD COLUMN keep_history boolean NOT NULL DEFAULT true;
UPDATE crm_score_jobs j
   SET owner = coalesce((SELECT c.relowner FROM pg_catalog.pg_class c WHERE c.oid = j.target),
                        (SELECT c.relowner FROM pg_catalog.pg_class c WHERE c.oid = j.data_table),
                        (SELECT e.extowner FROM pg_catalog.pg_extension e WHERE e.extname = 'crm_ext'))::regrole,
       target_name = CASE WHEN EXISTS (SELECT 1 FROM pg_catalog.pg_class c WHERE c.oid = j.target)
                          THEN (SELECT pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname)
                                FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                                WHERE c.oid = j.target) END;
ALTER TABLE crm_score_jobs ALTER COLUMN owner SET NOT NULL,
    ALTER COLUMN owner SET DEFAULT pg_catalog.to_regrole(CURRENT_USER::text);
COMMENT ON TABLE crm_score_jobs IS
    'Scored views managed by crm_score_setup()/crm_refresh_scores()/crm_score_drop(): where their transactions come from, their tables, their owner, and the cut points of the last refresh. Row-level security: only the owner (or its members, or a superuser) sees and changes a job; readers of a scored view see its row';
COMMENT ON COLUMN crm_score_jobs.loaded_through IS
    'as_of of the last refresh: the states hold every committed source row dated up to it that the refresh could see; later-committed rows wait in the pending table';
COMMENT ON COLUMN crm_score_jobs.owner IS
    'Role that set the view up and owns its tables; refreshes run as this role';
COMMENT ON COLUMN crm_score_jobs.target_name IS
    'The view''s qualified name at setup (kept to find the job after a DROP VIEW: crm_score_drop)';
COMMENT ON COLUMN crm_score_jobs.pending_table IS
    'Rows captured from the source since the last refresh, and customers to recompute after UPDATE/DELETE/TRUNCATE';
COMMENT ON COLUMN crm_score_jobs.meta_table IS
    'One-row table of the last refresh (as_of, cut points, segment grid, case base) read by the view';
COMMENT ON COLUMN crm_score_jobs.capture_function IS
    'Trigger function filling the pending table (SECURITY DEFINER as the owner, EXECUTE revoked from PUBLIC)';
COMMENT ON COLUMN crm_score_jobs.time_type IS
    'Type of the time column at setup: a refresh refuses when it changed';
COMMENT ON COLUMN crm_score_jobs.time_zone IS
    'Time zone that timestamp and date source columns are read in, fixed at setup: refreshes give the same answer whatever their session TimeZone';
COMMENT ON COLUMN crm_score_jobs.history_table IS
    'Append-only history of the view: who moved segment or value class, or changed spend, at each refresh';
COMMENT ON COLUMN crm_score_jobs.totals_table IS
    'Customers and spend per segment and value class after each refresh';
COMMENT ON COLUMN crm_score_jobs.history_retention IS
    'How long history rows are kept (each customer''s last row always is); NULL keeps everything';
COMMENT ON COLUMN crm_score_jobs.last_history_rows IS
    'History rows the last refresh wrote';
COMMENT ON COLUMN crm_score_jobs.keep_history IS
    'Whether refreshes write the history and totals (crm_segment_moves reads them)';

CREATE OR REPLACE FUNCTION crm_owned_by(rel regclass, owner regrole) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$ SELECT rel IS NULL OR EXISTS (SELECT 1 FROM pg_catalog.pg_class c
                                     WHERE c.oid OPERATOR(pg_catalog.=) rel AND c.relowner OPERATOR(pg_catalog.=) owner) $$;
COMMENT ON FUNCTION crm_owned_by(regclass, regrole) IS
    'True when the relation is owned by the role (or is NULL); used by the row-level security of crm_score_jobs';
ALTER TABLE crm_score_jobs ENABLE ROW LEVEL SECURITY;
CREATE POLICY crm_score_jobs_owner ON crm_score_jobs
    USING (pg_catalog.pg_has_role(owner, 'MEMBER'))
    WITH CHECK (pg_catalog.pg_has_role(owner, 'MEMBER')
                AND @extschema@.crm_owned_by(target, owner) AND @extschema@.crm_owned_by(data_table, owner)
                AND @extschema@.crm_owned_by(override_table, owner) AND @extschema@.crm_owned_by(pending_table, owner)
                AND @extschema@.crm_owned_by(meta_table, owner) AND @extschema@.crm_owned_by(history_table, owner)
                AND @extschema@.crm_owned_by(totals_table, owner)
                AND (capture_function IS NULL OR EXISTS (SELECT 1 FROM pg_catalog.pg_proc p
                     WHERE p.oid OPERATOR(pg_catalog.=) capture_function AND p.proowner OPERATOR(pg_catalog.=) owner)));
CREATE POLICY crm_score_jobs_reader ON crm_score_jobs FOR SELECT
    USING (pg_catalog.has_table_privilege(target, 'SELECT'));
GRANT SELECT, INSERT, UPDATE, DELETE ON crm_score_jobs TO PUBLIC;

-- crm_score_setup gained time_zone (a trailing parameter with a default:
-- every 1.1 call still works); a function no view can depend on
DROP FUNCTION crm_score_setup(text, regclass, name, name, name, text);

-- -------------------------------------------------------------------
-- case base (owner and row-level security)
-- -------------------------------------------------------------------
ALTER TABLE crm_case_bases ADD COLUMN owner regrole;
UPDATE crm_case_bases b
   SET owner = coalesce((SELECT j.owner FROM crm_score_jobs j WHERE j.case_base = b.name LIMIT 1),
                        (SELECT e.extowner FROM pg_catalog.pg_extension e WHERE e.extname = 'crm_ext')::regrole);
ALTER TABLE crm_case_bases ALTER COLUMN owner SET NOT NULL,
    ALTER COLUMN owner SET DEFAULT pg_catalog.to_regrole(CURRENT_USER::text);
COMMENT ON COLUMN crm_case_bases.owner IS
    'Role that built the case base; only it (or its members, or a superuser) sees and changes it';
ALTER TABLE crm_case_bases ENABLE ROW LEVEL SECURITY;
CREATE POLICY crm_case_bases_owner ON crm_case_bases
    USING (pg_catalog.pg_has_role(owner, 'MEMBER')) WITH CHECK (pg_catalog.pg_has_role(owner, 'MEMBER'));
GRANT SELECT, INSERT, UPDATE, DELETE ON crm_case_bases TO PUBLIC;

-- -------------------------------------------------------------------
-- segment maps: readable by everyone (rfm_segment(r, f, m, map) failed
-- for plain roles), changed only by their owner
-- -------------------------------------------------------------------
ALTER TABLE rfm_segment_maps ADD COLUMN owner regrole;
UPDATE rfm_segment_maps SET owner = (SELECT e.extowner FROM pg_catalog.pg_extension e WHERE e.extname = 'crm_ext')::regrole;
ALTER TABLE rfm_segment_maps ALTER COLUMN owner SET NOT NULL,
    ALTER COLUMN owner SET DEFAULT pg_catalog.to_regrole(CURRENT_USER::text);
COMMENT ON COLUMN rfm_segment_maps.owner IS 'Role that made the map: only it (or its members, or a superuser) changes the map and its rules';
ALTER TABLE rfm_segment_maps ENABLE ROW LEVEL SECURITY;
CREATE POLICY rfm_segment_maps_read ON rfm_segment_maps FOR SELECT USING (true);
CREATE POLICY rfm_segment_maps_insert ON rfm_segment_maps FOR INSERT WITH CHECK (pg_catalog.pg_has_role(owner, 'MEMBER'));
CREATE POLICY rfm_segment_maps_update ON rfm_segment_maps FOR UPDATE
    USING (pg_catalog.pg_has_role(owner, 'MEMBER')) WITH CHECK (pg_catalog.pg_has_role(owner, 'MEMBER'));
CREATE POLICY rfm_segment_maps_delete ON rfm_segment_maps FOR DELETE USING (pg_catalog.pg_has_role(owner, 'MEMBER'));
ALTER TABLE rfm_segment_rules ENABLE ROW LEVEL SECURITY;
CREATE POLICY rfm_segment_rules_read ON rfm_segment_rules FOR SELECT USING (true);
CREATE POLICY rfm_segment_rules_write ON rfm_segment_rules
    USING (EXISTS (SELECT 1 FROM @extschema@.rfm_segment_maps m WHERE m.map_name OPERATOR(pg_catalog.=) rfm_segment_rules.map_name
                   AND pg_catalog.pg_has_role(m.owner, 'MEMBER')))
    WITH CHECK (EXISTS (SELECT 1 FROM @extschema@.rfm_segment_maps m WHERE m.map_name OPERATOR(pg_catalog.=) rfm_segment_rules.map_name
                        AND pg_catalog.pg_has_role(m.owner, 'MEMBER')));
GRANT SELECT, INSERT, UPDATE, DELETE ON rfm_segment_maps, rfm_segment_rules TO PUBLIC;

-- -------------------------------------------------------------------
-- lifecycle rules: readable by everyone, changed only by their owner
-- -------------------------------------------------------------------
-- Who may change which rules: everyone reads them (lifecycle_action() with
-- the built-in rules works for any role); a rule set belongs to the role
-- that made its first rule, and the built-in rows to no one but crm_ext.
ALTER TABLE lifecycle_rules ADD COLUMN owner regrole NOT NULL DEFAULT pg_catalog.to_regrole(CURRENT_USER::text);
COMMENT ON COLUMN lifecycle_rules.owner IS
    'Role that made the rule; a rule set''s rules all belong to one role, which alone (or its members, or a superuser) changes them; built-in rules belong to crm_ext';
CREATE FUNCTION lifecycle_rule_set_writable(rule_set text, owner regrole) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$ SELECT pg_catalog.pg_has_role(owner, 'MEMBER') AND NOT EXISTS (
             SELECT 1 FROM @extschema@.lifecycle_rules r WHERE r.rule_set OPERATOR(pg_catalog.=) rule_set
                AND (r.builtin OR r.owner OPERATOR(pg_catalog.<>) owner)) $$;
COMMENT ON FUNCTION lifecycle_rule_set_writable(text, regrole) IS
    'True when owner may add rules to rule_set: the current user acts as owner, and the set has no built-in rule and no rule of another role';
ALTER TABLE lifecycle_rules ENABLE ROW LEVEL SECURITY;
CREATE POLICY lifecycle_rules_read ON lifecycle_rules FOR SELECT USING (true);
CREATE POLICY lifecycle_rules_insert ON lifecycle_rules FOR INSERT
    WITH CHECK (NOT builtin AND @extschema@.lifecycle_rule_set_writable(rule_set, owner));
CREATE POLICY lifecycle_rules_update ON lifecycle_rules FOR UPDATE
    USING (NOT builtin AND pg_catalog.pg_has_role(owner, 'MEMBER'))
    WITH CHECK (NOT builtin AND pg_catalog.pg_has_role(owner, 'MEMBER'));
CREATE POLICY lifecycle_rules_delete ON lifecycle_rules FOR DELETE USING (NOT builtin AND pg_catalog.pg_has_role(owner, 'MEMBER'));
GRANT SELECT, INSERT, UPDATE, DELETE ON lifecycle_rules TO PUBLIC;

-- -------------------------------------------------------------------
-- k-means: objects new in 1.2 (the same text as in 32_kmeans.sql)
-- -------------------------------------------------------------------
-- k-means beyond memory: one Lloyd iteration as a combinable aggregate with
-- an O(k x d) state, a content-hash sample for seeding, the typical (real)
-- point per cluster, and a driver that iterates (src/kmeans_step.c,
-- src/kmeans_fit.c; core: src/core/kmeans_step.c).  doc/kmeans.md.

CREATE FUNCTION kmeans_capacity(d int, k int) RETURNS bigint
    AS 'MODULE_PATHNAME', 'kmeans_capacity'
    LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION kmeans_capacity(int, int) IS
'How many points of dimension d the in-memory kmeans aggregate can cluster into k clusters within the current maintenance_work_mem (and its 1 GB state limit).';

CREATE FUNCTION kmeans_step_accum(float8[], float8[], float8[]) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'kmeans_step_accum'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION kmeans_step_accum(float8[], float8[], float8[]) IS
'Transition function of kmeans_step: assigns the point to its nearest centroid and adds it to that cluster''s exact sums.';

CREATE FUNCTION kmeans_step_combine(float8[], float8[]) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'kmeans_step_combine'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION kmeans_step_combine(float8[], float8[]) IS
'Combine function of kmeans_step: adds two partial states exactly (the same result in any order or grouping).';

CREATE FUNCTION kmeans_step_final(float8[]) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'kmeans_step_final'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION kmeans_step_final(float8[]) IS
'Final function of kmeans_step: the state in its unique (canonical) form; NULL for no rows.';

CREATE AGGREGATE kmeans_step(features float8[], centroids float8[]) (
    SFUNC = kmeans_step_accum,
    STYPE = float8[],
    INITCOND = '{}',
    COMBINEFUNC = kmeans_step_combine,
    FINALFUNC = kmeans_step_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE kmeans_step(float8[], float8[]) IS
'One Lloyd iteration: assigns every point to its nearest centroid (k x d float8[][]) and returns per-cluster counts, exact coordinate sums, inertia and farthest point as a float8[] of O(k x d) values; the same bits whatever the plan (parallel, Citus shards, row order). Read it with kmeans_step_centroids, kmeans_step_sizes, kmeans_step_inertia.';

CREATE FUNCTION kmeans_step_centroids(step float8[], centroids float8[]) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'kmeans_step_centroids'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION kmeans_step_centroids(float8[], float8[]) IS
'The next centroids (k x d) from a kmeans_step result made with these centroids: cluster means; an empty cluster moves to the farthest point of another cluster (as scikit-learn), or keeps its centroid when there is none.';

CREATE FUNCTION kmeans_step_sizes(step float8[]) RETURNS bigint[]
    AS 'MODULE_PATHNAME', 'kmeans_step_sizes'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION kmeans_step_sizes(float8[]) IS
'Points per cluster of a kmeans_step result.';

CREATE FUNCTION kmeans_step_inertia(step float8[]) RETURNS float8
    AS 'MODULE_PATHNAME', 'kmeans_step_inertia'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION kmeans_step_inertia(float8[]) IS
'Sum of squared distances of the points to the centroids they were assigned to, from a kmeans_step result.';

CREATE FUNCTION kmeans_in_sample(features float8[], rate float8, seed int) RETURNS boolean
    AS 'MODULE_PATHNAME', 'kmeans_in_sample'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION kmeans_in_sample(float8[], float8, int) IS
'True for a fraction rate of the points, chosen by a hash of the coordinates and the seed: the same points whatever the plan or row order (equal points are in or out together).';

CREATE TYPE kmeans_typical_customers AS (
    ids          text[],
    features     float8[],
    sq_distances float8[]
);
COMMENT ON TYPE kmeans_typical_customers IS
'Per cluster, the real point nearest its centroid: its id, its coordinates (k x d) and its squared distance; NULL for an empty cluster.';

CREATE FUNCTION kmeans_typical_accum(bytea, text, float8[], float8[]) RETURNS bytea
    AS 'MODULE_PATHNAME', 'kmeans_typical_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION kmeans_typical_accum(bytea, text, float8[], float8[]) IS
'Transition function of kmeans_typical: keeps the point nearest each centroid.';

CREATE FUNCTION kmeans_typical_combine(bytea, bytea) RETURNS bytea
    AS 'MODULE_PATHNAME', 'kmeans_typical_combine'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION kmeans_typical_combine(bytea, bytea) IS
'Combine function of kmeans_typical.';

CREATE FUNCTION kmeans_typical_final(bytea) RETURNS kmeans_typical_customers
    AS 'MODULE_PATHNAME', 'kmeans_typical_final'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION kmeans_typical_final(bytea) IS
'Final function of kmeans_typical; NULL for no rows.';

CREATE AGGREGATE kmeans_typical(id text, features float8[], centroids float8[]) (
    SFUNC = kmeans_typical_accum,
    STYPE = bytea,
    INITCOND = '',
    COMBINEFUNC = kmeans_typical_combine,
    FINALFUNC = kmeans_typical_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE kmeans_typical(text, float8[], float8[]) IS
'The real point nearest each centroid (k x d float8[][]) and its id: smallest squared distance, ties to the smallest id in byte order (NULL ids last), then the smallest point; the same result whatever the plan. Rows with NULL features are skipped.';

CREATE FUNCTION kmeans_fit(source regclass, features name, k int, seed int DEFAULT 0, id name DEFAULT NULL,
                           sample_size int DEFAULT 100000, max_iter int DEFAULT 300,
                           OUT centroids float8[], OUT sizes bigint[], OUT inertia float8,
                           OUT iterations int, OUT converged boolean, OUT n bigint, OUT sample_n bigint,
                           OUT typical_ids text[], OUT typical_features float8[])
    RETURNS record
    AS 'MODULE_PATHNAME', 'kmeans_fit_table'
    LANGUAGE C STABLE PARALLEL UNSAFE
    SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION kmeans_fit(regclass, name, int, int, name, int, int) IS
'k-means over a table''s float8[] column in O(k x d) memory: in-memory kmeans (k-means++, 10 restarts) on a content-hash sample of about sample_size points for the start, then Lloyd passes with kmeans_step until scikit-learn''s tolerance, then sizes, inertia and the typical row per cluster (id column optional). Same seed and data, same result, whatever the plan. Reads with the caller''s rights.';

CREATE FUNCTION kmeans_fit_query(query text, k int, seed int DEFAULT 0,
                                 sample_size int DEFAULT 100000, max_iter int DEFAULT 300,
                                 OUT centroids float8[], OUT sizes bigint[], OUT inertia float8,
                                 OUT iterations int, OUT converged boolean, OUT n bigint, OUT sample_n bigint,
                                 OUT typical_ids text[], OUT typical_features float8[])
    RETURNS record
    AS 'MODULE_PATHNAME', 'kmeans_fit_query'
    LANGUAGE C STABLE STRICT PARALLEL UNSAFE
    SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION kmeans_fit_query(text, int, int, int, int) IS
'kmeans_fit over a read-only query returning the features (float8[]) and optionally an id; the query runs once per pass with the caller''s rights and search_path = pg_catalog, pg_temp (qualify its tables).';

REVOKE EXECUTE ON FUNCTION kmeans_step_accum(float8[], float8[], float8[]), kmeans_step_combine(float8[], float8[]),
    kmeans_step_final(float8[]), kmeans_typical_accum(bytea, text, float8[], float8[]),
    kmeans_typical_combine(bytea, bytea), kmeans_typical_final(bytea) FROM PUBLIC;
-- end of k-means
