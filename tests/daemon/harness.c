/* SPDX-License-Identifier: Apache-2.0 */
/* zkbiod test harness (see harness.h). */
#define _XOPEN_SOURCE 700 /* nftw */
#include "harness.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "http-json.h"
#include "zkbiod-launch.h"

void zkd_sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static const char *zkbiod_path(void)
{
    const char *p = getenv("ZKBIOD");
    return p && *p ? p : "zkbiod";
}

/* Start zkbiod on d->port (0 = any free port: the one it bound is read back through --port-file,
 * tests/support/zkbiod-launch.h) and set d->port and d->url. */
static int spawn(zkd *d)
{
    char listen[64], log[300];
    snprintf(listen, sizeof(listen), "127.0.0.1:%d", d->port);
    snprintf(log, sizeof(log), "%s/zkbiod.log", d->dir);
    const char *argv[64];
    int n = 0;
    argv[n++] = zkbiod_path();
    argv[n++] = "--listen";
    argv[n++] = listen;
    argv[n++] = "--service-listen"; /* the fingerprint service is tested in tests/service */
    argv[n++] = "off";
    argv[n++] = "--data-dir";
    argv[n++] = d->dir;
    argv[n++] = "--db";
    argv[n++] = d->db;
    argv[n++] = "--admin-token";
    argv[n++] = ZKD_TOKEN;
    argv[n++] = "--delay";
    argv[n++] = "1";
    argv[n++] = "--log-level";
    argv[n++] = "debug";
    argv[n++] = "--admission"; /* these tests' terminals are approved ones; extra may override */
    argv[n++] = "auto";
    for (int i = 0; i < d->n_extra; i++)
        argv[n++] = d->extra[i];
    argv[n] = NULL;

    FILE *f = fopen(log, "a");
    if (!f) {
        fprintf(stderr, "harness: cannot open %s: %s\n", log, strerror(errno));
        return -1;
    }
    fprintf(f, "==== harness: starting");
    for (int i = 0; argv[i]; i++)
        fprintf(f, " %s", argv[i]);
    fprintf(f, "\n");
    fclose(f);
    zkl_opts o = {.argv = argv, .dir = d->dir, .log = log};
    zkl_ports ports;
    if (zkl_start(&o, &d->pid, &ports) != 0 || ports.n_listen < 1) {
        if (d->pid)
            zkd_kill9(d);
        return -1;
    }
    d->port = ports.listen[0];
    snprintf(d->url, sizeof(d->url), "http://127.0.0.1:%d", d->port);
    return 0;
}

/* Wait for /health; 0 when healthy, -1 when the process died or 15 s passed. */
static int wait_healthy(zkd *d)
{
    for (int i = 0; i < 300; i++) {
        int st;
        if (waitpid(d->pid, &st, WNOHANG) == d->pid) {
            d->pid = 0;
            return -1;
        }
        char body[256];
        if (zkd_http_get(d, "/health", body, sizeof(body)) == 200)
            return 0;
        zkd_sleep_ms(50);
    }
    return -1;
}

int zkd_start(zkd *d, const char *db, const char *const *extra)
{
    if (!d->dir[0]) {
        const char *tmp = getenv("TMPDIR");
        snprintf(d->dir, sizeof(d->dir), "%s/zkbiod-test-XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(d->dir)) {
            fprintf(stderr, "harness: mkdtemp: %s\n", strerror(errno));
            d->dir[0] = '\0';
            return -1;
        }
        d->owns_dir = 1;
    }
    snprintf(d->db, sizeof(d->db), "%s", db ? db : "sqlite");
    for (int i = 0; extra && extra[i] && d->n_extra < (int)(sizeof(d->extra) / sizeof(d->extra[0]));
         i++)
        d->extra[d->n_extra++] = strdup(extra[i]);
    d->port = 0; /* zkbiod picks the port; spawn() reads it back */
    if (spawn(d) == 0 && wait_healthy(d) == 0)
        return 0;
    if (d->pid)
        zkd_kill9(d);
    fprintf(stderr, "harness: zkbiod (%s) did not become healthy; see %s/zkbiod.log\n",
            zkbiod_path(), d->dir);
    return -1;
}

int zkd_restart(zkd *d)
{
    if (d->pid)
        zkd_stop(d);
    /* The same port again (the simulated terminals know it); it may linger briefly after a kill. */
    for (int attempt = 0; attempt < 40; attempt++) {
        if (spawn(d) == 0 && wait_healthy(d) == 0)
            return 0;
        if (d->pid)
            zkd_kill9(d);
        zkd_sleep_ms(250);
    }
    fprintf(stderr, "harness: zkbiod did not restart on port %d; see %s/zkbiod.log\n", d->port,
            d->dir);
    return -1;
}

