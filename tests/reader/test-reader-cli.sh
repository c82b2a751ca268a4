#!/bin/sh
# zkbio readers / capture / enroll / verify on sim readers fed with FVC2002 DB1_B images (tests/data), and
# `zkbio readers --watch` seeing a sim socket reader unplugged and replugged. Usage: test-reader-cli.sh ZKBIO DATA
# [bench] (bench mode needs no data; missing data is a failure).
set -u
zkbio=$1
data=$2
mode=${3:-cli}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/zkbio-reader-cli-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
# expect STATUS DESCRIPTION COMMAND...: run the command, check its exit status.
expect() {
    want=$1; what=$2; shift 2
    "$@" >"$tmp/out" 2>"$tmp/err"
    got=$?
    if [ "$got" = "$want" ]; then ok; else bad "$what: exit $got, wanted $want"; cat "$tmp/out" "$tmp/err" >&2; fi
}
done_() { echo "$pass passed, $fail failed"; [ "$fail" = 0 ]; exit $?; }

if [ "$mode" = bench ]; then
    expect 0 "bench capture" "$zkbio" bench capture --frames 50
    grep -q 'overhead p99 < 5 ms: ok' "$tmp/out" && ok || bad "bench capture: no overhead line"
    cat "$tmp/out"
    done_
fi

db1=$data/fvc/FVC2002_DB1_B
[ -r "$db1/101_4.tif" ] || { echo "no FVC images at $db1 (tests/data)"; exit 1; }
# playlist DIR FILE...: a folder of symlinks to FVC images, served in name order
playlist() {
    d=$tmp/$1; shift
    mkdir -p "$d"
    n=0
    for f in "$@"; do n=$((n + 1)); ln -s "$db1/$f.tif" "$d/$n-$f.tif"; done
}
playlist enrol 101_1 101_2 101_3
playlist genuine 101_4
playlist impostor 102_1
playlist impostor2 103_1
playlist mixed 101_1 102_1 103_1 104_1 105_1 106_1
mkdir "$tmp/empty"

# readers: a dir: and a socket: reader
ZKBIO_SIM="dir:$tmp/enrol;socket:$tmp/r.sock" expect 0 "readers" "$zkbio" readers
grep -q '^sim:0 .*Simulated reader (folder)' "$tmp/out" && grep -q '^sim:1 .*(socket)' "$tmp/out" && ok ||
    bad "readers: listing"
ZKBIO_SIM="bogus:x" expect 2 "readers with a bad ZKBIO_SIM" "$zkbio" readers

# capture: PNG written; an empty playlist times out (exit 1)
ZKBIO_SIM="dir:$tmp/genuine" expect 0 "capture" "$zkbio" capture -o "$tmp/c.png" --timeout 1000
[ -s "$tmp/c.png" ] && ok || bad "capture: no image written"
grep -q '388x374' "$tmp/out" && ok || bad "capture: size"
ZKBIO_SIM="dir:$tmp/empty" expect 1 "capture without a finger" "$zkbio" capture -o "$tmp/d.png" --timeout 100
expect 2 "capture from a missing reader" "$zkbio" capture --sim "" --reader sim:3 -o "$tmp/d.png"

# enroll three impressions of finger 101, verify: genuine matches, two other fingers do not
ZKBIO_SIM="dir:$tmp/enrol" expect 0 "enroll" "$zkbio" enroll -o "$tmp/t.zkb"
grep -q 'capture 3/3' "$tmp/err" && grep -q 'same finger' "$tmp/err" && ok || bad "enroll: progress"
ZKBIO_SIM="dir:$tmp/genuine" expect 0 "verify genuine" "$zkbio" verify "$tmp/t.zkb"
grep -q ': match$' "$tmp/out" && ok || bad "verify genuine: output"
ZKBIO_SIM="dir:$tmp/impostor" expect 1 "verify impostor" "$zkbio" verify "$tmp/t.zkb"
grep -q ': no match$' "$tmp/out" && ok || bad "verify impostor: output"
ZKBIO_SIM="dir:$tmp/impostor2" expect 1 "verify impostor 2" "$zkbio" verify "$tmp/t.zkb"
ZKBIO_SIM="dir:$tmp/empty" expect 1 "verify without a finger" "$zkbio" verify --timeout 50 "$tmp/t.zkb"
echo "not a template" >"$tmp/bad.zkb"
ZKBIO_SIM="dir:$tmp/genuine" expect 2 "verify a bad template" "$zkbio" verify "$tmp/bad.zkb"
# an ISO export verifies too
ZKBIO_SIM="dir:$tmp/enrol" expect 0 "enroll --format iso" "$zkbio" enroll --format iso -o "$tmp/t.iso"
ZKBIO_SIM="dir:$tmp/genuine" expect 0 "verify genuine (iso)" "$zkbio" verify "$tmp/t.iso"
# six different fingers: the same-finger check refuses every second capture, enrollment fails
ZKBIO_SIM="dir:$tmp/mixed" expect 1 "enroll different fingers" "$zkbio" enroll -o "$tmp/m.zkb"
grep -q 'not the same finger' "$tmp/err" && ok || bad "enroll different fingers: message"
[ -e "$tmp/m.zkb" ] && bad "enroll different fingers: template written" || ok

# readers --watch: a socket reader unplugged and replugged (waits for each event, up to 10 s, so a loaded
# machine only slows it down)
if command -v python3 >/dev/null 2>&1; then
    sock=$tmp/w.sock
    "$zkbio" readers --watch --for 30000 --sim "socket:$sock" >"$tmp/watch" 2>&1 &
    pid=$!
    # wait_lines PATTERN COUNT: until the watch output has COUNT lines matching PATTERN
    wait_lines() {
        i=0
        while [ "$(grep -c "$1" "$tmp/watch")" -lt "$2" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
        [ "$(grep -c "$1" "$tmp/watch")" -ge "$2" ]
    }
    send() {
        python3 - "$sock" "$1" <<'PY'
import socket, struct, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(struct.pack('<ii', int(sys.argv[2]), 0))
sys.exit(0 if struct.unpack('<i', s.recv(4))[0] == 0 else 1)
PY
    }
    wait_lines '^arrived sim:0' 1 && ok || bad "watch: no arrival"
    send -4 && ok || bad "watch: unplug message refused"
    wait_lines '^left    sim:0' 1 && ok || bad "watch: no left event"
    send -5 && ok || bad "watch: replug message refused"
    wait_lines '^arrived sim:0' 2 && ok || bad "watch: no second arrival"
    kill -TERM "$pid"
    wait "$pid" && ok || bad "watch: exit status after SIGTERM"
    [ "$(grep -c '^left    sim:0' "$tmp/watch")" = 1 ] && ok || { bad "watch: events"; cat "$tmp/watch" >&2; }
fi
done_
