/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `zkbio bench api --scenario attendance`: GET /api/v1/attendance over many stored punches.
 *
 * Load: M punches (default 1,000,000) from D PUSH terminals (AB<tag>0001.., default 20) and U users
 * (PINs 1..U, default 500) go through zkbiod's PUSH ingest (POST /iclock/cdata?table=ATTLOG, 100
 * per POST, one keep-alive connection per terminal) with the load generator of `bench push`:
 * the way punches really arrive, and fast (the group-committing writer). Punch k (0..M-1) is PIN
 * k % U + 1 at 2025-01-01 00:00:00 + k * step seconds, step = a year / M (at least 1 s): one year
 * of history, every punch unique. Which terminal sends which POST is up to the connections, so
 * every terminal has punches of every user all year round.
 *
 * Queries: for each filter, K keep-alive connections (threads) send N requests each, pages of 100
 * (limit=100) with the filter's values drawn at random (seeded), and the round trip of each is
 * timed (request sent to the last byte of the reply; parsing the reply is outside the timing).
 * Every reply is checked: 200, rows <= 100, and every row matching the filter.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <jansson.h>

#include "api_common.h"
#include "api_http.h"
#include "loadgen.h"
#include "util.h"

#define PAGE   100
#define YEAR_S 31536000L

/* The query parameters of GET /api/v1/attendance (the contract: device, user, from, to, keyset
 * cursor `after`, `limit`). */
#define P_DEVICE "device"
#define P_USER   "user"

enum { F_DEVICE, F_USER, F_RANGE, F_DEVICE_RANGE, F_NONE, F_DEEP, F_DEVICE_DEEP, F_COUNT };
static const char *const filter_names[F_COUNT] = {
    "device", "user", "range", "device+range", "none", "deep-keyset", "device+deep"};

#define DEEP_CURSORS 64

/* A cursor deep into a list, found honestly: the `next` of a one-row page that starts on a day in
 * the second half of the year (the API's cursors are opaque). */
typedef struct deep_cursor {
    char sn[24]; /* the device filter it belongs to ("" for none) */
    char after[96];
} deep_cursor;

typedef struct att_ctx {
    const api_opts *o;
    long step; /* seconds between punches */
    const char *token;
    int port;
    deep_cursor deep[2][DEEP_CURSORS]; /* [0] unfiltered, [1] with a device filter */
} att_ctx;

/* ---- querying
 * ------------------------------------------------------------------------------------
 */

typedef struct worker {
    api_worker base; /* first: what the pool reads */
    const att_ctx *a;
    int filter;
    long full_pages, mismatches;
} worker;

static unsigned rnd(unsigned *s)
{
    *s = *s * 1103515245u + 12345u;
    return (*s >> 8) & 0xFFFFFFu;
}

typedef struct query {
    char path[512];
    char sn[24], pin[16], from[20], to[20];
} query;

static void device_sn(const att_ctx *a, unsigned *seed, char out[24])
{
    snprintf(out, 24, "AB%.6s%04u", a->o->tag, rnd(seed) % (unsigned)a->o->devices + 1);
}

static void make_query(const att_ctx *a, int f, unsigned *seed, query *q)
{
    memset(q, 0, sizeof(*q));
    size_t n = (size_t)snprintf(q->path, sizeof(q->path), "/api/v1/attendance?limit=%d", PAGE);
    if (f == F_DEEP || f == F_DEVICE_DEEP) {
        const deep_cursor *c = &a->deep[f == F_DEVICE_DEEP][rnd(seed) % DEEP_CURSORS];
        if (c->sn[0]) {
            snprintf(q->sn, sizeof(q->sn), "%s", c->sn);
            n += (size_t)snprintf(q->path + n, sizeof(q->path) - n, "&" P_DEVICE "=%s", q->sn);
        }
        snprintf(q->path + n, sizeof(q->path) - n, "&after=%s", c->after);
        return;
    }
    if (f == F_DEVICE || f == F_DEVICE_RANGE) {
        device_sn(a, seed, q->sn);
        n += (size_t)snprintf(q->path + n, sizeof(q->path) - n, "&" P_DEVICE "=%s", q->sn);
    }
    if (f == F_USER) {
        snprintf(q->pin, sizeof(q->pin), "%u", rnd(seed) % (unsigned)a->o->users + 1);
        n += (size_t)snprintf(q->path + n, sizeof(q->path) - n, "&" P_USER "=%s", q->pin);
    }
    if (f == F_RANGE || f == F_DEVICE_RANGE) { /* one calendar day of the year */
        long day = (long)(rnd(seed) % 365u);
        api_fmt_time(API_LOAD_BASE_EPOCH + day * 86400L, q->from);
        api_fmt_time(API_LOAD_BASE_EPOCH + day * 86400L + 86399L, q->to);
        snprintf(q->path + n, sizeof(q->path) - n, "&from=%.10s&to=%.10s", q->from, q->to);
    }
}

