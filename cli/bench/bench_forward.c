/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `zkbio bench forward`: zkbiod's forwarding of punches to ERPNext (issue 16) against a loopback
 * target inside the benchmark (fwd_target.c), each scenario with its own zkbiod (bench api's
 * launcher: loopback, port 0, a temporary data directory, a random admin token):
 *
 *  - bulk:     a forwarder of kind erpnext-realtime (receive_bulk_attendance_logs, batch 1000) is
 *              created and paused, N punches are stored through PUSH ingest (100 per POST, the
 *              load generator of `bench push`), the forwarder is resumed: punches per second from
 *              the resume to the last punch's arrival at the target (issue 16 target >= 20,000/s);
 *  - single:   the same with kind erpnext (one POST per punch, add_log_based_on_employee_field)
 *              and a target that takes 20 ms per answer; the forwarder's concurrency is the
 *              lever (target >= 400/s);
 *  - realtime: the forwarder (erpnext-realtime, batch 1000) runs while punches are uploaded one per
 *              PUSH POST at a steady rate; latency of each punch from the moment its upload is
 *              sent to its arrival at the target, p50/p90/p99/max (target p50 <= 500 ms).
 *
 * Every punch is checked at the target: each arrives once, none is foreign (fwd_target.h numbers
 * them: punch k is PIN k % users + 1 at BASE + k seconds). docs/bench-forward.md explains the
 * figures.
 */
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "api_common.h"
#include "api_http.h"
#include "bench_forward.h"
#include "fwd_target.h"
#include "loadgen.h"
#include "util.h"
#include "zkbiod_child.h"

#define PER_POST   100
#define BASE_EPOCH 1735689600L /* 2025-01-01 00:00:00 UTC */
#define KEY        "benchkey"
#define SECRET     "benchsecret"

typedef struct fwd_opts {
    api_opts a; /* the launcher's options (zkbiod, db, extra, json, keep_data, timeout_s) */
    long bulk_n, single_n, single_latency_ms, single_concurrency, bulk_concurrency;
    long rt_rate, users, devices;
    double rt_seconds;
} fwd_opts;

enum { SC_BULK = 1, SC_SINGLE = 2, SC_RT = 4 };

static void usage(FILE *f)
{
    fputs(
        "usage: zkbio bench forward [options]\n"
        "\n"
        "Measures zkbiod forwarding punches to ERPNext (issue 16) against a loopback target in "
        "this\n"
        "process; each scenario starts its own zkbiod.\n"
        "\n"
        "  --scenario S          bulk, single, realtime or all (default all; comma list)\n"
        "  --zkbiod PATH         the zkbiod to start (default: next to this program, then PATH)\n"
        "  --db DB               sqlite (default) or a mariadb:// URI\n"
        "  --zkbiod-arg ARG      one more argument for every zkbiod started (repeatable)\n"
        "  --json                machine-readable output (one JSON object)\n"
        "  --keep-data           keep the data directories\n"
        "  --timeout S           bound of each request and each wait (default 300)\n"
        "  --quick               small sizes for a smoke run (seconds)\n"
        "bulk (erpnext-realtime, batches of 1000):\n"
        "  --bulk-punches N      punches (default 200000; a multiple of 100)\n"
        "  --bulk-concurrency C  the forwarder's concurrency (default 4)\n"
        "single (erpnext, one request per punch):\n"
        "  --single-punches N    punches (default 10000; a multiple of 100)\n"
        "  --latency-ms L        the target's time per answer (default 20)\n"
        "  --concurrency C       the forwarder's concurrency (default 16)\n"
        "realtime (erpnext-realtime while punches arrive):\n"
        "  --rate R              punches per second uploaded (default 100)\n"
        "  --seconds S           how long (default 20)\n"
        "  --users U             PINs 1..U (default 500); --devices D PUSH terminals (default 10)\n"
        "\n"
        "Exit status: 0 no errors, 1 an error (a punch lost, duplicated or foreign, a failed "
        "request),\n"
        "2 usage or start-up failure (also: this zkbiod has no /api/v1/forwarders). A target "
        "missed\n"
        "is reported, not an error.\n",
        f);
}

/* ---- one scenario's world: the target, zkbiod, an admin client ------------------------------- */

typedef struct world {
    fwd_target *t;
    int tport;
    api_server s;
    api_http h;
    long long fid;
    int unsupported; /* POST /api/v1/forwarders answered 404 */
} world;

