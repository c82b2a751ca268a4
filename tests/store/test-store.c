/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Store tests: the same checks against whichever backend the URI names (sqlite:tmp, or a mariadb://
 * URI from tests/support/mariadb.sh). They drive the sync logic directly: fan-out, echo
 * suppression, ordering, re-sends, failures, deletes, full sync and attendance de-duplication.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "db.h"
#include "store.h"

#include "../support/test-db.h"
#include "../support/test.h"

static zs_store *open_store(const char *uri, int timeout_s, int auto_admit,
                            const char *const *allow)
{
    zs_policy pol = {.full_sync = 1,
                     .command_timeout_s = timeout_s,
                     .max_attempts = 3,
                     .auto_admit = auto_admit,
                     .allow_sn = allow};
    zs_store *st = NULL;
    char err[256];
    int rc = zs_open(uri, &pol, &st, err, sizeof(err));
    if (rc != 0)
        fprintf(stderr, "zs_open(%s): %s\n", uri, err);
    return st;
}

static int hello(zs_store *st, const char *sn, zs_admit *admit)
{
    zkbio_push_handshake hs;
    memset(&hs, 0, sizeof(hs));
    snprintf(hs.sn, sizeof(hs.sn), "%s", sn);
    snprintf(hs.pushver, sizeof(hs.pushver), "2.4.1");
    hs.language = 69;
    hs.generation = 2;
    char stamps[4][32];
    return zs_device_hello(st, &hs, "127.0.0.1", admit, stamps);
}

static int upload(zs_store *st, const char *sn, zkbio_push_table t, const char *body,
                  size_t *accepted)
{
    zkbio_push_batch *b = NULL;
    int rc = zkbio_push_upload_parse(t, body, strlen(body), NULL, 0, &b);
    if (rc != 0)
        return rc;
    if (t == ZKBIO_PUSH_TABLE_ATTLOG)
        rc = zs_ingest_attlog(st, sn, b, "1", accepted);
    else
        rc = zs_ingest_operlog(st, sn, b, ZS_STAMP_OPERLOG, "1", accepted);
    zkbio_push_batch_free(b);
    return rc;
}

/* Take the due commands of sn; returns the body (caller frees) or NULL. */
static char *take(zs_store *st, const char *sn)
{
    char *body = NULL;
    size_t len = 0;
    if (zs_commands_take(st, sn, 10, 512 * 1024, &body, &len) != 0)
        return NULL;
    return body;
}

/* Acknowledge every command of a getrequest body with `ret`. Returns the number matched. */
static size_t ack_all(zs_store *st, const char *sn, const char *body, int ret)
{
    zkbio_push_commands *cmds = NULL;
    if (zkbio_push_commands_parse(body, strlen(body), &cmds) != 0)
        return 0;
    char buf[8192] = "";
    size_t used = 0;
    for (size_t i = 0; i < cmds->count; i++) {
        size_t l = 0;
        zkbio_push_cmd_result_format(cmds->cmds[i].id, ret, "DATA", buf + used, sizeof(buf) - used,
                                     &l);
        used += l;
        if (used + 1 < sizeof(buf))
            buf[used++] = '\n';
        buf[used] = '\0';
    }
    zkbio_push_commands_free(cmds);
    zkbio_push_cmd_results *res = NULL;
    size_t matched = 0;
    if (zkbio_push_devicecmd_parse(buf, used, &res) == 0) {
        zs_commands_ack(st, sn, res, &matched);
        zkbio_push_cmd_results_free(res);
    }
    return matched;
}

static size_t count_cmds(const char *body)
{
    size_t n = 0;
    for (const char *p = body; p && (p = strstr(p, "C:")); p += 2)
        if (p == body || p[-1] == '\n')
            n++;
    return n;
}

static const char *const user_upload =
    "USER PIN=1\tName=Ann\tPri=0\tPasswd=\tCard=\tGrp=1\tTZ=0000000100000000\tVerify=-1\n"
    "FP PIN=1\tFID=6\tSize=8\tValid=1\tTMP=QUJDRA==\n"
    "FP PIN=1\tFID=7\tSize=8\tValid=1\tTMP=RUZHSA==\n";

