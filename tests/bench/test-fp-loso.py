#!/usr/bin/python3
"""scripts/fp-loso.py on synthetic `zkbio bench accuracy` outputs: three variants, three sets, two
rotations each (averaged), where the leave-one-set-out choice differs per held-out set and one
choice is a tie that the baseline must win; the same through --dir; a perturbation's table; and
the refusals (missing file, sets that differ, an output without the table).
Usage: test-fp-loso.py FP_LOSO_PY"""
import os
import subprocess
import sys
import tempfile

LOSO = sys.argv[1]
failed = 0


def check(cond, msg):
    global failed
    if not cond:
        failed += 1
        print("FAIL:", msg)


def bench(eers, perturb=None):
    """A bench accuracy output with these per-set EERs (and a perturbation table from perturb)."""
    out = ["zkbio bench accuracy: 240 templates in 3 set(s)", "protocol: ...", "extraction: 1 s", "",
           f"{'set':<20} {'gen':>5} {'imp':>6} {'fail':>5} {'EER%':>8} {'FMR100%':>8} {'FMR1000%':>8}"
           f" {'ZeroFMR%':>8}"]
    for s, e in eers.items():
        out.append(f"{s:<20} {280:>5} {2880:>6} {0:>5} {e:>8.2f} {e + 1:>8.2f} {e + 2:>8.2f} {e + 3:>8.2f}")
    out.append(f"{'mean':<20} {840:>5} {8640:>6} {0:>5} {sum(eers.values()) / 3:>8.2f} 0 0 0")
    out += ["", "score calibration (threshold 40 = FMR 1e-4): ...", "",
            "tail A 2880 1 0 0 34.30 3.5e-04 0.0e+00 0.0e+00 0.3 0.0 0.0"]
    if perturb:
        name, vals = perturb
        out.append("perturb kind:level  set gen imp fail EER% FMR100% FMR1000% ZeroFMR%")
        for s, e in vals.items():
            out.append(f"perturb {name:<11} {s:<20} 280 2880 0 {e:8.2f} 1.00 2.00 3.00")
        out.append(f"perturb {name:<11} mean 840 8640 0 1.00 1.00 2.00 3.00")
    return "\n".join(out) + "\n"


# per variant, the EER on A, B, C (averaged over the two rotations: +-0.2 around these)
V = {"base": (1.0, 2.0, 3.0), "v1": (0.5, 1.0, 6.0), "v2": (2.0, 1.5, 2.0)}
# held out A: on B,C base 2.5, v1 3.5, v2 1.75 -> v2 (2.00 on A; best v1 0.50)
# held out B: on A,C base 2.0, v1 3.25, v2 2.0 -> tie, base first (2.00; best v1 1.00)
# held out C: on A,B base 1.5, v1 0.75, v2 1.75 -> v1 (6.00; best v2 2.00)
EXPECT = {"A": ("v2", 2.0, "v1", 0.5, 1.0), "B": ("base", 2.0, "v1", 1.0, 2.0),
          "C": ("v1", 6.0, "v2", 2.0, 3.0)}


def loso_rows(stdout):
    rows = {}
    for line in stdout.splitlines():
        f = line.split()
        if len(f) == 6 and f[0] in ("A", "B", "C") and f[1] in V:
            rows[f[0]] = (f[1], float(f[2]), f[3], float(f[4]), float(f[5]))
    return rows


def run(args):
    p = subprocess.run([sys.executable, LOSO] + args, capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


with tempfile.TemporaryDirectory() as d:
    args = []
    for name, (a, b, c) in V.items():
        for rot, dlt in ((0, 0.2), (90, -0.2)):
            path = os.path.join(d, f"{name}.rot{rot}.txt")
            with open(path, "w") as f:
                f.write(bench({"A": a + dlt, "B": b - dlt, "C": c + dlt},
                              ("elastic:16", {"A": c, "B": b, "C": a})))
            args += ["--variant", f"{name}={path}"]
    rc, out, err = run(args)
    check(rc == 0, f"exit {rc}: {err}")
    rows = loso_rows(out)
    for s, exp in EXPECT.items():
        check(rows.get(s) == exp, f"held out {s}: {rows.get(s)}, expected {exp}")
    check("LOSO EER%: 3.33 (held-out mean of the chosen variants) vs base 2.00" in out,
          "LOSO summary line:\n" + out)

    # the same through --dir (variant names from the file names), base named explicitly
    rc, out2, err = run(["--dir", d, "--baseline", "base"])
    check(rc == 0 and loso_rows(out2) == rows, f"--dir gives another table: {err}\n{out2}")

    # a perturbation's table: EERs C, B, A of the main table's A, B, C
    rc, out3, err = run(args + ["--perturbation", "elastic:16"])
    r3 = loso_rows(out3)
    # held out A: on B,C base 2.5 (2,1), v1 (1,0.5) 0.75, v2 (1.5,2) 1.75 -> v1, 6.0 on A
    check(rc == 0 and r3.get("A", ("",))[0] == "v1" and r3["A"][1] == 6.0,
          f"perturbation table: {r3} {err}")

    # refusals
    rc, _, err = run(["--variant", f"x={d}/missing.txt"])
    check(rc == 2 and "missing.txt" in err, f"missing file: exit {rc} {err}")
    odd = os.path.join(d, "odd.txt")
    with open(odd, "w") as f:
        f.write(bench({"A": 1, "B": 1, "D": 1}))
    rc, _, err = run(args + ["--variant", f"odd={odd}"])
    check(rc == 2 and "differ" in err, f"sets that differ: exit {rc} {err}")
    junk = os.path.join(d, "junk.txt")
    with open(junk, "w") as f:
        f.write("hello\n")
    rc, _, err = run(["--variant", f"j={junk}"])
    check(rc == 2 and "no per-set rows" in err, f"no table: exit {rc} {err}")
    rc, _, err = run(args + ["--perturbation", "dry:9"])
    check(rc == 2, f"absent perturbation: exit {rc}")
    rc, _, err = run(["--variant", "noequals"])
    check(rc == 2, f"bad --variant: exit {rc}")

print("ok" if not failed else f"{failed} failed")
sys.exit(1 if failed else 0)
