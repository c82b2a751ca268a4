/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Terminal admission end to end (issue 15, docs/admission.md): simulated PUSH terminals (pushsim)
 * and raw requests from chosen loopback source addresses (127.0.0.N through libcurl's
 * CURLOPT_INTERFACE) against a real zkbiod in the default mode (pending). Run one test:
 * `test-daemon-admission <name>`.
 *
 *   rogue   a new SN receives no user, template or command over many polls while an approved
 *           terminal uploads 20 users / 40 templates; its uploads stay out of every view; once
 *           approved it gets the full sync and its earlier punches and user appear
 *   reject  a rejected terminal leaves no row behind and is refused afterwards
 *   pin     an approved terminal pinned to an address: a request with its SN from elsewhere is
 *           refused (403); an address change of an unpinned one is audited
 *   flood   5,000 made-up SNs from 50 source addresses: the per-source rate and the pending cap
 *           hold, memory and the database stay small, refusals are logged once per source
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <curl/curl.h>
#include <sqlite3.h>

#include "harness.h"

/* AddressSanitizer keeps freed memory in quarantine (256 MiB by default), so RSS says nothing about
 * leaks or growth there: the memory bound is checked in ordinary builds only. */
#if defined(__SANITIZE_ADDRESS__)
#define RSS_CHECKED 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RSS_CHECKED 0
#endif
#endif
#ifndef RSS_CHECKED
#define RSS_CHECKED 1
#endif

#define SYNC(sim) SIM_OK(sim, pushsim_poll_until_quiet(sim, 3, 80, 0, NULL))

#define TABLES_EQUAL(x, y)                                                                         \
    do {                                                                                           \
        char diff_[512];                                                                           \
        REQUIRE(pushsim_tables_equal(x, y, diff_, sizeof(diff_)), "tables differ: %s", diff_);     \
    } while (0)

static const char *const PENDING_ARGS[] = {"--admission", "pending", NULL};

/* A device's field through the API (borrowed from *hold; caller json_decref(*hold)). */
static const char *device_field(const zkd *d, const char *sn, const char *key, json_t **hold)
{
    long st;
    *hold = zkd_api(d, NULL, &st, "/api/v1/devices/%s", sn);
    json_t *v = json_object_get(json_object_get(*hold, "data"), key);
    return st == 200 && json_is_string(v) ? json_string_value(v) : NULL;
}

static long approve(const zkd *d, const char *sn, json_t **reply)
{
    long st;
    json_t *j = zkd_api(d, "{}", &st, "/api/v1/devices/%s/approve", sn);
    if (reply)
        *reply = j;
    else
        json_decref(j);
    return st;
}

/* Rows of `table` whose `col` is `sn` in the SQLite database under the data dir; -1 on error. */
static long rows_of(const zkd *d, const char *table, const char *col, const char *sn)
{
    char path[400], sql[200];
    snprintf(path, sizeof(path), "%s/zkbiod.db", d->dir);
    snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM %s WHERE %s = ?", table, col);
    sqlite3 *db = NULL;
    long n = -1;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
        sqlite3_busy_timeout(db, 5000);
        sqlite3_stmt *q = NULL;
        if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK) {
            sqlite3_bind_text(q, 1, sn, -1, SQLITE_TRANSIENT);
            if (sqlite3_step(q) == SQLITE_ROW)
                n = (long)sqlite3_column_int64(q, 0);
        }
        sqlite3_finalize(q);
    }
    sqlite3_close(db);
    return n;
}

static size_t on_body(char *p, size_t sz, size_t n, void *ud)
{
    (void)p;
    (void)ud;
    return sz * n;
}

/* GET `path` of d from source address `src` (NULL = default) on handle c (kept alive between
 * calls). Returns the HTTP status, 0 on a transport error. */
static long get_from(CURL *c, const zkd *d, const char *src, const char *path)
{
    char url[512], iface[64];
    snprintf(url, sizeof(url), "%s%s", d->url, path);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 10000L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    if (src) {
        snprintf(iface, sizeof(iface), "host!%s", src);
        curl_easy_setopt(c, CURLOPT_INTERFACE, iface);
    }
    long st = 0;
    if (curl_easy_perform(c) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &st);
    return st;
}

