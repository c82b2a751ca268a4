/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The store's part of the 4370 fleet (store_fleet.h) against whichever backend the URI names
 * (sqlite:tmp, or a mariadb:// URI from tests/support/mariadb.sh): register with endpoint and
 * serial conflicts, lookups, state and counts, the bulk punch insert's inserted/duplicate counts
 * across 500-row transactions (and the PUSH path's key: a punch the PUSH writer stored is a
 * duplicate), leases between two owners, a sync group's users with templates, delete.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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

static zs_fleet_device dev(const char *sn, const char *ip, int port)
{
    zs_fleet_device d;
    memset(&d, 0, sizeof(d));
    snprintf(d.sn, sizeof(d.sn), "%s", sn);
    snprintf(d.ip, sizeof(d.ip), "%s", ip);
    d.port = port;
    d.comm_key = 123456;
    snprintf(d.name, sizeof(d.name), "door");
    snprintf(d.tz, sizeof(d.tz), "+03:00");
    snprintf(d.model, sizeof(d.model), "F18");
    return d;
}

/* Stop after the second committed transaction. */
static int stop_after_two(void *ctx, size_t done)
{
    (void)ctx;
    return done >= 2 * ZS_FLEET_BATCH;
}

static void test_fleet(zs_store *st)
{
    zs_fleet_device a = dev("FLT0001", "10.0.0.5", 4370), got;
    int64_t id = 0, id2 = 0, other = 0;
    NEED(zs_fleet_add(st, &a, &id) == 0 && id > 0);
    CHECK_EQ_INT(zs_fleet_add(st, &a, &id2), ZKBIO_EEXIST); /* same endpoint */
    zs_fleet_device b = dev("FLT0001", "10.0.0.6", 4370);
    CHECK_EQ_INT(zs_fleet_add(st, &b, &id2), ZKBIO_EEXIST); /* same serial number */
    b = dev("FLT0002", "10.0.0.5", 4371);
    NEED(zs_fleet_add(st, &b, &id2) == 0 && id2 != id);
    CHECK(zs_fleet_find_endpoint(st, "10.0.0.5", 4370, &other) == 0 && other == id);
    CHECK_EQ_INT(zs_fleet_find_endpoint(st, "10.0.0.5", 4372, &other), ZKBIO_ENOENT);
    NEED(zs_fleet_get(st, id, &got) == 0);
    CHECK_STR(got.transport, "tcp4370");
    CHECK_STR(got.tz, "+03:00");
    CHECK_EQ_INT(got.comm_key, 123456);
    CHECK_STR(got.sync_group, "default");
    CHECK_EQ_INT(zs_fleet_get(st, 999999, &got), ZKBIO_ENOENT);
    CHECK(zs_fleet_set_state(st, id, "offline", "no answer", 0) == 0);
    CHECK(zs_fleet_set_counts(st, id, 10, -1, 300) == 0);
    NEED(zs_fleet_get(st, id, &got) == 0);
    CHECK_STR(got.state, "offline");
    CHECK_STR(got.last_error, "no answer");
    CHECK(got.user_count == 10 && got.fp_count == -1 && got.punch_count == 300);
    CHECK(zs_fleet_set_state(st, id, "online", "", 1) == 0);
    NEED(zs_fleet_get(st, id, &got) == 0);
    CHECK(got.last_seen > 0 && got.last_error[0] == '\0');
    zs_fleet_device *list = NULL;
    size_t n = 0;
    NEED(zs_fleet_list_4370(st, &list, &n) == 0);
    CHECK_EQ_INT(n, 2);
    free(list);

    /* bulk insert: three transactions' worth, then again: all duplicates */
    size_t np = 2 * ZS_FLEET_BATCH + 234, ins = 0, dup = 0;
    zs_fleet_punch *p = calloc(np, sizeof(*p));
    NEED(p);
    for (size_t i = 0; i < np; i++) {
        snprintf(p[i].pin, sizeof(p[i].pin), "%zu", 1 + i % 7);
        snprintf(p[i].time, sizeof(p[i].time), "2024-02-%02zu %02zu:%02zu:00", 1 + i / 1440 % 28,
                 i / 60 % 24, i % 60);
        p[i].status = (int)(i % 2);
        p[i].verify = 1;
        p[i].workcode = i % 3 ? 0 : 5;
    }
    CHECK(zs_fleet_punches_insert(st, "FLT0001", p, np, NULL, NULL, &ins, &dup) == 0);
    CHECK(ins == np && dup == 0);
    CHECK(zs_fleet_punches_insert(st, "FLT0001", p, np, NULL, NULL, &ins, &dup) == 0);
    CHECK(ins == 0 && dup == np);
    /* the same punches of another terminal are not duplicates */
    CHECK(zs_fleet_punches_insert(st, "FLT0002", p, 10, NULL, NULL, &ins, &dup) == 0);
    CHECK(ins == 10 && dup == 0);
    /* stopped by the progress callback after a committed batch */
    CHECK_EQ_INT(zs_fleet_punches_insert(st, "FLT0003", p, np, stop_after_two, NULL, &ins, &dup),
                 ZKBIO_ECANCELED);
    CHECK(ins == 2 * ZS_FLEET_BATCH && dup == 0);
    /* the PUSH path's key: a punch stored by the group-commit writer is a duplicate here */
    zkbio_push_batch *batch = NULL;
    const char body[] = "77\t2024-03-01 08:00:00\t0\t1\t0\n";
    NEED(zkbio_push_upload_parse(ZKBIO_PUSH_TABLE_ATTLOG, body, sizeof(body) - 1, NULL, 0,
                                 &batch) == 0);
    size_t acc = 0;
    CHECK(zs_ingest_attlog(st, "FLT0002", batch, "", &acc) == 0 && acc == 1);
    zkbio_push_batch_free(batch);
    zs_fleet_punch q = {.pin = "77", .time = "2024-03-01 08:00:00", .status = 0, .verify = 1};
    CHECK(zs_fleet_punches_insert(st, "FLT0002", &q, 1, NULL, NULL, &ins, &dup) == 0);
    CHECK(ins == 0 && dup == 1);
    free(p);

    /* leases: one owner at a time; the holder renews; another takes an expired one */
    int g = 0;
    CHECK(zs_lease_take(st, id, "proc-a", 60000, &g) == 0 && g == 1);
    CHECK(zs_lease_take(st, id, "proc-b", 60000, &g) == 0 && g == 0);
    CHECK(zs_lease_take(st, id, "proc-a", 60000, &g) == 0 && g == 1);
    CHECK(zs_lease_drop(st, id, "proc-b") == 0); /* not the holder: nothing */
    CHECK(zs_lease_take(st, id, "proc-b", 60000, &g) == 0 && g == 0);
    CHECK(zs_lease_drop(st, id, "proc-a") == 0);
    CHECK(zs_lease_take(st, id, "proc-b", 1, &g) == 0 && g == 1);
    nanosleep(&(struct timespec){.tv_nsec = 20000000L}, NULL); /* 20 ms: expired */
    CHECK(zs_lease_take(st, id, "proc-a", 60000, &g) == 0 && g == 1);

    /* a group's users with their templates, paged by PIN */
    const char ub[] = "USER PIN=5\tName=Eve\tPri=0\tPasswd=12\tCard=99\n"
                      "USER PIN=6\tName=Finn\tPri=14\n"
                      "FP PIN=5\tFID=2\tSize=8\tValid=1\tTMP=AAECAwQFBgc=\n";
    NEED(zkbio_push_upload_parse(ZKBIO_PUSH_TABLE_OPERLOG, ub, sizeof(ub) - 1, NULL, 0, &batch) ==
         0);
    CHECK(zs_ingest_operlog(st, "FLT0001", batch, ZS_STAMP_OPERLOG, "", &acc) == 0);
    zkbio_push_batch_free(batch);
    zs_fleet_user *u = NULL;
    n = 0;
    NEED(zs_fleet_group_users(st, "default", "", 1, &u, &n) == 0 && n == 1);
    CHECK_STR(u[0].pin, "5");
    CHECK_STR(u[0].password, "12");
    CHECK(u[0].ntemplates == 1 && u[0].templates[0].fid == 2);
    CHECK_STR(u[0].templates[0].tmp, "AAECAwQFBgc=");
    zs_fleet_users_free(u, n);
    NEED(zs_fleet_group_users(st, "default", "5", 100, &u, &n) == 0 && n == 1);
    CHECK_STR(u[0].pin, "6");
    CHECK(u[0].privilege == 14 && u[0].ntemplates == 0);
    zs_fleet_users_free(u, n);
    CHECK_EQ_INT(zs_fleet_group_users(st, "default", "", 0, &u, &n), ZKBIO_EINVAL);

    /* delete: the row and its lease go, punches stay */
    CHECK(zs_fleet_delete(st, id) == 0);
    CHECK_EQ_INT(zs_fleet_delete(st, id), ZKBIO_ENOENT);
    CHECK_EQ_INT(zs_fleet_get(st, id, &got), ZKBIO_ENOENT);
    CHECK(zs_lease_take(st, id, "proc-b", 60000, &g) == 0 && g == 1); /* the old lease is gone */
out:;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s sqlite:tmp|URI\n", argv[0]);
        return 2;
    }
    test_db db;
    if (test_db_init(&db, argv[1], "zkbio-fleetstore", "store.db") != 0)
        return 2;
    const char *uri = db.uri;
    zs_store *st = open_store(uri);
    NEED(st);
    test_fleet(st);
out:
    zs_close(st);
    test_db_cleanup(&db);
    return TEST_DONE();
}
