#!/bin/bash
# TAP: every committed source row is counted exactly once in a scored view,
# whatever the interleaving of writers and refreshes.  Several writer
# sessions (a plain role, random TimeZone, random transaction lengths, 1 in
# 8 rolled back) insert, update, move and delete rows, and a pg_cron job
# (a background worker) writes too, while the owner, a role without
# pg_read_all_stats, refreshes three views in a loop under random TimeZone
# settings (sometimes a full rebuild): over a timestamptz, a timestamp and
# a date column.  At the end every view equals rfm_agg over its source, for
# every customer.  CRM_STRESS_SECONDS (default 20) sets how long it runs.
set -uo pipefail
export PGOPTIONS="-c client_min_messages=warning"
db=crm_once
secs=${CRM_STRESS_SECONDS:-20}
writers=${CRM_STRESS_WRITERS:-3}
q() { psql -qXAt -v ON_ERROR_STOP=1 -d $db "$@"; }
source "$(dirname "$0")/tap_lib.bash"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cron=$( [ "$(psql -qXAt -d postgres -c "SHOW shared_preload_libraries")" = pg_cron ] && echo yes || echo no)
echo "1..10"
psql -qXAt -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
for r in crm_once_owner crm_once_writer; do
    psql -qXAt -d postgres -c "DROP ROLE IF EXISTS $r" -c "CREATE ROLE $r LOGIN" >/dev/null 2>&1
done
q >/dev/null <<'SQL'
CREATE EXTENSION crm_ext;
CREATE SCHEMA once AUTHORIZATION crm_once_owner;
SET ROLE crm_once_owner;
CREATE TABLE once.txn_tz (customer_id int, txn_time timestamptz, amount numeric);
CREATE TABLE once.txn_ts (customer_id bigint, txn_time timestamp, amount float8);
CREATE TABLE once.txn_d (customer_id text, txn_time date, amount int);
CREATE INDEX ON once.txn_tz (customer_id); CREATE INDEX ON once.txn_ts (customer_id); CREATE INDEX ON once.txn_d (customer_id);
INSERT INTO once.txn_tz SELECT c, now() - (c * 7 + k * 13) % 400 * interval '1 day', (c * k) % 90 + 0.25 FROM generate_series(1, 400) c, generate_series(1, 1 + c % 5) k;
INSERT INTO once.txn_ts SELECT c, localtimestamp - (c * 5 + k * 11) % 400 * interval '1 day', (c * k) % 70 + 0.5 FROM generate_series(1, 400) c, generate_series(1, 1 + c % 4) k;
INSERT INTO once.txn_d SELECT 'c' || c, current_date - (c * 3 + k * 17) % 400, (c * k) % 50 + 1 FROM generate_series(1, 400) c, generate_series(1, 1 + c % 3) k;
GRANT USAGE ON SCHEMA once TO crm_once_writer;
GRANT SELECT, INSERT, UPDATE, DELETE ON once.txn_tz, once.txn_ts, once.txn_d TO crm_once_writer;
SELECT crm_score_setup('once.v_tz', 'once.txn_tz');
SELECT crm_score_setup('once.v_ts', 'once.txn_ts', time_zone => 'America/New_York');
SELECT crm_score_setup('once.v_d', 'once.txn_d', time_zone => 'Asia/Kolkata');
CALL crm_refresh_scores('once.v_tz'); CALL crm_refresh_scores('once.v_ts'); CALL crm_refresh_scores('once.v_d');
SQL
check "three scored views over timestamptz, timestamp and date columns set up by a plain role" "3" \
    "$(q -c "SELECT count(*) FROM crm_score_jobs WHERE last_refresh IS NOT NULL")"

