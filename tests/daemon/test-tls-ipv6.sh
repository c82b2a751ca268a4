#!/bin/sh
# zkbiod serves HTTPS (civetweb + mbedTLS) on a listener ending in 's' and plain HTTP on an IPv6 listener.
# Usage: test-tls-ipv6.sh ZKBIOD
set -u
zkbiod=$1
for t in openssl curl; do command -v $t >/dev/null 2>&1 || { echo "$t not installed"; exit 77; }; done
dir=$(mktemp -d "${TMPDIR:-/tmp}/zkbio-tls-XXXXXX")
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT
passed=0 failed=0
check() { if eval "$2"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $1"; fi; }

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$dir/k.pem" -out "$dir/c.pem" \
    -days 2 -subj /CN=localhost >/dev/null 2>&1 || { echo "openssl could not make a certificate"; exit 1; }
cat "$dir/k.pem" "$dir/c.pem" > "$dir/zkbiod.pem"
port=$((20000 + $$ % 20000))
# IPv6 loopback may be missing in some containers: then only TLS is tested.
v6=0
grep -q ' lo$' /proc/net/if_inet6 2>/dev/null && v6=1
if [ $v6 = 1 ]; then
    "$zkbiod" --service-listen off --listen "127.0.0.1:${port}s" --listen "[::1]:$((port + 1))" --data-dir "$dir" --log-level warn \
        2>"$dir/log" &
else
    "$zkbiod" --service-listen off --listen "127.0.0.1:${port}s" --data-dir "$dir" --log-level warn 2>"$dir/log" &
fi
pid=$!
for _ in 1 2 3 4 5 6 7 8 9 10; do
    curl -sk "https://127.0.0.1:$port/health" >/dev/null 2>&1 && break
    sleep 0.5
done
body=$(curl -sk "https://127.0.0.1:$port/iclock/cdata?SN=TLS1&options=all")
check "handshake over HTTPS" '[ "$(echo "$body" | head -n 1)" = "GET OPTION FROM: TLS1" ]'
proto=$(curl -sk -o /dev/null -w '%{scheme}' "https://127.0.0.1:$port/health")
check "answer came over TLS" '[ "$proto" = "HTTPS" ] || [ "$proto" = "https" ]'
check "plain HTTP on the TLS port is refused" '! curl -s -m 3 "http://127.0.0.1:$port/health" | grep -q status'
[ $v6 = 1 ] && check "IPv6 listener" 'curl -s "http://[::1]:$((port + 1))/health" | grep -q "\"status\":\"ok\""'
check "zkbiod still running" 'kill -0 "$pid"'
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
