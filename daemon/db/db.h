/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file db.h
 * @brief zkbiod's thin SQL driver layer: one API over SQLite and MariaDB Connector/C.
 *
 * The store (daemon/store/) writes its logic once against this layer; only SQL text that differs
 * between the dialects is chosen with zdb_dialect_of(). Placeholders are `?`; parameters are
 * 1-based, columns 0-based.
 *
 * Threading: a `zdb` connection and its statements belong to one thread at a time (the store keeps
 * one per worker thread). zdb_open()/zdb_close() may run on any thread.
 *
 * Errors are zkbio_error codes: ZKBIO_EDB for SQL/constraint errors, ZKBIO_EUNAVAIL for transient
 * conditions the caller should report as "retry later" (server gone and not recoverable now,
 * deadlock, lock wait timeout, SQLITE_BUSY/SQLITE_LOCKED after the busy timeout), ZKBIO_EEXIST for
 * a unique-key violation (SQLite UNIQUE or PRIMARY KEY, MariaDB 1062), ZKBIO_EINVAL for misuse,
 * ZKBIO_ENOMEM. After ZKBIO_EUNAVAIL inside a transaction, roll back and retry the whole
 * transaction. zdb_errmsg() gives the driver's text of the last error (never contains bound values
 * or passwords).
 *
 * Global state (the only two pieces): SQLite's process-wide writer lock (see zdb_begin()) and
 * MariaDB's mysql_library_init() once-flag (run on the first mariadb zdb_open()).
 */
#ifndef ZKBIOD_DB_H
#define ZKBIOD_DB_H

#include <stddef.h>
#include <stdint.h>

typedef struct zdb zdb;
typedef struct zdb_stmt zdb_stmt;

typedef enum zdb_dialect { ZDB_SQLITE = 1, ZDB_MARIADB = 2 } zdb_dialect;

/** zdb_step() results besides errors. */
#define ZDB_DONE 0
#define ZDB_ROW  1

/**
 * Open a connection. URIs:
 *  - `sqlite:PATH` (file, created if missing; WAL mode, synchronous=FULL, busy timeout 10 s,
 *    foreign keys on), `sqlite::memory:` (private in-memory database, for tests);
 *  - `mariadb://USER[:PASS]@[HOST][:PORT]/DB` with optional `?socket=/path/to.sock` (utf8mb4,
 *    connect/read/write timeouts 10 s, autocommit outside transactions, session
 *    innodb_lock_wait_timeout=5 so lock waits end in ZKBIO_EUNAVAIL before the read timeout).
 *    PORT defaults to 3306; HOST may be an IPv6 literal (`[::1]`) or empty (localhost). With
 *    `?socket=` the connection goes through that Unix socket and HOST/PORT are ignored.
 *    Percent-escapes in USER, PASS, DB and the socket path are decoded; '@', ':', '/', '?' and '%'
 *    in USER or PASS must be escaped. The password is never logged or echoed in err.
 *
 * On failure *out is NULL, a NUL-terminated message is written into err (errsz bytes; err may be
 * NULL when errsz is 0) and the result is ZKBIO_EUNAVAIL (server unreachable, too many
 * connections), ZKBIO_EINVAL (bad URI; also for a bad mariadb URI when MariaDB is not built),
 * ZKBIO_ENOTSUP (backend not built), ZKBIO_EDB (cannot open the file; MariaDB access denied or
 * unknown database) or ZKBIO_ENOMEM.
 */
int zdb_open(const char *uri, zdb **out, char *err, size_t errsz);

/**
 * Close a connection and every statement prepared on it (rolling back an open transaction); NULL is
 * accepted.
 */
void zdb_close(zdb *db);

zdb_dialect zdb_dialect_of(const zdb *db);

/**
 * Run SQL without parameters; may hold several `;`-separated statements (migrations). Result rows
 * are discarded. Stops at the first failing statement (earlier ones stay executed, as in
 * autocommit). zdb_changes() then reports the last statement that ran.
 */
int zdb_exec(zdb *db, const char *sql);

/**
 * Start a write transaction; ZKBIO_EINVAL if one is already open on this connection.
 * SQLite: `BEGIN IMMEDIATE` after taking a process-wide writer lock (documented global state:
 * SQLite has one writer at a time anyway, and the lock lets waiting writers sleep on a condition
 * variable instead of the busy handler's sleep-and-retry). The lock is held until
 * zdb_commit()/zdb_rollback()/zdb_close(), is shared by all SQLite files of the process and is
 * re-entrant per thread (a thread holding a transaction on another connection does not deadlock
 * itself; on the same file its second BEGIN fails with ZKBIO_EUNAVAIL after the busy timeout).
 * MariaDB: START TRANSACTION (REPEATABLE READ; use SELECT ... FOR UPDATE to lock rows). A
 * connection lost earlier is reconnected first.
 */
