/* SPDX-License-Identifier: Apache-2.0 */
/* The queue's life (open, register, start, close), its dispatcher thread and its worker pool
 * (jobs.h). The dispatcher sleeps on q->wake until an enqueue, a job's end, a cancel, or its
 * timer: the next run_at, the lease renewal, the sweeper, the poll for other processes' jobs. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core.h"
#include "jobs_impl.h"

int64_t zjobs_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int or_default(int v, int def)
{
    return v > 0 ? v : def;
}

int zjobs_open(zs_store *st, const zjobs_options *o, zjobs **out, char *err, size_t errsz)
{
    *out = NULL;
    zjobs_options none;
    memset(&none, 0, sizeof(none));
    if (!o)
        o = &none;
    if (!st || o->workers > ZJOBS_MAX_WORKERS || (o->owner && strlen(o->owner) > 63)) {
        zc_errf(err, errsz, "job queue: bad options");
        return -1;
    }
    zjobs *q = calloc(1, sizeof(*q));
    if (!q) {
        zc_errf(err, errsz, "job queue: out of memory");
        return -1;
    }
    q->st = st;
    q->workers = or_default(o->workers, 4);
    q->backoff_base_ms = or_default(o->backoff_base_ms, 30000);
    q->backoff_max_ms = or_default(o->backoff_max_ms, 600000);
    q->lease_ms = or_default(o->lease_ms, 60000);
    q->sweep_ms = or_default(o->sweep_ms, 60000);
    q->poll_ms = or_default(o->poll_ms, 5000);
    q->keep_completed_ms = (int64_t)or_default(o->keep_completed_s, 7 * 86400) * 1000;
    q->keep_failed_ms = (int64_t)or_default(o->keep_failed_s, 30 * 86400) * 1000;
    if (zc_hostname(q->host, sizeof(q->host)) != 0 || !q->host[0])
        snprintf(q->host, sizeof(q->host), "localhost");
    q->host[sizeof(q->host) - 1] = '\0';
    /* ':' separates the owner's parts: a host name never holds one, but be sure. */
    for (char *p = q->host; *p; p++)
        if (*p == ':')
            *p = '_';
    if (o->owner) {
        snprintf(q->owner, sizeof(q->owner), "%s", o->owner);
    } else {
        char sfx[9] = "00000000";
        zc_random_alnum(sfx, 8);
        char host[40]; /* at most 39 bytes of the host name, so the pid and suffix fit */
        memcpy(host, q->host, sizeof(host) - 1);
        host[sizeof(host) - 1] = '\0';
        snprintf(q->owner, sizeof(q->owner), "%s:%ld:%s", host, zc_pid(), sfx);
    }
    pthread_mutex_init(&q->lock, NULL);
    pthread_cond_init(&q->wake, NULL);
    pthread_cond_init(&q->work, NULL);
    pthread_cond_init(&q->ended, NULL);
    *out = q;
    return 0;
}

const char *zjobs_owner(const zjobs *q)
{
    return q->owner;
}

int zjobs_register(zjobs *q, const char *kind, zjob_fn fn, void *ctx)
{
    if (!q || !kind || !*kind || strlen(kind) > 47 || !fn)
        return ZKBIO_EINVAL;
    pthread_mutex_lock(&q->lock);
    int rc = 0;
    if (q->started || q->nhandlers == ZJOBS_MAX_KINDS)
        rc = ZKBIO_EINVAL;
    for (int i = 0; rc == 0 && i < q->nhandlers; i++)
        if (strcmp(q->handlers[i].kind, kind) == 0)
            rc = ZKBIO_EEXIST;
    if (rc == 0) {
        zjobs_handler *h = &q->handlers[q->nhandlers++];
        snprintf(h->kind, sizeof(h->kind), "%s", kind);
        h->fn = fn;
        h->ctx = ctx;
    }
    pthread_mutex_unlock(&q->lock);
    return rc;
}

const zjobs_handler *zjobs_handler_of(const zjobs *q, const char *kind)
{
    for (int i = 0; i < q->nhandlers; i++)
        if (strcmp(q->handlers[i].kind, kind) == 0)
            return &q->handlers[i];
    return NULL;
}

