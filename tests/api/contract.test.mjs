// SPDX-License-Identifier: Apache-2.0
// The contract test of /api/v1 (node --test; run by tests/api/run.sh, meson test `api-contract`).
//
// zkbiod runs on 127.0.0.1 port 0 over a temporary SQLite database, with an admin token and three
// accounts made by `zkbiod user add` (admin, operator, viewer). Terminals: three `zkbio emulate`
// 4370 terminals (plain; with a comm key; a slow one whose log takes a minute to download, for
// cancel and, once stopped, for 503) and a PUSH terminal spoken to in plain HTTP (handshake and an
// ATTLOG upload). Every operation of docs/openapi.yaml is called: its happy path and its documented
// errors (400 malformed JSON and bad fields, 401 without, with a tampered and with a revoked token,
// 403 for a role below the operation's, 404, 409, 429, 503). Each answer's status must be one the
// operation documents and its body must validate against the schema of (operation, status); the
// last test fails when an operation was never called. Each step says what it expects, so a failure
// names the operation and why.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  ADMIN_TOKEN, Client, DOC_PATH, addAccount, killAll, loadContract, pushTerminal, raw, removeDir,
  startEmulator, startZkbiod, stopProcess, stopZkbiod, tamper, tempDir, waitJob, sleep,
} from './harness.mjs';

const ROLE_RANK = { public: 0, viewer: 1, operator: 2, admin: 3 };
const PASSWORD = 'Contract-Pass-2026!';
const NOSUCH = 987654321; // an id no resource has
const PUSH_SN = 'CONTRACTPUSH01';
const KEY = 4242; // the comm key of the second terminal

const S = {
  dir: null, zk: null, c: null, contract: null,
  tokens: {}, refresh: {}, accountErrors: [],
  emu: {}, dev: {}, // dev.tcp, dev.key, dev.slow, dev.push: numeric ids
  jobs: [], punchId: null,
};

// The answer must have one of `want` statuses and fit the contract.
function expect(r, want, what = '') {
  const list = Array.isArray(want) ? want : [want];
  const msg = `${what ? `${what}: ` : ''}status ${r.status} (want ${list.join(' or ')})` +
    `${r.problems.length ? `; contract: ${r.problems.join(' | ')}` : ''}; body ${r.text.slice(0, 300)}`;
  assert.ok(list.includes(r.status) && r.problems.length === 0, msg);
  return r;
}

function need(value, what) {
  assert.ok(value !== undefined && value !== null, `prerequisite missing: ${what}`);
  return value;
}

// The array of a list's data (the first array-valued property, or data itself).
function items(r) {
  const d = r.body && r.body.data;
  if (Array.isArray(d)) return d;
  if (d && typeof d === 'object') for (const v of Object.values(d)) if (Array.isArray(v)) return v;
  return [];
}

const admin = () => S.tokens.admin || ADMIN_TOKEN;
// A token of `role` for a happy path; the admin token (which has every role) until accounts exist,
// so the rest of the flow still runs. Role checks use need(S.tokens[role]) instead.
const tok = (role) => S.tokens[role] || ADMIN_TOKEN;

before(async () => {
  S.contract = await loadContract();
  S.dir = tempDir('contract');
  for (const role of ['admin', 'operator', 'viewer']) {
    const a = addAccount(S.dir, `${role}@contract.test`, role, PASSWORD);
    if (!a.ok) S.accountErrors.push(`zkbiod user add --role ${role}: ${a.out}`);
  }
  // issue 15: the default admission (pending): the PUSH terminal waits for approveDevice
  S.zk = await startZkbiod(S.dir, ['--admission', 'pending']);
  S.c = new Client(S.contract, S.zk.port);
  S.emu.tcp = await startEmulator(['--users', '5', '--punches', '20', '--serial', 'CONTRACTTCP01']);
  S.emu.key = await startEmulator(['--users', '3', '--punches', '10', '--serial', 'CONTRACTKEY01',
    '--comm-key', String(KEY)]);
  S.emu.slow = await startEmulator(['--users', '2', '--punches', '30000', '--link-rate', '20000',
    '--serial', 'CONTRACTSLOW1']);
});

after(async () => {
  if (S.c) {
    const lost = S.c.uncalled();
    if (lost.length) console.log(`# operations never called: ${lost.join(', ')}`);
    // not a failure (some statuses need a broken database or a disabled account): a map for readers
    console.log(`# documented statuses not seen in this run: ${S.c.unseen().join('; ')}`);
  }
  for (const e of Object.values(S.emu)) if (e) await stopProcess(e.proc);
  if (S.zk && S.zk.proc.exitCode === null) await stopProcess(S.zk.proc);
  killAll();
  if (S.dir && !process.env.ZKBIO_KEEP) removeDir(S.dir);
});

test('health and the document', async () => {
  expect(await S.c.call('health'), 200, 'GET /health');
  const r = expect(await S.c.call('getOpenapiDocument'), 200, 'GET /api/v1/openapi.yaml');
  assert.equal(r.text, readFileSync(DOC_PATH, 'utf8'), 'zkbiod serves docs/openapi.yaml as built');
});

