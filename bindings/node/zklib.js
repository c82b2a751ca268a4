// SPDX-License-Identifier: Apache-2.0
// A node-zklib-compatible class over libzkbio: `require('zkbio/zklib')` in place of
// `require('node-zklib')` (or of `require('zkteco-js')`, whose extra calls are here too).
// Constructor, method names and result shapes follow node-zklib 1.3.0 (platforms.md §2.3):
//   getInfo()          -> {userCounts, logCounts, logCapacity}
//   getUsers()         -> {data: [{uid, role, password, name, cardno, userId}], err}
//                         (over UDP, 28-byte records: {uid, role, name, userId: number})
//   getAttendances(cb) -> {data: [{userSn, deviceUserId, recordTime: Date, ip}], err}
//                         (over UDP: {deviceUserId: number, recordTime, ip})
//   getRealTimeLogs(cb)   cb({userId, attTime: Date}) for every punch, until disconnect()
// node-zklib truncates PINs to 9 characters on TCP; so does this class, so scripts see the
// same values. Every method returns a Promise; the device I/O runs on koffi's worker threads
// (lib/terminal.js), never on the JS thread. Failures reject with a ZKBioError (code, name,
// message) carrying `command` and `ip` like node-zklib's ZKError.
'use strict';

const { fn } = require('./lib/native');
const { Terminal, fromDate } = require('./lib/terminal');
const { ZKBioError, check } = require('./lib/errors');

/** Commands of the 4370 protocol that executeCmd() knows (zk4370.h ZKBIO_ZK_CMD_*). */
const COMMANDS = Object.freeze({
  CMD_CONNECT: 1000, CMD_EXIT: 1001, CMD_ENABLEDEVICE: 1002, CMD_DISABLEDEVICE: 1003,
  CMD_RESTART: 1004, CMD_POWEROFF: 1005, CMD_REFRESHDATA: 1013, CMD_TESTVOICE: 1017,
  CMD_FREE_DATA: 1502, CMD_CLEAR_DATA: 14, CMD_CLEAR_ATTLOG: 15, CMD_UNLOCK: 31,
  CMD_GET_FREE_SIZES: 50, CMD_GET_TIME: 201, CMD_SET_TIME: 202, CMD_REG_EVENT: 500,
  CMD_ACK_OK: 2000,
});
const ECONN = -18;
const PIN_CHARS = 9; // node-zklib reads the PIN as data.slice(48, 57) of a 72-byte user (TCP)

/** The reply node-zklib's executeCmd() resolves for a command answered ACK_OK: the 8-byte
 *  header (command 2000, checksum, session, reply id), which libzkbio does not expose. */
function ackReply() {
  const b = Buffer.alloc(8);
  b.writeUInt16LE(COMMANDS.CMD_ACK_OK, 0);
  return b;
}

/** A command's answer as node-zklib resolves it: the 8-byte header (answer code first; libzkbio
 *  keeps checksum, session and reply id to itself: 0) then the answer's data. */
function replyOf(r) {
  const head = Buffer.alloc(8);
  head.writeUInt16LE(r.code, 0);
  return Buffer.concat([head, r.data]);
}

class ZKLib {
  /**
   * @param {string} ip terminal address
   * @param {number} port 4370 usually
   * @param {number} timeout ms per exchange
   * @param {number} inport node-zklib's local UDP port (unused: libzkbio picks one)
   * @param {number} [commKey] numeric comm key (node-zklib's comm_code), 0 none
   */
  constructor(ip, port, timeout, inport, commKey = 0) {
    this.ip = ip;
    this.port = port;
    this.timeout = timeout;
    this.inport = inport;
    this.commKey = commKey;
    this.connectionType = null;
    this.interval = null;
    this.timer = null;
    this.terminal = null;
    this._cbErr = null;
    this._cbClose = null;
  }

  _term(command) {
    if (!this.terminal || !this.terminal.isOpen) {
      const e = new ZKBioError(ECONN, "Socket isn't connected !", command);
      e.command = command;
      e.ip = this.ip;
      throw e;
    }
    return this.terminal;
  }

  async _wrap(command, job) {
    const t = this._term(command);
    try {
      return await job(t);
    } catch (err) {
      if (err instanceof ZKBioError) {
        err.command = `[${(this.connectionType || '').toUpperCase()}] ${command}`;
        err.ip = this.ip;
      }
      throw err;
    }
  }

  /** Connect (TCP, UDP when TCP is refused). cbErr(err) is called when the connection fails
   *  later (seen by the realtime loop); cbClose(type) when disconnect() closes it. */
  async createSocket(cbErr, cbClose) {
    this._cbErr = typeof cbErr === 'function' ? cbErr : null;
    this._cbClose = typeof cbClose === 'function' ? cbClose : null;
    if (this.terminal && this.terminal.isOpen)
      return true;
    try {
      this.terminal = await Terminal.open(this.ip, {
        port: this.port, timeout: this.timeout, commKey: this.commKey,
      });
    } catch (err) {
      this.connectionType = null;
      err.command = 'CONNECT';
      err.ip = this.ip;
      throw err;
    }
    this.connectionType = this.terminal.transport;
    return true;
  }

