// SPDX-License-Identifier: Apache-2.0
// Terminal: a 4370 connection (zk4370_client.h) with a camelCase, promise-returning API.
//
// Threads: every call that talks to the device runs through koffi's `.async()` on its worker
// pool, so the JS thread never waits on the network. The calls of one Terminal run one after
// the other (a promise queue per handle): libzkbio serialises calls on a handle with a mutex, and
// the queue keeps the JS thread from ever waiting on that mutex. Realtime events are read by a
// loop of zkbio_zk_events_poll() calls with wait 0 made on the JS thread between queued calls:
// they only drain what the socket already holds, and their callback runs on the JS thread before
// the call returns (no C -> JS call from another thread; service.md §6).
//
// Lifetime: close() (a promise) closes the connection after the calls already queued; a
// Terminal that is garbage-collected without close() is closed by a FinalizationRegistry.
'use strict';

const { koffi, T, fn, callAsync } = require('./native');
const { ZKBioError } = require('./errors');

/** Event kinds (ZKBIO_ZK_EF_*, zk4370.h): OR them into the mask of events(). */
const EVENT = Object.freeze({
  ATTLOG: 0x001, FINGER: 0x002, ENROLLUSER: 0x004, ENROLLFINGER: 0x008, BUTTON: 0x010,
  UNLOCK: 0x020, VERIFY: 0x080, FPFTR: 0x100, ALARM: 0x200,
});
const TRANSPORTS = { auto: 0, tcp: 1, udp: 2 };

const registry = new FinalizationRegistry((h) => fn.zkbio_zk_client_close(h));

/** zkbio_zk_time -> Date (the device's naive local time, read as this host's local time). */
function toDate(t) {
  return new Date(t.year, t.month - 1, t.day, t.hour, t.minute, t.second);
}

/** Date -> zkbio_zk_time (local time). */
function fromDate(d) {
  if (!(d instanceof Date) || Number.isNaN(d.getTime()))
    throw new TypeError('a valid Date is required');
  return {
    year: d.getFullYear(), month: d.getMonth() + 1, day: d.getDate(), hour: d.getHours(),
    minute: d.getMinutes(), second: d.getSeconds(),
  };
}

function camelSizes(s) {
  return {
    users: s.users, fingers: s.fingers, records: s.records, oplogs: s.oplogs, admins: s.admins,
    passwords: s.passwords, fingersCap: s.fingers_cap, usersCap: s.users_cap,
    recordsCap: s.records_cap, fingersAv: s.fingers_av, usersAv: s.users_av,
    recordsAv: s.records_av, faces: s.faces, facesCap: s.faces_cap,
  };
}

/** Copy `count` elements of `type` at `ptr`, then free ptr with zkbio_zk_free. */
function takeArray(ptr, type, count) {
  if (!ptr || count === 0)
    return [];
  try {
    return koffi.decode(ptr, type, count);
  } finally {
    fn.zkbio_zk_free(ptr);
  }
}

function eventOf(e) {
  return {
    flag: e.flag, userId: e.user_id, verify: e.verify, state: e.state,
    time: e.flag === EVENT.ATTLOG ? toDate(e.time) : null, userSn: e.user_sn, result: e.result,
    size: e.size, fid: e.fid, score: e.score, value: e.value,
  };
}

class Terminal {
  /** Use Terminal.open(). */
  constructor(handle, host, port) {
    this._h = handle;
    this._q = Promise.resolve();
    this._listen = null;
    /** host and port connected to */
    this.host = host;
    this.port = port;
    registry.register(this, handle, this);
  }

  /**
   * Connect (CONNECT, then AUTH with the comm key when asked).
   * @param {string} host name or address
   * @param {object} [o] port (4370), transport ('auto'|'tcp'|'udp'), commKey (0), timeout (ms
   *   per exchange, 5000), retries (chunk re-requests, 3), charset (device codepage of names)
   * @returns {Promise<Terminal>} rejects with a ZKBioError (ECONN, ETIMEDOUT, EACCES, ...)
   */
  static async open(host, o = {}) {
    const port = o.port === undefined ? 4370 : o.port;
    const transport = TRANSPORTS[o.transport || 'auto'];
    if (transport === undefined)
      throw new TypeError(`transport must be auto, tcp or udp, not ${o.transport}`);
    const opt = {
      size: koffi.sizeof(T.zk_client_options), transport, comm_key: o.commKey >>> 0,
      timeout_ms: o.timeout | 0, retries: o.retries | 0, charset: o.charset || null,
      max_dataset: 0, lenient_checksum: 0,
    };
    const out = [null];
    const rc = await callAsync(fn.zkbio_zk_client_open, String(host), port, opt, out);
    if (rc < 0)
      throw new ZKBioError(rc, `cannot connect to ${host}:${port}`, 'open');
    return new Terminal(out[0], host, port);
  }

