/* SPDX-License-Identifier: Apache-2.0 */
/*
 * zkbiod's route table (daemon/http/routes.c) and its one JSON error shape:
 *   - every route declares an explicit permission that fits its family, a handler and a method;
 *   - the pattern rules (`*` one segment, `**` the rest, `[/api]` optional prefix);
 *   - in process, both listeners on loopback port 0: an unknown route, a method the route does not
 *     take and a malformed JSON body each get a 4xx in their family's error shape (management API:
 *     the /api/v1 envelope {"status":false,"message","error":{"code","type","details"},"metadata":
 *     {"timestamp","request_id","api_version":"v1"}} with an X-Request-Id header; fingerprint
 *     service: {"error":{"code":N,"name","message"}}); a missing credential is refused before a 404
 *     is told;
 *   - the OpenAPI contract (docs/openapi/<family>.json, path given as argv[1]): every documented
 *     operation is called without and with its credential (parameters filled with names that exist
 *     nowhere, bodies empty or malformed; reader-driven scans only without a key): the status must
 * be one the document lists, and every error body must be in the family's shape. Prints "N passed,
 * M failed"; exits 1 on any failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "api.h"
#include "auth.h"
#include "fpservice.h"
#include "http.h"
#include "http-json.h"
#include "store.h"

static int passed, failed;

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (cond) {                                                                                \
            passed++;                                                                              \
        } else {                                                                                   \
            failed++;                                                                              \
            fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);                        \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
        }                                                                                          \
    } while (0)

static void table(void)
{
    size_t n = 0;
    const zroute *rt = zhttp_routes(&n);
    CHECK(n >= 20, "%zu routes", n);
    static const char *const methods[] = {"GET", "POST", "PUT", "PATCH", "DELETE", "*"};
    for (size_t i = 0; i < n; i++) {
        const zroute *r = &rt[i];
        int known = 0;
        for (size_t m = 0; m < sizeof(methods) / sizeof(methods[0]); m++)
            known |= strcmp(r->method, methods[m]) == 0;
        CHECK(known, "route %zu (%s): method %s", i, r->pattern, r->method);
        CHECK(r->handler != NULL, "route %zu (%s): no handler", i, r->pattern);
        CHECK(r->pattern[0] == '/' || strncmp(r->pattern, "[/api]/", 7) == 0,
              "route %zu: pattern %s", i, r->pattern);
        /* an explicit permission: exactly one kind, and one that fits the family */
        CHECK(r->perm != 0, "route %zu (%s %s): no permission declared", i, r->method, r->pattern);
        CHECK(r->perm_name && *r->perm_name, "route %zu (%s): no permission name", i, r->pattern);
        if (r->family == ZAPI_ADMIN || r->family == ZAPI_BIOTIME) /* issue 16: B has the roles */
            CHECK(r->perm == ZAUTH_PUBLIC || r->perm == ZAUTH_ADMIN || r->perm == ZAUTH_OPERATOR ||
                      r->perm == ZAUTH_VIEWER,
                  "management route %s: permission 0x%x", r->pattern, r->perm);
        else if (r->family == ZAPI_FRAPPE) /* issue 16, inbound part: an integration key */
            CHECK(r->perm == ZAUTH_INTEGRATION, "Frappe route %s: permission 0x%x", r->pattern,
                  r->perm);
        else
            CHECK(r->perm == ZAUTH_PUBLIC || (r->perm & ~(uint32_t)ZAUTH_PERM_ALL) == 0,
                  "service route %s: permission 0x%x", r->pattern, r->perm);
        size_t twin = i;
        for (size_t k = 0; k < i && twin == i; k++)
            if (rt[k].family == r->family && strcmp(rt[k].method, r->method) == 0 &&
                strcmp(rt[k].pattern, r->pattern) == 0)
                twin = k;
        CHECK(twin == i, "route %zu repeats route %zu (%s %s)", i, twin, r->method, r->pattern);
    }
}

