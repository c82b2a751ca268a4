/* SPDX-License-Identifier: Apache-2.0 */
/*
 * issue 15 on the 4370 side (daemon/fleet/session.c check_serial, docs/admission.md): a terminal
 * that answers at a registered address with another serial number is flagged (device JSON flag
 * "sn_mismatch" and reported_sn, an audit row) and not used, so its punches are not stored under
 * the registered SN; when the registered terminal answers again the flag clears and its punches
 * come in. A real zkbiod against in-process emulated terminals (zkbio_zk_emu).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "harness.h"
#include "zkbio/zk4370_emu.h"

static const char *const FAST[] = {
    "--fleet-heartbeat", "2", "--fleet-timeout-ms", "1500", "--fleet-pull-interval", "0", NULL};

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static zkbio_zk_emu *emu(uint16_t port, size_t punches, const char *serial)
{
    zkbio_zk_emu_options o;
    zkbio_zk_emu_options_init(&o);
    o.port = port;
    o.users = 3;
    o.punches = punches;
    o.serial = serial;
    o.link_rate = -1;
    zkbio_zk_emu *e = NULL;
    return zkbio_zk_emu_start(&o, &e) == 0 ? e : NULL;
}

/* Rows of the SQLite database matching `sql` (one integer); -1 on error. */
static long long db_int(const zkd *d, const char *sql, const char *arg)
{
    char path[400];
    snprintf(path, sizeof(path), "%s/zkbiod.db", d->dir);
    sqlite3 *db = NULL;
    long long v = -1;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
        sqlite3_busy_timeout(db, 5000);
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
            sqlite3_bind_text(st, 1, arg, -1, SQLITE_TRANSIENT);
            if (sqlite3_step(st) == SQLITE_ROW)
                v = sqlite3_column_int64(st, 0);
        }
        sqlite3_finalize(st);
    }
    sqlite3_close(db);
    return v;
}

/* The device's flag (into out) once it equals want, within ms; 1 when it did. */
static int wait_flag(const zkd *d, long long id, const char *want, int ms, char *out, size_t size,
                     char *reported, size_t rsize)
{
    long long end = now_ms() + ms;
    do {
        long st;
        json_t *j = zkd_api(d, NULL, &st, "/api/v1/devices/%lld", id);
        json_t *data = json_object_get(j, "data");
        const char *f = json_string_value(json_object_get(data, "flag"));
        const char *r = json_string_value(json_object_get(data, "reported_sn"));
        snprintf(out, size, "%s", f ? f : "(none)");
        snprintf(reported, rsize, "%s", r ? r : "(none)");
        json_decref(j);
        if (st == 200 && strcmp(out, want) == 0)
            return 1;
        zkd_sleep_ms(100);
    } while (now_ms() < end);
    return 0;
}

static int t_sn_mismatch(void)
{
    int ok = 0;
    zkd d = {0};
    zkbio_zk_emu *a = emu(0, 0, "EMUREG0001"), *b = NULL;
    json_t *j = NULL;
    char flag[64], rep[64];
    REQUIRE(a, "emulator");
    uint16_t port = 0;
    zkbio_zk_emu_port(a, &port);
    REQUIRE(zkd_start(&d, NULL, FAST) == 0, "zkbiod did not start");
    char body[160];
    snprintf(body, sizeof(body), "{\"name\":\"door\",\"ip\":\"127.0.0.1\",\"port\":%u}",
             (unsigned)port);
    long st;
    j = zkd_api(&d, body, &st, "/api/v1/devices");
    REQUIRE(st == 201, "add: HTTP %ld", st);
    long long id = json_integer_value(json_object_get(json_object_get(j, "data"), "id"));
    json_decref(j);
    j = NULL;
    REQUIRE(wait_flag(&d, id, "", 10000, flag, sizeof(flag), rep, sizeof(rep)),
            "no flag at first: %s", flag);

    /* Another terminal, with punches, answers at the registered address. */
    zkbio_zk_emu_stop(a);
    a = NULL;
    REQUIRE((b = emu(port, 5, "EMUIMPOSTR")), "the other terminal on port %u", (unsigned)port);
    REQUIRE(wait_flag(&d, id, "sn_mismatch", 40000, flag, sizeof(flag), rep, sizeof(rep)),
            "flag after the other terminal answered: '%s'", flag);
    REQUIRE(strcmp(rep, "EMUIMPOSTR") == 0, "reported_sn '%s'", rep);
    zkd_sleep_ms(2500); /* give a wrongly working session time to pull */
    REQUIRE(db_int(&d, "SELECT COUNT(*) FROM attendance WHERE sn = ?", "EMUREG0001") == 0,
            "the other terminal's punches were stored under the registered SN");
    REQUIRE(db_int(&d, "SELECT COUNT(*) FROM attendance WHERE sn = ?", "EMUIMPOSTR") == 0,
            "the other terminal's punches were stored");
    REQUIRE(db_int(&d, "SELECT COUNT(*) FROM audit_log WHERE action = ?", "device.sn_mismatch") ==
                1,
            "one device.sn_mismatch audit row (however often it reconnects)");
    REQUIRE(db_int(&d, "SELECT COUNT(*) FROM devices WHERE sn = ?", "EMUIMPOSTR") == 0,
            "the reported SN was registered as a device");

    /* The registered terminal is back: the flag clears and its punches come in. */
    zkbio_zk_emu_stop(b);
    b = NULL;
    REQUIRE((a = emu(port, 4, "EMUREG0001")), "the registered terminal back on port %u",
            (unsigned)port);
    REQUIRE(wait_flag(&d, id, "", 40000, flag, sizeof(flag), rep, sizeof(rep)),
            "flag after the registered terminal answered again: '%s'", flag);
    long long end = now_ms() + 30000, n = 0; /* reconnect backoff after the failures */
    while ((n = db_int(&d, "SELECT COUNT(*) FROM attendance WHERE sn = ?", "EMUREG0001")) < 4 &&
           now_ms() < end)
        zkd_sleep_ms(100);
    REQUIRE(n == 4, "the registered terminal's 4 punches after the flag cleared (%lld)", n);
    ok = 1;
out:
    json_decref(j);
    zkd_cleanup(&d, ok);
    zkbio_zk_emu_stop(a);
    zkbio_zk_emu_stop(b);
    return ok;
}

int main(int argc, char **argv)
{
    static const zkd_test tests[] = {{"sn-mismatch", t_sn_mismatch}};
    return zkd_run(tests, sizeof(tests) / sizeof(tests[0]), argc, argv);
}
