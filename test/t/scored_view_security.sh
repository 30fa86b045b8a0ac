#!/bin/bash
# TAP: scored views are safe to maintain as a superuser.
# 1. A role that can create objects in public (where crm_ext is installed,
#    the worst case) plants operators and functions that an unqualified
#    call would pick (exact-type matches beating pg_catalog's coercions, and
#    exact copies that win when public comes first on the search_path); a
#    superuser then sets up, refreshes, builds a case base, reads and drops
#    scored views, directly and through pg_cron: nothing planted runs and the
#    views depend on nothing of the attacker's.
# 2. Jobs have owners: another role cannot change or point a job at its
#    tables, and a refresh runs as the owner in a security-restricted
#    operation, so what the owner plants in its own tables runs without the
#    caller's rights.
# 3. Readers of a view see its rows and nothing more; plain roles can use
#    the built-in lifecycle rules and segment maps.
set -uo pipefail
export PGOPTIONS="-c client_min_messages=warning"
db=crm_sec
# the test's own queries compare OIDs, never regclass or regrole values, so
# that they do not run the planted operators themselves
q() { psql -qXAt -v ON_ERROR_STOP=1 -d $db "$@"; }
as() { local r=$1; shift; PGOPTIONS="$PGOPTIONS -c role=$r" psql -qXAt -v ON_ERROR_STOP=1 -d $db "$@"; }
source "$(dirname "$0")/tap_lib.bash"
cron=$( [ "$(psql -qXAt -d postgres -c "SHOW shared_preload_libraries")" = pg_cron ] && echo yes || echo no)
echo "1..25"
psql -qXAt -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
for r in crm_attacker crm_team_a crm_team_b crm_bi crm_plain; do
    psql -qXAt -d postgres -c "DROP ROLE IF EXISTS $r" >/dev/null 2>&1
    psql -qXAt -d postgres -c "CREATE ROLE $r LOGIN" >/dev/null
done
q >/dev/null <<'SQL'
CREATE EXTENSION crm_ext;
GRANT CREATE ON SCHEMA public TO crm_attacker, crm_team_a, crm_team_b;
CREATE TABLE public.txn (customer_id int, txn_time timestamptz, amount numeric);
INSERT INTO public.txn SELECT c, '2024-01-01'::timestamptz + (c * 7 + k * 13) % 300 * interval '1 day', (c * k) % 90 + 5
FROM generate_series(1, 300) c, generate_series(1, 1 + c % 9) k;
CREATE TABLE public.payroll (customer_id int, txn_time timestamptz, amount numeric);
INSERT INTO public.payroll VALUES (1, '2024-05-01', 123456.78);
REVOKE ALL ON public.payroll FROM PUBLIC;
SQL

