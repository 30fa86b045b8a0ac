-- ===================================================================
-- Segment maps
-- ===================================================================

CREATE FUNCTION rfm_segment(r int, f int, m int) RETURNS text
    AS 'MODULE_PATHNAME', 'rfm_segment_default' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION rfm_segment(int, int, int) IS
    'The 11-segment RFM map (Champions ... Lost) on scores 1..5, by R and FM = ceil((F+M)/2); see README';

CREATE TABLE rfm_segment_maps (
    map_name    text PRIMARY KEY,
    max_score   int NOT NULL DEFAULT 5 CHECK (max_score BETWEEN 2 AND 10),
    description text,
    owner       regrole NOT NULL DEFAULT pg_catalog.to_regrole(CURRENT_USER::text)
);
COMMENT ON TABLE rfm_segment_maps IS 'User-defined segment maps applied by rfm_segment(r, f, m, map_name)';

CREATE TABLE rfm_segment_rules (
    map_name text NOT NULL REFERENCES rfm_segment_maps ON UPDATE CASCADE ON DELETE CASCADE,
    segment  text NOT NULL,
    priority int NOT NULL,
    r_min    int NOT NULL DEFAULT 1,
    r_max    int,
    f_min    int NOT NULL DEFAULT 1,
    f_max    int,
    m_min    int NOT NULL DEFAULT 1,
    m_max    int,
    CHECK (r_min >= 1 AND (r_max IS NULL OR r_max >= r_min)),
    CHECK (f_min >= 1 AND (f_max IS NULL OR f_max >= f_min)),
    CHECK (m_min >= 1 AND (m_max IS NULL OR m_max >= m_min))
);
CREATE INDEX ON rfm_segment_rules (map_name);
COMMENT ON TABLE rfm_segment_rules IS
    'Rules of user segment maps: a score box (NULL max = up to the map''s max_score) and a priority; lower priority wins, equal priorities must not overlap, every score combination must be covered';

SELECT pg_catalog.pg_extension_config_dump('rfm_segment_maps', '');
SELECT pg_catalog.pg_extension_config_dump('rfm_segment_rules', '');
COMMENT ON COLUMN rfm_segment_maps.owner IS 'Role that made the map: only it (or its members, or a superuser) changes the map and its rules';
-- maps are configuration, readable by everyone who scores with them;
-- only their owner changes them
ALTER TABLE rfm_segment_maps ENABLE ROW LEVEL SECURITY;
CREATE POLICY rfm_segment_maps_read ON rfm_segment_maps FOR SELECT USING (true);
CREATE POLICY rfm_segment_maps_insert ON rfm_segment_maps FOR INSERT WITH CHECK (pg_catalog.pg_has_role(owner, 'MEMBER'));
CREATE POLICY rfm_segment_maps_update ON rfm_segment_maps FOR UPDATE
    USING (pg_catalog.pg_has_role(owner, 'MEMBER')) WITH CHECK (pg_catalog.pg_has_role(owner, 'MEMBER'));
CREATE POLICY rfm_segment_maps_delete ON rfm_segment_maps FOR DELETE USING (pg_catalog.pg_has_role(owner, 'MEMBER'));
ALTER TABLE rfm_segment_rules ENABLE ROW LEVEL SECURITY;
CREATE POLICY rfm_segment_rules_read ON rfm_segment_rules FOR SELECT USING (true);
CREATE POLICY rfm_segment_rules_write ON rfm_segment_rules
    USING (EXISTS (SELECT 1 FROM @extschema@.rfm_segment_maps m WHERE m.map_name OPERATOR(pg_catalog.=) rfm_segment_rules.map_name
                   AND pg_catalog.pg_has_role(m.owner, 'MEMBER')))
    WITH CHECK (EXISTS (SELECT 1 FROM @extschema@.rfm_segment_maps m WHERE m.map_name OPERATOR(pg_catalog.=) rfm_segment_rules.map_name
                        AND pg_catalog.pg_has_role(m.owner, 'MEMBER')));
GRANT SELECT, INSERT, UPDATE, DELETE ON rfm_segment_maps, rfm_segment_rules TO PUBLIC;

CREATE FUNCTION rfm_segment(r int, f int, m int, map_name text) RETURNS text
    AS 'MODULE_PATHNAME', 'rfm_segment_map' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION rfm_segment(int, int, int, text) IS
    'Segment of (r, f, m) under a user map from rfm_segment_maps/rfm_segment_rules; the map is validated (gaps, equal-priority overlaps) once per query';

CREATE FUNCTION rfm_segment_map_validate(map_name text) RETURNS int
    AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION rfm_segment_map_validate(text) IS
    'Checks a user segment map: errors on gaps and equal-priority overlaps, warns about rules that can never match; returns the number of segments';
