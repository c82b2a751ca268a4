/* SPDX-License-Identifier: Apache-2.0 */
/* zdb front end: URI dispatch, the per-connection statement cache, parameter storage and the
 * statement state machine shared by the SQLite and MariaDB backends (db_sqlite.c, db_mariadb.c). No
 * global state here. */
#include <ctype.h>
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

void zdb__fmt_err(char *err, size_t errsz, const char *fmt, ...)
{
    if (!err || errsz == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errsz, fmt, ap);
    va_end(ap);
}

/* --- URIs
 * --------------------------------------------------------------------------------------------------
 */

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Percent-decode s[0..n) into a new string. NULL on a malformed escape, an encoded NUL or no memory
 * (*nomem). */
static char *pct_decode(const char *s, size_t n, int *nomem)
{
    char *out = malloc(n + 1);
    if (!out) {
        *nomem = 1;
        return NULL;
    }
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '%') {
            out[o++] = s[i];
            continue;
        }
        if (n - i < 3 || hexval((unsigned char)s[i + 1]) < 0 ||
            hexval((unsigned char)s[i + 2]) < 0) {
            free(out);
            return NULL;
        }
        int v = hexval((unsigned char)s[i + 1]) * 16 + hexval((unsigned char)s[i + 2]);
        if (v == 0) {
            free(out);
            return NULL;
        }
        out[o++] = (char)v;
        i += 2;
    }
    out[o] = '\0';
    return out;
}

static void mariadb_uri_free(struct zdb_mariadb_uri *u)
{
    free(u->user);
    free(u->pass);
    free(u->host);
    free(u->dbname);
    free(u->socket);
    memset(u, 0, sizeof(*u));
}

/*
 * mariadb://USER[:PASS]@HOST[:PORT]/DB[?socket=PATH]
 * Reserved characters in USER and PASS ('@', ':', '/', '?', '%') must be percent-encoded; the
 * userinfo ends at the last '@' before the query. HOST may be an IPv6 literal in brackets, or empty
 * (then "localhost", typically with ?socket=). Returns 0, ZKBIO_EINVAL (message in err; never the
 * password) or ZKBIO_ENOMEM.
 */
static int mariadb_uri_parse(const char *uri, struct zdb_mariadb_uri *u, char *err, size_t errsz)
{
    memset(u, 0, sizeof(*u));
    const char *s = uri + strlen("mariadb://");
    const char *qm = strchr(s, '?');
    const char *end = qm ? qm : s + strlen(s);
    const char *at = NULL;
    for (const char *p = s; p < end; p++)
        if (*p == '@')
            at = p;
    int nomem = 0;
    if (!at || at == s) {
        zdb__fmt_err(err, errsz, "mariadb URI needs USER[:PASS]@ before the host");
        return ZKBIO_EINVAL;
    }
    const char *colon = memchr(s, ':', (size_t)(at - s));
    const char *uend = colon ? colon : at;
    if (uend == s) {
        zdb__fmt_err(err, errsz, "mariadb URI has an empty user name");
        return ZKBIO_EINVAL;
    }
    u->user = pct_decode(s, (size_t)(uend - s), &nomem);
    if (!u->user)
        goto bad_escape;
    u->pass =
        colon ? pct_decode(colon + 1, (size_t)(at - colon - 1), &nomem) : pct_decode("", 0, &nomem);
    if (!u->pass)
        goto bad_escape;

    const char *h = at + 1, *hend;
    const char *p;
    if (*h == '[') {
        hend = memchr(h, ']', (size_t)(end - h));
        if (!hend || hend == h + 1) {
            zdb__fmt_err(err, errsz, "mariadb URI has a malformed [IPv6] host");
            goto inval;
        }
        u->host = pct_decode(h + 1, (size_t)(hend - h - 1), &nomem);
        p = hend + 1;
    } else {
        hend = h;
        while (hend < end && *hend != ':' && *hend != '/')
            hend++;
        u->host = hend == h ? pct_decode("localhost", 9, &nomem)
                            : pct_decode(h, (size_t)(hend - h), &nomem);
        p = hend;
    }
    if (!u->host)
        goto bad_escape;
    u->port = 3306;
    if (p < end && *p == ':') {
        unsigned long port = 0;
        const char *d = ++p;
        while (p < end && isdigit((unsigned char)*p) && port <= 65535)
            port = port * 10 + (unsigned long)(*p++ - '0');
        if (p == d || port == 0 || port > 65535 || (p < end && *p != '/')) {
            zdb__fmt_err(err, errsz, "mariadb URI has a bad port");
            goto inval;
        }
        u->port = (unsigned)port;
    }
    if (p >= end || *p != '/' || p + 1 == end || memchr(p + 1, '/', (size_t)(end - p - 1))) {
        zdb__fmt_err(err, errsz, "mariadb URI needs /DATABASE after the host");
        goto inval;
    }
    u->dbname = pct_decode(p + 1, (size_t)(end - p - 1), &nomem);
    if (!u->dbname)
        goto bad_escape;

    if (qm) {
        const char *q = qm + 1;
        while (*q) {
            const char *amp = strchr(q, '&');
            size_t n = amp ? (size_t)(amp - q) : strlen(q);
            if (n > 7 && strncmp(q, "socket=", 7) == 0 && !u->socket) {
                u->socket = pct_decode(q + 7, n - 7, &nomem);
                if (!u->socket)
                    goto bad_escape;
            } else {
                zdb__fmt_err(
                    err, errsz,
                    "mariadb URI: unsupported or repeated query parameter (only socket=PATH)");
                goto inval;
            }
            q += n;
            if (*q == '&')
                q++;
        }
    }
    return 0;

bad_escape:
    if (nomem) {
        mariadb_uri_free(u);
        zdb__fmt_err(err, errsz, "out of memory");
        return ZKBIO_ENOMEM;
    }
    zdb__fmt_err(err, errsz, "mariadb URI has a malformed percent-escape");
inval:
    mariadb_uri_free(u);
    return ZKBIO_EINVAL;
}

