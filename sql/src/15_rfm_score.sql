-- ===================================================================
-- Tie-aware quantile scores
-- ===================================================================

CREATE FUNCTION rfm_breaks_transfn(internal, float8) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION rfm_breaks_finalfn(internal, int, float8) RETURNS float8[]
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION rfm_breaks_transfn(internal, float8) IS 'rfm_breaks transition step (internal use)';
COMMENT ON FUNCTION rfm_breaks_finalfn(internal, int, float8) IS 'rfm_breaks final step (internal use)';

CREATE AGGREGATE rfm_breaks(n int ORDER BY float8) (
    SFUNC = rfm_breaks_transfn,
    STYPE = internal,
    FINALFUNC = rfm_breaks_finalfn,
    FINALFUNC_EXTRA,
    FINALFUNC_MODIFY = SHAREABLE,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE rfm_breaks(int ORDER BY float8) IS
    'n-1 ascending cut points for n quantile classes; cut points are data values chosen so equal values share a class and all n classes are filled when there are at least n distinct values';

CREATE FUNCTION rfm_score(value float8, breaks float8[], higher_is_better boolean DEFAULT true)
    RETURNS int
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION rfm_score(float8, float8[], boolean) IS
    'Class 1..n of a value given n-1 ascending breaks (class = 1 + number of breaks <= value); higher_is_better = false reverses it (use for recency)';

REVOKE EXECUTE ON FUNCTION rfm_breaks_transfn(internal, float8), rfm_breaks_finalfn(internal, int, float8) FROM PUBLIC;
