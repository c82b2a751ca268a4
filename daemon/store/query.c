/* SPDX-License-Identifier: Apache-2.0 */
/* Read-only queries for the management API, returned as C structs (store_devices.h, store_users.h,
 * store_punches.h, store_commands.h). Template and photo bodies, passwords and command texts (which
 * may carry templates) are never returned: only their metadata. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_impl.h"

static int limit_of(const zs_filter *f)
{
    if (!f || f->limit <= 0)
        return 100;
    return f->limit > 1000 ? 1000 : f->limit;
}

/* A malloc'd copy of a text column ("" for NULL); sets *oom when out of memory. */
static char *dup_col(zdb_stmt *q, int col, int *oom)
{
    char *s = strdup(zdb_col_text(q, col));
    if (!s)
        *oom = 1;
    return s;
}

/* ---- devices ------------------------------------------------------------------------------ */

#define DEVICE_COLS                                                                                \
    "sn, model, firmware, push_version, device_type, language, sync_group, enabled, ip, "          \
    "registered_at, last_seen, info, options, attlog_stamp, operlog_stamp, id, transport, name, "  \
    "location, port, tz, state, last_error, user_count, fp_count, punch_count, udp, "              \
    "CASE WHEN comm_key <> 0 THEN 1 ELSE 0 END, created_by, admission, pin_address, flag, "        \
    "reported_sn"

void zs_device_clear(zs_device *d)
{
    if (!d)
        return;
    free(d->sn);
    free(d->model);
    free(d->firmware);
    free(d->push_version);
    free(d->device_type);
    free(d->sync_group);
    free(d->ip);
    free(d->info);
    free(d->options);
    free(d->attlog_stamp);
    free(d->operlog_stamp);
    free(d->transport);
    free(d->name);
    free(d->location);
    free(d->tz);
    free(d->state);
    free(d->last_error);
    free(d->created_by);
    free(d->admission);
    free(d->pin_address);
    free(d->flag);
    free(d->reported_sn);
    memset(d, 0, sizeof(*d));
}

void zs_device_list_free(zs_device *list, size_t n)
{
    for (size_t i = 0; list && i < n; i++)
        zs_device_clear(&list[i]);
    free(list);
}

static int device_row(zdb_stmt *q, zs_device *d)
{
    int oom = 0;
    memset(d, 0, sizeof(*d));
    d->sn = dup_col(q, 0, &oom);
    d->model = dup_col(q, 1, &oom);
    d->firmware = dup_col(q, 2, &oom);
    d->push_version = dup_col(q, 3, &oom);
    d->device_type = dup_col(q, 4, &oom);
    d->language = zdb_col_int64(q, 5);
    d->sync_group = dup_col(q, 6, &oom);
    d->enabled = zdb_col_int64(q, 7) != 0;
    d->ip = dup_col(q, 8, &oom);
    d->registered_at = zdb_col_int64(q, 9);
    d->last_seen = zdb_col_int64(q, 10);
    d->info = dup_col(q, 11, &oom);
    d->options = zdb_col_is_null(q, 12) ? NULL : dup_col(q, 12, &oom);
    d->attlog_stamp = dup_col(q, 13, &oom);
    d->operlog_stamp = dup_col(q, 14, &oom);
    d->id = zdb_col_int64(q, 15);
    d->transport = dup_col(q, 16, &oom);
    d->name = dup_col(q, 17, &oom);
    d->location = dup_col(q, 18, &oom);
    d->port = zdb_col_int64(q, 19);
    d->tz = dup_col(q, 20, &oom);
    d->state = dup_col(q, 21, &oom);
    d->last_error = dup_col(q, 22, &oom);
    d->user_count = zdb_col_int64(q, 23);
    d->fp_count = zdb_col_int64(q, 24);
    d->punch_count = zdb_col_int64(q, 25);
    d->udp = zdb_col_int64(q, 26) != 0;
    d->comm_key_set = zdb_col_int64(q, 27) != 0;
    d->created_by = dup_col(q, 28, &oom);
    d->admission = dup_col(q, 29, &oom);
    d->pin_address = dup_col(q, 30, &oom);
    d->flag = dup_col(q, 31, &oom);
    d->reported_sn = dup_col(q, 32, &oom);
    if (oom) {
        zs_device_clear(d);
        return ZKBIO_ENOMEM;
    }
    return 0;
}

