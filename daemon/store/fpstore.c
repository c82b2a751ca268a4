/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Templates of the fingerprint service for web apps (table fp_templates, schema migration 2),
 * written only when zkbiod runs with --fp-store. Template bytes are never logged or put in error
 * messages (zdb_errmsg() never quotes bound values).
 */
#include <stdlib.h>
#include <string.h>

#include "store_impl.h"

#define FP_ID_MAX     127
#define FP_FINGER_MAX 10

static int row_ok(const zs_fp_row *r)
{
    size_t ul = r->user_id ? strlen(r->user_id) : 0;
    size_t tl = r->template_id ? strlen(r->template_id) : 0;
    return ul >= 1 && ul <= FP_ID_MAX && tl <= FP_ID_MAX && r->finger_id >= 0 &&
           r->finger_id <= FP_FINGER_MAX && r->tpl && r->len > 0;
}

static int put_once(zs_store *st, const zs_fp_row *rows, size_t n, int replace)
{
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    int rc = zdb_begin(db);
    if (rc != 0)
        return rc;
    const char *sql =
        replace ? ZS_SQL(db,
                         "INSERT INTO fp_templates (user_id, finger_id, template_id, template, "
                         "quality, created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (user_id, "
                         "finger_id) DO UPDATE SET template_id = excluded.template_id, template = "
                         "excluded.template, quality = excluded.quality, created_at = "
                         "excluded.created_at",
                         "INSERT INTO fp_templates (user_id, finger_id, template_id, template, "
                         "quality, created_at) VALUES (?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE "
                         "template_id = VALUES(template_id), template = VALUES(template), quality "
                         "= VALUES(quality), created_at = VALUES(created_at)")
                : "INSERT INTO fp_templates (user_id, finger_id, template_id, template, quality, "
                  "created_at) VALUES (?, ?, ?, ?, ?, ?)";
    int64_t now = zs_now();
    for (size_t i = 0; i < n; i++) {
        rc = zdb_run(db, sql, "sisbil", rows[i].user_id, rows[i].finger_id,
                     rows[i].template_id ? rows[i].template_id : "", rows[i].tpl, rows[i].len,
                     rows[i].quality, now);
        if (rc != 0)
            return zs_fail(db, rc);
    }
    return zs_fail(db, zdb_commit(db));
}

int zs_fp_put(zs_store *st, const zs_fp_row *rows, size_t n, int replace)
{
    if (!st || (!rows && n))
        return ZKBIO_EINVAL;
    for (size_t i = 0; i < n; i++)
        if (!row_ok(&rows[i]))
            return ZKBIO_EINVAL;
    if (n == 0)
        return 0;
    int rc;
    ZS_RETRY(st, rc, put_once(st, rows, n, replace));
    return rc;
}

int zs_fp_exists(zs_store *st, const char *user_id, int finger_id, int *exists)
{
    *exists = 0;
    if (!st || !user_id)
        return ZKBIO_EINVAL;
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    int64_t one = 0;
    int rc = zdb_query_int64(db, "SELECT 1 FROM fp_templates WHERE user_id = ? AND finger_id = ?",
                             &one, "si", user_id, finger_id);
    if (rc != 0 && rc != ZKBIO_ENOENT)
        return rc;
    *exists = rc == 0;
    return 0;
}

int zs_fp_delete(zs_store *st, const char *user_id, int finger_id, int64_t *deleted)
{
    if (deleted)
        *deleted = 0;
    if (!st)
        return ZKBIO_EINVAL;
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    int rc;
    if (!user_id)
        rc = zdb_run(db, "DELETE FROM fp_templates", NULL);
    else if (finger_id < 0)
        rc = zdb_run(db, "DELETE FROM fp_templates WHERE user_id = ?", "s", user_id);
    else
        rc = zdb_run(db, "DELETE FROM fp_templates WHERE user_id = ? AND finger_id = ?", "si",
                     user_id, finger_id);
    if (rc != 0)
        return rc;
    if (deleted)
        *deleted = zdb_changes(db);
    return 0;
}

static int walk(zs_store *st, const char *user_id, int (*fn)(void *ctx, const zs_fp_row *row),
                void *ctx)
{
    if (!st || !fn)
        return ZKBIO_EINVAL;
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    zdb_stmt *q;
    int rc = user_id ? zdb_prepare(db,
                                   "SELECT user_id, finger_id, template_id, template, quality FROM "
                                   "fp_templates WHERE user_id = ? ORDER BY finger_id",
                                   &q)
                     : zdb_prepare(db,
                                   "SELECT user_id, finger_id, template_id, template, quality FROM "
                                   "fp_templates ORDER BY user_id, finger_id",
                                   &q);
    if (rc != 0)
        return rc;
    if (user_id)
        zdb_bind_text(q, 1, user_id, -1);
    while ((rc = zdb_step(q)) == ZDB_ROW) {
        zs_fp_row r;
        r.user_id = zdb_col_text(q, 0);
        r.finger_id = (int)zdb_col_int64(q, 1);
        r.template_id = zdb_col_text(q, 2);
        r.tpl = zdb_col_blob(q, 3, &r.len);
        r.quality = (int)zdb_col_int64(q, 4);
        int stop = fn(ctx, &r);
        if (stop) {
            zdb_reset(q);
            return stop;
        }
    }
    zdb_reset(q);
    return rc < 0 ? rc : 0;
}