static void patterns(void)
{
    zreq r;
    memset(&r, 0, sizeof(r));
    CHECK(zhttp_match("/a/*/c", "/a/b/c", &r) && strcmp(r.arg[0], "b") == 0, "one segment");
    CHECK(!zhttp_match("/a/*/c", "/a//c", NULL), "an empty segment is no segment");
    CHECK(!zhttp_match("/a/*/c", "/a/b/x/c", NULL), "* is one segment");
    CHECK(!zhttp_match("/a/*", "/a/b/", NULL), "trailing slash");
    CHECK(zhttp_match("/x/**", "/x/a/b", &r) && strcmp(r.arg[0], "a/b") == 0, "the rest");
    CHECK(zhttp_match("/x/**", "/x/", &r) && strcmp(r.arg[0], "") == 0, "an empty rest");
    CHECK(!zhttp_match("/x/**", "/x", NULL), "no rest without the slash");
    CHECK(zhttp_match("[/api]/d", "/d", NULL) && zhttp_match("[/api]/d", "/api/d", NULL),
          "optional /api");
    CHECK(!zhttp_match("[/api]/d", "/apid", NULL) && !zhttp_match("/d", "/d/", NULL), "exact");
}

/* ---- HTTP ----------------------------------------------------------------------------------- */

/* One request; returns the status and the parsed body in *out (NULL when not JSON). */
static long http(int port, const char *method, const char *path, const char *body,
                 const char *header, json_t **out)
{
    char base[64];
    snprintf(base, sizeof(base), "http://127.0.0.1:%d", port);
    const http_json_opts o = {.header = header};
    http_json_reply r;
    long status = http_json_call(&r, base, method, path, body, &o);
    *out = http_json_take(&r);
    return status;
}

/* The /api/v1 error envelope, exactly: {"status":false,"message","error":{"code","type","details"},
 * "metadata":{"timestamp","request_id","api_version":"v1"}}. */
static int envelope_error(const json_t *j)
{
    json_t *e = json_object_get(j, "error"), *m = json_object_get(j, "metadata");
    return json_object_size(j) == 4 && json_is_false(json_object_get(j, "status")) &&
           json_is_string(json_object_get(j, "message")) && json_object_size(e) == 3 &&
           json_is_string(json_object_get(e, "code")) &&
           json_is_string(json_object_get(e, "type")) && json_object_get(e, "details") &&
           json_object_size(m) == 3 && json_is_string(json_object_get(m, "timestamp")) &&
           json_is_string(json_object_get(m, "request_id")) &&
           json_string_length(json_object_get(m, "request_id")) > 0 &&
           json_is_string(json_object_get(m, "api_version")) &&
           strcmp(json_string_value(json_object_get(m, "api_version")), "v1") == 0;
}

/* The management family's shape with this code. */
static int admin_shape(const json_t *j, const char *code)
{
    return envelope_error(j) &&
           strcmp(json_string_value(json_object_get(json_object_get(j, "error"), "code")), code) ==
               0;
}

/* The contract's shape: {"error":{"code":N,"name":"...","message":"...","details"?}}. */
static int fp_shape(const json_t *j, int code, const char *name)
{
    json_t *e = json_object_get(j, "error");
    return json_object_size(j) == 1 && json_is_integer(json_object_get(e, "code")) &&
           json_integer_value(json_object_get(e, "code")) == code &&
           json_is_string(json_object_get(e, "message")) &&
           strcmp(json_string_value(json_object_get(e, "name")), name) == 0;
}

/* Any error body of the family's shape (code unchecked). */
static int family_shape(zapi_family fam, const json_t *j)
{
    if (fam == ZAPI_ADMIN)
        return envelope_error(j);
    json_t *e = json_object_get(j, "error");
    if (json_object_size(j) != 1 || !json_is_object(e) ||
        !json_is_string(json_object_get(e, "message")))
        return 0;
    json_t *d = json_object_get(e, "details");
    return json_is_integer(json_object_get(e, "code")) &&
           json_is_string(json_object_get(e, "name")) && (!d || json_is_object(d));
}

/* A documented path with each {param} replaced by a value that names nothing. */
static void fill_path(const char *tmpl, char *out, size_t size)
{
    size_t n = 0;
    for (const char *p = tmpl; *p && n + 16 < size; p++) {
        if (*p == '{') {
            const char *end = strchr(p, '}');
            if (!end)
                break;
            n += (size_t)snprintf(out + n, size - n, "%s", "NOSUCH9");
            p = end;
        } else {
            out[n++] = *p;
        }
    }
    out[n] = '\0';
}

