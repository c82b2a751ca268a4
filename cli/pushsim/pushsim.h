/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file pushsim.h
 * @brief A simulated ZKTeco terminal speaking Attendance PUSH 2.x (`/iclock/...`) to a server over
 * HTTP.
 *
 * Used by `zkbio push-sim` and by the zkbiod integration tests. A simulator keeps in memory what a
 * terminal's own database holds (users, fingerprint/face/vein/BIODATA templates, user photos, the
 * attendance log, options) and talks to a server the way firmware does: handshake (`GET
 * /iclock/cdata?...&options=all`), `table=options`, `table=OPERLOG` / `table=BIODATA` /
 * `table=ATTLOG` uploads, `GET /iclock/getrequest` polls, and one batched `POST /iclock/devicecmd`
 * per poll with the results of every command of that poll. `DATA UPDATE|DELETE` commands are
 * applied to the tables as firmware does (push.md §4.3: deleting a user also deletes their
 * templates and photo). Fault switches let tests lose acknowledgements and replies.
 *
 * Protocol facts: shared reference `push.md` §2.5 (conversation), §3 (uploads), §4 (commands), §5
 * (results). Wire text is produced and parsed with the libzkbio PUSH codec (`zkbio/push.h`).
 *
 * Errors: functions returning `int` give 0 (ZKBIO_OK) or a negative `zkbio_error`:
 * - ZKBIO_EINVAL: bad arguments;
 * - ZKBIO_ENOMEM: out of memory;
 * - ZKBIO_ECONN / ZKBIO_ETIMEDOUT: the HTTP exchange failed (no answer, connection refused, 10 s
 * timeout);
 * - ZKBIO_EACCES: the server answered 403 (device not admitted);
 * - ZKBIO_ETOOBIG: the server answered 413 (body too large);
 * - ZKBIO_EUNAVAIL: the server answered 503 (retry later);
 * - ZKBIO_EPROTO: any other non-200 status, an answer the device cannot understand, or an answer
 * without the `Date:` header every PUSH reply must carry (push.md §2.2). After every HTTP exchange
 * pushsim_last_status() and pushsim_last_reply() describe the server's answer, and
 * pushsim_last_error() a human-readable message for the last failure.
 *
 * Thread-safety: a simulator is not thread-safe; use each one from one thread at a time. Distinct
 * simulators may run in distinct threads once pushsim_global_init() has returned (it initialises
 * libcurl, which is not thread-safe to initialise).
 *
 * Ownership: strings passed in are copied; strings and records returned by getters are owned by the
 * simulator and stay valid until the next call that changes the simulator (any upload, poll, apply
 * or free).
 */
#ifndef ZKBIO_CLI_PUSHSIM_H
#define ZKBIO_CLI_PUSHSIM_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "zkbio/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/** One simulated terminal. Create with pushsim_new(), free with pushsim_free(). */
typedef struct pushsim pushsim;

/** Kinds of biometric template a terminal stores, named after the DATA table that carries them. */
typedef enum pushsim_kind {
    PUSHSIM_FP = 1, /**< fingerprint, `FP` upload line / `DATA UPDATE FINGERTMP` */
    PUSHSIM_FACE,   /**< face, `FACE` / `DATA UPDATE FACE` */
    PUSHSIM_FVEIN,  /**< finger vein, `FVEIN` / `DATA UPDATE FVEIN` */
    PUSHSIM_BIODATA /**< unified template, `BIODATA` (push.md §3.3) */
} pushsim_kind;

/** A user row (the terminal's USERINFO). Numbers are -1 and strings "" when unset. */
typedef struct pushsim_user {
    char *pin;
    char *name;
    int32_t privilege; /**< 0 user, 2 registrar, 6 admin, 14 super admin */
    char *password;
    char *card;
    char *group;
    char *tz; /**< 16 digits */
    int32_t verify;
} pushsim_user;

/** A template row; the key is (kind, pin, no, index) plus `type` for BIODATA. */
typedef struct pushsim_template {
    pushsim_kind kind;
    char *pin;
    int32_t no;    /**< finger number 0–9 (FID), 0 for a face */
    int32_t index; /**< template number for that finger/face (FVEIN, BIODATA), 0 otherwise */
    int32_t type;  /**< BIODATA type: 1 FP, 2 NIR face, 7 vein, 9 visible-light face */
    int32_t valid, duress, major_ver, minor_ver, format; /**< -1 when unset */
    char *tmp;                                           /**< base64 template */
} pushsim_template;