static int world_start(const fwd_opts *o, world *w, long n, int latency_ms)
{
    memset(w, 0, sizeof(*w));
    fwd_target_config c = {.n = n,
                           .users = o->users,
                           .base_epoch = BASE_EPOCH,
                           .latency_ms = latency_ms,
                           .key = KEY,
                           .secret = SECRET};
    if (fwd_target_start(&c, &w->t, &w->tport) != 0) {
        fprintf(stderr, "zkbio bench forward: cannot start the target: %s\n", strerror(errno));
        return -1;
    }
    if (api_server_start(&o->a, NULL, 0, &w->s) != 0)
        return -1;
    if (api_http_init(&w->h, w->s.port, w->s.token) != 0)
        return -1;
    return 0;
}

static int world_stop(const fwd_opts *o, world *w)
{
    if (w->fid > 0) { /* a persistent database (--db mariadb://) keeps no stale forwarder */
        char path[64];
        snprintf(path, sizeof(path), "/api/v1/forwarders/%lld", w->fid);
        if (api_http_call(&w->h, "DELETE", path, NULL, o->a.timeout_s) != 0 || w->h.status >= 300)
            fprintf(stderr, "zkbio bench forward: DELETE %s: HTTP %ld\n", path, w->h.status);
    }
    api_http_free(&w->h);
    int rc = api_server_stop(&o->a, &w->s);
    fwd_target_stop(w->t);
    w->t = NULL;
    return rc;
}

/* POST /api/v1/forwarders; 0 with w->fid, or -1 (w->unsupported on 404). */
static int create_forwarder(const fwd_opts *o, world *w, const char *kind, const char *settings)
{
    char body[1024], d[256];
    snprintf(body, sizeof(body),
             "{\"name\":\"bench-%s-%s\",\"kind\":\"%s\",\"url\":\"http://127.0.0.1:%d\","
             "\"settings\":{\"api_key\":\"" KEY "\",\"api_secret\":\"" SECRET "\",%s}}",
             kind, o->a.tag, kind, w->tport, settings);
    if (api_http_call(&w->h, "POST", "/api/v1/forwarders", body, o->a.timeout_s) != 0 ||
        w->h.status != 201) {
        w->unsupported = w->h.status == 404 || w->h.status == 405;
        fprintf(stderr, "zkbio bench forward: POST /api/v1/forwarders: %s%s\n",
                api_describe(&w->h, d, sizeof(d)),
                w->unsupported ? " (this zkbiod has no /api/v1/forwarders)" : "");
        return -1;
    }
    json_t *j = api_http_json(&w->h);
    w->fid = api_int(api_data(j), "id");
    json_decref(j);
    return w->fid > 0 ? 0 : -1;
}

static int forwarder_op(const fwd_opts *o, world *w, const char *op)
{
    char path[96], d[256];
    snprintf(path, sizeof(path), "/api/v1/forwarders/%lld/%s", w->fid, op);
    if (api_http_call(&w->h, "POST", path, NULL, o->a.timeout_s) == 0 && w->h.status < 300)
        return 0;
    fprintf(stderr, "zkbio bench forward: POST %s: %s\n", path, api_describe(&w->h, d, sizeof(d)));
    return -1;
}

/* The forwarder's stats object (new reference) or NULL. */
static json_t *forwarder_stats(const fwd_opts *o, world *w)
{
    char path[64];
    snprintf(path, sizeof(path), "/api/v1/forwarders/%lld", w->fid);
    if (api_http_call(&w->h, "GET", path, NULL, o->a.timeout_s) != 0 || w->h.status != 200)
        return NULL;
    json_t *j = api_http_json(&w->h);
    json_t *s = json_incref(json_object_get(api_data(j), "stats"));
    json_decref(j);
    return s;
}

/* ---- punches --------------------------------------------------------------------------------- */

static void fmt_time(long k, char out[20])
{
    time_t t = (time_t)(BASE_EPOCH + k);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 20, "%Y-%m-%d %H:%M:%S", &tm);
}

typedef struct load_ud {
    const fwd_opts *o;
    char host[32];
    char sn[16]; /* the terminals' SN prefix: F<scenario letter><run tag> */
} load_ud;

