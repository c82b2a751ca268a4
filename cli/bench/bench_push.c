/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `zkbio bench push`: drives zkbiod over loopback with simulated PUSH devices and reports
 * getrequest requests/s (keep-alive and Connection: close), ATTLOG records/s and latency
 * percentiles.
 *
 * Without --url the benchmark starts its own zkbiod on a free loopback port with a temporary data
 * directory, waits for /health, runs the phases and stops it with SIGTERM.
 */
#ifndef _XOPEN_SOURCE
#define _XOPEN_SOURCE 700 /* nftw */
#endif
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "loadgen.h"
#include "zkbiod_child.h"

extern char **environ;

#define RECORDS_PER_POST 100
#define MAX_EXTRA_ARGS   32

enum { PH_HANDSHAKE, PH_KEEPALIVE, PH_CLOSE, PH_ATTLOG, PH_COUNT };
static const char *const phase_names[PH_COUNT] = {"handshake", "keepalive", "close", "attlog"};

typedef struct bench {
    /* options */
    unsigned devices, connections, threads;
    double seconds, warmup, timeout;
    int phases[PH_COUNT];
    int json, keep_data;
    const char *url, *zkbiod, *db;
    const char *extra[MAX_EXTRA_ARGS];
    unsigned nextra;
    /* target */
    struct sockaddr_storage addr;
    socklen_t addrlen;
    char host[300];   /* Host header */
    char prefix[256]; /* path before /iclock/ */
    /* requests */
    char (*sn)[32];
    char **pre[PH_COUNT]; /* pre-built GET requests per device */
    unsigned pin_tag;
    time_t base_time;
} bench;

static volatile sig_atomic_t g_stop;

static void on_signal(int sig)
{
    (void)sig;
    g_stop = 1;
}

static void usage(FILE *f)
{
    fputs(
        "usage: zkbio bench push [options]\n"
        "\n"
        "Drives zkbiod over loopback with simulated PUSH devices and reports getrequest "
        "requests/s\n"
        "(keep-alive and Connection: close), ATTLOG records/s (100 per POST) and latency.\n"
        "\n"
        "  --devices N         simulated devices, serial numbers BENCH0001... (default 100)\n"
        "  --seconds S         measured seconds per phase (default 5)\n"
        "  --warmup S          unmeasured seconds before each phase (default 1)\n"
        "  --connections C     concurrent connections, one request in flight each (default 50)\n"
        "  --threads T         load generator threads (default 1; leave the other cores to "
        "zkbiod)\n"
        "  --phases LIST       any of handshake,keepalive,close,attlog (default: all, in that "
        "order)\n"
        "  --timeout S         per-request timeout, counted as an error (default 10)\n"
        "  --url URL           use a running zkbiod, e.g. http://127.0.0.1:8080 (no server is "
        "started)\n"
        "  --zkbiod PATH       the zkbiod to start (default: next to this program, then PATH)\n"
        "  --db DB             passed to the started zkbiod: sqlite (default) or a mariadb:// URI\n"
        "  --zkbiod-arg ARG    one more argument for the started zkbiod (repeatable)\n"
        "  --keep-data         keep the started zkbiod's temporary data directory\n"
        "  --json              machine-readable output\n"
        "  -h, --help          this help\n"
        "\n"
        "Exit status: 0 no errors, 1 some request failed, 2 usage or start-up failure.\n",
        f);
}

/* ------------------------------------------------------------------------------------------------------
 */
/* option parsing */

static int parse_uint(const char *s, unsigned lo, unsigned hi, unsigned *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || end == s || *end || s[0] == '-' || v < lo || v > hi)
        return -1;
    *out = (unsigned)v;
    return 0;
}

static int parse_secs(const char *s, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !(v >= lo) || !(v <= hi))
        return -1;
    *out = v;
    return 0;
}

static int parse_phases(bench *b, const char *list)
{
    memset(b->phases, 0, sizeof(b->phases));
    const char *p = list;
    int any = 0;
    while (*p) {
        size_t n = strcspn(p, ",");
        int found = 0;
        for (int i = 0; i < PH_COUNT; i++) {
            if (strlen(phase_names[i]) == n && strncmp(p, phase_names[i], n) == 0) {
                b->phases[i] = 1;
                found = any = 1;
            }
        }
        if (!found && n)
            return -1;
        p += n;
        if (*p == ',')
            p++;
    }
    return any ? 0 : -1;
}

