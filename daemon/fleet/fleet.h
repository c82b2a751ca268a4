/* SPDX-License-Identifier: Apache-2.0 */
/*
 * daemon/fleet: terminals zkbiod connects to over TCP/UDP 4370 (devices with transport tcp4370).
 *
 * One session per terminal. A terminal accepts one session at a time, so everything zkbiod does
 * with a 4370 terminal (info, unlock, restart, clock, user list/add/delete, enroll, pulls, log
 * clear, the realtime listener) runs on that terminal's one session, one operation at a time:
 * each terminal is an actor with its own FIFO of operations, and a terminal is served by at most
 * one thread at a time. Two requests never open two sessions.
 *
 * Threads (bounded by configuration, never one per request or per terminal):
 *   - `workers` pool threads run the terminals that have work (an operation, events to store, a
 *     (re)connect, a heartbeat), one terminal at a time each, round-robin between terminals;
 *   - one watcher thread poll()s the sockets of the idle listening sessions (the 4370 client's
 *     zkbio_zk_client_fd_get), hands a readable one to the pool, and fires the timers: reconnect
 *     backoff, heartbeat, catch-up pull.
 *
 * Realtime listener (options.listen): every enabled 4370 terminal keeps a session registered for
 * EF_ATTLOG (zkbio_zk_events_register). Commands and events share it: events that arrive while an
 * operation runs are queued by the client and stored right after it, so the listener yields to
 * operations without closing anything. Punches are stored with zs_fleet_punches_insert: the
 * attendance table of the PUSH path with its de-duplication key (sn, pin, punch_time, status), the
 * device's wall clock as punch_time. A session that hears nothing for `heartbeat_s` gets a
 * heartbeat command (a clock read); no answer within `timeout_ms`, a closed socket or any
 * transport error → the session is closed and reopened after a backoff (backoff_base_ms doubled
 * per failure up to backoff_max_ms, +-20 % jitter), events are registered again, and a catch-up
 * pull job (attendance.pull, one attempt: a failed one is followed by the next reconnect's or
 * interval's) is queued; catch-up pulls also run every `pull_interval_s`.
 *
 * The fleet follows the devices table: every heartbeat_s it adopts enabled 4370 terminals it does
 * not know yet (registered by another process) and turns listeners on again for re-enabled ones;
 * a heartbeat stops the listener of a terminal that was disabled or deleted meanwhile.
 *
 * Leases: before it opens a session the terminal's actor takes the device_leases row
 * (zs_lease_take, store_fleet.h) and renews it with each heartbeat and during long pulls; it
 * drops it when the session closes. Without the lease (another zkbiod process works the terminal)
 * it does not connect: operations fail with ZKBIO_EBUSY.
 *
 * Time zones: devices.tz ("+03:00", "UTC"; see zfleet_tz_valid) is the zone of the terminal's
 * clock: zfleet_time_sync sets the clock to now in that zone (this host's local time when it is
 * empty or not an offset). Punch times are stored as the terminal's wall clock, like PUSH ones.
 *
 * Timeouts: every exchange with a terminal is bounded by `timeout_ms` (the client's per-exchange
 * timeout; bulk reads per chunk attempt), so a hanging terminal fails its operation with
 * ZKBIO_ETIMEDOUT and frees the worker. An operation waits at most `queue_wait_ms` in its
 * terminal's queue before it starts (then ZKBIO_EBUSY, and it is dropped unrun); once started it
 * is waited for until it ends.
 *
 * Jobs: zfleet_open registers the handlers of the kinds below with daemon/jobs (zjobs_register);
 * their payload is JSON ({"device_id":N,...}), their result JSON text:
 *   - attendance.pull: the whole log in chunks, stored in ZS_FLEET_BATCH-row (5,000) transactions;
 * progress in bytes while it downloads, then in records; result
 * {"downloaded","inserted","duplicates", "download_ms","total_ms"}; ZJOB_RETRY on network errors,
 * ZJOB_FAIL on a refused comm key;
 *   - log.clear: with the terminal disabled, the pull, then the terminal's log cleared only after
 *     its records are committed; the pull's counts + "cleared":true;
 *   - user.to_db: users + FP templates of the terminal into users/templates (the store's PUSH
 *     ingest, fanned out to the group's PUSH terminals), batches of 100, cursor "after_uid" saved
 *     in the payload; result {"users","stored","templates"};
 *   - user.to_device: users of the terminal's sync group + FP templates to it, batches of 100,
 *     cursor "after_pin" saved; result {"users","templates","sync_group"};
 *   - device.enroll: {"user_id","finger"} remote enrollment; result {"ok","captures",
 *     "events":[...],"error"?};
 *   - user.delete: {"user_id"} off the terminal (issue 16: a BioTime employee deleted or moved
 *     out of the terminal's area); a user already absent counts as done; result {"user_id",
 *     "was_present"}.
 * Queues: attendance-sync (pull, clear), user-sync (user.*), device-cmd (enroll).
 *
 * Thread-safety: every function is thread-safe. Ownership: zfleet borrows the store and the job
 * queue (both must outlive it). Errors (besides those listed): ZKBIO_EINVAL, ZKBIO_ENOMEM,
 * ZKBIO_ENOENT (no such 4370 terminal), ZKBIO_EBUSY (queue wait passed, or the lease is held by
 * another process), the 4370 client's errors (ZKBIO_ECONN, ZKBIO_ETIMEDOUT: unreachable or
 * hanging; ZKBIO_EACCES: comm key refused; ZKBIO_EIO: refused by the terminal).
 * Dependencies: jobs, store, core, libzkbio's 4370 client.
 */
