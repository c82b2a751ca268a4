// SPDX-License-Identifier: Apache-2.0
// The fingerprint engine (image.h, extract.h, quality.h, template.h, match.h, merge.h, gallery.h)
// with a camelCase API: Image, Template, extract(), extractReport(), match(), merge(), Gallery,
// thresholdForFpir().
//
// Ownership: each Image, Template and Gallery owns one C object. close() frees it at once (later
// use throws ZKBioError EINVAL); a FinalizationRegistry frees those never closed. Bytes in and
// out are Buffers (copied: no JS object points into C memory after a call returns).
// Threads: extract(), match() and merge() are synchronous (milliseconds; their *Async twins
// run on koffi's worker pool); Gallery.identify() is asynchronous (1:N may take long), as is
// the file loading of Image.load(). A template or gallery must not be closed while an
// asynchronous call that uses it runs; the calls keep their objects referenced meanwhile.
'use strict';

const { koffi, T, fn, imageioLib, callAsync } = require('./native');
const { ZKBioError, check } = require('./errors');

const EINVAL = -1;
const ENOENT = -5;
const ELOWQUALITY = -20;
const freeTemplate = new FinalizationRegistry((p) => fn.zkbio_template_free(p));
const freeImage = new FinalizationRegistry((p) => fn.zkbio_image_free(p));
const freeGallery = new FinalizationRegistry((p) => fn.zkbio_gallery_free(p));

function closedError(what) {
  return new ZKBioError(EINVAL, `the ${what} is closed`);
}

/** A grey-scale fingerprint image (8-bit, 0 = black ridge), owned by libzkbio. */
class Image {
  /** @private wraps a zkbio_image * */
  constructor(ptr) {
    this._p = ptr;
    freeImage.register(this, ptr, this);
  }

  /**
   * From 8-bit grey pixels (copied): {width, height, pixels: Buffer, stride (= width), dpi (500)}.
   * @returns {Image} throws ZKBioError EINVAL on sizes or dpi out of range
   */
  static fromPixels({ width, height, pixels, stride = width, dpi = 500 }) {
    const out = [null];
    check(fn.zkbio_image_from_buffer(Buffer.from(pixels), width, height, stride, dpi, out), '',
      'Image.fromPixels');
    return new Image(out[0]);
  }

  /** From an image file (PNG, TIFF, PGM, ... through libzkbio-imageio), read on a worker thread.
   *  dpi: used when the file does not say (default 500). */
  static async load(path, dpi = 500) {
    const io = imageioLib();
    const out = [null];
    check(await callAsync(io.load, String(path), dpi, out), String(path), 'Image.load');
    return new Image(out[0]);
  }

  /** From the bytes of an image file (PNG, TIFF, PGM, ...). */
  static fromFile(bytes, dpi = 500) {
    const io = imageioLib();
    const b = Buffer.from(bytes), out = [null];
    check(io.loadMem(b, b.length, dpi, out), '', 'Image.fromFile');
    return new Image(out[0]);
  }

  _ptr() {
    if (!this._p)
      throw closedError('image');
    return this._p;
  }

  /** {width, height, stride, dpi} */
  get info() {
    const s = koffi.decode(this._ptr(), T.image);
    return { width: s.width, height: s.height, stride: s.stride, dpi: s.dpi };
  }

  /** A copy of the pixels (height * stride bytes). */
  get pixels() {
    const s = koffi.decode(this._ptr(), T.image);
    return Buffer.from(koffi.view(s.pixels, s.height * s.stride).slice(0));
  }

  /** Free the image now. Idempotent. */
  close() {
    if (this._p) {
      freeImage.unregister(this);
      fn.zkbio_image_free(this._p);
      this._p = null;
    }
  }
}

function exportWith(f, ptr, op) {
  const len = [0];
  let buf = Buffer.alloc(4096);
  let rc = f(ptr, buf, buf.length, len);
  if (rc === -3 /* ZKBIO_ENOSPC: len says how much */ && len[0] > buf.length) {
    buf = Buffer.alloc(len[0]);
    rc = f(ptr, buf, buf.length, len);
  }
  check(rc, '', op);
  return Buffer.from(buf.subarray(0, len[0]));
}

