#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Forwarding end to end (issue 16): zkbiod, a `zkbio push-sim` terminal and a loopback target that
plays three kinds of receiver (a threaded stdlib HTTP server written here):

  erpnext           HRMS's add_log_based_on_employee_field: token auth, 200 {"message":{"name"}},
                    417 with v15 (exc_type) and v14 (no exc_type) bodies for an unknown employee
                    and a duplicate, 401 while its key is "revoked";
  erpnext-realtime  receive_bulk_attendance_logs with per-item results;
  webhook           signature and timestamp checked as docs/integrations.md tells a receiver to.

Checked: every punch reaches every target once with the right bodies and headers; a duplicate
counts as delivered; an unknown employee is parked and does not block the others; times are
converted from the device's zone to the target's; a 401 pauses the target, its rows stay pending,
and resume delivers them; requeue and drop of parked rows; a config-file forwarder is created with
source "config" and the API refuses to change it (409).

Usage: test-forward-e2e.py ZKBIOD ZKBIO
"""
import hashlib
import hmac
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOKEN = "fwd-e2e-admin-token-0123456789"
SECRET = "whsec-test-0123456789"
FAILS = []


def check(cond, what):
    if not cond:
        FAILS.append(what)
        print("FAIL:", what, file=sys.stderr)
    return cond


def frappe_error(status, message, exc_type=None):
    """A Frappe /api/method error body (integrations.md §2.4): _server_messages encoded twice."""
    body = {"_server_messages": json.dumps([json.dumps({"message": message, "indicator": "red",
                                                        "raise_exception": 1})])}
    if exc_type:  # v15 and later
        body["exc_type"] = exc_type
        body["exception"] = "frappe.exceptions.%s: %s" % (exc_type, message)
    else:  # v14: a traceback list in exc
        body["exc"] = json.dumps(["Traceback (most recent call last):\n ... ValidationError: " +
                                  message])
    return status, body


class Target:
    def __init__(self):
        self.lock = threading.Lock()
        self.erp = []       # bodies accepted
        self.erp_headers = []
        self.erp_seen = {("1", "2025-01-02 08:00:00", "IN")}  # already in ERPNext: a duplicate
        self.erp_revoked = False
        self.rt = []
        self.hook = []
        self.hook_bad = []

    def handle(self, path, headers, body):
        with self.lock:
            if path.startswith("/erp/"):
                return self.erpnext(path, headers, body)
            if path.startswith("/rt/"):
                return self.realtime(path, headers, body)
            if path == "/hook":
                return self.webhook(headers, body)
        return 404, {"message": "not found"}

    def erpnext(self, path, headers, body):
        if headers.get("Authorization") != "token k1:s1" or self.erp_revoked:
            return 401, {"exc_type": "AuthenticationError", "_server_messages": "[]"}
        if not path.endswith("/api/method/hrms.hr.doctype.employee_checkin.employee_checkin."
                             "add_log_based_on_employee_field"):
            return 404, {"exc_type": "DoesNotExistError"}
        d = json.loads(body)
        pin = d["employee_field_value"]
        if pin == "99":
            return frappe_error(417, "No Employee found for the given employee field value. "
                                "'attendance_device_id': 99", "ValidationError")
        key = (pin, d["timestamp"], d["log_type"])
        if key in self.erp_seen:
            return frappe_error(417, "This employee already has a log with the same timestamp."
                                "<Br><a href='/app/employee-checkin/x'>x</a>")
        self.erp_seen.add(key)
        self.erp.append(d)
        self.erp_headers.append(dict(headers))
        return 200, {"message": {"name": "EMP-CKIN-%05d" % len(self.erp), "employee": pin}}

    def realtime(self, path, headers, body):
        if headers.get("Authorization") != "token k2:s2":
            return 401, {"exc_type": "AuthenticationError"}
        if not path.endswith("/api/method/myapp.api.receive_bulk_attendance_logs"):
            return 404, {"exc_type": "DoesNotExistError"}
        logs = json.loads(body)["logs"]
        results = []
        for log in logs:
            if log["employee_id"] == "99":
                results.append({"success": False, "employee_id": "99",
                                "error": "No Employee found for the given employee field value."})
            else:
                self.rt.append(log)
                results.append({"success": True, "employee_id": log["employee_id"],
                                "checkin_id": "EMP-CKIN-%d" % len(self.rt)})
        return 200, {"message": {"success": True, "processed": len(logs), "results": results}}

    def webhook(self, headers, body):
        # What docs/integrations.md tells a receiver: recompute the HMAC over "<ts>.<body>",
        # compare in constant time, refuse timestamps older than 5 minutes.
        ts = headers.get("X-Zkbio-Timestamp", "")
        sig = headers.get("X-Zkbio-Signature", "")
        want = "sha256=" + hmac.new(SECRET.encode(), (ts + ".").encode() + body,
                                    hashlib.sha256).hexdigest()
        if not hmac.compare_digest(sig, want) or abs(time.time() - int(ts or 0)) > 300:
            self.hook_bad.append(sig)
            return 401, {"error": "bad signature"}
        d = json.loads(body)
        self.hook.append((dict(headers), d))
        return 200, {"ok": True}


TARGET = Target()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        status, out = TARGET.handle(self.path, self.headers, body)
        data = json.dumps(out).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST


def api(base, method, path, body=None):
    req = urllib.request.Request(base + path, method=method,
                                 data=json.dumps(body).encode() if body is not None else None,
                                 headers={"Authorization": "Bearer " + TOKEN,
                                          "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def wait_for(fn, what, timeout=20.0):
    end = time.time() + timeout
    while time.time() < end:
        v = fn()
        if v:
            return v
        time.sleep(0.1)
    check(False, "timed out waiting for " + what)
    return None


def stats(base, fid):
    st, j = api(base, "GET", "/api/v1/forwarders/%d" % fid)
    return j["data"]["stats"] if st == 200 else {}


def push(zkbio, base, sn, first_pin, users, punches):
    r = subprocess.run([zkbio, "push-sim", "--url", base, "--sn", sn, "--users", str(users),
                        "--first-pin", str(first_pin), "--punches", str(punches), "--polls", "1",
                        "--delay-ms", "10"], capture_output=True, text=True, timeout=60)
    check(r.returncode == 0, "push-sim %s: %s" % (sn, r.stderr[-400:]))


def main():
    zkbiod, zkbio = sys.argv[1], sys.argv[2]
    tmp = tempfile.mkdtemp(prefix="zkbio-fwd-e2e-")
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    tport = srv.server_address[1]
    conf = os.path.join(tmp, "zkbiod.conf")
    with open(conf, "w") as f:
        f.write("# a forwarder of the config file\n"
                "forwarder.hook.kind = webhook\n"
                "forwarder.hook.url = http://127.0.0.1:%d/hook\n"
                "forwarder.hook.secret = %s\n"
                "forwarder.hook.tz = +05:30\n"
                "forwarder.hook.batch = 7\n" % (tport, SECRET))
    log = open(os.path.join(tmp, "zkbiod.log"), "w")
    ports = os.path.join(tmp, "ports")
    proc = subprocess.Popen([zkbiod, "--config", conf, "--data-dir", tmp, "--listen",
                             "127.0.0.1:0", "--service-listen", "off", "--admission", "auto",
                             "--admin-token", TOKEN, "--port-file", ports, "--log-level", "info",
                             "--delay", "1"], stdout=log, stderr=subprocess.STDOUT)
    try:
        if not wait_for(lambda: os.path.exists(ports) and open(ports).read().strip(), "port file"):
            return 1
        port = int(open(ports).read().split()[1])
        base = "http://127.0.0.1:%d" % port
        run(base, zkbio, tport, conf)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            check(False, "zkbiod did not stop on SIGTERM")
        log.close()
        srv.shutdown()
        if FAILS:
            print(open(os.path.join(tmp, "zkbiod.log")).read()[-4000:], file=sys.stderr)
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d failure(s)" % len(FAILS))
    return 1 if FAILS else 0


def run(base, zkbio, tport, conf):
    # The config file's forwarder exists, with source config; the API may not change it.
    st, j = api(base, "GET", "/api/v1/forwarders")
    check(st == 200, "list forwarders: %s" % st)
    items = j["data"]["items"] if st == 200 else []
    hook = [f for f in items if f["name"] == "hook"]
    if not check(len(hook) == 1, "config forwarder listed"):
        return
    hook = hook[0]
    check(hook["source"] == "config" and hook["kind"] == "webhook", "config forwarder: %s" % hook)
    check("secret" not in hook["settings"] and hook["settings"].get("has_secret") is True,
          "secret masked: %s" % hook["settings"])
    st, j = api(base, "PATCH", "/api/v1/forwarders/%d" % hook["id"], {"url": "http://x/"})
    check(st == 409 and conf in j["message"], "PATCH of a config forwarder: %s %s" % (st, j))

    # Targets through the API.
    st, j = api(base, "POST", "/api/v1/forwarders", {
        "name": "erp", "kind": "erpnext", "url": "http://127.0.0.1:%d/erp/" % tport,
        "settings": {"api_key": "k1", "api_secret": "s1", "concurrency": 3}})
    check(st == 201, "create erpnext: %s %s" % (st, j))
    erp = j["data"]["id"] if st == 201 else 0
    check(st == 201 and '"api_secret"' not in json.dumps(j) and '"s1"' not in json.dumps(j) and
          j["data"]["settings"].get("has_api_secret") is True, "erp secrets masked")
    st, j = api(base, "POST", "/api/v1/forwarders", {
        "name": "rt", "kind": "erpnext-realtime", "url": "http://127.0.0.1:%d/rt" % tport,
        "settings": {"api_key": "k2", "api_secret": "s2", "method_path": "myapp.api",
                     "batch": 5}})
    check(st == 201, "create realtime: %s %s" % (st, j))
    rt = j["data"]["id"] if st == 201 else 0
    st, j = api(base, "POST", "/api/v1/forwarders", {"name": "bad", "kind": "erpnext",
                                                     "url": "ftp://x", "settings": {}})
    check(st == 400 and j["error"]["code"] == "VALIDATION_ERROR", "bad url refused: %s" % st)

    # The terminal registers; its zone is +03:00 (the webhook converts to +05:30).
    push(zkbio, base, "FWDE2E1", 1, 0, 0)
    st, j = api(base, "PATCH", "/api/v1/devices/FWDE2E1", {"tz": "+03:00"})
    check(st == 200, "device tz: %s %s" % (st, j))
    push(zkbio, base, "FWDE2E1", 1, 3, 12)   # pins 1,2,3; one is already in ERPNext
    push(zkbio, base, "FWDE2E1", 98, 2, 4)   # pins 98, 99 (99 is unknown to the targets)

    for fid, name in ((erp, "erp"), (rt, "rt"), (hook["id"], "hook")):
        wait_for(lambda: stats(base, fid).get("pending", 1) == 0, name + " drained")
    s = stats(base, erp)
    check(s.get("delivered") == 13 and s.get("duplicate") == 1 and s.get("parked") == 2,
          "erp stats: %s" % s)
    check(len(TARGET.erp) == 13, "erp received %d" % len(TARGET.erp))
    d = TARGET.erp[0] if TARGET.erp else {}
    check(set(d) == {"employee_field_value", "timestamp", "device_id", "log_type"},
          "erp body keys: %s" % d)
    check(d.get("device_id") == "FWDE2E1" and len(d.get("timestamp", "")) == 19,
          "erp body: %s" % d)
    # push-sim alternates states 0, 1: IN and OUT by the default mapping; the time is the
    # device wall clock (this target has no tz)
    check(all(x["log_type"] in ("IN", "OUT") for x in TARGET.erp), "log types")
    check(any(x["timestamp"] == "2025-01-02 08:01:00" and x["log_type"] == "OUT"
              for x in TARGET.erp), "device wall clock sent unchanged: %s" % TARGET.erp[:2])
    s = stats(base, rt)
    check(s.get("delivered") == 14 and s.get("parked") == 2, "rt stats: %s" % s)
    check(len(TARGET.rt) == 14 and all(x["device_serial"] == "FWDE2E1" and
                                       x["log_type"] in ("IN", "OUT") for x in TARGET.rt),
          "rt items: %s" % TARGET.rt[:1])
    s = stats(base, hook["id"])
    check(s.get("delivered") == 16, "hook stats: %s" % s)
    punches = [p for _, b in TARGET.hook for p in b["punches"]]
    check(len(punches) == 16 and not TARGET.hook_bad, "hook got %d, %d bad signatures" %
          (len(punches), len(TARGET.hook_bad)))
    check(all(len(b["punches"]) <= 7 for _, b in TARGET.hook), "webhook batches of 7")
    keys = {p["idempotency_key"] for p in punches}
    check(len(keys) == 16 and all(len(k) == 32 for k in keys), "idempotency keys")
    p0 = [p for p in punches if p["pin"] == "1" and p["status"] == 0]
    check(p0 and p0[0]["time"] == "2025-01-02 10:30:00" and
          p0[0]["utc"] == "2025-01-02T05:00:00Z" and p0[0]["tz"] == "+05:30",
          "webhook time converted +03:00 -> +05:30: %s" % (p0[:1],))
    h0 = TARGET.hook[0][0] if TARGET.hook else {}
    check(len(h0.get("Idempotency-Key", "")) == 32, "batch Idempotency-Key")

    # Parked rows: listed, requeued (parked again: still unknown), dropped.
    st, j = api(base, "GET", "/api/v1/forwarders/%d/outbox?state=parked&limit=1" % erp)
    check(st == 200 and len(j["data"]["items"]) == 1 and j["data"]["paging"]["next"],
          "parked page: %s" % (j,))
    if st == 200 and j["data"]["items"]:
        it = j["data"]["items"][0]
        check(it["pin"] == "99" and it["state"] == "parked" and it["last_status"] == 417 and
              "No Employee found" in it["last_error"] and it["sent_time"], "parked row: %s" % it)
    st, j = api(base, "POST", "/api/v1/forwarders/%d/outbox/requeue" % erp, {"state": "parked"})
    check(st == 200 and j["data"]["count"] == 2, "requeue: %s" % (j,))
    wait_for(lambda: stats(base, erp).get("parked") == 2, "parked again")
    st, j = api(base, "POST", "/api/v1/forwarders/%d/outbox/drop" % erp, {"state": "parked"})
    check(st == 200 and j["data"]["count"] == 2, "drop: %s" % (j,))

    # 401: the target pauses, its rows wait; resume delivers them.
    TARGET.erp_revoked = True
    push(zkbio, base, "FWDE2E2", 50, 2, 4)
    wait_for(lambda: api(base, "GET", "/api/v1/forwarders/%d" % erp)[1]["data"]["state"] ==
             "paused", "erp paused on 401")
    st, j = api(base, "GET", "/api/v1/forwarders/%d" % erp)
    check("401" in (j["data"]["paused_reason"] or ""), "pause reason: %s" % j["data"])
    check(j["data"]["stats"]["pending"] == 4, "rows wait while paused: %s" % j["data"]["stats"])
    time.sleep(0.5)
    check(len(TARGET.erp) == 13, "nothing sent while paused")
    TARGET.erp_revoked = False
    st, j = api(base, "POST", "/api/v1/forwarders/%d/resume" % erp)
    check(st == 200 and j["data"]["state"] == "active", "resume: %s" % (j,))
    wait_for(lambda: stats(base, erp).get("pending", 1) == 0, "erp drained after resume")
    check(len(TARGET.erp) == 17, "delivered after resume: %d" % len(TARGET.erp))

    # Delete: gone with its rows.
    st, j = api(base, "DELETE", "/api/v1/forwarders/%d" % rt)
    check(st == 200, "delete: %s" % st)
    st, j = api(base, "GET", "/api/v1/forwarders/%d" % rt)
    check(st == 404, "deleted forwarder: %s" % st)


if __name__ == "__main__":
    sys.exit(main())
