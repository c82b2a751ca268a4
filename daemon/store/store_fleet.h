/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file store_fleet.h
 * @brief Terminals zkbiod connects to over TCP/UDP 4370 (devices with transport "tcp4370"), their
 * session leases, and the bulk punch insert of pulled logs (part of store.h; used by daemon/fleet).
 *
 * Devices are addressed by their numeric id (devices.id). A 4370 terminal's row holds its endpoint
 * (ip, port, udp), its comm key (never logged, never served), its time zone and its state as the
 * fleet last saw it; PUSH terminals have transport "push" and appear by themselves.
 *
 * Punches pulled from a terminal land in the one attendance table with the PUSH path's
 * de-duplication key (sn, pin, punch_time, status), inserted with INSERT OR IGNORE (SQLite) /
 * INSERT IGNORE (MariaDB) in transactions of ZS_FLEET_BATCH rows; the counts say what was new and
 * what was already there. The PUSH path's group-commit writer (writer.c) is not involved.
 *
 * Leases (table device_leases): a process works a terminal only while it holds the terminal's row
 * (insert, or take over one whose lease_until passed; renewed by a heartbeat; dropped when done),
 * so several zkbiod processes on one MariaDB never open two sessions to one terminal.
 *
 * Ownership: every struct here is plain data (fixed arrays), no free needed except arrays returned
 * by the list calls (free()). Errors: as store.h; ZKBIO_EEXIST (endpoint or serial number taken),
 * ZKBIO_ENOENT (unknown id).
 */
#ifndef ZKBIOD_STORE_FLEET_H
#define ZKBIOD_STORE_FLEET_H

#include <stddef.h>
#include <stdint.h>

typedef struct zs_store zs_store;

/** Rows per transaction of zs_fleet_punches_insert(). */
#define ZS_FLEET_BATCH 5000

/** One device as the fleet needs it (any transport). */
typedef struct zs_fleet_device {
    int64_t id;
    char sn[41];
    char transport[9]; /**< "push" or "tcp4370" */
    char name[129], location[129];
    char ip[49];
    int port, udp;
    uint32_t comm_key; /**< secret: never log or serve it */
    char tz[65];       /**< "+03:00", "UTC", an IANA name, or "" (unknown) */
    char model[65], firmware[129];
    char state[17];       /**< online | offline | unreachable | "" */
    char last_error[256]; /**< "" when none */
    char sync_group[65];
    int enabled;
    int64_t last_seen;                         /**< Unix seconds */
    int64_t registered_at;                     /**< Unix seconds */
    int64_t user_count, fp_count, punch_count; /**< -1 unknown */
    char created_by[129];
} zs_fleet_device;

/** Register a 4370 terminal (transport tcp4370; sn, model, firmware as the terminal said; name,
 * location, ip, port, udp, comm_key, tz, sync_group ("" = default), created_by). *id = the new
 * devices.id. ZKBIO_EEXIST when ip:port or the serial number is already registered. */
int zs_fleet_add(zs_store *st, const zs_fleet_device *d, int64_t *id);
/** The device with id (any transport) into *out. ZKBIO_ENOENT when unknown. */
int zs_fleet_get(zs_store *st, int64_t id, zs_fleet_device *out);
/** The id of the 4370 terminal at ip:port into *id. ZKBIO_ENOENT when none. */
int zs_fleet_find_endpoint(zs_store *st, const char *ip, int port, int64_t *id);
/** Every enabled 4370 terminal, ordered by id: *out malloc'd (free()), NULL when *n is 0. */
int zs_fleet_list_4370(zs_store *st, zs_fleet_device **out, size_t *n);
/** Record the state seen now: state ("online", "offline", "unreachable"), last_error ("" clears;
 * NULL keeps), and, when `contact` is nonzero, last_seen = now. */
int zs_fleet_set_state(zs_store *st, int64_t id, const char *state, const char *last_error,
                       int contact);
/** Record counts reported by the terminal (-1 = keep). */
int zs_fleet_set_counts(zs_store *st, int64_t id, int64_t users, int64_t fps, int64_t punches);
/** Delete a device row and its lease (its punches stay). ZKBIO_ENOENT when unknown. */
int zs_fleet_delete(zs_store *st, int64_t id);

/** One punch pulled from a terminal (device wall clock). */
typedef struct zs_fleet_punch {
    char pin[25];
    char time[20]; /**< "YYYY-MM-DD HH:MM:SS" */
    int status, verify;
    uint32_t workcode;
} zs_fleet_punch;

/** Insert p[0..n) for `sn` in transactions of ZS_FLEET_BATCH rows; after each committed batch
 * `progress` (may be NULL) is called with the rows done so far (nonzero return: stop,
 * ZKBIO_ECANCELED with the counts so far). *inserted / *duplicates (may be NULL) = new rows / rows
 * already present.
 */
int zs_fleet_punches_insert(zs_store *st, const char *sn, const zs_fleet_punch *p, size_t n,
                            int (*progress)(void *ctx, size_t done), void *ctx, size_t *inserted,
                            size_t *duplicates);

/** Take the lease of device id for `owner` for ttl_ms: inserted, renewed (same owner) or taken
 * over (expired). *got = 1 when this owner holds it now, 0 when another live owner does. */
int zs_lease_take(zs_store *st, int64_t id, const char *owner, int ttl_ms, int *got);
/** Drop the lease if `owner` holds it. */
int zs_lease_drop(zs_store *st, int64_t id, const char *owner);

/** One user of a sync group with its secrets, for the upload to a terminal (user.to_device). */
typedef struct zs_fleet_user {
    char pin[25], name[129], password[65], card[33];
    int privilege;
    size_t ntemplates;
    struct {
        int fid, valid, duress;
        char *tmp; /**< base64 text (malloc'd); zs_fleet_users_free() frees it */
    } templates[10];
} zs_fleet_user;

/** Users of `group` with PIN > after ("" = from the start), at most limit, ordered by PIN, each
 * with its FP templates (fingers 0..9). *out malloc'd (zs_fleet_users_free). */
int zs_fleet_group_users(zs_store *st, const char *group, const char *after, int limit,
                         zs_fleet_user **out, size_t *n);
void zs_fleet_users_free(zs_fleet_user *u, size_t n);

#endif /* ZKBIOD_STORE_FLEET_H */
