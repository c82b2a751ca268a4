#!/bin/sh
# CI job (issue 17; run by scripts/run-tests.sh): build the Debian packages and run zkbiod from them.
#   1. stage civetweb (scripts/get-civetweb.sh: debhelper's meson build runs with --wrap-mode=nodownload),
#   2. copy the tree (the files git tracks or would track, plus civetweb's source) into a temporary directory and run
#      `dpkg-buildpackage -b -us -uc` there with DEB_BUILD_OPTIONS="nocheck parallel=2" (the clone stays clean),
#   3. check the five packages and their contents (dpkg-deb -c / -I),
#   4. unpack them into a clean root with `dpkg-deb -x` and run the installed /usr/sbin/zkbiod on loopback with
#      the installed libzkbio.so.0 (checked in /proc/PID/maps): it must answer /health and a PUSH terminal
#      simulated by the installed zkbio (zkbio-tools), and stop cleanly on SIGTERM,
#   5. build tests/pkg/consumer.c against the root's headers and zkbio.pc (libzkbio-dev), and run a pyzk call
#      through python3-zkbio and the root's library against the installed zkbio emulate,
#   6. `systemd-analyze verify --root` the installed unit (its ExecStart names the root's zkbiod), and
#      `systemd-analyze security --offline` with the unit's threshold; lintian when installed (informative).
# Prints each step; exits nonzero when any failed. Needs: debhelper, fakeroot, dpkg-dev, curl, systemd.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/zkbio-deb-XXXXXX")
pid=
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok: $*"; }
no() { fail=$((fail + 1)); echo "FAIL: $*"; }
step() { echo "== $* ($(date +%H:%M:%S))"; }
end() {
    echo "deb: $pass passed, $fail failed"
    [ "$fail" -eq 0 ]
    exit
}

step "civetweb source"
"$top/scripts/get-civetweb.sh" || { no "scripts/get-civetweb.sh"; end; }

step "copy of the tree in $tmp/src"
mkdir -p "$tmp/src"
if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
    (cd "$top" && git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf -) | tar -xf - -C "$tmp/src" || { no "copy the tree"; end; }
else
    (cd "$top" && tar --exclude='./build*' --exclude=./subprojects/packagecache -cf - .) | tar -xf - -C "$tmp/src"
fi
cp -R "$top"/subprojects/civetweb-1.15 "$tmp/src/subprojects/" || { no "copy civetweb's source"; end; }

step "dpkg-buildpackage -b -us -uc (nocheck, parallel=2)"
start=$(date +%s)
if (cd "$tmp/src" && DEB_BUILD_OPTIONS="nocheck parallel=2" nice dpkg-buildpackage -b -us -uc) \
    >"$tmp/build.log" 2>&1; then
    ok "dpkg-buildpackage in $(($(date +%s) - start)) s"
else
    tail -n 60 "$tmp/build.log"
    no "dpkg-buildpackage (log above)"
    end
fi
grep -E '^dpkg-deb: building package' "$tmp/build.log"

step "the packages"
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
for p in libzkbio0 libzkbio-dev zkbiod zkbio-tools python3-zkbio; do
    deb=$(ls "$tmp"/${p}_*_"$arch".deb "$tmp"/${p}_*_all.deb 2>/dev/null | head -n 1)
    if [ -n "$deb" ]; then ok "$p: $(basename "$deb")"; else no "$p: no .deb"; fi
done
# has PACKAGE PATH: the package's file list (dpkg-deb -c) has PATH.
has() {
    if dpkg-deb -c "$tmp/$1"_*_"$arch".deb | awk '{print $6}' | grep -qx "\./$2"; then ok "$1 has /$2"; else no "$1 lacks /$2"; fi
}
has libzkbio0 "usr/lib/$multiarch/libzkbio.so.0"
has libzkbio-dev "usr/lib/$multiarch/libzkbio.so"
has libzkbio-dev "usr/lib/$multiarch/pkgconfig/zkbio.pc"
has libzkbio-dev "usr/include/zkbio/zkbio.h"
has zkbiod usr/sbin/zkbiod
has zkbiod lib/systemd/system/zkbiod.service
has zkbiod usr/lib/sysusers.d/zkbio.conf
has zkbiod usr/lib/udev/rules.d/60-zkbio.rules
has zkbiod etc/zkbio/zkbiod.conf
has zkbiod usr/share/man/man8/zkbiod.8.gz
has zkbio-tools usr/bin/zkbio
# python3-zkbio (the Python part of issue 17): Architecture all
if dpkg-deb -c "$tmp"/python3-zkbio_*_all.deb 2>/dev/null | awk '{print $6}' |
    grep -qx './usr/lib/python3/dist-packages/zkbio/zk/base.py'; then
    ok "python3-zkbio has /usr/lib/python3/dist-packages/zkbio (zkbio.zk too)"
