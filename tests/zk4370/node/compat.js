// SPDX-License-Identifier: Apache-2.0
// node-zklib (npm, a third-party 4370 client) against `zkbio emulate`: connect over TCP, read the
// users and the attendance log, and receive one realtime punch. Usage: node compat.js PORT USERS PUNCHES
'use strict';
const ZKLib = require('node-zklib');

const [port, users, punches] = process.argv.slice(2, 5).map(Number);
const mode = process.argv[5] || 'tcp';
let failed = 0;
function check(ok, what) {
  if (ok) {
    console.log('ok   ' + what);
  } else {
    console.log('FAIL ' + what);
    failed++;
  }
}

async function main() {
  const zk = new ZKLib('127.0.0.1', port, 5000, 0 /* any local UDP port */);
  await zk.createSocket();
  check(zk.connectionType === mode, `connected over ${mode}`);

  const info = await zk.getInfo();
  check(info.userCounts === users, `free sizes: ${info.userCounts} users`);

  const u = await zk.getUsers();
  check(!u.err && u.data.length === users, `getUsers: ${u.data.length} users`);
  check(u.data.length > 0 && String(u.data[0].userId) === '1' && u.data[0].name === 'User 1',
        'first user is "1" / "User 1"');

  const a = await zk.getAttendances();
  check(!a.err && a.data.length >= punches, `getAttendances: ${a.data.length} records`);
  check(a.data.length > 0 && String(a.data[0].deviceUserId) === '1', 'first record belongs to user 1');
  check(a.data.length > 0 && a.data[0].recordTime.getFullYear() === 2024 &&
        a.data[0].recordTime.getHours() === 8, 'first record at 2024-01-01 08:00 (device local time)');

  const punch = await new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), 8000);
    zk.getRealTimeLogs((log) => {
      clearTimeout(timer);
      resolve(log);
    });
  });
  check(punch !== null, 'realtime punch received');
  if (punch)
    check(/^[0-9]+$/.test(String(punch.userId)) && punch.attTime instanceof Date && !isNaN(punch.attTime),
          `realtime punch: user ${punch.userId} at ${punch.attTime}`);
  await zk.disconnect();
}

main().then(() => {
  console.log(failed ? `${failed} failed` : 'all passed');
  process.exit(failed ? 1 : 0);
}, (err) => {
  console.log('FAIL ' + (err && err.message ? err.message : JSON.stringify(err)));
  process.exit(1);
});
