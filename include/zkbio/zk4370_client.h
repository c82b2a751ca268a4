/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file zk4370_client.h
 * @brief Client of the ZKTeco 4370 protocol (TCP or UDP): device info, clock, users, templates,
 * attendance, realtime events, remote enroll, door and power control.
 *
 * One handle = one connection (one session id). Every call is blocking and bounded: each exchange
 * waits at most the handle's timeout (a bulk read waits at most that long per chunk attempt, and
 * re-requests a chunk that came incomplete up to `retries` times). A device that sends malformed,
 * oversized or endless data gets a clean error (ZKBIO_EPROTO, ZKBIO_ETOOBIG), never a hang or
 * unbounded memory: announced bulk sizes above `max_dataset` are refused before anything is
 * allocated, and no packet above 64 KiB is buffered.
 *
 * Thread-safety: a handle may be used from several threads; calls on one handle are serialised by
 * an internal mutex (zkbio_zk_listen() releases it between its 100 ms waits, so other calls on the
 * same handle can run while it listens). Callbacks run on the calling thread with the handle
 * locked: a callback must not call into the same handle.
 *
 * After a transport error (ZKBIO_ECONN, ZKBIO_EPROTO on a TCP stream) the handle is broken: later
 * calls return ZKBIO_ECONN; close it and open a new one.
 *
 * Errors every call on a handle may return, besides those listed with it: ZKBIO_EINVAL (NULL or
 * out-of-range arguments), ZKBIO_ETIMEDOUT (no complete answer in time), ZKBIO_ECONN (connection
 * lost or closed), ZKBIO_EPROTO (malformed answer: framing, checksum over TCP, lengths, more data
 * than announced), ZKBIO_ETOOBIG (announced size above max_dataset), ZKBIO_EACCES (the device says
 * the session is not authenticated), ZKBIO_EIO (the device refused the command: ACK_ERROR or
 * another reply code), ZKBIO_ENOMEM. Outputs are written only on ZKBIO_OK. The comm key is never
 * written to error texts.
 *
 * Sources: tcp4370.md §1 (framing), §3 (comm key), §4 (bulk transfers), §6 (events), §7 (writes).
 * Since: 0.1
 */
#ifndef ZKBIO_ZK4370_CLIENT_H
#define ZKBIO_ZK4370_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "zkbio/error.h"
#include "zkbio/export.h"
#include "zkbio/zk4370.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Transport choice. */
typedef enum zkbio_zk_transport {
    ZKBIO_ZK_AUTO = 0, /**< TCP; UDP when TCP is refused or does not answer CONNECT (§1.5) */
    ZKBIO_ZK_TCP = 1,
    ZKBIO_ZK_UDP = 2
} zkbio_zk_transport;

/**
 * Connection options. Start from zkbio_zk_client_options_init() (all zero, `size` set) and set what
 * you need. The struct only grows at its end: `size` tells the library which fields the caller
 * knows, and fields past it take their defaults. Since: 0.1 (`size`: 0.3)
 */
typedef struct zkbio_zk_client_options {
    uint32_t size;        /**< sizeof(zkbio_zk_client_options) as the caller compiled it; a
                               size below that of 0.3 is ZKBIO_EINVAL. Since: 0.3 */
    int transport;        /**< zkbio_zk_transport */
    uint32_t comm_key;    /**< numeric comm key ("Comm Password"), 0 = none (§3) */
    int timeout_ms;       /**< per exchange; 0 = 5000 */
    int retries;          /**< chunk re-requests in bulk reads; 0 = 3, negative = none */
    const char *charset;  /**< device codepage of names (NULL = UTF-8); copied */
    size_t max_dataset;   /**< largest bulk size accepted, bytes, and largest parsed array
                               (so a bulk read holds at most twice this); 0 = 64 MiB */
    int lenient_checksum; /**< accept packets whose checksum does not verify */
} zkbio_zk_client_options;

