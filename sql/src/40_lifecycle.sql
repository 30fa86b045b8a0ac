
-- ===================================================================
-- Lifecycle signals and actions
-- ===================================================================

-- STABLE: calendar periods follow the session TimeZone
CREATE FUNCTION spend_by_period_transfn(int8[], timestamptz, float8, timestamptz, interval, int) RETURNS int8[]
    AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION spend_by_period_combine(int8[], int8[]) RETURNS int8[]
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION spend_by_period_final(int8[]) RETURNS float8[]
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION spend_by_period_transfn(int8[], timestamptz, float8, timestamptz, interval, int) IS 'spend_by_period transition step (internal use)';
COMMENT ON FUNCTION spend_by_period_combine(int8[], int8[]) IS 'spend_by_period combine step: adds exact per-period sums (internal use)';
COMMENT ON FUNCTION spend_by_period_final(int8[]) IS 'spend_by_period final step (internal use)';

CREATE AGGREGATE spend_by_period(txn_time timestamptz, amount float8, as_of timestamptz, period interval, periods int) (
    SFUNC = spend_by_period_transfn,
    STYPE = int8[],
    FINALFUNC = spend_by_period_final,
    COMBINEFUNC = spend_by_period_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE spend_by_period(timestamptz, float8, timestamptz, interval, int) IS
    'Net spend in each of the last n periods before as_of, oldest first (period k covers (as_of - (n-k+1)*period, as_of - (n-k)*period]); 0 for a period without transactions';

REVOKE EXECUTE ON FUNCTION spend_by_period_transfn(int8[], timestamptz, float8, timestamptz, interval, int),
    spend_by_period_combine(int8[], int8[]), spend_by_period_final(int8[]) FROM PUBLIC;

CREATE TYPE spend_signals AS (
    periods         int,
    total           float8,
    mean            float8,
    last            float8,
    trend           float8,
    trend_pct       float8,
    falling_periods int,
    change_z        float8,
    change_pct      float8
);
COMMENT ON TYPE spend_signals IS 'Retention signals read off spend per period (see spend_signals())';
COMMENT ON COLUMN spend_signals.trend IS 'Least-squares slope of spend per period (currency per period); NULL with one period';
COMMENT ON COLUMN spend_signals.trend_pct IS 'trend / |mean|: relative change per period; NULL when mean is 0';
COMMENT ON COLUMN spend_signals.falling_periods IS 'Consecutive period-on-period decreases ending at the last period';
COMMENT ON COLUMN spend_signals.change_z IS 'Last period against the earlier ones: (last - mean) / sample stddev; NULL with fewer than 3 earlier periods or no variation';
COMMENT ON COLUMN spend_signals.change_pct IS 'Last period against the mean of the earlier ones, as a fraction; NULL when that mean is 0';

CREATE FUNCTION spend_signals(spend float8[]) RETURNS spend_signals
    AS 'MODULE_PATHNAME', 'spend_signals_sql' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION spend_signals(float8[]) IS
    'Trend (slope), falling streak and sudden change (z-score, percent) of spend per period, oldest first';

CREATE TABLE lifecycle_rules (
    rule_set    text NOT NULL DEFAULT 'default',
    priority    int NOT NULL,
    action      text NOT NULL CHECK (action <> ''),
    description text,
    builtin     boolean NOT NULL DEFAULT false,
    min_trend_pct float8, max_trend_pct float8,
    min_falling_periods int, max_falling_periods int,
    min_change_z float8, max_change_z float8,
    min_change_pct float8, max_change_pct float8,
    min_overdue_ratio float8, max_overdue_ratio float8,
    min_value_score int, max_value_score int,
    min_contract_days_left float8, max_contract_days_left float8,
    min_complaints_trend float8, max_complaints_trend float8,
    min_arrears int, max_arrears int,
    UNIQUE (rule_set, priority)
);
COMMENT ON TABLE lifecycle_rules IS
    'Rules mapping lifecycle signals to actions; lifecycle_action() takes the first rule (lowest priority) whose non-NULL bounds all hold (inclusive); a bound on an unknown (NULL) signal does not hold. Rows with builtin = true ship with crm_ext and are not dumped: add your own rows instead of editing them';

INSERT INTO lifecycle_rules (rule_set, priority, action, builtin, description,
    min_arrears, min_complaints_trend, min_falling_periods, max_change_z, min_overdue_ratio,
    min_contract_days_left, max_contract_days_left, min_trend_pct, min_change_z, min_value_score, max_value_score,
    max_overdue_ratio) VALUES
  ('default',   10, 'guard',    true, 'in arrears in 2 or more periods',                        2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
  ('default',   20, 'guard',    true, 'complaints rising (0.1 or more per period)',            NULL, 0.1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
  ('default',   30, 'retain',   true, 'spend fell 3 or more periods in a row',                 NULL, NULL, 3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
  ('default',   40, 'retain',   true, 'sudden drop: last period 2+ standard deviations below the customer''s own history', NULL, NULL, NULL, -2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
  ('default',   50, 'retain',   true, 'away at least twice the usual gap between purchases',   NULL, NULL, NULL, NULL, 2, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
  ('default',   60, 'retain',   true, 'contract expires within 60 days',                       NULL, NULL, NULL, NULL, NULL, 0, 60, NULL, NULL, NULL, NULL, NULL),
  ('default',   70, 'upsell',   true, 'high value (score 4+) and spend growing 5%+ per period', NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0.05, NULL, 4, NULL, NULL),
  ('default',   80, 'upsell',   true, 'high value (score 4+) with a sudden rise (2+ standard deviations)', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 2, 4, NULL, NULL),
  ('default',   90, 'develop',  true, 'spend growing 5%+ per period',                          NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0.05, NULL, NULL, NULL, NULL),
  ('default',  100, 'develop',  true, 'low value (score 1-2) but buying on schedule',           NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 2, 1),
  ('default', 1000, 'maintain', true, 'everything else',                                       NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
SELECT pg_catalog.pg_extension_config_dump('lifecycle_rules', 'WHERE NOT builtin');

CREATE FUNCTION lifecycle_action(
    trend_pct float8 DEFAULT NULL, falling_periods int DEFAULT NULL,
    change_z float8 DEFAULT NULL, change_pct float8 DEFAULT NULL,
    overdue_ratio float8 DEFAULT NULL, value_score int DEFAULT NULL,
    contract_days_left float8 DEFAULT NULL, complaints_trend float8 DEFAULT NULL,
    arrears int DEFAULT NULL, rule_set text DEFAULT 'default') RETURNS text
    AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION lifecycle_action(float8, int, float8, float8, float8, int, float8, float8, int, text) IS
    'Lifecycle action (develop, maintain, retain, upsell, guard by default) for a customer''s signals under a rule set in lifecycle_rules; NULL signals are unknown; NULL when no rule matches';

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
