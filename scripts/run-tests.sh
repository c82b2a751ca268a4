#!/bin/sh
# Set up, then build and run every test twice: a normal build (build-test) and an ASan+UBSan build
# (build-asan), both with -Dwerror=true. Existing build directories are reused. Ends with one line
# "N passed, M failed" over both runs and exits nonzero if anything failed.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
"$top/scripts/setup-deps.sh"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/zkbio-tests-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0

# count LABEL FILE: the number on meson's summary line "LABEL: N", 0 when absent.
count() {
    n=$(sed -n "s/^$1: *\([0-9][0-9]*\) *$/\1/p" "$2" | tail -n 1)
    echo "${n:-0}"
}

# run NAME DIR TEST_ARGS -- SETUP_OPTIONS...
run() {
    name=$1
    dir=$2
    test_args=$3
    shift 4
    echo "==== $name: $dir"
    start=$(date +%s)
    if [ -f "$dir/meson-private/coredata.dat" ]; then
        setup_cmd="meson configure $dir"
    else
        setup_cmd="meson setup $dir"
    fi
    # shellcheck disable=SC2086 # setup_cmd is split on purpose (paths have no spaces)
    if ! $setup_cmd "$@" >"$tmp/setup.log" 2>&1; then
        cat "$tmp/setup.log" >&2
        echo "==== $name: meson setup failed" >&2
        failed=$((failed + 1))
        return 0
    fi
    # Build everything, not only what the tests use, so -Werror covers the whole tree.
    build_bad=0
    if ! ninja -C "$dir" >"$tmp/build.log" 2>&1; then
        cat "$tmp/build.log" >&2
        echo "==== $name: build failed (counted as one failure); running the tests that still build" >&2
        build_bad=1
    fi
    out="$tmp/$name.log"
    # shellcheck disable=SC2086 # test_args holds several words
    { meson test -C "$dir" --print-errorlogs $test_args 2>&1 || echo "$?" >"$tmp/$name.rc"; } |
        tee "$out"
    ok=$(count "Ok" "$out")
    bad=$(($(count "Fail" "$out") + $(count "Unexpected Pass" "$out") + $(count "Timeout" "$out")))
    if [ -f "$tmp/$name.rc" ] && [ "$bad" -eq 0 ]; then
        bad=1 # meson test failed before running tests (build error): count it
    fi
    if ! grep -q '^Ok:' "$out" && [ "$bad" -eq 0 ]; then
        bad=1 # no summary at all
    fi
    bad=$((bad + build_bad))
    skipped=$(count "Skipped" "$out")
    if [ -n "${ZKBIO_REQUIRE_ALL_TESTS:-}" ] && [ "$skipped" -gt 0 ]; then
        echo "==== $name: $skipped test(s) skipped; ZKBIO_REQUIRE_ALL_TESTS is set (CI), so each counts as a failure" >&2
        bad=$((bad + skipped))
    fi
    echo "==== $name: $ok passed, $bad failed in $(($(date +%s) - start)) s"
    passed=$((passed + ok))
    failed=$((failed + bad))
}

run normal build-test "" -- -Dwerror=true

ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export ASAN_OPTIONS UBSAN_OPTIONS
# The sanitizer build uses clang (a second compiler under -Werror) and also builds the libFuzzer targets, which
# then fuzz every parser for a few seconds each.
sanitizer_cc=gcc
command -v clang >/dev/null 2>&1 && sanitizer_cc=clang
CC=$sanitizer_cc run sanitizers build-asan "--timeout-multiplier 3" -- -Dwerror=true -Db_sanitize=address,undefined \
    -Db_lundef=false -Dbuildtype=debug -Dfuzz=true

# Further CI jobs (issue 17), one script each in scripts/ci/ (the Windows cross build under Wine, the strict-POSIX
# build, the Debian packages, ...): each builds in its own directory, prints what it ran and exits nonzero when
# anything failed. Each counts as one test here; its time is printed, so CI logs show what every job costs.
for job in "$top"/scripts/ci/*.sh; do
    [ -f "$job" ] || continue
    name=$(basename "$job" .sh)
    echo "==== job $name: $job"
    start=$(date +%s)
    if "$job" >"$tmp/job-$name.log" 2>&1; then
        tail -n 25 "$tmp/job-$name.log"
        echo "==== job $name: passed in $(($(date +%s) - start)) s"
        passed=$((passed + 1))
    else
        cat "$tmp/job-$name.log" >&2
        echo "==== job $name: FAILED in $(($(date +%s) - start)) s" >&2
        failed=$((failed + 1))
    fi
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
