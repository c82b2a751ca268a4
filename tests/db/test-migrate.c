/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Schema migrations and the one-shot statement helpers of daemon/db.
 *
 *   test-migrate DATA_DIR sqlite:tmp      fresh temporary SQLite files (removed afterwards)
 *   test-migrate DATA_DIR mariadb://...   a MariaDB server (tests/db/run-mariadb.sh); its database
 *                                         is emptied first
 *
 * DATA_DIR/schema-v2.<dialect>.sql holds the schema as the code before the .sql migrations created
 * it (SQLite: sqlite_master's text; MariaDB: SHOW CREATE TABLE), one statement per `;` + newline;
 * DATA_DIR/schema-latest.<dialect>.sql the schema after the last step (SCHEMA_LATEST; update both
 * with a new migration). Checked: a fresh database gets exactly that schema; databases created by
 * the old code at version 2 and at version 1 open, upgrade to it and keep their rows (attendance
 * rows with their ids, the id counter and de-duplication included); a newer version is refused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "zkbio/error.h"

#include "db.h"

#define SCHEMA_LATEST 6

static int passed, failed;

static void check(int ok, const char *what, const char *file, int line)
{
    if (ok) {
        passed++;
    } else {
        failed++;
        fprintf(stderr, "%s:%d: FAILED: %s\n", file, line, what);
    }
}

#define CHECK(c) check((c) != 0, #c, __FILE__, __LINE__)
#define CHECK_RC(db, expr, want)                                                                   \
    do {                                                                                           \
        int rc_ = (expr);                                                                          \
        int want_ = (want);                                                                        \
        check(rc_ == want_, #expr " == " #want, __FILE__, __LINE__);                               \
        if (rc_ != want_)                                                                          \
            fprintf(stderr, "    got %d (%s), want %d; errmsg: %s\n", rc_, zkbio_error_name(rc_),  \
                    want_, (db) ? zdb_errmsg(db) : "");                                            \
    } while (0)

/* A growable string. */
typedef struct buf {
    char *p;
    size_t n, cap;
} buf;

static void buf_add(buf *b, const char *s)
{
    size_t l = strlen(s);
    if (b->n + l + 1 > b->cap) {
        b->cap = (b->n + l + 1) * 2;
        b->p = realloc(b->p, b->cap);
        if (!b->p)
            abort();
    }
    memcpy(b->p + b->n, s, l + 1);
    b->n += l;
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    buf b = {0};
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk) - 1, f)) > 0) {
        chunk[n] = '\0';
        buf_add(&b, chunk);
    }
    fclose(f);
    return b.p;
}

static const char *g_uri;
static char g_files[8][256];
static int g_nfiles;

/* A new empty database: a new SQLite file, or the MariaDB database with every table dropped. */
static zdb *fresh_db(void)
{
    zdb *db = NULL;
    char err[256];
    if (strncmp(g_uri, "sqlite:", 7) == 0) {
        if (g_nfiles == (int)(sizeof(g_files) / sizeof(g_files[0])))
            return NULL;
        char *path = g_files[g_nfiles++];
        snprintf(path, sizeof(g_files[0]), "%s/zkbio-migrate-%ld-%d.db",
                 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (long)getpid(), g_nfiles);
        unlink(path);
        char uri[300];
        snprintf(uri, sizeof(uri), "sqlite:%s", path);
        if (zdb_open(uri, &db, err, sizeof(err)) != 0)
            fprintf(stderr, "open %s: %s\n", uri, err);
        return db;
    }
    if (zdb_open(g_uri, &db, err, sizeof(err)) != 0) {
        fprintf(stderr, "open: %s\n", err);
        return NULL;
    }
    zdb_stmt *q;
    buf drop = {0};
    if (zdb_prepare(db,
                    "SELECT table_name FROM information_schema.tables WHERE table_schema = "
                    "DATABASE()",
                    &q) == 0) {
        while (zdb_step(q) == ZDB_ROW) {
            buf_add(&drop, drop.n ? ", `" : "DROP TABLE `");
            buf_add(&drop, zdb_col_text(q, 0));
            buf_add(&drop, "`");
        }
        zdb_reset(q);
    }
    if (drop.n)
        CHECK_RC(db, zdb_exec(db, drop.p), 0);
    free(drop.p);
    return db;
}

