#!/bin/sh
# data/udev/60-zkbio.rules covers the readers the backends drive: the ZK4500 product id of the zk4500 backend
# (lib/reader/zk4500.c) and the 1b55 ids of the zkfp readers (fingerprint.md §2.1); every line is a comment, blank,
# or a rule made of KEY=="value" / KEY!="value" / KEY="value" / KEY+="value" / GOTO / LABEL terms; access is never
# world-writable. Usage: check-udev.sh SOURCE_ROOT
set -u
root=$1
rules=$root/data/udev/60-zkbio.rules
pass=0
fail=0
check() { if eval "$2"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $1"; fi; }
pid=$(sed -n 's/^#define ZK4500_PID *0x\([0-9a-fA-F]*\).*/\1/p' "$root/lib/reader/zk4500.c")
check "zk4500 product id found in zk4500.c" '[ -n "$pid" ]'
for p in "$pid" 0120 0124 0302 0304 0306 0308; do
    check "rule for 1b55:$p" "grep -q 'ATTR{idProduct}==\"$p\"' '$rules'"
done
check "vendor match" "grep -q 'ATTR{idVendor}!=\"1b55\"' '$rules'"
term='[A-Z_]+(\{[A-Za-z_]+\})?(==|!=|=|\+=)"[^"]*"'
bad=$(grep -vE '^[[:space:]]*(#.*)?$' "$rules" | grep -vE "^$term(, $term)*\$")
check "every rule line well formed" '[ -z "$bad" ]'
[ -z "$bad" ] || echo "$bad"
check "no world-writable mode" "! grep -qE 'MODE=\"0?[0-7][0-7][2367]\"' '$rules'"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
