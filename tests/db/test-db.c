/* SPDX-License-Identifier: Apache-2.0 */
/*
 * zdb driver tests: the same checks against whichever backend the URI names.
 *
 *   test-db sqlite:tmp            a fresh temporary SQLite file (removed afterwards)
 *   test-db sqlite:PATH           that file
 *   test-db sqlite::memory:       private in-memory database (multi-connection checks skipped)
 *   test-db mariadb://...         a MariaDB server (tests/support/mariadb.sh run starts a throwaway
 * one); adds the reconnect checks (KILL) and, last, a server SHUTDOWN (needs the SHUTDOWN grant)
 *
 * Environment: ZKBIO_TEST_MARIADB_SOCKET=PATH also checks `?socket=` URIs.
 * Prints "N passed, M failed"; exit status 0 only when nothing failed.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "zkbio/error.h"

#include "db.h"

#include "../support/test.h"

/* rc must equal want; shows both and the connection's message on failure. */
#define CHECK_RC(db, expr, want)                                                                   \
    do {                                                                                           \
        int rc_ = (expr), want_ = (want);                                                          \
        CHECK_MSG(rc_ == want_, "%s == %s: got %d (%s), want %d; errmsg: %s", #expr, #want, rc_,   \
                  zkbio_error_name(rc_), want_, (db) ? zdb_errmsg(db) : "");                       \
    } while (0)

static const char *g_uri;
static int g_shared; /* connections opened on g_uri see the same data (not :memory:) */

static int dummy; /* its address stands for a pointer that must be overwritten */

/* rc must equal want; shows both and the connection's message on failure. */
static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static zdb *open_db(void)
{
    zdb *db = NULL;
    char err[256];
    int rc = zdb_open(g_uri, &db, err, sizeof(err));
    if (rc != 0) {
        fprintf(stderr, "zdb_open failed: %d %s\n", rc, err);
        return NULL;
    }
    return db;
}

static int is_maria(zdb *db)
{
    return zdb_dialect_of(db) == ZDB_MARIADB;
}

/* Run a one-row, one-integer-column query; -1000001 on any failure. */
static int64_t query_int(zdb *db, const char *sql)
{
    zdb_stmt *q;
    if (zdb_prepare(db, sql, &q) != 0)
        return -1000001;
    int64_t v = -1000001;
    if (zdb_step(q) == ZDB_ROW)
        v = zdb_col_int64(q, 0);
    zdb_reset(q);
    return v;
}

/* Same with SQL built at run time as PREFIX + decimal ARG (the cache is keyed by address, and this
 * one buffer is reused with changing text: see test_cache). */
static int64_t query_int_dyn(zdb *db, const char *prefix, int64_t arg)
{
    static _Thread_local char buf[256];
    snprintf(buf, sizeof(buf), "%s%" PRId64, prefix, arg);
    return query_int(db, buf);
}

/* --- URIs
 * ----------------------------------------------------------------------------------------------------
 */

static void test_bad_uris(void)
{
    static const char *const bad[] = {
        "",
        "bogus",
        "sqlite:",
        "postgres://u:s3cr3tpw@h/db",
        "mariadb://",
        "mariadb://host/db",
        "mariadb://:s3cr3tpw@host/db",
        "mariadb://u:s3cr3tpw@host",
        "mariadb://u:s3cr3tpw@host/",
        "mariadb://u:s3cr3tpw@host:/db",
        "mariadb://u:s3cr3tpw@host:0/db",
        "mariadb://u:s3cr3tpw@host:70000/db",
        "mariadb://u:s3cr3tpw@host:12ab/db",
        "mariadb://u:s3cr3tpw%zz@host/db",
        "mariadb://u:s3cr3tpw%4@host/db",
        "mariadb://u:s3cr3tpw%00@host/db",
        "mariadb://u:s3cr3tpw@[::1/db",
        "mariadb://u:s3cr3tpw@[]:3306/db",
        "mariadb://u:s3cr3tpw@host/db?sock=/x",
        "mariadb://u:s3cr3tpw@host/db?socket=/a&socket=/b",
        "mariadb://u:s3cr3tpw@host/db/extra",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        zdb *db = (zdb *)&dummy; /* must be overwritten with NULL */
        char err[200] = "unchanged";
        int rc = zdb_open(bad[i], &db, err, sizeof(err));
        CHECK_MSG(rc == ZKBIO_EINVAL, "%s", bad[i]);
        if (rc != ZKBIO_EINVAL)
            fprintf(stderr, "    %s -> %d (%s)\n", bad[i], rc, err);
        CHECK(db == NULL);
        CHECK(strcmp(err, "unchanged") != 0 && err[0] != '\0');
        CHECK(strstr(err, "s3cr3tpw") == NULL);
        if (rc == 0)
            zdb_close(db);
    }
    zdb *db = NULL;
    CHECK_RC(NULL, zdb_open(NULL, &db, NULL, 0), ZKBIO_EINVAL);
    CHECK_RC(NULL, zdb_open("sqlite::memory:", NULL, NULL, 0), ZKBIO_EINVAL);
    char err[200];
    CHECK_RC(NULL, zdb_open("sqlite:/nonexistent-zkbio-dir/x/y.db", &db, err, sizeof(err)),
             ZKBIO_EDB);
    CHECK(db == NULL && strstr(err, "y.db") != NULL);
    /* err may be NULL/0. */
    CHECK_RC(NULL, zdb_open("bogus", &db, NULL, 0), ZKBIO_EINVAL);

    /* Well-formed MariaDB URIs of unreachable servers: transient, and the password is never echoed.
     */
    static const char *const unreachable[] = {
        "mariadb://zk%40u:s3cr3tpw@127.0.0.1:1/db",
        "mariadb://u:s3cr3tpw@[::1]:1/db",
        "mariadb://u:s3cr3tpw@/db?socket=/nonexistent-zkbio-dir/mysqld.sock",
    };
    for (size_t i = 0; i < sizeof(unreachable) / sizeof(unreachable[0]); i++) {
        err[0] = '\0';
        int rc = zdb_open(unreachable[i], &db, err, sizeof(err));
#ifdef ZKBIOD_HAVE_MARIADB
        CHECK_MSG(rc == ZKBIO_EUNAVAIL, "%s", unreachable[i]);
#else
        CHECK_MSG(rc == ZKBIO_ENOTSUP, "%s", unreachable[i]);
#endif
        if (rc == 0)
            zdb_close(db);
        else
            fprintf(stderr, "    (expected) %s -> %s: %s\n", unreachable[i], zkbio_error_name(rc),
                    err);
        CHECK(err[0] != '\0' && strstr(err, "s3cr3tpw") == NULL);
    }
    zdb_close(NULL); /* accepted */
}

/* --- schema
 * ------------------------------------------------------------------------------------------------
 */

