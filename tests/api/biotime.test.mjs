// SPDX-License-Identifier: Apache-2.0
// The contract test of the BioTime-compatible API (family B; docs/openapi/biotime.yaml), run by
// tests/api/run.sh biotime (meson test `api-biotime-contract`). zkbiod on 127.0.0.1 port 0 over a
// temporary SQLite database, one account and one PUSH terminal. Every operation of the document is
// called, with its happy path and some documented errors (401 without credentials, 404, 400); each
// answer's status must be one the operation documents and its body must validate against the schema of
// (operation, status) (Ajv, JSON Schema 2020-12). The last test fails when an operation was never called.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import SwaggerParser from '@apidevtools/swagger-parser';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import {
  ADMIN_TOKEN, SRC, addAccount, killAll, pushTerminal, removeDir, startZkbiod, stopZkbiod, tempDir,
} from './harness.mjs';

const DOC = join(SRC || '', 'docs', 'openapi', 'biotime.yaml');
const EMAIL = 'bt-contract@example.com';
const PASSWORD = 'bt-contract-password-1';
const ADMIN = `JWT ${ADMIN_TOKEN}`;
const S = { dir: null, zk: null, ops: new Map(), ajv: null, seen: new Map(), ids: {} };

before(async () => {
  const api = await SwaggerParser.dereference(DOC);
  for (const [path, item] of Object.entries(api.paths)) {
    for (const m of ['get', 'post', 'put', 'patch', 'delete']) {
      if (item[m]) S.ops.set(item[m].operationId, { path, method: m, op: item[m] });
    }
  }
  S.ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(S.ajv);
  S.dir = tempDir('biotime');
  const acc = addAccount(S.dir, EMAIL, 'admin', PASSWORD);
  assert.ok(acc.ok, acc.out);
  S.zk = await startZkbiod(S.dir);
});

after(async () => {
  if (S.zk) {
    const problems = await stopZkbiod(S.zk);
    if (problems.length) console.log(`# ${problems.join('\n# ')}`);
  }
  killAll();
  if (S.dir && !process.env.ZKBIO_KEEP) removeDir(S.dir);
});

// One call of a documented operation; the answer is judged against the document.
async function call(opId, { auth = ADMIN, id, body, query } = {}) {
  const e = S.ops.get(opId);
  assert.ok(e, `no operation ${opId}`);
  const headers = {};
  if (auth) headers.Authorization = auth;
  let payload;
  if (body !== undefined) {
    payload = JSON.stringify(body);
    headers['Content-Type'] = 'application/json';
  }
  let url = `http://127.0.0.1:${S.zk.port}${e.path.replace('{id}', String(id))}`;
  if (query) url += `?${new URLSearchParams(query).toString()}`;
  const res = await fetch(url, { method: e.method.toUpperCase(), headers, body: payload });
  const text = await res.text();
  if (!S.seen.has(opId)) S.seen.set(opId, new Set());
  S.seen.get(opId).add(res.status);
  const resp = e.op.responses[String(res.status)];
  assert.ok(resp, `${opId}: status ${res.status} is not documented: ${text.slice(0, 300)}`);
  if (!resp.content) return { status: res.status, body: null };
  const ctype = (res.headers.get('content-type') || '').split(';')[0].trim();
  const media = resp.content[ctype];
  assert.ok(media, `${opId} ${res.status}: Content-Type ${ctype} not documented`);
  const parsed = JSON.parse(text);
  const key = `${opId} ${res.status}`;
  const v = S.ajv.getSchema(key) || (S.ajv.addSchema(media.schema, key), S.ajv.getSchema(key));
  assert.ok(v(parsed), `${key}: ${JSON.stringify(v.errors).slice(0, 400)}: ${text.slice(0, 300)}`);
  return { status: res.status, body: parsed };
}

test('auth', async () => {
  const j = await call('btJwtTokenAuth', { auth: null, body: { username: EMAIL, password: PASSWORD } });
  assert.equal(j.status, 200);
  S.jwt = j.body.token;
  assert.equal((await call('btJwtTokenAuth', { auth: null, body: { username: EMAIL } })).status, 400);
  const t = await call('btTokenAuth', { auth: null, body: { username: EMAIL, password: PASSWORD } });
  assert.equal(t.status, 200);
  S.token = t.body.token;
  assert.equal((await call('btTokenAuth', { auth: null, body: {} })).status, 400);
  const r = await call('btJwtTokenRefresh', { auth: null, body: { token: S.jwt } });
  assert.equal(r.status, 200);
  assert.equal((await call('btJwtTokenRefresh', { auth: null, body: { token: 'x.y.z' } })).status, 400);
});

