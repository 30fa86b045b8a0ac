-- ===================================================================
-- Case bases of typical customers for value classes in scored views
-- ===================================================================

CREATE TABLE crm_case_bases (
    name          text PRIMARY KEY,
    fields        text[] NOT NULL,
    cost          boolean[] NOT NULL,
    group_sizes   int[] NOT NULL,
    inner_weights float8[] NOT NULL,
    group_weights float8[] NOT NULL,
    rho           float8 NOT NULL,
    stats         feature_summary NOT NULL,
    cases         float8[] NOT NULL,
    labels        text[] NOT NULL,
    typical_customers text[] NOT NULL,
    built_from    regclass,
    built_as_of   timestamptz,
    built_at      timestamptz NOT NULL DEFAULT now(),
    owner         regrole NOT NULL DEFAULT pg_catalog.to_regrole(CURRENT_USER::text)
);
COMMENT ON TABLE crm_case_bases IS
    'Case bases for case-based value classes: normalization statistics, normalized typical-customer vectors (one row of cases per case) and their labels; built by crm_case_base_build() or by hand';
SELECT pg_catalog.pg_extension_config_dump('crm_case_bases', '');
COMMENT ON COLUMN crm_case_bases.owner IS
    'Role that built the case base; only it (or its members, or a superuser) sees and changes it';
-- a case base holds typical customers' ids and the statistics of a whole
-- customer base: its owner's alone; scored views keep a copy of the case
-- base they classify with (their meta table), so their readers need none
ALTER TABLE crm_case_bases ENABLE ROW LEVEL SECURITY;
CREATE POLICY crm_case_bases_owner ON crm_case_bases
    USING (pg_catalog.pg_has_role(owner, 'MEMBER')) WITH CHECK (pg_catalog.pg_has_role(owner, 'MEMBER'));
GRANT SELECT, INSERT, UPDATE, DELETE ON crm_case_bases TO PUBLIC;
