// SPDX-License-Identifier: Apache-2.0
// A node-zklib script: what an attendance integration does with a terminal (info, users, the
// attendance log, realtime punches). It runs unchanged on node-zklib and on zkbio's
// replacement: only the require line differs, chosen here by the first argument.
//
// Usage: node zklib-report.js MODULE HOST PORT [SYNC_MS]
//   MODULE  `node-zklib`, `zkbio/zklib`, or a path to either
//   SYNC_MS optional: wait for the first realtime punch stamped at or after this time (ms since
//           the epoch, read on stdin as "go SYNC_MS" when the argument is "-") before reading, so
//           that two runs against one terminal read the same state (test/compat.test.js).
// Prints one "OUT <json>" line per result.
'use strict';

const [modName, host, port, sync] = process.argv.slice(2);
const ZKLib = require(modName); // the one line a user changes: require('node-zklib') -> require('zkbio/zklib')

const out = (what, value) => console.log('OUT ' + JSON.stringify({ [what]: value }));

async function syncTime() {
  if (!sync)
    return 0;
  if (sync !== '-')
    return Number(sync);
  console.log('registered');
  let buf = '';
  for await (const chunk of process.stdin) {
    buf += chunk;
    const m = /go (\d+)/.exec(buf);
    if (m)
      return Number(m[1]);
  }
  throw new Error('stdin closed before "go"');
}

async function main() {
  const zk = new ZKLib(host, Number(port), 10000, 4000);
  await zk.createSocket();
  out('connectionType', zk.connectionType);

  const logs = [];
  let wake = null;
  await zk.getRealTimeLogs((log) => {
    logs.push(log);
    if (wake)
      wake();
  });
  const next = () => new Promise((resolve) => { wake = resolve; });

  const t0 = await syncTime();
  // the first punch at or after t0: both runs got it, and the reads below finish before the next
  // one (the terminal punches every 2 s in the test)
  for (;;) {
    while (logs.length && logs[0].attTime.getTime() < t0)
      logs.shift();
    if (logs.length)
      break;
    await next();
  }
  out('info', await zk.getInfo());
  const users = await zk.getUsers();
  out('users', { count: users.data.length, err: users.err || null, data: users.data });
  const att = await zk.getAttendances();
  out('attendances', {
    count: att.data.length,
    err: att.err || null,
    data: att.data.map((r) => ({ ...r, recordTime: r.recordTime.toISOString() })),
  });

  while (logs.length < 3)
    await next();
  out('realtime', logs.slice(0, 3).map((l) => ({
    userId: l.userId, attTime: l.attTime.toISOString(), keys: Object.keys(l).sort(),
  })));
  await zk.disconnect();
}

main().then(() => process.exit(0), (err) => {
  console.error('FAIL', err && (err.message || err));
  process.exit(1);
});
