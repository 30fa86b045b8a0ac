-- ---------------------------------------------------------------------------
-- k-means (src/kmeans.c; core: src/core/kmeans.c)
-- ---------------------------------------------------------------------------

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

REVOKE EXECUTE ON FUNCTION kmeans_accum(float8[], float8[], int), kmeans_accum(float8[], float8[], int, int),
    kmeans_combine(float8[], float8[]), kmeans_final(float8[]) FROM PUBLIC;

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