static void test_sync(const char *uri)
{
    zs_store *st = open_store(uri, 3600, 1, NULL);
    CHECK(st != NULL);
    if (!st)
        return;
    zs_admit admit;
    CHECK(hello(st, "DEVA", &admit) == 0 && admit == ZS_ADMIT_OK);
    CHECK(hello(st, "DEVB", &admit) == 0 && admit == ZS_ADMIT_OK);
    CHECK(hello(st, "DEVC", &admit) == 0 && admit == ZS_ADMIT_OK);

    size_t acc = 0;
    CHECK(upload(st, "DEVA", ZKBIO_PUSH_TABLE_OPERLOG, user_upload, &acc) == 0);
    CHECK(acc == 3);

    /* The source device gets nothing back. */
    char *a = take(st, "DEVA");
    CHECK(a == NULL);
    free(a);

    /* B gets the user before its templates, all in one poll. */
    char *b = take(st, "DEVB");
    CHECK(b != NULL);
    CHECK(count_cmds(b) == 3);
    if (b) {
        const char *u = strstr(b, "DATA UPDATE USERINFO PIN=1\t");
        const char *f = strstr(b, "DATA UPDATE FINGERTMP PIN=1\t");
        CHECK(u && f && u < f);
        CHECK(strstr(b, "TMP=QUJDRA==") != NULL); /* base64 padding survives */
        CHECK(ack_all(st, "DEVB", b, 0) == 3);
    }
    free(b);
    b = take(st, "DEVB");
    CHECK(b == NULL); /* all acknowledged: nothing due */
    free(b);

    /* Echo: B re-uploads exactly what it received; nobody gets anything new. */
    CHECK(upload(st, "DEVB", ZKBIO_PUSH_TABLE_OPERLOG, user_upload, &acc) == 0);
    char *c = take(st, "DEVC");
    CHECK(c != NULL && count_cmds(c) == 3); /* only the original three */
    free(c);
    a = take(st, "DEVA");
    CHECK(a == NULL);
    free(a);

    /* A change on B reaches A and C; the older queued copy for C is superseded (C is "offline"). */
    CHECK(upload(st, "DEVB", ZKBIO_PUSH_TABLE_OPERLOG, "USER PIN=1\tName=Ann B\tPri=0\tGrp=1\n",
                 &acc) == 0);
    a = take(st, "DEVA");
    CHECK(a && count_cmds(a) == 1 && strstr(a, "Name=Ann B"));
    if (a)
        ack_all(st, "DEVA", a, 0);
    free(a);

    /* A device registering later gets a full sync of users and templates. */
    CHECK(hello(st, "DEVD", &admit) == 0 && admit == ZS_ADMIT_OK);
    char *dd = take(st, "DEVD");
    CHECK(dd && count_cmds(dd) == 3);
    CHECK(dd && strstr(dd, "Name=Ann B"));
    free(dd);

    /* The management API's view of the user: template metadata only, no bodies. */
    {
        zs_user_page up;
        zs_filter uf;
        memset(&uf, 0, sizeof(uf));
        uf.pin = "1";
        CHECK(zs_list_users(st, &uf, &up) == 0);
        CHECK(up.n == 1 && up.next == NULL);
        if (up.n == 1) {
            const zs_user *u = &up.users[0];
            CHECK(strcmp(u->pin, "1") == 0 && strcmp(u->name, "Ann B") == 0);
            CHECK(strcmp(u->source_sn, "DEVB") == 0 && u->verify == -1);
            CHECK(u->ntemplates == 2 && u->nphotos == 0);
            CHECK(u->ntemplates == 2 && strcmp(u->templates[0].kind, "FP") == 0 &&
                  u->templates[0].no == 6 && u->templates[1].no == 7 && u->templates[0].size == 8 &&
                  u->templates[0].valid == 1);
        }
        zs_user_page_free(&up);
        uf.pin = NULL;
        uf.limit = 1; /* the only user: no next cursor (one more row is read to know) */
        CHECK(zs_list_users(st, &uf, &up) == 0);
        CHECK(up.n == 1 && up.next == NULL && up.total == 1);
        zs_user_page_free(&up);
        uf.after_key = "1";
        CHECK(zs_list_users(st, &uf, &up) == 0);
        CHECK(up.n == 0 && up.next == NULL);
        zs_user_page_free(&up);
    }

    /* Deleting the user on A (OPLOG 9) deletes it everywhere. */
    CHECK(upload(st, "DEVA", ZKBIO_PUSH_TABLE_OPERLOG,
                 "OPLOG 9\t0\t2025-01-02 10:00:00\t1\t0\t0\t0\n", &acc) == 0);
    CHECK(acc == 1);
    zs_user_page users;
    zs_filter f;
    memset(&f, 0, sizeof(f));
    CHECK(zs_list_users(st, &f, &users) == 0);
    CHECK(users.n == 0 && users.next == NULL);
    zs_user_page_free(&users);
    b = take(st, "DEVB");
    CHECK(b && strstr(b, "DATA DELETE USERINFO PIN=1"));
    free(b);
    a = take(st, "DEVA");
    CHECK(a == NULL);
    free(a);
    zs_close(st);
}

