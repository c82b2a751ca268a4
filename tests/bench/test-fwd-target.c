/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The loopback target of `zkbio bench forward` (cli/bench/fwd_target.c): its answers for both
 * kinds (single, bulk), duplicates and foreign logs counted, the token checked, keep-alive, and
 * malformed requests (a head past 16 KiB, a bad Content-Length, chunked, bad JSON, a batch over
 * 1000) answered with a 4xx and counted, never crashing the server. Suite bench-smoke.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "fwd_target.h"
#include "test.h"

static int port;

static size_t sink(char *d, size_t sz, size_t n, void *u)
{
    char *b = u;
    size_t have = strlen(b), add = sz * n;
    if (have + add < 8192) {
        memcpy(b + have, d, add);
        b[have + add] = '\0';
    }
    return sz * n;
}

/* POST path with body and the given Authorization (NULL = the right one); status, reply in out. */
static long post(CURL *c, const char *path, const char *body, const char *auth, char out[8192])
{
    char url[256], ah[128];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
    snprintf(ah, sizeof(ah), "Authorization: %s", auth ? auth : "token k:s");
    struct curl_slist *h = curl_slist_append(NULL, ah);
    h = curl_slist_append(h, "Content-Type: application/json");
    out[0] = '\0';
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
    long st = 0;
    if (curl_easy_perform(c) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &st);
    curl_slist_free_all(h);
    return st;
}

