#!/bin/sh
# Accuracy figure used to judge fingerprint-engine changes: `zkbio bench accuracy` on the three FVC
# sets of ../shared/data with the probes at 0, 90 and 180 degrees, each run's per-set and mean EER
# and mean FMR1000, then the average over the three rotations (9 set-runs: three times the sample
# of one run, and grid- or rotation-dependent luck shows up).
# Usage: scripts/fp-eval.sh [ZKBIO_BINARY [DATA_DIR]]   (defaults: build-rel/cli/zkbio, ../shared/data)
set -eu
z=${1:-build-rel/cli/zkbio}
d=${2:-../shared/data}/fvc
for r in 0 90 180; do
    "$z" bench accuracy --rotate "$r" "$d/FVC2002_DB1_B" "$d/FVC2002_DB3_B" "$d/FVC2004_DB1_B" |
        awk -v r="$r" '$1 ~ /FVC2002_DB1/{a=$5} $1 ~ /FVC2002_DB3/{b=$5} $1 ~ /FVC2004_DB1/{c=$5}
            /^mean/{printf "rot%-3s EER %s/%s/%s mean %s F1000 %s\n", r, a, b, c, $5, $7}'
done | awk '{print; s += $5; t += $7} END {printf "AVG over rotations: EER %.2f  FMR1000 %.2f\n", s / 3, t / 3}'
