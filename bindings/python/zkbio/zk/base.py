# SPDX-License-Identifier: Apache-2.0
"""zkbio.zk.ZK: pyzk's ZK class (method names, arguments, return values, attributes, messages)
over zkbio.Terminal, so that a pyzk script runs with ``from zkbio.zk import ZK, const``.

Calls that pyzk makes as raw commands without a function of their own in libzkbio (options,
free sizes, firmware version, voice, LCD, door state, capture control) go through
``Terminal.command()`` (zkbio_zk_command_send) and are parsed as the terminal answers them, so
their results are the terminal's own. Differences from pyzk are listed in bindings/python/README.md
("pyzk compatibility"). Thread-safety: as pyzk, one ZK object per thread.
"""
import socket
import struct

from ..errors import ZKBioError
from ..terminal import Terminal, User as _TUser, FingerTemplate
from . import const
from .attendance import Attendance
from .exception import ZKErrorConnection, ZKErrorResponse, ZKNetworkError
from .finger import Finger
from .user import User

_NETWORK = (-18, -8, -4, -19)  # ECONN, ETIMEDOUT, EPROTO, EUNAVAIL: the link, not the terminal
_OK_CODES = (const.CMD_ACK_OK, const.CMD_PREPARE_DATA, const.CMD_DATA)


def _to_int(value, default=0):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


class ZK_helper(object):
    """pyzk's reachability helper: ``test_ping()`` (the system's ping command), ``test_tcp()``
    (0 when a TCP connection to the port succeeds, else an errno, as socket.connect_ex)."""

    def __init__(self, ip, port=4370):
        self.address = (ip, port)
        self.ip = ip
        self.port = port

    def test_ping(self):
        import platform
        import subprocess
        count = "-n" if platform.system().lower() == "windows" else "-c"
        try:
            return subprocess.call(["ping", count, "1", self.ip], stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL) == 0
        except OSError:
            return False

    def test_tcp(self):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(10)
        try:
            return s.connect_ex(self.address)
        finally:
            s.close()


