#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Run the zdb test program PROGRAM against a throwaway MariaDB server (tests/mariadb-server.sh):
# start the server, run `PROGRAM URI` (with ZKBIO_TEST_MARIADB_SOCKET set to its socket), stop the server.
# Exit status: PROGRAM's, 1 when the server cannot be started, 77 (skip) ONLY when no mariadbd is installed and
# it cannot be installed (not root).
set -u
[ $# -ge 1 ] || { echo "usage: $0 PROGRAM [ARGS...]" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
harness="$here/../mariadb-server.sh"
dir=$(mktemp -d "${TMPDIR:-/tmp}/zkbio-db-mariadb-XXXXXX") || exit 1
cleanup() {
    "$harness" stop "$dir" >/dev/null 2>&1
    rm -rf "$dir"
}
uri=$("$harness" start "$dir")
rc=$?
if [ $rc -eq 77 ]; then
    rm -rf "$dir"
    echo "run-mariadb: mariadbd not available; skipping" >&2
    exit 77
fi
if [ $rc -ne 0 ] || [ -z "$uri" ]; then
    echo "run-mariadb: could not start mariadbd (status $rc)" >&2
    [ -f "$dir/mariadbd.err" ] && tail -n 30 "$dir/mariadbd.err" >&2
    cleanup
    exit 1
fi
trap cleanup INT TERM
ZKBIO_TEST_MARIADB_SOCKET="$dir/mysqld.sock" "$@" "$uri"
rc=$?
if [ $rc -ne 0 ] && [ -f "$dir/mariadbd.err" ]; then
    echo "--- mariadbd.err (last lines) ---" >&2
    tail -n 20 "$dir/mariadbd.err" >&2
fi
cleanup
exit $rc