test('auth', async (t) => {
  await t.test('accounts made by `zkbiod user add`', () => {
    assert.deepEqual(S.accountErrors, []);
  });
  await t.test('login: each role', async () => {
    for (const role of ['admin', 'operator', 'viewer']) {
      const r = expect(await S.c.call('authLogin', {
        body: { email: `${role}@contract.test`, password: PASSWORD },
      }), 200, `login ${role}`);
      S.tokens[role] = r.body.data.access_token;
      S.refresh[role] = r.body.data.refresh_token;
      assert.equal(r.body.data.token_type, 'Bearer');
      assert.equal(r.body.data.expires_in, 3600);
    }
  });
  await t.test('login: errors', async () => {
    const wrong = expect(await S.c.call('authLogin', {
      body: { email: 'viewer@contract.test', password: 'not-the-password' },
    }), 401, 'wrong password');
    assert.equal(wrong.body.error.code, 'INVALID_CREDENTIALS');
    expect(await S.c.call('authLogin', { body: { email: 'nobody@contract.test', password: 'whatever-password' } }),
      401, 'unknown account');
    expect(await S.c.call('authLogin', { body: { email: 'viewer@contract.test', password: 'short' } }),
      400, 'a password under 8 bytes');
    expect(await S.c.call('authLogin', { rawBody: '{"email":' }), 400, 'malformed JSON');
    expect(await S.c.call('authLogin', { body: { email: 42, password: [] } }), 400, 'wrong types');
    expect(await S.c.call('authLogin', { body: {} }), 400, 'missing fields');
  });
  await t.test('me', async () => {
    const r = expect(await S.c.call('authMe', { token: need(S.tokens.viewer, 'viewer token') }), 200);
    assert.equal(r.body.data.role, 'viewer');
    assert.equal(r.body.data.email, 'viewer@contract.test');
    const a = expect(await S.c.call('authMe', { token: ADMIN_TOKEN }), 200, 'the admin token');
    assert.equal(a.body.data.role, 'admin');
    expect(await S.c.call('authMe'), 401, 'no token');
    expect(await S.c.call('authMe', { token: tamper(S.tokens.viewer) }), 401, 'tampered token');
    expect(await S.c.call('authMe', { token: 'not-a-jwt' }), 401, 'garbage token');
  });
  await t.test('refresh: rotation and reuse', async () => {
    const old = need(S.refresh.operator, 'operator refresh token');
    const r = expect(await S.c.call('authRefresh', { body: { refresh_token: old } }), 200);
    assert.notEqual(r.body.data.refresh_token, old, 'the refresh token is rotated');
    S.tokens.operator = r.body.data.access_token;
    S.refresh.operator = r.body.data.refresh_token;
    expect(await S.c.call('authRefresh', { body: { refresh_token: old } }), 401, 'a used refresh token');
    expect(await S.c.call('authRefresh', { rawBody: 'nope' }), 400, 'malformed JSON');
    expect(await S.c.call('authRefresh', { body: { refresh_token: 7 } }), 400, 'wrong type');
    // the reuse revoked the family: log the operator in again for the tests below
    const again = expect(await S.c.call('authLogin', {
      body: { email: 'operator@contract.test', password: PASSWORD },
    }), 200, 'login after the family was revoked');
    S.tokens.operator = again.body.data.access_token;
  });
  await t.test('register', async () => {
    const body = { username: 'second', email: 'second@contract.test', password: PASSWORD, role: 'viewer' };
    const r = expect(await S.c.call('authRegister', { body, token: admin() }), 201);
    assert.equal(r.body.data.email, body.email);
    expect(await S.c.call('authRegister', { body, token: admin() }), 400, 'a taken e-mail');
    expect(await S.c.call('authRegister', { body: { ...body, email: 'x@contract.test', role: 'root' },
      token: admin() }), 400, 'unknown role');
    expect(await S.c.call('authRegister', { rawBody: '{', token: admin() }), 400, 'malformed JSON');
    expect(await S.c.call('authRegister', { body, token: need(S.tokens.viewer, 'viewer token') }),
      403, 'a viewer');
    expect(await S.c.call('authRegister', { body }), 401, 'no token');
  });
  await t.test('logout revokes', async () => {
    const l = expect(await S.c.call('authLogin', {
      body: { email: 'second@contract.test', password: PASSWORD },
    }), 200, 'login of the registered account');
    const tok = l.body.data.access_token;
    expect(await S.c.call('authLogout', { token: tok, body: { refresh_token: l.body.data.refresh_token } }),
      200, 'logout');
    expect(await S.c.call('authMe', { token: tok }), 401, 'the token after logout');
    expect(await S.c.call('authRefresh', { body: { refresh_token: l.body.data.refresh_token } }),
      401, 'the refresh token after logout');
    expect(await S.c.call('authLogout'), 401, 'no token');
    expect(await S.c.call('authLogout', { token: admin(), rawBody: '{"refresh_token":' }), [400, 200],
      'malformed JSON');
  });
});

