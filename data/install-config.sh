#!/bin/sh
# meson install step: install the example configuration SRC as DEST (under $DESTDIR) unless a file is
# already there, so an edited configuration survives `meson install`. Mode 0640; when run as root and
# the group zkbio exists (sysusers.d/zkbio.conf), the file is given to that group so the service can
# read it while other users cannot (it may hold secrets).
set -eu
src=$1
dest=${DESTDIR:-}$2
if [ -e "$dest" ]; then
    echo "Keeping existing $dest"
    exit 0
fi
mkdir -p "$(dirname "$dest")"
cp "$src" "$dest"
chmod 0640 "$dest"
if [ -z "${DESTDIR:-}" ] && [ "$(id -u)" = 0 ] && getent group zkbio >/dev/null 2>&1; then
    chgrp zkbio "$dest"
fi
echo "Installing $src to $dest"
