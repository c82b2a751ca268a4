# SPDX-License-Identifier: Apache-2.0
"""Device information, clock and memory counters through the pyzk API."""
from datetime import datetime

from zkbio.zk import ZK

from _target import HOST, PORT, UDP

conn = None
zk = ZK(HOST, port=PORT, timeout=5, force_udp=UDP, ommit_ping=True)
try:
    conn = zk.connect()
    print("connected:", conn is zk, conn.is_connect)
    conn.set_time(datetime(2024, 5, 6, 7, 8, 9))
    print("time        :", conn.get_time())
    print("firmware    :", conn.get_firmware_version())
    print("device name :", conn.get_device_name())
    print("serial      :", conn.get_serialnumber())
    print("mac         :", conn.get_mac())
    print("face version:", conn.get_face_version())
    print("fp version  :", conn.get_fp_version())
    print("platform    :", conn.get_platform())
    print("extend fmt  :", conn.get_extend_fmt())
    print("user ext fmt:", conn.get_user_extend_fmt())
    print("face fun on :", conn.get_face_fun_on())
    print("compat old  :", conn.get_compat_old_firmware())
    print("network     :", sorted(conn.get_network_params().items()))
    print("pin width   :", conn.get_pin_width())
    print("free data   :", conn.free_data())
    print("refresh     :", conn.refresh_data())
    print("voice       :", conn.test_voice(index=3))
    print("write lcd   :", conn.write_lcd(1, "hello"))
    print("clear lcd   :", conn.clear_lcd())
    print("unlock      :", conn.unlock(time=2))
    print("disable     :", conn.disable_device(), conn.is_enabled)
    print("enable      :", conn.enable_device(), conn.is_enabled)
    print("sizes       :", conn.read_sizes())
    print(conn)
    for name in ("users", "fingers", "records", "dummy", "cards", "fingers_cap", "users_cap",
                 "rec_cap", "fingers_av", "users_av", "rec_av", "faces", "faces_cap"):
        print("  %-12s %s" % (name, getattr(conn, name)))
except Exception as e:
    print("Process terminate : {}".format(e))
finally:
    if conn:
        print("disconnect  :", conn.disconnect())