test('devices', async (t) => {
  await t.test('a PUSH terminal appears by itself', async () => {
    const p = await pushTerminal(S.zk.port, PUSH_SN, [
      { pin: '7', time: '2026-01-05 08:01:00' }, { pin: '7', time: '2026-01-05 17:02:00' },
      { pin: '8', time: '2026-01-05 09:00:00' },
    ]);
    assert.equal(p.handshake.status, 200, p.handshake.text);
    assert.match(p.upload.text, /^OK: 3/, p.upload.text);
    const r = expect(await S.c.call('listDevices', { token: tok('viewer') }), 200);
    const d = items(r).find((x) => x.sn === PUSH_SN || x.serial_number === PUSH_SN);
    assert.ok(d, `${PUSH_SN} in the list: ${r.text.slice(0, 300)}`);
    assert.equal(d.transport, 'push');
    assert.equal(d.admission, 'pending', 'a new SN waits for approval (issue 15)');
    S.dev.push = d.id;
  });
  await t.test('admission: approve and reject (issue 15)', async () => {
    const id = need(S.dev.push, 'push');
    const pend = expect(await S.c.call('listDevices', { token: tok('viewer'),
      query: { admission: 'pending' } }), 200, 'the pending list');
    assert.ok(items(pend).some((x) => x.id === id), `${PUSH_SN} pending: ${pend.text.slice(0, 300)}`);
    expect(await S.c.call('listDevices', { token: tok('viewer'), query: { admission: 'maybe' } }), 400,
      'an unknown admission state');
    expect(await S.c.call('approveDevice', { params: { id } }), 401, 'no token');
    expect(await S.c.call('approveDevice', { params: { id }, token: need(S.tokens.operator, 'operator') }),
      403, 'an operator');
    expect(await S.c.call('approveDevice', { params: { id: NOSUCH }, token: admin() }), 404, 'unknown id');
    const a = expect(await S.c.call('approveDevice', { params: { id }, token: admin() }), 200, 'approve');
    assert.equal(a.body.data.admission, 'approved');
    assert.equal(a.body.data.replayed.records, 3, 'the three held punches stored on approval');
    const rogue = 'CONTRACTROGUE1';
    const h = await raw(S.zk.port, 'GET', `/iclock/cdata?SN=${rogue}&options=all`);
    assert.equal(h.status, 200, `a pending handshake is answered: ${h.text}`);
    const l = expect(await S.c.call('listDevices', { token: tok('viewer'), query: { sn: rogue } }), 200);
    const rid = need(items(l)[0], 'the rogue terminal listed').id;
    expect(await S.c.call('rejectDevice', { params: { id }, token: admin() }), 409, 'an approved terminal');
    expect(await S.c.call('rejectDevice', { params: { id: rid }, token: need(S.tokens.viewer, 'viewer') }),
      403, 'a viewer');
    expect(await S.c.call('rejectDevice', { params: { id: rid } }), 401, 'no token');
    expect(await S.c.call('rejectDevice', { params: { id: NOSUCH }, token: admin() }), 404, 'unknown id');
    const rj = expect(await S.c.call('rejectDevice', { params: { id: rid }, token: admin() }), 200, 'reject');
    assert.equal(rj.body.data.admission, 'rejected');
    const h2 = await raw(S.zk.port, 'GET', `/iclock/cdata?SN=${rogue}&options=all`);
    assert.equal(h2.status, 403, 'a rejected terminal is refused');
    const p = expect(await S.c.call('updateDevice', { params: { id }, body: { pin_address: '10.0.0.0/8' },
      token: admin() }), 200, 'pin');
    assert.equal(p.body.data.pin_address, '10.0.0.0/8');
    const h3 = await raw(S.zk.port, 'GET', `/iclock/getrequest?SN=${PUSH_SN}`);
    assert.equal(h3.status, 403, 'a request from outside the pinned prefix');
    expect(await S.c.call('updateDevice', { params: { id }, body: { pin_address: '10.0.0.0/33' },
      token: admin() }), 400, 'a malformed prefix');
    expect(await S.c.call('updateDevice', { params: { id }, body: { pin_address: '127.0.0.1' },
      token: admin() }), 200, 'pin to loopback');
    const h4 = await raw(S.zk.port, 'GET', `/iclock/getrequest?SN=${PUSH_SN}`);
    assert.equal(h4.status, 200, 'a request from the pinned address');
    expect(await S.c.call('updateDevice', { params: { id }, body: { pin_address: '' }, token: admin() }),
      200, 'unpin');
  });
  await t.test('create 4370 terminals', async () => {
    const body = { name: 'Front door', ip: '127.0.0.1', port: S.emu.tcp.port, location: 'Lobby' };
    const r = expect(await S.c.call('createDevice', { body, token: admin() }), 201, 'plain terminal');
    assert.equal(r.body.data.transport, 'tcp4370');
    assert.equal(r.body.data.sn || r.body.data.serial_number, 'CONTRACTTCP01', 'serial read from the terminal');
    S.dev.tcp = r.body.data.id;
    const k = expect(await S.c.call('createDevice', {
      body: { name: 'Keyed', ip: '127.0.0.1', port: S.emu.key.port, password: KEY, location: 'Back' },
      token: admin(),
    }), 201, 'terminal with a comm key');
    S.dev.key = k.body.data.id;
    const s = expect(await S.c.call('createDevice', {
      body: { name: 'Slow', ip: '127.0.0.1', port: S.emu.slow.port, location: 'Store' }, token: admin(),
    }), 201, 'slow terminal');
    S.dev.slow = s.body.data.id;
  });
  await t.test('create: errors', async () => {
    expect(await S.c.call('createDevice', {
      body: { name: 'Again', ip: '127.0.0.1', port: S.emu.tcp.port }, token: admin(),
    }), 409, 'the same ip:port again');
    expect(await S.c.call('createDevice', {
      body: { name: 'Nobody', ip: '127.0.0.1', port: 1 }, token: admin(), timeout: 60000,
    }), 400, 'a terminal that does not answer');
    expect(await S.c.call('createDevice', { rawBody: '{"name":', token: admin() }), 400, 'malformed JSON');
    expect(await S.c.call('createDevice', { body: { name: 5, ip: '127.0.0.1', port: 'x' }, token: admin() }),
      400, 'wrong types');
    expect(await S.c.call('createDevice', { body: { name: 'No ip' }, token: admin() }), 400, 'missing ip');
    expect(await S.c.call('createDevice', { body: { name: 'x', ip: '127.0.0.1', port: 70000 },
      token: admin() }), 400, 'port out of range');
  });
  await t.test('list: paging and conditional GET', async () => {
    const v = tok('viewer');
    const r = expect(await S.c.call('listDevices', { token: v }), 200);
    assert.ok(items(r).length >= 4, `4 terminals listed: ${r.text.slice(0, 200)}`);
    let etag = r.headers.get('etag');
    assert.ok(etag, 'an ETag');
    // The list carries live fields (online, last_seen) that the fleet poller may change between two
    // requests; a changed list must come back as a 200 with a new ETag, an unchanged one as a 304.
    let cond = null;
    for (let i = 0; i < 10; i++) {
      cond = await S.c.call('listDevices', { token: v, headers: { 'If-None-Match': etag } });
      if (cond.status === 304) break;
      expect(cond, 200, 'If-None-Match on a list that changed');
      const fresh = cond.headers.get('etag');
      assert.ok(fresh && fresh !== etag, `a 200 to If-None-Match comes with a new ETag (${etag})`);
      etag = fresh;
    }
    expect(cond, 304, 'If-None-Match');
    const p1 = expect(await S.c.call('listDevices', { token: v, query: { limit: 2 } }), 200, 'limit 2');
    assert.equal(items(p1).length, 2);
    const next = p1.body.data.paging && p1.body.data.paging.next;
    assert.ok(next !== null && next !== undefined, 'a next cursor');
    const p2 = expect(await S.c.call('listDevices', { token: v, query: { limit: 2, after: next } }), 200);
    assert.ok(items(p2).length >= 1 && items(p2)[0].id !== items(p1)[0].id, 'the next page');
    expect(await S.c.call('listDevices', { token: v, query: { limit: 0 } }), 400, 'limit 0');
    expect(await S.c.call('listDevices', { token: v, query: { transport: 'carrier-pigeon' } }), 400,
      'an unknown transport');
  });
  await t.test('get, patch, put', async () => {
    const id = need(S.dev.tcp, 'the 4370 terminal');
    const g = expect(await S.c.call('getDevice', { params: { id }, token: tok('viewer') }), 200);
    assert.equal(g.body.data.id, id);
    expect(await S.c.call('getDevice', { params: { id: NOSUCH }, token: tok('viewer') }), 404, 'unknown id');
    expect(await S.c.call('getDevice', { params: { id: 'abc' }, token: tok('viewer') }), [400, 404],
      'not a number');
    const p = expect(await S.c.call('updateDevice', {
      params: { id }, body: { name: 'Front door (main)', location: 'Lobby 2' }, token: admin(),
    }), 200);
    assert.equal(p.body.data.name, 'Front door (main)');
    expect(await S.c.call('updateDevice', { params: { id }, rawBody: '{"name"', token: admin() }), 400,
      'malformed JSON');
    expect(await S.c.call('updateDevice', { params: { id }, body: { enabled: 'yes' }, token: admin() }), 400,
      'wrong type');
    expect(await S.c.call('updateDevice', { params: { id }, body: { ip: '127.0.0.1' }, token: admin() }), 400,
      'a field PATCH does not take');
    expect(await S.c.call('updateDevice', { params: { id: NOSUCH }, body: { name: 'x' }, token: admin() }),
      404, 'unknown id');
    expect(await S.c.call('updateDevicePut', { params: { id }, body: { location: 'Lobby' }, token: admin() }),
      200, 'PUT alias');
  });
  await t.test('status', async () => {
    const st = expect(await S.c.call('getDeviceStatus', { params: { id: need(S.dev.tcp, 'tcp') },
      token: tok('viewer') }), 200, '4370');
    assert.equal(st.body.data.id, S.dev.tcp);
    expect(await S.c.call('getDeviceStatus', { params: { id: need(S.dev.push, 'push') }, token: tok('viewer') }),
      200, 'PUSH');
    expect(await S.c.call('getDeviceStatus', { params: { id: NOSUCH }, token: tok('viewer') }), 404);
  });
  await t.test('info', async () => {
    const i = expect(await S.c.call('getDeviceInfo', { params: { id: need(S.dev.tcp, 'tcp') },
      token: tok('viewer') }), 200, 'live 4370');
    assert.equal(i.body.data.serial_number || i.body.data.sn, 'CONTRACTTCP01');
    expect(await S.c.call('getDeviceInfo', { params: { id: need(S.dev.key, 'keyed') },
      token: tok('viewer') }), 200, 'comm key terminal');
    expect(await S.c.call('getDeviceInfo', { params: { id: need(S.dev.push, 'push') },
      token: tok('viewer') }), 200, 'PUSH: the last report');
    expect(await S.c.call('getDeviceInfo', { params: { id: NOSUCH }, token: tok('viewer') }), 404);
  });
  await t.test('clock', async () => {
    expect(await S.c.call('syncDeviceTime', { params: { id: need(S.dev.tcp, 'tcp') },
      token: tok('operator') }), 200, '4370');
    expect(await S.c.call('syncDeviceTime', { params: { id: need(S.dev.push, 'push') },
      token: tok('operator') }), 202, 'PUSH');
    expect(await S.c.call('syncDeviceTime', { params: { id: NOSUCH }, token: tok('operator') }), 404);
  });
  await t.test('PUSH commands', async () => {
    const r = expect(await S.c.call('queueDeviceCommand', { params: { id: need(S.dev.push, 'push') },
      body: { command: 'INFO' }, token: admin() }), 201);
    assert.equal(r.body.data.status, 'queued');
    expect(await S.c.call('queueDeviceCommand', { params: { id: S.dev.push }, body: { command: 'Shell' },
      token: admin() }), 400, 'a command not allowed');
    expect(await S.c.call('queueDeviceCommand', { params: { id: S.dev.push }, rawBody: '[1]',
      token: admin() }), 400, 'not an object');
    expect(await S.c.call('queueDeviceCommand', { params: { id: NOSUCH }, body: { command: 'INFO' },
      token: admin() }), 404);
    const l = expect(await S.c.call('listCommands', { token: tok('viewer') }), 200, 'the queue');
    const etag = l.headers.get('etag');
    expect(await S.c.call('listCommands', { token: tok('viewer'), headers: { 'If-None-Match': etag || '"x"' } }),
      304, 'If-None-Match');
    expect(await S.c.call('listCommands', { token: tok('viewer'), query: { status: 'lost' } }), 400,
      'an unknown status');
  });
  await t.test('unlock and restart', async () => {
    const u = expect(await S.c.call('unlockDevice', { params: { id: need(S.dev.key, 'keyed') },
      body: { seconds: 5 }, token: admin() }), 200, '4370 unlock');
    assert.ok(u.body.data.audit_id > 0, 'an audit id');
    assert.equal(u.body.data.auto_lock_in, 5);
    expect(await S.c.call('unlockDevice', { params: { id: need(S.dev.push, 'push') }, token: admin() }),
      202, 'PUSH unlock');
    expect(await S.c.call('unlockDevice', { params: { id: S.dev.key }, body: { seconds: 'long' },
      token: admin() }), 400, 'a malformed duration');
    expect(await S.c.call('unlockDevice', { params: { id: NOSUCH }, token: admin() }), 404);
    expect(await S.c.call('restartDevice', { params: { id: S.dev.push }, token: admin() }), 202,
      'PUSH restart');
    expect(await S.c.call('restartDevice', { params: { id: NOSUCH }, token: admin() }), 404);
  });
});

