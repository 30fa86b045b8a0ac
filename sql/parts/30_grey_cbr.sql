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
