/* SPDX-License-Identifier: Apache-2.0 */
/* Integration keys and inbound punches (store_intkeys.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store_impl.h"

#define KEY_COLS "id, api_key, secret_hash, name, created_by, created_at, last_used_at, revoked_at"

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void put(char *dst, size_t size, const char *s)
{
    snprintf(dst, size, "%s", s ? s : "");
}

static int hex64(const char *s)
{
    if (!s || strlen(s) != 64)
        return 0;
    for (size_t i = 0; i < 64; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return 1;
}

static void key_row(zdb_stmt *q, void *element)
{
    zs_intkey *k = element;
    memset(k, 0, sizeof(*k));
    k->id = zdb_col_int64(q, 0);
    put(k->api_key, sizeof(k->api_key), zdb_col_text(q, 1));
    put(k->secret_hash, sizeof(k->secret_hash), zdb_col_text(q, 2));
    put(k->name, sizeof(k->name), zdb_col_text(q, 3));
    put(k->created_by, sizeof(k->created_by), zdb_col_text(q, 4));
    k->created_at = zdb_col_int64(q, 5);
    k->last_used_at = zdb_col_int64(q, 6);
    k->revoked_at = zdb_col_int64(q, 7);
}

int zs_intkey_create(zs_store *st, const char *api_key, const char *secret_hash, const char *name,
                     const char *created_by, int64_t *id)
{
    if (id)
        *id = 0;
    if (!st || !api_key || !*api_key || strlen(api_key) > ZS_INTKEY_KEY_MAX || !hex64(secret_hash))
        return ZKBIO_EINVAL;
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    char n[ZS_INTKEY_NAME_MAX + 1], by[ZS_INTKEY_BY_MAX + 1];
    put(n, sizeof(n), name);
    put(by, sizeof(by), created_by);
    int rc = zdb_run(db,
                     "INSERT INTO integration_keys (api_key, secret_hash, name, created_by, "
                     "created_at, last_used_at, revoked_at) VALUES (?, ?, ?, ?, ?, 0, 0)",
                     "ssssl", api_key, secret_hash, n, by, wall_ms());
    if (rc == 0 && id)
        *id = zdb_last_insert_id(db);
    return rc;
}

static int get_one(zs_store *st, const char *sql, int64_t id, const char *key, zs_intkey *out)
{
    memset(out, 0, sizeof(*out));
    if (!st)
        return ZKBIO_EINVAL;
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    zdb_stmt *q;
    int rc = zdb_prepare(db, sql, &q);
    if (rc != 0)
        return rc;
    if (key)
        zdb_bind_text(q, 1, key, -1);
    else
        zdb_bind_int64(q, 1, id);
    rc = zdb_step(q);
    if (rc == ZDB_ROW)
        key_row(q, out);
    zdb_reset(q);
    return rc == ZDB_ROW ? 0 : rc == ZDB_DONE ? ZKBIO_ENOENT : rc;
}

int zs_intkey_get_by_key(zs_store *st, const char *api_key, zs_intkey *out)
{
    if (!api_key || !*api_key || strlen(api_key) > ZS_INTKEY_KEY_MAX) {
        memset(out, 0, sizeof(*out));
        return api_key ? ZKBIO_ENOENT : ZKBIO_EINVAL;
    }
    return get_one(st, "SELECT " KEY_COLS " FROM integration_keys WHERE api_key = ?", 0, api_key,
                   out);
}

int zs_intkey_get(zs_store *st, int64_t id, zs_intkey *out)
{
    return get_one(st, "SELECT " KEY_COLS " FROM integration_keys WHERE id = ?", id, NULL, out);
}

int zs_intkey_list(zs_store *st, int64_t after, int limit, zs_intkey_page *out)
{
    memset(out, 0, sizeof(*out));
    int lim = limit <= 0 || limit > 1000 ? 100 : limit;
    zdb *db = st ? zs_db(st) : NULL;
    if (!db)
        return st ? ZKBIO_EUNAVAIL : ZKBIO_EINVAL;
    int rc = zdb_query_int64(db, "SELECT COUNT(*) FROM integration_keys", &out->total, NULL);
    if (rc != 0)
        return rc;
    zdb_stmt *q;
    rc = zdb_prepare(
        db, "SELECT " KEY_COLS " FROM integration_keys WHERE id > ? ORDER BY id LIMIT ?", &q);
    if (rc != 0)
        return rc;
    zdb_bind_int64(q, 1, after);
    zdb_bind_int64(q, 2, lim + 1);
    rc = zs_collect(q, &out->rows, &out->n, sizeof(*out->rows), (size_t)lim, &out->has_next,
                    key_row);
    if (rc < 0) {
        zs_intkey_page_free(out);
        return rc;
    }
    if (out->has_next)
        out->next = out->rows[out->n - 1].id;
    return 0;
}

void zs_intkey_page_free(zs_intkey_page *p)
{
    if (!p)
        return;
    free(p->rows);
    memset(p, 0, sizeof(*p));
}

int zs_intkey_revoke(zs_store *st, int64_t id, int64_t now_ms, int *was_active)
{
    if (was_active)
        *was_active = 0;
    if (!st)
        return ZKBIO_EINVAL;
    if (id <= 0)
        return ZKBIO_ENOENT;
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    int rc =
        zdb_run(db, "UPDATE integration_keys SET revoked_at = ? WHERE id = ? AND revoked_at = 0",
                "ll", now_ms > 0 ? now_ms : 1, id);
    if (rc != 0)
        return rc;
    if (zdb_changes(db) > 0) {
        if (was_active)
            *was_active = 1;
        return 0;
    }
    int64_t one = 0;
    rc = zdb_query_int64(db, "SELECT 1 FROM integration_keys WHERE id = ?", &one, "l", id);
    return rc;
}

int zs_intkey_touch(zs_store *st, int64_t id, int64_t now_ms, int64_t min_gap_ms)
{
    if (!st)
        return ZKBIO_EINVAL;
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    return zdb_run(db,
                   "UPDATE integration_keys SET last_used_at = ? WHERE id = ? AND "
                   "last_used_at < ?",
                   "lll", now_ms, id, now_ms - min_gap_ms);
}

/* ---- inbound punches ------------------------------------------------------------------------ */