static int create_tables(zdb *db)
{
    const char *sqlite_ddl =
        "DROP TABLE IF EXISTS zt_types; DROP TABLE IF EXISTS zt_kv; DROP TABLE IF EXISTS zt_thr;\n"
        "CREATE TABLE zt_types (id INTEGER PRIMARY KEY AUTOINCREMENT, i INTEGER, t TEXT, b BLOB);\n"
        "CREATE TABLE zt_kv (k VARCHAR(64) NOT NULL PRIMARY KEY, v INTEGER NOT NULL);\n"
        "CREATE TABLE zt_thr (id INTEGER PRIMARY KEY AUTOINCREMENT, thr INTEGER NOT NULL, n "
        "INTEGER NOT NULL,"
        " UNIQUE (thr, n))";
    const char *mariadb_ddl =
        "DROP TABLE IF EXISTS zt_types; DROP TABLE IF EXISTS zt_kv; DROP TABLE IF EXISTS zt_thr;\n"
        "CREATE TABLE zt_types (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, i BIGINT, t TEXT, b "
        "LONGBLOB)"
        " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;\n"
        "CREATE TABLE zt_kv (k VARCHAR(64) NOT NULL PRIMARY KEY, v BIGINT NOT NULL) ENGINE=InnoDB"
        " DEFAULT CHARSET=utf8mb4;\n"
        "CREATE TABLE zt_thr (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, thr BIGINT NOT NULL,"
        " n BIGINT NOT NULL, UNIQUE KEY thr_n (thr, n)) ENGINE=InnoDB";
    return zdb_exec(db, is_maria(db) ? mariadb_ddl : sqlite_ddl);
}

/* --- values
 * ------------------------------------------------------------------------------------------------
 */

static const char utf8_text[] =
    "h\xc3\xa9llo \xe2\x9c\x93 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80 end";

