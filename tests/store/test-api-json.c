/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The management API's JSON (daemon/server/api_json.c) built from the store's rows, against a
 * golden file: every list and get of /api/v1 over rows that cover NULL and non-NULL columns,
 * invalid stored JSON, paging cursors and filters.
 *
 *   test-api-json ROWS.sql GOLDEN URI      (URI: sqlite:tmp or mariadb://...)
 *
 * GOLDEN was produced by the code before the store returned C structs (query.c building jansson
 * objects itself), so a difference means the API's fields, order or types changed.
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
    zs_device *list;
    size_t n;
    if (zs_list_devices(st, &list, &n) == 0) {
        emit(&o, "devices", zapi_devices_json(list, n));
        zs_device_list_free(list, n);
    }
    static const char *const sns[] = {"DEV1", "DEV2", "DEV3", "NOPE"};
    for (size_t i = 0; i < sizeof(sns) / sizeof(sns[0]); i++) {
        zs_device d;
        int rc = zs_get_device(st, sns[i], &d);
        if (rc == 0) {
            emit(&o, "device", zapi_device_json(&d, 1));
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
        {.from = "2025-01-02 09:00:00", .to = "2025-01-02 23:59:59"},
    };
    for (size_t i = 0; i < sizeof(fs) / sizeof(fs[0]); i++) {
        zs_user_page up;
        if (zs_list_users(st, &fs[i], &up) == 0)
            emit(&o, "users", zapi_users_json(&up));
        zs_user_page_free(&up);
        zs_punch_page pp;
        if (zs_list_attendance(st, &fs[i], &pp) == 0)
            emit(&o, "att", zapi_punches_json(&pp));
        zs_punch_page_free(&pp);
        zs_command_page cp;
        if (zs_list_commands(st, &fs[i], &cp) == 0)
            emit(&o, "cmds", zapi_commands_json(&cp));
        zs_command_page_free(&cp);
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
