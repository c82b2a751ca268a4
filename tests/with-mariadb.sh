#!/bin/sh
# Run PROGRAM [ARGS...] with a throwaway MariaDB server on loopback; the server's URI is appended as the last
# argument. Exit 77 (skip) only when no mariadbd can be had (not installed and not root to install it).
set -u
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d "${TMPDIR:-/tmp}/zkbio-mariadb-XXXXXX")
uri=$("$here/mariadb-server.sh" start "$dir")
rc=$?
if [ $rc -eq 77 ]; then rm -rf "$dir"; exit 77; fi
if [ $rc -ne 0 ] || [ -z "$uri" ]; then
    echo "with-mariadb: could not start mariadbd" >&2
    rm -rf "$dir"
    exit 1
fi
"$@" "$uri"
rc=$?
"$here/mariadb-server.sh" stop "$dir" >/dev/null 2>&1
rm -rf "$dir"
exit $rc
