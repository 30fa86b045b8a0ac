-- ---------------------------------------------------------------------------
-- Case-based classification (src/cbr.c; core: src/core/grey.c)
-- ---------------------------------------------------------------------------

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
