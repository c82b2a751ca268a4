/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file store_jobs.h
 * @brief The durable job queue's rows (table jobs, migration 0005) as C structs and the SQL over
 * them (part of store.h). The dispatcher that runs jobs is daemon/jobs (jobs.h), which re-exports
 * these types under its own names (zjob, zjobs_filter, zjobs_stats).
 *
 * Every state change is one conditional statement (or one short transaction), so several zkbiod
 * processes may share one MariaDB queue: a job is claimed only when its UPDATE changed exactly one
 * row (no SKIP LOCKED needed), and a runner's later writes match its lease owner, so a runner whose
 * lease was taken over writes nothing. unique_key is set while a job waits or runs and NULL once it
 * ended (a UNIQUE index holds any number of NULLs in both dialects).
 *
 * Times are ms since the epoch (wall clock), passed in by the caller (`now`) so tests can steer
 * them. Errors as in store.h: ZKBIO_EUNAVAIL, ZKBIO_EDB, ZKBIO_ENOENT, ZKBIO_EINVAL, ZKBIO_ENOMEM.
 * Thread-safety: as the store (each thread its own connection).
 * Ownership: a zs_job owns its payload/result/errors (malloc'd or NULL): zs_job_clear() frees them;
 * a list from zs_jobs_list() is freed with zs_jobs_list_free().
 */
#ifndef ZKBIOD_STORE_JOBS_H
#define ZKBIOD_STORE_JOBS_H

#include <stddef.h>
#include <stdint.h>

typedef struct zs_store zs_store;

/** Job states, as stored by name (zs_job_state_name). */
typedef enum zs_job_state {
    ZS_JOB_QUEUED = 0,
    ZS_JOB_SCHEDULED,
    ZS_JOB_RUNNING,
    ZS_JOB_RETRYABLE,
    ZS_JOB_COMPLETED,
    ZS_JOB_FAILED,
    ZS_JOB_CANCELLED,
} zs_job_state;

/** "queued", ...; NULL for an unknown value. */
const char *zs_job_state_name(int state);
/** The state of a name, or -1. */
int zs_job_state_parse(const char *name);

/** One row of `jobs`. Text fields are NUL-terminated (truncated to fit); payload/result/errors are
 * JSON texts owned by the struct (malloc'd, or NULL when the column is NULL). Times: ms since the
 * epoch, 0 = never. */
typedef struct zs_job {
    int64_t id;
    char queue[32]; /**< "attendance-sync", "user-sync", "device-cmd" */
    char kind[48];  /**< "attendance.pull", "user.to_db", "user.to_device", ... */
    int64_t device_id;
    int state; /**< zs_job_state */
    int priority, attempt, max_attempts;
    int cancel_requested; /**< 1: a cancel was asked while it ran */
    int64_t run_at, progress_done, progress_total;
    int64_t created_at, started_at, finished_at;
    char lease_owner[64];
    int64_t lease_until;
    char created_by[256];
    char *payload; /**< the handler's input (and its resume cursor) */
    char *result;  /**< e.g. {"downloaded":..,"inserted":..,"duplicates":..} */
    char *errors;  /**< [{"at":ISO-8601,"attempt":n,"code":"..","message":".."}, ...] */
} zs_job;

/** Free what *j owns and zero it; NULL accepted. */
void zs_job_clear(zs_job *j);

/** A job to insert. */
typedef struct zs_job_insert_args {
    const char *queue, *kind; /**< required, at most 31 / 47 bytes */
    int64_t device_id;        /**< 0 = none */
    int priority;             /**< 0..9 */
    int max_attempts;         /**< >= 1 */
    const char *payload;      /**< JSON text or NULL */
    const char *unique_key;   /**< NULL = none; at most 128 bytes */
    const char *created_by;   /**< NULL = "" */
    int64_t run_at;           /**< when it may run; > now makes it `scheduled`, else `queued` */
} zs_job_insert_args;

/**
 * Insert a job. When another job holds the same unique_key (it waits or runs), nothing is inserted
 * and *id = that job with *existing = 1 (else *existing = 0). Errors: ZKBIO_EINVAL (missing or too
 * long fields), ZKBIO_EUNAVAIL, ZKBIO_EDB.
 */
int zs_job_insert(zs_store *st, const zs_job_insert_args *a, int64_t now, int64_t *id,
                  int *existing);

/** Job id into *out (zs_job_clear() it). ZKBIO_ENOENT when unknown. */
int zs_job_get(zs_store *st, int64_t id, zs_job *out);

/** Filters and keyset paging of zs_jobs_list (NULL/0 = unused); newest first (id descending). */
typedef struct zs_job_filter {
    int64_t device_id;
    const char *queue;
    int state;      /**< -1 = any (0 is ZS_JOB_QUEUED) */
    int64_t before; /**< cursor: ids below this */
    int limit;      /**< 1..1001 (a page of 1000 and one more to tell whether more follow),
                       default 100 */
} zs_job_filter;

/** A page of jobs (*rows: free with zs_jobs_list_free); *total (may be NULL) = every row matching
 * the filters, without the cursor. */
int zs_jobs_list(zs_store *st, const zs_job_filter *f, zs_job **rows, size_t *n, int64_t *total);
void zs_jobs_list_free(zs_job *rows, size_t n);

/** A due job as the dispatcher sees it. */
typedef struct zs_job_due {
    int64_t id, device_id;
    int priority;
    char kind[48];
} zs_job_due;

/** Up to max jobs that may start now (queued, scheduled or retryable with run_at <= now), in
 * (priority, id) order after the cursor (after_priority, after_id); (-1, 0) = from the start; into
 * out; *n = how many. */
int zs_jobs_due(zs_store *st, int64_t now, int after_priority, int64_t after_id, zs_job_due *out,
                size_t max, size_t *n);

/** *at = the earliest run_at > now of a waiting job, 0 when none. */
int zs_jobs_next_due(zs_store *st, int64_t now, int64_t *at);

/** Claim job id for owner: state queued/scheduled/retryable -> running, attempt + 1, lease until
 * lease_until, started_at = now. *claimed = 1 only when exactly this one row changed (another
 * process, or a cancel, got there first otherwise). */
int zs_job_claim(zs_store *st, int64_t id, const char *owner, int64_t now, int64_t lease_until,
                 int *claimed);

/** Renew the lease of a job owner runs (and store its progress when done >= 0). *cancel (may be
 * NULL) = its cancel_requested; *lost (may be NULL) = 1 when the row is no longer this owner's
 * running job. */
int zs_job_heartbeat(zs_store *st, int64_t id, const char *owner, int64_t lease_until, int64_t done,
                     int64_t total, int *cancel, int *lost);

/** Store a running job's result or payload (JSON text, NULL = SQL NULL); only while owner runs it.
 */
int zs_job_set_result(zs_store *st, int64_t id, const char *owner, const char *json);
int zs_job_set_payload(zs_store *st, int64_t id, const char *owner, const char *json);

/** How a run ended (zs_job_finish). */
typedef struct zs_job_end {
    int state;          /**< ZS_JOB_COMPLETED, FAILED, CANCELLED or RETRYABLE */
    int64_t run_at;     /**< RETRYABLE: when to try again */
    int refund_attempt; /**< 1: the attempt does not count (the process stopped under it) */
    const char *code;   /**< an error to append to errors (NULL = none) */
    const char *message;
} zs_job_end;

/** End owner's run of job id (one transaction): set the state, append {at, attempt, code, message}
 * to errors when e->code, clear the lease, set finished_at and unique_key NULL for a final state.
 * Nothing changes when the job is no longer owner's running job (*lost = 1; may be NULL). */
int zs_job_finish(zs_store *st, int64_t id, const char *owner, int64_t now, const zs_job_end *e,
                  int *lost);

/** Cancel job id: waiting (queued, scheduled, retryable) -> cancelled now; running ->
 * cancel_requested = 1 (its runner ends it cancelled). *state = the state after (still RUNNING for
 * a running one). ZKBIO_ENOENT unknown; ZKBIO_EBUSY when it already ended (*state says how). */
int zs_job_cancel(zs_store *st, int64_t id, int64_t now, int *state);

/** Re-queue (state retryable, run_at = now) running jobs whose lease expired before now, or whose
 * lease_owner is `owner` (NULL = only expired ones). *n (may be NULL) = jobs re-queued. */
int zs_jobs_recover(zs_store *st, const char *owner, int64_t now, int64_t *n);

/** Distinct lease owners of running jobs (up to max, 64 bytes each) into owners; *n = how many. */
int zs_jobs_running_owners(zs_store *st, char (*owners)[64], size_t max, size_t *n);

/** Delete completed and cancelled jobs that ended before now - keep_completed_ms, failed ones
 * before now - keep_failed_ms. *n (may be NULL) = rows deleted. */
int zs_jobs_prune(zs_store *st, int64_t now, int64_t keep_completed_ms, int64_t keep_failed_ms,
                  int64_t *n);

/** Counts of one queue (or of all). */
typedef struct zs_job_counts {
    int64_t waiting; /**< queued + scheduled + retryable */
    int64_t active;  /**< running */
    int64_t completed, failed, cancelled;
    int64_t delayed; /**< scheduled + retryable */
    int64_t total;   /**< every row */
} zs_job_counts;

#define ZS_JOB_STATS_QUEUES 16

/** The queue's counts (GET /api/v1/queue/stats): per queue (the first ZS_JOB_STATS_QUEUES names in
 * order; the total counts every queue). */
typedef struct zs_job_stats {
    zs_job_counts total;
    struct {
        char queue[32];
        zs_job_counts c;
    } queues[ZS_JOB_STATS_QUEUES];
    size_t nqueues;
    int64_t oldest_waiting_ms; /**< how long the longest-due waiting job has waited, 0 when none */
} zs_job_stats;

int zs_jobs_stats(zs_store *st, int64_t now, zs_job_stats *out);

#endif /* ZKBIOD_STORE_JOBS_H */
