// SPDX-License-Identifier: Apache-2.0
// The compatibility measure of issue 17 (Node): examples/zklib-report.js, a node-zklib script,
// runs twice at once against one `zkbio emulate` -- once with the real node-zklib (npm, installed
// in tests/zk4370/node) and once with require('zkbio/zklib') -- and both print the same thing:
// connection type, info, every user, every attendance record, three realtime punches.
// Both runs register for realtime punches first; then both are told to start at the same
// punch (the first stamped after a time sent to both), so they read the same terminal state.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { startEmulator } = require('./emulator');

const pkg = path.join(__dirname, '..');
const script = path.join(pkg, 'examples', 'zklib-report.js');
const nodeZklib = path.join(pkg, '..', '..', 'tests', 'zk4370', 'node', 'node_modules', 'node-zklib');

/** Run the script with `mod`; resolves {proc, registered: Promise, done: Promise<{out, code}>}. */
function runScript(mod, port) {
  const p = spawn(process.execPath, [script, mod, '127.0.0.1', String(port), '-'],
    { cwd: pkg, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '', stderr = '';
  let onReg;
  const registered = new Promise((resolve) => { onReg = resolve; });
  p.stdout.on('data', (d) => {
    stdout += d;
    if (/^registered$/m.test(stdout))
      onReg();
  });
  p.stderr.on('data', (d) => { stderr += d; });
  const done = new Promise((resolve) => p.on('exit', (code) => resolve({
    code, stderr,
    out: stdout.split('\n').filter((l) => l.startsWith('OUT ')).map((l) => JSON.parse(l.slice(4))),
  })));
  return { proc: p, registered, done };
}

async function compare(t, emuArgs, check) {
  const emu = await startEmulator(['--punch-every', '2000', ...emuArgs]);
  t.after(() => emu.stop());
  const real = runScript(nodeZklib, emu.port);
  const ours = runScript('zkbio/zklib', emu.port);
  const timer = setTimeout(() => { real.proc.kill(); ours.proc.kill(); }, 40000);
  await Promise.race([Promise.all([real.registered, ours.registered]),
    Promise.all([real.done, ours.done])]);
  const go = `go ${Date.now() + 1000}\n`;
  real.proc.stdin.end(go);
  ours.proc.stdin.end(go);
  const [a, b] = await Promise.all([real.done, ours.done]);
  clearTimeout(timer);
  assert.equal(a.code, 0, `node-zklib run failed: ${a.stderr}`);
  assert.equal(b.code, 0, `zkbio/zklib run failed: ${b.stderr}`);
  assert.equal(a.out.length, 5, 'node-zklib printed every result');
  assert.deepEqual(b.out, a.out);
  check(Object.assign({}, ...b.out));
}

test('zkbio/zklib prints what node-zklib prints (TCP, 72-byte users, 40-byte records)', async (t) => {
  await compare(t, ['--users', '20', '--punches', '60', '--fingers', '1'], (r) => {
    assert.equal(r.connectionType, 'tcp');
    assert.equal(r.users.count, 20);
    assert.equal(r.users.data[0].name, 'User 1');
    assert.equal(r.info.userCounts, 20);
    assert.ok(r.attendances.count >= 60 && r.info.logCounts === r.attendances.count);
    assert.equal(r.realtime.length, 3);
  });
});

// 200 punches: node-zklib decodes an attendance log small enough for one inline UDP reply at a
// stride of 8 bytes (its bug, whatever the record size); a larger log takes its chunked path.
test('zkbio/zklib prints what node-zklib prints (UDP terminal, 28-byte users, 16-byte records)', async (t) => {
  await compare(t, ['--udp', '--profile', 'zk6', '--att-size', '16', '--users', '12', '--punches', '200'],
    (r) => {
      assert.equal(r.connectionType, 'udp');
      assert.equal(r.users.count, 12);
      assert.ok(r.attendances.count >= 200);
      assert.equal(r.realtime.length, 3);
    });
});
