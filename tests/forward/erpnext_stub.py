#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A stand-in Frappe / ERPNext (HRMS) site for zkbiod's forwarding tests (issue 16).

It behaves as Frappe and HRMS are documented to behave (facts from the shared reference
integrations.md; the section is named at each rule), written from that description, not from
Frappe's code:

Served on the site port (HTTP/1.1, keep-alive, every answer with Content-Length):
- ``/api/method/hrms.hr.doctype.employee_checkin.employee_checkin.add_log_based_on_employee_field``
  (HRMS v14+) and the same under ``erpnext.`` (v13), which one exists is ``--app``
  (integrations.md §2.1, §2.2). Arguments from the JSON body, a form body or the query string:
  ``employee_field_value, timestamp, device_id, log_type, skip_auto_attendance,
  employee_fieldname (default attendance_device_id), latitude, longitude``. The Employee is looked
  up by ``employee_fieldname``; none -> 417 ValidationError "No Employee found for the given
  employee field value. '<field>': <value>"; status Inactive -> 417 InactiveEmployeeStatusError
  "Transactions cannot be created for an Inactive Employee <link>."; the same employee, time and
  log_type stored already -> 417 ValidationError "This employee already has a log with the same
  timestamp.<Br><link>" (HRMS PR 621: log_type is part of the rule). Microseconds are dropped from
  the time (newer HRMS, §2.2). Success: 200 ``{"message": {<the Employee Checkin>, "name":
  "EMP-CKIN-MM-YYYY-######"}}`` (§2.2, §2.3 naming series).
- The real-time app of §2.5 under ``--realtime-path`` (default
  ``phr.phr.api.biometric_realtime_sync``): ``.receive_attendance_log`` (200 ``{"message":
  {"success": true, "checkin_id", "message", "employee", "attendance_created", "timestamp"}}``; a
  validation failure is caught by the app: HTTP 400 ``{"message": {"success": false, "error",
  "error_type": "validation_error"}}`` plus the ``_server_messages`` the throw queued),
  ``.receive_bulk_attendance_logs`` with ``{"logs": [...]}`` (at most 1000, else an uncaught
  ValidationError, 417; items processed in order, each in its own try: ``{"message": {"success":
  true, "processed", "failed", "total", "results": [{"success", "employee_id", "checkin_id" |
  "error"}]}}``, a duplicate is a failed item carrying the HRMS duplicate text), and
  ``.test_connection`` (``server_time``, ``version``). Item fields: ``employee_id`` (the
  attendance_device_id), ``timestamp`` ("YYYY-MM-DD HH:MM:SS" or ISO 8601), ``device_id``,
  ``log_type`` IN|OUT|AUTO (AUTO or anything else = none), ``device_serial``, ``latitude``,
  ``longitude``; employee_id, timestamp and device_id required.
- ``/api/method/frappe.auth.get_logged_user`` -> ``{"message": "<user>"}``; ``/api/method/ping``
  -> ``{"message": "pong"}`` (guest).
- ``GET /api/resource/Employee Checkin?filters=[[field,"=",value],...]&fields=[...]`` ->
  ``{"data": [...]}`` (§2.3; the pre-check of §2.4).
- Auth (§2.3): ``Authorization: token <key>:<secret>`` (or ``Basic base64(key:secret)``); anything
  else on a method that needs a user -> 401 AuthenticationError.
- Errors (§2.4, Frappe v15, API v1): the status of the exception class (ValidationError 417,
  AuthenticationError 401, ...), body ``{"exc_type", "exception", "exc", "_server_messages"}``:
  ``exc`` a JSON string of a list of traceback strings, ``exception`` its last line (both only
  while tracebacks are allowed: control ``traceback``), ``_server_messages`` a JSON string of a
  list of JSON strings (decode twice) of ``{message, title, indicator, raise_exception}``.
