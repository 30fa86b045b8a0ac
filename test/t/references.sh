#!/bin/bash
# TAP: the committed numpy reference suites are exactly what their
# generators produce here, so the expected values are numpy's, not pasted
# output of crm_ext.  (numpy float formatting could differ between numpy
# versions; Debian 12's python3-numpy is the one pinned by .ci/deps.sh.)
set -uo pipefail
cd "$(dirname "$0")/../.."
source test/t/tap_lib.bash
echo "1..2"
for pair in "gen_ahp_reference.py:ahp_numpy_reference.sql" "gen_grey_reference.py:grey_reference.sql"; do
    gen=test/support/${pair%%:*}; out=test/pgtap/${pair#*:}
    check "$out is regenerated identically by $gen (numpy $(/usr/bin/python3 -c 'import numpy; print(numpy.__version__)'))" \
        "$(md5sum < "$out")" "$(/usr/bin/python3 "$gen" 2>&1 | md5sum)"
done
exit $fails