/* The deep cursors: DEEP_CURSORS of each kind. 0, or -1 (said on stderr). */
static int find_deep_cursors(att_ctx *a, api_http *h)
{
    unsigned seed = 4242;
    for (int kind = 0; kind < 2; kind++) {
        for (int i = 0; i < DEEP_CURSORS; i++) {
            deep_cursor *c = &a->deep[kind][i];
            int more = 0;
            /* a day in the second third of the year; another when that one has no next page
             * (small runs: a terminal may have no punch after it) */
            for (int tries = 0; !more && tries < 50; tries++) {
                char day[20], path[256];
                api_fmt_time(API_LOAD_BASE_EPOCH + (long)(150 + rnd(&seed) % 100u) * 86400L, day);
                if (kind)
                    device_sn(a, &seed, c->sn);
                snprintf(path, sizeof(path), "/api/v1/attendance?limit=1&from=%.10s%s%s", day,
                         kind ? "&" P_DEVICE "=" : "", kind ? c->sn : "");
                if (api_http_call(h, "GET", path, NULL, a->o->timeout_s) != 0 || h->status != 200) {
                    char d[200];
                    fprintf(stderr, "zkbio bench api: attendance: GET %s: %s\n", path,
                            api_describe(h, d, sizeof(d)));
                    return -1;
                }
                json_t *j = api_http_json(h);
                more = api_next_cursor(api_data(j), c->after, sizeof(c->after));
                json_decref(j);
            }
            if (!more) {
                fprintf(stderr, "zkbio bench api: attendance: no page after the middle of the "
                                "year has a next page\n");
                return -1;
            }
        }
    }
    return 0;
}

/* A member of a row under one of its possible names. */
static const char *row_str(json_t *row, const char *const *names)
{
    for (; *names; names++) {
        const char *s = json_string_value(json_object_get(row, *names));
        if (s)
            return s;
    }
    return NULL;
}

static const char *const sn_names[] = {"sn", "device_sn", "serial_number", NULL};
static const char *const pin_names[] = {"pin", "user_id", NULL};
static const char *const time_names[] = {"time", "punch_time", "timestamp", NULL};

