/* SPDX-License-Identifier: Apache-2.0 */
/*
 * daemon/jobs: the durable job queue of zkbiod (table `jobs`, migration 0005) and its dispatcher.
 *
 * Every terminal sync is a job: it is stored before the API answers 202, survives a crash (jobs
 * left `running` by this process, or whose lease expired, are re-queued at start and by a sweeper),
 * is retried up to max_attempts times with exponential backoff and jitter when it fails with a
 * network error (ZJOB_RETRY) and fails at once otherwise (ZJOB_FAIL). States, as in mature queues
 * (shared reference device-api.md §3.1-3.3): queued, scheduled, running, retryable, completed,
 * failed, cancelled. A second job with the same unique key (kind + device) while the first is
 * queued, running or retryable returns the first.
 *
 * Per-device serialization: the dispatcher never runs two jobs of one device at once (an in-process
 * set of busy devices; with several zkbiod processes on one MariaDB, the runner of a 4370 job also
 * holds the terminal's lease row, which daemon/fleet takes). Handlers are registered per kind by
 * the modules that do the work (daemon/fleet); this module knows nothing of terminals.
 *
 * The dispatcher: one thread, woken by a condition variable (an enqueue, a job ending, a cancel,
 * its timer: the next run_at, the lease renewal, the sweeper, and a poll for other processes'
 * jobs). It selects due jobs in (priority, id) order, skips those of a kind with no handler here (a
 * process without that module leaves them to one that has it) and those whose device is busy,
 * claims each with a conditional UPDATE (zs_job_claim) and hands it to an idle worker. It renews
 * the leases of the running jobs (and learns of cancels asked through another process). Retries:
 * the n-th failed attempt waits base * 4^(n-1) ms, +-20 % jitter, capped at backoff_max_ms. Every
 * failed attempt appends {at, attempt, code, message} to the job's errors; code is
 * "NETWORK_ERROR" (ZJOB_RETRY) or "JOB_FAILED" (ZJOB_FAIL). Crash recovery: zjobs_start() and a
 * sweeper every sweep_ms re-queue running jobs whose lease expired (and, at start, those of this
 * owner or of a dead process of this host); the sweeper also deletes completed and cancelled jobs
 * after keep_completed_s and failed ones after keep_failed_s.
 *
 * Thread-safety: every function is thread-safe. Handlers run on the dispatcher's worker threads
 * (at most `workers` at once). Dependencies: store, db, core.
 */
#ifndef ZKBIOD_JOBS_H
#define ZKBIOD_JOBS_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

typedef struct zjobs zjobs;

/* Job states, as stored (zjob_state_name); the same values as the store's zs_job_state. */
typedef enum zjob_state {
    ZJOB_QUEUED = ZS_JOB_QUEUED,
    ZJOB_SCHEDULED = ZS_JOB_SCHEDULED,
    ZJOB_RUNNING = ZS_JOB_RUNNING,
    ZJOB_RETRYABLE = ZS_JOB_RETRYABLE,
    ZJOB_COMPLETED = ZS_JOB_COMPLETED,
    ZJOB_FAILED = ZS_JOB_FAILED,
    ZJOB_CANCELLED = ZS_JOB_CANCELLED,
} zjob_state;

/* "queued", ...; NULL for an unknown value. */
const char *zjob_state_name(int state);
/* The state of a name, or -1. */
int zjob_state_parse(const char *name);

/* One job as stored: the store's row (store_jobs.h), whose fields are
 *   int64_t id; char queue[32]; char kind[48]; int64_t device_id; int state (zjob_state);
 *   int priority, attempt, max_attempts, cancel_requested; int64_t run_at, progress_done,
 *   progress_total, created_at, started_at, finished_at; char lease_owner[64];
 *   int64_t lease_until; char created_by[256]; char *payload, *result, *errors.
 * Text fields are NUL-terminated; payload/result/errors are JSON texts owned by the struct
 * (malloc'd or NULL; zjob_clear() frees them). Times are ms since the epoch, 0 = never. errors is
 * [{"at":ISO-8601,"attempt":n,"code":"..","message":".."}, ...], one entry per failed attempt. */
typedef zs_job zjob;

void zjob_clear(zjob *j);

/* What a handler returns. */
typedef enum zjob_outcome {
    ZJOB_OK = 0,    /* completed */
    ZJOB_RETRY = 1, /* a network error (timeout, refused, reset): retry with backoff */
    ZJOB_FAIL = 2,  /* a permanent error (comm key refused, validation, ...): failed now */
} zjob_outcome;

/* A running job's handle, for its handler only. */
typedef struct zjob_run zjob_run;

/* Report progress (throttled: stored at most about once a second; the last value is stored when
 * the job ends). Returns 1 when the job should stop: it was cancelled (here or by another process),
 * the queue is closing, or its lease was lost; the handler then returns ZJOB_FAIL (or ZJOB_RETRY)
 * soon and the job ends cancelled (or goes back to retryable on a close). Else 0. total 0 =
 * unknown. */
int zjob_progress(zjob_run *run, int64_t done, int64_t total);
/* Store the handler's result (JSON text, copied); kept whatever the outcome. */
int zjob_set_result(zjob_run *run, const char *json);
/* Store a new payload (JSON text, copied): the resume cursor a retry starts from. */
int zjob_save_payload(zjob_run *run, const char *json);

/* A handler: do the job. err (errsz bytes) gets the reason of a failure (no secrets: it is stored
 * and served). */
typedef zjob_outcome (*zjob_fn)(void *ctx, const zjob *job, zjob_run *run, char *err, size_t errsz);

