-- ---------------------------------------------------------------------------
-- AHP priorities and consistency (src/ahp.c; core: src/core/ahp.c)
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