static int pending_counts(zdb *db, zs_device *d)
{
    zdb_stmt *q;
    int rc = zdb_prepare(db,
                         "SELECT status, COUNT(*) FROM commands WHERE sn = ? AND status IN "
                         "('queued', 'sent', 'failed') GROUP BY status",
                         &q);
    if (rc != 0)
        return rc;
    zdb_bind_text(q, 1, d->sn, -1);
    while ((rc = zdb_step(q)) == ZDB_ROW) {
        const char *s = zdb_col_text(q, 0);
        int64_t n = zdb_col_int64(q, 1);
        if (strcmp(s, "queued") == 0)
            d->commands_queued = n;
        else if (strcmp(s, "sent") == 0)
            d->commands_sent = n;
        else if (strcmp(s, "failed") == 0)
            d->commands_failed = n;
    }
    zdb_reset(q);
    return rc < 0 ? rc : 0;
}

int zs_list_devices(zs_store *st, zs_device **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    zdb_stmt *q;
    int rc = zdb_prepare(db, "SELECT " DEVICE_COLS " FROM devices ORDER BY sn", &q);
    if (rc != 0)
        return rc;
    zs_device *arr = NULL;
    size_t cnt = 0, cap = 0;
    while ((rc = zdb_step(q)) == ZDB_ROW) {
        if ((rc = zs_grow(&arr, &cap, cnt, sizeof(*arr))) != 0 ||
            (rc = device_row(q, &arr[cnt])) != 0)
            break;
        cnt++;
    }
    zdb_reset(q);
    if (rc < 0) {
        zs_device_list_free(arr, cnt);
        return rc;
    }
    *out = arr;
    *n = cnt;
    return 0;
}

/* One device by SN (sn != NULL) or id. */
static int get_device(zs_store *st, const char *sn, int64_t id, zs_device *out)
{
    memset(out, 0, sizeof(*out));
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    zdb_stmt *q;
    int rc = zdb_prepare(db,
                         sn ? "SELECT " DEVICE_COLS " FROM devices WHERE sn = ?"
                            : "SELECT " DEVICE_COLS " FROM devices WHERE id = ?",
                         &q);
    if (rc != 0)
        return rc;
    if (sn)
        zdb_bind_text(q, 1, sn, -1);
    else
        zdb_bind_int64(q, 1, id);
    rc = zdb_step(q);
    int found = rc == ZDB_ROW;
    if (found)
        rc = device_row(q, out);
    zdb_reset(q);
    if (rc < 0)
        return rc;
    if (!found)
        return ZKBIO_ENOENT;
    rc = pending_counts(db, out);
    if (rc != 0)
        zs_device_clear(out);
    return rc;
}

int zs_get_device(zs_store *st, const char *sn, zs_device *out)
{
    return get_device(st, sn ? sn : "", 0, out);
}

int zs_get_device_by_id(zs_store *st, int64_t id, zs_device *out)
{
    return get_device(st, NULL, id, out);
}

int zs_find_device(zs_store *st, const char *ref, zs_device *out)
{
    size_t l = ref ? strlen(ref) : 0;
    if (l >= 1 && l <= 18 && strspn(ref, "0123456789") == l) {
        int rc = get_device(st, NULL, (int64_t)strtoll(ref, NULL, 10), out);
        if (rc != ZKBIO_ENOENT)
            return rc;
    }
    return get_device(st, ref ? ref : "", 0, out);
}

void zs_device_page_free(zs_device_page *p)
{
    if (!p)
        return;
    zs_device_list_free(p->devices, p->n);
    memset(p, 0, sizeof(*p));
}

/* The filters of a device list, shared by the page and its COUNT (same parameters, in order). */
#define DEVICE_WHERE                                                                               \
    " WHERE (? IS NULL OR transport = ?) AND (? IS NULL OR sn = ?) AND (? IS NULL OR "             \
    "LOWER(name) LIKE ? ESCAPE '!' OR LOWER(sn) LIKE ? ESCAPE '!') AND (? < 0 OR (CASE WHEN "      \
    "transport = 'tcp4370' THEN (CASE WHEN state = 'online' THEN 1 ELSE 0 END) ELSE (CASE WHEN "   \
    "last_seen >= ? THEN 1 ELSE 0 END) END) = ?) AND (? IS NULL OR admission = ?)"

