// SPDX-License-Identifier: Apache-2.0
// The one place that knows libzkbio's C ABI: finding and loading the shared library, koffi
// declarations of the functions the binding calls and mirrors of the structs they take
// (include/zkbio/*.h). Everything else in the package goes through this module.
//
// Loading order (platforms.md §2.4, the same as the Python binding's): the ZKBIO_LIBRARY
// environment variable (a path), then a copy bundled next to the package (lib/native/), then the
// OS's own search for the versioned name: libzkbio.so.0 (Linux), libzkbio.0.dylib (macOS),
// libzkbio-0.dll (Windows). libzkbio-imageio (image files) is found the same way through
// ZKBIO_IMAGEIO_LIBRARY; it is optional and loaded on first use.
//
// Threads (service.md §6): koffi's `.async()` runs a call on its worker pool and calls back on the
// JS thread. libzkbio never calls a JS function from a thread of its own here: callbacks passed
// to C (the 4370 event poll) are only ever given to synchronous calls made on the JS thread,
// where C invokes them before returning.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const koffi = require('koffi');

const OS_NAMES = {
  linux: ['libzkbio.so.0', 'libzkbio.so'],
  darwin: ['libzkbio.0.dylib', 'libzkbio.dylib'],
  win32: ['libzkbio-0.dll', 'zkbio.dll'],
};
const IMAGEIO_NAMES = {
  linux: ['libzkbio-imageio.so.0', 'libzkbio-imageio.so'],
  darwin: ['libzkbio-imageio.0.dylib', 'libzkbio-imageio.dylib'],
  win32: ['libzkbio-imageio-0.dll', 'zkbio-imageio.dll'],
};

/** The names tried for a library, in order: [env path], bundled copies, then OS names. */
function candidates(envName, names) {
  const list = [];
  const env = process.env[envName];
  if (env)
    return [env]; // an explicit path is the only one tried: a wrong path must not fall back silently
  const own = names[process.platform] || names.linux;
  for (const n of own)
    list.push(path.join(__dirname, 'native', n));
  return list.concat(own);
}

function loadFirst(envName, names) {
  const errors = [];
  for (const c of candidates(envName, names)) {
    if (path.isAbsolute(c) && !fs.existsSync(c)) {
      errors.push(`${c}: not found`);
      continue;
    }
    try {
      return { lib: koffi.load(c), path: c };
    } catch (e) {
      errors.push(`${c}: ${e.message}`);
    }
  }
  const err = new Error(`cannot load ${names.linux[0].replace(/\.so.*/, '')} (set ${envName}): ` +
                        errors.join('; '));
  err.code = 'ZKBIO_ELOAD';
  throw err;
}

/**
 * Keep a loaded library mapped until the process ends. libzkbio gives each thread that matches a
 * scratch area freed by a pthread key destructor (lib/fp/match/match.c); koffi's worker threads
 * run those calls and end after koffi has unloaded the library at exit, so a library that left
 * its key in place would have them jump into unmapped code (a crash at exit). Since 0.4 libzkbio
 * protects itself: it deletes the key when it is unloaded (those threads' scratch areas are then
 * leaked, not freed; tests/unit/test-match-unload.c). The pin stays, harmless, for an older
 * libzkbio and for any other per-thread state. RTLD_NODELETE (glibc, macOS) or a pinned module
 * (Windows) prevents the unload; best effort: a failure leaves the library as is.
 */
function pin(file) {
  try {
    if (process.platform === 'win32') {
      const k32 = koffi.load('kernel32.dll');
      const getHandle = k32.func('bool __stdcall GetModuleHandleExW(uint32_t flags, const char16_t *name, _Out_ void **h)');
      getHandle(1 /* GET_MODULE_HANDLE_EX_FLAG_PIN */, file, [null]);
      return;
    }
    const libc = koffi.load(process.platform === 'darwin' ? 'libSystem.dylib' : 'libc.so.6');
    const dlopen = libc.func('void *dlopen(const char *file, int mode)');
    // RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE: an extra reference to the library already loaded
    const mode = process.platform === 'darwin' ? 0x2 | 0x10 | 0x80 : 0x2 | 0x4 | 0x1000;
    dlopen(file, mode);
  } catch (e) {
    // not fatal: only the exit path is affected
  }
}

const loaded = loadFirst('ZKBIO_LIBRARY', OS_NAMES);
const lib = loaded.lib;
pin(loaded.path);

