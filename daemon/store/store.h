/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file store.h
 * @brief zkbiod's store: one schema and the fleet-sync logic, over SQLite or MariaDB
 * (daemon/db/db.h).
 *
 * Everything another zkbiod process needs lives in the database, so several processes may share one
 * MariaDB: command hand-out locks the device row (`SELECT ... FOR UPDATE`), attendance
 * de-duplication is a unique key, and every multi-row change is one transaction. The only
 * in-process state is the "last seen" buffer (flushed every couple of seconds, merged with MAX so
 * processes never move it backwards).
 *
 * Threading: a zs_store is shared by all threads; each thread gets its own database connection on
 * first use. Every function is thread-safe.
 *
 * Durability: every function that stores device data returns only after COMMIT (SQLite: WAL with
 * synchronous=FULL), so the caller may acknowledge the device when it returns ZKBIO_OK.
 *
 * Errors: ZKBIO_EUNAVAIL (database unreachable, busy or deadlocked: answer 503 so the device
 * retries), ZKBIO_EDB (unexpected SQL error), ZKBIO_ENOENT, ZKBIO_EINVAL, ZKBIO_ENOMEM.
 */
#ifndef ZKBIOD_STORE_H
#define ZKBIOD_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "zkbio/push.h"

typedef struct zs_store zs_store;

/** Sync and queue policy. */
typedef struct zs_policy {
    int full_sync; /**< 1: a newly registered device is sent every user/template of its group */
    int command_timeout_s; /**< a sent, unacknowledged command is re-sent after this many seconds */
    int max_attempts;      /**< attempts before a command is marked failed */
    int auto_admit; /**< 1: unknown SNs are registered on first contact; 0: allow-list only */
    const char *const
        *allow_sn; /**< NULL-terminated list of SNs admitted in allow-list mode (copied) */
    /* issue 15: admission (store_admission.h, docs/admission.md) */
    int pending;      /**< with auto_admit 0: an unknown SN is registered pending (not refused) */
    int pending_max;  /**< pending: most devices pending at once (0 = 100) */
    int unknown_rate; /**< pending: requests of unknown SNs per source address a minute (0 = 10) */
    /** May be NULL: receives one line for the operator's log (an approved device heard from a
     * new address); called on any request thread, must be thread-safe. */
    void (*notify)(const char *line);
} zs_policy;

/**
 * Open the store at `uri` (see zdb_open()), create or migrate the schema, and start the last-seen
 * flusher. On failure writes a message to err.
 */
int zs_open(const char *uri, const zs_policy *policy, zs_store **out, char *err, size_t errsz);

/** Flush buffered state and close every connection. Call when no other thread uses the store. NULL
 * accepted. */
void zs_close(zs_store *st);

/** Admission states of a device. */
typedef enum zs_admit {
    ZS_ADMIT_OK = 0,       /**< approved: served */
    ZS_ADMIT_DENIED = 1,   /**< unknown SN, not on the allow-list: refused, nothing stored */
    ZS_ADMIT_DISABLED = 2, /**< known, disabled by an operator: refused */
    /* issue 15 (store_admission.h) */
    ZS_ADMIT_PENDING = 3,  /**< registered, waiting for approval: handshake answered, uploads held
                              (zs_pending_stage), no users, templates or commands */
    ZS_ADMIT_REJECTED = 4, /**< rejected by an operator: refused */
    ZS_ADMIT_PINNED = 5,   /**< the request comes from outside the device's pin_address: refused */
    ZS_ADMIT_LIMITED = 6,  /**< unknown SN over the per-source rate: refused, nothing stored */
    ZS_ADMIT_FULL = 7      /**< unknown SN while pending_max devices are pending: refused */
} zs_admit;

/**
 * Handshake: register the device if admitted (policy), record what it said about itself, queue a
 * full sync for a new device (policy.full_sync). *admit tells whether the device may store data.
 * Stamps for the reply are written to the four buffers (each 32 bytes; "" = none known).
 */
int zs_device_hello(zs_store *st, const zkbio_push_handshake *hs, const char *ip, zs_admit *admit,
                    char stamps[4][32]);

/**
 * Admission check for a request from `sn` (cheap: primary-key read). Registers it in auto mode.
 * *language (may be NULL) receives the device's language code from its handshake (-1 unknown).
 */
int zs_device_admit(zs_store *st, const char *sn, const char *ip, zs_admit *admit, int *language);

/** Note that `sn` was heard from now (buffered; flushed within ~2 s). `info` may be NULL. */
void zs_device_seen(zs_store *st, const char *sn, const char *ip, const char *info);

/** Store a `table=options` upload as the device's options (JSON object text) and its
 * model/firmware. */
