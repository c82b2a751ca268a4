/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Database outage on MariaDB: "a database outage answers 503 so devices retry, and nothing
 * acknowledged is ever lost". A simulated terminal uploads 100 punches (OK: 100); MariaDB is
 * stopped; the next ATTLOG upload and getrequest must get 503 (never 200) and /health 503 degraded;
 * MariaDB is started again on the same data directory and port; zkbiod must reconnect by itself,
 * the terminal re-sends the refused batch (OK: 100), and the API shows exactly 200 punches.
 *
 * The test runs its own throwaway MariaDB server with tests/support/mariadb.sh (path in
 * $MARIADB_SERVER, set by meson) so it can stop and start it. Exits 77 (skip) when no mariadbd can
 * be had.
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#define SN       "OUTAGE0001"
#define BATCH    100
#define FIRST_AT "2025-03-03 07:00:00"
#define THEN_AT  "2025-03-04 07:00:00"
#define POLLS    20 /* getrequest polls before, during and after the outage */

static const char *script; /* tests/support/mariadb.sh */
static char mdb_dir[256];  /* its DIR */
static char mdb_uri[512];  /* the URI of the first start */

/* Run `sh script cmd mdb_dir [arg]`; its first stdout line goes to out (may be NULL). Returns the
 * exit status, or -1 when it could not be run. */
