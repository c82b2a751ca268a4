/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The BioTime-compatible API's lists, transactions and terminals against a live zkbiod over a
 * known data set (docs/biotime-api.md "Lists and paging", "Transactions", "Terminals"):
 *   - the envelope: count/next/previous/msg/code/data; next and previous absolute, built from Host,
 *     X-Forwarded-Host or X-Forwarded-Proto, the request's query kept (re-encoded) and only page
 *     replaced (dropped for page 1); page_size vs limit; 404 "Invalid page." past the end and for
 *     a page that is not a positive integer; a walk following next verbatim sees every row once;
 *   - transactions: every filter (emp_code, emp, terminal_sn, terminal_alias, *_icontains,
 *     start_time/end_time inclusive, dates as whole days, unparsable = empty), every ordering,
 *     the field set and types, get, create (JSON and form; a duplicate answers the stored row),
 *     400 field errors, delete (204, then 404, the count follows);
 *   - terminals: the field set, INFO counts, filters, ordering, get.
 * Seven punches on two PUSH terminals (AAA001 named "Front Door", BBB002 unnamed):
 *   k  terminal  PIN   punch_time           state verify
 *   1  AAA001    1001  2026-03-02 08:00:00  0     1
 *   2  AAA001    1001  2026-03-02 17:00:00  1     1
 *   3  AAA001    1002  2026-03-02 08:30:00  0     15
 *   4  AAA001    1002  2026-03-03 08:30:00  0     4
 *   5  BBB002    1001  2026-03-03 08:00:00  0     1
 *   6  BBB002    2003  2026-03-03 23:59:59  255   0
 *   7  BBB002    2003  2026-03-04 00:00:00  1     3
 * PIN 1001 is a user ("Alice Smith", from a USER upload).
 *
 *   test-bt-tx ZKBIOD [URI]   (no URI: SQLite in the test's directory; mariadb.sh appends one)
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "http-json.h"
#include "zkbiod-launch.h"

#include "../support/test.h"
#include "../support/daemon-test.h"

#define NEED(cond) REQUIRE(cond, "REQUIRE(%s) failed", #cond)
#define TOKEN      "bt-tx-admin-token-0123456789abcdef"
#define TX         "/iclock/api/transactions/"

static const char *zkbiod;
static char dir[] = "/tmp/zkbio-bttx-XXXXXX";
static char db[4200];
static int port;
static char base[64];
static int64_t ids[8]; /* ids[k] = attendance.id of punch k */
static int64_t alice;  /* users.id of PIN 1001 */

typedef http_json_reply reply;

static long call_h(reply *r, const char *method, const char *path, const char *body,
                   const char *header, int auth)
{
    const http_json_opts o = {.token = auth ? TOKEN : NULL, .header = header, .timeout_ms = 20000};
    return http_json_call(r, base, method, path, body, &o);
}

static long call(reply *r, const char *method, const char *path, const char *body)
{
    return call_h(r, method, path, body, NULL, 1);
}

/* A PUSH upload (text body). */
static long push(const char *path, const char *body)
{
    reply r;
    const http_json_opts o = {.no_content_type = 1, .timeout_ms = 20000};
    long st = http_json_call(&r, base, body ? "POST" : "GET", path, body, &o);
    http_json_free(&r);
    return st;
}

static const char *str(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

/* The punches of a list reply as their k numbers, "1,2,5" (0 for a row of no k). */
static void ks_of(const reply *r, char *out, size_t size)
{
    out[0] = '\0';
    size_t n = 0;
    json_t *data = json_object_get(r->j, "data");
    for (size_t i = 0; i < json_array_size(data); i++) {
        int64_t id = json_integer_value(json_object_get(json_array_get(data, i), "id"));
        int k = 0;
        for (int j = 1; j <= 7; j++)
            if (ids[j] == id)
                k = j;
        n += (size_t)snprintf(out + n, size - n, "%s%d", i ? "," : "", k);
        if (n >= size)
            break;
    }
}

/* GET path: 200, and the k list and count as expected. */
static void expect_list(const char *path, const char *ks, long count)
{
    reply r;
    call(&r, "GET", path, NULL);
    char got[128];
    ks_of(&r, got, sizeof(got));
    CHECK_MSG(r.status == 200, "GET %s: status %ld", path, r.status);
    CHECK_MSG(strcmp(got, ks) == 0, "GET %s: rows %s, want %s", path, got, ks);
    CHECK_MSG(json_integer_value(json_object_get(r.j, "count")) == count,
              "GET %s: count %lld, want %ld", path,
              (long long)json_integer_value(json_object_get(r.j, "count")), count);
    http_json_free(&r);
}

static int load(void)
{
    NEED(push("/iclock/cdata?SN=AAA001&options=all&pushver=2.4.1", NULL) == 200);
    NEED(push("/iclock/cdata?SN=BBB002&options=all&pushver=2.4.1", NULL) == 200);
    NEED(push("/iclock/cdata?SN=AAA001&table=OPERLOG&Stamp=1",
              "USER PIN=1001\tName=Alice Smith\tPri=0\tPasswd=\tCard=\tGrp=1\tTZ=0\n") == 200);
    static const char *const rows[8] = {
        NULL,
        "1001\t2026-03-02 08:00:00\t0\t1\t0\t0\t0\n",
        "1001\t2026-03-02 17:00:00\t1\t1\t0\t0\t0\n",
        "1002\t2026-03-02 08:30:00\t0\t15\t0\t0\t0\n",
        "1002\t2026-03-03 08:30:00\t0\t4\t0\t0\t0\n",
        "1001\t2026-03-03 08:00:00\t0\t1\t0\t0\t0\n",
        "2003\t2026-03-03 23:59:59\t255\t0\t0\t0\t0\n",
        "2003\t2026-03-04 00:00:00\t1\t3\t0\t0\t0\n",
    };
    for (int k = 1; k <= 7; k++) /* one per upload, so that ids follow k */
        NEED(push(k <= 4 ? "/iclock/cdata?SN=AAA001&table=ATTLOG&Stamp=9"
                         : "/iclock/cdata?SN=BBB002&table=ATTLOG&Stamp=9",
                  rows[k]) == 200);
    NEED(push("/iclock/getrequest?SN=AAA001&INFO=Ver%206.60,12,20,340,10.0.0.9,10,7,15,3,111",
              NULL) == 200);
    reply r;
    call(&r, "GET", TX "?ordering=id&page_size=50", NULL);
    NEED(r.status == 200 && json_array_size(json_object_get(r.j, "data")) == 7);
    for (int k = 1; k <= 7; k++)
        ids[k] = json_integer_value(
            json_object_get(json_array_get(json_object_get(r.j, "data"), (size_t)k - 1), "id"));
    http_json_free(&r);
    call(&r, "GET", TX "?emp_code=1001&page_size=1", NULL); /* her users.id */
    alice =
        json_integer_value(json_object_get(json_array_get(json_object_get(r.j, "data"), 0), "emp"));
    http_json_free(&r);
    NEED(alice > 0);
    /* the terminal AAA001 gets a name (its BioTime alias) */
    call(&r, "GET", "/api/v1/devices/AAA001", NULL);
    int64_t dev = json_integer_value(json_object_get(json_object_get(r.j, "data"), "id"));
    http_json_free(&r);
    char path[64];
    snprintf(path, sizeof(path), "/api/v1/devices/%lld", (long long)dev);
    call(&r, "PATCH", path, "{\"name\":\"Front Door\"}");
    NEED(r.status == 200);
    http_json_free(&r);
    return 0;
out:
    return -1;
}

static void test_envelope(void)
{
    reply r;
    char want[512];
    call(&r, "GET", TX "?page_size=2&ordering=id", NULL);
    CHECK_EQ_INT(r.status, 200);
    CHECK_EQ_INT(json_integer_value(json_object_get(r.j, "count")), 7);
    CHECK_STR(str(r.j, "msg"), "");
    CHECK(json_is_integer(json_object_get(r.j, "code")) &&
          json_integer_value(json_object_get(r.j, "code")) == 0);
    CHECK(json_is_null(json_object_get(r.j, "previous")));
    snprintf(want, sizeof(want), "%s" TX "?page_size=2&ordering=id&page=2", base);
    CHECK_STR(str(r.j, "next"), want);
    http_json_free(&r);

    call(&r, "GET", TX "?page=2&page_size=2&ordering=id", NULL);
    snprintf(want, sizeof(want), "%s" TX "?page_size=2&ordering=id", base);
    CHECK_STR(str(r.j, "previous"), want); /* page 1: no page parameter, as DRF */
    snprintf(want, sizeof(want), "%s" TX "?page_size=2&ordering=id&page=3", base);
    CHECK_STR(str(r.j, "next"), want);
    http_json_free(&r);
    expect_list(TX "?page=4&page_size=2&ordering=id", "7", 7);
    call(&r, "GET", TX "?page=4&page_size=2&ordering=id", NULL);
    CHECK(json_is_null(json_object_get(r.j, "next")));
    http_json_free(&r);

    /* pages that are not: DRF's 404 */
    static const char *const bad[] = {
        "?page=5&page_size=2", "?page=0",   "?page=-1",
        "?page=abc",           "?page=1.5", "?page=99999999999999999999"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char path[128];
        snprintf(path, sizeof(path), TX "%s", bad[i]);
        call(&r, "GET", path, NULL);
        CHECK_MSG(r.status == 404, "%s: status %ld", path, r.status);
        CHECK_MSG(strcmp(str(r.j, "detail"), "Invalid page.") == 0, "%s: %s", path,
                  r.text ? r.text : "");
        http_json_free(&r);
    }
    /* page_size (8.x) and limit (9.x); page_size wins; a bad size is the default (10) */
    expect_list(TX "?limit=3&ordering=id", "1,2,3", 7);
    expect_list(TX "?page_size=2&limit=3&ordering=id", "1,2", 7);
    expect_list(TX "?page_size=0&ordering=id", "1,2,3,4,5,6,7", 7);
    expect_list(TX "?page_size=abc&limit=1&ordering=id", "1", 7);
    expect_list(TX "?page_size=100000&ordering=id", "1,2,3,4,5,6,7", 7);
    expect_list(TX "?page=2&limit=3&ordering=-id", "4,3,2", 7);

    /* behind a proxy: X-Forwarded-Host, X-Forwarded-Proto */
    call_h(&r, "GET", TX "?page_size=2", NULL, "X-Forwarded-Host: api.example.com:8443, inner", 1);
    CHECK_STR(str(r.j, "next"), "http://api.example.com:8443" TX "?page_size=2&page=2");
    http_json_free(&r);
    call_h(&r, "GET", TX "?page_size=2", NULL, "X-Forwarded-Proto: https", 1);
    snprintf(want, sizeof(want), "https://127.0.0.1:%d" TX "?page_size=2&page=2", port);
    CHECK_STR(str(r.j, "next"), want);
    http_json_free(&r);
    call_h(&r, "GET", TX "?page_size=2", NULL, "X-Forwarded-Host: evil.example\"/x", 1);
    snprintf(want, sizeof(want), "%s" TX "?page_size=2&page=2", base);
    CHECK_STR(str(r.j, "next"), want); /* an odd forwarded host is not echoed */
    http_json_free(&r);

    /* the query kept, re-encoded; only page replaced (PAGE too: parameters are case-blind) */
    call(&r, "GET", TX "?terminal_alias_icontains=front%20door&x=a+b&y=%zz&PAGE=1&page_size=1",
         NULL);
    snprintf(want, sizeof(want),
             "%s" TX "?terminal_alias_icontains=front%%20door&x=a%%20b&y=%%25zz&page_size=1&page=2",
             base);
    CHECK_STR(str(r.j, "next"), want);
    CHECK_EQ_INT(json_integer_value(json_object_get(r.j, "count")), 4);
    http_json_free(&r);

    /* an empty list has page 1 only */
    expect_list(TX "?emp_code=nobody", "", 0);
    call(&r, "GET", TX "?emp_code=nobody&page=2", NULL);
    CHECK_EQ_INT(r.status, 404);
    http_json_free(&r);

    /* following next verbatim sees every row once, in order */
    char path[1024], seen[128] = "";
    snprintf(path, sizeof(path), TX "?page_size=3&ordering=punch_time");
    for (int pages = 0; pages < 10 && path[0]; pages++) {
        call(&r, "GET", path, NULL);
        char got[64];
        ks_of(&r, got, sizeof(got));
        size_t l = strlen(seen);
        snprintf(seen + l, sizeof(seen) - l, "%s%s", l ? "," : "", got);
        const char *next = str(r.j, "next");
        path[0] = '\0';
        if (*next) {
            CHECK(strncmp(next, base, strlen(base)) == 0);
            snprintf(path, sizeof(path), "%s", next + strlen(base));
        }
        http_json_free(&r);
    }
    CHECK_STR(seen, "1,3,2,5,4,6,7");

    call_h(&r, "GET", TX, NULL, NULL, 0);
    CHECK_EQ_INT(r.status, 401);
    CHECK(str(r.j, "detail")[0] != '\0');
    http_json_free(&r);
}

static void test_filters(void)
{
    expect_list(TX "?emp_code=1001", "1,2,5", 3);
    expect_list(TX "?emp_code=100", "", 0); /* exact */
    expect_list(TX "?emp_code_icontains=00", "1,2,3,4,5,6,7", 7);
    expect_list(TX "?emp_code_icontains=100", "1,2,3,4,5", 5);
    expect_list(TX "?emp_code_icontains=%25", "", 0); /* % is a character, not a wildcard */
    expect_list(TX "?terminal_sn=BBB002", "5,6,7", 3);
    expect_list(TX "?terminal_sn_icontains=bbb", "5,6,7", 3);
    expect_list(TX "?terminal_alias=Front%20Door", "1,2,3,4", 4);
    expect_list(TX "?terminal_alias_icontains=DOOR", "1,2,3,4", 4);
    expect_list(TX "?terminal_alias=BBB002", "5,6,7", 3); /* unnamed: the SN */
    expect_list(TX "?terminal_sn=AAA001&emp_code=1002", "3,4", 2);
    expect_list(TX "?start_time=2026-03-03", "4,5,6,7", 4);
    expect_list(TX "?end_time=2026-03-03", "1,2,3,4,5,6", 6); /* the whole day */
    expect_list(TX "?start_time=2026-03-02%2017:00:00&end_time=2026-03-03+08:00:00", "2,5", 2);
    expect_list(TX "?start_time=2026-03-02T17:00&end_time=2026-03-03T08:00", "2,5", 2);
    expect_list(TX "?start_time=2026-03-03%2023:59:59&end_time=2026-03-04%2000:00:00", "6,7", 2);
    expect_list(TX "?start_time=yesterday", "", 0); /* unparsable: empty, not an error */
    expect_list(TX "?end_time=2026-13-01", "", 0);
    expect_list(TX "?start_time=", "1,2,3,4,5,6,7", 7); /* empty = absent */
    expect_list(TX "?unknown=1&ordering=nonsense", "1,2,3,4,5,6,7", 7);
    char path[128];
    snprintf(path, sizeof(path), TX "?emp=%lld", (long long)alice);
    expect_list(path, "1,2,5", 3);
    snprintf(path, sizeof(path), TX "?emp=%lld&emp_code=1002", (long long)alice);
    expect_list(path, "", 0);
    expect_list(TX "?emp=999999", "", 0);
    expect_list(TX "?emp=x", "", 0);
    /* orderings */
    expect_list(TX "?ordering=-id", "7,6,5,4,3,2,1", 7);
    expect_list(TX "?ordering=punch_time", "1,3,2,5,4,6,7", 7);
    expect_list(TX "?ordering=punch_time,id", "1,3,2,5,4,6,7", 7);
    expect_list(TX "?ordering=-punch_time", "7,6,4,5,2,3,1", 7);
    expect_list(TX "?ordering=bogus,-id", "7,6,5,4,3,2,1", 7);
    expect_list(TX "?ordering=upload_time", "1,2,3,4,5,6,7", 7);
    expect_list(TX "?ordering=-upload_time&terminal_sn=AAA001", "4,3,2,1", 4);
    expect_list(TX "?ordering=-punch_time&emp_code=1001&page_size=2&page=2", "1", 3);
    /* a second walk through the same pages (the page anchors of the store) gives the same rows */
    expect_list(TX "?ordering=punch_time&page_size=2&page=2", "2,5", 7);
    expect_list(TX "?ordering=punch_time&page_size=2&page=3", "4,6", 7);
    expect_list(TX "?ordering=-punch_time&page_size=2&page=2", "4,5", 7);
    expect_list(TX "?ordering=-punch_time&page_size=2&page=3", "2,3", 7);
}

static void test_fields(void)
{
    reply r;
    char path[96];
    snprintf(path, sizeof(path), TX "%lld/", (long long)ids[5]);
    call(&r, "GET", path, NULL);
    CHECK_EQ_INT(r.status, 200);
    json_t *o = r.j;
    static const char *const keys[] = {"id",          "emp",
                                       "emp_code",    "first_name",
                                       "last_name",   "department",
                                       "position",    "punch_time",
                                       "punch_state", "punch_state_display",
                                       "verify_type", "verify_type_display",
                                       "work_code",   "gps_location",
                                       "area_alias",  "terminal_sn",
                                       "temperature", "terminal_alias",
                                       "upload_time", "terminal"};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        CHECK_MSG(json_object_get(o, keys[i]) != NULL, "field %s missing", keys[i]);
    CHECK_EQ_INT(json_integer_value(json_object_get(o, "id")), ids[5]);
    CHECK_EQ_INT(json_integer_value(json_object_get(o, "emp")), alice);
    CHECK_STR(str(o, "emp_code"), "1001");
    CHECK_STR(str(o, "first_name"), "Alice Smith");
    CHECK_STR(str(o, "department"), "Department");
    CHECK_STR(str(o, "punch_time"), "2026-03-03 08:00:00");
    CHECK(json_is_string(json_object_get(o, "punch_state")));
    CHECK_STR(str(o, "punch_state"), "0");
    CHECK_STR(str(o, "punch_state_display"), "Check In");
    CHECK(json_is_integer(json_object_get(o, "verify_type")));
    CHECK_EQ_INT(json_integer_value(json_object_get(o, "verify_type")), 1);
    CHECK_STR(str(o, "verify_type_display"), "Fingerprint");
    CHECK_STR(str(o, "gps_location"), "");
    CHECK_STR(str(o, "terminal_sn"), "BBB002");
    CHECK_STR(str(o, "terminal_alias"), "BBB002");
    CHECK_STR(str(o, "area_alias"), "Default");
    CHECK(json_is_real(json_object_get(o, "temperature")));
    CHECK(json_is_integer(json_object_get(o, "terminal")));
    const char *up = str(o, "upload_time");
    CHECK_MSG(strlen(up) == 19 && up[4] == '-' && up[10] == ' ' && up[13] == ':', "upload_time %s",
              up);
    http_json_free(&r);
    snprintf(path, sizeof(path), TX "%lld/", (long long)ids[6]);
    call(&r, "GET", path, NULL);
    CHECK_STR(str(r.j, "punch_state"), "255");
    CHECK_STR(str(r.j, "punch_state_display"), "Unknown");
    CHECK_STR(str(r.j, "verify_type_display"), "Password");
    CHECK(json_is_null(json_object_get(r.j, "emp")));
    http_json_free(&r);
    snprintf(path, sizeof(path), TX "%lld/", (long long)ids[1]);
    call(&r, "GET", path, NULL);
    CHECK_STR(str(r.j, "terminal_alias"), "Front Door");
    http_json_free(&r);
    snprintf(path, sizeof(path), TX "%lld", (long long)ids[1]); /* no trailing slash */
    call(&r, "GET", path, NULL);
    CHECK_EQ_INT(r.status, 200);
    http_json_free(&r);
    static const char *const missing[] = {TX "999999/", TX "abc/", TX "-1/", TX "0/"};
    for (size_t i = 0; i < 4; i++) {
        call(&r, "GET", missing[i], NULL);
        CHECK_MSG(r.status == 404 && strcmp(str(r.j, "detail"), "Not found.") == 0, "%s: %ld",
                  missing[i], r.status);
        http_json_free(&r);
    }
}

static void test_create_delete(void)
{
    reply r;
    const char *body = "{\"emp_code\":\"3004\",\"punch_time\":\"2026-03-05 09:10:11\","
                       "\"punch_state\":\"1\",\"verify_type\":15,\"terminal_sn\":\"BBB002\","
                       "\"work_code\":\"7\"}";
    expect_list(TX "?terminal_sn=BBB002", "5,6,7", 3); /* counted, then cached */
    call(&r, "POST", TX, body);
    CHECK_EQ_INT(r.status, 201);
    int64_t id = json_integer_value(json_object_get(r.j, "id"));
    CHECK(id > ids[7]);
    CHECK_STR(str(r.j, "emp_code"), "3004");
    CHECK_STR(str(r.j, "punch_state"), "1");
    CHECK_STR(str(r.j, "punch_state_display"), "Check Out");
    CHECK_STR(str(r.j, "verify_type_display"), "Face");
    CHECK_STR(str(r.j, "work_code"), "7");
    CHECK_STR(str(r.j, "terminal_sn"), "BBB002");
    http_json_free(&r);
    call(&r, "POST", TX, body); /* the same punch: the stored one, 200 */
    CHECK_EQ_INT(r.status, 200);
    CHECK_EQ_INT(json_integer_value(json_object_get(r.j, "id")), id);
    http_json_free(&r);
    expect_list(TX "?emp_code=3004", "0", 1);
    /* the cached count grows by the rows stored since (counted above the cached MAX(id)) */
    expect_list(TX "?terminal_sn=BBB002", "5,6,7,0", 4);
    /* a form body (DRF takes both), punch_state as a number */
    const http_json_opts form = {.token = TOKEN,
                                 .header = "Content-Type: application/x-www-form-urlencoded",
                                 .no_content_type = 1,
                                 .timeout_ms = 20000};
    http_json_call(&r, base, "POST", TX,
                   "emp_code=3004&punch_time=2026-03-05+18%3A00%3A00&punch_state=1&verify_type=1",
                   &form);
    CHECK_EQ_INT(r.status, 201);
    CHECK_STR(str(r.j, "punch_time"), "2026-03-05 18:00:00");
    CHECK_STR(str(r.j, "terminal_sn"), "");
    int64_t id2 = json_integer_value(json_object_get(r.j, "id"));
    http_json_free(&r);
    expect_list(TX "?emp_code=3004", "0,0", 2);
    /* field errors */
    static const struct {
        const char *body, *field;
    } bad[] = {
        {"{\"punch_time\":\"2026-03-05 09:10:11\"}", "emp_code"},
        {"{\"emp_code\":\"1\"}", "punch_time"},
        {"{\"emp_code\":\"1\",\"punch_time\":\"2026-03-05\"}", "punch_time"},
        {"{\"emp_code\":\"1\",\"punch_time\":\"tomorrow\"}", "punch_time"},
        {"{\"emp_code\":\"1\",\"punch_time\":\"2026-03-05 09:10\",\"punch_state\":\"x\"}",
         "punch_state"},
        {"{\"emp_code\":\"1\",\"punch_time\":\"2026-03-05 09:10\",\"verify_type\":-1}",
         "verify_type"},
        {"{\"emp_code\":\"1\",\"punch_time\":\"2026-03-05 09:10\",\"terminal_sn\":\"a b\"}",
         "terminal_sn"},
        {"{\"emp_code\":\"1234567890123456789012345\",\"punch_time\":\"2026-03-05 09:10\"}",
         "emp_code"},
        {"{\"emp_code\":[1],\"punch_time\":\"2026-03-05 09:10\"}", "emp_code"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        call(&r, "POST", TX, bad[i].body);
        json_t *f = json_object_get(r.j, bad[i].field);
        CHECK_MSG(r.status == 400 && json_is_array(f) && json_is_string(json_array_get(f, 0)),
                  "%s: %ld %s", bad[i].body, r.status, r.text ? r.text : "");
        http_json_free(&r);
    }
    call(&r, "POST", TX, "{not json");
    CHECK(r.status == 400 && str(r.j, "detail")[0]);
    http_json_free(&r);
    call(&r, "POST", TX, "[1]");
    CHECK_EQ_INT(r.status, 400);
    http_json_free(&r);
    /* delete: 204 without a body, then gone; the count follows at once */
    char path[96];
    snprintf(path, sizeof(path), TX "%lld/", (long long)id2);
    call(&r, "DELETE", path, NULL);
    CHECK_EQ_INT(r.status, 204);
    CHECK(r.body_len == 0);
    http_json_free(&r);
    call(&r, "GET", path, NULL);
    CHECK_EQ_INT(r.status, 404);
    http_json_free(&r);
    call(&r, "DELETE", path, NULL);
    CHECK_EQ_INT(r.status, 404);
    http_json_free(&r);
    expect_list(TX "?emp_code=3004", "0", 1);
    call(&r, "GET", "/api/v1/audit?action=attendance.delete", NULL);
    CHECK(strstr(r.text ? r.text : "", "attendance.delete") != NULL);
    http_json_free(&r);
    call(&r, "PUT", path, "{}");
    CHECK_EQ_INT(r.status, 405);
    http_json_free(&r);
}

static json_t *terminal_by_sn(json_t *list, const char *sn)
{
    json_t *data = json_object_get(list, "data");
    for (size_t i = 0; i < json_array_size(data); i++)
        if (strcmp(str(json_array_get(data, i), "sn"), sn) == 0)
            return json_array_get(data, i);
    return NULL;
}

static void test_terminals(void)
{
    reply r;
    /* the INFO line of a poll reaches the row with the last-seen flush (about 2 s) */
    for (int i = 0; i < 50; i++) {
        call(&r, "GET", "/iclock/api/terminals/?sn=AAA001", NULL);
        json_t *uc = json_object_get(json_array_get(json_object_get(r.j, "data"), 0), "user_count");
        int got = json_is_integer(uc);
        http_json_free(&r);
        if (got)
            break;
        nanosleep(&(struct timespec){.tv_nsec = 200000000L}, NULL); /* usleep is not POSIX.1-2008 */
    }
    call(&r, "GET", "/iclock/api/terminals/", NULL);
    CHECK_EQ_INT(r.status, 200);
    CHECK_EQ_INT(json_integer_value(json_object_get(r.j, "count")), 2);
    json_t *t = terminal_by_sn(r.j, "AAA001");
    NEED(t != NULL);
    static const char *const keys[] = {"id",
                                       "sn",
                                       "ip_address",
                                       "alias",
                                       "terminal_name",
                                       "fw_ver",
                                       "push_ver",
                                       "state",
                                       "terminal_tz",
                                       "area",
                                       "area_name",
                                       "last_activity",
                                       "user_count",
                                       "fp_count",
                                       "face_count",
                                       "palm_count",
                                       "transaction_count",
                                       "push_time",
                                       "transfer_time",
                                       "transfer_interval",
                                       "is_attendance"};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        CHECK_MSG(json_object_get(t, keys[i]) != NULL, "terminal field %s missing", keys[i]);
    CHECK_STR(str(t, "alias"), "Front Door");
    CHECK_STR(str(t, "push_ver"), "2.4.1");
    CHECK_STR(str(t, "ip_address"), "127.0.0.1");
    CHECK(json_is_integer(json_object_get(t, "state")));
    CHECK_EQ_INT(json_integer_value(json_object_get(t, "state")), 1);
    CHECK_EQ_INT(json_integer_value(json_object_get(t, "user_count")), 12);
    CHECK_EQ_INT(json_integer_value(json_object_get(t, "fp_count")), 20);
    CHECK_EQ_INT(json_integer_value(json_object_get(t, "transaction_count")), 340);
    CHECK_EQ_INT(json_integer_value(json_object_get(t, "face_count")), 3);
    CHECK_EQ_INT(json_integer_value(json_object_get(t, "is_attendance")), 1);
    json_t *area = json_object_get(t, "area");
    CHECK_STR(str(area, "area_code"), "default");
    CHECK_STR(str(t, "area_name"), str(area, "area_name"));
    int64_t area_id = json_integer_value(json_object_get(area, "id"));
    int64_t id = json_integer_value(json_object_get(t, "id"));
    json_t *b = terminal_by_sn(r.j, "BBB002");
    CHECK_STR(str(b, "alias"), "BBB002");
    CHECK(json_is_null(json_object_get(b, "user_count")));
    http_json_free(&r);
    call(&r, "GET", "/iclock/api/terminals/?sn=BBB002", NULL);
    CHECK_EQ_INT(json_integer_value(json_object_get(r.j, "count")), 1);
    http_json_free(&r);
    static const struct {
        const char *q;
        int count;
    } f[] = {{"alias=Front%20Door", 1},
             {"alias_icontains=fRoNt", 1},
             {"sn_icontains=00", 2},
             {"sn=nope", 0},
             {"state=1", 2},
             {"state=0", 0},
             {"state=x", 0},
             {"area=999999", 0},
             {"page_size=1", 2}};
    for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
        char path[128];
        snprintf(path, sizeof(path), "/iclock/api/terminals/?%s", f[i].q);
        call(&r, "GET", path, NULL);
        CHECK_MSG(r.status == 200 &&
                      json_integer_value(json_object_get(r.j, "count")) == f[i].count,
                  "%s: %ld %s", path, r.status, r.text ? r.text : "");
        http_json_free(&r);
    }
    char path[128];
    snprintf(path, sizeof(path), "/iclock/api/terminals/?area=%lld", (long long)area_id);
    call(&r, "GET", path, NULL);
    CHECK_EQ_INT(json_integer_value(json_object_get(r.j, "count")), 2);
    http_json_free(&r);
    call(&r, "GET", "/iclock/api/terminals/?ordering=-sn", NULL);
    CHECK_STR(str(json_array_get(json_object_get(r.j, "data"), 0), "sn"), "BBB002");
    http_json_free(&r);
    call(&r, "GET", "/iclock/api/terminals/?ordering=sn", NULL);
    CHECK_STR(str(json_array_get(json_object_get(r.j, "data"), 0), "sn"), "AAA001");
    http_json_free(&r);
    snprintf(path, sizeof(path), "/iclock/api/terminals/%lld/", (long long)id);
    call(&r, "GET", path, NULL);
    CHECK_EQ_INT(r.status, 200);
    CHECK_STR(str(r.j, "sn"), "AAA001");
    http_json_free(&r);
    call(&r, "GET", "/iclock/api/terminals/999999/", NULL);
    CHECK_EQ_INT(r.status, 404);
    http_json_free(&r);
    /* writes (admin): alias, area, terminal_tz; unknown members ignored */
    char body[256];
    snprintf(body, sizeof(body),
             "{\"alias\":\"Side Gate\",\"area\":%lld,\"terminal_tz\":5.5,\"heartbeat\":10}",
             (long long)area_id);
    snprintf(path, sizeof(path), "/iclock/api/terminals/%lld/", (long long)id);
    call(&r, "PATCH", path, body);
    CHECK_EQ_INT(r.status, 200);
    CHECK_STR(str(r.j, "alias"), "Side Gate");
    CHECK(json_is_real(json_object_get(r.j, "terminal_tz")) &&
          json_real_value(json_object_get(r.j, "terminal_tz")) == 5.5);
    http_json_free(&r);
    expect_list(TX "?terminal_alias=Side%20Gate&ordering=id", "1,2,3,4", 4);
    call(&r, "PUT", path, "{\"terminal_tz\":3}");
    CHECK_EQ_INT(r.status, 200);
    CHECK_EQ_INT(json_integer_value(json_object_get(r.j, "terminal_tz")), 3);
    CHECK_STR(str(r.j, "alias"), "Side Gate"); /* PUT is partial too */
    http_json_free(&r);
    static const struct {
        const char *body, *field;
    } badw[] = {{"{\"area\":999999}", "area"},
                {"{\"area\":[1]}", "area"},
                {"{\"alias\":\"\"}", "alias"},
                {"{\"terminal_tz\":15}", "terminal_tz"},
                {"{\"terminal_tz\":\"x\"}", "terminal_tz"},
                {"{\"terminal_tz\":1.1}", "terminal_tz"}};
    for (size_t i = 0; i < sizeof(badw) / sizeof(badw[0]); i++) {
        call(&r, "PATCH", path, badw[i].body);
        CHECK_MSG(r.status == 400 && json_is_array(json_object_get(r.j, badw[i].field)),
                  "PATCH %s: %ld %s", badw[i].body, r.status, r.text ? r.text : "");
        http_json_free(&r);
    }
    call(&r, "PATCH", "/iclock/api/terminals/999999/", "{\"alias\":\"x\"}");
    CHECK_EQ_INT(r.status, 404);
out:
    http_json_free(&r);
}

int main(int argc, char **argv)
{
    int bad = td_setup(argc, argv, 1, "ZKBIOD [URI]", dir, db, sizeof(db));
    if (bad)
        return bad;
    zkbiod = argv[1];
    curl_global_init(CURL_GLOBAL_DEFAULT);
    char log[512];
    snprintf(log, sizeof(log), "%s/zkbiod.log", dir);
    const char *const args[] = {zkbiod,
                                "--listen",
                                "127.0.0.1:0",
                                "--data-dir",
                                dir,
                                "--db",
                                db,
                                "--admin-token",
                                TOKEN,
                                "--admission",
                                "auto",
                                "--service-listen",
                                "off",
                                NULL};
    const zkl_opts lo = {.argv = args, .dir = dir, .log = log};
    pid_t pid = 0;
    zkl_ports ports;
    if (zkl_start(&lo, &pid, &ports) != 0 || ports.n_listen < 1) {
        fprintf(stderr, "zkbiod did not start (see %s)\n", log);
        return 1;
    }
    port = ports.listen[0];
    snprintf(base, sizeof(base), "http://127.0.0.1:%d", port);
    if (load() == 0) {
        test_envelope();
        test_filters();
        test_fields();
        test_create_delete();
        test_terminals();
    }
    kill(pid, SIGTERM);
    int st;
    waitpid(pid, &st, 0);
    /* a clean stop, and no sanitizer report in its log (the ASan+UBSan build of CI) */
    CHECK_MSG(WIFEXITED(st) && WEXITSTATUS(st) == 0, "zkbiod did not stop cleanly (%d)", st);
    td_check_log_clean(log);
    curl_global_cleanup();
    return td_finish(dir);
}