test('users', async (t) => {
  await t.test('stored users', async () => {
    const r = expect(await S.c.call('listUsers', { token: tok('viewer') }), 200);
    const etag = r.headers.get('etag');
    expect(await S.c.call('listUsers', { token: tok('viewer'), headers: { 'If-None-Match': etag || '"x"' } }),
      304, 'If-None-Match');
    expect(await S.c.call('listUsers', { token: tok('viewer'), query: { limit: 'many' } }), 400, 'bad limit');
  });
  await t.test('on a terminal', async () => {
    const id = need(S.dev.tcp, 'tcp');
    const l = expect(await S.c.call('listDeviceUsers', { params: { id }, token: tok('viewer') }), 200, 'live list');
    assert.ok(items(l).length >= 5, `the emulator's 5 users: ${l.text.slice(0, 200)}`);
    expect(await S.c.call('listDeviceUsers', { params: { id: NOSUCH }, token: tok('viewer') }), 404);
    const op = tok('operator');
    const a = expect(await S.c.call('addDeviceUser', { params: { id },
      body: { user_id: '900', name: 'Contract User', privilege: 0 }, token: op }), 201, 'add');
    assert.equal(a.body.data.user_id, '900');
    expect(await S.c.call('addDeviceUser', { params: { id }, body: { user_id: '900', name: 'Again' }, token: op }),
      409, 'the same user id');
    expect(await S.c.call('addDeviceUser', { params: { id }, body: { name: 'no id' }, token: op }), 400,
      'missing user_id');
    expect(await S.c.call('addDeviceUser', { params: { id }, rawBody: '{"user_id":', token: op }), 400,
      'malformed JSON');
    expect(await S.c.call('addDeviceUser', { params: { id: NOSUCH }, body: { user_id: '1', name: 'x' },
      token: op }), 404);
    expect(await S.c.call('deleteDeviceUser', { params: { id, user_id: '900' }, token: op }), 200, 'delete');
    expect(await S.c.call('deleteDeviceUser', { params: { id, user_id: '900' }, token: op }), 404,
      'delete again');
    expect(await S.c.call('deleteDeviceUser', { params: { id: need(S.dev.push, 'push'), user_id: '7' },
      token: op }), 202, 'PUSH: queued');
  });
  await t.test('sync jobs', async () => {
    const op = tok('operator');
    const a = expect(await S.c.call('syncUsersToDb', { params: { id: need(S.dev.key, 'keyed') }, token: op }),
      202, 'to the database');
    S.jobs.push(a.body.data.job_id);
    const done = await waitJob(S.c, op, a.body.data.job_id);
    assert.equal(done && done.state, 'completed', `job ${JSON.stringify(done)}`);
    const b = expect(await S.c.call('syncUsersToDevice', { params: { id: S.dev.tcp }, token: op }), 202,
      'to the terminal');
    S.jobs.push(b.body.data.job_id);
    expect(await S.c.call('syncUsersToDb', { params: { id: NOSUCH }, token: op }), 404);
    expect(await S.c.call('syncUsersToDevice', { params: { id: NOSUCH }, token: op }), 404);
  });
});

