#!/bin/sh
# `zkbio bench accuracy`'s issue-18 reports on tests/data's images (FVC2002 DB1_B: 14 images,
# FVC2004 DB1_B: 5):
#   - the main table keeps its shape: one row per set and one `mean` row (scripts/fp-eval.sh reads
#     them with awk), the new tables' rows start with their own word (tail, reject, perturb, summary);
#   - --perturb: a table per perturbation and a summary row each; --perturb-dump writes PGMs;
#     combined with --rotate; the same scores with 1 and 2 threads (determinism);
#   - --reject: the curve's rows with the captures kept (round(X % of each set) dropped);
#   - bad usage is exit 2.
# Usage: test-bench-perturb.sh ZKBIO DATA_DIR. Missing images are a failure.
set -u
Z=$1
D=$2
A=$D/fvc/FVC2002_DB1_B
B=$D/fvc/FVC2004_DB1_B
if [ ! -f "$A/101_1.tif" ] || [ ! -f "$B/101_1.tif" ]; then
    echo "FAIL: no FVC images in $A and $B"
    exit 1
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/zkbio-bench-perturb-XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
. "$(dirname "$0")/../support/check.sh"

P=elastic:8,partial:60,rotate:20
run 0 "bench accuracy with the issue-18 reports" "$Z" bench accuracy --threads 2 --reject 10,50 \
    --perturb "$P" --perturb-dump "$tmp/dump" "$A" "$B"
cp "$tmp/out" "$tmp/two-threads"
# the main table as scripts/fp-eval.sh reads it
[ "$(grep -c '^fvc/FVC2002_DB1_B ' "$tmp/out")" -eq 1 ] && ok || no "one main row for FVC2002_DB1_B"
[ "$(awk '$1 ~ /FVC2002_DB1/' "$tmp/out" | wc -l)" -eq 1 ] && ok || no "fp-eval.sh's awk sees one row"
[ "$(grep -c '^mean ' "$tmp/out")" -eq 1 ] && ok || no "one mean row"
expect "$tmp/out" '^fvc/FVC2002_DB1_B  *[0-9]*  *[0-9]*  *0  *[0-9.]*  *[0-9.]*  *[0-9.]*  *[0-9.]*$' "main row shape"
# impostor tail
expect "$tmp/out" '^tail fvc/FVC2002_DB1_B  *[0-9]' "tail row per set"
expect "$tmp/out" '^tail fvc/FVC2004_DB1_B  *[0-9]' "tail row per set"
expect "$tmp/out" '^tail pooled  *[0-9]' "pooled tail row"
# reject curve: 14 + 5 captures; 10 %: 1 + 1 dropped; 50 %: 7 + 3 dropped
expect "$tmp/out" '^reject  *0  *19 ' "reject 0 keeps 19"
expect "$tmp/out" '^reject  *10  *17 ' "reject 10 keeps 17"
expect "$tmp/out" '^reject  *50  *9 ' "reject 50 keeps 9"
# perturbation tables and summary
for p in elastic:8 partial:60 rotate:20; do
    [ "$(grep -c "^perturb $p " "$tmp/out")" -eq 3 ] && ok || no "perturb $p: 2 sets and mean"
    expect "$tmp/out" "^summary $p  *[0-9.]*  *[0-9.]*  *[0-9.]*  *[-+][0-9.]*  *[0-9]*$" "summary $p"
done
expect "$tmp/out" '^summary none ' "summary none"
[ "$(ls "$tmp/dump" | grep -c '\.pgm$')" -eq 12 ] && ok || no "12 dumped PGMs (2 per set and perturbation)"
head -c 2 "$tmp/dump/elastic_8-fvc_FVC2002_DB1_B-101_1.pgm" | grep -q P5 && ok || no "PGM P5 header"
# determinism: the same figures with one thread (timing lines aside)
run 0 "one thread" "$Z" bench accuracy --threads 1 --reject 10,50 --perturb "$P" "$A" "$B"
strip() { grep -v -e '^extraction' -e '^perturbation ' -e 'thread(s)$' "$1"; }
strip "$tmp/out" >"$tmp/a"
strip "$tmp/two-threads" >"$tmp/b"
cmp -s "$tmp/a" "$tmp/b" && ok || no "1 and 2 threads differ: $(diff "$tmp/a" "$tmp/b" | head -5)"
# with --rotate
run 0 "--rotate 90 with --perturb" "$Z" bench accuracy --rotate 90 --perturb noise:10 "$A"
expect "$tmp/out" 'then rotated by --rotate' "rotation named"
expect "$tmp/out" '^perturb noise:10  *fvc/FVC2002_DB1_B ' "rotated perturbation row"
# bad usage
run 2 "unknown perturbation" "$Z" bench accuracy --perturb bogus "$A"
expect "$tmp/err" "unknown perturbation 'bogus'" "unknown perturbation named"
run 2 "level out of range" "$Z" bench accuracy --perturb elastic:99 "$A"
run 2 "--perturb-dump alone" "$Z" bench accuracy --perturb-dump "$tmp/d2" "$A"
run 2 "--reject 0" "$Z" bench accuracy --reject 0 "$A"
run 2 "--reject 5,x" "$Z" bench accuracy --reject 5,x "$A"
run 2 "--perturb with --iso" "$Z" bench accuracy --iso --perturb dry "$A"

finish
