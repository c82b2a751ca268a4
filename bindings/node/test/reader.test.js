// SPDX-License-Identifier: Apache-2.0
// Reader capture through the simulated reader (reader.h `sim` backend): a `dir:` reader serving
// two TIFF impressions of one finger (read through libzkbio-imageio), captured on a worker
// thread, extracted and matched; then no finger (ETIMEDOUT) and cancel() (ECANCELED).
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const zkbio = require('..');

const fvc = path.join(__dirname, '..', '..', '..', 'tests', 'data', 'fvc', 'FVC2002_DB1_B');

test('sim reader: list, open, capture, extract, match, timeout, cancel, close', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zkbio-node-sim-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.copyFileSync(path.join(fvc, '101_1.tif'), path.join(dir, 'a.tif'));
  fs.copyFileSync(path.join(fvc, '101_2.tif'), path.join(dir, 'b.tif'));

  const ctx = new zkbio.ReaderContext({ backends: ['sim'], sim: `dir:${dir}` });
  const list = await ctx.list();
  assert.equal(list.length, 1);
  assert.equal(list[0].id, 'sim:0');
  assert.equal(list[0].backend, 'sim');
  const r = await ctx.open('sim:0');
  assert.equal(r.info.id, 'sim:0');
  const a = await r.capture(2000);
  assert.deepEqual(a.info, { width: 388, height: 374, stride: 388, dpi: 500 });
  assert.equal(a.pixels.length, 388 * 374);
  const b = await r.capture(2000);
  assert.ok(zkbio.match(zkbio.extract(a), zkbio.extract(b)) >= 40);
  await assert.rejects(r.capture(100), (e) => e.name === 'ZKBIO_ETIMEDOUT');
  const pending = r.capture(10000);
  setTimeout(() => r.cancel(), 50);
  await assert.rejects(pending, (e) => e.name === 'ZKBIO_ECANCELED');
  ctx.close(); // closes the reader too
  assert.throws(() => r.info, (e) => e.name === 'ZKBIO_EINVAL');
  ctx.close();
  await assert.rejects(ctx.open('sim:0'), (e) => e.name === 'ZKBIO_EINVAL');
});
