# SPDX-License-Identifier: Apache-2.0
"""zkbio.zk (pyzk's API) beyond the example scripts: module layout, records, exceptions, the calls
the scripts leave out (lock state, enrollment, restart, live capture's timeouts and end)."""
import datetime

import pytest

import zkbio
from zkbio.zk import ZK, const
from zkbio.zk import attendance, exception, finger, user
from zkbio.zk.exception import ZKError, ZKErrorConnection, ZKErrorResponse, ZKNetworkError


def test_module_layout_and_records():
    assert user.User is zkbio.zk.User and finger.Finger is zkbio.zk.Finger
    assert attendance.Attendance is zkbio.zk.Attendance
    for cls in (ZKErrorConnection, ZKErrorResponse, ZKNetworkError):
        assert issubclass(cls, ZKError) and issubclass(cls, zkbio.ZKBioError)
    assert exception.ZKError is ZKError
    assert (const.USER_DEFAULT, const.USER_ENROLLER, const.USER_MANAGER, const.USER_ADMIN) == \
        (0, 2, 6, 14)
    assert (const.EF_ATTLOG, const.EF_VERIFY, const.CMD_TESTVOICE) == (1, 128, 1017)
    u = user.User(5, "Ann", 15, password=123, group_id=2, user_id="7", card="42")
    assert (u.password, u.group_id, u.card, u.usertype(), u.is_disabled()) == ("123", "2", 42, 14,
                                                                               True)
    assert str(u) == repr(u) == "<User>: [uid:5, name:Ann user_id:7]"
    f = finger.Finger(3, 1, 1, bytes(range(20)))
    assert str(f) == ("<Finger> [uid:  3, fid:1, size:  20 v:1 "
                      "t:b'0001020304050607...0c0d0e0f10111213']")
    assert finger.Finger.json_unpack(f.json_pack()) == f
    assert f.repack()[:6] == b"\x1a\x00\x03\x00\x01\x01" and f.repack_only()[:2] == b"\x14\x00"
    when = datetime.datetime(2024, 1, 2, 3, 4, 5)
    a = attendance.Attendance("7", when, 1, 0, 5)
    assert str(a) == "<Attendance>: 7 : 2024-01-02 03:04:05 (1, 0)"
    assert a() == ("7", when, 1, 0) and a.uid == 5


def test_exception_codes():
    e = ZKNetworkError("down", -18)
    assert str(e) == "down" and e.args == ("down",) and e.name == "ZKBIO_ECONN"
    assert ZKErrorConnection("x").name == "ZKBIO_EINVAL"
    assert ZKErrorResponse("no").code == -7


def test_not_connected_and_unreachable():
    zk = ZK("127.0.0.1", port=1, timeout=1, ommit_ping=True)
    with pytest.raises(ZKErrorConnection, match="instance are not connected."):
        zk.get_time()
    with pytest.raises(ZKNetworkError) as info:
        zk.connect()
    assert info.value.code in (-18, -8)


def test_lock_state_enroll_restart(emulate):
    e = emulate("--users", 3, "--punches", 0)
    conn = ZK(e.host, port=e.port, timeout=5, ommit_ping=True).connect()
    assert conn.get_lock_state() is True
    assert conn.get_firmware_version().startswith("Ver ")  # the session is intact after it
    assert conn.enroll_user(uid=2, temp_id=4) is True
    assert conn.get_user_template(uid=2, temp_id=4).size > 0
    assert conn.enroll_user(uid=99) is False  # no such user
    assert conn.cancel_capture() and conn.verify_user()
    conn.reg_event(0)
    assert conn.restart() is True
    assert conn.is_connect is False
    with pytest.raises(ZKErrorConnection):
        conn.disconnect()


def test_comm_key(emulate):
    e = emulate("--comm-key", 77)
    with pytest.raises(ZKErrorResponse, match="Unauthenticated"):
        ZK(e.host, port=e.port, timeout=2, password=1, ommit_ping=True).connect()
    conn = ZK(e.host, port=e.port, timeout=2, password=77, ommit_ping=True).connect()
    assert len(conn.get_users()) == 10
    conn.disconnect()


def test_live_capture_terminal_gone(emulate):
    e = emulate("--users", 2, "--punches", 0)
    conn = ZK(e.host, port=e.port, timeout=2, ommit_ping=True).connect()
    gen = conn.live_capture(new_timeout=0.2)
    assert next(gen) is None
    e.stop()
    with pytest.raises(ZKNetworkError):
        for _ in range(20):
            next(gen)


def test_live_capture_timeout_and_end(emulate):
    e = emulate("--users", 2, "--punches", 0)
    conn = ZK(e.host, port=e.port, timeout=5, ommit_ping=True).connect()
    conn.disable_device()
    gen = conn.live_capture(new_timeout=0.2)
    assert next(gen) is None  # nothing happened within the timeout
    conn.end_live_capture = True
    assert list(gen) == []
    assert conn.is_enabled is False  # disabled again, as before the capture
    assert len(conn.get_users()) == 2
    conn.disconnect()
