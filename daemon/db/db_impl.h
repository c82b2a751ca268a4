/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file db_impl.h
 * @brief Private to daemon/db/: the backend vtable and the structures shared by db.c and the
 * backends.
 *
 * db.c owns the connection object, the statement cache (keyed by the SQL string's address), the
 * parameter values (copied at bind time and applied by the backend when a statement is executed, so
 * a backend can re-apply them after a reconnect), the statement state machine and the error text. A
 * backend provides one `zdb_ops`.
 */
#ifndef ZKBIOD_DB_IMPL_H
#define ZKBIOD_DB_IMPL_H

#include <stdarg.h>

#include "zkbio/error.h"

#include "core.h" /* zc_errf, zc_dburi */
#include "db.h"

/** Kinds of bound parameter values. Unbound parameters are NULL. */
enum zdb_ptype { ZDB_P_NULL = 0, ZDB_P_INT, ZDB_P_TEXT, ZDB_P_BLOB };

struct zdb_param {
    enum zdb_ptype type;
    int64_t i;
    char *buf; /**< text/blob bytes (text is NUL-terminated too); never NULL for TEXT/BLOB */
    size_t len;
    size_t cap;
};

/** Where a statement is between zdb_prepare() and zdb_reset(). */
enum zdb_sstate {
    ZDB_S_FRESH =
        0, /**< not executed since the last reset; the next step executes with the bound params */
    ZDB_S_ROW,  /**< executed, positioned on a row */
    ZDB_S_DONE, /**< executed and finished (or failed); further steps return ZDB_DONE */
};

struct zdb_stmt {
    zdb *db;
    const char *key;          /**< the caller's SQL pointer (cache key) */
    char *sql;                /**< private copy of the text, compared on a cache hit */
    zdb_stmt *next;           /**< hash chain */
    int nparams;              /**< set by the backend's prepare */
    struct zdb_param *params; /**< nparams entries */
    enum zdb_sstate state;
    void *impl; /**< backend statement */
};

struct zdb_ops {
    zdb_dialect dialect;
    void (*close)(zdb *db); /**< free db->impl; cached statements are already finalized */
    int (*exec)(zdb *db, const char *sql);
    int (*begin)(zdb *db);    /**< db.c checks !in_tx and sets in_tx on success */
    int (*commit)(zdb *db);   /**< db.c clears in_tx afterwards, whatever the result */
    int (*rollback)(zdb *db); /**< likewise */
    /** Create st->impl for st->sql and set st->nparams. On failure st->impl stays NULL. */
    int (*prepare)(zdb_stmt *st);
    void (*finalize)(zdb_stmt *st);
    /** FRESH: execute with st->params, then like ROW. ROW: advance. Returns ZDB_ROW, ZDB_DONE or an
     * error. */
    int (*step)(zdb_stmt *st);
    /** Discard the result of an executed statement (state is ROW or DONE). */
    void (*reset)(zdb_stmt *st);
    int (*col_count)(zdb_stmt *st);
    /* Column accessors: only called in state ROW with 0 <= col < col_count. */
    int (*col_is_null)(zdb_stmt *st, int col);
    int64_t (*col_int64)(zdb_stmt *st, int col);
    const char *(*col_text)(zdb_stmt *st, int col);
    const void *(*col_blob)(zdb_stmt *st, int col, size_t *len);
    int64_t (*changes)(zdb *db);
    int64_t (*last_insert_id)(zdb *db);
};

struct zdb {
    const struct zdb_ops *ops;
    int in_tx;
    zdb_stmt **buckets; /**< statement cache: chained hash on the SQL pointer */
    size_t nbuckets;
    size_t nstmts;
    char errmsg[512];
    int retryable; /**< last error was a deadlock / lock wait timeout / busy: retry the transaction
                    */
    void *impl;    /**< backend connection */
};

/* --- helpers in db.c
 * ------------------------------------------------------------------------------------- */

/** printf into db->errmsg (truncating). */
void zdb__set_err(zdb *db, const char *fmt, ...) ZC_PRINTF(2, 3);
/** Call fn on every cached statement of db. */
void zdb__foreach_stmt(zdb *db, void (*fn)(zdb_stmt *st, void *arg), void *arg);

/* --- backends
 * -------------------------------------------------------------------------------------------- */

/** Open `path` (":memory:" for a private in-memory database); fills db->ops and db->impl. */
int zdb__sqlite_open(zdb *db, const char *path, char *err, size_t errsz);

#ifdef ZKBIOD_HAVE_MARIADB
int zdb__mariadb_open(zdb *db, const zc_dburi *uri, char *err, size_t errsz);
#endif

#endif /* ZKBIOD_DB_IMPL_H */