/* The pending devices the API lists (total of ?admission=pending); -1 on error. */
static long pending_total(const zkd *d)
{
    long st;
    json_t *j = zkd_api(d, NULL, &st, "/api/v1/devices?admission=pending&limit=1");
    json_t *t = json_object_get(json_object_get(json_object_get(j, "data"), "paging"), "total");
    long n = st == 200 && json_is_integer(t) ? (long)json_integer_value(t) : -1;
    json_decref(j);
    return n;
}

/* (1) The scenario. */
static int t_rogue(void)
{
    int ok = 0;
    zkd d = {0};
    pushsim *real = NULL, *rogue = NULL;
    json_t *hold = NULL, *rep = NULL;
    REQUIRE(zkd_start(&d, NULL, PENDING_ARGS) == 0, "zkbiod did not start");
    REQUIRE((real = zkd_sim(&d, "REALTERM1")), "the real terminal's handshake");
    const char *adm = device_field(&d, "REALTERM1", "admission", &hold);
    REQUIRE(adm && strcmp(adm, "pending") == 0, "a new SN is %s, expected pending",
            adm ? adm : "(none)");
    json_decref(hold);
    hold = NULL;
    REQUIRE(approve(&d, "REALTERM1", NULL) == 200, "approving the real terminal");
    SIM_OK(real, pushsim_enroll_fake(real, 1001, 20, 2, 0)); /* 20 users, 40 templates */
    SIM_OK(real, pushsim_upload_pending(real, NULL));

    /* The rogue: the handshake succeeds (a real terminal keeps polling), nothing comes back. */
    REQUIRE((rogue = zkd_sim(&d, "ROGUE0001")), "a pending terminal's handshake is answered");
    SIM_OK(rogue, pushsim_enroll_fake(rogue, 5001, 1, 1, 0));
    size_t acc = 0;
    SIM_OK(rogue, pushsim_upload_pending(rogue, &acc));
    SIM_OK(rogue, pushsim_add_fake_punches(rogue, 5001, 1, 3, "2025-07-01 08:00:00"));
    SIM_OK(rogue, pushsim_upload_punches(rogue, &acc));
    REQUIRE(acc == 3, "the pending terminal's punches acknowledged %zu of 3 (it must not resend)",
            acc);
    for (int i = 0; i < 25; i++) {
        size_t n = 9;
        SIM_OK(rogue, pushsim_poll(rogue, &n));
        REQUIRE(n == 0, "poll %d gave the pending terminal %zu command(s)", i + 1, n);
        if (i == 10) { /* the real terminal keeps changing things meanwhile */
            SIM_OK(real, pushsim_enroll_fake(real, 1021, 1, 2, 0));
            SIM_OK(real, pushsim_upload_pending(real, NULL));
        }
    }
    REQUIRE(pushsim_cmd_count(rogue) == 0 && pushsim_user_count(rogue) == 1,
            "the pending terminal holds %zu users after %zu commands", pushsim_user_count(rogue),
            pushsim_cmd_count(rogue));
    REQUIRE(rows_of(&d, "commands", "sn", "ROGUE0001") == 0, "commands queued for a pending SN");
    REQUIRE(zkd_attendance_count(&d, "ROGUE0001") == 0, "a pending terminal's punches are listed");
    REQUIRE(zkd_attendance_count(&d, NULL) == 0, "punches listed before any approved upload");
    int err = 0;
    json_t *u = zkd_user(&d, "5001", &err);
    REQUIRE(!u && !err, "a pending terminal's user is listed (or API error)");
    SYNC(real);
    REQUIRE(!pushsim_find_user(real, "5001"), "a pending terminal's user reached the fleet");
    REQUIRE(pending_total(&d) == 1, "?admission=pending lists %ld, expected 1", pending_total(&d));

    /* Approval: the held uploads take effect and it gets the full sync. */
    REQUIRE(approve(&d, "ROGUE0001", &rep) == 200, "approve");
    json_t *replayed = json_object_get(json_object_get(rep, "data"), "replayed");
    REQUIRE(json_integer_value(json_object_get(replayed, "uploads")) == 2,
            "replayed %lld held uploads, expected 2",
            (long long)json_integer_value(json_object_get(replayed, "uploads")));
    REQUIRE(zkd_attendance_count(&d, "ROGUE0001") == 3, "its 3 earlier punches after approval: %ld",
            zkd_attendance_count(&d, "ROGUE0001"));
    REQUIRE(rows_of(&d, "pending_uploads", "sn", "ROGUE0001") == 0, "held uploads left behind");
    u = zkd_user(&d, "5001", &err);
    REQUIRE(u, "its user after approval");
    json_decref(u);
    SYNC(rogue);
    REQUIRE(pushsim_user_count(rogue) == 22 && pushsim_template_count(rogue) == 43,
            "after approval it holds %zu users / %zu templates, expected 22 / 43",
            pushsim_user_count(rogue), pushsim_template_count(rogue));
    SYNC(real);
    TABLES_EQUAL(real, rogue);
    REQUIRE(pending_total(&d) == 0, "still pending after approval");
    ok = 1;
out:
    json_decref(hold);
    json_decref(rep);
    pushsim_free(real);
    pushsim_free(rogue);
    zkd_cleanup(&d, ok);
    return ok;
}

