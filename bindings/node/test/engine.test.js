// SPDX-License-Identifier: Apache-2.0
// The fingerprint engine through the binding, on the project's test images (tests/data/fvc:
// FVC2002 DB1_B, three impressions each of fingers 101 and 102): extract, match (genuine far
// above impostor), ISO/ANSI/native round trips, merge, Gallery identify (async), errors, close();
// extractReport (retake reasons on blank and cropped frames), thresholdForFpir and identifyFpir.
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

/** A w x h window of an Image's pixels, at (x0, y0). */
function crop(img, x0, y0, w, h) {
  const { width } = img.info, px = img.pixels, out = Buffer.alloc(w * h);
  for (let y = 0; y < h; y++)
    px.copy(out, y * w, (y0 + y) * width + x0, (y0 + y) * width + x0 + w);
  return { width: w, height: h, pixels: out };
}

test('extractReport: a usable capture needs no retake, an unusable one says why', async () => {
  const img = await zkbio.Image.load(path.join(fvc, '101_1.tif'));
  const { template, report } = zkbio.extractReport(img);
  assert.equal(report.retake, 'none');
  assert.ok(report.ok && report.message.length > 0);
  assert.deepEqual(report.reasons, []);
  assert.ok(report.quality > 0 && report.quality === template.quality, `quality ${report.quality}`);
  assert.ok(report.foreground > 30000);
  for (const s of ['dryness', 'wetness', 'contrast', 'smear', 'edgeCut'])
    assert.ok(report[s] >= 0 && report[s] <= 100, `${s} ${report[s]}`);
  // the same template as extract(), and the same report off the event loop
  assert.deepEqual(template.toIso(), zkbio.extract(img).toIso());
  assert.deepEqual((await zkbio.extractReportAsync(img)).report, report);
  // a blank frame is unusable: the error carries the report
  const blank = { width: 300, height: 300, pixels: Buffer.alloc(90000, 255) };
  assert.throws(() => zkbio.extractReport(blank), (e) => {
    assert.ok(e instanceof zkbio.ZKBioError);
    assert.equal(e.code, zkbio.errors.ELOWQUALITY);
    assert.equal(e.report.retake, 'no_finger');
    assert.deepEqual(e.report.reasons, ['no_finger']);
    assert.equal(e.report.ok, false);
    assert.match(e.report.message, /^No finger/);
    return true;
  });
  // a 120 x 120 px patch of the print: too little of the finger
  await assert.rejects(zkbio.extractReportAsync(crop(img, 140, 130, 120, 120)), (e) => {
    assert.equal(e.name, 'ZKBIO_ELOWQUALITY');
    assert.equal(e.report.retake, 'too_small');
    assert.ok(e.report.reasons.includes('too_small') && e.report.foreground < 30000);
    return true;
  });
  // usable but poor (150 x 150 px off the print's centre): a template and a reason
  const poor = zkbio.extractReport(crop(img, 120, 110, 150, 150));
  assert.ok(poor.template.info.minutiae >= 10);
  assert.notEqual(poor.report.retake, 'none');
  assert.ok(poor.report.quality < 25 && poor.report.reasons.length > 0);
  // argument errors are extract()'s and carry no report
  assert.throws(() => zkbio.extractReport({ width: 10, height: 10, pixels: Buffer.alloc(100) }),
    (e) => e instanceof zkbio.ZKBioError && e.code < 0 && e.report === undefined);
});

/** gallery.h: 10*log10(N / FPIR) (0 templates count as 1), rounded up to hundredths. */
const fpirThreshold = (fpir, n) =>
  Math.ceil(Number((1000 * Math.log10(Math.max(n, 1) / fpir)).toFixed(4))) / 100;

test('thresholdForFpir: 10*log10(N/FPIR) rounded up to hundredths; bad arguments are EINVAL', () => {
  assert.deepEqual([10, 100, 1000].map((n) => zkbio.thresholdForFpir(1e-3, n)), [40, 50, 60]);
  for (const [fpir, n] of [[1e-3, 5], [1e-2, 7], [0.5, 3], [1e-4, 1], [0.05, 29], [1e-6, 123456]])
    assert.equal(zkbio.thresholdForFpir(fpir, n), fpirThreshold(fpir, n), `fpir ${fpir} n ${n}`);
  assert.equal(zkbio.thresholdForFpir(1e-3, 0), 30);
  for (const fpir of [0, -0.1, 1, 1.5, NaN])
    assert.throws(() => zkbio.thresholdForFpir(fpir, 10),
      (e) => e instanceof zkbio.ZKBioError && e.code === zkbio.errors.EINVAL, `fpir ${fpir}`);
  for (const n of [-1, 2.5])
    assert.throws(() => zkbio.thresholdForFpir(1e-3, n), (e) => e.name === 'ZKBIO_EINVAL');
});

test('Gallery.identifyFpir finds the mate above the threshold of the gallery size', async () => {
  const tpl = (name) => zkbio.Template.fromBytes(fs.readFileSync(path.join(fvc, `${name}.iso`)));
  const g = new zkbio.Gallery(2);
  // empty: nothing found, the threshold of N = 1
  assert.deepEqual(await g.identifyFpir(tpl('101_2'), 1e-3), { candidates: [], threshold: 30 });
  ['101_1', '102_1', '103_1', '104_1', '105_1'].forEach((n, i) => g.add(i + 1, tpl(n)));
  const probe = tpl('103_2');
  const { candidates, threshold } = await g.identifyFpir(probe, 1e-3, { k: 3 });
  assert.equal(threshold, 36.99);
  assert.equal(threshold, fpirThreshold(1e-3, 5));
  assert.equal(candidates[0].id, 3);
  assert.ok(candidates.every((c) => c.score >= threshold));
  assert.deepEqual((await g.identify(probe, { threshold }))[0], candidates[0]);
  // a stranger under a strict FPIR: no candidate, the threshold still reported
  assert.deepEqual(await g.identifyFpir(tpl('106_1'), 1e-6),
    { candidates: [], threshold: fpirThreshold(1e-6, 5) });
  for (const fpir of [0, -1, 1, 2, NaN])
    await assert.rejects(g.identifyFpir(probe, fpir),
      (e) => e instanceof zkbio.ZKBioError && e.code === zkbio.errors.EINVAL);
  g.add(6, tpl('106_1'));
  assert.equal((await g.identifyFpir(probe, 1e-3)).threshold, fpirThreshold(1e-3, 6));
  g.close();
});
