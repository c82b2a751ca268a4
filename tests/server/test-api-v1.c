/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The /api/v1 contract over HTTP (docs/management-api.md), zkbiod's terminal listener in process on
 * loopback port 0 over a database seeded with devices of both transports, users, commands and
 * punches with repeated times:
 *   - every reply is the envelope and carries X-Request-Id (a sane client id is echoed);
 *   - malformed query parameters of every list are 400 VALIDATION_ERROR in the envelope; unknown
 *     paths 404, wrong methods 405, unknown devices 404, all in the envelope;
 *   - GET replies carry a strong ETag; If-None-Match with it is 304 without a body; a change of the
 *     data changes the ETag;
 *   - paging walks every row of every list exactly once (devices, users, commands, attendance with
 *     each filter shape, the daily summary), and `next` is null exactly at the end;
 *   - devices by numeric id and by SN; PATCH validates tz and refuses unknown fields.
 *
 *   test-api-v1 [URI]   (no URI: SQLite in a temporary directory; mariadb.sh run appends one)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <curl/curl.h>

#include "api.h"
#include "http-json.h"
#include "db.h"
#include "http.h"
#include "store.h"

#include "../support/test.h"

#define TOKEN "api-v1-test-token-0123"

typedef http_json_reply reply;

static int port;

/* One request with the admin token (and an optional extra header); r->j is the parsed body. */
static void call(reply *r, const char *method, const char *path, const char *body,
                 const char *header)
{
    char base[64];
    snprintf(base, sizeof(base), "http://127.0.0.1:%d", port);
    const http_json_opts o = {.token = TOKEN, .header = header};
    http_json_call(r, base, method, path, body, &o);
}

static void done(reply *r)
{
    http_json_free(r);
}

/* The error envelope with this code, and the metadata's request id equal to the header's. */
static int is_error(const reply *r, long status, const char *code)
{
    const json_t *j = r->j;
    json_t *e = json_object_get(j, "error"), *m = json_object_get(j, "metadata");
    const char *c = json_string_value(json_object_get(e, "code"));
    const char *rid = json_string_value(json_object_get(m, "request_id"));
    return r->status == status && json_object_size(j) == 4 &&
           json_is_false(json_object_get(j, "status")) &&
           json_is_string(json_object_get(j, "message")) && c && strcmp(c, code) == 0 &&
           json_is_string(json_object_get(e, "type")) && json_object_get(e, "details") && rid &&
           strcmp(rid, r->request_id) == 0 &&
           strcmp(json_string_value(json_object_get(m, "api_version")), "v1") == 0 &&
           json_is_string(json_object_get(m, "timestamp"));
}

static json_t *data_of(const reply *r)
{
    return json_is_true(json_object_get(r->j, "status")) ? json_object_get(r->j, "data") : NULL;
}

static json_t *items_of(const reply *r)
{
    return json_object_get(data_of(r), "items");
}

static json_t *paging_of(const reply *r)
{
    return json_object_get(data_of(r), "paging");
}

/* Walk a list with `limit` until next is null; every item's `key` (an integer or string member)
 * appended to seen (a JSON array). Returns the pages read, or -1 on a bad page. */
static int walk(const char *path, int limit, const char *key, json_t *seen)
{
    char cursor[256] = "", url[1024];
    for (int pages = 1; pages < 5000; pages++) {
        snprintf(url, sizeof(url), "%s%slimit=%d%s%s", path, strchr(path, '?') ? "&" : "?", limit,
                 cursor[0] ? "&after=" : "", cursor);
        reply r;
        call(&r, "GET", url, NULL, NULL);
        json_t *items = items_of(&r), *pg = paging_of(&r);
        if (r.status != 200 || !json_is_array(items) || !pg ||
            json_integer_value(json_object_get(pg, "limit")) != limit ||
            json_array_size(items) > (size_t)limit) {
            fprintf(stderr, "walk %s: HTTP %ld\n", url, r.status);
            done(&r);
            return -1;
        }
        size_t i;
        json_t *it;
        json_array_foreach(items, i, it) json_array_append(seen, json_object_get(it, key));
        json_t *next = json_object_get(pg, "next");
        int more = json_is_string(next);
        if (more) {
            snprintf(cursor, sizeof(cursor), "%s", json_string_value(next));
            if (json_array_size(items) != (size_t)limit) { /* a short page is the last */
                done(&r);
                return -1;
            }
        }
        done(&r);
        if (!more)
            return pages;
    }
    return -1;
}

