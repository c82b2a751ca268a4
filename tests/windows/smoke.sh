#!/bin/sh
# zkbiod smoke test, written for zkbiod.exe under Wine (scripts/ci/windows.sh) and runnable against any zkbiod:
#   tests/windows/smoke.sh ZKBIOD [WRAPPER...]     e.g. smoke.sh build-win/daemon/zkbiod.exe wine
# Starts zkbiod on loopback port 0 with SQLite in a temporary directory, a terminal listener over HTTP and the
# fingerprint service over HTTPS (a throwaway certificate from openssl), then checks: the PUSH handshake
# (GET /iclock/cdata?SN=..), an ATTLOG upload stored (OK: 1) and read back through /api/v1/attendance with the
# admin token, and the fingerprint service's /health over HTTPS. Needs curl and openssl (missing: a failure).
# Exit status: 0 when every check passed.
set -u
[ $# -ge 1 ] || { echo "usage: $0 ZKBIOD [WRAPPER...]" >&2; exit 2; }
zkbiod=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
for t in curl openssl; do
    command -v $t >/dev/null 2>&1 || { echo "smoke: $t is not installed" >&2; exit 1; }
done
. "$here/../support/zkbiod-launch.sh"

dir=$(mktemp -d "${TMPDIR:-/tmp}/zkbio-smoke-XXXXXX")
ZKBIOD_PID=
cleanup() {
    [ -n "$ZKBIOD_PID" ] && kill "$ZKBIOD_PID" 2>/dev/null && wait "$ZKBIOD_PID" 2>/dev/null
    rm -rf "$dir"
}
trap cleanup EXIT
passed=0 failed=0
check() { if eval "$2"; then passed=$((passed + 1)); echo "ok: $1"; else failed=$((failed + 1)); echo "FAIL: $1"; fi; }

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$dir/k.pem" -out "$dir/c.pem" \
    -days 2 -subj /CN=localhost >/dev/null 2>&1 || { echo "smoke: openssl could not make a certificate" >&2; exit 1; }
cat "$dir/k.pem" "$dir/c.pem" >"$dir/zkbiod.pem"
token=smoke-admin-token-0123456789abcdef
# "$@" is the wrapper (wine), empty for a native zkbiod; the daemon reads and writes only under --data-dir.
zkbiod_launch "$dir" "$dir/log" "$@" "$zkbiod" --listen 127.0.0.1:0 --service-listen 127.0.0.1:0s \
    --data-dir "$dir" --admin-token "$token" --admission auto --log-level warn || exit 1
push=http://127.0.0.1:$LISTEN_PORTS
svc=https://127.0.0.1:$SERVICE_PORTS
echo "smoke: zkbiod listening on $push, fingerprint service on $svc"
# The port file names bound ports; under Wine the listeners may start answering a few seconds later (the
# service's certificate is generated first): wait up to 60 s for both /health endpoints.
i=0
until curl -s -m 5 -o /dev/null "$push/health" && curl -sk -m 5 -o /dev/null "$svc/health"; do
    i=$((i + 1))
    [ $i -lt 120 ] && kill -0 "$ZKBIOD_PID" 2>/dev/null || { echo "smoke: zkbiod does not answer" >&2; break; }
    sleep 0.5
done

hs=$(curl -s -m 20 "$push/iclock/cdata?SN=WINSMOKE1&options=all&pushver=2.4.1")
check "PUSH handshake" '[ "$(echo "$hs" | head -n 1 | tr -d "\r")" = "GET OPTION FROM: WINSMOKE1" ]'
up=$(printf '4711\t2026-12-07 08:01:02\t0\t1\t0\t0\t0\n' |
    curl -s -m 20 -H 'Content-Type: text/plain' --data-binary @- \
        "$push/iclock/cdata?SN=WINSMOKE1&table=ATTLOG&Stamp=1")
check "ATTLOG upload stored" '[ "$(echo "$up" | tr -d "\r")" = "OK: 1" ]'
# the store commits in groups: the punch shows up within a moment
i=0
while :; do
    att=$(curl -s -m 20 -H "Authorization: Bearer $token" "$push/api/v1/attendance?sn=WINSMOKE1")
    echo "$att" | grep -q '"4711"' && break
    i=$((i + 1))
    [ $i -lt 40 ] || break
    sleep 0.25
done
check "punch read back through /api/v1" 'echo "$att" | grep -q "\"4711\"" && echo "$att" | grep -q "08:01:02"'
code=$(curl -s -m 20 -o /dev/null -w '%{http_code}' "$push/api/v1/attendance")
check "/api/v1 refuses a request without the token" '[ "$code" = 401 ]'
health=$(curl -sk -m 20 -o "$dir/health" -w '%{http_code} %{scheme}' "$svc/health")
check "fingerprint service /health over HTTPS" '[ "$health" = "200 HTTPS" ] || [ "$health" = "200 https" ]'
check "zkbiod still running" 'kill -0 "$ZKBIOD_PID"'
if [ "$failed" -ne 0 ]; then
    echo "smoke: zkbiod's log:"
    cat "$dir/log"
    echo "smoke: answers: handshake [$hs] upload [$up] attendance [$att]"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