/** Zero every field of *o and set o->size to the size this header gives the struct. Since: 0.3 */
static inline void zkbio_zk_client_options_init(zkbio_zk_client_options *o)
{
    const zkbio_zk_client_options zero = {0};
    *o = zero;
    o->size = (uint32_t)sizeof(*o);
}

/** A connection. Opaque; zkbio_zk_client_close() frees it. */
typedef struct zkbio_zk_client zkbio_zk_client;

/**
 * Connect to `host` (name or address) on `port` (0 = 4370), send CONNECT and, when the device
 * answers ACK_UNAUTH, CMD_AUTH with the comm key. `opt` may be NULL (defaults); only its first
 * `opt->size` bytes are read. *out is written on ZKBIO_OK only. Errors: ZKBIO_ECONN (unreachable,
 * refused), ZKBIO_ETIMEDOUT (no answer), ZKBIO_EACCES (comm key rejected), ZKBIO_EPROTO,
 * ZKBIO_ENOENT (host not resolved), ZKBIO_ENOMEM, ZKBIO_EINVAL (also `opt->size` below the size of
 * the struct in 0.3, e.g. 0 when it was not set).
 */
ZKBIO_API int zkbio_zk_client_open(const char *host, uint16_t port,
                                   const zkbio_zk_client_options *opt, zkbio_zk_client **out);

/** Send CMD_EXIT (best effort, short wait), close the socket and free. Accepts NULL. */
ZKBIO_API void zkbio_zk_client_close(zkbio_zk_client *c);

/**
 * Progress of bulk reads (users, templates, attendance): `cb(done, total, user)` is called, with
 * the handle locked, after each piece of a dataset arrives (a chunk, a datagram run, an inline
 * reply): `done` bytes of `total` announced. A nonzero return stops the read: the call returns
 * ZKBIO_ECANCELED and the device's buffer is freed. cb NULL = none. Since: 0.4
 */
typedef int (*zkbio_zk_progress_cb)(size_t done, size_t total, void *user);
ZKBIO_API int zkbio_zk_client_progress_set(zkbio_zk_client *c, zkbio_zk_progress_cb cb, void *user);

/** The transport in use (ZKBIO_ZK_TCP or ZKBIO_ZK_UDP) into *out. */
ZKBIO_API int zkbio_zk_client_transport(zkbio_zk_client *c, int *out);

/** English detail of the last failure on this handle (never contains the comm key) into out. */
ZKBIO_API int zkbio_zk_client_last_error(zkbio_zk_client *c, char *out, size_t outsize);

/** Free memory returned by this API (user, attendance, template arrays, template bytes). Accepts
 * NULL. */
ZKBIO_API void zkbio_zk_free(void *p);

/** What a device says about itself. Strings are NUL-terminated, empty when the device does not
 * know the option. */
typedef struct zkbio_zk_info {
    char serial[64];      /**< ~SerialNumber */
    char model[64];       /**< ~DeviceName */
    char firmware[64];    /**< CMD_GET_VERSION, e.g. "Ver 6.60 Apr 28 2015" */
    char platform[64];    /**< ~Platform, e.g. ZEM560 */
    char mac[32];         /**< MAC */
    char vendor[64];      /**< ~OEMVendor */
    char fp_version[16];  /**< ~ZKFPVersion (9 or 10) */
    int pin_width;        /**< CMD_GET_PINWIDTH, -1 when not answered */
    zkbio_zk_sizes sizes; /**< counts and capacities (CMD_GET_FREE_SIZES) */
} zkbio_zk_info;

/** Device information. Errors: transport errors, ZKBIO_EPROTO (malformed free sizes). */
ZKBIO_API int zkbio_zk_info_get(zkbio_zk_client *c, zkbio_zk_info *out);

/** One option (`~SerialNumber`, ...) into out. ZKBIO_ENOENT when the device does not know it. */
ZKBIO_API int zkbio_zk_option_get(zkbio_zk_client *c, const char *name, char *out, size_t outsize);