static void test_attendance(const char *uri)
{
    zs_store *st = open_store(uri, 3600, 1, NULL);
    CHECK(st != NULL);
    if (!st)
        return;
    zs_admit admit;
    CHECK(hello(st, "ATT1", &admit) == 0);
    const char *batch =
        "7\t2025-01-02 08:59:58\t0\t1\t0\t0\t0\n8\t2025-01-02 09:00:01\t0\t1\t0\t0\t0\n";
    size_t acc = 0;
    CHECK(upload(st, "ATT1", ZKBIO_PUSH_TABLE_ATTLOG, batch, &acc) == 0 && acc == 2);
    /* The same batch re-sent after a lost reply: counted again, stored once. */
    CHECK(upload(st, "ATT1", ZKBIO_PUSH_TABLE_ATTLOG, batch, &acc) == 0 && acc == 2);
    zs_punch_filter f = {.sn = "ATT1", .status = -1};
    zs_punch_page recs;
    CHECK(zs_list_attendance(st, &f, &recs) == 0);
    CHECK(recs.n == 2 && !recs.has_next && recs.total == -1);
    CHECK(recs.n == 2 && strcmp(recs.punches[0].pin, "7") == 0 &&
          strcmp(recs.punches[0].time, "2025-01-02 08:59:58") == 0 &&
          strcmp(recs.punches[0].sn, "ATT1") == 0 && recs.punches[0].status == 0 &&
          recs.punches[0].verify == 1 && recs.punches[0].id < recs.punches[1].id &&
          recs.punches[0].device_id > 0);
    int64_t first_id = recs.n ? recs.punches[0].id : 0;
    zs_punch_page_free(&recs);
    f.limit = 1; /* paging: a page followed by more rows says so */
    f.want_total = 1;
    CHECK(zs_list_attendance(st, &f, &recs) == 0);
    CHECK(recs.n == 1 && recs.has_next && recs.total == 2);
    char at[20] = "";
    if (recs.n) {
        snprintf(at, sizeof(at), "%s", recs.punches[0].time);
        f.after_time = at;
        f.after_id = recs.punches[0].id;
    }
    zs_punch_page_free(&recs);
    CHECK(zs_list_attendance(st, &f, &recs) == 0);
    CHECK(recs.n == 1 && !recs.has_next && strcmp(recs.punches[0].pin, "8") == 0);
    zs_punch_page_free(&recs);
    f = (zs_punch_filter){.pin = "8", .status = -1};
    CHECK(zs_list_attendance(st, &f, &recs) == 0);
    CHECK(recs.n == 1);
    zs_punch_page_free(&recs);
    f = (zs_punch_filter){.from = "2025-01-02 09:00:00", .to = "2025-01-02 23:59:59", .status = -1};
    CHECK(zs_list_attendance(st, &f, &recs) == 0);
    CHECK(recs.n == 1 && strcmp(recs.punches[0].pin, "8") == 0);
    zs_punch_page_free(&recs);
    f.status = 1; /* no punch has state 1 */
    CHECK(zs_list_attendance(st, &f, &recs) == 0 && recs.n == 0);
    zs_punch_page_free(&recs);
    zs_punch one;
    CHECK(zs_get_punch(st, first_id, &one) == 0 && strcmp(one.pin, "7") == 0);
    zs_punch_clear(&one);
    CHECK(zs_get_punch(st, first_id + 1000000, &one) == ZKBIO_ENOENT);

    /* A paging walk over rows with equal times, three devices and users: every row exactly once,
     * in (time, id) order, for every filter shape and several page sizes. */
    static const char *const sns[] = {"WALK1", "WALK2", "WALK3"};
    int stored = 0;
    for (int d = 0; d < 3; d++) {
        CHECK(hello(st, sns[d], &admit) == 0);
        char body[8192];
        size_t o = 0;
        for (int i = 0; i < 40; i++) /* times repeat: 8 distinct seconds per device */
            o += (size_t)snprintf(body + o, sizeof(body) - o,
                                  "%d\t2025-02-0%d 10:00:0%d\t%d\t1\t0\t0\t0\n", 100 + i % 5,
                                  1 + i % 3, i % 8, i / 5 % 2);
        CHECK(upload(st, sns[d], ZKBIO_PUSH_TABLE_ATTLOG, body, &acc) == 0);
        stored += (int)acc;
    }
    CHECK(stored == 120);
    const zs_punch_filter shapes[] = {
        {.status = -1, .from = "2025-02-01 00:00:00"},
        {.status = -1, .sn = "WALK2"},
        {.status = -1, .pin = "103"},
        {.status = -1, .sn = "WALK3", .pin = "101", .from = "2025-02-02 00:00:00"},
        {.status = 1, .from = "2025-02-01 00:00:00", .to = "2025-02-02 23:59:59"},
    };
    for (size_t k = 0; k < sizeof(shapes) / sizeof(shapes[0]); k++) {
        int64_t expect = -1;
        zs_punch_filter all = shapes[k];
        all.limit = 1000;
        all.want_total = 1;
        CHECK(zs_list_attendance(st, &all, &recs) == 0 && !recs.has_next &&
              recs.total == (int64_t)recs.n && recs.n > 0);
        expect = (int64_t)recs.n;
        int64_t *ids = calloc(recs.n + 1, sizeof(*ids));
        for (size_t i = 0; ids && i < recs.n; i++)
            ids[i] = recs.punches[i].id;
        zs_punch_page_free(&recs);
        for (int lim = 1; ids && lim <= 7; lim += 3) {
            zs_punch_filter pf = shapes[k];
            pf.limit = lim;
            int64_t seen = 0, pages = 0;
            int ok = 1;
            char t[20] = "";
            for (;;) {
                if (zs_list_attendance(st, &pf, &recs) != 0 || ++pages > 200) {
                    ok = 0;
                    break;
                }
                for (size_t i = 0; i < recs.n; i++)
                    if (seen >= expect || recs.punches[i].id != ids[seen++])
                        ok = 0;
                int more = recs.has_next && recs.n;
                if (more) {
                    snprintf(t, sizeof(t), "%s", recs.punches[recs.n - 1].time);
                    pf.after_time = t;
                    pf.after_id = recs.punches[recs.n - 1].id;
                }
                zs_punch_page_free(&recs);
                if (!more)
                    break;
            }
            CHECK_MSG(ok && seen == expect, "attendance walk: shape %zu limit %d: %lld of %lld", k,
                      lim, (long long)seen, (long long)expect);
        }
        free(ids);
    }

    /* The daily summary: per (user, date), paged by (pin, date) without loss. */
    zs_punch_filter sf = {.status = -1, .from = "2025-02-01 00:00:00", .want_total = 1};
    zs_punch_day_page days;
    CHECK(zs_attendance_summary(st, &sf, &days) == 0);
    CHECK(days.n == 15 && days.total == 15 && !days.has_next); /* 5 users x 3 dates */
    int64_t punches = 0;
    for (size_t i = 0; i < days.n; i++)
        punches += days.days[i].count;
    CHECK(punches == 120);
    CHECK(days.n && strcmp(days.days[0].pin, "100") == 0 &&
          strcmp(days.days[0].date, "2025-02-01") == 0 &&
          strcmp(days.days[0].first, "2025-02-01 10:00:00") <= 0 &&
          strcmp(days.days[0].first, days.days[0].last) <= 0);
    zs_punch_day_page_free(&days);
    sf.limit = 4;
    sf.want_total = 0;
    char apin[32] = "", adate[16] = "";
    size_t walked = 0;
    for (int guard = 0; guard < 10; guard++) {
        CHECK(zs_attendance_summary(st, &sf, &days) == 0);
        walked += days.n;
        int more = days.has_next && days.n;
        if (more) {
            snprintf(apin, sizeof(apin), "%s", days.days[days.n - 1].pin);
            snprintf(adate, sizeof(adate), "%s", days.days[days.n - 1].date);
            sf.after_pin = apin;
            sf.after_time = adate;
        }
        zs_punch_day_page_free(&days);
        if (!more)
            break;
    }
    CHECK(walked == 15);

    /* Devices: by id, by reference (a number is an id first, then an SN), patch, filtered page. */
    zs_device dev;
    CHECK(zs_get_device(st, "WALK2", &dev) == 0 && dev.id > 0 &&
          strcmp(dev.transport, "push") == 0 && dev.user_count == -1);
    int64_t id2 = dev.id;
    zs_device_clear(&dev);
    char ref[24];
    snprintf(ref, sizeof(ref), "%lld", (long long)id2);
    CHECK(zs_find_device(st, ref, &dev) == 0 && strcmp(dev.sn, "WALK2") == 0);
    zs_device_clear(&dev);
    CHECK(zs_find_device(st, "WALK3", &dev) == 0 && dev.id > id2);
    zs_device_clear(&dev);
    CHECK(zs_find_device(st, "999999", &dev) == ZKBIO_ENOENT);
    zs_device_patch patch = {
        .name = "Front door", .location = "Lobby", .tz = "+03:00", .enabled = -1};
    CHECK(zs_patch_device(st, id2, &patch) == 0);
    CHECK(zs_patch_device(st, id2 + 100000, &patch) == ZKBIO_ENOENT);
    CHECK(zs_get_device_by_id(st, id2, &dev) == 0 && strcmp(dev.name, "Front door") == 0 &&
          strcmp(dev.tz, "+03:00") == 0 && strcmp(dev.location, "Lobby") == 0 && dev.enabled);
    zs_device_clear(&dev);
    zs_device_filter df = {.online = -1, .q = "DOOR"};
    zs_device_page dp;
    CHECK(zs_list_devices_page(st, &df, &dp) == 0 && dp.n == 1 && dp.total == 1 &&
          dp.devices[0].id == id2);
    zs_device_page_free(&dp);
    df = (zs_device_filter){.online = -1, .q = "walk", .limit = 2};
    CHECK(zs_list_devices_page(st, &df, &dp) == 0 && dp.n == 2 && dp.total == 3 && dp.has_next);
    df.after = dp.next;
    zs_device_page_free(&dp);
    CHECK(zs_list_devices_page(st, &df, &dp) == 0 && dp.n == 1 && !dp.has_next &&
          strcmp(dp.devices[0].sn, "WALK3") == 0);
    zs_device_page_free(&dp);
    df = (zs_device_filter){.online = -1, .q = "100%_"}; /* pattern characters are literal */
    CHECK(zs_list_devices_page(st, &df, &dp) == 0 && dp.n == 0 && dp.total == 0);
    zs_device_page_free(&dp);
    df = (zs_device_filter){.online = 1, .seen_since = INT64_MAX, .transport = "push"};
    CHECK(zs_list_devices_page(st, &df, &dp) == 0 && dp.n == 0);
    zs_device_page_free(&dp);
    df = (zs_device_filter){.online = 0, .seen_since = INT64_MAX, .transport = "push"};
    CHECK(zs_list_devices_page(st, &df, &dp) == 0 && dp.total >= 4);
    zs_device_page_free(&dp);
    df = (zs_device_filter){.online = -1, .transport = "tcp4370"};
    CHECK(zs_list_devices_page(st, &df, &dp) == 0 && dp.n == 0 && dp.total == 0);
    zs_device_page_free(&dp);
    zs_close(st);
}