static void test_types(zdb *db)
{
    static const char ins[] = "INSERT INTO zt_types (i, t, b) VALUES (?, ?, ?)";
    static const char sel[] = "SELECT i, t, b, id FROM zt_types WHERE id = ?";
    const unsigned char nul_blob[] = {0, 1, 0, 255, 0, 'x', 0};
    size_t big_len = 1024 * 1024;
    unsigned char *big = malloc(big_len);
    if (!big) {
        CHECK(!"malloc");
        return;
    }
    for (size_t i = 0; i < big_len; i++)
        big[i] = (unsigned char)(i * 131 + (i >> 9));

    zdb_stmt *q;
    int64_t ids[5] = {0};
    /* row 0: big int, UTF-8, blob with NULs */
    CHECK_RC(db, zdb_prepare(db, ins, &q), 0);
    CHECK(zdb_col_count(q) == 0);
    CHECK_RC(db, zdb_bind_int64(q, 1, INT64_MAX), 0);
    CHECK_RC(db, zdb_bind_text(q, 2, utf8_text, -1), 0);
    CHECK_RC(db, zdb_bind_blob(q, 3, nul_blob, sizeof(nul_blob)), 0);
    CHECK_RC(db, zdb_bind_int64(q, 4, 1), ZKBIO_EINVAL); /* out of range */
    CHECK_RC(db, zdb_bind_null(q, 0), ZKBIO_EINVAL);
    CHECK(zdb_errmsg(db)[0] != '\0');
    CHECK_RC(db, zdb_step(q), ZDB_DONE);
    CHECK(zdb_changes(db) == 1);
    ids[0] = zdb_last_insert_id(db);
    CHECK(ids[0] > 0);
    CHECK_RC(db, zdb_step(q), ZDB_DONE); /* finished: not executed again */
    zdb_reset(q);

    /* row 1: minimum int, empty text, empty blob (NULL pointer, length 0) */
    CHECK_RC(db, zdb_prepare(db, ins, &q), 0);
    CHECK_RC(db, zdb_bind_int64(q, 1, INT64_MIN), 0);
    CHECK_RC(db, zdb_bind_text(q, 2, "", 0), 0);
    CHECK_RC(db, zdb_bind_blob(q, 3, NULL, 0), 0);
    CHECK_RC(db, zdb_bind_blob(q, 3, NULL, 5), ZKBIO_EINVAL);
    CHECK_RC(db, zdb_bind_blob(q, 3, NULL, 0), 0);
    CHECK_RC(db, zdb_step(q), ZDB_DONE);
    zdb_reset(q);
    ids[1] = zdb_last_insert_id(db);
    CHECK(ids[1] > ids[0]);

    /* row 2: NULLs (bind_null, bind_text(NULL), and a parameter left unbound) */
    CHECK_RC(db, zdb_prepare(db, ins, &q), 0);
    CHECK_RC(db, zdb_bind_null(q, 1), 0);
    CHECK_RC(db, zdb_bind_text(q, 2, NULL, 5), 0);
    CHECK_RC(db, zdb_step(q), ZDB_DONE);
    zdb_reset(q);
    ids[2] = zdb_last_insert_id(db);

    /* row 3: 1 MB blob, text with explicit length (not NUL-terminated at len) */
    CHECK_RC(db, zdb_prepare(db, ins, &q), 0);
    CHECK_RC(db, zdb_bind_int64(q, 1, -1), 0);
    CHECK_RC(db, zdb_bind_text(q, 2, "abcdef", 3), 0);
    CHECK_RC(db, zdb_bind_blob(q, 3, big, big_len), 0);
    CHECK_RC(db, zdb_step(q), ZDB_DONE);
    zdb_reset(q);
    ids[3] = zdb_last_insert_id(db);

    /* row 4: text with an embedded NUL stored as text is cut at the NUL by col_text but whole as a
     * blob */
    CHECK_RC(db, zdb_prepare(db, ins, &q), 0);
    CHECK_RC(db, zdb_bind_int64(q, 1, (int64_t)1 << 40), 0);
    CHECK_RC(db, zdb_bind_text(q, 2, "ab\0cd", 5), 0);
    CHECK_RC(db, zdb_bind_blob(q, 3, "", 0), 0);
    CHECK_RC(db, zdb_step(q), ZDB_DONE);
    zdb_reset(q);
    ids[4] = zdb_last_insert_id(db);
    CHECK(ids[4] == ids[3] + 1);

    size_t n;
    const unsigned char *b;
    CHECK_RC(db, zdb_prepare(db, sel, &q), 0);
    CHECK(zdb_col_count(q) == 4);
    CHECK_RC(db, zdb_bind_int64(q, 1, ids[0]), 0);
    CHECK_RC(db, zdb_step(q), ZDB_ROW);
    CHECK(zdb_col_int64(q, 0) == INT64_MAX);
    CHECK(strcmp(zdb_col_text(q, 0), "9223372036854775807") == 0);
    CHECK(strcmp(zdb_col_text(q, 1), utf8_text) == 0);
    b = zdb_col_blob(q, 2, &n);
    CHECK(n == sizeof(nul_blob) && memcmp(b, nul_blob, n) == 0);
    CHECK(zdb_col_int64(q, 3) == ids[0]);
    CHECK(!zdb_col_is_null(q, 0) && !zdb_col_is_null(q, 1) && !zdb_col_is_null(q, 2));
    /* out-of-range columns read as NULL */
    CHECK(zdb_col_int64(q, 4) == 0 && strcmp(zdb_col_text(q, -1), "") == 0 &&
          zdb_col_is_null(q, 9));
    b = zdb_col_blob(q, 7, &n);
    CHECK(b != NULL && n == 0);
    CHECK_RC(db, zdb_step(q), ZDB_DONE);
    CHECK(strcmp(zdb_col_text(q, 1), "") == 0); /* no current row */
    CHECK_RC(db, zdb_step(q), ZDB_DONE);

    /* rebinding after a step starts the statement over */
    CHECK_RC(db, zdb_bind_int64(q, 1, ids[1]), 0);
    CHECK_RC(db, zdb_step(q), ZDB_ROW);
    CHECK(zdb_col_int64(q, 0) == INT64_MIN);
    CHECK(strcmp(zdb_col_text(q, 0), "-9223372036854775808") == 0);
    CHECK(strcmp(zdb_col_text(q, 1), "") == 0 && !zdb_col_is_null(q, 1));
    b = zdb_col_blob(q, 2, &n);
    CHECK(b != NULL && n == 0 && !zdb_col_is_null(q, 2));

    CHECK_RC(db, zdb_bind_int64(q, 1, ids[2]), 0);
    CHECK_RC(db, zdb_step(q), ZDB_ROW);
    CHECK(zdb_col_is_null(q, 0) && zdb_col_is_null(q, 1) && zdb_col_is_null(q, 2));
    CHECK(zdb_col_int64(q, 0) == 0 && strcmp(zdb_col_text(q, 1), "") == 0);
    b = zdb_col_blob(q, 2, &n);
    CHECK(b != NULL && n == 0);

    CHECK_RC(db, zdb_bind_int64(q, 1, ids[3]), 0);
    CHECK_RC(db, zdb_step(q), ZDB_ROW);
    CHECK(zdb_col_int64(q, 0) == -1 && strcmp(zdb_col_text(q, 1), "abc") == 0);
    b = zdb_col_blob(q, 2, &n);
    CHECK(n == big_len && b && memcmp(b, big, big_len) == 0);
    zdb_reset(q);

    CHECK_RC(db, zdb_prepare(db, sel, &q), 0);
    CHECK_RC(db, zdb_bind_int64(q, 1, ids[4]), 0);
    CHECK_RC(db, zdb_step(q), ZDB_ROW);
    CHECK(zdb_col_int64(q, 0) == (int64_t)1 << 40);
    CHECK(strcmp(zdb_col_text(q, 1), "ab") == 0);
    b = zdb_col_blob(q, 1, &n);
    CHECK(n == 5 && memcmp(b, "ab\0cd", 5) == 0);
    zdb_reset(q);

    /* after zdb_reset the bindings are cleared: the parameter is NULL and matches nothing */
    CHECK_RC(db, zdb_prepare(db, sel, &q), 0);
    CHECK_RC(db, zdb_step(q), ZDB_DONE);
    zdb_reset(q);
    zdb_reset(q); /* twice is fine */
    zdb_reset(NULL);

    /* several rows, in order, and text read from an integer column and back */
    static const char sel_all[] = "SELECT id, t FROM zt_types ORDER BY id";
    CHECK_RC(db, zdb_prepare(db, sel_all, &q), 0);
    int rows = 0, ordered = 1;
    int64_t last = 0;
    while (zdb_step(q) == ZDB_ROW) {
        int64_t id = zdb_col_int64(q, 0);
        ordered &= id > last;
        last = id;
        rows++;
    }
    CHECK(rows == 5 && ordered);
    zdb_reset(q);
    /* other column types come back as text (MariaDB: DATETIME, DECIMAL and DOUBLE through the
     * string binding) */
    CHECK_RC(db,
             zdb_prepare(db,
                         is_maria(db) ? "SELECT CAST('2024-01-02 03:04:05' AS DATETIME), "
                                        "CAST(3.25 AS DECIMAL(10,2)), 2.5e0, REPEAT('x', 3000), "
                                        "CAST(18446744073709551615 AS UNSIGNED)"
                                      : "SELECT '2024-01-02 03:04:05', '3.25', 2.5, "
                                        "printf('%.*c', 3000, 'x'), '18446744073709551615'",
                         &q),
             0);
    CHECK_RC(db, zdb_step(q), ZDB_ROW);
    CHECK(strcmp(zdb_col_text(q, 0), "2024-01-02 03:04:05") == 0);
    CHECK(strcmp(zdb_col_text(q, 1), "3.25") == 0 && zdb_col_int64(q, 1) == 3);
    CHECK(strcmp(zdb_col_text(q, 2), "2.5") == 0);
    CHECK(strlen(zdb_col_text(q, 3)) == 3000 && zdb_col_text(q, 3)[2999] == 'x');
    CHECK(strcmp(zdb_col_text(q, 4), "18446744073709551615") == 0);
    zdb_reset(q);
    CHECK(query_int(db, "SELECT '42'") == 42);
    CHECK(query_int(db, "SELECT 40 + 2") == 42);
    free(big);
}

/* --- statement cache
 * ------------------------------------------------------------------------------------- */

