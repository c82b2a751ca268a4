/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The audit log (store_audit.h) against whichever backend the URI names (sqlite:tmp, or a
 * mariadb:// URI from tests/support/mariadb.sh): begin/end, one-step rows, filters (exact and
 * prefix action, actor, device, time range) and keyset paging newest first.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store.h"

#include "../support/test-db.h"
#include "../support/test.h"

/* REQUIRE with the expression as its message (jumps to the function's `out`). */
#define NEED(cond) REQUIRE(cond, "REQUIRE(%s) failed", #cond)

static zs_store *open_store(const char *uri)
{
    zs_policy pol = {.full_sync = 0, .command_timeout_s = 60, .max_attempts = 3, .auto_admit = 1};
    zs_store *st = NULL;
    char err[256];
    if (zs_open(uri, &pol, &st, err, sizeof(err)) != 0)
        fprintf(stderr, "zs_open(%s): %s\n", uri, err);
    return st;
}

static void test_begin_end(zs_store *st)
{
    int64_t id = 0;
    CHECK(zs_audit_begin(st, "a@example.org", 7, "10.0.0.1", "device.unlock", "dev 3", 3, "pending",
                         "{\"seconds\":5}", &id) == 0);
    CHECK(id > 0);
    zs_audit_filter f = {.action = "device.unlock"};
    zs_audit_page p;
    NEED(zs_audit_list(st, &f, &p) == 0);
    NEED(p.n == 1);
    CHECK_EQ_INT(p.rows[0].id, id);
    CHECK_STR(p.rows[0].outcome, "pending");
    CHECK_EQ_INT(p.rows[0].finished_at, 0);
    CHECK_EQ_INT(p.rows[0].account_id, 7);
    CHECK_EQ_INT(p.rows[0].device_id, 3);
    CHECK_STR(p.rows[0].actor, "a@example.org");
    CHECK_STR(p.rows[0].ip, "10.0.0.1");
    CHECK_STR(p.rows[0].target, "dev 3");
    CHECK(p.rows[0].details && strcmp(p.rows[0].details, "{\"seconds\":5}") == 0);
    CHECK(p.rows[0].at > 1600000000000LL); /* ms since the epoch */
    zs_audit_page_free(&p);

    /* Completed with NULL details: the begin's details stay. */
    CHECK(zs_audit_end(st, id, "ok", NULL) == 0);
    NEED(zs_audit_list(st, &f, &p) == 0);
    NEED(p.n == 1);
    CHECK_STR(p.rows[0].outcome, "ok");
    CHECK(p.rows[0].finished_at >= p.rows[0].at);
    CHECK(p.rows[0].details && strcmp(p.rows[0].details, "{\"seconds\":5}") == 0);
    zs_audit_page_free(&p);
    CHECK(zs_audit_end(st, id, "failed", "{\"error\":\"timeout\"}") == 0);
    NEED(zs_audit_list(st, &f, &p) == 0);
    NEED(p.n == 1);
    CHECK_STR(p.rows[0].outcome, "failed");
    CHECK(p.rows[0].details && strstr(p.rows[0].details, "timeout"));
    zs_audit_page_free(&p);

    /* Misuse. */
    CHECK(zs_audit_end(st, id + 1000, "ok", NULL) == ZKBIO_ENOENT);
    CHECK(zs_audit_end(st, id, "pending", NULL) == ZKBIO_EINVAL);
    CHECK(zs_audit_end(st, id, "bogus", NULL) == ZKBIO_EINVAL);
    CHECK(zs_audit_begin(st, "x", 0, "", NULL, "", 0, "ok", NULL, NULL) == ZKBIO_EINVAL);
    CHECK(zs_audit_begin(st, "x", 0, "", "a.b", "", 0, "maybe", NULL, NULL) == ZKBIO_EINVAL);
    CHECK(zs_audit_begin(st, "x", 0, "", "a.this-action-name-is-far-longer-than-the-column-allows",
                         "", 0, "ok", NULL, NULL) == ZKBIO_EINVAL);

    /* A one-step row is finished at once; a NULL id pointer is fine; long fields are cut. */
    char longactor[400];
    memset(longactor, 'x', sizeof(longactor) - 1);
    longactor[sizeof(longactor) - 1] = '\0';
    CHECK(zs_audit_begin(st, longactor, 0, "10.0.0.2", "auth.login", "", 0, "failed", NULL, NULL) ==
          0);
    zs_audit_filter fl = {.action = "auth.login"};
    NEED(zs_audit_list(st, &fl, &p) == 0);
    NEED(p.n == 1);
    CHECK_STR(p.rows[0].outcome, "failed");
    CHECK(p.rows[0].finished_at == p.rows[0].at);
    CHECK_EQ_INT(strlen(p.rows[0].actor), 255);
    CHECK(p.rows[0].details == NULL);
    zs_audit_page_free(&p);
out:;
}