test('attendance and jobs', async (t) => {
  await t.test('sync a 4370 terminal', async () => {
    const op = tok('operator');
    const r = expect(await S.c.call('syncAttendance', { params: { id: need(S.dev.tcp, 'tcp') }, token: op }),
      202);
    assert.equal(r.body.data.device_id, S.dev.tcp);
    S.jobs.push(r.body.data.job_id);
    const done = await waitJob(S.c, op, r.body.data.job_id);
    assert.equal(done && done.state, 'completed', `job ${JSON.stringify(done)}`);
    expect(await S.c.call('syncAttendance', { params: { id: NOSUCH }, token: op }), 404);
    const p = expect(await S.c.call('syncAttendance', { params: { id: need(S.dev.push, 'push') }, token: op }),
      202, 'PUSH: the LOG command');
    assert.equal(p.body.data.transport, 'push');
  });
  await t.test('list, one, summary', async () => {
    const v = tok('viewer');
    const all = expect(await S.c.call('listAttendance', { token: v, query: { limit: 1000 } }), 200);
    assert.ok(items(all).length >= 23, `PUSH and 4370 punches in one table: ${items(all).length}`);
    const etag = all.headers.get('etag');
    expect(await S.c.call('listAttendance', { token: v, query: { limit: 1000 },
      headers: { 'If-None-Match': etag || '"x"' } }), 304, 'If-None-Match');
    const push = expect(await S.c.call('listAttendance', { token: v, query: { device: S.dev.push } }), 200,
      'device filter');
    assert.equal(items(push).length, 3);
    const u = expect(await S.c.call('listAttendance', { token: v, query: { user: '7', from: '2026-01-05',
      to: '2026-01-05' } }), 200, 'user and dates');
    assert.equal(items(u).length, 2);
    S.punchId = items(all)[0] && items(all)[0].id;
    expect(await S.c.call('getPunch', { params: { id: need(S.punchId, 'a punch') }, token: v }), 200);
    expect(await S.c.call('getPunch', { params: { id: NOSUCH }, token: v }), 404);
    expect(await S.c.call('listAttendance', { token: v, query: { from: '05/01/2026' } }), 400, 'a bad date');
    expect(await S.c.call('listAttendance', { token: v, query: { after: -3 } }), 400, 'a bad cursor');
    const s = expect(await S.c.call('attendanceSummary', { token: v, query: { from: '2026-01-05',
      to: '2026-01-05', device: S.dev.push } }), 200, 'summary');
    const seven = items(s).find((x) => String(x.user_id) === '7');
    assert.ok(seven, `user 7 in the summary: ${s.text.slice(0, 300)}`);
    assert.equal(seven.punch_count, 2);
    assert.match(String(seven.first_in), /08:01/);
    assert.match(String(seven.last_out), /17:02/);
    expect(await S.c.call('attendanceSummary', { token: v, query: { to: 'tomorrow' } }), 400, 'a bad date');
  });
  await t.test('clear a terminal log', async () => {
    const r = expect(await S.c.call('clearAttendance', { params: { id: need(S.dev.tcp, 'tcp') },
      token: admin() }), 202);
    const done = await waitJob(S.c, admin(), r.body.data.job_id);
    assert.equal(done && done.state, 'completed', `job ${JSON.stringify(done)}`);
    expect(await S.c.call('clearAttendance', { params: { id: NOSUCH }, token: admin() }), 404);
    expect(await S.c.call('clearAttendance', { params: { id: need(S.dev.push, 'push') }, token: admin() }), 202,
      'PUSH: LOG then CLEAR LOG queued');
    expect(await S.c.call('syncUsersToDb', { params: { id: S.dev.push }, token: tok('operator') }), 202,
      'PUSH: DATA QUERY USERINFO queued');
    expect(await S.c.call('syncUsersToDevice', { params: { id: S.dev.push }, token: tok('operator') }), 400,
      'PUSH: receives its group\'s users by itself');
  });
  await t.test('jobs: list, get, cancel', async () => {
    const v = tok('viewer');
    const op = tok('operator');
    const l = expect(await S.c.call('listJobs', { token: v }), 200);
    assert.ok(items(l).length >= 1);
    const etag = l.headers.get('etag');
    expect(await S.c.call('listJobs', { token: v, headers: { 'If-None-Match': etag || '"x"' } }), 304,
      'If-None-Match');
    expect(await S.c.call('listJobs', { token: v, query: { state: 'sleeping' } }), 400, 'an unknown state');
    expect(await S.c.call('getJob', { params: { id: need(S.jobs[0], 'a job') }, token: v }), 200);
    expect(await S.c.call('getJob', { params: { id: NOSUCH }, token: v }), 404);
    expect(await S.c.call('getJob', { params: { id: 'abc' }, token: v }), 400, 'not an id');
    expect(await S.c.call('cancelJob', { params: { id: '-1' }, token: op }), 400, 'not an id');
    // a long sync (30,000 punches at 20 kB/s), cancelled while it waits or runs
    const a = expect(await S.c.call('syncAttendance', { params: { id: need(S.dev.slow, 'slow') }, token: op }),
      202, 'a long sync');
    const again = expect(await S.c.call('syncAttendance', { params: { id: S.dev.slow }, token: op }), 202,
      'the same sync again');
    assert.equal(again.body.data.job_id, a.body.data.job_id, 'a second request returns the queued job');
    await sleep(500);
    const c = expect(await S.c.call('cancelJob', { params: { id: a.body.data.job_id }, token: op }), 200,
      'DELETE cancels');
    assert.ok(c.body.data.state === 'cancelled' || c.body.data.cancel_requested === true, 'cancelled or asked to');
    const end = await waitJob(S.c, op, a.body.data.job_id);
    assert.equal(end && end.state, 'cancelled');
    expect(await S.c.call('cancelJob', { params: { id: a.body.data.job_id }, token: op }), 409, 'already ended');
    expect(await S.c.call('cancelJob', { params: { id: NOSUCH }, token: op }), 404);
    const b = expect(await S.c.call('syncUsersToDb', { params: { id: S.dev.slow }, token: op }), 202);
    expect(await S.c.call('cancelJobPost', { params: { id: b.body.data.job_id }, token: op }), [200, 409],
      'POST /cancel');
    expect(await S.c.call('cancelJobPost', { params: { id: S.jobs[0] }, token: op }), 409, 'already ended');
    expect(await S.c.call('cancelJobPost', { params: { id: NOSUCH }, token: op }), 404);
  });
  await t.test('queue stats', async () => {
    const r = expect(await S.c.call('queueStats', { token: tok('viewer') }), 200);
    assert.ok(r.body.data.total_jobs >= 4, `total_jobs ${r.body.data.total_jobs}`);
  });
});

