#!/bin/sh
# CI job (issue 17, macOS portability; owner wt-winport): the whole tree built in strict POSIX mode, i.e.
# -std=c11 -D_POSIX_C_SOURCE=200809L without _DEFAULT_SOURCE/_GNU_SOURCE and with
# -Werror=implicit-function-declaration (meson option -Dposix_strict=true), so a call glibc declares only for
# _DEFAULT_SOURCE/_GNU_SOURCE (accept4, pipe2, ...) fails to compile; then the deny-list of Linux-only calls
# outside the platform layer (tests/meta/check-portability.py; platforms.md §4.1 lists what the build alone cannot
# catch: SOCK_CLOEXEC, MSG_NOSIGNAL, clock_nanosleep stay visible). Only a build and the deny-list: the tests run in
# the normal and sanitizer builds. Own build directory: build-posix. Exits nonzero when anything failed.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
dir=build-posix
fail=0
start=$(date +%s)
if [ -f "$dir/meson-private/coredata.dat" ]; then
    setup="meson configure $dir"
else
    setup="meson setup $dir"
fi
echo "+ $setup -Dwerror=true -Dposix_strict=true -Dtests=true"
# shellcheck disable=SC2086 # setup is split on purpose
log=$(mktemp "${TMPDIR:-/tmp}/zkbio-posix-XXXXXX")
trap 'rm -f "$log"' EXIT
$setup -Dwerror=true -Dposix_strict=true -Dtests=true >"$log" 2>&1 || {
    cat "$log"
    echo "posix: meson setup failed"
    exit 1
}
echo "+ ninja -C $dir -k 0"
if ! nice ninja -C "$dir" -k 0 >"$log" 2>&1; then
    # every error of the build, once (-k 0 goes on past the first failing file)
    grep -E ': (fatal )?error:' "$log" | sed 's/\x1b\[[0-9;]*[mK]//g' | sort -u | head -n 80
    echo "posix: strict-POSIX build FAILED"
    fail=1
else
    echo "posix: strict-POSIX build passed ($(grep -c 'Compiling C object' "$log") objects)"
fi
echo "+ /usr/bin/python3 tests/meta/check-portability.py ."
if ! /usr/bin/python3 tests/meta/check-portability.py "$top"; then
    echo "posix: deny-list FAILED"
    fail=1
fi
echo "posix: done in $(($(date +%s) - start)) s"
exit "$fail"