static void test_retries(const char *uri)
{
    /* Timeout 0: a sent, unacknowledged command is due again at once. */
    zs_store *st = open_store(uri, 0, 1, NULL);
    CHECK(st != NULL);
    if (!st)
        return;
    zs_admit admit;
    CHECK(hello(st, "RTY1", &admit) == 0);
    int64_t id = 0;
    CHECK(zs_command_enqueue(st, "RTY1", "REBOOT", &id) == 0 && id > 0);
    CHECK(zs_command_enqueue(st, "NOSUCH", "REBOOT", &id) == ZKBIO_ENOENT);
    for (int i = 0; i < 3; i++) {
        char *b = take(st, "RTY1");
        CHECK(b && strstr(b, ":REBOOT"));
        free(b);
    }
    char *b = take(st, "RTY1"); /* fourth poll: max attempts (3) reached, marked failed */
    CHECK(b == NULL);
    free(b);
    zs_filter f;
    memset(&f, 0, sizeof(f));
    f.sn = "RTY1";
    f.status = "failed";
    f.want_total = 1;
    zs_command_page cmds;
    CHECK(zs_list_commands(st, &f, &cmds) == 0);
    CHECK(cmds.n == 1 && !cmds.has_next && cmds.total == 1);
    CHECK(cmds.n == 1 && strcmp(cmds.commands[0].command, "REBOOT") == 0 &&
          strcmp(cmds.commands[0].status, "failed") == 0 && cmds.commands[0].attempts == 3 &&
          cmds.commands[0].has_sent_at && !cmds.commands[0].has_return_code);
    zs_command_page_free(&cmds);

    /* A transient failure is retried; a permanent one fails at once. */
    CHECK(zs_command_enqueue(st, "RTY1", "INFO", &id) == 0);
    b = take(st, "RTY1");
    CHECK(b && ack_all(st, "RTY1", b, -1005) == 1);
    free(b);
    b = take(st, "RTY1");
    CHECK(b && strstr(b, ":INFO"));
    CHECK(b && ack_all(st, "RTY1", b, -1002) == 1);
    free(b);
    b = take(st, "RTY1");
    CHECK(b == NULL);
    free(b);
    f.status = "failed";
    CHECK(zs_list_commands(st, &f, &cmds) == 0);
    CHECK(cmds.n == 2);
    CHECK(cmds.n == 2 && cmds.commands[1].has_return_code &&
          cmds.commands[1].return_code == -1002 && cmds.commands[1].has_done_at);
    zs_command_page_free(&cmds);
    zs_close(st);
}

