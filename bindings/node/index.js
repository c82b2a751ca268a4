// SPDX-License-Identifier: Apache-2.0
// zkbio for Node: libzkbio through koffi. The native, camelCase API: Terminal (4370 terminals),
// the fingerprint engine (Template, extract, extractReport, match, merge, Gallery,
// thresholdForFpir), Reader (capture), and one ZKBioError. The node-zklib-compatible class is
// `require('zkbio/zklib')`.
'use strict';

const native = require('./lib/native');
const { ZKBioError, errorCodes } = require('./lib/errors');
const { Terminal, EVENT } = require('./lib/terminal');
const engine = require('./lib/engine');
const { ReaderContext, Reader, BACKEND, OUTPUT } = require('./lib/reader');

module.exports = {
  /** libzkbio's version string, e.g. "0.3.0". */
  version: native.fn.zkbio_version(),
  /** Path of the libzkbio that was loaded. */
  libraryPath: native.path,
  ZKBioError,
  /** {EINVAL: -1, ...}: every error code by name. */
  errors: errorCodes(),
  Terminal,
  EVENT,
  Image: engine.Image,
  Template: engine.Template,
  extract: engine.extract,
  extractAsync: engine.extractAsync,
  extractReport: engine.extractReport,
  extractReportAsync: engine.extractReportAsync,
  match: engine.match,
  matchAsync: engine.matchAsync,
  merge: engine.merge,
  Gallery: engine.Gallery,
  thresholdForFpir: engine.thresholdForFpir,
  ReaderContext,
  Reader,
  BACKEND,
  OUTPUT,
};
