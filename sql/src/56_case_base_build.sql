-- ===================================================================
-- Building a case base from a refreshed scored view (CREATE OR REPLACE:
-- also the upgrade from 1.1, appended to it by the Makefile).  Like a
-- refresh it reads the owner's tables, so it runs as the view's owner in a
-- security-restricted operation (crm_run_as), in one statement without
-- temporary tables (which such an operation may not create).
-- ===================================================================

CREATE OR REPLACE FUNCTION crm_case_base_build_apply(
    target regclass, name text, k int, labels text[], seed int, fields text[], cost boolean[],
    group_sizes int[], inner_weights float8[], group_weights float8[], rho float8)
RETURNS text
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    job  @extschema@.crm_score_jobs;
    nf   int := pg_catalog.array_length(fields, 1);
    iw   float8[] := coalesce(inner_weights, pg_catalog.array_fill(1::float8, ARRAY[pg_catalog.array_length(fields, 1)]));
    res  text;
BEGIN
    SELECT * INTO job FROM @extschema@.crm_score_jobs j WHERE j.target = crm_case_base_build_apply.target FOR UPDATE;
    IF NOT FOUND OR job.last_as_of IS NULL THEN
        RAISE EXCEPTION '% is not a refreshed scored view', target USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'Run crm_score_setup() and CALL crm_refresh_scores() first.';
    END IF;
    IF pg_catalog.to_regrole(CURRENT_USER::text) <> job.owner THEN
        RAISE EXCEPTION 'a case base build of % must run as its owner %', target, job.owner USING ERRCODE = 'insufficient_privilege',
            HINT = 'Call crm_case_base_build(), which runs it as the owner.';
    END IF;
    IF k IS NULL OR k < 2 THEN
        RAISE EXCEPTION 'k must be at least 2' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF labels IS NOT NULL AND coalesce(pg_catalog.array_length(labels, 1), 0) <> k THEN
        RAISE EXCEPTION 'labels has % elements, k is %', coalesce(pg_catalog.array_length(labels, 1), 0), k
            USING ERRCODE = 'array_subscript_error', HINT = 'Give one label per case, the most valuable first.';
    END IF;
    IF coalesce(pg_catalog.array_length(cost, 1), 0) <> nf THEN
        RAISE EXCEPTION 'cost has % elements, fields %', coalesce(pg_catalog.array_length(cost, 1), 0), nf
            USING ERRCODE = 'array_subscript_error';
    END IF;

    -- every scored customer's normalized indicator vector; k-means, then
    -- the real customer nearest each centroid is the typical customer; the
    -- cases ranked by their grade against the ideal customer (every
    -- indicator at its best)
    EXECUTE pg_catalog.format($$
        WITH pts AS MATERIALIZED (
                 SELECT (s.customer_id)::pg_catalog.text AS customer_id,
                        @extschema@.rfm_features(@extschema@.rfm_final(s.state, $1), $2) AS x
                 FROM %s s WHERE @extschema@.rfm_state_frequency(s.state) IS NOT NULL),
             st AS (SELECT @extschema@.feature_stats(p.x) AS s FROM pts p),
             np AS MATERIALIZED (SELECT p.customer_id, @extschema@.normalize_features(p.x, st.s, $3, 'minmax'::pg_catalog.text) AS x
                                 FROM pts p, st),
             -- the one place k-means is called
             c AS (SELECT @extschema@.kmeans(np.x, $4, $5) AS cen FROM np),
             a AS (SELECT np.customer_id, np.x, c.cen, @extschema@.kmeans_assign(np.x, c.cen) AS cl FROM np, c),
             m AS (SELECT a.customer_id, a.x, a.cl,
                          (SELECT pg_catalog.sum((u.a - u.b) ^ 2::pg_catalog.float8)
                           FROM ROWS FROM (pg_catalog.unnest(a.x), pg_catalog.unnest(a.cen[a.cl:a.cl][:])) u(a, b)) AS d2
                   FROM a),
             t AS (SELECT DISTINCT ON (m.cl) m.cl, m.customer_id, m.x, pg_catalog.count(*) OVER (PARTITION BY m.cl) AS size
                   FROM m ORDER BY m.cl, m.d2, m.customer_id),
             g AS (SELECT @extschema@.grey_multilayer_grades(pg_catalog.array_fill(1::pg_catalog.float8, ARRAY[$6]),
                                                             pg_catalog.array_agg(t.x ORDER BY t.cl), $7, $8, $9, $10,
                                                             'global'::pg_catalog.text) AS grades,
                          pg_catalog.array_agg(t.cl ORDER BY t.cl) AS cls FROM t),
             r AS (SELECT u.cl, u.grade, (pg_catalog.row_number() OVER (ORDER BY u.grade DESC, u.cl))::pg_catalog.int4 AS case_no
                   FROM g, ROWS FROM (pg_catalog.unnest(g.grades), pg_catalog.unnest(g.cls)) AS u(grade, cl)),
             res AS (SELECT r.case_no, coalesce(($11)[r.case_no], 'value class ' || r.case_no) AS label, t.customer_id, t.size,
                            r.grade, t.x
                     FROM r JOIN t ON t.cl = r.cl),
             st1 AS (SELECT s FROM st),
             ins AS (INSERT INTO @extschema@.crm_case_bases AS b (name, fields, cost, group_sizes, inner_weights, group_weights, rho,
                                                                  stats, cases, labels, typical_customers, built_from, built_as_of)
                     SELECT $12, $2, $3, $7, $8, $9, $10, (SELECT st1.s FROM st1),
                            pg_catalog.array_agg(res.x ORDER BY res.case_no), pg_catalog.array_agg(res.label ORDER BY res.case_no),
                            pg_catalog.array_agg(res.customer_id ORDER BY res.case_no), $13, $1
                     FROM res
                     ON CONFLICT (name) DO UPDATE SET fields = EXCLUDED.fields, cost = EXCLUDED.cost,
                         group_sizes = EXCLUDED.group_sizes, inner_weights = EXCLUDED.inner_weights,
                         group_weights = EXCLUDED.group_weights, rho = EXCLUDED.rho, stats = EXCLUDED.stats,
                         cases = EXCLUDED.cases, labels = EXCLUDED.labels, typical_customers = EXCLUDED.typical_customers,
                         built_from = EXCLUDED.built_from, built_as_of = EXCLUDED.built_as_of, built_at = pg_catalog.now()
                     RETURNING 1)
        SELECT (pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('case_no', res.case_no, 'label', res.label,
                    'typical_customer', res.customer_id, 'cluster_size', res.size, 'value_score', res.grade)
                    ORDER BY res.case_no))::pg_catalog.text
        FROM res WHERE (SELECT pg_catalog.count(*) FROM ins) >= 0$$, job.data_table)
      INTO res
      USING job.last_as_of, fields, cost, k, seed, nf, group_sizes, iw, group_weights, rho, labels, name, target;
    PERFORM @extschema@.crm_score_use_case_base(target, name);
    RETURN res;
