// SPDX-License-Identifier: Apache-2.0
// index.d.ts and zklib.d.ts type-check: typescript (pinned in package-lock.json) compiles
// test/types/usage.ts, which uses the declarations as a user would, with --noEmit; its
// @ts-expect-error lines make sure wrong uses do not compile.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

test('the TypeScript declarations type-check (tsc --noEmit)', () => {
  const tsc = require.resolve('typescript/bin/tsc');
  try {
    execFileSync(process.execPath, [tsc, '-p', path.join(__dirname, 'types')],
      { encoding: 'utf8', stdio: 'pipe' });
  } catch (e) {
    assert.fail(`tsc failed:\n${e.stdout}${e.stderr}`);
  }
});