/* The schema as text in the fixture's form. */
static char *dump_schema(zdb *db)
{
    buf b = {0};
    buf_add(&b, "");
    zdb_stmt *q;
    if (zdb_dialect_of(db) == ZDB_SQLITE) {
        if (zdb_prepare(db,
                        "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE "
                        "'sqlite_%' ORDER BY name",
                        &q) != 0)
            return b.p;
        while (zdb_step(q) == ZDB_ROW) {
            buf_add(&b, zdb_col_text(q, 0));
            buf_add(&b, ";\n");
        }
        zdb_reset(q);
        return b.p;
    }
    char names[64][64];
    int n = 0;
    if (zdb_prepare(db,
                    "SELECT table_name FROM information_schema.tables WHERE table_schema = "
                    "DATABASE() ORDER BY BINARY table_name",
                    &q) != 0)
        return b.p;
    while (n < 64 && zdb_step(q) == ZDB_ROW)
        snprintf(names[n++], sizeof(names[0]), "%s", zdb_col_text(q, 0));
    zdb_reset(q);
    for (int i = 0; i < n; i++) {
        static char sql[128]; /* one cache entry, re-prepared as its text changes */
        snprintf(sql, sizeof(sql), "SHOW CREATE TABLE `%.63s`", names[i]);
        if (zdb_prepare(db, sql, &q) != 0 || zdb_step(q) != ZDB_ROW)
            continue;
        char *t = strdup(zdb_col_text(q, 1));
        zdb_reset(q);
        char *ai = strstr(t, " AUTO_INCREMENT="); /* the counter, not the column attribute */
        if (ai) {
            char *e = ai + strlen(" AUTO_INCREMENT=");
            while (*e >= '0' && *e <= '9')
                e++;
            memmove(ai, e, strlen(e) + 1);
        }
        buf_add(&b, t);
        buf_add(&b, ";\n");
        free(t);
    }
    /* Triggers (schema 6: attendance_outbox), which SHOW CREATE TABLE leaves out. */
    if (zdb_prepare(db,
                    "SELECT trigger_name, action_timing, event_manipulation, event_object_table, "
                    "action_statement FROM information_schema.triggers WHERE trigger_schema = "
                    "DATABASE() ORDER BY BINARY trigger_name",
                    &q) != 0)
        return b.p;
    while (zdb_step(q) == ZDB_ROW) {
        const char *part[] = {"TRIGGER ", zdb_col_text(q, 0), " ",    zdb_col_text(q, 1),
                              " ",        zdb_col_text(q, 2), " ON ", zdb_col_text(q, 3),
                              ": ",       zdb_col_text(q, 4), ";\n"};
        for (size_t i = 0; i < sizeof(part) / sizeof(part[0]); i++)
            buf_add(&b, part[i]);
    }
    zdb_reset(q);
    return b.p;
}

/* Run the fixture's statements (all but `skip_table`'s) and record `version`: the database as the
 * old code left it. */
static void load_old(zdb *db, const char *fixture, const char *skip_table, int version)
{
    char *copy = strdup(fixture);
    for (char *s = copy, *e; s && *s; s = e ? e + 2 : NULL) {
        e = strstr(s, ";\n");
        if (e)
            *e = '\0';
        if (skip_table && strstr(s, skip_table))
            continue;
        if (*s)
            CHECK_RC(db, zdb_exec(db, s), 0);
    }
    free(copy);
    CHECK_RC(db, zdb_run(db, "INSERT INTO schema_version (version) VALUES (?)", "i", version), 0);
    CHECK_RC(db, zdb_run(db, "INSERT INTO devices (sn, model) VALUES (?, ?)", "ss", "OLD1", "F22"),
             0);
    /* Punches with ids 1..3 and 10, then the newest (id 11) deleted: the id counter stays at 11. */
    static const char *const punches[][3] = {{"1", "7", "2026-01-02 08:00:00"},
                                             {"2", "3", "2026-01-02 08:00:00"},
                                             {"3", "7", "2026-01-01 17:30:00"},
                                             {"10", "3", "2026-01-02 09:15:00"},
                                             {"11", "9", "2026-01-03 07:00:00"}};
    for (size_t i = 0; i < sizeof(punches) / sizeof(punches[0]); i++)
        CHECK_RC(db,
                 zdb_run(db,
                         "INSERT INTO attendance (id, sn, pin, punch_time, status, verify, "
                         "received_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                         "lsssiil", (int64_t)atoi(punches[i][0]), "OLD1", punches[i][1],
                         punches[i][2], 0, 1, (int64_t)1700000000),
                 0);
    CHECK_RC(db, zdb_run(db, "DELETE FROM attendance WHERE id = ?", "l", (int64_t)11), 0);
}

/* After the upgrade: the old punches are there with their ids; a re-sent punch is still ignored
 * (same four key columns); a new one gets an id above every id used before. */
