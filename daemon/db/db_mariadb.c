/* SPDX-License-Identifier: Apache-2.0 */
/* zdb backend on MariaDB Connector/C: one MYSQL handle per zdb, server-side prepared statements
 * with `?` binds, results buffered client side (mysql_stmt_store_result), and a transparent
 * reconnect outside transactions. */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <errmsg.h>
#include <mysql.h>
#include <mysqld_error.h>

#include "db_impl.h"

/* The one piece of global state here: mysql_library_init() is not thread-safe and must run once per
 * process. */
static pthread_once_t lib_once = PTHREAD_ONCE_INIT;
static int lib_failed; /* written once inside lib_once */

static void lib_init(void)
{
    lib_failed = mysql_library_init(0, NULL, NULL) != 0;
}

/* Session setting applied on every (re)connect: lock waits end with ER_LOCK_WAIT_TIMEOUT (->
 * ZKBIO_EUNAVAIL) before the client's 10 s read timeout would drop the connection. */
#define MD_INIT_COMMAND "SET SESSION innodb_lock_wait_timeout = 5"
#define MD_TIMEOUT_S    10u

struct mcol {
    int is_int;
    int is_unsigned; /* UNSIGNED integer column: text in unsigned form, col_int64 wraps above
                        INT64_MAX */
    int64_t iv;
    char *buf; /* text/blob value, NUL-terminated after each fetch */
    unsigned long cap;
    unsigned long len;
    my_bool isnull;
    my_bool error;
    char num[24]; /* text form of is_int columns */
};

struct mst {
    MYSQL_STMT *h; /* NULL after a reconnect until re-prepared */
    unsigned ncols;
    unsigned colcap;
    MYSQL_BIND *rb;
    struct mcol *cols;
    MYSQL_BIND *pb;
    unsigned long *plen;
    int have_result;
};

struct mdb {
    MYSQL *m; /* NULL while disconnected */
    /* The connection is gone: reconnect before the next use (refused inside a transaction). */
    int broken;
    /* The server rolled the open transaction back (deadlock): refuse work until zdb_rollback(). */
    int tx_aborted;
    int64_t changes;
    int64_t last_id;
    char *user, *pass, *host, *dbname, *socket;
    unsigned port;
};

#define MD(db) ((struct mdb *)(db)->impl)
#define MS(st) ((struct mst *)(st)->impl)

/* --- errors
 * ------------------------------------------------------------------------------------------------
 */

static int is_gone(unsigned e)
{
    return e == CR_SERVER_GONE_ERROR || e == CR_SERVER_LOST || e == CR_SERVER_LOST_EXTENDED ||
           e == ER_CONNECTION_KILLED || e == ER_SERVER_SHUTDOWN;
}

static int classify(unsigned e)
{
    if (is_gone(e))
        return ZKBIO_EUNAVAIL;
    switch (e) {
    case ER_LOCK_DEADLOCK:
    case ER_LOCK_WAIT_TIMEOUT:
    case ER_CON_COUNT_ERROR:
    case CR_CONNECTION_ERROR:
    case CR_CONN_HOST_ERROR:
    case CR_UNKNOWN_HOST:
        return ZKBIO_EUNAVAIL;
    case ER_DUP_ENTRY:
    case ER_DUP_ENTRY_WITH_KEY_NAME:
        return ZKBIO_EEXIST;
    default:
        return ZKBIO_EDB;
    }
}

/*
 * Copy a server message without the data values some messages quote ("Duplicate entry 'VALUE' for
 * key 'k'", "Incorrect integer value: 'VALUE' for column ..."): the value, which came from a bound
 * parameter, becomes '?'.
 */
static void sanitize(char *out, size_t outsz, const char *msg)
{
    static const char *const markers[] = {"entry '", "value: '", "value '"};
    const char *best = NULL;
    size_t mlen = 0;
    for (size_t i = 0; i < sizeof(markers) / sizeof(markers[0]); i++) {
        const char *p = strstr(msg, markers[i]);
        if (p && (!best || p < best)) {
            best = p;
            mlen = strlen(markers[i]);
        }
    }
    if (!best) {
        snprintf(out, outsz, "%s", msg);
        return;
    }
    const char *vstart = best + mlen;
    const char *close = NULL;
    for (const char *p = vstart; (p = strstr(p, "' for ")) != NULL; p++)
        close = p;
    snprintf(out, outsz, "%.*s?%s", (int)(vstart - msg), msg, close ? close : "'");
}

