#!/bin/sh
# node-zklib (installed from npm into this folder by scripts/setup-deps.sh) against `zkbio emulate`:
# connect, read users and attendance, receive a realtime punch. Usage: run.sh ZKBIO
# Exit 77 (skip) when node or node-zklib is not installed (the test installs nothing: scripts/setup-deps.sh does).
set -u
zkbio=$1
here=$(cd "$(dirname "$0")" && pwd)
command -v node >/dev/null 2>&1 || { echo "node not installed: skipped"; exit 77; }
[ -f "$here/node_modules/node-zklib/package.json" ] ||
    { echo "node-zklib not installed in $here (run scripts/setup-deps.sh): skipped"; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/zkbio-node-XXXXXX")
emu=""
trap '[ -n "$emu" ] && kill "$emu" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT
fails=0
# run_one MODE EMULATE-OPTIONS...: a fresh emulator, then compat.js against it
run_one() {
    mode=$1
    shift
    "$zkbio" emulate --port 0 --users 3 --punches 5 --punch-every 400 --seconds 60 "$@" \
        >"$tmp/emu.out" 2>"$tmp/emu.err" &
    emu=$!
    port=""
    for _ in $(seq 1 50); do
        port=$(sed -n 's/^listening on [^ ]*:\([0-9][0-9]*\) .*/\1/p' "$tmp/emu.out")
        [ -n "$port" ] && break
        sleep 0.1
    done
    if [ -z "$port" ]; then
        echo "emulator did not start"
        cat "$tmp/emu.err"
        fails=$((fails + 1))
    else
        timeout 60 node "$here/compat.js" "$port" 3 5 "$mode" || fails=$((fails + 1))
    fi
    kill "$emu" 2>/dev/null
    wait "$emu" 2>/dev/null
    emu=""
}
run_one tcp
run_one udp --udp --profile zk6
echo "$((2 - fails)) passed, $fails failed"
[ "$fails" -eq 0 ]
