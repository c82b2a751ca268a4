#!/bin/sh
# The fingerprint commands of the zkbio tool on tests/data: extract (native, ISO, ANSI), match
# (images, golden ISO templates, mixed), merge, identify, and clean failures (exit 2 and a one-line
# message naming the error) on bad files. With a third argument "bench": a short run of
# `zkbio bench speed`, which must print every figure's label.
# Usage: test-fp-cli.sh ZKBIO DATA_DIR [bench]
set -u
Z=$1
D=$2
mode=${3:-}
DB1=$D/fvc/FVC2002_DB1_B
if [ ! -f "$DB1/101_1.tif" ] || [ ! -f "$D/iso/probe.png" ] || [ ! -f "$D/iso/iso-probe.dat" ]; then
    echo "FAIL: no test data in $D (tests/data)"
    exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
. "$(dirname "$0")/../support/check.sh"

# magic FILE BYTES DESCRIPTION: FILE starts with the (printable) bytes
magic() {
    n=$(printf '%s' "$2" | wc -c)
    if [ "$(head -c "$n" "$1" 2>/dev/null)" = "$2" ]; then
        ok
    else
        no "$3: $1 does not start with '$2'"
    fi
}

# a failure must exit 2 with one line on stderr that names the command and a zkbio error
bad() {
    desc=$1
    shift
    run 2 "$desc" "$@" || return
    if [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q '^zkbio [a-z ]*: .*(ZKBIO_E[A-Z]*)$' "$tmp/err"; then
        ok
    else
        no "$desc: want one line 'zkbio CMD: ... (ZKBIO_E...)' on stderr, got:"
        sed 's/^/  /' "$tmp/err"
    fi
}

if [ "$mode" = bench ]; then
    run 0 "bench speed --help" "$Z" bench speed --help
    expect "$tmp/out" '^Usage: zkbio bench speed DIR' "bench speed --help"
    run 0 "bench --help lists speed" "$Z" bench --help
    expect "$tmp/out" 'bench speed' "bench --help"
    run 0 "bench speed on a small gallery" "$Z" bench speed "$DB1" --gallery 1000 --seconds 1
    for label in '^machine: .*[0-9][0-9]* online core' "^images: *$(ls "$DB1"/*.tif | wc -l), 388x374 px at 500 dpi" \
        '^extraction (1 thread): *mean [0-9.]* ms/image, .*p95 [0-9.]* ms' \
        '^1:1 zkbio_match (1 thread): *[0-9]* comparisons/s' \
        '^1:1 zkbio_matcher (1 thread): *[0-9]* comparisons/s' \
        '^1:N gallery: *1000 templates' \
        '^1:N identify .*[0-9]* templates/s (.*), mean [0-9.]* ms per identify'; do
        expect "$tmp/out" "$label" "bench speed output"
    done
    bad "bench speed on a missing directory" "$Z" bench speed "$tmp/none"
    run 2 "bench speed with a bad --gallery" "$Z" bench speed "$DB1" --gallery 0
    finish
fi

# --- help ------------------------------------------------------------------------------------------
run 0 "zkbio --help" "$Z" --help
for c in extract match merge identify; do
    expect "$tmp/out" "^  $c " "zkbio --help lists $c"
done
for c in extract match merge identify; do
    run 0 "$c --help" "$Z" $c --help
    expect "$tmp/out" "^Usage: zkbio $c " "$c --help"
    run 2 "$c without arguments" "$Z" $c
done

# --- extract ---------------------------------------------------------------------------------------
run 0 "extract a TIFF to native" "$Z" extract "$DB1/101_1.tif" -o "$tmp/101_1.zkb"
expect "$tmp/out" '^quality: *[0-9]' "extract prints the quality"
expect "$tmp/out" '^minutiae: *[0-9]' "extract prints the minutiae count"
expect "$tmp/out" '^capture: *none$' "extract prints the capture check (a clean capture: no retake)"
expect "$tmp/out" '^signals: *dryness [0-9]*, wetness' "extract prints the capture signals"
magic "$tmp/101_1.zkb" ZKBT "native template"
run 0 "extract a TIFF to ISO" "$Z" extract "$DB1/101_1.tif" --format iso -o "$tmp/101_1.iso"
magic "$tmp/101_1.iso" FMR "ISO template"
run 0 "extract a TIFF to ANSI" "$Z" extract "$DB1/101_1.tif" -f ansi -o "$tmp/101_1.ansi"
magic "$tmp/101_1.ansi" FMR "ANSI template"
run 0 "extract --base64" "$Z" extract "$D/iso/probe.png" --base64
head -n 1 "$tmp/out" >"$tmp/probe.b64"
expect "$tmp/probe.b64" '^WktCV[A-Za-z0-9+/=]*$' "--base64 prints a native record (ZKBT...)"
run 0 "extract --dpi 400" "$Z" extract "$DB1/101_1.tif" --dpi 400
expect "$tmp/out" '400 dpi' "--dpi sets the resolution"
# a white image: unusable, exit 1, reason named
{
    printf 'P5\n300 300\n255\n'
    head -c 90000 /dev/zero | tr '\000' '\377'
} >"$tmp/white.pgm"
run 1 "extract a blank image" "$Z" extract "$tmp/white.pgm"
expect "$tmp/err" 'unusable image: blank' "the unusable reason is named"
expect "$tmp/err" 'ZKBIO_ELOWQUALITY' "the unusable error is named"

# --- match -----------------------------------------------------------------------------------------
run 0 "match probe.png matching.png" "$Z" match "$D/iso/probe.png" "$D/iso/matching.png"
expect "$tmp/out" '^score [0-9.]*: match (threshold 40.00)' "match output"
run 1 "match probe.png nonmatching.png" "$Z" match "$D/iso/probe.png" "$D/iso/nonmatching.png"
expect "$tmp/out" '^score [0-9.]*: no match' "no-match output"
run 0 "match golden ISO probe/matching" "$Z" match "$D/iso/iso-probe.dat" "$D/iso/iso-matching.dat"
run 1 "match golden ISO probe/nonmatching" "$Z" match "$D/iso/iso-probe.dat" "$D/iso/iso-nonmatching.dat"
run 0 "match native vs ISO vs ANSI of one image" "$Z" match "$tmp/101_1.zkb" "$tmp/101_1.iso"
run 0 "match ANSI vs image" "$Z" match "$tmp/101_1.ansi" "$DB1/101_1.tif"
run 0 "match base64 text vs image" "$Z" match "$tmp/probe.b64" "$D/iso/matching.png"
run 1 "match at a threshold nothing reaches" "$Z" match "$tmp/101_1.zkb" "$tmp/101_1.iso" --threshold 1e6
run 0 "match -v" "$Z" match -v "$tmp/101_1.zkb" "$DB1/101_1.tif"
expect "$tmp/out" 'image 388x374 px 500 dpi' "match -v describes an image"
expect "$tmp/out" 'template, 1 view' "match -v describes a template"

# --- merge -----------------------------------------------------------------------------------------
run 0 "merge three impressions of finger 101" "$Z" merge "$DB1/101_1.tif" "$DB1/101_2.tif" "$DB1/101_3.tif" -o "$tmp/101.zkb"
magic "$tmp/101.zkb" ZKBT "merged template"
expect "$tmp/out" '^merged: *[123] view' "merge output"
run 0 "the merged template matches a fourth impression" "$Z" match "$tmp/101.zkb" "$DB1/101_4.tif"
run 0 "merge to a multi-view ANSI record" "$Z" merge "$DB1/101_1.tif" "$DB1/101_2.tif" "$DB1/101_3.tif" -f ansi -o "$tmp/101.ansi"
magic "$tmp/101.ansi" FMR "merged ANSI template"
run 0 "the merged ANSI record matches a fourth impression" "$Z" match -v "$tmp/101.ansi" "$DB1/101_4.tif"
expect "$tmp/out" 'template, 3 view' "the ANSI record keeps the three views"
run 1 "merge three different fingers" "$Z" merge "$DB1/101_1.tif" "$DB1/102_1.tif" "$DB1/103_1.tif" -o "$tmp/x.zkb"
expect "$tmp/err" 'ZKBIO_EMISMATCH' "merge names the mismatch"
[ ! -e "$tmp/x.zkb" ] && ok || no "refused merge wrote a file"
run 1 "merge with a blank image" "$Z" merge "$DB1/101_1.tif" "$DB1/101_2.tif" "$tmp/white.pgm" -o "$tmp/x.zkb"
expect "$tmp/err" 'blank' "merge names the unusable capture"

# --- identify --------------------------------------------------------------------------------------
mkdir "$tmp/gallery"
for f in 101 102 103 104 105 106; do
    ln -s "$DB1/${f}_1.tif" "$tmp/gallery/${f}_1.tif"
done
cp "$tmp/101.zkb" "$tmp/gallery/101_merged.zkb"
echo "not a fingerprint" >"$tmp/gallery/README"
run 0 "identify 105_2 in a gallery of 6 fingers" "$Z" identify "$DB1/105_2.tif" "$tmp/gallery" --top 3 --threads 2
expect "$tmp/out" '^ *1 *[0-9]* *[0-9.]*  105_1\.tif$' "105_1.tif ranks first"
expect "$tmp/out" '^gallery: 7 template(s)' "identify counts the gallery"
expect "$tmp/err" 'skipping .*README' "identify names the skipped file"
run 0 "identify 101_5 finds finger 101" "$Z" identify "$DB1/101_5.tif" "$tmp/gallery" --ext zkb
expect "$tmp/out" '101_merged\.zkb$' "101_merged.zkb is a candidate"
run 1 "identify at a threshold nothing reaches" "$Z" identify "$DB1/105_2.tif" "$tmp/gallery" --threshold 1e6
expect "$tmp/out" '^no candidate' "identify says nothing was found"
run 0 "identify with --fpir (the 1:N rule)" "$Z" identify "$DB1/105_2.tif" "$tmp/gallery" --fpir 1e-3
expect "$tmp/out" '^threshold 38\.46 for FPIR 0\.001 over 7 template' "--fpir sets 10 log10(7 / 1e-3) = 38.451, rounded up"
run 2 "identify refuses --fpir 1" "$Z" identify "$DB1/105_2.tif" "$tmp/gallery" --fpir 1
run 2 "identify refuses --fpir with --threshold" "$Z" identify "$DB1/105_2.tif" "$tmp/gallery" --fpir 1e-3 --threshold 40

# --- bad files -------------------------------------------------------------------------------------
echo "hello, not a fingerprint" >"$tmp/text.txt"
: >"$tmp/empty"
head -c 100 "$D/iso/probe.png" >"$tmp/trunc.png"
head -c 60 "$tmp/101_1.zkb" >"$tmp/trunc.zkb"
printf 'ZKBT\001\001garbage' >"$tmp/garbage.zkb"
{
    printf 'P5\n10 10\n255\n'
    head -c 100 /dev/zero
} >"$tmp/tiny.pgm"
bad "match a text file" "$Z" match "$tmp/text.txt" "$D/iso/probe.png"
bad "match an empty file" "$Z" match "$D/iso/probe.png" "$tmp/empty"
bad "match a truncated PNG" "$Z" match "$tmp/trunc.png" "$D/iso/probe.png"
bad "match a truncated native template" "$Z" match "$tmp/trunc.zkb" "$D/iso/probe.png"
bad "match a corrupt native template" "$Z" match "$tmp/garbage.zkb" "$D/iso/probe.png"
bad "match a missing file" "$Z" match "$tmp/missing.png" "$D/iso/probe.png"
bad "match a directory" "$Z" match "$tmp" "$D/iso/probe.png"
bad "match a too small image" "$Z" match "$tmp/tiny.pgm" "$D/iso/probe.png"
bad "match the zkbio binary" "$Z" match "$Z" "$D/iso/probe.png"
for f in "$D"/fvc/invalid_iso/*.iso; do
    bad "match truncated ISO $(basename "$f")" "$Z" match "$f" "$D/iso/probe.png"
done
bad "extract a text file" "$Z" extract "$tmp/text.txt"
bad "extract a truncated PNG" "$Z" extract "$tmp/trunc.png"
bad "extract a template" "$Z" extract "$tmp/101_1.zkb"
bad "extract to an unwritable path" "$Z" extract "$DB1/101_1.tif" -o "$tmp/missing/dir/x.zkb"
bad "merge with a text file" "$Z" merge "$DB1/101_1.tif" "$DB1/101_2.tif" "$tmp/text.txt" -o "$tmp/x.zkb"
bad "identify with a bad probe" "$Z" identify "$tmp/trunc.png" "$tmp/gallery"
bad "identify a missing directory" "$Z" identify "$DB1/105_2.tif" "$tmp/missing"
mkdir "$tmp/junk"
cp "$tmp/text.txt" "$tmp/trunc.png" "$tmp/junk/"
run 2 "identify in a directory of junk" "$Z" identify "$DB1/105_2.tif" "$tmp/junk"
expect "$tmp/err" 'no usable image or template' "identify says the gallery is empty"
run 2 "bad --format" "$Z" extract "$DB1/101_1.tif" --format jpeg
run 2 "bad --dpi" "$Z" extract "$DB1/101_1.tif" --dpi 72
run 2 "bad --threshold" "$Z" match "$DB1/101_1.tif" "$DB1/101_2.tif" --threshold abc
run 2 "bad --top" "$Z" identify "$DB1/101_1.tif" "$tmp/gallery" --top 0
finish
