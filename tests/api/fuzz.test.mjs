// SPDX-License-Identifier: Apache-2.0
// A bounded, seeded fuzz pass over every operation of docs/openapi.yaml (node --test; meson test
// `api-fuzz`): malformed JSON bodies, fields of the wrong type, huge strings, bad ids and bad query
// values, with and without credentials. zkbiod must never answer 5xx, every answer must be a status
// the operation documents, every /api/v1 body must be in the envelope (validated against the
// document's schema for that status), and /health must stay 200 throughout.
// ZKBIO_FUZZ_SEED picks the seed (printed, so a failure can be replayed); ZKBIO_FUZZ_ROUNDS the
// requests per operation (default 30). Nothing leaves 127.0.0.1: the fields that name a terminal's
// address are never fuzzed into an address (createDevice/updateDevice keep ip 127.0.0.1, port 1).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  ADMIN_TOKEN, Client, addAccount, killAll, loadContract, pushTerminal, removeDir, startZkbiod, stopProcess,
  stopZkbiod, tempDir,
} from './harness.mjs';

const SEED = Number(process.env.ZKBIO_FUZZ_SEED || Date.now() % 2147483647);
const ROUNDS = Number(process.env.ZKBIO_FUZZ_ROUNDS || 30);
const BUDGET_MS = 120000;
const S = { dir: null, zk: null, c: null, contract: null };

// mulberry32: a small seeded generator, so a run can be repeated.
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = rng(SEED);
const pick = (arr) => arr[Math.floor(rand() * arr.length)];
const chance = (p) => rand() < p;

function junkString() {
  return pick([
    '', ' ', 'a', 'x'.repeat(300), 'y'.repeat(5000), '\u0000', 'é\u202e✓', '%', '%00', '../../etc/passwd',
    '\'; DROP TABLE devices; --', '<script>', '{}', '[]', 'null', 'NaN', '-1', '0', '1e309',
    '99999999999999999999999', '2026-13-45', '2026-01-05 25:61:61', String(Math.floor(rand() * 1e9)),
  ]);
}

function junkValue(depth = 0) {
  const choices = [
    () => null, () => true, () => false, () => 0, () => -1, () => 2 ** 53, () => -(2 ** 63), () => 1.5,
    () => junkString(), () => [], () => ({}),
  ];
  if (depth < 3) {
    choices.push(() => [junkValue(depth + 1), junkValue(depth + 1)]);
    choices.push(() => ({ [junkString().slice(0, 20)]: junkValue(depth + 1) }));
  }
  return pick(choices)();
}

function deepNest(n) {
  return `${'['.repeat(n)}${']'.repeat(n)}`;
}

// A request body for op: malformed text, or an object of the schema's fields with wrong values.
function junkBody(e) {
  const kind = Math.floor(rand() * 6);
  if (kind === 0) {
    return { raw: pick(['{', '[', '{"a":', 'null', '"text"', '123', '{"a":1,"a":2}', '\u00ff\u00fe', '',
      deepNest(3000), `{"big":"${'z'.repeat(70000)}"}`]) };
  }
  const schema = e.op.requestBody && e.op.requestBody.content && e.op.requestBody.content['application/json'];
  const props = Object.keys((schema && schema.schema && schema.schema.properties) || { a: 1 });
  const body = {};
  for (const p of props) if (chance(0.7)) body[p] = junkValue();
  if (chance(0.2)) body[junkString().slice(0, 30) || 'extra'] = junkValue();
  if (['createDevice', 'updateDevice', 'updateDevicePut'].includes(e.id)) {
    // never an address but loopback's closed port 1 (see the file comment)
    if ('ip' in body) body.ip = chance(0.5) ? '127.0.0.1' : junkValue();
    if (typeof body.ip === 'string' && body.ip !== '127.0.0.1') body.ip = 42;
    if (body.ip === '127.0.0.1') body.port = 1;
    if (e.id === 'createDevice' && typeof body.ip === 'string') body.port = 1;
  }
  return { json: body };
}

function junkId() {
  return pick(['0', '-1', 'abc', '1.5', '99999999999999999999', NOSUCH_STR, 'x'.repeat(600), '%00', ' ', '1;2',
    '０', '0x10', '+1']);
}
const NOSUCH_STR = '987654321';