static int bind_device_filter(zdb_stmt *q, const zs_device_filter *f, const char *like)
{
    int i = 1;
    zdb_bind_text(q, i++, f->transport, -1);
    zdb_bind_text(q, i++, f->transport, -1);
    zdb_bind_text(q, i++, f->sn, -1);
    zdb_bind_text(q, i++, f->sn, -1);
    zdb_bind_text(q, i++, like, -1);
    zdb_bind_text(q, i++, like, -1);
    zdb_bind_text(q, i++, like, -1);
    zdb_bind_int64(q, i++, f->online);
    zdb_bind_int64(q, i++, f->seen_since);
    zdb_bind_int64(q, i++, f->online);
    zdb_bind_text(q, i++, f->admission, -1);
    zdb_bind_text(q, i++, f->admission, -1);
    return i;
}

int zs_list_devices_page(zs_store *st, const zs_device_filter *f, zs_device_page *out)
{
    memset(out, 0, sizeof(*out));
    out->total = -1;
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    /* q as a LIKE pattern: lower case, with the pattern characters escaped by '!' */
    char like[300];
    if (f->q) {
        size_t o = 0;
        like[o++] = '%';
        for (const char *p = f->q; *p && o < sizeof(like) - 4; p++) {
            char c = *p >= 'A' && *p <= 'Z' ? (char)(*p - 'A' + 'a') : *p;
            if (c == '%' || c == '_' || c == '!')
                like[o++] = '!';
            like[o++] = c;
        }
        like[o++] = '%';
        like[o] = '\0';
    }
    zdb_stmt *q;
    int rc = zdb_prepare(db, "SELECT COUNT(*) FROM devices" DEVICE_WHERE, &q);
    if (rc != 0)
        return rc;
    bind_device_filter(q, f, f->q ? like : NULL);
    rc = zdb_step(q);
    if (rc == ZDB_ROW)
        out->total = zdb_col_int64(q, 0);
    zdb_reset(q);
    if (rc < 0)
        return rc;
    rc = zdb_prepare(
        db, "SELECT " DEVICE_COLS " FROM devices" DEVICE_WHERE " AND id > ? ORDER BY id LIMIT ?",
        &q);
    if (rc != 0)
        return rc;
    int lim = f->limit <= 0 ? 100 : f->limit > 1000 ? 1000 : f->limit;
    int i = bind_device_filter(q, f, f->q ? like : NULL);
    zdb_bind_int64(q, i++, f->after);
    zdb_bind_int64(q, i, lim + 1);
    size_t cap = 0;
    while ((rc = zdb_step(q)) == ZDB_ROW) {
        if (out->n == (size_t)lim) {
            out->has_next = 1;
            break;
        }
        if ((rc = zs_grow(&out->devices, &cap, out->n, sizeof(*out->devices))) != 0 ||
            (rc = device_row(q, &out->devices[out->n])) != 0)
            break;
        out->n++;
    }
    zdb_reset(q);
    if (rc < 0) {
        zs_device_page_free(out);
        return rc;
    }
    if (out->has_next)
        out->next = out->devices[out->n - 1].id;
    return 0;
}

/* ---- users -------------------------------------------------------------------------------- */

static void user_clear(zs_user *u)
{
    free(u->pin);
    free(u->name);
    free(u->card);
    free(u->group);
    free(u->sync_group);
    free(u->source_sn);
    for (size_t i = 0; i < u->ntemplates; i++) {
        free(u->templates[i].kind);
        free(u->templates[i].source_sn);
    }
    free(u->templates);
    for (size_t i = 0; i < u->nphotos; i++) {
        free(u->photos[i].kind);
        free(u->photos[i].file_name);
    }
    free(u->photos);
}

void zs_user_page_free(zs_user_page *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++)
        user_clear(&p->users[i]);
    free(p->users);
    free(p->next);
    memset(p, 0, sizeof(*p));
}

