# Sourced by test/t/*.sh: TAP output helpers and a psql shortcut.
export PGOPTIONS="${PGOPTIONS:--c client_min_messages=warning}"
n=0; fails=0
# check NAME EXPECTED ACTUAL: one TAP assertion
check() {
    n=$((n + 1))
    if [ "$2" = "$3" ]; then
        echo "ok $n - $1"
    else
        echo "not ok $n - $1"; echo "#   expected: $2"; echo "#   got:      $3"; fails=$((fails + 1))
    fi
}
