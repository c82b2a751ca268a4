/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Integration keys and inbound punches (store_intkeys.h, issue 16 inbound part) against whichever
 * backend the URI names (sqlite:tmp, or a mariadb:// URI from tests/support/mariadb.sh): create
 * (a taken api_key, a bad hash), get by key and id, keyset paging, revoke (once, again, unknown),
 * last_used_at written at most once per gap; zs_inbound_store per-row ids (new, already stored,
 * repeated within one call), the outbox row the schema-6 trigger adds per forwarder in the same
 * transaction (new rows only), and a device's zone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "store.h"

#include "../support/test-db.h"
#include "../support/test.h"

#define NEED(cond) REQUIRE(cond, "REQUIRE(%s) failed", #cond)
#define HASH_A     "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define HASH_B     "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"

static zs_store *open_store(const char *uri)
{
    zs_policy pol = {.full_sync = 0, .command_timeout_s = 60, .max_attempts = 3, .auto_admit = 1};
    zs_store *st = NULL;
    char err[256];
    if (zs_open(uri, &pol, &st, err, sizeof(err)) != 0)
        fprintf(stderr, "zs_open(%s): %s\n", uri, err);
    return st;
}

static void test_keys(zs_store *st)
{
    int64_t a = 0, b = 0, c = 0;
    CHECK(zs_intkey_create(st, "keyA", HASH_A, "first", "cli", &a) == 0 && a > 0);
    CHECK(zs_intkey_create(st, "keyB", HASH_B, "second", "admin@example.org", &b) == 0 && b > a);
    CHECK(zs_intkey_create(st, "keyA", HASH_B, "dup", "cli", &c) == ZKBIO_EEXIST);
    CHECK(zs_intkey_create(st, "keyC", "not-a-hash", "x", "cli", &c) == ZKBIO_EINVAL);
    CHECK(zs_intkey_create(st, "", HASH_A, "x", "cli", &c) == ZKBIO_EINVAL);
    CHECK(zs_intkey_create(st, "keyC", HASH_A, "third", "cli", &c) == 0);
    zs_intkey k;
    NEED(zs_intkey_get_by_key(st, "keyA", &k) == 0);
    CHECK(k.id == a && !strcmp(k.secret_hash, HASH_A) && !strcmp(k.name, "first") &&
          !strcmp(k.created_by, "cli") && k.created_at > 1600000000000LL && k.last_used_at == 0 &&
          k.revoked_at == 0);
    CHECK(zs_intkey_get_by_key(st, "nokey", &k) == ZKBIO_ENOENT);
    CHECK(zs_intkey_get(st, 987654, &k) == ZKBIO_ENOENT);
    /* paging: 2 + 1 */
    zs_intkey_page p;
    NEED(zs_intkey_list(st, 0, 2, &p) == 0);
    CHECK(p.n == 2 && p.has_next && p.next == b && p.total == 3);
    zs_intkey_page_free(&p);
    NEED(zs_intkey_list(st, b, 2, &p) == 0);
    CHECK(p.n == 1 && !p.has_next && p.rows[0].id == c);
    zs_intkey_page_free(&p);
    /* revoke once, again, unknown */
    int was = -1;
    CHECK(zs_intkey_revoke(st, b, 1700000000000LL, &was) == 0 && was == 1);
    CHECK(zs_intkey_revoke(st, b, 1800000000000LL, &was) == 0 && was == 0);
    NEED(zs_intkey_get(st, b, &k) == 0);
    CHECK(k.revoked_at == 1700000000000LL); /* the first revocation stays */
    CHECK(zs_intkey_revoke(st, 987654, 1, &was) == ZKBIO_ENOENT);
    /* last_used_at: at most once per gap */
    CHECK(zs_intkey_touch(st, a, 1000000, 60000) == 0);
    CHECK(zs_intkey_touch(st, a, 1030000, 60000) == 0); /* within the gap: kept */
    NEED(zs_intkey_get(st, a, &k) == 0);
    CHECK_EQ_INT(k.last_used_at, 1000000);
    CHECK(zs_intkey_touch(st, a, 1061000, 60000) == 0);
    NEED(zs_intkey_get(st, a, &k) == 0);
    CHECK_EQ_INT(k.last_used_at, 1061000);
out:;
}

static zs_inbound_punch punch(const char *sn, const char *pin, const char *t, int status)
{
    zs_inbound_punch p;
    memset(&p, 0, sizeof(p));
    snprintf(p.sn, sizeof(p.sn), "%s", sn);
    snprintf(p.pin, sizeof(p.pin), "%s", pin);
    snprintf(p.time, sizeof(p.time), "%s", t);
    p.status = status;
    p.verify = 200;
    snprintf(p.extra, sizeof(p.extra), "src=frappe\tdevice_id=%s", sn);
    return p;
}

static void test_punches(zs_store *st, const char *uri)
{
    /* a forwarder (written directly: its store part belongs to daemon/forward): the schema-6
     * trigger queues every punch stored for it, in the storing transaction */
    zdb *db = NULL;
    char err[256];
    int64_t queued = -1;
    NEED(zdb_open(uri, &db, err, sizeof(err)) == 0);
    NEED(zdb_run(db,
                 "INSERT INTO forwarders (name, kind, url, created_at, updated_at) VALUES "
                 "('inbound-test', 'webhook', 'http://127.0.0.1:9/', 0, 0)",
                 NULL) == 0);
    zs_fleet_device d;
    memset(&d, 0, sizeof(d));
    snprintf(d.sn, sizeof(d.sn), "INTZ01");
    snprintf(d.ip, sizeof(d.ip), "10.9.9.9");
    d.port = 4370;
    snprintf(d.tz, sizeof(d.tz), "+03:00");
    int64_t did = 0;
    NEED(zs_fleet_add(st, &d, &did) == 0);
    int known = -1;
    char tz[65];
    CHECK(zs_inbound_device_tz(st, "INTZ01", &known, tz) == 0 && known == 1 &&
          !strcmp(tz, "+03:00"));
    CHECK(zs_inbound_device_tz(st, "NOSUCHDEV", &known, tz) == 0 && known == 0 && tz[0] == 0);

    zs_inbound_punch p[4] = {
        punch("INTZ01", "1", "2025-01-27 08:00:00", 0),
        punch("INTZ01", "1", "2025-01-27 08:00:00", 1), /* OUT in the same second: another */
        punch("INTZ01", "2", "2025-01-27 08:00:00", 0),
        punch("INTZ01", "1", "2025-01-27 08:00:00", 0), /* repeats p[0] in the same call */
    };
    int64_t ids[4] = {-1, -1, -1, -1};
    NEED(zs_inbound_store(st, p, 4, ids) == 0);
    CHECK(ids[0] > 0 && ids[1] > ids[0] && ids[2] > ids[1] && ids[3] == 0);
    int64_t again[2] = {-1, -1};
    zs_inbound_punch q[2] = {p[2], punch("UNKNOWNSN", "9", "2025-01-27 09:00:00", 255)};
    NEED(zs_inbound_store(st, q, 2, again) == 0);
    CHECK(again[0] == 0 && again[1] > ids[2]);
    NEED(zdb_query_int64(db, "SELECT COUNT(*) FROM outbox", &queued, NULL) == 0);
    CHECK_EQ_INT((int)queued, 4); /* the new rows only: a duplicate queues nothing */
    zs_punch_filter f;
    memset(&f, 0, sizeof(f));
    f.sn = "INTZ01";
    f.limit = 100;
    f.status = -1;
    zs_punch_page pg;
    NEED(zs_list_attendance(st, &f, &pg) == 0);
    CHECK_EQ_INT((int)pg.n, 3);
    for (size_t i = 0; i < pg.n; i++)
        CHECK(pg.punches[i].verify == 200);
    zs_punch_page_free(&pg);
    CHECK(zs_inbound_store(st, p, 0, ids) == 0);
    CHECK(zs_inbound_store(st, NULL, 1, ids) == ZKBIO_EINVAL);
out:
    zdb_close(db);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s sqlite:tmp|URI\n", argv[0]);
        return 2;
    }
    test_db db;
    if (test_db_init(&db, argv[1], "zkbio-intkeys", "store.db") != 0)
        return 2;
    zs_store *st = open_store(db.uri);
    NEED(st);
    test_keys(st);
    test_punches(st, db.uri);
out:
    zs_close(st);
    test_db_cleanup(&db);
    return TEST_DONE();
}
