#!/bin/sh
# Set up, build (build-release) and run zkbiod with its defaults: SQLite in the data directory,
# terminals on 0.0.0.0:8081, the fingerprint service for web apps on https://127.0.0.1:8080 (it refuses
# every call until an API key is configured). Extra arguments go to zkbiod (see ./scripts/run-zkbiod.sh --help).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
"$top/scripts/setup-deps.sh"

log=$(mktemp "${TMPDIR:-/tmp}/zkbio-build-XXXXXX")
if [ ! -f build-release/build.ninja ]; then
    if ! meson setup build-release --buildtype=release -Dtests=false >"$log" 2>&1; then
        cat "$log" >&2
        rm -f "$log"
        echo "run-zkbiod: meson setup failed" >&2
        exit 1
    fi
fi
if ! ninja -C build-release >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    echo "run-zkbiod: build failed" >&2
    exit 1
fi
rm -f "$log"
exec "$top/build-release/daemon/zkbiod" "$@"
