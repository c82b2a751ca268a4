/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `zkbio bench api --scenario biotime`: GET /iclock/api/transactions/ (the BioTime-compatible
 * API, docs/biotime-api.md) over many stored punches.
 *
 * Load: as the attendance scenario (bench_api_att.c): M punches (default 1,000,000) from D PUSH
 * terminals (AB<tag>0001..) and U users (PINs 1..U) through zkbiod's PUSH ingest, 100 per POST;
 * punch k is PIN k % U + 1 at 2025-01-01 00:00:00 + k * step seconds (one year of history).
 *
 * Queries, pages of 100 (page_size=100), BioTime's page numbers: for each mix, K keep-alive
 * connections send N requests each, the filter's values and the page drawn at random (seeded):
 *   none          no filter, page 1..50
 *   emp_code      one user, a page of theirs
 *   terminal_sn   one terminal, page 1..20 (at most half its expected pages)
 *   range         start_time/end_time of one day, page 1..(its pages)
 *   sn+range      one terminal and one week
 *   emp+range     one user and one month, ordering=punch_time
 *   walk          one terminal's list followed page after page through `next`, verbatim
 *   deep          no filter, a page in the second half of the list (an OFFSET of 500,000 rows)
 * Each round trip is timed (request sent to the reply's last byte); every reply is checked: 200,
 * the envelope, at most 100 rows, each inside the filter. The count of this run's terminals
 * (terminal_sn_icontains=AB<tag>) must equal M.
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

#define PAGE      100
#define YEAR_S    31536000L
#define TARGET_MS 50.0
#define TX_PATH   "/iclock/api/transactions/"

enum { Q_NONE, Q_EMP, Q_SN, Q_RANGE, Q_SN_RANGE, Q_EMP_RANGE, Q_WALK, Q_DEEP, Q_COUNT };
static const char *const mix_names[Q_COUNT] = {"none",     "emp_code",  "terminal_sn", "range",
                                               "sn+range", "emp+range", "walk",        "deep"};

typedef struct bt_ctx {
    const api_opts *o;
    long step;
    const char *token;
    int port;
} bt_ctx;

/* ---- querying -------------------------------------------------------------------------------- */

static unsigned rnd(unsigned *s)
{
    *s = *s * 1103515245u + 12345u;
    return (*s >> 8) & 0xFFFFFFu;
}

typedef struct query {
    char path[1024];
    char sn[24], pin[16], from[20], to[20];
} query;

typedef struct worker {
    api_worker base; /* first: what the pool reads */
    const bt_ctx *a;
    int mix;
    query walk; /* the walk in progress (path "" = start one) */
} worker;

static long pages_of(long rows)
{
    return rows <= 0 ? 1 : (rows + PAGE - 1) / PAGE;
}

static long pick_page(unsigned *seed, long pages)
{
    return pages <= 1 ? 1 : (long)(rnd(seed) % (unsigned)pages) + 1;
}

static void make_query(worker *w, query *q)
{
    const bt_ctx *a = w->a;
    const api_opts *o = a->o;
    unsigned *seed = &w->base.seed;
    memset(q, 0, sizeof(*q));
    long per_user = o->stored / o->users, per_sn = o->stored / o->devices;
    long covered = o->stored * a->step / 86400L; /* whole days holding punches (<= 365) */
    if (covered < 31)
        covered = 31;
    long per_day = o->stored / covered;
    int m = w->mix;
    if (m == Q_WALK && w->walk.path[0]) {
        *q = w->walk;
        return;
    }
    if (m == Q_SN || m == Q_SN_RANGE || m == Q_WALK)
        snprintf(q->sn, sizeof(q->sn), "AB%.6s%04u", o->tag, rnd(seed) % (unsigned)o->devices + 1);
    if (m == Q_EMP || m == Q_EMP_RANGE)
        snprintf(q->pin, sizeof(q->pin), "%u", rnd(seed) % (unsigned)o->users + 1);
    long days = m == Q_RANGE ? 1 : m == Q_SN_RANGE ? 7 : m == Q_EMP_RANGE ? 30 : 0;
    if (days) {
        long day = (long)(rnd(seed) % (unsigned)(covered - days));
        api_fmt_time(API_LOAD_BASE_EPOCH + day * 86400L, q->from);
        api_fmt_time(API_LOAD_BASE_EPOCH + (day + days) * 86400L - 1, q->to);
    }
    long page = 1;
    switch (m) {
    case Q_NONE:
        page = pick_page(seed, pages_of(o->stored) < 50 ? pages_of(o->stored) : 50);
        break;
    case Q_EMP:
        page = pick_page(seed, pages_of(per_user));
        break;
    case Q_SN: /* terminals get uneven shares (the connections decide): half its pages are safe */
        page = pick_page(seed, pages_of(per_sn) / 2 < 20 ? pages_of(per_sn) / 2 : 20);
        break;
    case Q_RANGE:
        page = pick_page(seed, pages_of(per_day) - 1);
        break;
    case Q_DEEP: {
        long pages = pages_of(o->stored);
        page = pages / 2 + pick_page(seed, pages / 2 - 1);
        break;
    }
    default:
        break;
    }
    int n = snprintf(q->path, sizeof(q->path), TX_PATH "?page_size=%d", PAGE);
    if (page > 1)
        n += snprintf(q->path + n, sizeof(q->path) - (size_t)n, "&page=%ld", page);
    if (q->pin[0])
        n += snprintf(q->path + n, sizeof(q->path) - (size_t)n, "&emp_code=%s", q->pin);
    if (q->sn[0])
        n += snprintf(q->path + n, sizeof(q->path) - (size_t)n, "&terminal_sn=%s", q->sn);
    if (q->from[0]) /* BioTime's own example form: "2022-07-04 10:00:00", the space encoded */
        n += snprintf(q->path + n, sizeof(q->path) - (size_t)n,
                      "&start_time=%.10s%%20%s&end_time=%.10s%%20%s", q->from, q->from + 11, q->to,
                      q->to + 11);
    if (m == Q_EMP_RANGE)
        snprintf(q->path + n, sizeof(q->path) - (size_t)n, "&ordering=punch_time");
}

static int row_matches(json_t *row, const query *q)
{
    const char *sn = json_string_value(json_object_get(row, "terminal_sn"));
    const char *pin = json_string_value(json_object_get(row, "emp_code"));
    const char *t = json_string_value(json_object_get(row, "punch_time"));
    if (!sn || !pin || !t || !json_is_string(json_object_get(row, "punch_state")) ||
        !json_is_integer(json_object_get(row, "verify_type")))
        return 0;
    if (q->sn[0] && strcmp(sn, q->sn))
        return 0;
    if (q->pin[0] && strcmp(pin, q->pin))
        return 0;
    if (q->from[0] && (strcmp(t, q->from) < 0 || strcmp(t, q->to) > 0))
        return 0;
    return 1;
}

static void fail(worker *w, const query *q, const char *why)
{
    w->base.errors++;
    if (!w->base.first_error[0])
        snprintf(w->base.first_error, sizeof(w->base.first_error), "%.120s: %.110s", q->path, why);
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    api_http h;
    if (api_http_init(&h, w->a->port, w->a->token) != 0) {
        w->base.errors = w->base.n;
        api_http_free(&h);
        return NULL;
    }
    char prefix[64];
    snprintf(prefix, sizeof(prefix), "http://127.0.0.1:%d/", w->a->port);
    for (long i = 0; i < w->base.n && !cli_stopped(); i++) {
        query q;
        make_query(w, &q);
        int rc = api_http_call(&h, "GET", q.path, NULL, w->a->o->timeout_s);
        w->base.ms[w->base.done++] = h.ms;
        json_t *j = rc == 0 && h.status == 200 ? api_http_json(&h) : NULL;
        json_t *rows = json_object_get(j, "data");
        if (!json_is_array(rows) || json_array_size(rows) > PAGE ||
            !json_is_integer(json_object_get(j, "count")) ||
            json_integer_value(json_object_get(j, "code")) != 0) {
            char d[160];
            fail(w, &q, j ? "not a list envelope of at most 100 rows" : api_describe(&h, d, 160));
            json_decref(j);
            w->walk.path[0] = '\0';
            continue;
        }
        size_t nr = json_array_size(rows);
        w->base.rows += (long)nr;
        for (size_t k = 0; k < nr; k++)
            if (!row_matches(json_array_get(rows, k), &q)) {
                fail(w, &q, "a row outside the filter");
                break;
            }
        if (w->mix == Q_WALK) { /* next, verbatim: an absolute URL of this server */
            const char *next = json_string_value(json_object_get(j, "next"));
            w->walk.path[0] = '\0';
            if (next && strncmp(next, prefix, strlen(prefix)) == 0) {
                w->walk = q;
                snprintf(w->walk.path, sizeof(w->walk.path), "/%s", next + strlen(prefix));
            } else if (next) {
                fail(w, &q, "next is not an absolute URL of this server");
            }
        }
        json_decref(j);
    }
    api_http_free(&h);
    return NULL;
}

static int run_mix(const bt_ctx *a, int m, api_pool_result *mr)
{
    long k = a->o->connections;
    worker *w = calloc((size_t)k, sizeof(*w));
    if (!w) {
        memset(mr, 0, sizeof(*mr));
        return -1;
    }
    for (long i = 0; i < k; i++) {
        w[i].a = a;
        w[i].mix = m;
    }
    int rc = api_pool_run(w, sizeof(*w), k, a->o->requests, (unsigned)m, worker_main, mr);
    free(w);
    return rc;
}

int api_run_biotime(const api_opts *o, json_t *out)
{
    api_server srv;
    if (api_server_start(o, NULL, 0, &srv) != 0) {
        api_server_stop(o, &srv);
        return 2;
    }
    bt_ctx a = {o, YEAR_S / o->stored > 0 ? YEAR_S / o->stored : 1, srv.token, srv.port};
    int status = 0;
    json_t *js = json_object();
    json_object_set_new(out, "biotime", js);
    json_object_set_new(js, "stored_target", json_integer(o->stored));
    json_object_set_new(js, "devices", json_integer(o->devices));
    json_object_set_new(js, "users", json_integer(o->users));
    json_object_set_new(js, "connections", json_integer(o->connections));
    json_object_set_new(js, "requests_per_connection", json_integer(o->requests));
    if (!o->json)
        fprintf(stderr, "zkbio bench api: biotime: storing %ld punches through PUSH...\n",
                o->stored);
    double load_s = 0, load_rate = 0;
    if (api_load_punches(a.o, a.port, a.step, "biotime", &load_s, &load_rate) != 0) {
        status = 1;
        goto out;
    }
    json_object_set_new(js, "load_seconds", json_real(load_s));
    json_object_set_new(js, "load_records_per_s", json_real(load_rate));
    api_http h;
    long long stored = -1;
    char cpath[96]; /* this run's terminals only: a kept MariaDB may hold earlier runs' punches */
    snprintf(cpath, sizeof(cpath), TX_PATH "?page_size=1&terminal_sn_icontains=AB%s", o->tag);
    if (api_http_init(&h, srv.port, srv.token) == 0 &&
        api_http_call(&h, "GET", cpath, NULL, o->timeout_s) == 0 && h.status == 200) {
        json_t *j = api_http_json(&h);
        stored = api_int(j, "count");
        json_decref(j);
    }
    api_http_free(&h);
    json_object_set_new(js, "stored", stored >= 0 ? json_integer(stored) : json_null());
    if (stored != o->stored) {
        fprintf(stderr, "zkbio bench api: biotime: the list counts %lld punches, %ld sent\n",
                stored, o->stored);
        status = 1;
    }
    if (!o->json) {
        printf("zkbio bench api: biotime: GET " TX_PATH ", pages of %d, over %ld punches (%ld "
               "terminals x %ld users, one year; stored through PUSH in %.1f s)\n",
               PAGE, o->stored, o->devices, o->users, load_s);
        printf("%ld keep-alive connections x %ld requests per mix; target p99 <= %.0f ms\n",
               o->connections, o->requests, TARGET_MS);
        printf("%-12s %8s %9s %9s %9s %9s %9s %7s\n", "mix", "requests", "req/s", "p50 ms",
               "p99 ms", "max ms", "rows/page", "errors");
        fflush(stdout);
    }
    json_t *jm = json_array();
    json_object_set_new(js, "mixes", jm);
    double worst = 0, worst_shallow = 0;
    for (int m = 0; m < Q_COUNT && !cli_stopped(); m++) {
        api_pool_result mr;
        if (run_mix(&a, m, &mr) != 0) {
            status = 1;
            break;
        }
        if (mr.errors) {
            fprintf(stderr, "zkbio bench api: biotime: %s: %ld errors; first: %s\n", mix_names[m],
                    mr.errors, mr.first_error);
            status = 1;
        }
        if (mr.p99 > worst)
            worst = mr.p99;
        if (m != Q_DEEP && mr.p99 > worst_shallow)
            worst_shallow = mr.p99;
        double rpp = mr.requests ? (double)mr.rows / (double)mr.requests : 0;
        double rps = mr.seconds > 0 ? (double)mr.requests / mr.seconds : 0;
        json_t *e =
            json_pack("{s:s,s:I,s:f,s:f,s:f,s:f,s:f,s:I}", "mix", mix_names[m], "requests",
                      (json_int_t)mr.requests, "req_per_s", rps, "p50_ms", mr.p50, "p99_ms", mr.p99,
                      "max_ms", mr.max, "rows_per_page", rpp, "errors", (json_int_t)mr.errors);
        json_array_append_new(jm, e);
        if (!o->json) {
            printf("%-12s %8ld %9.0f %9.3f %9.3f %9.3f %9.1f %7ld\n", mix_names[m], mr.requests,
                   rps, mr.p50, mr.p99, mr.max, rpp, mr.errors);
            fflush(stdout);
        }
    }
    json_object_set_new(js, "worst_p99_ms", json_real(worst));
    json_object_set_new(js, "worst_p99_without_deep_ms", json_real(worst_shallow));
    json_object_set_new(js, "target_p99_ms", json_real(TARGET_MS));
    json_object_set_new(js, "target_met", json_boolean(worst <= TARGET_MS));
    if (!o->json)
        printf("worst p99 %.3f ms (%.3f ms without the deep pages): target p99 <= %.0f ms %s\n",
               worst, worst_shallow, TARGET_MS, api_verdict(worst <= TARGET_MS));
out:
    if (api_server_stop(o, &srv) != 0 && status == 0)
        status = 1;
    json_object_set_new(js, "errors", json_boolean(status != 0));
    return status;
}