END
$fn$;
COMMENT ON FUNCTION crm_case_base_build_apply(regclass, text, int, text[], int, text[], boolean[], int[], float8[], float8[], float8) IS
    'The work of crm_case_base_build (internal: it runs this as the view''s owner); returns the cases as JSON';

CREATE OR REPLACE FUNCTION crm_case_base_build(
    target regclass, name text, k int DEFAULT 8, labels text[] DEFAULT NULL, seed int DEFAULT 42,
    fields text[] DEFAULT '{recency_days,mean_gap_days,overdue_ratio,tenure_days,frequency,purchases_per_30d,refunds,monetary,avg_amount}',
    cost boolean[] DEFAULT '{t,t,t,f,f,f,t,f,f}',
    group_sizes int[] DEFAULT '{4,3,2}',
    inner_weights float8[] DEFAULT NULL,
    group_weights float8[] DEFAULT '{0.1312,0.7928,0.0760}',
    rho float8 DEFAULT 0.5)
RETURNS TABLE (case_no int, label text, typical_customer text, cluster_size bigint, value_score float8)
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    own regrole;
    res text;
BEGIN
    SELECT j.owner INTO own FROM @extschema@.crm_score_jobs j
     WHERE j.target = crm_case_base_build.target AND pg_catalog.pg_has_role(j.owner, 'MEMBER');
    IF own IS NULL THEN
        RAISE EXCEPTION '% is not a scored view you may build a case base for', target USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'Run crm_score_setup() and CALL crm_refresh_scores() first; the build runs as the view''s owner, so the caller must be the owner, a member of it, or a superuser.';
    END IF;
    res := @extschema@.crm_run_as(own, pg_catalog.format(
        'SELECT %s.crm_case_base_build_apply(%s::pg_catalog.oid::pg_catalog.regclass, %L::pg_catalog.text, %L::pg_catalog.int4, '
        '%L::pg_catalog.text[], %L::pg_catalog.int4, %L::pg_catalog.text[], %L::pg_catalog.bool[], %L::pg_catalog.int4[], '
        '%L::pg_catalog.float8[], %L::pg_catalog.float8[], %L::pg_catalog.float8)',
        '@extschema@', target::oid, name, k, labels, seed, fields, cost, group_sizes, inner_weights, group_weights, rho));
    RETURN QUERY SELECT r.case_no, r.label, r.typical_customer, r.cluster_size, r.value_score
                 FROM pg_catalog.jsonb_to_recordset(res::pg_catalog.jsonb)
                      AS r(case_no int, label text, typical_customer text, cluster_size bigint, value_score float8)
                 ORDER BY r.case_no;
END
$fn$;
COMMENT ON FUNCTION crm_case_base_build(regclass, text, int, text[], int, text[], boolean[], int[], float8[], float8[], float8) IS
    'Builds a case base from a refreshed scored table (normalize the indicators, k-means, the real customer nearest each centroid, cases ranked by multi-layer grey relational grade against the ideal customer, labels in that order) and makes the scored view classify every customer by it (value_class, similarity); runs as the view''s owner';