before(async () => {
  console.log(`# fuzz seed ${SEED} (ZKBIO_FUZZ_SEED=${SEED} repeats this run), ${ROUNDS} requests per operation`);
  S.contract = await loadContract();
  S.dir = tempDir('fuzz');
  const viewer = addAccount(S.dir, 'viewer@fuzz.test', 'viewer', 'Fuzz-Viewer-Pass-1');
  S.zk = await startZkbiod(S.dir);
  S.c = new Client(S.contract, S.zk.port);
  if (viewer.ok) { // a viewer's JWT too, so the role refusals are fuzzed as well
    const r = await S.c.call('authLogin', { body: { email: 'viewer@fuzz.test', password: 'Fuzz-Viewer-Pass-1' } });
    if (r.status === 200) S.viewer = r.body.data.access_token;
  }
  await pushTerminal(S.zk.port, 'FUZZPUSH0001', [{ pin: '1', time: '2026-01-05 08:00:00' }]);
});

after(async () => {
  if (S.zk && S.zk.proc.exitCode === null) await stopProcess(S.zk.proc);
  killAll();
  if (S.dir && !process.env.ZKBIO_KEEP) removeDir(S.dir);
});

test('fuzz every operation', async (t) => {
  const started = Date.now();
  for (const [id, e] of S.contract.ops) {
    if (Date.now() - started > BUDGET_MS) {
      assert.fail(`the fuzz budget of ${BUDGET_MS} ms ran out before ${id}`);
    }
    await t.test(id, async () => {
      const bad = [];
      for (let i = 0; i < ROUNDS; i++) {
        const params = { id: junkId(), user_id: chance(0.5) ? junkId() : junkString() || 'u' };
        // a real resource too (the PUSH terminal is device 1: operations on it only queue PUSH
        // commands, so the body parsers behind the lookup are reached); never deleted
        if (e.method !== 'DELETE' && chance(0.3)) params.id = '1';
        const query = {};
        for (const p of e.params.filter((x) => x.in === 'query')) if (chance(0.5)) query[p.name] = junkString();
        if (chance(0.2)) query[junkString().slice(0, 10) || 'q'] = junkString();
        if (chance(0.1)) query[pick(['page', 'offset', 'limit', 'after'])] = pick(['2', '-5', '0', 'x', '1e3']);
        const headers = {};
        if (chance(0.1)) headers['Content-Type'] = pick(['text/plain', 'application/x-www-form-urlencoded', '']);
        if (chance(0.1)) headers['X-Request-Id'] = pick(['abc', 'x'.repeat(200), 'a b', '../']);
        if (chance(0.1)) headers['If-None-Match'] = junkString().replace(/[^\x20-\x7e]/g, '') || '"x"';
        const token = pick([ADMIN_TOKEN, ADMIN_TOKEN, ADMIN_TOKEN, S.viewer, undefined, 'garbage', 'a.b.c']);
        const opts = { params, query, headers, token, timeout: 30000 };
        if (e.op.requestBody || (e.method !== 'GET' && chance(0.1))) {
          const b = junkBody(e);
          if (b.raw !== undefined) opts.rawBody = b.raw;
          else opts.body = b.json;
        }
        const r = await S.c.call(id, opts);
        const what = `${e.method} ${JSON.stringify(params)} ${JSON.stringify(query).slice(0, 200)}`;
        if (r.status === 0 || r.status >= 500) bad.push(`${what}: status ${r.status} ${r.text.slice(0, 200)}`);
        for (const p of r.problems) bad.push(`${what}: ${p}`);
      }
      const h = await S.c.call('health');
      if (h.status !== 200) bad.push(`/health answered ${h.status} after ${id}`);
      assert.deepEqual(bad.slice(0, 10), [], `${bad.length} bad answers (seed ${SEED})`);
    });
  }
});

test('zkbiod stops cleanly (status 0, no sanitizer report)', async () => {
  for (const e of Object.values(S.emu || {})) if (e) await stopProcess(e.proc);
  assert.deepEqual(await stopZkbiod(S.zk), []);
});