int zdb_open(const char *uri, zdb **out, char *err, size_t errsz)
{
    zdb__fmt_err(err, errsz, "%s", "");
    if (out)
        *out = NULL;
    if (!uri || !out) {
        zdb__fmt_err(err, errsz, "zdb_open: NULL argument");
        return ZKBIO_EINVAL;
    }
    int is_sqlite = strncmp(uri, "sqlite:", 7) == 0;
    int is_mariadb = strncmp(uri, "mariadb://", 10) == 0;
    if (!is_sqlite && !is_mariadb) {
        zdb__fmt_err(err, errsz,
                     "unknown database URI scheme (expected sqlite:PATH or mariadb://...)");
        return ZKBIO_EINVAL;
    }
    if (is_sqlite && uri[7] == '\0') {
        zdb__fmt_err(err, errsz, "sqlite URI needs a path (sqlite:PATH or sqlite::memory:)");
        return ZKBIO_EINVAL;
    }
    struct zdb_mariadb_uri mu;
    if (is_mariadb) {
        int rc = mariadb_uri_parse(uri, &mu, err, errsz);
        if (rc != 0)
            return rc;
#ifndef ZKBIOD_HAVE_MARIADB
        mariadb_uri_free(&mu);
        zdb__fmt_err(err, errsz, "this zkbiod was built without MariaDB support");
        return ZKBIO_ENOTSUP;
#endif
    }

    zdb *db = calloc(1, sizeof(*db));
    if (db) {
        db->nbuckets = 64;
        db->buckets = calloc(db->nbuckets, sizeof(*db->buckets));
    }
    if (!db || !db->buckets) {
        free(db);
        if (is_mariadb)
            mariadb_uri_free(&mu);
        zdb__fmt_err(err, errsz, "out of memory");
        return ZKBIO_ENOMEM;
    }
    int rc;
    if (is_sqlite) {
        rc = zdb__sqlite_open(db, uri + 7, err, errsz);
    } else {
#ifdef ZKBIOD_HAVE_MARIADB
        rc = zdb__mariadb_open(db, &mu, err, errsz);
#else
        rc = ZKBIO_ENOTSUP;
#endif
        mariadb_uri_free(&mu);
    }
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
