#!/bin/bash
# TAP: a scored table refreshed by a real pg_cron job.  The server is started
# with pg_cron preloaded (.ci/with_server.sh); jobs run in background workers
# of the database postgres.  pg_cron 1.4 schedules by the minute, so this
# waits for the next minute boundary (at most ~70 s).
set -uo pipefail
export PGOPTIONS="-c client_min_messages=warning"
q() { psql -qXAt -v ON_ERROR_STOP=1 -d postgres "$@"; }
source "$(dirname "$0")/tap_lib.bash"
if [ "$(q -c "SHOW shared_preload_libraries")" != "pg_cron" ]; then
    echo "1..0 # SKIP pg_cron is not preloaded on this server"
    exit 0
fi
echo "1..6"
q >/dev/null <<'SQL'
CREATE EXTENSION IF NOT EXISTS pg_cron;
CREATE EXTENSION IF NOT EXISTS crm_ext;
DROP SCHEMA IF EXISTS crm_cron_test CASCADE;
CREATE SCHEMA crm_cron_test;
CREATE TABLE crm_cron_test.txn AS
  SELECT c AS customer_id, now() - (c % 50 + k) * interval '1 day' AS txn_time, (c * k % 90 + 10)::numeric AS amount
  FROM generate_series(1, 300) c, generate_series(1, 3 + c % 7) k;
SELECT crm_score_setup('crm_cron_test.scores', 'crm_cron_test.txn');
CALL crm_refresh_scores('crm_cron_test.scores');
SQL
freq_before=$(q -c "SELECT frequency FROM crm_cron_test.scores WHERE customer_id = 1")
job=$(q -c "SELECT cron.schedule('crm_cron_test_refresh', '* * * * *', \$\$CALL crm_refresh_scores('crm_cron_test.scores')\$\$)")
check "cron.schedule accepts the refresh command" "1" "$(q -c "SELECT count(*) FROM cron.job WHERE jobid = $job")"
# a job whose refresh fails: it must fail visibly and change nothing
bad=$(q -c "SELECT cron.schedule('crm_cron_test_bad', '* * * * *', \$\$CALL crm_refresh_scores('crm_cron_test.scores', now() - interval '10 years')\$\$)")
# new transactions arrive after the last refresh
q -c "INSERT INTO crm_cron_test.txn SELECT 1, now(), 42 FROM generate_series(1, 5)"
scores_before=$(q -c "SELECT md5(string_agg(t::text, ',' ORDER BY customer_id)) FROM crm_cron_test.scores t")
ok=""
for i in $(seq 1 90); do
    ok=$(q -c "SELECT count(*) FROM cron.job_run_details WHERE jobid IN ($job, $bad) AND status IN ('succeeded', 'failed')")
    [ "$ok" -ge 2 ] && break
    sleep 1
done
check "the scheduled refresh ran and succeeded" "succeeded" \
      "$(q -c "SELECT status FROM cron.job_run_details WHERE jobid = $job ORDER BY runid DESC LIMIT 1")"
check "the run picked up the new transactions" "$((freq_before + 5))" \
      "$(q -c "SELECT frequency FROM crm_cron_test.scores WHERE customer_id = 1")"
check "the failing job is reported as failed" "failed" \
      "$(q -c "SELECT status FROM cron.job_run_details WHERE jobid = $bad ORDER BY runid DESC LIMIT 1")"
check "its error message says why" "1" \
      "$(q -c "SELECT count(*) FROM cron.job_run_details WHERE jobid = $bad AND return_message LIKE '%is before the last refresh%'")"
check "the job's watermark reflects only the successful run" "1" \
      "$(q -c "SELECT count(*) FROM crm_score_jobs WHERE target = 'crm_cron_test.scores'::regclass AND loaded_through > now() - interval '5 minutes'")"
q -c "SELECT cron.unschedule($job), cron.unschedule($bad)" >/dev/null
q -c "DELETE FROM crm_score_jobs WHERE target::text LIKE 'crm_cron_test.%'" -c "DROP SCHEMA crm_cron_test CASCADE" >/dev/null
exit $fails