class ZK(object):
    """``ZK(ip, port=4370, timeout=60, password=0, force_udp=False, ommit_ping=False,
    verbose=False, encoding='UTF-8')``; ``connect()`` returns the connected object.
    ``timeout`` is seconds per exchange, ``password`` the numeric comm key."""

    def __init__(self, ip, port=4370, timeout=60, password=0, force_udp=False, ommit_ping=False,
                 verbose=False, encoding="UTF-8"):
        User.encoding = encoding
        self._address = (ip, port)
        self._timeout = timeout
        self._password = password
        self._term = None
        self.is_connect = False
        self.is_enabled = True
        self.helper = ZK_helper(ip, port)
        self.force_udp = force_udp
        self.ommit_ping = ommit_ping
        self.verbose = verbose
        self.encoding = encoding
        self.tcp = not force_udp
        self.users = self.fingers = self.records = self.dummy = self.cards = 0
        self.fingers_cap = self.users_cap = self.rec_cap = 0
        self.faces = self.faces_cap = 0
        self.fingers_av = self.users_av = self.rec_av = 0
        self.next_uid = 1
        self.next_user_id = "1"
        self.user_packet_size = 28
        self.end_live_capture = False

    # -- plumbing ------------------------------------------------------------------------------
    def _t(self):
        if not self.is_connect or self._term is None:
            raise ZKErrorConnection("instance are not connected.")
        return self._term

    def _do(self, what, fn, *args):
        """Run a Terminal call; a link failure raises ZKNetworkError, a refusal
        ZKErrorResponse(what)."""
        term = self._t()
        try:
            return fn(term, *args)
        except ZKBioError as e:
            if e.code in _NETWORK:
                raise ZKNetworkError(e.message, e.code) from None
            raise ZKErrorResponse(what, e.code) from None

    def _cmd(self, cmd, data=b"", size=1024):
        """One raw command: (accepted, reply data)."""
        term = self._t()
        try:
            code, reply = term.command(cmd, data, size)
        except ZKBioError as e:
            raise ZKNetworkError(e.message, e.code) from None
        return code in _OK_CODES, reply

    def _option(self, name):
        """(accepted, value bytes) of option ``name`` as the terminal answers ``Name=Value``."""
        ok, data = self._cmd(const.CMD_OPTIONS_RRQ, name + b"\x00")
        return ok, data.split(b"=", 1)[-1].split(b"\x00")[0]

    # -- session -------------------------------------------------------------------------------
    def connect(self):
        """Open the session (CONNECT, AUTH with the comm key when asked); returns self."""
        self.end_live_capture = False
        try:
            self._term = Terminal(self._address[0], self._address[1],
                                  transport="udp" if self.force_udp else "tcp",
                                  comm_key=_to_int(self._password), timeout=self._timeout,
                                  charset=self.encoding)
        except ZKBioError as e:
            if e.code == -14:  # EACCES: wrong comm key
                raise ZKErrorResponse("Unauthenticated", e.code) from None
            if e.code in _NETWORK:
                raise ZKNetworkError(e.message, e.code) from None
            raise ZKErrorResponse("Invalid response: Can't connect", e.code) from None
        self.user_packet_size = 28 if self.force_udp else 72
        self.is_connect = True
        return self

    def disconnect(self):
        """Close the session (EXIT); True."""
        term = self._t()
        self.is_connect = False
        self._term = None
        term.close()
        return True

    def __del__(self):
        if self._term is not None:
            self._term.close()

    def enable_device(self):
        self._do("Can't enable device", Terminal.enable)
        self.is_enabled = True
        return True

    def disable_device(self):
        self._do("Can't disable device", Terminal.disable)
        self.is_enabled = False
        return True

    # -- information ---------------------------------------------------------------------------
    def get_firmware_version(self):
        ok, data = self._cmd(const.CMD_GET_VERSION)
        if not ok:
            raise ZKErrorResponse("Can't read frimware version")
        return data.split(b"\x00")[0].decode()

    def get_serialnumber(self):
        ok, value = self._option(b"~SerialNumber")
        if not ok:
            raise ZKErrorResponse("Can't read serial number")
        return value.replace(b"=", b"").decode()

    def get_platform(self):
        ok, value = self._option(b"~Platform")
        if not ok:
            raise ZKErrorResponse("Can't read platform name")
        return value.replace(b"=", b"").decode()

    def get_mac(self):
        ok, value = self._option(b"MAC")
        if not ok:
            raise ZKErrorResponse("can't read mac address")
        return value.decode()

    def get_device_name(self):
        ok, value = self._option(b"~DeviceName")
        return value.decode() if ok else ""

    def get_face_version(self):
        ok, value = self._option(b"ZKFaceVersion")
        if not ok:
            return None
        return _to_int(value) if value else 0

    def get_fp_version(self):
        ok, value = self._option(b"~ZKFPVersion")
        if not ok:
            raise ZKErrorResponse("can't read fingerprint version")
        value = value.replace(b"=", b"")
        return _to_int(value) if value else 0

    def _int_option(self, name):
        ok, value = self._option(name)
        if not ok:
            return None
        return _to_int(value) if value else 0

    def get_extend_fmt(self):
        return self._int_option(b"~ExtendFmt")

    def get_user_extend_fmt(self):
        return self._int_option(b"~UserExtFmt")

    def get_face_fun_on(self):
        return self._int_option(b"FaceFunOn")

    def get_compat_old_firmware(self):
        return self._int_option(b"CompatOldFirmware")

    def get_network_params(self):
        """dict(ip, mask, gateway) of str."""
        ip = self._address[0]
        ok, value = self._option(b"IPAddress")
        if ok:
            ip = value.decode()
        ok, value = self._option(b"NetMask")
        mask = value.decode() if ok else ""
        ok, value = self._option(b"GATEIPAddress")
        gate = value.decode() if ok else ""
        return {"ip": ip, "mask": mask, "gateway": gate}

    def get_pin_width(self):
        ok, data = self._cmd(const.CMD_GET_PINWIDTH, b" P", 9)
        if not ok:
            raise ZKErrorResponse("can0t get pin width")
        return bytearray(data.split(b"\x00")[0] or b"\x00")[0]

    def free_data(self):
        ok, _ = self._cmd(const.CMD_FREE_DATA)
        if not ok:
            raise ZKErrorResponse("can't free data")
        return True

    def read_sizes(self):
        """Read the counters (CMD_GET_FREE_SIZES) into users, fingers, records, dummy, cards,
        fingers_cap, users_cap, rec_cap, fingers_av, users_av, rec_av, faces, faces_cap."""
        ok, data = self._cmd(const.CMD_GET_FREE_SIZES)
        if not ok:
            raise ZKErrorResponse("can't read sizes")
        if len(data) >= 80:
            f = struct.unpack("<20i", data[:80])
            (self.users, self.fingers, self.records, self.dummy, self.cards) = f[4:13:2]
            (self.fingers_cap, self.users_cap, self.rec_cap, self.fingers_av, self.users_av,
             self.rec_av) = f[14:20]
            data = data[80:]
        if len(data) >= 12:
            f = struct.unpack("<3i", data[:12])
            self.faces, self.faces_cap = f[0], f[2]
        return True

    def __str__(self):
        return "ZK %s://%s:%s users[%i]:%i/%i fingers:%i/%i, records:%i/%i faces:%i/%i" % (
            "tcp" if self.tcp else "udp", self._address[0], self._address[1],
            self.user_packet_size, self.users, self.users_cap, self.fingers, self.fingers_cap,
            self.records, self.rec_cap, self.faces, self.faces_cap)

    # -- device control ------------------------------------------------------------------------
    def unlock(self, time=3):
        self._do("Can't open door", Terminal.unlock, int(time))
        return True

    def get_lock_state(self):
        ok, _ = self._cmd(const.CMD_DOORSTATE_RRQ)
        return ok

    def restart(self):
        self._do("can't restart device", Terminal.restart)
        self._drop()
        return True

    def poweroff(self):
        self._do("can't poweroff", Terminal.poweroff)
        self._drop()
        return True

    def _drop(self):
        """The terminal goes away after restart/poweroff: as pyzk, the object is no longer
        connected (its socket is released here)."""
        self.is_connect = False
        self.next_uid = 1
        term, self._term = self._term, None
        if term is not None:
            term.close()

    def write_lcd(self, line_number, text):
        data = struct.pack("<hb", line_number, 0) + b" " + text.encode(self.encoding, "ignore")
        ok, _ = self._cmd(const.CMD_WRITE_LCD, data)
        if not ok:
            raise ZKErrorResponse("can't write lcd")
        return True

    def clear_lcd(self):
        ok, _ = self._cmd(const.CMD_CLEAR_LCD)
        if not ok:
            raise ZKErrorResponse("can't clear lcd")
        return True

    def get_time(self):
        return self._do("can't get time", Terminal.get_time)

    def set_time(self, timestamp):
        self._do("can't set time", Terminal.set_time, timestamp)
        return True

    def refresh_data(self):
        self._do("can't refresh data", Terminal.refresh)
        return True

    def test_voice(self, index=0):
        ok, _ = self._cmd(const.CMD_TESTVOICE, struct.pack("<I", index))
        return ok

    def set_sdk_build_1(self):
        ok, _ = self._cmd(const.CMD_OPTIONS_WRQ, b"SDKBuild=1")
        return ok

    def cancel_capture(self):
        ok, _ = self._cmd(const.CMD_CANCELCAPTURE)
        return ok

    def verify_user(self):
        ok, _ = self._cmd(const.CMD_STARTVERIFY)
        if not ok:
            raise ZKErrorResponse("Cant Verify")
        return True

    def reg_event(self, flags):
        self._do("cant' reg events %i" % flags, Terminal.register_events, flags)

    def clear_data(self):
        ok, _ = self._cmd(const.CMD_CLEAR_DATA)
        if not ok:
            raise ZKErrorResponse("can't clear data")
        self.next_uid = 1
        return True

    def clear_attendance(self):
        self._do("Can't clear response", Terminal.clear_attendance)
        return True

    # -- users ---------------------------------------------------------------------------------
    def _user(self, u):
        name = u.name.strip() or "NN-%s" % u.user_id
        if self.user_packet_size == 28:
            group = str(u.group)
        else:
            # pyzk reads the 72-byte record's group_id from the 7 bytes after the group byte (the
            # time-zone fields), as a NUL-terminated string: '' on most terminals. Same here, so
            # scripts print what pyzk prints; Terminal.users() has the group number itself.
            raw = struct.pack("<4H", u.tz_flag, *u.tz)[:7].split(b"\x00")[0]
            group = raw.decode(self.encoding, "ignore").strip()
        return User(u.uid, name, u.privilege, u.password, group, u.user_id, u.card)

    def get_users(self):
        """Every user, as a list of User (next_uid and next_user_id are updated)."""
        self.read_sizes()
        if self.users == 0:
            self.next_uid = 1
            self.next_user_id = "1"
            return []
        raw = self._do("RWB Not supported", Terminal.users)
        self.user_packet_size = self._term.user_size or self.user_packet_size
        users = [self._user(u) for u in raw]
        max_uid = max([u.uid for u in users] + [0]) + 1
        self.next_uid = max_uid
        self.next_user_id = str(max_uid)
        taken = {u.user_id for u in users}
        while self.next_user_id in taken:
            max_uid += 1
            self.next_user_id = str(max_uid)
        return users

    def _find_uid(self, user_id):
        for u in self.get_users():
            if u.user_id == str(user_id):
                return u.uid
        return None

    def set_user(self, uid=None, name="", privilege=0, password="", group_id="", user_id="",
                 card=0):
        """Create or update the user in slot ``uid`` (None: the next free one)."""
        if uid is None:
            uid = self.next_uid
            if not user_id:
                user_id = self.next_user_id
        if not user_id:
            user_id = str(uid)
        if privilege not in (const.USER_DEFAULT, const.USER_ADMIN):
            privilege = const.USER_DEFAULT
        u = _TUser(int(uid), str(user_id), name, int(privilege), str(password), int(card),
                   _to_int(group_id))
        self._do("Can't set user", Terminal.set_user, u)
        if self.next_uid == uid:
            self.next_uid += 1
        if self.next_user_id == user_id:
            self.next_user_id = str(self.next_uid)

    def delete_user(self, uid=0, user_id=""):
        """Delete the user by uid, or by user_id when uid is 0 (False when not found)."""
        if not uid:
            uid = self._find_uid(user_id)
            if uid is None:
                return False
        self._do("Can't delete user", Terminal.delete_user, uid)
        if uid == self.next_uid - 1:
            self.next_uid = uid

    # -- templates -----------------------------------------------------------------------------
    def get_templates(self):
        """Every template, as a list of Finger."""
        self.read_sizes()
        if self.fingers == 0:
            return []
        return [Finger(t.uid, t.fid, t.flag, t.data)
                for t in self._do("RWB Not supported", Terminal.templates)]

    def get_user_template(self, uid="", temp_id=0, user_id=""):
        """Finger ``temp_id`` of a user (by uid, or by user_id when uid is empty): a Finger, None
        when the slot is empty, False when the user is not found."""
        if not uid:
            uid = self._find_uid(user_id)
            if uid is None:
                return False
        data = self._do("can't read template", Terminal.template, uid, temp_id)
        if data is None:
            return None
        return Finger(uid, temp_id, 1, data)

    def delete_user_template(self, uid=0, temp_id=0, user_id=""):
        """Delete one template; True when deleted, False when absent or refused."""
        if not uid:
            uid = self._find_uid(user_id)
            if uid is None:
                return False
        try:
            self._do("", Terminal.delete_template, uid, temp_id)
        except ZKErrorResponse:
            return False
        return True

    def save_user_template(self, user, fingers=[]):
        """Store ``user`` (a User, or a uid / user_id) with its Finger list in one upload."""
        if not isinstance(user, User):
            users = self.get_users()
            found = [u for u in users if u.uid == user]
            if len(found) != 1:
                found = [u for u in users if u.user_id == str(user)]
            if len(found) != 1:
                raise ZKErrorResponse("Can't find user")
            user = found[0]
        if isinstance(fingers, Finger):
            fingers = [fingers]
        self.HR_save_usertemplates([(user, fingers)])

    def HR_save_usertemplates(self, usertemplates):
        """Store [(User, [Finger, ...]), ...] in one buffer upload."""
        users, templates = [], []
        for user, fingers in usertemplates:
            if not isinstance(user, User):
                raise ZKErrorResponse("Invalid user in usertemplates list")
            users.append(_TUser(int(user.uid), str(user.user_id), user.name, int(user.privilege),
                                user.password, int(user.card), _to_int(user.group_id)))
            for f in fingers:
                if not isinstance(f, Finger):
                    raise ZKErrorResponse("Invalid finger template in usertemplates list")
                templates.append(FingerTemplate(user.uid, f.fid, f.valid or 1, f.template))
        self._do("Can't save usertemplates", Terminal.upload, users, templates)

    def enroll_user(self, uid=0, temp_id=0, user_id=""):
        """Remote enrollment on the terminal's sensor: True when the finger was enrolled, False
        when it failed or timed out (60 s)."""
        if not user_id:
            found = [u for u in self.get_users() if u.uid == uid]
            if not found:
                return False
            user_id = found[0].user_id
        try:
            self._do("Cant Enroll user #%s [%i]" % (uid, temp_id), Terminal.enroll, user_id,
                     temp_id, 60)
        except ZKErrorResponse:
            return False
        return True

    # -- attendance ----------------------------------------------------------------------------
    def get_attendance(self):
        """Every attendance record, as a list of Attendance."""
        self.read_sizes()
        if self.records == 0:
            return []
        users = self.get_users()
        by_id = {u.user_id: u for u in users}
        out = []
        for a in self._do("RWB Not supported", Terminal.attendance):
            uid = a.uid
            if not uid:  # 16-byte records carry only the PIN
                u = by_id.get(a.user_id)
                uid = u.uid if u else a.user_id
            out.append(Attendance(a.user_id, a.time, a.verify, a.state, uid))
        return out

    def live_capture(self, new_timeout=10):
        """Generator of realtime punches: yields an Attendance per punch, None after each
        ``new_timeout`` seconds without one; ends when ``end_live_capture`` is set True."""
        was_enabled = self.is_enabled
        users = self.get_users()
        by_id = {u.user_id: u.uid for u in users}
        self.cancel_capture()
        self.verify_user()
        if not self.is_enabled:
            self.enable_device()
        self.reg_event(const.EF_ATTLOG)
        self.end_live_capture = False
        try:
            while not self.end_live_capture:
                try:
                    ev = self._do("live capture failed", Terminal.poll_event, new_timeout)
                except (KeyboardInterrupt, SystemExit):
                    break
                if ev is None:
                    yield None
                    continue
                if ev.flag != const.EF_ATTLOG:
                    continue
                uid = by_id.get(ev.user_id, _to_int(ev.user_id))
                yield Attendance(ev.user_id, ev.time, ev.verify, ev.state, uid)
        finally:
            if self.is_connect:
                try:
                    self.reg_event(0)
                    if not was_enabled:
                        self.disable_device()
                except ZKNetworkError:
                    pass  # the link is gone: the error that ended the capture is the one raised