test('cache and audit', async () => {
  expect(await S.c.call('clearCache', { token: admin() }), 200);
  const r = expect(await S.c.call('listAudit', { token: admin() }), 200);
  const actions = items(r).map((e) => e.action);
  for (const a of ['device.unlock', 'auth.register']) {
    assert.ok(actions.some((x) => String(x).startsWith(a.split('.')[0]) && String(x).includes(a.split('.')[1])),
      `audit has ${a}: ${actions.join(', ')}`);
  }
  const etag = r.headers.get('etag');
  expect(await S.c.call('listAudit', { token: admin(), headers: { 'If-None-Match': etag || '"x"' } }), 304);
  expect(await S.c.call('listAudit', { token: admin(), query: { limit: 5000 } }), 400, 'limit over 1000');
});

// inbound part (issue 16): the keys of the Frappe-style punch methods; the secret is shown once.
test('integration keys', async () => {
  const made = expect(await S.c.call('createIntegrationKey', { token: admin(), body: { name: 'contract' } }), 201);
  const key = made.body.data;
  assert.equal(key.api_secret.length, 43, 'a 43-character secret');
  assert.equal(key.state, 'active');
  expect(await S.c.call('createIntegrationKey', { token: admin(), body: { name: '' } }), 400, 'empty name');
  expect(await S.c.call('createIntegrationKey', { token: admin(), rawBody: '{"name":' }), 400, 'malformed JSON');
  const list = expect(await S.c.call('listIntegrationKeys', { token: admin(), query: { limit: 10 } }), 200);
  const listed = items(list).find((k) => k.id === key.id);
  assert.ok(listed && !('api_secret' in listed) && !('secret_hash' in listed), 'listed without a secret');
  const etag = list.headers.get('etag');
  expect(await S.c.call('listIntegrationKeys', {
    token: admin(), query: { limit: 10 }, headers: { 'If-None-Match': etag || '"x"' },
  }), 304);
  expect(await S.c.call('listIntegrationKeys', { token: admin(), query: { limit: 0 } }), 400, 'limit 0');
  const gone = expect(await S.c.call('revokeIntegrationKey', { token: admin(), params: { id: key.id } }), 200);
  assert.equal(gone.body.data.state, 'revoked');
  expect(await S.c.call('revokeIntegrationKey', { token: admin(), params: { id: key.id } }), 200, 'again');
  expect(await S.c.call('revokeIntegrationKey', { token: admin(), params: { id: NOSUCH } }), 404);
  const audit = expect(await S.c.call('listAudit', { token: admin(), query: { action: 'intkey.' } }), 200);
  const acts = items(audit).map((e) => e.action);
  assert.ok(acts.includes('intkey.create') && acts.includes('intkey.revoke'), `audit: ${acts.join(', ')}`);
});

