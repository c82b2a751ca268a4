#!/bin/sh
# zkbiod serves HTTPS (civetweb + mbedTLS) on a listener ending in 's' (mode tls), and plain HTTP on an IPv6
# listener (mode ipv6; a visible skip, exit 77, where the machine has no IPv6 loopback).
# Usage: test-tls-ipv6.sh ZKBIOD tls|ipv6
set -u
zkbiod=$1
mode=${2:-tls}
. "$(dirname "$0")/../support/zkbiod-launch.sh"
for t in openssl curl; do command -v $t >/dev/null 2>&1 || { echo "$t not installed: skipped"; exit 77; }; done
if [ "$mode" = ipv6 ] && ! grep -q ' lo$' /proc/net/if_inet6 2>/dev/null; then
    echo "no IPv6 loopback on this machine: IPv6 listener check skipped"
    exit 77
fi
dir=$(mktemp -d "${TMPDIR:-/tmp}/zkbio-tls-XXXXXX")
ZKBIOD_PID=
cleanup() { [ -n "$ZKBIOD_PID" ] && kill "$ZKBIOD_PID" 2>/dev/null && wait "$ZKBIOD_PID" 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT
passed=0 failed=0
check() { if eval "$2"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $1"; fi; }

if [ "$mode" = ipv6 ]; then
    zkbiod_launch "$dir" "$dir/log" "$zkbiod" --service-listen off --listen "[::1]:0" --data-dir "$dir" \
        --log-level warn || exit 1
    port=$LISTEN_PORTS
    check "IPv6 listener" 'curl -s "http://[::1]:$port/health" | grep -q "\"status\":\"ok\""'
    check "IPv6 handshake" '[ "$(curl -s "http://[::1]:$port/iclock/cdata?SN=V6A&options=all" | head -n 1)" = "GET OPTION FROM: V6A" ]'
else
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$dir/k.pem" -out "$dir/c.pem" \
        -days 2 -subj /CN=localhost >/dev/null 2>&1 || { echo "openssl could not make a certificate"; exit 1; }
    cat "$dir/k.pem" "$dir/c.pem" > "$dir/zkbiod.pem"
    zkbiod_launch "$dir" "$dir/log" "$zkbiod" --service-listen off --listen "127.0.0.1:0s" --data-dir "$dir" \
        --log-level warn || exit 1
    port=$LISTEN_PORTS
    # --port-file: one "listen PORT" line for the one listener (the service is off), renamed into place
    check "port file format" '[ "$(cat "$dir/zkbiod.ports")" = "listen $port" ] && [ "$port" -gt 0 ]'
    check "no temporary port file left" '[ ! -e "$dir/zkbiod.ports.tmp" ]'
    body=$(curl -sk "https://127.0.0.1:$port/iclock/cdata?SN=TLS1&options=all")
    check "handshake over HTTPS" '[ "$(echo "$body" | head -n 1)" = "GET OPTION FROM: TLS1" ]'
    proto=$(curl -sk -o /dev/null -w '%{scheme}' "https://127.0.0.1:$port/health")
    check "answer came over TLS" '[ "$proto" = "HTTPS" ] || [ "$proto" = "https" ]'
    check "plain HTTP on the TLS port is refused" '! curl -s -m 3 "http://127.0.0.1:$port/health" | grep -q status'
    check "zkbiod still running" 'kill -0 "$ZKBIOD_PID"'
    kill "$ZKBIOD_PID" && wait "$ZKBIOD_PID"
    # both listeners on port 0: the terminal listener's line first, then the service's, each answering
    zkbiod_launch "$dir" "$dir/log" "$zkbiod" --listen 127.0.0.1:0 --service-listen 127.0.0.1:0 \
        --data-dir "$dir" --log-level warn || exit 1
    check "port file: listen then service" \
        '[ "$(cut -d" " -f1 "$dir/zkbiod.ports" | tr "\n" " ")" = "listen service " ] && [ "$LISTEN_PORTS" != "$SERVICE_PORTS" ]'
    check "the listen port answers /health" 'curl -s "http://127.0.0.1:$LISTEN_PORTS/health" | grep -q "\"status\":\"ok\""'
    check "the service port answers /health" '[ "$(curl -s -o /dev/null -w "%{http_code}" "http://127.0.0.1:$SERVICE_PORTS/health")" = 200 ]'
fi
check "zkbiod still running" 'kill -0 "$ZKBIOD_PID"'
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
