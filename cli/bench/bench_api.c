/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `zkbio bench api`: the fleet management API of zkbiod (issue 14) under three workloads, each
 * against a zkbiod the benchmark starts itself (loopback, port 0, a temporary data directory):
 *
 *  - sync:       an emulated 4370 terminal (in-process libzkbio emulator, TCP) holding N punches
 *                is registered, its attendance synced through a job, end to end; against the
 *                same terminal's raw download through the library client alone (the wire share);
 *  - attendance: M punches stored through PUSH ingest, then GET /api/v1/attendance pages with
 *                filters on K keep-alive connections: p50/p90/p99/max per filter;
 *  - fleet:      T emulated terminals registered, online, then zkbiod at rest: threads, memory,
 *                CPU, and the sessions the terminals saw.
 *
 * The scenarios are bench_api_sync.c, bench_api_att.c and bench_api_fleet.c; docs/bench-api.md
 * says what each figure means.
 */
#ifndef _XOPEN_SOURCE
#define _XOPEN_SOURCE 700 /* nftw */
#endif
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "zkbio/zk4370_emu.h"

#include "api_common.h"
#include "api_http.h"
#include "bench_api.h"
#include "util.h"
#include "zkbiod_child.h"

extern char **environ;

static void usage(FILE *f)
{
    fputs("usage: zkbio bench api [options]\n"
          "\n"
          "Measures zkbiod's fleet management API (/api/v1) on loopback; each scenario starts its "
          "own\n"
          "zkbiod (temporary data directory, admin token) and in-process emulated 4370 terminals.\n"
          "\n"
          "  --scenario S        sync, attendance, fleet, biotime or all (default all; "
          "repeatable\n"
          "                      or comma list)\n"
          "  --quick             small sizes (a smoke run): 20,000 punches, 2 connections x 15 "
          "requests\n"
          "  --zkbiod PATH       the zkbiod to start (default: next to this program, then PATH)\n"
          "  --db DB             sqlite (default) or a mariadb:// URI, for every zkbiod started\n"
          "  --zkbiod-arg ARG    one more argument for every zkbiod started (repeatable)\n"
          "  --json              machine-readable output (one JSON object)\n"
          "  --keep-data         keep the data directories (their paths are printed)\n"
          "  --timeout S         bound of each request and of each wait (default 120)\n"
          "sync:\n"
          "  --punches N         punches on the emulated terminal (default 100000)\n"
          "  --link-rate B       emulator link rate, bytes/s, 0 = unpaced (repeatable; default: "
          "the\n"
          "                      emulator's default rate, then 0)\n"
          "attendance:\n"
          "  --stored N          punches stored before measuring (default 1000000; a multiple of "
          "100)\n"
          "  --devices D         PUSH terminals they come from (default 20)\n"
          "  --users U           user PINs 1..U (default 500)\n"
          "  --connections K     keep-alive connections (default 4)\n"
          "  --requests N        requests per connection and filter (default 250)\n"
          "biotime: GET /iclock/api/transactions/ over --stored punches (same load options)\n"
          "fleet:\n"
          "  --terminals T       emulated terminals (default 50)\n"
          "  --rest S            seconds at rest measured (default 30)\n"
          "  -h, --help          this help\n"
          "\n"
          "Exit status: 0 no errors, 1 an error (a failed request, counts that do not match), 2 "
          "usage\n"
          "or start-up failure. A target missed is reported, not an error.\n",
          f);
}

/* ---- helpers shared by the scenarios ---------------------------------------------------------
 */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

void api_sort(double *v, size_t n)
{
    qsort(v, n, sizeof(*v), cmp_double);
}

double api_quantile(const double *v, size_t n, double q)
{
    if (n == 0)
        return 0;
    size_t k = (size_t)(q * (double)n + 0.999999); /* nearest rank: ceil(q n) */
    if (k < 1)
        k = 1;
    if (k > n)
        k = n;
    return v[k - 1];
}

void api_sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