zones=(UTC Asia/Tokyo America/New_York Pacific/Chatham Europe/Berlin America/St_Johns)
# one writer transaction: prints "start end status" (epoch seconds)
writer_txn() {
    local w=$1 z=${zones[$((RANDOM % ${#zones[@]}))]} ops="" i c
    for i in $(seq 1 $((1 + RANDOM % 4))); do
        c=$((1 + RANDOM % 450))
        case $((RANDOM % 10)) in
            0|1|2|3) ops+="INSERT INTO once.txn_tz SELECT $c + g, now() - ($((RANDOM % 30)) - 1) * interval '1 hour' * g, ($((RANDOM % 9000)) + g) / 100.0 FROM generate_series(0, $((RANDOM % 4))) g;
                      INSERT INTO once.txn_ts VALUES ($c, localtimestamp - interval '$((RANDOM % 48)) hours' + interval '$((RANDOM % 3)) hours', $((RANDOM % 500)) / 4.0);
                      INSERT INTO once.txn_d VALUES ('c$c', current_date - $((RANDOM % 3)) + $((RANDOM % 2)), $((RANDOM % 100)));" ;;
            4|5) ops+="UPDATE once.txn_tz SET amount = amount + 1 WHERE customer_id = $c;
                       UPDATE once.txn_ts SET txn_time = txn_time - interval '1 day' WHERE customer_id = $c AND random() < 0.5;
                       UPDATE once.txn_d SET amount = amount * 2 WHERE customer_id = 'c$c';" ;;
            6) ops+="UPDATE once.txn_tz SET customer_id = customer_id + 1 WHERE customer_id = $c AND random() < 0.5;
                     UPDATE once.txn_d SET customer_id = 'c$((c + 1))' WHERE customer_id = 'c$c' AND random() < 0.5;" ;;
            7|8) ops+="DELETE FROM once.txn_tz WHERE customer_id = $c AND random() < 0.4;
                       DELETE FROM once.txn_ts WHERE customer_id = $c AND random() < 0.4;
                       DELETE FROM once.txn_d WHERE customer_id = 'c$c' AND random() < 0.4;" ;;
            9) ops+="SELECT pg_sleep($((RANDOM % 40)) / 100.0);" ;;
        esac
    done
    local end=COMMIT; [ $((RANDOM % 8)) = 0 ] && end=ROLLBACK
    PGOPTIONS="$PGOPTIONS -c TimeZone=$z -c role=crm_once_writer" psql -qXAt -F " " -d $db 2>>"$tmp/w$w.err" <<SQL | tr '\n' ' '
BEGIN;
SELECT extract(epoch FROM clock_timestamp());
$ops
SELECT pg_sleep($((RANDOM % 30)) / 100.0);
$end;
SELECT extract(epoch FROM clock_timestamp()), '$end';
SQL
    echo
}
deadline=$(( $(date +%s) + secs ))
for w in $(seq 1 $writers); do
    ( while [ "$(date +%s)" -lt $deadline ] || [ -f "$tmp/wait_cron" ]; do writer_txn $w; done > "$tmp/w$w.log" ) &
done
if [ "$cron" = yes ]; then
    touch "$tmp/wait_cron"
    psql -qXAt -d postgres -c "CREATE EXTENSION IF NOT EXISTS pg_cron" >/dev/null
    job=$(psql -qXAt -d postgres -c "SELECT cron.schedule_in_database('crm_once_writes', '* * * * *', \$\$
        INSERT INTO once.txn_tz SELECT 1000 + g % 7, now() - g * interval '1 minute', g FROM generate_series(1, 20) g;
        INSERT INTO once.txn_ts SELECT 1000 + g % 7, localtimestamp - g * interval '1 minute', g FROM generate_series(1, 20) g;
        INSERT INTO once.txn_d SELECT 'c' || (1000 + g % 7), current_date, g FROM generate_series(1, 20) g;
        UPDATE once.txn_tz SET amount = amount + 0.5 WHERE customer_id = 1001;
        DELETE FROM once.txn_ts WHERE customer_id = 1002 AND amount < 5\$\$, '$db', 'crm_once_writer')")
