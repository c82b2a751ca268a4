// SPDX-License-Identifier: Apache-2.0
// Browser end-to-end test of the fingerprint service: headless Debian Chromium driven by playwright-core opens
// the demo page (examples/web) from a public HTTPS origin (served by the test through request interception),
// which talks to zkbiod over HTTPS and WSS. The certificate zkbiod made is trusted only through `zkbiod cert
// install --store nss` into a fresh NSS database under a temporary HOME, so any certificate problem fails the
// test; the page is first shown to fail before the install. Enroll finger 101 of FVC2002_DB1_B (impressions 1-3)
// through a sim reader, verify impression 4 (match), verify finger 102 (no match), identify impression 5; keep a
// screenshot; restart zkbiod and see the client reconnect.
// Usage: node e2e.mjs ZKBIOD SOURCE_ROOT DATA_DIR SCREENSHOT_PATH   (exit 77 = skip)
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const [zkbiod, srcRoot, dataDir, shot] = process.argv.slice(2);
const here = path.dirname(fileURLToPath(import.meta.url));
const skip = (why) => { console.log(`skip: ${why}`); process.exit(77); };
const chromiumPath = '/usr/bin/chromium';
if (!fs.existsSync(chromiumPath)) skip('no /usr/bin/chromium (scripts/setup-deps.sh installs it)');
if (spawnSync('certutil', ['-H']).error) skip('no certutil (libnss3-tools)');
const fvc = path.join(dataDir, 'fvc', 'FVC2002_DB1_B');
if (!fs.existsSync(path.join(fvc, '101_1.tif'))) { console.error(`no FVC images in ${dataDir} (tests/data)`); process.exit(1); }
let chromium;
try {
  ({ chromium } = await import(path.join(here, 'node_modules', 'playwright-core', 'index.mjs')));
} catch {
  skip('playwright-core is not installed in tests/service/e2e (scripts/setup-deps.sh)');
}

const KEY = 'e2ekey_0123456789abcdefghij';
const APP = 'https://app.example.test';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'zkbio-e2e-'));
const home = path.join(tmp, 'home');
const data = path.join(tmp, 'data');
const reader = path.join(tmp, 'reader');
fs.mkdirSync(home);
fs.mkdirSync(reader);
// the sim reader serves these in name order: enroll x3, verify genuine, verify impostor, identify
['101_1', '101_2', '101_3', '101_4', '102_1', '101_5'].forEach((f, i) =>
  fs.symlinkSync(path.join(fvc, `${f}.tif`), path.join(reader, `${String(i).padStart(2, '0')}.tif`)));

const env = { ...process.env, HOME: home, ZKBIO_SIM: `dir:${reader}` };
// A fresh browser profile; the public web app origin is served from the source tree by request interception,
// while requests to localhost go to zkbiod for real.
async function launch(profile) {
  const userDataDir = path.join(tmp, profile);
  fs.mkdirSync(userDataDir);
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath,
    headless: true,
    env,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  await context.route(`${APP}/**`, (route) => {
    const url = new URL(route.request().url());
    const file = path.join(srcRoot, path.normalize(url.pathname));
    if (!file.startsWith(srcRoot) || !fs.existsSync(file)) return route.fulfill({ status: 404, body: 'not found' });
    const type = file.endsWith('.html') ? 'text/html' : file.endsWith('.js') ? 'text/javascript' : 'text/plain';
    return route.fulfill({ status: 200, contentType: type, body: fs.readFileSync(file) });
  });
  try { await context.grantPermissions(['local-network-access'], { origin: APP }); } catch { /* older browsers */ }
  return context;
}

let daemon = null;
// The first start listens on port 0 and says which port it got through --port-file (the same launcher
// contract as tests/support/zkbiod-launch.h); the restart below reuses that port, which the page knows.
const portFile = path.join(tmp, 'zkbiod.ports');
const daemonArgs = (p) => ['--listen', 'off', '--service-listen', `127.0.0.1:${p}s`, '--data-dir', data,
  '--api-key', KEY, '--allow-origin', APP, '--log-level', 'debug', '--port-file', portFile];
let port = 0;
let browser = null;
let failed = false;
const check = (cond, what) => { if (!cond) { failed = true; console.error(`check failed: ${what}`); } };