/* Returns 0 to run, 1 after --help, 2 on a usage error. */
static int parse_args(bench *b, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return 1;
        }
        if (strcmp(a, "--json") == 0) {
            b->json = 1;
            continue;
        }
        if (strcmp(a, "--keep-data") == 0) {
            b->keep_data = 1;
            continue;
        }
        /* options with a value: --opt VALUE or --opt=VALUE */
        const char *val = NULL;
        char name[32];
        const char *eq = strchr(a, '=');
        if (strncmp(a, "--", 2) == 0 && eq && (size_t)(eq - a) < sizeof(name)) {
            memcpy(name, a, (size_t)(eq - a));
            name[eq - a] = '\0';
            val = eq + 1;
        } else if (strncmp(a, "--", 2) == 0 && strlen(a) < sizeof(name)) {
            strcpy(name, a);
            if (i + 1 >= argc) {
                fprintf(stderr, "zkbio bench push: %s needs a value\n", a);
                return 2;
            }
            val = argv[++i];
        } else {
            fprintf(stderr, "zkbio bench push: unexpected argument '%s' (see --help)\n", a);
            return 2;
        }
        int bad = 0;
        if (strcmp(name, "--devices") == 0)
            bad = parse_uint(val, 1, 1000000, &b->devices);
        else if (strcmp(name, "--connections") == 0)
            bad = parse_uint(val, 1, 100000, &b->connections);
        else if (strcmp(name, "--threads") == 0)
            bad = parse_uint(val, 1, 256, &b->threads);
        else if (strcmp(name, "--seconds") == 0)
            bad = parse_secs(val, 0.1, 86400, &b->seconds);
        else if (strcmp(name, "--warmup") == 0)
            bad = parse_secs(val, 0, 3600, &b->warmup);
        else if (strcmp(name, "--timeout") == 0)
            bad = parse_secs(val, 0.1, 3600, &b->timeout);
        else if (strcmp(name, "--phases") == 0)
            bad = parse_phases(b, val);
        else if (strcmp(name, "--url") == 0)
            b->url = val;
        else if (strcmp(name, "--zkbiod") == 0)
            b->zkbiod = val;
        else if (strcmp(name, "--db") == 0)
            b->db = val;
        else if (strcmp(name, "--zkbiod-arg") == 0) {
            if (b->nextra >= MAX_EXTRA_ARGS) {
                fprintf(stderr, "zkbio bench push: too many --zkbiod-arg\n");
                return 2;
            }
            b->extra[b->nextra++] = val;
        } else {
            fprintf(stderr, "zkbio bench push: unknown option '%s' (see --help)\n", name);
            return 2;
        }
        if (bad) {
            fprintf(stderr, "zkbio bench push: bad value for %s: '%s'\n", name, val);
            return 2;
        }
    }
    return 0;
}

/* ------------------------------------------------------------------------------------------------------
 */
/* target address */

/* http://HOST:PORT[/prefix] with HOST a name, an IPv4 address or [IPv6]. */
static int set_target(bench *b, const char *url, char *err, size_t errlen)
{
    if (strncmp(url, "http://", 7) != 0) {
        snprintf(err, errlen, "only http:// URLs are supported: %s", url);
        return -1;
    }
    const char *h = url + 7;
    const char *path = strchr(h, '/');
    size_t hostport_len = path ? (size_t)(path - h) : strlen(h);
    if (hostport_len == 0 || hostport_len >= sizeof(b->host)) {
        snprintf(err, errlen, "bad URL: %s", url);
        return -1;
    }
    memcpy(b->host, h, hostport_len);
    b->host[hostport_len] = '\0';
    char host[300], port[16] = "80";
    if (b->host[0] == '[') {
        const char *close = strchr(b->host, ']');
        if (!close || (close[1] && close[1] != ':')) {
            snprintf(err, errlen, "bad URL: %s", url);
            return -1;
        }
        snprintf(host, sizeof(host), "%.*s", (int)(close - b->host - 1), b->host + 1);
        if (close[1] == ':')
            snprintf(port, sizeof(port), "%s", close + 2);
    } else {
        const char *colon = strrchr(b->host, ':');
        snprintf(host, sizeof(host), "%.*s", colon ? (int)(colon - b->host) : (int)hostport_len,
                 b->host);
        if (colon)
            snprintf(port, sizeof(port), "%s", colon + 1);
    }
    unsigned pn;
    if (parse_uint(port, 1, 65535, &pn) != 0) {
        snprintf(err, errlen, "bad port in URL: %s", url);
        return -1;
    }
    b->prefix[0] = '\0';
    if (path) {
        size_t pl = strlen(path);
        while (pl && path[pl - 1] == '/')
            pl--;
        if (pl >= sizeof(b->prefix) || strpbrk(path, " \r\n?#")) {
            snprintf(err, errlen, "bad path in URL: %s", url);
            return -1;
        }
        memcpy(b->prefix, path, pl);
        b->prefix[pl] = '\0';
    }
    struct addrinfo hints, *ai = NULL;
    memset(&hints, 0, sizeof(hints));
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    int rc = getaddrinfo(host, port, &hints, &ai);
    if (rc != 0 || !ai) {
        snprintf(err, errlen, "cannot resolve %s: %s", host, gai_strerror(rc));
        return -1;
    }
    memcpy(&b->addr, ai->ai_addr, ai->ai_addrlen);
    b->addrlen = ai->ai_addrlen;
    freeaddrinfo(ai);
    return 0;
}