// ---- types (mirrors of include/zkbio/*.h; checked against the C compiler by test/abi.test.js) ----

const T = {};
T.error_info = koffi.struct('zkbio_error_info', {
  code: 'int',
  offset: 'size_t',
  line: 'unsigned int',
  text: koffi.array('char', 160, 'String'),
});

// zk4370.h
T.zk_time = koffi.struct('zkbio_zk_time', {
  year: 'uint16_t', month: 'uint8_t', day: 'uint8_t', hour: 'uint8_t', minute: 'uint8_t',
  second: 'uint8_t',
});
T.zk_user = koffi.struct('zkbio_zk_user', {
  uid: 'uint16_t',
  privilege: 'uint8_t',
  password: koffi.array('char', 9, 'String'),
  name: koffi.array('char', 100, 'String'),
  card: 'uint32_t',
  group: 'uint8_t',
  tz_flag: 'uint16_t',
  tz: koffi.array('uint16_t', 3, 'Array'),
  user_id: koffi.array('char', 25, 'String'),
});
T.zk_att = koffi.struct('zkbio_zk_att', {
  uid: 'uint16_t',
  user_id: koffi.array('char', 25, 'String'),
  verify: 'uint8_t',
  state: 'uint8_t',
  time_raw: 'uint32_t',
  time: T.zk_time,
  workcode: 'uint32_t',
});
T.zk_template = koffi.struct('zkbio_zk_template', {
  uid: 'uint16_t', fid: 'uint8_t', flag: 'uint8_t', data: 'const uint8_t *', len: 'size_t',
});
T.zk_sizes = koffi.struct('zkbio_zk_sizes', {
  users: 'uint32_t', fingers: 'uint32_t', records: 'uint32_t', oplogs: 'uint32_t',
  admins: 'uint32_t', passwords: 'uint32_t', fingers_cap: 'uint32_t', users_cap: 'uint32_t',
  records_cap: 'uint32_t', fingers_av: 'uint32_t', users_av: 'uint32_t', records_av: 'uint32_t',
  faces: 'uint32_t', faces_cap: 'uint32_t',
});
T.zk_event = koffi.struct('zkbio_zk_event', {
  flag: 'uint16_t',
  user_id: koffi.array('char', 25, 'String'),
  verify: 'uint8_t',
  state: 'uint8_t',
  time: T.zk_time,
  user_sn: 'uint32_t',
  result: 'uint16_t',
  size: 'uint16_t',
  fid: 'uint8_t',
  score: 'uint8_t',
  value: 'uint32_t',
});
// zk4370_client.h
T.zk_client_options = koffi.struct('zkbio_zk_client_options', {
  size: 'uint32_t',
  transport: 'int',
  comm_key: 'uint32_t',
  timeout_ms: 'int',
  retries: 'int',
  charset: 'const char *',
  max_dataset: 'size_t',
  lenient_checksum: 'int',
});
T.zk_info = koffi.struct('zkbio_zk_info', {
  serial: koffi.array('char', 64, 'String'),
  model: koffi.array('char', 64, 'String'),
  firmware: koffi.array('char', 64, 'String'),
  platform: koffi.array('char', 64, 'String'),
  mac: koffi.array('char', 32, 'String'),
  vendor: koffi.array('char', 64, 'String'),
  fp_version: koffi.array('char', 16, 'String'),
  pin_width: 'int',
  sizes: T.zk_sizes,
});
T.zk_client = koffi.opaque('zkbio_zk_client');
T.zk_event_cb = koffi.proto('int zkbio_zk_event_cb(const zkbio_zk_event *ev, void *user)');

