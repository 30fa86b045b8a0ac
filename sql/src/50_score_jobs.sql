-- ===================================================================
-- Scored views kept fresh: per-customer RFM states
-- merged with each night's new transactions, scores and segments on read,
-- manual overrides; refreshed by a job (pg_cron) in one transaction.
--
-- Security model (README: Security and operations):
-- * every routine pins search_path = pg_catalog, pg_temp and reaches
--   crm_ext's objects through its schema with exact argument types, so
--   nothing planted in a schema on the caller's path runs;
-- * generated views and capture functions are built under that path, with
--   schema-qualified functions and operators, so they bind nothing of a
--   user's schemas either, whoever reads them later;
-- * a job belongs to the role that set it up (owner); row-level security
--   lets only that role (or its members, or a superuser) change it, and a
--   refresh runs as the owner inside a security-restricted operation
--   (crm_run_as), never with the caller's rights.
--
-- Exactly once: new source rows are captured by statement-level triggers
-- (transition tables) into a pending table in the writer's transaction, so
-- they commit or roll back with it; a refresh consumes the pending rows it
-- can see and, in the same statement (one snapshot), reads the source for
-- customers whose rows were updated or deleted.  No time watermark, no
-- guess about other sessions.
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
    last_duration  interval,
    owner          regrole NOT NULL DEFAULT pg_catalog.to_regrole(CURRENT_USER::text),
    target_name    text,
    pending_table  regclass,
    meta_table     regclass,
    capture_function regprocedure,
    time_type      regtype,
    time_zone      text,
    history_table  regclass,
    totals_table   regclass,
    history_retention interval DEFAULT '400 days',
    last_history_rows bigint,
    keep_history   boolean NOT NULL DEFAULT true
);
COMMENT ON TABLE crm_score_jobs IS
    'Scored views managed by crm_score_setup()/crm_refresh_scores()/crm_score_drop(): where their transactions come from, their tables, their owner, and the cut points of the last refresh. Row-level security: only the owner (or its members, or a superuser) sees and changes a job; readers of a scored view see its row';
COMMENT ON COLUMN crm_score_jobs.segment_names IS
    'Segments of the map at the last refresh, in name order';
COMMENT ON COLUMN crm_score_jobs.segment_grid IS
    'Segment of every score combination at the last refresh, as a position in segment_names: element (r-1)*25 + (f-1)*5 + m; the view reads segments from it (small, fixed-width: no per-row detoasting), so readers need no rights on the segment map tables and map edits take effect at the next refresh';
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
SELECT pg_catalog.pg_extension_config_dump('crm_score_jobs', '');

-- Does owner own rel (NULL rel: nothing to check)?
CREATE OR REPLACE FUNCTION crm_owned_by(rel regclass, owner regrole) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$ SELECT rel IS NULL OR EXISTS (SELECT 1 FROM pg_catalog.pg_class c
                                     WHERE c.oid OPERATOR(pg_catalog.=) rel AND c.relowner OPERATOR(pg_catalog.=) owner) $$;
COMMENT ON FUNCTION crm_owned_by(regclass, regrole) IS
    'True when the relation is owned by the role (or is NULL); used by the row-level security of crm_score_jobs';

ALTER TABLE crm_score_jobs ENABLE ROW LEVEL SECURITY;
-- owners (and roles that may act as them) manage their jobs; every object a
-- job names must belong to its owner, so a job cannot be pointed at someone
-- else's tables
CREATE POLICY crm_score_jobs_owner ON crm_score_jobs
    USING (pg_catalog.pg_has_role(owner, 'MEMBER'))
    WITH CHECK (pg_catalog.pg_has_role(owner, 'MEMBER')
                AND @extschema@.crm_owned_by(target, owner) AND @extschema@.crm_owned_by(data_table, owner)
                AND @extschema@.crm_owned_by(override_table, owner) AND @extschema@.crm_owned_by(pending_table, owner)
                AND @extschema@.crm_owned_by(meta_table, owner) AND @extschema@.crm_owned_by(history_table, owner)
                AND @extschema@.crm_owned_by(totals_table, owner)
                AND (capture_function IS NULL OR EXISTS (SELECT 1 FROM pg_catalog.pg_proc p
                     WHERE p.oid OPERATOR(pg_catalog.=) capture_function AND p.proowner OPERATOR(pg_catalog.=) owner)));
-- readers of a scored view may see its job (views set up by 1.1 read it)
CREATE POLICY crm_score_jobs_reader ON crm_score_jobs FOR SELECT
    USING (pg_catalog.has_table_privilege(target, 'SELECT'));
GRANT SELECT, INSERT, UPDATE, DELETE ON crm_score_jobs TO PUBLIC;
