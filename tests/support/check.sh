# SPDX-License-Identifier: Apache-2.0
# The shell tests' counted checks, sourced after the test has made its temporary directory $tmp:
#   . "$(dirname "$0")/../support/check.sh"
#   run WANT_STATUS DESCRIPTION CMD...   run CMD (stdout in $tmp/out, stderr in $tmp/err); a pass when its
#                                        exit status is WANT_STATUS, else a failure showing both outputs
#   expect FILE PATTERN DESCRIPTION      FILE has a line matching the basic regular expression PATTERN
#   ok / no DESCRIPTION                  count a pass / a failure (with its description)
#   finish                               print "N passed, M failed" and exit 0 only when nothing failed
# (the C tests' counterpart is test.h).
pass=0
fail=0

ok() {
    pass=$((pass + 1))
}

no() {
    fail=$((fail + 1))
    echo "FAIL: $*"
}

run() {
    want=$1
    desc=$2
    shift 2
    "$@" >"$tmp/out" 2>"$tmp/err"
    got=$?
    if [ "$got" -eq "$want" ]; then
        ok
        return 0
    fi
    no "$desc: exit $got, want $want"
    echo "  command: $*"
    sed 's/^/  stdout: /' "$tmp/out"
    sed 's/^/  stderr: /' "$tmp/err"
    return 1
}

expect() {
    if grep -q -- "$2" "$1"; then
        ok
    else
        no "$3: no line matching '$2' in:"
        sed 's/^/  /' "$1"
    fi
}

finish() {
    echo "$pass passed, $fail failed"
    [ "$fail" -eq 0 ]
    exit $?
}
