/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file store_forward.h
 * @brief Forwarding targets and their transactional outbox (tables forwarders, forwarder_filters,
 * outbox; migration 0006) as C structs (part of store.h; used by daemon/forward and daemon/api).
 *
 * A forwarder is a target (kind erpnext | erpnext-realtime | webhook) with its settings (a JSON
 * object text, secrets included: the store never interprets it) and optional filters (device serial
 * numbers, sync groups). The trigger `attendance_outbox` inserts one outbox row per matching
 * forwarder in the transaction that stores a punch, whatever stored it, so nothing here writes
 * outbox rows for new punches; zs_forwarder_create() may backfill rows for punches stored earlier.
 *
 * Outbox rows are (forwarder, attendance) pairs with a state:
 *   pending   due at next_at (ms since the epoch; 0 = at once);
 *   delivered the target accepted it;
 *   duplicate the target already had it (counted as delivered);
 *   parked    the target refused the record itself (unknown or inactive employee...): waits for an
 *             operator (requeue or drop);
 *   failed    a permanent error of another kind: waits for an operator.
 * A row leaves only by delivery (then the retention sweep, zs_outbox_sweep) or an explicit drop
 * (zs_outbox_drop, zs_forwarder_delete). sent_time holds the timestamp as first sent; once set it
 * never changes (zs_outbox_set_sent_times writes only empty ones), so retries resend it byte for
 * byte.
 *
 * Several zkbiod processes may share one MariaDB: a process delivers a target only while it holds
 * the target's lease (lease_owner/lease_until on the forwarder row, taken by one conditional
 * UPDATE: renew ours, or take a free or expired one), so one target is never delivered by two
 * processes at once.
 *
 * Units: forwarder times (created_at, updated_at, last_error_at, last_success_at) and outbox
 * created_at, updated_at, delivered_at are Unix seconds (outbox created_at is the punch's
 * received_at); outbox next_at and the lease's lease_until are ms since the epoch.
 *
 * Ownership: a zs_forwarder owns settings, devices and groups (malloc'd): zs_forwarder_clear()
 * frees them; arrays returned by the list calls are freed with the free function next to them.
 * Outbox rows are plain data (fixed arrays). Thread-safety: as the store. Errors: as store.h;
 * ZKBIO_EEXIST (a forwarder name taken), ZKBIO_ENOENT (unknown id), ZKBIO_EINVAL (bad arguments).
 */
#ifndef ZKBIOD_STORE_FORWARD_H
#define ZKBIOD_STORE_FORWARD_H

#include <stddef.h>
#include <stdint.h>

typedef struct zs_store zs_store;

/** One value of a filter list (a serial number or a sync group). */
typedef char zs_fwd_value[65];

/** One row of forwarders with its filters. Text fields are NUL-terminated (truncated to fit). */
typedef struct zs_forwarder {
    int64_t id;
    char name[65];
    char kind[25]; /**< "erpnext", "erpnext-realtime", "webhook" (not checked here) */
    char url[1025];
    char state[17];          /**< "active" | "paused" */
    char paused_reason[256]; /**< why it is paused ("" when active) */
    char source[9];          /**< "api" | "config" */
    char *settings;          /**< JSON object text (secrets included), malloc'd; NULL = "{}" */
    zs_fwd_value *devices;   /**< device filter (SNs), malloc'd; NULL when ndevices is 0 */
    size_t ndevices;
    zs_fwd_value *groups; /**< sync-group filter, malloc'd; NULL when ngroups is 0 */
    size_t ngroups;
    char last_error[513];
    int64_t last_error_at, last_success_at; /**< Unix s, 0 = never */
    int64_t created_at, updated_at;         /**< Unix s */
    char lease_owner[65];
    int64_t lease_until; /**< ms since the epoch */
} zs_forwarder;

/** Free what *f owns and zero it; NULL accepted. */
void zs_forwarder_clear(zs_forwarder *f);

/** Set *f's filter lists to copies of v[0..n) (replacing what it held). 0 or ZKBIO_ENOMEM /
 * ZKBIO_EINVAL (a value longer than 64 bytes). */
int zs_forwarder_set_devices(zs_forwarder *f, const char *const *v, size_t n);
int zs_forwarder_set_groups(zs_forwarder *f, const char *const *v, size_t n);

/**
 * Insert forwarder *f (name, kind, url, state ("" = active), paused_reason, source ("" = api),
 * settings, filters; id and times are ignored) and its filters in one transaction. When
 * backfill_since is non-NULL ("YYYY-MM-DD HH:MM:SS", device wall clock), the same transaction
 * inserts a pending outbox row for every stored punch with punch_time >= backfill_since that the
 * filters match (one INSERT ... SELECT); *backfilled (may be NULL) = how many. *id = the new id.
 * ZKBIO_EEXIST when the name is taken.
 */
int zs_forwarder_create(zs_store *st, const zs_forwarder *f, const char *backfill_since,
                        int64_t *id, int64_t *backfilled);

/** Forwarder id (with its filters) into *out (zs_forwarder_clear() it). ZKBIO_ENOENT. */
int zs_forwarder_get(zs_store *st, int64_t id, zs_forwarder *out);
/** The same by name. ZKBIO_ENOENT. */
int zs_forwarder_find(zs_store *st, const char *name, zs_forwarder *out);

/** A page of forwarders ordered by id, ids > after, at most limit (1..1001, 0 = 100): *out
 * malloc'd (zs_forwarders_free), *n rows; *total (may be NULL) = every forwarder. */
int zs_forwarders_list(zs_store *st, int64_t after, int limit, zs_forwarder **out, size_t *n,
                       int64_t *total);
void zs_forwarders_free(zs_forwarder *rows, size_t n);

/**
 * Replace forwarder f->id's name, kind, url, settings and filters (the caller merged a PATCH into a
 * full row; state, source and times are kept), updated_at = now, in one transaction. Outbox rows
 * already queued stay. ZKBIO_ENOENT, ZKBIO_EEXIST (name taken).
 */
int zs_forwarder_update(zs_store *st, const zs_forwarder *f);

/** Delete forwarder id, its filters and every outbox row of it (the explicit drop), in one
 * transaction. ZKBIO_ENOENT. */
int zs_forwarder_delete(zs_store *st, int64_t id);

/** Set the state: "paused" with a reason (copied, truncated to 255 bytes), or "active" (the reason
 * is cleared). Pending rows stay pending. ZKBIO_ENOENT, ZKBIO_EINVAL (another state). */
int zs_forwarder_set_state(zs_store *st, int64_t id, const char *state, const char *reason);

/** Set the source ("api" | "config") of forwarder id. ZKBIO_ENOENT, ZKBIO_EINVAL. */
int zs_forwarder_set_source(zs_store *st, int64_t id, const char *source);

/** Record a delivery outcome on the forwarder: error non-NULL sets last_error (truncated to 512
 * bytes) and last_error_at = now; success nonzero sets last_success_at = now. */
int zs_forwarder_note(zs_store *st, int64_t id, const char *error, int success);

/** Take forwarder id's lease for owner (<= 64 bytes) until now + ttl_ms: renew ours, or take one
 * that is free or expired, in one conditional UPDATE. *got = 1 when owner holds it now, 0 when
 * another live owner does or the forwarder is gone. */
int zs_forwarder_lease(zs_store *st, int64_t id, const char *owner, int ttl_ms, int *got);
/** Take forwarder id's lease from `dead` (an owner known to have died: a process of this host that
 * no longer exists) for owner until now + ttl_ms, whatever its lease_until. *got = 1 when taken. */
int zs_forwarder_lease_steal(zs_store *st, int64_t id, const char *dead, const char *owner,
                             int ttl_ms, int *got);
/** Drop the lease if owner holds it. */
int zs_forwarder_lease_drop(zs_store *st, int64_t id, const char *owner);

/** For a delivery thread: its connection commits outbox bookkeeping (sent_time, results, leases)
 * without waiting for the disk (SQLite: PRAGMA synchronous=NORMAL on the calling thread's
 * connection, WAL kept; nothing on MariaDB). A process crash loses nothing; a power cut may lose
 * the last results, and those rows are then sent again, with the same sent_time, which the targets
 * recognise (duplicate = delivered). Call it only on threads that store no punches. */
int zs_forward_thread_init(zs_store *st);

/* ---- the outbox ---------------------------------------------------------------------------- */

/** Outbox states, stored by name (zs_outbox_state_name). */
typedef enum zs_outbox_state {
    ZS_OUTBOX_PENDING = 0,
    ZS_OUTBOX_DELIVERED,
    ZS_OUTBOX_DUPLICATE,
    ZS_OUTBOX_PARKED,
    ZS_OUTBOX_FAILED,
} zs_outbox_state;

/** "pending", ...; NULL for an unknown value. */
const char *zs_outbox_state_name(int state);
/** The state of a name, or -1. */
int zs_outbox_state_parse(const char *name);

/** One outbox row joined to its punch and the punch's device (device fields "" when the device row
 * is gone; punch fields ""/0 when the punch itself was deleted: punch_time is then ""). */
typedef struct zs_outbox_item {
    int64_t id, forwarder_id, attendance_id;
    char sn[41], pin[25];
    char punch_time[20]; /**< device wall clock "YYYY-MM-DD HH:MM:SS" */
    int status, verify;
    char workcode[33];
    char device_name[129];
    char device_tz[65]; /**< devices.tz ("" unknown) */
    char sync_group[65];
    int state; /**< zs_outbox_state */
    int attempts;
    int64_t next_at; /**< ms since the epoch */
    char sent_time[41];
    int last_status; /**< HTTP status of the last attempt, 0 = none (network error) */
    char last_error[513];
    int64_t created_at, updated_at, delivered_at; /**< Unix s */
    char remote_id[141]; /**< what the target named the record (erpnext: the checkin), "" */
} zs_outbox_item;

/** Up to max due rows of forwarder fwd (pending, next_at <= now_ms) in id order into out[]; *n =
 * how many. The index outbox_pending is walked in id order and the walk stops after max due rows:
 * no sort of the backlog (rows waiting for a retry are stepped over). */
int zs_outbox_due(zs_store *st, int64_t fwd, int64_t now_ms, zs_outbox_item *out, size_t max,
                  size_t *n);

/** Store the timestamp as first sent of rows ids[i] (times[i], <= 40 bytes) where none is stored
 * yet, in one transaction (a stored one is never replaced). */
int zs_outbox_set_sent_times(zs_store *st, const int64_t *ids, const char *const *times, size_t n);

/** The outcome of one attempt on one row (zs_outbox_mark). */
typedef struct zs_outbox_result {
    int64_t id;
    int state;             /**< ZS_OUTBOX_*: PENDING = retry at next_at */
    int64_t next_at;       /**< PENDING: ms since the epoch */
    int last_status;       /**< HTTP status, 0 = none */
    const char *error;     /**< NULL/"" = none (cleared); truncated to 512 bytes */
    const char *remote_id; /**< NULL = keep; else what the target named the record (<= 140 bytes) */
} zs_outbox_result;

/** Apply r[0..n) of forwarder fwd in one transaction: attempts + 1, state, next_at, last_status,
 * last_error, updated_at = now, delivered_at = now for delivered/duplicate. Only rows still pending
 * change (a row dropped or requeued meanwhile is left alone). */
int zs_outbox_mark(zs_store *st, int64_t fwd, const zs_outbox_result *r, size_t n);

/** Counts and lag of one forwarder. */
typedef struct zs_outbox_stats {
    int64_t pending, delivered, duplicate, parked, failed;
    int64_t oldest_pending_at; /**< created_at (Unix s) of the oldest pending row, 0 when none */
} zs_outbox_stats;
int zs_outbox_stats_get(zs_store *st, int64_t fwd, zs_outbox_stats *out);

/** Rows of forwarder fwd in id order, ids > after, state (-1 = any), at most limit (1..1001,
 * 0 = 100): *out malloc'd (free()), *n rows. */
int zs_outbox_list(zs_store *st, int64_t fwd, int state, int64_t after, int limit,
                   zs_outbox_item **out, size_t *n);

/** Requeue rows of fwd: those of ids[0..n) (when ids) that are parked or failed, or every row in
 * `state` (ZS_OUTBOX_PARKED or ZS_OUTBOX_FAILED; when ids is NULL) become pending, due now, with
 * their error kept. *count = rows changed. */
int zs_outbox_requeue(zs_store *st, int64_t fwd, const int64_t *ids, size_t n, int state,
                      int64_t *count);
/** Delete rows of fwd: ids[0..n) (any state), or every row in `state` (ids NULL). *count = rows
 * deleted. */
int zs_outbox_drop(zs_store *st, int64_t fwd, const int64_t *ids, size_t n, int state,
                   int64_t *count);

/** Retention: delete delivered and duplicate rows (of every forwarder) delivered more than
 * keep_days (0 = 7) days ago. *count (may be NULL) = rows deleted. */
int zs_outbox_sweep(zs_store *st, int keep_days, int64_t *count);

#endif /* ZKBIOD_STORE_FORWARD_H */
