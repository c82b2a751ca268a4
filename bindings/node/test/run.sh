#!/bin/sh
# The Node binding's tests (bindings/node/test/*.test.js, `node --test`) against the built library.
# Usage: run.sh LIBZKBIO LIBZKBIO_IMAGEIO ZKBIO ABI_LAYOUT
# Exit 77 (skip) without node, the package's npm dependencies or node-zklib (the compatibility
# comparison's reference; scripts/setup-deps.sh installs both with `npm ci`); 1 instead under
# ZKBIO_REQUIRE_ALL_TESTS (CI: every test must run).
set -u
here=$(cd "$(dirname "$0")" && pwd)
pkg=$(dirname "$here")
missing() {
    echo "$1"
    if [ -n "${ZKBIO_REQUIRE_ALL_TESTS:-}" ]; then
        echo "FAIL ZKBIO_REQUIRE_ALL_TESTS is set: a missing test tool is a failure"
        exit 1
    fi
    exit 77
}
command -v node >/dev/null 2>&1 || missing "node not installed: skipped"
[ -f "$pkg/node_modules/koffi/package.json" ] ||
    missing "koffi not installed in $pkg (run scripts/setup-deps.sh): skipped"
[ -f "$pkg/../../tests/zk4370/node/node_modules/node-zklib/package.json" ] ||
    missing "node-zklib not installed in tests/zk4370/node (run scripts/setup-deps.sh): skipped"
ZKBIO_LIBRARY=$1 ZKBIO_IMAGEIO_LIBRARY=$2 ZKBIO_CLI=$3 ZKBIO_ABI_LAYOUT=$4 \
    exec node --test --test-concurrency=1 "$here"