/* seen holds each of want's members exactly once, in want's order. */
static int same_list(const json_t *seen, const json_t *want)
{
    return json_equal((json_t *)seen, (json_t *)want);
}

/* The whole list at once (limit 1000) as the reference of a walk. */
static json_t *all_of(const char *path, const char *key)
{
    json_t *a = json_array();
    if (walk(path, 1000, key, a) != 1) {
        json_decref(a);
        return NULL;
    }
    return a;
}

static void check_walks(const char *path, const char *key, size_t min)
{
    json_t *want = all_of(path, key);
    CHECK_MSG(want && json_array_size(want) >= min, "%s: %zu items (want >= %zu)", path,
              want ? json_array_size(want) : 0, min);
    for (int lim = 1; want && lim <= 64; lim = lim * 4 + 1) {
        json_t *seen = json_array();
        int pages = walk(path, lim, key, seen);
        CHECK_MSG(pages > 0 && same_list(seen, want),
                  "%s limit %d: %zu of %zu items in %d pages, each exactly once in order", path,
                  lim, json_array_size(seen), json_array_size(want), pages);
        json_decref(seen);
    }
    json_decref(want);
}

static int seed(const char *uri)
{
    zdb *db = NULL;
    char err[256];
    if (zdb_open(uri, &db, err, sizeof(err)) != 0) {
        fprintf(stderr, "seed: %s\n", err);
        return -1;
    }
    int rc = zdb_exec(
        db, "INSERT INTO devices (sn, transport, name, location, tz, state, last_seen, "
            "registered_at, port, user_count) VALUES ('PUSH1', 'push', 'Front door', 'Lobby', "
            "'+03:00', '', 1, 1700000000, 0, -1), ('PUSH2', 'push', 'Back', '', '', '', 1, "
            "1700000001, 0, -1), ('TCP1', 'tcp4370', 'Gate', 'Yard', 'Europe/Berlin', 'online', "
            "1700000100, 1700000002, 4370, 12)");
    char sql[512];
    for (int i = 0; rc == 0 && i < 30; i++) {
        snprintf(sql, sizeof(sql),
                 "INSERT INTO users (pin, name, privilege, password, card, grp, tz, verify, "
                 "sync_group, hash, source_sn, updated_at) VALUES ('%d', 'U%d', 0, '', '', '', "
                 "'', 0, 'default', 'h', 'PUSH1', 1)",
                 1000 + i, i);
        rc = zdb_exec(db, sql);
    }
    for (int i = 0; rc == 0 && i < 15; i++) {
        snprintf(sql, sizeof(sql),
                 "INSERT INTO commands (sn, kind, pin, item_key, item_hash, text, status, "
                 "attempts, created_at) VALUES ('%s', 'admin', '', '', '', 'REBOOT', '%s', 0, %d)",
                 i % 2 ? "PUSH1" : "PUSH2", i % 3 ? "queued" : "done", 100 + i);
        rc = zdb_exec(db, sql);
    }
    static const char *const sns[] = {"PUSH1", "PUSH2", "TCP1"};
    for (int i = 0; rc == 0 && i < 250; i++) { /* 25 distinct seconds: many equal times */
        snprintf(sql, sizeof(sql),
                 "INSERT INTO attendance (sn, pin, punch_time, status, verify, workcode, extra, "
                 "received_at) VALUES ('%s', '%d', '2025-03-%02d 08:%02d:00', %d, 1, '', '', %d)",
                 sns[i % 3], 1000 + i % 7, 1 + i % 5, i / 5 % 5, i % 2, 1700000000 + i);
        rc = zdb_exec(db, sql);
    }
    if (rc != 0)
        fprintf(stderr, "seed: %s\n", zdb_errmsg(db));
    zdb_close(db);
    return rc;
}

