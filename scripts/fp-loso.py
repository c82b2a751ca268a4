#!/usr/bin/python3
"""Leave-one-set-out choice among variants of the fingerprint engine (issue 18).

Each variant is one build (a constant's value, a feature on or off) whose `zkbio bench accuracy`
output was saved, usually once per probe rotation (0/90/180: scripts/fp-eval.sh's figure). For
each set S the variant with the lowest mean EER on the OTHER sets (averaged over the rotations
given) is chosen, and its EER on S is reported: the figure for "tune on two sets, report the
third", which the average over sets the tuning has seen overstates.

Usage:
  scripts/fp-loso.py --variant NAME=FILE [--variant NAME=FILE ...] [options]
  scripts/fp-loso.py --dir DIR [options]   # DIR/NAME.ANYTHING.txt, e.g. base.rot0.txt, base.rot90.txt
Options:
  --baseline NAME         the reference variant (default: 'baseline', 'main' or 'base' if given,
                          else the first)
  --metric eer|fmr100|fmr1000|zerofmr   what is minimised and reported (default eer)
  --perturbation KIND:LEVEL  read that perturbation's table (`--perturb` output) instead of the
                          main table
A variant given several files (one NAME several times, or several DIR files) is averaged over
them; every variant must have the same sets. Ties go to the variant given first (the baseline
first). Stdlib only; exit status 0, or 2 on bad input (message on stderr).
"""
import os
import sys

METRICS = {"eer": 4, "fmr100": 5, "fmr1000": 6, "zerofmr": 7}  # field index after the set name


class Bad(Exception):
    pass


def parse_bench(path, metric, perturbation):
    """{set: value} from one `zkbio bench accuracy` output."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            lines = f.read().splitlines()
    except OSError as e:
        raise Bad(f"{path}: {e.strerror}")
    col = METRICS[metric]
    out = {}
    if perturbation:
        for line in lines:
            f = line.split()
            if len(f) == 10 and f[0] == "perturb" and f[1] == perturbation and f[2] != "mean":
                out[f[2]] = float(f[col + 2])  # "perturb KIND:LEVEL" before the set's row
    else:
        in_table = False
        for line in lines:
            f = line.split()
            if not in_table:
                in_table = len(f) == 8 and f[0] == "set" and f[1] == "gen"
                continue
            if not f or f[0] == "mean":
                break
            if len(f) != 8:
                raise Bad(f"{path}: unexpected row in the main table: {line!r}")
            out[f[0]] = float(f[col])
    if not out:
        what = f"perturbation {perturbation}" if perturbation else "the main table"
        raise Bad(f"{path}: no per-set rows of {what} (a `zkbio bench accuracy` output?)")
    return out


def load(variants, metric, perturbation):
    """{name: {set: mean over the variant's files}}, in the order given; and the sets."""
    table, sets = {}, None
    for name, files in variants.items():
        runs = [parse_bench(p, metric, perturbation) for p in files]
        for p, r in zip(files, runs):
            if sets is None:
                sets = list(r)
            elif sorted(r) != sorted(sets):
                raise Bad(f"{p}: sets {sorted(r)} differ from {sorted(sets)}")
        table[name] = {s: sum(r[s] for r in runs) / len(runs) for s in sets}
    if len(sets) < 2:
        raise Bad("leave-one-set-out needs at least two sets")
    return table, sets


def loso(table, sets):
    """[(held-out set, chosen variant, its value there, best variant there, best value)]."""
    rows = []
    names = list(table)
    for s in sets:
        others = [t for t in sets if t != s]
        chosen = min(names, key=lambda v: (sum(table[v][t] for t in others) / len(others),
                                           names.index(v)))
        best = min(names, key=lambda v: (table[v][s], names.index(v)))
        rows.append((s, chosen, table[chosen][s], best, table[best][s]))
    return rows


def parse_args(argv):
    variants, opts = {}, {"baseline": None, "metric": "eer", "perturbation": None, "dir": None}
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ("-h", "--help"):
            print(__doc__)
            sys.exit(0)
        if a not in ("--variant", "--dir", "--baseline", "--metric", "--perturbation"):
            raise Bad(f"unknown argument {a!r} (--help)")
        if i + 1 >= len(argv):
            raise Bad(f"{a} needs a value")
        v = argv[i + 1]
        i += 2
        if a == "--variant":
            name, eq, path = v.partition("=")
            if not eq or not name or not path:
                raise Bad(f"--variant takes NAME=FILE, not {v!r}")
            variants.setdefault(name, []).append(path)
        else:
            opts[a[2:]] = v
    if opts["dir"]:
        try:
            files = sorted(os.listdir(opts["dir"]))
        except OSError as e:
            raise Bad(f"{opts['dir']}: {e.strerror}")
        for fn in files:
            if fn.endswith(".txt") and not fn.startswith("."):
                variants.setdefault(fn.split(".")[0], []).append(os.path.join(opts["dir"], fn))
    if opts["metric"] not in METRICS:
        raise Bad(f"--metric takes {', '.join(METRICS)}")
    if not variants:
        raise Bad("no variants (--variant NAME=FILE or --dir DIR)")
    base = opts["baseline"]
    if base is None:
        base = next((b for b in ("baseline", "main", "base") if b in variants), next(iter(variants)))
    elif base not in variants:
        raise Bad(f"--baseline {base}: no such variant ({', '.join(variants)})")
    # the baseline first, so that it wins ties
    ordered = {base: variants[base]}
    ordered.update((k, v) for k, v in variants.items() if k != base)
    return ordered, base, opts


def main(argv):
    try:
        variants, base, opts = parse_args(argv)
        table, sets = load(variants, opts["metric"], opts["perturbation"])
    except Bad as e:
        print(f"fp-loso: {e}", file=sys.stderr)
        return 2
    metric = opts["metric"].upper() + "%"
    what = f"perturbation {opts['perturbation']}" if opts["perturbation"] else "unperturbed"
    w = max([len(s) for s in sets] + [len(v) for v in table] + [22])
    print(f"leave-one-set-out on {metric} ({what}), each variant averaged over its files:")
    for name, files in variants.items():
        print(f"  {name}: {len(files)} file(s): {' '.join(files)}")
    print()
    print(f"{'variant':<{w}} " + " ".join(f"{s:>{w}}" for s in sets) + f" {'mean':>8}")
    for name in table:
        vals = [table[name][s] for s in sets]
        print(f"{name:<{w}} " + " ".join(f"{v:>{w}.2f}" for v in vals)
              + f" {sum(vals) / len(vals):>8.2f}")
    print()
    print(f"{'held-out set':<{w}} {'chosen (on the others)':<{w}} {'there':>7} "
          f"{'best there':<{w}} {'best':>7} {base:>{max(8, len(base))}}")
    rows = loso(table, sets)
    for s, chosen, val, best, bval in rows:
        print(f"{s:<{w}} {chosen:<{w}} {val:>7.2f} {best:<{w}} {bval:>7.2f} "
              f"{table[base][s]:>{max(8, len(base))}.2f}")
    n = len(rows)
    lo = sum(r[2] for r in rows) / n
    bm = sum(table[base][s] for s in sets) / n
    print(f"{'LOSO mean':<{w}} {'':<{w}} {lo:>7.2f} {'':<{w}} {sum(r[4] for r in rows) / n:>7.2f} "
          f"{bm:>{max(8, len(base))}.2f}")
    print(f"\nLOSO {metric}: {lo:.2f} (held-out mean of the chosen variants) vs {base} {bm:.2f}; "
          f"the best in hindsight {sum(r[4] for r in rows) / n:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
