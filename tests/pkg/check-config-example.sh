#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The example configuration (data/zkbiod.conf, installed as /etc/zkbio/zkbiod.conf; issue 17) stays valid:
# with every commented example line ("#name = value") enabled, zkbiod reads it without error (`zkbiod device
# list` loads the whole configuration and opens the database). Self-test: an unknown option is refused.
#   check-config-example.sh EXAMPLE ZKBIOD
set -u
example=$1 zkbiod=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/../support/check.sh"

echo "example-admin-token-0123456789" >"$tmp/admin-token"
sed -n 's/^#\([a-z][a-z0-9._-]* = .*\)$/\1/p' "$example" |
    sed "s|^admin-token-file = .*|admin-token-file = $tmp/admin-token|" >"$tmp/enabled.conf"
n=$(grep -c . "$tmp/enabled.conf")
[ "$n" -ge 10 ] && ok || no "only $n example lines found in $example"
run 0 "zkbiod reads the example configuration with all $n example lines enabled" \
    "$zkbiod" device list --config "$tmp/enabled.conf" --data-dir "$tmp/data"
run 0 "zkbiod reads the example as shipped (all commented)" \
    "$zkbiod" device list --config "$example" --data-dir "$tmp/data"
{ cat "$tmp/enabled.conf"; echo "no-such-option = 1"; } >"$tmp/bad.conf"
run 2 "an unknown option is refused (self-test)" "$zkbiod" device list --config "$tmp/bad.conf" --data-dir "$tmp/data"
finish