static int md_fail(zdb *db, unsigned e, const char *msg)
{
    char clean[400];
    sanitize(clean, sizeof(clean), msg && *msg ? msg : "unknown error");
    zdb__set_err(db, "mariadb: %s (%u)", clean, e);
    db->retryable = e == ER_LOCK_DEADLOCK || e == ER_LOCK_WAIT_TIMEOUT;
    /* InnoDB rolls the whole transaction back on a deadlock; later statements would run in
     * autocommit mode and a COMMIT would "succeed", so the transaction is refused until rollback.
     */
    if (e == ER_LOCK_DEADLOCK && db->in_tx && db->impl)
        ((struct mdb *)db->impl)->tx_aborted = 1;
    return classify(e);
}

/* --- connection
 * ---------------------------------------------------------------------------------------------- */

static int md_connect(struct mdb *d, char *err, size_t errsz)
{
    MYSQL *m = mysql_init(NULL);
    if (!m) {
        zc_errf(err, errsz, "mariadb: out of memory");
        return ZKBIO_ENOMEM;
    }
    unsigned int to = MD_TIMEOUT_S;
    my_bool off = 0;
    mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &to);
    mysql_options(m, MYSQL_OPT_READ_TIMEOUT, &to);
    mysql_options(m, MYSQL_OPT_WRITE_TIMEOUT, &to);
    mysql_options(m, MYSQL_OPT_RECONNECT,
                  &off); /* we reconnect ourselves, re-preparing statements */
    mysql_options(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    mysql_options(m, MYSQL_INIT_COMMAND, MD_INIT_COMMAND);
    const char *host = d->host;
    if (d->socket) {
        unsigned int proto = MYSQL_PROTOCOL_SOCKET;
        mysql_options(m, MYSQL_OPT_PROTOCOL, &proto);
        host = "localhost";
    }
    if (!mysql_real_connect(m, host, d->user, d->pass, d->dbname, d->port, d->socket,
                            CLIENT_MULTI_STATEMENTS | CLIENT_FOUND_ROWS)) {
        unsigned e = mysql_errno(m);
        char clean[300];
        sanitize(clean, sizeof(clean), mysql_error(m));
        if (d->socket)
            zc_errf(err, errsz, "mariadb: cannot connect through socket %s: %s (%u)", d->socket,
                    clean, e);
        else
            zc_errf(err, errsz, "mariadb: cannot connect to %s port %u: %s (%u)", d->host, d->port,
                    clean, e);
        mysql_close(m);
        /* Bad credentials or database are configuration errors; everything else is worth retrying
         * later. */
        if (e == ER_ACCESS_DENIED_ERROR || e == ER_DBACCESS_DENIED_ERROR || e == ER_BAD_DB_ERROR ||
            e == ER_HOST_NOT_PRIVILEGED || e == ER_NOT_SUPPORTED_AUTH_MODE)
            return ZKBIO_EDB;
        return ZKBIO_EUNAVAIL;
    }
    d->m = m;
    return 0;
}

static void mst_free_result(struct mst *s)
{
    if (s->have_result && s->h)
        mysql_stmt_free_result(s->h);
    s->have_result = 0;
}

static void drop_handle(zdb_stmt *st, void *arg)
{
    (void)arg;
    struct mst *s = MS(st);
    if (!s)
        return;
    mst_free_result(s);
    if (s->h)
        mysql_stmt_close(s->h);
    s->h = NULL;
    if (st->state == ZDB_S_ROW)
        st->state = ZDB_S_DONE; /* its buffered rows went with the old connection */
}

