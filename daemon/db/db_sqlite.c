/* SPDX-License-Identifier: Apache-2.0 */
/* zdb backend on SQLite 3: one sqlite3 handle per zdb (opened NOMUTEX: a zdb belongs to one thread
 * at a time), WAL + synchronous=FULL, statements prepared with SQLITE_PREPARE_PERSISTENT and kept
 * by db.c's cache. */
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "db_impl.h"

/*
 * The process-wide SQLite writer lock (the one piece of global mutable state in this backend).
 *
 * SQLite allows one writer per database file at a time; a second BEGIN IMMEDIATE would spin in the
 * busy handler (sleeping and retrying) until the first commits. zdb_begin() therefore takes this
 * lock before BEGIN IMMEDIATE and zdb_commit()/zdb_rollback()/zdb_close() release it, so concurrent
 * writer threads queue on a condition variable instead. It is process-wide (shared by all SQLite
 * files, which zkbiod has only one of) and re-entrant per thread: a thread that opens a second
 * transaction on another connection does not deadlock against itself (on the same file that second
 * BEGIN IMMEDIATE then fails with ZKBIO_EUNAVAIL after the busy timeout). Other processes writing
 * the same file are still handled by the busy timeout.
 */
static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t owner;
    unsigned depth; /* 0 = free */
} writer = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

static void writer_lock(void)
{
    pthread_t self = pthread_self();
    pthread_mutex_lock(&writer.mu);
    while (writer.depth > 0 && !pthread_equal(writer.owner, self))
        pthread_cond_wait(&writer.cv, &writer.mu);
    writer.owner = self;
    writer.depth++;
    pthread_mutex_unlock(&writer.mu);
}

static void writer_unlock(void)
{
    pthread_mutex_lock(&writer.mu);
    if (writer.depth > 0 && --writer.depth == 0)
        pthread_cond_signal(&writer.cv);
    pthread_mutex_unlock(&writer.mu);
}

struct sq {
    sqlite3 *h;
    int holds_writer;
};

#define SQ(db) ((struct sq *)(db)->impl)
#define SS(st) ((sqlite3_stmt *)(st)->impl)

static int map_rc(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_ROW:
    case SQLITE_DONE:
        return 0;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return ZKBIO_EUNAVAIL;
    case SQLITE_CONSTRAINT:
        if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
            return ZKBIO_EEXIST;
        return ZKBIO_EDB;
    default:
        return ZKBIO_EDB;
    }
}

/* Record the handle's current error (rc is the extended code returned) and map it. */
static int sq_fail(zdb *db, int rc)
{
    zdb__set_err(db, "sqlite: %s (%d)", sqlite3_errmsg(SQ(db)->h), rc);
    return map_rc(rc);
}

