#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Smoke test of `zkbio bench api` (suite bench): one scenario at small sizes against a zkbiod the
benchmark starts itself; its --json output must be sane (counts that match, no errors), so the
benchmark cannot rot. Usage: test-bench-api.py ZKBIO ZKBIOD SCENARIO [--db URI]."""
import json
import subprocess
import sys

SMALL = {
    "sync": ["--punches", "2000"],
    "attendance": ["--stored", "20000", "--connections", "2", "--requests", "15"],
    "fleet": ["--terminals", "3", "--rest", "2"],
    "biotime": ["--quick"],  # 20,000 punches, 2 connections x 15 requests
}

failures = 0


def check(cond, what):
    global failures
    if not cond:
        failures += 1
        print("FAIL: " + what)


def run(zkbio, args, timeout=600):
    p = subprocess.run([zkbio, "bench", "api"] + args, capture_output=True, text=True,
                       timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def check_sync(r):
    runs = r["runs"]
    check(len(runs) == 2, "two link rates by default")
    check(runs[0]["link_rate"] > 0 and runs[1]["link_rate"] == 0,
          "the emulator's default rate first, then unpaced")
    for x in runs:
        tag = "sync at %d B/s: " % x["link_rate"]
        check(x["ok"], tag + "ok")
        check(x["wire_records"] == 2000, tag + "the library read every punch")
        check(x["downloaded"] == 2000, tag + "the job downloaded every punch")
        check(x["inserted"] == 2000, tag + "the job inserted every punch")
        check(x["stored"] == 2000, tag + "zkbiod lists every punch")
        check(x["job_state"] == "completed", tag + "the job completed")
        check(0 < x["wire_s"] and 0 < x["end_to_end_s"], tag + "times measured")
        check(x["job_total_ms"] is not None and x["job_total_ms"] <= x["end_to_end_s"] * 1000 + 1,
              tag + "the job's own time within the end-to-end time")
        check(0 < x["wire_share_percent"] <= 100.0 + 1e-6 or x["wire_s"] > x["end_to_end_s"],
              tag + "a wire share")


def check_attendance(r):
    check(r["stored"] in (20000, None), "20,000 punches stored")
    check(r["load_records_per_s"] > 0, "a load rate")
    names = [f["filter"] for f in r["filters"]]
    check(names == ["device", "user", "range", "device+range", "none", "deep-keyset",
                    "device+deep"], "every filter measured: %s" % names)
    for f in r["filters"]:
        tag = "filter %s: " % f["filter"]
        check(f["errors"] == 0, tag + "no errors")
        check(f["requests"] == 30, tag + "2 connections x 15 requests")
        check(0 < f["p50_ms"] <= f["p90_ms"] <= f["p99_ms"] <= f["max_ms"], tag + "ordered quantiles")
        check(0 <= f["rows_per_page"] <= 100, tag + "pages of at most 100")
    full = {f["filter"]: f for f in r["filters"]}
    check(full["none"]["rows_per_page"] == 100, "unfiltered pages are full")
    check(full["device"]["rows_per_page"] == 100, "a terminal's pages are full (1,000 punches each)")
    check(40 <= full["user"]["rows_per_page"] <= 100, "a user's pages hold their 40 punches (more from earlier runs on a kept database)")


def check_fleet(r):
    check(r["online"] == 3, "3 terminals online")
    s = r["sessions"]
    check(s["terminals_with_one_open"] == 3, "one session open per terminal")
    check(s["opened_total"] >= 3, "the terminals counted their sessions")
    check(r["punches_stored"] == 300, "the catch-up pulls stored every terminal's 100 punches")
    z = r["zkbiod"]
    if z["available"]:
        check(z["threads"] > 1 and z["rss_kib"] > 0 and z["cpu_percent"] >= 0,
              "threads, memory and CPU read")


def check_biotime(r):
    check(r["stored"] == 20000, "the list counts the 20,000 punches --quick stores")
    names = [m["mix"] for m in r["mixes"]]
    check(names == ["none", "emp_code", "terminal_sn", "range", "sn+range", "emp+range", "walk", "deep"],
          "every mix measured: %s" % names)
    for m in r["mixes"]:
        tag = "mix %s: " % m["mix"]
        check(m["errors"] == 0, tag + "no errors")
        check(m["requests"] == 30, tag + "2 connections x 15 requests")
        check(0 < m["p50_ms"] <= m["p99_ms"] <= m["max_ms"], tag + "ordered quantiles")
        check(0 <= m["rows_per_page"] <= 100, tag + "pages of at most 100")
    full = {m["mix"]: m for m in r["mixes"]}
    for name in ("none", "terminal_sn", "walk", "deep"):
        check(full[name]["rows_per_page"] == 100, name + ": full pages")
    check(r["target_p99_ms"] == 50, "the target is p99 <= 50 ms")


def main():
    zkbio, zkbiod, scenario = sys.argv[1:4]
    extra = sys.argv[4:]
    base = ["--zkbiod", zkbiod] + extra
    if scenario == "attendance":
        # bad usage is refused before anything starts
        for bad in (["--scenario", "nope"], ["--stored", "150"], ["--connections", "0"],
                    ["--link-rate", "-1"], ["--bogus"]):
            rc, _, err = run(zkbio, base + bad)
            check(rc == 2 and err, "usage error %s: exit 2 with a message (got %d)" % (bad, rc))
    rc, out, err = run(zkbio, base + ["--scenario", scenario, "--json"] + SMALL[scenario])
    check(rc == 0, "exit status 0 (got %d)" % rc)
    if rc != 0:  # the reason is on the --json run's stderr
        print("stderr of the --json run:\n" + err)
    try:
        doc = json.loads(out)
    except ValueError:
        print("FAIL: --json output is not JSON:\n" + out)
        print(err)
        return 1
    check(doc.get("errors") is False, "no errors reported")
    r = doc.get(scenario)
    check(r is not None, "the scenario's object")
    if r is not None and not failures:
        {"sync": check_sync, "attendance": check_attendance, "fleet": check_fleet,
         "biotime": check_biotime}[scenario](r)
    # the text table as well
    rc, out, err = run(zkbio, base + ["--scenario", scenario] + SMALL[scenario])
    check(rc == 0 and ("zkbio bench api: " + scenario) in out, "the text table (exit %d)" % rc)
    if failures:
        print("stderr of the last run:\n" + err)
        print("stdout:\n" + out)
    print("%s: %d failed" % (scenario, failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
