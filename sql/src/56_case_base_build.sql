-- ===================================================================
-- Building a case base from a refreshed scored view (CREATE OR REPLACE:
-- also the upgrade from 1.1, appended to it by the Makefile)
-- ===================================================================

CREATE OR REPLACE FUNCTION crm_case_base_build(
    target regclass, name text, k int DEFAULT 8, labels text[] DEFAULT NULL, seed int DEFAULT 42,
    fields text[] DEFAULT '{recency_days,mean_gap_days,overdue_ratio,tenure_days,frequency,purchases_per_30d,refunds,monetary,avg_amount}',
    cost boolean[] DEFAULT '{t,t,t,f,f,f,t,f,f}',
    group_sizes int[] DEFAULT '{4,3,2}',
    inner_weights float8[] DEFAULT NULL,
    group_weights float8[] DEFAULT '{0.1312,0.7928,0.0760}',
    rho float8 DEFAULT 0.5)
RETURNS TABLE (case_no int, label text, typical_customer text, cluster_size bigint, value_score float8)
LANGUAGE plpgsql VOLATILE
AS $fn$
DECLARE
    ext  name := (SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
                  WHERE e.extname = 'crm_ext');
    job  record;
    nf   int := array_length(fields, 1);
    st   feature_summary;
    iw   float8[] := coalesce(inner_weights, array_fill(1::float8, ARRAY[array_length(fields, 1)]));
