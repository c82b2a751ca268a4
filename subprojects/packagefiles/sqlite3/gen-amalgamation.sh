#!/bin/sh
# Generate SQLite's amalgamation (sqlite3.c, sqlite3.h) from the full source tree with the BUILD machine's
# compiler: upstream's configure, then `make sqlite3.c` (lemon, mkkeywordhash and tclsh scripts). Part of
# zkbio's meson overlay for SQLite (subprojects/packagefiles/sqlite3).
# Usage: gen-amalgamation.sh SRCDIR OUTDIR WORKDIR CC...
set -eu
src=$1
out=$2
work=$3
shift 3
command -v tclsh >/dev/null 2>&1 || { echo "gen-amalgamation: tclsh is needed (Debian package tcl)" >&2; exit 1; }
rm -rf "$work"
mkdir -p "$work" "$out"
out=$(cd "$out" && pwd)   # meson passes paths relative to the build directory
cd "$work"
if ! "$src/configure" CC="$*" --disable-tcl --disable-readline --disable-editline --disable-load-extension \
    >configure.log 2>&1; then
    cat configure.log >&2
    exit 1
fi
if ! make sqlite3.c >make.log 2>&1; then
    cat make.log >&2
    exit 1
fi
cp sqlite3.c sqlite3.h "$out/"