static void test_admission(const char *uri)
{
    const char *const allow[] = {"GOOD1", NULL};
    zs_store *st = open_store(uri, 3600, 0, allow);
    CHECK(st != NULL);
    if (!st)
        return;
    zs_admit admit;
    CHECK(hello(st, "EVIL1", &admit) == 0 && admit == ZS_ADMIT_DENIED);
    CHECK(zs_device_admit(st, "EVIL1", "10.0.0.1", &admit, NULL) == 0 && admit == ZS_ADMIT_DENIED);
    CHECK(hello(st, "GOOD1", &admit) == 0 && admit == ZS_ADMIT_OK);
    zs_device dev;
    CHECK(zs_get_device(st, "EVIL1", &dev) == ZKBIO_ENOENT);
    CHECK(dev.sn == NULL);
    CHECK(zs_get_device(st, "GOOD1", &dev) == 0);
    CHECK(dev.sn && strcmp(dev.sn, "GOOD1") == 0 && dev.enabled == 1);
    zs_device_clear(&dev);
    CHECK(zs_update_device(st, "GOOD1", "north", 0) == 0);
    CHECK(zs_device_admit(st, "GOOD1", "10.0.0.2", &admit, NULL) == 0 &&
          admit == ZS_ADMIT_DISABLED);
    CHECK(zs_update_device(st, "NOSUCH", "north", 1) == ZKBIO_ENOENT);
    CHECK(zs_get_device(st, "GOOD1", &dev) == 0);
    CHECK(dev.sn && strcmp(dev.sync_group, "north") == 0 && dev.enabled == 0);
    zs_device_clear(&dev);
    zs_close(st);
}

/* The buffered last-seen/INFO updates reach the database (here: at close, which flushes the
 * buffer). */
static void test_seen(const char *uri)
{
    zs_store *st = open_store(uri, 3600, 1, NULL);
    CHECK(st != NULL);
    if (!st)
        return;
    zs_admit admit;
    char sn[16];
    CHECK(hello(st, "SEEN1", &admit) == 0);
    for (int i = 0; i < 300; i++) { /* many devices share the hash buckets */
        snprintf(sn, sizeof(sn), "SEENX%03d", i);
        zs_device_seen(st, sn, "10.0.0.9", NULL);
    }
    zs_device_seen(st, "SEEN1", "10.0.0.7", "Ver 1.0,3,4,5");
    zs_device_seen(st, "SEEN1", "10.0.0.8", NULL); /* later request without INFO keeps the INFO */
    zs_close(st);
    st = open_store(uri, 3600, 1, NULL);
    CHECK(st != NULL);
    if (!st)
        return;
    zs_device dev;
    CHECK(zs_get_device(st, "SEEN1", &dev) == 0);
    CHECK(dev.info && strcmp(dev.info, "Ver 1.0,3,4,5") == 0);
    CHECK(dev.ip && strcmp(dev.ip, "10.0.0.8") == 0);
    CHECK(dev.last_seen > 0);
    zs_device_clear(&dev);
    zs_close(st);
}

/* Many threads registering the same new devices at once: on MariaDB this provokes InnoDB deadlocks
 * (shared→exclusive lock upgrades on the new row), which the store must retry instead of failing
 * the handshake. */
struct race {
    zs_store *st;
    int failures;
};

static void *race_main(void *arg)
{
    struct race *r = arg;
    for (int i = 0; i < 40; i++) {
        char sn[16];
        snprintf(sn, sizeof(sn), "RACE%02d", i);
        zs_admit admit;
        if (hello(r->st, sn, &admit) != 0 || admit != ZS_ADMIT_OK)
            r->failures++;
    }
    return NULL;
}