typedef struct zjobs_options {
    int workers;          /* parallel jobs (different devices); 0 = 4, at most 256 */
    int backoff_base_ms;  /* first retry delay; 0 = 30000; the n-th is base * 4^(n-1), +-20 % */
    int backoff_max_ms;   /* cap; 0 = 600000 */
    int lease_ms;         /* a running job's lease, renewed every lease_ms/3; 0 = 60000 */
    int keep_completed_s; /* retention of completed and cancelled jobs; 0 = 7 days */
    int keep_failed_s;    /* 0 = 30 days */
    int sweep_ms;         /* expired-lease sweeper and pruner period; 0 = 60000 */
    int poll_ms;          /* look for jobs enqueued by other processes this often; 0 = 5000 */
    const char *owner;    /* this process's lease owner name (copied, <= 63 bytes); NULL =
                             "host:pid:random". A stable name lets a restarted process re-queue
                             its own running jobs at once (else they wait for their lease). */
} zjobs_options;

/* Open the queue over st (borrowed; must outlive the queue). o may be NULL. Nothing runs until
 * zjobs_start(). 0, or -1 with err. */
int zjobs_open(zs_store *st, const zjobs_options *o, zjobs **out, char *err, size_t errsz);
/* Register the handler of `kind` (copied) before zjobs_start(). 0 or ZKBIO_EEXIST/ZKBIO_EINVAL. */
int zjobs_register(zjobs *q, const char *kind, zjob_fn fn, void *ctx);
/* Re-queue `running` jobs of this owner, with an expired lease, or whose owner is a process of this
 * host that no longer exists ("host:pid:..." with a dead pid), then start the dispatcher and the
 * workers. 0, ZKBIO_EINVAL (started twice), ZKBIO_ENOMEM, or a thread error (ZKBIO_EIO). */
int zjobs_start(zjobs *q);
/* Stop the dispatcher: running handlers are asked to stop (zjob_progress returns 1) and waited
 * for; their jobs go back to `retryable`. Frees q. NULL accepted. */
void zjobs_close(zjobs *q);

/* A new job. */
typedef struct zjob_new {
    const char *queue, *kind; /* required */
    int64_t device_id;        /* 0 = none */
    int priority;             /* 0 interactive .. 9 bulk */
    int max_attempts;         /* 0 = 3 */
    const char *payload;      /* JSON text or NULL */
    const char *unique_key;   /* NULL = none; e.g. "attendance.pull:12" */
    const char *created_by;   /* principal name */
    int64_t delay_ms;         /* > 0: state scheduled, run_at = now + delay */
} zjob_new;

/* Store a job and wake the dispatcher. *id = the new job, or, when a job with the same unique key
 * is queued/scheduled/running/retryable, that job with *existing = 1. Errors: ZKBIO_EINVAL,
 * ZKBIO_EUNAVAIL, ZKBIO_EDB. */
int zjobs_enqueue(zjobs *q, const zjob_new *n, int64_t *id, int *existing);

/* One job into *out (zjob_clear() it). ZKBIO_ENOENT when unknown. */
int zjobs_get(zjobs *q, int64_t id, zjob *out);

/* Filters and keyset paging of zjobs_list (NULL/0 = unused); newest first (id descending):
 *   int64_t device_id; const char *queue; int state (-1 = any); int64_t before (cursor: ids below
 *   this); int limit (1..1001, default 100). */
typedef zs_job_filter zjobs_filter;

/* A page of jobs (*rows: caller frees with zjobs_list_free); *total = all matching rows. */
int zjobs_list(zjobs *q, const zjobs_filter *f, zjob **rows, size_t *n, int64_t *total);
void zjobs_list_free(zjob *rows, size_t n);

/* Cancel: a queued/scheduled/retryable job becomes cancelled at once; a running one is asked to
 * stop (cancel_requested; its handler sees it at its next zjob_progress, also when the cancel went
 * through another process) and ends cancelled unless its handler completes anyway. *state = the
 * state after. ZKBIO_ENOENT unknown; ZKBIO_EBUSY when it already ended (state says how). */
int zjobs_cancel(zjobs *q, int64_t id, int *state);

/* Wait up to timeout_ms for job id to end (completed, failed, cancelled); *out as zjobs_get (also
 * on ZKBIO_ETIMEDOUT: the job as it is now). Woken at once when a job of this process ends; a job
 * run by another process is seen within 200 ms. ZKBIO_ETIMEDOUT when it is still going,
 * ZKBIO_ENOENT when unknown. For interactive operations queued as jobs. */
int zjobs_wait(zjobs *q, int64_t id, int timeout_ms, zjob *out);

/* Counts per queue and state (GET /api/v1/queue/stats), the store's (store_jobs.h):
 *   zjobs_counts: waiting (queued + scheduled + retryable), active (running), completed, failed,
 *   cancelled, delayed (scheduled + retryable), total (every row);
 *   zjobs_stats: total (zjobs_counts), queues[16] {queue, c}, nqueues, oldest_waiting_ms (how long
 *   the longest-due waiting job has waited, 0 when none). */
typedef zs_job_counts zjobs_counts;
typedef zs_job_stats zjobs_stats;
int zjobs_stats_get(zjobs *q, zjobs_stats *out);

/* This process's lease owner name (valid until zjobs_close). */
const char *zjobs_owner(const zjobs *q);
/* Run the sweeper now (normally every sweep_ms): re-queue running jobs whose lease expired, delete
 * ended jobs past their retention. 0 or a store error. */
int zjobs_sweep(zjobs *q);
/* Wall-clock milliseconds since the epoch (the unit of every time in a zjob). */
int64_t zjobs_now_ms(void);

#endif /* ZKBIOD_JOBS_H */