/* POST number seq: punches seq*100 .. seq*100+99 (state alternating 0/1: IN/OUT). */
static size_t build_post(void *ud, unsigned device, uint64_t seq, char *buf, size_t cap)
{
    const load_ud *l = ud;
    char body[PER_POST * 48];
    size_t n = 0;
    for (unsigned j = 0; j < PER_POST; j++) {
        long k = (long)seq * PER_POST + (long)j;
        char ts[20];
        fmt_time(k, ts);
        int w = snprintf(body + n, sizeof(body) - n, "%ld\t%s\t%ld\t1\t0\t0\t0\n",
                         k % l->o->users + 1, ts, k % 2);
        if (w < 0 || (size_t)w >= sizeof(body) - n)
            return 0;
        n += (size_t)w;
    }
    int h = snprintf(buf, cap,
                     "POST /iclock/cdata?SN=%s%04u&table=ATTLOG&Stamp=1 HTTP/1.1\r\n"
                     "Host: %s\r\nUser-Agent: iClock Proxy/1.09\r\nContent-Type: text/plain\r\n"
                     "Content-Length: %zu\r\n\r\n",
                     l->sn, device % (unsigned)l->o->devices + 1, l->host, n);
    if (h < 0 || (size_t)h + n > cap)
        return 0;
    memcpy(buf + h, body, n);
    return (size_t)h + n;
}

/* Store punches 0..n-1 through PUSH ingest; 0 or -1 (said). *secs = how long it took. */
static int load(const fwd_opts *o, const world *w, long n, char letter, double *secs)
{
    load_ud ud = {o, "", ""};
    snprintf(ud.sn, sizeof(ud.sn), "F%c%s", letter, o->a.tag);
    snprintf(ud.host, sizeof(ud.host), "127.0.0.1:%d", w->s.port);
    lg_phase p;
    memset(&p, 0, sizeof(p));
    struct sockaddr_in *sin = (struct sockaddr_in *)&p.addr;
    sin->sin_family = AF_INET;
    sin->sin_port = htons((uint16_t)w->s.port);
    sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    p.addrlen = sizeof(*sin);
    p.threads = 1;
    p.devices = (unsigned)o->devices;
    p.connections = p.devices;
    p.max_requests = (uint64_t)(n / PER_POST);
    p.seconds = 3600;
    p.drain_s = (double)o->a.timeout_s;
    p.timeout_s = (double)o->a.timeout_s;
    p.req_cap = 1024 + PER_POST * 48;
    p.build = build_post;
    p.ud = &ud;
    p.expect_body = "OK: 100";
    p.records_per_request = PER_POST;
    lg_result r;
    double t0 = cli_now_s();
    if (lg_run(&p, &r) != 0) {
        perror("zkbio bench forward: load");
        return -1;
    }
    *secs = cli_now_s() - t0;
    if (r.errors || r.ok_total != p.max_requests) {
        fprintf(stderr, "zkbio bench forward: load: %llu of %llu POSTs acknowledged (first: %s)\n",
                (unsigned long long)r.ok_total, (unsigned long long)p.max_requests, r.first_error);
        return -1;
    }
    return 0;
}

/* Wait until the target holds n punches (or the timeout, or nothing new for timeout_s). 0 when
 * all arrived. */
static int wait_arrived(const fwd_opts *o, world *w, long n, fwd_target_stats *st)
{
    double last_change = cli_now_s();
    long before = -1;
    for (;;) {
        fwd_target_stats_get(w->t, st);
        if (st->arrived >= n)
            return 0;
        double now = cli_now_s();
        if (st->arrived != before) {
            before = st->arrived;
            last_change = now;
        }
        if (now - last_change > (double)o->a.timeout_s || cli_stopped()) {
            fprintf(stderr, "zkbio bench forward: %ld of %ld punches reached the target\n",
                    st->arrived, n);
            return -1;
        }
        api_sleep_ms(5);
    }
}

/* Errors the target saw: duplicates, strays, bad requests. 0 when none (else said). */
static int target_clean(const char *what, const fwd_target_stats *st)
{
    if (!st->duplicates && !st->strays && !st->errors)
        return 0;
    fprintf(stderr,
            "zkbio bench forward: %s: %ld duplicates, %ld foreign logs, %ld bad requests "
            "at the target\n",
            what, st->duplicates, st->strays, st->errors);
    return -1;
}

/* ---- bulk and single: a backlog drained ------------------------------------------------------ */

