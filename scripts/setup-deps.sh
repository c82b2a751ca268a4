#!/bin/sh
# Install what building and testing zkbio needs (Debian 12 / Ubuntu), then fetch civetweb's source.
# Idempotent and quiet: apt runs only when a package is missing; output is shown only on failure.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)

packages="build-essential meson ninja-build pkg-config clang clang-format libclang-rt-14-dev libusb-1.0-0-dev
libmbedtls-dev libjansson-dev libargon2-dev libcrypt-dev libmariadb-dev mariadb-server mariadb-client libsqlite3-dev libcurl4-openssl-dev
dpkg-dev umockdev libumockdev-dev wrk python3 curl openssl libpng-dev libtiff-dev zlib1g-dev
chromium libnss3-tools"

# python3-yaml: tests/meta/check-openapi.py reads docs/openapi.yaml
packages="$packages python3-yaml"

# Issue 17. python3-pytest: the Python binding's tests (run by /usr/bin/python3, never a pyenv python).
# The Windows job (scripts/ci/windows.sh): the mingw-w64 posix toolchain, Wine to run the .exe tests, mingw zlib,
# tcl to generate SQLite's amalgamation. The Debian-package job (scripts/ci/deb.sh): debhelper, fakeroot, dh-python.
# The service files' checks: systemd (systemd-analyze), plistutil and xmllint (the launchd plist).
packages="$packages python3-pytest gcc-mingw-w64-x86-64-posix binutils-mingw-w64-x86-64 mingw-w64-tools
libz-mingw-w64-dev wine wine64 tcl debhelper fakeroot dh-python python3-all systemd libplist-utils libxml2-utils"
# Issue 17, Linux service and packaging: man (man-db) and groff render the man pages in test man-pages.
packages="$packages man-db groff-base"

missing=""
for p in $packages; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    case "$status" in
    *" ok installed") ;;
    *) missing="$missing $p" ;;
    esac
done

# node and npm for the npm-based tests (node-zklib, playwright-core); taken from apt only when there is no node at
# all, so a node from elsewhere (NodeSource ships its own npm) is left alone.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    missing="$missing nodejs npm"
fi

log=$(mktemp "${TMPDIR:-/tmp}/zkbio-setup-XXXXXX")
trap 'rm -f "$log"' EXIT

# Run a command quietly; on failure show its output and stop.
quiet() {
    if ! "$@" >"$log" 2>&1; then
        echo "setup-deps: failed: $*" >&2
        cat "$log" >&2
        exit 1
    fi
}

if [ -n "$missing" ]; then
    if [ "$(id -u)" = 0 ]; then
        sudo=""
    elif command -v sudo >/dev/null 2>&1; then
        sudo="sudo"
    else
        echo "setup-deps: missing packages:$missing; run as root or install sudo" >&2
        exit 1
    fi
    echo "setup-deps: installing$missing"
    quiet $sudo apt-get update
    # shellcheck disable=SC2086 # word splitting of the package list is intended
    quiet $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing
fi

quiet "$top/scripts/get-civetweb.sh"

# The fingerprint service's browser test (tests/service/e2e) drives Debian's chromium with playwright-core from
# npm, installed into the test's own folder (pinned by its package-lock.json). Needs node >= 20; without node or
# npm the test skips.
e2e="$top/tests/service/e2e"
if command -v npm >/dev/null 2>&1 && [ ! -d "$e2e/node_modules/playwright-core" ]; then
    if ! npm ci --prefix "$e2e" --no-audit --no-fund --loglevel=error >"$log" 2>&1; then
        if [ -n "${ZKBIO_REQUIRE_ALL_TESTS:-}" ]; then # CI: every test must run
            echo "setup-deps: failed: npm ci in tests/service/e2e" >&2
            cat "$log" >&2
            exit 1
        fi
        echo "setup-deps: npm ci in tests/service/e2e failed (offline?): the browser test will skip" >&2
    fi
fi

# npm_ci_locked DIR WHAT: `npm ci` in DIR (relative to the top) from its package-lock.json, again whenever the
# lockfile changed since the last install (a copy is kept in node_modules); on failure fatal in CI
# (ZKBIO_REQUIRE_ALL_TESTS), elsewhere a warning that WHAT.
npm_ci_locked() {
    command -v npm >/dev/null 2>&1 || return 0
    dir="$top/$1"
    cmp -s "$dir/package-lock.json" "$dir/node_modules/.zkbio-installed-lock" && return 0
    if npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error >"$log" 2>&1; then
        cp "$dir/package-lock.json" "$dir/node_modules/.zkbio-installed-lock"
    elif [ -n "${ZKBIO_REQUIRE_ALL_TESTS:-}" ]; then # CI: every test must run
        echo "setup-deps: failed: npm ci in $1" >&2
        cat "$log" >&2
        exit 1
    else
        echo "setup-deps: npm ci in $1 failed (offline?): $2" >&2
    fi
}

# The 4370 compatibility test (tests/zk4370/node) runs node-zklib from npm against `zkbio emulate`; installed into
# the test's own folder (pinned by its package-lock.json). Without it the test skips.
zk4370_node="$top/tests/zk4370/node"
if command -v npm >/dev/null 2>&1 && [ ! -f "$zk4370_node/node_modules/node-zklib/package.json" ]; then
    quiet npm ci --prefix "$zk4370_node" --no-audit --no-fund --loglevel=error
fi

# The /api/v1 OpenAPI document's tests (tests/api: Redocly CLI lint, the contract test and the fuzz pass with
# swagger-parser and Ajv) run from npm packages installed into that folder, pinned by its package-lock.json;
# installed again when the lockfile changed since the last `npm ci`. Without them the tests skip (CI: fail).
npm_ci_locked tests/api "the api tests will skip"

# Node binding (issue 17, Node part): bindings/node's own npm dependencies (koffi with its prebuilt
# per-platform package, typescript for the declaration check), pinned by its package-lock.json;
# installed again when the lockfile changed. Never --omit=optional: koffi's binary is an optional package.
npm_ci_locked bindings/node "the node binding tests will skip"

# The BioTime client test (tests/biotime: a Node + axios client of the BioTime-compatible API; bttx part),
# the same way: axios pinned by that folder's package-lock.json.
npm_ci_locked tests/biotime "the biotime client test will skip"
