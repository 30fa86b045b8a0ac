-- crm_ext 1.0 -> 1.1 upgrade script, assembled from sql/parts/ (see Makefile).
-- A fresh CREATE EXTENSION runs crm_ext--1.0.sql and then this script.
\echo Use "ALTER EXTENSION crm_ext UPDATE TO '1.1'" to load this file. \quit

-- ---------------------------------------------------------------------------
-- AHP / ANP weights (src/ahp.c, src/anp.c; numeric core in src/core/)
-- ---------------------------------------------------------------------------

CREATE FUNCTION ahp_priorities(judgments float8[], method text DEFAULT 'eigen')
RETURNS float8[]
AS 'MODULE_PATHNAME', 'ahp_priorities'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ahp_priorities(float8[], text) IS
'AHP priority vector (sums to 1) of a reciprocal pairwise judgment matrix: ''eigen'' = principal right eigenvector (Saaty), ''geometric'' = row geometric means; NULL pairs are missing judgments (Harker / logarithmic least squares)';

CREATE FUNCTION ahp_consistency(judgments float8[],
    OUT lambda_max float8, OUT ci float8, OUT ri float8, OUT cr float8)
RETURNS record
AS 'MODULE_PATHNAME', 'ahp_consistency'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ahp_consistency(float8[]) IS
'Saaty consistency of a judgment matrix: lambda_max, CI = (lambda_max - n)/(n - 1), Saaty''s random index RI (n <= 15, else NULL) and CR = CI/RI (0 for n <= 2)';

CREATE FUNCTION ahp_most_inconsistent(judgments float8[],
    OUT "row" int, OUT col int, OUT judgment float8, OUT suggested float8)
RETURNS record
AS 'MODULE_PATHNAME', 'ahp_most_inconsistent'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ahp_most_inconsistent(float8[]) IS
'The given judgment a[row][col] (row < col) farthest from the priorities (largest |ln(a_ij w_j / w_i)|) and the value w_i/w_j that would make it consistent; all NULL when the matrix is consistent';

CREATE FUNCTION ahp_random_index(n int)
RETURNS float8
AS 'MODULE_PATHNAME', 'ahp_random_index_sql'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ahp_random_index(int) IS
'Saaty''s random consistency index RI for matrix order n (1..15); NULL beyond the table';

CREATE FUNCTION anp_weighted_supermatrix(unweighted float8[], cluster_sizes int[],
    cluster_weights float8[])
RETURNS float8[]
AS 'MODULE_PATHNAME', 'anp_weighted_supermatrix'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION anp_weighted_supermatrix(float8[], int[], float8[]) IS
'Weighted ANP supermatrix: block (I,J) times cluster_weights[I][J], then every column renormalized to sum 1 (a zero column stays zero)';

CREATE FUNCTION anp_limit_supermatrix(weighted float8[], tolerance float8 DEFAULT 1e-12,
    max_iterations int DEFAULT 10000)
RETURNS float8[]
AS 'MODULE_PATHNAME', 'anp_limit_supermatrix'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION anp_limit_supermatrix(float8[], float8, int) IS
'Limit of the powers of a column-stochastic supermatrix (Cesaro limit for periodic ones; zero columns made absorbing); error with the residual if it does not converge within max_iterations matrix products';

CREATE FUNCTION anp_limit_priorities(weighted float8[], cluster_sizes int[] DEFAULT NULL,
    tolerance float8 DEFAULT 1e-12, max_iterations int DEFAULT 10000, start int DEFAULT NULL)
RETURNS TABLE (node int, cluster int, priority float8, cluster_priority float8)
AS 'MODULE_PATHNAME', 'anp_limit_priorities'
LANGUAGE C IMMUTABLE PARALLEL SAFE ROWS 20;
COMMENT ON FUNCTION anp_limit_priorities(float8[], int[], float8, int, int) IS
'Priorities read off the limit supermatrix: column start (1-based) or the mean of the columns (= any column of an irreducible network), and normalized within each cluster';

-- The ANP model tables.  They are extension configuration tables: pg_dump
-- dumps their rows, so users' models survive dump and restore.
CREATE TABLE anp_models (
    model       text PRIMARY KEY,
    goal        text,
    description text
);
COMMENT ON TABLE anp_models IS 'ANP models solved by anp_solve(); goal names the node whose limit column gives the global weights (NULL: mean of the columns)';

CREATE TABLE anp_clusters (
    model    text NOT NULL REFERENCES anp_models ON UPDATE CASCADE ON DELETE CASCADE,
    cluster  text NOT NULL,
    position int NOT NULL DEFAULT 0,
    PRIMARY KEY (model, cluster)
);
COMMENT ON TABLE anp_clusters IS 'Clusters of an ANP model, ordered by position';

