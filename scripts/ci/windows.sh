#!/bin/sh
# CI job (scripts/run-tests.sh runs every scripts/ci/*.sh): the Windows cross build from Debian with mingw-w64,
# its unit tests under Wine, and the zkbiod.exe smoke test (docs/windows.md; issue 17).
#   1. scripts/fetch-debian-sources.sh: Debian 12's orig tarballs of the dependencies (SHA-256 checked; offline
#      when subprojects/packagecache already has them);
#   2. meson setup build-windows with cross/mingw-w64-x86_64.txt, every dependency forced to its subproject, -O1
#      (the job compiles SQLite, mbedTLS, civetweb and the daemon from scratch each run; -O1 takes a fifth less CPU),
#      -Dwerror=true; builds libzkbio-0.dll, zkbio.exe, the unit tests (and zkbiod.exe when the daemon builds);
#   3. headless Wine in a private prefix under the build directory: meson test (suites unit) under Wine;
#   4. tests/windows/smoke.sh with zkbiod.exe under Wine.
# The build directory is made afresh each run: nothing is cached between runs but the clone's packagecache.
# A missing tool is a failure, never a skip. Exit status: nonzero when anything failed.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
build="$top/build-windows"
# zkbiod.exe builds since the daemon's Windows port (wt-winport, round 1). ZKBIO_WINDOWS_DAEMON=disabled builds
# the library, the tool and the unit tests only (and says that the smoke test did not run).
daemon=${ZKBIO_WINDOWS_DAEMON:-enabled}

step() { echo "---- windows: $*"; }
need() {
    command -v "$1" >/dev/null 2>&1 || { echo "windows: $1 is not installed ($2; scripts/setup-deps.sh)" >&2; exit 1; }
}
need x86_64-w64-mingw32-gcc-posix "gcc-mingw-w64-x86-64-posix"
need x86_64-w64-mingw32-pkg-config "mingw-w64-tools"
need wine "wine"
need wineserver "wine"
need tclsh "tcl: SQLite's amalgamation"
need meson "meson"
need ninja "ninja-build"

step "fetch Debian sources"
"$top/scripts/fetch-debian-sources.sh"

step "configure (daemon: $daemon)"
rm -rf "$build"
# unpack the subprojects afresh, so that our meson.build files (subprojects/packagefiles) are the current ones
for wrap in jansson sqlite3 mbedtls libusb-1.0; do
    d=$(sed -n 's/^directory = //p' "$top/subprojects/$wrap.wrap")
    [ -n "$d" ] && rm -rf "${top:?}/subprojects/$d"
done
meson setup "$build" "$top" --cross-file "$top/cross/mingw-w64-x86_64.txt" \
    --force-fallback-for=jansson,sqlite3,mbedtls,libusb-1.0 -Dwerror=true -Ddaemon="$daemon" \
    -Dbuildtype=release -Doptimization=1 >"$build.setup.log" 2>&1 || { cat "$build.setup.log"; exit 1; }
sed -n '/Features/,/User defined options/p' "$build.setup.log"
rm -f "$build.setup.log"

step "build"
ninja -C "$build" -j "${ZKBIO_CI_JOBS:-2}" >"$build/ninja.log" 2>&1 || { tail -n 60 "$build/ninja.log"; exit 1; }
bins="lib/libzkbio-0.dll cli/zkbio.exe"
[ "$daemon" = disabled ] || bins="$bins daemon/zkbiod.exe"
for f in $bins; do
    [ -f "$build/$f" ] || { echo "windows: $f was not built" >&2; exit 1; }
done
# the binaries need no mingw runtime DLL (static libgcc and winpthread: cross file)
imports=$(cd "$build" && x86_64-w64-mingw32-objdump -p $bins | grep -i "DLL Name")
if echo "$imports" |
    grep -qiv "kernel32\|msvcrt\|ws2_32\|advapi32\|bcrypt\|user32\|setupapi\|ole32\|shell32\|crypt32"; then
    echo "windows: a binary imports an unexpected DLL:" >&2
    echo "$imports" >&2
    exit 1
fi
(cd "$build" && ls -l $bins)

step "Wine prefix"
export WINEPREFIX="$build/wineprefix" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=,winemenubuilder.exe="
export WINEARCH=win64
# A persistent wineserver and the prefix's services started now, detached from our output: a service process
# started by a test's wine would inherit the test's stdout pipe and keep meson waiting until its timeout.
mkdir -p "$WINEPREFIX"
wineserver -p </dev/null >/dev/null 2>&1
trap 'wineserver -k >/dev/null 2>&1 || true' EXIT
wine wineboot --init </dev/null >/dev/null 2>&1
wine "$build/cli/zkbio.exe" --version </dev/null

step "unit tests under Wine"
meson test -C "$build" --no-rebuild --print-errorlogs --num-processes "${ZKBIO_CI_JOBS:-2}"

step "zkbio.exe: emulate + device over TCP and UDP"
emu_log="$build/emulate.log"
wine "$build/cli/zkbio.exe" emulate --port 0 --users 3 </dev/null >"$emu_log" 2>&1 &
emu_pid=$!
i=0
until grep -q "listening on" "$emu_log"; do
    i=$((i + 1))
    [ $i -lt 200 ] && kill -0 $emu_pid 2>/dev/null || { cat "$emu_log"; echo "windows: zkbio emulate did not start" >&2; exit 1; }
    sleep 0.1
done
port=$(sed -n 's/.*listening on [^ ]*:\([0-9][0-9]*\) .*/\1/p' "$emu_log" | head -n 1)
ok=1
wine "$build/cli/zkbio.exe" device "127.0.0.1:$port" info --tcp </dev/null | grep -q "serial: *ZKEMU" || ok=0
[ "$(wine "$build/cli/zkbio.exe" device "127.0.0.1:$port" users --udp </dev/null | grep -c "User ")" = 3 ] || ok=0
kill $emu_pid 2>/dev/null || true
wait $emu_pid 2>/dev/null || true
[ $ok = 1 ] || { echo "windows: zkbio device against zkbio emulate failed" >&2; exit 1; }
echo "zkbio device info (TCP) and users (UDP) against zkbio emulate: ok"

step "zkbiod.exe smoke test"
if [ -f "$build/daemon/zkbiod.exe" ]; then
    "$top/tests/windows/smoke.sh" "$build/daemon/zkbiod.exe" wine
elif [ "$daemon" = disabled ]; then
    echo "windows: zkbiod.exe NOT BUILT (-Ddaemon=disabled until the daemon's Windows port lands): smoke test not run"
else
    echo "windows: zkbiod.exe was not built" >&2
    exit 1
fi
echo "windows: all steps passed"