static void test_concurrent_hello(const char *uri)
{
    zs_store *st = open_store(uri, 3600, 1, NULL);
    CHECK(st != NULL);
    if (!st)
        return;
    struct race r[6];
    pthread_t t[6];
    for (int i = 0; i < 6; i++) {
        r[i].st = st;
        r[i].failures = 0;
        CHECK(pthread_create(&t[i], NULL, race_main, &r[i]) == 0);
    }
    int failures = 0;
    for (int i = 0; i < 6; i++) {
        pthread_join(t[i], NULL);
        failures += r[i].failures;
    }
    CHECK(failures == 0);
    if (failures)
        fprintf(stderr, "concurrent handshakes: %d of 240 failed\n", failures);
    zs_device *devs = NULL;
    size_t ndevs = 0;
    CHECK(zs_list_devices(st, &devs, &ndevs) == 0);
    int n = 0;
    for (size_t i = 0; i < ndevs; i++)
        n += strncmp(devs[i].sn, "RACE", 4) == 0;
    for (size_t i = 1; i < ndevs; i++)
        CHECK(strcmp(devs[i - 1].sn, devs[i].sn) < 0); /* ordered by SN */
    zs_device_list_free(devs, ndevs);
    CHECK(n == 40);
    zs_close(st);
}

/* Templates of the fingerprint service (--fp-store): insert refuses an existing (user, finger) and
 * writes nothing of the batch, upsert replaces, each walks in order, delete by user/finger/all. */
static int fp_collect(void *ctx, const zs_fp_row *r)
{
    json_t *a = ctx;
    json_array_append_new(a, json_pack("{s:s,s:i,s:s,s:s%,s:i}", "u", r->user_id, "f", r->finger_id,
                                       "t", r->template_id, "b", (const char *)r->tpl, r->len, "q",
                                       r->quality));
    return 0;
}

static void test_fp_templates(const char *uri)
{
    zs_store *st = open_store(uri, 3600, 1, NULL);
    CHECK(st != NULL);
    if (!st)
        return;
    CHECK(zs_fp_delete(st, NULL, -1, NULL) == 0); /* a MariaDB database may be reused */
    zs_fp_row rows[3] = {
        {"alice", 1, "enroll-1", "AAAA", 4, 70},
        {"alice", 2, "enroll-2", "BBBB", 4, 60},
        {"bob", 0, "", "CCCC", 4, 50},
    };
    CHECK(zs_fp_put(st, rows, 3, 0) == 0);
    int ex = 0;
    CHECK(zs_fp_exists(st, "alice", 2, &ex) == 0 && ex == 1);
    CHECK(zs_fp_exists(st, "alice", 3, &ex) == 0 && ex == 0);
    zs_fp_row dup[2] = {{"carol", 0, "x", "DDDD", 4, 1}, {"alice", 1, "again", "EEEE", 4, 1}};
    CHECK(zs_fp_put(st, dup, 2, 0) == ZKBIO_EEXIST);
    CHECK(zs_fp_exists(st, "carol", 0, &ex) == 0 && ex == 0); /* rolled back */
    CHECK(zs_fp_put(st, dup, 2, 1) == 0);                     /* upsert */
    zs_fp_row bad = {"", 0, "", "X", 1, 0};
    CHECK(zs_fp_put(st, &bad, 1, 0) == ZKBIO_EINVAL);
    bad.user_id = "u";
    bad.finger_id = 11;
    CHECK(zs_fp_put(st, &bad, 1, 0) == ZKBIO_EINVAL);
    json_t *a = json_array();
    CHECK(zs_fp_each(st, fp_collect, a) == 0);
    CHECK(json_array_size(a) == 4);
    json_t *first = json_array_get(a, 0);
    CHECK(strcmp(json_string_value(json_object_get(first, "u")), "alice") == 0 &&
          json_integer_value(json_object_get(first, "f")) == 1 &&
          strcmp(json_string_value(json_object_get(first, "t")), "again") == 0 &&
          strcmp(json_string_value(json_object_get(first, "b")), "EEEE") == 0);
    json_decref(a);
    a = json_array();
    CHECK(zs_fp_each_of(st, "alice", fp_collect, a) == 0 && json_array_size(a) == 2 &&
          json_integer_value(json_object_get(json_array_get(a, 1), "f")) == 2);
    json_decref(a);
    a = json_array();
    CHECK(zs_fp_each_of(st, "nobody", fp_collect, a) == 0 && json_array_size(a) == 0);
    json_decref(a);
    int64_t n = 0;
    CHECK(zs_fp_delete(st, "alice", 2, &n) == 0 && n == 1);
    CHECK(zs_fp_delete(st, "alice", -1, &n) == 0 && n == 1);
    CHECK(zs_fp_delete(st, "nobody", -1, &n) == 0 && n == 0);
    CHECK(zs_fp_delete(st, NULL, -1, &n) == 0 && n == 2);
    a = json_array();
    CHECK(zs_fp_each(st, fp_collect, a) == 0 && json_array_size(a) == 0);
    json_decref(a);
    zs_close(st);
}

/* The same table through libzkbio templates: native export on put, repeated (user, finger) refused
 * with both indexes, import on load with unreadable records skipped and counted. */