static void test_cache(zdb *db)
{
    static const char a[] = "SELECT COUNT(*) FROM zt_types";
    static const char b[] = "SELECT COUNT(*) FROM zt_types"; /* same text, other address */
    zdb_stmt *s1, *s2, *s3;
    CHECK_RC(db, zdb_prepare(db, a, &s1), 0);
    CHECK_RC(db, zdb_prepare(db, a, &s2), 0);
    CHECK_RC(db, zdb_prepare(db, b, &s3), 0);
    CHECK(s1 == s2);
    CHECK(s1 != s3);
    CHECK_RC(db, zdb_step(s1), ZDB_ROW);
    CHECK_RC(db, zdb_step(s3), ZDB_ROW); /* two statements open at once */
    CHECK(zdb_col_int64(s1, 0) == 5 && zdb_col_int64(s3, 0) == 5);
    /* prepare returns the cached statement reset even if it was left mid-way */
    CHECK_RC(db, zdb_prepare(db, a, &s2), 0);
    CHECK(s2 == s1);
    CHECK_RC(db, zdb_step(s2), ZDB_ROW);
    CHECK(zdb_col_int64(s2, 0) == 5);
    zdb_reset(s2);
    zdb_reset(s3);

    /* many statements: the cache grows and keeps returning the same objects */
    static char texts[200][48];
    zdb_stmt *stmts[200];
    int same = 1, values = 1;
    for (int i = 0; i < 200; i++) {
        snprintf(texts[i], sizeof(texts[i]), "SELECT %d", i);
        if (zdb_prepare(db, texts[i], &stmts[i]) != 0)
            same = 0;
    }
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 200; i++) {
            zdb_stmt *st;
            if (zdb_prepare(db, texts[i], &st) != 0 || st != stmts[i]) {
                same = 0;
                continue;
            }
            values &= zdb_step(st) == ZDB_ROW && zdb_col_int64(st, 0) == i;
            zdb_reset(st);
        }
    }
    CHECK(same);
    CHECK(values);

    /* same address, new text: the cache notices and prepares the new text */
    static char buf[64];
    snprintf(buf, sizeof(buf), "SELECT 1");
    CHECK(query_int(db, buf) == 1);
    snprintf(buf, sizeof(buf), "SELECT 2");
    CHECK(query_int(db, buf) == 2);
    CHECK(query_int_dyn(db, "SELECT ", 7) == 7);
    CHECK(query_int_dyn(db, "SELECT ", 8) == 8);

    /* reuse in a loop: one statement, 100 executions */
    static const char ins[] = "INSERT INTO zt_kv (k, v) VALUES (?, ?)";
    zdb_stmt *first = NULL;
    int ok = 1;
    for (int i = 0; i < 100; i++) {
        zdb_stmt *st;
        char k[32];
        snprintf(k, sizeof(k), "loop-%03d", i);
        ok &= zdb_prepare(db, ins, &st) == 0;
        if (!first)
            first = st;
        ok &= st == first;
        ok &= zdb_bind_text(st, 1, k, -1) == 0 && zdb_bind_int64(st, 2, i) == 0;
        ok &= zdb_step(st) == ZDB_DONE && zdb_changes(db) == 1;
        zdb_reset(st);
    }
    CHECK(ok);
    CHECK(query_int(db, "SELECT SUM(v) FROM zt_kv WHERE k LIKE 'loop-%'") == 4950);

    /* errors */
    zdb_stmt *bad = (zdb_stmt *)&dummy;
    CHECK_RC(db, zdb_prepare(db, "SELEC nonsense FROM", &bad), ZKBIO_EDB);
    CHECK(bad == NULL);
    CHECK(zdb_errmsg(db)[0] != '\0');
    CHECK_RC(db, zdb_prepare(db, "SELECT * FROM zt_no_such_table", &bad), ZKBIO_EDB);
    CHECK(zdb_prepare(db, "SELECT 1; SELECT 2", &bad) < 0);
    CHECK_RC(db, zdb_prepare(db, NULL, &bad), ZKBIO_EINVAL);
    CHECK_RC(db, zdb_prepare(NULL, "SELECT 1", &bad), ZKBIO_EINVAL);
    CHECK_RC(NULL, zdb_bind_int64(NULL, 1, 1), ZKBIO_EINVAL);
    CHECK_RC(NULL, zdb_step(NULL), ZKBIO_EINVAL);
    CHECK(zdb_col_count(NULL) == 0 && zdb_col_int64(NULL, 0) == 0 && zdb_col_is_null(NULL, 0));
    CHECK(strcmp(zdb_col_text(NULL, 0), "") == 0);
    CHECK(query_int(db, "SELECT 3") == 3); /* still usable */
}

/* --- changes, ids, constraint errors
 * --------------------------------------------------------------------- */

static void test_changes(zdb *db)
{
    CHECK_RC(db, zdb_exec(db, "DELETE FROM zt_kv"), 0);
    CHECK(zdb_changes(db) == 100);
    static const char ins[] = "INSERT INTO zt_kv (k, v) VALUES (?, ?)";
    const char *keys[] = {"a", "b", "c", "secret-dup-value-42"};
    for (int i = 0; i < 4; i++) {
        zdb_stmt *q;
        CHECK_RC(db, zdb_prepare(db, ins, &q), 0);
        zdb_bind_text(q, 1, keys[i], -1);
        zdb_bind_int64(q, 2, i);
        CHECK_RC(db, zdb_step(q), ZDB_DONE);
        zdb_reset(q);
    }
    int64_t id_before = zdb_last_insert_id(db);
    CHECK_RC(db, zdb_exec(db, "UPDATE zt_kv SET v = v + 10"), 0);
    CHECK(zdb_changes(db) == 4);
    /* UPDATE counts matched rows on both backends, even when the values do not change */
    CHECK_RC(db, zdb_exec(db, "UPDATE zt_kv SET v = v WHERE k IN ('a', 'b')"), 0);
    CHECK(zdb_changes(db) == 2);
    static const char del[] = "DELETE FROM zt_kv WHERE k = ?";
    zdb_stmt *q;
    CHECK_RC(db, zdb_prepare(db, del, &q), 0);
    zdb_bind_text(q, 1, "c", -1);
    CHECK_RC(db, zdb_step(q), ZDB_DONE);
    zdb_reset(q);
    CHECK(zdb_changes(db) == 1);
    CHECK_RC(db, zdb_prepare(db, del, &q), 0);
    zdb_bind_text(q, 1, "nope", -1);
    CHECK_RC(db, zdb_step(q), ZDB_DONE);
    zdb_reset(q);
    CHECK(zdb_changes(db) == 0);
    /* a SELECT does not change the counters */
    CHECK(query_int(db, "SELECT COUNT(*) FROM zt_kv") == 3);
    CHECK(zdb_changes(db) == 0);
    CHECK(zdb_last_insert_id(db) == id_before);

    /* unique violation: EEXIST, without the bound value in the message, connection still fine */
    CHECK_RC(db, zdb_prepare(db, ins, &q), 0);
    zdb_bind_text(q, 1, "secret-dup-value-42", -1);
    zdb_bind_int64(q, 2, 99);
    CHECK_RC(db, zdb_step(q), ZKBIO_EEXIST);
    CHECK(zdb_errmsg(db)[0] != '\0');
    CHECK(strstr(zdb_errmsg(db), "secret-dup-value-42") == NULL);
    fprintf(stderr, "    (expected) duplicate key message: %s\n", zdb_errmsg(db));
    CHECK_RC(db, zdb_step(q), ZDB_DONE); /* failed statements stay finished until reset */
    zdb_reset(q);
    /* the same through zdb_exec */
    CHECK_RC(db, zdb_exec(db, "INSERT INTO zt_kv (k, v) VALUES ('a', 1)"), ZKBIO_EEXIST);
    /* NOT NULL is a plain database error */
    CHECK_RC(db, zdb_prepare(db, ins, &q), 0);
    zdb_bind_text(q, 1, "null-v", -1);
    CHECK_RC(db, zdb_step(q), ZKBIO_EDB);
    zdb_reset(q);
    CHECK_RC(db, zdb_exec(db, "THIS IS NOT SQL"), ZKBIO_EDB);
    /* a multi-statement exec stops at the first error and leaves the connection usable */
    CHECK(zdb_exec(db, "UPDATE zt_kv SET v = 5 WHERE k = 'a'; INSERT INTO zt_nope VALUES (1); "
                       "UPDATE zt_kv SET v = 6 WHERE k = 'a'") == ZKBIO_EDB);
    CHECK(query_int(db, "SELECT v FROM zt_kv WHERE k = 'a'") == 5);
    CHECK(query_int(db, "SELECT COUNT(*) FROM zt_kv") == 3);
}