const char *api_verdict(int met)
{
    return met ? "met" : "MISSED";
}

long long api_register_terminal(api_http *h, const char *name, int port, long timeout_s, char *err,
                                size_t errsz)
{
    char body[256];
    snprintf(body, sizeof(body),
             "{\"name\":\"%s\",\"ip\":\"127.0.0.1\",\"port\":%d,\"location\":\"bench\"}", name,
             port);
    if (api_http_call(h, "POST", "/api/v1/devices", body, timeout_s) != 0 ||
        (h->status != 201 && h->status != 200)) {
        api_describe(h, err, errsz);
        return -1;
    }
    json_t *j = api_http_json(h);
    json_t *d = api_data(j);
    long long id = api_int(d, "id");
    if (id < 0)
        id = api_int(json_object_get(d, "device"), "id");
    json_decref(j);
    if (id < 0)
        snprintf(err, errsz, "POST /api/v1/devices: no device id in the reply: %.120s", h->body);
    return id;
}

int api_delete_device(api_http *h, long long id, long timeout_s)
{
    char path[64], d[200];
    snprintf(path, sizeof(path), "/api/v1/devices/%lld", id);
    if (api_http_call(h, "DELETE", path, NULL, timeout_s) == 0 && h->status == 200)
        return 0;
    fprintf(stderr, "zkbio bench api: DELETE %s: %s\n", path, api_describe(h, d, sizeof(d)));
    return -1;
}

long long api_count_attendance(api_http *h, const char *query, long timeout_s, int walk)
{
    char path[512], cursor[128];
    snprintf(path, sizeof(path), "/api/v1/attendance?limit=1000&total=1%s%s", *query ? "&" : "",
             query);
    long long n = 0;
    for (int first = 1;; first = 0) {
        if (api_http_call(h, "GET", path, NULL, timeout_s) != 0 || h->status != 200)
            return -2;
        json_t *j = api_http_json(h);
        json_t *d = api_data(j);
        long long total = api_int(json_object_get(d, "paging"), "total");
        if (total < 0)
            total = api_int(d, "total");
        json_t *rows = api_list_rows(d);
        size_t got = json_array_size(rows);
        int more = api_next_cursor(d, cursor, sizeof(cursor));
        json_decref(j);
        if (first && total >= 0)
            return total;
        if (!walk)
            return -1;
        if (!rows)
            return -2;
        n += (long long)got;
        if (!more || got == 0)
            return n;
        snprintf(path, sizeof(path), "/api/v1/attendance?limit=1000%s%s&after=%s",
                 *query ? "&" : "", query, cursor);
    }
}

/* ---- the zkbiod under test -------------------------------------------------------------------
 */

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

static void log_tail(const api_server *s)
{
    char path[sizeof(s->dir) + 16];
    snprintf(path, sizeof(path), "%s/zkbiod.log", s->dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    char buf[4096];
    if (fseek(f, 0, SEEK_END) == 0) {
        long end = ftell(f);
        fseek(f, end > (long)sizeof(buf) - 1 ? end - (long)sizeof(buf) + 1 : 0, SEEK_SET);
    }
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    if (n)
        fprintf(stderr, "zkbio bench api: the end of zkbiod's log:\n%s", buf);
}

static int random_token(char out[65])
{
    unsigned char b[32];
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, b, sizeof(b));
    close(fd);
    if (n != (ssize_t)sizeof(b))
        return -1;
    for (size_t i = 0; i < sizeof(b); i++)
        snprintf(out + 2 * i, 3, "%02x", b[i]);
    return 0;
}

