#!/bin/sh
# The /api/v1 OpenAPI document's tests (tests/api/meson.build):
#   run.sh lint                    Redocly CLI's recommended-strict rules over docs/openapi.yaml, docs/openapi/frappe.yaml and docs/openapi/biotime.yaml
#   run.sh contract ZKBIOD ZKBIO   contract.test.mjs: every operation called, every answer validated
#   run.sh fuzz ZKBIOD ZKBIO       fuzz.test.mjs: a bounded seeded fuzz pass over every operation
#   run.sh frappe ZKBIOD ZKBIO     frappe.test.mjs: docs/openapi/frappe.yaml (family R), every operation
#   run.sh biotime ZKBIOD ZKBIO    biotime.test.mjs: docs/openapi/biotime.yaml (family B), every operation
# The npm packages (Redocly CLI, swagger-parser, Ajv) are installed into this folder by
# scripts/setup-deps.sh (`npm ci`, pinned by package-lock.json). Exit 77 (skip, with the reason) when
# node or those packages are missing: the test installs nothing.
set -u
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
mode=${1:-}
command -v node >/dev/null 2>&1 || { echo "node not installed: skipped"; exit 77; }
for p in @redocly/cli @apidevtools/swagger-parser ajv ajv-formats; do
    [ -f "$here/node_modules/$p/package.json" ] ||
        { echo "$p not installed in $here (run scripts/setup-deps.sh or npm ci there): skipped"; exit 77; }
done
case "$mode" in
lint)
    cd "$here" || exit 1
    # redocly reads redocly.yaml and .redocly.lint-ignore.yaml from this folder
    NO_COLOR=1 REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true \
        node node_modules/@redocly/cli/bin/cli.js lint --config redocly.yaml ../../docs/openapi.yaml ../../docs/openapi/frappe.yaml ../../docs/openapi/biotime.yaml
    rc=$?
    [ $rc -eq 0 ] && echo "1 passed, 0 failed" || echo "0 passed, 1 failed"
    exit $rc
    ;;
contract | fuzz | frappe | biotime)
    [ $# -eq 3 ] || { echo "usage: run.sh $mode ZKBIOD ZKBIO" >&2; exit 2; }
    ZKBIOD=$2 ZKBIO=$3 ZKBIO_SRC=$src
    export ZKBIOD ZKBIO ZKBIO_SRC
    cd "$here" || exit 1
    exec node --test --test-concurrency=1 --test-reporter=spec "$here/$mode.test.mjs"
    ;;
*)
    echo "usage: run.sh lint | contract ZKBIOD ZKBIO | fuzz ZKBIOD ZKBIO | frappe ZKBIOD ZKBIO | biotime ZKBIOD ZKBIO" >&2
    exit 2
    ;;
esac
