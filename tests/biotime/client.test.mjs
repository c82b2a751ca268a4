// SPDX-License-Identifier: Apache-2.0
// A BioTime client, written from BioTime's published API (its 8.x API docs and manuals as the shared
// reference integrations.md §1 summarises them) the way integrators write theirs (Node + axios), run
// against zkbiod's BioTime-compatible API: it signs in on both token routes, creates a department, an
// area (the sync group of a running `zkbio push-sim` terminal) and employees, sees the employees reach
// the simulated terminal, posts transactions (which a webhook forwarding target receives, as any
// punch), and pulls them back across pages (following `next` verbatim) and through the documented
// filters. Nothing here knows zkbiod's internals except how to start it, add the 4370 terminal,
// put the PUSH terminal in the area and set up the webhook (/api/v1, as an operator would).
//
// Environment (tests/biotime/meson.build through run.sh): ZKBIOD, ZKBIO (the built binaries);
// ZKBIO_KEEP=1 keeps the temporary directory.
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import axios from 'axios';

const ZKBIOD = process.env.ZKBIOD;
const ZKBIO = process.env.ZKBIO;
const ADMIN_TOKEN = 'biotime-client-admin-token-0123456789';
const EMAIL = 'integrator@example.com';
const PASSWORD = 'integrator-password-1';
const SN = 'BTSIM0001';
const EMPLOYEES = [
  { emp_code: '5001', first_name: 'Ada', last_name: 'Lovelace' },
  { emp_code: '5002', first_name: 'Grace', last_name: 'Hopper' },
  { emp_code: '5003', first_name: 'Alan', last_name: 'Turing' },
];

const sleep = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });
const children = [];
process.on('exit', () => children.forEach((c) => c.exitCode === null && c.kill('SIGKILL')));

let dir;
let base;
let zkbiod;
let sim;
let simOut = '';
let zkbiodLog = '';