static void test_filters_paging(zs_store *st)
{
    /* 25 rows: actions auth.* / device.* / devicex.y (not under "device."), two actors, devices. */
    int64_t ids[25];
    for (int i = 0; i < 25; i++) {
        const char *action = i % 3 == 0   ? "auth.login"
                             : i % 3 == 1 ? "device.restart"
                                          : "devicex.y";
        CHECK(zs_audit_begin(st, i % 2 ? "odd@example.org" : "even@example.org", 0, "127.0.0.1",
                             action, "", i % 5, "ok", NULL, &ids[i]) == 0);
    }
    for (int i = 1; i < 25; i++)
        CHECK(ids[i] > ids[i - 1]);

    /* Pages of 4, newest first, without overlap, covering every row. */
    zs_audit_filter f = {.limit = 4, .actor = "odd@example.org"};
    zs_audit_page p;
    int seen = 0, pages = 0;
    int64_t last = INT64_MAX;
    for (;;) {
        NEED(zs_audit_list(st, &f, &p) == 0);
        pages++;
        for (size_t i = 0; i < p.n; i++) {
            CHECK(p.rows[i].id < last);
            last = p.rows[i].id;
            CHECK_STR(p.rows[i].actor, "odd@example.org");
            seen++;
        }
        int more = p.has_next;
        if (more) {
            CHECK_EQ_INT(p.next, p.rows[p.n - 1].id);
            f.before = p.next;
        }
        zs_audit_page_free(&p);
        if (!more)
            break;
        NEED(pages < 20);
    }
    CHECK_EQ_INT(seen, 12); /* odd i in 0..24 */
    CHECK_EQ_INT(pages, 3); /* 4 + 4 + 4: the third page knows it is the last */

    /* Prefix "device." matches device.restart and device.unlock, not devicex.y. */
    zs_audit_filter fp = {.action = "device.", .limit = 1000};
    NEED(zs_audit_list(st, &fp, &p) == 0);
    int restarts = 0;
    for (size_t i = 0; i < p.n; i++) {
        CHECK(strncmp(p.rows[i].action, "device.", 7) == 0);
        restarts += strcmp(p.rows[i].action, "device.restart") == 0;
    }
    CHECK_EQ_INT(restarts, 8);
    CHECK_EQ_INT(p.n, 9); /* + the device.unlock of test_begin_end */
    CHECK(!p.has_next);
    zs_audit_page_free(&p);

    /* Exact match does not match a prefix. */
    zs_audit_filter fe = {.action = "device"};
    NEED(zs_audit_list(st, &fe, &p) == 0);
    CHECK_EQ_INT(p.n, 0);
    zs_audit_page_free(&p);

    /* Device filter. */
    zs_audit_filter fd = {.device_id = 4, .action = "auth.", .limit = 100};
    NEED(zs_audit_list(st, &fd, &p) == 0);
    for (size_t i = 0; i < p.n; i++)
        CHECK(p.rows[i].device_id == 4 && strcmp(p.rows[i].action, "auth.login") == 0);
    CHECK_EQ_INT(p.n, 2); /* i = 9, 24 */
    zs_audit_page_free(&p);

    /* Time range: everything is from now; a range in the past finds nothing, one around now all. */
    zs_audit_filter ft = {.to_ms = 1000, .limit = 1000};
    NEED(zs_audit_list(st, &ft, &p) == 0);
    CHECK_EQ_INT(p.n, 0);
    zs_audit_page_free(&p);
    zs_audit_filter fa = {.from_ms = 1600000000000LL, .to_ms = 4000000000000LL, .limit = 1000};
    NEED(zs_audit_list(st, &fa, &p) == 0);
    CHECK_EQ_INT(p.n, 27);
    zs_audit_page_free(&p);

    /* Default limit and a NULL filter; an over-long action is refused. */
    NEED(zs_audit_list(st, NULL, &p) == 0);
    CHECK_EQ_INT(p.n, 27);
    CHECK(!p.has_next);
    zs_audit_page_free(&p);
    zs_audit_filter fx = {.action = "a.very.long.action.name.that.is.longer.than.the.column"};
    CHECK(zs_audit_list(st, &fx, &p) == ZKBIO_EINVAL);
out:;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s sqlite:tmp|URI\n", argv[0]);
        return 2;
    }
    test_db db;
    if (test_db_init(&db, argv[1], "zkbio-audit", "store.db") != 0)
        return 2;
    const char *uri = db.uri;
    zs_store *st = open_store(uri);
    NEED(st);
    test_begin_end(st);
    test_filters_paging(st);
out:
    zs_close(st);
    test_db_cleanup(&db);
    return TEST_DONE();
}
