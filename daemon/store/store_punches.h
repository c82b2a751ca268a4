/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file store_punches.h
 * @brief Attendance records (punches) as C structs, for the management API (part of store.h).
 *
 * Every source (PUSH uploads, 4370 pulls and listeners) lands in the one table `attendance`.
 * Lists are ordered by (punch_time, id) and paged by that keyset; each filter shape has its own
 * static SQL so SQLite and MariaDB use the indexes attendance_time (punch_time),
 * attendance_sn_time (sn, punch_time) and attendance_pin_time (pin, punch_time) (schema 5).
 *
 * Ownership: a zs_punch filled by the store owns its strings (free with zs_punch_clear()); a page
 * owns everything it points to (zs_punch_page_free(), zs_punch_day_page_free()).
 */
#ifndef ZKBIOD_STORE_PUNCHES_H
#define ZKBIOD_STORE_PUNCHES_H

#include <stddef.h>
#include <stdint.h>

typedef struct zs_store zs_store;

/** One row of `attendance`, with the id and time zone of its device (LEFT JOIN devices). */
typedef struct zs_punch {
    int64_t id;
    int64_t device_id; /**< 0 when the device row is gone */
    char *sn;
    char *pin;
    char *time; /**< "YYYY-MM-DD HH:MM:SS", the device's wall clock */
    int64_t status;
    int64_t verify;
    char *workcode;
    int64_t received_at; /**< Unix seconds (when zkbiod stored it) */
    char *tz;            /**< the device's tz column ("" unknown) */
} zs_punch;

/** Filters and keyset paging of zs_list_attendance() / zs_attendance_summary(); NULL / -1 fields
 * are unused. */
typedef struct zs_punch_filter {
    const char *sn;   /**< one device */
    const char *pin;  /**< one user */
    const char *from; /**< "YYYY-MM-DD HH:MM:SS" inclusive */
    const char *to;   /**< inclusive */
    int status;       /**< punch state 0..255, -1 any (lists only) */
    /** Lists: rows after (after_time, after_id); after_time NULL = first page.
     *  Summary: groups after (after_pin, after_time[0..9] as the date); after_pin NULL = first. */
    const char *after_time;
    int64_t after_id;
    const char *after_pin;
    int limit;      /**< 1..1000, default 100 */
    int want_total; /**< 1: count the matching rows (groups) into page.total; else total = -1 */
} zs_punch_filter;

/** One page of punches, ordered by (time, id). */
typedef struct zs_punch_page {
    zs_punch *punches;
    size_t n;
    int has_next;  /**< 1 when more rows follow the last one (exact: one more row is read) */
    int64_t total; /**< with want_total, else -1 */
} zs_punch_page;

/** Punches matching f into *out (zeroed first). */
int zs_list_attendance(zs_store *st, const zs_punch_filter *f, zs_punch_page *out);
/** One punch by id into *out (free with zs_punch_clear()). ZKBIO_ENOENT if unknown. */
int zs_get_punch(zs_store *st, int64_t id, zs_punch *out);
void zs_punch_clear(zs_punch *p);
/** Free everything of *p and zero it; NULL accepted. */
void zs_punch_page_free(zs_punch_page *p);

/** One user's day: the earliest and latest punch (device wall clock) and how many there were. */
typedef struct zs_punch_day {
    char *pin;
    char date[11];  /**< "YYYY-MM-DD" */
    char first[20]; /**< "YYYY-MM-DD HH:MM:SS" */
    char last[20];
    int64_t count;
} zs_punch_day;

/** One page of the daily summary, ordered by (pin, date). */
typedef struct zs_punch_day_page {
    zs_punch_day *days;
    size_t n;
    int has_next;
    int64_t total; /**< groups, with want_total, else -1 */
} zs_punch_day_page;

/** Per (user, date) summary of the punches matching f (sn, pin, from, to; status ignored). */
int zs_attendance_summary(zs_store *st, const zs_punch_filter *f, zs_punch_day_page *out);
void zs_punch_day_page_free(zs_punch_day_page *p);

#endif /* ZKBIOD_STORE_PUNCHES_H */