static int sq_exec(zdb *db, const char *sql)
{
    int rc = sqlite3_exec(SQ(db)->h, sql, NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return sq_fail(db, sqlite3_extended_errcode(SQ(db)->h));
    return 0;
}

static int sq_begin(zdb *db)
{
    writer_lock();
    int rc = sq_exec(db, "BEGIN IMMEDIATE");
    if (rc != 0) {
        writer_unlock();
        return rc;
    }
    SQ(db)->holds_writer = 1;
    return 0;
}

static void sq_release(zdb *db)
{
    if (SQ(db)->holds_writer) {
        SQ(db)->holds_writer = 0;
        writer_unlock();
    }
}

static int sq_commit(zdb *db)
{
    int rc = sq_exec(db, "COMMIT");
    if (rc != 0 && !sqlite3_get_autocommit(SQ(db)->h)) {
        /* Keep the COMMIT error for zdb_errmsg(); a failed commit is rolled back. */
        sqlite3_exec(SQ(db)->h, "ROLLBACK", NULL, NULL, NULL);
    }
    sq_release(db);
    return rc;
}

static int sq_rollback(zdb *db)
{
    int rc = 0;
    if (!sqlite3_get_autocommit(SQ(db)->h))
        rc = sq_exec(db, "ROLLBACK");
    sq_release(db);
    return rc;
}

static int sq_prepare(zdb_stmt *st)
{
    zdb *db = st->db;
    sqlite3_stmt *s = NULL;
    const char *tail = NULL;
    int rc = sqlite3_prepare_v3(SQ(db)->h, st->sql, -1, SQLITE_PREPARE_PERSISTENT, &s, &tail);
    if (rc != SQLITE_OK)
        return sq_fail(db, sqlite3_extended_errcode(SQ(db)->h));
    if (!s) {
        zdb__set_err(db, "zdb_prepare: empty SQL statement");
        return ZKBIO_EINVAL;
    }
    for (; tail && *tail; tail++) {
        if (*tail != ' ' && *tail != '\t' && *tail != '\n' && *tail != '\r' && *tail != ';') {
            sqlite3_finalize(s);
            zdb__set_err(db, "zdb_prepare: more than one SQL statement (use zdb_exec)");
            return ZKBIO_EINVAL;
        }
    }
    st->impl = s;
    st->nparams = sqlite3_bind_parameter_count(s);
    return 0;
}

static void sq_finalize(zdb_stmt *st)
{
    sqlite3_finalize(SS(st));
    st->impl = NULL;
}

static int sq_apply_params(zdb_stmt *st)
{
    sqlite3_stmt *s = SS(st);
    for (int i = 0; i < st->nparams; i++) {
        const struct zdb_param *p = &st->params[i];
        int rc;
        /* SQLITE_STATIC: the buffers stay untouched until the statement is rewound (see db.c). */
        switch (p->type) {
        case ZDB_P_INT:
            rc = sqlite3_bind_int64(s, i + 1, p->i);
            break;
        case ZDB_P_TEXT:
            rc = sqlite3_bind_text64(s, i + 1, p->buf, p->len, SQLITE_STATIC, SQLITE_UTF8);
            break;
        case ZDB_P_BLOB:
            rc = p->len ? sqlite3_bind_blob64(s, i + 1, p->buf, p->len, SQLITE_STATIC)
                        : sqlite3_bind_zeroblob(s, i + 1, 0);
            break;
        default:
            rc = sqlite3_bind_null(s, i + 1);
            break;
        }
        if (rc != SQLITE_OK)
            return sq_fail(st->db, rc);
    }
    return 0;
}

static int sq_step(zdb_stmt *st)
{
    sqlite3_stmt *s = SS(st);
    if (st->state == ZDB_S_FRESH) {
        int rc = sq_apply_params(st);
        if (rc != 0) {
            sqlite3_reset(s);
            sqlite3_clear_bindings(s);
            return rc;
        }
    }
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        return ZDB_ROW;
    if (rc == SQLITE_DONE)
        return ZDB_DONE;
    int ret = sq_fail(st->db, rc);
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return ret;
}

static void sq_reset(zdb_stmt *st)
{
    sqlite3_reset(SS(st));
    sqlite3_clear_bindings(SS(st));
}

static int sq_col_count(zdb_stmt *st)
{
    return sqlite3_column_count(SS(st));
}

static int sq_col_is_null(zdb_stmt *st, int col)
{
    return sqlite3_column_type(SS(st), col) == SQLITE_NULL;
}

static int64_t sq_col_int64(zdb_stmt *st, int col)
{
    return sqlite3_column_int64(SS(st), col);
}

static const char *sq_col_text(zdb_stmt *st, int col)
{
    return (const char *)sqlite3_column_text(SS(st), col);
}

static const void *sq_col_blob(zdb_stmt *st, int col, size_t *len)
{
    const void *p = sqlite3_column_blob(SS(st), col);
    int n = sqlite3_column_bytes(SS(st), col);
    *len = p && n > 0 ? (size_t)n : 0;
    return p;
}

static int64_t sq_changes(zdb *db)
{
#if SQLITE_VERSION_NUMBER >= 3037000
    return sqlite3_changes64(SQ(db)->h);
#else
    return sqlite3_changes(SQ(db)->h);
#endif
}

static int64_t sq_last_insert_id(zdb *db)
{
    return sqlite3_last_insert_rowid(SQ(db)->h);
}

static void sq_close(zdb *db)
{
    struct sq *q = SQ(db);
    if (!q)
        return;
    sq_release(db);
    sqlite3_close_v2(q->h);
    free(q);
    db->impl = NULL;
}

static const struct zdb_ops sqlite_ops = {
    .dialect = ZDB_SQLITE,
    .close = sq_close,
    .exec = sq_exec,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .prepare = sq_prepare,
    .finalize = sq_finalize,
    .step = sq_step,
    .reset = sq_reset,
    .col_count = sq_col_count,
    .col_is_null = sq_col_is_null,
    .col_int64 = sq_col_int64,
    .col_text = sq_col_text,
    .col_blob = sq_col_blob,
    .changes = sq_changes,
    .last_insert_id = sq_last_insert_id,
};

int zdb__sqlite_open(zdb *db, const char *path, char *err, size_t errsz)
{
    struct sq *q = calloc(1, sizeof(*q));
    if (!q) {
        zc_errf(err, errsz, "out of memory");
        return ZKBIO_ENOMEM;
    }
    int rc = sqlite3_open_v2(
        path, &q->h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        zc_errf(err, errsz, "sqlite: cannot open %s: %s", path,
                q->h ? sqlite3_errmsg(q->h) : sqlite3_errstr(rc));
        sqlite3_close_v2(q->h);
        free(q);
        return rc == SQLITE_BUSY || rc == SQLITE_LOCKED ? ZKBIO_EUNAVAIL : ZKBIO_EDB;
    }
    sqlite3_extended_result_codes(q->h, 1);
    sqlite3_busy_timeout(q->h, 10000);
    db->ops = &sqlite_ops;
    db->impl = q;
    /* journal_mode answers with the mode in effect ("memory" for :memory:); WAL is best effort
     * elsewhere too (e.g. a filesystem without shared memory), the other settings must take. */
    rc = sq_exec(db, "PRAGMA journal_mode=WAL");
    if (rc == 0)
        rc = sq_exec(db, "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON");
    if (rc != 0) {
        zc_errf(err, errsz, "%s", db->errmsg);
        sq_close(db);
        db->ops = NULL;
        return rc;
    }
    return 0;
}
