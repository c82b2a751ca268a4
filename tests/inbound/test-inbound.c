/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Inbound punches in the Frappe real-time shape against a live zkbiod (started on port 0 over a
 * fresh database; SQLite, or the URI mariadb.sh appends):
 *   - `zkbiod integration-key create|list|revoke`, /api/v1/integration-keys (POST 201 with the
 *     secret once, GET without secrets, DELETE revokes), their audit rows, last_used_at;
 *   - test_connection (GET and POST), any dotted app path, unknown methods 404 DoesNotExistError,
 *     GET on a receive method 405;
 *   - one punch (JSON and form-encoded), the duplicate answer of a retry (400 validation_error with
 *     HRMS's text, _server_messages decoded twice), log_type mapping, offsets converted to the
 *     device's zone when its row has one, else the wall clock as given;
 *   - bulk: 1,000 logs stored, the same 1,000 again all duplicates and nothing stored twice, 1,001
 *     refused with nothing stored, mixed valid/invalid/duplicate items in order, one batch posted
 *     by three clients at once stored once;
 *   - malformed bodies (417 ValidationError in Frappe's shape, 400 with the peer's messages) and
 *     headers (403 PermissionError without an integration credential; 401 AuthenticationError: no
 *     colon, bad base64, wrong secret, revoked),
 *     Basic accepted, the per-address failure limit (429 with Retry-After);
 *   - stored punches in GET /api/v1/attendance (status, verify 200, SN, time);
 *   - a python3 urllib client written the way the peer app documents its clients (peer_client.py).
 *
 *   test-inbound ZKBIOD PEER_CLIENT [URI]
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "http-json.h"
#include "zkbiod-launch.h"

#include "../support/test.h"
#include "../support/daemon-test.h"

#define NEED(cond)  REQUIRE(cond, "REQUIRE(%s) failed", #cond)
#define ADMIN_TOKEN "inbound-admin-token-0123456789abc"
#define APP         "/api/method/phr.phr.api.biometric_realtime_sync."
#define DUP         "This employee already has a log with the same timestamp."

static const char *zkbiod, *peer;
static char dir[] = "/tmp/zkbio-inbound-XXXXXX";
static char db[4200];
static int port;
static int broken; /* a REQUIRE failed: the later parts are skipped */
static char base[64];

typedef http_json_reply reply;

/* A Frappe-family request with `auth` as the whole Authorization value (NULL = none); form = 1
 * sends the body form-encoded. */
static void fcall(reply *r, const char *method, const char *path, const char *auth,
                  const char *body, int form)
{
    char h[512];
    snprintf(h, sizeof(h), "Authorization: %s", auth ? auth : "");
    const http_json_opts o = {
        .header = auth ? h : NULL, .no_content_type = form, .timeout_ms = 30000};
    http_json_call(r, base, method, path, body, &o);
}

static void acall(reply *r, const char *method, const char *path, const char *body)
{
    const http_json_opts o = {.token = ADMIN_TOKEN, .timeout_ms = 30000};
    http_json_call(r, base, method, path, body, &o);
}

static const json_t *msg(const reply *r)
{
    return json_object_get(r->j, "message");
}

static const char *mstr(const reply *r, const char *k)
{
    const char *s = json_string_value(json_object_get(msg(r), k));
    return s ? s : "";
}

/* The first message of _server_messages, decoded twice ("" when absent or malformed). */
static void server_message(const reply *r, char *out, size_t size)
{
    out[0] = '\0';
    const char *sm = json_string_value(json_object_get(r->j, "_server_messages"));
    json_t *list = sm ? json_loads(sm, 0, NULL) : NULL;
    const char *first = json_string_value(json_array_get(list, 0));
    json_t *m = first ? json_loads(first, 0, NULL) : NULL;
    const char *t = json_string_value(json_object_get(m, "message"));
    snprintf(out, size, "%s", t ? t : "");
    json_decref(m);
    json_decref(list);
}

static const char *exc_of(const reply *r)
{
    const char *s = json_string_value(json_object_get(r->j, "exc_type"));
    return s ? s : "";
}

/* Run `zkbiod integration-key ARGS`; stdout into out. Exit status. */
static int key_cli(const char *args, char *out, size_t size)
{
    char cmd[8192], outpath[512];
    snprintf(outpath, sizeof(outpath), "%s/cli.out", dir);
    snprintf(cmd, sizeof(cmd),
             "'%s' integration-key %s --db '%s' --data-dir '%s' </dev/null >'%s' 2>>'%s/cli.err'",
             zkbiod, args, db, dir, outpath, dir);
    int st = system(cmd);
    out[0] = '\0';
    FILE *f = fopen(outpath, "r");
    if (f) {
        size_t n = fread(out, 1, size - 1, f);
        out[n] = '\0';
        fclose(f);
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* "name: value" of the CLI's output into buf. */
static void field(const char *out, const char *name, char *buf, size_t size)
{
    buf[0] = '\0';
    const char *p = strstr(out, name);
    if (!p)
        return;
    p += strlen(name);
    size_t n = strcspn(p, "\n");
    snprintf(buf, size, "%.*s", (int)(n < size ? n : size - 1), p);
}

/* Punches of sn in /api/v1/attendance (every page). */
static int count_sn(const char *sn)
{
    int n = 0;
    char path[512], after[128] = "";
    for (int pages = 0; pages < 50; pages++) {
        snprintf(path, sizeof(path), "/api/v1/attendance?sn=%s&limit=1000%s%s", sn,
                 after[0] ? "&after=" : "", after);
        reply r;
        acall(&r, "GET", path, NULL);
        if (r.status != 200) {
            http_json_free(&r);
            return -1;
        }
        json_t *d = json_object_get(r.j, "data");
        n += (int)json_array_size(json_object_get(d, "items"));
        const char *next = json_string_value(json_object_get(json_object_get(d, "paging"), "next"));
        snprintf(after, sizeof(after), "%s", next ? next : "");
        http_json_free(&r);
        if (!next)
            break;
    }
    return n;
}

/* The one punch of sn and pin in /api/v1/attendance (a new reference) or NULL. */
static json_t *punch_of(const char *sn, const char *pin)
{
    char path[256];
    snprintf(path, sizeof(path), "/api/v1/attendance?sn=%s&user=%s&limit=10", sn, pin);
    reply r;
    acall(&r, "GET", path, NULL);
    json_t *items = json_object_get(json_object_get(r.j, "data"), "items");
    json_t *one = json_array_size(items) == 1 ? json_incref(json_array_get(items, 0)) : NULL;
    http_json_free(&r);
    return one;
}

/* A bulk body of n logs (pins first..first+n-1, device sn) into a malloc'd string. */
static char *bulk_body(int first, int n, const char *sn)
{
    json_t *logs = json_array();
    for (int i = 0; i < n; i++) {
        char pin[16], ts[32];
        snprintf(pin, sizeof(pin), "%d", first + i);
        snprintf(ts, sizeof(ts), "2025-02-%02d %02d:%02d:%02d", 1 + i % 28, i / 60 % 24, i % 60,
                 i % 7);
        json_array_append_new(logs,
                              json_pack("{s:s,s:s,s:s,s:s}", "employee_id", pin, "timestamp", ts,
                                        "device_id", sn, "log_type", i % 2 ? "OUT" : "IN"));
    }
    json_t *b = json_pack("{s:o}", "logs", logs);
    char *txt = json_dumps(b, JSON_COMPACT);
    json_decref(b);
    return txt;
}

static void keys_part(char *auth1, char *auth2, int64_t *id2)
{
    char out[4096], key[80], secret[80], id[32];
    NEED(key_cli("create --name 'cli key'", out, sizeof(out)) == 0);
    field(out, "api_key: ", key, sizeof(key));
    field(out, "api_secret: ", secret, sizeof(secret));
    field(out, "id: ", id, sizeof(id));
    CHECK(strlen(key) == 16 && strlen(secret) == 43 && atoi(id) > 0);
    snprintf(auth1, 160, "token %s:%s", key, secret);
    CHECK(key_cli("create", out, sizeof(out)) == 2); /* --name is required */
    CHECK_EQ_INT(key_cli("list", out, sizeof(out)), 0);
    CHECK(strstr(out, key) && strstr(out, "cli key") && !strstr(out, secret));
    /* the database holds the hash only: the secret appears nowhere in the data directory */
    char cmd[1200];
    snprintf(cmd, sizeof(cmd), "grep -rqa '%s' '%s' --exclude=cli.out", secret, dir);
    if (strncmp(db, "sqlite:", 7) == 0)
        CHECK_MSG(system(cmd) != 0, "the secret is stored in clear under %s", dir);

    reply r;
    acall(&r, "POST", "/api/v1/integration-keys", "{\"name\":\"api key\"}");
    CHECK_EQ_INT(r.status, 201);
    json_t *d = json_object_get(r.j, "data");
    const char *k2 = json_string_value(json_object_get(d, "api_key"));
    const char *s2 = json_string_value(json_object_get(d, "api_secret"));
    *id2 = json_integer_value(json_object_get(d, "id"));
    NEED(k2 && s2 && *id2 > 0);
    CHECK(strlen(s2) == 43 && strcmp(s2, secret) != 0);
    snprintf(auth2, 160, "token %s:%s", k2, s2);
    http_json_free(&r);
    acall(&r, "POST", "/api/v1/integration-keys", "{\"name\":\"\"}");
    CHECK_EQ_INT(r.status, 400);
    http_json_free(&r);
    acall(&r, "POST", "/api/v1/integration-keys", "{\"name\":");
    CHECK_EQ_INT(r.status, 400);
    http_json_free(&r);
    acall(&r, "GET", "/api/v1/integration-keys?limit=1", NULL);
    CHECK_EQ_INT(r.status, 200);
    d = json_object_get(r.j, "data");
    CHECK_EQ_INT((int)json_array_size(json_object_get(d, "items")), 1);
    CHECK(json_object_get(json_array_get(json_object_get(d, "items"), 0), "api_secret") == NULL);
    CHECK(json_object_get(json_array_get(json_object_get(d, "items"), 0), "secret_hash") == NULL);
    CHECK(json_is_string(json_object_get(json_object_get(d, "paging"), "next")));
    CHECK_EQ_INT((int)json_integer_value(json_object_get(json_object_get(d, "paging"), "total")),
                 2);
    http_json_free(&r);
    return;
out:
    broken = 1;
}

static void methods_part(const char *auth)
{
    reply r;
    char sm[512];
    fcall(&r, "POST", APP "test_connection", auth, NULL, 0);
    CHECK_EQ_INT(r.status, 200);
    CHECK(json_is_true(json_object_get(msg(&r), "success")));
    CHECK_STR(mstr(&r, "message"), "Connection successful");
    CHECK(strlen(mstr(&r, "server_time")) == 26 && mstr(&r, "version")[0]);
    http_json_free(&r);
    fcall(&r, "GET", "/api/method/test_connection", auth, NULL, 0);
    CHECK_EQ_INT(r.status, 200);
    http_json_free(&r);
    fcall(&r, "POST", "/api/method/hrms.api.get_realtime_sync_statistics", auth, "{}", 0);
    CHECK(r.status == 404 && !strcmp(exc_of(&r), "DoesNotExistError"));
    http_json_free(&r);
    fcall(&r, "GET", APP "receive_attendance_log", auth, NULL, 0);
    CHECK_EQ_INT(r.status, 405);
    http_json_free(&r);

    /* one punch, then its retry */
    const char *one = "{\"employee_id\":\"12345\",\"timestamp\":\"2025-01-27 14:30:00\","
                      "\"device_id\":\"GATE-1\",\"log_type\":\"IN\",\"latitude\":24.7,"
                      "\"longitude\":\"46.6\"}";
    fcall(&r, "POST", APP "receive_attendance_log", auth, one, 0);
    CHECK_EQ_INT(r.status, 200);
    CHECK(json_is_true(json_object_get(msg(&r), "success")));
    CHECK(atoll(mstr(&r, "checkin_id")) > 0);
    CHECK_STR(mstr(&r, "employee"), "12345");
    CHECK_STR(mstr(&r, "timestamp"), "2025-01-27 14:30:00");
    CHECK_STR(mstr(&r, "message"), "Attendance logged successfully");
    CHECK(json_is_false(json_object_get(msg(&r), "attendance_created")));
    CHECK(json_object_get(r.j, "_server_messages") == NULL);
    http_json_free(&r);
    for (int i = 0; i < 2; i++) { /* retries are idempotent: the same answer, one row */
        fcall(&r, "POST", APP "receive_attendance_log", auth, one, 0);
        CHECK_EQ_INT(r.status, 400);
        CHECK(json_is_false(json_object_get(msg(&r), "success")));
        CHECK_STR(mstr(&r, "error"), DUP);
        CHECK_STR(mstr(&r, "error_type"), "validation_error");
        server_message(&r, sm, sizeof(sm));
        CHECK_STR(sm, DUP);
        http_json_free(&r);
    }
    CHECK_EQ_INT(count_sn("GATE-1"), 1);
    json_t *p = punch_of("GATE-1", "12345");
    CHECK(p && json_integer_value(json_object_get(p, "status")) == 0 &&
          json_integer_value(json_object_get(p, "verify")) == 200);
    CHECK(p && !strcmp(json_string_value(json_object_get(p, "punch_time")), "2025-01-27T14:30:00"));
    json_decref(p);
    /* the same second with OUT is another punch (HRMS keys duplicates on the log type too) */
    fcall(&r, "POST", APP "receive_attendance_log", auth,
          "{\"employee_id\":12345,\"timestamp\":\"2025-01-27T14:30:00\",\"device_id\":\"x\","
          "\"device_serial\":\"GATE-1\",\"log_type\":\"out\"}",
          0);
    CHECK_EQ_INT(r.status, 200);
    http_json_free(&r);
    CHECK_EQ_INT(count_sn("GATE-1"), 2);

    /* form-encoded, an offset, a device zkbiod does not know: the wall clock as given */
    fcall(&r, "POST", APP "receive_attendance_log", auth,
          "employee_id=77&timestamp=2025-03-01T08%3A00%3A05.250%2B05%3A00&device_id=NEWDEV", 1);
    CHECK_EQ_INT(r.status, 200);
    CHECK_STR(mstr(&r, "timestamp"), "2025-03-01 08:00:05");
    http_json_free(&r);
    p = punch_of("NEWDEV", "77");
    CHECK(p && json_integer_value(json_object_get(p, "status")) == 255);
    json_decref(p);

    /* a device with a zone (+03:00): an offset time is converted to it */
    fcall(&r, "GET", "/iclock/cdata?SN=TZDEV01&options=all&pushver=2.4.1", NULL, NULL, 0);
    CHECK_EQ_INT(r.status, 200);
    http_json_free(&r);
    acall(&r, "PATCH", "/api/v1/devices/TZDEV01", "{\"tz\":\"+03:00\"}");
    CHECK_EQ_INT(r.status, 200);
    http_json_free(&r);
    fcall(&r, "POST", APP "receive_attendance_log", auth,
          "{\"employee_id\":\"5\",\"timestamp\":\"2025-12-31T22:30:00Z\",\"device_id\":"
          "\"TZDEV01\"}",
          0);
    CHECK_EQ_INT(r.status, 200);
    CHECK_STR(mstr(&r, "timestamp"), "2026-01-01 01:30:00");
    http_json_free(&r);
    fcall(&r, "POST", APP "receive_attendance_log", auth,
          "{\"employee_id\":\"6\",\"timestamp\":\"2025-12-31 22:30:00\",\"device_id\":"
          "\"TZDEV01\"}",
          0);
    CHECK_STR(mstr(&r, "timestamp"), "2025-12-31 22:30:00"); /* no offset: as given */
    http_json_free(&r);

    /* the peer's validation answers */
    static const struct {
        const char *body;
        const char *error;
    } bad[] = {
        {"{}", "Missing required fields: employee_id, timestamp, device_id"},
        {"", "Missing required fields: employee_id, timestamp, device_id"},
        {"{\"employee_id\":\"1\",\"timestamp\":\"\",\"device_id\":\"D\"}",
         "Missing required fields: timestamp"},
        {"{\"employee_id\":\"1\",\"timestamp\":\"27/01/2025 10:00\",\"device_id\":\"D\"}",
         "Invalid timestamp format. Use 'YYYY-MM-DD HH:MM:SS' or ISO 8601"},
        {"{\"employee_id\":\"1\",\"timestamp\":\"2025-02-30 10:00:00\",\"device_id\":\"D\"}",
         "Invalid timestamp format. Use 'YYYY-MM-DD HH:MM:SS' or ISO 8601"},
        {"{\"employee_id\":\"1\",\"timestamp\":12,\"device_id\":\"D\"}",
         "Invalid timestamp format. Use 'YYYY-MM-DD HH:MM:SS' or ISO 8601"},
        {"{\"employee_id\":\"a b\",\"timestamp\":\"2025-01-01 10:00:00\",\"device_id\":\"D\"}",
         NULL},
        {"{\"employee_id\":\"1\",\"timestamp\":\"2025-01-01 10:00:00\",\"device_id\":\"Main "
         "gate\"}",
         NULL},
        {"{\"employee_id\":\"1\",\"timestamp\":\"2025-01-01 10:00:00\",\"device_id\":\"D\","
         "\"latitude\":\"north\",\"longitude\":1}",
         NULL},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        fcall(&r, "POST", APP "receive_attendance_log", auth, bad[i].body, 0);
        CHECK_MSG(r.status == 400 && !strcmp(mstr(&r, "error_type"), "validation_error") &&
                      (!bad[i].error || !strcmp(mstr(&r, "error"), bad[i].error)),
                  "body %s: %ld %s", bad[i].body, r.status, r.text ? r.text : "");
        http_json_free(&r);
    }
    /* malformed bodies: Frappe's error body, 417 ValidationError */
    const char *malformed[] = {"{", "[1,2]", "{\"employee_id\":", "\"text\"", "{\"a\":1}}"};
    for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
        fcall(&r, "POST", APP "receive_attendance_log", auth, malformed[i], 0);
        CHECK_MSG(r.status == 417 && !strcmp(exc_of(&r), "ValidationError"), "body %s: %ld",
                  malformed[i], r.status);
        server_message(&r, sm, sizeof(sm));
        CHECK(sm[0] != '\0');
        http_json_free(&r);
        fcall(&r, "POST", APP "receive_bulk_attendance_logs", auth, malformed[i], 0);
        CHECK_MSG(r.status == 417 && !strcmp(exc_of(&r), "ValidationError"), "bulk %s: %ld",
                  malformed[i], r.status);
        http_json_free(&r);
    }
}

static void bulk_part(const char *auth)
{
    reply r;
    char *b = bulk_body(1, 1000, "BULK-A");
    NEED(b);
    fcall(&r, "POST", APP "receive_bulk_attendance_logs", auth, b, 0);
    CHECK_EQ_INT(r.status, 200);
    CHECK_EQ_INT((int)json_integer_value(json_object_get(msg(&r), "processed")), 1000);
    CHECK_EQ_INT((int)json_integer_value(json_object_get(msg(&r), "failed")), 0);
    CHECK_EQ_INT((int)json_integer_value(json_object_get(msg(&r), "total")), 1000);
    CHECK_EQ_INT((int)json_array_size(json_object_get(msg(&r), "results")), 1000);
    http_json_free(&r);
    CHECK_EQ_INT(count_sn("BULK-A"), 1000);
    /* the same batch again (a client retrying after a lost answer): all duplicates, 1,000 rows */
    fcall(&r, "POST", APP "receive_bulk_attendance_logs", auth, b, 0);
    CHECK_EQ_INT(r.status, 200);
    CHECK_EQ_INT((int)json_integer_value(json_object_get(msg(&r), "processed")), 0);
    CHECK_EQ_INT((int)json_integer_value(json_object_get(msg(&r), "failed")), 1000);
    const json_t *last = json_array_get(json_object_get(msg(&r), "results"), 999);
    CHECK(json_is_false(json_object_get(last, "success")) &&
          !strcmp(json_string_value(json_object_get(last, "error")), DUP));
    http_json_free(&r);
    free(b);
    CHECK_EQ_INT(count_sn("BULK-A"), 1000);
    /* 1,001: refused whole, nothing stored */
    b = bulk_body(1, 1001, "BULK-B");
    NEED(b);
    fcall(&r, "POST", APP "receive_bulk_attendance_logs", auth, b, 0);
    CHECK_EQ_INT(r.status, 400);
    CHECK_STR(mstr(&r, "error"), "Maximum 1000 logs per request");
    CHECK_STR(mstr(&r, "error_type"), "validation_error");
    http_json_free(&r);
    free(b);
    CHECK_EQ_INT(count_sn("BULK-B"), 0);
    /* no logs, not an array */
    const char *bad[][2] = {{"{}", "No logs provided"},
                            {"{\"logs\":[]}", "No logs provided"},
                            {"{\"logs\":{\"a\":1}}", "Logs must be an array"},
                            {"{\"logs\":\"x\"}", "Logs must be an array"}};
    for (size_t i = 0; i < 4; i++) {
        fcall(&r, "POST", APP "receive_bulk_attendance_logs", auth, bad[i][0], 0);
        CHECK_MSG(r.status == 400 && !strcmp(mstr(&r, "error"), bad[i][1]), "bulk %s: %ld %s",
                  bad[i][0], r.status, r.text ? r.text : "");
        http_json_free(&r);
    }
    /* mixed items: results in order, one bad item blocks nothing */
    fcall(&r, "POST", APP "receive_bulk_attendance_logs", auth,
          "{\"logs\":[{\"employee_id\":\"1\",\"timestamp\":\"2025-04-01 09:00:00\","
          "\"device_id\":\"BULK-C\"},{\"employee_id\":\"2\",\"device_id\":\"BULK-C\"},7,"
          "{\"employee_id\":\"1\",\"timestamp\":\"2025-04-01T09:00:00\",\"device_id\":"
          "\"BULK-C\"},{\"employee_id\":\"3\",\"timestamp\":\"2025-04-01 09:00:01\","
          "\"device_id\":\"BULK-C\",\"log_type\":\"OUT\"}]}",
          0);
    CHECK_EQ_INT(r.status, 200);
    const json_t *res = json_object_get(msg(&r), "results");
    CHECK(json_integer_value(json_object_get(msg(&r), "processed")) == 2 &&
          json_integer_value(json_object_get(msg(&r), "failed")) == 3);
    CHECK(json_is_true(json_object_get(json_array_get(res, 0), "success")));
    CHECK_STR(json_string_value(json_object_get(json_array_get(res, 1), "error")),
              "Missing required fields: timestamp");
    CHECK_STR(json_string_value(json_object_get(json_array_get(res, 1), "employee_id")), "2");
    CHECK(json_is_null(json_object_get(json_array_get(res, 2), "employee_id")));
    CHECK_STR(json_string_value(json_object_get(json_array_get(res, 3), "error")), DUP);
    CHECK(json_is_true(json_object_get(json_array_get(res, 4), "success")));
    CHECK(json_is_string(json_object_get(r.j, "_server_messages")));
    http_json_free(&r);
    CHECK_EQ_INT(count_sn("BULK-C"), 2);
    return;
out:
    broken = 1;
}

/* One of the concurrent posters of race_part. */
typedef struct racer {
    const char *auth, *body;
    long status;
    long processed;
} racer;

static void *race(void *arg)
{
    racer *x = arg;
    reply r;
    fcall(&r, "POST", APP "receive_bulk_attendance_logs", x->auth, x->body, 0);
    x->status = r.status;
    x->processed = (long)json_integer_value(json_object_get(msg(&r), "processed"));
    http_json_free(&r);
    return NULL;
}

/* The same batch posted by three clients at once: every punch stored once, each answered. */
static void race_part(const char *auth)
{
    char *b = bulk_body(5000, 500, "BULK-D");
    racer x[3];
    pthread_t t[3];
    int started[3] = {0, 0, 0};
    for (int i = 0; b && i < 3; i++) {
        x[i] = (racer){.auth = auth, .body = b};
        started[i] = pthread_create(&t[i], NULL, race, &x[i]) == 0;
    }
    long sum = 0;
    for (int i = 0; i < 3; i++) {
        if (!started[i])
            continue;
        pthread_join(t[i], NULL);
        CHECK_EQ_INT((int)x[i].status, 200);
        sum += x[i].processed;
    }
    CHECK(b && started[0] && started[1] && started[2]);
    CHECK_EQ_INT((int)sum, 500);
    CHECK_EQ_INT(count_sn("BULK-D"), 500);
    free(b);
}

static void auth_part(const char *auth1, const char *auth2, int64_t id2)
{
    reply r;
    const char *ok = "{\"employee_id\":\"900\",\"timestamp\":\"2025-05-01 08:00:00\","
                     "\"device_id\":\"AUTHDEV\"}";
    /* Basic base64(key:secret) is accepted too */
    char key[80], secret[80], pair[200], b64[400], basic[420];
    NEED(sscanf(auth1, "token %79[^:]:%79s", key, secret) == 2);
    snprintf(pair, sizeof(pair), "%s:%s", key, secret);
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "printf '%%s' '%s' | base64 -w0", pair);
    FILE *f = popen(cmd, "r");
    NEED(f && fgets(b64, sizeof(b64), f));
    pclose(f);
    snprintf(basic, sizeof(basic), "Basic %s", b64);
    fcall(&r, "POST", APP "receive_attendance_log", basic, ok, 0);
    CHECK_EQ_INT(r.status, 200);
    http_json_free(&r);
    /* no integration credential: 403 PermissionError, as Frappe answers a Guest */
    const char *guest[] = {NULL, "Bearer " ADMIN_TOKEN, "JWT x"};
    for (size_t i = 0; i < sizeof(guest) / sizeof(guest[0]); i++) {
        fcall(&r, "POST", APP "receive_attendance_log", guest[i], ok, 0);
        CHECK_MSG(r.status == 403 && !strcmp(exc_of(&r), "PermissionError"), "auth %s: %ld",
                  guest[i] ? guest[i] : "(none)", r.status);
        http_json_free(&r);
    }
    /* malformed (these do not count as failures) */
    const char *refused[] = {"token abc", "token :x", "Basic !!!", "token "};
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        fcall(&r, "POST", APP "receive_attendance_log", refused[i], ok, 0);
        CHECK_MSG(r.status == 401 && !strcmp(exc_of(&r), "AuthenticationError"), "auth %s: %ld",
                  refused[i] ? refused[i] : "(none)", r.status);
        http_json_free(&r);
    }
    /* revoked through the API, and through the CLI */
    fcall(&r, "POST", APP "test_connection", auth2, NULL, 0);
    CHECK_EQ_INT(r.status, 200);
    http_json_free(&r);
    char path[64];
    snprintf(path, sizeof(path), "/api/v1/integration-keys/%lld", (long long)id2);
    acall(&r, "DELETE", path, NULL);
    CHECK(r.status == 200 &&
          !strcmp(json_string_value(json_object_get(json_object_get(r.j, "data"), "state")),
                  "revoked"));
    CHECK(json_is_string(json_object_get(json_object_get(r.j, "data"), "last_used_at")));
    http_json_free(&r);
    acall(&r, "DELETE", "/api/v1/integration-keys/987654", NULL);
    CHECK_EQ_INT(r.status, 404);
    http_json_free(&r);
    fcall(&r, "POST", APP "test_connection", auth2, NULL, 0);
    CHECK(r.status == 401 && !strcmp(exc_of(&r), "AuthenticationError"));
    char sm[256];
    server_message(&r, sm, sizeof(sm));
    CHECK(strstr(sm, "revoked") != NULL);
    http_json_free(&r);
    /* the audit log */
    acall(&r, "GET", "/api/v1/audit?action=intkey.&limit=100", NULL);
    size_t i;
    json_t *it;
    int creates = 0, revokes = 0;
    json_array_foreach(json_object_get(json_object_get(r.j, "data"), "items"), i, it)
    {
        const char *a = json_string_value(json_object_get(it, "action"));
        creates += a && !strcmp(a, "intkey.create");
        revokes += a && !strcmp(a, "intkey.revoke");
        const char *d = json_string_value(json_object_get(it, "details"));
        CHECK(!d || !strstr(d, secret));
    }
    CHECK(creates == 2 && revokes == 1);
    http_json_free(&r);
    return;
out:
    broken = 1;
}