int zs_fp_each(zs_store *st, int (*fn)(void *ctx, const zs_fp_row *row), void *ctx)
{
    return walk(st, NULL, fn, ctx);
}

int zs_fp_each_of(zs_store *st, const char *user_id, int (*fn)(void *ctx, const zs_fp_row *row),
                  void *ctx)
{
    return user_id ? walk(st, user_id, fn, ctx) : ZKBIO_EINVAL;
}

/* ---- as libzkbio templates -------------------------------------------------------------- */

typedef struct put_key {
    const zs_fp_template *t;
    size_t index;
} put_key;

static int key_cmp(const void *a, const void *b)
{
    const put_key *x = a, *y = b;
    int c = strcmp(x->t->user_id, y->t->user_id);
    if (c == 0)
        c = (x->t->finger_id > y->t->finger_id) - (x->t->finger_id < y->t->finger_id);
    return c ? c : (x->index > y->index) - (x->index < y->index);
}

/* 1 when two entries name the same (user, finger); their indexes go to dup. */
static int find_repeat(const zs_fp_template *t, size_t n, size_t dup[2], int *nomem)
{
    if (n < 2)
        return 0;
    put_key *k = malloc(n * sizeof(*k));
    if (!k) {
        *nomem = 1;
        return 0;
    }
    for (size_t i = 0; i < n; i++)
        k[i] = (put_key){&t[i], i};
    qsort(k, n, sizeof(*k), key_cmp);
    int found = 0;
    for (size_t i = 1; i < n && !found; i++)
        if (strcmp(k[i - 1].t->user_id, k[i].t->user_id) == 0 &&
            k[i - 1].t->finger_id == k[i].t->finger_id) {
            if (dup) {
                dup[0] = k[i - 1].index;
                dup[1] = k[i].index;
            }
            found = 1;
        }
    free(k);
    return found;
}

int zs_fp_put_templates(zs_store *st, const zs_fp_template *t, size_t n, int replace, size_t dup[2])
{
    if (!st || (!t && n))
        return ZKBIO_EINVAL;
    for (size_t i = 0; i < n; i++)
        if (!t[i].user_id || !t[i].tpl)
            return ZKBIO_EINVAL;
    int nomem = 0;
    if (find_repeat(t, n, dup, &nomem))
        return ZKBIO_EINVAL;
    if (nomem)
        return ZKBIO_ENOMEM;
    if (n == 0)
        return 0;
    zs_fp_row *rows = calloc(n, sizeof(*rows));
    uint8_t *recs = calloc(n, ZKBIO_NATIVE_MAX);
    int rc = rows && recs ? 0 : ZKBIO_ENOMEM;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        uint8_t *rec = recs + i * ZKBIO_NATIVE_MAX;
        size_t len = 0;
        rc = zkbio_template_export_native(t[i].tpl, rec, ZKBIO_NATIVE_MAX, &len);
        if (rc != 0 && rc != ZKBIO_ENOMEM)
            rc = ZKBIO_EINVAL;
        rows[i] =
            (zs_fp_row){t[i].user_id, t[i].finger_id, t[i].template_id ? t[i].template_id : "", rec,
                        len,          t[i].quality};
    }
    if (rc == 0)
        rc = zs_fp_put(st, rows, n, replace);
    if (recs)
        memset(recs, 0, n * ZKBIO_NATIVE_MAX);
    free(recs);
    free(rows);
    return rc;
}

typedef struct load_ctx {
    int (*fn)(void *ctx, const zs_fp_loaded *t);
    void *ctx;
    size_t bad;
} load_ctx;

static int load_row(void *arg, const zs_fp_row *r)
{
    load_ctx *c = arg;
    zkbio_template *t = NULL;
    zkbio_error_info ei;
    if (zkbio_template_import_any(r->tpl, r->len, &t, &ei) != 0) {
        c->bad++; /* unreadable record: skipped (counted) */
        return 0;
    }
    zs_fp_loaded l = {r->user_id, r->finger_id, r->template_id, t, r->quality};
    int rc = c->fn(c->ctx, &l);
    zkbio_template_free(t);
    return rc;
}

int zs_fp_load(zs_store *st, const char *user_id, int (*fn)(void *ctx, const zs_fp_loaded *t),
               void *ctx, size_t *unreadable)
{
    if (unreadable)
        *unreadable = 0;
    if (!fn)
        return ZKBIO_EINVAL;
    load_ctx c = {fn, ctx, 0};
    int rc = user_id ? zs_fp_each_of(st, user_id, load_row, &c) : zs_fp_each(st, load_row, &c);
    if (unreadable)
        *unreadable = c.bad;
    return rc;
}
