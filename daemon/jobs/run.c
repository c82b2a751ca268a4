/* SPDX-License-Identifier: Apache-2.0 */
/* One run of a job on a worker thread: the handler's calls (zjob_progress, zjob_set_result,
 * zjob_save_payload) and how the run's end is stored (jobs.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "jobs_impl.h"

int zjob_progress(zjob_run *run, int64_t done, int64_t total)
{
    zjobs *q = run->q;
    uint64_t mono = zc_now_ms();
    pthread_mutex_lock(&q->lock);
    run->done = done;
    run->total = total;
    run->dirty = 1;
    int store = mono - run->last_store_ms >= ZJOBS_PROGRESS_MS;
    if (store) {
        run->last_store_ms = mono;
        run->dirty = 0;
    }
    pthread_mutex_unlock(&q->lock);
    if (store) {
        int cancel = 0, lost = 0;
        if (zs_job_heartbeat(q->st, run->id, q->owner, zjobs_now_ms() + q->lease_ms, done, total,
                             &cancel, &lost) == 0) {
            pthread_mutex_lock(&q->lock);
            run->cancel |= cancel && !lost;
            run->lost |= lost;
            pthread_mutex_unlock(&q->lock);
        }
    }
    pthread_mutex_lock(&q->lock);
    int stop = run->cancel || run->stop || run->lost;
    pthread_mutex_unlock(&q->lock);
    return stop;
}

int zjob_set_result(zjob_run *run, const char *json)
{
    return zs_job_set_result(run->q->st, run->id, run->q->owner, json);
}

int zjob_save_payload(zjob_run *run, const char *json)
{
    return zs_job_set_payload(run->q->st, run->id, run->q->owner, json);
}

/* How the run ends, from the handler's outcome and what happened meanwhile. */
static void decide(const zjobs *q, const zjob *job, zjob_outcome out, int cancel, int stop,
                   const char *err, zs_job_end *e)
{
    memset(e, 0, sizeof(*e));
    if (out == ZJOB_OK) {
        e->state = ZS_JOB_COMPLETED;
    } else if (cancel) {
        e->state = ZS_JOB_CANCELLED;
    } else if (stop) { /* the process stops: not the job's fault, the attempt does not count */
        e->state = ZS_JOB_RETRYABLE;
        e->refund_attempt = 1;
        e->run_at = zjobs_now_ms();
    } else if (out == ZJOB_RETRY && job->attempt < job->max_attempts) {
        e->state = ZS_JOB_RETRYABLE;
        e->run_at = zjobs_now_ms() + zjobs_backoff_ms(q, job->attempt);
        e->code = "NETWORK_ERROR";
    } else {
        e->state = ZS_JOB_FAILED;
        e->code = out == ZJOB_RETRY ? "NETWORK_ERROR" : "JOB_FAILED";
    }
    if (e->code)
        e->message = err && *err ? err : "the job failed";
}

void zjobs_execute(zjobs *q, struct zjob_run *run)
{
    char err[512] = "";
    zjob_outcome out = ZJOB_FAIL;
    pthread_mutex_lock(&q->lock);
    int stop = run->stop;
    pthread_mutex_unlock(&q->lock);
    int loaded = !stop && zs_job_get(q->st, run->id, &run->job) == 0;
    const zjobs_handler *h = loaded ? zjobs_handler_of(q, run->job.kind) : NULL;
    pthread_mutex_lock(&q->lock);
    if (loaded && run->job.cancel_requested) /* cancelled between its claim and now */
        run->cancel = 1;
    int cancelled = run->cancel;
    pthread_mutex_unlock(&q->lock);
    if (cancelled) {
        snprintf(err, sizeof(err), "cancelled before it started");
    } else if (h) {
        out = h->fn(h->ctx, &run->job, run, err, sizeof(err));
        if (out != ZJOB_OK && out != ZJOB_RETRY && out != ZJOB_FAIL)
            out = ZJOB_FAIL;
    } else if (!stop) {
        snprintf(err, sizeof(err), "%s",
                 loaded ? "no handler for this kind" : "cannot load the job");
        out = ZJOB_RETRY;
    }
    pthread_mutex_lock(&q->lock);
    int cancel = run->cancel, lost = run->lost;
    stop = run->stop;
    int64_t done = run->done, total = run->total;
    int dirty = run->dirty;
    pthread_mutex_unlock(&q->lock);
    if (dirty && !lost)
        zs_job_heartbeat(q->st, run->id, q->owner, zjobs_now_ms() + q->lease_ms, done, total, NULL,
                         NULL);
    zs_job_end e; /* not started (closing) or unreadable: given back as it was */
    decide(q, &run->job, out, cancel, stop || !loaded, err, &e);
    int gone = 0;
    if (!lost && zs_job_finish(q->st, run->id, q->owner, zjobs_now_ms(), &e, &gone) != 0)
        zlog_warn("jobs: cannot store the end of job %lld (its lease expires and it is re-queued): "
                  "%s",
                  (long long)run->id, zs_errmsg(q->st));
    else if (lost || gone)
        zlog_warn("jobs: job %lld was taken over by another process: its run here is discarded",
                  (long long)run->id);
    else if (e.state == ZS_JOB_FAILED)
        zlog_warn("jobs: job %lld (%s) failed after %d attempt(s): %s", (long long)run->id,
                  run->job.kind, run->job.attempt, e.message);
    else
        zlog_debug("jobs: job %lld (%s) -> %s", (long long)run->id, run->job.kind,
                   zs_job_state_name(e.state));
    pthread_mutex_lock(&q->lock);
    for (struct zjob_run **p = &q->active; *p; p = &(*p)->next)
        if (*p == run) {
            *p = run->next;
            break;
        }
    q->nactive--;
    zjobs_kick_locked(q);
    pthread_cond_broadcast(&q->ended);
    pthread_mutex_unlock(&q->lock);
    zjob_clear(&run->job);
    free(run);
}