fi
# the refresher: the owner, under random TimeZone settings, sometimes rebuilding
( while [ "$(date +%s)" -lt $deadline ] || [ -f "$tmp/wait_cron" ]; do
      z=${zones[$((RANDOM % ${#zones[@]}))]}
      full=false; [ $((RANDOM % 10)) = 0 ] && full=true
      PGOPTIONS="$PGOPTIONS -c TimeZone=$z -c role=crm_once_owner" psql -qXAt -F " " -v ON_ERROR_STOP=1 -d $db <<SQL 2>>"$tmp/r.err" | tr '\n' ' '
SELECT extract(epoch FROM clock_timestamp());
CALL crm_refresh_scores('once.v_tz', full_rebuild => $full);
CALL crm_refresh_scores('once.v_ts', full_rebuild => $full);
CALL crm_refresh_scores('once.v_d', full_rebuild => $full);
SELECT extract(epoch FROM clock_timestamp()), '$full';
SQL
      echo
  done > "$tmp/r.log" ) &
refresher=$!
if [ "$cron" = yes ]; then
    for i in $(seq 1 $((secs + 75))); do
        runs=$(psql -qXAt -d postgres -c "SELECT count(*) FROM cron.job_run_details WHERE jobid = $job AND status = 'succeeded'")
        [ "$runs" -ge 1 ] && [ "$(date +%s)" -ge $deadline ] && break
        sleep 1
    done
    rm -f "$tmp/wait_cron"
    psql -qXAt -d postgres -c "SELECT cron.unschedule($job)" >/dev/null
fi
wait
check "no writer failed" "" "$(cat "$tmp"/w*.err | grep -v '^$' | head -3)"
check "no refresh failed" "" "$(grep -v '^$' "$tmp/r.err" | head -3)"
if [ "$cron" = yes ]; then
    check "the pg_cron job wrote in a background worker during the run" "yes" "$([ "$runs" -ge 1 ] && echo yes)"
else
    echo "ok $((n += 1)) # SKIP pg_cron is not preloaded"
fi
# how many interleavings were tried: refreshes that overlapped writer transactions
awk 'FNR == 1 { f++ } f == 1 && NF >= 3 { rs[++nr] = $1; re[nr] = $2; if ($3 == "true") full++ }
     f > 1 && NF >= 3 { ts[++nt] = $1; te[nt] = $2; if ($3 == "COMMIT") com++ }
     END { for (i = 1; i <= nr; i++) for (j = 1; j <= nt; j++) if (ts[j] < re[i] && te[j] > rs[i]) ov++;
           printf "# %d refreshes of 3 views (%d full rebuilds), %d writer transactions (%d committed), %d overlapping (refresh, transaction) pairs\n", nr, full, nt, com, ov }' \
    "$tmp/r.log" "$tmp"/w*.log
check "the run tried refreshes overlapping open writer transactions" "yes" \
    "$(awk 'FNR == 1 { f++ } f == 1 && NF >= 3 { rs[++nr] = $1; re[nr] = $2 } f > 1 && NF >= 3 { ts[++nt] = $1; te[nt] = $2 }
           END { for (i = 1; i <= nr; i++) for (j = 1; j <= nt; j++) if (ts[j] < re[i] && te[j] > rs[i]) ov++; print (ov >= 5 ? "yes" : "no") }' "$tmp/r.log" "$tmp"/w*.log)"

# the final refresh, then every view against rfm_agg over its source
PGOPTIONS="$PGOPTIONS -c TimeZone=Pacific/Chatham -c role=crm_once_owner" psql -qXAt -v ON_ERROR_STOP=1 -d $db \
    -c "CALL crm_refresh_scores('once.v_tz')" -c "CALL crm_refresh_scores('once.v_ts')" -c "CALL crm_refresh_scores('once.v_d')"
cols="customer_id::text, recency_days, frequency, monetary, first_txn, last_txn, tenure_days, mean_gap_days, avg_amount, purchases_per_30d, overdue_ratio"
rcols="customer_id::text, (r).recency_days, (r).frequency, (r).monetary, (r).first_txn, (r).last_txn, (r).tenure_days, (r).mean_gap_days, (r).avg_amount, (r).purchases_per_30d, (r).overdue_ratio"
same() {  # same VIEW TIME_EXPR SOURCE: row counts and symmetric difference
    local ref="SELECT $rcols FROM (SELECT customer_id, rfm_agg($2, amount, (SELECT as_of FROM $1 LIMIT 1)) r FROM $3 GROUP BY 1) s WHERE (r).frequency IS NOT NULL"
    q -c "SELECT (SELECT count(*) FROM $1) || '/' || (SELECT count(*) FROM ($ref) x) || ' customers, '
                 || (SELECT count(*) FROM ((SELECT $cols FROM $1 EXCEPT $ref) UNION ALL ($ref EXCEPT SELECT $cols FROM $1)) d) || ' differ'"
}
n_tz=$(q -c "SELECT count(DISTINCT customer_id) FROM once.txn_tz WHERE amount > 0 AND txn_time <= (SELECT as_of FROM once.v_tz LIMIT 1)")
check "timestamptz view equals rfm_agg over the source for every customer" "$n_tz/$n_tz customers, 0 differ" \
    "$(same once.v_tz txn_time once.txn_tz)"
n_ts=$(q -c "SELECT count(DISTINCT customer_id) FROM once.txn_ts WHERE amount > 0 AND txn_time AT TIME ZONE 'America/New_York' <= (SELECT as_of FROM once.v_ts LIMIT 1)")
check "timestamp view (read in America/New_York whatever the session's zone) equals it too" "$n_ts/$n_ts customers, 0 differ" \
    "$(same once.v_ts "txn_time AT TIME ZONE 'America/New_York'" once.txn_ts)"
n_d=$(q -c "SELECT count(DISTINCT customer_id) FROM once.txn_d WHERE amount > 0 AND txn_time::timestamp AT TIME ZONE 'Asia/Kolkata' <= (SELECT as_of FROM once.v_d LIMIT 1)")
check "date view (read in Asia/Kolkata) equals it too, rows dated today included" "$n_d/$n_d customers, 0 differ" \
    "$(same once.v_d "txn_time::timestamp AT TIME ZONE 'Asia/Kolkata'" once.txn_d)"
check "the views are not empty" "yes" "$([ "$n_tz" -gt 300 ] && [ "$n_ts" -gt 300 ] && [ "$n_d" -gt 300 ] && echo yes)"
check "what waits in the pending tables is only rows dated after the last as_of" "0" \
    "$(q -c "SELECT (SELECT count(*) FROM once.v_tz_pending WHERE recompute OR txn_time <= (SELECT as_of FROM once.v_tz_meta))
                  + (SELECT count(*) FROM once.v_ts_pending WHERE recompute OR txn_time <= (SELECT as_of FROM once.v_ts_meta))
                  + (SELECT count(*) FROM once.v_d_pending WHERE recompute OR txn_time <= (SELECT as_of FROM once.v_d_meta))")"
psql -qXAt -d postgres -c "DROP DATABASE $db" >/dev/null
for r in crm_once_owner crm_once_writer; do psql -qXAt -d postgres -c "DROP ROLE $r" >/dev/null 2>&1; done
exit $fails