void zjobs_kick_locked(zjobs *q)
{
    q->kick = 1;
    pthread_cond_signal(&q->wake);
}

/* An owner "host:pid:..." of this host whose process is gone. */
static int owner_dead(const zjobs *q, const char *owner)
{
    size_t hl = strlen(q->host);
    if (hl > 39)
        hl = 39; /* the owner holds at most 39 bytes of the host (zjobs_open) */
    if (strncmp(owner, q->host, hl) != 0 || owner[hl] != ':')
        return 0;
    char *end = NULL;
    long pid = strtol(owner + hl + 1, &end, 10);
    if (pid <= 0 || !end || *end != ':' || strcmp(owner, q->owner) == 0)
        return 0;
    return zc_pid_gone(pid);
}

/* At start: this owner's, expired, and dead local processes' running jobs back to retryable. */
static int recover_at_start(zjobs *q)
{
    int64_t now = zjobs_now_ms(), n = 0, total = 0;
    int rc = zs_jobs_recover(q->st, q->owner, now, &n);
    if (rc != 0)
        return rc;
    total += n;
    char owners[32][64];
    size_t k = 0;
    rc = zs_jobs_running_owners(q->st, owners, 32, &k);
    for (size_t i = 0; rc == 0 && i < k; i++) {
        if (!owner_dead(q, owners[i]))
            continue;
        rc = zs_jobs_recover(q->st, owners[i], now, &n);
        total += n;
    }
    if (total > 0)
        zlog_info("jobs: %lld job(s) left running by a stopped process re-queued",
                  (long long)total);
    return rc;
}

int zjobs_sweep(zjobs *q)
{
    int64_t now = zjobs_now_ms(), n = 0, pruned = 0;
    int rc = zs_jobs_recover(q->st, NULL, now, &n);
    if (rc == 0 && n > 0)
        zlog_info("jobs: %lld job(s) with an expired lease re-queued", (long long)n);
    int rc2 = zs_jobs_prune(q->st, now, q->keep_completed_ms, q->keep_failed_ms, &pruned);
    if (rc2 == 0 && pruned > 0)
        zlog_debug("jobs: %lld ended job(s) past retention deleted", (long long)pruned);
    if (n > 0) {
        pthread_mutex_lock(&q->lock);
        zjobs_kick_locked(q);
        pthread_mutex_unlock(&q->lock);
    }
    return rc != 0 ? rc : rc2;
}

int64_t zjobs_backoff_ms(const zjobs *q, int n)
{
    double d = q->backoff_base_ms;
    for (int i = 1; i < n && d < q->backoff_max_ms; i++)
        d *= 4;
    uint32_t r = 0;
    zc_random(&r, sizeof(r));
    d *= 0.8 + 0.4 * ((double)r / 4294967295.0); /* +-20 % */
    if (d > q->backoff_max_ms)
        d = q->backoff_max_ms;
    return (int64_t)d;
}

/* ---- the dispatcher ------------------------------------------------------------------------ */

static int device_busy_locked(const zjobs *q, int64_t device_id)
{
    if (device_id == 0)
        return 0;
    for (const struct zjob_run *r = q->active; r; r = r->next)
        if (r->device_id == device_id)
            return 1;
    return 0;
}

/* Claim job d for this process and hand it to the workers; 1 when claimed. */
static int claim(zjobs *q, const zs_job_due *d)
{
    struct zjob_run *run = calloc(1, sizeof(*run));
    if (!run)
        return 0;
    run->q = q;
    run->id = d->id;
    run->device_id = d->device_id;
    int64_t now = zjobs_now_ms();
    int claimed = 0;
    if (zs_job_claim(q->st, run->id, q->owner, now, now + q->lease_ms, &claimed) != 0 || !claimed) {
        free(run); /* another process, or a cancel, got there first */
        return 0;
    }
    pthread_mutex_lock(&q->lock);
    run->stop = q->stopping; /* closed meanwhile: the worker gives it back */
    run->next = q->active;
    q->active = run;
    q->nactive++;
    if (q->pending_tail)
        q->pending_tail->next_pending = run;
    else
        q->pending_head = run;
    q->pending_tail = run;
    pthread_cond_signal(&q->work);
    pthread_mutex_unlock(&q->lock);
    return 1;
}

