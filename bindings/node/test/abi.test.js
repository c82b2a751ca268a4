// SPDX-License-Identifier: Apache-2.0
// The struct mirrors of lib/native.js against the C compiler: test/abi-layout.c (built by meson,
// its path in ZKBIO_ABI_LAYOUT) prints sizeof, alignof and offsetof of every struct the binding
// declares; each must equal koffi's view, and every C field must be mirrored.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const { koffi, T } = require('../lib/native');

test('every mirrored struct has the C layout', () => {
  const prog = process.env.ZKBIO_ABI_LAYOUT;
  assert.ok(prog, 'ZKBIO_ABI_LAYOUT (the abi-layout program) is not set');
  const c = JSON.parse(execFileSync(prog, { encoding: 'utf8' }));
  assert.ok(Object.keys(c).length >= 18, 'abi-layout printed too few structs');
  for (const [name, want] of Object.entries(c)) {
    const key = name.replace(/^zkbio_/, '');
    const type = T[key];
    assert.ok(type, `${name} has no mirror T.${key}`);
    assert.equal(koffi.sizeof(type), want.size, `sizeof(${name})`);
    assert.equal(koffi.alignof(type), want.align, `alignof(${name})`);
    for (const [field, off] of Object.entries(want.fields))
      assert.equal(koffi.offsetof(type, field), off, `offsetof(${name}, ${field})`);
  }
});
