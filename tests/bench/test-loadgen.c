/* SPDX-License-Identifier: Apache-2.0 */
/* The bench load generator's response parser and histogram, including hostile input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loadgen.h"

#include "../support/test.h"

/* Feeds s in chunks of `step` bytes; returns the final result and the bytes consumed. */
static int feed(lg_resp *r, const char *s, size_t len, size_t step, size_t *consumed)
{
    lg_resp_reset(r);
    size_t pos = 0;
    *consumed = 0;
    while (pos < len) {
        size_t n = len - pos < step ? len - pos : step;
        size_t used = 0;
        int rc = lg_resp_feed(r, s + pos, n, &used);
        CHECK(used <= n);
        pos += used;
        *consumed = pos;
        if (rc != LG_MORE)
            return rc;
        if (used < n)
            return LG_ERR; /* MORE must consume everything */
    }
    return LG_MORE;
}

static void test_ok(void)
{
    static const char resp[] =
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\ncontent-length: 7\r\n"
        "Date: Sun, 01 Jan 2024 00:00:00 GMT\r\n\r\nOK: 100";
    for (size_t step = 1; step <= sizeof(resp); step++) {
        lg_resp r;
        size_t used;
        int rc = feed(&r, resp, sizeof(resp) - 1, step, &used);
        CHECK(rc == LG_DONE);
        CHECK(used == sizeof(resp) - 1);
        CHECK(r.status == 200);
        CHECK(!r.close);
        CHECK(strcmp(r.body, "OK: 100") == 0);
    }
    /* a following response stays unconsumed */
    static const char two[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOKHTTP/1.1";
    lg_resp r;
    size_t used;
    CHECK(feed(&r, two, sizeof(two) - 1, sizeof(two), &used) == LG_DONE);
    CHECK(used == sizeof(two) - 1 - 8);
}

static void test_close_and_http10(void)
{
    lg_resp r;
    size_t used;
    static const char c1[] =
        "HTTP/1.1 503 Busy\r\nConnection: keep-alive, Close\r\nContent-Length: 0\r\n\r\n";
    CHECK(feed(&r, c1, sizeof(c1) - 1, 5, &used) == LG_DONE);
    CHECK(r.status == 503 && r.close);
    static const char c2[] = "HTTP/1.0 200 OK\r\n\r\nOK";
    CHECK(feed(&r, c2, sizeof(c2) - 1, 3, &used) == LG_MORE);
    CHECK(r.close);
    CHECK(lg_resp_eof(&r) == LG_DONE);
    CHECK(strcmp(r.body, "OK") == 0);
    static const char c3[] = "HTTP/1.1 204 No Content\r\n\r\n";
    CHECK(feed(&r, c3, sizeof(c3) - 1, 100, &used) == LG_DONE);
    lg_resp_reset(&r);
    CHECK(lg_resp_eof(&r) == LG_ERR);
}

static void test_hostile(void)
{
    static const char *const bad[] = {
        "HTTP/2 200 OK\r\n\r\n",
        "HTTP/1.1 2x0 OK\r\n\r\n",
        "HTTP/1.1 100 Continue\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
        "HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
        "HTTP/1.1 200 OK\r\n: empty name\r\n\r\n",
        "garbage\r\n\r\n",
        "\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        lg_resp r;
        size_t used;
        CHECK(feed(&r, bad[i], strlen(bad[i]), 1, &used) == LG_ERR);
        CHECK(r.err != NULL);
    }
    /* an endless head */
    char *big = malloc(3 * LG_HDR_MAX);
    memcpy(big, "HTTP/1.1 200 OK\r\nX: ", 20);
    memset(big + 20, 'a', 3 * LG_HDR_MAX - 20);
    lg_resp r;
    size_t used;
    CHECK(feed(&r, big, 3 * LG_HDR_MAX, 1000, &used) == LG_ERR);
    CHECK(used <= LG_HDR_MAX);
    /* random bytes never crash the parser (run under ASan/UBSan) */
    unsigned seed = 12345;
    for (int round = 0; round < 20000; round++) {
        size_t len = 1 + (seed = seed * 1103515245u + 12345u) % 200;
        static const char pre[] = "HTTP/1.1 200 OK\r\n";
        memcpy(big, pre, sizeof(pre) - 1);
        for (size_t k = sizeof(pre) - 1; k < len + sizeof(pre); k++) {
            seed = seed * 1103515245u + 12345u;
            static const char alphabet[] = "\r\n: 0123456789Content-Length,closeTransfer\t";
            big[k] = (seed >> 24) % 4 ? alphabet[(seed >> 16) % (sizeof(alphabet) - 1)]
                                      : (char)(seed >> 8);
        }
        int rc = feed(&r, big, len + sizeof(pre) - 1, 1 + round % 7, &used);
        CHECK(rc == LG_MORE || rc == LG_DONE || rc == LG_ERR);
        CHECK(r.blen <= LG_BODY_KEEP && r.hlen <= LG_HDR_MAX);
        if (rc == LG_MORE)
            (void)lg_resp_eof(&r);
    }
    free(big);
}

static void test_hist(void)
{
    lg_hist *h = calloc(1, sizeof(*h));
    CHECK(lg_hist_quantile(h, 0.99) == 0);
    for (uint64_t v = 1; v <= 100000; v++)
        lg_hist_add(h, v * 1000); /* 1 µs .. 100 ms */
    uint64_t p50 = lg_hist_quantile(h, 0.5), p99 = lg_hist_quantile(h, 0.99);
    CHECK(p50 > 48000000 && p50 < 52000000);
    CHECK(p99 > 96000000 && p99 < 102000000);
    CHECK(lg_hist_quantile(h, 1.0) <= 100000000);
    lg_hist *g = calloc(1, sizeof(*g));
    lg_hist_add(g, UINT64_MAX);
    lg_hist_add(g, 0);
    lg_hist_merge(h, g);
    CHECK(h->count == 100002 && h->max == UINT64_MAX);
    CHECK(lg_hist_quantile(g, 1.0) == UINT64_MAX || lg_hist_quantile(g, 1.0) > (UINT64_MAX / 2));
    free(g);
    free(h);
}

int main(void)
{
    test_ok();
    test_close_and_http10();
    test_hostile();
    test_hist();
    return TEST_DONE();
}
