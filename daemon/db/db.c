/* SPDX-License-Identifier: Apache-2.0 */
/* zdb front end: URI dispatch, the per-connection statement cache, parameter storage and the
 * statement state machine shared by the SQLite and MariaDB backends (db_sqlite.c, db_mariadb.c). No
 * global state here. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_impl.h"

/* Parameter buffers larger than this are released on reset rather than kept for the next use. */
#define ZDB_KEEP_PARAM_BYTES (64 * 1024)

/* --- errors
 * ------------------------------------------------------------------------------------------------
 */

void zdb__set_err(zdb *db, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(db->errmsg, sizeof(db->errmsg), fmt, ap);
    va_end(ap);
}

int zdb_open(const char *uri, zdb **out, char *err, size_t errsz)
{
    zc_errf(err, errsz, "%s", "");
    if (out)
        *out = NULL;
    if (!uri || !out) {
        zc_errf(err, errsz, "zdb_open: NULL argument");
        return ZKBIO_EINVAL;
    }
    zc_dburi u;
    int rc = zc_dburi_parse(uri, &u, err, errsz);
    if (rc != 0)
        return rc;
#ifndef ZKBIOD_HAVE_MARIADB
    if (u.dialect == ZC_DBURI_MARIADB) {
        zc_dburi_free(&u);
        zc_errf(err, errsz, "this zkbiod was built without MariaDB support");
        return ZKBIO_ENOTSUP;
    }
#endif

    zdb *db = calloc(1, sizeof(*db));
    if (db) {
        db->nbuckets = 64;
        db->buckets = calloc(db->nbuckets, sizeof(*db->buckets));
    }
    if (!db || !db->buckets) {
        free(db);
        zc_dburi_free(&u);
        zc_errf(err, errsz, "out of memory");
        return ZKBIO_ENOMEM;
    }
    if (u.dialect == ZC_DBURI_SQLITE) {
        rc = zdb__sqlite_open(db, u.path, err, errsz);
    } else {
#ifdef ZKBIOD_HAVE_MARIADB
        rc = zdb__mariadb_open(db, &u, err, errsz);
#else
        rc = ZKBIO_ENOTSUP;
#endif
    }
    zc_dburi_free(&u);
    if (rc != 0) {
        free(db->buckets);
        free(db);
        return rc;
    }
    *out = db;
    return 0;
}

/* --- statement cache
 * ----------------------------------------------------------------------------------------- */

static size_t ptr_hash(const void *p, size_t nbuckets)
{
    uint64_t x = (uint64_t)(uintptr_t)p;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return (size_t)x & (nbuckets - 1);
}

static void params_clear(zdb_stmt *st)
{
    for (int i = 0; i < st->nparams; i++) {
        struct zdb_param *p = &st->params[i];
        p->type = ZDB_P_NULL;
        p->len = 0;
        if (p->cap > ZDB_KEEP_PARAM_BYTES) {
            free(p->buf);
            p->buf = NULL;
            p->cap = 0;
        }
    }
}

static void stmt_destroy(zdb_stmt *st)
{
    if (st->impl)
        st->db->ops->finalize(st);
    for (int i = 0; i < st->nparams; i++)
        free(st->params[i].buf);
    free(st->params);
    free(st->sql);
    free(st);
}

void zdb__foreach_stmt(zdb *db, void (*fn)(zdb_stmt *st, void *arg), void *arg)
{
    for (size_t b = 0; b < db->nbuckets; b++)
        for (zdb_stmt *st = db->buckets[b]; st; st = st->next)
            fn(st, arg);
}

static void cache_grow(zdb *db)
{
    size_t nb = db->nbuckets * 2;
    zdb_stmt **nbk = calloc(nb, sizeof(*nbk));
    if (!nbk)
        return; /* keep the longer chains */
    for (size_t b = 0; b < db->nbuckets; b++) {
        zdb_stmt *st = db->buckets[b];
        while (st) {
            zdb_stmt *next = st->next;
            size_t h = ptr_hash(st->key, nb);
            st->next = nbk[h];
            nbk[h] = st;
            st = next;
        }
    }
    free(db->buckets);
    db->buckets = nbk;
    db->nbuckets = nb;
}

static void stmt_rewind(zdb_stmt *st)
{
    if (st->state != ZDB_S_FRESH && st->impl)
        st->db->ops->reset(st);
    st->state = ZDB_S_FRESH;
}