/* --- transactions
 * ------------------------------------------------------------------------------------------ */

static int64_t count_kv(zdb *db, const char *k)
{
    static const char sql[] = "SELECT COUNT(*) FROM zt_kv WHERE k = ?";
    zdb_stmt *q;
    if (zdb_prepare(db, sql, &q) != 0)
        return -1;
    zdb_bind_text(q, 1, k, -1);
    int64_t n = zdb_step(q) == ZDB_ROW ? zdb_col_int64(q, 0) : -1;
    zdb_reset(q);
    return n;
}

static int put_kv(zdb *db, const char *k, int64_t v)
{
    static const char sql[] = "INSERT INTO zt_kv (k, v) VALUES (?, ?)";
    zdb_stmt *q;
    int rc = zdb_prepare(db, sql, &q);
    if (rc != 0)
        return rc;
    zdb_bind_text(q, 1, k, -1);
    zdb_bind_int64(q, 2, v);
    rc = zdb_step(q);
    zdb_reset(q);
    return rc;
}

struct writer_arg {
    zdb *db;
    volatile int acquired;
    int begin_rc, put_rc, commit_rc;
};

static void *second_writer(void *p)
{
    struct writer_arg *w = p;
    w->begin_rc = zdb_begin(w->db);
    w->acquired = 1;
    w->put_rc = put_kv(w->db, "tx-second", 2);
    w->commit_rc = zdb_commit(w->db);
    return NULL;
}

static void test_tx(zdb *db)
{
    CHECK(!zdb_in_tx(db));
    CHECK_RC(db, zdb_commit(db), ZKBIO_EINVAL);
    CHECK_RC(db, zdb_rollback(db), 0);
    CHECK_RC(db, zdb_begin(db), 0);
    CHECK(zdb_in_tx(db));
    CHECK_RC(db, zdb_begin(db), ZKBIO_EINVAL);
    CHECK_RC(db, put_kv(db, "tx-rolled", 1), ZDB_DONE);
    CHECK(count_kv(db, "tx-rolled") == 1);
    CHECK_RC(db, zdb_rollback(db), 0);
    CHECK(!zdb_in_tx(db));
    CHECK(count_kv(db, "tx-rolled") == 0);

    CHECK_RC(db, zdb_begin(db), 0);
    CHECK_RC(db, put_kv(db, "tx-kept", 1), ZDB_DONE);
    /* a failing statement inside a transaction leaves it open; roll back or carry on */
    CHECK_RC(db, put_kv(db, "tx-kept", 2), ZKBIO_EEXIST);
    CHECK(zdb_in_tx(db));
    CHECK_RC(db, zdb_commit(db), 0);
    CHECK(!zdb_in_tx(db));
    CHECK(count_kv(db, "tx-kept") == 1);

    /* multi-statement exec inside a transaction, rolled back */
    CHECK_RC(db, zdb_begin(db), 0);
    CHECK_RC(db,
             zdb_exec(db, "INSERT INTO zt_kv (k, v) VALUES ('tx-m1', 1); "
                          "INSERT INTO zt_kv (k, v) VALUES ('tx-m2', 2)"),
             0);
    CHECK(count_kv(db, "tx-m2") == 1);
    CHECK_RC(db, zdb_rollback(db), 0);
    CHECK(count_kv(db, "tx-m1") == 0 && count_kv(db, "tx-m2") == 0);

    if (!g_shared)
        return;

    /* two connections: uncommitted rows are invisible to the other, committed ones visible */
    zdb *db2 = open_db();
    CHECK(db2 != NULL);
    if (!db2)
        return;
    CHECK_RC(db, zdb_begin(db), 0);
    CHECK_RC(db, put_kv(db, "tx-first", 1), ZDB_DONE);
    CHECK(count_kv(db2, "tx-first") == 0);
    CHECK(count_kv(db2, "tx-kept") == 1);

    /* a second writer waits until the first commits (SQLite: writer lock; MariaDB: only row locks,
     * so it proceeds at once on another key) */
    struct writer_arg w = {.db = db2};
    pthread_t t;
    CHECK(pthread_create(&t, NULL, second_writer, &w) == 0);
    sleep_ms(300);
    if (!is_maria(db))
        CHECK(!w.acquired);
    CHECK_RC(db, zdb_commit(db), 0);
    pthread_join(t, NULL);
    CHECK(w.acquired);
    CHECK_RC(db2, w.begin_rc, 0);
    CHECK_RC(db2, w.put_rc, ZDB_DONE);
    CHECK_RC(db2, w.commit_rc, 0);
    CHECK(count_kv(db2, "tx-first") == 1);
    CHECK(count_kv(db, "tx-second") == 1);

    /* a row written on one connection is seen by a connection opened later */
    zdb *db3 = open_db();
    CHECK(db3 && count_kv(db3, "tx-second") == 1);
    zdb_close(db3);

    /* closing a connection with an open transaction rolls it back (and releases the SQLite writer
     * lock) */
    CHECK_RC(db2, zdb_begin(db2), 0);
    CHECK_RC(db2, put_kv(db2, "tx-closed", 1), ZDB_DONE);
    zdb_close(db2);
    CHECK_RC(db, zdb_begin(db), 0);
    CHECK(count_kv(db, "tx-closed") == 0);
    CHECK_RC(db, zdb_rollback(db), 0);
}

/* SQLite: one thread may hold write transactions on two different files without deadlocking itself.
 */
static void test_sqlite_two_files(zdb *db)
{
    char path[] = "/tmp/zkbio-test-db2-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    close(fd);
    char uri[64];
    snprintf(uri, sizeof(uri), "sqlite:%s", path);
    zdb *other = NULL;
    CHECK_RC(NULL, zdb_open(uri, &other, NULL, 0), 0);
    if (other) {
        CHECK_RC(db, zdb_begin(db), 0);
        double t0 = now_s();
        CHECK_RC(other, zdb_begin(other), 0);
        CHECK(now_s() - t0 < 1.0);
        CHECK_RC(other, zdb_exec(other, "CREATE TABLE x (a INTEGER)"), 0);
        CHECK_RC(other, zdb_commit(other), 0);
        CHECK_RC(db, zdb_commit(db), 0);
        zdb_close(other);
    }
    unlink(path);
    snprintf(uri, sizeof(uri), "%s-wal", path);
    unlink(uri);
    snprintf(uri, sizeof(uri), "%s-shm", path);
    unlink(uri);
}

