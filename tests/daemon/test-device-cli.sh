#!/bin/sh
# `zkbiod device list|approve|reject` (issue 15, docs/admission.md) against a running zkbiod in the
# default admission mode (pending): a new terminal is listed as pending, its punch is held; approve
# stores it; reject of an approved one is refused; a rejected one's handshake gets 403.
# Usage: test-device-cli.sh ZKBIOD
set -u
zkbiod=$1
command -v curl >/dev/null 2>&1 || { echo "curl not installed: skipped"; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/zkbio-devcli-XXXXXX")
. "$(dirname "$0")/../support/check.sh"
. "$(dirname "$0")/../support/zkbiod-launch.sh"
ZKBIOD_PID=
cleanup() { [ -n "$ZKBIOD_PID" ] && kill "$ZKBIOD_PID" 2>/dev/null && wait "$ZKBIOD_PID" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
zkbiod_launch "$tmp" "$tmp/log" "$zkbiod" --service-listen off --listen 127.0.0.1:0 --data-dir "$tmp" \
    --log-level info || exit 1
url="http://127.0.0.1:$LISTEN_PORTS"
dev() { "$zkbiod" device "$@" --data-dir "$tmp" --log-level warn; }

run 0 "handshake of a new SN" curl -sf "$url/iclock/cdata?SN=CLIDEV1&options=all"
expect "$tmp/out" "^GET OPTION FROM: CLIDEV1" "the pending terminal's handshake is answered"
printf '7\t2025-03-01 08:00:00\t0\t1\t0\t0\t0\n' >"$tmp/punch"
run 0 "punch of the pending terminal" curl -sf --data-binary "@$tmp/punch" "$url/iclock/cdata?SN=CLIDEV1&table=ATTLOG&Stamp=1"
expect "$tmp/out" "^OK: 1" "held and acknowledged"
run 0 "a pending terminal gets nothing" curl -sf "$url/iclock/getrequest?SN=CLIDEV1"
expect "$tmp/out" "^OK$" "getrequest answers OK"
run 0 "handshake of a second SN" curl -sf "$url/iclock/cdata?SN=CLIDEV2&options=all"
run 0 "device list --pending" dev list --pending
expect "$tmp/out" "CLIDEV1 *pending" "CLIDEV1 listed as pending"
expect "$tmp/out" "CLIDEV2 *pending" "CLIDEV2 listed as pending"
run 0 "device approve CLIDEV1" dev approve CLIDEV1
expect "$tmp/err" "1 record(s) stored" "its held punch stored"
run 0 "device list" dev list
expect "$tmp/out" "CLIDEV1 *approved" "CLIDEV1 approved"
run 1 "reject of an approved terminal is refused" dev reject CLIDEV1
run 0 "device reject by id" dev reject 2
run 22 "the rejected terminal's handshake" curl -sf "$url/iclock/cdata?SN=CLIDEV2&options=all"
run 1 "an unknown device" dev approve NOSUCHDEV
run 2 "no device named" dev approve
run 2 "an unknown subcommand" "$zkbiod" device frobnicate
grep -q "admission auto" "$tmp/log" && no "the auto warning logged in pending mode" || ok
kill "$ZKBIOD_PID" && wait "$ZKBIOD_PID"
ZKBIOD_PID=
zkbiod_launch "$tmp" "$tmp/log2" "$zkbiod" --service-listen off --listen 127.0.0.1:0 --data-dir "$tmp" \
    --admission auto --log-level warn || exit 1
expect "$tmp/log2" "admission auto: any serial number" "auto logs its warning at start"
finish