static void envelope_and_errors(void)
{
    reply r;
    call(&r, "GET", "/api/v1/devices", NULL, NULL);
    CHECK_MSG(r.status == 200 && json_object_size(r.j) == 3 && data_of(&r) &&
                  json_is_string(json_object_get(r.j, "message")) && r.request_id[0] && r.etag[0],
              "list: HTTP %ld, request id '%s', etag '%s'", r.status, r.request_id, r.etag);
    done(&r);
    call(&r, "GET", "/api/v1/devices", NULL, "X-Request-Id: trace-42.a_b");
    CHECK_MSG(strcmp(r.request_id, "trace-42.a_b") == 0, "client request id echoed: '%s'",
              r.request_id);
    done(&r);
    call(&r, "GET", "/api/v1/nope", NULL, "X-Request-Id: bad id with spaces");
    CHECK_MSG(is_error(&r, 404, "NOT_FOUND") && strcmp(r.request_id, "bad id with spaces") != 0,
              "unknown path: HTTP %ld id '%s'", r.status, r.request_id);
    done(&r);
    call(&r, "DELETE", "/api/v1/attendance", NULL, NULL);
    CHECK_MSG(is_error(&r, 405, "METHOD_NOT_ALLOWED"), "wrong method: HTTP %ld", r.status);
    done(&r);
    call(&r, "GET", "/health", NULL, NULL);
    CHECK_MSG(r.status == 200 && data_of(&r) &&
                  strcmp(json_string_value(json_object_get(data_of(&r), "database")), "ok") == 0,
              "health: HTTP %ld", r.status);
    done(&r);

    static const char *const bad[] = {
        "/api/v1/devices?limit=0",
        "/api/v1/devices?limit=1001",
        "/api/v1/devices?limit=abc",
        "/api/v1/devices?limit=-5",
        "/api/v1/devices?page=2",
        "/api/v1/devices?offset=10",
        "/api/v1/devices?after=abc",
        "/api/v1/devices?after=%01",
        "/api/v1/devices?transport=serial",
        "/api/v1/devices?online=maybe",
        "/api/v1/users?after=zz",
        "/api/v1/users?after=123",
        "/api/v1/users?limit=1.5",
        "/api/v1/commands?status=bogus",
        "/api/v1/commands?after=-1",
        "/api/v1/commands?total=yes",
        "/api/v1/attendance?from=yesterday",
        "/api/v1/attendance?from=2025-13-01",
        "/api/v1/attendance?to=2025-03-01T25:00",
        "/api/v1/attendance?from=2025-03-02&to=2025-03-01",
        "/api/v1/attendance?from=2025-03-01T00:00:00Z",
        "/api/v1/attendance?status=256",
        "/api/v1/attendance?status=x",
        "/api/v1/attendance?after=12345",
        "/api/v1/attendance?after=20250301080000.x",
        "/api/v1/attendance?user=1234567890123456789012345",
        "/api/v1/attendance/summary?from=2025-03-01&to=2025-03-02&after=20250301.zz",
        "/api/v1/attendance/summary?from=2025-03-01&to=2025-02-30x",
        "/api/v1/attendance/summary",                               /* no user: a range is needed */
        "/api/v1/attendance/summary?from=2025-01-01&to=2025-04-04", /* 94 days */
        "/api/v1/attendance/summary?device=PUSH1&from=2025-01-01",
        /* the first limit wins (10), the cursor is a space */
        "/api/v1/attendance?limit=10&limit=20&after=%20",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        call(&r, "GET", bad[i], NULL, NULL);
        CHECK_MSG(is_error(&r, 400, "VALIDATION_ERROR"), "%s: HTTP %ld", bad[i], r.status);
        done(&r);
    }
    char longp[700] = "/api/v1/devices?q=";
    memset(longp + strlen(longp), 'x', 600);
    call(&r, "GET", longp, NULL, NULL);
    CHECK_MSG(is_error(&r, 400, "VALIDATION_ERROR"), "overlong q: HTTP %ld", r.status);
    done(&r);
    /* a request head over civetweb's buffer (16 KiB) is refused by civetweb itself: still the
     * envelope (listener.c, terminal_http_error), not its text/plain page */
    static char huge[20100] = "/api/v1/attendance/summary?limit=NaN&after=";
    memset(huge + strlen(huge), 'y', 20000);
    call(&r, "GET", huge, NULL, NULL);
    CHECK_MSG(is_error(&r, 400, "VALIDATION_ERROR"), "request head over 16 KiB: HTTP %ld",
              r.status);
    done(&r);
    call(&r, "GET", "/api/v1/attendance?device=NOSUCH", NULL, NULL);
    CHECK_MSG(is_error(&r, 404, "NOT_FOUND"), "unknown device filter: HTTP %ld", r.status);
    done(&r);
    call(&r, "GET", "/api/v1/devices/NOSUCH", NULL, NULL);
    CHECK_MSG(is_error(&r, 404, "NOT_FOUND"), "unknown device: HTTP %ld", r.status);
    done(&r);
    call(&r, "GET", "/api/v1/attendance/abc", NULL, NULL);
    CHECK_MSG(is_error(&r, 404, "NOT_FOUND"), "punch id not a number: HTTP %ld", r.status);
    done(&r);
    call(&r, "GET", "/api/v1/attendance/99999999", NULL, NULL);
    CHECK_MSG(is_error(&r, 404, "NOT_FOUND"), "unknown punch: HTTP %ld", r.status);
    done(&r);
    call(&r, "PATCH", "/api/v1/devices/PUSH1", "{\"tz\":", NULL);
    CHECK_MSG(is_error(&r, 400, "BAD_JSON"), "malformed JSON: HTTP %ld", r.status);
    done(&r);
    call(&r, "PATCH", "/api/v1/devices/PUSH1", "{\"name\":\"a\\u0000b\"}", NULL);
    CHECK_MSG(is_error(&r, 400, "BAD_JSON"), "NUL in a string: HTTP %ld", r.status);
    done(&r);
    static const char *const bad_patch[] = {
        "{\"tz\":\"+3\"}",  "{\"tz\":\"+15:00\"}",       "{\"tz\":\"Europe//Berlin\"}",
        "{\"tz\":\"a b\"}", "{\"enabled\":\"yes\"}",     "{\"sync_group\":\"\"}",
        "{\"name\":5}",     "{\"serial_number\":\"X\"}", "{\"tz\":\"9Area/X\"}",
    };
    for (size_t i = 0; i < sizeof(bad_patch) / sizeof(bad_patch[0]); i++) {
        call(&r, "PATCH", "/api/v1/devices/PUSH1", bad_patch[i], NULL);
        CHECK_MSG(is_error(&r, 400, "VALIDATION_ERROR"), "PATCH %s: HTTP %ld", bad_patch[i],
                  r.status);
        done(&r);
    }
}