/* (2) Reject: nothing left behind, refused afterwards. */
static int t_reject(void)
{
    int ok = 0;
    zkd d = {0};
    pushsim *bad = NULL;
    json_t *j = NULL;
    REQUIRE(zkd_start(&d, NULL, PENDING_ARGS) == 0, "zkbiod did not start");
    REQUIRE((bad = zkd_sim(&d, "REJECTME1")), "handshake");
    SIM_OK(bad, pushsim_enroll_fake(bad, 6001, 3, 2, 0));
    SIM_OK(bad, pushsim_upload_pending(bad, NULL));
    SIM_OK(bad, pushsim_add_fake_punches(bad, 6001, 3, 5, NULL));
    SIM_OK(bad, pushsim_upload_punches(bad, NULL));
    SIM_OK(bad, pushsim_poll(bad, NULL));
    REQUIRE(rows_of(&d, "pending_uploads", "sn", "REJECTME1") >= 2, "uploads are held");
    long st;
    j = zkd_api(&d, "{}", &st, "/api/v1/devices/REJECTME1/reject");
    REQUIRE(st == 200, "reject: HTTP %ld", st);
    static const char *const tables[][2] = {
        {"pending_uploads", "sn"}, {"attendance", "sn"},   {"commands", "sn"},
        {"device_items", "sn"},    {"operlog", "sn"},      {"errorlog", "sn"},
        {"attphotos", "sn"},       {"users", "source_sn"}, {"templates", "source_sn"}};
    for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
        long n = rows_of(&d, tables[i][0], tables[i][1], "REJECTME1");
        REQUIRE(n == 0, "%ld row(s) of %s left behind", n, tables[i][0]);
    }
    int rc = pushsim_handshake(bad);
    REQUIRE(rc != 0 && pushsim_last_status(bad) == 403, "a rejected SN's handshake: HTTP %ld",
            pushsim_last_status(bad));
    rc = pushsim_poll(bad, NULL);
    REQUIRE(rc != 0 && pushsim_last_status(bad) == 403, "a rejected SN's poll: HTTP %ld",
            pushsim_last_status(bad));
    SIM_OK(bad, pushsim_add_fake_punches(bad, 6001, 1, 1, "2025-09-01 08:00:00"));
    rc = pushsim_upload_punches(bad, NULL);
    REQUIRE(rc != 0 && rows_of(&d, "pending_uploads", "sn", "REJECTME1") == 0,
            "a rejected SN's upload was kept");
    json_decref(j);
    j = zkd_api(&d, "{}", &st, "/api/v1/devices/REJECTME1/approve");
    REQUIRE(st == 200, "an operator may still admit a rejected SN: HTTP %ld", st);
    SIM_OK(bad, pushsim_handshake(bad));
    json_decref(j);
    j = zkd_api(&d, "{}", &st, "/api/v1/devices/REJECTME1/reject");
    REQUIRE(st == 409, "rejecting an approved terminal: HTTP %ld, expected 409", st);
    ok = 1;
out:
    json_decref(j);
    pushsim_free(bad);
    zkd_cleanup(&d, ok);
    return ok;
}

static int log_lines(const zkd *d, const char *needle);