  /** Queue `job(handle)` behind the calls already made on this Terminal. */
  _run(op, job) {
    const p = this._q.then(() => {
      if (!this._h)
        throw new ZKBioError(-18 /* ZKBIO_ECONN */, 'the terminal is closed', op);
      return job(this._h);
    });
    this._q = p.catch(() => {});
    return p;
  }

  /** Throw the ZKBioError of rc (with the handle's detail) when rc < 0. */
  _check(rc, op) {
    if (rc >= 0)
      return rc;
    let detail = '';
    if (this._h) {
      const buf = Buffer.alloc(256);
      if (fn.zkbio_zk_client_last_error(this._h, buf, buf.length) === 0)
        detail = buf.toString('utf8', 0, Math.max(0, buf.indexOf(0)));
    }
    throw new ZKBioError(rc, detail, op);
  }

  /** Run one C call asynchronously on this handle: f(handle, ...args). */
  _call(op, f, ...args) {
    return this._run(op, async (h) => this._check(await callAsync(f, h, ...args), op));
  }

  /** 'tcp' or 'udp': the transport in use. */
  get transport() {
    if (!this._h)
      return null;
    const out = [0];
    fn.zkbio_zk_client_transport(this._h, out);
    return out[0] === TRANSPORTS.udp ? 'udp' : 'tcp';
  }

  /** True until close(). */
  get isOpen() {
    return this._h !== null;
  }

  /** What the device says about itself: {serial, model, firmware, platform, mac, vendor,
   *  fpVersion, pinWidth, sizes: {users, fingers, records, ..., recordsCap, ...}}. */
  async info() {
    const i = {};
    await this._call('info', fn.zkbio_zk_info_get, i);
    return {
      serial: i.serial, model: i.model, firmware: i.firmware, platform: i.platform, mac: i.mac,
      vendor: i.vendor, fpVersion: i.fp_version, pinWidth: i.pin_width, sizes: camelSizes(i.sizes),
    };
  }

  /** One device option ('~SerialNumber', 'WorkCode', ...) as a string; ZKBioError ENOENT when
   *  the device does not know it. */
  async option(name) {
    const buf = Buffer.alloc(256);
    await this._call('option', fn.zkbio_zk_option_get, String(name), buf, buf.length);
    return buf.toString('utf8', 0, buf.indexOf(0));
  }

  /** Write an option then refresh it. */
  async setOption(name, value) {
    await this._call('setOption', fn.zkbio_zk_option_set, String(name), String(value));
  }

  /** The device clock as a Date (its naive local time read as this host's local time). */
  async time() {
    const t = {};
    await this._call('time', fn.zkbio_zk_time_get, t);
    return toDate(t);
  }

  /** Set the device clock (ERANGE outside 2000..2099). */
  async setTime(date) {
    await this._call('setTime', fn.zkbio_zk_time_set, fromDate(date));
  }

  /** Every user: [{uid, privilege, password, name, card, group, userId}]. */
  async users() {
    const p = [null], n = [0];
    await this._call('users', fn.zkbio_zk_users_get, p, n);
    return takeArray(p[0], T.zk_user, n[0]).map((u) => ({
      uid: u.uid, privilege: u.privilege, password: u.password, name: u.name, card: u.card,
      group: u.group, userId: u.user_id,
    }));
  }

  /** Create or update the user with u.uid (1..65535): {uid, userId, name, password, privilege,
   *  card, group}. */
  async setUser(u) {
    if (!u || !(u.uid >= 1 && u.uid <= 65535))
      throw new TypeError('uid must be 1..65535');
    const rec = {
      uid: u.uid, privilege: u.privilege | 0, password: String(u.password || ''),
      name: String(u.name || ''), card: u.card >>> 0, group: u.group === undefined ? 1 : u.group,
      tz_flag: 0, tz: [0, 0, 0], user_id: String(u.userId === undefined ? u.uid : u.userId),
    };
    await this._call('setUser', fn.zkbio_zk_user_set, rec);
  }

