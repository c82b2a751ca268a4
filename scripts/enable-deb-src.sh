#!/bin/sh
# Enable APT's deb-src entries beside the deb ones (deb822 .sources files and the one-line sources.list), then
# update the package lists, so `apt-get source` works on a machine set up without them. Used by
# scripts/get-civetweb.sh and scripts/fetch-debian-sources.sh when `apt-get source` fails. Needs root; without it
# says so and exits 1.
set -eu
if [ "$(id -u)" != 0 ]; then
    echo "enable-deb-src: not root: enable deb-src entries in /etc/apt/sources.list* by hand" >&2
    exit 1
fi
for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] && sed -i 's/^Types: deb$/Types: deb deb-src/' "$f"
done
if [ -f /etc/apt/sources.list ] && ! grep -q '^deb-src' /etc/apt/sources.list; then
    sed -n 's/^deb \(.*\)/deb-src \1/p' /etc/apt/sources.list >/etc/apt/sources.list.d/zkbio-src.list
fi
apt-get update -qq
