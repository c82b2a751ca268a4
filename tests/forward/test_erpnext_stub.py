#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Self-test of the stand-in ERPNext site (tests/forward/erpnext_stub.py), suite forward: the
shapes a forwarder depends on (integrations.md §2.2-2.5 as the stub's header cites them) and every
fault switch, so the end-to-end tests can trust what the stub reports.
Usage: test_erpnext_stub.py [STUB]  (default: erpnext_stub.py beside this file)."""
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
STUB = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "erpnext_stub.py")
HRMS = "/api/method/hrms.hr.doctype.employee_checkin.employee_checkin.add_log_based_on_employee_field"
ERPNEXT = HRMS.replace("/hrms.", "/erpnext.")
RT = "/api/method/phr.phr.api.biometric_realtime_sync."
AUTH = {"Authorization": "token stubkey:stubsecret", "Content-Type": "application/json",
        "Accept": "application/json"}
failures = 0


def check(cond, what):
    global failures
    if not cond:
        failures += 1
        print("FAIL: " + what, flush=True)


class Stub:
    def __init__(self, *args):
        self.dir = tempfile.mkdtemp(prefix="erpstub-")
        pf = os.path.join(self.dir, "ports")
        self.proc = subprocess.Popen([sys.executable, STUB, "--port-file", pf,
                                      "--employees", "1-5", "--inactive", "9"] + list(args),
                                     stdout=subprocess.DEVNULL)
        for _ in range(200):
            if os.path.exists(pf):
                break
            time.sleep(0.05)
        ports = json.load(open(pf))
        self.port, self.cport = ports["port"], ports["control_port"]

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)

    def call(self, path, body=None, headers=None, conn=None, timeout=10, method="POST"):
        c = conn or http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        data = json.dumps(body).encode() if isinstance(body, (dict, list)) else body
        c.request(method, path, body=data, headers=AUTH if headers is None else headers)
        r = c.getresponse()
        raw = r.read()
        if not conn:
            c.close()
        try:
            return r.status, json.loads(raw)
        except ValueError:
            return r.status, raw

    def ctl(self, path, body=None):
        c = http.client.HTTPConnection("127.0.0.1", self.cport, timeout=10)
        c.request("POST" if body is not None else "GET", path,
                  body=json.dumps(body).encode() if body is not None else None)
        r = c.getresponse()
        out = json.loads(r.read())
        c.close()
        return out


def messages(body):
    """_server_messages decoded twice (integrations.md §2.4)."""
    return [json.loads(m) for m in json.loads(body["_server_messages"])]


def punch(emp, ts, lt="IN"):
    return {"employee_field_value": emp, "timestamp": ts, "device_id": "DEV1", "log_type": lt}


def t_hrms(s):
    st, b = s.call(HRMS, punch("1", "2025-01-02 08:00:00"))
    check(st == 200 and b["message"]["name"].startswith("EMP-CKIN-"), "stored: %s %s" % (st, b))
    check(b["message"]["employee"] == "HR-EMP-00001" and b["message"]["time"] ==
          "2025-01-02 08:00:00" and b["message"]["log_type"] == "IN", "the doc's fields: %s" % b)
    # the same again: 417 ValidationError with the HRMS text, decoded twice
    st, b = s.call(HRMS, punch("1", "2025-01-02 08:00:00"))
    check(st == 417 and b["exc_type"] == "ValidationError", "duplicate: %s %s" % (st, b))
    m = messages(b)
    check(m[0]["message"].startswith("This employee already has a log with the same timestamp."),
          "duplicate text: %s" % m)
    check(isinstance(b["exc"], str) and isinstance(json.loads(b["exc"]), list) and
          "Traceback" in json.loads(b["exc"])[0], "exc is a JSON string of tracebacks")
    check(b["exception"].startswith("frappe.exceptions.ValidationError: This employee"),
          "exception: %s" % b.get("exception"))
    # microseconds dropped: the same second is a duplicate; OUT at that second is not
    st, b = s.call(HRMS, punch("1", "2025-01-02 08:00:00.000000"))
    check(st == 417, "the same second with microseconds is a duplicate: %s" % st)
    st, b = s.call(HRMS, punch("1", "2025-01-02 08:00:00", "OUT"))
    check(st == 200, "OUT at the same second is another checkin: %s" % st)
    st, b = s.call(HRMS, punch("1", "2025-01-02 08:00:01", None))
    check(st == 200 and b["message"]["log_type"] is None, "no log_type: %s %s" % (st, b))
    # unknown and inactive employees
    st, b = s.call(HRMS, punch("77", "2025-01-02 08:00:00"))
    check(st == 417 and b["exc_type"] == "ValidationError" and messages(b)[0]["message"] ==
          "No Employee found for the given employee field value. 'attendance_device_id': 77",
          "unknown: %s %s" % (st, b))
    st, b = s.call(HRMS, punch("9", "2025-01-02 08:00:00"))
    check(st == 417 and b["exc_type"] == "InactiveEmployeeStatusError" and
          "Transactions cannot be created for an Inactive Employee" in messages(b)[0]["message"],
          "inactive: %s %s" % (st, b))
    st, b = s.call(HRMS, {"timestamp": "2025-01-02 08:00:00"})
    check(st == 417 and "are required" in messages(b)[0]["message"], "missing args: %s" % b)
    # a form body and another employee field work too
    st, b = s.call(HRMS, b"employee_field_value=HR-EMP-00002&employee_fieldname=name&"
                   b"timestamp=2025-01-02+09%3A00%3A00&log_type=IN",
                   dict(AUTH, **{"Content-Type": "application/x-www-form-urlencoded"}))
    check(st == 200 and b["message"]["employee"] == "HR-EMP-00002", "form body: %s %s" % (st, b))
    # the v13 path does not exist on an HRMS site: Frappe's "Failed to get method" (417)
    st, b = s.call(ERPNEXT, punch("1", "2025-01-02 10:00:00"))
    check(st == 417 and "Failed to get method for command erpnext." in
          messages(b)[0]["message"], "erpnext path on hrms site: %s %s" % (st, b))
    # auth
    for h in ({}, {"Authorization": "token stubkey:wrong"}, {"Authorization": "Bearer x"}):
        st, b = s.call(HRMS, punch("1", "2025-01-02 11:00:00"), h)
        check(st == 401 and b["exc_type"] == "AuthenticationError", "401 for %s: %s" % (h, b))
    st, b = s.call("/api/method/frappe.auth.get_logged_user", None, method="GET")
    check(st == 200 and b["message"] == "sync@example.com", "logged user: %s" % b)
    st, b = s.call("/api/resource/Employee Checkin".replace(" ", "%20") +
                   '?filters=[["employee","=","HR-EMP-00001"],["time","=","2025-01-02+08:00:00"]]'
                   .replace('"', "%22").replace("[", "%5B").replace("]", "%5D")
                   + "&fields=%5B%22name%22,%22log_type%22%5D", None, method="GET")
    check(st == 200 and len(b["data"]) == 2, "resource list with filters: %s" % b)
    # keep-alive: one connection, several requests
    c = http.client.HTTPConnection("127.0.0.1", s.port, timeout=10)
    for i in range(3):
        st, b = s.call(HRMS, punch("3", "2025-01-03 08:00:0%d" % i), conn=c)
        check(st == 200, "keep-alive request %d: %s" % (i, st))
    before = s.ctl("/stats")["connections"]
    st, b = s.call(HRMS, punch("3", "2025-01-03 08:00:09"), conn=c)
    check(s.ctl("/stats")["connections"] == before, "the connection was reused")
    c.close()
    stats = s.ctl("/stats")
    check(stats["checkins"] == 8 and stats["duplicates"] == 2 and stats["unknown"] == 1 and
          stats["inactive"] == 1 and stats["auth_failures"] == 3, "stats: %s" % stats)
    check(stats["precision_mismatches"] == 1, "a resend with other precision is counted")
    check(len(s.ctl("/checkins")["checkins"]) == 8, "dump")
    # an employee added later is found
    s.ctl("/employees", {"employees": [{"id": "77"}]})
    st, b = s.call(HRMS, punch("77", "2025-01-02 08:00:00"))
    check(st == 200, "employee 77 added: %s" % st)


def t_realtime(s):
    one = {"employee_id": "2", "timestamp": "2025-02-01T08:00:00", "device_id": "D",
           "log_type": "AUTO", "device_serial": "SN1"}
    st, b = s.call(RT + "receive_attendance_log", one)
    m = b["message"]
    check(st == 200 and m["success"] is True and m["checkin_id"].startswith("EMP-CKIN-") and
          m["timestamp"] == "2025-02-01 08:00:00", "single: %s %s" % (st, b))
    st, b = s.call(RT + "receive_attendance_log", one)
    check(st == 400 and b["message"]["success"] is False and b["message"]["error_type"] ==
          "validation_error" and "same timestamp" in b["message"]["error"] and
          "_server_messages" in b, "single duplicate: %s %s" % (st, b))
    logs = [{"employee_id": "2", "timestamp": "2025-02-01 09:00:%02d" % i, "device_id": "D",
             "log_type": "IN"} for i in range(10)]
    logs.append(dict(one))  # duplicate
    logs.append({"employee_id": "99", "timestamp": "2025-02-01 09:00:00", "device_id": "D"})
    st, b = s.call(RT + "receive_bulk_attendance_logs", {"logs": logs})
    m = b["message"]
    check(st == 200 and m["success"] is True and m["processed"] == 10 and m["failed"] == 2 and
          m["total"] == 12, "bulk counts: %s" % m)
    r = m["results"]
    check(all(x["success"] and x["checkin_id"] for x in r[:10]) and not r[10]["success"] and
          "same timestamp" in r[10]["error"] and "No Employee found" in r[11]["error"] and
          r[11]["employee_id"] == "99", "bulk items: %s" % r[9:])
    check(len(messages(b)) == 2, "a message per failed item")
    st, b = s.call(RT + "receive_bulk_attendance_logs", {"logs": logs * 100})
    check(st == 417 and "1000" in messages(b)[0]["message"], "more than 1000: %s" % st)
    st, b = s.call(RT + "test_connection", None, method="GET")
    check(st == 200 and b["message"]["success"] and "server_time" in b["message"],
          "test_connection: %s" % b)
    st, b = s.call(RT + "test_connection", None, {}, method="GET")
    check(st == 401, "test_connection needs the token: %s" % st)
    stats = s.ctl("/stats")
    check(stats["bulk_requests"] == 1 and stats["max_bulk"] == 12 and stats["zoned_timestamps"] == 0,
          "bulk stats: %s" % stats)


def refused(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
        return False
    except ConnectionRefusedError:
        return True


def t_faults(s):
    s.ctl("/control", {"fail_502_for_s": 0.5})
    st, b = s.call(HRMS, punch("4", "2025-03-01 08:00:00"))
    check(st == 502 and b"Bad Gateway" in b, "502: %s" % st)
    time.sleep(0.6)
    st, b = s.call(HRMS, punch("4", "2025-03-01 08:00:00"))
    check(st == 200, "502 period over: %s" % st)
    # dropped before the store: the client sees the connection go, nothing is stored
    s.ctl("/control", {"drop_fraction": 1.0})
    try:
        s.call(HRMS, punch("4", "2025-03-01 08:01:00"))
        check(False, "a dropped connection gives an error")
    except (ConnectionError, http.client.HTTPException):
        pass
    s.ctl("/control", {"drop_fraction": 0, "drop_after_store_fraction": 1.0})
    try:
        s.call(HRMS, punch("4", "2025-03-01 08:02:00"))
        check(False, "a connection dropped after the store gives an error")
    except (ConnectionError, http.client.HTTPException):
        pass
    s.ctl("/control", {"drop_after_store_fraction": 0, "latency_ms": 20})
    t0 = time.time()
    st, b = s.call(HRMS, punch("4", "2025-03-01 08:02:00"))
    check(st == 417 and time.time() - t0 >= 0.02, "the stored one is a duplicate now, latency")
    st, b = s.call(HRMS, punch("4", "2025-03-01 08:01:00"))
    check(st == 200, "the dropped one was not stored: %s" % st)
    s.ctl("/control", {"latency_ms": 0, "slow_ms": 1500, "slow_fraction": 1.0})
    try:
        s.call(HRMS, punch("4", "2025-03-01 08:03:00"), timeout=0.5)
        check(False, "a slow answer times the client out")
    except (socket.timeout, TimeoutError):
        pass
    s.ctl("/control", {"slow_ms": 0})
    st, b = s.call(HRMS, punch("4", "2025-03-01 08:03:00"))
    check(st == 417, "the slow one was stored: %s" % st)
    s.ctl("/control", {"auth_fail": True})
    st, b = s.call(HRMS, punch("4", "2025-03-01 08:04:00"))
    check(st == 401, "401 mode: %s" % st)
    s.ctl("/control", {"auth_fail": False, "traceback": False})
    st, b = s.call(HRMS, punch("4", "2025-03-01 08:03:00"))
    check(st == 417 and "exc" not in b and "exception" not in b and "_server_messages" in b,
          "no traceback: %s" % b)
    # an outage: connection refused, then the same port answers again
    c = http.client.HTTPConnection("127.0.0.1", s.port, timeout=5)
    s.call(HRMS, punch("4", "2025-03-01 08:05:00"), conn=c)
    s.ctl("/control", {"outage_s": 1.0})
    check(refused(s.port), "refused during the outage")
    try:
        s.call(HRMS, punch("4", "2025-03-01 08:06:00"), conn=c)
        check(False, "the open connection was reset by the outage")
    except (ConnectionError, http.client.HTTPException, OSError):
        pass
    check(s.ctl("/stats")["outage"] is True, "stats show the outage")
    time.sleep(1.5)
    st, b = s.call(HRMS, punch("4", "2025-03-01 08:06:00"))
    check(st == 200, "back after the outage: %s" % st)
    s.ctl("/control", {"outage": True})
    check(refused(s.port), "manual outage")
    s.ctl("/control", {"outage": False})
    check(not refused(s.port), "manual outage ended")
    stats = s.ctl("/stats")
    check(stats["failed_502"] == 1 and stats["dropped"] == 1 and stats["dropped_after_store"] == 1
          and stats["slow"] == 1, "fault counters: %s" % stats)
    s.ctl("/reset", {})
    check(s.ctl("/stats")["checkins"] == 0 and not s.ctl("/checkins")["checkins"], "reset")


def t_erpnext_site():
    s = Stub("--app", "erpnext", "--missing-method", "404")
    try:
        st, b = s.call(ERPNEXT, punch("1", "2025-01-02 08:00:00"))
        check(st == 200, "v13 path on an erpnext site: %s" % st)
        st, b = s.call(HRMS, punch("1", "2025-01-02 08:00:00"))
        check(st == 404, "hrms path on a v13 site with --missing-method 404: %s" % st)
    finally:
        s.stop()


def main():
    s = Stub()
    try:
        t_hrms(s)
        t_realtime(s)
        t_faults(s)
    finally:
        s.stop()
    t_erpnext_site()
    print("%s: %d failure(s)" % ("ok" if not failures else "FAIL", failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