CREATE TABLE anp_nodes (
    model    text NOT NULL,
    node     text NOT NULL,
    cluster  text NOT NULL,
    position int NOT NULL DEFAULT 0,
    PRIMARY KEY (model, node),
    FOREIGN KEY (model, cluster) REFERENCES anp_clusters ON UPDATE CASCADE ON DELETE CASCADE
);
COMMENT ON TABLE anp_nodes IS 'Nodes of an ANP model, each in one cluster, ordered by position within it';

CREATE TABLE anp_influences (
    model  text NOT NULL,
    source text NOT NULL,
    target text NOT NULL,
    PRIMARY KEY (model, source, target),
    FOREIGN KEY (model, source) REFERENCES anp_nodes ON UPDATE CASCADE ON DELETE CASCADE,
    FOREIGN KEY (model, target) REFERENCES anp_nodes ON UPDATE CASCADE ON DELETE CASCADE
);
COMMENT ON TABLE anp_influences IS 'source influences target: the sources in one cluster are compared with respect to target, giving that part of target''s supermatrix column';

CREATE TABLE anp_node_judgments (
    model     text NOT NULL,
    wrt       text NOT NULL,
    row_node  text NOT NULL,
    col_node  text NOT NULL,
    judgment  float8 NOT NULL CHECK (judgment > 0 AND judgment < 'Infinity'),
    PRIMARY KEY (model, wrt, row_node, col_node),
    CHECK (row_node <> col_node),
    FOREIGN KEY (model, wrt) REFERENCES anp_nodes ON UPDATE CASCADE ON DELETE CASCADE,
    FOREIGN KEY (model, row_node) REFERENCES anp_nodes ON UPDATE CASCADE ON DELETE CASCADE,
    FOREIGN KEY (model, col_node) REFERENCES anp_nodes ON UPDATE CASCADE ON DELETE CASCADE
);
COMMENT ON TABLE anp_node_judgments IS 'With respect to node wrt, row_node influences it judgment times as much as col_node (Saaty 1-9 scale); one of each pair suffices';

CREATE TABLE anp_cluster_judgments (
    model       text NOT NULL,
    wrt         text NOT NULL,
    row_cluster text NOT NULL,
    col_cluster text NOT NULL,
    judgment    float8 NOT NULL CHECK (judgment > 0 AND judgment < 'Infinity'),
    PRIMARY KEY (model, wrt, row_cluster, col_cluster),
    CHECK (row_cluster <> col_cluster),
    FOREIGN KEY (model, wrt) REFERENCES anp_clusters ON UPDATE CASCADE ON DELETE CASCADE,
    FOREIGN KEY (model, row_cluster) REFERENCES anp_clusters ON UPDATE CASCADE ON DELETE CASCADE,
    FOREIGN KEY (model, col_cluster) REFERENCES anp_clusters ON UPDATE CASCADE ON DELETE CASCADE
);
COMMENT ON TABLE anp_cluster_judgments IS 'With respect to cluster wrt, row_cluster influences it judgment times as much as col_cluster; gives the cluster weights';

SELECT pg_catalog.pg_extension_config_dump('anp_models', '');
SELECT pg_catalog.pg_extension_config_dump('anp_clusters', '');
SELECT pg_catalog.pg_extension_config_dump('anp_nodes', '');
SELECT pg_catalog.pg_extension_config_dump('anp_influences', '');
SELECT pg_catalog.pg_extension_config_dump('anp_node_judgments', '');
SELECT pg_catalog.pg_extension_config_dump('anp_cluster_judgments', '');

