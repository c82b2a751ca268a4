/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Scale-out (issue 2 §4): two zkbiod processes sharing one MariaDB, six simulated terminals each
 * polling one of the two servers at random (as behind a load balancer), users enrolled on some
 * terminals, punch batches re-sent across both servers, a user deleted on another terminal. Checks:
 * every command delivered exactly once per device, every punch stored once, all terminals end with
 * equal tables, no command left queued, sent or failed.
 *
 * Usage: test-daemon-scaleout mariadb://user:pass@host:port/db  (tests/support/mariadb.sh run
 * appends the URI). Exits 77 (skip) without a mariadb:// URI.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"

#define N_DEV        6
#define PUNCHES      300 /* per device: three batches of 100 */
#define RUN_SECONDS  15
#define SETTLE_QUIET 4

static const char *db_uri;
static zkd servers[2];
static pthread_barrier_t settle_barrier;
static int changed_in_round; /* written by one thread between two barriers, read after the second */

typedef struct dev {
    int idx;
    char sn[16];
    pushsim *sim;
    unsigned seed;
    int failed;
    char err[512];
    size_t uploaded_users, polls, resends;
} dev;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int pick(dev *d)
{
    int s = (int)(rand_r(&d->seed) % 2);
    pushsim_set_url(d->sim, servers[s].url);
    return s;
}

static int dev_fail(dev *d, const char *what, int rc)
{
    d->failed = 1;
    snprintf(d->err, sizeof(d->err), "%s: %s: %s (%s)", d->sn, what, zkbio_strerror(rc),
             pushsim_last_error(d->sim));
    return -1;
}

/* A transient 503 (lock wait, deadlock) is allowed: a terminal retries after ErrorDelay. */
static int retry(dev *d, const char *what, int (*fn)(dev *))
{
    int rc = 0;
    for (int attempt = 0; attempt < 5; attempt++) {
        pick(d);
        rc = fn(d);
        if (rc != ZKBIO_EUNAVAIL)
            break;
        zkd_sleep_ms(200);
    }
    return rc ? dev_fail(d, what, rc) : 0;
}

static int do_poll(dev *d)
{
    d->polls++;
    return pushsim_poll(d->sim, NULL);
}

static int do_upload(dev *d)
{
    return pushsim_upload_pending(d->sim, NULL);
}

static int do_punches(dev *d)
{
    return pushsim_upload_punches(d->sim, NULL);
}

/* Batch k of 100 punches (this device's PINs, its own month): send to one server, "lose" the reply,
 * send the same batch again to a server chosen at random. */
static void punch_batch(dev *d, size_t k)
{
    static const char *starts[] = {"06:00:00", "07:40:00", "09:20:00"};
    char start[32];
    snprintf(start, sizeof(start), "2025-%02d-01 %s", d->idx + 1, starts[k % 3]);
    size_t first = pushsim_punch_count(d->sim);
    pushsim_add_fake_punches(d->sim, 1000 * (d->idx + 1), 20, 100, start);
    if (retry(d, "punches", do_punches) == 0) {
        pushsim_unmark_punches(d->sim, first, 100);
        if (retry(d, "punches again", do_punches) == 0)
            d->resends++;
    }
}

/* Device 1 deletes user 3 (enrolled on device 0) once it has received it. Returns 1 when it did
 * now. */
static int maybe_delete(dev *d, int *deleted)
{
    if (d->idx != 1 || *deleted || !pushsim_find_user(d->sim, "3"))
        return 0;
    int rc = 0;
    for (int attempt = 0; attempt < 5; attempt++) {
        pick(d);
        rc = pushsim_delete_user(d->sim, "3");
        if (rc != ZKBIO_EUNAVAIL)
            break;
        zkd_sleep_ms(200);
    }
    if (rc != 0)
        dev_fail(d, "delete user 3", rc);
    *deleted = 1;
    return 1;
}