/* Template and photo metadata of u (the bodies stay in the database). */
static int user_items(zdb *db, zs_user *u)
{
    zdb_stmt *q;
    int rc = zdb_prepare(
        db,
        ZS_SQL(db,
               "SELECT kind, type, no, idx, valid, duress, major_ver, minor_ver, format, "
               "LENGTH(tmp), source_sn, updated_at FROM templates WHERE pin = ? "
               "ORDER BY kind, type, no, idx",
               "SELECT kind, type, no, idx, valid, duress, major_ver, minor_ver, format, "
               "CHAR_LENGTH(tmp), source_sn, updated_at FROM templates WHERE pin = ? "
               "ORDER BY kind, type, no, idx"),
        &q);
    if (rc != 0)
        return rc;
    zdb_bind_text(q, 1, u->pin, -1);
    size_t cap = 0;
    int oom = 0;
    while ((rc = zdb_step(q)) == ZDB_ROW) {
        if ((rc = zs_grow(&u->templates, &cap, u->ntemplates, sizeof(*u->templates))) != 0)
            break;
        zs_user_template *t = &u->templates[u->ntemplates++];
        memset(t, 0, sizeof(*t));
        t->kind = dup_col(q, 0, &oom);
        t->type = zdb_col_int64(q, 1);
        t->no = zdb_col_int64(q, 2);
        t->index = zdb_col_int64(q, 3);
        t->valid = zdb_col_int64(q, 4);
        t->duress = zdb_col_int64(q, 5);
        t->major_ver = zdb_col_int64(q, 6);
        t->minor_ver = zdb_col_int64(q, 7);
        t->format = zdb_col_int64(q, 8);
        t->size = zdb_col_int64(q, 9);
        t->source_sn = dup_col(q, 10, &oom);
        t->updated_at = zdb_col_int64(q, 11);
        if (oom) {
            rc = ZKBIO_ENOMEM;
            break;
        }
    }
    zdb_reset(q);
    if (rc < 0)
        return rc;
    rc = zdb_prepare(
        db, "SELECT kind, type, file_name FROM photos WHERE pin = ? ORDER BY kind, type", &q);
    if (rc != 0)
        return rc;
    zdb_bind_text(q, 1, u->pin, -1);
    cap = 0;
    while ((rc = zdb_step(q)) == ZDB_ROW) {
        if ((rc = zs_grow(&u->photos, &cap, u->nphotos, sizeof(*u->photos))) != 0)
            break;
        zs_user_photo *p = &u->photos[u->nphotos++];
        p->kind = dup_col(q, 0, &oom);
        p->type = zdb_col_int64(q, 1);
        p->file_name = dup_col(q, 2, &oom);
        if (oom) {
            rc = ZKBIO_ENOMEM;
            break;
        }
    }
    zdb_reset(q);
    return rc < 0 ? rc : 0;
}

int zs_list_users(zs_store *st, const zs_filter *f, zs_user_page *out)
{
    memset(out, 0, sizeof(*out));
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    zdb_stmt *q;
    int rc = zdb_prepare(
        db,
        "SELECT pin, name, privilege, card, grp, verify, sync_group, source_sn, updated_at "
        "FROM users WHERE (? IS NULL OR pin = ?) AND pin > ? ORDER BY pin LIMIT ?",
        &q);
    if (rc != 0)
        return rc;
    const char *pin = f ? f->pin : NULL;
    int lim = limit_of(f);
    zdb_bind_text(q, 1, pin, -1);
    zdb_bind_text(q, 2, pin, -1);
    zdb_bind_text(q, 3, f && f->after_key ? f->after_key : "", -1);
    zdb_bind_int64(q, 4, lim + 1);
    size_t cap = 0;
    int oom = 0, more = 0;
    while ((rc = zdb_step(q)) == ZDB_ROW) {
        if (out->n == (size_t)lim) {
            more = 1;
            break;
        }
        if ((rc = zs_grow(&out->users, &cap, out->n, sizeof(*out->users))) != 0)
            break;
        zs_user *u = &out->users[out->n++];
        memset(u, 0, sizeof(*u));
        u->pin = dup_col(q, 0, &oom);
        u->name = dup_col(q, 1, &oom);
        u->privilege = zdb_col_int64(q, 2);
        u->card = dup_col(q, 3, &oom);
        u->group = dup_col(q, 4, &oom);
        u->verify = zdb_col_int64(q, 5);
        u->sync_group = dup_col(q, 6, &oom);
        u->source_sn = dup_col(q, 7, &oom);
        u->updated_at = zdb_col_int64(q, 8);
        if (oom) {
            rc = ZKBIO_ENOMEM;
            break;
        }
    }
    zdb_reset(q);
    for (size_t i = 0; rc >= 0 && i < out->n; i++)
        rc = user_items(db, &out->users[i]);
    if (rc >= 0 && more && !(out->next = strdup(out->users[out->n - 1].pin)))
        rc = ZKBIO_ENOMEM;
    out->total = -1;
    if (rc >= 0) {
        int64_t total = 0;
        rc = zdb_query_int64(db, "SELECT COUNT(*) FROM users WHERE (? IS NULL OR pin = ?)", &total,
                             "ss", pin, pin);
        out->total = total;
    }
    if (rc < 0) {
        zs_user_page_free(out);
        return rc;
    }
    return 0;
}