/* Drop the old connection (and every statement handle on it) and connect again. */
static int md_reconnect(zdb *db)
{
    struct mdb *d = MD(db);
    if (d->m) {
        mysql_close(d->m); /* detaches the statements still open on it */
        d->m = NULL;
    }
    zdb__foreach_stmt(db, drop_handle, NULL);
    char err[sizeof(db->errmsg)];
    int rc = md_connect(d, err, sizeof(err));
    if (rc != 0) {
        d->broken = 1;
        zdb__set_err(db, "%s", err);
        return rc;
    }
    d->broken = 0;
    return 0;
}

/* Before any use: a connection marked broken is reconnected, except inside a transaction (which is
 * lost). */
static int md_ready(zdb *db)
{
    struct mdb *d = MD(db);
    if (db->in_tx && d->tx_aborted) {
        zdb__set_err(db, "mariadb: the server rolled the transaction back (deadlock); roll back");
        return ZKBIO_EUNAVAIL;
    }
    if (!d->broken && d->m)
        return 0;
    if (db->in_tx) {
        zdb__set_err(db, "mariadb: connection lost inside a transaction; roll back and retry");
        return ZKBIO_EUNAVAIL;
    }
    return md_reconnect(db);
}

/*
 * The connection went away during an operation (error already recorded). Inside a transaction the
 * work is lost: mark the connection and give ZKBIO_EUNAVAIL. Outside, reconnect once (attempt 0) so
 * the caller retries. Returns 0 when the caller should retry.
 */
static int md_on_gone(zdb *db, int attempt)
{
    struct mdb *d = MD(db);
    d->broken = 1;
    if (db->in_tx) {
        size_t n = strlen(db->errmsg);
        snprintf(db->errmsg + n, sizeof(db->errmsg) - n, "; connection lost inside a transaction");
        return ZKBIO_EUNAVAIL;
    }
    if (attempt > 0)
        return ZKBIO_EUNAVAIL;
    int rc = md_reconnect(db);
    return rc == 0 ? 0 : ZKBIO_EUNAVAIL;
}

/* A statement without results (START TRANSACTION, COMMIT, ...), retried once after a reconnect when
 * allowed. */
static int md_query(zdb *db, const char *sql, int may_retry)
{
    for (int attempt = 0;; attempt++) {
        int rc = md_ready(db);
        if (rc != 0)
            return rc;
        struct mdb *d = MD(db);
        if (mysql_real_query(d->m, sql, strlen(sql)) == 0)
            return 0;
        unsigned e = mysql_errno(d->m);
        rc = md_fail(db, e, mysql_error(d->m));
        if (!is_gone(e))
            return rc;
        if (!may_retry) {
            d->broken = 1;
            return ZKBIO_EUNAVAIL;
        }
        rc = md_on_gone(db, attempt);
        if (rc != 0)
            return rc;
    }
}

static int md_exec(zdb *db, const char *sql)
{
    /* Retried after a reconnect only when the first statement itself failed to reach the server. */
    int rc = md_query(db, sql, 1);
    if (rc != 0)
        return rc;
    struct mdb *d = MD(db);
    MYSQL *m = d->m;
    for (;;) {
        MYSQL_RES *r = mysql_store_result(m);
        if (r) {
            mysql_free_result(r);
        } else if (mysql_field_count(m) == 0) {
            d->changes = (int64_t)mysql_affected_rows(m);
            uint64_t id = mysql_insert_id(m);
            if (id)
                d->last_id = (int64_t)id;
        } else {
            rc = md_fail(db, mysql_errno(m), mysql_error(m));
            break;
        }
        int st = mysql_next_result(m);
        if (st < 0)
            break;
        if (st > 0) {
            rc = md_fail(db, mysql_errno(m), mysql_error(m));
            break;
        }
    }
    if (rc != 0 && is_gone(mysql_errno(m)))
        d->broken = 1;
    return rc;
}

static int md_begin(zdb *db)
{
    MD(db)->tx_aborted = 0;
    return md_query(db, "START TRANSACTION", 1);
}

