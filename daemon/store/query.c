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
    "registered_at, last_seen, info, options, attlog_stamp, operlog_stamp"

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

int zs_get_device(zs_store *st, const char *sn, zs_device *out)
{
    memset(out, 0, sizeof(*out));
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    zdb_stmt *q;
    int rc = zdb_prepare(db, "SELECT " DEVICE_COLS " FROM devices WHERE sn = ?", &q);
    if (rc != 0)
        return rc;
    zdb_bind_text(q, 1, sn, -1);
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
    zdb_bind_int64(q, 4, lim);
    size_t cap = 0;
    int oom = 0;
    while ((rc = zdb_step(q)) == ZDB_ROW) {
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
    if (rc >= 0 && out->n == (size_t)lim && !(out->next = strdup(out->users[out->n - 1].pin)))
        rc = ZKBIO_ENOMEM;
    if (rc < 0) {
        zs_user_page_free(out);
        return rc;
    }
    return 0;
}

/* ---- attendance --------------------------------------------------------------------------- */

void zs_punch_page_free(zs_punch_page *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++) {
        free(p->punches[i].sn);
        free(p->punches[i].pin);
        free(p->punches[i].time);
        free(p->punches[i].workcode);
    }
    free(p->punches);
    memset(p, 0, sizeof(*p));
}

int zs_list_attendance(zs_store *st, const zs_filter *f, zs_punch_page *out)
{
    memset(out, 0, sizeof(*out));
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
    size_t cap = 0;
    int oom = 0;
    while ((rc = zdb_step(q)) == ZDB_ROW) {
        if ((rc = zs_grow(&out->punches, &cap, out->n, sizeof(*out->punches))) != 0)
            break;
        zs_punch *p = &out->punches[out->n++];
        memset(p, 0, sizeof(*p));
        p->id = zdb_col_int64(q, 0);
        p->sn = dup_col(q, 1, &oom);
        p->pin = dup_col(q, 2, &oom);
        p->time = dup_col(q, 3, &oom);
        p->status = zdb_col_int64(q, 4);
        p->verify = zdb_col_int64(q, 5);
        p->workcode = dup_col(q, 6, &oom);
        p->received_at = zdb_col_int64(q, 7);
        if (oom) {
            rc = ZKBIO_ENOMEM;
            break;
        }
    }
    zdb_reset(q);
    if (rc < 0) {
        zs_punch_page_free(out);
        return rc;
    }
    if (out->n == (size_t)lim) {
        out->has_next = 1;
        out->next = out->punches[out->n - 1].id;
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
    zdb_bind_int64(q, 6, lim);
    size_t cap = 0;
    int oom = 0;
    while ((rc = zdb_step(q)) == ZDB_ROW) {
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
    if (out->n == (size_t)lim) {
        out->has_next = 1;
        out->next = out->commands[out->n - 1].id;
    }
    return 0;
}
