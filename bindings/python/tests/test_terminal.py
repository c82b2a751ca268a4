# SPDX-License-Identifier: Apache-2.0
"""zkbio.Terminal (native API) against `zkbio emulate`."""
import datetime
import socket
import threading

import pytest

from zkbio import Terminal, User, FingerTemplate, ZKBioError, terminal as T


def closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@pytest.mark.parametrize("transport", ["tcp", "udp"])
def test_read_everything(emulate, transport):
    e = emulate("--users", 3, "--punches", 5, "--serial", "PYTEST0001")
    with Terminal(e.host, e.port, transport=transport, timeout=3) as t:
        assert t.transport == transport
        info = t.info()
        assert info.serial == "PYTEST0001" and info.firmware.startswith("Ver ")
        assert info.sizes["users"] == 3 and info.sizes["records"] == 5
        assert t.option("~SerialNumber") == "PYTEST0001"
        assert t.option("~NoSuchOption") is None
        users = t.users()
        assert [u.uid for u in users] == [1, 2, 3] and users[0].user_id == "1"
        assert t.user_size == 72
        punches = t.attendance()
        assert len(punches) == 5 and isinstance(punches[0].time, datetime.datetime)
        later = t.attendance(since=punches[2].time)
        assert len(later) == 3
        templates = t.templates()
        assert len(templates) == 3 and all(isinstance(x, FingerTemplate) for x in templates)
        assert t.template(1, 0) == templates[0].data
        assert t.template(1, 5) is None


def test_write_and_control(terminal):
    with Terminal(terminal.host, terminal.port) as t:
        when = datetime.datetime(2025, 2, 3, 4, 5, 6)
        t.set_time(when)
        assert t.get_time() == when
        t.set_user(User(uid=9, user_id="A-9", name="Zoë", privilege=14, password="42", card=99))
        u = [x for x in t.users() if x.uid == 9][0]
        assert (u.user_id, u.name, u.privilege, u.password, u.card) == ("A-9", "Zoë", 14, "42", 99)
        with pytest.raises(ZKBioError) as info:
            t.set_user(User(uid=10, name="x" * 200))
        assert info.value.name == "ZKBIO_ERANGE"
        tpl = t.template(1, 0)
        t.set_template(9, 3, tpl)
        assert t.template(9, 3) == tpl
        t.delete_template(9, 3)
        with pytest.raises(ZKBioError) as info:
            t.delete_template(9, 3)
        assert info.value.code == -5
        t.upload([User(uid=11, user_id="11", name="Bulk")], [FingerTemplate(11, 0, 1, tpl)])
        assert t.template(11, 0) == tpl
        t.delete_user(9)
        assert 9 not in [x.uid for x in t.users()]
        t.disable()
        t.enable()
        t.refresh()
        t.unlock(1.5)
        code, reply = t.command(75)  # CMD_DOORSTATE_RRQ
        assert code == T.ACK_OK and len(reply) == 1
        code, reply = t.command(1100)  # CMD_GET_VERSION
        assert reply.startswith(b"Ver ")
        t.clear_attendance()
        assert t.attendance() == []


def test_realtime_events(emulate):
    e = emulate("--users", 2, "--punches", 0, "--punch-every", 100)
    with Terminal(e.host, e.port) as t:
        events = t.events(T.EF_ATTLOG, timeout=2)
        got = [next(events) for _ in range(3)]
        events.close()
        assert all(ev is not None and ev.flag == T.EF_ATTLOG for ev in got)
        assert {ev.user_id for ev in got} <= {"1", "2"}
        assert isinstance(got[0].time, datetime.datetime)
        assert t.users()  # the session goes on after unregistering


def test_no_event_is_none(terminal):
    with Terminal(terminal.host, terminal.port) as t:
        t.register_events(T.EF_ATTLOG)
        assert t.poll_event(0.2) is None


def test_threads_share_one_terminal(terminal):
    with Terminal(terminal.host, terminal.port) as t:
        results, errors = [], []

        def work():
            try:
                for _ in range(5):
                    results.append(len(t.users()))
            except Exception as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=work) for _ in range(3)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        assert not errors and results == [3] * 15


def test_errors_and_close(terminal):
    with pytest.raises(ZKBioError) as info:
        Terminal("127.0.0.1", closed_port(), timeout=0.5)
    assert info.value.code in (-18, -8)
    t = Terminal(terminal.host, terminal.port)
    t.close()
    t.close()
    assert t.closed
    with pytest.raises(ZKBioError) as info:
        t.users()
    assert info.value.name == "ZKBIO_EINVAL"
    with pytest.raises(ZKBioError):
        Terminal(terminal.host, terminal.port, transport="carrier-pigeon")


def test_wrong_comm_key(emulate):
    e = emulate("--comm-key", 1234)
    with pytest.raises(ZKBioError):
        Terminal(e.host, e.port, comm_key=1, timeout=2)
    with Terminal(e.host, e.port, comm_key=1234, timeout=2) as t:
        assert t.users()
