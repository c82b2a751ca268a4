#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Inbound punches end to end, zkbiod to zkbiod (issue 16, inbound part): zkbiod A receives punches in
the Frappe real-time shape and forwards them with its `erpnext-realtime` forwarder to zkbiod B's inbound
methods, as it would to a Frappe site running the peer app. Checks:
- every punch posted to A (single and bulk) reaches B exactly once, with its PIN, time and IN/OUT;
- A's forwarding engine is woken by the inbound methods: with --forward-poll-ms 60000 the punches still
  arrive within seconds (the median time from A's answer to B holding the punch is printed);
- a retried batch at A stores nothing twice and forwards nothing twice; a punch B already has (posted to B
  directly) comes back from B as HRMS's duplicate text, which A counts as delivered (state duplicate).

  test-inbound-chain.py ZKBIOD [DB_URI_A [DB_URI_B]]   (SQLite files in a temporary directory for those
  not given; mariadb.sh appends one URI: A on MariaDB, B on SQLite)
"""
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

TOKEN = "inbound-chain-admin-token-0123456789"
APP = "phr.phr.api.biometric_realtime_sync"
FAILS = []


def check(cond, what):
    if not cond:
        FAILS.append(what)
        print("FAIL: " + what, file=sys.stderr)
    return cond


def call(base, method, path, body=None, auth="Bearer " + TOKEN):
    req = urllib.request.Request(base + path, method=method,
                                 data=json.dumps(body).encode() if body is not None else None,
                                 headers={"Authorization": auth, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def wait_for(fn, timeout=20.0):
    end = time.time() + timeout
    while time.time() < end:
        v = fn()
        if v:
            return v
        time.sleep(0.02)
    return None


def start(zkbiod, tmp, name, db):
    d = os.path.join(tmp, name)
    os.makedirs(d)
    ports = os.path.join(d, "ports")
    log = open(os.path.join(d, "zkbiod.log"), "w")
    args = [zkbiod, "--data-dir", d, "--listen", "127.0.0.1:0", "--service-listen", "off",
            "--admission", "auto", "--admin-token", TOKEN, "--port-file", ports, "--log-level", "info",
            "--forward-poll-ms", "60000", "--db", db or "sqlite:" + os.path.join(d, "zkbiod.db")]
    proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
    if not wait_for(lambda: os.path.exists(ports) and open(ports).read().strip()):
        raise RuntimeError(name + ": no port file")
    return proc, log, "http://127.0.0.1:%d" % int(open(ports).read().split()[1]), d


def new_key(base, name):
    st, j = call(base, "POST", "/api/v1/integration-keys", {"name": name})
    check(st == 201, "%s: integration key: %s %s" % (base, st, j))
    return j["data"]["api_key"], j["data"]["api_secret"]


def punches_on(base, sn):
    """(pin, time, status) of every punch of sn on a zkbiod."""
    out, after = [], ""
    for _ in range(20):
        st, j = call(base, "GET", "/api/v1/attendance?sn=%s&limit=1000%s" % (sn, "&after=" + after if after else ""))
        if st != 200:
            return None
        out += [(p["user_id"], p["punch_time"], p["status"]) for p in j["data"]["items"]]
        after = j["data"]["paging"]["next"]
        if not after:
            break
    return out


def run(a, b):
    kb, sb = new_key(b, "from zkbiod A")
    ka, sa = new_key(a, "devices of site A")
    auth_a = "token %s:%s" % (ka, sa)
    st, j = call(a, "POST", "/api/v1/forwarders", {
        "name": "to-b", "kind": "erpnext-realtime", "url": b,
        "settings": {"api_key": kb, "api_secret": sb, "method_path": APP, "batch": 200}})
    check(st == 201, "forwarder on A: %s %s" % (st, j))
    fid = j["data"]["id"]

    # single punches, one at a time: each should reach B within a second or two (A's poll is 60 s)
    lat = []
    for i in range(10):
        log = {"employee_id": str(100 + i), "timestamp": "2025-06-01 08:%02d:00" % i,
               "device_id": "CHAIN-1", "log_type": "IN" if i % 2 == 0 else "OUT"}
        t0 = time.time()
        st, j = call(a, "POST", "/api/method/%s.receive_attendance_log" % APP, log, auth_a)
        check(st == 200, "A single %d: %s %s" % (i, st, j))
        got = wait_for(lambda: len(punches_on(b, "CHAIN-1") or []) == i + 1, timeout=10)
        check(got, "punch %d reached B" % i)
        lat.append(time.time() - t0)
    print("inbound -> forwarded -> stored on B: median %.0f ms, max %.0f ms (A polls every 60 s)"
          % (statistics.median(lat) * 1000, max(lat) * 1000))
    check(statistics.median(lat) < 5.0, "the inbound methods wake A's forwarder")

    # a bulk batch, then the same batch again (a client retrying)
    logs = [{"employee_id": str(1000 + i), "timestamp": "2025-06-02 %02d:%02d:00" % (i // 60, i % 60),
             "device_id": "x", "device_serial": "CHAIN-2", "log_type": ["IN", "OUT", "AUTO"][i % 3]}
            for i in range(600)]
    for attempt in range(2):
        st, j = call(a, "POST", "/api/method/%s.receive_bulk_attendance_logs" % APP, {"logs": logs}, auth_a)
        check(st == 200 and j["message"]["processed"] == (600 if attempt == 0 else 0),
              "A bulk attempt %d: %s" % (attempt, str(j)[:300]))
    check(wait_for(lambda: len(punches_on(b, "CHAIN-2") or []) == 600, timeout=30), "600 punches reached B")
    on_b = sorted(punches_on(b, "CHAIN-2"))
    want = sorted((l["employee_id"], l["timestamp"].replace(" ", "T"), {"IN": 0, "OUT": 1}.get(l["log_type"], 255))
                  for l in logs)
    check(on_b == want, "B holds exactly the punches posted to A (first difference: %s)"
          % next(((x, y) for x, y in zip(on_b, want) if x != y), None))

    # B already has a punch: A's delivery gets HRMS's duplicate text back and counts it delivered
    dup = {"employee_id": "7777", "timestamp": "2025-06-03 09:00:00", "device_id": "CHAIN-3", "log_type": "IN"}
    st, j = call(b, "POST", "/api/method/%s.receive_attendance_log" % APP, dup, "token %s:%s" % (kb, sb))
    check(st == 200, "B direct: %s" % st)
    st, j = call(a, "POST", "/api/method/%s.receive_attendance_log" % APP, dup, auth_a)
    check(st == 200, "A: %s" % st)

    def drained():
        st, j = call(a, "GET", "/api/v1/forwarders/%d" % fid)
        s = j["data"]["stats"] if st == 200 else {}
        return s if s.get("pending", 1) == 0 and s.get("delivered", 0) + s.get("duplicate", 0) == 611 else None
    s = wait_for(drained, timeout=30)
    check(s and s.get("duplicate") == 1 and s.get("delivered") == 610, "A's outbox: %s" % s)
    check(len(punches_on(b, "CHAIN-3") or []) == 1, "the duplicate stored once on B")


def main():
    zkbiod = sys.argv[1]
    dbs = (sys.argv[2:4] + [None, None])[:2]
    tmp = tempfile.mkdtemp(prefix="zkbio-inbound-chain-")
    procs = []
    try:
        for name, db in (("a", dbs[0]), ("b", dbs[1])):
            procs.append(start(zkbiod, tmp, name, db))
        run(procs[0][2], procs[1][2])
    finally:
        for proc, log, _, d in procs:
            proc.send_signal(signal.SIGTERM)
            try:
                check(proc.wait(timeout=20) == 0, "zkbiod exit status %s" % proc.returncode)
            except subprocess.TimeoutExpired:
                proc.kill()
                check(False, "zkbiod did not stop on SIGTERM")
            log.close()
            text = open(os.path.join(d, "zkbiod.log")).read()
            check(not any(s in text for s in ("AddressSanitizer", "LeakSanitizer", "runtime error:")),
                  "a sanitizer report in " + d)
            if FAILS:
                print(text[-3000:], file=sys.stderr)
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d failure(s)" % len(FAILS))
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