int zdb_prepare(zdb *db, const char *sql, zdb_stmt **out)
{
    if (out)
        *out = NULL;
    if (!db || !sql || !out) {
        if (db)
            zdb__set_err(db, "zdb_prepare: NULL argument");
        return ZKBIO_EINVAL;
    }
    size_t h = ptr_hash(sql, db->nbuckets);
    for (zdb_stmt **pp = &db->buckets[h]; *pp; pp = &(*pp)->next) {
        zdb_stmt *st = *pp;
        if (st->key != sql)
            continue;
        if (strcmp(st->sql, sql) == 0) {
            stmt_rewind(st);
            params_clear(st);
            *out = st;
            return 0;
        }
        /* Same address, different text (a reused buffer): drop the stale entry and prepare afresh.
         */
        *pp = st->next;
        db->nstmts--;
        stmt_destroy(st);
        break;
    }

    zdb_stmt *st = calloc(1, sizeof(*st));
    if (!st || !(st->sql = strdup(sql))) {
        free(st);
        zdb__set_err(db, "out of memory");
        return ZKBIO_ENOMEM;
    }
    st->db = db;
    st->key = sql;
    int rc = db->ops->prepare(st);
    if (rc == 0 && st->nparams > 0 &&
        !(st->params = calloc((size_t)st->nparams, sizeof(*st->params)))) {
        zdb__set_err(db, "out of memory");
        rc = ZKBIO_ENOMEM;
    }
    if (rc != 0) {
        st->nparams = 0;
        stmt_destroy(st);
        return rc;
    }
    if (db->nstmts >= db->nbuckets)
        cache_grow(db);
    h = ptr_hash(sql, db->nbuckets);
    st->next = db->buckets[h];
    db->buckets[h] = st;
    db->nstmts++;
    *out = st;
    return 0;
}

/* --- connection
 * ---------------------------------------------------------------------------------------------- */

void zdb_close(zdb *db)
{
    if (!db)
        return;
    if (db->in_tx) {
        db->ops->rollback(db);
        db->in_tx = 0;
    }
    for (size_t b = 0; b < db->nbuckets; b++) {
        zdb_stmt *st = db->buckets[b];
        while (st) {
            zdb_stmt *next = st->next;
            stmt_destroy(st);
            st = next;
        }
    }
    free(db->buckets);
    db->ops->close(db);
    free(db);
}

zdb_dialect zdb_dialect_of(const zdb *db)
{
    return db ? db->ops->dialect : ZDB_SQLITE;
}

int zdb_exec(zdb *db, const char *sql)
{
    if (!db || !sql) {
        if (db)
            zdb__set_err(db, "zdb_exec: NULL argument");
        return ZKBIO_EINVAL;
    }
    return db->ops->exec(db, sql);
}

int zdb_begin(zdb *db)
{
    if (!db)
        return ZKBIO_EINVAL;
    if (db->in_tx) {
        zdb__set_err(db, "zdb_begin: a transaction is already open on this connection");
        return ZKBIO_EINVAL;
    }
    int rc = db->ops->begin(db);
    if (rc == 0)
        db->in_tx = 1;
    return rc;
}

int zdb_commit(zdb *db)
{
    if (!db)
        return ZKBIO_EINVAL;
    if (!db->in_tx) {
        zdb__set_err(db, "zdb_commit: no transaction is open");
        return ZKBIO_EINVAL;
    }
    int rc = db->ops->commit(db);
    db->in_tx = 0;
    return rc;
}

int zdb_rollback(zdb *db)
{
    if (!db)
        return ZKBIO_EINVAL;
    if (!db->in_tx)
        return 0;
    int rc = db->ops->rollback(db);
    db->in_tx = 0;
    return rc;
}

int zdb_retryable(const zdb *db)
{
    return db ? db->retryable : 0;
}

int zdb_in_tx(const zdb *db)
{
    return db ? db->in_tx : 0;
}

int64_t zdb_changes(zdb *db)
{
    return db ? db->ops->changes(db) : 0;
}

int64_t zdb_last_insert_id(zdb *db)
{
    return db ? db->ops->last_insert_id(db) : 0;
}

const char *zdb_errmsg(const zdb *db)
{
    return db ? db->errmsg : "";
}

/* --- binding
 * -------------------------------------------------------------------------------------------------
 */