/* 1 when the row matches the query. */
static int row_matches(json_t *row, const query *q)
{
    if (q->sn[0]) {
        const char *s = row_str(row, sn_names);
        if (!s || strcmp(s, q->sn))
            return 0;
    }
    if (q->pin[0]) {
        const char *s = row_str(row, pin_names);
        if (!s || strcmp(s, q->pin))
            return 0;
    }
    if (q->from[0]) {
        const char *s = row_str(row, time_names);
        /* "YYYY-MM-DD HH:MM:SS" or ISO-8601 "YYYY-MM-DDTHH:MM:SS...": compare the digits */
        char t[20];
        if (!s || strlen(s) < 19)
            return 0;
        memcpy(t, s, 19);
        t[10] = ' ';
        t[19] = '\0';
        if (strcmp(t, q->from) < 0 || strcmp(t, q->to) > 0)
            return 0;
    }
    return 1;
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    api_http h;
    if (api_http_init(&h, w->a->port, w->a->token) != 0) {
        w->base.errors = w->base.n;
        snprintf(w->base.first_error, sizeof(w->base.first_error), "out of memory");
        api_http_free(&h);
        return NULL;
    }
    for (long i = 0; i < w->base.n && !cli_stopped(); i++) {
        query q;
        make_query(w->a, w->filter, &w->base.seed, &q);
        int rc = api_http_call(&h, "GET", q.path, NULL, w->a->o->timeout_s);
        w->base.done++;
        w->base.ms[i] = h.ms;
        json_t *j = rc == 0 && h.status == 200 ? api_http_json(&h) : NULL;
        json_t *rows = api_list_rows(api_data(j));
        if (!rows || json_array_size(rows) > PAGE) {
            w->base.errors++;
            if (!w->base.first_error[0]) {
                char d[160];
                snprintf(w->base.first_error, sizeof(w->base.first_error), "%.100s: %.90s", q.path,
                         rows ? "more rows than the limit" : api_describe(&h, d, sizeof(d)));
            }
            json_decref(j);
            continue;
        }
        size_t nr = json_array_size(rows);
        w->base.rows += (long)nr;
        w->full_pages += nr == PAGE;
        for (size_t k = 0; k < nr; k++) {
            if (!row_matches(json_array_get(rows, k), &q)) {
                w->mismatches++;
                if (!w->base.first_error[0]) {
                    char *s = json_dumps(json_array_get(rows, k), JSON_COMPACT);
                    snprintf(w->base.first_error, sizeof(w->base.first_error),
                             "%.90s: a row outside the filter: %.80s", q.path, s ? s : "?");
                    free(s);
                }
                break;
            }
        }
        json_decref(j);
    }
    api_http_free(&h);
    return NULL;
}

typedef struct filter_result {
    api_pool_result pool;
    long full_pages, mismatches;
} filter_result;

static int run_filter(const att_ctx *a, int f, filter_result *fr)
{
    memset(fr, 0, sizeof(*fr));
    long k = a->o->connections;
    worker *w = calloc((size_t)k, sizeof(*w));
    if (!w)
        return -1;
    for (long i = 0; i < k; i++) {
        w[i].a = a;
        w[i].filter = f;
    }
    int rc = api_pool_run(w, sizeof(*w), k, a->o->requests, (unsigned)f, worker_main, &fr->pool);
    for (long i = 0; i < k; i++) {
        fr->full_pages += w[i].full_pages;
        fr->mismatches += w[i].mismatches;
    }
    free(w);
    return rc;
}