/** Write an option (`Name=Value`) then CMD_REFRESHOPTION. ZKBIO_EIO when refused. */
ZKBIO_API int zkbio_zk_option_set(zkbio_zk_client *c, const char *name, const char *value);

/** Device clock (naive local time, §5.6). */
ZKBIO_API int zkbio_zk_time_get(zkbio_zk_client *c, zkbio_zk_time *out);
/** Set the clock, then CMD_REFRESHDATA. ZKBIO_ERANGE when not encodable. */
ZKBIO_API int zkbio_zk_time_set(zkbio_zk_client *c, const zkbio_zk_time *t);

/**
 * Every user (bulk read, §4.2; record size 28 or 72 detected from the user count, §5.1-5.2).
 * *users is one allocation (free with zkbio_zk_free), NULL when *count is 0.
 */
ZKBIO_API int zkbio_zk_users_get(zkbio_zk_client *c, zkbio_zk_user **users, size_t *count);

/**
 * Create or update the user with u->uid (1..65535): DISABLEDEVICE, USER_WRQ, REFRESHDATA,
 * ENABLEDEVICE (§7.1). The record size is the one detected by a previous read, else learnt from
 * the device (a user read), else 72 over TCP and 28 over UDP. ZKBIO_EIO when refused (uid or
 * user_id rules), ZKBIO_ERANGE when a field does not fit the record.
 */
ZKBIO_API int zkbio_zk_user_set(zkbio_zk_client *c, const zkbio_zk_user *u);

/** Delete a user by uid, then REFRESHDATA. ZKBIO_EIO when refused. */
ZKBIO_API int zkbio_zk_user_delete(zkbio_zk_client *c, uint16_t uid);

/**
 * Every fingerprint template (§5.7). *templates is one allocation holding the array and the
 * template bytes it points to (free with zkbio_zk_free).
 */
ZKBIO_API int zkbio_zk_templates_get(zkbio_zk_client *c, zkbio_zk_template **templates,
                                     size_t *count);

/** One template (_CMD_GET_USERTEMP, §2.2). *data is freed with zkbio_zk_free. ZKBIO_ENOENT when
 * the slot is empty. */
ZKBIO_API int zkbio_zk_template_get(zkbio_zk_client *c, uint16_t uid, uint8_t fid, uint8_t **data,
                                    size_t *len);

/** Write one template (§7.3: buffer upload, CHECKSUM_BUFFER, TMP_WRITE). The user must exist.
 * flag: 1 valid, 3 duress. ZKBIO_EIO when refused. */
ZKBIO_API int zkbio_zk_template_set(zkbio_zk_client *c, uint16_t uid, uint8_t fid, uint8_t flag,
                                    const uint8_t *data, size_t len);

/** Delete one template (CMD_DELETE_USERTEMP) then REFRESHDATA. ZKBIO_ENOENT when absent. */
ZKBIO_API int zkbio_zk_template_delete(zkbio_zk_client *c, uint16_t uid, uint8_t fid);

/**
 * Bulk upload of users and their templates in one buffer (§7.2, _CMD_SAVE_USERTEMPS). Every
 * template's uid must be one of `users`. Errors: ZKBIO_EINVAL, ZKBIO_ETOOBIG, ZKBIO_EIO.
 */
ZKBIO_API int zkbio_zk_upload(zkbio_zk_client *c, const zkbio_zk_user *users, size_t nusers,
                              const zkbio_zk_template *templates, size_t ntemplates);

/**
 * Attendance records (§5.4; stride 8, 16 or 40 detected from the record count). With `since`
 * (may be NULL) only records at or after that time are returned (the protocol has no server-side
 * filter: all are downloaded). 8-byte records get their user_id from the user list (one more bulk
 * read). *records: one allocation (zkbio_zk_free), NULL when *count is 0.
 */
ZKBIO_API int zkbio_zk_attendance_get(zkbio_zk_client *c, const zkbio_zk_time *since,
                                      zkbio_zk_att **records, size_t *count);

