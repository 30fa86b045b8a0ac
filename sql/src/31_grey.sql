-- ---------------------------------------------------------------------------
-- Grey relational analysis (src/grey.c; core: src/core/grey.c)
-- ---------------------------------------------------------------------------

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
