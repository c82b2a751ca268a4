// SPDX-License-Identifier: Apache-2.0
// What the /api/v1 contract tests share: zkbiod and terminals on loopback (zkbiod on port 0 with a
// temporary SQLite database, `zkbio emulate` 4370 terminals, a PUSH terminal spoken to in plain HTTP),
// the OpenAPI document dereferenced by swagger-parser, and `call()`, which sends one request of a
// documented operation and checks the answer against the document: the status must be one the
// operation lists, and the body must validate (Ajv, JSON Schema 2020-12, the OpenAPI 3.1 dialect)
// against the schema of that (operation, status). Every call is counted per operation, so a test can
// tell which operations were never called.
//
// Environment (set by tests/api/meson.build through run.sh): ZKBIOD and ZKBIO (the built binaries),
// ZKBIO_SRC (the source root, for docs/openapi.yaml); ZKBIO_API_DUMP=FILE appends every answer to
// FILE; ZKBIO_KEEP=1 keeps the temporary data directories. Nothing here reaches past 127.0.0.1.
import { spawn, spawnSync } from 'node:child_process';
import {
  appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SwaggerParser from '@apidevtools/swagger-parser';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

export const ZKBIOD = process.env.ZKBIOD;
export const ZKBIO = process.env.ZKBIO;
export const SRC = process.env.ZKBIO_SRC;
export const DOC_PATH = SRC ? join(SRC, 'docs', 'openapi.yaml') : '';
export const ADMIN_TOKEN = 'contract-admin-token-0123456789abcdef';
const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// ---- the document ----------------------------------------------------------------------------

// The dereferenced document and its operations by operationId: {id, method, path, op}.
export async function loadContract() {
  const api = await SwaggerParser.dereference(DOC_PATH);
  const ops = new Map();
  for (const [path, item] of Object.entries(api.paths)) {
    for (const method of METHODS) {
      if (item[method]) {
        const op = item[method];
        const params = [...(item.parameters || []), ...(op.parameters || [])];
        ops.set(op.operationId, { id: op.operationId, method: method.toUpperCase(), path, op, params });
      }
    }
  }
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  return { api, ops, ajv, validators: new Map() };
}

// ---- processes -------------------------------------------------------------------------------

const children = [];

export function killAll() {
  for (const c of children) {
    if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  }
}
process.on('exit', killAll);

export function tempDir(tag) {
  return mkdtempSync(join(tmpdir(), `zkbio-api-${tag}-`));
}

export function removeDir(dir) {
  rmSync(dir, { recursive: true, force: true });
}

// `zkbiod user add`: an account made on the command line (the way the first admin is made).
// Returns {ok, out}.
export function addAccount(dir, email, role, password) {
  const pw = join(dir, `pw-${role}`);
  writeFileSync(pw, `${password}\n`, { mode: 0o600 });
  const r = spawnSync(
    ZKBIOD,
    ['user', 'add', '--email', email, '--role', role, '--password-file', pw, '--data-dir', dir],
    { encoding: 'utf8', timeout: 30000 },
  );
  return { ok: r.status === 0, out: `${r.stdout || ''}${r.stderr || ''}`.trim() };
}

// zkbiod on 127.0.0.1 port 0 over a temporary data directory; resolves {port, proc, log}.
export async function startZkbiod(dir, extra = []) {
  const tokenFile = join(dir, 'admin-token');
  writeFileSync(tokenFile, `${ADMIN_TOKEN}\n`, { mode: 0o600 });
  const portFile = join(dir, 'zkbiod.ports');
  const logFile = join(dir, 'zkbiod.log');
  const args = ['--data-dir', dir, '--listen', '127.0.0.1:0', '--service-listen', 'off',
    '--admin-token-file', tokenFile, '--port-file', portFile, '--log-level', 'warn',
    '--admission', 'auto', ...extra]; // approved terminals unless extra says otherwise (issue 15)
  const proc = spawn(ZKBIOD, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(proc);
  let log = '';
  proc.stdout.on('data', (d) => { log += d; });
  proc.stderr.on('data', (d) => { log += d; });
  for (let i = 0; i < 400; i++) {
    if (existsSync(portFile)) {
      const m = /^listen\s+(\d+)/m.exec(readFileSync(portFile, 'utf8'));
      if (m) return { port: Number(m[1]), proc, log: () => log, logFile };
    }
    if (proc.exitCode !== null) throw new Error(`zkbiod exited (${proc.exitCode}): ${log}`);
    await sleep(50);
  }
  throw new Error(`zkbiod wrote no port file in 20 s: ${log}`);
}

// `zkbio emulate` on 127.0.0.1 port 0; resolves {port, proc, serial}.
export async function startEmulator(opts = []) {
  const proc = spawn(ZKBIO, ['emulate', '--port', '0', '--seconds', '900', ...opts],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(proc);
  let out = '';
  proc.stdout.on('data', (d) => { out += d; });
  proc.stderr.on('data', (d) => { out += d; });
  for (let i = 0; i < 200; i++) {
    const m = /listening on [^\s]*:(\d+)/.exec(out);
    if (m) return { port: Number(m[1]), proc, out: () => out };
    if (proc.exitCode !== null) throw new Error(`zkbio emulate exited: ${out}`);
    await sleep(50);
  }
  throw new Error(`zkbio emulate did not start: ${out}`);
}

// SIGTERM, then SIGKILL after ms; resolves {code, signal} of the exit.
export async function stopProcess(proc, ms = 5000) {
  if (proc.exitCode !== null || proc.signalCode !== null) return { code: proc.exitCode, signal: proc.signalCode };
  const done = new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
  proc.kill('SIGTERM');
  const t = setTimeout(() => proc.kill('SIGKILL'), ms);
  const r = await done;
  clearTimeout(t);
  return r;
}

// zkbiod stops on SIGTERM with status 0 and its log holds no sanitizer report (the ASan+UBSan
// build of CI: a leak or an invalid access anywhere in the run shows here). Returns the problems.
export async function stopZkbiod(zk) {
  const r = await stopProcess(zk.proc, 20000);
  const problems = [];
  if (r.code !== 0) problems.push(`zkbiod exited with ${r.code === null ? `signal ${r.signal}` : `status ${r.code}`}`);
  const m = /(ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:)[^\n]*/.exec(zk.log());
  if (m) problems.push(`zkbiod's log: ${m[0]}`);
  if (problems.length) problems.push(`log tail: ${zk.log().slice(-3000)}`);
  return problems;
}

// ---- plain HTTP (the PUSH terminal) ----------------------------------------------------------

export async function raw(port, method, path, { body, headers = {}, timeout = 15000 } = {}) {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method, body, headers, signal: AbortSignal.timeout(timeout), redirect: 'manual',
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text };
}

// A PUSH terminal: the handshake, then `n` punches of users 1..n uploaded as ATTLOG.
export async function pushTerminal(port, sn, punches) {
  const hs = await raw(port, 'GET', `/iclock/cdata?SN=${sn}&options=all&pushver=2.4.1&language=69`);
  const lines = punches.map((p) => `${p.pin}\t${p.time}\t0\t1\t0\t0\t0`).join('\n');
  const up = await raw(port, 'POST', `/iclock/cdata?SN=${sn}&table=ATTLOG&Stamp=9999`,
    { body: `${lines}\n`, headers: { 'Content-Type': 'text/plain' } });
  return { handshake: hs, upload: up };
}

// ---- calls of documented operations ----------------------------------------------------------

// A client of one zkbiod: call(opId, {params, query, body, token, headers, rawBody}) sends the
// operation's request and checks the answer against the document. The result: {status, headers,
// body (parsed JSON or text), text, problems (strings; empty when the answer fits the contract)}.
export class Client {
  constructor(contract, port) {
    this.c = contract;
    this.port = port;
    this.seen = new Map(); // opId -> Set of statuses
    this.problems = []; // every contract violation, for the closing report
  }

  url(op, params = {}, query = {}) {
    let path = op.path.replace(/\{([^}]+)\}/g, (_, name) => {
      if (!(name in params)) throw new Error(`${op.id}: path parameter ${name} not given`);
      return encodeURIComponent(String(params[name]));
    });
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) q.append(k, String(v));
    const qs = q.toString();
    return `http://127.0.0.1:${this.port}${path}${qs ? `?${qs}` : ''}`;
  }

  validator(opId, status, schema) {
    const key = `${opId} ${status}`;
    let v = this.c.validators.get(key);
    if (!v) {
      v = this.c.ajv.compile(schema);
      this.c.validators.set(key, v);
    }
    return v;
  }

  // The contract's judgement of one answer: a list of problems.
  judge(opId, status, headers, text) {
    const { op } = this.c.ops.get(opId);
    const problems = [];
    const resp = op.responses[String(status)];
    if (!resp) return [`${opId}: status ${status} is not documented (${text.slice(0, 200)})`];
    const content = resp.content || {};
    if (!Object.keys(content).length) {
      if (text.length && status !== 304) problems.push(`${opId} ${status}: a body where none is documented`);
      return problems;
    }
    const ctype = (headers.get('content-type') || '').split(';')[0].trim();
    const media = content[ctype];
    if (!media) return [`${opId} ${status}: Content-Type ${ctype || '(none)'} not documented`];
    if (ctype !== 'application/json') return problems;
    let body;
    try {
      body = JSON.parse(text);
    } catch (e) {
      return [`${opId} ${status}: body is not JSON: ${text.slice(0, 200)}`];
    }
    const v = this.validator(opId, status, media.schema);
    if (!v(body)) {
      const errs = v.errors.slice(0, 5).map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ');
      problems.push(`${opId} ${status}: body does not match the schema: ${errs}: ${text.slice(0, 300)}`);
    }
    for (const [name, h] of Object.entries(resp.headers || {})) {
      if (['ETag', 'Retry-After', 'Location'].includes(name) && !headers.get(name)) {
        problems.push(`${opId} ${status}: header ${name} is documented but missing`);
      }
      void h;
    }
    return problems;
  }

  async call(opId, { params, query, body, rawBody, token, headers = {}, timeout = 20000 } = {}) {
    const entry = this.c.ops.get(opId);
    if (!entry) throw new Error(`no operation ${opId} in the document`);
    const h = { ...headers };
    if (token) h.Authorization = `Bearer ${token}`;
    let payload;
    if (rawBody !== undefined) payload = rawBody;
    else if (body !== undefined) payload = JSON.stringify(body);
    if (payload !== undefined && !h['Content-Type']) h['Content-Type'] = 'application/json';
    let res;
    let text = '';
    try {
      res = await fetch(this.url(entry, params, query), {
        method: entry.method, headers: h, body: payload, signal: AbortSignal.timeout(timeout),
      });
      text = await res.text();
    } catch (e) {
      const p = `${opId}: request failed: ${e.message}`;
      this.problems.push(p);
      return { status: 0, headers: new Headers(), body: null, text: '', problems: [p] };
    }
    if (!this.seen.has(opId)) this.seen.set(opId, new Set());
    this.seen.get(opId).add(res.status);
    const problems = this.judge(opId, res.status, res.headers, text);
    if (process.env.ZKBIO_API_DUMP) { // every answer, one line each, for reading the real shapes
      appendFileSync(process.env.ZKBIO_API_DUMP, `${opId} ${res.status} ${text.slice(0, 4000)}\n`);
    }
    this.problems.push(...problems);
    let parsed = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* not JSON: kept as text */
    }
    return { status: res.status, headers: res.headers, body: parsed, text, problems };
  }

  // The operations of the document never called.
  uncalled() {
    return [...this.c.ops.keys()].filter((id) => !this.seen.has(id));
  }

  // Documented statuses no answer had, per operation ("op: 409, 503"), for the closing report.
  unseen() {
    const out = [];
    for (const [id, e] of this.c.ops) {
      const seen = this.seen.get(id) || new Set();
      const missing = Object.keys(e.op.responses).filter((st) => !seen.has(Number(st)));
      if (missing.length) out.push(`${id}: ${missing.join(', ')}`);
    }
    return out;
  }
}

// A token with one character of its signature changed (the tenth from the end: the last one of a
// base64url HMAC carries padding bits a lenient decoder may ignore).
export function tamper(token) {
  if (!token || token.length < 12) return 'x.y.z';
  const i = token.length - 10;
  return token.slice(0, i) + (token[i] === 'A' ? 'B' : 'A') + token.slice(i + 1);
}

// Wait for a job to end: resolves the last job body (or null).
export async function waitJob(client, token, id, ms = 30000) {
  const until = Date.now() + ms;
  let last = null;
  while (Date.now() < until) {
    const r = await client.call('getJob', { params: { id }, token });
    if (r.status !== 200) return last;
    last = r.body.data;
    if (['completed', 'failed', 'cancelled'].includes(last.state)) return last;
    await sleep(200);
  }
  return last;
}
