#!/bin/bash
# TAP: install the previous release, build users' objects on it, upgrade with
# ALTER EXTENSION ... UPDATE, and check nothing was lost and the result
# matches a fresh install of the current version.
set -uo pipefail
export PGOPTIONS="-c client_min_messages=warning"
q() { psql -qXAt -v ON_ERROR_STOP=1 -d "$@"; }
source "$(dirname "$0")/tap_lib.bash"
current=$(sed -n "s/^default_version = '\(.*\)'/\1/p" "$(dirname "$0")/../../crm_ext.control")
echo "1..15"
q postgres -c "DROP DATABASE IF EXISTS crm_up" -c "DROP DATABASE IF EXISTS crm_fresh" \
           -c "CREATE DATABASE crm_up" -c "CREATE DATABASE crm_fresh"
q crm_up <<'SQL'
CREATE EXTENSION crm_ext VERSION '1.0';
CREATE TABLE txn AS SELECT (g % 10) AS customer, '2024-01-01'::timestamptz + g * interval '1 day' AS ts,
                           (g % 7) * 10.5 - 6 AS amount FROM generate_series(1, 200) g;
-- users' views depend on the functions; an upgrade must not drop them
CREATE VIEW scores AS
  SELECT customer, (rfm_agg(ts, amount, '2024-12-31')).*, rfm_segment(3, 3, 3) AS seg FROM txn GROUP BY customer;
CREATE TABLE stored AS SELECT customer, rfm_state_agg(ts, amount) AS st FROM txn GROUP BY customer;
INSERT INTO rfm_segment_maps VALUES ('m', 2);
INSERT INTO rfm_segment_rules (map_name, segment, priority) VALUES ('m', 'all', 1);
SQL
before=$(q crm_up -c "SELECT md5(string_agg(s::text, ',' ORDER BY customer)) FROM scores s")
q crm_up -c "ALTER EXTENSION crm_ext UPDATE" 2>&1
check "ALTER EXTENSION crm_ext UPDATE from 1.0 succeeds" "0" "$?"
check "upgraded to the current version $current" "$current" "$(q crm_up -c "SELECT extversion FROM pg_extension WHERE extname = 'crm_ext'")"
check "views built on 1.0 functions survive and give the same rows" "$before" \
      "$(q crm_up -c "SELECT md5(string_agg(s::text, ',' ORDER BY customer)) FROM scores s")"
check "stored 1.0 rfm_state values still read" "10" "$(q crm_up -c "SELECT count(rfm_final(st, '2025-01-01')) FROM stored")"
q crm_fresh -c "CREATE EXTENSION crm_ext"
# members with their comments, then the properties a fresh install and an
# upgrade could disagree on: function volatility, strictness, parallel
# safety, security, settings, privileges and body; table columns, defaults
# and privileges
objs="SELECT md5(string_agg(d, ',' ORDER BY d)) FROM (
        SELECT pg_describe_object(classid, objid, 0) || ':' || coalesce(obj_description(objid, classid::regclass::name), '') AS d
        FROM pg_depend WHERE refobjid = (SELECT oid FROM pg_extension WHERE extname = 'crm_ext') AND deptype = 'e') s"
funcs="SELECT string_agg(d, E'\n' ORDER BY d) FROM (
        SELECT p.oid::regprocedure::text || ' ' || p.provolatile::text || p.proisstrict::text || p.proparallel::text
               || p.prosecdef::text || coalesce(p.proconfig::text, '') || coalesce(p.proacl::text, '') || md5(p.prosrc)
               || pg_get_function_arguments(p.oid) || pg_get_function_result(p.oid) AS d
        FROM pg_proc p JOIN pg_depend e ON e.objid = p.oid AND e.classid = 'pg_proc'::regclass AND e.deptype = 'e'
        WHERE e.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'crm_ext')) s"
tables="SELECT string_agg(d, E'\n' ORDER BY d) FROM (
        SELECT c.oid::regclass::text || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || a.attnotnull::text
               || coalesce(pg_get_expr(ad.adbin, ad.adrelid), '') || coalesce(c.relacl::text, '') AS d
        FROM pg_class c JOIN pg_depend e ON e.objid = c.oid AND e.classid = 'pg_class'::regclass AND e.deptype = 'e'
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
        LEFT JOIN pg_attrdef ad ON ad.adrelid = c.oid AND ad.adnum = a.attnum
        WHERE e.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'crm_ext')) s"
policies="SELECT string_agg(p.tablename || '.' || p.policyname || ' ' || p.cmd || coalesce(p.qual, '') || coalesce(p.with_check, '')
                         || (SELECT c.relrowsecurity::text FROM pg_class c WHERE c.oid = (p.schemaname || '.' || p.tablename)::regclass),
                         E'\\n' ORDER BY p.tablename, p.policyname) FROM pg_policies p"
