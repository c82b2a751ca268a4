/* SPDX-License-Identifier: Apache-2.0 */
/* Private parts of daemon/jobs shared by its source files (dispatcher.c, run.c, api.c). */
#ifndef ZKBIOD_JOBS_IMPL_H
#define ZKBIOD_JOBS_IMPL_H

#include <pthread.h>
#include <stdint.h>

#include "jobs.h"

#define ZJOBS_MAX_KINDS   32
#define ZJOBS_MAX_WORKERS 256
/* Due jobs read per page, and pages at most per dispatcher pass. */
#define ZJOBS_DUE_BATCH 64
#define ZJOBS_DUE_PAGES 16
/* zjob_progress stores progress at most this often (ms). */
#define ZJOBS_PROGRESS_MS 1000

/* One claimed job, from its claim until its end is stored. Fields below `job` are under q->lock. */
struct zjob_run {
    zjobs *q;
    int64_t id, device_id;
    zjob job;   /* the row as claimed (the worker loads it) */
    int cancel; /* a cancel was asked */
    int stop;   /* the queue is closing */
    int lost;   /* the lease is no longer ours */
    int64_t done, total;
    int dirty;              /* progress not stored yet */
    uint64_t last_store_ms; /* monotonic time of the last progress store */
    struct zjob_run *next;  /* in q->active */
    struct zjob_run *next_pending;
};

typedef struct zjobs_handler {
    char kind[48];
    zjob_fn fn;
    void *ctx;
} zjobs_handler;

struct zjobs {
    zs_store *st;
    int workers, backoff_base_ms, backoff_max_ms, lease_ms, sweep_ms, poll_ms;
    int64_t keep_completed_ms, keep_failed_ms;
    char owner[64];
    char host[64];
    zjobs_handler handlers[ZJOBS_MAX_KINDS]; /* fixed once started */
    int nhandlers;
    pthread_mutex_t lock;
    pthread_cond_t wake;     /* the dispatcher: kick or stopping */
    pthread_cond_t work;     /* the workers: pending or stopping */
    pthread_cond_t ended;    /* a job of this process ended or was cancelled (zjobs_wait) */
    struct zjob_run *active; /* every claimed run */
    struct zjob_run *pending_head, *pending_tail; /* claimed, not yet taken by a worker */
    int nactive;
    int kick;
    int stopping;
    int started;
    pthread_t dispatcher;
    int dispatcher_started;
    pthread_t *threads;
    int nthreads;
};

/* The handler of kind, or NULL (handlers are fixed once started: no lock needed then). */
const zjobs_handler *zjobs_handler_of(const zjobs *q, const char *kind);
/* Delay before retry n (1 = after the first failed attempt): base * 4^(n-1), +-20 %, capped. */
int64_t zjobs_backoff_ms(const zjobs *q, int n);
/* Run one claimed job on a worker thread and store how it ended (run.c); frees run. */
void zjobs_execute(zjobs *q, struct zjob_run *run);
/* Wake the dispatcher (caller holds q->lock). */
void zjobs_kick_locked(zjobs *q);

#endif /* ZKBIOD_JOBS_IMPL_H */
