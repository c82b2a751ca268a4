// SPDX-License-Identifier: Apache-2.0
// node-zklib (npm, a third-party 4370 client) against `zkbio emulate` at the size of a real site:
// read every user and every punch (multi-chunk bulk reads) while a second connection receives the
// realtime punches the emulator announces. Usage: node compat.js PORT USERS PUNCHES tcp|udp
// The emulator was started with --users USERS --punches PUNCHES --punch-every MS: record i of the
// generated log belongs to user (i % USERS) + 1 at 2024-01-01 08:00 + i minutes (device local time).
'use strict';
const ZKLib = require('node-zklib');

const [port, users, punches] = process.argv.slice(2, 5).map(Number);
const mode = process.argv[5] || 'tcp';
let failed = 0;
function check(ok, what) {
  console.log((ok ? 'ok   ' : 'FAIL ') + what);
  if (!ok)
    failed++;
}

// generated record i: user and local time
function expected(i) {
  const t = new Date(2024, 0, 1, 8, 0, 0);
  t.setMinutes(t.getMinutes() + i);
  return { user: String((i % users) + 1), time: t.getTime() };
}

// node-zklib takes the first packet that reaches a socket after a request as that request's answer.
// A bulk read ends when the last chunk's DATA arrives, but the chunk's ACK_OK follows it (reference tcp4370.md
// §4.2 step 5, as terminals send it); getUsers' closing FREE_DATA then takes that ACK_OK as its answer, and
// the real FREE_DATA answer arrives with no request waiting. Issued at once, getAttendances' FREE_DATA
// takes it, and the late answers stay one behind: its data request fails with
// TIMEOUT_ON_RECEIVING_REQUEST_DATA when that stale answer and the real one reach node in one read
// (a loaded machine). Against a terminal the same happens; a careful application pauses between bulk
// reads, and so does this test: it waits until the socket has been quiet for QUIET_MS. The check runs
// from setImmediate, after node's I/O phase, so a packet already waiting counts as activity.
const QUIET_MS = 250;
function drain(zk) {
  const udp = zk.connectionType === 'udp';
  const sock = udp ? zk.zklibUdp.socket : zk.zklibTcp.socket;
  const ev = udp ? 'message' : 'data';
  let last = Date.now();
  const seen = () => { last = Date.now(); };
  sock.on(ev, seen);
  const t0 = Date.now();
  return new Promise((resolve) => {
    const tick = () => setImmediate(() => {
      const now = Date.now();
      if (now - last >= QUIET_MS || now - t0 >= 5000) {
        sock.removeListener(ev, seen);
        resolve();
      } else {
        setTimeout(tick, 50);
      }
    });
    setTimeout(tick, 50);
  });
}

let step = 'start';
async function main() {
  // connection B: the realtime stream, registered before the bulk reads start
  const live = new ZKLib('127.0.0.1', port, 10000, 0 /* any local UDP port */);
  step = 'live.createSocket';
  await live.createSocket();
  const events = [];
  step = 'live.getRealTimeLogs';
  await live.getRealTimeLogs((log) => events.push(log));

  // connection A: the bulk reads
  const zk = new ZKLib('127.0.0.1', port, 10000, 0);
  step = 'zk.createSocket';
  await zk.createSocket();
  check(zk.connectionType === mode && live.connectionType === mode, `connected over ${mode}`);
  step = 'zk.getInfo';
  const info = await zk.getInfo();
  check(info.userCounts === users, `free sizes: ${info.userCounts} users`);
  check(info.logCounts >= punches, `free sizes: ${info.logCounts} records`);

  const t0 = Date.now();
  step = 'zk.getUsers';
  const u = await zk.getUsers();
  check(!u.err, `getUsers without error${u.err ? ': ' + u.err.message : ''}`);
  check(u.data.length === users, `getUsers: ${u.data.length} of ${users} users`);
  let bad = 0;
  const nameLen = mode === 'udp' ? 7 : 23; // char[8] / char[24] with its NUL (28- / 72-byte records)
  u.data.forEach((x, i) => {
    const want = `User ${i + 1}`.slice(0, nameLen);
    if (String(x.userId) !== String(i + 1) || x.uid !== i + 1 || x.name !== want)
      bad++;
  });
  check(u.data.length === users && bad === 0, `every user has uid, PIN and name in order (${bad} wrong)`);

  step = 'drain';
  await drain(zk);
  step = 'zk.getAttendances';
  const a = await zk.getAttendances();
  const t1 = Date.now();
  check(!a.err, `getAttendances without error${a.err ? ': ' + a.err.message : ''}`);
  // punches announced while the reads ran are stored too: the log holds what getInfo counted (taken
  // after B registered, so it includes the punches stored before B heard of any) plus at most one
  // record for each punch B was told of since. How many were stored before B registered depends on
  // how fast node started (a loaded CI machine: seconds), so that is not a fixed number.
  check(a.data.length >= punches && a.data.length <= info.logCounts + events.length,
        `getAttendances: ${a.data.length} records (generated ${punches}, ${events.length} realtime)`);
  bad = 0;
  for (let i = 0; i < punches && i < a.data.length; i++) {
    const r = a.data[i], w = expected(i);
    if (String(r.deviceUserId) !== w.user || r.recordTime.getTime() !== w.time)
      bad++;
  }
  check(a.data.length >= punches && bad === 0,
        `every generated record has its user and minute, in order (${bad} wrong)`);
  const last = a.data[punches - 1];
  if (last)
    console.log(`     record ${punches}: user ${last.deviceUserId} at ${last.recordTime.toISOString()}`);

  // the realtime connection kept receiving while A read; wait for one more punch after the reads
  const seen = events.length;
  await new Promise((resolve) => {
    const t = setInterval(() => {
      if (events.length > seen) {
        clearInterval(t);
        resolve();
      }
    }, 50);
    setTimeout(() => {
      clearInterval(t);
      resolve();
    }, 8000);
  });
  check(seen > 0, `realtime punches arrived while the bulk reads ran (${seen} in ${t1 - t0} ms)`);
  check(events.length > seen, `realtime stream still alive after the reads (${events.length} punches)`);
  const okEv = events.filter((p) => /^[0-9]+$/.test(String(p.userId)) && p.attTime instanceof Date &&
                                    !isNaN(p.attTime));
  check(events.length > 0 && okEv.length === events.length,
        `every realtime punch has a numeric user and a time (${okEv.length}/${events.length})`);
  step = 'zk.disconnect';
  await zk.disconnect();
  step = 'live.disconnect';
  await live.disconnect();
}

main().then(() => {
  console.log(failed ? `${failed} failed` : 'all passed');
  process.exit(failed ? 1 : 0);
}, (err) => {
  // node-zklib rejects with a ZKError whose cause (an Error: its message is not enumerable, so
  // JSON.stringify drops it) is in .err
  const cause = err && err.err ? err.err : err;
  const what = cause && cause.message ? cause.message : JSON.stringify(cause);
  console.log(`FAIL at ${step}: ${what}` + (err && err.command ? ` (${err.command})` : ''));
  if (cause && cause.stack)
    console.log(cause.stack.split('\n').slice(1, 6).join('\n'));
  process.exit(1);
});