/* --- threads
 * ------------------------------------------------------------------------------------------------
 */

#define NTHREADS   8
#define PER_THREAD 40

struct thr_arg {
    int idx;
    int ok, fail, retries;
};

static void *thr_main(void *p)
{
    struct thr_arg *a = p;
    zdb *db = open_db();
    if (!db) {
        a->fail = PER_THREAD;
        return NULL;
    }
    static const char ins[] = "INSERT INTO zt_thr (thr, n) VALUES (?, ?)";
    static const char cnt[] = "SELECT COUNT(*) FROM zt_thr WHERE thr = ?";
    for (int n = 0; n < PER_THREAD; n++) {
        int done = 0;
        for (int attempt = 0; attempt < 50 && !done; attempt++) {
            int rc = zdb_begin(db);
            zdb_stmt *q;
            if (rc == 0)
                rc = zdb_prepare(db, ins, &q);
            if (rc == 0) {
                zdb_bind_int64(q, 1, a->idx);
                zdb_bind_int64(q, 2, n);
                rc = zdb_step(q);
                zdb_reset(q);
            }
            if (rc == 0 && zdb_prepare(db, cnt, &q) == 0) { /* a read inside the transaction */
                zdb_bind_int64(q, 1, a->idx);
                if (zdb_step(q) != ZDB_ROW || zdb_col_int64(q, 0) != n + 1)
                    rc = ZKBIO_EDB;
                zdb_reset(q);
            }
            if (rc == 0)
                rc = zdb_commit(db);
            else
                zdb_rollback(db);
            if (rc == 0)
                done = 1;
            else if (rc == ZKBIO_EUNAVAIL)
                a->retries++;
            else
                break;
        }
        if (done)
            a->ok++;
        else
            a->fail++;
    }
    zdb_close(db);
    return NULL;
}

static void test_threads(zdb *db)
{
    pthread_t t[NTHREADS];
    struct thr_arg args[NTHREADS];
    double t0 = now_s();
    for (int i = 0; i < NTHREADS; i++) {
        args[i] = (struct thr_arg){.idx = i + 1};
        CHECK(pthread_create(&t[i], NULL, thr_main, &args[i]) == 0);
    }
    int ok = 0, fail = 0, retries = 0;
    for (int i = 0; i < NTHREADS; i++) {
        pthread_join(t[i], NULL);
        ok += args[i].ok;
        fail += args[i].fail;
        retries += args[i].retries;
        CHECK(query_int_dyn(db, "SELECT COUNT(*) FROM zt_thr WHERE thr = ", i + 1) == PER_THREAD);
    }
    CHECK(ok == NTHREADS * PER_THREAD);
    CHECK(fail == 0);
    CHECK(query_int(db, "SELECT COUNT(*) FROM zt_thr") == NTHREADS * PER_THREAD);
    CHECK(query_int(db, "SELECT COUNT(DISTINCT id) FROM zt_thr") == NTHREADS * PER_THREAD);
    fprintf(stderr, "    threads: %d transactions in %.2f s, %d retries\n", ok, now_s() - t0,
            retries);
}

/* --- MariaDB: reconnect and server loss
 * ------------------------------------------------------------------ */

/* KILL the connection behind `victim` from `killer`, and wait until the server has dropped it. */
static int kill_conn(zdb *killer, zdb *victim)
{
    int64_t id = query_int(victim, "SELECT CONNECTION_ID()");
    if (id <= 0)
        return -1;
    char sql[64];
    snprintf(sql, sizeof(sql), "KILL %" PRId64, id);
    if (zdb_exec(killer, sql) != 0) {
        fprintf(stderr, "    KILL failed: %s\n", zdb_errmsg(killer));
        return -1;
    }
    for (int i = 0; i < 100; i++) {
        if (query_int_dyn(
                killer, "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = ", id) == 0)
            return (int)(id & 0x7fffffff);
        sleep_ms(50);
    }
    return -1;
}

static void test_reconnect(zdb *db)
{
    zdb *killer = open_db();
    CHECK(killer != NULL);
    if (!killer)
        return;
    static const char cnt[] = "SELECT COUNT(*) FROM zt_kv";
    int64_t rows = query_int(db, cnt);
    CHECK(rows > 0);

    /* a cached statement after KILL: reconnect, re-prepare, retry */
    int64_t id1 = query_int(db, "SELECT CONNECTION_ID()");
    CHECK(kill_conn(killer, db) > 0);
    CHECK(query_int(db, cnt) == rows);
    int64_t id2 = query_int(db, "SELECT CONNECTION_ID()");
    CHECK(id2 > 0 && id2 != id1);

    /* a statement with bound parameters is re-bound after the reconnect */
    CHECK(kill_conn(killer, db) > 0);
    CHECK_RC(db, put_kv(db, "re-1", 1), ZDB_DONE);
    CHECK(count_kv(db, "re-1") == 1);

    /* zdb_exec, zdb_begin and a statement not cached yet, each first after a KILL */
    CHECK(kill_conn(killer, db) > 0);
    CHECK_RC(db, zdb_exec(db, "UPDATE zt_kv SET v = 7 WHERE k = 're-1'"), 0);
    CHECK(kill_conn(killer, db) > 0);
    CHECK_RC(db, zdb_begin(db), 0);
    CHECK_RC(db, put_kv(db, "re-2", 2), ZDB_DONE);
    CHECK_RC(db, zdb_commit(db), 0);
    CHECK(count_kv(db, "re-2") == 1);
    CHECK(kill_conn(killer, db) > 0);
    CHECK(query_int(db, "SELECT v FROM zt_kv WHERE k = 're-1'") == 7);

    /* killed inside a transaction: EUNAVAIL, no silent retry; the next begin reconnects; the work
     * is gone */
    CHECK_RC(db, zdb_begin(db), 0);
    CHECK_RC(db, put_kv(db, "re-lost", 1), ZDB_DONE);
    CHECK(kill_conn(killer, db) > 0);
    CHECK_RC(db, put_kv(db, "re-lost-2", 1), ZKBIO_EUNAVAIL);
    CHECK(zdb_in_tx(db));
    CHECK(zdb_errmsg(db)[0] != '\0');
    CHECK(count_kv(db, "re-lost") == -1); /* still refused until the transaction is ended */
    CHECK_RC(db, zdb_commit(db), ZKBIO_EUNAVAIL);
    CHECK(!zdb_in_tx(db));
    CHECK_RC(db, zdb_begin(db), 0);
    CHECK(count_kv(db, "re-lost") == 0);
    CHECK_RC(db, put_kv(db, "re-3", 3), ZDB_DONE);
    CHECK_RC(db, zdb_commit(db), 0);
    CHECK(count_kv(killer, "re-3") == 1);

    /* killed inside a transaction, then rolled back: rollback succeeds, next statement reconnects
     */
    CHECK_RC(db, zdb_begin(db), 0);
    CHECK(kill_conn(killer, db) > 0);
    CHECK_RC(db, put_kv(db, "re-lost-3", 1), ZKBIO_EUNAVAIL);
    CHECK_RC(db, zdb_rollback(db), 0);
    CHECK(query_int(db, cnt) == rows + 3);

    /* a statement left on a row when the connection is replaced reads as finished, not freed memory
     */
    zdb_stmt *q;
    static const char all[] = "SELECT k FROM zt_kv ORDER BY k";
    CHECK_RC(db, zdb_prepare(db, all, &q), 0);
    CHECK_RC(db, zdb_step(q), ZDB_ROW);
    CHECK(kill_conn(killer, db) > 0);
    CHECK(query_int(db, cnt) == rows + 3); /* reconnects */
    CHECK(zdb_step(q) == ZDB_DONE);
    CHECK(strcmp(zdb_col_text(q, 0), "") == 0);
    zdb_reset(q);
    CHECK_RC(db, zdb_prepare(db, all, &q), 0);
    CHECK_RC(db, zdb_step(q), ZDB_ROW);
    zdb_reset(q);
    zdb_close(killer);
}

