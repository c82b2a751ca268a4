/* SPDX-License-Identifier: Apache-2.0 */
/* Read-only queries for the management API, returned as jansson objects. Template and photo bodies,
 * passwords and command texts (which may carry templates) are never returned: only their metadata.
 */
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

static json_t *device_row(zdb_stmt *q)
{
    json_t *o = json_object();
    json_object_set_new(o, "sn", json_string(zdb_col_text(q, 0)));
    json_object_set_new(o, "model", json_string(zdb_col_text(q, 1)));
    json_object_set_new(o, "firmware", json_string(zdb_col_text(q, 2)));
    json_object_set_new(o, "push_version", json_string(zdb_col_text(q, 3)));
    json_object_set_new(o, "device_type", json_string(zdb_col_text(q, 4)));
    json_object_set_new(o, "language", json_integer(zdb_col_int64(q, 5)));
    json_object_set_new(o, "sync_group", json_string(zdb_col_text(q, 6)));
    json_object_set_new(o, "enabled", json_boolean(zdb_col_int64(q, 7)));
    json_object_set_new(o, "ip", json_string(zdb_col_text(q, 8)));
    json_object_set_new(o, "registered_at", json_integer(zdb_col_int64(q, 9)));
    json_object_set_new(o, "last_seen", json_integer(zdb_col_int64(q, 10)));
    json_object_set_new(o, "info", json_string(zdb_col_text(q, 11)));
    json_t *opts = zdb_col_is_null(q, 12) ? NULL : json_loads(zdb_col_text(q, 12), 0, NULL);
    json_object_set_new(o, "options", opts ? opts : json_object());
    json_t *stamps = json_object();
    json_object_set_new(stamps, "ATTLOG", json_string(zdb_col_text(q, 13)));
    json_object_set_new(stamps, "OPERLOG", json_string(zdb_col_text(q, 14)));
    json_object_set_new(o, "stamps", stamps);
    return o;
}

#define DEVICE_COLS                                                                                \
    "sn, model, firmware, push_version, device_type, language, sync_group, enabled, ip, "          \
    "registered_at, "                                                                              \
    "last_seen, info, options, attlog_stamp, operlog_stamp"

static int pending_counts(zdb *db, json_t *dev)
{
    zdb_stmt *q;
    int rc = zdb_prepare(db,
                         "SELECT status, COUNT(*) FROM commands WHERE sn = ? AND status IN "
                         "('queued', 'sent', 'failed') GROUP BY status",
                         &q);
    if (rc != 0)
        return rc;
    zdb_bind_text(q, 1, json_string_value(json_object_get(dev, "sn")), -1);
    json_t *c = json_object();
    json_object_set_new(c, "queued", json_integer(0));
    json_object_set_new(c, "sent", json_integer(0));
    json_object_set_new(c, "failed", json_integer(0));
    while ((rc = zdb_step(q)) == ZDB_ROW)
        json_object_set_new(c, zdb_col_text(q, 0), json_integer(zdb_col_int64(q, 1)));
    zdb_reset(q);
    json_object_set_new(dev, "commands", c);
    return rc < 0 ? rc : 0;
}

int zs_list_devices(zs_store *st, json_t **out)
{
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    zdb_stmt *q;
    int rc = zdb_prepare(db, "SELECT " DEVICE_COLS " FROM devices ORDER BY sn", &q);
    if (rc != 0)
        return rc;
    json_t *arr = json_array();
    while ((rc = zdb_step(q)) == ZDB_ROW)
        json_array_append_new(arr, device_row(q));
    zdb_reset(q);
    if (rc < 0) {
        json_decref(arr);
        return rc;
    }
    *out = json_pack("{s:o}", "devices", arr);
    return *out ? 0 : ZKBIO_ENOMEM;
}

int zs_get_device(zs_store *st, const char *sn, json_t **out)
{
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    zdb_stmt *q;
    int rc = zdb_prepare(db, "SELECT " DEVICE_COLS " FROM devices WHERE sn = ?", &q);
    if (rc != 0)
        return rc;
    zdb_bind_text(q, 1, sn, -1);
    rc = zdb_step(q);
    json_t *dev = rc == ZDB_ROW ? device_row(q) : NULL;
    zdb_reset(q);
    if (rc < 0)
        return rc;
    if (!dev)
        return ZKBIO_ENOENT;
    rc = pending_counts(db, dev);
    if (rc != 0) {
        json_decref(dev);
        return rc;
    }
    *out = dev;
    return 0;
}