int api_server_start(const api_opts *o, const char *const *args, size_t nargs, api_server *s)
{
    memset(s, 0, sizeof(*s));
    const char *tmp = getenv("TMPDIR");
    snprintf(s->dir, sizeof(s->dir), "%s/zkbio-bench-api-XXXXXX",
             tmp && *tmp && strlen(tmp) < 200 ? tmp : "/tmp");
    if (!mkdtemp(s->dir)) {
        fprintf(stderr, "zkbio bench api: cannot make a data directory: %s\n", strerror(errno));
        s->dir[0] = '\0';
        return -1;
    }
    char ports[sizeof(s->dir) + 16], tokf[sizeof(s->dir) + 16], logf[sizeof(s->dir) + 16];
    snprintf(ports, sizeof(ports), "%s/zkbiod.ports", s->dir);
    snprintf(tokf, sizeof(tokf), "%s/admin.token", s->dir);
    snprintf(logf, sizeof(logf), "%s/zkbiod.log", s->dir);
    int fd = open(tokf, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 || random_token(s->token) != 0 ||
        write(fd, s->token, strlen(s->token)) != (ssize_t)strlen(s->token)) {
        fprintf(stderr, "zkbio bench api: cannot write the admin token file\n");
        if (fd >= 0)
            close(fd);
        return -1;
    }
    close(fd);

    const char *argv[24 + API_MAX_EXTRA + 16];
    size_t n = 0;
    argv[n++] = o->zkbiod;
    argv[n++] = "--listen";
    argv[n++] = "127.0.0.1:0";
    argv[n++] = "--admission"; /* the benchmark's terminals stand for approved ones (issue 15) */
    argv[n++] = "auto";
    argv[n++] = "--port-file";
    argv[n++] = ports;
    argv[n++] = "--service-listen";
    argv[n++] = "off";
    argv[n++] = "--data-dir";
    argv[n++] = s->dir;
    argv[n++] = "--db";
    argv[n++] = o->db;
    argv[n++] = "--admin-token-file";
    argv[n++] = tokf;
    argv[n++] = "--log-level";
    argv[n++] = "warn";
    for (size_t i = 0; i < nargs && i < 16; i++)
        argv[n++] = args[i];
    for (unsigned i = 0; i < o->nextra; i++)
        argv[n++] = o->extra[i];
    argv[n] = NULL;

    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, logf, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    int rc = posix_spawn(&s->pid, o->zkbiod, &fa, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        s->pid = 0;
        fprintf(stderr, "zkbio bench api: cannot start %s: %s\n", o->zkbiod, strerror(rc));
        return -1;
    }
    s->port = bench_port_file_wait(ports, "listen", s->pid, 60000, &s->exited, &s->status);
    if (s->port <= 0) {
        fprintf(stderr, "zkbio bench api: %s did not report its port%s\n", o->zkbiod,
                s->exited ? " (it exited)" : " within 60 s");
        log_tail(s);
        return -1;
    }
    api_http h;
    int up = 0;
    if (api_http_init(&h, s->port, NULL) == 0) {
        for (int i = 0; i < 600 && !up && !cli_stopped(); i++) {
            if (api_http_call(&h, "GET", "/health", NULL, 2) == 0 && h.status == 200)
                up = 1;
            else if (waitpid(s->pid, &s->status, WNOHANG) == s->pid)
                s->exited = 1;
            if (s->exited)
                break;
            if (!up)
                api_sleep_ms(100);
        }
    }
    api_http_free(&h);
    if (!up) {
        fprintf(stderr, "zkbio bench api: %s did not answer GET /health with 200%s\n", o->zkbiod,
                s->exited ? " (it exited)" : "");
        log_tail(s);
        return -1;
    }
    return 0;
}

