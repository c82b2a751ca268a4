#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Two zkbiod processes sharing one MariaDB deliver one target without sending a punch twice
(issue 16): each process takes the target's lease before it works it (forwarders.lease_owner /
lease_until). Both store punches of their own push-sim terminal and both see every row; a loopback
webhook target counts each punch's idempotency_key.

Usage: test-forward-two.py ZKBIOD ZKBIO MARIADB_URI
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
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOKEN = "fwd-two-admin-token-0123456789"
SECRET = "two-secret-0123456789"
SEEN = {}
LOCK = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        ts = self.headers.get("X-Zkbio-Timestamp", "")
        want = "sha256=" + hmac.new(SECRET.encode(), ts.encode() + b"." + body,
                                    hashlib.sha256).hexdigest()
        ok = hmac.compare_digest(self.headers.get("X-Zkbio-Signature", ""), want)
        if ok:
            time.sleep(0.01)  # a little latency, so rounds of both processes overlap in time
            with LOCK:
                for p in json.loads(body)["punches"]:
                    SEEN[p["idempotency_key"]] = SEEN.get(p["idempotency_key"], 0) + 1
        data = b'{"ok":true}' if ok else b'{"ok":false}'
        self.send_response(200 if ok else 401)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def start(zkbiod, db, tmp, name):
    d = os.path.join(tmp, name)
    os.makedirs(d)
    ports = os.path.join(d, "ports")
    log = open(os.path.join(d, "log"), "w")
    p = subprocess.Popen([zkbiod, "--data-dir", d, "--db", db, "--listen", "127.0.0.1:0",
                          "--service-listen", "off", "--admission", "auto", "--admin-token", TOKEN,
                          "--port-file", ports, "--forward-poll-ms", "50"], stdout=log,
                         stderr=subprocess.STDOUT)
    end = time.time() + 30
    while not (os.path.exists(ports) and open(ports).read().strip()) and time.time() < end:
        time.sleep(0.05)
    return p, "http://127.0.0.1:%s" % open(ports).read().split()[1], log


def main():
    zkbiod, zkbio, db = sys.argv[1], sys.argv[2], sys.argv[3]
    tmp = tempfile.mkdtemp(prefix="zkbio-fwd-two-")
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    procs = []
    fails = []
    try:
        procs.append(start(zkbiod, db, tmp, "a"))
        procs.append(start(zkbiod, db, tmp, "b"))
        base = procs[0][1]
        req = urllib.request.Request(base + "/api/v1/forwarders", method="POST", data=json.dumps({
            "name": "shared", "kind": "webhook",
            "url": "http://127.0.0.1:%d/" % srv.server_address[1],
            "settings": {"secret": SECRET, "batch": 5, "concurrency": 2}}).encode(),
            headers={"Authorization": "Bearer " + TOKEN, "Content-Type": "application/json"})
        urllib.request.urlopen(req, timeout=30).read()
        sims = [subprocess.Popen([zkbio, "push-sim", "--url", b, "--sn", "TWO%d" % i, "--users",
                                  "20", "--punches", "300", "--polls", "1", "--delay-ms", "10"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                for i, (_, b, _) in enumerate(procs)]
        for s in sims:
            s.wait(timeout=120)
        end = time.time() + 60
        while time.time() < end:
            with LOCK:
                if len(SEEN) >= 600:
                    break
            time.sleep(0.1)
        time.sleep(1.0)  # anything sent twice would arrive by now
        with LOCK:
            twice = [k for k, n in SEEN.items() if n != 1]
            if len(SEEN) != 600:
                fails.append("the target saw %d distinct punches, want 600" % len(SEEN))
            if twice:
                fails.append("%d punch(es) delivered more than once" % len(twice))
    finally:
        for p, _, log in procs:
            p.send_signal(signal.SIGTERM)
            try:
                if p.wait(timeout=20) != 0:
                    fails.append("zkbiod exit status %s (a sanitizer report?)" % p.returncode)
            except subprocess.TimeoutExpired:
                p.kill()
                fails.append("zkbiod did not stop")
            log.close()
        srv.shutdown()
        for f in fails:
            print("FAIL:", f, file=sys.stderr)
        if fails:
            for n in ("a", "b"):
                print(open(os.path.join(tmp, n, "log")).read()[-2000:], file=sys.stderr)
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d failure(s)" % len(fails))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