- A method that does not exist (the other app's path): Frappe's handler throws "Failed to get
  method for command <cmd> with No module named '<app>'" as a ValidationError, so 417 by default;
  ``--missing-method 404`` answers 404 DoesNotExistError instead.

Fault injection (command line flags set the initial values; ``POST /control`` on the control
port changes them while running, fields as the flags without dashes, underscores for hyphens):
``latency_ms`` (added before every site request), ``fail_502_fraction`` / ``fail_502_for_s`` (an
nginx-style 502 for a fraction of requests / every request for the next N seconds; nothing
stored), ``drop_fraction`` / ``drop_for_s`` (the request is read, then the connection reset
without an answer; nothing stored), ``drop_after_store_fraction`` (the checkin is stored, then the
connection reset: the client must retry and get the duplicate answer), ``slow_ms`` with
``slow_fraction`` (stored, then answered after slow_ms: past a client's timeout), ``auth_fail``
(every authenticated call 401), ``outage_s`` (the site port stops listening and open connections
are reset for N seconds: connection refused), ``outage`` true/false (the same until turned off),
``traceback`` (exc/exception in error bodies), ``seed`` (the random faults' generator).

Control port (plain HTTP, JSON): ``GET /stats`` (requests, by status and path, checkins stored,
duplicates, unknown, inactive, dropped, 502s, slow answers, auth failures, bulk sizes, precision
mismatches = the same employee and second sent with differently written timestamps, timestamps
with a zone suffix), ``GET /checkins`` (every stored checkin), ``POST /control`` (faults; answers
the current settings), ``POST /employees`` ``{"employees": [{"id": "12", "status":
"Active"|"Inactive", "name"?: ...}]}`` (adds or updates; ``id`` is the attendance_device_id),
``POST /reset`` (forget checkins and counters).

Usage: erpnext_stub.py [--port 0] [--control-port 0] [--port-file F] [--app hrms|erpnext|both]
  [--api-key K --api-secret S] [--employees 1-50,60] [--inactive 7,8] [fault flags]
The port file (written once both ports listen) is JSON ``{"port": P, "control_port": C}``; the
same line goes to stdout. Stops on SIGTERM / SIGINT. Python 3 standard library only.
"""
import argparse
import base64
import datetime
import json
import os
import random
import signal
import socket
import struct
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CHECKIN_METHOD = "hr.doctype.employee_checkin.employee_checkin.add_log_based_on_employee_field"
MAX_BULK = 1000  # integrations.md §2.5
DUP_TEXT = "This employee already has a log with the same timestamp."
UNKNOWN_TEXT = "No Employee found for the given employee field value."
INACTIVE_TEXT = "Transactions cannot be created for an Inactive Employee"


class FrappeError(Exception):
    """A frappe.throw: the exception class name, its HTTP status and the message."""

    def __init__(self, exc_type, status, message):
        super().__init__(message)
        self.exc_type = exc_type
        self.status = status
        self.message = message


def validation(msg, exc_type="ValidationError"):
    return FrappeError(exc_type, 417, msg)


def parse_ranges(text):
    """'1-3,7' -> ['1', '2', '3', '7']"""
    out = []
    for part in (text or "").split(","):
        part = part.strip()
        if not part:
            continue
        if "-" in part:
            a, b = part.split("-", 1)
            out += [str(i) for i in range(int(a), int(b) + 1)]
        else:
            out.append(part)
    return out


def parse_time(text):
    """A Frappe Datetime from "YYYY-MM-DD HH:MM:SS[.ffffff]" or ISO 8601 ("T", optional zone):
    (canonical "YYYY-MM-DD HH:MM:SS" with microseconds dropped, had_zone). ValueError if bad."""
    if not isinstance(text, str) or not 10 <= len(text) <= 40:
        raise ValueError("not a timestamp")
    t = text.strip()
    zone = False
    if t.endswith("Z"):
        t, zone = t[:-1], True
    elif len(t) > 19 and t[-6] in "+-" and t[-3] == ":":
        t, zone = t[:-6], True
    t = t.replace("T", " ", 1)
    fmt = "%Y-%m-%d %H:%M:%S.%f" if "." in t else "%Y-%m-%d %H:%M:%S"
    d = datetime.datetime.strptime(t, fmt)
    return d.strftime("%Y-%m-%d %H:%M:%S"), zone


class Site:
    """The site's state: employees, checkins, counters and fault settings. One lock for all."""

    def __init__(self, args):
        self.lock = threading.Lock()
        self.api_key = args.api_key
        self.api_secret = args.api_secret
        self.user = args.user
        self.apps = {"hrms", "erpnext"} if args.app == "both" else {args.app}
        self.realtime_path = args.realtime_path
        self.missing_method = args.missing_method
        self.employees = {}  # attendance_device_id -> {name, employee_name, status}
        self.n_emp = 0
        for i in parse_ranges(args.employees):
            self.put_employee(i, "Active")
        for i in parse_ranges(args.inactive):
            self.put_employee(i, "Inactive")
        self.faults = {
            "latency_ms": args.latency_ms, "fail_502_fraction": args.fail_502_fraction,
            "fail_502_until": 0.0, "drop_fraction": args.drop_fraction, "drop_until": 0.0,
            "drop_after_store_fraction": args.drop_after_store_fraction,
            "slow_ms": args.slow_ms, "slow_fraction": args.slow_fraction,
            "auth_fail": args.auth_fail, "traceback": not args.no_traceback,
        }
        self.rng = random.Random(args.seed)
        self.reset()

    def reset(self):
        self.checkins = []
        self.by_key = {}  # (employee, time, log_type) -> checkin
        self.raw_by_second = {}  # (employee, time) -> first raw timestamp text
        self.seq = 0
        self.stats = {
            "requests": 0, "by_status": {}, "by_path": {}, "checkins": 0, "duplicates": 0,
            "unknown": 0, "inactive": 0, "dropped": 0, "dropped_after_store": 0,
            "failed_502": 0, "slow": 0, "auth_failures": 0, "refused_outage": 0,
            "bulk_requests": 0, "bulk_items": 0, "max_bulk": 0, "precision_mismatches": 0,
            "zoned_timestamps": 0, "connections": 0,
        }

    def put_employee(self, dev_id, status, name=None):
        e = self.employees.get(dev_id)
        if e is None:
            self.n_emp += 1
            e = {"name": "HR-EMP-%05d" % self.n_emp, "attendance_device_id": dev_id}
            self.employees[dev_id] = e
        e["employee_name"] = name or e.get("employee_name") or "Employee %s" % dev_id
        e["status"] = status

    def count(self, key, n=1):
        self.stats[key] += n

    def chance(self, fraction):
        return fraction > 0 and self.rng.random() < fraction

    # ---- HRMS add_log_based_on_employee_field (integrations.md §2.2) --------------------------
    def add_log(self, a, via, serial=""):
        """Insert an Employee Checkin as HRMS does; the new doc, or FrappeError. Caller holds
        the lock."""
        value, ts = a.get("employee_field_value"), a.get("timestamp")
        if value in (None, "") or ts in (None, ""):
            raise validation("'employee_field_value' and 'timestamp' are required.")
        field = a.get("employee_fieldname") or "attendance_device_id"
        emp = None
        for e in self.employees.values():
            if str(e.get(field, "")) == str(value):
                emp = e
                break
        if emp is None:
            self.count("unknown")
            raise validation("%s '%s': %s" % (UNKNOWN_TEXT, field, value))
        try:
            when, zoned = parse_time(str(ts))
        except ValueError:
            raise validation("%s is not a valid datetime" % ts)
        if zoned:
            self.count("zoned_timestamps")
        if emp["status"] == "Inactive":  # validate_active_employee runs first
            self.count("inactive")
            raise validation('%s <a href="/app/employee/%s">%s</a>.' %
                             (INACTIVE_TEXT, emp["name"], emp["name"]),
                             "InactiveEmployeeStatusError")
        lt = a.get("log_type") or None
        if lt not in (None, "IN", "OUT"):
            raise validation("Log Type cannot be %s" % lt)
        raw = self.raw_by_second.setdefault((emp["name"], when), str(ts))
        if raw != str(ts):
            self.count("precision_mismatches")
        dup = self.by_key.get((emp["name"], when, lt))
        if dup is not None:
            self.count("duplicates")
            raise validation('%s<Br><a href="/app/employee-checkin/%s">%s</a>' %
                             (DUP_TEXT, dup["name"], dup["name"]))
        self.seq += 1
        now = datetime.datetime.now()
        stamp = now.strftime("%Y-%m-%d %H:%M:%S.%f")
        doc = {
            "name": "EMP-CKIN-%s-%06d" % (now.strftime("%m-%Y"), self.seq),
            "owner": self.user, "creation": stamp, "modified": stamp, "modified_by": self.user,
            "docstatus": 0, "idx": 0, "employee": emp["name"],
            "employee_name": emp["employee_name"], "log_type": lt, "time": when,
            "device_id": a.get("device_id"), "skip_auto_attendance":
            int(a.get("skip_auto_attendance") or 0), "latitude": a.get("latitude"),
            "longitude": a.get("longitude"), "doctype": "Employee Checkin",
        }
        self.checkins.append(dict(doc, attendance_device_id=emp["attendance_device_id"],
                                  raw_timestamp=str(ts), via=via, device_serial=serial,
                                  received_at=time.time()))
        self.by_key[(emp["name"], when, lt)] = self.checkins[-1]
        self.count("checkins")
        return doc


def frappe_error_body(site, err, traceback):
    """The v15 API v1 error body (integrations.md §2.4)."""
    msg = {"message": err.message, "title": "Message", "indicator": "red", "raise_exception": 1}
    body = {"exc_type": err.exc_type,
            "_server_messages": json.dumps([json.dumps(msg)])}
    if traceback:
        last = "frappe.exceptions.%s: %s" % (err.exc_type, err.message)
        if err.exc_type == "InactiveEmployeeStatusError":
            last = "hrms.hr.utils.InactiveEmployeeStatusError: %s" % err.message
        body["exception"] = last
        body["exc"] = json.dumps(["Traceback (most recent call last):\n  File \"apps/frappe/"
                                  "frappe/app.py\", line 114, in application\n    response = "
                                  "frappe.api.handle(request)\n" + last + "\n"])
    return body


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "nginx"
    sys_version = ""

    def log_message(self, fmt, *args):  # quiet; stats tell the story
        pass

    def setup(self):
        super().setup()
        self.server.track(self.connection, True)
        with self.server.site.lock:
            self.server.site.count("connections")

    def finish(self):
        try:
            super().finish()
        finally:
            self.server.track(self.connection, False)

    # ---- plumbing --------------------------------------------------------------------------
    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            out = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return out
                if len(out) + size > 64 << 20:
                    raise ValueError("body too large")
                out += self.rfile.read(size)
                self.rfile.readline()
        n = int(self.headers.get("Content-Length") or 0)
        if n < 0 or n > 64 << 20:
            raise ValueError("bad Content-Length")
        return self.rfile.read(n) if n else b""

    def send(self, status, obj, ctype="application/json"):
        data = obj if isinstance(obj, bytes) else json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()
        with self.server.site.lock:
            bs = self.server.site.stats["by_status"]
            bs[str(status)] = bs.get(str(status), 0) + 1

    def reset_connection(self):
        """Close with RST and without an answer (a dropped connection)."""
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass
        self.close_connection = True

    def args_of(self, body):
        """Frappe's form_dict: query string, then a form or JSON body."""
        q = urllib.parse.urlsplit(self.path).query
        a = {k: v[-1] for k, v in urllib.parse.parse_qs(q, keep_blank_values=True).items()}
        ctype = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if body:
            if ctype == "application/json":
                j = json.loads(body.decode())
                if not isinstance(j, dict):
                    raise ValueError("the JSON body is not an object")
                a.update(j)
            else:
                for k, v in urllib.parse.parse_qs(body.decode(), keep_blank_values=True).items():
                    a[k] = v[-1]
        return a

    def authorised(self):
        site = self.server.site
        h = self.headers.get("Authorization", "")
        kind, _, cred = h.partition(" ")
        if kind.lower() == "basic":
            try:
                cred = base64.b64decode(cred.strip(), validate=True).decode()
            except (ValueError, UnicodeDecodeError):
                return False
        elif kind.lower() != "token":
            return False
        return not site.faults["auth_fail"] and cred.strip() == "%s:%s" % (site.api_key,
                                                                          site.api_secret)

    # ---- verbs -----------------------------------------------------------------------------
    def do_GET(self):
        self.handle_site(b"")

    def do_POST(self):
        try:
            body = self.read_body()
        except ValueError:
            self.send(400, {"exc_type": "ValidationError"})
            return
        self.handle_site(body)

    do_PUT = do_POST

    def handle_site(self, body):
        site = self.server.site
        path = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path)
        with site.lock:
            site.count("requests")
            bp = site.stats["by_path"]
            key = path.rsplit(".", 1)[-1] if path.startswith("/api/method/") else path
            bp[key] = bp.get(key, 0) + 1
            f = dict(site.faults)
            now = time.time()
            fail502 = now < f["fail_502_until"] or site.chance(f["fail_502_fraction"])
            drop = not fail502 and (now < f["drop_until"] or site.chance(f["drop_fraction"]))
            drop_after = site.chance(f["drop_after_store_fraction"])
            slow = f["slow_ms"] > 0 and site.chance(f["slow_fraction"])
            if fail502:
                site.count("failed_502")
            if drop:
                site.count("dropped")
        if f["latency_ms"] > 0:
            time.sleep(f["latency_ms"] / 1000.0)
        if fail502:  # the proxy in front of the site: nginx's page, nothing reached Frappe
            self.send(502, b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
                      b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>"
                      b"\r\n</body>\r\n</html>\r\n", "text/html")
            return
        if drop:
            self.reset_connection()
            return
        try:
            args = self.args_of(body)
        except (ValueError, UnicodeDecodeError):
            self.send(417, frappe_error_body(site, validation("Invalid request body"),
                                             f["traceback"]))
            return
        status, out = self.route(path, args, f["traceback"])
        if drop_after:
            with site.lock:
                site.count("dropped_after_store")
            self.reset_connection()
            return
        if slow:
            with site.lock:
                site.count("slow")
            time.sleep(f["slow_ms"] / 1000.0)
        self.send(status, out)

    def route(self, path, a, tb):
        """(status, body) of a site request; stores checkins."""
        site = self.server.site
        if path in ("/api/method/ping", "/api/method/frappe.ping"):
            return 200, {"message": "pong"}
        if not self.authorised():
            with site.lock:
                site.count("auth_failures")
            err = FrappeError("AuthenticationError", 401, "Invalid API key or secret")
            body = frappe_error_body(site, err, tb)
            del body["_server_messages"]  # raised by the auth check, no msgprint ran
            return 401, body
        if path == "/api/method/frappe.auth.get_logged_user":
            return 200, {"message": site.user}
        if path == "/api/resource/Employee Checkin":
            return self.list_checkins(a)
        if not path.startswith("/api/method/"):
            return 404, frappe_error_body(site, FrappeError("DoesNotExistError", 404,
                                                            "Page not found"), tb)
        cmd = path[len("/api/method/"):]
        for app in ("hrms", "erpnext"):
            if cmd == app + "." + CHECKIN_METHOD:
                if app not in site.apps:
                    return self.missing(cmd, app, tb)
                with site.lock:
                    try:
                        return 200, {"message": site.add_log(a, app)}
                    except FrappeError as e:
                        return e.status, frappe_error_body(site, e, tb)
        rt = site.realtime_path + "."
        if cmd.startswith(rt):
            fn = cmd[len(rt):]
            if fn == "receive_attendance_log":
                return self.realtime_one(a, tb)
            if fn == "receive_bulk_attendance_logs":
                return self.realtime_bulk(a, tb)
            if fn == "test_connection":
                return 200, {"message": {
                    "success": True, "message": "Connection successful",
                    "server_time": datetime.datetime.now().strftime("%Y-%m-%d %H:%M:%S.%f"),
                    "version": "1.0.0"}}
        return self.missing(cmd, cmd.split(".", 1)[0], tb)

    def missing(self, cmd, module, tb):
        """A method that does not exist on this site (integrations.md §2.1: the path moved)."""
        site = self.server.site
        if site.missing_method == 404:
            return 404, frappe_error_body(site, FrappeError("DoesNotExistError", 404,
                                                            "Page not found"), tb)
        return 417, frappe_error_body(site, validation(
            "Failed to get method for command %s with No module named '%s'" % (cmd, module)), tb)

    # ---- the real-time app (integrations.md §2.5) ---------------------------------------------
    def realtime_item(self, item):
        """One log through the app: the checkin doc or FrappeError. Caller holds the lock."""
        if not isinstance(item, dict):
            raise validation("Each log must be an object")
        for k in ("employee_id", "timestamp", "device_id"):
            if item.get(k) in (None, ""):
                raise validation("Missing required field: %s" % k)
        lt = item.get("log_type") or "AUTO"
        hrms = {"employee_field_value": item["employee_id"], "timestamp": item["timestamp"],
                "device_id": item["device_id"], "log_type": lt if lt in ("IN", "OUT") else None,
                "employee_fieldname": "attendance_device_id", "skip_auto_attendance": 0,
                "latitude": item.get("latitude"), "longitude": item.get("longitude")}
        return self.server.site.add_log(hrms, "realtime", str(item.get("device_serial") or ""))

    def realtime_one(self, a, tb):
        site = self.server.site
        with site.lock:
            try:
                doc = self.realtime_item(a)
            except FrappeError as e:
                msg = {"message": e.message, "title": "Message", "indicator": "red",
                       "raise_exception": 1}
                return 400, {"message": {"success": False, "error": e.message,
                                         "error_type": "validation_error"},
                             "_server_messages": json.dumps([json.dumps(msg)])}
        return 200, {"message": {"success": True, "checkin_id": doc["name"],
                                 "message": "Attendance log created successfully",
                                 "employee": doc["employee"], "attendance_created": False,
                                 "timestamp": doc["time"]}}

    def realtime_bulk(self, a, tb):
        site = self.server.site
        logs = a.get("logs")
        if isinstance(logs, str):  # a form field holds the JSON text
            try:
                logs = json.loads(logs)
            except ValueError:
                logs = None
        if not isinstance(logs, list) or not logs:
            return 417, frappe_error_body(site, validation("logs must be a non-empty list"), tb)
        if len(logs) > MAX_BULK:
            return 417, frappe_error_body(site, validation(
                "Maximum %d logs allowed per request" % MAX_BULK), tb)
        results, msgs, ok = [], [], 0
        with site.lock:
            site.count("bulk_requests")
            site.count("bulk_items", len(logs))
            site.stats["max_bulk"] = max(site.stats["max_bulk"], len(logs))
            for item in logs:
                eid = item.get("employee_id") if isinstance(item, dict) else None
                try:
                    doc = self.realtime_item(item)
                    ok += 1
                    results.append({"success": True, "employee_id": eid,
                                    "checkin_id": doc["name"]})
                except FrappeError as e:
                    results.append({"success": False, "employee_id": eid, "error": e.message})
                    msgs.append(json.dumps({"message": e.message, "title": "Message",
                                            "indicator": "red", "raise_exception": 1}))
        out = {"message": {"success": True, "processed": ok, "failed": len(logs) - ok,
                           "total": len(logs), "results": results}}
        if msgs:
            out["_server_messages"] = json.dumps(msgs)
        return 200, out

    def list_checkins(self, a):
        """GET /api/resource/Employee Checkin with [[field, "=", value], ...] filters (§2.3)."""
        try:
            filters = json.loads(a.get("filters") or "[]")
            fields = json.loads(a.get("fields") or '["name"]')
            start = int(a.get("limit_start") or 0)
            length = int(a.get("limit_page_length") or 20)
        except ValueError:
            return 417, frappe_error_body(self.server.site, validation("Invalid filters"), True)
        with self.server.site.lock:
            rows = [c for c in self.server.site.checkins
                    if all(isinstance(f, list) and len(f) == 3 and f[1] == "=" and
                           str(c.get(f[0])) == str(f[2]) for f in filters)]
        rows = rows[start:start + length] if length > 0 else rows[start:]
        return 200, {"data": [{k: r.get(k) for k in fields} for r in rows]}


class SiteServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, addr, site):
        self.site = site
        self.conns = set()
        self.conns_lock = threading.Lock()
        super().__init__(addr, Handler)

    def handle_error(self, request, client_address):
        pass  # a connection reset by a fault or an outage; the counters tell the story

    def track(self, conn, add):
        with self.conns_lock:
            (self.conns.add if add else self.conns.discard)(conn)

    def reset_all(self):
        with self.conns_lock:
            conns = list(self.conns)
        for c in conns:
            try:
                c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class Stub:
    """The site server and its outage switch."""

    def __init__(self, site, host, port):
        self.site, self.host = site, host
        self.lock = threading.Lock()
        self.server = SiteServer((host, port), site)
        self.port = self.server.server_address[1]
        self.outage_timer = None
        self.start()

    def start(self):
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def set_outage(self, on, seconds=0):
        with self.lock:
            if self.outage_timer:
                self.outage_timer.cancel()
                self.outage_timer = None
            if on and self.server is not None:
                srv, self.server = self.server, None
                srv.shutdown()
                srv.server_close()
                srv.reset_all()
            if not on and self.server is None:
                for _ in range(100):  # the old socket may linger a moment
                    try:
                        self.server = SiteServer((self.host, self.port), self.site)
                        break
                    except OSError:
                        time.sleep(0.05)
                if self.server is None:
                    raise OSError("cannot listen on port %d again" % self.port)
                self.start()
            if on and seconds > 0:
                self.outage_timer = threading.Timer(seconds, self.set_outage, (False,))
                self.outage_timer.daemon = True
                self.outage_timer.start()

    def in_outage(self):
        return self.server is None


class ControlHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def reply(self, status, obj):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        stub = self.server.stub
        site = stub.site
        with site.lock:
            if self.path == "/stats":
                s = json.loads(json.dumps(site.stats))
                s["outage"] = stub.in_outage()
                s["employees"] = len(site.employees)
                return self.reply(200, s)
            if self.path == "/checkins":
                return self.reply(200, {"checkins": site.checkins})
        self.reply(404, {"error": "unknown control path"})

    def do_POST(self):
        stub = self.server.stub
        site = stub.site
        try:
            n = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(n).decode() or "{}") if n else {}
            if not isinstance(body, dict):
                raise ValueError("not an object")
        except ValueError as e:
            return self.reply(400, {"error": "bad JSON: %s" % e})
        if self.path == "/reset":
            with site.lock:
                site.reset()
            return self.reply(200, {"ok": True})
        if self.path == "/employees":
            with site.lock:
                for e in body.get("employees", []):
                    site.put_employee(str(e["id"]), e.get("status", "Active"), e.get("name"))
                return self.reply(200, {"employees": list(site.employees.values())})
        if self.path != "/control":
            return self.reply(404, {"error": "unknown control path"})
        now = time.time()
        with site.lock:
            f = site.faults
            for k in ("latency_ms", "slow_ms"):
                if k in body:
                    f[k] = int(body[k])
            for k in ("fail_502_fraction", "drop_fraction", "drop_after_store_fraction",
                      "slow_fraction"):
                if k in body:
                    f[k] = float(body[k])
            if "fail_502_for_s" in body:
                f["fail_502_until"] = now + float(body["fail_502_for_s"])
            if "drop_for_s" in body:
                f["drop_until"] = now + float(body["drop_for_s"])
            for k in ("auth_fail", "traceback"):
                if k in body:
                    f[k] = bool(body[k])
            if "api_secret" in body:
                site.api_secret = str(body["api_secret"])
            if "seed" in body:
                site.rng.seed(body["seed"])
            settings = dict(f)
        if "outage_s" in body:
            stub.set_outage(True, float(body["outage_s"]))
        elif "outage" in body:
            stub.set_outage(bool(body["outage"]))
        settings["outage"] = stub.in_outage()
        self.reply(200, settings)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--control-port", type=int, default=0)
    p.add_argument("--port-file")
    p.add_argument("--app", choices=["hrms", "erpnext", "both"], default="hrms")
    p.add_argument("--realtime-path", default="phr.phr.api.biometric_realtime_sync")
    p.add_argument("--missing-method", type=int, choices=[404, 417], default=417)
    p.add_argument("--api-key", default="stubkey")
    p.add_argument("--api-secret", default="stubsecret")
    p.add_argument("--user", default="sync@example.com")
    p.add_argument("--employees", default="1-50", help="attendance device ids, e.g. 1-50,60")
    p.add_argument("--inactive", default="", help="ids of Inactive employees")
    p.add_argument("--latency-ms", type=int, default=0)
    p.add_argument("--fail-502-fraction", type=float, default=0.0)
    p.add_argument("--drop-fraction", type=float, default=0.0)
    p.add_argument("--drop-after-store-fraction", type=float, default=0.0)
    p.add_argument("--slow-ms", type=int, default=0)
    p.add_argument("--slow-fraction", type=float, default=1.0)
    p.add_argument("--auth-fail", action="store_true")
    p.add_argument("--no-traceback", action="store_true")
    p.add_argument("--seed", type=int, default=16)
    args = p.parse_args(argv)

    site = Site(args)
    stub = Stub(site, args.host, args.port)
    ctl = ThreadingHTTPServer((args.host, args.control_port), ControlHandler)
    ctl.daemon_threads = True
    ctl.stub = stub
    threading.Thread(target=ctl.serve_forever, args=(0.1,), daemon=True).start()
    line = json.dumps({"port": stub.port, "control_port": ctl.server_address[1]})
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as fh:
            fh.write(line + "\n")
        os.replace(tmp, args.port_file)
    print(line, flush=True)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    while not done.wait(0.5):
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
