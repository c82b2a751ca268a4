# SPDX-License-Identifier: Apache-2.0
"""Fingerprint templates stored on the terminal through the pyzk API."""
from zkbio.zk import ZK

from _target import HOST, PORT, UDP

conn = None
zk = ZK(HOST, port=PORT, timeout=5, force_udp=UDP, ommit_ping=True)
try:
    conn = zk.connect()
    templates = conn.get_templates()
    print("templates:", len(templates))
    for t in templates:
        print(t)
        print("  size %s uid %s fid %s valid %s mark %s" % (t.size, t.uid, t.fid, t.valid, t.mark))
        packed = t.json_pack()
        packed["template"] = packed["template"][:32]
        print("  json", sorted(packed.items()))
    one = conn.get_user_template(uid=1, temp_id=0)
    print("user 1 finger 0:", one, one == templates[0] if templates else None)
    print("user 1 finger 0 by user_id:", conn.get_user_template(temp_id=0, user_id="1"))
    print("unknown user_id:", conn.get_user_template(temp_id=0, user_id="999"))
    print("delete user 2 finger 0:", conn.delete_user_template(uid=2, temp_id=0))
    print("templates:", len(conn.get_templates()))
    user = [u for u in conn.get_users() if u.uid == 2][0]
    conn.save_user_template(user, [templates[1]])
    after = conn.get_templates()
    print("after save:", len(after), [str(t) for t in after if t.uid == 2])
except Exception as e:
    print("Process terminate : {}".format(e))
finally:
    if conn:
        conn.disconnect()
