// SPDX-License-Identifier: Apache-2.0
// Lifetime: objects closed by hand and objects left to the garbage collector are each freed once.
// A child node with --expose-gc makes templates, images and galleries, closes half, drops all,
// collects, and exits cleanly (a double free or a use after free would crash it).
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const child = `
const zkbio = require(${JSON.stringify(path.join(__dirname, '..'))});
const fs = require('node:fs');
const rec = fs.readFileSync(${JSON.stringify(path.join(__dirname, '..', '..', '..', 'tests', 'data', 'iso', 'iso-probe.dat'))});
(async () => {
  for (let round = 0; round < 5; round++) {
    const keep = [];
    for (let i = 0; i < 100; i++) {
      const t = zkbio.Template.fromBytes(rec);
      const img = zkbio.Image.fromPixels({ width: 64, height: 64, pixels: Buffer.alloc(4096, i) });
      const g = new zkbio.Gallery(1);
      g.add(i + 1, t);
      if (i % 2) { t.close(); img.close(); g.close(); } else keep.push(t.clone());
    }
    keep.length = 0;
    global.gc();
    await new Promise((r) => setTimeout(r, 20));
  }
  global.gc();
  await new Promise((r) => setTimeout(r, 50));
  console.log('lifetime ok');
})();
`;

test('close() and the FinalizationRegistry free each object once', () => {
  const r = spawnSync(process.execPath, ['--expose-gc', '-e', child], { encoding: 'utf8' });
  assert.equal(r.signal, null, `child killed by ${r.signal}: ${r.stderr}`);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /lifetime ok/);
});