static int run_backlog(const fwd_opts *o, int bulk, json_t *out)
{
    const char *name = bulk ? "bulk" : "single";
    long n = bulk ? o->bulk_n : o->single_n;
    double target = bulk ? 20000 : 400;
    world w;
    int rc = 2;
    json_t *fs = NULL;
    if (world_start(o, &w, n, bulk ? 0 : (int)o->single_latency_ms) != 0)
        goto out;
    char settings[256];
    if (bulk)
        snprintf(settings, sizeof(settings),
                 "\"method_path\":\"bench.api\",\"batch\":1000,\"concurrency\":%ld,"
                 "\"timeout_s\":60",
                 o->bulk_concurrency);
    else
        snprintf(settings, sizeof(settings),
                 "\"app\":\"hrms\",\"concurrency\":%ld,\"timeout_s\":10", o->single_concurrency);
    if (create_forwarder(o, &w, bulk ? "erpnext-realtime" : "erpnext", settings) != 0 ||
        forwarder_op(o, &w, "pause") != 0)
        goto out;
    double load_s = 0;
    rc = 1;
    if (load(o, &w, n, bulk ? 'B' : 'S', &load_s) != 0)
        goto out;
    fwd_target_stats st;
    fwd_target_stats_get(w.t, &st);
    if (st.arrived) {
        fprintf(stderr, "zkbio bench forward: %s: %ld punches sent while paused\n", name,
                st.arrived);
        goto out;
    }
    double t0 = cli_now_s();
    if (forwarder_op(o, &w, "resume") != 0 || wait_arrived(o, &w, n, &st) != 0)
        goto out;
    double secs = st.last_s - t0;
    double rate = secs > 0 ? (double)n / secs : 0;
    api_sleep_ms(300); /* the last answers are recorded by zkbiod */
    fwd_target_stats_get(w.t, &st);
    fs = forwarder_stats(o, &w);
    int clean = target_clean(name, &st) == 0;
    if (!o->a.json) {
        printf("%-8s %8ld punches in %7.2f s: %9.0f punches/s  (target >= %.0f: %s)  "
               "%ld requests%s\n",
               name, n, secs, rate, target, api_verdict(rate >= target), st.requests,
               bulk ? "" : "");
        if (bulk)
            printf("         largest batch %ld; load through PUSH took %.2f s\n", st.max_batch,
                   load_s);
        else
            printf("         target latency %ld ms, forwarder concurrency %ld\n",
                   o->single_latency_ms, o->single_concurrency);
    }
    json_t *r = json_pack("{s:i,s:f,s:f,s:f,s:b,s:i,s:i,s:f,s:i,s:i,s:i}", "punches", (json_int_t)n,
                          "seconds", secs, "punches_per_s", rate, "target_per_s", target, "met",
                          rate >= target, "requests", (json_int_t)st.requests, "max_batch",
                          (json_int_t)st.max_batch, "load_s", load_s, "duplicates",
                          (json_int_t)st.duplicates, "strays", (json_int_t)st.strays, "errors",
                          (json_int_t)st.errors);
    if (r && !bulk) {
        json_object_set_new(r, "latency_ms", json_integer(o->single_latency_ms));
        json_object_set_new(r, "concurrency", json_integer(o->single_concurrency));
    }
    if (r && fs)
        json_object_set(r, "forwarder", fs);
    json_object_set_new(out, name, r ? r : json_null());
    rc = clean ? 0 : 1;
out:
    json_decref(fs);
    if (w.unsupported)
        rc = 2;
    if (world_stop(o, &w) != 0 && rc == 0)
        rc = 1;
    return rc;
}

/* ---- realtime: latency at a steady rate ------------------------------------------------------ */