else
    no "python3-zkbio: no .deb, or no zkbio/zk/base.py in it"
fi
if dpkg-deb -f "$tmp"/zkbiod_*_"$arch".deb Depends | grep -q 'libzkbio0 (>= '; then
    ok "zkbiod depends on libzkbio0: $(dpkg-deb -f "$tmp"/zkbiod_*_"$arch".deb Depends)"
else
    no "zkbiod does not depend on libzkbio0 (shlibs)"
fi
if dpkg-deb -I "$tmp"/zkbiod_*_"$arch".deb postinst | grep -q 'systemd-sysusers'; then
    ok "zkbiod's postinst creates the zkbio account"
else
    no "zkbiod's postinst has no systemd-sysusers call"
fi

step "unpacked into the clean root $tmp/root"
root=$tmp/root
mkdir -p "$root"
for deb in "$tmp"/*.deb; do
    dpkg-deb -x "$deb" "$root" || no "dpkg-deb -x $deb"
done
libdir=$root/usr/lib/$multiarch

step "zkbiod from the installed files"
mkdir -p "$tmp/data"
LD_LIBRARY_PATH=$libdir "$root/usr/sbin/zkbiod" --config "$root/etc/zkbio/zkbiod.conf" --data-dir "$tmp/data" \
    --listen 127.0.0.1:0 --service-listen off --fleet-listen false --admission auto \
    --port-file "$tmp/ports" >"$tmp/zkbiod.log" 2>&1 &
pid=$!
i=0
while [ ! -s "$tmp/ports" ] && kill -0 "$pid" 2>/dev/null && [ $i -lt 200 ]; do
    sleep 0.1
    i=$((i + 1))
done
port=$(grep -o '[0-9][0-9]*' "$tmp/ports" 2>/dev/null | head -n 1)
if [ -z "$port" ]; then
    cat "$tmp/zkbiod.log"
    no "the installed zkbiod did not start (log above)"
    end
fi
ok "zkbiod listening on 127.0.0.1:$port"
if grep -q " $libdir/libzkbio\.so\.0" "/proc/$pid/maps"; then
    ok "zkbiod loaded $libdir/libzkbio.so.0"
else
    grep libzkbio "/proc/$pid/maps"
    no "zkbiod did not load the installed libzkbio.so.0"
fi
if curl -fsS "http://127.0.0.1:$port/health" >"$tmp/health" 2>&1; then
    ok "/health: $(head -c 200 "$tmp/health")"
else
    no "/health: $(cat "$tmp/health")"
fi
if curl -fsS "http://127.0.0.1:$port/iclock/cdata?SN=DEB0001&options=all&pushver=2.4.1" >"$tmp/hs" 2>&1 &&
    grep -q '^GET OPTION FROM: DEB0001' "$tmp/hs"; then
    ok "PUSH handshake: $(head -n 1 "$tmp/hs")"
else
    no "PUSH handshake: $(cat "$tmp/hs")"
fi
if LD_LIBRARY_PATH=$libdir "$root/usr/bin/zkbio" push-sim --url "http://127.0.0.1:$port" --sn DEB0002 \
    --users 2 --punches 3 --polls 1 --delay-ms 100 >"$tmp/sim.out" 2>&1; then
    ok "the installed zkbio push-sim uploaded 2 users and 3 punches"
else
    cat "$tmp/sim.out"
    no "zkbio push-sim against the installed zkbiod"
fi
kill -TERM "$pid"
i=0
while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do
    sleep 0.1
    i=$((i + 1))
done
if wait "$pid"; then ok "zkbiod stopped cleanly on SIGTERM"; else no "zkbiod exit status $? on SIGTERM"; fi
pid=

step "a program built against libzkbio-dev (zkbio.pc from the root)"
# shellcheck disable=SC2046 # flag lists
if cc -std=c11 -Wall -Werror -o "$tmp/consumer" "$top/tests/pkg/consumer.c" \
    $(PKG_CONFIG_PATH=$libdir/pkgconfig pkg-config --define-variable=prefix="$root/usr" --cflags --libs zkbio) \
    >"$tmp/cc.log" 2>&1 && LD_LIBRARY_PATH=$libdir "$tmp/consumer" >"$tmp/consumer.out" 2>&1; then
    ok "consumer: $(cat "$tmp/consumer.out")"
else
    cat "$tmp/cc.log" "$tmp/consumer.out" 2>/dev/null
    no "consumer against libzkbio-dev"
fi

step "the installed Python package against the installed zkbio emulate"
# /usr/bin/python3 imports zkbio from the root; its loader finds libzkbio.so.0 by soname (LD_LIBRARY_PATH).
LD_LIBRARY_PATH=$libdir "$root/usr/bin/zkbio" emulate --port 0 --users 4 --seconds 30 >"$tmp/emu.out" 2>&1 &
epid=$!
i=0
while ! grep -q listening "$tmp/emu.out" 2>/dev/null && [ $i -lt 100 ]; do
    sleep 0.1
    i=$((i + 1))
done
eport=$(sed -n 's/.*listening on [^:]*:\([0-9]*\).*/\1/p' "$tmp/emu.out")
if env -u ZKBIO_LIBRARY LD_LIBRARY_PATH=$libdir PYTHONPATH=$root/usr/lib/python3/dist-packages \
    /usr/bin/python3 -c 'import sys, zkbio; from zkbio.zk import ZK
