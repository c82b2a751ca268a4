# SPDX-License-Identifier: Apache-2.0
"""Attendance records: read and clear through the pyzk API."""
from zkbio.zk import ZK

from _target import HOST, PORT, UDP

conn = None
zk = ZK(HOST, port=PORT, timeout=5, force_udp=UDP, ommit_ping=True)
try:
    conn = zk.connect()
    records = conn.get_attendance()
    print("records:", len(records))
    for a in records:
        print(a, "|", a.uid, repr(a.user_id), a.timestamp.isoformat(), a.status, a.punch, a())
    print("clear:", conn.clear_attendance())
    print("records after clear:", conn.get_attendance())
except Exception as e:
    print("Process terminate : {}".format(e))
finally:
    if conn:
        conn.disconnect()