/** Delete every attendance record (CMD_CLEAR_ATTLOG). */
ZKBIO_API int zkbio_zk_attendance_clear(zkbio_zk_client *c);

/** Open the door for `deciseconds` (wire value of CMD_UNLOCK, §7.5: pyzk sends seconds × 10). */
ZKBIO_API int zkbio_zk_unlock(zkbio_zk_client *c, uint32_t deciseconds);

/** Restart / power off: the device may close the connection without answering (§2.1); both count
 * as success. The handle is unusable afterwards (close it). */
ZKBIO_API int zkbio_zk_restart(zkbio_zk_client *c);
ZKBIO_API int zkbio_zk_poweroff(zkbio_zk_client *c);
/** CMD_ENABLEDEVICE / CMD_DISABLEDEVICE / CMD_REFRESHDATA. */
ZKBIO_API int zkbio_zk_enable(zkbio_zk_client *c);
ZKBIO_API int zkbio_zk_disable(zkbio_zk_client *c);
ZKBIO_API int zkbio_zk_refresh(zkbio_zk_client *c);

/**
 * Send one command that needs no bulk transfer and no session bookkeeping (CMD_TESTVOICE,
 * CMD_CANCELCAPTURE, CMD_STARTVERIFY, CMD_WRITE_LCD, CMD_CLEAR_LCD, CMD_FREE_DATA, CMD_CLEAR_DATA,
 * CMD_DOORSTATE_RRQ, CMD_STATE_RRQ, ... of enum zkbio_zk_cmd) with `data[0..len)` (`data` may be
 * NULL when len is 0), for the calls of other SDKs (pyzk's test_voice(), write_lcd(),
 * get_lock_state()) that have no function of their own here. The data field of the device's answer
 * is copied to `reply[0..reply_size)` (`reply` may be NULL when reply_size is 0); *reply_len (may
 * be NULL) receives its full length, even when only reply_size bytes were copied; *code (may be
 * NULL) receives the answer code (ZKBIO_ZK_ACK_OK, ZKBIO_ZK_ACK_ERROR, ...). Commands that the
 * handle manages itself are refused with ZKBIO_EINVAL: CONNECT, EXIT, AUTH, REG_EVENT
 * (zkbio_zk_events_register()), the buffer commands PREPARE_DATA, DATA, DATA_WRRQ, DATA_RDY,
 * CHECKSUM_BUFFER, and RESTART / POWEROFF (zkbio_zk_restart(), zkbio_zk_poweroff()).
 * Every pointer is the caller's and is read or written during the call only; `reply` may be shorter
 * than the answer (at most ZKBIO_ZK_MAX_DATA bytes). Thread-safety: serialised with the handle's
 * other calls (see the top of this header).
 * Returns ZKBIO_OK when the device answered ACK_OK; ZKBIO_EINVAL for a NULL handle, NULL data with
 * len > 0, NULL reply with reply_size > 0, len > ZKBIO_ZK_MAX_DATA or a reserved command;
 * ZKBIO_EIO when it answered another code (then *code and the reply are still written); the
 * transport errors of every call otherwise (ZKBIO_ETIMEDOUT, ZKBIO_ECONN, ZKBIO_EPROTO; an
 * exception to "outputs are written only on ZKBIO_OK" is ZKBIO_EIO, above). Source of the command
 * codes: tcp4370.md §2. Since: 0.4
 */
ZKBIO_API int zkbio_zk_command_send(zkbio_zk_client *c, uint16_t cmd, const uint8_t *data,
                                    size_t len, uint8_t *reply, size_t reply_size,
                                    size_t *reply_len, uint16_t *code);

/**
 * The user record size the handle has detected (28 or 72 bytes, §5.1-5.2) by a user read (or
 * learnt before a user write), into *out; 0 while no user has been read. For bindings that show
 * the record layout (pyzk's user_packet_size). `out` is the caller's, written during the call only.
 * Thread-safety: serialised with the handle's other calls. Returns ZKBIO_OK, or ZKBIO_EINVAL when c
 * or out is NULL. Since: 0.4
 */