/** A fingerprint template (minutiae, one or more views), owned by libzkbio. */
class Template {
  /** @private wraps a zkbio_template * */
  constructor(ptr) {
    this._p = ptr;
    freeTemplate.register(this, ptr, this);
  }

  /**
   * Import a record: format 'iso' (ISO/IEC 19794-2:2005), 'ansi' (ANSI INCITS 378-2004),
   * 'native' (zkbio's own record, with orientation fields and views) or 'any' (detected).
   * @param {Buffer|Uint8Array} bytes
   * @returns {Template} throws ZKBioError (EPROTO with the offset in `detail`, ...)
   */
  static fromBytes(bytes, format = 'any') {
    const f = {
      iso: fn.zkbio_template_import_iso, ansi: fn.zkbio_template_import_ansi,
      native: fn.zkbio_template_import_native, any: fn.zkbio_template_import_any,
    }[format];
    if (!f)
      throw new TypeError(`format must be iso, ansi, native or any, not ${format}`);
    const b = Buffer.from(bytes), out = [null], err = {};
    const rc = f(b, b.length, out, err);
    if (rc < 0)
      throw new ZKBioError(rc, err.text ? `${err.text} (byte ${err.offset})` : '', 'Template.fromBytes');
    return new Template(out[0]);
  }

  _ptr() {
    if (!this._p)
      throw closedError('template');
    return this._p;
  }

  /** {width, height, xres, yres, fingerPosition, impressionType, fingerQuality, minutiae,
   *  views} */
  get info() {
    const t = koffi.decode(this._ptr(), T.template);
    return {
      width: t.width, height: t.height, xres: t.xres, yres: t.yres,
      fingerPosition: t.finger_position, impressionType: t.impression_type,
      fingerQuality: t.finger_quality, minutiae: Number(t.count), views: t.view_count,
    };
  }

  /** ISO/IEC 19794-2:2005 record (Buffer). */
  toIso() { return exportWith(fn.zkbio_template_export_iso, this._ptr(), 'toIso'); }
  /** ANSI INCITS 378-2004 record (Buffer). */
  toAnsi() { return exportWith(fn.zkbio_template_export_ansi, this._ptr(), 'toAnsi'); }
  /** zkbio's native record (Buffer): keeps views and orientation fields. */
  toNative() { return exportWith(fn.zkbio_template_export_native, this._ptr(), 'toNative'); }

  /** An independent copy. */
  clone() {
    const out = [null];
    check(fn.zkbio_template_dup(this._ptr(), out), '', 'clone');
    return new Template(out[0]);
  }

  /** Free the template now. Idempotent. */
  close() {
    if (this._p) {
      freeTemplate.unregister(this);
      fn.zkbio_template_free(this._p);
      this._p = null;
    }
  }
}

function imageOf(image) {
  if (image instanceof Image)
    return { img: image, own: false };
  return { img: Image.fromPixels(image), own: true };
}

/** Byte size of each zkbio_capture_report field read below (quality.h). */
const REPORT_FIELDS = {
  worst: 1, dryness: 1, wetness: 1, contrast: 1, smear: 1, edge_cut: 1, foreground: 4, offset_x: 2,
  offset_y: 2,
};

/**
 * The capture report in the binding's shape. The library writes at most `r.size` bytes (the size
 * set before the call, which it gives back; the first 8 always): a field past it reads as 0.
 */
function reportOf(r) {
  const v = {};
  for (const [f, n] of Object.entries(REPORT_FIELDS))
    v[f] = koffi.offsetof(T.capture_report, f) + n <= r.size ? r[f] : 0;
  const reasons = [];
  for (let b = 0; b < 16; b++)
    if (r.reasons & (1 << b))
      reasons.push(fn.zkbio_retake_name(b));
  const retake = fn.zkbio_retake_name(r.retake);
  return {
    retake, message: fn.zkbio_retake_message(r.retake), ok: retake === 'none', quality: r.quality,
    reasons, worst: fn.zkbio_retake_name(v.worst), dryness: v.dryness, wetness: v.wetness,
    contrast: v.contrast, smear: v.smear, edgeCut: v.edge_cut, foreground: v.foreground,
    offsetX: v.offset_x, offsetY: v.offset_y,
  };
}

