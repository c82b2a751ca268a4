// SPDX-License-Identifier: Apache-2.0
// The contract test of the inbound Frappe-style methods (family R; docs/openapi/frappe.yaml), run by
// tests/api/run.sh frappe (meson test `api-frappe-contract`). zkbiod on 127.0.0.1 port 0 over a
// temporary SQLite database; an integration key made through /api/v1/integration-keys. Every operation
// of the document is called, with its happy path and its documented errors (400 validation_error and a
// duplicate, 403 without a key, 401 with a wrong and with a revoked key, 413, 417 malformed JSON, 429 past the
// failure limit); each answer's status must be one the operation documents and its body must validate
// against the schema of (operation, status) (Ajv, JSON Schema 2020-12). The last test fails when an
// operation was never called.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import SwaggerParser from '@apidevtools/swagger-parser';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import {
  ADMIN_TOKEN, SRC, killAll, removeDir, startZkbiod, stopZkbiod, tempDir,
} from './harness.mjs';

const DOC = join(SRC || '', 'docs', 'openapi', 'frappe.yaml');
const APP = 'phr.phr.api.biometric_realtime_sync';
const S = { dir: null, zk: null, ops: new Map(), ajv: null, seen: new Map(), key: null, revoked: null };

before(async () => {
  const api = await SwaggerParser.dereference(DOC);
  for (const [path, item] of Object.entries(api.paths)) {
    for (const m of ['get', 'post']) if (item[m]) S.ops.set(item[m].operationId, { path, method: m, op: item[m] });
  }
  S.ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(S.ajv);
  S.dir = tempDir('frappe');
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

function base() {
  return `http://127.0.0.1:${S.zk.port}`;
}

async function admin(method, path, body) {
  const res = await fetch(`${base()}${path}`, {
    method,
    headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

// One call of a documented operation; the answer is judged against the document.
async function call(opId, { auth, body, rawBody, form, app = APP } = {}) {
  const e = S.ops.get(opId);
  assert.ok(e, `no operation ${opId}`);
  const headers = {};
  if (auth) headers.Authorization = auth;
  let payload;
  if (form) {
    payload = new URLSearchParams(form).toString();
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
  } else if (rawBody !== undefined || body !== undefined) {
    payload = rawBody !== undefined ? rawBody : JSON.stringify(body);
    headers['Content-Type'] = 'application/json';
  }
  const url = `${base()}${e.path.replace('{app_path}', app)}`;
  const res = await fetch(url, { method: e.method.toUpperCase(), headers, body: payload });
  const text = await res.text();
  if (!S.seen.has(opId)) S.seen.set(opId, new Set());
  S.seen.get(opId).add(res.status);
  const resp = e.op.responses[String(res.status)];
  assert.ok(resp, `${opId}: status ${res.status} is not documented: ${text.slice(0, 300)}`);
  const ctype = (res.headers.get('content-type') || '').split(';')[0].trim();
  const media = (resp.content || {})[ctype];
  assert.ok(media, `${opId} ${res.status}: Content-Type ${ctype} not documented`);
  const parsed = JSON.parse(text);
  const key = `${opId} ${res.status}`;
  const v = S.ajv.getSchema(key) || (S.ajv.addSchema(media.schema, key), S.ajv.getSchema(key));
  assert.ok(v(parsed), `${key}: ${JSON.stringify(v.errors).slice(0, 400)}: ${text.slice(0, 300)}`);
  for (const h of Object.keys(resp.headers || {})) {
    assert.ok(res.headers.get(h), `${key}: header ${h} documented but missing`);
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

// _server_messages decoded twice.
function messages(body) {
  return JSON.parse(body._server_messages || '[]').map((m) => JSON.parse(m).message);
}

test('a key', async () => {
  const k = await admin('POST', '/api/v1/integration-keys', { name: 'frappe contract' });
  assert.equal(k.status, 201);
  S.key = `token ${k.body.data.api_key}:${k.body.data.api_secret}`;
  const r = await admin('POST', '/api/v1/integration-keys', { name: 'to revoke' });
  S.revoked = `token ${r.body.data.api_key}:${r.body.data.api_secret}`;
  assert.equal((await admin('DELETE', `/api/v1/integration-keys/${r.body.data.id}`)).status, 200);
});

test('test_connection', async () => {
  for (const op of ['testConnection', 'testConnectionGet']) {
    const r = await call(op, { auth: S.key });
    assert.equal(r.status, 200);
    assert.equal(r.body.message.message, 'Connection successful');
    assert.equal((await call(op, {})).status, 403);
    assert.equal((await call(op, { auth: S.revoked })).status, 401);
  }
  const basic = `Basic ${Buffer.from(S.key.slice(6)).toString('base64')}`;
  assert.equal((await call('testConnection', { auth: basic, app: 'hrms.api' })).status, 200);
});

test('receive_attendance_log', async () => {
  const log = { employee_id: '501', timestamp: '2025-01-27 14:30:00', device_id: 'CONTRACT-1', log_type: 'IN' };
  const r = await call('receiveAttendanceLog', { auth: S.key, body: log });
  assert.equal(r.status, 200);
  assert.equal(r.body.message.employee, '501');
  const dup = await call('receiveAttendanceLog', { auth: S.key, body: log });
  assert.equal(dup.status, 400);
  assert.match(dup.body.message.error, /already has a log with the same timestamp/);
  assert.match(messages(dup.body)[0], /already has a log/);
  const form = await call('receiveAttendanceLog', {
    auth: S.key, form: { employee_id: '502', timestamp: '2025-01-27T14:31:00+03:00', device_id: 'CONTRACT-1' },
  });
  assert.equal(form.status, 200);
  assert.equal((await call('receiveAttendanceLog', { auth: S.key, body: {} })).status, 400);
  assert.equal((await call('receiveAttendanceLog', { auth: S.key, rawBody: '{"employee_id":' })).status, 417);
  assert.equal((await call('receiveAttendanceLog', { auth: S.key, rawBody: '[1]' })).status, 417);
  assert.equal((await call('receiveAttendanceLog', { auth: S.revoked, body: log })).status, 401);
  assert.equal((await call('receiveAttendanceLog', { body: log })).status, 403);
  const big = `{"x":"${'a'.repeat(4 * 1024 * 1024)}"}`;
  assert.equal((await call('receiveAttendanceLog', { auth: S.key, rawBody: big })).status, 413);
});

test('receive_bulk_attendance_logs', async () => {
  const logs = Array.from({ length: 1000 }, (_, i) => ({
    employee_id: String(1000 + i), timestamp: `2025-02-01 08:${String(i % 60).padStart(2, '0')}:00`,
    device_id: 'CONTRACT-2', log_type: i % 2 ? 'OUT' : 'IN',
  }));
  const r = await call('receiveBulkAttendanceLogs', { auth: S.key, body: { logs } });
  assert.equal(r.status, 200);
  assert.equal(r.body.message.processed, 1000);
  const again = await call('receiveBulkAttendanceLogs', { auth: S.key, body: { logs: [...logs.slice(0, 2), { x: 1 }] } });
  assert.equal(again.body.message.failed, 3);
  assert.equal(messages(again.body).length, 3);
  const over = await call('receiveBulkAttendanceLogs', { auth: S.key, body: { logs: [...logs, logs[0]] } });
  assert.equal(over.status, 400);
  assert.equal(over.body.message.error, 'Maximum 1000 logs per request');
  assert.equal((await call('receiveBulkAttendanceLogs', { auth: S.key, body: {} })).status, 400);
  assert.equal((await call('receiveBulkAttendanceLogs', { auth: S.key, rawBody: '{' })).status, 417);
  assert.equal((await call('receiveBulkAttendanceLogs', {})).status, 403);
  assert.equal((await call('receiveBulkAttendanceLogs', { auth: `${S.key}0`, body: {} })).status, 401);
  const big = `{"logs":["${'a'.repeat(4 * 1024 * 1024)}"]}`;
  assert.equal((await call('receiveBulkAttendanceLogs', { auth: S.key, rawBody: big })).status, 413);
});

test('the failure limit', async () => {
  const wrong = `${S.key}x`;
  let status = 0;
  for (let i = 0; i < 8 && status !== 429; i++) status = (await call('testConnection', { auth: wrong })).status;
  assert.equal(status, 429);
  for (const op of ['testConnectionGet', 'receiveAttendanceLog', 'receiveBulkAttendanceLogs']) {
    assert.equal((await call(op, { auth: S.key, body: op.startsWith('receive') ? {} : undefined })).status, 429);
  }
});

test('every operation was called', () => {
  const lost = [...S.ops.keys()].filter((id) => !S.seen.has(id));
  assert.deepEqual(lost, [], `operations never called: ${lost.join(', ')}`);
  const unseen = [];
  for (const [id, e] of S.ops) {
    const miss = Object.keys(e.op.responses).filter((st) => !S.seen.get(id).has(Number(st)));
    if (miss.length) unseen.push(`${id}: ${miss.join(', ')}`);
  }
  console.log(`# documented statuses not seen (need a broken database): ${unseen.join('; ')}`);
});