/* (3) Pinning and address changes. */
static int t_pin(void)
{
    int ok = 0;
    zkd d = {0};
    pushsim *a = NULL;
    json_t *j = NULL;
    CURL *c = curl_easy_init();
    REQUIRE(c, "curl");
    REQUIRE(zkd_start(&d, NULL, PENDING_ARGS) == 0, "zkbiod did not start");
    REQUIRE((a = zkd_sim(&d, "PINNED01")), "handshake");
    REQUIRE(approve(&d, "PINNED01", NULL) == 200, "approve");
    long st;
    j = zkd_api_patch(&d, "{\"pin_address\":\"127.0.0.1/32\"}", &st, "/api/v1/devices/PINNED01");
    REQUIRE(st == 200, "pin: HTTP %ld", st);
    json_decref(j);
    j = NULL;
    SIM_OK(a, pushsim_poll(a, NULL)); /* from 127.0.0.1: served */
    st = get_from(c, &d, "127.0.0.2", "/iclock/getrequest?SN=PINNED01");
    REQUIRE(st == 403, "the pinned SN from 127.0.0.2: HTTP %ld, expected 403", st);
    st = get_from(c, &d, "127.0.0.2", "/iclock/cdata?SN=PINNED01&options=all");
    REQUIRE(st == 403, "the pinned SN's handshake from 127.0.0.2: HTTP %ld, expected 403", st);
    for (int k = 0; k < 5; k++)
        get_from(c, &d, "127.0.0.2", "/iclock/getrequest?SN=PINNED01");
    zkd_sleep_ms(200);
    REQUIRE(log_lines(&d, "refused from 127.0.0.2") == 1,
            "%d refusal lines for 7 refused requests of one source, expected 1",
            log_lines(&d, "refused from 127.0.0.2"));
    j = zkd_api(&d, NULL, &st, "/api/v1/audit?action=device.pin_refused");
    REQUIRE(st == 200 && json_array_size(zkd_items(j)) == 1,
            "device.pin_refused audited once (%zu)", json_array_size(zkd_items(j)));
    json_decref(j);
    j = NULL;
    SIM_OK(a, pushsim_poll(a, NULL));
    static const char *const bad[] = {"\"10.0.0.0/33\"",
                                      "\"300.1.1.1\"",
                                      "\"::1/129\"",
                                      "\"fe80::1%eth0\"",
                                      "\"1.2.3.4/\"",
                                      "\" 1.2.3.4\"",
                                      "5"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char body[64];
        snprintf(body, sizeof(body), "{\"pin_address\":%s}", bad[i]);
        j = zkd_api_patch(&d, body, &st, "/api/v1/devices/PINNED01");
        REQUIRE(st == 400, "pin_address %s: HTTP %ld, expected 400", bad[i], st);
        json_decref(j);
        j = NULL;
    }
    /* Unpinned: a request from a new address is served, logged and audited once. */
    j = zkd_api_patch(&d, "{\"pin_address\":\"\"}", &st, "/api/v1/devices/PINNED01");
    REQUIRE(st == 200, "unpin: HTTP %ld", st);
    json_decref(j);
    j = NULL;
    for (int i = 0; i < 3; i++) {
        st = get_from(c, &d, "127.0.0.3", "/iclock/getrequest?SN=PINNED01");
        REQUIRE(st == 200, "unpinned SN from 127.0.0.3: HTTP %ld", st);
    }
    j = zkd_api(&d, NULL, &st, "/api/v1/audit?action=device.address_changed");
    REQUIRE(st == 200, "audit list: HTTP %ld", st);
    size_t n = 0, i;
    json_t *row;
    json_array_foreach(zkd_items(j), i, row)
    {
        const char *target = json_string_value(json_object_get(row, "target"));
        n += target && strcmp(target, "PINNED01") == 0;
    }
    REQUIRE(n == 1, "%zu device.address_changed audit rows, expected 1", n);
    ok = 1;
out:
    json_decref(j);
    if (c)
        curl_easy_cleanup(c);
    pushsim_free(a);
    zkd_cleanup(&d, ok);
    return ok;
}

static long rss_kb(pid_t pid)
{
    char path[64], line[256];
    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    long kb = -1;
    while (f && fgets(line, sizeof(line), f))
        if (strncmp(line, "VmRSS:", 6) == 0)
            kb = strtol(line + 6, NULL, 10);
    if (f)
        fclose(f);
    return kb;
}

static long long file_size(const char *dir, const char *name)
{
    char path[400];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    struct stat sb;
    return stat(path, &sb) == 0 ? (long long)sb.st_size : 0;
}