fresh_f=$(q crm_fresh -c "$funcs"); fresh_t=$(q crm_fresh -c "$tables"); fresh_p=$(q crm_fresh -c "$policies")
# two empty lists would compare equal: the fresh install must list its members
check "the comparison sees the fresh install's functions, table columns and policies" "yes yes yes" \
      "$([ "$(echo "$fresh_f" | wc -l)" -gt 60 ] && echo yes) $([ "$(echo "$fresh_t" | wc -l)" -gt 30 ] && echo yes) $([ "$(echo "$fresh_p" | wc -l)" -gt 10 ] && echo yes)"
check "upgraded database has the same objects and comments as a fresh install" \
      "$(q crm_fresh -c "$objs")" "$(q crm_up -c "$objs")"
check "upgraded functions have the fresh install's volatility, strictness, parallel safety, settings, privileges and bodies" \
      "$fresh_f" "$(q crm_up -c "$funcs")"
check "upgraded tables have the fresh install's columns, defaults and privileges" \
      "$fresh_t" "$(q crm_up -c "$tables")"
check "upgraded tables have the fresh install's row-level security policies" "$fresh_p" "$(q crm_up -c "$policies")"
check "user map rows kept" "all" "$(q crm_up -c "SELECT rfm_segment(1, 2, 1, 'm')")"
q postgres -c "DROP DATABASE crm_up" -c "DROP DATABASE crm_fresh"

# A scored view set up by 1.1 (time watermark, no owner) keeps working
# through the upgrade, and its first 1.2 refresh moves it to capture
# triggers without breaking the users' views built on it.
q postgres -c "DROP DATABASE IF EXISTS crm_up11" -c "CREATE DATABASE crm_up11"
q postgres -c "DROP ROLE IF EXISTS crm_up_bi" -c "CREATE ROLE crm_up_bi"
q crm_up11 >/dev/null <<'SQL'
CREATE EXTENSION crm_ext VERSION '1.1';
SET timezone = 'UTC';
CREATE TABLE txn (customer_id int, txn_time timestamptz, amount numeric);
INSERT INTO txn SELECT c, '2024-01-01'::timestamptz + (c * 11 + k * 5) % 300 * interval '1 day', (c * k) % 50 + 1
FROM generate_series(1, 80) c, generate_series(1, 1 + c % 5) k;
SELECT crm_score_setup('scores', 'txn');
CALL crm_refresh_scores('scores', '2024-12-01');
CREATE VIEW segment_report AS SELECT segment, count(*) AS customers FROM scores GROUP BY segment;
GRANT SELECT ON scores, segment_report TO crm_up_bi;
SQL
rep="SELECT string_agg(segment || '=' || customers, ',' ORDER BY segment) FROM segment_report"
before=$(q crm_up11 -c "$rep")
q crm_up11 -c "ALTER EXTENSION crm_ext UPDATE" >/dev/null 2>&1
check "a database with a 1.1 scored view upgrades" "1.2" "$(q crm_up11 -c "SELECT extversion FROM pg_extension WHERE extname = 'crm_ext'")"
check "the view and a user's view on it read the same rows right after the upgrade, also for a reader role" "$before|$before" \
    "$(q crm_up11 -c "$rep")|$(PGOPTIONS="$PGOPTIONS -c role=crm_up_bi" q crm_up11 -c "$rep")"
q crm_up11 -c "INSERT INTO txn VALUES (1, '2024-12-05', 1000)" -c "CALL crm_refresh_scores('scores', '2024-12-10')" >/dev/null 2>&1
check "its first 1.2 refresh adds the pending table and capture triggers" "1|7" \
    "$(q crm_up11 -c "SELECT count(*) FROM crm_score_jobs WHERE pending_table IS NOT NULL")|$(q crm_up11 -c "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'txn'::regclass::oid")"
q crm_up11 -c "INSERT INTO txn VALUES (2, '2024-12-11', 500)" -c "UPDATE txn SET amount = amount + 1 WHERE customer_id = 3" \
             -c "CALL crm_refresh_scores('scores', '2024-12-12')" >/dev/null
check "after which it equals rfm_agg over the source, new rows and updates included" "80|0" \
    "$(q crm_up11 -c "SELECT count(*) FROM scores")|$(q crm_up11 -c "SELECT count(*) FROM ((SELECT customer_id, frequency, monetary, recency_days FROM scores
        EXCEPT SELECT customer_id, (r).frequency, (r).monetary, (r).recency_days FROM (SELECT customer_id, rfm_agg(txn_time, amount, '2024-12-12') r FROM txn GROUP BY 1) s)
        UNION ALL (SELECT customer_id, (r).frequency, (r).monetary, (r).recency_days FROM (SELECT customer_id, rfm_agg(txn_time, amount, '2024-12-12') r FROM txn GROUP BY 1) s
        EXCEPT SELECT customer_id, frequency, monetary, recency_days FROM scores)) d")"
check "the user's view on it survived" "80" "$(q crm_up11 -c "SELECT sum(customers) FROM segment_report")"
q postgres -c "DROP DATABASE crm_up11" -c "DROP ROLE crm_up_bi" >/dev/null
exit $fails