-- Every pairwise judgment matrix of a model, in supermatrix order: one per
-- (target node, source cluster) with the sources as items, and one per target
-- cluster with the clusters that influence it as items.  Entries are the
-- given judgments, NULL where none was given (ahp_priorities completes them).
CREATE FUNCTION anp_judgment_matrices(model text)
RETURNS TABLE (kind text, wrt text, cluster text, items text[], judgments float8[], given int)
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
WITH cl AS (
    SELECT c.cluster, row_number() OVER (ORDER BY c.position, c.cluster) AS cord
    FROM @extschema@.anp_clusters c WHERE c.model = $1
), nd AS (
    SELECT n.node, n.cluster, cl.cord,
           row_number() OVER (ORDER BY cl.cord, n.position, n.node) AS nord
    FROM @extschema@.anp_nodes n JOIN cl ON cl.cluster = n.cluster
    WHERE n.model = $1
), grp AS (
    SELECT 'nodes'::text AS kind, t.node AS wrt, s.cluster, min(t.nord) AS o1, min(s.cord) AS o2,
           array_agg(s.node ORDER BY s.nord) AS items
    FROM @extschema@.anp_influences i
    JOIN nd s ON s.node = i.source
    JOIN nd t ON t.node = i.target
    WHERE i.model = $1
    GROUP BY t.node, s.cluster
    UNION ALL
    SELECT 'clusters', x.tcl, NULL, 1e9 + x.tcord, 0, array_agg(x.scl ORDER BY x.scord)
    FROM (SELECT DISTINCT tc.cluster AS tcl, tc.cord AS tcord, s.cluster AS scl, s.cord AS scord
          FROM @extschema@.anp_influences i
          JOIN nd s ON s.node = i.source
          JOIN nd t ON t.node = i.target
          JOIN cl tc ON tc.cluster = t.cluster
          WHERE i.model = $1) x
    GROUP BY x.tcl, x.tcord
), cells AS (
    SELECT g.kind, g.wrt, g.cluster, g.o1, g.o2, g.items, r.i, c.j,
           CASE WHEN r.i = c.j THEN 1.0::float8
                WHEN g.kind = 'nodes' THEN (SELECT j.judgment FROM @extschema@.anp_node_judgments j
                      WHERE j.model = $1 AND j.wrt = g.wrt AND j.row_node = r.item AND j.col_node = c.item)
                ELSE (SELECT j.judgment FROM @extschema@.anp_cluster_judgments j
                      WHERE j.model = $1 AND j.wrt = g.wrt AND j.row_cluster = r.item AND j.col_cluster = c.item)
           END AS v
    FROM grp g,
         unnest(g.items) WITH ORDINALITY r(item, i),
         unnest(g.items) WITH ORDINALITY c(item, j)
), rows_ AS (
    SELECT kind, wrt, cluster, o1, o2, items, i, array_agg(v ORDER BY j) AS r,
           count(v) FILTER (WHERE i <> j) AS given
    FROM cells GROUP BY kind, wrt, cluster, o1, o2, items, i
)
SELECT kind, wrt, cluster, items, array_agg(r ORDER BY i), sum(given)::int
FROM rows_
GROUP BY kind, wrt, cluster, o1, o2, items
ORDER BY o1, o2
$$;
COMMENT ON FUNCTION anp_judgment_matrices(text) IS
'Every pairwise judgment matrix of an ANP model (per target node and source cluster, and per target cluster for the cluster weights), NULL where no judgment was given';

CREATE FUNCTION anp_consistency(model text)
RETURNS TABLE (kind text, wrt text, cluster text, items text[], given int,
               lambda_max float8, ci float8, ri float8, cr float8,
               revisit_row text, revisit_col text, judgment float8, suggested float8)
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT m.kind, m.wrt, m.cluster, m.items, m.given,
       CASE WHEN m.given > 0 THEN c.lambda_max END,
       CASE WHEN m.given > 0 THEN c.ci END,
       CASE WHEN m.given > 0 THEN c.ri END,
       CASE WHEN m.given > 0 THEN c.cr END,
       CASE WHEN m.given > 0 THEN m.items[i."row"] END,
       CASE WHEN m.given > 0 THEN m.items[i.col] END,
       CASE WHEN m.given > 0 THEN i.judgment END,
       CASE WHEN m.given > 0 THEN i.suggested END
FROM @extschema@.anp_judgment_matrices($1) m
-- a matrix without judgments gets equal priorities: check a stand-in of ones
CROSS JOIN LATERAL (SELECT CASE WHEN m.given > 0 THEN m.judgments
                           ELSE array_fill(1::float8, ARRAY[cardinality(m.items), cardinality(m.items)])
                           END AS a) x
CROSS JOIN LATERAL @extschema@.ahp_consistency(x.a) c
CROSS JOIN LATERAL @extschema@.ahp_most_inconsistent(x.a) i
$$;
COMMENT ON FUNCTION anp_consistency(text) IS
'Consistency (lambda_max, CI, RI, CR) of every judgment matrix of an ANP model and the judgment to revisit in each';

CREATE FUNCTION anp_solve(model text, tolerance float8 DEFAULT 1e-12, max_iterations int DEFAULT 10000)
RETURNS TABLE (node text, cluster text, local_weight float8, global_weight float8)
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    mdl       record;
    nodes     text[];
    ncl       text[];
    cls       text[];
    sizes     int[];
    n         int;
    k         int;
    w         float8[];
    cw        float8[];
    ws        float8[];
    lim       float8[];
    p         float8[];
    visits    float8[];
    v         float8[];
    nv        float8[];
    csum      float8[];
    transient boolean[];
    m         record;
    pri       float8[];
    cons      record;
    inc       record;
    s         int;
    g         int;
    err_state text;
    err_msg   text;
    err_det   text;
    err_hint  text;
    bad       record;
