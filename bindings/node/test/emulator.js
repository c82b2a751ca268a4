// SPDX-License-Identifier: Apache-2.0
// Test helper: start `zkbio emulate --port 0` (the tool's path in ZKBIO_CLI) and resolve
// {port, stop()} once it listens. The emulator stops by itself after 120 s at most.
'use strict';

const { spawn } = require('node:child_process');

function startEmulator(args = []) {
  const cli = process.env.ZKBIO_CLI;
  if (!cli)
    return Promise.reject(new Error('ZKBIO_CLI (the zkbio tool) is not set'));
  const proc = spawn(cli, ['emulate', '--port', '0', '--seconds', '120', ...args],
    { stdio: ['ignore', 'pipe', 'ignore'] });
  return new Promise((resolve, reject) => {
    let buf = '';
    proc.stdout.on('data', (d) => {
      buf += d;
      const m = /listening on [^ ]*:(\d+)/.exec(buf);
      if (m)
        resolve({ proc, port: Number(m[1]), stop: () => proc.kill() });
    });
    proc.on('exit', (code) => reject(new Error(`zkbio emulate exited (${code}) before listening`)));
  });
}

module.exports = { startEmulator };