/* ---- attendance --------------------------------------------------------------------------- */

void zs_punch_clear(zs_punch *p)
{
    if (!p)
        return;
    free(p->sn);
    free(p->pin);
    free(p->time);
    free(p->workcode);
    free(p->tz);
    memset(p, 0, sizeof(*p));
}

void zs_punch_page_free(zs_punch_page *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++)
        zs_punch_clear(&p->punches[i]);
    free(p->punches);
    memset(p, 0, sizeof(*p));
}

#define PUNCH_COLS                                                                                 \
    "SELECT a.id, COALESCE(d.id, 0), a.sn, a.pin, a.punch_time, a.status, a.verify, a.workcode, "  \
    "a.received_at, COALESCE(d.tz, '') FROM attendance a LEFT JOIN devices d ON d.sn = a.sn "

static int punch_row(zdb_stmt *q, zs_punch *p)
{
    int oom = 0;
    memset(p, 0, sizeof(*p));
    p->id = zdb_col_int64(q, 0);
    p->device_id = zdb_col_int64(q, 1);
    p->sn = dup_col(q, 2, &oom);
    p->pin = dup_col(q, 3, &oom);
    p->time = dup_col(q, 4, &oom);
    p->status = zdb_col_int64(q, 5);
    p->verify = zdb_col_int64(q, 6);
    p->workcode = dup_col(q, 7, &oom);
    p->received_at = zdb_col_int64(q, 8);
    p->tz = dup_col(q, 9, &oom);
    if (oom) {
        zs_punch_clear(p);
        return ZKBIO_ENOMEM;
    }
    return 0;
}

/* The time range every attendance query binds (an absent bound is the widest one). */
#define LOWEST_TIME  ""
#define HIGHEST_TIME "9999-99-99 99:99:99"

/* One static statement per filter shape (device, user, both, neither), so that the planner sees
 * which index serves the query: attendance_sn_time, attendance_pin_time or attendance_time, each
 * giving rows in (punch_time, id) order (the id is the last column of every index). The optional
 * sn/pin conditions come last so the parameters before them are numbered alike. */
#define PUNCH_RANGE                                                                                \
    "WHERE a.punch_time >= ? AND a.punch_time <= ? AND (a.punch_time > ? OR a.id > ?) AND "        \
    "(? < 0 OR a.status = ?)"
#define PUNCH_ORDER " ORDER BY a.punch_time, a.id LIMIT ?"
static const char *const punch_sql[4] = {
    PUNCH_COLS PUNCH_RANGE PUNCH_ORDER,
    PUNCH_COLS PUNCH_RANGE " AND a.sn = ?" PUNCH_ORDER,
    PUNCH_COLS PUNCH_RANGE " AND a.pin = ?" PUNCH_ORDER,
    PUNCH_COLS PUNCH_RANGE " AND a.sn = ? AND a.pin = ?" PUNCH_ORDER,
};
#define PUNCH_COUNT                                                                                \
    "SELECT COUNT(*) FROM attendance a WHERE a.punch_time >= ? AND a.punch_time <= ? AND (? < 0 "  \
    "OR a.status = ?)"