ZKBIO_API int zkbio_zk_client_user_size(zkbio_zk_client *c, size_t *out);

/** Event callback: return 0 to go on, nonzero to stop. `ev` is valid during the call only. */
typedef int (*zkbio_zk_event_cb)(const zkbio_zk_event *ev, void *user);

/**
 * Register for the events in `mask` (OR of ZKBIO_ZK_EF_*; REG_EVENT, §6.1) and deliver them to
 * `cb` until it returns nonzero or `duration_ms` passes (< 0: until the callback stops or the
 * connection fails). Each event is acknowledged to the device. When nothing arrives for 100 ms the
 * callback is called with an idle tick (ev->flag == 0, other fields 0), so a caller can stop a
 * quiet listen (Ctrl-C). Unregisters (mask 0) before
 * returning. Returns ZKBIO_OK when stopped by the callback or the duration, transport errors
 * otherwise.
 */
ZKBIO_API int zkbio_zk_listen(zkbio_zk_client *c, uint32_t mask, int duration_ms,
                              zkbio_zk_event_cb cb, void *user);

/**
 * The socket of the connection, for a caller that watches many handles with poll() (one thread
 * for a fleet of listeners instead of one zkbio_zk_listen() per handle). Readable means bytes or
 * an end of stream wait: then call zkbio_zk_events_poll(). Do not read, write or close it; it stays
 * valid until zkbio_zk_client_close(). *fd = -1 on a broken handle. Windows: the value is a
 * Winsock SOCKET (only its low 32 bits are significant), to be cast back and watched with
 * WSAPoll() or select(). Since: 0.4
 */
ZKBIO_API int zkbio_zk_client_fd_get(zkbio_zk_client *c, int *fd);

/**
 * Register for the events in `mask` (REG_EVENT, §6.1; 0 unregisters) and return: the device then
 * sends them as they happen, and every later call on the handle acknowledges and queues those
 * that arrive meanwhile (up to 64, the oldest dropped first) for zkbio_zk_events_poll(). The
 * split form of zkbio_zk_listen(): commands and events share the one session. Since: 0.4
 */
ZKBIO_API int zkbio_zk_events_register(zkbio_zk_client *c, uint32_t mask);

/**
 * Deliver the queued events, then those that arrive within `wait_ms` (0: only what was already
 * received or is readable now), to `cb` (with the handle locked) until it returns nonzero.
 * *delivered (may be NULL) = events passed to cb. No idle ticks. Returns ZKBIO_OK when the
 * wait ended or the callback stopped; transport errors (ZKBIO_ECONN when the device closed the
 * connection: the handle is broken). Since: 0.4
 */
ZKBIO_API int zkbio_zk_events_poll(zkbio_zk_client *c, int wait_ms, zkbio_zk_event_cb cb,
                                   void *user, size_t *delivered);

/**
 * Remote enrollment of finger `fid` of user `user_id` (§7.4): CANCELCAPTURE, STARTENROLL,
 * STARTVERIFY, then the device's events (FINGER, FPFTR per press, ENROLLFINGER) are passed to `cb`
 * (may be NULL) until ENROLLFINGER or `timeout_ms` (0 = 60 s). Cleanup: CANCELCAPTURE,
 * STARTVERIFY, REFRESHDATA. Errors: ZKBIO_EIO (device refused or ENROLLFINGER result ≠ 0; the
 * result is in the last error text), ZKBIO_ETIMEDOUT, ZKBIO_ERANGE (user_id not numeric over
 * UDP).
 */
ZKBIO_API int zkbio_zk_enroll(zkbio_zk_client *c, const char *user_id, uint8_t fid, int timeout_ms,
                              zkbio_zk_event_cb cb, void *user);

#ifdef __cplusplus
}
#endif
#endif /* ZKBIO_ZK4370_CLIENT_H */