// Conditional GET on single resources too: the ETag of a 200, sent back, gives 304 without a body.
// (Resources whose body moves by itself are left out: live info and status carry ages and session
// counters, queue stats a timestamp.)
test('conditional GET on single resources', async (t) => {
  const cases = [
    ['health', {}],
    ['authMe', { token: S.tokens.viewer || ADMIN_TOKEN }],
    ['getDevice', { params: { id: S.dev.push }, token: tok('viewer') }],
    ['getPunch', { params: { id: S.punchId }, token: tok('viewer') }],
    ['getJob', { params: { id: S.jobs[0] }, token: tok('viewer') }],
    ['attendanceSummary', { query: { from: '2026-01-05', to: '2026-01-05' }, token: tok('viewer') }],
    ['listDeviceUsers', { params: { id: S.dev.tcp }, token: tok('viewer') }],
  ];
  for (const [id, opts] of cases) {
    await t.test(id, async () => {
      for (const v of Object.values(opts.params || {})) need(v, `an id for ${id}`);
      // primed first: a terminal's users are read live once, then served from the cache with
      // another message ("... (cached)"), so the first two bodies, and ETags, differ
      await S.c.call(id, opts);
      const first = expect(await S.c.call(id, opts), 200);
      const etag = first.headers.get('etag');
      assert.ok(etag, 'an ETag');
      const again = expect(await S.c.call(id, { ...opts, headers: { 'If-None-Match': etag } }), 304);
      assert.equal(again.text, '', 'no body');
    });
  }
});

// issue 16, forwarding (wt-forward): targets and their outbox. The target is a loopback port
// nobody listens on, so deliveries fail and wait (pending), and the test call answers ok:false.
test('forwarders', async (t) => {
  const url = 'http://127.0.0.1:9/hook';
  let id = null;
  await t.test('create', async () => {
    const r = expect(await S.c.call('createForwarder', { token: admin(), body: {
      name: 'contract-hook', kind: 'webhook', url, settings: { secret: 'contract-secret-1', batch: 10 },
      filters: { devices: [PUSH_SN] }, backfill_since: '2020-01-01' } }), 201);
    id = r.body.data.id;
    assert.equal(r.body.data.settings.has_secret, true, 'has_secret');
    assert.ok(!('secret' in r.body.data.settings), 'the secret is never returned');
    assert.equal(r.body.data.source, 'api');
    expect(await S.c.call('createForwarder', { token: admin(), body: {
      name: 'contract-hook', kind: 'webhook', url, settings: { secret: 'x' } } }), 409, 'a taken name');
    expect(await S.c.call('createForwarder', { token: admin(), body: { name: 'x', kind: 'smtp', url } }),
      400, 'unknown kind');
    expect(await S.c.call('createForwarder', { token: admin(), body: {
      name: 'x', kind: 'webhook', url: 'ftp://127.0.0.1/', settings: { secret: 'x' } } }), 400, 'bad scheme');
    expect(await S.c.call('createForwarder', { token: admin(), body: {
      name: 'x', kind: 'erpnext-realtime', url, settings: { api_key: 'k', api_secret: 's',
        method_path: 'app.api', batch: 5000 } } }), 400, 'batch over 1000');
    expect(await S.c.call('createForwarder', { token: admin(), body: {
      name: 'x', kind: 'erpnext', url, settings: { api_key: 'k', api_secret: 's', tz: 'Asia/Kolkata' } } }),
    400, 'an IANA zone');
    expect(await S.c.call('createForwarder', { token: admin(), body: {
      name: 'x', kind: 'erpnext', url, settings: { api_key: 'k' } } }), 400, 'no api_secret');
    expect(await S.c.call('createForwarder', { token: admin(), rawBody: '{"name":' }), 400, 'malformed JSON');
  });
  await t.test('read', async () => {
    need(id, 'a forwarder');
    const l = expect(await S.c.call('listForwarders', { token: admin(), query: { limit: 10 } }), 200);
    assert.ok(items(l).some((f) => f.id === id), 'listed');
    expect(await S.c.call('listForwarders', { token: admin(), query: { limit: 0 } }), 400, 'limit 0');
    const g = expect(await S.c.call('getForwarder', { params: { id }, token: admin() }), 200);
    assert.deepEqual(g.body.data.filters.devices, [PUSH_SN]);
    expect(await S.c.call('getForwarder', { params: { id: NOSUCH }, token: admin() }), 404, 'unknown id');
  });
  await t.test('update', async () => {
    need(id, 'a forwarder');
    const r = expect(await S.c.call('updateForwarder', { params: { id }, token: admin(), body: {
      settings: { concurrency: 2, tz: '+05:30' }, filters: { sync_groups: ['default'] } } }), 200);
    assert.equal(r.body.data.settings.concurrency, 2);
    assert.equal(r.body.data.settings.has_secret, true, 'the secret is kept');
    assert.deepEqual(r.body.data.filters.sync_groups, ['default']);
    expect(await S.c.call('updateForwarder', { params: { id }, token: admin(), body: {
      settings: { concurrency: 65 } } }), 400, 'concurrency over 64');
    expect(await S.c.call('updateForwarder', { params: { id }, token: admin(), body: { color: 'red' } }),
      400, 'an unknown field');
    expect(await S.c.call('updateForwarder', { params: { id: NOSUCH }, token: admin(), body: {} }), 404);
  });
  await t.test('test call, pause, resume', async () => {
    need(id, 'a forwarder');
    const p = expect(await S.c.call('testForwarder', { params: { id }, token: admin() }), 200);
    assert.equal(p.body.data.ok, false, 'nobody listens');
    const s = expect(await S.c.call('pauseForwarder', { params: { id }, token: admin(),
      body: { reason: 'contract test' } }), 200);
    assert.equal(s.body.data.state, 'paused');
    assert.equal(s.body.data.paused_reason, 'contract test');
    expect(await S.c.call('pauseForwarder', { params: { id }, token: admin(), rawBody: '[' }), 400, 'bad body');
    const a = expect(await S.c.call('resumeForwarder', { params: { id }, token: admin() }), 200);
    assert.equal(a.body.data.state, 'active');
    expect(await S.c.call('resumeForwarder', { params: { id: NOSUCH }, token: admin() }), 404);
  });
  await t.test('outbox', async () => {
    need(id, 'a forwarder');
    expect(await S.c.call('listForwarderOutbox', { params: { id }, token: admin(),
      query: { state: 'pending', limit: 5 } }), 200);
    expect(await S.c.call('listForwarderOutbox', { params: { id }, token: admin(),
      query: { state: 'lost' } }), 400, 'unknown state');
    const q = expect(await S.c.call('requeueForwarderOutbox', { params: { id }, token: admin(),
      body: { ids: [NOSUCH] } }), 200);
    assert.equal(q.body.data.count, 0);
    expect(await S.c.call('requeueForwarderOutbox', { params: { id }, token: admin(),
      body: { ids: [1], state: 'parked' } }), 400, 'ids and state');
    expect(await S.c.call('requeueForwarderOutbox', { params: { id }, token: admin(),
      body: { state: 'pending' } }), 400, 'pending is not requeued');
    const d = expect(await S.c.call('dropForwarderOutbox', { params: { id }, token: admin(),
      body: { state: 'failed' } }), 200);
    assert.equal(d.body.data.count, 0);
    expect(await S.c.call('dropForwarderOutbox', { params: { id }, token: admin(), body: {} }), 400,
      'nothing selected');
  });
  await t.test('delete', async () => {
    need(id, 'a forwarder');
    expect(await S.c.call('deleteForwarder', { params: { id }, token: admin() }), 200);
    expect(await S.c.call('getForwarder', { params: { id }, token: admin() }), 404, 'gone');
    expect(await S.c.call('deleteForwarder', { params: { id }, token: admin() }), 404, 'again');
  });
});