  /** Delete a user by uid. */
  async deleteUser(uid) {
    await this._call('deleteUser', fn.zkbio_zk_user_delete, uid);
  }

  /** Every fingerprint template: [{uid, fid, flag, data: Buffer}] (device format). */
  async templates() {
    const p = [null], n = [0];
    return this._run('templates', async (h) => {
      this._check(await callAsync(fn.zkbio_zk_templates_get, h, p, n), 'templates');
      if (!p[0])
        return [];
      try {
        return koffi.decode(p[0], T.zk_template, n[0]).map((t) => ({
          uid: t.uid, fid: t.fid, flag: t.flag,
          data: t.len ? Buffer.from(koffi.view(t.data, t.len).slice(0)) : Buffer.alloc(0),
        }));
      } finally {
        fn.zkbio_zk_free(p[0]);
      }
    });
  }

  /** One template as a Buffer; ZKBioError ENOENT when the slot is empty. */
  async template(uid, fid) {
    const p = [null], n = [0];
    return this._run('template', async (h) => {
      this._check(await callAsync(fn.zkbio_zk_template_get, h, uid, fid, p, n), 'template');
      try {
        return Buffer.from(koffi.view(p[0], n[0]).slice(0));
      } finally {
        fn.zkbio_zk_free(p[0]);
      }
    });
  }

  /** Write one template (flag 1 valid, 3 duress); the user must exist. */
  async setTemplate(uid, fid, data, flag = 1) {
    const b = Buffer.from(data);
    await this._call('setTemplate', fn.zkbio_zk_template_set, uid, fid, flag, b, b.length);
  }

  /** Delete one template. */
  async deleteTemplate(uid, fid) {
    await this._call('deleteTemplate', fn.zkbio_zk_template_delete, uid, fid);
  }

  /** Attendance records [{uid, userId, verify, state, time: Date, workcode}], optionally only
   *  those at or after `since` (a Date; all are downloaded, the protocol has no filter). */
  async attendance(since) {
    const p = [null], n = [0];
    await this._call('attendance', fn.zkbio_zk_attendance_get, since ? fromDate(since) : null, p, n);
    return takeArray(p[0], T.zk_att, n[0]).map((a) => ({
      uid: a.uid, userId: a.user_id, verify: a.verify, state: a.state, time: toDate(a.time),
      workcode: a.workcode,
    }));
  }

  /**
   * Remote enrollment of finger `fid` (0..9) of the user with PIN `userId`: the device asks for
   * the finger (three presses) and stores the template; resolves when it has, rejects with
   * ZKBioError EIO (refused, or a bad press) or ETIMEDOUT (`timeoutMs`, default 60000). The
   * press-by-press events are not passed to JS (they arrive on a worker thread).
   */
  async enroll(userId, fid, timeoutMs = 60000) {
    await this._call('enroll', fn.zkbio_zk_enroll, String(userId), fid, timeoutMs | 0, null, null);
  }

  /**
   * Send one command that needs no bulk transfer (CMD_TESTVOICE, CMD_CLEAR_DATA, CMD_WRITE_LCD,
   * CMD_STATE_RRQ, ... zk4370.h) with `data` and resolve {code, data: Buffer}: the answer code
   * (2000 ACK_OK, 2001 ACK_ERROR, ...) and the answer's data. The commands the connection manages
   * itself (CONNECT, EXIT, AUTH, REG_EVENT, the buffer commands, RESTART, POWEROFF) reject with
   * EINVAL; a transport failure with its error. Any answer code resolves: check `code`.
   */
  async command(cmd, data) {
    const d = data === undefined || data === null ? Buffer.alloc(0) : Buffer.from(data);
    return this._run('command', async (h) => {
      let reply = Buffer.alloc(1024);
      const len = [0], code = [0];
      let rc = await callAsync(fn.zkbio_zk_command_send, h, cmd, d, d.length, reply, reply.length, len, code);
      if (rc < 0 && rc !== -7 /* ZKBIO_EIO: another answer code, still written */)
        this._check(rc, 'command');
      const n = Number(len[0]);
      if (n > reply.length) // only the first 1,024 bytes were copied: ask again with room
        return this._commandAgain(h, cmd, d, n);
      return { code: code[0], data: Buffer.from(reply.subarray(0, n)) };
    });
  }

