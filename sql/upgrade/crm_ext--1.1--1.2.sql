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
    ADD COLUMN time_zone text;
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
                AND @extschema@.crm_owned_by(meta_table, owner)
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
