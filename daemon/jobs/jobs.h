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
 * Thread-safety: every function is thread-safe. Handlers run on the dispatcher's worker threads
 * (at most `workers` at once). Dependencies: store, db, core.
 */
#ifndef ZKBIOD_JOBS_H
#define ZKBIOD_JOBS_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

typedef struct zjobs zjobs;

/* Job states, as stored (zjob_state_name). */
typedef enum zjob_state {
    ZJOB_QUEUED = 0,
    ZJOB_SCHEDULED,
    ZJOB_RUNNING,
    ZJOB_RETRYABLE,
    ZJOB_COMPLETED,
    ZJOB_FAILED,
    ZJOB_CANCELLED,
} zjob_state;

/* "queued", ...; NULL for an unknown value. */
const char *zjob_state_name(int state);
/* The state of a name, or -1. */
int zjob_state_parse(const char *name);

/* One job as stored. Text fields are NUL-terminated; payload/result/errors are JSON texts owned by
 * the struct (malloc'd or NULL; zjob_clear() frees them). Times are ms since the epoch, 0 = never.
 */
typedef struct zjob {
    int64_t id;
    char queue[32]; /* "attendance-sync", "user-sync", "device-cmd" */
    char kind[48];  /* "attendance.pull", "user.to_db", "user.to_device", ... */
    int64_t device_id;
    int state; /* zjob_state */
    int priority, attempt, max_attempts;
    int64_t run_at, progress_done, progress_total;
    int64_t created_at, started_at, finished_at;
    char created_by[256];
    char *payload; /* the handler's input (and its resume cursor) */
    char *result;  /* e.g. {"downloaded":..,"inserted":..,"duplicates":..} */
    char *errors;  /* [{"at":ISO,"attempt":n,"code":"..","message":".."}, ...] */
} zjob;

void zjob_clear(zjob *j);

/* What a handler returns. */
typedef enum zjob_outcome {
    ZJOB_OK = 0,    /* completed */
    ZJOB_RETRY = 1, /* a network error (timeout, refused, reset): retry with backoff */
    ZJOB_FAIL = 2,  /* a permanent error (comm key refused, validation, ...): failed now */
} zjob_outcome;

/* A running job's handle, for its handler only. */
typedef struct zjob_run zjob_run;

/* Report progress (throttled: stored at most about once a second). Returns 1 when the job was
 * cancelled meanwhile (the handler should stop and return ZJOB_FAIL), else 0. */
int zjob_progress(zjob_run *run, int64_t done, int64_t total);
/* Store the handler's result (JSON text, copied); kept whatever the outcome. */
int zjob_set_result(zjob_run *run, const char *json);
/* Store a new payload (JSON text, copied): the resume cursor a retry starts from. */
int zjob_save_payload(zjob_run *run, const char *json);

/* A handler: do the job. err (errsz bytes) gets the reason of a failure (no secrets: it is stored
 * and served). */
typedef zjob_outcome (*zjob_fn)(void *ctx, const zjob *job, zjob_run *run, char *err, size_t errsz);

typedef struct zjobs_options {
    int workers;          /* parallel jobs (different devices); 0 = 4 */
    int backoff_base_ms;  /* first retry delay; 0 = 30000; the n-th is base * 4^(n-1), +-20 % */
    int backoff_max_ms;   /* cap; 0 = 600000 */
    int lease_ms;         /* a running job's lease, renewed while it runs; 0 = 60000 */
    int keep_completed_s; /* retention; 0 = 7 days */
    int keep_failed_s;    /* 0 = 30 days */
    const char *owner;    /* this process's lease owner name (copied); NULL = host:pid */
} zjobs_options;

/* Open the queue over st (borrowed; must outlive the queue). o may be NULL. Nothing runs until
 * zjobs_start(). 0, or -1 with err. */
int zjobs_open(zs_store *st, const zjobs_options *o, zjobs **out, char *err, size_t errsz);
/* Register the handler of `kind` (copied) before zjobs_start(). 0 or ZKBIO_EEXIST/ZKBIO_EINVAL. */
int zjobs_register(zjobs *q, const char *kind, zjob_fn fn, void *ctx);
/* Re-queue this process's and lease-expired `running` jobs, start the dispatcher and workers. */
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

/* Filters and keyset paging of zjobs_list (NULL/0 = unused); newest first (id descending). */
typedef struct zjobs_filter {
    int64_t device_id;
    const char *queue;
    int state;      /* -1 = any */
    int64_t before; /* cursor: ids below this */
    int limit;      /* 1..1000, default 100 */
} zjobs_filter;

/* A page of jobs (*rows: caller frees with zjobs_list_free); *total = all matching rows. */
int zjobs_list(zjobs *q, const zjobs_filter *f, zjob **rows, size_t *n, int64_t *total);
void zjobs_list_free(zjob *rows, size_t n);

/* Cancel: a queued/scheduled/retryable job becomes cancelled at once; a running one is asked to
 * stop (its handler sees it at its next zjob_progress) and ends cancelled. *state = the state
 * after. ZKBIO_ENOENT unknown; ZKBIO_EBUSY when it already ended (state says how). */
int zjobs_cancel(zjobs *q, int64_t id, int *state);

/* Wait up to timeout_ms for job id to end (completed, failed, cancelled); *out as zjobs_get.
 * ZKBIO_ETIMEDOUT when it is still going. For interactive operations queued as jobs. */
int zjobs_wait(zjobs *q, int64_t id, int timeout_ms, zjob *out);

/* Counts per queue and state (GET /api/v1/queue/stats). */
typedef struct zjobs_counts {
    int64_t waiting; /* queued + scheduled + retryable */
    int64_t active;  /* running */
    int64_t completed, failed, cancelled, delayed /* scheduled + retryable */;
} zjobs_counts;
typedef struct zjobs_stats {
    zjobs_counts total;
    struct {
        char queue[32];
        zjobs_counts c;
    } queues[8];
    size_t nqueues;
    int64_t oldest_waiting_ms; /* age of the oldest waiting job, 0 when none */
} zjobs_stats;
int zjobs_stats_get(zjobs *q, zjobs_stats *out);

#endif /* ZKBIOD_JOBS_H */