BEGIN
    SELECT * INTO mdl FROM @extschema@.anp_models am WHERE am.model = $1;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'ANP model "%" does not exist', $1
            USING ERRCODE = 'undefined_object',
                  HINT = 'Models are rows of anp_models; SELECT anp_load_example() creates ''rfm_weights''.';
    END IF;

    SELECT array_agg(c.cluster ORDER BY c.position, c.cluster) INTO cls
    FROM @extschema@.anp_clusters c WHERE c.model = $1;
    SELECT array_agg(x.node ORDER BY x.cord, x.position, x.node),
           array_agg(x.cluster ORDER BY x.cord, x.position, x.node)
      INTO nodes, ncl
    FROM (SELECT an.node, an.cluster, an.position, array_position(cls, an.cluster) AS cord
          FROM @extschema@.anp_nodes an WHERE an.model = $1) x;
    IF nodes IS NULL THEN
        RAISE EXCEPTION 'ANP model "%" has no nodes', $1 USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT array_agg(cnt ORDER BY ord) INTO sizes
    FROM (SELECT ord, (SELECT count(*) FROM unnest(ncl) z WHERE z = c)::int AS cnt
          FROM unnest(cls) WITH ORDINALITY u(c, ord)) y;
    IF 0 = ANY (sizes) THEN
        RAISE EXCEPTION 'cluster "%" of ANP model "%" has no nodes', cls[array_position(sizes, 0)], $1
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    n := cardinality(nodes);
    k := cardinality(cls);
    IF mdl.goal IS NOT NULL AND array_position(nodes, mdl.goal) IS NULL THEN
        RAISE EXCEPTION 'goal "%" of ANP model "%" is not one of its nodes', mdl.goal, $1
            USING ERRCODE = 'invalid_parameter_value';
    END IF;

    -- judgments that belong to no comparison would be silently ignored: refuse them
    SELECT j.wrt, j.row_node, j.col_node INTO bad
    FROM @extschema@.anp_node_judgments j
    WHERE j.model = $1 AND NOT EXISTS (
        SELECT 1 FROM @extschema@.anp_influences a, @extschema@.anp_influences b,
                      @extschema@.anp_nodes na, @extschema@.anp_nodes nb
        WHERE a.model = $1 AND b.model = $1 AND a.target = j.wrt AND b.target = j.wrt
          AND a.source = j.row_node AND b.source = j.col_node
          AND na.model = $1 AND na.node = a.source AND nb.model = $1 AND nb.node = b.source
          AND na.cluster = nb.cluster)
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'judgment (%, %) with respect to "%" compares nodes that are not both influences of it in one cluster',
            bad.row_node, bad.col_node, bad.wrt
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Add the influences to anp_influences or delete the judgment.';
    END IF;

    w := array_fill(0::float8, ARRAY[n, n]);
    cw := array_fill(0::float8, ARRAY[k, k]);

    FOR m IN SELECT * FROM @extschema@.anp_judgment_matrices($1) LOOP
        IF cardinality(m.items) = 1 THEN
            pri := ARRAY[1::float8];
        ELSIF m.given = 0 THEN
            -- nothing judged: equal priorities (as SuperDecisions does)
            pri := array_fill(1::float8 / cardinality(m.items), ARRAY[cardinality(m.items)]);
        ELSE
            BEGIN
                pri := @extschema@.ahp_priorities(m.judgments);
                cons := @extschema@.ahp_consistency(m.judgments);
            EXCEPTION WHEN others THEN
                GET STACKED DIAGNOSTICS err_state = RETURNED_SQLSTATE, err_msg = MESSAGE_TEXT,
                                        err_det = PG_EXCEPTION_DETAIL, err_hint = PG_EXCEPTION_HINT;
                RAISE EXCEPTION '%', err_msg
                    USING ERRCODE = err_state,
                          DETAIL = concat_ws(' ', nullif(err_det, ''),
                                   format('In ANP model "%s", the judgments with respect to %s "%s" comparing %s (rows and columns in this order).',
                                          $1, CASE m.kind WHEN 'nodes' THEN 'node' ELSE 'cluster' END,
                                          m.wrt, array_to_string(m.items, ', '))),
                          HINT = coalesce(nullif(err_hint, ''), '');
            END;
            IF cons.cr > 0.1 THEN
                inc := @extschema@.ahp_most_inconsistent(m.judgments);
                RAISE WARNING 'judgments of ANP model "%" with respect to "%" are inconsistent (CR = %)',
                    $1, m.wrt, round(cons.cr::numeric, 3)
                    USING DETAIL = format('Compared: %s.  Most inconsistent: %s vs %s = %s; %s would fit the priorities.',
                                          array_to_string(m.items, ', '), m.items[inc."row"], m.items[inc.col],
                                          round(inc.judgment::numeric, 4), round(inc.suggested::numeric, 4));
            END IF;
        END IF;
        IF m.kind = 'nodes' THEN
            g := array_position(nodes, m.wrt);
            FOR s IN 1 .. cardinality(m.items) LOOP
                w[array_position(nodes, m.items[s])][g] := pri[s];
            END LOOP;
        ELSE
            g := array_position(cls, m.wrt);
            FOR s IN 1 .. cardinality(m.items) LOOP
                cw[array_position(cls, m.items[s])][g] := pri[s];
            END LOOP;
        END IF;
    END LOOP;

    ws := @extschema@.anp_weighted_supermatrix(w, sizes, cw);
    lim := @extschema@.anp_limit_supermatrix(ws, tolerance, max_iterations);

    -- priorities: the goal's column of the limit, else the mean of the columns
    g := array_position(nodes, mdl.goal);
    p := array_fill(0::float8, ARRAY[n]);
    FOR s IN 1 .. n LOOP
        IF g IS NOT NULL THEN
            p[s] := lim[s][g];
        ELSE
            p[s] := (SELECT avg(x) FROM unnest(lim[s:s][1:n]) x);
        END IF;
    END LOOP;

    -- Transient nodes (no weight of their own in the limit: the goal and the
    -- criteria of a hierarchy) get the expected number of visits of a walk
    -- from the goal instead, i.e. their hierarchic-composition weight.
    transient := array_fill(false, ARRAY[n]);
    visits := array_fill(0::float8, ARRAY[n]);
    IF g IS NOT NULL THEN
        FOR s IN 1 .. n LOOP
            transient[s] := lim[s][s] <= 1e-12;
        END LOOP;
        v := array_fill(0::float8, ARRAY[n]);
        v[g] := 1;
        FOR it IN 1 .. 10000 LOOP
            EXIT WHEN (SELECT sum(x) FROM unnest(v) x) <= 1e-15;
            nv := array_fill(0::float8, ARRAY[n]);
            FOR s IN 1 .. n LOOP
                IF transient[s] THEN
                    visits[s] := visits[s] + v[s];
                    FOR t IN 1 .. n LOOP
                        IF transient[t] AND ws[t][s] <> 0 THEN
                            nv[t] := nv[t] + ws[t][s] * v[s];
                        END IF;
                    END LOOP;
                END IF;
            END LOOP;
            v := nv;
        END LOOP;
        FOR s IN 1 .. n LOOP
            IF transient[s] THEN
                p[s] := visits[s];
            END IF;
        END LOOP;
    END IF;

    csum := array_fill(0::float8, ARRAY[k]);
    FOR s IN 1 .. n LOOP
        csum[array_position(cls, ncl[s])] := csum[array_position(cls, ncl[s])] + p[s];
    END LOOP;
    FOR s IN 1 .. n LOOP
        node := nodes[s];
        cluster := ncl[s];
        global_weight := p[s];
        local_weight := CASE WHEN csum[array_position(cls, ncl[s])] > 0
                             THEN p[s] / csum[array_position(cls, ncl[s])] END;
        RETURN NEXT;
    END LOOP;