static zkbio_template *make_tpl(unsigned seed, size_t count)
{
    zkbio_template *t = NULL;
    if (zkbio_template_new(count, &t) != 0)
        return NULL;
    t->width = 300;
    t->height = 400;
    t->xres = t->yres = 197;
    for (size_t i = 0; i < count; i++) {
        t->minutiae[i].x = (uint16_t)(10 + (seed * 7 + i * 13) % 280);
        t->minutiae[i].y = (uint16_t)(10 + (seed * 11 + i * 17) % 380);
        t->minutiae[i].angle = (uint8_t)(seed * 3 + i * 29);
        t->minutiae[i].type = 1;
        t->minutiae[i].quality = 60;
    }
    return t;
}

typedef struct loaded {
    int n;
    char users[8][16];
    int fingers[8];
    size_t counts[8];
} loaded;

static int collect_loaded(void *ctx, const zs_fp_loaded *l)
{
    loaded *c = ctx;
    if (c->n < 8) {
        snprintf(c->users[c->n], sizeof(c->users[0]), "%s", l->user_id);
        c->fingers[c->n] = l->finger_id;
        c->counts[c->n] = l->tpl->count;
    }
    c->n++;
    return 0;
}

static void test_fp_template_objects(const char *uri)
{
    zs_store *st = open_store(uri, 3600, 1, NULL);
    CHECK(st != NULL);
    if (!st)
        return;
    CHECK(zs_fp_delete(st, NULL, -1, NULL) == 0);
    zkbio_template *a = make_tpl(1, 20), *b = make_tpl(2, 25), *c = make_tpl(3, 30);
    CHECK(a && b && c);
    if (!a || !b || !c)
        goto out;
    zs_fp_template t[3] = {
        {"dora", 2, "e-1", a, 70}, {"eve", 0, NULL, b, 50}, {"dora", 2, "e-2", c, 40}};
    size_t dup[2] = {99, 99};
    CHECK(zs_fp_put_templates(st, t, 3, 1, dup) == ZKBIO_EINVAL);
    CHECK(dup[0] == 0 && dup[1] == 2);
    int ex = 1;
    CHECK(zs_fp_exists(st, "eve", 0, &ex) == 0 && ex == 0); /* nothing written */
    t[2].finger_id = 3;
    CHECK(zs_fp_put_templates(st, t, 3, 0, dup) == 0);
    CHECK(zs_fp_put_templates(st, t, 1, 0, NULL) == ZKBIO_EEXIST);
    /* An unreadable record (not a template) is skipped on load and counted. */
    zs_fp_row junk = {"zed", 1, "junk", "not a template", 14, 0};
    CHECK(zs_fp_put(st, &junk, 1, 0) == 0);
    loaded l;
    memset(&l, 0, sizeof(l));
    size_t bad = 0;
    CHECK(zs_fp_load(st, NULL, collect_loaded, &l, &bad) == 0);
    CHECK(l.n == 3 && bad == 1);
    CHECK(l.n == 3 && strcmp(l.users[0], "dora") == 0 && l.fingers[0] == 2 && l.counts[0] == 20 &&
          l.fingers[1] == 3 && l.counts[1] == 30 && strcmp(l.users[2], "eve") == 0 &&
          l.counts[2] == 25);
    memset(&l, 0, sizeof(l));
    CHECK(zs_fp_load(st, "eve", collect_loaded, &l, NULL) == 0 && l.n == 1);
    CHECK(zs_fp_delete(st, NULL, -1, NULL) == 0);
out:
    zkbio_template_free(a);
    zkbio_template_free(b);
    zkbio_template_free(c);
    zs_close(st);
}

/* Group commit (daemon/store/writer.c): many threads upload punches at once through two stores on
 * the same database (as two zkbiod processes would). Every upload returns only once its rows are
 * visible to a connection of its own (durable: committed), re-sent batches are counted again but
 * stored once, and nothing is lost or duplicated. */
#define GC_THREADS 12
#define GC_UPLOADS 20
#define GC_ROWS    50

struct gc {
    zs_store *st;
    const char *uri;
    int id;
    int failures;
};

static int64_t count_rows(zdb *db, const char *sn)
{
    zdb_stmt *q;
    if (zdb_prepare(db, "SELECT COUNT(*) FROM attendance WHERE sn = ?", &q) != 0)
        return -1;
    zdb_bind_text(q, 1, sn, -1);
    int64_t n = zdb_step(q) == ZDB_ROW ? zdb_col_int64(q, 0) : -1;
    zdb_reset(q);
    return n;
}

static void *gc_main(void *arg)
{
    struct gc *g = arg;
    char sn[16], err[256];
    snprintf(sn, sizeof(sn), "GC%02d", g->id);
    zdb *own = NULL;
    if (zdb_open(g->uri, &own, err, sizeof(err)) != 0) {
        g->failures++;
        return NULL;
    }
    char *body = malloc(GC_ROWS * 64);
    int64_t stored = 0;
    for (int u = 0; u < GC_UPLOADS && body; u++) {
        int resend = u > 0 && u % 5 == 0;
        int batch = resend ? u - 1 : u;
        size_t len = 0;
        for (int r = 0; r < GC_ROWS; r++)
            len +=
                (size_t)snprintf(body + len, 64, "%d\t2025-03-%02d %02d:%02d:00\t0\t1\t0\t0\t0\n",
                                 1000 + r, 1 + batch / 24, batch % 24, r);
        size_t acc = 0;
        if (upload(g->st, sn, ZKBIO_PUSH_TABLE_ATTLOG, body, &acc) != 0 || acc != GC_ROWS) {
            g->failures++;
            continue;
        }
        if (!resend)
            stored += GC_ROWS;
        if (count_rows(own, sn) != stored) {
            fprintf(stderr, "%s: upload %d acknowledged before its rows were visible\n", sn, u);
            g->failures++;
        }
    }
    free(body);
    zdb_close(own);
    return NULL;
}