for (const [kind, Kind, code, name] of [
  ['departments', 'Department', 'dept_code', 'dept_name'],
  ['positions', 'Position', 'position_code', 'position_name'],
  ['areas', 'Area', 'area_code', 'area_name'],
]) {
  test(kind, async () => {
    const auth = `JWT ${S.jwt}`;
    const c = await call(`btCreate${Kind}`, { auth, body: { [code]: `C${kind}`, [name]: `N ${kind}` } });
    assert.equal(c.status, 201);
    const id = c.body.id;
    S.ids[kind] = id;
    assert.equal((await call(`btCreate${Kind}`, { auth, body: {} })).status, 400);
    assert.equal((await call(`btList${Kind}s`, { auth })).status, 200);
    assert.equal((await call(`btList${Kind}s`, { auth: null })).status, 401);
    assert.equal((await call(`btList${Kind}s`, { auth, query: { page: 999 } })).status, 404);
    assert.equal((await call(`btGet${Kind}`, { auth, id })).status, 200);
    assert.equal((await call(`btGet${Kind}`, { auth, id: 999999 })).status, 404);
    assert.equal((await call(`btPatch${Kind}`, { auth, id, body: { [name]: `P ${kind}` } })).status, 200);
    assert.equal((await call(`btPut${Kind}`, { auth, id, body: { [code]: `C${kind}`, [name]: `U ${kind}` } })).status, 200);
    const d = await call(`btCreate${Kind}`, { auth, body: { [code]: `D${kind}`, [name]: `D ${kind}` } });
    assert.equal((await call(`btDelete${Kind}`, { auth, id: d.body.id })).status, 204);
    assert.equal((await call(`btDelete${Kind}`, { auth, id: 999999 })).status, 404);
  });
}

test('employees', async () => {
  const auth = `Token ${S.token}`;
  const body = { emp_code: '7001', first_name: 'Ada', department: S.ids.departments, area: [S.ids.areas] };
  const c = await call('btCreateEmployee', { auth, body });
  assert.equal(c.status, 201);
  const id = c.body.id;
  assert.equal((await call('btCreateEmployee', { auth, body })).status, 400);
  assert.equal((await call('btListEmployees', { auth })).status, 200);
  assert.equal((await call('btListEmployees', { auth: null })).status, 401);
  assert.equal((await call('btGetEmployee', { auth, id })).status, 200);
  assert.equal((await call('btGetEmployee', { auth, id: 999999 })).status, 404);
  assert.equal((await call('btPatchEmployee', { auth, id, body: { last_name: 'Lovelace' } })).status, 200);
  assert.equal((await call('btPutEmployee', { auth, id, body: { ...body, last_name: 'L' } })).status, 200);
  assert.equal((await call('btAdjustEmployeesArea', { auth, body: { employees: [id], areas: [S.ids.areas] } })).status, 200);
  assert.equal((await call('btAdjustEmployeesArea', { auth, body: {} })).status, 400);
  assert.equal((await call('btAdjustEmployeesDepartment', { auth, body: { employees: [id], department: S.ids.departments } })).status, 200);
  assert.equal((await call('btAdjustEmployeesPosition', { auth, body: { employees: [id], position: S.ids.positions } })).status, 200);
  const d = await call('btCreateEmployee', { auth, body: { ...body, emp_code: '7002' } });
  assert.equal((await call('btDeleteEmployee', { auth, id: d.body.id })).status, 204);
  assert.equal((await call('btDeleteEmployee', { auth, id: 999999 })).status, 404);
});

test('terminals and transactions', async () => {
  const p = await pushTerminal(S.zk.port, 'BTCONTRACT1', [{ pin: '7001', time: '2026-03-02 08:59:41' }]);
  assert.equal(p.upload.status, 200);
  const l = await call('btListTerminals', {});
  assert.equal(l.status, 200);
  const tid = l.body.data[0].id;
  assert.equal((await call('btListTerminals', { auth: null })).status, 401);
  assert.equal((await call('btGetTerminal', { id: tid })).status, 200);
  assert.equal((await call('btGetTerminal', { id: 999999 })).status, 404);
  assert.equal((await call('btPatchTerminal', { id: tid, body: { alias: 'Gate' } })).status, 200);
  assert.equal((await call('btPutTerminal', { id: tid, body: { alias: 'Gate 2', area: S.ids.areas } })).status, 200);
  const c = await call('btCreateTransaction', { body: { emp_code: '7001', punch_time: '2026-03-02 09:00:00' } });
  assert.equal(c.status, 201);
  assert.equal((await call('btCreateTransaction', { body: { emp_code: '7001', punch_time: '2026-03-02 09:00:00' } })).status, 200);
  assert.equal((await call('btCreateTransaction', { body: {} })).status, 400);
  const tl = await call('btListTransactions', {});
  assert.equal(tl.status, 200);
  assert.ok(tl.body.count >= 1);
  assert.equal((await call('btListTransactions', { auth: null })).status, 401);
  assert.equal((await call('btGetTransaction', { id: c.body.id })).status, 200);
  assert.equal((await call('btGetTransaction', { id: 999999 })).status, 404);
  assert.equal((await call('btDeleteTransaction', { id: c.body.id })).status, 204);
  assert.equal((await call('btDeleteTransaction', { id: c.body.id })).status, 404);
});

test('every operation was called', () => {
  const lost = [...S.ops.keys()].filter((id) => !S.seen.has(id));
  assert.deepEqual(lost, [], `operations never called: ${lost.join(', ')}`);
});