#ifndef ZKBIOD_FLEET_H
#define ZKBIOD_FLEET_H

#include <stddef.h>
#include <stdint.h>

#include "jobs.h"
#include "store.h"
#include "zkbio/zk4370_client.h"

typedef struct zfleet zfleet;

typedef struct zfleet_options {
    int workers;         /* pool threads; 0 = 4 */
    int timeout_ms;      /* per exchange with a terminal; 0 = 5000 */
    int queue_wait_ms;   /* longest wait of an operation in its terminal's queue; 0 = 10000 */
    int info_cache_ms;   /* zfleet_info cache; 0 = 5000, < 0 = none */
    int pull_interval_s; /* periodic catch-up pull; 0 = 600, < 0 = never */
    int heartbeat_s;     /* a silent session is checked after this; 0 = 15 */
    int backoff_base_ms; /* first reconnect delay; 0 = 1000 */
    int backoff_max_ms;  /* cap; 0 = 60000 */
    int lease_ms;        /* device_leases lease; 0 = 30000 */
    int listen;          /* 1 = realtime listeners on every enabled 4370 terminal */
    const char *owner;   /* lease owner name (copied); NULL = "<host>:<pid>" */
} zfleet_options;

/* Open the fleet over st and q (borrowed; q may be NULL: no job handlers) and register the job
 * handlers (before zjobs_start). Nothing connects before zfleet_start. 0 or -1 with err. */
int zfleet_open(zs_store *st, zjobs *q, const zfleet_options *o, zfleet **out, char *err,
                size_t errsz);
/* Start the pool and the watcher, and the listener of every enabled 4370 terminal. */
int zfleet_start(zfleet *f);
/* Stop listeners and threads (operations still queued fail with ZKBIO_ECANCELED; later ones with
 * ZKBIO_EUNAVAIL), close sessions, drop leases; f stays valid for job handlers still running.
 * Call before zjobs_close. NULL accepted; idempotent. */
void zfleet_stop(zfleet *f);
/* zfleet_stop, then free. Call after zjobs_close (no handler may run). NULL accepted. */
void zfleet_close(zfleet *f);

/* The job queue the fleet's handlers are registered with (NULL when opened without one). */
zjobs *zfleet_jobs(zfleet *f);

/* A terminal was registered (start its listener) / deleted (stop it: its session is closed once
 * the running operation ends; queued ones fail with ZKBIO_ECANCELED). */
