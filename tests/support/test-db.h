/* test-db: the database a store test runs against, from its first argument. "sqlite:tmp" makes a
 * fresh temporary directory /tmp/PREFIX-XXXXXX and names FILE in it ("sqlite:DIR/FILE"); anything
 * else (a MariaDB URI from tests/support/mariadb.sh, or another sqlite: URI) is used as given.
 *
 * test_db_init() returns 0, or -1 when the directory cannot be made (the test should exit 2);
 * test_db_cleanup() removes FILE, FILE-wal, FILE-shm and the directory it made (nothing for a
 * given URI) and is safe to call twice. t->uri is valid between the two. Not thread-safe per
 * test_db; no global state. */
#ifndef ZKBIO_TEST_DB_H
#define ZKBIO_TEST_DB_H

typedef struct test_db {
    char uri[4200];
    char dir[256]; /* the temporary directory, "" when the URI was given */
    char file[64];
} test_db;

int test_db_init(test_db *t, const char *arg, const char *prefix, const char *file);
void test_db_cleanup(test_db *t);

#endif