int zs_device_options(zs_store *st, const char *sn, const zkbio_push_kvlist *opts);

/** Stamp tables. */
typedef enum zs_stamp {
    ZS_STAMP_ATTLOG = 0,
    ZS_STAMP_OPERLOG,
    ZS_STAMP_ATTPHOTO,
    ZS_STAMP_BIODATA
} zs_stamp;

/**
 * Store punches (unique on SN, PIN, time, status: a re-sent batch is counted again but stored once)
 * and advance the stamp. *accepted = records of the batch now durably stored (new or already
 * present).
 */
int zs_ingest_attlog(zs_store *st, const char *sn, const zkbio_push_batch *b, const char *stamp,
                     size_t *accepted);

/**
 * Store OPERLOG/BIODATA/USERINFO records: users, templates, photos (upsert by content), operation
 * log, error log; fan out changes to the other devices of the sender's sync group as DATA
 * UPDATE/DELETE commands; OPLOG 9 (delete user) deletes the user everywhere. *accepted = records
 * stored.
 */
int zs_ingest_operlog(zs_store *st, const char *sn, const zkbio_push_batch *b, zs_stamp stamp_table,
                      const char *stamp, size_t *accepted);

/** Record an attendance photo `name` of `sn`, already written durably to `path` (`size` bytes).
 * Idempotent on (sn, name). */
int zs_ingest_attphoto(zs_store *st, const char *sn, const char *name, const char *path,
                       size_t size);

/**
 * Hand out up to `max` due commands for `sn` as a getrequest reply body (`C:<id>:<cmd>` lines) into
 * a malloc'd buffer *body (NUL-terminated, *len bytes; caller frees). *body is NULL when nothing is
 * due. Commands due: queued ones, and sent ones older than the command timeout (re-sent; failed
 * after max attempts). Order: queue order. The reply is capped near `max_bytes` (at least one
 * command is always sent).
 */
int zs_commands_take(zs_store *st, const char *sn, int max, size_t max_bytes, char **body,
                     size_t *len);

/**
 * A device's poll (getrequest) in one statement: zs_device_admit()'s answer plus *due = 1 when
 * zs_commands_take() would hand out something now (0: reply "OK" without calling it). Registers an
 * unknown device in auto mode, as zs_device_admit() does.
 */
int zs_device_poll(zs_store *st, const char *sn, const char *ip, zs_admit *admit, int *language,
                   int *due);

/** Apply command results from devicecmd (idempotent for repeated or late results). *matched =
 * results known. */
int zs_commands_ack(zs_store *st, const char *sn, const zkbio_push_cmd_results *res,
                    size_t *matched);

/**
 * Queue an operator command (already formatted and validated by the caller) for `sn`.
 * *id receives the command id. Errors: ZKBIO_ENOENT (unknown device).
 */
int zs_command_enqueue(zs_store *st, const char *sn, const char *text, int64_t *id);

/*
 * ---- management API queries ----
 * The tables come back as C structs, declared per domain in the headers included at the end
 * (store_devices.h, store_users.h, store_punches.h, store_commands.h, store_fptemplates.h); the
 * callers build whatever JSON they serve from them. Ownership: what a list/get call fills belongs
 * to the caller and is released with the free function next to it; the store keeps no pointer to
 * it. Paging is keyset: a full page reports the cursor (zs_filter.after / after_key) of the next
 * one.
 */

/** Filters and paging for list queries; NULL/0 fields are unused. */
typedef struct zs_filter {
    const char *sn;
    const char *pin;
    const char *status;
    const char *from;      /**< "YYYY-MM-DD HH:MM:SS" inclusive */
    const char *to;        /**< inclusive */
    int64_t after;         /**< pagination cursor: rows with id > after */
    const char *after_key; /**< pagination cursor for users: PINs greater than this */
    int limit;             /**< 1..1000, default 100 */
    int want_total;        /**< commands: 1 = count the matching rows into the page's total */
} zs_filter;

/** Driver message of the calling thread's last database error ("" if none; never holds bound
 * values). */
const char *zs_errmsg(zs_store *st);

/** Database reachable? (for /health) */
int zs_ping(zs_store *st);

/* The tables, one header per domain. */
#include "store_accounts.h"
#include "store_admission.h"
#include "store_audit.h"
#include "store_commands.h"
#include "store_devices.h"
#include "store_fleet.h"
#include "store_forward.h" /* issue 16: forwarding targets and the outbox */
#include "store_fptemplates.h"
#include "store_jobs.h"
#include "store_punches.h"
#include "store_users.h"

#endif /* ZKBIOD_STORE_H */
