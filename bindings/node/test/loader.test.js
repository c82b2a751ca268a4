// SPDX-License-Identifier: Apache-2.0
// The loader's order (lib/native.js): ZKBIO_LIBRARY alone when set (a wrong path is an error that
// names it, never a silent fallback), then a copy bundled in lib/native/, then the OS's search
// for the versioned name. Each case runs in a child node with its own environment; the bundled
// case uses a copy of the package in a temporary folder.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const pkg = path.join(__dirname, '..');
const built = process.env.ZKBIO_LIBRARY;
const osName = { linux: 'libzkbio.so.0', darwin: 'libzkbio.0.dylib', win32: 'libzkbio-0.dll' }[process.platform];

function load(dir, env) {
  const e = { ...process.env, ...env };
  for (const k of Object.keys(env))
    if (env[k] === undefined)
      delete e[k];
  return spawnSync(process.execPath, ['-e',
    'try { const z = require(process.argv[1]); console.log(JSON.stringify({ path: z.libraryPath, version: z.version })); }' +
    ' catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })); }', dir],
  { env: e, encoding: 'utf8' });
}

test('ZKBIO_LIBRARY is used, and a wrong one is an error naming it', () => {
  assert.ok(built, 'ZKBIO_LIBRARY is not set');
  const ok = JSON.parse(load(pkg, { ZKBIO_LIBRARY: built }).stdout);
  assert.equal(ok.path, built);
  assert.match(ok.version, /^\d+\.\d+\.\d+/);
  const bad = JSON.parse(load(pkg, { ZKBIO_LIBRARY: '/nonexistent/libzkbio.so.0' }).stdout);
  assert.equal(bad.code, 'ZKBIO_ELOAD');
  assert.match(bad.message, /\/nonexistent\/libzkbio\.so\.0/);
  assert.match(bad.message, /ZKBIO_LIBRARY/);
});

test('without ZKBIO_LIBRARY: the OS search for the versioned name', { skip: process.platform !== 'linux' && 'Linux paths' }, () => {
  const r = JSON.parse(load(pkg, { ZKBIO_LIBRARY: undefined, LD_LIBRARY_PATH: path.dirname(built) }).stdout);
  assert.equal(r.path, osName);
});

test('without ZKBIO_LIBRARY: a copy bundled in lib/native/ comes first', (t) => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'zkbio-node-pkg-'));
  t.after(() => fs.rmSync(tmp, { recursive: true, force: true }));
  for (const f of ['package.json', 'index.js', 'zklib.js'])
    fs.copyFileSync(path.join(pkg, f), path.join(tmp, f));
  fs.cpSync(path.join(pkg, 'lib'), path.join(tmp, 'lib'), { recursive: true });
  fs.symlinkSync(path.join(pkg, 'node_modules'), path.join(tmp, 'node_modules'));
  fs.mkdirSync(path.join(tmp, 'lib', 'native'));
  const bundled = path.join(tmp, 'lib', 'native', osName);
  fs.copyFileSync(built, bundled);
  const r = JSON.parse(load(tmp, { ZKBIO_LIBRARY: undefined, LD_LIBRARY_PATH: undefined }).stdout);
  assert.equal(r.path, bundled);
});