static int run_script(const char *cmd, const char *arg, char *out, size_t outsz)
{
    int fds[2];
    if (pipe(fds) != 0)
        return -1;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        execlp("sh", "sh", script, cmd, mdb_dir, arg, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    char buf[512]; /* a URI */
    size_t n = 0;
    ssize_t r;
    while ((r = read(fds[0], buf + n, sizeof(buf) - 1 - n)) != 0) {
        if (r < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        n += (size_t)r;
        if (n == sizeof(buf) - 1) { /* drain the rest */
            char sink[256];
            while (read(fds[0], sink, sizeof(sink)) > 0)
                ;
            break;
        }
    }
    close(fds[0]);
    buf[n] = '\0';
    buf[strcspn(buf, "\r\n")] = '\0';
    if (out && outsz)
        snprintf(out, outsz, "%s", buf);
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* zkbiod still running (not crashed)? Reaps it when it has exited. */
static int zkbiod_alive(zkd *d, int *status)
{
    if (d->pid <= 0)
        return 0;
    int st;
    if (waitpid(d->pid, &st, WNOHANG) == d->pid) {
        d->pid = 0;
        *status = st;
        return 0;
    }
    return 1;
}

static const char *death(int st)
{
    static char buf[64];
    if (WIFSIGNALED(st))
        snprintf(buf, sizeof(buf), "killed by signal %d", WTERMSIG(st));
    else
        snprintf(buf, sizeof(buf), "exited with status %d", WEXITSTATUS(st));
    return buf;
}

/* Punches of the simulator that the server acknowledged. */
static size_t acknowledged(const pushsim *s)
{
    size_t n = 0;
    for (size_t i = 0; i < pushsim_punch_count(s); i++)
        n += pushsim_punch_at(s, i)->uploaded != 0;
    return n;
}

static int t_outage(void)
{
    int ok = 0, st = 0, rc;
    size_t acc = 0;
    long count;
    char body[512], uri2[512];
    zkd srv;
    memset(&srv, 0, sizeof(srv));
    pushsim *sim = NULL;

    REQUIRE(zkd_start(&srv, mdb_uri, NULL) == 0, "zkbiod did not start on MariaDB");
    sim = zkd_sim(&srv, SN);
    REQUIRE(sim != NULL, "the terminal could not register");

    /* 1. Normal operation: 100 punches acknowledged. */
    SIM_OK(sim, pushsim_add_fake_punches(sim, 1, 10, BATCH, FIRST_AT));
    SIM_OK(sim, pushsim_upload_punches(sim, &acc));
    REQUIRE(acc == BATCH && pushsim_last_ok_count(sim) == BATCH,
            "first batch: accepted %zu, last reply \"%s\"; expected OK: %d", acc,
            pushsim_last_reply(sim), BATCH);
    REQUIRE((count = zkd_attendance_count(&srv, SN)) == BATCH,
            "before the outage the API shows %ld punches, expected %d", count, BATCH);
    /* Several polls, so several worker threads hold a database connection when it goes away. */
    for (int i = 0; i < POLLS; i++)
        SIM_OK(sim, pushsim_poll(sim, NULL));

    /* 2. The outage. */
    rc = run_script("stop", NULL, NULL, 0);
    REQUIRE(rc == 0, "mariadb.sh stop failed (status %d)", rc);
    REQUIRE(zkbiod_alive(&srv, &st), "zkbiod %s when MariaDB stopped", death(st));

    SIM_OK(sim, pushsim_add_fake_punches(sim, 1, 10, BATCH, THEN_AT));
    acc = 0;
    rc = pushsim_upload_punches(sim, &acc);
    REQUIRE(zkbiod_alive(&srv, &st), "zkbiod %s on an ATTLOG upload during the outage", death(st));
    REQUIRE(pushsim_last_status(sim) == 503 && rc == ZKBIO_EUNAVAIL,
            "ATTLOG upload during the outage: HTTP %ld \"%s\" (%s), expected 503",
            pushsim_last_status(sim), pushsim_last_reply(sim), zkbio_strerror(rc));
    REQUIRE(acc == 0 && acknowledged(sim) == BATCH,
            "during the outage %zu punches were acknowledged (%zu in total), expected none", acc,
            acknowledged(sim));

    for (int i = 0; i < POLLS; i++) {
        rc = pushsim_poll(sim, NULL);
        REQUIRE(zkbiod_alive(&srv, &st), "zkbiod %s on a getrequest during the outage", death(st));
        REQUIRE(pushsim_last_status(sim) == 503 && rc == ZKBIO_EUNAVAIL,
                "getrequest %d during the outage: HTTP %ld \"%s\" (%s), expected 503", i + 1,
                pushsim_last_status(sim), pushsim_last_reply(sim), zkbio_strerror(rc));
    }

    long hs = zkd_http_get(&srv, "/health", body, sizeof(body));
    REQUIRE(hs == 503 && strstr(body, "degraded"),
            "/health during the outage: HTTP %ld %s, expected 503 degraded", hs, body);

    /* A second attempt, as the device retries after ErrorDelay: still refused. */
    rc = pushsim_upload_punches(sim, &acc);
    REQUIRE(pushsim_last_status(sim) == 503 && rc == ZKBIO_EUNAVAIL && acknowledged(sim) == BATCH,
            "second ATTLOG upload during the outage: HTTP %ld \"%s\", expected 503",
            pushsim_last_status(sim), pushsim_last_reply(sim));
    REQUIRE(zkbiod_alive(&srv, &st), "zkbiod %s during the outage", death(st));

    /* 3. MariaDB is back on the same data directory and port. */
    rc = run_script("start", "--same-port", uri2, sizeof(uri2));
    REQUIRE(rc == 0, "mariadb.sh start --same-port failed (status %d)", rc);
    REQUIRE(strcmp(uri2, mdb_uri) == 0, "MariaDB came back as %s, not %s", uri2, mdb_uri);

    /* zkbiod reconnects by itself: /health turns 200 within 15 s without any restart. */
    hs = 0;
    for (int i = 0; i < 150 && hs != 200; i++) {
        hs = zkd_http_get(&srv, "/health", body, sizeof(body));
        if (hs != 200)
            zkd_sleep_ms(100);
    }
    REQUIRE(zkbiod_alive(&srv, &st), "zkbiod %s after MariaDB came back", death(st));
    REQUIRE(hs == 200 && strstr(body, "\"ok\""),
            "/health 15 s after MariaDB came back: HTTP %ld %s (zkbiod did not reconnect)", hs,
            body);

    /* The terminal re-sends the refused batch: accepted at once, no 503 left over. */
    acc = 0;
    rc = pushsim_upload_punches(sim, &acc);
    REQUIRE(rc == 0 && pushsim_last_status(sim) == 200,
            "re-sent batch after the outage: HTTP %ld \"%s\" (%s), expected OK: %d",
            pushsim_last_status(sim), pushsim_last_reply(sim), zkbio_strerror(rc), BATCH);
    REQUIRE(acc == BATCH && pushsim_last_ok_count(sim) == BATCH,
            "re-sent batch: accepted %zu, reply \"%s\"; expected OK: %d", acc,
            pushsim_last_reply(sim), BATCH);
    REQUIRE(acknowledged(sim) == 2 * BATCH, "%zu of %d punches acknowledged", acknowledged(sim),
            2 * BATCH);

    /* Every worker's connection was reconnected or is reconnected on first use: no 503 left. */
    for (int i = 0; i < POLLS; i++) {
        rc = pushsim_poll(sim, NULL);
        REQUIRE(rc == 0 && pushsim_last_status(sim) == 200,
                "getrequest %d after the outage: HTTP %ld \"%s\" (%s), expected 200", i + 1,
                pushsim_last_status(sim), pushsim_last_reply(sim), zkbio_strerror(rc));
    }

    /* Nothing lost, nothing doubled. */
    REQUIRE((count = zkd_attendance_count(&srv, SN)) == 2 * BATCH,
            "after the outage the API shows %ld punches of %s, expected %d", count, SN, 2 * BATCH);
    REQUIRE((count = zkd_attendance_count(&srv, NULL)) == 2 * BATCH,
            "after the outage the API shows %ld punches in all, expected %d", count, 2 * BATCH);
    long api_st;
    json_t *j = zkd_api(&srv, NULL, &api_st, "/api/v1/attendance?sn=%s&from=%s&limit=1000", SN,
                        "2025-03-04");
    size_t later = json_array_size(zkd_items(j));
    json_decref(j);
    REQUIRE(api_st == 200 && later == BATCH,
            "the API shows %zu punches of the refused batch (HTTP %ld), expected %d", later, api_st,
            BATCH);

    /* zkbiod survived the whole outage and stops cleanly. */
    REQUIRE(zkbiod_alive(&srv, &st), "zkbiod %s at the end", death(st));
    rc = zkd_stop(&srv);
    REQUIRE(rc == 0, "zkbiod exited with status %d on SIGTERM after the outage", rc);
    ok = 1;
out:
    pushsim_free(sim);
    zkd_cleanup(&srv, ok);
    return ok;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

int main(int argc, char **argv)
{
    script = getenv("MARIADB_SERVER");
    if (!script || !*script) {
        fprintf(stderr, "%s: set MARIADB_SERVER to tests/support/mariadb.sh\n", argv[0]);
        return 1;
    }
    signal(SIGPIPE, SIG_IGN);
    const char *tmp = getenv("TMPDIR");
    snprintf(mdb_dir, sizeof(mdb_dir), "%s/zkbio-outage-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(mdb_dir)) {
        perror("mkdtemp");
        return 1;
    }
    int rc = run_script("start", NULL, mdb_uri, sizeof(mdb_uri));
    if (rc == 0 && strncmp(mdb_uri, "mariadb://", 10) == 0) {
        static const zkd_test tests[] = {{"outage", t_outage}};
        rc = zkd_run(tests, sizeof(tests) / sizeof(tests[0]), argc, argv);
    } else if (rc == 77) {
        fprintf(stderr, "no mariadbd available (skipping)\n");
    } else {
        fprintf(stderr, "could not start mariadbd (status %d, URI \"%s\"); see %s/mariadbd.err\n",
                rc, mdb_uri, mdb_dir);
        rc = 1;
    }
    run_script("stop", NULL, NULL, 0);
    const char *keep = getenv("ZKBIO_TEST_KEEP");
    if (rc != 0 && rc != 77 && keep && *keep && *keep != '0')
        fprintf(stderr, "kept %s\n", mdb_dir);
    else
        nftw(mdb_dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    return rc;
}