# -- 1. the attacker plants its objects --------------------------------------
as crm_attacker >/dev/null <<'SQL'
CREATE TABLE public.pwned (who name, what text, at timestamptz DEFAULT clock_timestamp(), ctx text, query text);
GRANT INSERT ON public.pwned TO PUBLIC;
-- logs who ran it, and tries to take over when that is a superuser
CREATE FUNCTION public.crm_pwn(what text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE c text;
BEGIN
    GET DIAGNOSTICS c = PG_CONTEXT;
    INSERT INTO public.pwned (who, what, ctx, query) VALUES (current_user, what, c, current_query());
    IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        EXECUTE 'ALTER ROLE crm_attacker SUPERUSER';
    END IF;
END $$;
GRANT EXECUTE ON FUNCTION public.crm_pwn(text) TO PUBLIC;
-- exact-type matches that beat pg_catalog's coercions
CREATE FUNCTION public.pw_regclass_eq(regclass, regclass) RETURNS boolean LANGUAGE plpgsql AS
  $$ BEGIN PERFORM public.crm_pwn('=(regclass, regclass)'); RETURN $1::oid = $2::oid; END $$;
CREATE OPERATOR public.= (LEFTARG = regclass, RIGHTARG = regclass, FUNCTION = public.pw_regclass_eq);
CREATE FUNCTION public.pw_regrole_eq(regrole, regrole) RETURNS boolean LANGUAGE plpgsql AS
  $$ BEGIN PERFORM public.crm_pwn('=(regrole, regrole)'); RETURN $1::oid = $2::oid; END $$;
CREATE OPERATOR public.= (LEFTARG = regrole, RIGHTARG = regrole, FUNCTION = public.pw_regrole_eq);
CREATE OPERATOR public.<> (LEFTARG = regrole, RIGHTARG = regrole, FUNCTION = public.pw_regrole_eq);
CREATE FUNCTION public.pw_regtype_eq(regtype, regtype) RETURNS boolean LANGUAGE plpgsql AS
  $$ BEGIN PERFORM public.crm_pwn('=(regtype, regtype)'); RETURN $1::oid = $2::oid; END $$;
CREATE OPERATOR public.= (LEFTARG = regtype, RIGHTARG = regtype, FUNCTION = public.pw_regtype_eq);
CREATE FUNCTION public.array_position(text[], text) RETURNS int LANGUAGE plpgsql AS
  $$ BEGIN PERFORM public.crm_pwn('array_position(text[], text)'); RETURN pg_catalog.array_position($1, $2); END $$;
CREATE FUNCTION public.concat(int, int, int) RETURNS text LANGUAGE plpgsql AS
  $$ BEGIN PERFORM public.crm_pwn('concat(int, int, int)'); RETURN pg_catalog.concat($1, $2, $3); END $$;
-- exact copies of pg_catalog functions: they win if public precedes pg_catalog
CREATE FUNCTION public.now() RETURNS timestamptz LANGUAGE plpgsql AS
  $$ BEGIN PERFORM public.crm_pwn('now()'); RETURN pg_catalog.now(); END $$;
CREATE FUNCTION public.array_length(anyarray, int) RETURNS int LANGUAGE plpgsql AS
  $$ BEGIN PERFORM public.crm_pwn('array_length(anyarray, int)'); RETURN pg_catalog.array_length($1, $2); END $$;
CREATE FUNCTION public.left(text, int) RETURNS text LANGUAGE plpgsql AS
  $$ BEGIN PERFORM public.crm_pwn('left(text, int)'); RETURN pg_catalog.left($1, $2); END $$;
CREATE FUNCTION public.current_setting(text) RETURNS text LANGUAGE plpgsql AS
  $$ BEGIN PERFORM public.crm_pwn('current_setting(text)'); RETURN pg_catalog.current_setting($1); END $$;
CREATE FUNCTION public.quote_ident(text) RETURNS text LANGUAGE plpgsql AS
  $$ BEGIN PERFORM public.crm_pwn('quote_ident(text)'); RETURN pg_catalog.quote_ident($1); END $$;
CREATE FUNCTION public.to_regclass(text) RETURNS regclass LANGUAGE plpgsql AS
  $$ BEGIN PERFORM public.crm_pwn('to_regclass(text)'); RETURN pg_catalog.to_regclass($1); END $$;
CREATE FUNCTION public.pg_has_role(regrole, text) RETURNS boolean LANGUAGE plpgsql AS
  $$ BEGIN PERFORM public.crm_pwn('pg_has_role(regrole, text)'); RETURN true; END $$;
CREATE FUNCTION public.int4_eq_pw(int, int) RETURNS boolean LANGUAGE plpgsql AS
  $$ BEGIN PERFORM public.crm_pwn('=(int, int)'); RETURN $1 OPERATOR(pg_catalog.=) $2; END $$;
CREATE OPERATOR public.= (LEFTARG = int, RIGHTARG = int, FUNCTION = public.int4_eq_pw);
CREATE FUNCTION public.int4_mul_pw(int, int) RETURNS int LANGUAGE plpgsql AS
  $$ BEGIN PERFORM public.crm_pwn('*(int, int)'); RETURN $1 OPERATOR(pg_catalog.*) $2; END $$;
CREATE OPERATOR public.* (LEFTARG = int, RIGHTARG = int, FUNCTION = public.int4_mul_pw);
-- better matches than crm_ext's own functions, in crm_ext's own schema
CREATE FUNCTION public.rfm_score(bigint, float8[], boolean) RETURNS int LANGUAGE plpgsql AS
  $$ BEGIN PERFORM public.crm_pwn('rfm_score(bigint, ...)'); RETURN 1; END $$;
SQL
check "the attacker planted its operators and functions" "6" \
    "$(q -c "SELECT count(*) FROM pg_operator WHERE oprnamespace = 'public'::regnamespace AND oprowner = 'crm_attacker'::regrole::oid")"

# the superuser's session puts public first: the worst case for a caller
SP="-c search_path=public,pg_catalog"
su() { PGOPTIONS="$PGOPTIONS $SP" psql -qXAt -v ON_ERROR_STOP=1 -d $db "$@"; }
su >/dev/null <<'SQL'
SELECT crm_score_setup('su_scores', 'txn');
CALL crm_refresh_scores('su_scores', '2024-09-01');
INSERT INTO txn SELECT c, '2024-09-15', 10 FROM generate_series(1, 50) c;
-- (the test's own statements qualify their operators: this path would run the planted ones)
UPDATE txn SET amount = amount OPERATOR(pg_catalog.+) 1 WHERE customer_id OPERATOR(pg_catalog.=) 7;
DELETE FROM txn WHERE customer_id OPERATOR(pg_catalog.=) 8;
CALL crm_refresh_scores('su_scores', '2024-10-01');
SELECT count(*) FROM crm_case_base_build('su_scores', 'su_cb', k => 3);
CALL crm_refresh_scores('su_scores', '2024-10-02');
SQL
check "setup, refresh, case base build and refresh as a superuser succeed" "$?" "0"
check "they give every customer a score and a value class" "$(q -c "SELECT count(DISTINCT customer_id) FROM txn WHERE amount > 0 AND txn_time <= '2024-10-02'")" \
    "$(su -c "SELECT count(*) FROM su_scores WHERE segment IS NOT NULL AND value_class IS NOT NULL")"
check "the view's rows equal rfm_agg over the source" "0" \
    "$(su -c "SELECT count(*) FROM ((SELECT customer_id, frequency, monetary, recency_days FROM su_scores
               EXCEPT SELECT customer_id, (r).frequency, (r).monetary, (r).recency_days
               FROM (SELECT customer_id, rfm_agg(txn_time, amount, '2024-10-02') r FROM txn GROUP BY 1) s WHERE (r).frequency IS NOT NULL)
               UNION ALL (SELECT customer_id, (r).frequency, (r).monetary, (r).recency_days
               FROM (SELECT customer_id, rfm_agg(txn_time, amount, '2024-10-02') r FROM txn GROUP BY 1) s WHERE (r).frequency IS NOT NULL
               EXCEPT SELECT customer_id, frequency, monetary, recency_days FROM su_scores)) d")"
check "nothing the attacker planted ran (setup, refresh, build, read)" "" "$(q -c "SELECT string_agg(DISTINCT what, ', ') FROM pwned")"
q -c "SELECT what, query, ctx FROM pwned LIMIT 3" | sed 's/^/# /' 
check "the view depends on no object of the attacker's" "0" \
    "$(q -c "SELECT count(*) FROM pg_depend d JOIN pg_rewrite w ON w.oid = d.objid AND d.classid = 'pg_rewrite'::regclass::oid
             WHERE w.ev_class = 'su_scores'::regclass::oid AND d.refclassid IN ('pg_proc'::regclass::oid, 'pg_operator'::regclass::oid)
               AND d.refobjid IN (SELECT oid FROM pg_proc WHERE proowner = 'crm_attacker'::regrole::oid
                                  UNION SELECT oid FROM pg_operator WHERE oprowner = 'crm_attacker'::regrole::oid)")"
check "so DROP OPERATOR of the planted ones is not blocked by the view" "0" \
    "$(q -c "BEGIN; SET LOCAL ROLE crm_attacker; DROP OPERATOR public.= (regclass, regclass); DROP OPERATOR public.= (int, int); ROLLBACK;" >/dev/null 2>&1; echo $?)"
# a reader with the default path also runs nothing planted
su -c "SELECT count(*), sum(r_score), count(DISTINCT rfm_code) FROM su_scores" >/dev/null
psql -qXAt -d $db -c "SELECT count(*), sum(r_score), count(DISTINCT rfm_code) FROM su_scores" >/dev/null
check "reading the view with either search_path runs nothing planted" "" "$(q -c "SELECT string_agg(DISTINCT what, ', ') FROM pwned")"
if [ "$cron" = yes ]; then
    psql -qXAt -d postgres -c "CREATE EXTENSION IF NOT EXISTS pg_cron" >/dev/null
    job=$(psql -qXAt -d postgres -c "SELECT cron.schedule_in_database('crm_sec_refresh', '* * * * *', \$\$SET search_path = public, pg_catalog; CALL crm_refresh_scores('su_scores')\$\$, '$db')")
    for i in $(seq 1 90); do
        st=$(psql -qXAt -d postgres -c "SELECT status FROM cron.job_run_details WHERE jobid = $job AND status IN ('succeeded', 'failed') LIMIT 1")
        [ -n "$st" ] && break; sleep 1
    done
    psql -qXAt -d postgres -c "SELECT cron.unschedule($job)" >/dev/null
    check "a pg_cron refresh as the superuser succeeds" "succeeded" "$st"
    check "and runs nothing planted" "" "$(q -c "SELECT string_agg(DISTINCT what, ', ') FROM pwned")"
else
    echo "ok $((n += 1)) # SKIP pg_cron is not preloaded"; echo "ok $((n += 1)) # SKIP pg_cron is not preloaded"
fi
su -c "SELECT crm_score_drop('su_scores')" >/dev/null
check "crm_score_drop runs nothing planted and leaves nothing behind" "|0|0" \
    "$(q -c "SELECT string_agg(DISTINCT what, ', ') FROM pwned")|$(q -c "SELECT count(*) FROM pg_class WHERE relname LIKE 'su\_scores%'")|$(q -c "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'txn'::regclass::oid")"
check "the attacker is still not a superuser" "f" "$(q -c "SELECT rolsuper FROM pg_roles WHERE rolname = 'crm_attacker'")"

# -- 2. jobs have owners --------------------------------------------------------
q >/dev/null <<'SQL'
GRANT SELECT, TRIGGER ON txn TO crm_team_a;
CREATE TABLE public.txn_b (customer_id int, txn_time timestamptz, amount numeric);
ALTER TABLE public.txn_b OWNER TO crm_team_b;
SQL
as crm_team_a >/dev/null 2>&1 <<'SQL'
SELECT crm_score_setup('a_scores', 'txn');
CALL crm_refresh_scores('a_scores', '2024-10-02');
GRANT SELECT ON a_scores TO crm_bi;
SQL
check "a team sets up and refreshes its own scored view" "$?" "0"
check "the job belongs to that team" "crm_team_a" "$(q -c "SELECT owner FROM crm_score_jobs WHERE target::oid = 'a_scores'::regclass::oid")"
check "another role neither sees nor changes it" "0|UPDATE 0" \
    "$(as crm_team_b -c "SELECT count(*) FROM crm_score_jobs")|$(PGOPTIONS="-c role=crm_team_b" psql -X -d $db -c "UPDATE crm_score_jobs SET source = 'payroll'" 2>&1 | tr -d '\n')"
check "another role cannot refresh it" "42704" \
    "$(as crm_team_b -v VERBOSITY=verbose -c "CALL crm_refresh_scores('a_scores')" 2>&1 | sed -n 's/^ERROR: *\([0-9A-Z]\{5\}\):.*/\1/p')"
check "the owner cannot point its job at another team's tables" "42501" \
    "$(as crm_team_a -v VERBOSITY=verbose -c "UPDATE crm_score_jobs SET data_table = 'txn_b'" 2>&1 | sed -n 's/^ERROR: *\([0-9A-Z]\{5\}\):.*/\1/p')"
# the owner points its job at a table it cannot read: the superuser's
# refresh reads it as the owner and fails, the view shows nothing of it
as crm_team_a -c "UPDATE crm_score_jobs SET source = 'payroll' WHERE target::oid = 'a_scores'::regclass::oid" >/dev/null
check "a superuser's full rebuild of a job pointed at payroll is refused: it runs with the owner's rights" "42501" \
    "$(psql -qXAt -v VERBOSITY=verbose -d $db -c "CALL crm_refresh_scores('a_scores', full_rebuild => true)" 2>&1 | sed -n 's/^ERROR: *\([0-9A-Z]\{5\}\):.*/\1/p' | head -1)"
check "and the view exposes nothing of payroll" "0" "$(as crm_bi -c "SELECT count(*) FROM a_scores WHERE monetary = 123456.78")"
as crm_team_a -c "UPDATE crm_score_jobs SET source = 'txn' WHERE target::oid = 'a_scores'::regclass::oid" >/dev/null
# the owner plants a trigger on its own state table that tries to escalate
as crm_team_a >/dev/null <<'SQL'
CREATE TABLE public.a_log (who name, sec text);
CREATE FUNCTION public.a_evil() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO public.a_log VALUES (current_user, 'ran');
    BEGIN EXECUTE 'RESET ROLE'; INSERT INTO public.a_log VALUES (current_user, 'reset role worked');
    EXCEPTION WHEN OTHERS THEN INSERT INTO public.a_log VALUES (current_user, SQLSTATE); END;
    BEGIN EXECUTE 'ALTER ROLE crm_team_a SUPERUSER';
    EXCEPTION WHEN OTHERS THEN INSERT INTO public.a_log VALUES (current_user, SQLSTATE); END;
    BEGIN EXECUTE 'CREATE TEMP TABLE a_shadow (x int)';
    EXCEPTION WHEN OTHERS THEN INSERT INTO public.a_log VALUES (current_user, SQLSTATE); END;
    RETURN NULL;
END $$;
CREATE TRIGGER a_evil AFTER INSERT OR UPDATE ON a_scores_data FOR EACH STATEMENT EXECUTE FUNCTION public.a_evil();
SQL
q -c "INSERT INTO txn VALUES (1, '2024-10-02', 5)" -c "CALL crm_refresh_scores('a_scores', '2024-10-02')" >/dev/null
check "the owner's trigger ran during the superuser's refresh as the owner, in a restricted operation" \
    "crm_team_a:42501,ran" "$(q -c "SELECT min(who) || ':' || string_agg(DISTINCT sec, ',' ORDER BY sec) FROM a_log")"
check "and could not escalate" "f" "$(q -c "SELECT rolsuper FROM pg_roles WHERE rolname = 'crm_team_a'")"

# -- 3. readers and plain roles -------------------------------------------------
check "a BI role with SELECT on the view reads every row" "$(as crm_team_a -c "SELECT count(*) FROM a_scores")" \
    "$(as crm_bi -c "SELECT count(*) FROM a_scores WHERE segment IS NOT NULL")"
check "but not the state table behind it" "42501" \
    "$(as crm_bi -v VERBOSITY=verbose -c "SELECT count(*) FROM a_scores_data" 2>&1 | sed -n 's/^ERROR: *\([0-9A-Z]\{5\}\):.*/\1/p')"
check "a plain role uses the built-in lifecycle rules" "retain" \
    "$(as crm_plain -c "SELECT lifecycle_action(falling_periods => 4)")"
q -c "INSERT INTO rfm_segment_maps (map_name, max_score) VALUES ('su_map', 5)" \
  -c "INSERT INTO rfm_segment_rules (map_name, segment, priority) VALUES ('su_map', 'everyone', 1)" >/dev/null
check "and a user segment map, which it cannot change" "everyone|UPDATE 0|42501" \
    "$(as crm_plain -c "SELECT rfm_segment(1, 2, 3, 'su_map')")|$(PGOPTIONS="-c role=crm_plain" psql -X -d $db -c "UPDATE rfm_segment_rules SET segment = 'x'" 2>&1 | tr -d '\n')|$(as crm_plain -v VERBOSITY=verbose -c "INSERT INTO lifecycle_rules (rule_set, priority, action) VALUES ('default', 1, 'spam')" 2>&1 | sed -n 's/^ERROR: *\([0-9A-Z]\{5\}\):.*/\1/p')"

psql -qXAt -d postgres -c "DROP DATABASE $db" >/dev/null
for r in crm_attacker crm_team_a crm_team_b crm_bi crm_plain; do psql -qXAt -d postgres -c "DROP ROLE $r" >/dev/null 2>&1; done
exit $fails
