# SPDX-License-Identifier: Apache-2.0
"""pyzk's basic session (connect, disable, firmware, users with their roles, voice, enable), then
its errors: a call before connect, and a terminal that is not there."""
from zkbio.zk import ZK, const
from zkbio.zk.exception import ZKError, ZKErrorConnection

from _target import HOST, PORT, UDP

conn = None
zk = ZK(HOST, port=PORT, timeout=5, password=0, force_udp=UDP, ommit_ping=True)
try:
    try:
        zk.get_users()
    except ZKErrorConnection as e:
        print("before connect:", type(e).__name__, e)
    print("Connecting to device ...")
    conn = zk.connect()
    print("Disabling device ...")
    conn.disable_device()
    print("Firmware Version: : {}".format(conn.get_firmware_version()))
    for user in conn.get_users():
        privilege = "User"
        if user.usertype() == const.USER_ADMIN:
            privilege = "Admin"
        elif user.usertype() == const.USER_MANAGER:
            privilege = "Manager"
        elif user.usertype() == const.USER_ENROLLER:
            privilege = "Enroller"
        if user.is_disabled():
            privilege += "(DISABLED)"
        print("- UID #{} {} {} {!r} {!r} {!r}".format(user.uid, user.name, privilege,
                                                     user.password, user.group_id, user.user_id))
    print("Voice Test ...", conn.test_voice())
    print("Enabling device ...", conn.enable_device())
    print(conn)
except Exception as e:
    print("Process terminate : {}".format(e))
finally:
    if conn:
        conn.disconnect()
try:
    ZK(HOST, port=1, timeout=1, force_udp=UDP, ommit_ping=True).connect().get_users()
    print("no terminal: connected?")
except ZKError as e:
    print("no terminal:", isinstance(e, ZKError))
