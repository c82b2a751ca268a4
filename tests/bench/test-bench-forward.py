#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Smoke test of `zkbio bench forward --quick` (suite bench-smoke): every scenario at small sizes
against a zkbiod the benchmark starts itself; its --json figures must be sane (every punch arrived
once, rates and latencies measured, batches within 1000), so the benchmark cannot rot. Exits 77
(a skip) when this zkbiod has no /api/v1/forwarders. Usage: test-bench-forward.py ZKBIO ZKBIOD."""
import json
import subprocess
import sys

failures = 0


def check(cond, what):
    global failures
    if not cond:
        failures += 1
        print("FAIL: " + what)


def main():
    zkbio, zkbiod = sys.argv[1], sys.argv[2]
    p = subprocess.run([zkbio, "bench", "forward", "--quick", "--json", "--zkbiod", zkbiod],
                       capture_output=True, text=True, timeout=280)
    sys.stderr.write(p.stderr)
    if p.returncode == 2 and "no /api/v1/forwarders" in p.stderr:
        print("skipped: this zkbiod has no /api/v1/forwarders")
        return 77
    check(p.returncode == 0, "exit status 0 (got %d)" % p.returncode)
    try:
        r = json.loads(p.stdout)
    except ValueError:
        print("FAIL: no JSON on stdout: %r" % p.stdout[:500])
        return 1
    check(r.get("errors") is False, "no errors")
    for name, n in (("bulk", 5000), ("single", 500)):
        x = r.get(name) or {}
        check(x.get("punches") == n, "%s: %d punches" % (name, n))
        check(x.get("punches_per_s", 0) > 0 and x.get("seconds", 0) > 0, name + ": a rate")
        check(x.get("duplicates") == 0 and x.get("strays") == 0 and x.get("errors") == 0,
              name + ": each punch once, none foreign")
        fw = x.get("forwarder") or {}
        check(fw.get("pending") == 0, name + ": nothing pending at the end: %s" % fw)
    check(1 < r["bulk"].get("max_batch", 0) <= 1000, "bulk batches of 2..1000")
    check(r["single"].get("requests", 0) >= 500, "single: a request per punch")
    rt = r.get("realtime") or {}
    check(rt.get("punches") == 100, "realtime: 100 punches")
    check(0 < rt.get("p50_ms", 0) <= rt.get("p99_ms", 0) <= rt.get("max_ms", 0),
          "realtime: ordered quantiles")
    check(rt.get("duplicates") == 0 and rt.get("strays") == 0, "realtime: each punch once")
    print("ok" if not failures else "%d failure(s)" % failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
