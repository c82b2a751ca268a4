# SPDX-License-Identifier: Apache-2.0
"""zkbio.Terminal: a ZKTeco terminal over the TCP/UDP 4370 protocol (zkbio_zk_client).

Thread-safety: a Terminal may be used from several threads (the C handle serialises calls with
its own mutex); the GIL is released during every C call, so a slow terminal does not block other
Python threads. Ownership: the C handle is closed by ``close()``, by leaving a ``with`` block, or
by ``__del__`` as a fallback; a closed Terminal raises ZKBioError(ZKBIO_EINVAL) on use.
"""
import ctypes
import datetime
from dataclasses import dataclass, field

from . import _lib
from ._owned import Owned
from .errors import ZKBioError, check, EINVAL

L = _lib.lib

TCP, UDP, AUTO = 1, 2, 0
_TRANSPORTS = {"tcp": TCP, "udp": UDP, "auto": AUTO, TCP: TCP, UDP: UDP, AUTO: AUTO}

# Event flags (zk4370.h ZKBIO_ZK_EF_*)
EF_ATTLOG, EF_FINGER, EF_ENROLLUSER, EF_ENROLLFINGER = 0x001, 0x002, 0x004, 0x008
EF_BUTTON, EF_UNLOCK, EF_VERIFY, EF_FPFTR, EF_ALARM = 0x010, 0x020, 0x080, 0x100, 0x200
ACK_OK, ACK_ERROR = 2000, 2001


@dataclass
class User:
    """A user record. uid: device slot 1..65535; user_id: PIN (str); privilege: the stored byte
    (0 user, 14 admin; bit 0 = disabled); password: str; card: int; group: int; tz_flag (0: the
    group's time zones, 1: its own) and tz (three time-zone numbers) of 72-byte records."""
    uid: int
    user_id: str = ""
    name: str = ""
    privilege: int = 0
    password: str = ""
    card: int = 0
    group: int = 0
    tz_flag: int = 0
    tz: tuple = (0, 0, 0)


@dataclass
class Punch:
    """An attendance record: time is a naive ``datetime`` (terminal local time)."""
    uid: int
    user_id: str
    time: datetime.datetime
    verify: int
    state: int
    workcode: int = 0


@dataclass
class FingerTemplate:
    """A template as stored by the terminal (vendor format bytes); flag 1 valid, 3 duress."""
    uid: int
    fid: int
    flag: int
    data: bytes


@dataclass
class Event:
    """A realtime event (zkbio_zk_event): flag is one EF_* value; time is None when not sent."""
    flag: int
    user_id: str
    verify: int
    state: int
    time: datetime.datetime = None
    user_sn: int = 0
    result: int = 0
    size: int = 0
    fid: int = 0
    score: int = 0
    value: int = 0


@dataclass
class Info:
    """What a terminal says about itself; sizes is a dict of the zkbio_zk_sizes counters."""
    serial: str
    model: str
    firmware: str
    platform: str
    mac: str
    vendor: str
    fp_version: str
    pin_width: int
    sizes: dict = field(default_factory=dict)


def _dt(t):
    """zkbio_zk_time -> datetime (None when the year is 0)."""
    if not t.year:
        return None
    return datetime.datetime(t.year, t.month, t.day, t.hour, t.minute, t.second)


def _zktime(dt):
    return _lib.ZkTime(dt.year, dt.month, dt.day, dt.hour, dt.minute, dt.second)


def _user_struct(u):
    s = _lib.ZkUser()
    s.uid = u.uid
    s.privilege = u.privilege
    s.password = u.password.encode("utf-8")
    s.name = u.name.encode("utf-8")
    s.card = u.card
    s.group = u.group
    s.tz_flag = u.tz_flag
    for i, v in enumerate(tuple(u.tz)[:3]):
        s.tz[i] = v
    s.user_id = str(u.user_id).encode("utf-8")
    return s


def _check_fits(u):
    for name, size in (("password", 9), ("name", 100), ("user_id", 25)):
        if len(str(getattr(u, name)).encode("utf-8")) >= size:
            raise ZKBioError(-9, None, "user %s longer than %d bytes" % (name, size - 1))


