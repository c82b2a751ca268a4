// SPDX-License-Identifier: Apache-2.0
// The native Terminal API and the zkbio/zklib extras against `zkbio emulate`: info, users and
// their writes, templates, attendance, clock, door, realtime events, errors, close(); and that a
// slow device answer does not block the event loop (the call runs on a koffi worker).
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const net = require('node:net');
const zkbio = require('..');
const ZKLib = require('../zklib');
const { startEmulator } = require('./emulator');

test('Terminal: info, users, templates, attendance, clock, door, close', async (t) => {
  const emu = await startEmulator(['--users', '6', '--punches', '25', '--fingers', '2']);
  t.after(() => emu.stop());
  const term = await zkbio.Terminal.open('127.0.0.1', { port: emu.port, transport: 'tcp' });
  assert.equal(term.transport, 'tcp');
  const info = await term.info();
  assert.equal(info.serial, 'ZKEMU0000001');
  assert.equal(info.sizes.users, 6);
  assert.equal(info.sizes.records, 25);
  assert.equal(await term.option('~SerialNumber'), 'ZKEMU0000001');

  const users = await term.users();
  assert.equal(users.length, 6);
  assert.deepEqual(Object.keys(users[0]).sort(),
    ['card', 'group', 'name', 'password', 'privilege', 'uid', 'userId']);
  assert.equal(users[1].name, 'User 2');
  await term.setUser({ uid: 42, userId: '4242', name: 'Ada', password: '123', card: 777 });
  const ada = (await term.users()).find((u) => u.uid === 42);
  assert.equal(ada.name, 'Ada');
  assert.equal(ada.userId, '4242');
  assert.equal(ada.card, 777);
  await term.deleteUser(42);
  assert.equal((await term.users()).length, 6);

  const tpls = await term.templates();
  assert.equal(tpls.length, 12);
  assert.ok(Buffer.isBuffer(tpls[0].data) && tpls[0].data.length > 0);
  const one = await term.template(tpls[0].uid, tpls[0].fid);
  assert.deepEqual(one, tpls[0].data);
  await term.setTemplate(3, 5, one);
  assert.deepEqual(await term.template(3, 5), one);
  await term.deleteTemplate(3, 5);
  await assert.rejects(term.template(3, 5), (e) => e.name === 'ZKBIO_ENOENT');

  const att = await term.attendance();
  assert.equal(att.length, 25);
  assert.ok(att[0].time instanceof Date);
  assert.equal(att[0].userId, '1');
  const since = att[10].time;
  assert.equal((await term.attendance(since)).length, 15);

  const when = new Date(2031, 4, 6, 7, 8, 9);
  await term.setTime(when);
  assert.equal((await term.time()).getTime(), when.getTime());
  await term.unlock(2);
  await term.disable();
  await term.enable();
  await term.clearAttendance();
  assert.equal((await term.attendance()).length, 0);

  await term.close();
  await term.close();
  assert.equal(term.isOpen, false);
  await assert.rejects(term.info(), (e) => e instanceof zkbio.ZKBioError && e.name === 'ZKBIO_ECONN');
});