static int md_commit(zdb *db)
{
    struct mdb *d = MD(db);
    if (d->broken || !d->m) {
        zdb__set_err(db, "mariadb: connection lost inside the transaction; nothing was committed");
        return ZKBIO_EUNAVAIL;
    }
    if (d->tx_aborted) {
        d->tx_aborted = 0;
        mysql_real_query(d->m, "ROLLBACK", 8);
        zdb__set_err(db, "mariadb: the server rolled the transaction back (deadlock); nothing "
                         "was committed");
        return ZKBIO_EUNAVAIL;
    }
    int rc = md_query(db, "COMMIT", 0);
    if (rc != 0 && !d->broken && mysql_real_query(d->m, "ROLLBACK", 8) != 0 &&
        is_gone(mysql_errno(d->m)))
        d->broken = 1;
    return rc;
}

static int md_rollback(zdb *db)
{
    struct mdb *d = MD(db);
    d->tx_aborted = 0;
    if (d->broken || !d->m)
        return 0; /* the server dropped the transaction with the connection; reconnect later */
    int rc = md_query(db, "ROLLBACK", 0);
    return d->broken ? 0 : rc;
}

/* --- statements
 * ---------------------------------------------------------------------------------------------- */

/* Create and prepare s->h for sql; on failure record the error and return its server/client code in
 * *code. */
static int mst_handle(zdb *db, struct mst *s, const char *sql, unsigned *code)
{
    struct mdb *d = MD(db);
    *code = 0;
    MYSQL_STMT *h = mysql_stmt_init(d->m);
    if (!h) {
        *code = mysql_errno(d->m);
        if (*code)
            return md_fail(db, *code, mysql_error(d->m));
        zdb__set_err(db, "mariadb: out of memory");
        return ZKBIO_ENOMEM;
    }
    my_bool on = 1;
    mysql_stmt_attr_set(h, STMT_ATTR_UPDATE_MAX_LENGTH, &on);
    if (mysql_stmt_prepare(h, sql, strlen(sql)) != 0) {
        *code = mysql_stmt_errno(h);
        int rc = md_fail(db, *code, mysql_stmt_error(h));
        mysql_stmt_close(h);
        return rc;
    }
    s->h = h;
    return 0;
}

static void md_finalize(zdb_stmt *st)
{
    struct mst *s = MS(st);
    if (!s)
        return;
    mst_free_result(s);
    if (s->h)
        mysql_stmt_close(s->h);
    for (unsigned i = 0; i < s->colcap; i++)
        free(s->cols[i].buf);
    free(s->cols);
    free(s->rb);
    free(s->pb);
    free(s->plen);
    free(s);
    st->impl = NULL;
}

static int md_prepare(zdb_stmt *st)
{
    zdb *db = st->db;
    struct mst *s = calloc(1, sizeof(*s));
    if (!s) {
        zdb__set_err(db, "mariadb: out of memory");
        return ZKBIO_ENOMEM;
    }
    st->impl = s;
    for (int attempt = 0;; attempt++) {
        int rc = md_ready(db);
        unsigned code = 0;
        if (rc == 0)
            rc = mst_handle(db, s, st->sql, &code);
        if (rc == 0)
            break;
        if (!is_gone(code) || (rc = md_on_gone(db, attempt)) != 0) {
            md_finalize(st);
            return rc;
        }
    }
    unsigned long n = mysql_stmt_param_count(s->h);
    st->nparams = (int)n;
    if (n) {
        s->pb = calloc(n, sizeof(*s->pb));
        s->plen = calloc(n, sizeof(*s->plen));
        if (!s->pb || !s->plen) {
            md_finalize(st);
            zdb__set_err(db, "mariadb: out of memory");
            return ZKBIO_ENOMEM;
        }
    }
    return 0;
}

