/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The management API's JSON (daemon/server/api_json.c) built from the store's rows, against a
 * golden file: every list and get of /api/v1 over rows that cover NULL and non-NULL columns,
 * invalid stored JSON, paging cursors and filters.
 *
 *   test-api-json ROWS.sql GOLDEN URI      (URI: sqlite:tmp or mariadb://...)
 *
 * GOLDEN holds the items of the /api/v1 contract (docs/management-api.md; schema 5: numeric device
 * ids, transports, the (time, id) order of punches): a difference means the API's fields, order or
 * types changed. Regenerate it only for an intended change of the contract, and say so.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "api_json.h"
#include "db.h"
#include "store.h"

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (s && fread(s, 1, (size_t)n, f) != (size_t)n) {
        free(s);
        s = NULL;
    }
    if (s)
        s[n] = '\0';
    fclose(f);
    return s;
}

typedef struct outbuf {
    char *p;
    size_t n;
} outbuf;

static void emit(outbuf *o, const char *name, json_t *j)
{
    char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
    size_t need = strlen(name) + 1 + (s ? strlen(s) : 6) + 2;
    o->p = realloc(o->p, o->n + need);
    if (!o->p)
        abort();
    o->n += (size_t)sprintf(o->p + o->n, "%s %s\n", name, s ? s : "(null)");
    free(s);
    json_decref(j);
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s ROWS.sql GOLDEN sqlite:tmp|mariadb://...\n", argv[0]);
        return 2;
    }
    char path[64] = "", uri[1024];
    if (strcmp(argv[3], "sqlite:tmp") == 0) {
        snprintf(path, sizeof(path), "/tmp/zkbio-api-json-%ld.db", (long)getpid());
        snprintf(uri, sizeof(uri), "sqlite:%s", path);
    } else {
        snprintf(uri, sizeof(uri), "%s", argv[3]);
    }
    char *rows = slurp(argv[1]), *golden = slurp(argv[2]);
    if (!rows || !golden) {
        fprintf(stderr, "cannot read %s or %s\n", argv[1], argv[2]);
        return 1;
    }
    zs_policy pol = {.full_sync = 1, .command_timeout_s = 60, .max_attempts = 3, .auto_admit = 1};
    zs_store *st = NULL;
    char err[256];
    if (zs_open(uri, &pol, &st, err, sizeof(err)) != 0) { /* creates the schema */
        fprintf(stderr, "zs_open: %s\n", err);
        return 1;
    }
    zdb *db = NULL;
    if (zdb_open(uri, &db, err, sizeof(err)) != 0 || zdb_exec(db, rows) != 0) {
        fprintf(stderr, "loading the rows: %s\n", db ? zdb_errmsg(db) : err);
        return 1;
    }
    zdb_close(db);

    outbuf o = {NULL, 0};
    zs_device_filter df = {.online = -1};
    zs_device_page dp;
    if (zs_list_devices_page(st, &df, &dp) == 0) {
        json_t *arr = json_array();
        for (size_t i = 0; i < dp.n; i++)
            json_array_append_new(arr, zapi_device_json(&dp.devices[i], 0, 0));
        emit(&o, "devices", arr);
        zs_device_page_free(&dp);
    }
    static const char *const sns[] = {"DEV1", "DEV2", "DEV3", "TCP1", "NOPE"};
    for (size_t i = 0; i < sizeof(sns) / sizeof(sns[0]); i++) {
        zs_device d;
        int rc = zs_get_device(st, sns[i], &d);
        if (rc == 0) {
            emit(&o, "device", zapi_device_json(&d, 1, 1));
            zs_device_clear(&d);
        } else {
            char line[32];
            snprintf(line, sizeof(line), "device rc %d\n", rc);
            o.p = realloc(o.p, o.n + strlen(line) + 1);
            if (!o.p)
                abort();
            o.n += (size_t)sprintf(o.p + o.n, "%s", line);
        }
    }
    static const zs_filter fs[] = {
        {0},
        {.limit = 1},
        {.limit = 2},
        {.sn = "DEV1"},
        {.pin = "1"},
        {.status = "failed"},
        {.after = 1, .limit = 2},
        {.after_key = "1"},
    };
    for (size_t i = 0; i < sizeof(fs) / sizeof(fs[0]); i++) {
        zs_user_page up;
        if (zs_list_users(st, &fs[i], &up) == 0) {
            json_t *arr = json_array();
            for (size_t k = 0; k < up.n; k++)
                json_array_append_new(arr, zapi_user_json(&up.users[k]));
            emit(&o, "users",
                 json_pack("{s:o,s:o,s:I}", "items", arr, "next",
                           up.next ? json_string(up.next) : json_null(), "total",
                           (json_int_t)up.total));
        }
        zs_user_page_free(&up);
        zs_command_page cp;
        if (zs_list_commands(st, &fs[i], &cp) == 0) {
            json_t *arr = json_array();
            for (size_t k = 0; k < cp.n; k++)
                json_array_append_new(arr, zapi_command_json(&cp.commands[k]));
            emit(&o, "cmds", json_pack("{s:o,s:b}", "items", arr, "more", cp.has_next));
        }
        zs_command_page_free(&cp);
    }
    static const zs_punch_filter pfs[] = {
        {.status = -1},
        {.status = -1, .limit = 2},
        {.status = -1, .sn = "DEV1"},
        {.status = -1, .pin = "1"},
        {.status = 1},
        {.status = -1, .after_time = "2025-01-02 08:59:58", .after_id = 1, .limit = 2},
        {.status = -1, .from = "2025-01-02 09:00:00", .to = "2025-01-02 23:59:59"},
    };
    for (size_t i = 0; i < sizeof(pfs) / sizeof(pfs[0]); i++) {
        zs_punch_page pp;
        if (zs_list_attendance(st, &pfs[i], &pp) == 0) {
            json_t *arr = json_array();
            for (size_t k = 0; k < pp.n; k++)
                json_array_append_new(arr, zapi_punch_json(&pp.punches[k]));
            emit(&o, "att", json_pack("{s:o,s:b}", "items", arr, "more", pp.has_next));
        }
        zs_punch_page_free(&pp);
        zs_punch_day_page dd;
        if (zs_attendance_summary(st, &pfs[i], &dd) == 0) {
            json_t *arr = json_array();
            for (size_t k = 0; k < dd.n; k++)
                json_array_append_new(arr, zapi_punch_day_json(&dd.days[k]));
            emit(&o, "days", json_pack("{s:o,s:b}", "items", arr, "more", dd.has_next));
        }
        zs_punch_day_page_free(&dd);
    }
    zs_close(st);
    if (path[0]) {
        char side[96];
        unlink(path);
        snprintf(side, sizeof(side), "%s-wal", path);
        unlink(side);
        snprintf(side, sizeof(side), "%s-shm", path);
        unlink(side);
    }
    int same = o.p && strcmp(o.p, golden) == 0;
    if (!same) {
        fprintf(stderr, "API JSON differs from %s. Got:\n%s", argv[2], o.p ? o.p : "");
        /* the first differing line */
        const char *a = o.p ? o.p : "", *b = golden;
        while (*a && *a == *b)
            a++, b++;
        fprintf(stderr, "first difference at byte %ld\n", (long)(a - (o.p ? o.p : "")));
    }
    printf("%s\n", same ? "1 passed, 0 failed" : "0 passed, 1 failed");
    free(o.p);
    free(rows);
    free(golden);
    return same ? 0 : 1;
}