static const char *const punch_count_sql[4] = {
    PUNCH_COUNT,
    PUNCH_COUNT " AND a.sn = ?",
    PUNCH_COUNT " AND a.pin = ?",
    PUNCH_COUNT " AND a.sn = ? AND a.pin = ?",
};

static int punch_shape(const zs_punch_filter *f)
{
    return (f->sn ? 1 : 0) | (f->pin ? 2 : 0);
}

static int bind_who(zdb_stmt *q, int i, const zs_punch_filter *f)
{
    if (f->sn)
        zdb_bind_text(q, i++, f->sn, -1);
    if (f->pin)
        zdb_bind_text(q, i++, f->pin, -1);
    return i;
}

int zs_list_attendance(zs_store *st, const zs_punch_filter *f, zs_punch_page *out)
{
    memset(out, 0, sizeof(*out));
    out->total = -1;
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    const char *from = f->from ? f->from : LOWEST_TIME, *to = f->to ? f->to : HIGHEST_TIME;
    /* the keyset: rows after (lo, after_id), never below from */
    const char *lo = from;
    int64_t after_id = 0;
    if (f->after_time && strcmp(f->after_time, from) >= 0) {
        lo = f->after_time;
        after_id = f->after_id;
    }
    int shape = punch_shape(f);
    zdb_stmt *q;
    int rc;
    if (f->want_total) {
        if ((rc = zdb_prepare(db, punch_count_sql[shape], &q)) != 0)
            return rc;
        zdb_bind_text(q, 1, from, -1);
        zdb_bind_text(q, 2, to, -1);
        zdb_bind_int64(q, 3, f->status);
        zdb_bind_int64(q, 4, f->status);
        bind_who(q, 5, f);
        rc = zdb_step(q);
        if (rc == ZDB_ROW)
            out->total = zdb_col_int64(q, 0);
        zdb_reset(q);
        if (rc < 0)
            return rc;
    }
    if ((rc = zdb_prepare(db, punch_sql[shape], &q)) != 0)
        return rc;
    int lim = f->limit <= 0 ? 100 : f->limit > 1000 ? 1000 : f->limit;
    zdb_bind_text(q, 1, lo, -1);
    zdb_bind_text(q, 2, to, -1);
    zdb_bind_text(q, 3, lo, -1);
    zdb_bind_int64(q, 4, after_id);
    zdb_bind_int64(q, 5, f->status);
    zdb_bind_int64(q, 6, f->status);
    int i = bind_who(q, 7, f);
    zdb_bind_int64(q, i, lim + 1);
    size_t cap = 0;
    while ((rc = zdb_step(q)) == ZDB_ROW) {
        if (out->n == (size_t)lim) {
            out->has_next = 1;
            break;
        }
        if ((rc = zs_grow(&out->punches, &cap, out->n, sizeof(*out->punches))) != 0 ||
            (rc = punch_row(q, &out->punches[out->n])) != 0)
            break;
        out->n++;
    }
    zdb_reset(q);
    if (rc < 0) {
        zs_punch_page_free(out);
        return rc;
    }
    return 0;
}

int zs_get_punch(zs_store *st, int64_t id, zs_punch *out)
{
    memset(out, 0, sizeof(*out));
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    zdb_stmt *q;
    int rc = zdb_prepare(db, PUNCH_COLS "WHERE a.id = ?", &q);
    if (rc != 0)
        return rc;
    zdb_bind_int64(q, 1, id);
    rc = zdb_step(q);
    int found = rc == ZDB_ROW;
    if (found)
        rc = punch_row(q, out);
    zdb_reset(q);
    if (rc < 0)
        return rc;
    return found ? 0 : ZKBIO_ENOENT;
}

void zs_punch_day_page_free(zs_punch_day_page *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++)
        free(p->days[i].pin);
    free(p->days);
    memset(p, 0, sizeof(*p));
}

/* Per (pin, date) groups; the keyset (pin, date) skips to the next date of the cursor's pin by
 * comparing punch_time with "YYYY-MM-DD~" ('~' sorts after every character of a time). */
#define DAY_COLS                                                                                   \
    "SELECT a.pin, SUBSTR(a.punch_time, 1, 10), MIN(a.punch_time), MAX(a.punch_time), COUNT(*) "   \
    "FROM attendance a WHERE a.punch_time >= ? AND a.punch_time <= ? AND (a.pin > ? OR (a.pin = "  \
    "? AND a.punch_time > ?))"