  /** zkteco-js's name for createSocket(). */
  async connect(cbErr, cbClose) { return this.createSocket(cbErr, cbClose); }

  async getInfo() {
    return this._wrap('getInfo', async (t) => {
      const s = (await t.info()).sizes;
      return { userCounts: s.users, logCounts: s.records, logCapacity: s.recordsCap };
    });
  }

  async getUsers() {
    return this._wrap('getUsers', async (t) => {
      const users = await t.users();
      const udp = this.connectionType === 'udp';
      return {
        data: users.map((u) => (udp ? {
          uid: u.uid, role: u.privilege, name: u.name, userId: Number(u.userId),
        } : {
          uid: u.uid, role: u.privilege, password: u.password, name: u.name, cardno: u.card,
          userId: u.userId.slice(0, PIN_CHARS),
        })),
        err: null,
      };
    });
  }

  /** cb(done, total): called once with the final count (libzkbio reads in C, the progress of
   *  chunks is not forwarded to JS). */
  async getAttendances(cb) {
    return this._wrap('getAttendances', async (t) => {
      const recs = await t.attendance();
      const udp = this.connectionType === 'udp';
      if (typeof cb === 'function')
        cb(recs.length, recs.length);
      return {
        data: recs.map((r) => (udp ? {
          deviceUserId: Number(r.userId), recordTime: r.time, ip: this.ip,
        } : {
          userSn: r.uid, deviceUserId: r.userId.slice(0, PIN_CHARS), recordTime: r.time, ip: this.ip,
        })),
        err: null,
      };
    });
  }

  /** Register for punches; cb({userId, attTime}) for each until disconnect(). */
  async getRealTimeLogs(cb = () => {}) {
    return this._wrap('getRealTimeLogs', async (t) => {
      const udp = this.connectionType === 'udp';
      await t.events((ev) => {
        cb({ userId: udp ? Number(ev.userId) : ev.userId.slice(0, PIN_CHARS), attTime: ev.time });
      }, {
        onError: (err) => { if (this._cbErr) this._cbErr(err); },
      });
    });
  }

  /** Stop the realtime loop and close. Resolves true (as node-zklib). */
  async disconnect() {
    return this._wrap('disconnect', async (t) => {
      await t.close();
      const type = this.connectionType;
      this.connectionType = null;
      if (this._cbClose)
        this._cbClose(type);
      return true;
    });
  }

  /** libzkbio frees the device's buffer after every bulk read itself: an ACK reply. */
  async freeData() { return this._wrap('freeData', async () => ackReply()); }
  async disableDevice() { return this._wrap('disableDevice', async (t) => { await t.disable(); return ackReply(); }); }
  async enableDevice() { return this._wrap('enableDevice', async (t) => { await t.enable(); return ackReply(); }); }
  async clearAttendanceLog() {
    return this._wrap('clearAttendanceLog', async (t) => { await t.clearAttendance(); return ackReply(); });
  }

  /** {connected, type}: whether the connection is open, and over which transport. */
  async getSocketStatus() {
    const open = !!(this.terminal && this.terminal.isOpen);
    return { connected: open, type: open ? this.connectionType : null };
  }

  /**
   * node-zklib's raw command call. The commands libzkbio manages itself go through its calls:
   * CMD_UNLOCK (data: a 4-byte little-endian duration in deciseconds, or none for 3 s),
   * CMD_ENABLEDEVICE, CMD_DISABLEDEVICE, CMD_FREE_DATA, CMD_CLEAR_ATTLOG, CMD_REFRESHDATA,
   * CMD_RESTART, CMD_POWEROFF, CMD_GET_TIME, CMD_GET_FREE_SIZES, CMD_EXIT; every other command
   * without bulk transfer is sent as is (Terminal.command). Resolves the 8-byte header (the answer
   * code first) and the answer's data, whatever the code; commands the connection manages itself
   * (CONNECT, AUTH, REG_EVENT, the buffer commands) reject with ZKBioError EINVAL.
   */
  async executeCmd(command, data = '') {
    return this._wrap(`executeCmd ${command}`, async (t) => {
      const C = COMMANDS;
      switch (command) {
      case C.CMD_UNLOCK: {
        const d = Buffer.from(data || '');
        await t.unlock(d.length >= 4 ? d.readUInt32LE(0) / 10 : 3);
        return ackReply();
      }
      case C.CMD_ENABLEDEVICE: await t.enable(); return ackReply();
      case C.CMD_DISABLEDEVICE: await t.disable(); return ackReply();
      case C.CMD_FREE_DATA: return ackReply();
      case C.CMD_CLEAR_ATTLOG: await t.clearAttendance(); return ackReply();
      case C.CMD_REFRESHDATA: await t.refresh(); return ackReply();
      case C.CMD_RESTART: await t.restart(); return ackReply();
      case C.CMD_POWEROFF: await t.powerOff(); return ackReply();
      case C.CMD_EXIT: await this.disconnect(); return ackReply();
      case C.CMD_GET_TIME: {
        const b = Buffer.alloc(12), v = [0];
        ackReply().copy(b);
        check(fn.zkbio_zk_time_encode(fromDate(await t.time()), v), '', 'executeCmd');
        b.writeUInt32LE(v[0], 8);
        return b;
      }
      case C.CMD_GET_FREE_SIZES: {
        const s = (await t.info()).sizes;
        const raw = Buffer.alloc(92);
        check(fn.zkbio_zk_sizes_build({
          users: s.users, fingers: s.fingers, records: s.records, oplogs: s.oplogs,
          admins: s.admins, passwords: s.passwords, fingers_cap: s.fingersCap,
          users_cap: s.usersCap, records_cap: s.recordsCap, fingers_av: s.fingersAv,
          users_av: s.usersAv, records_av: s.recordsAv, faces: s.faces, faces_cap: s.facesCap,
        }, raw), '', 'executeCmd');
        return Buffer.concat([ackReply(), raw]);
      }
      default:
        return replyOf(await t.command(command, typeof data === 'string' ? Buffer.from(data) : data));
      }
    });
  }

