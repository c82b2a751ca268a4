// SPDX-License-Identifier: Apache-2.0
// The fingerprint engine through the binding, on the project's test images (tests/data/fvc:
// FVC2002 DB1_B, three impressions each of fingers 101 and 102): extract, match (genuine far
// above impostor), ISO/ANSI/native round trips, merge, Gallery identify (async), errors, close().
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const fs = require('node:fs');
const zkbio = require('..');

const fvc = path.join(__dirname, '..', '..', '..', 'tests', 'data', 'fvc', 'FVC2002_DB1_B');
const iso = path.join(__dirname, '..', '..', '..', 'tests', 'data', 'iso');
const load = async (name) => zkbio.extract(await zkbio.Image.load(path.join(fvc, name)));

test('extract and match: genuine pairs score far above impostors, async too', async () => {
  const a = await load('101_1.tif'), b = await load('101_2.tif'), o = await load('102_1.tif');
  assert.ok(a.info.minutiae > 10 && a.quality > 0);
  const genuine = zkbio.match(a, b), impostor = zkbio.match(a, o);
  assert.ok(genuine >= 40, `genuine ${genuine}`);
  assert.ok(impostor < 20, `impostor ${impostor}`);
  assert.equal(await zkbio.matchAsync(a, b), genuine);
  const c = await zkbio.extractAsync(await zkbio.Image.load(path.join(fvc, '101_1.tif')));
  assert.equal(zkbio.match(a, c), zkbio.match(a, a));
});

test('templates round-trip through ISO, ANSI and native records', async () => {
  const a = await load('101_1.tif'), b = await load('101_3.tif');
  const isoRec = a.toIso();
  assert.equal(isoRec.subarray(0, 3).toString(), 'FMR');
  const fromIso = zkbio.Template.fromBytes(isoRec, 'iso');
  assert.equal(fromIso.info.minutiae, a.info.minutiae);
  assert.deepEqual(fromIso.toIso(), isoRec);
  const fromAnsi = zkbio.Template.fromBytes(a.toAnsi(), 'ansi');
  assert.equal(fromAnsi.info.minutiae, a.info.minutiae);
  const nat = a.toNative();
  const fromNat = zkbio.Template.fromBytes(nat);
  assert.deepEqual(fromNat.toNative(), nat);
  assert.equal(zkbio.match(fromNat, b), zkbio.match(a, b));
  // the project's ISO test records (another extractor's output) import and match
  const probe = zkbio.Template.fromBytes(fs.readFileSync(path.join(iso, 'iso-probe.dat')), 'iso');
  const mate = zkbio.Template.fromBytes(fs.readFileSync(path.join(iso, 'iso-matching.dat')));
  const other = zkbio.Template.fromBytes(fs.readFileSync(path.join(iso, 'iso-nonmatching.dat')));
  assert.ok(zkbio.match(probe, mate) > zkbio.match(probe, other));
});

test('a malformed record and a closed template throw ZKBioError', async () => {
  assert.throws(() => zkbio.Template.fromBytes(Buffer.from('not a template'), 'iso'), (e) =>
    e instanceof zkbio.ZKBioError && e.name === 'ZKBIO_EPROTO' && e.code === zkbio.errors.EPROTO &&
    /FMR/.test(e.message));
  assert.throws(() => zkbio.Template.fromBytes(Buffer.alloc(4), 'xml'), TypeError);
  const a = await load('101_1.tif');
  a.close();
  a.close();
  assert.throws(() => a.toIso(), (e) => e.name === 'ZKBIO_EINVAL');
  const blank = zkbio.Image.fromPixels({ width: 300, height: 300, pixels: Buffer.alloc(90000, 255) });
  assert.throws(() => zkbio.extract(blank), (e) => e instanceof zkbio.ZKBioError);
  blank.close();
});

test('merge three captures, then identify 1:N off the event loop', async (t) => {
  const caps = await Promise.all(['101_1.tif', '101_2.tif', '101_3.tif'].map(load));
  const enrolled = zkbio.merge(caps);
  assert.equal(enrolled.info.views, 3);
  const others = await Promise.all(['102_1.tif', '102_2.tif'].map(load));
  assert.throws(() => zkbio.merge([caps[0], caps[1], others[0]]), (e) => e.name === 'ZKBIO_EMISMATCH');
  const g = new zkbio.Gallery(2);
  g.add(101, enrolled);
  g.add(102, others[0]);
  for (let id = 1; id <= 1000; id++)
    g.add(1000 + id, others[1]);
  assert.equal(g.size, 1002);
  const probe = await load('101_2.tif');
  // the event loop keeps turning while the 1,002 comparisons run on a worker thread
  let ticks = 0;
  const timer = setInterval(() => ticks++, 1);
  const t0 = process.hrtime.bigint();
  const hits = await g.identify(probe, { threshold: 30, k: 3 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  clearInterval(timer);
  assert.ok(ms < 10 || ticks > 0, `no timer ran during ${ms} ms of identify`);
  assert.equal(hits[0].id, 101);
  assert.ok(hits[0].score >= 30);
  assert.ok(hits.every((h) => h.id !== 102));
  assert.deepEqual(await g.identify(probe, { threshold: 100000 }), []);
  g.remove(101);
  assert.equal(g.size, 1001);
  assert.throws(() => g.remove(101), (e) => e.name === 'ZKBIO_ENOENT');
  g.clear();
  assert.equal(g.size, 0);
  g.close();
  t.diagnostic(`identify over 1,002 templates: ${ms.toFixed(1)} ms, ${ticks} timer ticks meanwhile`);
});