static void *run_device(void *arg)
{
    dev *d = arg;
    pick(d);
    int rc = pushsim_handshake(d->sim);
    if (rc == 0)
        rc = pushsim_post_options(d->sim);
    if (rc != 0)
        dev_fail(d, "register", rc); /* keep going through the barriers below without traffic */
    double t0 = now_s();
    size_t batch = 0;
    int deleted = 0;
    for (int it = 0; now_s() - t0 < RUN_SECONDS && !d->failed; it++) {
        if (d->idx == 0 && it == 2) { /* enrolments on three devices at different moments */
            pushsim_enroll_fake(d->sim, 1, 15, 2, 0);
            if (retry(d, "upload users", do_upload) == 0)
                d->uploaded_users += 15;
        } else if (d->idx == 3 && it == 4) {
            pushsim_enroll_fake(d->sim, 101, 15, 1, 1);
            if (retry(d, "upload users", do_upload) == 0)
                d->uploaded_users += 15;
        } else if (d->idx == 5 && it == 10) {
            pushsim_enroll_fake(d->sim, 201, 5, 3, 0);
            if (retry(d, "upload users", do_upload) == 0)
                d->uploaded_users += 5;
        }
        maybe_delete(d, &deleted);
        if (it % 6 == 3 && batch < PUNCHES / 100)
            punch_batch(d, batch++);
        retry(d, "poll", do_poll);
        zkd_sleep_ms(50 + (long)(rand_r(&d->seed) % 250));
    }
    while (batch < PUNCHES / 100 && !d->failed)
        punch_batch(d, batch++);
    /* Settle in rounds: everyone polls random servers until several polls in a row bring nothing;
     * then device 1 deletes user 3 if it has not yet; repeat while that changed something. */
    for (int round = 0; round < 3; round++) {
        pthread_barrier_wait(&settle_barrier);
        double t1 = now_s();
        for (int quiet = 0; quiet < SETTLE_QUIET && !d->failed && now_s() - t1 < 30;) {
            size_t n = 0;
            pick(d);
            rc = pushsim_poll(d->sim, &n);
            if (rc == ZKBIO_EUNAVAIL)
                continue;
            if (rc != 0) {
                dev_fail(d, "settle poll", rc);
                break;
            }
            quiet = n ? 0 : quiet + 1;
            zkd_sleep_ms(150);
        }
        pthread_barrier_wait(&settle_barrier);
        if (!d->failed && maybe_delete(d, &deleted))
            changed_in_round = round + 1;
        pthread_barrier_wait(&settle_barrier);
        if (changed_in_round != round + 1)
            break;
    }
    return NULL;
}

