# SPDX-License-Identifier: Apache-2.0
"""Users: list, create, update, delete through the pyzk API."""
from zkbio.zk import ZK, const

from _target import HOST, PORT, UDP


def show(conn):
    users = conn.get_users()
    print("users:", len(users), "next_uid:", conn.next_uid, "next_user_id:", conn.next_user_id)
    for u in users:
        print(" ", u, repr(u))
        print("   ", u.uid, repr(u.name), u.privilege, repr(u.password), repr(u.group_id),
              repr(u.user_id), u.card, u.usertype(), u.is_disabled(), u.is_enabled())


conn = None
zk = ZK(HOST, port=PORT, timeout=5, force_udp=UDP, ommit_ping=True)
try:
    conn = zk.connect()
    conn.disable_device()
    show(conn)
    conn.set_user(name="New One", privilege=const.USER_ADMIN, password="12345", card=777)
    conn.set_user(uid=2, name="Renamed", privilege=const.USER_DEFAULT, password="1",
                  user_id="2")
    show(conn)
    print("delete by user_id:", conn.delete_user(user_id=conn.get_users()[-1].user_id))
    print("delete missing   :", conn.delete_user(user_id="424242"))
    print("delete by uid    :", conn.delete_user(uid=3))
    show(conn)
    conn.enable_device()
except Exception as e:
    print("Process terminate : {}".format(e))
finally:
    if conn:
        conn.disconnect()
