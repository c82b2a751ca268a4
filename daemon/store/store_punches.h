/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file store_punches.h
 * @brief Attendance records (punches) as C structs, for the management API (part of store.h).
 *
 * Ownership: a zs_punch_page owns everything it points to; free it with zs_punch_page_free().
 */
#ifndef ZKBIOD_STORE_PUNCHES_H
#define ZKBIOD_STORE_PUNCHES_H

#include <stddef.h>
#include <stdint.h>

typedef struct zs_store zs_store;
typedef struct zs_filter zs_filter;

/** One row of `attendance`. */
typedef struct zs_punch {
    int64_t id;
    char *sn;
    char *pin;
    char *time; /**< "YYYY-MM-DD HH:MM:SS", the device's wall clock */
    int64_t status;
    int64_t verify;
    char *workcode;
    int64_t received_at; /**< Unix seconds */
} zs_punch;

/** One page of punches, ordered by id. */
typedef struct zs_punch_page {
    zs_punch *punches;
    size_t n;
    int has_next; /**< 1 when the page is full: more may follow after `next` */
    int64_t next; /**< the last id of the page (pass as zs_filter.after) when has_next */
} zs_punch_page;

/** Punches matching f (sn, pin, from, to, after, limit), into *out (zeroed first). */
int zs_list_attendance(zs_store *st, const zs_filter *f, zs_punch_page *out);
/** Free everything of *p and zero it; NULL accepted. */
void zs_punch_page_free(zs_punch_page *p);

#endif /* ZKBIOD_STORE_PUNCHES_H */