BEGIN
    EXECUTE format('SELECT * FROM %I.crm_score_jobs WHERE target = $1 FOR UPDATE', ext) INTO job USING target;
    IF job IS NULL OR job.last_as_of IS NULL THEN
        RAISE EXCEPTION '% is not a refreshed scored table', target USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'Run crm_score_setup() and CALL crm_refresh_scores() first.';
    END IF;
    IF k IS NULL OR k < 2 THEN
        RAISE EXCEPTION 'k must be at least 2' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF labels IS NOT NULL AND coalesce(array_length(labels, 1), 0) <> k THEN
        RAISE EXCEPTION 'labels has % elements, k is %', coalesce(array_length(labels, 1), 0), k
            USING ERRCODE = 'array_subscript_error', HINT = 'Give one label per case, the most valuable first.';
    END IF;
    IF coalesce(array_length(cost, 1), 0) <> nf THEN
        RAISE EXCEPTION 'cost has % elements, fields %', coalesce(array_length(cost, 1), 0), nf
            USING ERRCODE = 'array_subscript_error';
    END IF;

    -- every scored customer's normalized indicator vector
    IF to_regclass('pg_temp.crm_cb_points') IS NOT NULL THEN  -- no NOTICE when there is none
        DROP TABLE pg_temp.crm_cb_points;
    END IF;
    EXECUTE format($$CREATE TEMP TABLE crm_cb_points ON COMMIT DROP AS
        SELECT customer_id::text AS customer_id, %1$I.rfm_features(%1$I.rfm_final(state, $1), $2) AS x
        FROM %2$s WHERE %1$I.rfm_state_frequency(state) IS NOT NULL$$, ext, job.data_table) USING job.last_as_of, fields;
    EXECUTE format('SELECT (%I.feature_stats(x)).* FROM crm_cb_points', ext) INTO st;
    EXECUTE format('UPDATE crm_cb_points SET x = %I.normalize_features(x, $1, $2)', ext) USING st, cost;

    -- k-means, then the real customer nearest each centroid is the typical customer
    IF to_regclass('pg_temp.crm_cb_typical') IS NOT NULL THEN  -- no NOTICE when there is none
        DROP TABLE pg_temp.crm_cb_typical;
    END IF;
    EXECUTE format($$CREATE TEMP TABLE crm_cb_typical ON COMMIT DROP AS
        WITH c AS (SELECT %1$I.kmeans(x, $1, $2) AS cen FROM crm_cb_points),
             a AS (SELECT p.customer_id, p.x, c.cen, %1$I.kmeans_assign(p.x, c.cen) AS cl FROM crm_cb_points p, c),
             m AS (SELECT customer_id, x, cl,
                          (SELECT sum((u.a - u.b) ^ 2) FROM unnest(x, ARRAY(SELECT unnest(cen[cl:cl][:]))) u(a, b)) AS d2
                   FROM a)
        SELECT DISTINCT ON (cl) cl, customer_id, x, count(*) OVER (PARTITION BY cl) AS size
        FROM m ORDER BY cl, d2, customer_id$$, ext) USING k, seed;

    -- rank the cases by their grade against the ideal customer (every indicator at its best)
    RETURN QUERY EXECUTE format($$
        WITH g AS (SELECT %1$I.grey_multilayer_grades(array_fill(1::float8, ARRAY[$1]), array_agg(x ORDER BY cl),
                                                      $2, $3, $4, $5) AS grades,
                          array_agg(cl ORDER BY cl) AS cls FROM crm_cb_typical),
             r AS (SELECT u.cl, u.grade, row_number() OVER (ORDER BY u.grade DESC, u.cl)::int AS case_no
                   FROM g, unnest(g.grades, g.cls) AS u(grade, cl))
        SELECT r.case_no, coalesce(($6)[r.case_no], 'value class ' || r.case_no), t.customer_id, t.size, r.grade
        FROM r JOIN crm_cb_typical t USING (cl) ORDER BY r.case_no$$, ext)
      USING nf, group_sizes, iw, group_weights, rho, labels;

    EXECUTE format($$INSERT INTO %1$I.crm_case_bases AS b (name, fields, cost, group_sizes, inner_weights, group_weights, rho,
                         stats, cases, labels, typical_customers, built_from, built_as_of)
        SELECT $1, $2, $3, $4, $5, $6, $7, $8, array_agg(t.x ORDER BY r.case_no),
               array_agg(coalesce(($9)[r.case_no], 'value class ' || r.case_no) ORDER BY r.case_no),
               array_agg(t.customer_id ORDER BY r.case_no), $10, $11
        FROM (SELECT u.cl, row_number() OVER (ORDER BY u.grade DESC, u.cl)::int AS case_no
              FROM (SELECT %1$I.grey_multilayer_grades(array_fill(1::float8, ARRAY[$12]), array_agg(x ORDER BY cl),
                                                       $4, $5, $6, $7) AS grades, array_agg(cl ORDER BY cl) AS cls
                    FROM crm_cb_typical) g, unnest(g.grades, g.cls) AS u(grade, cl)) r
        JOIN crm_cb_typical t USING (cl)
        ON CONFLICT (name) DO UPDATE SET fields = EXCLUDED.fields, cost = EXCLUDED.cost, group_sizes = EXCLUDED.group_sizes,
            inner_weights = EXCLUDED.inner_weights, group_weights = EXCLUDED.group_weights, rho = EXCLUDED.rho,
            stats = EXCLUDED.stats, cases = EXCLUDED.cases, labels = EXCLUDED.labels,
            typical_customers = EXCLUDED.typical_customers, built_from = EXCLUDED.built_from,
            built_as_of = EXCLUDED.built_as_of, built_at = now()$$, ext)
      USING name, fields, cost, group_sizes, iw, group_weights, rho, st, labels, target, job.last_as_of, nf;
    EXECUTE format('SELECT %I.crm_score_use_case_base($1, $2)', ext) USING target, name;
    DROP TABLE pg_temp.crm_cb_points, pg_temp.crm_cb_typical;
END
$fn$;
COMMENT ON FUNCTION crm_case_base_build(regclass, text, int, text[], int, text[], boolean[], int[], float8[], float8[], float8) IS
    'Builds a case base from a refreshed scored table (normalize the indicators, k-means, the real customer nearest each centroid, cases ranked by multi-layer grey relational grade against the ideal customer, labels in that order) and makes the scored view classify every customer by it (value_class, similarity)';