def _event(ev):
    return Event(ev.flag, _lib.text(ev.user_id), ev.verify, ev.state, _dt(ev.time), ev.user_sn,
                 ev.result, ev.size, ev.fid, ev.score, ev.value)


class Terminal(Owned):
    """A connection to a terminal: ``Terminal(host, port=4370, transport="tcp"|"udp"|"auto",
    comm_key=0, timeout=5.0, charset="UTF-8")``; a context manager. ``timeout`` is seconds per
    exchange. Errors raise ZKBioError (ZKBIO_ECONN, ZKBIO_ETIMEDOUT, ZKBIO_EIO when the terminal
    refused, ...)."""

    def __init__(self, host, port=4370, transport="tcp", comm_key=0, timeout=5.0,
                 charset="UTF-8"):
        self._h = None
        if transport not in _TRANSPORTS:
            raise ZKBioError(EINVAL, None, "transport must be tcp, udp or auto")
        o = _lib.ZkClientOptions()
        o.size = ctypes.sizeof(o)
        o.transport = _TRANSPORTS[transport]
        o.comm_key = int(comm_key)
        o.timeout_ms = max(1, int(float(timeout) * 1000))
        self._charset = (charset or "UTF-8").encode("ascii")
        o.charset = self._charset
        h = ctypes.c_void_p()
        check(L.zkbio_zk_client_open(str(host).encode("utf-8"), int(port), ctypes.byref(o),
                                     ctypes.byref(h)),
              "cannot connect to %s:%s" % (host, port))
        self._h = h
        self.host, self.port = host, int(port)

    # -- life ----------------------------------------------------------------------------------
    def close(self):
        """Close the connection (CMD_EXIT) and free the handle. Idempotent."""
        h, self._h = self._h, None
        if h:
            L.zkbio_zk_client_close(h)

    @property
    def closed(self):
        return self._h is None

    def _handle(self):
        if not self._h:
            raise ZKBioError(EINVAL, None, "terminal is closed")
        return self._h

    def _last(self):
        if not self._h:
            return ""
        buf = ctypes.create_string_buffer(256)
        L.zkbio_zk_client_last_error(self._h, buf, len(buf))
        return buf.value.decode("utf-8", "replace")

    def _call(self, fn, *args):
        return check(fn(self._handle(), *args), self._last)

    @property
    def transport(self):
        """"tcp" or "udp": the transport in use (after AUTO, the one that answered)."""
        v = ctypes.c_int()
        self._call(L.zkbio_zk_client_transport, ctypes.byref(v))
        return "udp" if v.value == UDP else "tcp"

    @property
    def user_size(self):
        """The user record size detected (28 or 72 bytes); 0 until users were read."""
        v = ctypes.c_size_t()
        self._call(L.zkbio_zk_client_user_size, ctypes.byref(v))
        return v.value

    # -- information ---------------------------------------------------------------------------
    def info(self):
        """Info (serial, model, firmware, platform, mac, vendor, fp_version, pin_width, sizes)."""
        i = _lib.ZkInfo()
        self._call(L.zkbio_zk_info_get, ctypes.byref(i))
        sizes = {n: getattr(i.sizes, n) for n, _ in _lib.ZkSizes._fields_}
        return Info(_lib.text(i.serial), _lib.text(i.model), _lib.text(i.firmware),
                    _lib.text(i.platform), _lib.text(i.mac), _lib.text(i.vendor),
                    _lib.text(i.fp_version), i.pin_width, sizes)

    def option(self, name):
        """The value (str) of option ``name`` (e.g. "~SerialNumber"); None when unknown."""
        buf = ctypes.create_string_buffer(1024)
        rc = L.zkbio_zk_option_get(self._handle(), name.encode("utf-8"), buf, len(buf))
        if rc == -5:
            return None
        check(rc, self._last)
        return buf.value.decode("utf-8", "replace")

    def set_option(self, name, value):
        """Write option ``name=value`` (then CMD_REFRESHOPTION)."""
        self._call(L.zkbio_zk_option_set, name.encode("utf-8"), str(value).encode("utf-8"))

    def command(self, cmd, data=b"", reply_size=1024):
        """Send one command without bulk transfer (zkbio_zk_command_send): returns (code, reply
        bytes) whatever the answer code; transport errors raise."""
        data = bytes(data)
        p, n, keep = _lib.as_u8(data)
        reply = (ctypes.c_uint8 * max(1, reply_size))()
        rlen = ctypes.c_size_t()
        code = ctypes.c_uint16()
        rc = L.zkbio_zk_command_send(self._handle(), int(cmd), p if n else None, n,
                                     ctypes.cast(reply, _lib.u8p), reply_size,
                                     ctypes.byref(rlen), ctypes.byref(code))
        if rc < 0 and rc != -7:  # EIO: the terminal answered another code; returned, not raised
            check(rc, self._last)
        return code.value, bytes(reply)[:min(rlen.value, reply_size)]

    # -- clock ---------------------------------------------------------------------------------
    def get_time(self):
        """Terminal clock as a naive datetime."""
        t = _lib.ZkTime()
        self._call(L.zkbio_zk_time_get, ctypes.byref(t))
        return _dt(t)

    def set_time(self, when):
        """Set the clock from a datetime (its wall time; tzinfo ignored)."""
        t = _zktime(when)
        self._call(L.zkbio_zk_time_set, ctypes.byref(t))

    # -- users ---------------------------------------------------------------------------------
    def users(self):
        """Every user, as a list of User."""
        arr = ctypes.POINTER(_lib.ZkUser)()
        n = ctypes.c_size_t()
        self._call(L.zkbio_zk_users_get, ctypes.byref(arr), ctypes.byref(n))
        try:
            return [User(u.uid, _lib.text(u.user_id), _lib.text(u.name), u.privilege,
                         _lib.text(u.password), u.card, u.group, u.tz_flag, tuple(u.tz))
                    for u in (arr[i] for i in range(n.value))]
        finally:
            L.zkbio_zk_free(arr)

    def set_user(self, user):
        """Create or update ``user`` (a User; its uid picks the slot)."""
        _check_fits(user)
        s = _user_struct(user)
        self._call(L.zkbio_zk_user_set, ctypes.byref(s))

    def delete_user(self, uid):
        """Delete the user in slot ``uid``."""
        self._call(L.zkbio_zk_user_delete, int(uid))

    # -- templates -----------------------------------------------------------------------------
    def templates(self):
        """Every stored fingerprint template, as a list of FingerTemplate."""
        arr = ctypes.POINTER(_lib.ZkTemplate)()
        n = ctypes.c_size_t()
        self._call(L.zkbio_zk_templates_get, ctypes.byref(arr), ctypes.byref(n))
        try:
            out = []
            for i in range(n.value):
                t = arr[i]
                out.append(FingerTemplate(t.uid, t.fid, t.flag, ctypes.string_at(t.data, t.len)))
            return out
        finally:
            L.zkbio_zk_free(arr)

    def template(self, uid, fid):
        """The template bytes of finger ``fid`` of user ``uid``; None when the slot is empty."""
        data = ctypes.POINTER(ctypes.c_uint8)()
        n = ctypes.c_size_t()
        rc = L.zkbio_zk_template_get(self._handle(), int(uid), int(fid), ctypes.byref(data),
                                     ctypes.byref(n))
        if rc == -5:
            return None
        check(rc, self._last)
        try:
            return ctypes.string_at(data, n.value)
        finally:
            L.zkbio_zk_free(data)

    def set_template(self, uid, fid, data, flag=1):
        """Store template bytes for an existing user (flag 1 valid, 3 duress)."""
        p, n, keep = _lib.as_u8(data)
        self._call(L.zkbio_zk_template_set, int(uid), int(fid), int(flag), p, n)

    def delete_template(self, uid, fid):
        """Delete one template; ZKBioError(ZKBIO_ENOENT) when absent."""
        self._call(L.zkbio_zk_template_delete, int(uid), int(fid))

    def upload(self, users, templates=()):
        """Bulk upload of users (User) and their templates (FingerTemplate) in one buffer."""
        users, templates = list(users), list(templates)
        for u in users:
            _check_fits(u)
        ua = (_lib.ZkUser * max(1, len(users)))(*[_user_struct(u) for u in users])
        keep = []
        ta = (_lib.ZkTemplate * max(1, len(templates)))()
        for i, t in enumerate(templates):
            p, n, k = _lib.as_u8(t.data)
            keep.append(k)
            ta[i].uid, ta[i].fid, ta[i].flag, ta[i].data, ta[i].len = t.uid, t.fid, t.flag, p, n
        self._call(L.zkbio_zk_upload, ua, len(users), ta, len(templates))

    # -- attendance ----------------------------------------------------------------------------
    def attendance(self, since=None):
        """Attendance records (list of Punch), those at or after ``since`` (datetime) if given."""
        arr = ctypes.POINTER(_lib.ZkAtt)()
        n = ctypes.c_size_t()
        t = ctypes.byref(_zktime(since)) if since is not None else None
        self._call(L.zkbio_zk_attendance_get, t, ctypes.byref(arr), ctypes.byref(n))
        try:
            return [Punch(a.uid, _lib.text(a.user_id), _dt(a.time), a.verify, a.state,
                          a.workcode) for a in (arr[i] for i in range(n.value))]
        finally:
            L.zkbio_zk_free(arr)

    def clear_attendance(self):
        self._call(L.zkbio_zk_attendance_clear)

    # -- control -------------------------------------------------------------------------------
    def unlock(self, seconds=3):
        """Open the door for ``seconds`` (sent as deciseconds)."""
        self._call(L.zkbio_zk_unlock, int(round(float(seconds) * 10)))

    def restart(self):
        self._call(L.zkbio_zk_restart)

    def poweroff(self):
        self._call(L.zkbio_zk_poweroff)

    def enable(self):
        self._call(L.zkbio_zk_enable)

    def disable(self):
        self._call(L.zkbio_zk_disable)

    def refresh(self):
        self._call(L.zkbio_zk_refresh)

    # -- events --------------------------------------------------------------------------------
    def register_events(self, mask):
        """Ask for the events in ``mask`` (OR of EF_*; 0 stops them)."""
        self._call(L.zkbio_zk_events_register, int(mask))

    def poll_event(self, timeout=1.0):
        """The next realtime event (Event), or None when none arrives within ``timeout``
        seconds. Call register_events() first."""
        got = []

        def on_event(ev, _user):
            got.append(_event(ev.contents))
            return 1  # one at a time: the rest stay queued in the handle

        cb = _lib.EventCallback(on_event)
        self._call(L.zkbio_zk_events_poll, max(0, int(float(timeout) * 1000)), cb, None, None)
        return got[0] if got else None

    def events(self, mask=EF_ATTLOG, timeout=1.0):
        """Iterator of realtime events: registers ``mask``, yields Event, or None after each
        ``timeout`` seconds without one; unregisters when the iterator is closed."""
        self.register_events(mask)
        try:
            while True:
                yield self.poll_event(timeout)
        finally:
            if self._h:
                try:
                    self.register_events(0)
                except ZKBioError:
                    pass

    def enroll(self, user_id, fid, timeout=60.0, on_event=None):
        """Remote enrollment of finger ``fid`` of ``user_id`` on the terminal's sensor;
        ``on_event(Event)`` (optional) sees each press. Raises ZKBioError on refusal/timeout."""
        def cb(ev, _user):
            if on_event is not None:
                on_event(_event(ev.contents))
            return 0

        ccb = _lib.EventCallback(cb)
        self._call(L.zkbio_zk_enroll, str(user_id).encode("utf-8"), int(fid),
                   max(1, int(float(timeout) * 1000)), ccb, None)

    def __repr__(self):
        return "<zkbio.Terminal %s:%s%s>" % (self.host, self.port,
                                             " closed" if self.closed else "")