/* ------------------------------------------------------------------------------------------------------
 */
/* requests */

static int prebuild(bench *b, int phase)
{
    b->pre[phase] = calloc(b->devices, sizeof(char *));
    if (!b->pre[phase])
        return -1;
    for (unsigned d = 0; d < b->devices; d++) {
        char buf[1024];
        int n;
        if (phase == PH_HANDSHAKE)
            n = snprintf(buf, sizeof(buf),
                         "GET %s/iclock/cdata?SN=%s&options=all&pushver=2.4.1 HTTP/1.1\r\n"
                         "Host: %s\r\nUser-Agent: iClock Proxy/1.09\r\n\r\n",
                         b->prefix, b->sn[d], b->host);
        else
            n = snprintf(buf, sizeof(buf),
                         "GET %s/iclock/getrequest?SN=%s HTTP/1.1\r\nHost: %s\r\n"
                         "User-Agent: iClock Proxy/1.09\r\n%s\r\n",
                         b->prefix, b->sn[d], b->host,
                         phase == PH_CLOSE ? "Connection: close\r\n" : "");
        if (n < 0 || (size_t)n >= sizeof(buf) || !(b->pre[phase][d] = strdup(buf)))
            return -1;
    }
    return 0;
}

static size_t build_get_handshake(void *ud, unsigned device, uint64_t seq, char *buf, size_t cap);
static size_t build_get_keepalive(void *ud, unsigned device, uint64_t seq, char *buf, size_t cap);
static size_t build_get_close(void *ud, unsigned device, uint64_t seq, char *buf, size_t cap);

static size_t copy_pre(const bench *b, int phase, unsigned device, char *buf, size_t cap)
{
    const char *s = b->pre[phase][device % b->devices];
    size_t n = strlen(s);
    if (n > cap)
        return 0;
    memcpy(buf, s, n);
    return n;
}

static size_t build_get_handshake(void *ud, unsigned device, uint64_t seq, char *buf, size_t cap)
{
    (void)seq;
    return copy_pre(ud, PH_HANDSHAKE, device, buf, cap);
}

static size_t build_get_keepalive(void *ud, unsigned device, uint64_t seq, char *buf, size_t cap)
{
    (void)seq;
    return copy_pre(ud, PH_KEEPALIVE, device, buf, cap);
}

static size_t build_get_close(void *ud, unsigned device, uint64_t seq, char *buf, size_t cap)
{
    (void)seq;
    return copy_pre(ud, PH_CLOSE, device, buf, cap);
}

static char *put_uint(char *p, unsigned long long v)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        *p++ = tmp[--n];
    return p;
}

static char *put_2d(char *p, int v)
{
    *p++ = (char)('0' + v / 10 % 10);
    *p++ = (char)('0' + v % 10);
    return p;
}

/* 100 punches, unique across the phase (the time advances one second per record) and across runs
 * (the PIN carries a per-run tag): `<pin>\t<YYYY-MM-DD HH:MM:SS>\t0\t1\t0\t0\t0\n`. */