int zdb_begin(zdb *db);
/**
 * Commit. Whatever the result, the transaction is over afterwards (zdb_in_tx() is 0): a failed
 * commit has been rolled back. ZKBIO_EINVAL without an open transaction. SQLite: with
 * synchronous=FULL the commit is on disk when this returns 0. MariaDB: ZKBIO_EUNAVAIL when the
 * connection was lost or the server rolled the transaction back (deadlock) — nothing was committed.
 */
int zdb_commit(zdb *db);
/**
 * Roll back; always leaves the connection usable (or marked for reconnect). Returns 0 (also when no
 * transaction is open, or when the connection was lost: the server discarded the transaction) or an
 * error.
 */
int zdb_rollback(zdb *db);
/** 1 while a transaction started by zdb_begin() is open. */
int zdb_in_tx(const zdb *db);

/**
 * Return a prepared statement for `sql`, cached on the connection by the string's *address* (pass
 * string literals / static SQL), reset and with bindings cleared. The connection owns it: never
 * finalize it yourself. Preparing the same address again returns the same statement (rewound, even
 * if it was mid-way through rows). The text is compared on a hit, so a reused buffer holding
 * different SQL is re-prepared, not mixed up. One statement per call (several are ZKBIO_EINVAL on
 * SQLite, a syntax error on MariaDB); on failure *out is NULL and nothing is cached. On MariaDB,
 * statements are re-prepared transparently after a reconnect.
 */
int zdb_prepare(zdb *db, const char *sql, zdb_stmt **out);

/*
 * Binding: idx outside 1..parameter count is ZKBIO_EINVAL. Unbound parameters are NULL. Binding
 * after zdb_step() rewinds the statement (other bindings are kept), so the next step executes it
 * again with the new values.
 */
int zdb_bind_int64(zdb_stmt *st, int idx, int64_t v);
/** Bind text of `len` bytes (-1 = strlen; other negative lengths are ZKBIO_EINVAL). The bytes are
 * copied. NULL binds SQL NULL. */
int zdb_bind_text(zdb_stmt *st, int idx, const char *s, ptrdiff_t len);
/** Bind a blob (copied). NULL with len 0 binds an empty blob (not NULL); NULL with len > 0 is
 * ZKBIO_EINVAL. */
int zdb_bind_blob(zdb_stmt *st, int idx, const void *p, size_t len);
int zdb_bind_null(zdb_stmt *st, int idx);

/**
 * Execute / fetch the next row: ZDB_ROW when a row is available, ZDB_DONE when finished, or an
 * error. For statements without results the first call returns ZDB_DONE. Once it has returned
 * ZDB_DONE or an error, the statement is finished: further calls return ZDB_DONE (never a second
 * execution) until zdb_reset(), zdb_prepare() or a new binding. MariaDB buffers the whole result on
 * the client at the first call, so other statements may run on the connection while rows are being
 * read. Outside a transaction, when the MariaDB server has gone away (2006/2013, killed connection)
 * the driver reconnects, re-prepares, rebinds and executes once more; if the first attempt had in
 * fact reached the server, the statement may run twice (design writes to be idempotent). Inside a
 * transaction it returns ZKBIO_EUNAVAIL instead and the next zdb_begin() reconnects.
 */
int zdb_step(zdb_stmt *st);

/**
 * Column accessors for the current row (0-based). NULL columns, columns out of range and calls
 * without a current row read as 0 / "" / empty blob (zdb_col_is_null() gives 1). Text of integer
 * columns is their decimal form; integers of text columns are parsed (strtoll on MariaDB, SQLite's
 * conversion rules).
 */
int64_t zdb_col_int64(zdb_stmt *st, int col);
/** NUL-terminated text, valid until the next zdb_step()/zdb_reset() of this statement. */
const char *zdb_col_text(zdb_stmt *st, int col);
/** Blob bytes and length (never NULL; len may be NULL), valid until the next
 * zdb_step()/zdb_reset(). */
const void *zdb_col_blob(zdb_stmt *st, int col, size_t *len);
int zdb_col_is_null(zdb_stmt *st, int col);
int zdb_col_count(zdb_stmt *st);

