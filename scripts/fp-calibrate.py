#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Refit the matcher's score calibration (lib/fp/match/match.c zkm_cal_raw_of / zkm_cal_raw_min).

One command, run from the source tree (python3 standard library only; needs meson, ninja and the
FVC development sets of ../shared/data):

    scripts/fp-calibrate.py              # build, dump, fit, print the C tables and the reports
    scripts/fp-calibrate.py --write      # the same, then rewrite the two tables in match.c

Steps:
  1. a release build with -Dc_args=-DZKM_CAL_DUMP in its own directory (build-cal): the matcher
     then reports the raw score (x 100) instead of the calibrated one;
  2. `zkbio bench accuracy --scores` on the development sets with the probes at 0, 90 and 180
     degrees, with and without --no-ofield (6 runs, about a minute): 3 sets x 3 rotations x 2,880
     impostor pairs of the accuracy protocol per table;
  3. the fit, on the POOLED impostors of the development sets, with a margin (docs/
     fingerprint-engine.md "Calibration across sensors"):
       - the knots of scores 3, 10, 20, 30 (FMR 50 %, 10 %, 1 %, 0.1 %) are the lowest raw values at
         which the one-sided 95 % upper confidence bound (Wilson score) of the pooled FMR is at
         most the target, not the point estimate;
       - the tail beyond 30 is exponential (peaks over a threshold: the excesses of the top 1 % of
         each set's impostors, Pickands 1975; Coles 2001 ch. 4): raw step per decade of FMR =
         ln(10) x mean excess, taken at its 95 % upper bound, from the set with the heaviest tail
         rather than from the pool;
       - a safety shift of CAL_SHIFT decades (default 0.5, --shift) is added to the 40 and 50
         knots: a sensor not seen in development may have a heavier tail than the worst one seen;
  4. reports: the per-set impostor tail (count >= 30/40/50 and the max) under the current tables
     of match.c and under the new ones; leave-one-set-out (fit on two sets, the third measured: FMR
     at 20/30/40 and count >= 40 against the promise); open-set FPIR of the 1:N rule
     (zkbio_gallery_threshold_compute, gallery.h) at N = 1, 10, 29, predicted vs measured.
Deterministic: same scores -> same tables. Exit status 0, or 1 with a message on stderr.
"""
import argparse
import csv
import math
import os
import random
import re
import subprocess
import sys

SETS = ("FVC2002_DB1_B", "FVC2002_DB3_B", "FVC2004_DB1_B")
ROTATIONS = (0, 90, 180)
SCORES = (0, 300, 1000, 2000, 3000, 4000, 5000)  # x 100, the zkm_cal_score table
BODY_FMR = (0.5, 0.1, 0.01, 0.001)  # FMR at scores 3, 10, 20, 30
Z95 = 1.6449  # one-sided 95 %
TAIL_SHARE = 0.01  # the tail fit uses the top 1 % of each set's impostors
CAL_SHIFT = 0.5  # decades added to the 40 and 50 knots


def die(msg):
    sys.stderr.write("fp-calibrate: %s\n" % msg)
    sys.exit(1)


def run(cmd, quiet=True):
    r = subprocess.run(cmd, stdout=subprocess.PIPE if quiet else None, stderr=subprocess.PIPE,
                       universal_newlines=True)
    if r.returncode != 0:
        die("'%s' failed:\n%s%s" % (" ".join(cmd), r.stdout or "", r.stderr))
    return r.stdout


def build(top, bdir, c_args):
    if not os.path.exists(os.path.join(bdir, "build.ninja")):
        run(["meson", "setup", bdir, top, "-Dbuildtype=release", "-Dtests=false",
             "-Dc_args=-DZKM_CAL_DUMP" + (" " + c_args if c_args else "")])
    run(["nice", "ninja", "-C", bdir, "cli/zkbio"])
    return os.path.join(bdir, "cli", "zkbio")


def dump(zkbio, data, outdir):
    dirs = [os.path.join(data, "fvc", s) for s in SETS]
    for d in dirs:
        if not os.path.isdir(d):
            die("no development set %s" % d)
    files = {}
    for kind in ("of", "min"):
        for r in ROTATIONS:
            path = os.path.join(outdir, "raw_%s_%d.csv" % (kind, r))
            cmd = [zkbio, "bench", "accuracy", "--rotate", str(r), "--scores", path]
            if kind == "min":
                cmd.append("--no-ofield")
            run(cmd + dirs)
            files[(kind, r)] = path
    return files


def load(path):
    """Items (set, finger, impression) and the all-vs-all raw matrix (x 100 integers)."""
    with open(path) as f:
        rd = csv.reader(f)
        hdr = next(rd)[1:]
        rows = [[int(round(float(v) * 100)) for v in row[1:]] for row in rd]
    items = []
    for n in hdr:
        s, fi = n.rsplit("-", 1)
        fg, im = fi.split("_")
        items.append((s.split("/")[-1], int(fg), int(im)))
    return items, rows


def protocol(items, rows):
    """Per set: impostor and genuine raw scores of the accuracy protocol (each unordered pair of
    one set once, the later impression as probe = row)."""
    imp, gen = {}, {}
    for a, (sa, fa, ia) in enumerate(items):
        for b, (sb, fb, ib) in enumerate(items):
            if sa != sb or (fb, ib) >= (fa, ia):
                continue
            (gen if fa == fb else imp).setdefault(sa, []).append(rows[a][b])
    return imp, gen


def calibrate(raw, knots):
    """lib/fp/match/match.c zkm_calibrate, in the same integer arithmetic."""
    if raw <= knots[0]:
        return SCORES[0]
    k = 1
    while k < len(SCORES) - 1 and raw > knots[k]:
        k += 1
    x0, x1, y0, y1 = knots[k - 1], knots[k], SCORES[k - 1], SCORES[k]
    num = (raw - x0) * (y1 - y0)
    y = y0 + (abs(num) // (x1 - x0)) * (1 if num >= 0 else -1)  # C division truncates
    return max(0, y)


def wilson_upper(k, n):
    p = k / n
    z2 = Z95 * Z95
    c = (p + z2 / (2 * n) + Z95 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))) / (1 + z2 / n)
    return c


def fit(imp_sets, shift):
    """imp_sets: list of per-set raw impostor lists. Returns the 7 raw knots and the fit facts."""
    pool = sorted((v for s in imp_sets for v in s), reverse=True)
    n = len(pool)
    knots = [0]
    for target in BODY_FMR:
        # lowest x with upper bound of FMR(x) = #(raw >= x) / n at most target; candidates are
        # the pooled values + 1 (FMR drops just above a value)
        x = pool[0] + 1
        for i, v in enumerate(pool):
            if i > 0 and v == pool[i - 1]:
                continue
            # accepting raw >= v + 1 lets through the i values above v
            if wilson_upper(i, n) > target:
                break
            x = v + 1
        x = max(x, knots[-1] + 1)
        knots.append(x)
    steps = []
    for s in imp_sets:
        v = sorted(s, reverse=True)
        nt = max(2, int(len(v) * TAIL_SHARE))
        u = v[nt]
        exc = [x - u for x in v[:nt]]
        e = sum(exc) / nt
        steps.append(math.log(10) * e * (1 + Z95 / math.sqrt(nt)))
    step = max(steps)
    k40 = int(math.ceil(knots[-1] + step * (1 + shift)))
    k50 = int(math.ceil(k40 + step))
    knots += [k40, k50]
    return knots, {"n": n, "steps": steps, "step": step}


def tail(raws, knots):
    sc = [calibrate(r, knots) for r in raws]
    return (sum(s >= 3000 for s in sc), sum(s >= 4000 for s in sc), sum(s >= 5000 for s in sc),
            max(sc) / 100)


def current_tables(top):
    src = open(os.path.join(top, "lib/fp/match/match.c")).read()
    out = {}
    for kind in ("of", "min"):
        m = re.search(r"zkm_cal_raw_%s\[\]\s*=\s*\{([^}]*)\}" % kind, src)
        if not m:
            die("zkm_cal_raw_%s not found in match.c" % kind)
        out[kind] = [int(x) for x in m.group(1).replace("\n", " ").split(",") if x.strip()]
    return out, src


def identify_threshold(fpir, n):
    """include/zkbio/gallery.h zkbio_gallery_threshold_compute (before its rounding)."""
    return 10 * math.log10(n / fpir)


def fpir_table(items, mats, knots, sizes, fpirs):
    """Open-set FPIR: a probe (every row, at every rotation) against a gallery of N templates of
    other fingers (any set; one impression per finger), the best non-mated score against the
    threshold of the 1:N rule. Galleries drawn with a fixed seed."""
    fingers = sorted({(s, f) for s, f, _ in items})
    by_finger = {}
    for j, (s, f, _) in enumerate(items):
        by_finger.setdefault((s, f), []).append(j)
    rng = random.Random(18)
    res = []
    for n in sizes:
        trials = []
        for rows in mats:
            for a, (s, f, _) in enumerate(items):
                others = [x for x in fingers if x != (s, f)]
                for _ in range(8):
                    gal = rng.sample(others, n)
                    best = max(calibrate(rows[a][rng.choice(by_finger[x])], knots) for x in gal)
                    trials.append(best)
        for fp in fpirs:
            t = int(math.ceil(identify_threshold(fp, n) * 100 - 1e-9))
            meas = sum(b >= t for b in trials) / len(trials)
            res.append((n, fp, t / 100, len(trials), meas))
    return res


def c_table(name, knots):
    return "static const int32_t %s[] = {%s};" % (name, ", ".join(str(k) for k in knots))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=None, help="data folder (default ../shared/data)")
    ap.add_argument("--build-dir", default="build-cal")
    ap.add_argument("--scores-dir", default=None, help="reuse/keep the score matrices here")
    ap.add_argument("--no-build", action="store_true", help="use the matrices in --scores-dir")
    ap.add_argument("--shift", type=float, default=CAL_SHIFT, help="safety shift, decades")
    ap.add_argument("--write", action="store_true", help="rewrite the tables in match.c")
    ap.add_argument("--c-args", default="", help="more -D flags for a variant (its own --build-dir)")
    a = ap.parse_args()
    top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    os.chdir(top)
    data = a.data or os.path.join(top, "..", "shared", "data")
    sdir = a.scores_dir or os.path.join(a.build_dir, "cal-scores")
    os.makedirs(sdir, exist_ok=True)
    if a.no_build:
        files = {(k, r): os.path.join(sdir, "raw_%s_%d.csv" % (k, r)) for k in ("of", "min")
                 for r in ROTATIONS}
    else:
        print("building %s (-DZKM_CAL_DUMP) and dumping raw score matrices to %s ..." %
              (a.build_dir, sdir), flush=True)
        files = dump(build(top, a.build_dir, a.c_args), data, sdir)
    cur, src = current_tables(top)
    new = {}
    for kind in ("of", "min"):
        imp = {s: [] for s in SETS}
        gen = {s: [] for s in SETS}
        mats, items = [], None
        for r in ROTATIONS:
            items, rows = load(files[(kind, r)])
            mats.append(rows)
            i, g = protocol(items, rows)
            for s in SETS:
                imp[s] += i[s]
                gen[s] += g[s]
        title = "with orientation fields" if kind == "of" else "minutiae alone (--no-ofield)"
        knots, facts = fit([imp[s] for s in SETS], a.shift)
        new[kind] = knots
        print("\n== table %s: %d pooled impostor pairs (3 sets x 3 rotations)" %
              (title, facts["n"]))
        print("tail step per decade (raw, 95 %% upper bound) per set: %s -> %d (worst set); "
              "safety shift %.2f decade" %
              (" / ".join("%d" % x for x in facts["steps"]), facts["step"], a.shift))
        print("current: %s" % c_table("zkm_cal_raw_" + kind, cur[kind]))
        print("new:     %s" % c_table("zkm_cal_raw_" + kind, knots))
        print("\nimpostor tail per set (0/90/180 pooled, %d pairs each; promise at 40: %.2f)" %
              (len(imp[SETS[0]]), len(imp[SETS[0]]) * 1e-4))
        print("and the genuine pairs' FNMR at 40 (%d each)" % len(gen[SETS[0]]))
        print("%-16s %30s   %30s" % ("set", "current >=30/>=40/>=50 max FNMR",
                                     "new >=30/>=40/>=50 max FNMR"))
        pool, gpool = [], []
        for s in SETS + ("pooled",):
            v, g = (pool, gpool) if s == "pooled" else (imp[s], gen[s])
            if s != "pooled":
                pool, gpool = pool + imp[s], gpool + gen[s]
            row = ()
            for kn in (cur[kind], knots):
                fnmr = sum(calibrate(x, kn) < 4000 for x in g) / len(g) * 100
                row += tail(v, kn) + (fnmr,)
            print("%-16s %8d %4d %4d %6.2f %5.2f%%   %8d %4d %4d %6.2f %5.2f%%" % ((s,) + row))
        print("\nleave-one-set-out: fit on the other two sets, measured on the held-out one")
        print("%-16s %9s %9s %9s %6s %8s %7s" %
              ("held out", "FMR@20", "FMR@30", "FMR@40", ">=40", "promise", "max"))
        for h in SETS:
            kn, _ = fit([imp[s] for s in SETS if s != h], a.shift)
            sc = [calibrate(r, kn) for r in imp[h]]
            nn = len(sc)
            f = [sum(x >= t for x in sc) / nn for t in (2000, 3000, 4000)]
            print("%-16s %9.2e %9.2e %9.2e %6d %8.2f %7.2f" %
                  (h, f[0], f[1], f[2], sum(x >= 4000 for x in sc), nn * 1e-4, max(sc) / 100))
        print("  (promise: FMR 1e-2 / 1e-3 / 1e-4 at 20 / 30 / 40)")
        if kind == "of":
            print("\nopen-set FPIR, threshold = zkbio_gallery_threshold_compute(FPIR, N) = "
                  "10 log10(N / FPIR); galleries of N other fingers (all 3 sets), 8 draws per "
                  "probe and rotation")
            print("%4s %8s %9s %7s %10s" % ("N", "FPIR", "threshold", "trials", "measured"))
            for n, fp, t, nt, meas in fpir_table(items, mats, knots, (1, 10, 29),
                                                 (0.1, 0.01, 0.001)):
                print("%4d %8.0e %9.2f %7d %10.2e" % (n, fp, t, nt, meas))
    print("\nC tables (lib/fp/match/match.c):")
    print(c_table("zkm_cal_raw_of", new["of"]))
    print(c_table("zkm_cal_raw_min", new["min"]))
    if a.write:
        for kind in ("of", "min"):
            src = re.sub(r"static const int32_t zkm_cal_raw_%s\[\]\s*=\s*\{[^}]*\};" % kind,
                         c_table("zkm_cal_raw_" + kind, new[kind]), src)
        with open(os.path.join(top, "lib/fp/match/match.c"), "w") as f:
            f.write(src)
        print("rewrote lib/fp/match/match.c")
    return 0


if __name__ == "__main__":
    sys.exit(main())
