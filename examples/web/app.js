// SPDX-License-Identifier: Apache-2.0
// The demo page's logic. The enrolled templates stay in this page (a real web app keeps them in its own
// backend): zkbiod stores nothing.
import { FingerprintService } from '../../bindings/js/zkbio-service.js';

const $ = (id) => document.getElementById(id);
const enrolled = new Map(); // userId -> template (base64)
let svc = null;

function log(text) {
  const line = document.createElement('div');
  line.textContent = `${new Date().toISOString().slice(11, 19)} ${text}`;
  $('log').prepend(line);
}

function result(text, ok) {
  $('result').textContent = text;
  $('result').className = ok ? 'ok' : 'bad';
}

function steps(n) {
  [...$('steps').children].forEach((el, i) => el.classList.toggle('done', i < n));
  $('steps').dataset.done = String(n);
}

function busy(on) {
  for (const id of ['enroll', 'verify', 'identify']) $(id).disabled = on || !svc;
}

async function connect() {
  svc?.close();
  svc = new FingerprintService({ baseUrl: $('url').value, apiKey: $('key').value });
  try {
    const list = await svc.devices();
    $('reader').replaceChildren(...list.map((d) => new Option(`${d.model} (${d.id}) ${d.status}`, d.id)));
    await svc.connect();
    svc.on('device:connected', (e) => log(`reader ${e.device.id} connected`));
    svc.on('device:disconnected', (e) => log(`reader ${e.deviceId} disconnected`));
    svc.on('connection:closed', () => { $('state').textContent = 'service connection lost, reconnecting'; });
    svc.on('connection:restored', () => {
      $('state').textContent = 'reconnected';
      log('reconnected to the service');
    });
    $('state').textContent = `${list.length} reader(s)`;
    document.body.dataset.readers = String(list.length);
    busy(false);
    log('connected');
  } catch (e) {
    $('state').textContent = `error: ${e.message}`;
    log(`connect failed: ${e.message}`);
  }
}

async function enroll() {
  const userId = $('user').value;
  busy(true);
  steps(0);
  result('Place your finger on the reader (scan 1 of 3)', true);
  try {
    const r = await svc.enroll({
      userId,
      deviceId: $('reader').value,
      onProgress: (ev) => {
        if (ev.type === 'scan:progress') {
          steps(ev.scansCompleted);
          result(`Scan ${ev.scansCompleted} of 3 done: place the finger again`, true);
        } else if (ev.type === 'scan:complete') {
          steps(3);
        } else if (ev.type === 'fingerprint:detected') {
          log(`finger detected, quality ${ev.quality}`);
        }
      },
    });
    steps(3);
    enrolled.set(userId, r.template);
    $('enrolled').textContent = [...enrolled.keys()].join(', ');
    result(`Enrolled ${userId} (quality ${r.quality})`, true);
    log(`enrolled ${userId}: ${r.enrollmentId}`);
  } catch (e) {
    result(`Enrollment failed: ${e.message}`, false);
  } finally {
    busy(false);
  }
}

async function verify() {
  const userId = $('user').value;
  if (!enrolled.has(userId)) return result(`${userId} is not enrolled`, false);
  busy(true);
  result('Place your finger on the reader', true);
  try {
    const r = await svc.verify({ template: enrolled.get(userId), userId, deviceId: $('reader').value });
    result(r.match ? `Match: ${userId} (confidence ${r.confidence})` : `No match (confidence ${r.confidence})`,
      r.match);
    log(`verify ${userId}: ${r.match ? 'match' : 'no match'} ${r.confidence}`);
  } catch (e) {
    result(`Verification failed: ${e.message}`, false);
  } finally {
    busy(false);
  }
}

async function identify() {
  busy(true);
  result('Place your finger on the reader', true);
  try {
    const templates = [...enrolled].map(([userId, template], i) => ({ id: `t-${i + 1}`, userId, template }));
    const r = await svc.identify({ templates, deviceId: $('reader').value });
    result(r.match ? `Identified: ${r.userId} (confidence ${r.confidence})` : 'Not identified', r.match);
    log(`identify: ${r.match ? r.userId : 'none'}`);
  } catch (e) {
    result(`Identification failed: ${e.message}`, false);
  } finally {
    busy(false);
  }
}

const params = new URLSearchParams(location.search);
if (params.get('service')) $('url').value = params.get('service');
if (params.get('key')) $('key').value = params.get('key');
$('connect').onclick = connect;
$('enroll').onclick = enroll;
$('verify').onclick = verify;
$('identify').onclick = identify;
if (params.get('key')) connect();
