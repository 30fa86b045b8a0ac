-- ---------------------------------------------------------------------------
-- ANP supermatrices and models kept in tables (src/anp.c; core: src/core/anp.c)
-- ---------------------------------------------------------------------------

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