END;
$$;
COMMENT ON FUNCTION anp_solve(text, float8, int) IS
'Solve an ANP model kept in the anp_* tables: local priorities from every judgment matrix (warning for CR > 0.1), weighted and limit supermatrix; returns each node''s weight within its cluster and its global weight';

-- The source study's RFM network as a worked example (see README).  A
-- function rather than rows of the install script: rows inserted by CREATE
-- EXTENSION into configuration tables would be dumped by pg_dump and then
-- collide with the ones the restore's CREATE EXTENSION inserts again.
CREATE FUNCTION anp_load_example(replace boolean DEFAULT false)
RETURNS text
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM @extschema@.anp_models WHERE model = 'rfm_weights') THEN
        IF NOT replace THEN
            RETURN 'rfm_weights';
        END IF;
        DELETE FROM @extschema@.anp_models WHERE model = 'rfm_weights';
    END IF;
    INSERT INTO @extschema@.anp_models VALUES
        ('rfm_weights', 'goal', 'Customer value: criteria R, F, M (one AHP matrix) with inner dependence among the R and among the F sub-indicators');
    INSERT INTO @extschema@.anp_clusters VALUES
        ('rfm_weights', 'Goal', 1), ('rfm_weights', 'Criteria', 2),
        ('rfm_weights', 'R', 3), ('rfm_weights', 'F', 4), ('rfm_weights', 'M', 5);
    INSERT INTO @extschema@.anp_nodes VALUES
        ('rfm_weights', 'goal', 'Goal', 1),
        ('rfm_weights', 'R', 'Criteria', 1), ('rfm_weights', 'F', 'Criteria', 2), ('rfm_weights', 'M', 'Criteria', 3),
        ('rfm_weights', 'R1', 'R', 1), ('rfm_weights', 'R2', 'R', 2), ('rfm_weights', 'R3', 'R', 3), ('rfm_weights', 'R4', 'R', 4),
        ('rfm_weights', 'F1', 'F', 1), ('rfm_weights', 'F2', 'F', 2), ('rfm_weights', 'F3', 'F', 3),
        ('rfm_weights', 'M1', 'M', 1), ('rfm_weights', 'M2', 'M', 2);
    -- criteria with respect to the goal; sub-indicators with respect to their
    -- criterion; inner dependence: every R (F) sub-indicator influences the others
    INSERT INTO @extschema@.anp_influences
    SELECT 'rfm_weights', c, 'goal' FROM unnest(ARRAY['R','F','M']) c
    UNION ALL
    SELECT 'rfm_weights', s, left(s, 1) FROM unnest(ARRAY['R1','R2','R3','R4','F1','F2','F3','M1','M2']) s
    UNION ALL
    SELECT 'rfm_weights', a, b
    FROM unnest(ARRAY['R1','R2','R3','R4','F1','F2','F3']) a,
         unnest(ARRAY['R1','R2','R3','R4','F1','F2','F3']) b
    WHERE a <> b AND left(a, 1) = left(b, 1);
    INSERT INTO @extschema@.anp_node_judgments VALUES
        -- F is 7 times as important as R, 9 times as M; R twice M: (0.1312, 0.7928, 0.0760)
        ('rfm_weights', 'goal', 'F', 'R', 7), ('rfm_weights', 'goal', 'F', 'M', 9), ('rfm_weights', 'goal', 'R', 'M', 2),
        -- M's two sub-indicators are independent and equal
        ('rfm_weights', 'M', 'M1', 'M2', 1),
        -- inner dependence in R: the others compared by their influence on each
        ('rfm_weights', 'R1', 'R2', 'R3', 0.5), ('rfm_weights', 'R1', 'R2', 'R4', 1), ('rfm_weights', 'R1', 'R3', 'R4', 1),
        ('rfm_weights', 'R2', 'R1', 'R3', 0.5), ('rfm_weights', 'R2', 'R1', 'R4', 0.125), ('rfm_weights', 'R2', 'R3', 'R4', 0.25),
        ('rfm_weights', 'R3', 'R1', 'R2', 2), ('rfm_weights', 'R3', 'R1', 'R4', 8), ('rfm_weights', 'R3', 'R2', 'R4', 4),
        ('rfm_weights', 'R4', 'R1', 'R2', 4), ('rfm_weights', 'R4', 'R1', 'R3', 4), ('rfm_weights', 'R4', 'R2', 'R3', 0.5),
        -- inner dependence in F
        ('rfm_weights', 'F1', 'F2', 'F3', 3), ('rfm_weights', 'F2', 'F1', 'F3', 2), ('rfm_weights', 'F3', 'F1', 'F2', 1.0/3);
    RETURN 'rfm_weights';