static void test_group_commit(const char *uri)
{
    zs_store *st[2] = {open_store(uri, 3600, 1, NULL), open_store(uri, 3600, 1, NULL)};
    CHECK(st[0] != NULL && st[1] != NULL);
    if (!st[0] || !st[1]) {
        zs_close(st[0]);
        zs_close(st[1]);
        return;
    }
    struct gc g[GC_THREADS];
    pthread_t t[GC_THREADS];
    for (int i = 0; i < GC_THREADS; i++) {
        char sn[16];
        zs_admit admit;
        snprintf(sn, sizeof(sn), "GC%02d", i);
        CHECK(hello(st[0], sn, &admit) == 0 && admit == ZS_ADMIT_OK);
        g[i] = (struct gc){.st = st[i % 2], .uri = uri, .id = i};
        CHECK(pthread_create(&t[i], NULL, gc_main, &g[i]) == 0);
    }
    int failures = 0;
    for (int i = 0; i < GC_THREADS; i++) {
        pthread_join(t[i], NULL);
        failures += g[i].failures;
    }
    CHECK(failures == 0);
    /* The same batch sent through both stores at once (a terminal re-sending to another process
     * while the first reply was lost) is stored once and counted twice. */
    zs_admit admit;
    CHECK(hello(st[0], "GCDUP", &admit) == 0);
    const char *dup =
        "1\t2025-04-01 08:00:00\t0\t1\t0\t0\t0\n2\t2025-04-01 08:00:01\t0\t1\t0\t0\t0\n";
    size_t a0 = 0, a1 = 0;
    CHECK(upload(st[0], "GCDUP", ZKBIO_PUSH_TABLE_ATTLOG, dup, &a0) == 0 && a0 == 2);
    CHECK(upload(st[1], "GCDUP", ZKBIO_PUSH_TABLE_ATTLOG, dup, &a1) == 0 && a1 == 2);
    zdb *own = NULL;
    char err[256];
    CHECK(zdb_open(uri, &own, err, sizeof(err)) == 0);
    if (own) {
        CHECK(count_rows(own, "GCDUP") == 2);
        int64_t total = 0;
        for (int i = 0; i < GC_THREADS; i++) {
            char sn[16];
            snprintf(sn, sizeof(sn), "GC%02d", i);
            total += count_rows(own, sn);
        }
        CHECK(total == (int64_t)GC_THREADS * (GC_UPLOADS - (GC_UPLOADS - 1) / 5) * GC_ROWS);
        zdb_close(own);
    }
    zs_close(st[0]);
    zs_close(st[1]);
}

/* zs_device_poll(): one statement tells admission and whether a command is due, and agrees with
 * zs_commands_take(). */
static void test_poll(const char *uri)
{
    zs_store *st = open_store(uri, 3600, 1, NULL);
    CHECK(st != NULL);
    if (!st)
        return;
    zs_admit admit = ZS_ADMIT_DENIED;
    int lang = 0, due = -1;
    /* Unknown: registered (auto admission) and reported due so the caller looks. */
    CHECK(zs_device_poll(st, "POLL1", "10.0.0.9", &admit, &lang, &due) == 0 &&
          admit == ZS_ADMIT_OK && due == 1);
    char *b = take(st, "POLL1");
    free(b);
    CHECK(zs_device_poll(st, "POLL1", "10.0.0.9", &admit, &lang, &due) == 0 && due == 0);
    CHECK(take(st, "POLL1") == NULL);
    int64_t id = 0;
    CHECK(zs_command_enqueue(st, "POLL1", "INFO", &id) == 0);
    CHECK(zs_device_poll(st, "POLL1", "10.0.0.9", &admit, &lang, &due) == 0 && due == 1);
    b = take(st, "POLL1");
    CHECK(b && strstr(b, "INFO"));
    free(b);
    /* Sent and not yet timed out: nothing due. */
    CHECK(zs_device_poll(st, "POLL1", "10.0.0.9", &admit, &lang, &due) == 0 && due == 0);
    CHECK(zs_update_device(st, "POLL1", NULL, 0) == 0);
    CHECK(zs_device_poll(st, "POLL1", "10.0.0.9", &admit, &lang, &due) == 0 &&
          admit == ZS_ADMIT_DISABLED);
    zs_close(st);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s sqlite:tmp|URI\n", argv[0]);
        return 2;
    }
    test_db db;
    if (test_db_init(&db, argv[1], "zkbio-store", "store.db") != 0)
        return 2;
    const char *uri = db.uri;
    test_sync(uri);
    test_attendance(uri);
    test_retries(uri);
    test_admission(uri);
    test_concurrent_hello(uri);
    test_seen(uri);
    test_fp_templates(uri);
    test_fp_template_objects(uri);
    test_group_commit(uri);
    test_poll(uri);
    test_db_cleanup(&db);
    return TEST_DONE();
}