static int store_some(zdb *db, const zs_inbound_punch *p, size_t n, int64_t *ids)
{
    int64_t now = zs_now();
    for (size_t i = 0; i < n; i++) {
        ids[i] = 0;
        int rc = zdb_run(db,
                         ZS_SQL(db,
                                "INSERT OR IGNORE INTO attendance (sn, pin, punch_time, status, "
                                "verify, workcode, extra, received_at) VALUES (?, ?, ?, ?, ?, '', "
                                "?, ?)",
                                "INSERT IGNORE INTO attendance (sn, pin, punch_time, status, "
                                "verify, workcode, extra, received_at) VALUES (?, ?, ?, ?, ?, '', "
                                "?, ?)"),
                         "sssllsl", p[i].sn, p[i].pin, p[i].time, (int64_t)p[i].status,
                         (int64_t)p[i].verify, p[i].extra, now);
        if (rc != 0)
            return rc;
        if (zdb_changes(db) > 0)
            ids[i] = zdb_last_insert_id(db);
    }
    return 0;
}

int zs_inbound_store(zs_store *st, const zs_inbound_punch *p, size_t n, int64_t *ids)
{
    if (!st || (n && (!p || !ids)) || n > 10000)
        return ZKBIO_EINVAL;
    if (n == 0)
        return 0;
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    int rc;
    for (int attempt = 0;; attempt++) {
        rc = zdb_begin(db);
        if (rc == 0)
            rc = store_some(db, p, n, ids);
        if (rc == 0)
            rc = zdb_commit(db);
        if (rc != 0)
            zs_fail(db, rc);
        if (rc == 0 || attempt == 2 || !zs_retry(st, rc))
            break;
    }
    if (rc != 0)
        memset(ids, 0, n * sizeof(*ids));
    return rc;
}

int zs_inbound_device_tz(zs_store *st, const char *sn, int *known, char tz[65])
{
    *known = 0;
    tz[0] = '\0';
    if (!st || !sn)
        return ZKBIO_EINVAL;
    zdb *db = zs_db(st);
    if (!db)
        return ZKBIO_EUNAVAIL;
    int rc = zdb_query_text(db, "SELECT tz FROM devices WHERE sn = ?", tz, 65, "s", sn);
    if (rc == ZKBIO_ENOENT) {
        tz[0] = '\0';
        return 0;
    }
    if (rc == 0)
        *known = 1;
    return rc;
}