END;
$$;
COMMENT ON FUNCTION anp_load_example(boolean) IS
'Insert the worked example ANP model ''rfm_weights'' (the source study''s R/F/M network) and return its name; replace => true restores it after edits';
-- ---------------------------------------------------------------------------
-- Normalization, grey relational analysis, k-means and case-based
-- classification (src/normalize.c, src/grey.c, src/kmeans.c, src/cbr.c).
--
-- Conventions: pure maths is IMMUTABLE PARALLEL SAFE.  Functions whose
-- weights default to NULL (= equal weights) are not STRICT; they return NULL
-- when any other argument is NULL.  Weights are normalized to sum to 1
-- (negative, non-finite or all-zero weights are refused).
-- ---------------------------------------------------------------------------

-- Per-position statistics ---------------------------------------------------

CREATE TYPE feature_summary AS (
    n      bigint,
    min    float8[],
    max    float8[],
    mean   float8[],
    stddev float8[]
);
COMMENT ON TYPE feature_summary IS
'Per-position statistics of float8[] vectors: count, min, max, mean and sample standard deviation (NULL when n < 2).';

CREATE FUNCTION feature_stats_accum(float8[], float8[]) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'feature_stats_accum'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION feature_stats_accum(float8[], float8[]) IS
'Transition function of feature_stats (Welford update of {count, min[d], max[d], mean[d], m2[d]}).';

CREATE FUNCTION feature_stats_combine(float8[], float8[]) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'feature_stats_combine'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION feature_stats_combine(float8[], float8[]) IS
'Combine function of feature_stats (Chan, Golub and LeVeque''s pairwise merge of mean and variance).';

CREATE FUNCTION feature_stats_final(float8[]) RETURNS feature_summary
    AS 'MODULE_PATHNAME', 'feature_stats_final'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION feature_stats_final(float8[]) IS
'Final function of feature_stats: the feature_summary of a state (NULL for no rows).';