static int mst_bind_params(zdb_stmt *st)
{
    struct mst *s = MS(st);
    if (st->nparams == 0)
        return 0;
    for (int i = 0; i < st->nparams; i++) {
        struct zdb_param *p = &st->params[i];
        MYSQL_BIND *b = &s->pb[i];
        memset(b, 0, sizeof(*b));
        switch (p->type) {
        case ZDB_P_INT:
            b->buffer_type = MYSQL_TYPE_LONGLONG;
            b->buffer = &p->i;
            break;
        case ZDB_P_TEXT:
        case ZDB_P_BLOB:
            b->buffer_type = p->type == ZDB_P_TEXT ? MYSQL_TYPE_STRING : MYSQL_TYPE_BLOB;
            b->buffer = p->buf;
            b->buffer_length = p->len;
            s->plen[i] = p->len;
            b->length = &s->plen[i];
            break;
        default:
            b->buffer_type = MYSQL_TYPE_NULL;
            break;
        }
    }
    if (mysql_stmt_bind_param(s->h, s->pb) != 0)
        return md_fail(st->db, mysql_stmt_errno(s->h), mysql_stmt_error(s->h));
    return 0;
}

static int is_int_type(enum enum_field_types t)
{
    switch (t) {
    case MYSQL_TYPE_TINY:
    case MYSQL_TYPE_SHORT:
    case MYSQL_TYPE_LONG:
    case MYSQL_TYPE_INT24:
    case MYSQL_TYPE_LONGLONG:
    case MYSQL_TYPE_YEAR:
        return 1;
    default:
        return 0;
    }
}

/* After store_result: bind every column, sized from max_length (STMT_ATTR_UPDATE_MAX_LENGTH). */
static int mst_bind_results(zdb *db, struct mst *s)
{
    MYSQL_RES *meta = mysql_stmt_result_metadata(s->h);
    if (!meta)
        return md_fail(db, mysql_stmt_errno(s->h), mysql_stmt_error(s->h));
    unsigned n = mysql_num_fields(meta);
    MYSQL_FIELD *f = mysql_fetch_fields(meta);
    if (n > s->colcap) {
        MYSQL_BIND *rb = realloc(s->rb, n * sizeof(*rb));
        if (rb)
            s->rb = rb;
        struct mcol *cols = rb ? realloc(s->cols, n * sizeof(*cols)) : NULL;
        if (!cols) {
            mysql_free_result(meta);
            zdb__set_err(db, "mariadb: out of memory");
            return ZKBIO_ENOMEM;
        }
        memset(cols + s->colcap, 0, (n - s->colcap) * sizeof(*cols));
        s->cols = cols;
        s->colcap = n;
    }
    s->ncols = n;
    for (unsigned i = 0; i < n; i++) {
        struct mcol *c = &s->cols[i];
        MYSQL_BIND *b = &s->rb[i];
        memset(b, 0, sizeof(*b));
        c->is_int = is_int_type(f[i].type);
        if (c->is_int) {
            b->buffer_type = MYSQL_TYPE_LONGLONG;
            b->buffer = &c->iv;
            c->is_unsigned = (f[i].flags & UNSIGNED_FLAG) != 0;
            b->is_unsigned = (my_bool)c->is_unsigned;
        } else {
            unsigned long need = f[i].max_length + 1;
            if (need < 64)
                need = 64;
            if (c->cap < need || !c->buf) {
                char *nb = realloc(c->buf, need);
                if (!nb) {
                    mysql_free_result(meta);
                    zdb__set_err(db, "mariadb: out of memory for a %lu-byte column", need);
                    return ZKBIO_ENOMEM;
                }
                c->buf = nb;
                c->cap = need;
            }
            b->buffer_type = (f[i].flags & BINARY_FLAG) ? MYSQL_TYPE_BLOB : MYSQL_TYPE_STRING;
            b->buffer = c->buf;
            b->buffer_length = c->cap - 1; /* room for the NUL */
        }
        b->length = &c->len;
        b->is_null = &c->isnull;
        b->error = &c->error;
    }
    mysql_free_result(meta);
    if (mysql_stmt_bind_result(s->h, s->rb) != 0)
        return md_fail(db, mysql_stmt_errno(s->h), mysql_stmt_error(s->h));
    return 0;
}