static struct zdb_param *param_slot(zdb_stmt *st, int idx)
{
    if (!st)
        return NULL;
    if (idx < 1 || idx > st->nparams) {
        zdb__set_err(st->db, "bind index %d out of range (statement has %d parameters)", idx,
                     st->nparams);
        return NULL;
    }
    /* Binding after a step starts the statement over (with the other bindings kept). */
    stmt_rewind(st);
    return &st->params[idx - 1];
}

static int param_set_bytes(zdb_stmt *st, struct zdb_param *p, enum zdb_ptype type, const void *src,
                           size_t len)
{
    if (len + 1 > p->cap || !p->buf) {
        size_t cap = len + 1 < 32 ? 32 : len + 1;
        char *nb = malloc(cap);
        if (!nb) {
            zdb__set_err(st->db, "out of memory binding %zu bytes", len);
            p->type = ZDB_P_NULL;
            return ZKBIO_ENOMEM;
        }
        free(p->buf);
        p->buf = nb;
        p->cap = cap;
    }
    if (len)
        memcpy(p->buf, src, len);
    p->buf[len] = '\0';
    p->len = len;
    p->type = type;
    return 0;
}

int zdb_bind_int64(zdb_stmt *st, int idx, int64_t v)
{
    struct zdb_param *p = param_slot(st, idx);
    if (!p)
        return ZKBIO_EINVAL;
    p->type = ZDB_P_INT;
    p->i = v;
    return 0;
}

int zdb_bind_text(zdb_stmt *st, int idx, const char *s, ptrdiff_t len)
{
    struct zdb_param *p = param_slot(st, idx);
    if (!p)
        return ZKBIO_EINVAL;
    if (!s) {
        p->type = ZDB_P_NULL;
        return 0;
    }
    if (len < -1) {
        zdb__set_err(st->db, "zdb_bind_text: negative length");
        return ZKBIO_EINVAL;
    }
    return param_set_bytes(st, p, ZDB_P_TEXT, s, len < 0 ? strlen(s) : (size_t)len);
}

int zdb_bind_blob(zdb_stmt *st, int idx, const void *data, size_t len)
{
    struct zdb_param *p = param_slot(st, idx);
    if (!p)
        return ZKBIO_EINVAL;
    if (!data && len) {
        zdb__set_err(st->db, "zdb_bind_blob: NULL data with a non-zero length");
        return ZKBIO_EINVAL;
    }
    return param_set_bytes(st, p, ZDB_P_BLOB, data, len);
}

int zdb_bind_null(zdb_stmt *st, int idx)
{
    struct zdb_param *p = param_slot(st, idx);
    if (!p)
        return ZKBIO_EINVAL;
    p->type = ZDB_P_NULL;
    return 0;
}

/* --- stepping and columns
 * -------------------------------------------------------------------------------- */

int zdb_step(zdb_stmt *st)
{
    if (!st)
        return ZKBIO_EINVAL;
    if (st->state == ZDB_S_DONE)
        return ZDB_DONE;
    int rc = st->db->ops->step(st);
    if (rc == ZDB_ROW) {
        st->state = ZDB_S_ROW;
    } else {
        /* Done or failed: the backend has already discarded its result on failure. */
        st->state = ZDB_S_DONE;
    }
    return rc;
}

void zdb_reset(zdb_stmt *st)
{
    if (!st)
        return;
    stmt_rewind(st);
    params_clear(st);
}

int zdb_col_count(zdb_stmt *st)
{
    if (!st || !st->impl)
        return 0;
    return st->db->ops->col_count(st);
}

static int col_ok(zdb_stmt *st, int col)
{
    return st && st->state == ZDB_S_ROW && st->impl && col >= 0 && col < st->db->ops->col_count(st);
}

int64_t zdb_col_int64(zdb_stmt *st, int col)
{
    return col_ok(st, col) ? st->db->ops->col_int64(st, col) : 0;
}

const char *zdb_col_text(zdb_stmt *st, int col)
{
    const char *s = col_ok(st, col) ? st->db->ops->col_text(st, col) : NULL;
    return s ? s : "";
}

const void *zdb_col_blob(zdb_stmt *st, int col, size_t *len)
{
    size_t n = 0;
    const void *p = col_ok(st, col) ? st->db->ops->col_blob(st, col, &n) : NULL;
    if (!p) {
        p = "";
        n = 0;
    }
    if (len)
        *len = n;
    return p;
}

int zdb_col_is_null(zdb_stmt *st, int col)
{
    return col_ok(st, col) ? st->db->ops->col_is_null(st, col) : 1;
}
