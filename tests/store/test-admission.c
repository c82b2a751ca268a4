/* SPDX-License-Identifier: Apache-2.0 */
/* Terminal admission in the store (daemon/store/admission.c, store_admission.h; issue 15) on
 * SQLite and MariaDB: pending registration within the per-source rate and the pending cap, held
 * uploads and their quota, approve (replay, full sync) and reject (nothing left), pinning, the
 * address-change audit, the refusal log gate and the 4370 serial-number flag. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "store.h"

#include "../support/test-db.h"
#include "../support/test.h"

static int hello(zs_store *st, const char *sn, const char *ip, zs_admit *admit)
{
    zkbio_push_handshake hs;
    memset(&hs, 0, sizeof(hs));
    snprintf(hs.sn, sizeof(hs.sn), "%s", sn);
    snprintf(hs.pushver, sizeof(hs.pushver), "2.4.1");
    hs.language = 69;
    hs.generation = 2;
    char stamps[4][32];
    return zs_device_hello(st, &hs, ip, admit, stamps);
}

static int64_t q1(zdb *db, const char *sql, const char *sn)
{
    int64_t v = -1;
    if (zdb_query_int64(db, sql, &v, "s", sn) != 0)
        return -1;
    return v;
}

static int64_t id_of(zs_store *st, const char *sn)
{
    zs_device d;
    if (zs_get_device(st, sn, &d) != 0)
        return -1;
    int64_t id = d.id;
    zs_device_clear(&d);
    return id;
}

static size_t audit_rows(zs_store *st, const char *action, const char *target)
{
    zs_audit_filter f = {.action = action, .limit = 1000};
    zs_audit_page p;
    size_t n = 0;
    if (zs_audit_list(st, &f, &p) != 0)
        return (size_t)-1;
    for (size_t i = 0; i < p.n; i++)
        n += strcmp(p.rows[i].target, target) == 0;
    zs_audit_page_free(&p);
    return n;
}

static const char USERS[] = "USER PIN=71\tName=Held\tPri=0\tGrp=1\n";
static const char PUNCHES[] = "71\t2025-04-01 08:00:00\t0\t1\t0\t0\t0\n"
                              "71\t2025-04-01 17:00:00\t1\t1\t0\t0\t0\n";

static void run(const char *uri)
{
    zs_policy pol = {.full_sync = 1,
                     .command_timeout_s = 60,
                     .max_attempts = 3,
                     .pending = 1,
                     .pending_max = 3,
                     .unknown_rate = 2};
    zs_store *st = NULL;
    char err[256];
    zdb *db = NULL;
    zs_admit a = ZS_ADMIT_OK;
    REQUIRE(zs_open(uri, &pol, &st, err, sizeof(err)) == 0, "zs_open: %s", err);
    REQUIRE(zdb_open(uri, &db, err, sizeof(err)) == 0, "zdb_open: %s", err);

    /* An approved terminal with a user, for the full sync of the approved one later. */
    CHECK(hello(st, "GOOD", "10.0.0.9", &a) == 0 && a == ZS_ADMIT_PENDING);
    zs_approve_result r;
    CHECK(zs_device_approve(st, id_of(st, "GOOD"), &r) == 0 && r.was == ZS_ADMIT_PENDING);
    CHECK(hello(st, "GOOD", "10.0.0.9", &a) == 0 && a == ZS_ADMIT_OK);
    zkbio_push_batch *b = NULL;
    const char good_user[] = "USER PIN=1\tName=Ann\tPri=0\tGrp=1\n";
    CHECK(zkbio_push_upload_parse(ZKBIO_PUSH_TABLE_OPERLOG, good_user, strlen(good_user), NULL, 0,
                                  &b) == 0);
    size_t acc = 0;
    CHECK(zs_ingest_operlog(st, "GOOD", b, ZS_STAMP_OPERLOG, "1", &acc) == 0 && acc == 1);
    zkbio_push_batch_free(b);

    /* Pending registration: the per-source rate (2 a minute) and the cap (3). */
    CHECK(hello(st, "P1", "10.0.0.1", &a) == 0 && a == ZS_ADMIT_PENDING);
    CHECK(hello(st, "P1", "10.0.0.1", &a) == 0 && a == ZS_ADMIT_PENDING); /* known: not counted */
    CHECK(hello(st, "P2", "10.0.0.1", &a) == 0 && a == ZS_ADMIT_PENDING);
    CHECK(hello(st, "P3", "10.0.0.1", &a) == 0 && a == ZS_ADMIT_LIMITED);
    CHECK(zs_device_admit(st, "P3", "10.0.0.1", &a, NULL) == 0 && a == ZS_ADMIT_LIMITED);
    CHECK(hello(st, "P3", "10.0.0.2", &a) == 0 && a == ZS_ADMIT_PENDING); /* another source */
    CHECK(hello(st, "P4", "10.0.0.3", &a) == 0 && a == ZS_ADMIT_FULL);    /* 3 pending */
    int64_t n = 0;
    CHECK(zs_pending_count(st, &n) == 0 && n == 3);
    CHECK(q1(db, "SELECT COUNT(*) FROM devices WHERE sn = ?", "P4") == 0);
    CHECK(zs_refusal_log_first(st, "10.0.0.1") == 1 && zs_refusal_log_first(st, "10.0.0.1") == 0);
    CHECK(zs_refusal_log_first(st, "10.0.0.2") == 1);

    /* A pending terminal gets nothing: nothing due, nothing queued by the fan-out. */
    int due = 1;
    CHECK(zs_device_poll(st, "P1", "10.0.0.1", &a, NULL, &due) == 0 && a == ZS_ADMIT_PENDING &&
          due == 0);
    CHECK(q1(db, "SELECT COUNT(*) FROM commands WHERE sn = ?", "P1") == 0);

    /* Held uploads, their quota. */
    CHECK(zs_pending_stage(st, "P1", "OPERLOG", "5", USERS, strlen(USERS)) == 0);
    CHECK(zs_pending_stage(st, "P1", "ATTLOG", "6", PUNCHES, strlen(PUNCHES)) == 0);
    CHECK(zs_pending_stage(st, "P1", "NOSUCHTABLE", "", "x", 1) == 0); /* dropped on replay */
    CHECK(zs_pending_stage(st, "P1", "", "", "x", 1) == ZKBIO_EINVAL);
    char *big = calloc(1, ZS_PENDING_BYTES_MAX + 1); /* refused before anything is written */
    CHECK(big &&
          zs_pending_stage(st, "P2", "ATTLOG", "", big, ZS_PENDING_BYTES_MAX + 1) == ZKBIO_ETOOBIG);
    free(big);
    CHECK(zs_pending_stage(st, "P2", "ATTLOG", "", PUNCHES, strlen(PUNCHES)) == 0);
    CHECK(q1(db, "SELECT COUNT(*) FROM attendance WHERE sn = ?", "P1") == 0);
    CHECK(q1(db, "SELECT COUNT(*) FROM users WHERE pin = ?", "71") == 0);
    zs_device held;
    CHECK(zs_get_device(st, "P1", &held) == 0 && strcmp(held.attlog_stamp, "6") == 0 &&
          strcmp(held.operlog_stamp, "5") == 0); /* not sent again at the next handshake */
    zs_device_clear(&held);

    /* Approve: replayed in order, the full sync queued. */
    CHECK(zs_device_approve(st, id_of(st, "P1"), &r) == 0);
    CHECK(r.was == ZS_ADMIT_PENDING && r.uploads == 2 && r.records == 3 && r.failed == 1);
    CHECK(q1(db, "SELECT COUNT(*) FROM attendance WHERE sn = ?", "P1") == 2);
    CHECK(q1(db, "SELECT COUNT(*) FROM users WHERE pin = ?", "71") == 1);
    CHECK(q1(db, "SELECT COUNT(*) FROM pending_uploads WHERE sn = ?", "P1") == 0);
    CHECK(q1(db, "SELECT COUNT(*) FROM commands WHERE sn = ? AND pin = '1'", "P1") >=
          1); /* GOOD's user 1 reached it */
    CHECK(q1(db, "SELECT COUNT(*) FROM commands WHERE sn = ? AND pin = '71'", "GOOD") >=
          1); /* its user reached GOOD */
    CHECK(zs_device_poll(st, "P1", "10.0.0.1", &a, NULL, &due) == 0 && a == ZS_ADMIT_OK &&
          due == 1);
    CHECK(zs_device_approve(st, id_of(st, "P1"), &r) == 0 && r.was == ZS_ADMIT_OK &&
          r.uploads == 0);

    /* Reject: nothing left, refused afterwards; an approved one cannot be rejected. */
    CHECK(zs_device_reject(st, id_of(st, "P2")) == 0);
    CHECK(q1(db, "SELECT COUNT(*) FROM pending_uploads WHERE sn = ?", "P2") == 0);
    CHECK(hello(st, "P2", "10.0.0.1", &a) == 0 && a == ZS_ADMIT_REJECTED);
    CHECK(zs_device_reject(st, id_of(st, "P1")) == ZKBIO_EBUSY);
    CHECK(zs_device_reject(st, 987654) == ZKBIO_ENOENT);
    CHECK(zs_device_approve(st, 987654, &r) == ZKBIO_ENOENT);

    /* Pinning; an address change of an unpinned approved terminal is audited once. */
    int64_t gid = id_of(st, "GOOD");
    zs_device_patch p = {.enabled = -1, .pin_address = "10.9.0.0/16"};
    CHECK(zs_patch_device(st, gid, &p) == 0);
    CHECK(zs_device_admit(st, "GOOD", "10.9.1.1", &a, NULL) == 0 && a == ZS_ADMIT_OK);
    CHECK(zs_device_admit(st, "GOOD", "10.8.0.1", &a, NULL) == 0 && a == ZS_ADMIT_PINNED);
    CHECK(zs_device_poll(st, "GOOD", "10.8.0.1", &a, NULL, &due) == 0 && a == ZS_ADMIT_PINNED &&
          due == 0);
    p.pin_address = "";
    CHECK(zs_patch_device(st, gid, &p) == 0);
    CHECK(zs_device_admit(st, "GOOD", "10.7.0.1", &a, NULL) == 0 && a == ZS_ADMIT_OK);
    CHECK(zs_device_admit(st, "GOOD", "10.7.0.1", &a, NULL) == 0 && a == ZS_ADMIT_OK);
    CHECK(zs_device_admit(st, "GOOD", "::ffff:10.7.0.1", &a, NULL) == 0 && a == ZS_ADMIT_OK);
    CHECK(audit_rows(st, "device.address_changed", "GOOD") == 2); /* .9 → .9.1.1, → .7.0.1 */

    /* 4370: the serial number a terminal reports. */
    int mm = 0, first = 0;
    CHECK(zs_device_report_sn(st, gid, "OTHER", &mm, &first) == 0 && mm == 1 && first == 1);
    CHECK(zs_device_report_sn(st, gid, "OTHER", &mm, &first) == 0 && mm == 1 && first == 0);
    zs_device d;
    CHECK(zs_get_device(st, "GOOD", &d) == 0 && strcmp(d.flag, "sn_mismatch") == 0 &&
          strcmp(d.reported_sn, "OTHER") == 0);
    zs_device_clear(&d);
    CHECK(zs_device_report_sn(st, gid, "GOOD", &mm, &first) == 0 && mm == 0);
    CHECK(zs_get_device(st, "GOOD", &d) == 0 && d.flag[0] == '\0');
    zs_device_clear(&d);
    CHECK(zs_device_report_sn(st, 987654, "X", &mm, &first) == ZKBIO_ENOENT);

    /* The list filter. */
    zs_device_filter f = {.online = -1, .admission = "rejected"};
    zs_device_page pg;
    CHECK(zs_list_devices_page(st, &f, &pg) == 0 && pg.n == 1 &&
          strcmp(pg.devices[0].sn, "P2") == 0);
    zs_device_page_free(&pg);
out:
    zdb_close(db);
    zs_close(st);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s sqlite:tmp|URI\n", argv[0]);
        return 2;
    }
    test_db db;
    if (test_db_init(&db, argv[1], "zkbio-admission", "store.db") != 0)
        return 2;
    const char *uri = db.uri;
    run(uri);
    test_db_cleanup(&db);
    return TEST_DONE();
}