  async _commandAgain(h, cmd, d, size) {
    const reply = Buffer.alloc(size), len = [0], code = [0];
    const rc = await callAsync(fn.zkbio_zk_command_send, h, cmd, d, d.length, reply, size, len, code);
    if (rc < 0 && rc !== -7)
      this._check(rc, 'command');
    return { code: code[0], data: Buffer.from(reply.subarray(0, Math.min(size, Number(len[0])))) };
  }

  /** Delete every attendance record. */
  async clearAttendance() { await this._call('clearAttendance', fn.zkbio_zk_attendance_clear); }
  /** Open the door for `seconds` (default 3). */
  async unlock(seconds = 3) {
    await this._call('unlock', fn.zkbio_zk_unlock, Math.round(seconds * 10));
  }
  /** Restart the device (the connection is unusable afterwards: close()). */
  async restart() { await this._call('restart', fn.zkbio_zk_restart); }
  /** Power the device off (the connection is unusable afterwards: close()). */
  async powerOff() { await this._call('powerOff', fn.zkbio_zk_poweroff); }
  /** Enable the device (keys, readers) after disable(). */
  async enable() { await this._call('enable', fn.zkbio_zk_enable); }
  /** Disable the device ("working..." on its screen) during a long operation. */
  async disable() { await this._call('disable', fn.zkbio_zk_disable); }
  /** Make the device reload its data (after writes). */
  async refresh() { await this._call('refresh', fn.zkbio_zk_refresh); }

  /**
   * Receive realtime events: registers for `mask` (EVENT.* bits, default ATTLOG) and calls
   * `cb(event)` on the JS thread for each ({flag, userId, verify, state, time: Date for ATTLOG,
   * userSn, result, size, fid, score, value}). The socket is drained every `intervalMs` (100)
   * between the Terminal's other calls. `onError(err)` (optional) gets the error that stopped the
   * loop (the connection lost). Resolves once registered; stopEvents() or close() ends it.
   */
  async events(cb, { mask = EVENT.ATTLOG, intervalMs = 100, onError } = {}) {
    if (typeof cb !== 'function')
      throw new TypeError('events(cb): cb must be a function');
    await this.stopEvents();
    await this._run('events', (h) => this._check(fn.zkbio_zk_events_register(h, mask >>> 0), 'events'));
    const state = { stopped: false, timer: null };
    this._listen = state;
    const deliver = (ev) => {
      try {
        cb(eventOf(koffi.decode(ev, T.zk_event)));
      } catch (e) {
        process.nextTick(() => { throw e; }); // a throwing callback is the caller's bug: surface it
      }
      return state.stopped ? 1 : 0;
    };
    const tick = () => {
      state.timer = null;
      if (state.stopped)
        return;
      this._run('events', (h) => {
        if (!state.stopped)
          this._check(fn.zkbio_zk_events_poll(h, 0, deliver, null, null), 'events');
      }).then(() => {
        if (!state.stopped)
          state.timer = setTimeout(tick, intervalMs);
      }, (err) => {
        state.stopped = true;
        if (this._listen === state)
          this._listen = null;
        if (onError)
          onError(err);
      });
    };
    state.timer = setTimeout(tick, intervalMs);
  }

  /** Stop the events() loop and unregister (mask 0). */
  async stopEvents() {
    const s = this._listen;
    if (!s)
      return;
    s.stopped = true;
    if (s.timer)
      clearTimeout(s.timer);
    this._listen = null;
    if (this._h)
      await this._run('stopEvents', async (h) => callAsync(fn.zkbio_zk_events_register, h, 0)).catch(() => {});
  }

  /** Close the connection (CMD_EXIT, best effort) after the calls already queued. Idempotent. */
  async close() {
    if (this._listen) {
      this._listen.stopped = true;
      if (this._listen.timer)
        clearTimeout(this._listen.timer);
      this._listen = null;
    }
    const q = this._q;
    this._q = q.then(async () => {
      const h = this._h;
      if (!h)
        return;
      this._h = null;
      registry.unregister(this);
      await callAsync(fn.zkbio_zk_client_close, h);
    });
    return this._q;
  }
}

module.exports = { Terminal, EVENT, toDate, fromDate };