// template.h
T.minutia = koffi.struct('zkbio_minutia', {
  x: 'uint16_t', y: 'uint16_t', angle: 'uint8_t', type: 'uint8_t', quality: 'uint8_t',
  view: 'uint8_t',
});
T.ofield = koffi.struct('zkbio_ofield', {
  x0: 'uint8_t', y0: 'uint8_t', cols: 'uint8_t', rows: 'uint8_t', cells: 'uint8_t *',
});
T.template = koffi.struct('zkbio_template', {
  width: 'uint16_t',
  height: 'uint16_t',
  xres: 'uint16_t',
  yres: 'uint16_t',
  equipment: 'uint16_t',
  ansi_product_id: 'uint32_t',
  finger_position: 'uint8_t',
  impression_type: 'uint8_t',
  finger_quality: 'uint8_t',
  count: 'size_t',
  minutiae: 'zkbio_minutia *',
  view_count: 'uint8_t',
  ofield: koffi.array(T.ofield, 3),
});
// image.h, extract.h, gallery.h
T.image = koffi.struct('zkbio_image', {
  width: 'uint32_t', height: 'uint32_t', stride: 'uint32_t', dpi: 'uint16_t', pixels: 'uint8_t *',
});
T.extract_info = koffi.struct('zkbio_extract_info', {
  quality: 'uint8_t', reason: 'uint8_t', foreground: 'uint32_t', minutiae: 'uint32_t',
});
// quality.h: `size` first (set by the caller; the library writes at most that many bytes)
T.capture_report = koffi.struct('zkbio_capture_report', {
  size: 'uint32_t', retake: 'uint8_t', quality: 'uint8_t', reasons: 'uint16_t', worst: 'uint8_t',
  dryness: 'uint8_t', wetness: 'uint8_t', contrast: 'uint8_t', smear: 'uint8_t', edge_cut: 'uint8_t',
  reserved: 'uint16_t', foreground: 'uint32_t', offset_x: 'int16_t', offset_y: 'int16_t',
});
T.candidate = koffi.struct('zkbio_candidate', { id: 'uint32_t', score: 'double' });
T.gallery = koffi.opaque('zkbio_gallery');
T.matcher = koffi.opaque('zkbio_matcher');
// reader.h
T.reader_info = koffi.struct('zkbio_reader_info', {
  id: koffi.array('char', 64, 'String'),
  backend: koffi.array('char', 16, 'String'),
  vendor_id: 'uint16_t',
  product_id: 'uint16_t',
  model: koffi.array('char', 64, 'String'),
  serial: koffi.array('char', 64, 'String'),
  width: 'uint32_t',
  height: 'uint32_t',
  dpi: 'uint16_t',
  caps: 'uint32_t',
});
T.reader_image_loader = koffi.proto(
  'int zkbio_reader_image_loader(const char *path, uint16_t default_dpi, _Out_ zkbio_image **out)');
T.reader_config = koffi.struct('zkbio_reader_config', {
  size: 'uint32_t',
  backends: 'uint32_t',
  sim: 'const char *',
  zkfp_library: 'const char *',
  load_image: 'void *', // a C function pointer (zkbio_image_load of libzkbio-imageio), never a JS one
  hotplug_poll_ms: 'int',
});
T.reader_timing = koffi.struct('zkbio_reader_timing', { total_us: 'uint64_t', backend_us: 'uint64_t' });
T.reader_ctx = koffi.opaque('zkbio_reader_ctx');
T.reader = koffi.opaque('zkbio_reader');

// ---- functions -----------------------------------------------------------------------------------

