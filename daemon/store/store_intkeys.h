/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file store_intkeys.h
 * @brief Integration keys (table integration_keys, schema 6) and the inbound punches of the
 * Frappe-style endpoints (part of store.h; issue 16, docs/integrations.md "Inbound punches").
 *
 * An integration key is a pair api_key:api_secret that a script or device presents as
 * `Authorization: token <api_key>:<api_secret>`. The store keeps the api_key in clear (it names the
 * key) and only secret_hash, the lower-case hex SHA-256 of the secret; daemon/auth makes the
 * secrets, checks them (constant time) and decides when to call zs_intkey_touch(). Times are
 * milliseconds since the epoch (0 = never / not revoked), like the accounts and the audit log.
 *
 * Inbound punches (zs_inbound_store) land in the one attendance table with the de-duplication key
 * (sn, punch_time, pin, status) of every other source, so the schema-6 trigger queues them for
 * every forwarder in the same transaction. Unlike zs_fleet_punches_insert it reports per row
 * whether the punch was new (its attendance id) or already stored.
 *
 * Ownership: plain structs with fixed arrays, except zs_intkey_page.rows (free with
 * zs_intkey_page_free). Thread-safety: as store.h. Errors: as store.h; ZKBIO_ENOENT (no such key),
 * ZKBIO_EEXIST (api_key taken), ZKBIO_EINVAL (bad arguments).
 */
#ifndef ZKBIOD_STORE_INTKEYS_H
#define ZKBIOD_STORE_INTKEYS_H

#include <stddef.h>
#include <stdint.h>

typedef struct zs_store zs_store;

#define ZS_INTKEY_KEY_MAX  64  /**< api_key column */
#define ZS_INTKEY_NAME_MAX 128 /**< name column */
#define ZS_INTKEY_BY_MAX   255 /**< created_by column */

/** One row of integration_keys. */
typedef struct zs_intkey {
    int64_t id;
    char api_key[ZS_INTKEY_KEY_MAX + 1];
    char secret_hash[65]; /**< 64 lower-case hex digits: SHA-256 of the secret (never served) */
    char name[ZS_INTKEY_NAME_MAX + 1];
    char created_by[ZS_INTKEY_BY_MAX + 1];
    int64_t created_at, last_used_at, revoked_at; /**< ms since the epoch; 0 = never / active */
} zs_intkey;

/** Insert a key (api_key 1..64 bytes, secret_hash 64 hex digits, name and created_by cut to their
 * columns); created_at = now. *id (may be NULL) = the new row. ZKBIO_EEXIST when api_key exists. */
int zs_intkey_create(zs_store *st, const char *api_key, const char *secret_hash, const char *name,
                     const char *created_by, int64_t *id);
/** The key named api_key (revoked or not) into *out. ZKBIO_ENOENT when none. */
int zs_intkey_get_by_key(zs_store *st, const char *api_key, zs_intkey *out);
/** The key with id into *out. ZKBIO_ENOENT when none. */
int zs_intkey_get(zs_store *st, int64_t id, zs_intkey *out);

/** One page of keys, ordered by id (keyset: rows with id > after). */
typedef struct zs_intkey_page {
    zs_intkey *rows; /**< owned; free with zs_intkey_page_free */
    size_t n;
    int has_next;
    int64_t next;  /**< pass as after */
    int64_t total; /**< every key, revoked ones included */
} zs_intkey_page;
/** Up to limit (1..1000; other values: 100) keys with id > after. */
int zs_intkey_list(zs_store *st, int64_t after, int limit, zs_intkey_page *out);
void zs_intkey_page_free(zs_intkey_page *p);

/** Revoke key id at now (ms). *was_active (may be NULL) = 1 when it was active until this call
 * (0: already revoked, revoked_at kept). ZKBIO_ENOENT when no such key. */
int zs_intkey_revoke(zs_store *st, int64_t id, int64_t now_ms, int *was_active);
/** last_used_at = now_ms when it is older than now_ms - min_gap_ms (so several processes write it
 * at most once per gap). */
int zs_intkey_touch(zs_store *st, int64_t id, int64_t now_ms, int64_t min_gap_ms);

/** One punch received through the inbound API, ready to store. */
typedef struct zs_inbound_punch {
    char sn[41];     /**< the device's serial number (attendance.sn) */
    char pin[25];    /**< the employee's PIN (attendance.pin) */
    char time[20];   /**< "YYYY-MM-DD HH:MM:SS", the device's wall clock */
    int status;      /**< punch state: 0 in, 1 out, 255 unspecified (docs/integrations.md) */
    int verify;      /**< verify type */
    char extra[256]; /**< attendance.extra: tab-separated key=value pairs ("" = none) */
} zs_inbound_punch;

/**
 * Store p[0..n) (n <= 10000) in ONE transaction (retried on a deadlock), each with INSERT OR
 * IGNORE on the attendance key. ids[i] = the new attendance id of p[i], or 0 when a row with the
 * same key was already stored (also by an earlier p[j] of the same call). Returns only after the
 * commit; on an error nothing is stored and ids are all 0.
 */
int zs_inbound_store(zs_store *st, const zs_inbound_punch *p, size_t n, int64_t *ids);

/** The devices row of sn: *known = 1 and its tz ("" unknown; "+03:00", "UTC", ...) into tz, or
 * *known = 0 and tz "" when zkbiod has no such device. */
int zs_inbound_device_tz(zs_store *st, const char *sn, int *known, char tz[65]);

#endif /* ZKBIOD_STORE_INTKEYS_H */