static void devices(void)
{
    reply r;
    call(&r, "GET", "/api/v1/devices/TCP1", NULL, NULL);
    json_t *d = data_of(&r);
    json_int_t id = json_integer_value(json_object_get(d, "id"));
    CHECK_MSG(r.status == 200 && id > 0 &&
                  strcmp(json_string_value(json_object_get(d, "transport")), "tcp4370") == 0 &&
                  json_is_true(json_object_get(d, "online")) &&
                  json_integer_value(json_object_get(json_object_get(d, "counts"), "users")) ==
                      12 &&
                  json_is_object(json_object_get(d, "commands")),
              "device by SN: HTTP %ld", r.status);
    done(&r);
    char path[64];
    snprintf(path, sizeof(path), "/api/v1/devices/%lld", (long long)id);
    call(&r, "GET", path, NULL, NULL);
    CHECK_MSG(r.status == 200 &&
                  strcmp(json_string_value(json_object_get(data_of(&r), "sn")), "TCP1") == 0,
              "device by id: HTTP %ld", r.status);
    char etag[80];
    snprintf(etag, sizeof(etag), "%s", r.etag);
    done(&r);
    call(&r, "PATCH", path, "{\"name\":\"Gate 2\",\"tz\":\"-05:30\",\"enabled\":false}", NULL);
    d = data_of(&r);
    CHECK_MSG(r.status == 200 &&
                  strcmp(json_string_value(json_object_get(d, "name")), "Gate 2") == 0 &&
                  strcmp(json_string_value(json_object_get(d, "tz")), "-05:30") == 0 &&
                  json_is_false(json_object_get(d, "enabled")) && !r.etag[0],
              "PATCH: HTTP %ld (no ETag on a write)", r.status);
    done(&r);
    char inm[128];
    snprintf(inm, sizeof(inm), "If-None-Match: %s", etag);
    call(&r, "GET", path, NULL, inm);
    CHECK_MSG(r.status == 200 && strcmp(r.etag, etag) != 0, "changed device: new ETag (HTTP %ld)",
              r.status);
    done(&r);
    call(&r, "GET", "/api/v1/devices?q=GATE", NULL, NULL);
    CHECK_MSG(r.status == 200 && json_array_size(items_of(&r)) == 1 &&
                  json_integer_value(json_object_get(paging_of(&r), "total")) == 1,
              "q filter: HTTP %ld", r.status);
    done(&r);
    call(&r, "GET", "/api/v1/devices?transport=push&online=false", NULL, NULL);
    CHECK_MSG(r.status == 200 && json_array_size(items_of(&r)) == 2, "transport+online: HTTP %ld",
              r.status);
    done(&r);
    call(&r, "GET", "/api/v1/devices?online=true", NULL, NULL);
    CHECK_MSG(r.status == 200 && json_array_size(items_of(&r)) == 1, "online: HTTP %ld", r.status);
    done(&r);
    call(&r, "POST", "/api/v1/devices/PUSH2/commands", "{\"command\":\"INFO\"}", NULL);
    d = data_of(&r);
    CHECK_MSG(r.status == 201 && json_integer_value(json_object_get(d, "device_id")) > 0 &&
                  strcmp(json_string_value(json_object_get(d, "status")), "queued") == 0,
              "command: HTTP %ld", r.status);
    done(&r);
}