/** Finish using a statement early (discard remaining rows, clear bindings). Safe to call after
 * ZDB_DONE. */
void zdb_reset(zdb_stmt *st);

/**
 * Rows changed by the last INSERT/UPDATE/DELETE on this connection (SELECTs leave it alone). UPDATE
 * counts the rows matched, even when their values did not change, on both backends (MariaDB
 * connects with CLIENT_FOUND_ROWS). INSERT IGNORE / INSERT OR IGNORE of an existing key counts 0.
 * Upserts differ: MariaDB's ON DUPLICATE KEY UPDATE counts 2 for a changed row (1 if unchanged),
 * SQLite's ON CONFLICT DO UPDATE counts 1.
 */
int64_t zdb_changes(zdb *db);
/** Id generated by the last INSERT into an auto-increment table on this connection (kept until the
 * next one). */
int64_t zdb_last_insert_id(zdb *db);

/**
 * Driver message of the last failed call on this connection ("" if none yet; successful calls do
 * not clear it, so it can be read after a zdb_rollback()). Valid until the next call. Values the
 * server quotes from bound parameters (e.g. MariaDB's "Duplicate entry '...'") are replaced by '?'.
 */
const char *zdb_errmsg(const zdb *db);

/**
 * 1 when the last error on this connection was a deadlock or a lock wait timeout (MariaDB
 * 1213/1205): roll back and run the whole transaction again. 0 otherwise (a lost server; SQLite,
 * whose busy timeout already waited).
 */
int zdb_retryable(const zdb *db);

/* --- one-shot statements
 * ------------------------------------------------------------------------------------------- */

/*
 * Prepare (through the statement cache: `sql` must be a string literal or other static text, as for
 * zdb_prepare()), bind, execute and reset in one call. `fmt` has one letter per `?`, in order:
 *   'i' int          'l' int64_t        's' const char * (text; NULL binds SQL NULL)
 *   'b' const void *, size_t (blob)     'n' SQL NULL (takes no argument)
 * NULL or "" = no parameters. A letter outside this list, or a count that does not match the
 * statement, is ZKBIO_EINVAL. Errors are those of zdb_prepare()/zdb_step().
 */

/** Run a statement and discard any rows. zdb_changes() then tells how many rows it changed. */
int zdb_run(zdb *db, const char *sql, const char *fmt, ...);

/**
 * Run a query and read the first column of its first row into *out (later rows are ignored).
 * ZKBIO_ENOENT when there is no row (*out is then left alone, so it can hold a default).
 */
int zdb_query_int64(zdb *db, const char *sql, int64_t *out, const char *fmt, ...);

/**
 * The same for text: the first column of the first row, NUL-terminated, into out (outsz bytes,
 * truncated to fit). ZKBIO_ENOENT when there is no row (out is left alone).
 */
int zdb_query_text(zdb *db, const char *sql, char *out, size_t outsz, const char *fmt, ...);

/* --- migrations
 * ---------------------------------------------------------------------------------------------- */

/** One schema step, generated at build time from daemon/db/migrations/NNNN_name.sql
 * (daemon/db/embed_migrations.py; the dialect rule is in daemon/db/migrations/README.md). */
typedef struct zdb_migration {
    int version;             /**< NNNN: 1, 2, ... in order */
    const char *name;        /**< the file name's rest ("init") */
    const char *sqlite_sql;  /**< several `;`-terminated statements */
    const char *mariadb_sql; /**< the same for MariaDB */
} zdb_migration;

/** zkbiod's schema: every file of daemon/db/migrations/, in order. */
extern const zdb_migration zdb_schema_migrations[];
extern const size_t zdb_schema_migration_count;

/**
 * Bring the database to the last version of `list` (n steps, list[i].version == i + 1): create the
 * table `schema_version (version INTEGER NOT NULL)` if missing, then run every step whose version
 * is above the stored one, each with the update of schema_version in one transaction (MariaDB
 * commits DDL implicitly: the steps use IF NOT EXISTS, so a step cut short is completed on the
 * next start). *version (may be NULL) receives the version reached. A database newer than the list
 * is refused with ZKBIO_EDB. On failure a message is written to err (errsz bytes).
 */
int zdb_migrate(zdb *db, const zdb_migration *list, size_t n, int64_t *version, char *err,
                size_t errsz);

#endif /* ZKBIOD_DB_H */
