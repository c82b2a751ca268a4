#!/bin/sh
# Stage the Debian 12 (bookworm) orig tarballs of the libraries the Windows cross build compiles as meson
# subprojects (docs/windows.md; platforms.md §3.2) into subprojects/packagecache/, where the [wrap-file]s of
# subprojects/*.wrap find them without any download. Each file is checked against the SHA-256 pinned below (the
# value of the package's .dsc in bookworm). Idempotent and offline when every file is already there; otherwise it
# runs `apt-get source --download-only` (deb-src must be enabled). civetweb is staged by scripts/get-civetweb.sh.
# Third-party source is never committed: subprojects/packagecache/ is in .gitignore.
#
# Usage: scripts/fetch-debian-sources.sh [PACKAGE...]   (default: all of the required ones below)
# Exit status: nonzero when a required tarball cannot be fetched or its checksum does not match.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cache="$top/subprojects/packagecache"

# source-package orig-tarball sha256 (from `apt-cache showsrc`, bookworm / bookworm-security)
pins="jansson jansson_2.14.orig.tar.gz c739578bf6b764aa0752db9a2fdadcfe921c78f1228c7ec0bb47fa804c55d17b
sqlite3 sqlite3_3.40.1.orig.tar.xz aaa776260ab4dc976db34aa7891819484c8676b5b2783123ebc6301e2ca5d655
mbedtls mbedtls_2.28.3.orig.tar.gz 3b4953aa55a681e084d31892d9904cc5328d6b4958ea57b90ae4b4f94ae69a8d
libusb-1.0 libusb-1.0_1.0.26.orig.tar.bz2 12ce7a61fc9854d1d2a1ffe095f7b5fac19ddba095c259e6067a46500381b5a5
argon2 argon2_0~20171227.orig.tar.gz eaea0172c1f4ee4550d1b6c9ce01aab8d1ab66b4207776aa67991eb5872fdcd8"

# Required by default. argon2 (the daemon's password hashing) is fetched only when asked for by name: its orig
# tarball answers 404 on the Debian mirror this project's CI uses (checked 2026-12-07), see docs/windows.md.
wanted=${*:-"jansson sqlite3 mbedtls libusb-1.0"}

sha_ok() { # FILE SHA256
    [ -f "$1" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$2" ]
}

mkdir -p "$cache"
tmp=""
trap '[ -z "$tmp" ] || rm -rf "$tmp"' EXIT
status=0
for pkg in $wanted; do
    line=$(printf '%s\n' "$pins" | awk -v p="$pkg" '$1 == p')
    if [ -z "$line" ]; then
        echo "fetch-debian-sources: no pinned tarball for '$pkg'" >&2
        status=1
        continue
    fi
    file=$(echo "$line" | cut -d' ' -f2)
    sum=$(echo "$line" | cut -d' ' -f3)
    if sha_ok "$cache/$file" "$sum"; then
        echo "fetch-debian-sources: $file (cached)"
        continue
    fi
    command -v apt-get >/dev/null 2>&1 || { echo "fetch-debian-sources: apt-get not found" >&2; exit 1; }
    [ -n "$tmp" ] || tmp=$(mktemp -d "${TMPDIR:-/tmp}/zkbio-src-XXXXXX")
    # apt-get source drops privileges to _apt for the download: the directory must be writable by it.
    chmod 0777 "$tmp"
    # A machine set up without deb-src entries: enable them once (root only) and retry.
    if ! (cd "$tmp" && apt-get source --download-only "$pkg" >"$tmp/$pkg.log" 2>&1) &&
        [ -z "${srcs_enabled:-}" ] && [ "$(id -u)" = 0 ]; then
        srcs_enabled=1
        "$top/scripts/enable-deb-src.sh" >"$tmp/enable.log" 2>&1 || cat "$tmp/enable.log" >&2
        (cd "$tmp" && apt-get source --download-only "$pkg" >"$tmp/$pkg.log" 2>&1) || true
    fi
    if [ ! -f "$tmp/$file" ]; then
        cat "$tmp/$pkg.log" >&2
        echo "fetch-debian-sources: apt-get source $pkg did not give $file (is deb-src enabled?)" >&2
        status=1
        continue
    fi
    if ! sha_ok "$tmp/$file" "$sum"; then
        echo "fetch-debian-sources: $file: SHA-256 mismatch (expected $sum)" >&2
        status=1
        continue
    fi
    cp "$tmp/$file" "$cache/$file.part" && mv "$cache/$file.part" "$cache/$file"
    echo "fetch-debian-sources: $file (fetched, SHA-256 ok)"
done

# civetweb: its own script (upstream release tarball, else Debian's source package), unpacked in subprojects/.
"$top/scripts/get-civetweb.sh"
exit $status