const DECLS = [
  // error.h, version.h
  'const char *zkbio_error_name(int code)',
  'const char *zkbio_strerror(int code)',
  'const char *zkbio_version(void)',
  // zk4370_client.h
  'int zkbio_zk_client_open(const char *host, uint16_t port, const zkbio_zk_client_options *opt, _Out_ zkbio_zk_client **out)',
  'void zkbio_zk_client_close(zkbio_zk_client *c)',
  'int zkbio_zk_client_transport(zkbio_zk_client *c, _Out_ int *out)',
  'int zkbio_zk_client_last_error(zkbio_zk_client *c, _Out_ uint8_t *out, size_t outsize)',
  'void zkbio_zk_free(void *p)',
  'int zkbio_zk_info_get(zkbio_zk_client *c, _Out_ zkbio_zk_info *out)',
  'int zkbio_zk_option_get(zkbio_zk_client *c, const char *name, _Out_ uint8_t *out, size_t outsize)',
  'int zkbio_zk_option_set(zkbio_zk_client *c, const char *name, const char *value)',
  'int zkbio_zk_time_get(zkbio_zk_client *c, _Out_ zkbio_zk_time *out)',
  'int zkbio_zk_time_set(zkbio_zk_client *c, const zkbio_zk_time *t)',
  'int zkbio_zk_users_get(zkbio_zk_client *c, _Out_ void **users, _Out_ size_t *count)',
  'int zkbio_zk_user_set(zkbio_zk_client *c, const zkbio_zk_user *u)',
  'int zkbio_zk_user_delete(zkbio_zk_client *c, uint16_t uid)',
  'int zkbio_zk_templates_get(zkbio_zk_client *c, _Out_ void **templates, _Out_ size_t *count)',
  'int zkbio_zk_template_get(zkbio_zk_client *c, uint16_t uid, uint8_t fid, _Out_ void **data, _Out_ size_t *len)',
  'int zkbio_zk_template_set(zkbio_zk_client *c, uint16_t uid, uint8_t fid, uint8_t flag, const uint8_t *data, size_t len)',
  'int zkbio_zk_template_delete(zkbio_zk_client *c, uint16_t uid, uint8_t fid)',
  'int zkbio_zk_attendance_get(zkbio_zk_client *c, const zkbio_zk_time *since, _Out_ void **records, _Out_ size_t *count)',
  'int zkbio_zk_attendance_clear(zkbio_zk_client *c)',
  'int zkbio_zk_unlock(zkbio_zk_client *c, uint32_t deciseconds)',
  'int zkbio_zk_restart(zkbio_zk_client *c)',
  'int zkbio_zk_poweroff(zkbio_zk_client *c)',
  'int zkbio_zk_enable(zkbio_zk_client *c)',
  'int zkbio_zk_disable(zkbio_zk_client *c)',
  'int zkbio_zk_refresh(zkbio_zk_client *c)',
  'int zkbio_zk_events_register(zkbio_zk_client *c, uint32_t mask)',
  // since 0.4 (issue 17): one command without bulk transfer, for executeCmd() and the SDK extras
  'int zkbio_zk_command_send(zkbio_zk_client *c, uint16_t cmd, const uint8_t *data, size_t len, _Out_ uint8_t *reply, size_t reply_size, _Out_ size_t *reply_len, _Out_ uint16_t *code)',
  'int zkbio_zk_enroll(zkbio_zk_client *c, const char *user_id, uint8_t fid, int timeout_ms, zkbio_zk_event_cb *cb, void *user)',
  'int zkbio_zk_events_poll(zkbio_zk_client *c, int wait_ms, zkbio_zk_event_cb *cb, void *user, _Out_ size_t *delivered)',
  'int zkbio_zk_time_format(const zkbio_zk_time *t, _Out_ uint8_t *out)',
  'int zkbio_zk_time_encode(const zkbio_zk_time *t, _Out_ uint32_t *out)',
  'int zkbio_zk_sizes_build(const zkbio_zk_sizes *s, _Out_ uint8_t *out)',
  // template.h
  'void zkbio_template_free(zkbio_template *t)',
  'int zkbio_template_dup(const zkbio_template *t, _Out_ zkbio_template **out)',
  'int zkbio_template_import_iso(const uint8_t *data, size_t len, _Out_ zkbio_template **out, _Out_ zkbio_error_info *err)',
  'int zkbio_template_import_ansi(const uint8_t *data, size_t len, _Out_ zkbio_template **out, _Out_ zkbio_error_info *err)',
  'int zkbio_template_import_native(const uint8_t *data, size_t len, _Out_ zkbio_template **out, _Out_ zkbio_error_info *err)',
  'int zkbio_template_import_any(const uint8_t *data, size_t len, _Out_ zkbio_template **out, _Out_ zkbio_error_info *err)',
  'int zkbio_template_export_iso(const zkbio_template *t, _Out_ uint8_t *buf, size_t size, _Out_ size_t *len)',
  'int zkbio_template_export_ansi(const zkbio_template *t, _Out_ uint8_t *buf, size_t size, _Out_ size_t *len)',
  'int zkbio_template_export_native(const zkbio_template *t, _Out_ uint8_t *buf, size_t size, _Out_ size_t *len)',
  // image.h, extract.h, quality.h, match.h, merge.h, gallery.h
  'int zkbio_image_from_buffer(const uint8_t *grey, uint32_t width, uint32_t height, uint32_t stride, uint16_t dpi, _Out_ zkbio_image **out)',
  'void zkbio_image_free(zkbio_image *img)',
  'const char *zkbio_unusable_name(int reason)',
  'int zkbio_extract(const zkbio_image *img, _Out_ zkbio_template **out, _Out_ zkbio_extract_info *info)',
  // since 0.4 (issue 18): the capture quality report and the 1:N decision rule
  'int zkbio_extract_report(const zkbio_image *img, _Out_ zkbio_template **out, _Out_ zkbio_extract_info *info, _Inout_ zkbio_capture_report *report)',
  'const char *zkbio_retake_name(int retake)',
  'const char *zkbio_retake_message(int retake)',
  'int zkbio_gallery_threshold_compute(double fpir, size_t gallery_size, _Out_ double *threshold)',
  'int zkbio_gallery_identify_fpir(zkbio_gallery *g, const zkbio_template *probe, double fpir, _Out_ uint8_t *top, size_t k, _Out_ size_t *found, _Out_ double *threshold_used)',
  'int zkbio_match(const zkbio_template *probe, const zkbio_template *candidate, _Out_ double *score)',
  'int zkbio_merge(zkbio_template **captures, _Out_ zkbio_template **out)',
  'int zkbio_gallery_new(unsigned int threads, _Out_ zkbio_gallery **out)',
  'void zkbio_gallery_free(zkbio_gallery *g)',
  'int zkbio_gallery_add(zkbio_gallery *g, uint32_t id, const zkbio_template *t)',
  'int zkbio_gallery_remove(zkbio_gallery *g, uint32_t id)',
  'int zkbio_gallery_clear(zkbio_gallery *g)',
  'int zkbio_gallery_count(const zkbio_gallery *g, _Out_ size_t *count)',
  'int zkbio_gallery_identify(zkbio_gallery *g, const zkbio_template *probe, double threshold, _Out_ uint8_t *top, size_t k, _Out_ size_t *found)',
  // reader.h
  'int zkbio_reader_ctx_new(const zkbio_reader_config *cfg, _Out_ zkbio_reader_ctx **out)',
  'void zkbio_reader_ctx_free(zkbio_reader_ctx *ctx)',
  'int zkbio_reader_enumerate(zkbio_reader_ctx *ctx, _Out_ void **infos, _Out_ size_t *count)',
  'void zkbio_reader_info_free(void *infos)',
  'int zkbio_reader_open(zkbio_reader_ctx *ctx, const char *id, _Out_ zkbio_reader **out)',
  'void zkbio_reader_close(zkbio_reader *r)',
  'int zkbio_reader_info_get(const zkbio_reader *r, _Out_ zkbio_reader_info *info)',
  'int zkbio_reader_capture(zkbio_reader *r, int timeout_ms, _Out_ zkbio_image **out)',
  'int zkbio_reader_cancel(zkbio_reader *r)',
  'int zkbio_reader_finger_present(zkbio_reader *r, _Out_ int *present)',
  'int zkbio_reader_output_set(zkbio_reader *r, int output, int on)',
  'const char *zkbio_reader_last_error(void)',
  'int zkbio_sim_send(const char *path, const zkbio_image *img, int command, int value)',
];

