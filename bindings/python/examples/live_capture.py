# SPDX-License-Identifier: Apache-2.0
"""Realtime punches through pyzk's live_capture() generator; stops after four punches."""
from zkbio.zk import ZK

from _target import HOST, PORT, UDP

conn = None
zk = ZK(HOST, port=PORT, timeout=5, force_udp=UDP, ommit_ping=True)
try:
    conn = zk.connect()
    seen = 0
    for attendance in conn.live_capture(new_timeout=1):
        if attendance is None:
            continue
        seen += 1
        print("punch", seen, repr(attendance.user_id), attendance.uid, attendance.status,
              attendance.punch, type(attendance.timestamp).__name__)
        if seen == 4:
            conn.end_live_capture = True
    print("after live capture:", conn.get_firmware_version(), len(conn.get_users()))
except Exception as e:
    print("Process terminate : {}".format(e))
finally:
    if conn:
        conn.disconnect()