/** A zkbio_capture_report to pass in: `size` set, the rest zero. */
function newReport() {
  const r = { size: koffi.sizeof(T.capture_report), retake: 0, quality: 0, reasons: 0, reserved: 0 };
  for (const f of Object.keys(REPORT_FIELDS))
    r[f] = 0;
  return r;
}

function extracted(rc, out, info, rep, op = 'extract') {
  // the report is written on ZKBIO_OK and ZKBIO_ELOWQUALITY only (quality.h)
  const report = rep && (rc === 0 || rc === ELOWQUALITY) ? reportOf(rep) : null;
  if (rc < 0) {
    const reason = info.reason ? fn.zkbio_unusable_name(info.reason) : '';
    const e = new ZKBioError(rc, reason, op);
    e.quality = info.quality;
    e.reason = reason;
    if (report)
      e.report = report;
    throw e;
  }
  const t = new Template(out[0]);
  t.quality = info.quality;
  return report ? { template: t, report } : t;
}

/**
 * Extract a template from an Image or from {width, height, pixels, stride, dpi}.
 * The result carries `quality` (0..100). Throws ZKBioError (ELOWQUALITY with `reason` when the
 * image is unusable).
 */
function extract(image) {
  const { img, own } = imageOf(image);
  try {
    const out = [null], info = {};
    return extracted(fn.zkbio_extract(img._ptr(), out, info), out, info);
  } finally {
    if (own)
      img.close();
  }
}

/** extract() on a worker thread. */
async function extractAsync(image) {
  const { img, own } = imageOf(image);
  try {
    const out = [null], info = {};
    return extracted(await callAsync(fn.zkbio_extract, img._ptr(), out, info), out, info);
  } finally {
    if (own)
      img.close();
  }
}

/**
 * extract() with a capture quality report (zkbio_extract_report): {template, report}, the same
 * Template as extract() and the report {retake, message, ok, quality, reasons, worst, dryness,
 * wetness, contrast, smear, edgeCut, foreground, offsetX, offsetY}. An unusable image throws
 * ZKBioError ELOWQUALITY as extract() does, with the report as the error's `report`.
 */
function extractReport(image) {
  const { img, own } = imageOf(image);
  try {
    const out = [null], info = {}, rep = newReport();
    return extracted(fn.zkbio_extract_report(img._ptr(), out, info, rep), out, info, rep,
      'extractReport');
  } finally {
    if (own)
      img.close();
  }
}

/** extractReport() on a worker thread. */
async function extractReportAsync(image) {
  const { img, own } = imageOf(image);
  try {
    const out = [null], info = {}, rep = newReport();
    return extracted(await callAsync(fn.zkbio_extract_report, img._ptr(), out, info, rep), out,
      info, rep, 'extractReport');
  } finally {
    if (own)
      img.close();
  }
}

/**
 * The 1:N decision threshold (zkbio_gallery_threshold_compute): the score each of the `n`
 * comparisons of a search must reach for its false positive identification rate to be at most
 * `fpir`: 10*log10(n / fpir), rounded up to hundredths (fpir 1e-3: 40 for n = 10, 50 for 100).
 * 0 < fpir < 1, n >= 0 templates (0 counts as 1); otherwise ZKBioError EINVAL.
 */
function thresholdForFpir(fpir, n) {
  if (!Number.isSafeInteger(n) || n < 0)
    throw new ZKBioError(EINVAL, `gallery size must be an integer >= 0, not ${n}`, 'thresholdForFpir');
  const t = [0];
  check(fn.zkbio_gallery_threshold_compute(fpir, n, t), '', 'thresholdForFpir');
  return t[0];
}

/** Calibrated score of two templates: 10*log10(1/FMR), so 40 means FMR 0.01 % (match.h). */
function match(a, b) {
  const s = [0];
  check(fn.zkbio_match(a._ptr(), b._ptr(), s), '', 'match');
  return s[0];
}

/** match() on a worker thread. */
async function matchAsync(a, b) {
  const s = [0];
  check(await callAsync(fn.zkbio_match, a._ptr(), b._ptr(), s), '', 'match');
  return s[0];
}

