#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A client of the real-time ERPNext punch endpoints written the way the peer app documents its clients
(shared reference integrations.md §2.5: `Authorization: token key:secret`, JSON bodies, the app path
phr.phr.api.biometric_realtime_sync), with python3's urllib only, pointed at zkbiod. It checks what such
a script relies on: test_connection, one punch, the duplicate answer of a retry, a bulk batch with its
per-item results, and Frappe's error body for a bad key.

  peer_client.py BASE_URL API_KEY API_SECRET     exit 0 when every step behaved, 1 with the reason
"""
import json
import sys
import urllib.error
import urllib.request

APP = "phr.phr.api.biometric_realtime_sync"


def call(base, method, key, secret, body=None):
    req = urllib.request.Request(
        f"{base}/api/method/{APP}.{method}",
        data=None if body is None else json.dumps(body).encode(),
        method="POST",
        headers={"Authorization": f"token {key}:{secret}", "Content-Type": "application/json",
                 "Accept": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=20) as r:
            return r.status, json.loads(r.read().decode())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read().decode())


def server_messages(body):
    """Frappe's _server_messages: a JSON string of a list of JSON strings (decoded twice)."""
    return [json.loads(m)["message"] for m in json.loads(body.get("_server_messages", "[]"))]


def main(base, key, secret):
    st, b = call(base, "test_connection", key, secret)
    assert st == 200 and b["message"]["success"] is True and b["message"]["message"] == "Connection successful", b
    log = {"employee_id": "9001", "timestamp": "2025-01-27 14:30:00", "device_id": "PEER-GATE-1", "log_type": "IN"}
    st, b = call(base, "receive_attendance_log", key, secret, log)
    assert st == 200 and b["message"]["success"] is True and b["message"]["checkin_id"], (st, b)
    assert b["message"]["employee"] == "9001" and b["message"]["timestamp"] == "2025-01-27 14:30:00", b
    st, b = call(base, "receive_attendance_log", key, secret, log)  # a retry: the duplicate answer
    assert st == 400 and b["message"]["error_type"] == "validation_error", (st, b)
    assert "already has a log with the same timestamp" in b["message"]["error"], b
    assert any("already has a log" in m for m in server_messages(b)), b
    logs = [dict(log, employee_id=str(9100 + i), timestamp=f"2025-01-27 15:{i:02d}:00", log_type="OUT")
            for i in range(20)] + [log]
    st, b = call(base, "receive_bulk_attendance_logs", key, secret, {"logs": logs})
    m = b["message"]
    assert st == 200 and m["success"] is True and m["total"] == 21 and m["processed"] == 20 and m["failed"] == 1, b
    assert m["results"][-1]["success"] is False and m["results"][0]["success"] is True, m["results"]
    st, b = call(base, "receive_attendance_log", key, secret + "x", log)
    assert st == 401 and b.get("exc_type") == "AuthenticationError", (st, b)
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 4:
        print(__doc__)
        sys.exit(2)
    try:
        sys.exit(main(*sys.argv[1:]))
    except (AssertionError, KeyError, ValueError, OSError) as e:
        print(f"peer client: {e!r}")
        sys.exit(1)
