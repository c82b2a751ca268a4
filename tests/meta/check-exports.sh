#!/bin/sh
# Every symbol exported by the shared libzkbio starts with zkbio_ (public API rule).
set -eu
lib=$1
bad=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBRW]$/ {print $3}' | grep -v '^zkbio_' || true)
count=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBRW]$/' | grep -c ' zkbio_' || true)
if [ -n "$bad" ]; then
    echo "exported symbols without the zkbio_ prefix:"; echo "$bad"
    echo "0 passed, 1 failed"; exit 1
fi
[ "$count" -gt 0 ] || { echo "no zkbio_ symbols exported"; echo "0 passed, 1 failed"; exit 1; }
echo "$count zkbio_ symbols exported"
echo "1 passed, 0 failed"