/** Merge three one-view captures of one finger into a 3-view enrollment template. Throws
 *  ZKBioError ELOWQUALITY or EMISMATCH (not the same finger). */
function merge(captures) {
  if (!Array.isArray(captures) || captures.length !== 3)
    throw new TypeError('merge() takes an array of three templates');
  const out = [null];
  check(fn.zkbio_merge(captures.map((t) => t._ptr()), out), '', 'merge');
  return new Template(out[0]);
}

/** The first `n` zkbio_candidate records of `top` as [{id, score}]. */
function candidates(top, n) {
  const stride = koffi.sizeof(T.candidate), out = [];
  for (let i = 0; i < Number(n); i++)
    out.push({ id: top.readUInt32LE(i * stride + koffi.offsetof(T.candidate, 'id')),
      score: top.readDoubleLE(i * stride + koffi.offsetof(T.candidate, 'score')) });
  return out;
}

/** A 1:N gallery of templates by uint32 id (copies are kept). */
class Gallery {
  /** @param {number} [threads] identify threads, 0 = one per CPU */
  constructor(threads = 0) {
    const out = [null];
    check(fn.zkbio_gallery_new(threads, out), '', 'Gallery');
    this._p = out[0];
    freeGallery.register(this, this._p, this);
  }

  _ptr() {
    if (!this._p)
      throw closedError('gallery');
    return this._p;
  }

  /** Add a copy of the template under `id` (> 0); ZKBioError EEXIST when taken. */
  add(id, template) { check(fn.zkbio_gallery_add(this._ptr(), id >>> 0, template._ptr()), '', 'add'); }
  /** Remove `id`; ZKBioError ENOENT when absent. */
  remove(id) { check(fn.zkbio_gallery_remove(this._ptr(), id >>> 0), '', 'remove'); }
  /** Remove every template. */
  clear() { check(fn.zkbio_gallery_clear(this._ptr()), '', 'clear'); }
  /** Number of templates. */
  get size() {
    const n = [0];
    check(fn.zkbio_gallery_count(this._ptr(), n), '', 'size');
    return Number(n[0]);
  }

  /**
   * Identify `probe` on a worker thread: the best `k` candidates scoring at least `threshold`,
   * best first: [{id, score}] (empty when none reaches it).
   */
  async identify(probe, { threshold = 40, k = 1 } = {}) {
    const stride = koffi.sizeof(T.candidate);
    const top = Buffer.alloc(stride * k), found = [0];
    const g = this._ptr(), p = probe._ptr();
    const rc = await callAsync(fn.zkbio_gallery_identify, g, p, threshold, top, k, found);
    if (rc === ENOENT /* nothing reached the threshold */)
      return [];
    check(rc, '', 'identify');
    return candidates(top, found[0]);
  }

  /**
   * identify() with the threshold chosen for a false positive identification rate `fpir`
   * (0 < fpir < 1) by the 1:N rule of thresholdForFpir(), with the number of templates in the
   * gallery when the search starts (counted under the search's lock): {candidates, threshold},
   * the [{id, score}] identify() gives (empty when none reaches it) and the threshold used.
   * ZKBioError EINVAL for an fpir outside (0, 1).
   */
  async identifyFpir(probe, fpir, { k = 1 } = {}) {
    const top = Buffer.alloc(koffi.sizeof(T.candidate) * k), found = [0], used = [0];
    const g = this._ptr(), p = probe._ptr();
    const rc = await callAsync(fn.zkbio_gallery_identify_fpir, g, p, fpir, top, k, found, used);
    if (rc === ENOENT /* nothing reached the threshold, which is written all the same */)
      return { candidates: [], threshold: used[0] };
    check(rc, '', 'identifyFpir');
    return { candidates: candidates(top, found[0]), threshold: used[0] };
  }

  /** Free the gallery now. Idempotent. */
  close() {
    if (this._p) {
      freeGallery.unregister(this);
      fn.zkbio_gallery_free(this._p);
      this._p = null;
    }
  }
}

module.exports = {
  Image, Template, extract, extractAsync, extractReport, extractReportAsync, match, matchAsync, merge,
  Gallery, thresholdForFpir,
};