static void check_punches(zdb *db)
{
    int64_t n = -1;
    CHECK_RC(db,
             zdb_query_int64(db,
                             "SELECT COUNT(*) FROM attendance WHERE sn = 'OLD1' AND ((id = 1 AND "
                             "pin = '7' AND punch_time = '2026-01-02 08:00:00') OR (id = 2 AND pin "
                             "= '3') OR (id = 3 AND punch_time = '2026-01-01 17:30:00') OR (id = "
                             "10 AND punch_time = '2026-01-02 09:15:00'))",
                             &n, NULL),
             0);
    CHECK(n == 4);
    CHECK_RC(db, zdb_query_int64(db, "SELECT COUNT(*) FROM attendance", &n, NULL), 0);
    CHECK(n == 4);
    const char *ins =
        zdb_dialect_of(db) == ZDB_MARIADB
            ? "INSERT IGNORE INTO attendance (sn, pin, punch_time, status, verify, "
              "received_at) VALUES (?, ?, ?, ?, ?, ?)"
            : "INSERT OR IGNORE INTO attendance (sn, pin, punch_time, status, verify, "
              "received_at) VALUES (?, ?, ?, ?, ?, ?)";
    CHECK_RC(db, zdb_run(db, ins, "sssiil", "OLD1", "7", "2026-01-02 08:00:00", 0, 4, (int64_t)1),
             0);
    CHECK(zdb_changes(db) == 0); /* a duplicate (verify is not part of the key) */
    CHECK_RC(db, zdb_run(db, ins, "sssiil", "OLD1", "7", "2026-01-02 08:00:00", 1, 1, (int64_t)1),
             0);
    CHECK(zdb_changes(db) == 1); /* another status: a new punch */
    CHECK_RC(db, zdb_query_int64(db, "SELECT MAX(id) FROM attendance", &n, NULL), 0);
    CHECK(n > 11);
    CHECK_RC(db, zdb_query_int64(db, "SELECT COUNT(*) FROM attendance", &n, NULL), 0);
    CHECK(n == 5);
}

static void check_schema(zdb *db, const char *fixture, const char *what)
{
    char *got = dump_schema(db);
    int same = got && strcmp(got, fixture) == 0;
    check(same, what, __FILE__, __LINE__);
    if (!same)
        fprintf(stderr, "--- want\n%s--- got\n%s---\n", fixture, got ? got : "(null)");
    free(got);
}

static void test_fresh(const char *want)
{
    zdb *db = fresh_db();
    CHECK(db);
    if (!db)
        return;
    char err[256];
    int64_t v = -1;
    CHECK_RC(
        db,
        zdb_migrate(db, zdb_schema_migrations, zdb_schema_migration_count, &v, err, sizeof(err)),
        0);
    CHECK(v == (int64_t)zdb_schema_migration_count);
    CHECK(zdb_schema_migration_count == SCHEMA_LATEST);
    check_schema(db, want, "fresh database: the latest schema");
    /* Again: nothing to do. */
    CHECK_RC(
        db,
        zdb_migrate(db, zdb_schema_migrations, zdb_schema_migration_count, &v, err, sizeof(err)),
        0);
    CHECK(v == SCHEMA_LATEST);
    int64_t rows = 0;
    CHECK_RC(db, zdb_query_int64(db, "SELECT COUNT(*) FROM schema_version", &rows, NULL), 0);
    CHECK(rows == 1);
    zdb_close(db);
}