/* Raw bytes on a new connection; the status of the answer (0 when none). */
static int raw(const char *req, size_t len)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0)
        return -1;
    size_t off = 0;
    while (off < len) {
        ssize_t w = send(fd, req + off, len - off, MSG_NOSIGNAL);
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    shutdown(fd, SHUT_WR); /* the end of the request: a truncated body ends here */
    struct timeval tv = {5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    char buf[256] = "";
    ssize_t r = recv(fd, buf, sizeof(buf) - 1, 0);
    close(fd);
    int st = 0;
    if (r > 12)
        sscanf(buf, "HTTP/1.1 %d", &st);
    return st;
}

#define SINGLE                                                                                     \
    "/api/method/"                                                                                 \
    "hrms.hr.doctype.employee_checkin.employee_checkin.add_log_based_on_employee_field"
#define BULK "/api/method/bench.api.receive_bulk_attendance_logs"

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    /* punch k: PIN k % 3 + 1 at 2025-01-01 00:00:00 + k s */
    fwd_target_config cfg = {
        .n = 10, .users = 3, .base_epoch = 1735689600, .latency_ms = 5, .key = "k", .secret = "s"};
    fwd_target *t = NULL;
    REQUIRE(fwd_target_start(&cfg, &t, &port) == 0 && port > 0, "target started");
    CURL *c = curl_easy_init();
    char out[8192];
    long st = post(c, SINGLE,
                   "{\"employee_field_value\":\"1\",\"timestamp\":\"2025-01-01 00:00:00\","
                   "\"log_type\":\"IN\"}",
                   NULL, out);
    CHECK_MSG(st == 200 && strstr(out, "\"name\""), "single: %ld %s", st, out);
    st = post(c, SINGLE, "{\"employee_field_value\":\"1\",\"timestamp\":\"2025-01-01 00:00:00\"}",
              NULL, out);
    CHECK_MSG(st == 417 && strstr(out, "already has a log") && strstr(out, "_server_messages"),
              "duplicate: %ld %s", st, out);
    st = post(c, SINGLE, "{\"employee_field_value\":\"2\",\"timestamp\":\"2025-01-01 00:00:00\"}",
              NULL, out);
    CHECK_MSG(st == 417 && strstr(out, "No Employee found"), "wrong PIN is foreign: %ld", st);
    st = post(c, SINGLE, "{\"employee_field_value\":2,\"timestamp\":\"2025-01-01 00:00:01\"}",
              "token k:wrong", out);
    CHECK_MSG(st == 401 && strstr(out, "AuthenticationError"), "bad token: %ld", st);
    st = post(c, SINGLE, "{\"employee_field_value\":2,\"timestamp\":\"2025-01-01 00:00:01\"}", NULL,
              out);
    CHECK_MSG(st == 200, "an integer PIN: %ld", st);
    st = post(c, BULK,
              "{\"logs\":[{\"employee_id\":\"3\",\"timestamp\":\"2025-01-01 00:00:02\"},"
              "{\"employee_id\":\"1\",\"timestamp\":\"2025-01-01 00:00:03\"},"
              "{\"employee_id\":\"1\",\"timestamp\":\"2025-01-01 00:00:03\"},"
              "{\"employee_id\":\"1\",\"timestamp\":\"2025-01-01 00:00:99\"},"
              "{\"employee_id\":\"1\",\"timestamp\":\"2025-01-01 01:00:03\"}]}",
              NULL, out);
    json_t *j = json_loads(out, 0, NULL);
    json_t *m = json_object_get(j, "message");
    CHECK_MSG(st == 200 && json_integer_value(json_object_get(m, "processed")) == 2 &&
                  json_integer_value(json_object_get(m, "failed")) == 3 &&
                  json_array_size(json_object_get(m, "results")) == 5,
              "bulk: %ld %s", st, out);
    json_decref(j);
    st = post(c, BULK, "{\"logs\":[]}", NULL, out);
    CHECK_MSG(st == 417, "empty batch: %ld", st);
    st = post(c, BULK, "{\"logs\":", NULL, out);
    CHECK_MSG(st == 417, "bad JSON: %ld", st);
    {
        size_t cap = 1001 * 64 + 32, n = 0;
        char *big = malloc(cap);
        REQUIRE(big, "memory");
        n += (size_t)snprintf(big, cap, "{\"logs\":[");
        for (int i = 0; i < 1001; i++)
            n += (size_t)snprintf(big + n, cap - n, "%s{\"employee_id\":\"1\"}", i ? "," : "");
        snprintf(big + n, cap - n, "]}");
        st = post(c, BULK, big, NULL, out);
        CHECK_MSG(st == 417 && strstr(out, "1000"), "1001 logs: %ld", st);
        free(big);
    }
    st = post(c, "/api/method/bench.api.test_connection", "{}", NULL, out);
    CHECK_MSG(st == 200 && strstr(out, "success"), "test_connection: %ld", st);
    long conns = 0;
    curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &conns);
    CHECK_MSG(conns == 0, "keep-alive: the last call reused the connection (%ld new)", conns);

    /* malformed requests */
    char *head = malloc(20000);
    REQUIRE(head, "memory");
    memset(head, 'a', 20000);
    memcpy(head, "POST / HTTP/1.1\r\nX: ", 20);
    CHECK_MSG(raw(head, 20000) == 431, "a head past 16 KiB: 431");
    free(head);
    static const char cl[] = "POST " BULK " HTTP/1.1\r\nContent-Length: -5\r\n\r\n";
    CHECK_MSG(raw(cl, sizeof(cl) - 1) == 413, "a negative Content-Length");
    static const char huge[] = "POST " BULK " HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\n";
    CHECK_MSG(raw(huge, sizeof(huge) - 1) == 413, "a Content-Length past 16 MiB");
    static const char ch[] = "POST " BULK " HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
    CHECK_MSG(raw(ch, sizeof(ch) - 1) == 400, "chunked");
    static const char junk[] = "GARBAGE\r\n\r\n";
    CHECK_MSG(raw(junk, sizeof(junk) - 1) == 400, "no request line");
    static const char trunc[] = "POST " BULK " HTTP/1.1\r\nContent-Length: 50\r\n\r\n{\"lo";
    CHECK_MSG(raw(trunc, sizeof(trunc) - 1) == 0, "a truncated body: no answer, no crash");

    fwd_target_stats s;
    fwd_target_stats_get(t, &s);
    CHECK_MSG(s.arrived == 4 && s.duplicates == 2 && s.strays == 3 && s.bulk_requests == 1 &&
                  s.max_batch == 5,
              "counters: arrived %ld dup %ld strays %ld bulk %ld max %ld", s.arrived, s.duplicates,
              s.strays, s.bulk_requests, s.max_batch);
    CHECK_MSG(s.errors >= 9, "bad requests counted (%ld)", s.errors);
    CHECK(fwd_target_arrival(t, 0) > 0 && fwd_target_arrival(t, 3) > 0 &&
          fwd_target_arrival(t, 4) == 0 && fwd_target_arrival(t, 99) == 0);
    curl_easy_cleanup(c);
out:
    fwd_target_stop(t);
    curl_global_cleanup();
    return TEST_DONE();
}