struct upd_arg {
    zdb *db;
    const char *key;
    int rc;
};

static int update_kv(zdb *db, const char *k)
{
    static const char sql[] = "UPDATE zt_kv SET v = v + 1 WHERE k = ?";
    zdb_stmt *q;
    int rc = zdb_prepare(db, sql, &q);
    if (rc != 0)
        return rc;
    zdb_bind_text(q, 1, k, -1);
    rc = zdb_step(q);
    zdb_reset(q);
    return rc;
}

static void *update_thread(void *p)
{
    struct upd_arg *u = p;
    u->rc = update_kv(u->db, u->key);
    return NULL;
}

/* MariaDB: deadlock and lock wait timeout are transient (EUNAVAIL); a deadlocked transaction cannot
 * commit. */
static void test_lock_errors(zdb *a)
{
    zdb *b = open_db();
    CHECK(b != NULL);
    if (!b)
        return;
    CHECK_RC(a, zdb_exec(a, "INSERT INTO zt_kv (k, v) VALUES ('dl-1', 0), ('dl-2', 0)"), 0);

    /* a waits for b's row lock, then b asks for a's: one of them is chosen as the deadlock victim
     */
    CHECK_RC(a, zdb_begin(a), 0);
    CHECK_RC(b, zdb_begin(b), 0);
    CHECK_RC(a, update_kv(a, "dl-1"), ZDB_DONE);
    CHECK_RC(b, update_kv(b, "dl-2"), ZDB_DONE);
    struct upd_arg u = {.db = a, .key = "dl-2"};
    pthread_t t;
    CHECK(pthread_create(&t, NULL, update_thread, &u) == 0);
    sleep_ms(300);
    int rb = update_kv(b, "dl-1");
    pthread_join(t, NULL);
    int ra = u.rc;
    CHECK((ra == ZKBIO_EUNAVAIL) != (rb == ZKBIO_EUNAVAIL));
    CHECK(ra == ZDB_DONE || rb == ZDB_DONE);
    zdb *victim = ra == ZKBIO_EUNAVAIL ? a : b, *winner = victim == a ? b : a;
    fprintf(stderr, "    (expected) deadlock victim: %s\n", zdb_errmsg(victim));
    CHECK(strstr(zdb_errmsg(victim), "(1213)") != NULL);
    CHECK_RC(victim, update_kv(victim, "dl-1"), ZKBIO_EUNAVAIL); /* refused until rolled back */
    CHECK_RC(victim, zdb_commit(victim), ZKBIO_EUNAVAIL);
    CHECK_RC(winner, zdb_commit(winner), 0);
    CHECK(query_int(a, "SELECT SUM(v) FROM zt_kv WHERE k LIKE 'dl-%'") == 2);
    CHECK_RC(victim, zdb_begin(victim), 0);
    CHECK_RC(victim, update_kv(victim, "dl-1"), ZDB_DONE);
    CHECK_RC(victim, zdb_commit(victim), 0);
    CHECK(query_int(a, "SELECT SUM(v) FROM zt_kv WHERE k LIKE 'dl-%'") == 3);

    /* lock wait timeout (1 s for this session) */
    CHECK_RC(b, zdb_exec(b, "SET SESSION innodb_lock_wait_timeout = 1"), 0);
    CHECK_RC(a, zdb_begin(a), 0);
    CHECK_RC(a, update_kv(a, "dl-1"), ZDB_DONE);
    CHECK_RC(b, zdb_begin(b), 0);
    double t0 = now_s();
    CHECK_RC(b, update_kv(b, "dl-1"), ZKBIO_EUNAVAIL);
    CHECK(now_s() - t0 < 5);
    CHECK(strstr(zdb_errmsg(b), "(1205)") != NULL);
    CHECK_RC(b, zdb_rollback(b), 0);
    CHECK_RC(a, zdb_commit(a), 0);
    zdb_close(b);
}

static void test_socket_uri(void)
{
    const char *sock = getenv("ZKBIO_TEST_MARIADB_SOCKET");
    if (!sock || !*sock)
        return;
    /* mariadb://USER:PASS@HOST:PORT/DB -> mariadb://USER:PASS@/DB?socket=PATH */
    const char *s = g_uri + strlen("mariadb://");
    const char *at = strrchr(s, '@');
    const char *slash = at ? strchr(at, '/') : NULL;
    if (!slash) {
        CHECK(!"cannot rewrite the URI");
        return;
    }
    char uri[512];
    snprintf(uri, sizeof(uri), "mariadb://%.*s@%s?socket=%s", (int)(at - s), s, slash, sock);
    zdb *db = NULL;
    char err[256];
    CHECK_RC(NULL, zdb_open(uri, &db, err, sizeof(err)), 0);
    if (db) {
        CHECK(query_int(db, "SELECT 5") == 5);
        zdb_close(db);
    } else {
        fprintf(stderr, "    %s\n", err);
    }
}