assert zkbio.__file__.startswith(sys.argv[1]), zkbio.__file__
conn = ZK("127.0.0.1", port=int(sys.argv[2]), timeout=5, ommit_ping=True).connect()
print(len(conn.get_users()), zkbio.library_path)' "$root" "${eport:-0}" >"$tmp/py.out" 2>&1 &&
    grep -q '^4 libzkbio.so.0$' "$tmp/py.out"; then
    ok "python3-zkbio: a pyzk call through the installed package and libzkbio read 4 users"
else
    cat "$tmp/py.out"
    no "python3-zkbio against the installed zkbio emulate"
fi
kill "$epid" 2>/dev/null
wait "$epid" 2>/dev/null
step "the Python binding from python3-zkbio"
if PYTHONPATH=$root/usr/lib/python3/dist-packages LD_LIBRARY_PATH=$libdir /usr/bin/python3 -c '
import sys, zkbio
v = zkbio.library_version
v = v() if callable(v) else v
maps = [l.split()[-1] for l in open("/proc/self/maps") if "libzkbio.so" in l]
print("libzkbio", v, "from", sorted(set(maps)))
assert maps and all(m.startswith(sys.argv[1]) for m in maps), "not the installed library"
' "$libdir" >"$tmp/py.out" 2>&1; then
    ok "import zkbio: $(cat "$tmp/py.out")"
else
    cat "$tmp/py.out"
    no "python3-zkbio does not load the installed libzkbio.so.0"
fi

step "the installed unit"
unit=$root/lib/systemd/system/zkbiod.service
if grep -q '^ExecStart=/usr/sbin/zkbiod --config /etc/zkbio/zkbiod.conf --data-dir /var/lib/zkbio' "$unit"; then
    ok "ExecStart: $(grep '^ExecStart=' "$unit")"
else
    no "unexpected ExecStart: $(grep '^ExecStart=' "$unit")"
fi
# The root holds only our packages: add the units the systemd package would bring (targets, slices,
# sockets: sysinit.target, network-online.target, ...) from this machine, as verify resolves dependencies.
for u in /lib/systemd/system/*.target /lib/systemd/system/*.slice /lib/systemd/system/*.socket; do
    [ -e "$root/lib/systemd/system/$(basename "$u")" ] || cp "$u" "$root/lib/systemd/system/"
done
if MANPATH=$root/usr/share/man systemd-analyze verify --root="$root" zkbiod.service >"$tmp/verify" 2>&1 &&
    [ ! -s "$tmp/verify" ]; then
    ok "systemd-analyze verify --root (no warnings; ExecStart and man:zkbiod(8) found in the root)"
else
    cat "$tmp/verify"
    no "systemd-analyze verify --root"
fi
threshold=$(sed -n 's/.*--threshold=\([0-9][0-9]*\).*/\1/p' "$unit" | head -n 1)
if systemd-analyze security --offline=yes --root="$root" --threshold="${threshold:-0}" "$unit" >"$tmp/security" 2>&1; then
    ok "systemd-analyze security --offline --threshold=$threshold: $(grep 'Overall exposure' "$tmp/security")"
else
    tail -n 5 "$tmp/security"
    no "systemd-analyze security --threshold=$threshold"
fi

if command -v lintian >/dev/null 2>&1; then
    step "lintian (informative)"
    lintian --no-tag-display-limit "$tmp"/*.changes || true
fi
end