static size_t build_attlog(void *ud, unsigned device, uint64_t seq, char *buf, size_t cap)
{
    const bench *b = ud;
    char body[RECORDS_PER_POST * 48];
    char *p = body;
    time_t t = b->base_time + (time_t)(seq * RECORDS_PER_POST);
    struct tm tm;
    gmtime_r(&t, &tm);
    for (unsigned j = 0; j < RECORDS_PER_POST; j++) {
        p = put_uint(p, (unsigned long long)b->pin_tag * 1000 + j + 1);
        *p++ = '\t';
        p = put_uint(p, (unsigned long long)tm.tm_year + 1900);
        *p++ = '-';
        p = put_2d(p, tm.tm_mon + 1);
        *p++ = '-';
        p = put_2d(p, tm.tm_mday);
        *p++ = ' ';
        p = put_2d(p, tm.tm_hour);
        *p++ = ':';
        p = put_2d(p, tm.tm_min);
        *p++ = ':';
        p = put_2d(p, tm.tm_sec);
        memcpy(p, "\t0\t1\t0\t0\t0\n", 11);
        p += 11;
        if (++tm.tm_sec == 60) { /* a new minute: let gmtime_r carry it */
            time_t next = t + (time_t)(j + 1);
            gmtime_r(&next, &tm);
        }
    }
    size_t blen = (size_t)(p - body);
    int n = snprintf(buf, cap,
                     "POST %s/iclock/cdata?SN=%s&table=ATTLOG&Stamp=1 HTTP/1.1\r\nHost: %s\r\n"
                     "User-Agent: iClock Proxy/1.09\r\nContent-Type: text/plain\r\n"
                     "Content-Length: %zu\r\n\r\n",
                     b->prefix, b->sn[device % b->devices], b->host, blen);
    if (n < 0 || (size_t)n + blen > cap)
        return 0;
    memcpy(buf + n, body, blen);
    return (size_t)n + blen;
}

/* ------------------------------------------------------------------------------------------------------
 */
/* the zkbiod under test */

/* One blocking GET with Connection: close; returns the HTTP status, or -1. */
static int simple_get(const bench *b, const char *path, int timeout_ms)
{
    int fd = socket(b->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    int status = -1;
    char req[512];
    int n = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n",
                     path, b->host);
    lg_resp *r = malloc(sizeof(*r));
    if (r && n > 0 && (size_t)n < sizeof(req) &&
        connect(fd, (const struct sockaddr *)&b->addr, b->addrlen) == 0 &&
        send(fd, req, (size_t)n, MSG_NOSIGNAL) == n) {
        lg_resp_reset(r);
        char buf[4096];
        for (int rounds = 0; rounds < 1024; rounds++) {
            ssize_t k = recv(fd, buf, sizeof(buf), 0);
            size_t used;
            int rc = k > 0    ? lg_resp_feed(r, buf, (size_t)k, &used)
                     : k == 0 ? lg_resp_eof(r)
                              : LG_ERR;
            if (rc == LG_DONE)
                status = r->status;
            if (rc != LG_MORE)
                break;
        }
    }
    free(r);
    close(fd);
    return status;
}

typedef struct server {
    pid_t pid;
    char dir[64];
    int exited, status;
} server;

/* zkbiod on loopback port 0: the system picks the port as it binds, and zkbiod writes it to
 * port_file (no pick-a-free-port-then-bind race). */
static pid_t spawn_zkbiod(const bench *b, const char *exe, const char *port_file, const char *dir)
{
    const char *args[18 + MAX_EXTRA_ARGS];
    size_t n = 0;
    args[n++] = exe;
    args[n++] = "--listen";
    args[n++] = "127.0.0.1:0";
    args[n++] = "--admission"; /* the benchmark's terminals stand for approved ones (issue 15) */
    args[n++] = "auto";
    args[n++] = "--port-file";
    args[n++] = port_file;
    args[n++] = "--service-listen"; /* the fingerprint service has its own benchmark */
    args[n++] = "off";
    args[n++] = "--data-dir";
    args[n++] = dir;
    args[n++] = "--db";
    args[n++] = b->db;
    args[n++] = "--log-level";
    args[n++] = "warn";
    for (unsigned i = 0; i < b->nextra; i++)
        args[n++] = b->extra[i];
    args[n] = NULL;

    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, 2, 1); /* keep our stdout for the results */
    pid_t pid;
    int rc = posix_spawn(&pid, exe, &fa, NULL, (char *const *)args, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        errno = rc;
        return -1;
    }
    return pid;
}

