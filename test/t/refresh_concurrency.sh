#!/bin/bash
# TAP: a refresh that runs while another session is still loading
# transactions must not lose them: they are picked up by the next refresh,
# and nothing is counted twice.
set -uo pipefail
export PGOPTIONS="-c client_min_messages=warning"
q() { psql -qXAt -v ON_ERROR_STOP=1 -d postgres "$@"; }
source "$(dirname "$0")/tap_lib.bash"
echo "1..3"
q >/dev/null <<'SQL'
CREATE EXTENSION IF NOT EXISTS crm_ext;
DROP SCHEMA IF EXISTS crm_conc CASCADE;
CREATE SCHEMA crm_conc;
CREATE TABLE crm_conc.txn (customer_id int, txn_time timestamptz, amount numeric);
INSERT INTO crm_conc.txn SELECT g % 10, now() - g * interval '1 hour', 10 FROM generate_series(1, 100) g;
SELECT crm_score_setup('crm_conc.scores', 'crm_conc.txn');
CALL crm_refresh_scores('crm_conc.scores');
SQL
# session A: an open transaction inserting a row stamped now(), committing later
( q -c "BEGIN" -c "INSERT INTO crm_conc.txn VALUES (9999, now(), 50)" -c "SELECT pg_sleep(3)" -c "COMMIT" >/dev/null ) &
sleep 1
q -c "CALL crm_refresh_scores('crm_conc.scores')"          # runs while A is open
wait
check "the refresh during the open load did not see the row" "0" \
      "$(q -c "SELECT count(*) FROM crm_conc.scores WHERE customer_id = 9999")"
q -c "CALL crm_refresh_scores('crm_conc.scores')"
check "the next refresh picks it up" "1|50" \
      "$(q -c "SELECT frequency || '|' || monetary FROM crm_conc.scores WHERE customer_id = 9999")"
check "and counts nothing twice (11 customers either way, none differs)" "11|0" \
      "$(q -c "SELECT count(*) FROM crm_conc.scores")|$(q -c "SELECT count(*) FROM ((SELECT customer_id, frequency, monetary FROM crm_conc.scores
                EXCEPT SELECT customer_id, (r).frequency, (r).monetary FROM
                (SELECT customer_id, rfm_agg(txn_time, amount, (SELECT as_of FROM crm_conc.scores LIMIT 1)) r FROM crm_conc.txn GROUP BY 1) s)
                UNION ALL (SELECT customer_id, (r).frequency, (r).monetary FROM
                (SELECT customer_id, rfm_agg(txn_time, amount, (SELECT as_of FROM crm_conc.scores LIMIT 1)) r FROM crm_conc.txn GROUP BY 1) s
                EXCEPT SELECT customer_id, frequency, monetary FROM crm_conc.scores)) d")"
q -c "SELECT crm_score_drop('crm_conc.scores')" -c "DROP SCHEMA crm_conc CASCADE" >/dev/null
exit $fails