static void conditional(void)
{
    static const char *const paths[] = {
        "/api/v1/devices",
        "/api/v1/users",
        "/api/v1/commands",
        "/api/v1/attendance",
        "/api/v1/attendance/summary?from=2025-03-01&to=2025-03-31",
        "/health",
        "/api/v1/devices/PUSH1",
        "/api/v1/attendance/1",
    };
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        reply r;
        call(&r, "GET", paths[i], NULL, NULL);
        char etag[80], h[128];
        snprintf(etag, sizeof(etag), "%s", r.etag);
        CHECK_MSG(r.status == 200 && strlen(etag) == 34 && etag[0] == '"', "%s: ETag %s", paths[i],
                  etag);
        done(&r);
        snprintf(h, sizeof(h), "If-None-Match: %s", etag);
        call(&r, "GET", paths[i], NULL, h);
        CHECK_MSG(r.status == 304 && r.body_len == 0 && strcmp(r.etag, etag) == 0,
                  "%s: If-None-Match -> HTTP %ld, %zu body bytes", paths[i], r.status, r.body_len);
        done(&r);
        snprintf(h, sizeof(h), "If-None-Match: \"x\", W/%s", etag);
        call(&r, "GET", paths[i], NULL, h);
        CHECK_MSG(r.status == 304, "%s: a list of tags with a weak match -> HTTP %ld", paths[i],
                  r.status);
        done(&r);
        call(&r, "GET", paths[i], NULL, "If-None-Match: \"0123\"");
        CHECK_MSG(r.status == 200 && r.j, "%s: other tag -> HTTP %ld", paths[i], r.status);
        done(&r);
    }
}