static int wait_health(const bench *b, server *s, double limit_s)
{
    uint64_t until = lg_now_ns() + (uint64_t)(limit_s * 1e9);
    while (!g_stop) {
        if (s->pid > 0 && waitpid(s->pid, &s->status, WNOHANG) == s->pid) {
            s->exited = 1;
            return -1;
        }
        if (simple_get(b, "/health", 1000) == 200)
            return 0;
        if (lg_now_ns() >= until)
            return -1;
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return -1;
}

/* SIGTERM, then SIGKILL after 20 s. Returns 0 if zkbiod exited with status 0. */
static int stop_zkbiod(server *s)
{
    if (s->pid <= 0)
        return 0;
    if (!s->exited) {
        kill(s->pid, SIGTERM);
        uint64_t until = lg_now_ns() + 20ull * 1000000000ull;
        for (;;) {
            pid_t r = waitpid(s->pid, &s->status, WNOHANG);
            if (r == s->pid || (r < 0 && errno != EINTR)) {
                s->exited = r == s->pid;
                break;
            }
            if (lg_now_ns() >= until) {
                fprintf(stderr, "zkbio bench push: zkbiod did not stop within 20 s; killing it\n");
                kill(s->pid, SIGKILL);
                waitpid(s->pid, &s->status, 0);
                s->exited = 1;
                return -1;
            }
            struct timespec ts = {0, 20 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    }
    if (!s->exited)
        return -1;
    if (WIFEXITED(s->status) && WEXITSTATUS(s->status) == 0)
        return 0;
    if (WIFSIGNALED(s->status))
        fprintf(stderr, "zkbio bench push: zkbiod died from signal %d\n", WTERMSIG(s->status));
    else
        fprintf(stderr, "zkbio bench push: zkbiod exited with status %d\n", WEXITSTATUS(s->status));
    return -1;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

/* ------------------------------------------------------------------------------------------------------
 */
/* output */

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            fprintf(f, "\\%c", ch);
        else if (ch < 0x20)
            fprintf(f, "\\u%04x", ch);
        else
            fputc(ch, f);
    }
    fputc('"', f);
}

static const char *db_label(const bench *b)
{
    if (b->url)
        return "external";
    return strncmp(b->db, "mariadb", 7) == 0 ? "mariadb" : "sqlite";
}

static void print_table(const bench *b, const lg_result *res, const int *ran)
{
    printf("zkbio bench push: %s%s (%s), %u devices, %u connections, %u thread%s, %g s per phase\n",
           b->host, b->prefix,
           b->url                               ? "running server"
           : strcmp(db_label(b), "sqlite") == 0 ? "zkbiod, SQLite"
                                                : "zkbiod, MariaDB",
           b->devices, b->connections, b->threads, b->threads == 1 ? "" : "s", b->seconds);
    printf("%-10s %10s %11s %11s %9s %9s %7s\n", "phase", "requests", "req/s", "records/s",
           "p50 ms", "p99 ms", "errors");
    for (int i = 0; i < PH_COUNT; i++) {
        if (!ran[i])
            continue;
        const lg_result *r = &res[i];
        char rec[32];
        if (i == PH_ATTLOG)
            snprintf(rec, sizeof(rec), "%.0f", r->records_per_s);
        else
            snprintf(rec, sizeof(rec), "-");
        printf("%-10s %10llu %11.0f %11s %9.3f %9.3f %7llu\n", phase_names[i],
               (unsigned long long)r->ok, r->req_per_s, rec, (double)r->p50_ns / 1e6,
               (double)r->p99_ns / 1e6, (unsigned long long)r->errors);
    }
    fflush(stdout);
}

static void print_json(const bench *b, const lg_result *res, const int *ran, uint64_t total_errors)
{
    printf("{\"server\":");
    json_str(stdout, b->host);
    printf(",\"db\":\"%s\",\"devices\":%u,\"connections\":%u,\"threads\":%u,\"seconds\":%g,"
           "\"warmup\":%g,\"phases\":[",
           db_label(b), b->devices, b->connections, b->threads, b->seconds, b->warmup);
    int first = 1;
    for (int i = 0; i < PH_COUNT; i++) {
        if (!ran[i])
            continue;
        const lg_result *r = &res[i];
        printf("%s{\"phase\":\"%s\",\"requests\":%llu,\"window_s\":%.3f,\"req_per_s\":%.1f,"
               "\"records_per_s\":%.1f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f,"
               "\"errors\":%llu,\"errors_by_kind\":{\"connect\":%llu,\"io\":%llu,\"timeout\":%llu,"
               "\"status\":%llu,\"body\":%llu,\"protocol\":%llu},\"first_error\":",
               first ? "" : ",", phase_names[i], (unsigned long long)r->ok, r->window_s,
               r->req_per_s, i == PH_ATTLOG ? r->records_per_s : 0.0, (double)r->p50_ns / 1e6,
               (double)r->p99_ns / 1e6, (double)r->max_ns / 1e6, (unsigned long long)r->errors,
               (unsigned long long)r->err_connect, (unsigned long long)r->err_io,
               (unsigned long long)r->err_timeout, (unsigned long long)r->err_status,
               (unsigned long long)r->err_body, (unsigned long long)r->err_proto);
        if (r->first_error[0])
            json_str(stdout, r->first_error);
        else
            printf("null");
        printf("}");
        first = 0;
    }
    printf("],\"errors\":%llu}\n", (unsigned long long)total_errors);
    fflush(stdout);
}

static void report_errors(const char *phase, const lg_result *r)
{
    if (!r->errors)
        return;
    fprintf(stderr,
            "zkbio bench push: %s: %llu errors (connect %llu, io %llu, timeout %llu, status %llu, "
            "body %llu, protocol %llu); first: %s\n",
            phase, (unsigned long long)r->errors, (unsigned long long)r->err_connect,
            (unsigned long long)r->err_io, (unsigned long long)r->err_timeout,
            (unsigned long long)r->err_status, (unsigned long long)r->err_body,
            (unsigned long long)r->err_proto, r->first_error);
}

/* ------------------------------------------------------------------------------------------------------
 */

static void raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

static void free_bench(bench *b)
{
    for (int i = 0; i < PH_COUNT; i++) {
        if (b->pre[i]) {
            for (unsigned d = 0; d < b->devices; d++)
                free(b->pre[i][d]);
            free(b->pre[i]);
        }
    }
    free(b->sn);
}

int zkbio_cli_bench_push(int argc, char **argv)
{
    bench b;
    memset(&b, 0, sizeof(b));
    b.devices = 100;
    b.connections = 50;
    b.threads = 1;
    b.seconds = 5;
    b.warmup = 1;
    b.timeout = 10;
    b.db = "sqlite";
    for (int i = 0; i < PH_COUNT; i++)
        b.phases[i] = 1;
    int rc = parse_args(&b, argc, argv);
    if (rc == 1)
        return 0;
    if (rc != 0)
        return 2;

    char err[512];
    server srv;
    memset(&srv, 0, sizeof(srv));
    int status = 0;

    struct sigaction sa, old_int, old_term;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    signal(SIGPIPE, SIG_IGN);
    raise_fd_limit();

    if (b.url) {
        if (set_target(&b, b.url, err, sizeof(err)) != 0) {
            fprintf(stderr, "zkbio bench push: %s\n", err);
            status = 2;
            goto out;
        }
        if (simple_get(&b, "/health", 2000) != 200)
            fprintf(stderr, "zkbio bench push: warning: %s/health does not answer 200\n", b.url);
    } else {
        char exe[PATH_MAX];
        if (bench_find_zkbiod(b.zkbiod, exe, sizeof(exe)) != 0) {
            fprintf(stderr, "zkbio bench push: cannot find %s (use --zkbiod PATH or --url URL)\n",
                    b.zkbiod ? b.zkbiod : "zkbiod");
            status = 2;
            goto out;
        }
        const char *tmp = getenv("TMPDIR");
        snprintf(srv.dir, sizeof(srv.dir), "%s/zkbio-bench-XXXXXX",
                 tmp && *tmp && strlen(tmp) < 40 ? tmp : "/tmp");
        if (!mkdtemp(srv.dir)) {
            fprintf(stderr, "zkbio bench push: cannot set up: %s\n", strerror(errno));
            srv.dir[0] = '\0';
            status = 2;
            goto out;
        }
        char port_file[sizeof(srv.dir) + 16];
        snprintf(port_file, sizeof(port_file), "%s/zkbiod.ports", srv.dir);
        srv.pid = spawn_zkbiod(&b, exe, port_file, srv.dir);
        if (srv.pid < 0) {
            fprintf(stderr, "zkbio bench push: cannot start %s: %s\n", exe, strerror(errno));
            status = 2;
            goto out;
        }
        int port =
            bench_port_file_wait(port_file, "listen", srv.pid, 60000, &srv.exited, &srv.status);
        if (port <= 0) {
            fprintf(stderr, "zkbio bench push: %s did not report its port%s\n", exe,
                    srv.exited ? " (it exited)" : " within 60 s");
            status = 2;
            goto out;
        }
        char url[64];
        snprintf(url, sizeof(url), "http://127.0.0.1:%d", port);
        if (set_target(&b, url, err, sizeof(err)) != 0) {
            fprintf(stderr, "zkbio bench push: %s\n", err);
            status = 2;
            goto out;
        }
        if (wait_health(&b, &srv, 60) != 0) {
            fprintf(stderr, "zkbio bench push: %s did not answer GET /health with 200%s\n", exe,
                    srv.exited ? " (it exited)" : " within 60 s");
            status = 2;
            goto out;
        }
    }

    b.sn = calloc(b.devices, sizeof(*b.sn));
    if (!b.sn) {
        status = 2;
        goto out;
    }
    for (unsigned d = 0; d < b.devices; d++)
        snprintf(b.sn[d], sizeof(b.sn[d]), "BENCH%04u", d + 1);
    for (int i = PH_HANDSHAKE; i <= PH_CLOSE; i++) {
        if (b.phases[i] && prebuild(&b, i) != 0) {
            fprintf(stderr, "zkbio bench push: out of memory\n");
            status = 2;
            goto out;
        }
    }
    struct timespec wall;
    clock_gettime(CLOCK_REALTIME, &wall);
    b.pin_tag = (unsigned)(wall.tv_sec % 100000); /* PINs up to 99999100: 8 digits */
    b.base_time = 1704067200;                     /* 2024-01-01 00:00:00 */

    lg_result res[PH_COUNT];
    int ran[PH_COUNT] = {0};
    memset(res, 0, sizeof(res));
    uint64_t total_errors = 0;
    for (int i = 0; i < PH_COUNT && !g_stop; i++) {
        if (!b.phases[i])
            continue;
        lg_phase p;
        memset(&p, 0, sizeof(p));
        p.addr = b.addr;
        p.addrlen = b.addrlen;
        p.threads = b.threads;
        p.connections = b.connections;
        p.devices = b.devices;
        p.warmup_s = b.warmup;
        p.seconds = b.seconds;
        p.drain_s = b.timeout;
        p.timeout_s = b.timeout;
        p.req_cap = 1024;
        p.ud = &b;
        p.stop = &g_stop;
        switch (i) {
        case PH_HANDSHAKE:
            p.build = build_get_handshake;
            p.max_requests = b.devices;
            p.connections = b.connections < b.devices ? b.connections : b.devices;
            p.seconds = b.seconds > 30 ? b.seconds : 30; /* a deadline, not a window */
            break;
        case PH_KEEPALIVE:
            p.build = build_get_keepalive;
            break;
        case PH_CLOSE:
            p.build = build_get_close;
            p.close_each = 1;
            break;
        case PH_ATTLOG:
            p.build = build_attlog;
            p.req_cap = 1024 + RECORDS_PER_POST * 48;
            p.expect_body = "OK: 100";
            p.records_per_request = RECORDS_PER_POST;
            break;
        }
        if (!b.json)
            fprintf(stderr, "zkbio bench push: %s...\n", phase_names[i]);
        if (lg_run(&p, &res[i]) != 0) {
            fprintf(stderr, "zkbio bench push: %s: cannot run: %s\n", phase_names[i],
                    strerror(errno));
            status = 2;
            goto out;
        }
        ran[i] = 1;
        if (i == PH_HANDSHAKE && res[i].ok_total + res[i].errors < b.devices && !g_stop) {
            uint64_t missing = b.devices - res[i].ok_total - res[i].errors;
            res[i].errors += missing; /* never answered in time */
            res[i].err_timeout += missing;
        }
        total_errors += res[i].errors;
        report_errors(phase_names[i], &res[i]);
    }
    if (b.json)
        print_json(&b, res, ran, total_errors);
    else
        print_table(&b, res, ran);
    status = total_errors ? 1 : 0;
    if (g_stop) {
        fprintf(stderr, "zkbio bench push: interrupted\n");
        status = 130;
    }

out:
    if (stop_zkbiod(&srv) != 0 && status == 0)
        status = 1;
    if (srv.dir[0]) {
        if (b.keep_data)
            fprintf(stderr, "zkbio bench push: data kept in %s\n", srv.dir);
        else
            nftw(srv.dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    }
    free_bench(&b);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    return status;
}