static void test_upgrade(const char *fixture, const char *want, const char *skip, int from)
{
    zdb *db = fresh_db();
    CHECK(db);
    if (!db)
        return;
    load_old(db, fixture, skip, from);
    char err[256];
    int64_t v = -1;
    CHECK_RC(
        db,
        zdb_migrate(db, zdb_schema_migrations, zdb_schema_migration_count, &v, err, sizeof(err)),
        0);
    CHECK(v == SCHEMA_LATEST);
    char what[64];
    snprintf(what, sizeof(what), "database of the old code at version %d: upgraded schema", from);
    check_schema(db, want, what);
    check_punches(db);
    char model[16] = "";
    CHECK_RC(db,
             zdb_query_text(db, "SELECT model FROM devices WHERE sn = ?", model, sizeof(model), "s",
                            "OLD1"),
             0);
    CHECK(strcmp(model, "F22") == 0);
    int64_t ver = 0;
    CHECK_RC(db, zdb_query_int64(db, "SELECT version FROM schema_version", &ver, NULL), 0);
    CHECK(ver == SCHEMA_LATEST);
    /* The table added by step 2 works. */
    CHECK_RC(db,
             zdb_run(db,
                     "INSERT INTO fp_templates (user_id, finger_id, template_id, template, "
                     "quality, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                     "sisbil", "u1", 3, "t1", "\x01\x02", (size_t)2, 60, (int64_t)1700000000),
             0);
    /* A database newer than this code is refused. */
    CHECK_RC(db, zdb_run(db, "UPDATE schema_version SET version = ?", "i", SCHEMA_LATEST + 1), 0);
    CHECK_RC(
        db,
        zdb_migrate(db, zdb_schema_migrations, zdb_schema_migration_count, &v, err, sizeof(err)),
        ZKBIO_EDB);
    CHECK(strstr(err, "newer") != NULL);
    zdb_close(db);
}

static void test_oneshot(void)
{
    zdb *db = fresh_db();
    CHECK(db);
    if (!db)
        return;
    CHECK_RC(db,
             zdb_exec(db, "CREATE TABLE t (k VARCHAR(16) NOT NULL PRIMARY KEY, v BIGINT, b "
                          "BLOB)"),
             0);
    CHECK_RC(db,
             zdb_run(db, "INSERT INTO t (k, v, b) VALUES (?, ?, ?)", "slb", "a", (int64_t)1 << 40,
                     "xy", (size_t)2),
             0);
    CHECK(zdb_changes(db) == 1);
    CHECK_RC(db, zdb_run(db, "INSERT INTO t (k, v, b) VALUES (?, ?, ?)", "snn", "b"), 0);
    CHECK_RC(db, zdb_run(db, "INSERT INTO t (k, v, b) VALUES (?, ?, ?)", "snn", "a"), ZKBIO_EEXIST);
    int64_t v = 7;
    CHECK_RC(db, zdb_query_int64(db, "SELECT v FROM t WHERE k = ?", &v, "s", "a"), 0);
    CHECK(v == (int64_t)1 << 40);
    v = 7;
    CHECK_RC(db, zdb_query_int64(db, "SELECT v FROM t WHERE k = ?", &v, "s", "zz"), ZKBIO_ENOENT);
    CHECK(v == 7); /* left alone */
    char s[2] = "?";
    CHECK_RC(db, zdb_query_text(db, "SELECT k FROM t WHERE v IS NULL", s, sizeof(s), NULL), 0);
    CHECK(strcmp(s, "b") == 0);
    char small[3];
    CHECK_RC(db, zdb_query_text(db, "SELECT 'abcdef'", small, sizeof(small), ""), 0);
    CHECK(strcmp(small, "ab") == 0); /* truncated */
    CHECK_RC(db, zdb_run(db, "UPDATE t SET v = ? WHERE k = ?", "is", 5, "b"), 0);
    CHECK(zdb_changes(db) == 1);
    /* Misuse: wrong count, unknown letter. */
    CHECK_RC(db, zdb_run(db, "UPDATE t SET v = ? WHERE k = ?", "i", 5), ZKBIO_EINVAL);
    CHECK_RC(db, zdb_run(db, "UPDATE t SET v = ? WHERE k = ?", "isi", 5, "b", 1), ZKBIO_EINVAL);
    CHECK_RC(db, zdb_run(db, "UPDATE t SET v = ? WHERE k = ?", "xs", 5, "b"), ZKBIO_EINVAL);
    CHECK(strstr(zdb_errmsg(db), "letter") != NULL);
    CHECK_RC(db, zdb_query_int64(db, "SELECT v FROM t WHERE k = ?", &v, "s", "b"), 0);
    CHECK(v == 5); /* the failed calls changed nothing */
    CHECK(zdb_run(db, "SELEC nonsense", NULL) < 0);
    zdb_close(db);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s DATA_DIR sqlite:tmp|mariadb://...\n", argv[0]);
        return 2;
    }
    g_uri = argv[2];
    int maria = strncmp(g_uri, "mariadb://", 10) == 0;
    char path[1024];
    snprintf(path, sizeof(path), "%s/schema-v2.%s.sql", argv[1], maria ? "mariadb" : "sqlite");
    char *fixture = read_file(path);
    snprintf(path, sizeof(path), "%s/schema-latest.%s.sql", argv[1], maria ? "mariadb" : "sqlite");
    char *want = read_file(path);
    if (!fixture || !want) {
        fprintf(stderr, "cannot read %s/schema-v2 or schema-latest.%s.sql\n", argv[1],
                maria ? "mariadb" : "sqlite");
        return 1;
    }
    test_fresh(want);
    test_upgrade(fixture, want, NULL, 2);
    test_upgrade(fixture, want, "fp_templates", 1);
    test_oneshot();
    for (int i = 0; i < g_nfiles; i++) {
        char side[300];
        unlink(g_files[i]);
        snprintf(side, sizeof(side), "%.255s-wal", g_files[i]);
        unlink(side);
        snprintf(side, sizeof(side), "%.255s-shm", g_files[i]);
        unlink(side);
    }
    free(fixture);
    free(want);
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
