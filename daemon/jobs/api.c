/* SPDX-License-Identifier: Apache-2.0 */
/* The queue's calls for the rest of zkbiod (jobs.h): enqueue, read, list, cancel, wait, stats. */
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "jobs_impl.h"

const char *zjob_state_name(int state)
{
    return zs_job_state_name(state);
}

int zjob_state_parse(const char *name)
{
    return zs_job_state_parse(name);
}

void zjob_clear(zjob *j)
{
    zs_job_clear(j);
}

int zjobs_enqueue(zjobs *q, const zjob_new *n, int64_t *id, int *existing)
{
    int dummy = 0;
    if (!existing)
        existing = &dummy;
    if (!q || !n || !id || n->delay_ms < 0 || n->max_attempts < 0)
        return ZKBIO_EINVAL;
    int64_t now = zjobs_now_ms();
    zs_job_insert_args a = {
        .queue = n->queue,
        .kind = n->kind,
        .device_id = n->device_id,
        .priority = n->priority,
        .max_attempts = n->max_attempts > 0 ? n->max_attempts : 3,
        .payload = n->payload,
        .unique_key = n->unique_key,
        .created_by = n->created_by,
        .run_at = n->delay_ms > 0 ? now + n->delay_ms : now,
    };
    int rc = zs_job_insert(q->st, &a, now, id, existing);
    if (rc == 0 && !*existing) {
        pthread_mutex_lock(&q->lock);
        zjobs_kick_locked(q);
        pthread_mutex_unlock(&q->lock);
    }
    return rc;
}

int zjobs_get(zjobs *q, int64_t id, zjob *out)
{
    return zs_job_get(q->st, id, out);
}

int zjobs_list(zjobs *q, const zjobs_filter *f, zjob **rows, size_t *n, int64_t *total)
{
    return zs_jobs_list(q->st, f, rows, n, total);
}

void zjobs_list_free(zjob *rows, size_t n)
{
    zs_jobs_list_free(rows, n);
}

int zjobs_cancel(zjobs *q, int64_t id, int *state)
{
    int st = -1;
    int rc = zs_job_cancel(q->st, id, zjobs_now_ms(), &st);
    if (state)
        *state = st;
    if (rc != 0)
        return rc;
    pthread_mutex_lock(&q->lock);
    if (st == ZJOB_RUNNING) /* running here: its handler sees it at its next zjob_progress */
        for (struct zjob_run *r = q->active; r; r = r->next)
            if (r->id == id)
                r->cancel = 1;
    pthread_cond_broadcast(&q->ended);
    pthread_mutex_unlock(&q->lock);
    return 0;
}

static int ended(int state)
{
    return state == ZJOB_COMPLETED || state == ZJOB_FAILED || state == ZJOB_CANCELLED;
}

int zjobs_wait(zjobs *q, int64_t id, int timeout_ms, zjob *out)
{
    uint64_t deadline = zc_now_ms() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0);
    for (;;) {
        int rc = zs_job_get(q->st, id, out);
        if (rc != 0)
            return rc;
        if (ended(out->state))
            return 0;
        uint64_t now = zc_now_ms();
        if (now >= deadline)
            return ZKBIO_ETIMEDOUT;
        zs_job_clear(out);
        uint64_t step = deadline - now < 200 ? deadline - now : 200;
        struct timespec ts;
        zc_deadline(&ts, (int64_t)step);
        pthread_mutex_lock(&q->lock);
        pthread_cond_timedwait(&q->ended, &q->lock, &ts);
        pthread_mutex_unlock(&q->lock);
    }
}

int zjobs_stats_get(zjobs *q, zjobs_stats *out)
{
    return zs_jobs_stats(q->st, zjobs_now_ms(), out);
}
