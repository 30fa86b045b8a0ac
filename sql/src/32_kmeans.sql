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
