// SPDX-License-Identifier: Apache-2.0
// zkbio-service.js: a small dependency-free client for zkbiod's fingerprint service (REST + WebSocket),
// the API of docs/fingerprint-service.md (compatible with the "Fingerprint Background Service" contract).
// ES module; works in browsers and in Node 22+ (global fetch and WebSocket).

/** An error answered by the service: `code` is the contract's numeric code (1001 DEVICE_NOT_FOUND, ...). */
export class FingerprintServiceError extends Error {
  constructor(message, { code = 0, name = 'UNKNOWN', status = 0, details = null, retryAfter = null } = {}) {
    super(message);
    this.code = code;
    this.codeName = name;
    this.status = status;
    this.details = details;
    this.retryAfter = retryAfter;
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export class FingerprintService {
  /**
   * @param {object} opts
   * @param {string} [opts.baseUrl='https://localhost:8080'] service origin
   * @param {string} opts.apiKey the X-API-Key
   * @param {string} [opts.wsUrl] WebSocket URL (default: baseUrl with ws(s):// and /ws)
   * @param {'native'|'iso'} [opts.format='native'] template format of results
   * @param {boolean} [opts.reconnect=true] reconnect the WebSocket with back-off (1 s doubling to 30 s)
   * @param {number} [opts.timeout=120000] REST timeout in ms (enroll waits for three scans)
   */
  constructor({ baseUrl = 'https://localhost:8080', apiKey, wsUrl, format = 'native', reconnect = true,
    timeout = 120000 } = {}) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.apiKey = apiKey;
    this.wsUrl = wsUrl || this.baseUrl.replace(/^http/, 'ws') + '/ws';
    this.format = format;
    this.reconnect = reconnect;
    this.timeout = timeout;
    this._handlers = new Map();
    this._subs = new Set();
    this._ws = null;
    this._connecting = null;
    this._closed = false;
    this._attempt = 0;
  }

  // ---- REST --------------------------------------------------------------------------------------------

  async _request(method, path, body) {
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(), this.timeout);
    let res;
    try {
      res = await fetch(this.baseUrl + path, {
        method,
        headers: { 'X-API-Key': this.apiKey, 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: ctl.signal,
      });
    } catch (e) {
      throw new FingerprintServiceError(`service unreachable: ${e.message}`, { code: 0 });
    } finally {
      clearTimeout(timer);
    }
    let data = null;
    try { data = await res.json(); } catch { data = null; }
    if (!res.ok) {
      const e = (data && data.error) || {};
      throw new FingerprintServiceError(e.message || `HTTP ${res.status}`, {
        code: e.code, name: e.name, status: res.status, details: e.details || null,
        retryAfter: e.retryAfter ?? Number(res.headers.get('Retry-After')) ?? null,
      });
    }
    return data;
  }

  health() { return this._request('GET', '/api/health'); }
  devices() { return this._request('GET', '/api/devices'); }
  deviceInfo(id) { return this._request('GET', `/api/devices/${encodeURIComponent(id)}/info`); }
  capture({ deviceId = null, format = this.format, timeout } = {}) {
    return this._request('POST', '/api/fingerprint/capture', { deviceId, format, timeout });
  }
  loadGallery(templates) { return this._request('POST', '/api/fingerprint/gallery', { templates }); }
  clearGallery() { return this._request('DELETE', '/api/fingerprint/gallery'); }

  /** With zkbiod's template storage (--fp-store): delete a user's stored templates (one finger when given). */
  deleteTemplates(userId, fingerId) {
    const q = fingerId === undefined || fingerId === null ? '' : `?fingerId=${encodeURIComponent(fingerId)}`;
    return this._request('DELETE', `/api/fingerprint/templates/${encodeURIComponent(userId)}${q}`);
  }

  /** The device to use: the given one, else the first connected reader. */
  async _device(deviceId) {
    if (deviceId) return deviceId;
    const list = await this.devices();
    const d = list.find((x) => x.status !== 'disconnected');
    if (!d) throw new FingerprintServiceError('no fingerprint reader connected', { code: 1001, status: 404 });
    return d.id;
  }

  /** Run a blocking REST call while forwarding the device's WebSocket events to onProgress. */
  async _withProgress(deviceId, onProgress, call) {
    let off = () => {};
    if (onProgress) {
      try {
        await this.connect();
        await this.subscribe(deviceId);
        const types = ['fingerprint:detected', 'scan:progress', 'scan:complete', 'scan:error', 'scan:timeout'];
        const fns = types.map((t) => this.on(t, (ev) => { if (ev.deviceId === deviceId) onProgress(ev); }));
        off = () => fns.forEach((f) => f());
      } catch { /* progress is optional: the REST call still runs */ }
    }
    try { return await call(); } finally { off(); }
  }

  /**
   * Enroll a finger: three scans merged into one template.
   * onProgress receives the WebSocket events: fingerprint:detected, scan:progress {scansCompleted,
   * scansRequired}, scan:complete.
   */
  async enroll({ userId, fingerId, deviceId = null, metadata, templates, format = this.format, timeout,
    onProgress } = {}) {
    const dev = await this._device(deviceId);
    return this._withProgress(dev, onProgress, () => this._request('POST', '/api/fingerprint/enroll',
      { userId, fingerId, deviceId: dev, metadata, templates, format, timeout }));
  }

  /**
   * Capture and compare with `template` (1:1): {match, confidence, userId, verificationTime}. With zkbiod's
   * template storage, `template` may be left out to compare with the user's stored fingers.
   */
  async verify({ template, userId, deviceId = null, timeout, onProgress } = {}) {
    const dev = await this._device(deviceId);
    return this._withProgress(dev, onProgress, () => this._request('POST', '/api/fingerprint/verify',
      { template, userId, deviceId: dev, timeout }));
  }

  /**
   * Capture (unless `template` is given) and search `templates` ([{id, userId, template}]) or the gallery
   * loaded with loadGallery (1:N): {match, confidence, userId, matchedTemplate, identificationTime}.
   */
  async identify({ template, templates, deviceId = null, timeout, onProgress } = {}) {
    const dev = template ? deviceId : await this._device(deviceId);
    const body = { template, templates, deviceId: dev, timeout };
    if (template) return this._request('POST', '/api/fingerprint/identify', body);
    return this._withProgress(dev, onProgress, () => this._request('POST', '/api/fingerprint/identify', body));
  }

  // ---- WebSocket ---------------------------------------------------------------------------------------

  /** Listen to a WebSocket message type ('*' for all); returns a function that removes the listener. */
  on(type, fn) {
    if (!this._handlers.has(type)) this._handlers.set(type, new Set());
    this._handlers.get(type).add(fn);
    return () => this._handlers.get(type)?.delete(fn);
  }

  _emit(msg) {
    for (const key of [msg.type, '*']) for (const fn of this._handlers.get(key) || []) {
      try { fn(msg); } catch (e) { setTimeout(() => { throw e; }); }
    }
  }

  _once(match, timeoutMs) {
    return new Promise((resolve, reject) => {
      const off = this.on('*', (m) => {
        const r = match(m);
        if (r === undefined) return;
        off(); clearTimeout(t);
        r instanceof Error ? reject(r) : resolve(m);
      });
      const t = setTimeout(() => { off(); reject(new FingerprintServiceError('timed out waiting for the service')); },
        timeoutMs);
    });
  }

  /** Open the WebSocket and authenticate (resolves on auth:success). Idempotent. */
  connect() {
    if (this._ws && this._ws.readyState === 1 && this._authed) return Promise.resolve();
    if (this._connecting) return this._connecting;
    this._closed = false;
    this._connecting = new Promise((resolve, reject) => {
      const ws = new WebSocket(this.wsUrl);
      this._ws = ws;
      this._authed = false;
      ws.onopen = () => ws.send(JSON.stringify({ type: 'auth', apiKey: this.apiKey }));
      ws.onmessage = (ev) => {
        let m;
        try { m = JSON.parse(ev.data); } catch { return; }
        if (m.type === 'ping') ws.send(JSON.stringify({ type: 'pong', timestamp: m.timestamp }));
        if (m.type === 'auth:success' && !this._authed) {
          this._authed = true;
          this._attempt = 0;
          this._connecting = null;
          for (const d of this._subs) ws.send(JSON.stringify({ type: 'subscribe', deviceId: d }));
          resolve();
        } else if (m.type === 'auth:error' && !this._authed) {
          this._connecting = null;
          reject(new FingerprintServiceError(m.message, { code: m.code }));
        }
        this._emit(m);
      };
      ws.onerror = () => {};
      ws.onclose = () => {
        const wasAuthed = this._authed;
        this._authed = false;
        if (this._connecting) {
          this._connecting = null;
          reject(new FingerprintServiceError('WebSocket connection failed'));
        }
        this._emit({ type: 'connection:closed' });
        if (!this._closed && this.reconnect && (wasAuthed || this._attempt > 0)) this._reconnect();
      };
    });
    return this._connecting;
  }

  async _reconnect() {
    const delay = Math.min(30000, 1000 * 2 ** this._attempt++);
    await sleep(delay);
    if (this._closed) return;
    this.connect().then(() => this._emit({ type: 'connection:restored' }), () => {});
  }

  _send(msg) {
    if (!this._ws || this._ws.readyState !== 1) throw new FingerprintServiceError('WebSocket not connected');
    this._ws.send(JSON.stringify(msg));
  }

  /** Receive a device's events (kept across reconnects). */
  async subscribe(deviceId) {
    await this.connect();
    if (this._subs.has(deviceId)) return;
    const p = this._once((m) => (m.deviceId === deviceId && m.type === 'subscribe:success' ? true
      : m.deviceId === deviceId && m.type === 'subscribe:error' ? new FingerprintServiceError(m.message, { code: m.code })
        : undefined), 10000);
    this._send({ type: 'subscribe', deviceId });
    await p;
    this._subs.add(deviceId);
  }

  /** One scan over the WebSocket: resolves with scan:complete {template, quality, scanTime}. */
  async scan({ deviceId = null, timeout = 30000, qualityThreshold, onProgress } = {}) {
    const dev = await this._device(deviceId);
    await this.connect();
    const started = this._once((m) => (m.type === 'scan:started' && m.deviceId === dev ? true
      : m.type === 'scan:error' && !m.scanId ? new FingerprintServiceError(m.message, { code: m.code }) : undefined),
    10000);
    this._send({ type: 'scan:start', deviceId: dev, options: { timeout, qualityThreshold } });
    const { scanId } = await started;
    const offProgress = onProgress ? this.on('fingerprint:detected', (m) => m.scanId === scanId && onProgress(m)) : () => {};
    try {
      return await this._once((m) => {
        if (m.scanId !== scanId) return undefined;
        if (m.type === 'scan:complete') return true;
        if (m.type === 'scan:error' || m.type === 'scan:timeout' || m.type === 'scan:stopped') {
          return new FingerprintServiceError(m.error || m.message || m.type, { code: m.code || 2002, details: m.details });
        }
        return undefined;
      }, timeout + 10000);
    } finally { offProgress(); }
  }

  /** Stop a scan started with scan(). */
  stopScan(scanId) { this._send({ type: 'scan:stop', scanId }); }

  /** Close the WebSocket and stop reconnecting. */
  close() {
    this._closed = true;
    if (this._ws) this._ws.close();
    this._ws = null;
  }
}