int zfleet_device_added(zfleet *f, int64_t id);
void zfleet_device_removed(zfleet *f, int64_t id);

/* Connect to ip:port (udp: UDP only, else TCP with UDP fallback) with comm key `key`, read what the
 * terminal says about itself into *out, close. *used_udp (may be NULL) = 1 when the terminal
 * answered over UDP only (register it so). For registering a terminal (no lease: it is not
 * registered yet). err gets the reason of a failure (never the key). */
int zfleet_probe(zfleet *f, const char *ip, int port, int udp, uint32_t key, zkbio_zk_info *out,
                 int *used_udp, char *err, size_t errsz);

/* Live information (cached for info_cache_ms unless fresh) into *out. *read_at_ms (may be NULL) =
 * when the terminal answered (wall clock, ms since the epoch: the same for every answer from one
 * cache entry); *cached (may be NULL) = 1 when served from the cache. Also records the counts in
 * the devices row. */
int zfleet_info(zfleet *f, int64_t id, int fresh, zkbio_zk_info *out, int64_t *read_at_ms,
                int *cached, char *err, size_t errsz);
/* Empty the info cache (POST /api/v1/cache/clear). *dropped (may be NULL) = entries dropped. */
void zfleet_cache_clear(zfleet *f, size_t *dropped);

/* Open the door for `seconds` (1..60). */
int zfleet_unlock(zfleet *f, int64_t id, int seconds, char *err, size_t errsz);
/* Unlock rate limit: 10 per minute per device and per account (key = account id or name).
 * Returns 0 when allowed (and counted), else the seconds until a slot frees (Retry-After). */
int zfleet_unlock_allow(zfleet *f, int64_t id, const char *account);
/* Restart the terminal; its session is reopened after the backoff. */
int zfleet_restart(zfleet *f, int64_t id, char *err, size_t errsz);
/* Set the terminal's clock to now in its time zone (devices.tz; "" = this host's local time).
 * *set (may be NULL) = the wall time written. */
int zfleet_time_sync(zfleet *f, int64_t id, zkbio_zk_time *set, char *err, size_t errsz);

/* 1 when tz is a time zone the fleet can apply: "" (this host's local time), "UTC", "Z", "GMT",
 * or an offset "+03:00" / "-0530" / "UTC+01:00". IANA names are not accepted. */
int zfleet_tz_valid(const char *tz);

/* Every user of the terminal (*users: zkbio_zk_free), read live, or from the cache (as the info
 * cache: info_cache_ms, emptied by zfleet_cache_clear and by every change of the terminal's users)
 * unless fresh. *read_at_ms and *cached (may be NULL) as zfleet_info. */
int zfleet_users(zfleet *f, int64_t id, int fresh, zkbio_zk_user **users, size_t *n,
                 int64_t *read_at_ms, int *cached, char *err, size_t errsz);
/* Add a user (u->user_id required; u->uid 0 = the next free uid). ZKBIO_EEXIST when that user id
 * is on the terminal. *uid (may be NULL) = the uid used. */
int zfleet_user_add(zfleet *f, int64_t id, const zkbio_zk_user *u, uint16_t *uid, char *err,
                    size_t errsz);
/* Delete the user with user_id. ZKBIO_ENOENT when not there. */
int zfleet_user_delete(zfleet *f, int64_t id, const char *user_id, char *err, size_t errsz);

/* What the fleet knows of a terminal now (for GET /devices/{id}: state beside the row). */
typedef struct zfleet_status {
    int known;      /* 1 when the fleet runs a listener/actor for it */
    int connected;  /* a session is open */
    int queued;     /* operations waiting */
    int reconnects; /* sessions reopened since start */
    int64_t events; /* punches received live since start */
} zfleet_status;
int zfleet_status_get(zfleet *f, int64_t id, zfleet_status *out);

/* Test and benchmark hook: sessions this process opened to terminal id since start. */
int64_t zfleet_sessions_opened(zfleet *f, int64_t id);

#endif /* ZKBIOD_FLEET_H */