const fn = {};
for (const d of DECLS) {
  const f = lib.func(d);
  fn[d.match(/(zkbio_\w+)\(/)[1]] = f;
}

// libzkbio-imageio (optional: image files). Loaded on first use.
let imageio = null;
function imageioLib() {
  if (!imageio) {
    let found;
    if (!process.env.ZKBIO_IMAGEIO_LIBRARY && path.isAbsolute(loaded.path)) {
      // a build tree or an install prefix: libzkbio-imageio beside libzkbio or in imageio/ below it
      const dir = path.dirname(loaded.path);
      const own = IMAGEIO_NAMES[process.platform] || IMAGEIO_NAMES.linux;
      for (const d of [dir, path.join(dir, 'imageio')])
        for (const n of own)
          if (!found && fs.existsSync(path.join(d, n)))
            found = path.join(d, n);
    }
    const h = found ? { lib: koffi.load(found), path: found } :
                      loadFirst('ZKBIO_IMAGEIO_LIBRARY', IMAGEIO_NAMES);
    pin(h.path);
    imageio = {
      path: h.path,
      load: h.lib.func('int zkbio_image_load(const char *path, uint16_t default_dpi, _Out_ zkbio_image **out)'),
      loadMem: h.lib.func('int zkbio_image_load_mem(const uint8_t *data, size_t len, uint16_t default_dpi, _Out_ zkbio_image **out)'),
      // the C function's own address, for zkbio_reader_config.load_image (called by C on its
      // capture thread: a C function, never a JS one)
      loadPtr: h.lib.symbol('zkbio_image_load'),
    };
  }
  return imageio;
}

/** Promise of `f.async(...args)`: the call runs on koffi's worker pool. */
function callAsync(f, ...args) {
  return new Promise((resolve, reject) => {
    f.async(...args, (err, res) => (err ? reject(err) : resolve(res)));
  });
}

module.exports = { koffi, lib, path: loaded.path, T, fn, imageioLib, callAsync };