#define DAY_GROUP " GROUP BY a.pin, SUBSTR(a.punch_time, 1, 10)"
#define DAY_ORDER DAY_GROUP " ORDER BY a.pin, SUBSTR(a.punch_time, 1, 10) LIMIT ?"
static const char *const day_sql[4] = {
    DAY_COLS DAY_ORDER,
    DAY_COLS " AND a.sn = ?" DAY_ORDER,
    DAY_COLS " AND a.pin = ?" DAY_ORDER,
    DAY_COLS " AND a.sn = ? AND a.pin = ?" DAY_ORDER,
};
static const char *const day_count_sql[4] = {
    "SELECT COUNT(*) FROM (" DAY_COLS DAY_GROUP ") g",
    "SELECT COUNT(*) FROM (" DAY_COLS " AND a.sn = ?" DAY_GROUP ") g",
    "SELECT COUNT(*) FROM (" DAY_COLS " AND a.pin = ?" DAY_GROUP ") g",
    "SELECT COUNT(*) FROM (" DAY_COLS " AND a.sn = ? AND a.pin = ?" DAY_GROUP ") g",
};

static int bind_day(zdb_stmt *q, const zs_punch_filter *f, const char *apin, const char *askip)
{
    zdb_bind_text(q, 1, f->from ? f->from : LOWEST_TIME, -1);
    zdb_bind_text(q, 2, f->to ? f->to : HIGHEST_TIME, -1);
    zdb_bind_text(q, 3, apin, -1);
    zdb_bind_text(q, 4, apin, -1);
    zdb_bind_text(q, 5, askip, -1);
    return bind_who(q, 6, f);
}

int zs_attendance_summary(zs_store *st, const zs_punch_filter *f, zs_punch_day_page *out)
{
    memset(out, 0, sizeof(*out));
    out->total = -1;
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    int shape = punch_shape(f);
    zdb_stmt *q;
    int rc;
    if (f->want_total) {
        if ((rc = zdb_prepare(db, day_count_sql[shape], &q)) != 0)
            return rc;
        bind_day(q, f, "", "");
        rc = zdb_step(q);
        if (rc == ZDB_ROW)
            out->total = zdb_col_int64(q, 0);
        zdb_reset(q);
        if (rc < 0)
            return rc;
    }
    /* first page: pin > '' or (pin = '' and any time); else after (after_pin, date) */
    char skip[16] = "";
    const char *apin = "";
    if (f->after_pin) {
        apin = f->after_pin;
        snprintf(skip, sizeof(skip), "%.10s~", f->after_time ? f->after_time : "");
    }
    if ((rc = zdb_prepare(db, day_sql[shape], &q)) != 0)
        return rc;
    int lim = f->limit <= 0 ? 100 : f->limit > 1000 ? 1000 : f->limit;
    int i = bind_day(q, f, apin, skip);
    zdb_bind_int64(q, i, lim + 1);
    size_t cap = 0;
    while ((rc = zdb_step(q)) == ZDB_ROW) {
        if (out->n == (size_t)lim) {
            out->has_next = 1;
            break;
        }
        if ((rc = zs_grow(&out->days, &cap, out->n, sizeof(*out->days))) != 0)
            break;
        zs_punch_day *d = &out->days[out->n];
        memset(d, 0, sizeof(*d));
        int oom = 0;
        d->pin = dup_col(q, 0, &oom);
        snprintf(d->date, sizeof(d->date), "%s", zdb_col_text(q, 1));
        snprintf(d->first, sizeof(d->first), "%s", zdb_col_text(q, 2));
        snprintf(d->last, sizeof(d->last), "%s", zdb_col_text(q, 3));
        d->count = zdb_col_int64(q, 4);
        if (oom) {
            rc = ZKBIO_ENOMEM;
            break;
        }
        out->n++;
    }
    zdb_reset(q);
    if (rc < 0) {
        zs_punch_day_page_free(out);
        return rc;
    }
    return 0;
}

/* ---- commands ----------------------------------------------------------------------------- */

