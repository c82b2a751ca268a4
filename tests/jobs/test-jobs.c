/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The durable job queue (daemon/jobs over daemon/store's jobs table) with fake handlers registered
 * here, against whichever backend the URI names (sqlite:tmp: a temporary SQLite file; or a
 * mariadb:// URI from tests/support/mariadb.sh). The retry backoff base is 40 ms, so the whole run
 * takes a few seconds. Usage: test-jobs sqlite:tmp|URI [scenario...]
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "db.h"
#include "jobs.h"
#include "test-db.h"
#include "test.h"

static char uri[4200];

/* ---- fake handlers ------------------------------------------------------------------------- */

#define MAX_SPANS 32

typedef struct span {
    int64_t device_id;
    uint64_t start, end; /* monotonic ms */
} span;

typedef struct fake {
    pthread_mutex_t lock;
    int calls;
    int fail_first;        /* t.flaky: attempts that fail before one succeeds */
    uint64_t call_at[8];   /* t.flaky: when each call started */
    int released;          /* t.block: let it finish */
    int block_running;     /* t.block: a call is inside */
    int block_saw_stop;    /* t.block: zjob_progress returned 1 */
    span spans[MAX_SPANS]; /* t.sleep */
    int nspans;
} fake;

static fake F = {.lock = PTHREAD_MUTEX_INITIALIZER};

static uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void fake_reset(void)
{
    pthread_mutex_lock(&F.lock);
    F.calls = 0;
    F.fail_first = 0;
    F.released = 0;
    F.block_running = 0;
    F.block_saw_stop = 0;
    F.nspans = 0;
    pthread_mutex_unlock(&F.lock);
}

static zjob_outcome h_ok(void *ctx, const zjob *job, zjob_run *run, char *err, size_t errsz)
{
    (void)ctx, (void)job, (void)err, (void)errsz;
    zjob_progress(run, 5, 10);
    zjob_progress(run, 10, 10);
    zjob_set_result(run, "{\"downloaded\":10,\"inserted\":7,\"duplicates\":3}");
    pthread_mutex_lock(&F.lock);
    F.calls++;
    pthread_mutex_unlock(&F.lock);
    return ZJOB_OK;
}

static zjob_outcome h_flaky(void *ctx, const zjob *job, zjob_run *run, char *err, size_t errsz)
{
    (void)ctx, (void)job, (void)run;
    pthread_mutex_lock(&F.lock);
    int n = F.calls++;
    if (n < 8)
        F.call_at[n] = mono_ms();
    int fail = n < F.fail_first;
    pthread_mutex_unlock(&F.lock);
    if (fail) {
        snprintf(err, errsz, "connection refused (try %d)", n + 1);
        return ZJOB_RETRY;
    }
    return ZJOB_OK;
}

static zjob_outcome h_retry(void *ctx, const zjob *job, zjob_run *run, char *err, size_t errsz)
{
    (void)ctx, (void)job, (void)run;
    pthread_mutex_lock(&F.lock);
    F.calls++;
    pthread_mutex_unlock(&F.lock);
    snprintf(err, errsz, "timed out");
    return ZJOB_RETRY;
}

static zjob_outcome h_fail(void *ctx, const zjob *job, zjob_run *run, char *err, size_t errsz)
{
    (void)ctx, (void)job, (void)run;
    pthread_mutex_lock(&F.lock);
    F.calls++;
    pthread_mutex_unlock(&F.lock);
    snprintf(err, errsz, "comm key refused");
    return ZJOB_FAIL;
}

static zjob_outcome h_block(void *ctx, const zjob *job, zjob_run *run, char *err, size_t errsz)
{
    (void)ctx, (void)job;
    pthread_mutex_lock(&F.lock);
    F.calls++;
    F.block_running = 1;
    pthread_mutex_unlock(&F.lock);
    zjob_outcome out = ZJOB_OK;
    for (int i = 0;; i++) {
        pthread_mutex_lock(&F.lock);
        int go = F.released;
        pthread_mutex_unlock(&F.lock);
        if (go)
            break;
        if (zjob_progress(run, i, 0)) {
            pthread_mutex_lock(&F.lock);
            F.block_saw_stop = 1;
            pthread_mutex_unlock(&F.lock);
            snprintf(err, errsz, "stopped");
            out = ZJOB_FAIL;
            break;
        }
        sleep_ms(10);
    }
    pthread_mutex_lock(&F.lock);
    F.block_running = 0;
    pthread_mutex_unlock(&F.lock);
    return out;
}

static zjob_outcome h_sleep(void *ctx, const zjob *job, zjob_run *run, char *err, size_t errsz)
{
    (void)ctx, (void)run, (void)err, (void)errsz;
    uint64_t start = mono_ms();
    sleep_ms(150);
    pthread_mutex_lock(&F.lock);
    if (F.nspans < MAX_SPANS)
        F.spans[F.nspans++] = (span){job->device_id, start, mono_ms()};
    pthread_mutex_unlock(&F.lock);
    return ZJOB_OK;
}

#define MAX_COUNTED 64
static int counted[MAX_COUNTED]; /* t.count: runs per job id - counted_base (under F.lock) */
static int64_t counted_base;

static zjob_outcome h_count(void *ctx, const zjob *job, zjob_run *run, char *err, size_t errsz)
{
    (void)ctx, (void)run, (void)err, (void)errsz;
    sleep_ms(5);
    pthread_mutex_lock(&F.lock);
    if (job->id >= counted_base && job->id < counted_base + MAX_COUNTED)
        counted[job->id - counted_base]++;
    F.calls++;
    pthread_mutex_unlock(&F.lock);
    return ZJOB_OK;
}

/* ---- helpers ------------------------------------------------------------------------------- */

static zs_store *open_store(void)
{
    zs_policy pol = {.full_sync = 0, .command_timeout_s = 60, .max_attempts = 3, .auto_admit = 1};
    zs_store *st = NULL;
    char err[256];
    if (zs_open(uri, &pol, &st, err, sizeof(err)) != 0) {
        fprintf(stderr, "zs_open: %s\n", err);
        return NULL;
    }
    return st;
}

/* Raw SQL on a separate connection (cleanup, and moving times into the past). */
static int sql(const char *text)
{
    zdb *db = NULL;
    char err[256];
    if (zdb_open(uri, &db, err, sizeof(err)) != 0) {
        fprintf(stderr, "zdb_open: %s\n", err);
        return -1;
    }
    int rc = zdb_exec(db, text);
    if (rc != 0)
        fprintf(stderr, "sql: %s: %s\n", text, zdb_errmsg(db));
    zdb_close(db);
    return rc;
}

static zjobs *open_queue_lease(zs_store *st, const char *owner, int workers, int lease_ms)
{
    zjobs_options o = {
        .workers = workers,
        .backoff_base_ms = 40,
        .backoff_max_ms = 2000,
        .lease_ms = lease_ms,
        .poll_ms = 100,
        .owner = owner,
    };
    zjobs *q = NULL;
    char err[256];
    if (zjobs_open(st, &o, &q, err, sizeof(err)) != 0) {
        fprintf(stderr, "zjobs_open: %s\n", err);
        return NULL;
    }
    zjobs_register(q, "t.ok", h_ok, NULL);
    zjobs_register(q, "t.flaky", h_flaky, NULL);
    zjobs_register(q, "t.retry", h_retry, NULL);
    zjobs_register(q, "t.fail", h_fail, NULL);
    zjobs_register(q, "t.block", h_block, NULL);
    zjobs_register(q, "t.sleep", h_sleep, NULL);
    zjobs_register(q, "t.count", h_count, NULL);
    return q;
}

static zjobs *open_queue(zs_store *st, const char *owner, int workers)
{
    return open_queue_lease(st, owner, workers, 3000);
}

static int64_t add(zjobs *q, const char *kind, int64_t device, const char *key, int64_t delay_ms,
                   int *existing)
{
    zjob_new n = {.queue = strcmp(kind, "t.sleep") == 0 ? "user-sync" : "attendance-sync",
                  .kind = kind,
                  .device_id = device,
                  .priority = 5,
                  .unique_key = key,
                  .created_by = "test",
                  .delay_ms = delay_ms};
    int64_t id = 0;
    int ex = 0;
    int rc = zjobs_enqueue(q, &n, &id, &ex);
    if (rc != 0)
        fprintf(stderr, "zjobs_enqueue(%s): %s\n", kind, zkbio_strerror(rc));
    if (existing)
        *existing = ex;
    return rc == 0 ? id : -1;
}

static size_t errors_len(const zjob *j, const char *code)
{
    json_t *a = j->errors ? json_loads(j->errors, 0, NULL) : NULL;
    size_t n = json_is_array(a) ? json_array_size(a) : 0;
    for (size_t i = 0; code && i < n; i++) {
        const char *c = json_string_value(json_object_get(json_array_get(a, i), "code"));
        if (!c || strcmp(c, code) != 0)
            n = 0;
    }
    json_decref(a);
    return n;
}

static int wait_flag(int *flag, int ms)
{
    for (int i = 0; i < ms / 10; i++) {
        pthread_mutex_lock(&F.lock);
        int v = *flag;
        pthread_mutex_unlock(&F.lock);
        if (v)
            return 1;
        sleep_ms(10);
    }
    return 0;
}

static void release(void)
{
    pthread_mutex_lock(&F.lock);
    F.released = 1;
    pthread_mutex_unlock(&F.lock);
}

/* ---- scenarios ----------------------------------------------------------------------------- */

static void t_complete(zjobs *q)
{
    zjob j = {0};
    int64_t id = add(q, "t.ok", 1, "t.ok:1", 0, NULL);
    REQUIRE(id > 0, "enqueue");
    REQUIRE(zjobs_wait(q, id, 5000, &j) == 0, "job did not end");
    CHECK_EQ_INT(j.state, ZJOB_COMPLETED);
    CHECK_EQ_INT(j.attempt, 1);
    CHECK_EQ_INT(j.progress_done, 10);
    CHECK_EQ_INT(j.progress_total, 10);
    CHECK(j.result && strstr(j.result, "\"inserted\":7"));
    CHECK(j.errors == NULL || errors_len(&j, NULL) == 0);
    CHECK(j.started_at >= j.created_at && j.finished_at >= j.started_at);
    CHECK_STR(j.created_by, "test");
    CHECK_STR(j.queue, "attendance-sync");
out:
    zjob_clear(&j);
}

static void t_retry_then_complete(zjobs *q)
{
    zjob j = {0};
    pthread_mutex_lock(&F.lock);
    F.fail_first = 2;
    pthread_mutex_unlock(&F.lock);
    int64_t id = add(q, "t.flaky", 2, NULL, 0, NULL);
    REQUIRE(id > 0, "enqueue");
    REQUIRE(zjobs_wait(q, id, 8000, &j) == 0, "job did not end");
    CHECK_EQ_INT(j.state, ZJOB_COMPLETED);
    CHECK_EQ_INT(j.attempt, 3);
    CHECK_EQ_INT(errors_len(&j, "NETWORK_ERROR"), 2);
    CHECK(j.errors && strstr(j.errors, "connection refused (try 2)"));
    pthread_mutex_lock(&F.lock);
    uint64_t d1 = F.call_at[1] - F.call_at[0], d2 = F.call_at[2] - F.call_at[1];
    pthread_mutex_unlock(&F.lock);
    /* base 40 ms, then 160 ms, each +-20 % */
    CHECK_MSG(d1 >= 32 && d1 < 1000, "first backoff %llu ms", (unsigned long long)d1);
    CHECK_MSG(d2 >= 128 && d2 < 1500, "second backoff %llu ms", (unsigned long long)d2);
    CHECK_MSG(d2 > d1, "backoff grows: %llu then %llu", (unsigned long long)d1,
              (unsigned long long)d2);
out:
    zjob_clear(&j);
}

static void t_exhausted(zjobs *q)
{
    zjob j = {0};
    int64_t id = add(q, "t.retry", 3, "t.retry:3", 0, NULL);
    REQUIRE(id > 0, "enqueue");
    REQUIRE(zjobs_wait(q, id, 8000, &j) == 0, "job did not end");
    CHECK_EQ_INT(j.state, ZJOB_FAILED);
    CHECK_EQ_INT(j.attempt, 3);
    CHECK_EQ_INT(errors_len(&j, "NETWORK_ERROR"), 3);
    CHECK_EQ_INT(F.calls, 3);
    /* ended: its unique key is free again */
    int ex = 1;
    int64_t again = add(q, "t.fail", 3, "t.retry:3", 60000, &ex);
    CHECK(again > 0 && again != id && ex == 0);
out:
    zjob_clear(&j);
}

static void t_permanent(zjobs *q)
{
    zjob j = {0};
    int64_t id = add(q, "t.fail", 4, NULL, 0, NULL);
    REQUIRE(id > 0, "enqueue");
    REQUIRE(zjobs_wait(q, id, 5000, &j) == 0, "job did not end");
    CHECK_EQ_INT(j.state, ZJOB_FAILED);
    CHECK_EQ_INT(j.attempt, 1);
    CHECK_EQ_INT(errors_len(&j, "JOB_FAILED"), 1);
    CHECK(j.errors && strstr(j.errors, "comm key refused") && strstr(j.errors, "\"attempt\":1"));
    CHECK_EQ_INT(F.calls, 1);
out:
    zjob_clear(&j);
}

static void t_unique(zjobs *q)
{
    zjob j = {0};
    int ex = 0;
    int64_t id = add(q, "t.block", 5, "attendance.pull:5", 0, &ex);
    REQUIRE(id > 0 && ex == 0, "enqueue");
    int64_t id2 = add(q, "t.block", 5, "attendance.pull:5", 0, &ex);
    CHECK(id2 == id && ex == 1); /* while queued or running */
    REQUIRE(wait_flag(&F.block_running, 5000), "the job did not start");
    id2 = add(q, "t.block", 5, "attendance.pull:5", 0, &ex);
    CHECK(id2 == id && ex == 1); /* while running */
    CHECK(zjobs_wait(q, id, 50, &j) == ZKBIO_ETIMEDOUT);
    CHECK_EQ_INT(j.state, ZJOB_RUNNING);
    zjob_clear(&j);
    release();
    REQUIRE(zjobs_wait(q, id, 5000, &j) == 0, "job did not end");
    CHECK_EQ_INT(j.state, ZJOB_COMPLETED);
    id2 = add(q, "t.ok", 5, "attendance.pull:5", 0, &ex);
    CHECK(id2 > id && ex == 0); /* after it ended: a new job */
    zjob_clear(&j);
    CHECK(zjobs_wait(q, id2, 5000, &j) == 0);
out:
    zjob_clear(&j);
}

static int overlap(const span *a, const span *b)
{
    return a->start < b->end && b->start < a->end;
}

static void t_per_device(zjobs *q)
{
    int64_t ids[6];
    for (int i = 0; i < 6; i++)
        ids[i] = add(q, "t.sleep", i % 2 ? 7 : 6, NULL, 0, NULL);
    for (int i = 0; i < 6; i++) {
        zjob j = {0};
        CHECK(ids[i] > 0 && zjobs_wait(q, ids[i], 8000, &j) == 0 && j.state == ZJOB_COMPLETED);
        zjob_clear(&j);
    }
    pthread_mutex_lock(&F.lock);
    int same = 0, parallel = 0;
    CHECK_EQ_INT(F.nspans, 6);
    for (int a = 0; a < F.nspans; a++)
        for (int b = a + 1; b < F.nspans; b++) {
            if (!overlap(&F.spans[a], &F.spans[b]))
                continue;
            if (F.spans[a].device_id == F.spans[b].device_id)
                same++;
            else
                parallel++;
        }
    pthread_mutex_unlock(&F.lock);
    CHECK_MSG(same == 0, "%d pairs of jobs of one device overlapped", same);
    CHECK_MSG(parallel > 0, "jobs of two devices never ran in parallel");
}

static void t_cancel(zjobs *q)
{
    zjob j = {0};
    int state = -1;
    /* waiting (scheduled for later): cancelled at once, key freed */
    int64_t later = add(q, "t.ok", 8, "t.ok:8", 60000, NULL);
    REQUIRE(later > 0, "enqueue");
    REQUIRE(zjobs_get(q, later, &j) == 0, "get");
    CHECK_EQ_INT(j.state, ZJOB_SCHEDULED);
    zjob_clear(&j);
    CHECK(zjobs_cancel(q, later, &state) == 0 && state == ZJOB_CANCELLED);
    CHECK(zjobs_get(q, later, &j) == 0 && j.state == ZJOB_CANCELLED && j.finished_at > 0);
    zjob_clear(&j);
    CHECK(zjobs_cancel(q, later, &state) == ZKBIO_EBUSY && state == ZJOB_CANCELLED);
    int ex = 1;
    int64_t k = add(q, "t.ok", 8, "t.ok:8", 0, &ex);
    CHECK(k > later && ex == 0);
    CHECK(zjobs_wait(q, k, 5000, &j) == 0 && j.state == ZJOB_COMPLETED);
    zjob_clear(&j);
    CHECK(zjobs_cancel(q, k, &state) == ZKBIO_EBUSY && state == ZJOB_COMPLETED);
    CHECK(zjobs_cancel(q, 987654321, &state) == ZKBIO_ENOENT);

    /* running: the handler sees it through zjob_progress, the job ends cancelled */
    int64_t run = add(q, "t.block", 9, NULL, 0, NULL);
    REQUIRE(run > 0 && wait_flag(&F.block_running, 5000), "the job did not start");
    /* a queued job of the same (busy) device: cancelled while waiting */
    int64_t behind = add(q, "t.ok", 9, NULL, 0, NULL);
    CHECK(zjobs_get(q, behind, &j) == 0 && j.state == ZJOB_QUEUED);
    zjob_clear(&j);
    CHECK(zjobs_cancel(q, behind, &state) == 0 && state == ZJOB_CANCELLED);
    CHECK(zjobs_cancel(q, run, &state) == 0 && state == ZJOB_RUNNING);
    REQUIRE(zjobs_wait(q, run, 5000, &j) == 0, "the running job did not end");
    CHECK_EQ_INT(j.state, ZJOB_CANCELLED);
    CHECK(F.block_saw_stop);
    zjob_clear(&j);
    CHECK(zjobs_get(q, behind, &j) == 0 && j.state == ZJOB_CANCELLED && j.started_at == 0);
out:
    zjob_clear(&j);
}

/* More due jobs than one page that this queue may not run (a kind it has no handler for, a busy
 * device) do not hide a job it may run behind them. */
static void t_no_starvation(zjobs *q)
{
    zjob j = {0};
    for (int i = 0; i < 70; i++)
        REQUIRE(add(q, "t.elsewhere", 0, NULL, 0, NULL) > 0, "enqueue");
    int64_t blocker = add(q, "t.block", 60, NULL, 0, NULL);
    REQUIRE(blocker > 0 && wait_flag(&F.block_running, 5000), "the blocker did not start");
    for (int i = 0; i < 70; i++)
        REQUIRE(add(q, "t.ok", 60, NULL, 0, NULL) > 0, "enqueue");
    int64_t id = add(q, "t.ok", 61, NULL, 0, NULL);
    REQUIRE(id > 0, "enqueue");
    CHECK(zjobs_wait(q, id, 5000, &j) == 0 && j.state == ZJOB_COMPLETED);
    zjob_clear(&j);
    CHECK(zjobs_get(q, blocker, &j) == 0 && j.state == ZJOB_RUNNING);
    release();
out:
    zjob_clear(&j);
}

/* (priority, id) order: with one worker, an interactive job queued after a bulk one runs first. */
static void t_priority(zs_store *st)
{
    zjobs *q = open_queue(st, NULL, 1);
    REQUIRE(q && zjobs_start(q) == 0, "queue");
    int64_t blocker = add(q, "t.block", 70, NULL, 0, NULL);
    REQUIRE(blocker > 0 && wait_flag(&F.block_running, 5000), "the blocker did not start");
    int64_t ids[2];
    for (int i = 0; i < 2; i++) {
        zjob_new n = {.queue = "user-sync",
                      .kind = "t.sleep",
                      .device_id = 71 + i,
                      .priority = i == 0 ? 9 : 0};
        REQUIRE(zjobs_enqueue(q, &n, &ids[i], NULL) == 0, "enqueue");
    }
    release();
    for (int i = 0; i < 2; i++) {
        zjob j = {0};
        CHECK(zjobs_wait(q, ids[i], 5000, &j) == 0 && j.state == ZJOB_COMPLETED);
        zjob_clear(&j);
    }
    pthread_mutex_lock(&F.lock);
    CHECK_EQ_INT(F.nspans, 2);
    CHECK(F.nspans == 2 && F.spans[0].device_id == 72 && F.spans[1].device_id == 71);
    pthread_mutex_unlock(&F.lock);
out:
    zjobs_close(q);
}

/* A job running longer than its lease keeps it (renewed every lease/3): another process's sweeper
 * does not re-queue it, and it runs once. */
static void t_lease_renewal(zs_store *st)
{
    zjobs *q = open_queue_lease(st, "runner", 2, 600);
    zjobs *other = open_queue(st, "sweeper", 1); /* never started: only its sweeper is called */
    zjob j = {0};
    REQUIRE(q && other && zjobs_start(q) == 0, "queues");
    int64_t id = add(q, "t.block", 80, NULL, 0, NULL);
    REQUIRE(id > 0 && wait_flag(&F.block_running, 5000), "the job did not start");
    for (int i = 0; i < 15; i++) { /* 1.5 s: more than twice the lease */
        sleep_ms(100);
        CHECK(zjobs_sweep(other) == 0);
    }
    CHECK(zjobs_get(q, id, &j) == 0 && j.state == ZJOB_RUNNING && j.attempt == 1);
    CHECK_STR(j.lease_owner, "runner");
    CHECK(j.lease_until > zjobs_now_ms());
    zjob_clear(&j);
    release();
    CHECK(zjobs_wait(q, id, 5000, &j) == 0 && j.state == ZJOB_COMPLETED && j.attempt == 1);
    CHECK_EQ_INT(F.calls, 1);
out:
    zjob_clear(&j);
    zjobs_close(q);
    zjobs_close(other);
}

/* A pid that no longer exists: a child that has exited and been reaped. */
static pid_t dead_pid(void)
{
    pid_t p = fork();
    if (p == 0)
        _exit(0);
    if (p > 0)
        waitpid(p, NULL, 0);
    return p;
}

static void t_recovery(zs_store *st)
{
    /* Rows left running: by this owner (a restart with a stable name), by a dead process of this
     * host, with an expired lease, and by a live other process (left alone). */
    char host[64] = "";
    gethostname(host, sizeof(host) - 1);
    char dead[64];
    snprintf(dead, sizeof(dead), "%.39s:%ld:deadbeef", host, (long)dead_pid());
    struct {
        const char *owner;
        int64_t lease_in;
        int requeued;
    } rows[] = {{"test-owner", 60000, 1},
                {dead, 60000, 1},
                {"other-host:1:x", -1000, 1},
                {"other-host:2:y", 60000, 0}};
    int64_t ids[4] = {0};
    int64_t now = zjobs_now_ms();
    for (int i = 0; i < 4; i++) {
        zs_job_insert_args a = {.queue = "attendance-sync",
                                .kind = "t.ok",
                                .device_id = 20 + i,
                                .max_attempts = 3,
                                .priority = 5,
                                .run_at = now};
        int ex = 0, claimed = 0;
        CHECK(zs_job_insert(st, &a, now, &ids[i], &ex) == 0);
        CHECK(zs_job_claim(st, ids[i], rows[i].owner, now, now + rows[i].lease_in, &claimed) == 0 &&
              claimed);
    }
    zjobs *q = open_queue(st, "test-owner", 4);
    REQUIRE(q && zjobs_start(q) == 0, "queue");
    for (int i = 0; i < 4; i++) {
        zjob j = {0};
        int rc = zjobs_wait(q, ids[i], rows[i].requeued ? 5000 : 300, &j);
        if (rows[i].requeued) {
            CHECK_MSG(rc == 0 && j.state == ZJOB_COMPLETED, "row %d (%s): rc %d state %d", i,
                      rows[i].owner, rc, j.state);
            CHECK_EQ_INT(j.attempt, 2); /* the crashed attempt counted */
        } else {
            CHECK_MSG(rc == ZKBIO_ETIMEDOUT && j.state == ZJOB_RUNNING,
                      "a live owner's job was taken: rc %d state %d", rc, j.state);
        }
        zjob_clear(&j);
    }
    /* the sweeper takes the live owner's job once its lease expires */
    sql("UPDATE jobs SET lease_until = 1 WHERE lease_owner = 'other-host:2:y'");
    CHECK(zjobs_sweep(q) == 0);
    zjob j = {0};
    CHECK(zjobs_wait(q, ids[3], 5000, &j) == 0 && j.state == ZJOB_COMPLETED);
    zjob_clear(&j);
out:
    zjobs_close(q);
}

static void t_close_running(zs_store *st)
{
    zjobs *q = open_queue(st, NULL, 2);
    zjob j = {0};
    REQUIRE(q && zjobs_start(q) == 0, "queue");
    int64_t id = add(q, "t.block", 30, "t.block:30", 0, NULL);
    REQUIRE(id > 0 && wait_flag(&F.block_running, 5000), "the job did not start");
    zjobs_close(q);
    q = NULL;
    CHECK(F.block_saw_stop);
    REQUIRE(zs_job_get(st, id, &j) == 0, "get");
    CHECK_EQ_INT(j.state, ZJOB_RETRYABLE);
    CHECK_EQ_INT(j.attempt, 0); /* the interrupted attempt does not count */
    CHECK_STR(j.lease_owner, "");
    zjob_clear(&j);
    /* the next process runs it */
    fake_reset();
    q = open_queue(st, NULL, 2);
    REQUIRE(q && zjobs_start(q) == 0, "queue");
    release();
    CHECK(zjobs_wait(q, id, 5000, &j) == 0 && j.state == ZJOB_COMPLETED && j.attempt == 1);
out:
    zjob_clear(&j);
    zjobs_close(q);
}

static void t_stats_retention(zs_store *st)
{
    zjobs *q = open_queue(st, NULL, 2);
    REQUIRE(q, "queue");                               /* not started: nothing runs */
    int64_t a = add(q, "t.ok", 40, NULL, 0, NULL);     /* queued */
    int64_t b = add(q, "t.ok", 41, NULL, 60000, NULL); /* scheduled */
    int64_t c = add(q, "t.sleep", 42, NULL, 0, NULL);  /* user-sync, queued */
    int64_t d = add(q, "t.ok", 43, NULL, 0, NULL);     /* -> completed 8 days ago */
    int64_t e = add(q, "t.ok", 44, NULL, 0, NULL);     /* -> failed 8 days ago */
    int64_t f = add(q, "t.ok", 45, NULL, 0, NULL);     /* -> failed 31 days ago */
    int64_t g = add(q, "t.sleep", 46, NULL, 0, NULL);  /* -> cancelled 8 days ago */
    int64_t h = add(q, "t.ok", 47, NULL, 0, NULL);     /* -> completed now */
    REQUIRE(a > 0 && b > 0 && c > 0 && d > 0 && e > 0 && f > 0 && g > 0 && h > 0, "enqueue");
    int64_t now = zjobs_now_ms(), day = 86400000;
    char q1[256];
    snprintf(q1, sizeof(q1),
             "UPDATE jobs SET state = 'completed', finished_at = %lld WHERE id IN (%lld, %lld)",
             (long long)(now - 8 * day), (long long)d, (long long)g);
    sql(q1);
    snprintf(q1, sizeof(q1), "UPDATE jobs SET state = 'cancelled' WHERE id = %lld", (long long)g);
    sql(q1);
    snprintf(q1, sizeof(q1), "UPDATE jobs SET state = 'failed', finished_at = %lld WHERE id = %lld",
             (long long)(now - 8 * day), (long long)e);
    sql(q1);
    snprintf(q1, sizeof(q1), "UPDATE jobs SET state = 'failed', finished_at = %lld WHERE id = %lld",
             (long long)(now - 31 * day), (long long)f);
    sql(q1);
    snprintf(q1, sizeof(q1),
             "UPDATE jobs SET state = 'completed', finished_at = %lld WHERE id = %lld",
             (long long)now, (long long)h);
    sql(q1);
    snprintf(q1, sizeof(q1), "UPDATE jobs SET run_at = run_at - 5000 WHERE id = %lld",
             (long long)a);
    sql(q1);

    zjobs_stats s;
    REQUIRE(zjobs_stats_get(q, &s) == 0, "stats");
    CHECK_EQ_INT(s.total.total, 8);
    CHECK_EQ_INT(s.total.waiting, 3);
    CHECK_EQ_INT(s.total.delayed, 1);
    CHECK_EQ_INT(s.total.active, 0);
    CHECK_EQ_INT(s.total.completed, 2);
    CHECK_EQ_INT(s.total.failed, 2);
    CHECK_EQ_INT(s.total.cancelled, 1);
    CHECK_EQ_INT(s.nqueues, 2);
    CHECK_STR(s.queues[0].queue, "attendance-sync");
    CHECK_EQ_INT(s.queues[0].c.waiting, 2);
    CHECK_EQ_INT(s.queues[0].c.failed, 2);
    CHECK_STR(s.queues[1].queue, "user-sync");
    CHECK_EQ_INT(s.queues[1].c.waiting, 1);
    CHECK_EQ_INT(s.queues[1].c.cancelled, 1);
    CHECK_MSG(s.oldest_waiting_ms >= 5000 && s.oldest_waiting_ms < 60000, "oldest waiting %lld",
              (long long)s.oldest_waiting_ms);

    /* filters and paging */
    zjobs_filter fl = {.state = ZJOB_FAILED, .limit = 1};
    zjob *rows = NULL;
    size_t n = 0;
    int64_t total = 0;
    CHECK(zjobs_list(q, &fl, &rows, &n, &total) == 0 && n == 1 && total == 2 && rows[0].id == f);
    int64_t cursor = n ? rows[0].id : 0;
    zjobs_list_free(rows, n);
    fl.before = cursor;
    CHECK(zjobs_list(q, &fl, &rows, &n, &total) == 0 && n == 1 && rows[0].id == e);
    zjobs_list_free(rows, n);
    zjobs_filter fq = {.state = -1, .queue = "user-sync"};
    CHECK(zjobs_list(q, &fq, &rows, &n, &total) == 0 && n == 2 && total == 2);
    zjobs_list_free(rows, n);
    zjobs_filter fd = {.state = -1, .device_id = 41};
    CHECK(zjobs_list(q, &fd, &rows, &n, &total) == 0 && n == 1 && rows[0].id == b);
    zjobs_list_free(rows, n);

    /* retention: completed/cancelled after 7 days, failed after 30 */
    CHECK(zjobs_sweep(q) == 0);
    zjob j = {0};
    CHECK(zjobs_get(q, d, &j) == ZKBIO_ENOENT);
    CHECK(zjobs_get(q, g, &j) == ZKBIO_ENOENT);
    CHECK(zjobs_get(q, f, &j) == ZKBIO_ENOENT);
    CHECK(zjobs_get(q, e, &j) == 0 && j.state == ZJOB_FAILED);
    zjob_clear(&j);
    CHECK(zjobs_get(q, h, &j) == 0);
    zjob_clear(&j);
    CHECK(zjobs_get(q, a, &j) == 0);
    zjob_clear(&j);
out:
    zjobs_close(q);
}

/* Two queues with their own owners over one database (two processes): each job runs once. */
static void t_two_owners(zs_store *st)
{
    zjobs *q1 = open_queue(st, "proc-1", 3), *q2 = open_queue(st, "proc-2", 3);
    REQUIRE(q1 && q2, "queues");
    memset(counted, 0, sizeof(counted));
    int64_t ids[40];
    for (int i = 0; i < 40; i++)
        ids[i] = add(i % 2 ? q1 : q2, "t.count", 0, NULL, 0, NULL);
    counted_base = ids[0];
    REQUIRE(ids[0] > 0 && ids[39] - ids[0] < MAX_COUNTED, "enqueue (ids %lld..%lld)",
            (long long)ids[0], (long long)ids[39]);
    REQUIRE(zjobs_start(q1) == 0 && zjobs_start(q2) == 0, "start");
    for (int i = 0; i < 40; i++) {
        zjob j = {0};
        CHECK(zjobs_wait(q1, ids[i], 8000, &j) == 0 && j.state == ZJOB_COMPLETED && j.attempt == 1);
        zjob_clear(&j);
    }
    pthread_mutex_lock(&F.lock);
    int twice = 0;
    for (int i = 0; i < 40; i++)
        twice += counted[ids[i] - counted_base] != 1;
    pthread_mutex_unlock(&F.lock);
    CHECK_MSG(twice == 0, "%d job(s) did not run exactly once", twice);
    CHECK_EQ_INT(F.calls, 40);
out:
    zjobs_close(q1);
    zjobs_close(q2);
}

static void t_bad_input(zs_store *st)
{
    zjobs *q = open_queue(st, NULL, 1);
    REQUIRE(q, "queue");
    int64_t id = 0;
    zjob_new n = {.queue = "attendance-sync"};
    CHECK(zjobs_enqueue(q, &n, &id, NULL) == ZKBIO_EINVAL);
    n.kind = "this-kind-name-is-much-too-long-for-the-kind-column-of-jobs";
    CHECK(zjobs_enqueue(q, &n, &id, NULL) == ZKBIO_EINVAL);
    n.kind = "t.ok";
    n.priority = 10;
    CHECK(zjobs_enqueue(q, &n, &id, NULL) == ZKBIO_EINVAL);
    CHECK(zjobs_register(q, "t.ok", h_ok, NULL) == ZKBIO_EEXIST);
    CHECK(zjobs_register(q, "", h_ok, NULL) == ZKBIO_EINVAL);
    CHECK(zjob_state_parse("retryable") == ZJOB_RETRYABLE);
    CHECK(zjob_state_parse("nope") == -1);
    CHECK(zjob_state_name(99) == NULL);
    zjob j = {0};
    CHECK(zjobs_get(q, 424242, &j) == ZKBIO_ENOENT);
    CHECK(zjobs_wait(q, 424242, 10, &j) == ZKBIO_ENOENT);
out:
    zjobs_close(q);
}

/* ---- runner -------------------------------------------------------------------------------- */

typedef struct scenario {
    const char *name;
    void (*with_queue)(zjobs *q);     /* a started queue of 4 workers */
    void (*with_store)(zs_store *st); /* the scenario opens its own queue */
} scenario;

static const scenario scenarios[] = {
    {"complete", t_complete, NULL},
    {"retry-then-complete", t_retry_then_complete, NULL},
    {"exhausted", t_exhausted, NULL},
    {"permanent", t_permanent, NULL},
    {"unique", t_unique, NULL},
    {"per-device", t_per_device, NULL},
    {"cancel", t_cancel, NULL},
    {"no-starvation", t_no_starvation, NULL},
    {"priority", NULL, t_priority},
    {"lease-renewal", NULL, t_lease_renewal},
    {"recovery", NULL, t_recovery},
    {"close-running", NULL, t_close_running},
    {"stats-retention", NULL, t_stats_retention},
    {"two-owners", NULL, t_two_owners},
    {"bad-input", NULL, t_bad_input},
};

static int wanted(const char *name, int argc, char **argv)
{
    if (argc <= 2)
        return 1;
    for (int i = 2; i < argc; i++)
        if (strcmp(argv[i], name) == 0)
            return 1;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s sqlite:tmp|URI [scenario...]\n", argv[0]);
        return 2;
    }
    test_db db;
    if (test_db_init(&db, argv[1], "zkbio-jobs", "jobs.db") != 0)
        return 2;
    snprintf(uri, sizeof(uri), "%s", db.uri);
    zs_store *st = open_store();
    if (!st)
        return 1;
    for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++) {
        const scenario *s = &scenarios[i];
        if (!wanted(s->name, argc, argv))
            continue;
        int before = test_failed_;
        sql("DELETE FROM jobs");
        fake_reset();
        if (s->with_queue) {
            zjobs *q = open_queue(st, NULL, 4);
            if (q && zjobs_start(q) == 0)
                s->with_queue(q);
            else
                TEST_FAIL_("cannot start the queue");
            release(); /* nothing left blocked */
            zjobs_close(q);
        } else {
            s->with_store(st);
        }
        printf("%s - %s\n", test_failed_ == before ? "ok" : "FAIL", s->name);
    }
    zs_close(st);
    test_db_cleanup(&db);
    return TEST_DONE();
}