/** A user photo (USERPIC). */
typedef struct pushsim_photo {
    char *pin;
    char *content; /**< base64 JPEG */
} pushsim_photo;

/** A punch in the attendance log. */
typedef struct pushsim_punch {
    char *pin;
    char time[20]; /**< "YYYY-MM-DD HH:MM:SS" device wall-clock */
    int32_t status, verify;
    int uploaded; /**< 1 once the server acknowledged it */
} pushsim_punch;

/** A command as received from a getrequest reply, in arrival order (repeats included). */
typedef struct pushsim_cmd_entry {
    char *id;
    char *text;  /**< command text after `C:<id>:` */
    int32_t ret; /**< the Return code the simulator computed */
    int acked;   /**< 1 when the result was posted and the server answered 200 */
} pushsim_cmd_entry;

/** Fault switches (see pushsim_set_fault()). */
typedef enum pushsim_fault {
    /** Apply the commands of the next `arg` polls (arg <= 0 means 1) but do not post their results:
     * a lost acknowledgement. */
    PUSHSIM_FAULT_DROP_ACK = 1,
    /** Answer the next command with Return=`arg` instead of applying it (pushsim_set_fail() sets a
       count). */
    PUSHSIM_FAULT_FAIL_CMD,
    /** For the next `arg` ATTLOG posts (arg <= 0 means 1): post the batch, ignore the answer, and
     * post the same batch again, as a terminal does when the reply was lost. */
    PUSHSIM_FAULT_LOSE_ATTLOG_REPLY
} pushsim_fault;

/** Settings of a new simulator. Zero-initialise, then set `url` and `sn`. */
typedef struct pushsim_config {
    const char
        *url; /**< server base, `http://HOST:PORT[/prefix]` (no trailing `/iclock`); required */
    const char *sn;       /**< serial number (1–40 chars of [A-Za-z0-9_-]); required */
    const char *firmware; /**< reported firmware; NULL = "Ver 8.0.4.7-zkbio-sim" */
    int keep_alive;       /**< 1 = reuse the connection; 0 (default) = `Connection: close`, as most
                             firmware */
    long timeout_ms;      /**< per request; 0 = 10000 */
    int verbose;          /**< 1 = print each exchange on stderr */
} pushsim_config;

/**
 * Initialise process-wide state (libcurl). Call once, before creating simulators in several
 * threads. pushsim_new() calls it too when it has not been called. Errors: ZKBIO_EIO.
 */
int pushsim_global_init(void);

/** Release process-wide state; call at exit after every simulator has been freed. */
void pushsim_global_cleanup(void);

/**
 * Create a simulator with empty tables. No network traffic. `cfg` strings are copied.
 * On success *out is a new simulator (free with pushsim_free()).
 * Errors: ZKBIO_EINVAL (no url, invalid sn), ZKBIO_ENOMEM, ZKBIO_EIO (libcurl).
 */
int pushsim_new(const pushsim_config *cfg, pushsim **out);

/** Free a simulator and everything it owns; NULL is accepted. */
void pushsim_free(pushsim *sim);

/** Point the simulator at another server base URL (same form as pushsim_config.url). Errors:
 * EINVAL, ENOMEM. */
int pushsim_set_url(pushsim *sim, const char *url);

/** The simulator's serial number. */
const char *pushsim_sn(const pushsim *sim);

/* ---- talking to the server (each call is blocking: at most a few HTTP requests of timeout_ms
 * each) ---- */

/**
 * Handshake: `GET /iclock/cdata?SN=..&options=all&pushver=2.4.1&language=69`. The `GET OPTION FROM:
 * <SN>` reply's `key=value` lines are kept (see pushsim_server_option(), pushsim_delay_s()).
 * Errors: see the file comment; ZKBIO_EPROTO also when the reply does not start with `GET OPTION
 * FROM: <SN>`.
 */
int pushsim_handshake(pushsim *sim);

/** `POST /iclock/cdata?SN=..&table=options` with
 * `~DeviceName=zkbio-sim,FWVersion=..,UserCount=..,...`. */
int pushsim_post_options(pushsim *sim);

/**
 * Upload every user, template and photo changed locally since the last upload (pushsim_add_*): one
 * `table=OPERLOG` post with USER, FP, FACE, FVEIN and USERPIC lines (each user before their
 * templates), then BIODATA templates in one `table=BIODATA` post. `*accepted` (may be NULL)
 * receives the sum of the `OK: <n>` counts. Errors: see the file comment; nothing is marked
 * uploaded on failure.
 */
