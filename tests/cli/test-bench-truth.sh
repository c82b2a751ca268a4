#!/bin/sh
# Benchmarks that say what they measured, on two small FVC-style sets built from DATA_DIR's images
# (4 images each: fingers 101 and 102, impressions 1 and 3 linked as 1 and 2; tests/data carries
# those of both sets) in folders FVC2002/DB1_B and
# FVC2004/DB1_B, whose base names collide:
#   - `zkbio bench speed A B`: the probes alternate between the sets, and within a set consecutive
#     probes are different fingers (not the first files by name); how they were drawn is printed;
#   - `zkbio bench accuracy --scores`: rows and columns are named by parent and own folder, so the
#     two DB1_B sets stay apart; two sets of one name are refused (exit 2, both named).
# Usage: test-bench-truth.sh ZKBIO DATA_DIR. Missing images are a failure.
set -u
Z=$1
D=$2
[ -d "$D" ] && D=$(cd "$D" && pwd) # the links below must not depend on the working directory
src1=$D/fvc/FVC2002_DB1_B
src2=$D/fvc/FVC2004_DB1_B
for f in 101 102; do
    for i in 1 3; do
        if [ ! -f "$src1/${f}_$i.tif" ] || [ ! -f "$src2/${f}_$i.tif" ]; then
            echo "FAIL: no FVC images ${f}_$i.tif in $src1 and $src2"
            exit 1
        fi
    done
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/zkbio-bench-truth-XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
A=$tmp/FVC2002/DB1_B
B=$tmp/FVC2004/DB1_B
mkdir -p "$A" "$B" "$tmp/other/FVC2002/DB1_B"
for f in 101 102; do
    for i in 1 3; do
        j=$(((i + 1) / 2)) # impressions 1 and 3 become 1 and 2
        ln -s "$src1/${f}_$i.tif" "$A/${f}_$j.tif"
        ln -s "$src2/${f}_$i.tif" "$B/${f}_$j.tif"
    done
done
ln -s "$src1/101_1.tif" "$tmp/other/FVC2002/DB1_B/101_1.tif"
. "$(dirname "$0")/../support/check.sh"

# --- bench speed: probes across sets ---------------------------------------------------------------
run 0 "bench speed on two sets" "$Z" bench speed "$A" "$B" --gallery 100 --seconds 0.1 --threads 1
grep -q "^probes: *round-robin across 2 set(s)" "$tmp/out" && ok || no "probes line names the drawing"
grep -q "^probes: .*$A k=[0-9]* of 4; $B k=[0-9]* of 4$" "$tmp/out" && ok || no "probes line names both sets"
grep -q '^images: *8,' "$tmp/out" && ok || no "both sets loaded"
# the first four probes: A, B, A, B; the two from A are different fingers
sed -n 's/^first probes: *//p' "$tmp/out" | tr ',' '\n' | sed 's/^ *//' | head -n 4 >"$tmp/probes"
if [ "$(wc -l <"$tmp/probes")" -eq 4 ]; then
    ok
else
    no "four probes listed"
    cat "$tmp/out"
fi
p1=$(sed -n 1p "$tmp/probes")
p2=$(sed -n 2p "$tmp/probes")
p3=$(sed -n 3p "$tmp/probes")
p4=$(sed -n 4p "$tmp/probes")
case "$p1" in "$A"/*) ok ;; *) no "probe 1 from set A: $p1" ;; esac
case "$p2" in "$B"/*) ok ;; *) no "probe 2 from set B: $p2" ;; esac
case "$p3" in "$A"/*) ok ;; *) no "probe 3 from set A: $p3" ;; esac
case "$p4" in "$B"/*) ok ;; *) no "probe 4 from set B: $p4" ;; esac
[ "$(basename "$p1" | cut -d_ -f1)" != "$(basename "$p3" | cut -d_ -f1)" ] && ok ||
    no "consecutive probes of one set are different fingers: $p1, $p3"
# one set: still not the first files by name
run 0 "bench speed on one set" "$Z" bench speed "$A" --gallery 100 --seconds 0.1 --threads 1
grep -q "^first probes: *$A/101_1.tif, $A/102_" "$tmp/out" && ok || no "one set: probes alternate fingers"
run 2 "bench speed without a DIR" "$Z" bench speed --gallery 100

# --- bench accuracy: unique set names --------------------------------------------------------------
run 0 "bench accuracy --scores on two DB1_B sets" "$Z" bench accuracy --threads 1 --scores "$tmp/scores.csv" "$A" "$B"
grep -q '^FVC2002/DB1_B  *2  *4 ' "$tmp/out" && ok || no "table row FVC2002/DB1_B"
grep -q '^FVC2004/DB1_B  *2  *4 ' "$tmp/out" && ok || no "table row FVC2004/DB1_B"
head -n 1 "$tmp/scores.csv" | tr ',' '\n' | sed 1d >"$tmp/cols"
[ "$(wc -l <"$tmp/cols")" -eq 8 ] && ok || no "8 columns"
[ "$(sort -u "$tmp/cols" | wc -l)" -eq 8 ] && ok || no "column names unique"
grep -qx 'FVC2002/DB1_B-101_1' "$tmp/cols" && ok || no "column FVC2002/DB1_B-101_1"
grep -qx 'FVC2004/DB1_B-102_2' "$tmp/cols" && ok || no "column FVC2004/DB1_B-102_2"
sed 1d "$tmp/scores.csv" | cut -d, -f1 | sort -u | cmp -s - "$(sort "$tmp/cols" >"$tmp/cols.sorted" && echo "$tmp/cols.sorted")" &&
    ok || no "row names are the column names"
run 2 "bench accuracy with one set twice" "$Z" bench accuracy "$A" "$tmp/FVC2004/../FVC2002/DB1_B"
grep -q "both set 'FVC2002/DB1_B'" "$tmp/err" && ok || no "duplicate set named"
run 2 "bench accuracy with two sets of one name" "$Z" bench accuracy "$A" "$tmp/other/FVC2002/DB1_B"
grep -q "$A and $tmp/other/FVC2002/DB1_B are both set 'FVC2002/DB1_B'" "$tmp/err" && ok ||
    no "duplicate names refused with both folders named"

finish
