#!/bin/sh
# Put civetweb's source where meson expects it (subprojects/civetweb-1.15) with our meson overlay.
# 1. meson's own wrap download of the upstream release tarball (subprojects/civetweb.wrap), when it is reachable;
# 2. otherwise Debian's source package of the same release (apt-get source civetweb), enabling deb-src if needed.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
dir="$top/subprojects/civetweb-1.15"
[ -f "$dir/src/civetweb.c" ] && [ -f "$dir/meson.build" ] && exit 0

cd "$top"
if timeout 60 meson subprojects download civetweb >/dev/null 2>&1 && [ -f "$dir/src/civetweb.c" ]; then
    echo "civetweb: upstream release tarball"
    exit 0
fi
rm -rf "$dir"

echo "civetweb: upstream tarball unreachable; using Debian's source package"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
if ! apt-get source --download-only civetweb >/dev/null 2>&1; then
    "$top/scripts/enable-deb-src.sh" || true
    apt-get source --download-only civetweb >/dev/null
fi
orig=$(ls civetweb_1.15*.orig.tar.* 2>/dev/null | head -n 1)
[ -n "$orig" ] || { echo "civetweb: Debian source package is not version 1.15" >&2; exit 1; }
mkdir src && tar -xf "$orig" -C src
srcdir=$(ls -d src/civetweb-* | head -n 1)
mkdir -p "$dir"
cp -R "$srcdir"/. "$dir"/
cp "$top/subprojects/packagefiles/civetweb/meson.build" "$dir/meson.build"
echo "civetweb: unpacked $(basename "$orig")"
