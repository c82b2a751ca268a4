/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file reader.h
 * @brief Fingerprint readers attached to this computer: enumerate, watch for hotplug, open,
 * capture one image (with a timeout and a cancel from another thread), finger detection, LEDs and
 * buzzer.
 *
 * Backends (one reader id namespace each; the prefix before ':' is the backend name):
 * - `sim`: a virtual reader for tests, demos and CI, modelled on libfprint's virtual image device
 *   (shared reference `fingerprint.md` §2.4). Configured by zkbio_reader_config.sim or the
 *   environment variable ZKBIO_SIM: `;`-separated entries, one reader each, in this order:
 *   - `dir:PATH` serves the regular, non-hidden files of folder PATH in name order (byte order),
 *     one per capture, then reports no finger (captures time out). Binary PGM (P5, maxval 255) is
 *     read natively; any other format needs zkbio_reader_config.load_image (pass
 *     zkbio_image_load from libzkbio-imageio, imageio.h); without it such a file makes that capture
 *     fail with ZKBIO_ENOTSUP (the file is skipped). Images are served at their own dpi; PGM at
 *     500 dpi.
 *   - `socket:PATH` listens on the Unix-domain stream socket PATH (a named pipe `\\.\pipe\NAME`
 *     on Windows, where PATH is NAME). A stale socket file at PATH is replaced; a live one
 *     (another context listening) makes zkbio_reader_ctx_new() fail with ZKBIO_EBUSY. Clients
 *     connect and send messages (below, or use zkbio_sim_send()); the library answers each with
 *     a 4-byte little-endian int32 status (0 accepted, or a negative zkbio_error).
 *   Reader ids are `sim:0`, `sim:1`, ... by entry position.
 * - `zk4500`: native libusb driver for the ZK4500 (USB 1b55:0840), open protocol of the shared
 *   reference `fingerprint.md` §2.3: vendor request 0xE5 then a 307,200-byte bulk read on endpoint
 *   0x82 (640x480 8-bit grey), the reader's old buffered frame read and dropped at open and
 *   before a capture or finger check that follows a pause of over 100 ms; vendor request 0xE1
 *   for the LEDs and buzzer; finger presence judged from image content (ridge contrast).
 *   Ids are `zk4500:BUS-PORT[.PORT...]` (stable while the reader stays in the same USB port).
 *   The dpi is reported as 500 (the protocol does not say; ZKTeco's capture parameters use 500,
 *   §2.2). Present only when libzkbio was built with libusb.
 * - `zkfp`: the vendor ZKFinger library loaded at run time (`libzkfp.so`, `libzkfp.dll`;
 *   zkbio_reader_config.zkfp_library, else ZKBIO_ZKFP_LIBRARY, else the system's library search
 *   path), for readers whose USB protocol is not public (ZK9500, SLK20R/Live20R, Live10R, ZK6500).
 *   Sizes, dpi, vendor/product ids, names and serial come from ZKFPM_GetParameters codes 1, 2, 3,
 *   1015, 1101-1103 (§1.4); ZKFPM error codes are mapped to zkbio errors (§1.5). When the library
 *   is absent the backend lists no readers, and zkbio_reader_last_error() after
 *   zkbio_reader_ctx_new() or zkbio_reader_enumerate() names what was tried. Ids are `zkfp:INDEX`.
 *
 * Sim socket messages (all integers little-endian int32; the framing of libfprint's virtual image
 * device, §2.4, with explicit byte order):
 * - a frame: `width` (ZKBIO_IMAGE_DIM_MIN..ZKBIO_IMAGE_DIM_MAX), `height` (same), then width *
 *   height bytes of 8-bit grey, row-major (0 = black ridge, 255 = white background). Frames are
 *   queued (at most ZKBIO_SIM_QUEUE_MAX; a frame beyond that is refused with ZKBIO_ENOSPC, a frame
 *   sent while the reader is unplugged with ZKBIO_ENODEV) and each capture takes the oldest, at
 *   500 dpi. A finger is present while a frame is queued.
 * - a control message: a negative `command` and an int32 `value` (zkbio_sim_command):
 *   finger on/off, a capture error (`value` is the zkbio error the pending or next capture
 *   returns, e.g. ZKBIO_EIO), a device timeout (the pending or next capture returns
 *   ZKBIO_ETIMEDOUT at once), unplug (the reader leaves: open handles fail with
 *   ZKBIO_EUNPLUGGED, enumeration no longer lists it, hotplug reports it left) and replug (it
 *   arrives again; old handles stay unplugged, open it again). Anything else, or a size out of
 *   range, is refused with ZKBIO_EPROTO and the client is disconnected.
 *
 * Common rules:
 * - Errors: every function returns ZKBIO_OK or a negative zkbio_error (error.h). The ones a caller
 *   should handle: ZKBIO_ENODEV (no reader, or no reader with that id), ZKBIO_EUNPLUGGED (the
 *   reader went away while open; close the handle, wait for it to arrive again and reopen),
 *   ZKBIO_ETIMEDOUT (no finger within the timeout), ZKBIO_ECANCELED (zkbio_reader_cancel()),
 *   ZKBIO_EBUSY (the reader is open elsewhere, or another call is running on this handle),
 *   ZKBIO_EACCES (no permission for the USB device: zkbio_reader_last_error() gives a hint about
 *   the udev rules (Linux) or the WinUSB driver (Windows), see docs/reader.md), ZKBIO_EBACKEND (the
 *   backend's driver or vendor library is missing), ZKBIO_ENOTSUP (the reader lacks the feature),
 *   ZKBIO_EIO (a transfer failed or the reader reported a capture error).
 * - zkbio_reader_last_error() returns a one-line English detail for the last failed call of
 *   this header made on the calling thread (thread-local; never holds fingerprint data).
 * - Ownership: contexts, readers and info arrays are freed by their own functions, which accept
 *   NULL. Outputs are written only on ZKBIO_OK.
 * - Thread-safety: a context may be used from any number of threads at once. A reader handle may
 *   be shared between threads: capture, finger-present and LED/buzzer calls on one handle are
 *   serialized (a second one made while one runs fails at once with ZKBIO_EBUSY);
 *   zkbio_reader_cancel() and zkbio_reader_info_get() may be called from any thread at any time.
 *   zkbio_reader_close() must not race with other calls on the same handle, and every reader must
 *   be closed before its context is freed.
 * - Blocking: enumerate and open do USB I/O (tens of ms); capture blocks up to its timeout;
 *   nothing else blocks for long.
 *
 * Since: 0.1
 */
#ifndef ZKBIO_READER_H
#define ZKBIO_READER_H

#include <stddef.h>
#include <stdint.h>

#include "zkbio/error.h"
#include "zkbio/export.h"
#include "zkbio/image.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Size of zkbio_reader_info's string fields, bytes including the NUL. */
#define ZKBIO_READER_STR_MAX 64

/** Reader capabilities (zkbio_reader_info.caps). */
enum zkbio_reader_cap {
    ZKBIO_READER_CAP_LED_GREEN = 1 << 0, /**< green LED */
    ZKBIO_READER_CAP_LED_RED = 1 << 1,   /**< red LED */
    ZKBIO_READER_CAP_LED_WHITE = 1 << 2, /**< white LED (often the sensor light) */
    ZKBIO_READER_CAP_BUZZER = 1 << 3,    /**< buzzer */
    ZKBIO_READER_CAP_FINGER = 1 << 4     /**< zkbio_reader_finger_present() is supported */
};

/** What enumeration knows about a reader, without opening it. Caller-owned, no pointers inside;
 * strings are NUL-terminated UTF-8, empty when unknown. */
typedef struct zkbio_reader_info {
    char id[ZKBIO_READER_STR_MAX];     /**< stable id, "backend:..." (see the file notes) */
    char backend[16];                  /**< "sim", "zk4500" or "zkfp" */
    uint16_t vendor_id;                /**< USB vendor id (0x1b55 for ZKTeco), 0 for sim */
    uint16_t product_id;               /**< USB product id (0x0840 for the ZK4500), 0 for sim */
    char model[ZKBIO_READER_STR_MAX];  /**< model name, e.g. "ZK4500" or "Simulated reader" */
    char serial[ZKBIO_READER_STR_MAX]; /**< serial number; empty when the reader has none (zk4500:
                                          read at open, so only zkbio_reader_info_get() has it) */
    uint32_t width;                    /**< image width in pixels; 0 when it varies (sim) */
    uint32_t height;                   /**< image height in pixels; 0 when it varies (sim) */
    uint16_t dpi;                      /**< image resolution, dots per inch */
    uint32_t caps;                     /**< zkbio_reader_cap bits */
} zkbio_reader_info;

/** Backends (zkbio_reader_config.backends bits). */
enum zkbio_reader_backend {
    ZKBIO_READER_BACKEND_SIM = 1 << 0,    /**< simulated readers (ZKBIO_SIM) */
    ZKBIO_READER_BACKEND_ZK4500 = 1 << 1, /**< ZK4500 over libusb */
    ZKBIO_READER_BACKEND_ZKFP = 1 << 2    /**< the vendor ZKFinger library */
};

/** Image file loader hook for sim `dir:` readers: the signature of zkbio_image_load()
 * (imageio.h). Called on the capturing thread; must be reentrant. */
typedef int (*zkbio_reader_image_loader)(const char *path, uint16_t default_dpi, zkbio_image **out);

/** Context options. Zero-initialise, set `size = sizeof(zkbio_reader_config)` and what you need
 * (append-only struct: `size` tells the library which fields the caller knows). */
typedef struct zkbio_reader_config {
    uint32_t size;            /**< sizeof(zkbio_reader_config) */
    uint32_t backends;        /**< zkbio_reader_backend bits to use; 0 = every backend built in */
    const char *sim;          /**< sim readers (ZKBIO_SIM syntax); NULL = the ZKBIO_SIM environment
                                 variable; "" = none. Copied; borrowed for the call only. */
    const char *zkfp_library; /**< path of libzkfp; NULL = ZKBIO_ZKFP_LIBRARY, else the library
                                 search path. Copied. */
    zkbio_reader_image_loader load_image; /**< optional, for non-PGM files of `dir:` readers */
    int hotplug_poll_ms; /**< rescan period when the platform has no hotplug events (and for zkfp);
                            0 = 1000 ms */
} zkbio_reader_config;

/** A reader context: the backends, their readers and the hotplug monitor. */
typedef struct zkbio_reader_ctx zkbio_reader_ctx;

/** An open reader. */
typedef struct zkbio_reader zkbio_reader;

/**
 * Create a reader context. Since: 0.1
 * `cfg` may be NULL (all defaults: ZKBIO_SIM, every backend). Sim sockets are created here.
 * A backend that cannot start (no libusb context, vendor library absent) is skipped: the context
 * is still created, and zkbio_reader_last_error() names the backend and the reason.
 * *out is caller-owned (zkbio_reader_ctx_free), written only on ZKBIO_OK. Blocking: briefly.
 * Errors: ZKBIO_EINVAL (NULL out, cfg->size 0, a malformed ZKBIO_SIM entry: unknown kind, empty
 * or too long path), ZKBIO_EIO (a sim socket cannot be created or a dir: folder read;
 * last_error says which), ZKBIO_EBUSY (another context listens on a sim socket's path),
 * ZKBIO_ENOMEM.
 */
ZKBIO_API int zkbio_reader_ctx_new(const zkbio_reader_config *cfg, zkbio_reader_ctx **out);

/** Free a context (stops the hotplug monitor, closes sim sockets and removes their files).
 * Every reader of it must be closed first. NULL is accepted. Must not be called from a hotplug
 * callback. Since: 0.1 */
ZKBIO_API void zkbio_reader_ctx_free(zkbio_reader_ctx *ctx);

/**
 * List the readers attached now. Since: 0.1
 * *infos is a caller-owned array of *count entries (free with zkbio_reader_info_free; NULL with
 * count 0 when there is none), ordered by backend (sim, zk4500, zkfp) then id. Readers without
 * access permission are listed too (opening them gives ZKBIO_EACCES). Blocking: USB enumeration.
 * Errors: ZKBIO_EINVAL (NULL pointer), ZKBIO_ENOMEM.
 */
ZKBIO_API int zkbio_reader_enumerate(zkbio_reader_ctx *ctx, zkbio_reader_info **infos,
                                     size_t *count);

/** Free an array from zkbio_reader_enumerate(); NULL is accepted. Since: 0.1 */
ZKBIO_API void zkbio_reader_info_free(zkbio_reader_info *infos);

/** Hotplug events. */
enum zkbio_reader_event {
    ZKBIO_READER_ARRIVED = 1, /**< a reader was plugged in (or was present at registration) */
    ZKBIO_READER_LEFT = 2     /**< a reader was unplugged */
};

/**
 * Hotplug callback: `event` is a zkbio_reader_event; `info` is borrowed for the call only.
 * Runs on the context's monitor thread, one call at a time, with no library lock held: it may call
 * any function of this header except zkbio_reader_ctx_free() and zkbio_reader_hotplug_set().
 * Keep it short; other events wait for it.
 */
typedef void (*zkbio_reader_hotplug_cb)(int event, const zkbio_reader_info *info, void *user);

/**
 * Install (cb non-NULL) or remove (cb NULL) the context's hotplug callback; one per context, a new
 * one replaces the old. Since: 0.1
 * On install every reader present is first reported as ZKBIO_READER_ARRIVED, then changes follow:
 * from libusb hotplug events where the platform has them (Linux, macOS), from a rescan every
 * hotplug_poll_ms otherwise and for zkfp readers; sim unplug/replug messages are reported at once.
 * After removal returns no callback is running or will run. `user` is passed to cb as is.
 * Errors: ZKBIO_EINVAL (NULL ctx, or called from the hotplug callback), ZKBIO_EIO (the monitor
 * thread cannot start).
 */
ZKBIO_API int zkbio_reader_hotplug_set(zkbio_reader_ctx *ctx, zkbio_reader_hotplug_cb cb,
                                       void *user);

/**
 * Open a reader by id, or the first one listed when id is NULL or "". Since: 0.1
 * The ZK4500 is initialised and one stale frame read and dropped (§2.3), so open takes up to a
 * second on real hardware. *out is caller-owned (zkbio_reader_close), written only on ZKBIO_OK.
 * Errors: ZKBIO_EINVAL, ZKBIO_ENODEV (no reader, or none with that id), ZKBIO_EBUSY (already open
 * in this context, or claimed by another program), ZKBIO_EACCES (permission; see last_error),
 * ZKBIO_EBACKEND, ZKBIO_EIO, ZKBIO_ENOMEM.
 */
ZKBIO_API int zkbio_reader_open(zkbio_reader_ctx *ctx, const char *id, zkbio_reader **out);

/** Close a reader (LEDs and buzzer are switched off where the reader has them). NULL is
 * accepted. No other call may be running on the handle. Since: 0.1 */
ZKBIO_API void zkbio_reader_close(zkbio_reader *r);

/** Copy the reader's description into *info (for sim readers the size of the last captured
 * frame once there is one). Any thread, any time. Since: 0.1 Errors: ZKBIO_EINVAL. */
ZKBIO_API int zkbio_reader_info_get(const zkbio_reader *r, zkbio_reader_info *info);

/**
 * Wait for a finger and capture one image. Since: 0.1
 * timeout_ms: > 0 waits at most that long for a finger, 0 checks once, < 0 waits forever.
 * *out is caller-owned (zkbio_image_free), 8-bit grey, row-major, stride == width, dpi set;
 * written only on ZKBIO_OK. Blocking; serialized per handle (see the file notes).
 * Errors: ZKBIO_EINVAL, ZKBIO_ETIMEDOUT (no finger within the timeout), ZKBIO_ECANCELED,
 * ZKBIO_EUNPLUGGED (returned within 1 s of the unplug; the handle stays unusable), ZKBIO_EBUSY
 * (another call is running on this handle), ZKBIO_EIO (transfer failure or injected capture
 * error; a stalled endpoint is cleared and reported as ZKBIO_EIO), ZKBIO_ENOTSUP (sim `dir:` file
 * of another format without a loader), ZKBIO_EPROTO (unreadable sim file), ZKBIO_ENOMEM.
 */
ZKBIO_API int zkbio_reader_capture(zkbio_reader *r, int timeout_ms, zkbio_image **out);

/**
 * Make the capture running on `r` in another thread return ZKBIO_ECANCELED: within 100 ms on sim
 * and zk4500 readers (an in-flight USB transfer is cancelled), after the vendor call in progress
 * on zkfp readers (they are polled every 50 ms). Since: 0.1 Does nothing when no capture runs (a
 * later capture is not affected). Any thread, any time; never blocks.
 * Errors: ZKBIO_EINVAL (NULL r).
 */
ZKBIO_API int zkbio_reader_cancel(zkbio_reader *r);

/**
 * Is a finger on the reader now? *present is 1 or 0. Since: 0.1
 * zk4500 grabs one frame and judges it; sim reports a queued frame or the finger on/off state,
 * but never a finger just after a capture until it has reported 0 once (a simulated lift, so
 * "wait until the finger is lifted" loops end). Blocking (one frame on USB); serialized per handle.
 * Errors: ZKBIO_EINVAL, ZKBIO_ENOTSUP (no ZKBIO_READER_CAP_FINGER), ZKBIO_EUNPLUGGED, ZKBIO_EBUSY,
 * ZKBIO_EIO.
 */
ZKBIO_API int zkbio_reader_finger_present(zkbio_reader *r, int *present);

/** LEDs and buzzer (zkbio_reader_output_set()). Source: ZK4500 request 0xE1 wIndex 0 green,
 * 1 red, 2 buzzer, 3 white (§2.3); ZKFPM parameters 101-104 (§1.4). */
enum zkbio_reader_output {
    ZKBIO_READER_LED_GREEN = 0,
    ZKBIO_READER_LED_RED = 1,
    ZKBIO_READER_BUZZER = 2,
    ZKBIO_READER_LED_WHITE = 3
};

/**
 * Switch an LED or the buzzer on (on != 0) or off. Since: 0.1 Serialized per handle.
 * Sim readers accept every output and only remember it.
 * Errors: ZKBIO_EINVAL (NULL r, unknown output), ZKBIO_ENOTSUP (the reader lacks it),
 * ZKBIO_EUNPLUGGED, ZKBIO_EBUSY, ZKBIO_EIO.
 */
ZKBIO_API int zkbio_reader_output_set(zkbio_reader *r, int output, int on);

/** Timing of the last successful capture on a handle, microseconds (monotonic clock). */
typedef struct zkbio_reader_timing {
    uint64_t total_us;   /**< from entering zkbio_reader_capture() to its return */
    uint64_t backend_us; /**< inside the backend's capture (waiting and transfers included) */
} zkbio_reader_timing;

/** The timing of the last successful capture (zeros before the first). Since: 0.1
 * total_us - backend_us is the library's own overhead. Errors: ZKBIO_EINVAL. */
ZKBIO_API int zkbio_reader_timing_get(const zkbio_reader *r, zkbio_reader_timing *t);

/** One-line English detail of the last failed call of this header on the calling thread
 * (thread-local, valid until the next call of this header on the thread); "" when there is none.
 * Never NULL. Since: 0.1 */
ZKBIO_API const char *zkbio_reader_last_error(void);

/* ---- sim client helpers ------------------------------------------------------------------- */

/** Most frames a sim socket reader queues. */
#define ZKBIO_SIM_QUEUE_MAX 16

/** Sim control commands (the negative first int32 of a control message). */
enum zkbio_sim_command {
    ZKBIO_SIM_FINGER = -1,  /**< value 1: finger on, 0: finger off */
    ZKBIO_SIM_ERROR = -2,   /**< value: the zkbio error (< 0) the pending or next capture returns */
    ZKBIO_SIM_TIMEOUT = -3, /**< the pending or next capture returns ZKBIO_ETIMEDOUT (value 0) */
    ZKBIO_SIM_UNPLUG = -4,  /**< the reader leaves (value 0) */
    ZKBIO_SIM_REPLUG = -5   /**< the reader arrives again (value 0) */
};

/**
 * Send one message to a sim socket reader at `path` (the socket:PATH of its entry) and wait for
 * its status: a frame when img is not NULL (its pixels; its dpi is not sent), else the control
 * message (command, value). Since: 0.1 Connects, sends, reads the 4-byte status, disconnects.
 * Blocking (at most about 2 s). Errors: ZKBIO_EINVAL (NULL path, bad command), ZKBIO_ECONN (no
 * reader listening at path), ZKBIO_EIO, or the status the reader answered (ZKBIO_ENOSPC when its
 * queue is full, ZKBIO_ENODEV for a frame while it is unplugged, ZKBIO_EPROTO).
 */
ZKBIO_API int zkbio_sim_send(const char *path, const zkbio_image *img, int command, int value);

#ifdef __cplusplus
}
#endif

#endif /* ZKBIO_READER_H */