int pushsim_upload_pending(pushsim *sim, size_t *accepted);

/** Upload one user and all their templates and photo again, as stored now (whether changed or not).
 * Errors: ZKBIO_ENOENT (no such user), and see the file comment. */
int pushsim_upload_user(pushsim *sim, const char *pin, size_t *accepted);

/**
 * Upload punches not yet acknowledged, `table=ATTLOG`, in batches of up to 100 lines. `*accepted`
 * (may be NULL) receives the sum of the `OK: <n>` counts. Errors: see the file comment (punches of
 * a failed batch stay pending).
 */
int pushsim_upload_punches(pushsim *sim, size_t *accepted);

/**
 * Mark `n` punches from index `first` of the attendance log as not uploaded, so the next
 * pushsim_upload_punches() sends them again (as a terminal does after a lost reply, possibly to
 * another server behind a load balancer). Indexes past the end are ignored. No network traffic.
 */
void pushsim_unmark_punches(pushsim *sim, size_t first, size_t n);

/**
 * Delete a user locally (with their templates and photo) and report it as firmware does:
 * `table=OPERLOG` with `OPLOG 9<HT>0<HT><time><HT><pin><HT>0<HT>0<HT>0`. Errors: ZKBIO_ENOENT (no
 * such user), see the file comment.
 */
int pushsim_delete_user(pushsim *sim, const char *pin);

/**
 * Poll once: `GET /iclock/getrequest?SN=..&INFO=..`, apply every command of the reply in order,
 * then post all their results in one `POST /iclock/devicecmd` body (unless a DROP_ACK fault is
 * armed). `*n_cmds` (may be NULL) receives the number of commands in the reply (0 for `OK`). A
 * `CHECK` or `REBOOT` command makes the simulator handshake again after posting the results.
 * Errors: see the file comment. Commands already applied stay applied when the results cannot be
 * posted.
 */
int pushsim_poll(pushsim *sim, size_t *n_cmds);

/**
 * Poll until `quiet` consecutive polls bring no command, or `max_polls` polls were made. `delay_ms`
 * is slept between polls that brought nothing (0 = none). `*total` (may be NULL) receives the
 * number of commands received. Errors: as pushsim_poll(); ZKBIO_ETIMEDOUT when max_polls was
 * reached before it became quiet.
 */
int pushsim_poll_until_quiet(pushsim *sim, int quiet, int max_polls, int delay_ms, size_t *total);

/**
 * Send a raw upload `POST /iclock/cdata?SN=..&table=<table>` with `body` (`len` bytes, may hold
 * anything) and return the status in pushsim_last_status() and the reply in pushsim_last_reply().
 * Returns 0 when the HTTP exchange happened (whatever the status, except a missing Date header:
 * ZKBIO_EPROTO); transport errors as in the file comment. For malformed-input and size-limit tests.
 */
int pushsim_post_raw(pushsim *sim, const char *table, const char *body, size_t len);

/** HTTP status of the last exchange (0 when none or transport error). */
long pushsim_last_status(const pushsim *sim);

/** Body of the last reply, NUL-terminated ("" when none); valid until the next exchange. */
const char *pushsim_last_reply(const pushsim *sim);

/** The `<n>` of the last `OK: <n>` reply, or -1 when the last reply was not of that form. */
long pushsim_last_ok_count(const pushsim *sim);

/** Message of the last failure ("" when none); valid until the next call. */
const char *pushsim_last_error(const pushsim *sim);

/** A value of the last handshake reply (`Delay`, `ErrorDelay`, `ATTLOGStamp`, ...), or NULL.
 * Case-insensitive. */
const char *pushsim_server_option(const pushsim *sim, const char *key);

/** The `Delay` of the last handshake reply in seconds (10 before any handshake). */
int pushsim_delay_s(const pushsim *sim);

/* ---- faults ---- */

/** Arm a fault: PUSHSIM_FAULT_DROP_ACK or PUSHSIM_FAULT_LOSE_ATTLOG_REPLY with a count (see
 * pushsim_fault). Errors: ZKBIO_EINVAL. */
int pushsim_set_fault(pushsim *sim, pushsim_fault fault, int arg);

/** Answer the next `count` commands with Return=`ret` without applying them (count < 0: all until
 * cleared; 0 clears). */
void pushsim_set_fail(pushsim *sim, int count, int32_t ret);

/* ---- local changes (what a person does at the terminal's keypad; no network traffic) ---- */