static void test_wrong_password(void)
{
    const char *s = g_uri + strlen("mariadb://");
    const char *at = strrchr(s, '@');
    const char *colon = memchr(s, ':', at ? (size_t)(at - s) : 0);
    if (!colon) {
        CHECK(!"cannot rewrite the URI");
        return;
    }
    char uri[512];
    snprintf(uri, sizeof(uri), "mariadb://%.*s:Wr0ngS3cret%%21@%s", (int)(colon - s), s, at + 1);
    zdb *db = NULL;
    char err[256] = "";
    CHECK_RC(NULL, zdb_open(uri, &db, err, sizeof(err)), ZKBIO_EDB);
    CHECK(err[0] && strstr(err, "Wr0ngS3cret") == NULL);
    fprintf(stderr, "    (expected) %s\n", err);
    zdb_close(db);
    /* unknown database: a configuration error too */
    const char *dbpart = strrchr(g_uri, '/');
    snprintf(uri, sizeof(uri), "%.*s/zkbio_no_such_db", (int)(dbpart - g_uri), g_uri);
    db = NULL;
    CHECK_RC(NULL, zdb_open(uri, &db, err, sizeof(err)), ZKBIO_EDB);
    CHECK(db == NULL);
    zdb_close(db);
}

/* SHUTDOWN the server from SQL: every call afterwards reports EUNAVAIL (transient), none crashes.
 * Runs last. */
static void test_server_gone(zdb *db)
{
    zdb *idle = open_db();
    zdb *killer = open_db();
    CHECK(idle && killer);
    if (!idle || !killer) {
        zdb_close(idle);
        zdb_close(killer);
        return;
    }
    static const char cnt[] = "SELECT COUNT(*) FROM zt_kv";
    CHECK(query_int(idle, cnt) > 0);
    CHECK_RC(db, zdb_begin(db), 0);
    CHECK_RC(db, put_kv(db, "gone-1", 1), ZDB_DONE);

    int rc = zdb_exec(killer, "SHUTDOWN");
    fprintf(stderr, "    SHUTDOWN -> %d %s\n", rc, rc ? zdb_errmsg(killer) : "");
    /* The server closes its listener first and drops established connections a moment later, so
     * statements on `db` may still succeed for a short while: keep inserting until one fails, which
     * must be EUNAVAIL. */
    double t0 = now_s();
    int64_t n = 2;
    do {
        char k[32];
        snprintf(k, sizeof(k), "gone-%" PRId64, n++);
        rc = put_kv(db, k, n);
        if (rc == ZDB_DONE)
            sleep_ms(20);
    } while (rc == ZDB_DONE && now_s() - t0 < 30);
    CHECK_RC(db, rc, ZKBIO_EUNAVAIL);
    CHECK(zdb_in_tx(db));
    int down = 0;
    while (now_s() - t0 < 30) {
        zdb *probe = NULL;
        rc = zdb_open(g_uri, &probe, NULL, 0);
        zdb_close(probe);
        if (rc == ZKBIO_EUNAVAIL) {
            down = 1;
            break;
        }
        sleep_ms(100);
    }
    CHECK(down);
    if (!down) {
        zdb_rollback(db);
        zdb_close(idle);
        zdb_close(killer);
        return;
    }
    /* inside the transaction */
    CHECK_RC(db, put_kv(db, "gone-x", 2), ZKBIO_EUNAVAIL);
    CHECK_RC(db, zdb_commit(db), ZKBIO_EUNAVAIL);
    CHECK(!zdb_in_tx(db));
    CHECK_RC(db, zdb_begin(db), ZKBIO_EUNAVAIL);
    CHECK(!zdb_in_tx(db));
    CHECK_RC(db, zdb_rollback(db), 0);
    /* outside: the reconnect attempt fails, EUNAVAIL each time */
    zdb_stmt *q = NULL;
    do { /* (its connection may outlive db's by a moment) */
        CHECK_RC(idle, zdb_prepare(idle, cnt, &q), 0); /* cached: no round trip */
        rc = zdb_step(q);
        zdb_reset(q);
    } while (rc == ZDB_ROW && now_s() - t0 < 30);
    CHECK_RC(idle, rc, ZKBIO_EUNAVAIL);
    CHECK_RC(idle, zdb_step(q), ZKBIO_EUNAVAIL);
    zdb_reset(q);
    CHECK_RC(idle, zdb_prepare(idle, "SELECT 'not cached yet'", &q), ZKBIO_EUNAVAIL);
    CHECK_RC(idle, zdb_exec(idle, "DELETE FROM zt_kv"), ZKBIO_EUNAVAIL);
    CHECK_RC(idle, zdb_begin(idle), ZKBIO_EUNAVAIL);
    CHECK_RC(killer, zdb_exec(killer, "SELECT 1"), ZKBIO_EUNAVAIL);
    CHECK_RC(db, put_kv(db, "gone-3", 3), ZKBIO_EUNAVAIL);
    fprintf(stderr, "    (expected) %s\n", zdb_errmsg(db));
    zdb_close(idle);
    zdb_close(killer);
}

/* --- main
 * ----------------------------------------------------------------------------------------------------
 */

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s sqlite:tmp | sqlite:PATH | sqlite::memory: | mariadb://...\n",
                argv[0]);
        return 2;
    }
    char tmp_path[] = "/tmp/zkbio-test-db-XXXXXX";
    char tmp_uri[64];
    int made_tmp = 0;
    g_uri = argv[1];
    if (strcmp(g_uri, "sqlite:tmp") == 0) {
        int fd = mkstemp(tmp_path);
        if (fd < 0) {
            perror("mkstemp");
            return 1;
        }
        close(fd);
        snprintf(tmp_uri, sizeof(tmp_uri), "sqlite:%s", tmp_path);
        g_uri = tmp_uri;
        made_tmp = 1;
    }
    g_shared = strcmp(g_uri, "sqlite::memory:") != 0;
    fprintf(stderr, "test-db on %s\n", strncmp(g_uri, "mariadb:", 8) == 0 ? "mariadb" : g_uri);

    test_bad_uris();
    zdb *db = open_db();
    CHECK(db != NULL);
    if (db) {
        CHECK_RC(db, create_tables(db), 0);
        CHECK(strcmp(zdb_errmsg(db), "") == 0);
        test_types(db);
        test_cache(db);
        test_changes(db);
        test_tx(db);
        if (!is_maria(db) && g_shared)
            test_sqlite_two_files(db);
        if (g_shared)
            test_threads(db);
        if (is_maria(db)) {
            test_socket_uri();
            test_wrong_password();
            test_lock_errors(db);
            test_reconnect(db);
            test_server_gone(db);
        }
        zdb_close(db);
    }
    if (made_tmp) {
        unlink(tmp_path);
        char p[96];
        snprintf(p, sizeof(p), "%s-wal", tmp_path);
        unlink(p);
        snprintf(p, sizeof(p), "%s-shm", tmp_path);
        unlink(p);
    }
    return TEST_DONE();
}
