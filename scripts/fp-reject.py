#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Error-versus-reject curve of the capture quality (issue 18): EER per set after rejecting the
worst 0/5/10 % of captures (pooled over the sets, one ranking, no per-set threshold) by a quality
figure, from `zkbio bench accuracy --scores` and `zkbio extract` on every image.

Usage: scripts/fp-reject.py ZKBIO DIR... [--field quality|fg|min|dryness|...] [--rotate 0|90|180]
The protocol is bench accuracy's: per set, genuine = every pair of impressions of one finger,
impostor = every pair of different fingers, each unordered pair once, the later one as probe; a
pair is dropped when either capture is rejected. Prints per-set EER and the mean."""
import argparse, concurrent.futures, os, re, subprocess, sys, tempfile


def eer(gen, imp):
    # same interpolation as cli/bench/bench_accuracy.c ba_metrics: accept when score >= t
    gen, imp = sorted(gen), sorted(imp)
    ts = sorted(set(gen + imp))
    ts.append((ts[-1] if ts else 0) + 1)
    gi = ii = 0
    pfmr, pfnmr = 1.0, 0.0
    for t in ts:
        while gi < len(gen) and gen[gi] < t:
            gi += 1
        while ii < len(imp) and imp[ii] < t:
            ii += 1
        fmr = (len(imp) - ii) / len(imp) if imp else 0
        fnmr = gi / len(gen) if gen else 0
        if fnmr >= fmr:
            d0, d1 = pfmr - pfnmr, fmr - fnmr
            a = d0 / (d0 - d1) if d0 - d1 > 0 else 0
            return pfmr + a * (fmr - pfmr)
        pfmr, pfnmr = fmr, fnmr
    return 0.0


def extract(zkbio, path):
    p = subprocess.run([zkbio, "extract", path], capture_output=True, text=True)
    out = p.stdout + p.stderr
    q = re.search(r"^quality:\s+(\d+)", out, re.M)
    r = re.search(r"^capture:\s+(\w+)", out, re.M)
    sig = dict((k, int(v)) for k, v in re.findall(r"(dryness|wetness|contrast|smear) (\d+)", out))
    e = re.search(r"edge cut (\d+)", out)
    o = re.search(r"offset ([+-]\d+),([+-]\d+)", out)
    fg = re.search(r"^foreground:\s+(\d+)", out, re.M)
    mn = re.search(r"^minutiae:\s+(\d+)", out, re.M)
    return {
        "quality": int(q.group(1)) if q else 0,
        "retake": r.group(1) if r else "?",
        "edge": int(e.group(1)) if e else 0,
        "ox": int(o.group(1)) if o else 0,
        "oy": int(o.group(2)) if o else 0,
        "fg": int(fg.group(1)) if fg else 0,
        "min": int(mn.group(1)) if mn else 0,
        **sig,
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("zkbio")
    ap.add_argument("dirs", nargs="+")
    ap.add_argument("--field", default="quality",
                    help="the figure to rank by: quality (default), fg, min, dryness, wetness, ...")
    ap.add_argument("--rotate", default="0")
    ap.add_argument("--steps", default="0,5,10")
    ap.add_argument("--dump", help="write the per-image figures as TSV")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as td:
        csv = os.path.join(td, "s.csv")
        subprocess.run([a.zkbio, "bench", "accuracy", "--rotate", a.rotate, "--scores", csv]
                       + a.dirs, check=True, capture_output=True)
        lines = open(csv).read().splitlines()
    names = lines[0].split(",")[1:]
    m = [list(map(float, l.split(",")[1:])) for l in lines[1:]]
    # name: SET-finger_impression; path from the dirs
    paths = {}
    for d in a.dirs:
        set_name = "/".join(os.path.normpath(d).split("/")[-2:])
        for f in os.listdir(d):
            if f.endswith(".tif"):
                paths[set_name + "-" + f[:-4]] = os.path.join(d, f)
    with concurrent.futures.ThreadPoolExecutor(2) as ex:
        feats = dict(zip(names, ex.map(lambda n: extract(a.zkbio, paths[n]), names)))
    if a.dump:
        with open(a.dump, "w") as f:
            keys = sorted(next(iter(feats.values())).keys())
            f.write("name\t" + "\t".join(keys) + "\n")
            for n in names:
                f.write(n + "\t" + "\t".join(str(feats[n][k]) for k in keys) + "\n")
    parsed = []
    for i, n in enumerate(names):
        s, fi = n.rsplit("-", 1)
        fng, imp = fi.split("_")
        parsed.append((s, int(fng), int(imp)))
    order = sorted(range(len(names)), key=lambda i: (feats[names[i]][a.field], names[i]))
    sets = sorted(set(p[0] for p in parsed))
    print("field %s, rotate %s; reject = worst %% of the %d captures pooled" % (a.field, a.rotate, len(names)))
    print("%-8s %s %8s" % ("reject", " ".join("%18s" % s for s in sets), "mean"))
    for step in [int(x) for x in a.steps.split(",")]:
        nrej = round(len(names) * step / 100)
        rej = set(order[:nrej])
        row = []
        for s in sets:
            gen, imp = [], []
            idx = [i for i in range(len(names)) if parsed[i][0] == s and i not in rej]
            for x in idx:
                for y in idx:
                    px, py = parsed[x], parsed[y]
                    # the later impression as probe (row), each unordered pair once
                    if (px[1], px[2]) <= (py[1], py[2]):
                        continue
                    (gen if px[1] == py[1] else imp).append(m[x][y])
            nr = sum(1 for i in rej if parsed[i][0] == s)
            row.append((eer(gen, imp) * 100, nr))
        print("%-8s %s %8.2f" % ("%d%%" % step, " ".join("%12.2f (%3d)" % r for r in row),
                                 sum(r[0] for r in row) / len(row)))


if __name__ == "__main__":
    main()