static void lists(void)
{
    check_walks("/api/v1/devices", "id", 3);
    check_walks("/api/v1/users", "pin", 30);
    check_walks("/api/v1/commands", "id", 15);
    check_walks("/api/v1/commands?device=PUSH1&status=queued", "id", 3);
    check_walks("/api/v1/attendance", "id", 250);
    check_walks("/api/v1/attendance?device=PUSH2", "id", 80);
    check_walks("/api/v1/attendance?user=1003&from=2025-03-02", "id", 10);
    check_walks("/api/v1/attendance?device=TCP1&user=1001", "id", 5);
    check_walks("/api/v1/attendance?from=2025-03-02T08:01&to=2025-03-04&status=1", "id", 5);
    check_walks("/api/v1/attendance/summary?from=2025-03-01&to=2025-03-31", "user_id", 30);
    check_walks("/api/v1/attendance/summary?device=PUSH1&from=2025-03-02&to=2025-03-05", "date", 5);
    check_walks("/api/v1/attendance/summary?user=1002", "date", 5); /* a user: any range */

    reply r;
    call(&r, "GET", "/api/v1/attendance?total=true&device=PUSH2&limit=5", NULL, NULL);
    json_t *pg = paging_of(&r);
    CHECK_MSG(r.status == 200 && json_integer_value(json_object_get(pg, "total")) == 83 &&
                  json_is_string(json_object_get(pg, "next")),
              "attendance total on request: HTTP %ld", r.status);
    done(&r);
    call(&r, "GET", "/api/v1/attendance?limit=1", NULL, NULL);
    CHECK_MSG(r.status == 200 && json_is_null(json_object_get(paging_of(&r), "total")),
              "attendance total null by default");
    json_t *p = json_array_get(items_of(&r), 0);
    json_int_t pid = json_integer_value(json_object_get(p, "id"));
    done(&r);
    char path[64];
    snprintf(path, sizeof(path), "/api/v1/attendance/%lld", (long long)pid);
    call(&r, "GET", path, NULL, NULL);
    CHECK_MSG(r.status == 200 && json_integer_value(json_object_get(data_of(&r), "id")) == pid,
              "punch by id: HTTP %ld", r.status);
    done(&r);
    /* PUSH1 has tz +03:00: punch_time_utc is 3 hours earlier */
    call(&r, "GET", "/api/v1/attendance?device=PUSH1&limit=1", NULL, NULL);
    p = json_array_get(items_of(&r), 0);
    CHECK_MSG(p &&
                  strcmp(json_string_value(json_object_get(p, "punch_time")),
                         "2025-03-01T08:00:00") == 0 &&
                  strcmp(json_string_value(json_object_get(p, "punch_time_utc")),
                         "2025-03-01T05:00:00Z") == 0,
              "punch_time_utc from the device tz");
    done(&r);
    call(&r, "GET", "/api/v1/attendance/summary?user=1000&from=2025-03-01&to=2025-03-01", NULL,
         NULL);
    p = json_array_get(items_of(&r), 0);
    CHECK_MSG(r.status == 200 && json_array_size(items_of(&r)) == 1 &&
                  json_integer_value(json_object_get(p, "punch_count")) > 1 &&
                  json_is_string(json_object_get(p, "last_out")),
              "summary of one user and day: HTTP %ld", r.status);
    done(&r);
}

int main(int argc, char **argv_in)
{
    char dir[] = "/tmp/zkbio-apiv1-XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    char *argv[] = {"zkbiod",   "--data-dir",  dir,
                    "--listen", "127.0.0.1:1", "--admin-token",
                    TOKEN,      "--db",        argc > 1 ? argv_in[1] : "sqlite",
                    NULL};
    zkbiod_config cfg;
    char err[512];
    zs_store *store = NULL;
    zhttp *h = NULL;
    static zapi app;
    zpush push;
    int rc = zkbiod_config_load(&cfg, 9, argv, err, sizeof(err));
    REQUIRE(rc == 0, "config: %s", err);
    free(cfg.listen[0]);
    cfg.listen[0] = strdup("127.0.0.1:0");
    zlog_set_level(ZLOG_ERROR);
    REQUIRE(zkbiod_config_prepare_data_dir(&cfg, err, sizeof(err)) == 0, "data dir: %s", err);
    zs_policy pol = {.auto_admit = 1, .command_timeout_s = 60, .max_attempts = 3};
    REQUIRE(zs_open(cfg.db_uri, &pol, &store, err, sizeof(err)) == 0, "store: %s", err);
    REQUIRE(seed(cfg.db_uri) == 0, "seed");
    memset(&app, 0, sizeof(app));
    memset(&push, 0, sizeof(push));
    push.store = store;
    push.push.delay_s = 10;
    app.cfg = &cfg;
    app.store = store;
    app.version = "test";
    app.push = &push;
    REQUIRE(zauth_open(&cfg, 1, &app.auth, err, sizeof(err)) == 0, "auth: %s", err);
    REQUIRE(zhttp_start(&cfg, &app, &h, err, sizeof(err)) == 0, "http: %s", err);
    port = zhttp_port(h, 0);
    REQUIRE(port > 0, "port");
    curl_global_init(CURL_GLOBAL_DEFAULT);
    envelope_and_errors();
    devices();
    conditional();
    lists();
    curl_global_cleanup();
out:
    if (h) {
        zhttp_quiesce(h);
        zhttp_stop(h);
    }
    zauth_close(app.auth);
    zs_close(store);
    zkbiod_config_free(&cfg);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return TEST_DONE();
}