  setIntervalSchedule(cb, timer) { this.interval = setInterval(cb, timer); }
  setTimerSchedule(cb, timer) { this.timer = setTimeout(cb, timer); }

  // ---- zkteco-js's extra calls ----

  /** Device clock as a Date. */
  async getTime() { return this._wrap('getTime', (t) => t.time()); }
  /** Set the device clock from a Date (or anything new Date() takes). */
  async setTime(tm) {
    return this._wrap('setTime', async (t) => { await t.setTime(new Date(tm)); return ackReply(); });
  }
  /** Create or update a user (zkteco-js argument order). */
  async setUser(uid, userid, name, password, role = 0, cardno = 0) {
    return this._wrap('setUser', async (t) => {
      await t.setUser({
        uid: Number(uid), userId: String(userid), name: String(name || ''),
        password: String(password || ''), privilege: Number(role) || 0, card: Number(cardno) || 0,
      });
      return ackReply();
    });
  }
  async deleteUser(uid) {
    return this._wrap('deleteUser', async (t) => { await t.deleteUser(Number(uid)); return ackReply(); });
  }
  /** The number of attendance records stored. */
  async getAttendanceSize() { return this._wrap('getAttendanceSize', async (t) => (await t.info()).sizes.records); }
  /** Play the device's voice prompt `index` (CMD_TESTVOICE; 0 "thank you"). */
  async voiceTest(index = 0) {
    return this._wrap('voiceTest', async (t) => {
      const d = Buffer.alloc(4);
      d.writeUInt32LE(index >>> 0, 0);
      return replyOf(await t.command(COMMANDS.CMD_TESTVOICE, d));
    });
  }
  /** CMD_CLEAR_DATA: wipe users, templates and attendance on the device. */
  async clearData() {
    return this._wrap('clearData', async (t) => replyOf(await t.command(COMMANDS.CMD_CLEAR_DATA)));
  }
  async getVendor() { return this._wrap('getVendor', async (t) => (await t.info()).vendor); }
  async getMacAddress() { return this._wrap('getMacAddress', async (t) => (await t.info()).mac); }
  async getSerialNumber() { return this._wrap('getSerialNumber', async (t) => (await t.info()).serial); }
  async getDeviceVersion() { return this._wrap('getDeviceVersion', async (t) => (await t.info()).fpVersion); }
  async getDeviceName() { return this._wrap('getDeviceName', async (t) => (await t.info()).model); }
  async getPlatform() { return this._wrap('getPlatform', async (t) => (await t.info()).platform); }
  async getFirmware() { return this._wrap('getFirmware', async (t) => (await t.info()).firmware); }
  async getOS() { return this._wrap('getOS', (t) => t.option('~OS')); }
  async getPIN() { return this._wrap('getPIN', (t) => t.option('~PIN2Width')); }
  async getWorkCode() { return this._wrap('getWorkCode', (t) => t.option('WorkCode')); }
  async getSSR() { return this._wrap('getSSR', (t) => t.option('~SSR')); }
  async getProductTime() {
    return this._wrap('getProductTime', async (t) => new Date(await t.option('~ProductTime')));
  }
  /** 'Yes' or 'No' (zkteco-js's answer) from the FaceFunOn option. */
  async getFaceOn() {
    return this._wrap('getFaceOn', async (t) => {
      let v = '0';
      try {
        v = await t.option('FaceFunOn');
      } catch (e) {
        if (!(e instanceof ZKBioError) || e.name !== 'ZKBIO_ENOENT')
          throw e;
      }
      return v.includes('0') ? 'No' : 'Yes';
    });
  }
}

ZKLib.COMMANDS = COMMANDS;
module.exports = ZKLib;
