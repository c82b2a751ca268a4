#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The man pages (issue 17; data/man/*, mdoc sources): each renders with `man -l` and no groff/mandoc warning, has
# its NAME and SYNOPSIS, and names every command its program lists in --help (zkbio(1): the commands of
# `zkbio --help`; zkbiod(8): the subcommands of `zkbiod --help`), so a new command without its page fails.
# Self-test: a page with a broken macro is refused.   check-man.sh MANDIR ZKBIO ZKBIOD
set -u
mandir=$1 zkbio=$2 zkbiod=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/../support/check.sh"
LC_ALL=C.UTF-8 MANWIDTH=80
export LC_ALL MANWIDTH

# render PAGE: the page as text in $tmp/page.txt; fails on any warning.
render() {
    man --warnings=all -l "$1" >"$tmp/page.txt" 2>"$tmp/warn.txt"
    rc=$?
    cat "$tmp/warn.txt" >&2
    [ "$rc" -eq 0 ] && [ ! -s "$tmp/warn.txt" ] && [ -s "$tmp/page.txt" ]
}

# names_all PAGE_TEXT WORDS...: every word appears in the rendered page.
names_all() {
    f=$1
    shift
    for w in "$@"; do
        grep -qw -- "$w" "$f" || { echo "not in the page: $w" >&2; return 1; }
    done
}

run 0 "zkbio.1 renders without warnings" render "$mandir/zkbio.1" && cp "$tmp/page.txt" "$tmp/zkbio.txt"
expect "$tmp/zkbio.txt" "^NAME" "zkbio.1 has NAME"
expect "$tmp/zkbio.txt" "^SYNOPSIS" "zkbio.1 has SYNOPSIS"
cmds=$("$zkbio" --help 2>&1 | sed -n 's/^  \([a-z0-9-]*\)  .*/\1/p')
[ -n "$cmds" ] && ok || no "no commands read from zkbio --help"
# shellcheck disable=SC2086 # a word list
run 0 "zkbio.1 names every command of zkbio --help" names_all "$tmp/zkbio.txt" $cmds

run 0 "zkbiod.8 renders without warnings" render "$mandir/zkbiod.8" && cp "$tmp/page.txt" "$tmp/zkbiod.txt"
expect "$tmp/zkbiod.txt" "^NAME" "zkbiod.8 has NAME"
expect "$tmp/zkbiod.txt" "^SYNOPSIS" "zkbiod.8 has SYNOPSIS"
subs=$("$zkbiod" --help 2>&1 | sed -n '/^Subcommands/,/^(each/p' | grep -o 'zkbiod [a-z-]*' | awk '{print $2}' | sort -u)
[ -n "$subs" ] && ok || no "no subcommands read from zkbiod --help"
# shellcheck disable=SC2086
run 0 "zkbiod.8 names every subcommand of zkbiod --help" names_all "$tmp/zkbiod.txt" $subs NOTIFY_SOCKET \
    /etc/zkbio/zkbiod.conf /var/lib/zkbio CAP_NET_BIND_SERVICE

# Self-test: a broken list macro is a warning, hence a failure.
sed 's/^\.Bl -tag.*/.Bl/' "$mandir/zkbiod.8" >"$tmp/broken.8"
run 1 "a page with a broken .Bl is refused" render "$tmp/broken.8"
finish