static int log_lines(const zkd *d, const char *needle)
{
    char path[400], line[1024];
    snprintf(path, sizeof(path), "%s/zkbiod.log", d->dir);
    FILE *f = fopen(path, "r");
    int n = 0;
    while (f && fgets(line, sizeof(line), f))
        n += strstr(line, needle) != NULL;
    if (f)
        fclose(f);
    return n;
}

/* (4) A flood of made-up SNs. */
static int t_flood(void)
{
    enum { SOURCES = 50, PER_SOURCE = 100, RATE = 5, CAP = 100 };
    int ok = 0;
    zkd d = {0};
    CURL *c[SOURCES] = {0};
    pushsim *real = NULL;
    const char *args[] = {"--admission", "pending", "--unknown-rate", "5", "--pending-max",
                          "100",         NULL};
    REQUIRE(zkd_start(&d, NULL, args) == 0, "zkbiod did not start");
    REQUIRE((real = zkd_sim(&d, "FLOODREAL")), "a real terminal");
    REQUIRE(approve(&d, "FLOODREAL", NULL) == 200, "approve");
    long rss0 = rss_kb(d.pid);
    long long db0 = file_size(d.dir, "zkbiod.db") + file_size(d.dir, "zkbiod.db-wal");
    long ok200 = 0, limited = 0, full = 0, other = 0;
    for (int s = 0; s < SOURCES; s++)
        REQUIRE((c[s] = curl_easy_init()), "curl");
    for (int k = 0; k < PER_SOURCE; k++) {
        for (int s = 0; s < SOURCES; s++) {
            char src[32], path[128];
            snprintf(src, sizeof(src), "127.0.%d.%d", 1 + s / 200, 10 + s % 200);
            snprintf(path, sizeof(path), "/iclock/cdata?SN=FAKE%03d%04d&options=all", s, k);
            long st = get_from(c[s], &d, src, path);
            ok200 += st == 200;
            limited += st == 429;
            full += st == 503;
            other += st != 200 && st != 429 && st != 503;
        }
    }
    REQUIRE(other == 0, "%ld answers other than 200, 429 and 503", other);
    REQUIRE(ok200 == CAP, "%ld made-up SNs registered, expected the cap %d", ok200, CAP);
    REQUIRE(pending_total(&d) == CAP, "%ld pending, expected %d", pending_total(&d), CAP);
    REQUIRE(limited >= (long)SOURCES * (PER_SOURCE - RATE),
            "%ld refused by the per-source rate, expected at least %d", limited,
            SOURCES * (PER_SOURCE - RATE));
    REQUIRE(full > 0, "the pending cap never refused");
    /* A real approved terminal is unaffected. */
    SIM_OK(real, pushsim_poll(real, NULL));
    SIM_OK(real, pushsim_handshake(real));
    /* Bounded: memory, database, log. */
    long rss1 = rss_kb(d.pid);
    long long db1 = file_size(d.dir, "zkbiod.db") + file_size(d.dir, "zkbiod.db-wal");
    REQUIRE(!RSS_CHECKED || (rss0 > 0 && rss1 - rss0 < 16 * 1024),
            "RSS grew by %ld kB during the flood", rss1 - rss0);
    /* 100 registrations are 100 small commits: WAL pages (checkpointed at ~4 MB), not 5,000
     * rows. */
    REQUIRE(rows_of(&d, "devices", "admission", "pending") == CAP, "pending rows in the database");
    REQUIRE(db1 - db0 < 6 * 1024 * 1024, "the database grew by %lld bytes", db1 - db0);
    int refusals = log_lines(&d, "refused from");
    REQUIRE(refusals <= 3 * SOURCES, "%d refusal lines logged for %d sources", refusals, SOURCES);
    ok = 1;
out:
    for (int s = 0; s < SOURCES; s++)
        if (c[s])
            curl_easy_cleanup(c[s]);
    pushsim_free(real);
    zkd_cleanup(&d, ok);
    return ok;
}

int main(int argc, char **argv)
{
    static const zkd_test tests[] = {
        {"rogue", t_rogue},
        {"reject", t_reject},
        {"pin", t_pin},
        {"flood", t_flood},
    };
    return zkd_run(tests, sizeof(tests) / sizeof(tests[0]), argc, argv);
}
