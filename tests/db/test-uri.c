/* SPDX-License-Identifier: Apache-2.0 */
/* zc_dburi_parse(): the one database URI parser (driver and configuration). No database needed. */
#include <stdio.h>
#include <string.h>

#include "zkbio/error.h"

#include "core.h"

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
#define CHECK_STR(got, want)                                                                       \
    do {                                                                                           \
        const char *g_ = (got), *w_ = (want);                                                      \
        int ok_ = g_ && w_ ? strcmp(g_, w_) == 0 : g_ == w_;                                       \
        check(ok_, #got " == " #want, __FILE__, __LINE__);                                         \
        if (!ok_)                                                                                  \
            fprintf(stderr, "    got \"%s\", want \"%s\"\n", g_ ? g_ : "(null)",                   \
                    w_ ? w_ : "(null)");                                                           \
    } while (0)

static void good(void)
{
    zc_dburi u;
    char err[200];

    CHECK(zc_dburi_parse("sqlite:/var/lib/zkbiod/zk.db", &u, err, sizeof(err)) == 0);
    CHECK(u.dialect == ZC_DBURI_SQLITE);
    CHECK_STR(u.path, "/var/lib/zkbiod/zk.db");
    CHECK(u.user == NULL && u.host == NULL);
    zc_dburi_free(&u);
    CHECK(u.path == NULL);

    /* sqlite:PATH is not a URL: '#', '?', '%' are part of the file name. */
    CHECK(zc_dburi_parse("sqlite:rel/a#b?c%20.db", &u, err, sizeof(err)) == 0);
    CHECK_STR(u.path, "rel/a#b?c%20.db");
    zc_dburi_free(&u);
    CHECK(zc_dburi_parse("sqlite::memory:", &u, err, sizeof(err)) == 0);
    CHECK_STR(u.path, ":memory:");
    zc_dburi_free(&u);

    /* Percent-escapes in user, password, database; the defaults. */
    CHECK(zc_dburi_parse("mariadb://zk%40app:p%40ss%3Aw%2Fo%25rd%3F@db.example:3307/zk%5Fdb", &u,
                         err, sizeof(err)) == 0);
    CHECK(u.dialect == ZC_DBURI_MARIADB);
    CHECK_STR(u.user, "zk@app");
    CHECK_STR(u.pass, "p@ss:w/o%rd?");
    CHECK_STR(u.host, "db.example");
    CHECK(u.port == 3307);
    CHECK_STR(u.dbname, "zk_db");
    CHECK(u.socket == NULL && u.path == NULL);
    zc_dburi_free(&u);

    CHECK(zc_dburi_parse("mariadb://zk@h/zkbio", &u, err, sizeof(err)) == 0);
    CHECK_STR(u.pass, "");
    CHECK(u.port == 3306);
    zc_dburi_free(&u);

    /* IPv6 literal: brackets removed. */
    CHECK(zc_dburi_parse("mariadb://u:p@[::1]:3310/zk", &u, err, sizeof(err)) == 0);
    CHECK_STR(u.host, "::1");
    CHECK(u.port == 3310);
    zc_dburi_free(&u);
    CHECK(zc_dburi_parse("mariadb://u:p@[2001:db8::5]/zk", &u, err, sizeof(err)) == 0);
    CHECK_STR(u.host, "2001:db8::5");
    CHECK(u.port == 3306);
    zc_dburi_free(&u);

    /* Socket only: empty host means localhost; the socket path is decoded. */
    CHECK(zc_dburi_parse("mariadb://zk:pw@/zkbio?socket=/run/mysqld/mysqld.sock", &u, err,
                         sizeof(err)) == 0);
    CHECK_STR(u.host, "localhost");
    CHECK_STR(u.socket, "/run/mysqld/mysqld.sock");
    CHECK_STR(u.dbname, "zkbio");
    zc_dburi_free(&u);
    CHECK(zc_dburi_parse("mariadb://zk@localhost/zkbio?socket=%2Frun%2Fa%26b.sock", &u, err,
                         sizeof(err)) == 0);
    CHECK_STR(u.socket, "/run/a&b.sock");
    CHECK_STR(u.host, "localhost");
    zc_dburi_free(&u);
}

static void bad(const char *uri, const char *want_in_err)
{
    zc_dburi u;
    memset(&u, 0x5a, sizeof(u));
    char err[200] = "unchanged";
    int rc = zc_dburi_parse(uri, &u, err, sizeof(err));
    check(rc == ZKBIO_EINVAL, uri, __FILE__, __LINE__);
    if (rc == 0)
        zc_dburi_free(&u);
    CHECK(u.user == NULL && u.pass == NULL && u.host == NULL && u.path == NULL);
    CHECK(strcmp(err, "unchanged") != 0 && err[0] != '\0');
    CHECK(strstr(err, "s3cr3t") == NULL);
    if (want_in_err && !strstr(err, want_in_err)) {
        check(0, "message names the fault", __FILE__, __LINE__);
        fprintf(stderr, "    %s -> \"%s\", want \"%s\" in it\n", uri, err, want_in_err);
    }
}

int main(void)
{
    good();
    bad("", "scheme");
    bad("postgres://u:s3cr3t@h/db", "scheme");
    bad("sqlite:", "path");
    bad("mariadb://", NULL);
    bad("mariadb://host/db", "USER");
    bad("mariadb://:s3cr3t@host/db", "USER");
    bad("mariadb://u:s3cr3t@host", "database name");
    bad("mariadb://u:s3cr3t@host/", "database name");
    bad("mariadb://u:s3cr3t@host/db/extra", "database name");
    bad("mariadb://u:s3cr3t@host:/db", "port");
    bad("mariadb://u:s3cr3t@host:0/db", "port");
    bad("mariadb://u:s3cr3t@host:70000/db", "port");
    bad("mariadb://u:s3cr3t@host:12ab/db", NULL);
    bad("mariadb://u:s3cr3t%zz@host/db", "percent-escape");
    bad("mariadb://u:s3cr3t%4@host/db", NULL);
    bad("mariadb://u:s3cr3t%00@host/db", "percent-escape");
    bad("mariadb://u:s3cr3t@host/db?socket=%00x", "percent-escape");
    bad("mariadb://u:s3cr3t@[::1/db", NULL);
    bad("mariadb://u:s3cr3t@[]:3306/db", NULL);
    bad("mariadb://u:s3cr3t@host/db?sock=/x", "socket");
    bad("mariadb://u:s3cr3t@host/db?socket=/a&socket=/b", "socket");
    bad("mariadb://u:s3cr3t@host/db#frag", "fragment");
    zc_dburi u;
    CHECK(zc_dburi_parse(NULL, &u, NULL, 0) == ZKBIO_EINVAL);
    CHECK(zc_dburi_parse("sqlite:x", NULL, NULL, 0) == ZKBIO_EINVAL);
    zc_dburi_free(NULL);
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