/* Calls every operation of one OpenAPI document; see the file comment. */
static void contract(const char *file, zapi_family fam, int port, const char *cred)
{
    json_error_t jerr;
    json_t *doc = json_load_file(file, 0, &jerr);
    CHECK(doc != NULL, "%s: %s", file, jerr.text);
    if (!doc)
        return;
    const char *path;
    json_t *item;
    int ops = 0;
    json_object_foreach(json_object_get(doc, "paths"), path, item)
    {
        const char *m;
        json_t *op;
        json_object_foreach(item, m, op)
        {
            if (strcmp(m, "parameters") == 0)
                continue;
            char method[16], url[256];
            size_t k = 0;
            for (; m[k] && k + 1 < sizeof(method); k++)
                method[k] = (char)(m[k] - 'a' + 'A');
            method[k] = '\0';
            fill_path(path, url, sizeof(url));
            int secured = json_array_size(json_object_get(op, "security")) > 0;
            /* a scan waits for a finger on a reader: only its refusal without a key is called */
            int scans = strstr(path, "/capture") || strstr(path, "/scan/start");
            const char *body =
                json_object_get(op, "requestBody") ? (fam == ZAPI_ADMIN ? "{}" : "{") : NULL;
            for (int with = 0; with < 2; with++) {
                if (with && (!secured || scans))
                    continue;
                json_t *j = NULL;
                long st = http(port, method, url, body, with ? cred : NULL, &j);
                char code[8];
                snprintf(code, sizeof(code), "%ld", st);
                ops++;
                CHECK(json_object_get(json_object_get(op, "responses"), code) != NULL,
                      "%s %s (%s): status %ld not documented", method, url,
                      with ? "credential" : "none", st);
                if (st >= 400)
                    CHECK(family_shape(fam, j), "%s %s: status %ld: error body not in %s shape",
                          method, url, st, fam == ZAPI_ADMIN ? "management" : "service");
                if (!with && secured)
                    CHECK(st == 401, "%s %s without a credential: %ld", method, url, st);
                json_decref(j);
            }
        }
    }
    CHECK(ops >= 10, "%s: %d calls", file, ops);
    json_decref(doc);
}

#define ADMIN_TOKEN "Authorization: Bearer route-test-token-0123"
#define API_KEY     "route-test-key-0123456789"