void zkd_kill9(zkd *d)
{
    if (d->pid <= 0)
        return;
    kill(d->pid, SIGKILL);
    while (waitpid(d->pid, NULL, 0) < 0 && errno == EINTR)
        ;
    d->pid = 0;
}

int zkd_stop(zkd *d)
{
    if (d->pid <= 0)
        return -1;
    kill(d->pid, SIGTERM);
    for (int i = 0; i < 200; i++) {
        int st;
        pid_t r = waitpid(d->pid, &st, WNOHANG);
        if (r == d->pid) {
            d->pid = 0;
            return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
        }
        zkd_sleep_ms(50);
    }
    fprintf(stderr, "harness: zkbiod pid %d ignored SIGTERM for 10 s; killing\n", (int)d->pid);
    zkd_kill9(d);
    return -1;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void print_log_tail(const zkd *d, int lines)
{
    char path[300];
    snprintf(path, sizeof(path), "%s/zkbiod.log", d->dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    char **ring = calloc((size_t)lines, sizeof(char *));
    char buf[2048];
    int n = 0;
    while (ring && fgets(buf, sizeof(buf), f)) {
        free(ring[n % lines]);
        ring[n % lines] = strdup(buf);
        n++;
    }
    fclose(f);
    fprintf(stderr, "---- last lines of %s ----\n", path);
    for (int i = n > lines ? n - lines : 0; ring && i < n; i++)
        fputs(ring[i % lines] ? ring[i % lines] : "", stderr);
    fprintf(stderr, "---- end of log ----\n");
    for (int i = 0; ring && i < lines; i++)
        free(ring[i]);
    free(ring);
}

void zkd_cleanup(zkd *d, int passed)
{
    if (d->pid > 0) {
        int st = zkd_stop(d);
        if (st != 0)
            fprintf(stderr,
                    "harness: zkbiod exited with status %d after SIGTERM (see %s/zkbiod.log)\n", st,
                    d->dir);
    }
    if (d->dir[0] && !passed)
        print_log_tail(d, 40);
    const char *keep = getenv("ZKBIO_TEST_KEEP");
    if (d->dir[0] && d->owns_dir) {
        if (keep && *keep && *keep != '0' && !passed)
            fprintf(stderr, "harness: kept %s\n", d->dir);
        else
            nftw(d->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    }
    for (int i = 0; i < d->n_extra; i++)
        free(d->extra[i]);
    memset(d, 0, sizeof(*d));
}

/* ----------------------------------------------------------------------------------------------------------
 */
/* HTTP */
/* ----------------------------------------------------------------------------------------------------------
 */

/* One request (method NULL = GET, or POST with a body), the admin token when auth, a JSON
 * Content-Type only with a body; the reply in *r (http_json_free). Returns the status. */
static long request(const zkd *d, const char *method, const char *path, const char *body, int auth,
                    http_json_reply *r)
{
    const http_json_opts o = {.token = auth ? ZKD_TOKEN : NULL, .no_content_type = !body};
    return http_json_call(r, d->url, method, path, body, &o);
}

json_t *zkd_api_patch(const zkd *d, const char *body, long *status, const char *path_fmt, ...)
{
    char path[900];
    va_list ap;
    va_start(ap, path_fmt);
    vsnprintf(path, sizeof(path), path_fmt, ap);
    va_end(ap);
    http_json_reply r;
    long st = request(d, "PATCH", path, body, 1, &r);
    if (status)
        *status = st;
    return http_json_take(&r);
}

long zkd_http_get(const zkd *d, const char *path, char *buf, size_t size)
{
    http_json_reply r;
    long st = request(d, NULL, path, NULL, 0, &r);
    if (buf && size)
        snprintf(buf, size, "%s", r.text ? r.text : "");
    http_json_free(&r);
    return st;
}

json_t *zkd_api(const zkd *d, const char *body, long *status, const char *path_fmt, ...)
{
    char path[900];
    va_list ap;
    va_start(ap, path_fmt);
    vsnprintf(path, sizeof(path), path_fmt, ap);
    va_end(ap);
    http_json_reply r;
    long st = request(d, NULL, path, body, 1, &r);
    if (status)
        *status = st;
    if (!r.j && st)
        fprintf(stderr, "harness: %s -> HTTP %ld, not JSON: %.200s\n", path, st,
                r.text ? r.text : "");
    return http_json_take(&r);
}

json_t *zkd_items(json_t *reply)
{
    return json_object_get(json_object_get(reply, "data"), "items");
}

const char *zkd_next(json_t *reply)
{
    return json_string_value(
        json_object_get(json_object_get(json_object_get(reply, "data"), "paging"), "next"));
}

long zkd_attendance_count(const zkd *d, const char *sn)
{
    long total = 0;
    char after[64] = "";
    for (int page = 0; page < 10000; page++) {
        long st;
        json_t *j = zkd_api(d, NULL, &st, "/api/v1/attendance?limit=1000%s%s%s%s", sn ? "&sn=" : "",
                            sn ? sn : "", after[0] ? "&after=" : "", after);
        json_t *recs = zkd_items(j);
        if (st != 200 || !json_is_array(recs)) {
            json_decref(j);
            return -1;
        }
        total += (long)json_array_size(recs);
        const char *next = zkd_next(j);
        snprintf(after, sizeof(after), "%s", next ? next : "");
        json_decref(j);
        if (!after[0])
            return total;
    }
    return -1;
}

json_t *zkd_commands(const zkd *d, const char *sn)
{
    json_t *all = json_array();
    char after[32] = "";
    for (int page = 0; all && page < 1000; page++) {
        long st;
        json_t *j = zkd_api(d, NULL, &st, "/api/v1/commands?limit=1000&sn=%s%s%s", sn,
                            after[0] ? "&after=" : "", after);
        json_t *cmds = zkd_items(j);
        if (st != 200 || !json_is_array(cmds)) {
            json_decref(j);
            json_decref(all);
            return NULL;
        }
        json_array_extend(all, cmds);
        const char *next = zkd_next(j);
        snprintf(after, sizeof(after), "%s", next ? next : "");
        json_decref(j);
        if (!after[0])
            break;
    }
    return all;
}

json_t *zkd_user(const zkd *d, const char *pin, int *err)
{
    long st;
    json_t *j = zkd_api(d, NULL, &st, "/api/v1/users?pin=%s", pin);
    json_t *users = zkd_items(j);
    if (err)
        *err = st != 200 || !json_is_array(users);
    json_t *found = NULL;
    size_t i;
    json_t *u;
    json_array_foreach(users, i, u)
    {
        if (json_is_string(json_object_get(u, "pin")) &&
            strcmp(json_string_value(json_object_get(u, "pin")), pin) == 0) {
            found = json_incref(u);
            break;
        }
    }
    json_decref(j);
    return found;
}

pushsim *zkd_sim(const zkd *d, const char *sn)
{
    const char *v = getenv("ZKBIO_TEST_VERBOSE");
    pushsim_config cfg = {.url = d->url, .sn = sn, .verbose = v && *v && *v != '0'};
    pushsim *s = NULL;
    int rc = pushsim_new(&cfg, &s);
    if (rc != 0) {
        fprintf(stderr, "harness: pushsim_new(%s): %s\n", sn, zkbio_strerror(rc));
        return NULL;
    }
    if ((rc = pushsim_handshake(s)) != 0 || (rc = pushsim_post_options(s)) != 0) {
        fprintf(stderr, "harness: %s could not register: %s (%s)\n", sn, zkbio_strerror(rc),
                pushsim_last_error(s));
        pushsim_free(s);
        return NULL;
    }
    return s;
}

/* ----------------------------------------------------------------------------------------------------------
 */
/* Runner */
/* ----------------------------------------------------------------------------------------------------------
 */

static char fail_msg[2048];

void zkd_fail(const char *file, int line, const char *fmt, ...)
{
    char msg[1536];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    const char *base = strrchr(file, '/');
    snprintf(fail_msg, sizeof(fail_msg), "%s:%d: %s", base ? base + 1 : file, line, msg);
    fprintf(stderr, "    %s\n", fail_msg);
}

int zkd_run(const zkd_test *tests, size_t n, int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    if (pushsim_global_init() != 0) {
        fprintf(stderr, "cannot initialise libcurl\n");
        return 1;
    }
    int passed = 0, failed = 0;
    for (size_t i = 0; i < n; i++) {
        int wanted = argc < 2;
        for (int a = 1; a < argc; a++)
            wanted |= strcmp(argv[a], tests[i].name) == 0;
        if (!wanted)
            continue;
        fail_msg[0] = '\0';
        fprintf(stderr, "# %s\n", tests[i].name);
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        int ok = tests[i].fn();
        clock_gettime(CLOCK_MONOTONIC, &t1);
        double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
        if (ok) {
            passed++;
            printf("ok - %s (%.1f s)\n", tests[i].name, s);
        } else {
            failed++;
            printf("FAIL - %s (%.1f s): %s\n", tests[i].name, s, fail_msg);
        }
        fflush(stdout);
    }
    for (int a = 1; a < argc; a++) {
        int known = 0;
        for (size_t i = 0; i < n; i++)
            known |= strcmp(argv[a], tests[i].name) == 0;
        if (!known) {
            printf("FAIL - unknown test '%s'\n", argv[a]);
            failed++;
        }
    }
    printf("%d passed, %d failed\n", passed, failed);
    pushsim_global_cleanup();
    return failed ? 1 : 0;
}