CREATE AGGREGATE feature_stats(float8[]) (
    SFUNC = feature_stats_accum,
    STYPE = float8[],
    INITCOND = '{}',
    COMBINEFUNC = feature_stats_combine,
    FINALFUNC = feature_stats_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE feature_stats(float8[]) IS
'Per-position count, min, max, mean and sample stddev of float8[] vectors (NULL rows ignored); parallel safe.';

CREATE FUNCTION normalize_features(features float8[], stats feature_summary,
                                   cost boolean[] DEFAULT NULL,
                                   method text DEFAULT 'minmax')
    RETURNS float8[]
    AS 'MODULE_PATHNAME', 'normalize_features'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION normalize_features(float8[], feature_summary, boolean[], text) IS
'Normalize a vector with feature_stats: method ''minmax'' gives (x-min)/(max-min) for benefit and (max-x)/(max-min) for cost positions (0.5 for a constant position); ''zscore'' gives (x-mean)/stddev, negated for cost positions (0 when stddev is 0). cost NULL: every position is larger-is-better.';

-- Grey relational analysis --------------------------------------------------

CREATE FUNCTION grey_relational_coefficients(reference float8[], compared float8[],
                                             rho float8 DEFAULT 0.5)
    RETURNS float8[]
    AS 'MODULE_PATHNAME', 'grey_relational_coefficients'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION grey_relational_coefficients(float8[], float8[], float8) IS
'Deng''s grey relational coefficients (dmin + rho*dmax)/(delta_j + rho*dmax) of one pair, dmin/dmax over the pair; all 1 when the sequences are identical (dmax = 0).';

CREATE FUNCTION grey_relational_grade(reference float8[], compared float8[],
                                      weights float8[] DEFAULT NULL,
                                      rho float8 DEFAULT 0.5)
    RETURNS float8
    AS 'MODULE_PATHNAME', 'grey_relational_grade'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION grey_relational_grade(float8[], float8[], float8[], float8) IS
'Weighted grey relational grade of one pair (dmin/dmax over the pair); weights NULL = equal, otherwise normalized to sum to 1; 1 for identical sequences.';

CREATE FUNCTION grey_relational_grades(reference float8[], cases float8[],
                                       weights float8[] DEFAULT NULL,
                                       rho float8 DEFAULT 0.5)
    RETURNS float8[]
    AS 'MODULE_PATHNAME', 'grey_relational_grades'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION grey_relational_grades(float8[], float8[], float8[], float8) IS
'One grey relational grade per row of the two-dimensional cases array, with Deng''s global dmin/dmax over all cases and positions; weights NULL = equal, otherwise normalized.';

CREATE FUNCTION grey_multilayer_grades(reference float8[], cases float8[],
                                       group_sizes int[], inner_weights float8[],
                                       group_weights float8[],
                                       rho float8 DEFAULT 0.5,
                                       extremes text DEFAULT 'global')
    RETURNS float8[]
    AS 'MODULE_PATHNAME', 'grey_multilayer_grades'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION grey_multilayer_grades(float8[], float8[], int[], float8[], float8[], float8, text) IS
'Two-level grey relational grade per case: group grade = sum of inner_weight*coefficient over the group''s positions, similarity = sum of group_weight*group grade. extremes ''global'' (default) takes dmin/dmax over all cases and positions, ''group'' per group. NULL group_sizes = one group; NULL weights = equal; weights are normalized (inner weights within each group).';

-- k-means -------------------------------------------------------------------

CREATE FUNCTION kmeans_accum(float8[], float8[], int) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'kmeans_accum'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION kmeans_accum(float8[], float8[], int) IS
'Transition function of kmeans(features, k): collects the points.';

CREATE FUNCTION kmeans_accum(float8[], float8[], int, int) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'kmeans_accum_seed'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION kmeans_accum(float8[], float8[], int, int) IS
'Transition function of kmeans(features, k, seed): collects the points.';

CREATE FUNCTION kmeans_combine(float8[], float8[]) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'kmeans_combine'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION kmeans_combine(float8[], float8[]) IS
'Combine function of kmeans: concatenates the points of two partial states.';

CREATE FUNCTION kmeans_final(float8[]) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'kmeans_final'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION kmeans_final(float8[]) IS
'Final function of kmeans: sorts the points into canonical order and clusters them (k-means++, Lloyd with Hamerly bounds, 10 restarts, lowest inertia kept).';

CREATE AGGREGATE kmeans(features float8[], k int) (
    SFUNC = kmeans_accum,
    STYPE = float8[],
    INITCOND = '{}',
    COMBINEFUNC = kmeans_combine,
    FINALFUNC = kmeans_final,
    FINALFUNC_MODIFY = READ_WRITE,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE kmeans(float8[], int) IS
'k centroids (k x d float8[][]) of the vectors, seed 0: k-means++ seeding, Lloyd iterations to convergence, best of 10 restarts; the same input gives the same centroids whatever the row order or parallel plan.';

CREATE AGGREGATE kmeans(features float8[], k int, seed int) (
    SFUNC = kmeans_accum,
    STYPE = float8[],
    INITCOND = '{}',
    COMBINEFUNC = kmeans_combine,
    FINALFUNC = kmeans_final,
    FINALFUNC_MODIFY = READ_WRITE,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE kmeans(float8[], int, int) IS
'k centroids (k x d float8[][]) of the vectors with the given seed: k-means++ seeding, Lloyd iterations to convergence, best of 10 restarts; the same seed gives the same centroids whatever the row order or parallel plan.';

CREATE FUNCTION kmeans_assign(features float8[], centroids float8[]) RETURNS int
    AS 'MODULE_PATHNAME', 'kmeans_assign'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION kmeans_assign(float8[], float8[]) IS
'1-based number of the centroid (row of centroids) nearest to features in Euclidean distance; ties go to the lowest number.';

-- Case-based classification -------------------------------------------------

CREATE FUNCTION cbr_classify(features float8[], cases float8[], labels text[],
                             group_sizes int[], inner_weights float8[],
                             group_weights float8[], rho float8 DEFAULT 0.5,
                             extremes text DEFAULT 'global',
                             OUT label text, OUT similarity float8, OUT case_no int)
    RETURNS record
    AS 'MODULE_PATHNAME', 'cbr_classify'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION cbr_classify(float8[], float8[], text[], int[], float8[], float8[], float8, text) IS
'Nearest case by multi-layer grey relational grade (as grey_multilayer_grades): its label, the similarity and its 1-based case number; ties go to the lowest case number. The case base is parsed once per query and cached.';

-- ===================================================================
-- Lifecycle signals and actions
-- ===================================================================

CREATE FUNCTION spend_by_period_transfn(int8[], timestamptz, float8, timestamptz, interval, int) RETURNS int8[]
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
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

-- ===================================================================
-- Scored tables kept fresh: incremental RFM states, scores, segments,
-- manual overrides; refreshed by a job (pg_cron) in one transaction.
-- ===================================================================

CREATE FUNCTION rfm_state_recency(rfm_state, as_of timestamptz) RETURNS float8
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION rfm_state_recency(rfm_state, timestamptz) IS
    'Days from a state''s last purchase to as_of (rfm.recency_days without building the rfm row); NULL without a purchase';
CREATE FUNCTION rfm_state_frequency(rfm_state) RETURNS bigint
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION rfm_state_frequency(rfm_state) IS
    'Number of purchases in a state (rfm.frequency); NULL without a purchase';
CREATE FUNCTION rfm_state_monetary(rfm_state) RETURNS float8
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION rfm_state_monetary(rfm_state) IS
    'Sum of all amounts in a state, refunds included (rfm.monetary); NULL without a purchase';

CREATE FUNCTION rfm_features(r rfm, fields text[]) RETURNS float8[]
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION rfm_features(rfm, text[]) IS
    'Indicator vector of an rfm row, fields by name; for one-purchase customers mean_gap_days stands in as tenure_days and overdue_ratio as recency_days / max(tenure_days, 30)';

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
    built_at      timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE crm_case_bases IS
    'Case bases for case-based value classes: normalization statistics, normalized typical-customer vectors (one row of cases per case) and their labels; built by crm_case_base_build() or by hand';
SELECT pg_catalog.pg_extension_config_dump('crm_case_bases', '');

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

CREATE FUNCTION crm_case_base_build(
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
    EXECUTE format('UPDATE %I.crm_score_jobs SET case_base = $2 WHERE target = $1', ext) USING target, name;
    DROP TABLE pg_temp.crm_cb_points, pg_temp.crm_cb_typical;
END
$fn$;
COMMENT ON FUNCTION crm_case_base_build(regclass, text, int, text[], int, text[], boolean[], int[], float8[], float8[], float8) IS
    'Builds a case base from a refreshed scored table (normalize the indicators, k-means, the real customer nearest each centroid, cases ranked by multi-layer grey relational grade against the ideal customer, labels in that order) and makes the scored view classify every customer by it (value_class, similarity)';

-- ===================================================================
-- Aggregate support functions are not for direct calls: a hand-made state
-- passed to them could only produce garbage.  Aggregates keep working for
-- everyone, because PostgreSQL checks these functions' EXECUTE privilege
-- against the aggregate's owner, not the caller.
-- ===================================================================
REVOKE EXECUTE ON FUNCTION
    rfm_agg_transfn(rfm_state, timestamptz, float8, timestamptz),
    rfm_agg_transfn(rfm_state, timestamptz, numeric, timestamptz),
    rfm_state_transfn(rfm_state, timestamptz, float8),
    rfm_state_transfn(rfm_state, timestamptz, numeric),
    rfm_agg_finalfn(rfm_state),
    rfm_breaks_transfn(internal, float8),
    rfm_breaks_finalfn(internal, int, float8),
    spend_by_period_transfn(int8[], timestamptz, float8, timestamptz, interval, int),
    spend_by_period_combine(int8[], int8[]),
    spend_by_period_final(int8[]),
    feature_stats_accum(float8[], float8[]),
    feature_stats_combine(float8[], float8[]),
    feature_stats_final(float8[]),
    kmeans_accum(float8[], float8[], int),
    kmeans_accum(float8[], float8[], int, int),
    kmeans_combine(float8[], float8[]),
    kmeans_final(float8[])
FROM PUBLIC;

-- spend_by_period's calendar periods follow the session TimeZone
ALTER FUNCTION spend_by_period_transfn(int8[], timestamptz, float8, timestamptz, interval, int) STABLE;