test('Terminal: realtime events arrive on the JS thread while other calls run', async (t) => {
  const emu = await startEmulator(['--users', '3', '--punches', '5', '--punch-every', '200']);
  t.after(() => emu.stop());
  const term = await zkbio.Terminal.open('127.0.0.1', { port: emu.port });
  const events = [];
  await term.events((ev) => events.push(ev), { intervalMs: 50 });
  const t0 = Date.now();
  while (events.length < 3 && Date.now() - t0 < 5000) {
    await term.info(); // commands and events share the session
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(events.length >= 3, `${events.length} events`);
  assert.equal(events[0].flag, zkbio.EVENT.ATTLOG);
  assert.ok(events[0].time instanceof Date && Math.abs(events[0].time - Date.now()) < 60000);
  assert.match(events[0].userId, /^[1-3]$/);
  await term.stopEvents();
  const n = events.length;
  await new Promise((r) => setTimeout(r, 500));
  assert.ok(events.length <= n + 1);
  await term.close();
});

test('a terminal that goes away stops the event loop with onError (and zklib calls cbErr)', async () => {
  const emu = await startEmulator(['--punch-every', '300']);
  const zk = new ZKLib('127.0.0.1', emu.port, 2000, 0);
  let failed = null;
  await zk.createSocket((err) => { failed = err; });
  const logs = [];
  await zk.getRealTimeLogs((l) => logs.push(l));
  const t0 = Date.now();
  while (logs.length < 1 && Date.now() - t0 < 5000)
    await new Promise((r) => setTimeout(r, 50));
  assert.ok(logs.length >= 1);
  emu.stop();
  while (!failed && Date.now() - t0 < 10000)
    await new Promise((r) => setTimeout(r, 50));
  assert.ok(failed instanceof zkbio.ZKBioError, 'cbErr was called');
  assert.equal(failed.name, 'ZKBIO_ECONN');
  await zk.disconnect();
});

test('Terminal.enroll: the emulated terminal stores the new finger; a bad press is EIO', async (t) => {
  const emu = await startEmulator(['--users', '3', '--fault', 'bad-sample:61']);
  t.after(() => emu.stop());
  const term = await zkbio.Terminal.open('127.0.0.1', { port: emu.port });
  await assert.rejects(term.enroll('2', 6, 20000), (e) => e.name === 'ZKBIO_EIO');
  await term.enroll('2', 6, 20000);
  const fids = (await term.templates()).filter((x) => x.uid === 2).map((x) => x.fid);
  assert.deepEqual(fids, [0, 6]);
  await term.close();
});

test('a slow answer does not block the event loop', async (t) => {
  // the emulator answers the first GET_TIME (201) after 1.5 s
  const emu = await startEmulator(['--fault', 'delay:201:1:1500']);
  t.after(() => emu.stop());
  const term = await zkbio.Terminal.open('127.0.0.1', { port: emu.port, timeout: 5000 });
  let ticks = 0;
  const timer = setInterval(() => ticks++, 20);
  const t0 = Date.now();
  await term.time();
  clearInterval(timer);
  assert.ok(Date.now() - t0 >= 1400);
  assert.ok(ticks >= 30, `only ${ticks} timer ticks during a 1.5 s call`);
  await term.close();
});

test('connection errors are ZKBioErrors', async () => {
  const srv = net.createServer();
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const port = srv.address().port;
  await new Promise((r) => srv.close(r)); // nobody listens there now
  await assert.rejects(zkbio.Terminal.open('127.0.0.1', { port, transport: 'tcp', timeout: 500 }),
    (e) => e instanceof zkbio.ZKBioError && e.code < 0 && /^ZKBIO_E/.test(e.name));
  const zk = new ZKLib('127.0.0.1', port, 500, 0);
  await assert.rejects(zk.getUsers(), (e) => e instanceof zkbio.ZKBioError && e.name === 'ZKBIO_ECONN');
});

test('zkbio/zklib: zkteco-js extras', async (t) => {
  const emu = await startEmulator(['--users', '4', '--punches', '9']);
  t.after(() => emu.stop());
  const zk = new ZKLib('127.0.0.1', emu.port, 5000, 0);
  assert.equal(await zk.createSocket(), true);
  assert.deepEqual(await zk.getSocketStatus(), { connected: true, type: 'tcp' });
  assert.equal(await zk.getSerialNumber(), 'ZKEMU0000001');
  assert.equal(await zk.getAttendanceSize(), 9);
  assert.equal(await zk.getFirmware(), (await zk.terminal.info()).firmware);
  for (const f of ['getVendor', 'getMacAddress', 'getDeviceName', 'getPlatform', 'getDeviceVersion'])
    assert.equal(typeof await zk[f](), 'string', f);
  assert.ok(['Yes', 'No'].includes(await zk.getFaceOn()));
  const when = new Date(2030, 0, 2, 3, 4, 5);
  await zk.setTime(when);
  assert.equal((await zk.getTime()).getTime(), when.getTime());
  const ack = await zk.executeCmd(ZKLib.COMMANDS.CMD_GET_TIME);
  assert.equal(ack.readUInt16LE(0), 2000);
  await zk.setUser(10, '1010', 'Grace', '99', 0, 5);
  const u = (await zk.getUsers()).data.find((x) => x.uid === 10);
  assert.deepEqual(u, { uid: 10, role: 0, password: '99', name: 'Grace', cardno: 5, userId: '1010' });
  await zk.deleteUser(10);
  const sizes = await zk.executeCmd(ZKLib.COMMANDS.CMD_GET_FREE_SIZES);
  assert.equal(sizes.readUInt32LE(24), 4); // where node-zklib reads userCounts
  assert.equal(sizes.readUInt32LE(40), 9); // and logCounts
  await zk.executeCmd(ZKLib.COMMANDS.CMD_UNLOCK);
  await assert.rejects(zk.executeCmd(ZKLib.COMMANDS.CMD_REG_EVENT, Buffer.alloc(4)),
    (e) => e.name === 'ZKBIO_EINVAL'); // the connection's own command
  assert.equal((await zk.voiceTest()).readUInt16LE(0), 2000);
  await zk.clearAttendanceLog();
  assert.equal((await zk.getInfo()).logCounts, 0);
  assert.equal((await zk.clearData()).readUInt16LE(0), 2000);
  assert.equal((await zk.getInfo()).userCounts, 0);
  const unknown = await zk.executeCmd(9999); // answered, with a code other than ACK_OK
  assert.notEqual(unknown.readUInt16LE(0), 2000);
  const term = zk.terminal;
  const st = await term.command(ZKLib.COMMANDS.CMD_TESTVOICE, Buffer.alloc(4));
  assert.equal(st.code, 2000);
  assert.ok(Buffer.isBuffer(st.data));
  let closed = null;
  zk._cbClose = (type) => { closed = type; };
  assert.equal(await zk.disconnect(), true);
  assert.equal(closed, 'tcp');
  assert.deepEqual(await zk.getSocketStatus(), { connected: false, type: null });
});