void zs_command_page_free(zs_command_page *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++) {
        zs_command *c = &p->commands[i];
        free(c->sn);
        free(c->kind);
        free(c->pin);
        free(c->status);
        free(c->result);
        free(c->command);
    }
    free(p->commands);
    memset(p, 0, sizeof(*p));
}

/* The command verb only: the rest may hold templates or passwords. */
static char *command_head(const char *text)
{
    char head[64];
    snprintf(head, sizeof(head), "%s", text);
    char *cut = strpbrk(head, "\t=");
    if (cut) {
        while (cut > head && cut[-1] != ' ')
            cut--;
        *cut = '\0';
    }
    size_t hl = strlen(head);
    while (hl && head[hl - 1] == ' ')
        head[--hl] = '\0';
    return strdup(head);
}

int zs_list_commands(zs_store *st, const zs_filter *f, zs_command_page *out)
{
    memset(out, 0, sizeof(*out));
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    zdb_stmt *q;
    int rc = zdb_prepare(
        db,
        ZS_SQL(db,
               "SELECT id, sn, kind, pin, status, attempts, return_code, result, created_at, "
               "sent_at, done_at, SUBSTR(text, 1, 48) FROM commands WHERE id > ? "
               "AND (? IS NULL OR sn = ?) AND (? IS NULL OR status = ?) ORDER BY id LIMIT ?",
               "SELECT id, sn, kind, pin, status, attempts, return_code, result, created_at, "
               "sent_at, done_at, SUBSTRING(text, 1, 48) FROM commands WHERE id > ? "
               "AND (? IS NULL OR sn = ?) AND (? IS NULL OR status = ?) ORDER BY id LIMIT ?"),
        &q);
    if (rc != 0)
        return rc;
    int lim = limit_of(f);
    zdb_bind_int64(q, 1, f->after);
    zdb_bind_text(q, 2, f->sn, -1);
    zdb_bind_text(q, 3, f->sn, -1);
    zdb_bind_text(q, 4, f->status, -1);
    zdb_bind_text(q, 5, f->status, -1);
    zdb_bind_int64(q, 6, lim + 1);
    size_t cap = 0;
    int oom = 0;
    while ((rc = zdb_step(q)) == ZDB_ROW) {
        if (out->n == (size_t)lim) {
            out->has_next = 1;
            break;
        }
        if ((rc = zs_grow(&out->commands, &cap, out->n, sizeof(*out->commands))) != 0)
            break;
        zs_command *c = &out->commands[out->n++];
        memset(c, 0, sizeof(*c));
        c->id = zdb_col_int64(q, 0);
        c->sn = dup_col(q, 1, &oom);
        c->kind = dup_col(q, 2, &oom);
        c->pin = dup_col(q, 3, &oom);
        c->status = dup_col(q, 4, &oom);
        c->attempts = zdb_col_int64(q, 5);
        c->has_return_code = !zdb_col_is_null(q, 6);
        c->return_code = zdb_col_int64(q, 6);
        c->result = zdb_col_is_null(q, 7) ? NULL : dup_col(q, 7, &oom);
        c->created_at = zdb_col_int64(q, 8);
        c->has_sent_at = !zdb_col_is_null(q, 9);
        c->sent_at = zdb_col_int64(q, 9);
        c->has_done_at = !zdb_col_is_null(q, 10);
        c->done_at = zdb_col_int64(q, 10);
        if (!(c->command = command_head(zdb_col_text(q, 11))))
            oom = 1;
        if (oom) {
            rc = ZKBIO_ENOMEM;
            break;
        }
    }
    zdb_reset(q);
    if (rc < 0) {
        zs_command_page_free(out);
        return rc;
    }
    if (out->has_next)
        out->next = out->commands[out->n - 1].id;
    out->total = -1;
    if (f->want_total) {
        int64_t total = 0;
        rc = zdb_query_int64(db,
                             "SELECT COUNT(*) FROM commands WHERE (? IS NULL OR sn = ?) AND "
                             "(? IS NULL OR status = ?)",
                             &total, "ssss", f->sn, f->sn, f->status, f->status);
        if (rc != 0) {
            zs_command_page_free(out);
            return rc;
        }
        out->total = total;
    }
    return 0;
}