int zs_list_users(zs_store *st, const zs_filter *f, json_t **out)
{
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
    zdb_bind_text(q, 1, pin, -1);
    zdb_bind_text(q, 2, pin, -1);
    zdb_bind_text(q, 3, f && f->after_key ? f->after_key : "", -1);
    zdb_bind_int64(q, 4, limit_of(f));
    json_t *arr = json_array();
    while ((rc = zdb_step(q)) == ZDB_ROW) {
        json_t *u = json_object();
        json_object_set_new(u, "pin", json_string(zdb_col_text(q, 0)));
        json_object_set_new(u, "name", json_string(zdb_col_text(q, 1)));
        json_object_set_new(u, "privilege", json_integer(zdb_col_int64(q, 2)));
        json_object_set_new(u, "card", json_string(zdb_col_text(q, 3)));
        json_object_set_new(u, "group", json_string(zdb_col_text(q, 4)));
        json_object_set_new(u, "verify", json_integer(zdb_col_int64(q, 5)));
        json_object_set_new(u, "sync_group", json_string(zdb_col_text(q, 6)));
        json_object_set_new(u, "source_sn", json_string(zdb_col_text(q, 7)));
        json_object_set_new(u, "updated_at", json_integer(zdb_col_int64(q, 8)));
        json_object_set_new(u, "templates", json_array());
        json_object_set_new(u, "photos", json_array());
        json_array_append_new(arr, u);
    }
    zdb_reset(q);
    /* Template and photo metadata, per user (the bodies stay in the database). */
    for (size_t i = 0; rc >= 0 && i < json_array_size(arr); i++) {
        json_t *u = json_array_get(arr, i);
        const char *upin = json_string_value(json_object_get(u, "pin"));
        rc = zdb_prepare(
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
            break;
        zdb_bind_text(q, 1, upin, -1);
        json_t *ts = json_object_get(u, "templates");
        while ((rc = zdb_step(q)) == ZDB_ROW) {
            json_t *t = json_object();
            json_object_set_new(t, "kind", json_string(zdb_col_text(q, 0)));
            json_object_set_new(t, "type", json_integer(zdb_col_int64(q, 1)));
            json_object_set_new(t, "no", json_integer(zdb_col_int64(q, 2)));
            json_object_set_new(t, "index", json_integer(zdb_col_int64(q, 3)));
            json_object_set_new(t, "valid", json_integer(zdb_col_int64(q, 4)));
            json_object_set_new(t, "duress", json_integer(zdb_col_int64(q, 5)));
            json_object_set_new(t, "major_ver", json_integer(zdb_col_int64(q, 6)));
            json_object_set_new(t, "minor_ver", json_integer(zdb_col_int64(q, 7)));
            json_object_set_new(t, "format", json_integer(zdb_col_int64(q, 8)));
            json_object_set_new(t, "size", json_integer(zdb_col_int64(q, 9)));
            json_object_set_new(t, "source_sn", json_string(zdb_col_text(q, 10)));
            json_object_set_new(t, "updated_at", json_integer(zdb_col_int64(q, 11)));
            json_array_append_new(ts, t);
        }
        zdb_reset(q);
        if (rc < 0)
            break;
        rc = zdb_prepare(
            db, "SELECT kind, type, file_name FROM photos WHERE pin = ? ORDER BY kind, type", &q);
        if (rc != 0)
            break;
        zdb_bind_text(q, 1, upin, -1);
        json_t *ps = json_object_get(u, "photos");
        while ((rc = zdb_step(q)) == ZDB_ROW)
            json_array_append_new(ps, json_pack("{s:s,s:I,s:s}", "kind", zdb_col_text(q, 0), "type",
                                                (json_int_t)zdb_col_int64(q, 1), "file_name",
                                                zdb_col_text(q, 2)));
        zdb_reset(q);
    }
    if (rc < 0) {
        json_decref(arr);
        return rc;
    }
    size_t nu = json_array_size(arr);
    json_t *next = nu == (size_t)limit_of(f)
                       ? json_copy(json_object_get(json_array_get(arr, nu - 1), "pin"))
                       : json_null();
    *out = json_pack("{s:o,s:o}", "users", arr, "next", next);
    return *out ? 0 : ZKBIO_ENOMEM;
}

/* Steps q, whose first column is the row id, into an array of row(q) objects and answers
 * {"<key>": [...], "next": <last id, or null when fewer than lim rows came>}. */
static int id_page(zdb_stmt *q, int lim, json_t *(*row)(zdb_stmt *q), const char *key, json_t **out)
{
    json_t *arr = json_array();
    int64_t last = 0;
    int n = 0;
    int rc;
    while ((rc = zdb_step(q)) == ZDB_ROW) {
        last = zdb_col_int64(q, 0);
        n++;
        json_array_append_new(arr, row(q));
    }
    zdb_reset(q);
    if (rc < 0) {
        json_decref(arr);
        return rc;
    }
    *out = json_pack("{s:o,s:o}", key, arr, "next", n == lim ? json_integer(last) : json_null());
    return *out ? 0 : ZKBIO_ENOMEM;
}

static json_t *attendance_row(zdb_stmt *q)
{
    return json_pack("{s:I,s:s,s:s,s:s,s:I,s:I,s:s,s:I}", "id", (json_int_t)zdb_col_int64(q, 0),
                     "sn", zdb_col_text(q, 1), "pin", zdb_col_text(q, 2), "time",
                     zdb_col_text(q, 3), "status", (json_int_t)zdb_col_int64(q, 4), "verify",
                     (json_int_t)zdb_col_int64(q, 5), "workcode", zdb_col_text(q, 6), "received_at",
                     (json_int_t)zdb_col_int64(q, 7));
}

/* A nullable integer column as a JSON integer or null. */
static json_t *int_or_null(zdb_stmt *q, int col)
{
    return zdb_col_is_null(q, col) ? json_null() : json_integer(zdb_col_int64(q, col));
}

static json_t *command_row(zdb_stmt *q)
{
    json_t *c = json_object();
    json_object_set_new(c, "id", json_integer(zdb_col_int64(q, 0)));
    json_object_set_new(c, "sn", json_string(zdb_col_text(q, 1)));
    json_object_set_new(c, "kind", json_string(zdb_col_text(q, 2)));
    json_object_set_new(c, "pin", json_string(zdb_col_text(q, 3)));
    json_object_set_new(c, "status", json_string(zdb_col_text(q, 4)));
    json_object_set_new(c, "attempts", json_integer(zdb_col_int64(q, 5)));
    json_object_set_new(c, "return_code", int_or_null(q, 6));
    json_t *res = zdb_col_is_null(q, 7) ? NULL : json_loads(zdb_col_text(q, 7), 0, NULL);
    json_object_set_new(c, "result", res ? res : json_null());
    json_object_set_new(c, "created_at", json_integer(zdb_col_int64(q, 8)));
    json_object_set_new(c, "sent_at", int_or_null(q, 9));
    json_object_set_new(c, "done_at", int_or_null(q, 10));
    /* The command verb only: the rest may hold templates or passwords. */
    char head[64];
    snprintf(head, sizeof(head), "%s", zdb_col_text(q, 11));
    char *cut = strpbrk(head, "\t=");
    if (cut) {
        while (cut > head && cut[-1] != ' ')
            cut--;
        *cut = '\0';
    }
    size_t hl = strlen(head);
    while (hl && head[hl - 1] == ' ')
        head[--hl] = '\0';
    json_object_set_new(c, "command", json_string(head));
    return c;
}

int zs_list_attendance(zs_store *st, const zs_filter *f, json_t **out)
{
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    zdb_stmt *q;
    int rc = zdb_prepare(
        db,
        "SELECT id, sn, pin, punch_time, status, verify, workcode, received_at FROM attendance "
        "WHERE id > ? AND (? IS NULL OR sn = ?) AND (? IS NULL OR pin = ?) "
        "AND (? IS NULL OR punch_time >= ?) AND (? IS NULL OR punch_time <= ?) "
        "ORDER BY id LIMIT ?",
        &q);
    if (rc != 0)
        return rc;
    int lim = limit_of(f);
    zdb_bind_int64(q, 1, f->after);
    zdb_bind_text(q, 2, f->sn, -1);
    zdb_bind_text(q, 3, f->sn, -1);
    zdb_bind_text(q, 4, f->pin, -1);
    zdb_bind_text(q, 5, f->pin, -1);
    zdb_bind_text(q, 6, f->from, -1);
    zdb_bind_text(q, 7, f->from, -1);
    zdb_bind_text(q, 8, f->to, -1);
    zdb_bind_text(q, 9, f->to, -1);
    zdb_bind_int64(q, 10, lim);
    return id_page(q, lim, attendance_row, "records", out);
}

int zs_list_commands(zs_store *st, const zs_filter *f, json_t **out)
{
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
    zdb_bind_int64(q, 6, lim);
    return id_page(q, lim, command_row, "commands", out);
}
