#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The launchd plist (data/launchd/org.zkbio.zkbiod.plist, issue 17): well-formed XML (xmllint), a
# property list libplist reads (plistutil: XML -> binary -> XML), and the keys launchd needs
# (platforms.md §5.3), read back from plistutil's binary output with Python's plistlib. A broken copy
# must fail the same checks (self-test).   check-plist.sh PLIST
set -u
plist=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/../support/check.sh"

# check_plist FILE: 0 when FILE passes every check, else 1 (the reason on stderr).
check_plist() {
    xmllint --noout --nonet "$1" || return 1
    plistutil -i "$1" -o "$tmp/p.bin" -f bin || return 1
    [ -s "$tmp/p.bin" ] || { echo "plistutil wrote nothing" >&2; return 1; }
    plistutil -i "$tmp/p.bin" -o "$tmp/p.xml" -f xml || return 1
    /usr/bin/python3 - "$tmp/p.bin" "$tmp/p.xml" <<'PY' || return 1
import plistlib, sys
with open(sys.argv[1], 'rb') as f:
    p = plistlib.load(f)
with open(sys.argv[2], 'rb') as f:
    assert plistlib.load(f) == p, 'XML -> binary -> XML changed the plist'
def want(cond, what):
    if not cond:
        sys.exit('plist: ' + what)
want(p.get('Label') == 'org.zkbio.zkbiod', 'Label is org.zkbio.zkbiod')
args = p.get('ProgramArguments')
want(isinstance(args, list) and args and args[0].startswith('/') and args[0].endswith('/zkbiod'),
     'ProgramArguments starts with the absolute path of zkbiod')
want('--config' in args and args[args.index('--config') + 1].endswith('/zkbiod.conf'),
     'ProgramArguments passes --config .../zkbiod.conf')
want('--data-dir' in args, 'ProgramArguments passes --data-dir')
want(p.get('RunAtLoad') is True, 'RunAtLoad is true')
want(p.get('KeepAlive') == {'SuccessfulExit': False}, 'KeepAlive is {SuccessfulExit: false}')
want(p.get('UserName') == '_zkbio' and p.get('GroupName') == '_zkbio', 'UserName/GroupName are _zkbio')
for k in ('StandardOutPath', 'StandardErrorPath', 'WorkingDirectory'):
    want(isinstance(p.get(k), str) and p[k].startswith('/'), k + ' is an absolute path')
want(p.get('Umask') == 0o077, 'Umask is 077 (63)')
want('OnDemand' not in p and 'ServiceIPC' not in p, 'no obsolete keys')
PY
}

run 0 "the plist passes xmllint, plistutil and the key checks" check_plist "$plist"

# Self-tests: each broken copy must fail.
sed 's|</dict>\n</plist>||; s|<key>RunAtLoad</key>|<key>RunAtLoad</key><bad>|' "$plist" > "$tmp/broken-xml.plist"
run 1 "malformed XML is refused" check_plist "$tmp/broken-xml.plist"
sed 's|<string>_zkbio</string>|<string>root</string>|' "$plist" > "$tmp/root.plist"
run 1 "a daemon running as root is refused" check_plist "$tmp/root.plist"
sed 's|<string>--config</string>|<string>--verbose</string>|' "$plist" > "$tmp/noconfig.plist"
run 1 "a missing --config is refused" check_plist "$tmp/noconfig.plist"
finish