/* Columns that did not fit (max_length is not exact for every type): grow and fetch them again. */
static int mst_refetch_truncated(zdb *db, struct mst *s)
{
    int rebind = 0;
    for (unsigned i = 0; i < s->ncols; i++) {
        struct mcol *c = &s->cols[i];
        if (c->is_int || c->isnull || !c->error || c->len < c->cap)
            continue;
        char *nb = realloc(c->buf, c->len + 1);
        if (!nb) {
            zdb__set_err(db, "mariadb: out of memory for a %lu-byte column", c->len);
            return ZKBIO_ENOMEM;
        }
        c->buf = nb;
        c->cap = c->len + 1;
        s->rb[i].buffer = c->buf;
        s->rb[i].buffer_length = c->cap - 1;
        rebind = 1;
        if (mysql_stmt_fetch_column(s->h, &s->rb[i], i, 0) != 0)
            return md_fail(db, mysql_stmt_errno(s->h), mysql_stmt_error(s->h));
    }
    if (rebind && mysql_stmt_bind_result(s->h, s->rb) != 0)
        return md_fail(db, mysql_stmt_errno(s->h), mysql_stmt_error(s->h));
    return 0;
}

static int mst_execute(zdb_stmt *st)
{
    zdb *db = st->db;
    struct mst *s = MS(st);
    for (int attempt = 0;; attempt++) {
        int rc = md_ready(db);
        if (rc != 0)
            return rc;
        unsigned code = 0;
        if (!s->h)
            rc = mst_handle(db, s, st->sql, &code);
        if (rc == 0) {
            if ((unsigned long)st->nparams != mysql_stmt_param_count(s->h)) {
                zdb__set_err(db,
                             "mariadb: statement changed its parameter count after re-preparing");
                return ZKBIO_EDB;
            }
            rc = mst_bind_params(st);
            if (rc != 0)
                return rc;
            if (mysql_stmt_execute(s->h) == 0)
                return 0;
            code = mysql_stmt_errno(s->h);
            rc = md_fail(db, code, mysql_stmt_error(s->h));
        }
        if (!is_gone(code))
            return rc;
        rc = md_on_gone(db, attempt);
        if (rc != 0)
            return rc;
    }
}

static int md_step(zdb_stmt *st)
{
    zdb *db = st->db;
    struct mdb *d = MD(db);
    struct mst *s = MS(st);
    if (st->state == ZDB_S_FRESH) {
        int rc = mst_execute(st);
        if (rc != 0)
            return rc;
        if (mysql_stmt_field_count(s->h) == 0) {
            d->changes = (int64_t)mysql_stmt_affected_rows(s->h);
            uint64_t id = mysql_stmt_insert_id(s->h);
            if (id)
                d->last_id = (int64_t)id;
            return ZDB_DONE;
        }
        if (mysql_stmt_store_result(s->h) != 0) {
            unsigned e = mysql_stmt_errno(s->h);
            rc = md_fail(db, e, mysql_stmt_error(s->h));
            if (is_gone(e))
                d->broken = 1;
            mysql_stmt_free_result(s->h);
            return rc;
        }
        s->have_result = 1;
        rc = mst_bind_results(db, s);
        if (rc != 0) {
            mst_free_result(s);
            return rc;
        }
    }
    if (!s->have_result || !s->h)
        return ZDB_DONE;
    int r = mysql_stmt_fetch(s->h);
    if (r == 0 || r == MYSQL_DATA_TRUNCATED) {
        int rc = r == MYSQL_DATA_TRUNCATED ? mst_refetch_truncated(db, s) : 0;
        if (rc != 0) {
            mst_free_result(s);
            return rc;
        }
        for (unsigned i = 0; i < s->ncols; i++) {
            struct mcol *c = &s->cols[i];
            if (!c->is_int)
                c->buf[c->isnull ? 0 : (c->len < c->cap ? c->len : c->cap - 1)] = '\0';
        }
        return ZDB_ROW;
    }
    mst_free_result(s);
    if (r == MYSQL_NO_DATA)
        return ZDB_DONE;
    return md_fail(db, mysql_stmt_errno(s->h), mysql_stmt_error(s->h));
}

static void md_reset(zdb_stmt *st)
{
    mst_free_result(MS(st));
}

static int md_col_count(zdb_stmt *st)
{
    struct mst *s = MS(st);
    if (s->have_result)
        return (int)s->ncols;
    return s->h ? (int)mysql_stmt_field_count(s->h) : 0;
}

