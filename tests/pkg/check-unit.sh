#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The systemd unit (issue 17; data/systemd/zkbiod.service.in, configured by data/meson.build):
#   - `systemd-analyze verify` passes with no warning at all (an unknown or misspelt directive is only a
#     warning there, so any output fails), with ExecStart pointing at the build's zkbiod and the
#     Documentation=man:zkbiod(8) link resolved against the source man page (MANPATH);
#   - `systemd-analyze security --offline=yes --threshold=THRESHOLD` passes (the threshold and why: the unit's
#     header comment);
#   - self-tests: a misspelt directive, a missing binary and a unit without one hardening directive fail.
#   check-unit.sh UNIT ZKBIOD MAN8_PAGE THRESHOLD
set -u
unit=$1 zkbiod=$2 man8=$3 threshold=$4
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/../support/check.sh"
mkdir -p "$tmp/man/man8" "$tmp/u"
cp "$man8" "$tmp/man/man8/zkbiod.8"
MANPATH=$tmp/man
export MANPATH

# verify_clean FILE: systemd-analyze verify exits 0 and prints nothing.
verify_clean() {
    systemd-analyze verify "$1" >"$tmp/verify.out" 2>&1
    rc=$?
    cat "$tmp/verify.out" >&2
    [ "$rc" -eq 0 ] && [ ! -s "$tmp/verify.out" ]
}

sed "s|^ExecStart=[^ ]*|ExecStart=$zkbiod|" "$unit" >"$tmp/u/zkbiod.service"
run 0 "systemd-analyze verify zkbiod.service (no warnings)" verify_clean "$tmp/u/zkbiod.service"
run 0 "systemd-analyze security --offline=yes --threshold=$threshold" \
    systemd-analyze security --offline=yes --threshold="$threshold" "$tmp/u/zkbiod.service"
sed -n 's/.*Overall exposure level for zkbiod.service: *\([0-9.]*\).*/exposure \1/p' "$tmp/out"
# The threshold stated in the unit's header is the one tested here.
expect "$unit" "threshold=$threshold" "the unit's header states --threshold=$threshold"

# Self-tests.
mkdir "$tmp/bad"
sed 's/^ProtectSystem=/ProtectSytem=/' "$tmp/u/zkbiod.service" >"$tmp/bad/zkbiod.service"
run 1 "a misspelt directive is refused" verify_clean "$tmp/bad/zkbiod.service"
sed "s|^ExecStart=[^ ]*|ExecStart=$tmp/nonexistent/zkbiod|" "$unit" >"$tmp/bad/zkbiod.service"
run 1 "a missing ExecStart binary is refused" verify_clean "$tmp/bad/zkbiod.service"
grep -v '^ProtectClock=' "$tmp/u/zkbiod.service" >"$tmp/bad/zkbiod.service"
run 1 "a unit without ProtectClock= exceeds the threshold" \
    systemd-analyze security --offline=yes --threshold="$threshold" "$tmp/bad/zkbiod.service"
finish
