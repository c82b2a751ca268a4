/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The forwarding tables (store_forward.h) against whichever backend the URI names (sqlite:tmp, or a
 * mariadb:// URI from tests/support/mariadb.sh): the attendance trigger queues one row per matching
 * forwarder (no filter, a device filter, a sync-group filter), backfill at create, due rows joined
 * to punch and device, sent_time kept once set, results and states, stats and lag, listing with a
 * state filter and keyset paging, requeue and drop by ids and by state, leases between two owners,
 * update and name conflicts, pause/resume, delete (filters and rows gone), the retention sweep.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "db.h"
#include "store.h"

#include "../support/test-db.h"
#include "../support/test.h"

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

static int add_device(zs_store *st, const char *sn, const char *ip, const char *group,
                      const char *tz)
{
    zs_fleet_device d;
    memset(&d, 0, sizeof(d));
    snprintf(d.sn, sizeof(d.sn), "%s", sn);
    snprintf(d.ip, sizeof(d.ip), "%s", ip);
    d.port = 4370;
    snprintf(d.name, sizeof(d.name), "door %s", sn);
    snprintf(d.tz, sizeof(d.tz), "%s", tz);
    snprintf(d.sync_group, sizeof(d.sync_group), "%s", group);
    int64_t id;
    return zs_fleet_add(st, &d, &id);
}

static int punch(zs_store *st, const char *sn, const char *pin, const char *time, int status)
{
    zs_fleet_punch p;
    memset(&p, 0, sizeof(p));
    snprintf(p.pin, sizeof(p.pin), "%s", pin);
    snprintf(p.time, sizeof(p.time), "%s", time);
    p.status = status;
    p.verify = 1;
    size_t ins = 0;
    int rc = zs_fleet_punches_insert(st, sn, &p, 1, NULL, NULL, &ins, NULL);
    return rc == 0 && ins == 1 ? 0 : -1;
}

static int64_t make(zs_store *st, const char *name, const char *dev, const char *group,
                    const char *since, int64_t *backfilled)
{
    zs_forwarder f;
    memset(&f, 0, sizeof(f));
    snprintf(f.name, sizeof(f.name), "%s", name);
    snprintf(f.kind, sizeof(f.kind), "webhook");
    snprintf(f.url, sizeof(f.url), "http://127.0.0.1:9/hook");
    f.settings = strdup("{\"secret\":\"s\"}");
    if (dev)
        zs_forwarder_set_devices(&f, &dev, 1);
    if (group)
        zs_forwarder_set_groups(&f, &group, 1);
    int64_t id = 0;
    int rc = zs_forwarder_create(st, &f, since, &id, backfilled);
    zs_forwarder_clear(&f);
    return rc == 0 ? id : -rc;
}

static int64_t count_state(zs_store *st, int64_t fwd, int state)
{
    zs_outbox_stats s;
    if (zs_outbox_stats_get(st, fwd, &s) != 0)
        return -1;
    switch (state) {
    case ZS_OUTBOX_PENDING:
        return s.pending;
    case ZS_OUTBOX_DELIVERED:
        return s.delivered;
    case ZS_OUTBOX_DUPLICATE:
        return s.duplicate;
    case ZS_OUTBOX_PARKED:
        return s.parked;
    default:
        return s.failed;
    }
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void test_forward(zs_store *st, const char *uri)
{
    zdb *raw = NULL;
    zs_outbox_item *rows = NULL;
    size_t n = 0;
    NEED(add_device(st, "FWDA", "10.0.0.1", "default", "+03:00") == 0);
    NEED(add_device(st, "FWDB", "10.0.0.2", "g2", "") == 0);
    /* Punches stored before any forwarder: no row anywhere, but a backfill can see them. */
    NEED(punch(st, "FWDA", "7", "2026-01-01 08:00:00", 0) == 0);
    NEED(punch(st, "FWDB", "8", "2026-01-02 08:00:00", 0) == 0);

    int64_t all = make(st, "all", NULL, NULL, NULL, NULL);
    int64_t bydev = make(st, "by-device", "FWDA", NULL, NULL, NULL);
    int64_t bygroup = make(st, "by-group", NULL, "g2", NULL, NULL);
    NEED(all > 0 && bydev > 0 && bygroup > 0);
    CHECK_EQ_INT(make(st, "all", NULL, NULL, NULL, NULL), -ZKBIO_EEXIST);
    int64_t bf = 0;
    int64_t back = make(st, "backfill", NULL, "g2", "2026-01-01 12:00:00", &bf);
    NEED(back > 0);
    CHECK_EQ_INT(bf, 1); /* FWDB's punch only: the group filter and the time bound both apply */
    CHECK_EQ_INT(count_state(st, back, ZS_OUTBOX_PENDING), 1);
    CHECK_EQ_INT(count_state(st, all, ZS_OUTBOX_PENDING), 0);

    /* The trigger: every source of punches queues rows for the matching forwarders. */
    NEED(punch(st, "FWDA", "1", "2026-02-01 08:00:00", 0) == 0);
    NEED(punch(st, "FWDA", "2", "2026-02-01 08:00:01", 1) == 0);
    NEED(punch(st, "FWDB", "3", "2026-02-01 08:00:02", 4) == 0);
    CHECK_EQ_INT(count_state(st, all, ZS_OUTBOX_PENDING), 3);
    CHECK_EQ_INT(count_state(st, bydev, ZS_OUTBOX_PENDING), 2);
    CHECK_EQ_INT(count_state(st, bygroup, ZS_OUTBOX_PENDING), 1);
    CHECK_EQ_INT(count_state(st, back, ZS_OUTBOX_PENDING), 2);

    /* Due rows in id order, joined to the punch and its device. */
    zs_outbox_item due[8];
    NEED(zs_outbox_due(st, all, now_ms(), due, 8, &n) == 0);
    NEED(n == 3);
    CHECK(due[0].id < due[1].id && due[1].id < due[2].id);
    CHECK_STR(due[0].sn, "FWDA");
    CHECK_STR(due[0].pin, "1");
    CHECK_STR(due[0].punch_time, "2026-02-01 08:00:00");
    CHECK_STR(due[0].device_tz, "+03:00");
    CHECK_STR(due[0].device_name, "door FWDA");
    CHECK_STR(due[0].sync_group, "default");
    CHECK_EQ_INT(due[1].status, 1);
    CHECK_EQ_INT(due[0].verify, 1);
    CHECK_STR(due[2].sync_group, "g2");
    CHECK_EQ_INT(due[0].state, ZS_OUTBOX_PENDING);
    CHECK(due[0].created_at > 1600000000);
    NEED(zs_outbox_due(st, all, now_ms(), due, 2, &n) == 0);
    CHECK_EQ_INT(n, 2);

    /* sent_time: set once, never replaced. */
    int64_t ids[3] = {due[0].id, due[1].id, 0};
    const char *t1[2] = {"2026-02-01 05:00:00", "2026-02-01 05:00:01"};
    const char *t2[2] = {"2026-02-01 05:00:00.000000", "other"};
    CHECK(zs_outbox_set_sent_times(st, ids, t1, 2) == 0);
    CHECK(zs_outbox_set_sent_times(st, ids, t2, 2) == 0);
    NEED(zs_outbox_due(st, all, now_ms(), due, 8, &n) == 0 && n == 3);
    CHECK_STR(due[0].sent_time, "2026-02-01 05:00:00");
    CHECK_STR(due[1].sent_time, "2026-02-01 05:00:01");
    CHECK_STR(due[2].sent_time, "");

    /* Results: delivered, parked, retry later. */
    int64_t later = now_ms() + 60000;
    zs_outbox_result r[3] = {
        {.id = due[0].id, .state = ZS_OUTBOX_DELIVERED, .last_status = 200},
        {.id = due[1].id, .state = ZS_OUTBOX_PARKED, .last_status = 417, .error = "No Employee"},
        {.id = due[2].id,
         .state = ZS_OUTBOX_PENDING,
         .next_at = later,
         .last_status = 502,
         .error = "bad gateway"},
    };
    NEED(zs_outbox_mark(st, all, r, 3) == 0);
    NEED(zs_outbox_due(st, all, now_ms(), due, 8, &n) == 0);
    CHECK_EQ_INT(n, 0); /* the retry is not due yet */
    NEED(zs_outbox_due(st, all, later, due, 8, &n) == 0);
    NEED(n == 1);
    CHECK_EQ_INT(due[0].attempts, 1);
    CHECK_EQ_INT(due[0].last_status, 502);
    CHECK_STR(due[0].last_error, "bad gateway");
    CHECK_EQ_INT(due[0].next_at, later);
    /* A result for a row no longer pending changes nothing. */
    zs_outbox_result again = {.id = r[0].id, .state = ZS_OUTBOX_FAILED, .last_status = 400};
    CHECK(zs_outbox_mark(st, all, &again, 1) == 0);
    zs_outbox_stats s;
    NEED(zs_outbox_stats_get(st, all, &s) == 0);
    CHECK_EQ_INT(s.pending, 1);
    CHECK_EQ_INT(s.delivered, 1);
    CHECK_EQ_INT(s.parked, 1);
    CHECK_EQ_INT(s.failed, 0);
    CHECK(s.oldest_pending_at > 1600000000);

    /* Listing: by state, and keyset paging. */
    NEED(zs_outbox_list(st, all, ZS_OUTBOX_PARKED, 0, 10, &rows, &n) == 0);
    NEED(n == 1);
    CHECK_EQ_INT(rows[0].id, r[1].id);
    CHECK_STR(rows[0].last_error, "No Employee");
    CHECK_STR(rows[0].sent_time, "2026-02-01 05:00:01");
    free(rows);
    rows = NULL;
    NEED(zs_outbox_list(st, all, -1, 0, 2, &rows, &n) == 0);
    NEED(n == 2);
    int64_t cursor = rows[1].id;
    free(rows);
    rows = NULL;
    NEED(zs_outbox_list(st, all, -1, cursor, 2, &rows, &n) == 0);
    CHECK_EQ_INT(n, 1);
    free(rows);
    rows = NULL;
    CHECK(zs_outbox_list(st, all, 99, 0, 2, &rows, &n) == ZKBIO_EINVAL);
    NEED(zs_outbox_list(st, all, ZS_OUTBOX_DELIVERED, 0, 10, &rows, &n) == 0 && n == 1);
    CHECK(rows[0].delivered_at > 0);
    free(rows);
    rows = NULL;

    /* Requeue and drop. */
    int64_t cnt = -1;
    CHECK(zs_outbox_requeue(st, all, NULL, 0, ZS_OUTBOX_PARKED, &cnt) == 0);
    CHECK_EQ_INT(cnt, 1);
    CHECK_EQ_INT(count_state(st, all, ZS_OUTBOX_PENDING), 2);
    CHECK(zs_outbox_requeue(st, all, NULL, 0, ZS_OUTBOX_PENDING, &cnt) == ZKBIO_EINVAL);
    zs_outbox_result f1 = {.id = r[1].id, .state = ZS_OUTBOX_FAILED, .last_status = 400};
    NEED(zs_outbox_mark(st, all, &f1, 1) == 0);
    int64_t one[2] = {r[1].id, r[0].id}; /* the delivered one is not requeued */
    CHECK(zs_outbox_requeue(st, all, one, 2, -1, &cnt) == 0);
    CHECK_EQ_INT(cnt, 1);
    CHECK(zs_outbox_requeue(st, bydev, one, 1, -1, &cnt) == 0);
    CHECK_EQ_INT(cnt, 0); /* another forwarder's row */
    CHECK(zs_outbox_drop(st, all, one, 1, -1, &cnt) == 0);
    CHECK_EQ_INT(cnt, 1);
    CHECK(zs_outbox_drop(st, all, NULL, 0, ZS_OUTBOX_PARKED, &cnt) == 0);
    CHECK_EQ_INT(cnt, 0);
    CHECK_EQ_INT(count_state(st, all, ZS_OUTBOX_PENDING), 1);

    /* Leases: one owner at a time, renewable, droppable. */
    int got = 0;
    CHECK(zs_forwarder_lease(st, all, "proc-a", 60000, &got) == 0 && got == 1);
    CHECK(zs_forwarder_lease(st, all, "proc-b", 60000, &got) == 0 && got == 0);
    CHECK(zs_forwarder_lease(st, all, "proc-a", 60000, &got) == 0 && got == 1);
    CHECK(zs_forwarder_lease_drop(st, all, "proc-b") == 0);
    CHECK(zs_forwarder_lease(st, all, "proc-b", 60000, &got) == 0 && got == 0);
    CHECK(zs_forwarder_lease_drop(st, all, "proc-a") == 0);
    CHECK(zs_forwarder_lease(st, all, "proc-b", 1, &got) == 0 && got == 1);
    nanosleep(&(struct timespec){.tv_nsec = 20000000L}, NULL); /* 20 ms: expired, taken over */
    CHECK(zs_forwarder_lease(st, all, "proc-a", 60000, &got) == 0 && got == 1);
    CHECK(zs_forwarder_lease(st, 999999, "proc-a", 60000, &got) == 0 && got == 0);
    /* a dead owner's live lease is taken only from that owner */
    CHECK(zs_forwarder_lease_steal(st, all, "proc-x", "proc-b", 60000, &got) == 0 && got == 0);
    CHECK(zs_forwarder_lease_steal(st, all, "proc-a", "proc-b", 60000, &got) == 0 && got == 1);
    CHECK(zs_forwarder_lease(st, all, "proc-a", 60000, &got) == 0 && got == 0);
    CHECK(zs_forwarder_lease_drop(st, all, "proc-b") == 0);

    /* Get, list, update, pause/resume, note. */
    zs_forwarder g;
    memset(&g, 0, sizeof(g));
    NEED(zs_forwarder_get(st, bydev, &g) == 0);
    CHECK_STR(g.name, "by-device");
    CHECK_STR(g.state, "active");
    CHECK_STR(g.source, "api");
    CHECK(g.ndevices == 1 && strcmp(g.devices[0], "FWDA") == 0);
    CHECK_EQ_INT(g.ngroups, 0);
    CHECK(g.settings && strstr(g.settings, "secret"));
    snprintf(g.name, sizeof(g.name), "all");
    CHECK_EQ_INT(zs_forwarder_update(st, &g), ZKBIO_EEXIST);
    snprintf(g.name, sizeof(g.name), "renamed");
    const char *grp = "g2";
    NEED(zs_forwarder_set_devices(&g, NULL, 0) == 0 && zs_forwarder_set_groups(&g, &grp, 1) == 0);
    CHECK(zs_forwarder_update(st, &g) == 0);
    zs_forwarder_clear(&g);
    NEED(zs_forwarder_find(st, "renamed", &g) == 0);
    CHECK(g.id == bydev && g.ndevices == 0 && g.ngroups == 1 && strcmp(g.groups[0], "g2") == 0);
    zs_forwarder_clear(&g);
    NEED(punch(st, "FWDB", "9", "2026-02-02 08:00:00", 0) == 0); /* now matches the group */
    CHECK_EQ_INT(count_state(st, bydev, ZS_OUTBOX_PENDING), 3);
    CHECK(zs_forwarder_set_state(st, bydev, "paused", "HTTP 401") == 0);
    NEED(zs_forwarder_get(st, bydev, &g) == 0);
    CHECK_STR(g.state, "paused");
    CHECK_STR(g.paused_reason, "HTTP 401");
    zs_forwarder_clear(&g);
    CHECK(zs_forwarder_set_state(st, bydev, "active", "ignored") == 0);
    CHECK(zs_forwarder_set_state(st, bydev, "weird", NULL) == ZKBIO_EINVAL);
    CHECK(zs_forwarder_set_state(st, 999999, "active", NULL) == ZKBIO_ENOENT);
    CHECK(zs_forwarder_note(st, bydev, "HTTP 502", 1) == 0);
    NEED(zs_forwarder_get(st, bydev, &g) == 0);
    CHECK_STR(g.paused_reason, "");
    CHECK_STR(g.last_error, "HTTP 502");
    CHECK(g.last_error_at > 0 && g.last_success_at > 0);
    zs_forwarder_clear(&g);
    CHECK(zs_forwarder_get(st, 999999, &g) == ZKBIO_ENOENT);
    zs_forwarder *list = NULL;
    int64_t total = 0;
    NEED(zs_forwarders_list(st, 0, 2, &list, &n, &total) == 0);
    CHECK_EQ_INT(n, 2);
    CHECK_EQ_INT(total, 4);
    CHECK(n == 2 && list[0].id == all && list[1].ndevices == 0 && list[1].ngroups == 1);
    int64_t after = n == 2 ? list[1].id : 0;
    zs_forwarders_free(list, n);
    NEED(zs_forwarders_list(st, after, 10, &list, &n, NULL) == 0);
    CHECK_EQ_INT(n, 2);
    zs_forwarders_free(list, n);

    /* Delete: the forwarder, its filters and its rows go; others stay. */
    CHECK(zs_forwarder_delete(st, bydev) == 0);
    CHECK_EQ_INT(zs_forwarder_delete(st, bydev), ZKBIO_ENOENT);
    CHECK_EQ_INT(count_state(st, bydev, ZS_OUTBOX_PENDING), 0);
    CHECK_EQ_INT(count_state(st, bygroup, ZS_OUTBOX_PENDING), 2);

    /* Many rows: the multi-row statements (chunks of 64, 16, 4, 1). */
    NEED(add_device(st, "FWDC", "10.0.0.3", "default", "") == 0);
    int64_t bulk = make(st, "bulk", "FWDC", NULL, NULL, NULL);
    NEED(bulk > 0);
    for (int i = 0; i < 70; i++) {
        char pin[8], t[20];
        snprintf(pin, sizeof(pin), "%d", 100 + i);
        snprintf(t, sizeof(t), "2026-03-01 08:%02d:00", i % 60);
        NEED(punch(st, "FWDC", pin, t, i / 60) == 0);
    }
    zs_outbox_item *many = calloc(100, sizeof(*many));
    int64_t mids[100];
    const char *mt[100];
    char mtext[100][24];
    zs_outbox_result mr[100];
    NEED(many && zs_outbox_due(st, bulk, now_ms(), many, 100, &n) == 0 && n == 70);
    for (size_t i = 0; i < n; i++) {
        mids[i] = many[i].id;
        snprintf(mtext[i], sizeof(mtext[i]), "T%zu", i);
        mt[i] = mtext[i];
        memset(&mr[i], 0, sizeof(mr[i]));
        mr[i].id = many[i].id;
        mr[i].state = i == 65 ? ZS_OUTBOX_FAILED : ZS_OUTBOX_DELIVERED;
        mr[i].last_status = i == 65 ? 400 : 200;
    }
    CHECK(zs_outbox_set_sent_times(st, mids, mt, n) == 0);
    CHECK(zs_outbox_mark(st, bulk, mr, n) == 0);
    free(many);
    NEED(zs_outbox_list(st, bulk, -1, 0, 100, &rows, &n) == 0 && n == 70);
    for (size_t i = 0; i < n; i++) {
        char want[24];
        snprintf(want, sizeof(want), "T%zu", i);
        CHECK_STR(rows[i].sent_time, want);
        CHECK_EQ_INT(rows[i].state, i == 65 ? ZS_OUTBOX_FAILED : ZS_OUTBOX_DELIVERED);
        CHECK_EQ_INT(rows[i].attempts, 1);
    }
    free(rows);
    rows = NULL;

    /* Retention: delivered rows older than the window go. */
    CHECK(zs_outbox_sweep(st, 0, &cnt) == 0);
    CHECK_EQ_INT(cnt, 0);
    char err[256];
    NEED(zdb_open(uri, &raw, err, sizeof(err)) == 0);
    NEED(zdb_run(raw, "UPDATE outbox SET delivered_at = 1000 WHERE state = 'delivered'", NULL) ==
         0);
    NEED(zdb_run(raw, "UPDATE outbox SET delivered_at = ? WHERE forwarder_id = ?", "ll",
                 (int64_t)time(NULL), bulk) == 0);
    CHECK(zs_outbox_sweep(st, 7, &cnt) == 0);
    CHECK_EQ_INT(cnt, 1);

    /* A punch deleted after it was queued: its row is still listed and due, with no punch. */
    NEED(punch(st, "FWDB", "77", "2026-04-01 08:00:00", 0) == 0);
    NEED(zdb_run(raw, "DELETE FROM attendance WHERE pin = '77'", NULL) == 0);
    NEED(zs_outbox_due(st, bygroup, now_ms(), due, 8, &n) == 0);
    int orphan = 0;
    for (size_t i = 0; i < n; i++)
        orphan += due[i].punch_time[0] == '\0' && due[i].sn[0] == '\0';
    CHECK_EQ_INT(orphan, 1);
    CHECK_EQ_INT(count_state(st, all, ZS_OUTBOX_DELIVERED), 0);
out:
    free(rows);
    zdb_close(raw);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s sqlite:tmp|URI\n", argv[0]);
        return 2;
    }
    test_db db;
    if (test_db_init(&db, argv[1], "zkbio-fwdstore", "store.db") != 0)
        return 2;
    zs_store *st = open_store(db.uri);
    NEED(st);
    test_forward(st, db.uri);
out:
    zs_close(st);
    test_db_cleanup(&db);
    return TEST_DONE();
}
