/* SPDX-License-Identifier: Apache-2.0 */
/*
 * /api/v1/jobs and /api/v1/queue/stats through a live zkbiod (port 0, SQLite in a temporary data
 * directory, the admin token). The jobs are written into its database by the test (kinds no module
 * handles, so they stay as written): list with filters and paging, get, cancel (waiting, running,
 * ended), stats, 400/401/404; then zkbiod is stopped, a job is left `running` by it, and a restart
 * re-queues it (crash recovery at start). Usage: test-jobs-http ZKBIOD
 */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "db.h"
#include "http-json.h"
#include "test.h"
#include "zkbiod-launch.h"

#define TOKEN "jobs-http-test-token-0123456789"

static char dir[] = "/tmp/zkbio-jobs-http-XXXXXX";
static int port;
static pid_t pid;
static const char *zkbiod;

/* One request; the JSON reply into *out (NULL when none); the status, 0 on transport error. A POST
 * sends an empty body and, like every call here, no Content-Type. */
static long call(const char *method, int auth, json_t **out, const char *fmt, ...)
    TEST_PRINTF_(4, 5);
static long call(const char *method, int auth, json_t **out, const char *fmt, ...)
{
    char path[512], base[64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(path, sizeof(path), fmt, ap);
    va_end(ap);
    snprintf(base, sizeof(base), "http://127.0.0.1:%d", port);
    const http_json_opts o = {.token = auth ? TOKEN : NULL, .no_content_type = 1};
    http_json_reply r;
    long status =
        http_json_call(&r, base, method, path, strcmp(method, "POST") == 0 ? "" : NULL, &o);
    *out = http_json_take(&r);
    return status;
}

static json_t *data_of(json_t *j)
{
    return json_object_get(j, "data");
}

static const char *err_code(json_t *j)
{
    return json_string_value(json_object_get(json_object_get(j, "error"), "code"));
}

static int start(void)
{
    char ports[300], log[300];
    snprintf(ports, sizeof(ports), "%s", dir);
    snprintf(log, sizeof(log), "%s/zkbiod.log", dir);
    const char *argv[] = {zkbiod,        "--data-dir",
                          dir,           "--listen",
                          "127.0.0.1:0", "--service-listen",
                          "off",         "--admin-token",
                          TOKEN,         "--log-level",
                          "debug",       "--job-workers",
                          "2",           NULL};
    zkl_opts o = {.argv = argv, .dir = ports, .log = log};
    zkl_ports p;
    if (zkl_start(&o, &pid, &p) != 0 || p.n_listen < 1)
        return -1;
    port = p.listen[0];
    return 0;
}

static void stop(void)
{
    if (pid <= 0)
        return;
    kill(pid, SIGTERM);
    int st;
    for (int i = 0; i < 100; i++) {
        if (waitpid(pid, &st, WNOHANG) == pid) {
            pid = 0;
            return;
        }
        struct timespec ts = {0, 100000000L};
        nanosleep(&ts, NULL);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
    pid = 0;
}

static int sql(const char *text)
{
    char uri[300], err[256];
    snprintf(uri, sizeof(uri), "sqlite:%s/zkbiod.db", dir);
    zdb *db = NULL;
    if (zdb_open(uri, &db, err, sizeof(err)) != 0) {
        fprintf(stderr, "zdb_open: %s\n", err);
        return -1;
    }
    int rc = zdb_exec(db, text);
    if (rc != 0)
        fprintf(stderr, "sql: %s\n", zdb_errmsg(db));
    zdb_close(db);
    return rc;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The five jobs (ids 1..5 of a fresh database). */
static int seed(void)
{
    char q[4096];
    long long now = (long long)now_ms();
    snprintf(
        q, sizeof(q),
        "INSERT INTO jobs (queue, kind, device_id, state, attempt, run_at, created_by, created_at) "
        "VALUES ('attendance-sync', 'test.none', 3, 'queued', 0, %lld, 'tester', %lld);"
        "INSERT INTO jobs (queue, kind, device_id, state, attempt, run_at, unique_key, created_at) "
        "VALUES ('user-sync', 'test.none', 4, 'scheduled', 0, %lld, 'test.none:4', %lld);"
        "INSERT INTO jobs (queue, kind, device_id, state, attempt, progress_done, progress_total, "
        "result, errors, created_at, started_at, finished_at) VALUES ('attendance-sync', "
        "'test.none', 5, 'completed', 2, 100, 100, "
        "'{\"downloaded\":100,\"inserted\":90,\"duplicates\":10}', "
        "'[{\"at\":\"2026-01-01T00:00:00.000Z\",\"attempt\":1,\"code\":\"NETWORK_ERROR\","
        "\"message\":\"refused\"}]', %lld, %lld, %lld);"
        "INSERT INTO jobs (queue, kind, device_id, state, attempt, errors, created_at, "
        "finished_at) VALUES ('attendance-sync', 'test.none', 6, 'failed', 3, "
        "'[{\"at\":\"x\",\"attempt\":1,\"code\":\"NETWORK_ERROR\",\"message\":\"a\"},"
        "{\"at\":\"x\",\"attempt\":2,\"code\":\"NETWORK_ERROR\",\"message\":\"b\"},"
        "{\"at\":\"x\",\"attempt\":3,\"code\":\"NETWORK_ERROR\",\"message\":\"timed out\"}]', "
        "%lld, %lld);"
        "INSERT INTO jobs (queue, kind, device_id, state, attempt, lease_owner, lease_until, "
        "progress_done, progress_total, created_at, started_at) VALUES ('device-cmd', "
        "'test.none', 7, 'running', 1, 'elsewhere:1:x', %lld, 30, 120, %lld, %lld);",
        now - 5000, now - 5000, now + 3600000, now, now, now, now, now, now, now + 3600000, now,
        now);
    return sql(q);
}

static void t_list(void)
{
    json_t *j = NULL;
    long st = call("GET", 1, &j, "/api/v1/jobs");
    CHECK_EQ_INT(st, 200);
    json_t *items = json_object_get(data_of(j), "items");
    CHECK_EQ_INT(json_array_size(items), 5);
    CHECK_EQ_INT(json_integer_value(json_object_get(json_array_get(items, 0), "id")), 5);
    CHECK_EQ_INT(
        json_integer_value(json_object_get(json_object_get(data_of(j), "paging"), "total")), 5);
    CHECK(json_is_null(json_object_get(json_object_get(data_of(j), "paging"), "next")));
    CHECK(json_object_get(json_array_get(items, 0), "payload") == NULL);
    json_decref(j);

    /* paging by two: 5 4 | 3 2 | 1 */
    char after[32] = "";
    int seen = 0, pages = 0;
    for (;;) {
        st = call("GET", 1, &j, "/api/v1/jobs?limit=2%s%s", after[0] ? "&after=" : "", after);
        if (st != 200) {
            CHECK_EQ_INT(st, 200);
            json_decref(j);
            break;
        }
        pages++;
        items = json_object_get(data_of(j), "items");
        for (size_t i = 0; i < json_array_size(items); i++)
            CHECK_EQ_INT(json_integer_value(json_object_get(json_array_get(items, i), "id")),
                         5 - seen++);
        const char *next =
            json_string_value(json_object_get(json_object_get(data_of(j), "paging"), "next"));
        snprintf(after, sizeof(after), "%s", next ? next : "");
        json_decref(j);
        if (!next || pages > 5)
            break;
    }
    CHECK_EQ_INT(seen, 5);
    CHECK_EQ_INT(pages, 3);

    struct {
        const char *query;
        int n;
        int64_t first;
    } filters[] = {{"state=failed", 1, 4},    {"status=running", 1, 5},
                   {"queue=user-sync", 1, 2}, {"device_id=3", 1, 1},
                   {"device=6", 1, 4},        {"queue=attendance-sync&state=completed", 1, 3},
                   {"queue=nope", 0, 0}};
    for (size_t i = 0; i < sizeof(filters) / sizeof(filters[0]); i++) {
        st = call("GET", 1, &j, "/api/v1/jobs?%s", filters[i].query);
        items = json_object_get(data_of(j), "items");
        CHECK_MSG(st == 200 && (int)json_array_size(items) == filters[i].n &&
                      (filters[i].n == 0 ||
                       json_integer_value(json_object_get(json_array_get(items, 0), "id")) ==
                           filters[i].first),
                  "filter %s: %ld, %zu items", filters[i].query, st, json_array_size(items));
        json_decref(j);
    }
    const char *bad[] = {"state=bogus", "device_id=abc", "device_id=-1", "limit=0",
                         "limit=1001",  "after=xyz",     "page=2"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        st = call("GET", 1, &j, "/api/v1/jobs?%s", bad[i]);
        CHECK_MSG(st == 400 && err_code(j) && strcmp(err_code(j), "VALIDATION_ERROR") == 0,
                  "bad query %s: %ld", bad[i], st);
        json_decref(j);
    }
    st = call("GET", 0, &j, "/api/v1/jobs");
    CHECK_EQ_INT(st, 401);
    json_decref(j);
    st = call("GET", 0, &j, "/api/v1/queue/stats");
    CHECK_EQ_INT(st, 401);
    json_decref(j);
}

static void t_get(void)
{
    json_t *j = NULL;
    long st = call("GET", 1, &j, "/api/v1/jobs/3");
    json_t *d = data_of(j);
    CHECK_EQ_INT(st, 200);
    CHECK_STR(json_string_value(json_object_get(d, "state")), "completed");
    CHECK_EQ_INT(json_integer_value(json_object_get(d, "downloaded")), 100);
    CHECK_EQ_INT(json_integer_value(json_object_get(d, "inserted")), 90);
    CHECK_EQ_INT(json_integer_value(json_object_get(d, "duplicates")), 10);
    CHECK_EQ_INT(json_integer_value(json_object_get(json_object_get(d, "progress"), "percent")),
                 100);
    CHECK_EQ_INT(json_integer_value(json_object_get(d, "attempts")), 2);
    CHECK_EQ_INT(json_array_size(json_object_get(d, "errors")), 1);
    CHECK(json_is_null(json_object_get(d, "error")));
    const char *fin = json_string_value(json_object_get(d, "finished_at"));
    CHECK(fin && strlen(fin) == 20 && fin[10] == 'T' && fin[19] == 'Z');
    json_decref(j);

    st = call("GET", 1, &j, "/api/v1/jobs/4");
    d = data_of(j);
    CHECK_EQ_INT(st, 200);
    CHECK_STR(json_string_value(json_object_get(d, "state")), "failed");
    CHECK_STR(json_string_value(json_object_get(d, "error")), "timed out");
    CHECK_EQ_INT(json_array_size(json_object_get(d, "errors")), 3);
    CHECK(json_object_get(d, "downloaded") == NULL);
    json_decref(j);

    st = call("GET", 1, &j, "/api/v1/jobs/5");
    d = data_of(j);
    CHECK_EQ_INT(st, 200);
    CHECK_EQ_INT(json_integer_value(json_object_get(json_object_get(d, "progress"), "percent")),
                 25);
    CHECK_EQ_INT(json_integer_value(json_object_get(json_object_get(d, "progress"), "total")), 120);
    CHECK_STR(json_string_value(json_object_get(d, "queue")), "device-cmd");
    json_decref(j);

    st = call("GET", 1, &j, "/api/v1/jobs/999999");
    CHECK(st == 404 && err_code(j) && strcmp(err_code(j), "NOT_FOUND") == 0);
    json_decref(j);
    const char *bad[] = {"abc", "-1", "0", "1.5", "12345678901234567890", "0x10", "%2B5"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        st = call("GET", 1, &j, "/api/v1/jobs/%s", bad[i]);
        CHECK_MSG(st == 400 && err_code(j) && strcmp(err_code(j), "VALIDATION_ERROR") == 0,
                  "bad id %s: %ld", bad[i], st);
        json_decref(j);
    }
}

static void t_cancel(void)
{
    json_t *j = NULL;
    long st = call("POST", 1, &j, "/api/v1/jobs/1/cancel");
    CHECK_EQ_INT(st, 200);
    CHECK_STR(json_string_value(json_object_get(data_of(j), "state")), "cancelled");
    json_decref(j);
    st = call("POST", 1, &j, "/api/v1/jobs/1/cancel");
    CHECK(st == 409 && err_code(j) && strcmp(err_code(j), "CONFLICT") == 0);
    json_decref(j);
    st = call("DELETE", 1, &j, "/api/v1/jobs/2");
    CHECK_EQ_INT(st, 200);
    CHECK_STR(json_string_value(json_object_get(data_of(j), "state")), "cancelled");
    json_decref(j);
    st = call("POST", 1, &j, "/api/v1/jobs/5/cancel");
    CHECK_EQ_INT(st, 200);
    CHECK_STR(json_string_value(json_object_get(data_of(j), "state")), "running");
    CHECK(json_is_true(json_object_get(data_of(j), "cancel_requested")));
    json_decref(j);
    st = call("DELETE", 1, &j, "/api/v1/jobs/3");
    CHECK_EQ_INT(st, 409);
    json_decref(j);
    st = call("POST", 1, &j, "/api/v1/jobs/999999/cancel");
    CHECK_EQ_INT(st, 404);
    json_decref(j);
    st = call("POST", 1, &j, "/api/v1/jobs/x/cancel");
    CHECK_EQ_INT(st, 400);
    json_decref(j);
    st = call("POST", 0, &j, "/api/v1/jobs/4/cancel");
    CHECK_EQ_INT(st, 401);
    json_decref(j);
    st = call("PUT", 1, &j, "/api/v1/jobs/4");
    CHECK_EQ_INT(st, 405);
    json_decref(j);
}

static void t_stats(void)
{
    json_t *j = NULL;
    long st = call("GET", 1, &j, "/api/v1/queue/stats");
    json_t *d = data_of(j);
    CHECK_EQ_INT(st, 200);
    CHECK_EQ_INT(json_integer_value(json_object_get(d, "total_jobs")), 5);
    CHECK_EQ_INT(json_integer_value(json_object_get(d, "active")), 1);
    CHECK_EQ_INT(json_integer_value(json_object_get(d, "waiting")), 0);
    CHECK_EQ_INT(json_integer_value(json_object_get(d, "completed")), 1);
    CHECK_EQ_INT(json_integer_value(json_object_get(d, "failed")), 1);
    CHECK_EQ_INT(json_integer_value(json_object_get(d, "cancelled")), 2);
    json_t *qs = json_object_get(d, "queues");
    CHECK_EQ_INT(json_object_size(qs), 3);
    CHECK_EQ_INT(
        json_integer_value(json_object_get(json_object_get(qs, "attendance-sync"), "total")), 3);
    CHECK_EQ_INT(json_integer_value(json_object_get(json_object_get(qs, "user-sync"), "cancelled")),
                 1);
    CHECK_EQ_INT(json_integer_value(json_object_get(json_object_get(qs, "device-cmd"), "active")),
                 1);
    CHECK(json_is_string(json_object_get(d, "last_updated")));
    CHECK(json_is_integer(json_object_get(d, "oldest_waiting_age_s")));
    json_decref(j);
}

/* zkbiod stopped with a job left running under its name: the next start re-queues it. */
static void t_recovery(void)
{
    char host[64] = "", q[512];
    gethostname(host, sizeof(host) - 1);
    long long dead = (long long)pid;
    stop();
    snprintf(q, sizeof(q),
             "INSERT INTO jobs (queue, kind, device_id, state, attempt, lease_owner, lease_until, "
             "created_at, started_at) VALUES ('attendance-sync', 'test.none', 8, 'running', 1, "
             "'%.39s:%lld:abcdefgh', %lld, %lld, %lld)",
             host, dead, (long long)now_ms() + 3600000, (long long)now_ms(), (long long)now_ms());
    REQUIRE(sql(q) == 0, "insert");
    REQUIRE(start() == 0, "restart");
    json_t *j = NULL;
    long st = call("GET", 1, &j, "/api/v1/jobs/6");
    CHECK_EQ_INT(st, 200);
    CHECK_STR(json_string_value(json_object_get(data_of(j), "state")), "retryable");
    json_decref(j);
    /* the live other owner's job is left alone */
    st = call("GET", 1, &j, "/api/v1/jobs/5");
    CHECK_STR(json_string_value(json_object_get(data_of(j), "state")), "running");
    json_decref(j);
out:;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s ZKBIOD\n", argv[0]);
        return 2;
    }
    zkbiod = argv[1];
    if (!mkdtemp(dir))
        return 2;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (start() != 0 || seed() != 0) {
        TEST_FAIL_("cannot start zkbiod or seed its database");
    } else {
        t_list();
        t_get();
        t_cancel();
        t_stats();
        t_recovery();
    }
    stop();
    if (test_failed_ || getenv("ZKBIO_TEST_KEEP")) {
        char cmd[400];
        snprintf(cmd, sizeof(cmd), "tail -n 40 '%s/zkbiod.log' >&2", dir);
        if (system(cmd) != 0)
            fprintf(stderr, "no log\n");
    }
    if (!getenv("ZKBIO_TEST_KEEP")) {
        char cmd[400];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", dir);
    }
    curl_global_cleanup();
    return TEST_DONE();
}