static int run_realtime(const fwd_opts *o, json_t *out)
{
    long n = (long)((double)o->rt_rate * o->rt_seconds);
    if (n < 1)
        n = 1;
    world w;
    int rc = 2;
    double *sent = calloc((size_t)n, sizeof(double)), *lat = calloc((size_t)n, sizeof(double));
    api_http up;
    memset(&up, 0, sizeof(up));
    if (!sent || !lat || world_start(o, &w, n, 0) != 0)
        goto out;
    if (create_forwarder(o, &w, "erpnext-realtime",
                         "\"method_path\":\"bench.api\",\"batch\":1000,\"concurrency\":2,"
                         "\"timeout_s\":10") != 0)
        goto out;
    rc = 1;
    if (api_http_init(&up, w.s.port, NULL) != 0)
        goto out;
    double t0 = cli_now_s();
    for (long k = 0; k < n && !cli_stopped(); k++) {
        double due = t0 + (double)k / (double)o->rt_rate, now = cli_now_s();
        if (due > now)
            api_sleep_ms((long)((due - now) * 1000));
        char path[128], body[96], ts[20];
        fmt_time(k, ts);
        snprintf(path, sizeof(path), "/iclock/cdata?SN=FR%s%04ld&table=ATTLOG&Stamp=1", o->a.tag,
                 k % o->devices + 1);
        snprintf(body, sizeof(body), "%ld\t%s\t%ld\t1\t0\t0\t0\n", k % o->users + 1, ts, k % 2);
        sent[k] = cli_now_s();
        if (api_http_call(&up, "POST", path, body, o->a.timeout_s) != 0 || up.status != 200 ||
            strncmp(up.body ? up.body : "", "OK: 1", 5) != 0) {
            fprintf(stderr, "zkbio bench forward: realtime: upload %ld: HTTP %ld %s\n", k,
                    up.status, up.err[0] ? up.err : (up.body ? up.body : ""));
            goto out;
        }
    }
    double upload_s = cli_now_s() - t0;
    fwd_target_stats st;
    if (wait_arrived(o, &w, n, &st) != 0)
        goto out;
    for (long k = 0; k < n; k++)
        lat[k] = (fwd_target_arrival(w.t, k) - sent[k]) * 1000.0;
    api_sort(lat, (size_t)n);
    double p50 = api_quantile(lat, (size_t)n, 0.5), p90 = api_quantile(lat, (size_t)n, 0.9),
           p99 = api_quantile(lat, (size_t)n, 0.99), mx = lat[n - 1];
    int clean = target_clean("realtime", &st) == 0;
    if (!o->a.json)
        printf("realtime %8ld punches at %ld/s over %.1f s: received -> delivered p50 %.0f ms, "
               "p90 %.0f, p99 %.0f, max %.0f  (target p50 <= 500 ms: %s)  %ld requests\n",
               n, o->rt_rate, upload_s, p50, p90, p99, mx, api_verdict(p50 <= 500), st.requests);
    json_t *r = json_pack("{s:i,s:i,s:f,s:f,s:f,s:f,s:f,s:b,s:i,s:i,s:i}", "punches", (json_int_t)n,
                          "rate_per_s", (json_int_t)o->rt_rate, "p50_ms", p50, "p90_ms", p90,
                          "p99_ms", p99, "max_ms", mx, "upload_s", upload_s, "met", p50 <= 500,
                          "requests", (json_int_t)st.requests, "duplicates",
                          (json_int_t)st.duplicates, "strays", (json_int_t)st.strays);
    json_object_set_new(out, "realtime", r ? r : json_null());
    rc = clean ? 0 : 1;
out:
    api_http_free(&up);
    free(sent);
    free(lat);
    if (w.unsupported)
        rc = 2;
    if (world_stop(o, &w) != 0 && rc == 0)
        rc = 1;
    return rc;
}

/* ---- options ----------------------------------------------------------------------------------
 */

static int parse_scenarios(const char *list, int *mask)
{
    static const char *const names[] = {"bulk", "single", "realtime"}; /* bit i = names[i] (SC_*) */
    return cli_parse_names(list, names, sizeof(names) / sizeof(names[0]), mask);
}

