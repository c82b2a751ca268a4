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
        # which user punches first depends on when the capture starts: print what does not
        print("punch", seen, attendance.user_id in ("1", "2", "3"),
              attendance.uid == int(attendance.user_id), attendance.status, attendance.punch,
              type(attendance.timestamp).__name__, str(attendance).startswith("<Attendance>: "))
        if seen == 4:
            conn.end_live_capture = True
    print("after live capture:", conn.get_firmware_version(), len(conn.get_users()))
except Exception as e:
    print("Process terminate : {}".format(e))
finally:
    if conn:
        conn.disconnect()
