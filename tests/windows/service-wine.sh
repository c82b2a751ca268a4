#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# zkbiod.exe under Wine (issue 17, wt-winport; docs/windows-service.md): `zkbiod service` against Wine's service
# control manager (services.exe: install as LocalService, start until RUNNING, stop through STOP_PENDING, install
# twice refused, uninstall, start after uninstall refused) and `zkbiod cert install|uninstall` with the ROOT store
# (added, found and removed, then "not present"). Run by meson in the Windows cross build only (tests/windows).
# Usage: service-wine.sh ZKBIOD_EXE   (wine from PATH or $WINE; a private prefix: about 10 s of wineboot)
set -u
exe=$1
wine=${WINE:-wine}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/zkbio-winsvc-XXXXXX")
# A Wine prefix of this test's own, with a wineserver of its own that ends with it: the service manager of a
# shared persistent prefix (scripts/ci/windows.sh) answered "Service database locked" or "Service request timeout"
# for minutes after its wineboot, and a service left there would be started again with the prefix. Killing this
# prefix's server at the end also ends the services.exe that inherited this script's output.
export WINEPREFIX="$tmp/prefix" WINEDEBUG=-all WINEARCH=win64
export WINEDLLOVERRIDES="mscoree,mshtml=,winemenubuilder.exe="
trap 'wineserver -k >/dev/null 2>&1; rm -rf "$tmp"' EXIT
. "$(dirname "$0")/../support/check.sh"
command -v wineserver >/dev/null 2>&1 || { echo "service-wine: wineserver is not installed (wine)"; exit 1; }
"$wine" wineboot --init </dev/null >/dev/null 2>&1 || { echo "service-wine: wineboot failed"; exit 1; }
# and started afresh: right after the prefix's first boot its service manager still answered wrongly (a second
# CreateService succeeded, StartService timed out); a plain start of the initialised prefix behaves
wineserver -k >/dev/null 2>&1
wineserver -w >/dev/null 2>&1

run 2 "service without a command prints its usage" "$wine" "$exe" service
expect "$tmp/err" 'zkbiod service install' "usage names install"
run 0 "service install" "$wine" "$exe" service install --listen 127.0.0.1:0 --service-listen off
expect "$tmp/out" 'installed service zkbiod' "install reports the service"
expect "$tmp/out" 'LocalService' "install names the account"
run 1 "a second install is refused" "$wine" "$exe" service install
expect "$tmp/err" 'already installed' "the refusal says why"
run 0 "service start (until RUNNING)" "$wine" "$exe" service start
expect "$tmp/out" 'running' "start reports RUNNING"
run 0 "service stop (STOP_PENDING, then STOPPED)" "$wine" "$exe" service stop
expect "$tmp/out" 'stopped' "stop reports STOPPED"
run 0 "service uninstall" "$wine" "$exe" service uninstall
expect "$tmp/out" 'removed' "uninstall reports it"
run 1 "start after uninstall fails" "$wine" "$exe" service start
# the service's log (no console): started, then stopped by the STOP control, gracefully
log="$WINEPREFIX/drive_c/ProgramData/zkbio/zkbiod.log"
expect "$log" 'listening on 127.0.0.1' "the service logged its start-up to %ProgramData%\\zkbio\\zkbiod.log"
expect "$log" 'INFO  stopping' "and its graceful stop"

# the certificate: made in a data directory of this test, added to a ROOT store, then removed from it
data="Z:$(printf '%s' "$tmp/data" | tr '/' '\\')"
run 0 "cert install" "$wine" "$exe" cert install --data-dir "$data"
expect "$tmp/out" 'trusted in' "install names the ROOT store it used"
[ -f "$tmp/data/service.crt" ] && ok || no "service.crt created in the data directory"
run 0 "cert uninstall" "$wine" "$exe" cert uninstall --data-dir "$data"
expect "$tmp/out" 'removed from the' "the certificate was in a ROOT store"
run 0 "cert uninstall again" "$wine" "$exe" cert uninstall --data-dir "$data"
expect "$tmp/out" 'not present' "and is gone"
finish