// Every secured operation: 401 without a token and with a tampered one; 403 for each role below
// the operation's. The ids name nothing, so a missing role check cannot harm the data (it answers 404).
test('credentials and roles on every operation', async (t) => {
  const params = { id: NOSUCH, user_id: '424242' };
  const jwt = S.tokens.viewer || ADMIN_TOKEN;
  for (const [id, e] of S.contract.ops) {
    const role = e.op['x-zkbio-role'];
    if (role === 'public') continue;
    await t.test(`${id} (${role})`, async () => {
      const body = e.op.requestBody ? {} : undefined;
      expect(await S.c.call(id, { params, body }), 401, 'no token');
      expect(await S.c.call(id, { params, body, token: tamper(jwt) }), 401, 'tampered token');
      for (const lower of ['viewer', 'operator']) {
        if (ROLE_RANK[lower] >= ROLE_RANK[role]) continue;
        expect(await S.c.call(id, { params, body, token: need(S.tokens[lower], `${lower} token`) }), 403,
          `role ${lower}`);
      }
    });
  }
});

test('limits and a terminal that is down', async (t) => {
  await t.test('restart a 4370 terminal', async () => {
    expect(await S.c.call('restartDevice', { params: { id: need(S.dev.key, 'keyed') }, token: admin() }), 200);
  });
  await t.test('503 when the terminal does not answer', async () => {
    await stopProcess(S.emu.slow.proc);
    expect(await S.c.call('clearCache', { token: admin() }), 200);
    const id = need(S.dev.slow, 'slow');
    expect(await S.c.call('getDeviceInfo', { params: { id }, token: admin(), timeout: 60000 }),
      503, 'info');
    expect(await S.c.call('listDeviceUsers', { params: { id }, token: admin(),
      timeout: 60000 }), 503, 'users');
    expect(await S.c.call('unlockDevice', { params: { id }, token: admin(), timeout: 60000 }), 503, 'unlock');
  });
  await t.test('unlock: 10 a minute per terminal, then 429', async () => {
    const id = need(S.dev.tcp, 'tcp');
    let r;
    for (let i = 0; i < 12; i++) {
      // the admin token: an account of its own for the per-account limit, so the unlocks above
      // (made with the admin account) leave its window empty when accounts exist
      r = await S.c.call('unlockDevice', { params: { id }, body: { seconds: 1 }, token: ADMIN_TOKEN });
      if (r.status === 429) break;
      expect(r, 200, `unlock ${i + 1}`);
    }
    expect(r, 429, 'the 11th unlock in a minute');
    assert.ok(Number(r.headers.get('retry-after')) > 0, 'Retry-After');
  });
  await t.test('delete a terminal', async () => {
    const id = need(S.dev.slow, 'slow');
    expect(await S.c.call('deleteDevice', { params: { id }, token: admin() }), 200);
    expect(await S.c.call('getDevice', { params: { id }, token: admin() }), 404, 'gone');
    expect(await S.c.call('deleteDevice', { params: { id }, token: admin() }), 404, 'again');
  });
  await t.test('login: rate limited', async () => {
    let r;
    for (let i = 0; i < 40; i++) {
      r = await S.c.call('authLogin', { body: { email: 'viewer@contract.test', password: `wrong-password-${i}` } });
      if (r.status === 429) break;
      expect(r, 401, `attempt ${i + 1}`);
    }
    expect(r, 429, 'repeated failed logins');
    assert.ok(Number(r.headers.get('retry-after')) > 0, 'Retry-After');
  });
});

test('every operation was called, every answer fit the contract', () => {
  const lost = S.c.uncalled();
  assert.deepEqual(lost, [], `operations never called: ${lost.join(', ')}`);
  const health = S.c.seen.get('health');
  assert.ok(health && health.has(200), '/health answered 200');
  assert.deepEqual(S.c.problems, [], 'contract problems');
});

test('zkbiod stops cleanly (status 0, no sanitizer report)', async () => {
  for (const e of Object.values(S.emu || {})) if (e) await stopProcess(e.proc);
  assert.deepEqual(await stopZkbiod(S.zk), []);
});