/** Add or replace a user; marked for the next pushsim_upload_pending(). `u->pin` required. Errors:
 * EINVAL, ENOMEM. */
int pushsim_add_user(pushsim *sim, const pushsim_user *u);

/** Add or replace a template (its user need not exist, as on firmware); marked for upload. Errors:
 * EINVAL, ENOMEM. */
int pushsim_add_template(pushsim *sim, const pushsim_template *t);

/** Add or replace a user photo; marked for upload. Errors: EINVAL, ENOMEM. */
int pushsim_add_photo(pushsim *sim, const char *pin, const char *content_b64);

/** Append a punch to the attendance log (not yet uploaded). `time` "YYYY-MM-DD HH:MM:SS". Errors:
 * EINVAL, ENOMEM. */
int pushsim_add_punch(pushsim *sim, const char *pin, const char *time, int32_t status,
                      int32_t verify);

/**
 * Enrol `n_users` deterministic users with PINs `first_pin`.. (name "User <pin>"), each with
 * `fingers` fingerprint templates (FID 0..fingers-1, ~1.5 kB of base64 each) and, when `face` is 1,
 * one face template. Templates are a pure function of (sn-independent) PIN, kind and number, so two
 * simulators enrolling the same PIN produce identical templates. Errors: EINVAL, ENOMEM.
 */
int pushsim_enroll_fake(pushsim *sim, long first_pin, size_t n_users, int fingers, int face);

/** Append `n` punches for PINs cycling over `first_pin`..`first_pin+n_pins-1`, one minute apart
 * from `start_time` (default "2025-01-02 08:00:00" when NULL). Errors: EINVAL, ENOMEM. */
int pushsim_add_fake_punches(pushsim *sim, long first_pin, size_t n_pins, size_t n,
                             const char *start_time);

/**
 * Deterministic fake base64 template of about `bytes` raw bytes (base64 is 4/3 larger), derived
 * from `seed`. Returns a malloc'd string (caller frees) or NULL on ENOMEM.
 */
char *pushsim_fake_b64(uint64_t seed, size_t bytes);

/* ---- getters (for tests and --dump-json) ---- */

size_t pushsim_user_count(const pushsim *sim);
const pushsim_user *pushsim_user_at(const pushsim *sim, size_t i);
/** The user with that PIN, or NULL. */
const pushsim_user *pushsim_find_user(const pushsim *sim, const char *pin);
size_t pushsim_template_count(const pushsim *sim);
const pushsim_template *pushsim_template_at(const pushsim *sim, size_t i);
/** Number of templates of a user (all kinds). */
size_t pushsim_templates_of(const pushsim *sim, const char *pin);
size_t pushsim_photo_count(const pushsim *sim);
const pushsim_photo *pushsim_photo_at(const pushsim *sim, size_t i);
size_t pushsim_punch_count(const pushsim *sim);
const pushsim_punch *pushsim_punch_at(const pushsim *sim, size_t i);
/** Every command received, in order (re-sent commands appear again). */
size_t pushsim_cmd_count(const pushsim *sim);
const pushsim_cmd_entry *pushsim_cmd_at(const pushsim *sim, size_t i);
/** How many received commands carried an id that had already been applied before (re-deliveries).
 */
size_t pushsim_duplicate_cmd_count(const pushsim *sim);
/** Number of times the simulator handshook (REBOOT/CHECK count too). */
unsigned pushsim_handshake_count(const pushsim *sim);
/** Value of an option set with `SET OPTION`, or NULL. */
const char *pushsim_option(const pushsim *sim, const char *key);

/**
 * Compare the users, templates and photos of two simulators (order does not matter). Returns 1 when
 * equal; 0 otherwise, with a description of the first difference in `diff` (`diff_size` bytes, may
 * be NULL/0).
 */
int pushsim_tables_equal(const pushsim *a, const pushsim *b, char *diff, size_t diff_size);

/**
 * The simulator's tables as a new JSON object (caller owns the reference: json_decref()):
 * `{"sn","options":{},"server_options":{},"users":[{pin,name,privilege,card,group,tz,verify,templates:[{kind,no,
 * index,type,valid,size,hash}],photo}],"attendance":[{pin,time,status,verify,uploaded}],"commands":[{id,cmd,
 * return}],"stats":{...}}`. Template bodies appear as their length and a 64-bit FNV-1a hash. NULL
 * on ENOMEM.
 */
json_t *pushsim_to_json(const pushsim *sim);

#ifdef __cplusplus
}
#endif
#endif /* ZKBIO_CLI_PUSHSIM_H */