static void limit_part(const char *auth1)
{
    /* failures from one address: past the limit even a good key waits (429, Retry-After) */
    reply r;
    char wrong[200];
    snprintf(wrong, sizeof(wrong), "%sX", auth1);
    int limited = 0;
    for (int i = 0; i < 8 && !limited; i++) {
        fcall(&r, "POST", APP "test_connection", wrong, NULL, 0);
        limited = r.status == 429;
        CHECK(r.status == 401 || r.status == 429);
        http_json_free(&r);
    }
    CHECK(limited);
    fcall(&r, "POST", APP "test_connection", auth1, NULL, 0);
    CHECK(r.status == 429 && atoi(r.retry_after) > 0 &&
          !strcmp(exc_of(&r), "RateLimitExceededError"));
    http_json_free(&r);
}

static void run(void)
{
    pid_t pid = 0;
    char listen[] = "127.0.0.1:0", log[600];
    snprintf(log, sizeof(log), "%s/zkbiod.log", dir);
    char auth1[160], auth2[160];
    int64_t id2 = 0;
    const char *argv[] = {zkbiod, "--listen",      listen,      "--service-listen",
                          "off",  "--data-dir",    dir,         "--db",
                          db,     "--admin-token", ADMIN_TOKEN, "--admission",
                          "auto", "--log-level",   "debug",     NULL};
    /* keys made before the server runs (the CLI, same database), and through the API */
    char out[256];
    NEED(key_cli("list", out, sizeof(out)) == 0); /* creates the schema */
    zkl_opts o = {.argv = argv, .dir = dir, .log = log};
    zkl_ports ports;
    NEED(zkl_start(&o, &pid, &ports) == 0);
    port = ports.listen[0];
    snprintf(base, sizeof(base), "http://127.0.0.1:%d", port);
    keys_part(auth1, auth2, &id2);
    NEED(!broken);
    methods_part(auth1);
    bulk_part(auth2);
    NEED(!broken);
    race_part(auth2);
    /* the peer-shaped client (python3 urllib) */
    char key[80], secret[80], cmd[1200];
    NEED(sscanf(auth1, "token %79[^:]:%79s", key, secret) == 2);
    snprintf(cmd, sizeof(cmd), "python3 '%s' '%s' '%s' '%s'", peer, base, key, secret);
    CHECK_MSG(system(cmd) == 0, "peer_client.py failed");
    CHECK_EQ_INT(count_sn("PEER-GATE-1"), 21);
    auth_part(auth1, auth2, id2);
    NEED(!broken);
    /* revoked from the command line while the server runs */
    CHECK_EQ_INT(key_cli("revoke --id 999", out, sizeof(out)), 1);
    CHECK_EQ_INT(key_cli("revoke", out, sizeof(out)), 2);
    limit_part(auth1);
    NEED(key_cli("revoke --id 1", out, sizeof(out)) == 0);
    /* a clean stop, and no sanitizer report in zkbiod's log (the ASan+UBSan build) */
    kill(pid, SIGTERM);
    int st = 0;
    waitpid(pid, &st, 0);
    pid = 0;
    CHECK_MSG(WIFEXITED(st) && WEXITSTATUS(st) == 0, "zkbiod stopped with status 0x%x", st);
    td_check_log_clean(log);
    char grep[800];
    snprintf(grep, sizeof(grep), "grep -qF '%s' '%s'", secret, log); /* never logged */
    CHECK_MSG(system(grep) != 0, "an api_secret in %s", log);
out:
    if (pid > 0) {
        kill(pid, SIGTERM);
        waitpid(pid, NULL, 0);
    }
}

int main(int argc, char **argv)
{
    int bad = td_setup(argc, argv, 2, "ZKBIOD PEER_CLIENT [URI]", dir, db, sizeof(db));
    if (bad)
        return bad;
    zkbiod = argv[1];
    peer = argv[2];
    curl_global_init(CURL_GLOBAL_DEFAULT);
    run();
    curl_global_cleanup();
    return td_finish(dir);
}