static const char *jstr(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

static int t_scaleout(void)
{
    int ok = 0;
    dev devs[N_DEV];
    memset(devs, 0, sizeof(devs));
    pthread_t th[N_DEV];
    int started = 0;
    json_t *cmds = NULL;
    const char *args[] = {"--command-timeout", "60", NULL};
    REQUIRE(zkd_start(&servers[0], db_uri, args) == 0, "first zkbiod did not start on %s", db_uri);
    REQUIRE(zkd_start(&servers[1], db_uri, args) == 0,
            "second zkbiod did not start on the same database");
    for (int i = 0; i < N_DEV; i++) {
        devs[i].idx = i;
        devs[i].seed = 12345u + (unsigned)i * 7919u;
        snprintf(devs[i].sn, sizeof(devs[i].sn), "SCALE%02d", i);
        pushsim_config cfg = {.url = servers[0].url, .sn = devs[i].sn};
        SIM_OK(devs[i].sim, pushsim_new(&cfg, &devs[i].sim));
    }
    REQUIRE(pthread_barrier_init(&settle_barrier, NULL, N_DEV) == 0, "pthread_barrier_init");
    for (; started < N_DEV; started++)
        REQUIRE(pthread_create(&th[started], NULL, run_device, &devs[started]) == 0,
                "pthread_create");
out:
    for (int i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    if (started < N_DEV)
        goto done;
    pthread_barrier_destroy(&settle_barrier);
    for (int i = 0; i < N_DEV; i++)
        if (devs[i].failed) {
            zkd_fail(__FILE__, __LINE__, "%s", devs[i].err);
            goto done;
        }

    /* Every command delivered exactly once per device. */
    for (int i = 0; i < N_DEV; i++) {
        const pushsim *s = devs[i].sim;
        if (pushsim_duplicate_cmd_count(s) != 0) {
            zkd_fail(__FILE__, __LINE__, "%s applied %zu command id(s) more than once", devs[i].sn,
                     pushsim_duplicate_cmd_count(s));
            goto done;
        }
        cmds = zkd_commands(&servers[i % 2], devs[i].sn);
        if (!cmds) {
            zkd_fail(__FILE__, __LINE__, "commands API failed for %s", devs[i].sn);
            goto done;
        }
        size_t k, delivered = 0;
        json_t *c;
        json_array_foreach(cmds, k, c)
        {
            const char *st = jstr(c, "status");
            if (strcmp(st, "queued") == 0 || strcmp(st, "sent") == 0 || strcmp(st, "failed") == 0) {
                zkd_fail(__FILE__, __LINE__, "%s: command %lld left %s (attempts %lld)", devs[i].sn,
                         (long long)json_integer_value(json_object_get(c, "id")), st,
                         (long long)json_integer_value(json_object_get(c, "attempts")));
                goto done;
            }
            delivered += strcmp(st, "done") == 0;
            if (json_integer_value(json_object_get(c, "attempts")) > 1) {
                zkd_fail(__FILE__, __LINE__, "%s: command %lld handed out %lld times", devs[i].sn,
                         (long long)json_integer_value(json_object_get(c, "id")),
                         (long long)json_integer_value(json_object_get(c, "attempts")));
                goto done;
            }
        }
        if (delivered != pushsim_cmd_count(s)) {
            zkd_fail(__FILE__, __LINE__, "%s received %zu commands but the API shows %zu done",
                     devs[i].sn, pushsim_cmd_count(s), delivered);
            goto done;
        }
        json_decref(cmds);
        cmds = NULL;
    }

    /* Every punch stored once, seen the same from both servers. */
    for (int s = 0; s < 2; s++) {
        long n = zkd_attendance_count(&servers[s], NULL);
        if (n != (long)N_DEV * PUNCHES) {
            zkd_fail(__FILE__, __LINE__,
                     "server %d: %ld attendance records, expected %d (each batch sent twice)", s, n,
                     N_DEV * PUNCHES);
            goto done;
        }
    }

    /* All terminals end with the same tables: 15 + 15 + 5 users, minus the deleted one. */
    for (int i = 1; i < N_DEV; i++) {
        char diff[512];
        if (!pushsim_tables_equal(devs[0].sim, devs[i].sim, diff, sizeof(diff))) {
            zkd_fail(__FILE__, __LINE__, "tables differ: %s", diff);
            goto done;
        }
    }
    if (pushsim_user_count(devs[0].sim) != 34 || pushsim_find_user(devs[0].sim, "3")) {
        zkd_fail(__FILE__, __LINE__,
                 "devices hold %zu users (user 3 %s), expected 34 without user 3",
                 pushsim_user_count(devs[0].sim),
                 pushsim_find_user(devs[0].sim, "3") ? "present" : "absent");
        goto done;
    }
    size_t total_cmds = 0, polls = 0;
    for (int i = 0; i < N_DEV; i++) {
        total_cmds += pushsim_cmd_count(devs[i].sim);
        polls += devs[i].polls;
    }
    fprintf(stderr, "scale-out: %zu polls, %zu commands applied, %d punches x2 sent\n", polls,
            total_cmds, N_DEV * PUNCHES);
    ok = 1;
done:
    json_decref(cmds);
    for (int i = 0; i < N_DEV; i++)
        pushsim_free(devs[i].sim);
    zkd_cleanup(&servers[0], ok);
    zkd_cleanup(&servers[1], ok);
    return ok;
}

int main(int argc, char **argv)
{
    db_uri = argc > 1 ? argv[argc - 1] : getenv("ZKBIO_TEST_MARIADB");
    if (!db_uri || strncmp(db_uri, "mariadb://", 10) != 0) {
        fprintf(stderr, "usage: %s mariadb://user:pass@host:port/db (skipping)\n", argv[0]);
        return 77;
    }
    static const zkd_test tests[] = {{"scaleout", t_scaleout}};
    char *none[] = {argv[0], NULL};
    return zkd_run(tests, 1, 1, none);
}