int api_run_attendance(const api_opts *o, json_t *out)
{
    api_server srv;
    if (api_server_start(o, NULL, 0, &srv) != 0) {
        api_server_stop(o, &srv);
        return 2;
    }
    static att_ctx a; /* large (the cursors); one scenario at a time */
    memset(&a, 0, sizeof(a));
    a.o = o;
    a.step = YEAR_S / o->stored > 0 ? YEAR_S / o->stored : 1;
    a.token = srv.token;
    a.port = srv.port;
    int status = 0;
    json_t *js = json_object();
    json_object_set_new(out, "attendance", js);
    json_object_set_new(js, "stored_target", json_integer(o->stored));
    json_object_set_new(js, "devices", json_integer(o->devices));
    json_object_set_new(js, "users", json_integer(o->users));
    json_object_set_new(js, "connections", json_integer(o->connections));
    json_object_set_new(js, "requests_per_connection", json_integer(o->requests));
    if (!o->json)
        fprintf(stderr, "zkbio bench api: attendance: storing %ld punches through PUSH...\n",
                o->stored);
    double load_s = 0, load_rate = 0;
    if (api_load_punches(a.o, a.port, a.step, "attendance", &load_s, &load_rate) != 0) {
        status = 1;
        goto out;
    }
    json_object_set_new(js, "load_seconds", json_real(load_s));
    json_object_set_new(js, "load_records_per_s", json_real(load_rate));

    api_http h;
    long long stored = -1;
    if (api_http_init(&h, srv.port, srv.token) == 0) { /* this run's terminals, one by one */
        stored = 0;
        for (long d = 1; d <= o->devices && stored >= 0; d++) {
            char q[48];
            snprintf(q, sizeof(q), P_DEVICE "=AB%s%04ld", o->tag, d);
            long long c = api_count_attendance(&h, q, o->timeout_s, o->stored <= 200000);
            stored = c < 0 ? c : stored + c;
        }
    }
    char why[200] = "";
    if (stored == -2)
        api_describe(&h, why, sizeof(why));
    if (!why[0] && find_deep_cursors(&a, &h) != 0)
        snprintf(why, sizeof(why), "no deep cursors");
    api_http_free(&h);
    if (why[0]) {
        fprintf(stderr, "zkbio bench api: attendance: GET /api/v1/attendance: %s\n", why);
        status = 1;
        goto out;
    }
    json_object_set_new(js, "stored", stored >= 0 ? json_integer(stored) : json_null());
    if (stored >= 0 && stored != o->stored) {
        fprintf(stderr, "zkbio bench api: attendance: %lld punches stored, %ld sent\n", stored,
                o->stored);
        status = 1;
    }

    if (!o->json) {
        printf("zkbio bench api: attendance: GET /api/v1/attendance, pages of %d, over %ld punches "
               "(%ld terminals x %ld users, one year; stored through PUSH in %.1f s = %.0f "
               "punches/s; %s)\n",
               PAGE, o->stored, o->devices, o->users, load_s, load_rate,
               stored >= 0 ? "count checked" : "count: every POST acknowledged");
        printf("%ld keep-alive connections x %ld requests per filter; target p99 <= 20 ms\n",
               o->connections, o->requests);
        printf("%-13s %8s %9s %9s %9s %9s %9s %9s %7s\n", "filter", "requests", "req/s", "p50 ms",
               "p90 ms", "p99 ms", "max ms", "rows/page", "errors");
        fflush(stdout);
    }
    json_t *jf = json_array();
    json_object_set_new(js, "filters", jf);
    double worst_p99 = 0;
    for (int f = 0; f < F_COUNT && !cli_stopped(); f++) {
        filter_result fr;
        if (run_filter(&a, f, &fr) != 0) {
            fprintf(stderr, "zkbio bench api: attendance: out of memory\n");
            status = 1;
            break;
        }
        long errs = fr.pool.errors + fr.mismatches;
        if (errs) {
            fprintf(stderr, "zkbio bench api: attendance: %s: %ld errors; first: %s\n",
                    filter_names[f], errs, fr.pool.first_error);
            status = 1;
        }
        if (fr.pool.p99 > worst_p99)
            worst_p99 = fr.pool.p99;
        double rpp = fr.pool.requests ? (double)fr.pool.rows / (double)fr.pool.requests : 0;
        double rps = fr.pool.seconds > 0 ? (double)fr.pool.requests / fr.pool.seconds : 0;
        json_t *e = json_object();
        json_object_set_new(e, "filter", json_string(filter_names[f]));
        json_object_set_new(e, "requests", json_integer(fr.pool.requests));
        json_object_set_new(e, "req_per_s", json_real(rps));
        json_object_set_new(e, "p50_ms", json_real(fr.pool.p50));
        json_object_set_new(e, "p90_ms", json_real(fr.pool.p90));
        json_object_set_new(e, "p99_ms", json_real(fr.pool.p99));
        json_object_set_new(e, "max_ms", json_real(fr.pool.max));
        json_object_set_new(e, "mean_ms", json_real(fr.pool.mean));
        json_object_set_new(e, "rows_per_page", json_real(rpp));
        json_object_set_new(e, "full_pages", json_integer(fr.full_pages));
        json_object_set_new(e, "errors", json_integer(errs));
        json_array_append_new(jf, e);
        if (!o->json) {
            printf("%-13s %8ld %9.0f %9.3f %9.3f %9.3f %9.3f %9.1f %7ld\n", filter_names[f],
                   fr.pool.requests, rps, fr.pool.p50, fr.pool.p90, fr.pool.p99, fr.pool.max, rpp,
                   errs);
            fflush(stdout);
        }
    }
    json_object_set_new(js, "worst_p99_ms", json_real(worst_p99));
    json_object_set_new(js, "target_p99_ms", json_integer(20));
    json_object_set_new(js, "target_met", json_boolean(worst_p99 <= 20.0));
    if (!o->json)
        printf("worst p99 %.3f ms: target p99 <= 20 ms %s\n", worst_p99,
               api_verdict(worst_p99 <= 20.0));
out:
    if (api_server_stop(o, &srv) != 0 && status == 0)
        status = 1;
    json_object_set_new(js, "errors", json_boolean(status != 0));
    return status;
}