static int md_col_is_null(zdb_stmt *st, int col)
{
    return MS(st)->cols[col].isnull != 0;
}

static int64_t md_col_int64(zdb_stmt *st, int col)
{
    struct mcol *c = &MS(st)->cols[col];
    if (c->isnull)
        return 0;
    if (c->is_int)
        return c->iv;
    return (int64_t)strtoll(c->buf, NULL, 10);
}

static const char *md_col_text(zdb_stmt *st, int col)
{
    struct mcol *c = &MS(st)->cols[col];
    if (c->isnull)
        return "";
    if (c->is_int) {
        if (c->is_unsigned)
            snprintf(c->num, sizeof(c->num), "%" PRIu64, (uint64_t)c->iv);
        else
            snprintf(c->num, sizeof(c->num), "%" PRId64, c->iv);
        return c->num;
    }
    return c->buf;
}

static const void *md_col_blob(zdb_stmt *st, int col, size_t *len)
{
    struct mcol *c = &MS(st)->cols[col];
    if (c->isnull) {
        *len = 0;
        return "";
    }
    if (c->is_int) {
        const char *t = md_col_text(st, col);
        *len = strlen(t);
        return t;
    }
    *len = c->len < c->cap ? c->len : c->cap - 1;
    return c->buf;
}

static int64_t md_changes(zdb *db)
{
    return MD(db)->changes;
}

static int64_t md_last_insert_id(zdb *db)
{
    return MD(db)->last_id;
}

static void wipe_free(char *s)
{
    if (!s)
        return;
    volatile char *p = s;
    while (*p)
        *p++ = 0;
    free(s);
}

static void mdb_free(struct mdb *d)
{
    if (d->m)
        mysql_close(d->m);
    free(d->user);
    wipe_free(d->pass);
    free(d->host);
    free(d->dbname);
    free(d->socket);
    free(d);
}

static void md_close(zdb *db)
{
    if (db->impl)
        mdb_free(MD(db));
    db->impl = NULL;
}

static const struct zdb_ops mariadb_ops = {
    .dialect = ZDB_MARIADB,
    .close = md_close,
    .exec = md_exec,
    .begin = md_begin,
    .commit = md_commit,
    .rollback = md_rollback,
    .prepare = md_prepare,
    .finalize = md_finalize,
    .step = md_step,
    .reset = md_reset,
    .col_count = md_col_count,
    .col_is_null = md_col_is_null,
    .col_int64 = md_col_int64,
    .col_text = md_col_text,
    .col_blob = md_col_blob,
    .changes = md_changes,
    .last_insert_id = md_last_insert_id,
};

static char *dup_or_null(const char *s, int *nomem)
{
    if (!s)
        return NULL;
    char *d = strdup(s);
    if (!d)
        *nomem = 1;
    return d;
}

int zdb__mariadb_open(zdb *db, const zc_dburi *u, char *err, size_t errsz)
{
    pthread_once(&lib_once, lib_init);
    if (lib_failed) {
        zc_errf(err, errsz, "mariadb: mysql_library_init failed");
        return ZKBIO_EDB;
    }
    struct mdb *d = calloc(1, sizeof(*d));
    if (!d) {
        zc_errf(err, errsz, "out of memory");
        return ZKBIO_ENOMEM;
    }
    int nomem = 0;
    d->user = dup_or_null(u->user, &nomem);
    d->pass = dup_or_null(u->pass, &nomem);
    d->host = dup_or_null(u->host, &nomem);
    d->dbname = dup_or_null(u->dbname, &nomem);
    d->socket = dup_or_null(u->socket, &nomem);
    d->port = u->port;
    if (nomem) {
        mdb_free(d);
        zc_errf(err, errsz, "out of memory");
        return ZKBIO_ENOMEM;
    }
    int rc = md_connect(d, err, errsz);
    if (rc != 0) {
        mdb_free(d);
        return rc;
    }
    db->ops = &mariadb_ops;
    db->impl = d;
    return 0;
}