static void live(const zkbiod_config *cfg, zs_store *store, const char *srcroot)
{
    static zapi app;
    memset(&app, 0, sizeof(app));
    app.cfg = cfg;
    app.store = store;
    app.version = "test";
    zpush push;
    memset(&push, 0, sizeof(push));
    push.store = store;
    app.push = &push;
    char err[512] = "";
    zhttp *h = NULL;
    int rc = zauth_open(cfg, 1, &app.auth, err, sizeof(err));
    if (rc == 0)
        rc = fps_start(cfg, store, zauth_keys_slots(zauth_keys_of(app.auth)), zapi_ws_emit, &app,
                       &app.fps, err, sizeof(err));
    if (rc == 0)
        rc = zhttp_start(cfg, &app, &h, err, sizeof(err));
    CHECK(rc == 0, "start: %s", err);
    if (rc != 0)
        return;
    int tp = zhttp_port(h, 0), sp = zhttp_port(h, 1);
    CHECK(tp > 0 && sp > 0 && tp != sp, "ports %d %d", tp, sp);
    json_t *j = NULL;
    long st;

    /* management family */
    st = http(tp, "GET", "/no/such/route", NULL, NULL, &j);
    CHECK(st == 404 && admin_shape(j, "NOT_FOUND"), "unknown route: %ld", st);
    json_decref(j);
    st = http(tp, "GET", "/api/v1/no-such", NULL, ADMIN_TOKEN, &j);
    CHECK(st == 404 && admin_shape(j, "NOT_FOUND"), "unknown /api/v1 route: %ld", st);
    json_decref(j);
    st = http(tp, "GET", "/api/v1/no-such", NULL, NULL, &j);
    CHECK(st == 401 && admin_shape(j, "UNAUTHORIZED"), "no token before 404: %ld", st);
    json_decref(j);
    st = http(tp, "DELETE", "/api/v1/devices", NULL, ADMIN_TOKEN, &j);
    CHECK(st == 405 && admin_shape(j, "METHOD_NOT_ALLOWED"), "bad method: %ld", st);
    CHECK(strcmp(json_string_value(json_object_get(j, "message")), "use GET or POST") == 0,
          "405 names the methods");
    json_decref(j);
    st = http(tp, "PATCH", "/api/v1/devices/ROUTE1", "{\"sync_group\":", ADMIN_TOKEN, &j);
    CHECK(st == 400 && admin_shape(j, "BAD_JSON"), "bad JSON: %ld", st);
    json_decref(j);
    st = http(tp, "POST", "/api/v1/devices/ROUTE1/commands", "[1]", ADMIN_TOKEN, &j);
    CHECK(st == 400 && admin_shape(j, "BAD_JSON"), "JSON not an object: %ld", st);
    json_decref(j);
    st = http(tp, "GET", "/api/v1/devices", NULL, ADMIN_TOKEN, &j);
    CHECK(st == 200 && json_is_true(json_object_get(j, "status")) &&
              json_is_array(json_object_get(json_object_get(j, "data"), "items")) &&
              json_is_object(json_object_get(json_object_get(j, "data"), "paging")),
          "a route works: %ld", st);
    json_decref(j);

    /* fingerprint service family */
    st = http(sp, "GET", "/no/such/route", NULL, "X-API-Key: " API_KEY, &j);
    CHECK(st == 404 && fp_shape(j, 6005, "NOT_FOUND"), "unknown route: %ld", st);
    json_decref(j);
    st = http(sp, "GET", "/api/no-such", NULL, "X-API-Key: " API_KEY, &j);
    CHECK(st == 404 && fp_shape(j, 6005, "NOT_FOUND"), "unknown /api route: %ld", st);
    json_decref(j);
    st = http(sp, "DELETE", "/api/devices", NULL, "X-API-Key: " API_KEY, &j);
    CHECK(st == 405 && fp_shape(j, 6006, "METHOD_NOT_ALLOWED"), "bad method: %ld", st);
    json_decref(j);
    st = http(sp, "POST", "/api/fingerprint/enroll", "{\"userId\":", "X-API-Key: " API_KEY, &j);
    CHECK(st == 400 && fp_shape(j, 6001, "INVALID_REQUEST"), "bad JSON: %ld", st);
    json_decref(j);
    st = http(sp, "GET", "/api/devices", NULL, NULL, &j);
    CHECK(st == 401 && fp_shape(j, 4001, "INVALID_API_KEY"), "no key: %ld", st);
    json_decref(j);
    st = http(sp, "GET", "/api/devices", NULL, "X-API-Key: " API_KEY, &j);
    CHECK(st == 200 && json_is_array(j), "a route works: %ld", st);
    json_decref(j);

    /* the OpenAPI documents' contract: the fingerprint service's here; the management API's,
     * docs/openapi.yaml, with schemas by tests/api/contract.test.mjs (test api-contract) */
    if (srcroot) {
        char file[1024];
        snprintf(file, sizeof(file), "%s/docs/openapi/fingerprint-service.json", srcroot);
        contract(file, ZAPI_FPS, sp, "X-API-Key: " API_KEY);
    }

    zhttp_quiesce(h);
    fps_stop(app.fps);
    zhttp_stop(h);
    fps_free(app.fps);
    zauth_close(app.auth);
}

int main(int argc, char **argv_in)
{
    const char *srcroot = argc > 1 ? argv_in[1] : NULL;
    table();
    patterns();

    char dir[] = "/tmp/zkbio-routes-XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    char *argv[] = {"zkbiod",      "--data-dir",    dir,
                    "--listen",    "127.0.0.1:1",   "--service-listen",
                    "127.0.0.1:2", "--admin-token", "route-test-token-0123",
                    "--api-key",   API_KEY,         NULL};
    zkbiod_config cfg;
    char err[512];
    int rc = zkbiod_config_load(&cfg, 11, argv, err, sizeof(err));
    CHECK(rc == 0, "config: %s", err);
    zs_store *store = NULL;
    if (rc == 0) {
        /* port 0: the system picks, zhttp_port() tells */
        free(cfg.listen[0]);
        cfg.listen[0] = strdup("127.0.0.1:0");
        free(cfg.service_listen[0]);
        cfg.service_listen[0] = strdup("127.0.0.1:0");
        zlog_set_level(ZLOG_ERROR);
        rc = zkbiod_config_prepare_data_dir(&cfg, err, sizeof(err));
        CHECK(rc == 0, "data dir: %s", err);
    }
    if (rc == 0) {
        zs_policy pol = {.auto_admit = 1, .command_timeout_s = 60, .max_attempts = 3};
        rc = zs_open(cfg.db_uri, &pol, &store, err, sizeof(err));
        CHECK(rc == 0, "store: %s", err);
    }
    if (rc == 0 && cfg.listen[0] && cfg.service_listen[0]) {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        live(&cfg, store, srcroot);
        curl_global_cleanup();
    }
    zs_close(store);
    zkbiod_config_free(&cfg);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
