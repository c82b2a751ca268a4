/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file store_bt.h
 * @brief Reads and writes of the BioTime-compatible API's transactions and terminals (part of
 * store.h; used by daemon/api/bt_transactions.c and bt_terminals.c; docs/biotime-api.md).
 *
 * Transactions are the rows of `attendance` (every source of punches), joined for display with
 * their device (devices.sn), the device's area (areas.area_code = devices.sync_group), the user
 * (users.pin) and the employee's department and position (employees, departments, positions).
 *
 * Lists are page-numbered (BioTime is DRF's page-number pagination), in two steps: the ids of the
 * page from attendance alone (one static statement per filter shape and ordering, so the planner
 * uses attendance_pin_time, attendance_sn_time, attendance_time or the primary key), then each
 * row's details by id. Two bounded caches make big lists cheap (bt_query.c, "Caches"): the count
 * of a filter, and the keyset of the row that ends a served page (so the next page starts there
 * instead of skipping OFFSET rows). Both are keyed on the filter and the ordering, and expire
 * ZS_BT_CACHE_TTL_S after they were counted: a cached count taken at MAX(id) = m grows by the rows
 * with id > m (a range of the primary key) as punches arrive; an anchor holds while MAX(id) is
 * unchanged (by id ascending, where new punches come after every anchor: for the whole TTL); a
 * delete through zs_bt_tx_delete() drops both; a delete by another path (a device rejected, another
 * process on the same MariaDB) and, on MariaDB, an id committed below one already counted are seen
 * within the TTL.
 *
 * Thread-safety: as store.h; the caches are process-wide, under their own mutex.
 * Ownership: plain data (fixed arrays); a list's array is malloc'd (zs_bt_tx_page_free()).
 * Errors: as store.h; ZKBIO_ENOENT (unknown id).
 */
#ifndef ZKBIOD_STORE_BT_H
#define ZKBIOD_STORE_BT_H

#include <stddef.h>
#include <stdint.h>

typedef struct zs_store zs_store;

/** Seconds a cached count or page anchor stays valid (bounds what a foreign delete leaves). */
#define ZS_BT_CACHE_TTL_S 10

/** Orderings of the transaction list (each ties on id in the same direction). */
typedef enum zs_bt_order {
    ZS_BT_ID = 0,        /**< id ascending (also upload_time: ids are given in receive order) */
    ZS_BT_ID_DESC = 1,   /**< id descending */
    ZS_BT_TIME = 2,      /**< punch_time, id */
    ZS_BT_TIME_DESC = 3, /**< punch_time DESC, id DESC */
} zs_bt_order;

/** Filters of the transaction list; NULL fields are unused. The *_like ones are ASCII
 * case-insensitive substrings (% and _ match themselves). */
typedef struct zs_bt_tx_filter {
    const char *pin;   /**< emp_code (exact) */
    const char *sn;    /**< terminal_sn (exact) */
    const char *alias; /**< terminal_alias (exact; a device's alias is its name, else its SN) */
    const char *pin_like, *sn_like, *alias_like;
    const char *from; /**< "YYYY-MM-DD HH:MM:SS", inclusive */
    const char *to;   /**< inclusive */
    zs_bt_order order;
    int64_t offset; /**< rows to skip (page-number paging) */
    int64_t limit;  /**< rows of the page, 1..5000 */
} zs_bt_tx_filter;

/** One transaction with what it is displayed with. Strings are "" when unknown. */
typedef struct zs_bt_tx {
    int64_t id;
    char sn[41], pin[25];
    char time[20]; /**< "YYYY-MM-DD HH:MM:SS", the device's wall clock */
    int64_t status, verify;
    char workcode[33];
    int64_t received_at; /**< Unix seconds */
    int64_t device_id;   /**< 0 when the device row is gone */
    char alias[129];     /**< the device's name, else its SN ("" when the row is gone) */
    char tz[65];         /**< the device's tz column */
    char area[129];      /**< the device's area name ("" when none) */
    int64_t user_id;     /**< users.id, 0 when the PIN is no user */
    char first_name[129], last_name[129]; /**< the employee's, else first_name = users.name */
    char dept[129], position[129];        /**< names ("" when none) */
} zs_bt_tx;

typedef struct zs_bt_tx_page {
    zs_bt_tx *rows; /**< malloc'd, n rows (NULL when 0) */
    size_t n;
    int64_t count; /**< rows matching the filter (every page) */
} zs_bt_tx_page;

/** The page of transactions f selects into *out (zeroed first). */
int zs_bt_tx_list(zs_store *st, const zs_bt_tx_filter *f, zs_bt_tx_page *out);
void zs_bt_tx_page_free(zs_bt_tx_page *p);
/** One transaction by id. ZKBIO_ENOENT when unknown. */
int zs_bt_tx_get(zs_store *st, int64_t id, zs_bt_tx *out);
/** Delete one transaction (its outbox rows stay: they are the forwarders' record of it).
 * ZKBIO_ENOENT when unknown. */
int zs_bt_tx_delete(zs_store *st, int64_t id);
/** The id of the punch with this de-duplication key (sn, pin, time, status) into *id. */
int zs_bt_tx_find(zs_store *st, const char *sn, const char *pin, const char *time, int status,
                  int64_t *id);
/** users.pin of users.id into pin (25 bytes). ZKBIO_ENOENT when unknown. */
int zs_bt_user_pin(zs_store *st, int64_t user_id, char pin[25]);

/** One terminal with its area (both transports). Strings "" when unknown. */
typedef struct zs_bt_terminal {
    int64_t id;
    char sn[41], ip[49], name[129], transport[9], model[65];
    char firmware[129], push_version[25], tz[65], state[17];
    int64_t last_seen; /**< Unix seconds, 0 never */
    int64_t area_id;   /**< 0 when the sync group is no area */
    char area_code[65], area_name[129];
    int64_t user_count, fp_count, punch_count; /**< as the device reported, -1 unknown */
    char info[256]; /**< a PUSH terminal's INFO line ("" none): more counts in it */
} zs_bt_terminal;

/** Filters of the terminal list (NULL / 0 unused). */
typedef struct zs_bt_term_filter {
    const char *sn, *alias, *sn_like, *alias_like;
    int64_t area;    /**< areas.id */
    int order_desc;  /**< 1: by id descending */
    int order_by_sn; /**< 1: by sn (then id) */
    int order_alias; /**< 1: by alias (then id) */
} zs_bt_term_filter;

/** Every approved terminal matching f (the fleet is small: no paging in SQL), ordered as asked;
 * *out malloc'd (free()), NULL when *n is 0. */
int zs_bt_terminals(zs_store *st, const zs_bt_term_filter *f, zs_bt_terminal **out, size_t *n);
/** One terminal by devices.id. ZKBIO_ENOENT when unknown. */
int zs_bt_terminal_get(zs_store *st, int64_t id, zs_bt_terminal *out);

#endif /* ZKBIOD_STORE_BT_H */
