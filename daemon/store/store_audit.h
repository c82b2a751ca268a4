/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file store_audit.h
 * @brief The audit log (table audit_log) as C structs (part of store.h).
 *
 * Audited: logins (success and failure), register, account and key changes, unlock, restart, user
 * add/delete on a terminal. A row is written before the action (outcome "pending") and completed
 * after it (zs_audit_end), so an action cut short by a crash still shows. Never put a password,
 * token, comm key or template into `details`.
 * Ownership: a zs_audit_page owns everything it points to; free it with zs_audit_page_free().
 */
#ifndef ZKBIOD_STORE_AUDIT_H
#define ZKBIOD_STORE_AUDIT_H

#include <stddef.h>
#include <stdint.h>

typedef struct zs_store zs_store;

/** One row of `audit_log` (times in ms since the epoch; finished_at 0 = still pending). */
typedef struct zs_audit {
    int64_t id, at, account_id, device_id, finished_at;
    char actor[256];
    char ip[48];
    char action[48]; /**< auth.login, auth.register, device.unlock, device.restart, ... */
    char target[256];
    char outcome[16]; /**< pending, ok, failed, denied */
    char *details;    /**< JSON text or NULL (owned) */
} zs_audit;

/** Write a row: `outcome` "pending" for an action about to run, or its final outcome for a
 * one-step event (a failed login). details: JSON text or NULL (copied). *id (may be NULL) = the
 * row. */
int zs_audit_begin(zs_store *st, const char *actor, int64_t account_id, const char *ip,
                   const char *action, const char *target, int64_t device_id, const char *outcome,
                   const char *details, int64_t *id);
/** Complete row id with its outcome ("ok", "failed") and details (JSON text or NULL = keep). */
int zs_audit_end(zs_store *st, int64_t id, const char *outcome, const char *details);

/** Filters and keyset paging (newest first) of zs_audit_list; NULL/0 fields unused. */
typedef struct zs_audit_filter {
    const char *action; /**< exact, or a prefix ending in '.' ("device.") */
    const char *actor;
    int64_t device_id;
    int64_t from_ms, to_ms; /**< inclusive */
    int64_t before;         /**< cursor: ids below this */
    int limit;              /**< 1..1000, default 100 */
} zs_audit_filter;

typedef struct zs_audit_page {
    zs_audit *rows;
    size_t n;
    int has_next;
    int64_t next; /**< pass as before */
} zs_audit_page;

int zs_audit_list(zs_store *st, const zs_audit_filter *f, zs_audit_page *out);
void zs_audit_page_free(zs_audit_page *p);

#endif /* ZKBIOD_STORE_AUDIT_H */