int api_server_stop(const api_opts *o, api_server *s)
{
    int rc = 0;
    if (s->pid > 0 && !s->exited) {
        kill(s->pid, SIGTERM);
        double until = cli_now_s() + 20;
        for (;;) {
            pid_t r = waitpid(s->pid, &s->status, WNOHANG);
            if (r == s->pid) {
                s->exited = 1;
                break;
            }
            if (r < 0 && errno != EINTR) {
                rc = -1;
                break;
            }
            if (cli_now_s() >= until) {
                fprintf(stderr, "zkbio bench api: zkbiod did not stop within 20 s; killing it\n");
                kill(s->pid, SIGKILL);
                waitpid(s->pid, &s->status, 0);
                s->exited = 1;
                rc = -1;
                break;
            }
            api_sleep_ms(20);
        }
    }
    if (s->pid > 0 && rc == 0 && !(WIFEXITED(s->status) && WEXITSTATUS(s->status) == 0)) {
        if (WIFSIGNALED(s->status))
            fprintf(stderr, "zkbio bench api: zkbiod died from signal %d\n", WTERMSIG(s->status));
        else
            fprintf(stderr, "zkbio bench api: zkbiod exited with status %d\n",
                    WEXITSTATUS(s->status));
        log_tail(s);
        rc = -1;
    }
    if (s->dir[0]) {
        if (o->keep_data)
            fprintf(stderr, "zkbio bench api: data kept in %s\n", s->dir);
        else
            nftw(s->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    }
    memset(s, 0, sizeof(*s));
    return rc;
}

/* ---- options ---------------------------------------------------------------------------------
 */

enum { SC_SYNC = 1, SC_ATT = 2, SC_FLEET = 4, SC_BT = 8 };

static int parse_scenarios(const char *list, int *mask)
{
    static const char *const names[] = {"sync", "attendance", "fleet",
                                        "biotime"}; /* bit i = names[i] (SC_*) */
    return cli_parse_names(list, names, sizeof(names) / sizeof(names[0]), mask);
}

/* 0 run, 1 after --help, 2 usage error. */
static int parse_args(api_opts *o, int *mask, const char **zkbiod, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 1;
        }
        if (!strcmp(a, "--json")) {
            o->json = 1;
            continue;
        }
        if (!strcmp(a, "--keep-data")) {
            o->keep_data = 1;
            continue;
        }
        if (!strcmp(a, "--quick")) {
            o->quick = 1;
            continue;
        }
        char name[32];
        const char *val;
        const char *eq = strchr(a, '=');
        if (!strncmp(a, "--", 2) && eq && (size_t)(eq - a) < sizeof(name)) {
            memcpy(name, a, (size_t)(eq - a));
            name[eq - a] = '\0';
            val = eq + 1;
        } else if (!strncmp(a, "--", 2) && strlen(a) < sizeof(name)) {
            strcpy(name, a);
            if (i + 1 >= argc) {
                fprintf(stderr, "zkbio bench api: %s needs a value\n", a);
                return 2;
            }
            val = argv[++i];
        } else {
            fprintf(stderr, "zkbio bench api: unexpected argument '%s' (see --help)\n", a);
            return 2;
        }
        int bad = 0;
        long v = 0;
        if (!strcmp(name, "--scenario"))
            bad = parse_scenarios(val, mask);
        else if (!strcmp(name, "--zkbiod"))
            *zkbiod = val;
        else if (!strcmp(name, "--db"))
            o->db = val;
        else if (!strcmp(name, "--zkbiod-arg")) {
            if (o->nextra >= API_MAX_EXTRA) {
                fprintf(stderr, "zkbio bench api: too many --zkbiod-arg\n");
                return 2;
            }
            o->extra[o->nextra++] = val;
        } else if (!strcmp(name, "--timeout"))
            bad = cli_parse_long(val, 1, 3600, &o->timeout_s);
        else if (!strcmp(name, "--punches"))
            bad = cli_parse_long(val, 1, 10000000, &o->punches);
        else if (!strcmp(name, "--link-rate")) {
            bad = cli_parse_long(val, 0, 1000000000, &v) || o->nrates >= API_MAX_RATES;
            if (!bad)
                o->rates[o->nrates++] = v;
        } else if (!strcmp(name, "--stored")) {
            bad = cli_parse_long(val, 100, 100000000, &o->stored) || o->stored % 100;
        } else if (!strcmp(name, "--devices"))
            bad = cli_parse_long(val, 1, 10000, &o->devices);
        else if (!strcmp(name, "--users"))
            bad = cli_parse_long(val, 1, 1000000, &o->users);
        else if (!strcmp(name, "--connections"))
            bad = cli_parse_long(val, 1, 256, &o->connections);
        else if (!strcmp(name, "--requests"))
            bad = cli_parse_long(val, 1, 10000000, &o->requests);
        else if (!strcmp(name, "--terminals"))
            bad = cli_parse_long(val, 1, 1000, &o->terminals);
        else if (!strcmp(name, "--rest"))
            bad = cli_parse_double(val, 0.1, 86400, &o->rest_s);
        else {
            fprintf(stderr, "zkbio bench api: unknown option '%s' (see --help)\n", name);
            return 2;
        }
        if (bad) {
            fprintf(stderr, "zkbio bench api: bad value for %s: '%s'\n", name, val);
            return 2;
        }
    }
    return 0;
}