/* 0 run, 1 after --help, 2 usage error. */
static int parse_args(fwd_opts *o, int *mask, const char **zkbiod, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 1;
        }
        if (!strcmp(a, "--json") || !strcmp(a, "--keep-data") || !strcmp(a, "--quick")) {
            if (a[2] == 'j')
                o->a.json = 1;
            else if (a[2] == 'k')
                o->a.keep_data = 1;
            else {
                o->bulk_n = 5000;
                o->single_n = 500;
                o->single_concurrency = 8;
                o->rt_rate = 50;
                o->rt_seconds = 2;
                o->a.timeout_s = 60;
            }
            continue;
        }
        if (strncmp(a, "--", 2) != 0 || i + 1 >= argc) {
            fprintf(stderr, "zkbio bench forward: unexpected argument '%s' (see --help)\n", a);
            return 2;
        }
        const char *val = argv[++i];
        int bad = 0;
        if (!strcmp(a, "--scenario"))
            bad = parse_scenarios(val, mask);
        else if (!strcmp(a, "--zkbiod"))
            *zkbiod = val;
        else if (!strcmp(a, "--db"))
            o->a.db = val;
        else if (!strcmp(a, "--zkbiod-arg")) {
            bad = o->a.nextra >= API_MAX_EXTRA;
            if (!bad)
                o->a.extra[o->a.nextra++] = val;
        } else if (!strcmp(a, "--timeout"))
            bad = cli_parse_long(val, 1, 3600, &o->a.timeout_s);
        else if (!strcmp(a, "--bulk-punches"))
            bad = cli_parse_long(val, 100, 50000000, &o->bulk_n) || o->bulk_n % PER_POST;
        else if (!strcmp(a, "--bulk-concurrency"))
            bad = cli_parse_long(val, 1, 64, &o->bulk_concurrency);
        else if (!strcmp(a, "--single-punches"))
            bad = cli_parse_long(val, 100, 10000000, &o->single_n) || o->single_n % PER_POST;
        else if (!strcmp(a, "--latency-ms"))
            bad = cli_parse_long(val, 0, 10000, &o->single_latency_ms);
        else if (!strcmp(a, "--concurrency"))
            bad = cli_parse_long(val, 1, 64, &o->single_concurrency);
        else if (!strcmp(a, "--rate"))
            bad = cli_parse_long(val, 1, 100000, &o->rt_rate);
        else if (!strcmp(a, "--seconds"))
            bad = cli_parse_double(val, 0.1, 86400, &o->rt_seconds);
        else if (!strcmp(a, "--users"))
            bad = cli_parse_long(val, 1, 1000000, &o->users);
        else if (!strcmp(a, "--devices"))
            bad = cli_parse_long(val, 1, 10000, &o->devices);
        else {
            fprintf(stderr, "zkbio bench forward: unknown option '%s' (see --help)\n", a);
            return 2;
        }
        if (bad) {
            fprintf(stderr, "zkbio bench forward: bad value for %s: '%s'\n", a, val);
            return 2;
        }
    }
    return 0;
}

int zkbio_cli_bench_forward(int argc, char **argv)
{
    static fwd_opts o; /* large (paths); one benchmark per process */
    memset(&o, 0, sizeof(o));
    o.a.db = "sqlite";
    o.a.timeout_s = 300;
    o.bulk_n = 200000;
    o.bulk_concurrency = 4;
    o.single_n = 10000;
    o.single_latency_ms = 20;
    o.single_concurrency = 16;
    o.rt_rate = 100;
    o.rt_seconds = 20;
    o.users = 500;
    o.devices = 10;
    /* this run's tag in every SN and forwarder name, so runs against one persistent database
     * (--db mariadb://) do not collide */
    snprintf(o.a.tag, sizeof(o.a.tag), "%06X",
             (unsigned)(((unsigned long)time(NULL) ^ ((unsigned long)getpid() << 10)) & 0xFFFFFFu));
    int mask = 0;
    const char *zkbiod = NULL;
    int rc = parse_args(&o, &mask, &zkbiod, argc, argv);
    if (rc == 1)
        return 0;
    if (rc)
        return 2;
    if (!mask)
        mask = SC_BULK | SC_SINGLE | SC_RT;
    if (bench_find_zkbiod(zkbiod, o.a.zkbiod, sizeof(o.a.zkbiod)) != 0) {
        fprintf(stderr, "zkbio bench forward: cannot find %s (use --zkbiod PATH)\n",
                zkbiod ? zkbiod : "zkbiod");
        return 2;
    }
    cli_catch_signals();
    signal(SIGPIPE, SIG_IGN);
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
        fprintf(stderr, "zkbio bench forward: cannot initialise libcurl\n");
        return 2;
    }
    json_t *out = json_object();
    json_object_set_new(out, "db",
                        json_string(strncmp(o.a.db, "mariadb", 7) ? "sqlite" : "mariadb"));
    int status = 0;
    if ((mask & SC_BULK) && !cli_stopped()) {
        int r = run_backlog(&o, 1, out);
        status = r > status ? r : status;
    }
    if ((mask & SC_SINGLE) && !cli_stopped() && status != 2) {
        int r = run_backlog(&o, 0, out);
        status = r > status ? r : status;
    }
    if ((mask & SC_RT) && !cli_stopped() && status != 2) {
        int r = run_realtime(&o, out);
        status = r > status ? r : status;
    }
    if (!o.a.json)
        fflush(stdout);
    if (cli_stopped()) {
        fprintf(stderr, "zkbio bench forward: interrupted\n");
        status = 130;
    }
    json_object_set_new(out, "errors", json_boolean(status != 0));
    if (o.a.json) {
        json_dumpf(out, stdout, JSON_INDENT(2));
        fputc('\n', stdout);
    }
    json_decref(out);
    curl_global_cleanup();
    return status;
}
