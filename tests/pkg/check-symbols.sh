#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# libzkbio's ABI surface on ELF (issue 17; lib/libzkbio.map): the soname is libzkbio.so.0, every symbol the
# shared library defines in its dynamic table is zkbio_* (or the version node ZKBIO_0 itself) and carries the
# version ZKBIO_0. Self-test: a library built without our version script (the system's libz) must fail.
#   check-symbols.sh LIBZKBIO_SO
set -u
lib=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/../support/check.sh"

# check_lib FILE: 0 when FILE has soname libzkbio.so.0 and only zkbio_*@@ZKBIO_0 definitions.
check_lib() {
    readelf -d -W "$1" | grep -q 'Library soname: \[libzkbio\.so\.0\]' ||
        { echo "soname is not libzkbio.so.0" >&2; return 1; }
    # Defined dynamic symbols: readelf --dyn-syms columns Num Value Size Type Bind Vis Ndx Name.
    readelf --dyn-syms -W "$1" | awk 'NR > 3 && $7 != "UND" && $8 != "" {print $8}' >"$tmp/defs"
    n=$(grep -c . "$tmp/defs")
    [ "$n" -gt 100 ] || { echo "only $n defined dynamic symbols" >&2; return 1; }
    bad=$(grep -v -e '^zkbio_[A-Za-z0-9_]*@@ZKBIO_0$' -e '^ZKBIO_0$' "$tmp/defs")
    [ -z "$bad" ] || { echo "symbols outside zkbio_*@@ZKBIO_0:" >&2; echo "$bad" | head -20 >&2; return 1; }
    return 0
}

run 0 "$lib exports zkbio_* only, versioned ZKBIO_0, soname libzkbio.so.0" check_lib "$lib"
libz=$(ldconfig -p 2>/dev/null | awk '/libz\.so\.1 .*x86-64|libz\.so\.1 \(libc6\)/ {print $NF; exit}')
[ -n "$libz" ] || libz=$(ldd "$lib" | awk '/libz\.so/ {print $3; exit}')
if [ -n "$libz" ] && [ -f "$libz" ]; then
    run 1 "a library without the version script ($libz) is refused" check_lib "$libz"
else
    no "self-test: libz.so.1 not found (ldd $lib)"
fi
finish
