#!/bin/sh
# The BioTime client test (tests/biotime/meson.build): client.test.mjs, a Node + axios client written from
# BioTime's published API, against zkbiod and a `zkbio push-sim` terminal.
#   run.sh ZKBIOD ZKBIO
# axios is installed into this folder by scripts/setup-deps.sh (`npm ci`, pinned by package-lock.json).
# Exit 77 (skip, with the reason) when node or axios is missing: the test installs nothing.
set -u
here=$(cd "$(dirname "$0")" && pwd)
[ $# -eq 2 ] || { echo "usage: run.sh ZKBIOD ZKBIO" >&2; exit 2; }
command -v node >/dev/null 2>&1 || { echo "node not installed: skipped"; exit 77; }
[ -f "$here/node_modules/axios/package.json" ] ||
    { echo "axios not installed in $here (run scripts/setup-deps.sh or npm ci there): skipped"; exit 77; }
ZKBIOD=$1 ZKBIO=$2
export ZKBIOD ZKBIO
cd "$here" || exit 1
exec node --test --test-concurrency=1 --test-reporter=spec "$here/client.test.mjs"