try {
  daemon = spawn(zkbiod, daemonArgs(0), { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  daemon.stderr.on('data', (d) => { log += d; });
  for (let i = 0; i < 200 && !fs.existsSync(portFile); i++) await new Promise((r) => setTimeout(r, 100));
  const ports = fs.existsSync(portFile) ? fs.readFileSync(portFile, 'utf8') : '';
  port = Number((/^service (\d+)/m.exec(ports) || [])[1] || 0);
  check(port > 0 && /fingerprint service on/.test(log), 'zkbiod started');

  const pageUrl = `${APP}/examples/web/index.html?service=${encodeURIComponent(`https://localhost:${port}`)}&key=${KEY}`;

  // Before the certificate is trusted the page cannot reach the service (no warning to click through).
  let context = await launch('profile-untrusted');
  let page = context.pages()[0] || await context.newPage();
  await page.goto(pageUrl);
  await page.waitForFunction(() => /^error/.test(document.getElementById('state').textContent), null,
    { timeout: 15000 });
  await context.close();

  const install = spawnSync(zkbiod, ['cert', 'install', '--store', 'nss', '--data-dir', data], { env, encoding: 'utf8' });
  check(install.status === 0, `zkbiod cert install: ${install.stdout} ${install.stderr}`);
  const list = spawnSync('certutil', ['-d', `sql:${home}/.pki/nssdb`, '-L'], { encoding: 'utf8' });
  check(/zkbiod localhost/.test(list.stdout), 'certificate in the NSS database');

  context = await launch('profile');
  browser = context;
  page = context.pages()[0] || await context.newPage();
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto(pageUrl);
  await page.waitForFunction(() => document.body.dataset.readers === '1', null, { timeout: 15000 });

  await page.click('#enroll');
  await page.waitForFunction(() => /^Enrolled alice/.test(document.getElementById('result').textContent),
    null, { timeout: 30000 });
  check(await page.$eval('#steps', (e) => e.dataset.done) === '3', 'progress bar at 3 of 3');

  await page.click('#verify');
  await page.waitForFunction(() => /^(Match|No match|Verification failed)/.test(document.getElementById('result').textContent),
    null, { timeout: 30000 });
  const genuine = await page.$eval('#result', (e) => e.textContent);
  check(/^Match: alice/.test(genuine), `genuine verify: ${genuine}`);

  await page.click('#verify');
  await page.waitForFunction((prev) => document.getElementById('result').textContent !== prev &&
    /^(Match|No match|Verification failed)/.test(document.getElementById('result').textContent), genuine, { timeout: 30000 });
  const impostor = await page.$eval('#result', (e) => e.textContent);
  check(/^No match/.test(impostor), `impostor verify: ${impostor}`);

  await page.click('#identify');
  await page.waitForFunction(() => /^(Identified|Not identified|Identification failed)/.test(document.getElementById('result').textContent),
    null, { timeout: 30000 });
  const ident = await page.$eval('#result', (e) => e.textContent);
  check(/^Identified: alice/.test(ident), `identify: ${ident}`);

  // No console error in the session (failed reconnect attempts during the restart below are expected).
  check(errors.length === 0, `no console errors: ${errors.join(' | ')}`);

  // The client library reconnects its WebSocket when zkbiod restarts.
  daemon.kill('SIGTERM');
  await new Promise((r) => daemon.once('exit', r));
  await page.waitForFunction(() => /reconnecting/.test(document.getElementById('state').textContent), null,
    { timeout: 10000 });
  daemon = spawn(zkbiod, daemonArgs(port), { env, stdio: ['ignore', 'ignore', 'ignore'] });
  await page.waitForFunction(() => document.getElementById('state').textContent === 'reconnected', null,
    { timeout: 20000 });

  if (shot) {
    fs.mkdirSync(path.dirname(shot), { recursive: true });
    await page.screenshot({ path: shot, fullPage: true });
    console.log(`screenshot: ${shot}`);
  }
} catch (e) {
  failed = true;
  console.error(e);
} finally {
  if (browser) await browser.close().catch(() => {});
  if (daemon) daemon.kill('SIGTERM');
  fs.rmSync(tmp, { recursive: true, force: true });
}
console.log(failed ? 'e2e: FAILED' : 'e2e: ok');
process.exit(failed ? 1 : 0);