/* Claim what is due and may run now, page by page in (priority, id) order, until the workers are
 * all busy or no due job is left (at most ZJOBS_DUE_PAGES pages a pass, so jobs stuck behind
 * busy devices or of kinds another process handles do not hide the rest). */
static void dispatch_due(zjobs *q)
{
    zs_job_due due[ZJOBS_DUE_BATCH];
    int after_priority = -1;
    int64_t after_id = 0;
    for (int page = 0; page < ZJOBS_DUE_PAGES; page++) {
        size_t n = 0;
        if (zs_jobs_due(q->st, zjobs_now_ms(), after_priority, after_id, due, ZJOBS_DUE_BATCH,
                        &n) != 0) {
            zlog_warn("jobs: cannot read due jobs: %s", zs_errmsg(q->st));
            return;
        }
        for (size_t i = 0; i < n; i++) {
            if (!zjobs_handler_of(q, due[i].kind))
                continue; /* another process (with that module) runs it */
            pthread_mutex_lock(&q->lock);
            int stop = q->stopping, full = q->nactive >= q->workers;
            int busy = device_busy_locked(q, due[i].device_id);
            pthread_mutex_unlock(&q->lock);
            if (stop || full)
                return; /* a job's end kicks the next pass */
            if (!busy)
                claim(q, &due[i]);
        }
        if (n < ZJOBS_DUE_BATCH)
            return;
        after_priority = due[n - 1].priority;
        after_id = due[n - 1].id;
    }
}

/* Renew the lease of every job this process runs, storing progress not yet stored; learn of
 * cancels asked elsewhere. */
static void renew_leases(zjobs *q)
{
    int64_t ids[ZJOBS_MAX_WORKERS], done[ZJOBS_MAX_WORKERS], total[ZJOBS_MAX_WORKERS];
    size_t n = 0;
    pthread_mutex_lock(&q->lock);
    for (struct zjob_run *r = q->active; r && n < ZJOBS_MAX_WORKERS; r = r->next) {
        ids[n] = r->id;
        done[n] = r->dirty ? r->done : -1;
        total[n] = r->total;
        r->dirty = 0;
        n++;
    }
    pthread_mutex_unlock(&q->lock);
    for (size_t i = 0; i < n; i++) {
        int cancel = 0, lost = 0;
        if (zs_job_heartbeat(q->st, ids[i], q->owner, zjobs_now_ms() + q->lease_ms, done[i],
                             total[i], &cancel, &lost) != 0) {
            zlog_warn("jobs: cannot renew the lease of job %lld: %s", (long long)ids[i],
                      zs_errmsg(q->st));
            continue;
        }
        pthread_mutex_lock(&q->lock);
        for (struct zjob_run *r = q->active; r; r = r->next)
            if (r->id == ids[i]) {
                r->cancel |= cancel && !lost;
                r->lost |= lost;
            }
        pthread_mutex_unlock(&q->lock);
    }
}