static void raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

int zkbio_cli_bench_api(int argc, char **argv)
{
    static api_opts o; /* large (paths); one benchmark per process */
    memset(&o, 0, sizeof(o));
    o.db = "sqlite";
    o.timeout_s = 120;
    o.punches = 100000;
    o.stored = 1000000;
    o.devices = 20;
    o.users = 500;
    o.connections = 4;
    o.requests = 250;
    o.terminals = 50;
    o.rest_s = 30;
    snprintf(o.tag, sizeof(o.tag), "%06X",
             (unsigned)(((unsigned long)time(NULL) ^ ((unsigned long)getpid() << 10)) & 0xFFFFFFu));
    int mask = 0;
    const char *zkbiod = NULL;
    int rc = parse_args(&o, &mask, &zkbiod, argc, argv);
    if (rc == 1)
        return 0;
    if (rc)
        return 2;
    if (!mask)
        mask = SC_SYNC | SC_ATT | SC_FLEET | SC_BT;
    if (o.quick) { /* the sizes the options did not set */
        if (o.stored == 1000000)
            o.stored = 20000;
        if (o.connections == 4)
            o.connections = 2;
        if (o.requests == 250)
            o.requests = 15;
    }
    if (o.nrates == 0) {
        o.rates[o.nrates++] = ZKBIO_ZK_EMU_LINK_RATE;
        o.rates[o.nrates++] = 0;
    }
    if (bench_find_zkbiod(zkbiod, o.zkbiod, sizeof(o.zkbiod)) != 0) {
        fprintf(stderr, "zkbio bench api: cannot find %s (use --zkbiod PATH)\n",
                zkbiod ? zkbiod : "zkbiod");
        return 2;
    }
    cli_catch_signals();
    signal(SIGPIPE, SIG_IGN);
    raise_fd_limit();
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
        fprintf(stderr, "zkbio bench api: cannot initialise libcurl\n");
        return 2;
    }
    json_t *out = json_object();
    json_object_set_new(out, "db", json_string(strncmp(o.db, "mariadb", 7) ? "sqlite" : "mariadb"));
    int status = 0;
    static const struct {
        int bit;
        int (*run)(const api_opts *, json_t *);
    } sc[] = {{SC_SYNC, api_run_sync},
              {SC_ATT, api_run_attendance},
              {SC_FLEET, api_run_fleet},
              {SC_BT, api_run_biotime}};
    for (size_t i = 0; i < sizeof(sc) / sizeof(sc[0]) && !cli_stopped(); i++) {
        if (!(mask & sc[i].bit))
            continue;
        int r = sc[i].run(&o, out);
        if (r > status)
            status = r;
        if (!o.json)
            fflush(stdout);
    }
    if (cli_stopped()) {
        fprintf(stderr, "zkbio bench api: interrupted\n");
        status = 130;
    }
    json_object_set_new(out, "errors", json_boolean(status != 0));
    if (o.json) {
        json_dumpf(out, stdout, JSON_INDENT(2));
        fputc('\n', stdout);
    }
    json_decref(out);
    curl_global_cleanup();
    return status;
}
