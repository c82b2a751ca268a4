#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# `meson install` (issue 17; data/meson.build): install the build into a temporary DESTDIR, check that the
# library, headers, zkbio.pc, programs, man pages, unit, sysusers file, udev rules and example configuration are
# where they belong, that a second install keeps an edited configuration, and that a small program outside the
# tree compiles and links against the installed headers and zkbio.pc, shared (loading the installed
# libzkbio.so.0) and static (pkg-config --static: Libs.private/Requires.private complete).
#   check-install.sh BUILDDIR CONSUMER_C PREFIX BINDIR SBINDIR LIBDIR INCLUDEDIR MANDIR SYSCONFDIR UNITDIR
#                    SYSUSERSDIR UDEVDIR [CFLAGS...]
# (directories absolute; UNITDIR/SYSUSERSDIR 'no' when not installed; CC is the compiler; CFLAGS for the
# consumer, e.g. the sanitizer flags of an instrumented build)
set -u
build=$1 consumer=$2 prefix=$3 bindir=$4 sbindir=$5 libdir=$6 includedir=$7 mandir=$8 sysconfdir=$9
shift 9
unitdir=$1 sysusersdir=$2 udevdir=$3
shift 3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/../support/check.sh"
root=$tmp/root
CC=${CC:-cc}

run 0 "meson install --destdir" meson install -C "$build" --no-rebuild --quiet --destdir "$root" || {
    finish
}

have() { # have DESCRIPTION TEST-ARGS...: count a pass when `test TEST-ARGS` holds
    d=$1
    shift
    if test "$@"; then ok; else no "$d"; fi
}
have "zkbiod in sbin" -x "$root$sbindir/zkbiod"
have "zkbio in bin" -x "$root$bindir/zkbio"
have "libzkbio.so.0 (soname link)" -L "$root$libdir/libzkbio.so.0"
have "libzkbio.so (development link)" -L "$root$libdir/libzkbio.so"
have "libzkbio.a" -f "$root$libdir/libzkbio.a"
have "zkbio.pc" -f "$root$libdir/pkgconfig/zkbio.pc"
have "zkbio(1)" -f "$root$mandir/man1/zkbio.1"
have "zkbiod(8)" -f "$root$mandir/man8/zkbiod.8"
have "udev rules" -f "$root$udevdir/60-zkbio.rules"
have "example configuration" -f "$root$sysconfdir/zkbio/zkbiod.conf"
for h in $(sed -n 's|^#include "zkbio/\(.*\)"|\1|p' "$root$includedir/zkbio/zkbio.h"); do
    have "header $h" -f "$root$includedir/zkbio/$h"
done
[ "$(stat -c %a "$root$sysconfdir/zkbio/zkbiod.conf")" = 640 ] && ok || no "zkbiod.conf is mode 0640"
if [ "$unitdir" != no ]; then
    have "zkbiod.service" -f "$root$unitdir/zkbiod.service"
    expect "$root$unitdir/zkbiod.service" "^ExecStart=$sbindir/zkbiod --config $sysconfdir/zkbio/zkbiod.conf " \
        "the unit starts the installed zkbiod with the installed configuration"
fi
[ "$sysusersdir" = no ] || have "sysusers.d/zkbio.conf" -f "$root$sysusersdir/zkbio.conf"
# Nothing of the build tree leaks into the installed programs (meson strips the build RUNPATH).
if readelf -d "$root$sbindir/zkbiod" | grep -q "$build"; then no "installed zkbiod has a RUNPATH into $build"; else ok; fi

# A second install keeps the administrator's configuration.
echo "log-level = debug" >>"$root$sysconfdir/zkbio/zkbiod.conf"
run 0 "meson install again" meson install -C "$build" --no-rebuild --quiet --destdir "$root"
expect "$root$sysconfdir/zkbio/zkbiod.conf" "^log-level = debug" "a second install keeps an edited zkbiod.conf"

# The consumer, through pkg-config, with the .pc's prefix moved into the DESTDIR.
PKG_CONFIG_PATH=$root$libdir/pkgconfig
export PKG_CONFIG_PATH
pc() { pkg-config --define-variable=prefix="$root$prefix" "$@" zkbio; }
run 0 "pkg-config knows zkbio" pc --exists
cflags=$(pc --cflags) libs=$(pc --libs)
# Static: libzkbio.a plus what zkbio.pc declares for it (its Libs.private and, dynamically, its Requires.private;
# `--static` would also want the static closure of libusb, whose libudev has no development link here).
slibs="$libs $(sed -n 's/^Libs.private: *//p' "$root$libdir/pkgconfig/zkbio.pc")"
slibs="$slibs $(pkg-config --libs $(pc --print-requires-private | awk '{print $1}'))"
# shellcheck disable=SC2086 # flag lists
run 0 "consumer compiles and links (shared): $CC $cflags $libs" \
    "$CC" -std=c11 -Wall -Werror "$@" -o "$tmp/consumer" "$consumer" $cflags $libs
run 0 "consumer runs against the installed libzkbio.so.0" env LD_LIBRARY_PATH="$root$libdir" "$tmp/consumer"
env LD_LIBRARY_PATH="$root$libdir" ldd "$tmp/consumer" >"$tmp/ldd" 2>&1
expect "$tmp/ldd" "libzkbio\.so\.0 => $root$libdir/libzkbio\.so\.0" "the consumer loads the installed libzkbio.so.0"
# shellcheck disable=SC2086
run 0 "consumer links statically: $CC $cflags $slibs (libzkbio.a)" \
    "$CC" -std=c11 -Wall -Werror "$@" -o "$tmp/consumer-static" "$consumer" $cflags \
    $(echo "$slibs" | sed 's/-lzkbio\b/-l:libzkbio.a/')
run 0 "static consumer runs" "$tmp/consumer-static"
if ldd "$tmp/consumer-static" 2>&1 | grep -q libzkbio; then no "static consumer loads libzkbio"; else ok; fi
finish