static void *dispatcher_main(void *arg)
{
    zjobs *q = arg;
    uint64_t t = zc_now_ms();
    uint64_t next_sweep = t + (uint64_t)q->sweep_ms;
    uint64_t next_renew = t + (uint64_t)q->lease_ms / 3;
    uint64_t next_poll = t;
    int64_t next_due_wall = 0; /* wall-clock run_at of the next scheduled job, 0 none */
    pthread_mutex_lock(&q->lock);
    q->kick = 1;
    while (!q->stopping) {
        int64_t wall = zjobs_now_ms();
        uint64_t mono = zc_now_ms();
        int pass = q->kick || mono >= next_poll || (next_due_wall && wall >= next_due_wall);
        q->kick = 0;
        pthread_mutex_unlock(&q->lock);
        if (mono >= next_sweep) {
            zjobs_sweep(q);
            next_sweep = mono + (uint64_t)q->sweep_ms;
        }
        if (mono >= next_renew) {
            renew_leases(q);
            next_renew = mono + (uint64_t)q->lease_ms / 3;
        }
        if (pass) {
            dispatch_due(q);
            next_poll = zc_now_ms() + (uint64_t)q->poll_ms;
            if (zs_jobs_next_due(q->st, zjobs_now_ms(), &next_due_wall) != 0)
                next_due_wall = 0;
        }
        pthread_mutex_lock(&q->lock);
        if (q->kick || q->stopping)
            continue;
        mono = zc_now_ms();
        uint64_t until = next_poll < next_sweep ? next_poll : next_sweep;
        if (next_renew < until)
            until = next_renew;
        if (next_due_wall) {
            int64_t in = next_due_wall - zjobs_now_ms();
            uint64_t at = mono + (uint64_t)(in > 0 ? in : 0);
            if (at < until)
                until = at;
        }
        if (until > mono) {
            struct timespec ts;
            zc_deadline(&ts, (int64_t)(until - mono));
            pthread_cond_timedwait(&q->wake, &q->lock, &ts);
        }
    }
    pthread_mutex_unlock(&q->lock);
    return NULL;
}

static void *worker_main(void *arg)
{
    zjobs *q = arg;
    pthread_mutex_lock(&q->lock);
    for (;;) {
        while (!q->pending_head && !q->stopping)
            pthread_cond_wait(&q->work, &q->lock);
        struct zjob_run *run = q->pending_head;
        if (!run)
            break; /* stopping, nothing left */
        q->pending_head = run->next_pending;
        if (!q->pending_head)
            q->pending_tail = NULL;
        pthread_mutex_unlock(&q->lock);
        zjobs_execute(q, run);
        pthread_mutex_lock(&q->lock);
    }
    pthread_mutex_unlock(&q->lock);
    return NULL;
}

int zjobs_start(zjobs *q)
{
    if (!q)
        return ZKBIO_EINVAL;
    pthread_mutex_lock(&q->lock);
    int again = q->started;
    q->started = 1;
    pthread_mutex_unlock(&q->lock);
    if (again)
        return ZKBIO_EINVAL;
    int rc = recover_at_start(q);
    if (rc != 0)
        zlog_warn("jobs: crash recovery at start failed (the sweeper retries): %s",
                  zs_errmsg(q->st));
    q->threads = calloc((size_t)q->workers, sizeof(pthread_t));
    if (!q->threads)
        return ZKBIO_ENOMEM;
    for (int i = 0; i < q->workers; i++) {
        if (pthread_create(&q->threads[i], NULL, worker_main, q) != 0)
            return ZKBIO_EIO;
        q->nthreads++;
    }
    if (pthread_create(&q->dispatcher, NULL, dispatcher_main, q) != 0)
        return ZKBIO_EIO;
    q->dispatcher_started = 1;
    zlog_info("jobs: queue started as %s with %d worker(s), %d kind(s)", q->owner, q->workers,
              q->nhandlers);
    return 0;
}

void zjobs_close(zjobs *q)
{
    if (!q)
        return;
    pthread_mutex_lock(&q->lock);
    q->stopping = 1;
    for (struct zjob_run *r = q->active; r; r = r->next)
        r->stop = 1;
    pthread_cond_broadcast(&q->wake);
    pthread_cond_broadcast(&q->work);
    pthread_mutex_unlock(&q->lock);
    if (q->dispatcher_started)
        pthread_join(q->dispatcher, NULL);
    for (int i = 0; i < q->nthreads; i++)
        pthread_join(q->threads[i], NULL);
    /* Runs claimed but never taken (no worker thread started): give them back. */
    while (q->pending_head) {
        struct zjob_run *run = q->pending_head;
        q->pending_head = run->next_pending;
        zjobs_execute(q, run);
    }
    free(q->threads);
    pthread_cond_destroy(&q->ended);
    pthread_cond_destroy(&q->work);
    pthread_cond_destroy(&q->wake);
    pthread_mutex_destroy(&q->lock);
    free(q);
}
