// SPDX-License-Identifier: Apache-2.0
// The binding's one error class: every failure of a libzkbio call becomes a ZKBioError carrying
// the library's code (a negative zkbio_error, error.h), its symbolic name and English text, and
// the handle's last-error detail when there is one. Comm keys and templates never appear in it
// (libzkbio's texts never hold them, and the binding adds none).
'use strict';

const { fn } = require('./native');

class ZKBioError extends Error {
  /**
   * @param {number} code negative zkbio_error
   * @param {string} [detail] the handle's last-error text (zkbio_zk_client_last_error, ...)
   * @param {string} [op] the operation that failed, e.g. "getUsers"
   */
  constructor(code, detail, op) {
    const name = fn.zkbio_error_name(code);
    const text = fn.zkbio_strerror(code);
    let msg = text;
    if (detail && detail !== text)
      msg += `: ${detail}`;
    if (op)
      msg = `${op}: ${msg}`;
    super(msg);
    /** symbolic name of the code, e.g. "ZKBIO_ETIMEDOUT" (test the class with instanceof) */
    this.name = name;
    /** negative zkbio_error code, e.g. -8 */
    this.code = code;
    /** the handle's own detail ("" when none) */
    this.detail = detail || '';
  }
}

/** Throw a ZKBioError when rc is negative; return rc otherwise. */
function check(rc, detail, op) {
  if (rc < 0)
    throw new ZKBioError(rc, typeof detail === 'function' ? detail() : detail, op);
  return rc;
}

/** Symbolic names of every code (ZKBIO_OK .. the last one libzkbio knows), by code. */
function errorCodes() {
  const out = {};
  for (let c = 0; c > -100; c--) {
    const n = fn.zkbio_error_name(c);
    if (n === 'ZKBIO_UNKNOWN')
      break;
    out[n.replace(/^ZKBIO_/, '')] = c;
  }
  return out;
}

module.exports = { ZKBioError, check, errorCodes };
