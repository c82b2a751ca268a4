// SPDX-License-Identifier: Apache-2.0
// Fingerprint readers (reader.h): list, open, capture. Backends: `sim` (simulated readers for
// tests and demos: `dir:PATH` serves the image files of a folder, `socket:PATH` takes frames sent
// to it), `zk4500` (libusb) and `zkfp` (the vendor library), as libzkbio was built.
//
// Threads: enumerate/open do USB I/O and capture blocks up to its timeout, so they run on
// koffi's worker pool (promises); cancel() is safe from the JS thread while a capture runs.
// Hotplug callbacks (called by C on its monitor thread) are not offered: listing again shows
// what changed. libzkbio's per-thread last-error text is read only after synchronous calls
// (the detail of a failed asynchronous call stays empty).
// Lifetime: close() the Reader, then the ReaderContext; FinalizationRegistry as the fallback.
'use strict';

const { koffi, T, fn, imageioLib, callAsync } = require('./native');
const { ZKBioError, check } = require('./errors');
const { Image } = require('./engine');

const BACKEND = Object.freeze({ sim: 1, zk4500: 2, zkfp: 4 });
const OUTPUT = Object.freeze({ green: 1, red: 2, white: 4, buzzer: 8 });
const freeCtx = new FinalizationRegistry((p) => fn.zkbio_reader_ctx_free(p));
const freeReader = new FinalizationRegistry((p) => fn.zkbio_reader_close(p));

function infoOf(i) {
  return {
    id: i.id, backend: i.backend, vendorId: i.vendor_id, productId: i.product_id, model: i.model,
    serial: i.serial, width: i.width, height: i.height, dpi: i.dpi, caps: i.caps,
  };
}

function lastError() {
  return fn.zkbio_reader_last_error();
}

/** A reader context: the backends in use and their readers. */
class ReaderContext {
  /**
   * @param {object} [o] backends: array of 'sim' | 'zk4500' | 'zkfp' (default all built in);
   *   sim: the sim spec (e.g. 'dir:/path/to/images'; default the ZKBIO_SIM environment);
   *   zkfpLibrary: path of libzkfp; loadImages: true to read non-PGM files of `dir:` readers
   *   through libzkbio-imageio (default true when it can be loaded); hotplugPollMs.
   */
  constructor(o = {}) {
    let backends = 0;
    for (const b of o.backends || []) {
      if (!BACKEND[b])
        throw new TypeError(`unknown backend ${b}`);
      backends |= BACKEND[b];
    }
    let loader = null;
    if (o.loadImages !== false) {
      try {
        loader = imageioLib().loadPtr; // a C function of libzkbio-imageio, called by C
      } catch (e) {
        if (o.loadImages === true)
          throw e;
      }
    }
    const cfg = {
      size: koffi.sizeof(T.reader_config), backends, sim: o.sim || null,
      zkfp_library: o.zkfpLibrary || null, load_image: loader, hotplug_poll_ms: o.hotplugPollMs | 0,
    };
    const out = [null];
    check(fn.zkbio_reader_ctx_new(cfg, out), lastError, 'ReaderContext');
    this._p = out[0];
    this._readers = new Set();
    freeCtx.register(this, this._p, this);
  }

  _ptr() {
    if (!this._p)
      throw new ZKBioError(-1, 'the reader context is closed');
    return this._p;
  }

  /** The readers attached now: [{id, backend, vendorId, productId, model, serial, width, height,
   *  dpi, caps}]. */
  async list() {
    const p = [null], n = [0];
    check(await callAsync(fn.zkbio_reader_enumerate, this._ptr(), p, n), '', 'list');
    if (!p[0])
      return [];
    try {
      return koffi.decode(p[0], T.reader_info, Number(n[0])).map(infoOf);
    } finally {
      fn.zkbio_reader_info_free(p[0]);
    }
  }

  /** Open a reader by id (from list(); default the first one). */
  async open(id) {
    if (id === undefined) {
      const all = await this.list();
      if (!all.length)
        throw new ZKBioError(-16 /* ZKBIO_ENODEV */, 'no reader attached', 'open');
      id = all[0].id;
    }
    const out = [null];
    check(await callAsync(fn.zkbio_reader_open, this._ptr(), String(id), out), '', 'open');
    const r = new Reader(out[0], this);
    this._readers.add(r);
    return r;
  }

  /** Close every reader still open, then the context. Idempotent. */
  close() {
    for (const r of this._readers)
      r.close();
    if (this._p) {
      freeCtx.unregister(this);
      fn.zkbio_reader_ctx_free(this._p);
      this._p = null;
    }
  }
}

/** An open reader. */
class Reader {
  /** Use ReaderContext.open(). */
  constructor(ptr, ctx) {
    this._p = ptr;
    this._ctx = ctx; // keeps the context alive while the reader is
    this._busy = null;
    freeReader.register(this, ptr, this);
  }

  _ptr() {
    if (!this._p)
      throw new ZKBioError(-1, 'the reader is closed');
    return this._p;
  }

  /** {id, backend, model, serial, width, height, dpi, caps, ...} */
  get info() {
    const i = {};
    check(fn.zkbio_reader_info_get(this._ptr(), i), lastError, 'info');
    return infoOf(i);
  }

  /**
   * Wait for a finger (at most timeoutMs; 0 checks once, < 0 forever) and capture an Image.
   * Rejects with ZKBioError ETIMEDOUT (no finger), ECANCELED (cancel()), EUNPLUGGED, EBUSY.
   */
  async capture(timeoutMs = 10000) {
    const out = [null];
    const job = callAsync(fn.zkbio_reader_capture, this._ptr(), timeoutMs | 0, out);
    this._busy = job;
    try {
      check(await job, '', 'capture');
    } finally {
      this._busy = null;
    }
    return new Image(out[0]);
  }

  /** Make a running capture() reject with ECANCELED (within 100 ms on sim and zk4500). */
  cancel() {
    if (this._p)
      fn.zkbio_reader_cancel(this._p);
  }

  /** Is a finger on the reader now? (async: one frame over USB) */
  async fingerPresent() {
    const v = [0];
    check(await callAsync(fn.zkbio_reader_finger_present, this._ptr(), v), '', 'fingerPresent');
    return v[0] !== 0;
  }

  /** Switch an output: OUTPUT.green / red / white / buzzer. */
  async output(which, on) {
    check(await callAsync(fn.zkbio_reader_output_set, this._ptr(), which, on ? 1 : 0), '', 'output');
  }

  /** Close the reader (cancels nothing: await a running capture or cancel() it first). */
  close() {
    if (this._p) {
      freeReader.unregister(this);
      fn.zkbio_reader_close(this._p);
      this._p = null;
      this._ctx._readers.delete(this);
    }
  }
}

module.exports = { ReaderContext, Reader, BACKEND, OUTPUT };
