#!/bin/bash
# TAP: the committed k-means reference suite (test/pgtap/kmeans_reference.sql)
# is exactly what its generator produces here, so its expected values are
# numpy's and scikit-learn's, not pasted output of crm_ext.  Skipped when
# scikit-learn is not installed (make bench installs it).
set -uo pipefail
cd "$(dirname "$0")/../.."
source test/t/tap_lib.bash
if ! /usr/bin/python3 -c "import sklearn" 2>/dev/null; then
    echo "1..0 # SKIP scikit-learn is not installed"
    exit 0
fi
echo "1..1"
gen=test/support/gen_kmeans_reference.py; out=test/pgtap/kmeans_reference.sql
check "$out is regenerated identically by $gen" "$(md5sum < "$out")" "$(/usr/bin/python3 "$gen" 2>&1 | md5sum)"
exit $fails