async function startZkbiod() {
  const tokenFile = join(dir, 'admin-token');
  writeFileSync(tokenFile, `${ADMIN_TOKEN}\n`, { mode: 0o600 });
  const pw = join(dir, 'pw');
  writeFileSync(pw, `${PASSWORD}\n`, { mode: 0o600 });
  const add = spawnSync(ZKBIOD, ['user', 'add', '--email', EMAIL, '--username', 'integrator',
    '--role', 'operator', '--password-file', pw, '--data-dir', dir], { encoding: 'utf8' });
  assert.equal(add.status, 0, `zkbiod user add: ${add.stdout}${add.stderr}`);
  const portFile = join(dir, 'zkbiod.ports');
  zkbiod = spawn(ZKBIOD, ['--data-dir', dir, '--listen', '127.0.0.1:0', '--service-listen', 'off',
    '--admin-token-file', tokenFile, '--port-file', portFile, '--admission', 'auto',
    '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(zkbiod);
  zkbiod.stdout.on('data', (d) => { zkbiodLog += d; });
  zkbiod.stderr.on('data', (d) => { zkbiodLog += d; });
  for (let i = 0; i < 400 && !existsSync(portFile); i++) await sleep(50);
  const m = /^listen\s+(\d+)/m.exec(readFileSync(portFile, 'utf8'));
  base = `http://127.0.0.1:${m[1]}`;
}

// The simulated terminal: polls every 200 ms until SIGINT, then prints its tables as JSON.
function startSim() {
  sim = spawn(ZKBIO, ['push-sim', '--url', base, '--sn', SN, '--polls', '0', '--delay-ms', '200',
    '--dump-json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(sim);
  sim.stdout.on('data', (d) => { simOut += d; });
  sim.stderr.on('data', () => {});
}

async function stopSim() {
  const done = new Promise((resolve) => { sim.on('exit', resolve); });
  sim.kill('SIGINT');
  await done;
  return JSON.parse(simOut);
}

before(async () => {
  assert.ok(ZKBIOD && ZKBIO, 'ZKBIOD and ZKBIO must be set');
  dir = mkdtempSync(join(tmpdir(), 'zkbio-btclient-'));
  await startZkbiod();
  startSim();
});

after(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  if (!process.env.ZKBIO_KEEP) rmSync(dir, { recursive: true, force: true });
});

// ---- the client, as an integrator writes it -----------------------------------------------------

class BioTime {
  constructor(url) {
    this.http = axios.create({ baseURL: url, timeout: 20000, validateStatus: () => true });
    this.jwt = null;
    this.token = null;
  }

  // 8.x: POST /jwt-api-token-auth/ {username, password} -> {token}; header "JWT <token>".
  async loginJwt(username, password) {
    const r = await this.http.post('/jwt-api-token-auth/', { username, password });
    if (r.status !== 200) return r;
    this.jwt = r.data.token;
    return r;
  }

  // 8.x/9.x: POST /api-token-auth/ (a form body here, as fetch + URLSearchParams sends it) -> {token};
  // header "Token <token>".
  async loginToken(username, password) {
    const r = await this.http.post('/api-token-auth/', new URLSearchParams({ username, password }));
    if (r.status !== 200) return r;
    this.token = r.data.token;
    return r;
  }

  // Reads with JWT, writes with Token (as one Laravel client does).
  get(path, params) {
    return this.http.get(path, { params, headers: { Authorization: `JWT ${this.jwt}` } });
  }

  getUrl(url) { // a `next` link, verbatim
    return axios.get(url, { timeout: 20000, validateStatus: () => true,
      headers: { Authorization: `JWT ${this.jwt}` } });
  }

  post(path, body) {
    return this.http.post(path, body, { headers: { Authorization: `Token ${this.token}` } });
  }

  // Every row of a list: follow `next` until null.
  async all(path, params) {
    const rows = [];
    let r = await this.get(path, params);
    let pages = 0;
    for (;;) {
      assert.equal(r.status, 200, `${path}: ${JSON.stringify(r.data)}`);
      assert.equal(r.data.code, 0);
      rows.push(...r.data.data);
      pages += 1;
      if (!r.data.next) break;
      r = await this.getUrl(r.data.next);
    }
    return { rows, pages, count: r.data.count };
  }
}

const bt = () => new BioTime(base);
let client;
let deptId;
let areaId;
const empIds = {};
const posted = [];

test('both token routes sign in; bad credentials are 400 non_field_errors; a bad token 401', async () => {
  client = bt();
  const bad = await client.loginJwt('integrator', 'wrong-password');
  assert.equal(bad.status, 400);
  assert.ok(Array.isArray(bad.data.non_field_errors));
  assert.equal((await client.loginJwt(EMAIL, PASSWORD)).status, 200);
  assert.match(client.jwt, /^[\w-]+\.[\w-]+\.[\w-]+$/);
  assert.equal((await client.loginToken('integrator', PASSWORD)).status, 200);
  assert.match(client.token, /^[0-9a-f]{40}$/);
  const r = await client.http.get('/iclock/api/terminals/', { headers: { Authorization: 'JWT x.y.z' } });
  assert.equal(r.status, 401);
  assert.equal(typeof r.data.detail, 'string');
});

test('the simulated terminal is listed, online', async () => {
  let t;
  for (let i = 0; i < 100 && !t; i++) {
    const r = await client.get('/iclock/api/terminals/', { sn: SN });
    assert.equal(r.status, 200);
    [t] = r.data.data;
    if (!t) await sleep(100);
  }
  assert.ok(t, 'the terminal registered');
  assert.equal(t.sn, SN);
  assert.equal(t.state, 1);
  assert.equal(typeof t.id, 'number');
});

test('a 4370 terminal (zkbio emulate, added through /api/v1) is listed next to the PUSH one', async () => {
  const emu = spawn(ZKBIO, ['emulate', '--port', '0', '--seconds', '300'], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(emu);
  let out = '';
  emu.stdout.on('data', (d) => { out += d; });
  emu.stderr.on('data', (d) => { out += d; });
  let port;
  for (let i = 0; i < 200 && !port; i++) {
    const m = /listening on [^\s]*:(\d+)/.exec(out);
    if (m) port = Number(m[1]); else await sleep(50);
  }
  assert.ok(port, `zkbio emulate: ${out}`);
  const add = await axios.post(`${base}/api/v1/devices`, { name: 'Gate 4370', ip: '127.0.0.1', port },
    { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` }, validateStatus: () => true });
  assert.equal(add.status, 201, JSON.stringify(add.data));
  let t;
  for (let i = 0; i < 100; i++) {
    [t] = (await client.get('/iclock/api/terminals/', { alias: 'Gate 4370' })).data.data;
    if (t && t.state === 1) break;
    await sleep(100);
  }
  assert.ok(t, 'the 4370 terminal is listed');
  assert.equal(t.transport, 'tcp4370');
  assert.equal(t.state, 1);
  assert.equal(t.push_time, null);
  const all = await client.get('/iclock/api/terminals/', { ordering: 'id' });
  assert.equal(all.data.count, 2);
  const one = await client.get(`/iclock/api/terminals/${t.id}/`);
  assert.equal(one.status, 200);
  assert.equal(one.data.alias, 'Gate 4370');
});

test('a department and an area (the terminal\'s sync group)', async () => {
  let r = await client.post('/personnel/api/departments/', { dept_code: 'OPS', dept_name: 'Operations' });
  assert.equal(r.status, 201, JSON.stringify(r.data));
  deptId = r.data.id;
  r = await client.post('/personnel/api/areas/', { area_code: 'site-a', area_name: 'Site A' });
  assert.equal(r.status, 201, JSON.stringify(r.data));
  areaId = r.data.id;
  // the operator puts the terminal into the area's group (zkbiod's /api/v1: BioTime's terminal
  // writes are not served)
  const t = (await client.get('/iclock/api/terminals/', { sn: SN })).data.data[0];
  const p = await axios.patch(`${base}/api/v1/devices/${t.id}`, { sync_group: 'site-a' },
    { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` }, validateStatus: () => true });
  assert.equal(p.status, 200, JSON.stringify(p.data));
  r = await client.get('/iclock/api/terminals/', { area: areaId });
  assert.equal(r.data.count, 1);
  assert.equal(r.data.data[0].area.area_code, 'site-a');
});

test('employees are created (and a duplicate emp_code is refused in Django\'s words)', async () => {
  for (const e of EMPLOYEES) {
    const r = await client.post('/personnel/api/employees/',
      { ...e, department: deptId, area: [areaId] });
    assert.equal(r.status, 201, JSON.stringify(r.data));
    assert.equal(r.data.emp_code, e.emp_code);
    empIds[e.emp_code] = r.data.id;
  }
  const dup = await client.post('/personnel/api/employees/',
    { emp_code: '5001', department: deptId, area: [areaId] });
  assert.equal(dup.status, 400);
  assert.deepEqual(dup.data.emp_code, ['employee with this emp code already exists.']);
  const list = await client.all('/personnel/api/employees/', { emp_code_icontains: '500', page_size: 2 });
  assert.equal(list.count, 3);
  assert.equal(list.pages, 2);
  assert.equal(list.rows[0].department.dept_name, 'Operations');
});

// A webhook target (zkbiod's forwarding, /api/v1/forwarders): posted transactions are forwarded like
// any punch (the schema-6 trigger queues them in the transaction that stores them).
const hooked = new Map(); // attendance id -> webhook punch
const received = new Map(); // attendance id -> deliveries
let hook;

test('a webhook forwarding target receives what is stored', async () => {
  hook = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      try {
        for (const p of JSON.parse(body).punches || []) {
          hooked.set(p.id, p);
          received.set(p.id, (received.get(p.id) || 0) + 1);
        }
      } catch { /* counted as missing below */ }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise((resolve) => { hook.listen(0, '127.0.0.1', resolve); });
  const r = await axios.post(`${base}/api/v1/forwarders`, {
    name: 'biotime-hook', kind: 'webhook', url: `http://127.0.0.1:${hook.address().port}/punches`,
    settings: { secret: 'biotime-client-webhook-secret' },
  }, { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` }, validateStatus: () => true });
  assert.equal(r.status, 201, JSON.stringify(r.data));
});

test('transactions posted for the terminal', async () => {
  // three days, each employee in and out; a retry of one post must not double it
  for (let day = 1; day <= 3; day++) {
    for (const [i, e] of EMPLOYEES.entries()) {
      for (const [state, hour] of [['0', 8 + i], ['1', 17 + i]]) {
        const body = { emp_code: e.emp_code, punch_time: `2026-04-0${day} ${String(hour).padStart(2, '0')}:0${i}:00`,
          punch_state: state, verify_type: 1, terminal_sn: SN, work_code: '' };
        const r = await client.post('/iclock/api/transactions/', body);
        assert.equal(r.status, 201, JSON.stringify(r.data));
        assert.equal(r.data.punch_state, state);
        assert.equal(r.data.emp, empIds[e.emp_code]);
        posted.push(r.data.id);
      }
    }
  }
  const again = await client.post('/iclock/api/transactions/',
    { emp_code: '5001', punch_time: '2026-04-01 08:00:00', punch_state: '0', verify_type: 1, terminal_sn: SN });
  assert.equal(again.status, 200);
  assert.equal(again.data.id, posted[0]);
});

test('the posted transactions reached the webhook, once each', async () => {
  for (let i = 0; i < 200 && posted.some((id) => !hooked.has(id)); i++) await sleep(100);
  const missing = posted.filter((id) => !hooked.has(id));
  assert.deepEqual(missing, [], 'every posted transaction forwarded');
  assert.ok([...received.values()].every((n) => n === 1), 'each delivered once (no failure to retry)');
  const one = hooked.get(posted[0]);
  assert.equal(one.sn, SN);
  assert.equal(one.pin, '5001');
  assert.equal(one.time, '2026-04-01 08:00:00');
  hook.close();
});

test('pulled back across pages, following next verbatim, and through the filters', async () => {
  const all = await client.all('/iclock/api/transactions/', { terminal_sn: SN, page_size: 4 });
  assert.equal(all.count, 18);
  assert.equal(all.pages, 5);
  assert.deepEqual(all.rows.map((t) => t.id).sort((a, b) => a - b), [...posted].sort((a, b) => a - b));
  const first = all.rows[0];
  assert.equal(typeof first.punch_state, 'string');
  assert.equal(typeof first.verify_type, 'number');
  assert.equal(first.verify_type_display, 'Fingerprint');
  assert.ok(['Check In', 'Check Out'].includes(first.punch_state_display));
  assert.equal(first.department, 'Operations');
  assert.equal(first.area_alias, 'Site A');
  assert.match(first.upload_time, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);

  // 9.x spells the page size `limit`
  const nine = await client.all('/iclock/api/transactions/', { terminal_sn: SN, limit: 5 });
  assert.equal(nine.pages, 4);
  assert.equal(nine.rows.length, 18);

  let r = await client.get('/iclock/api/transactions/', { emp_code: '5002', page_size: 50 });
  assert.equal(r.data.count, 6);
  assert.ok(r.data.data.every((t) => t.emp_code === '5002' && t.first_name === 'Grace'));

  r = await client.get('/iclock/api/transactions/', { emp: empIds['5003'] });
  assert.equal(r.data.count, 6);

  // a day, inclusive at both ends, as BioTime's example writes it
  r = await client.get('/iclock/api/transactions/',
    { start_time: '2026-04-02 08:00:00', end_time: '2026-04-02 19:02:00', terminal_sn: SN, page_size: 50 });
  assert.equal(r.data.count, 6);
  r = await client.get('/iclock/api/transactions/', { start_time: '2026-04-03', end_time: '2026-04-03' });
  assert.equal(r.data.count, 6);
  r = await client.get('/iclock/api/transactions/', { start_time: 'not a time' });
  assert.equal(r.status, 200);
  assert.equal(r.data.count, 0);

  // an export the lossless way: ordered by punch_time,id
  const exp = await client.all('/iclock/api/transactions/',
    { terminal_sn_icontains: 'btsim', ordering: 'punch_time,id', page_size: 7 });
  const times = exp.rows.map((t) => t.punch_time);
  assert.deepEqual(times, [...times].sort());
  // the newest first (of this terminal: the 4370 emulator's punches are pulled at their own pace
  // and may be stored after the ones posted here)
  r = await client.get('/iclock/api/transactions/', { ordering: '-id', page_size: 1, terminal_sn: SN });
  assert.equal(r.data.data[0].id, Math.max(...posted));
  // an operator may post but not delete (admin): DRF's 403
  const del = await client.http.delete(`/iclock/api/transactions/${posted[0]}/`,
    { headers: { Authorization: `Token ${client.token}` } });
  assert.equal(del.status, 403);
  assert.equal(typeof del.data.detail, 'string');
  // past the last page: DRF's 404
  r = await client.get('/iclock/api/transactions/', { page: 99, page_size: 10, terminal_sn: SN });
  assert.equal(r.status, 404);
  assert.equal(r.data.detail, 'Invalid page.');
});

test('the employees reached the simulated terminal', async () => {
  // until the terminal has taken and answered every command queued for it (at most 30 s)
  const pending = async (status) => {
    const r = await axios.get(`${base}/api/v1/commands`, { params: { sn: SN, status, limit: 1 },
      headers: { Authorization: `Bearer ${ADMIN_TOKEN}` }, validateStatus: () => true });
    assert.equal(r.status, 200, JSON.stringify(r.data));
    return r.data.data.items.length;
  };
  for (let i = 0; i < 150 && ((await pending('queued')) || (await pending('sent'))); i++) await sleep(200);
  await sleep(500);
  const tables = await stopSim();
  const users = tables.users || tables.user || [];
  const pins = new Set(users.map((u) => String(u.pin ?? u.PIN)));
  for (const e of EMPLOYEES) assert.ok(pins.has(e.emp_code), `${e.emp_code} on the terminal: ${JSON.stringify(users)}`);
  const ada = users.find((u) => String(u.pin ?? u.PIN) === '5001');
  assert.match(String(ada.name ?? ada.Name), /Ada Lovelace/);
});

test('zkbiod stops cleanly, its log without a sanitizer report', async () => {
  const done = new Promise((resolve) => { zkbiod.once('exit', (code, signal) => resolve({ code, signal })); });
  zkbiod.kill('SIGTERM');
  const r = await done;
  assert.equal(r.code, 0, `zkbiod exited with ${r.code} ${r.signal}: ${zkbiodLog.slice(-2000)}`);
  assert.doesNotMatch(zkbiodLog, /ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:/);
});
