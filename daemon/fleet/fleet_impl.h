/* SPDX-License-Identifier: Apache-2.0 */
/* Private parts of daemon/fleet shared by its source files: the terminal actors, the pool, the
 * operation queue (fleet.c), sessions (session.c), operations (ops.c), job handlers (pulls.c). */
#ifndef ZKBIOD_FLEET_IMPL_H
#define ZKBIOD_FLEET_IMPL_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include "core.h"
#include "fleet.h"

typedef struct zf_term zf_term;

/* An operation run on a terminal's session by the worker that holds the terminal. Returns a
 * ZKBIO_* code; err gets a reason (no secrets). */
typedef int (*zf_op_fn)(zfleet *f, zf_term *t, zkbio_zk_client *c, void *arg, char *err,
                        size_t errsz);

/* An operation in a terminal's queue. Lives on the submitter's stack: the submitter unlinks it
 * itself when it gives up before it started, and waits for it once it runs. */
typedef struct zf_op {
    zf_op_fn fn;
    void *arg;
    int state; /* 0 queued, 1 running, 2 done */
    int rc;
    char err[256];
    struct zf_op *next;
} zf_op;

/* One 4370 terminal (an actor). Every field is under zfleet.mu, except `c`, which only the
 * worker holding the terminal (running = 1) uses. */
struct zf_term {
    int64_t id;
    zs_fleet_device dev; /* the row, re-read before each (re)connect */
    zkbio_zk_client *c;  /* the session, NULL when closed */
    int fd;              /* its socket, -1 when closed */
    int running;         /* a worker holds the terminal */
    int in_ready;        /* in the ready list */
    zf_op *ops, *ops_tail;
    int nops;
    int want_events;    /* the watcher saw the socket readable */
    int want_heartbeat; /* silent for heartbeat_s */
    int want_connect;   /* listener: (re)connect is due */
    int removed;        /* deleted: close and forget */
    int listen;         /* keep a registered session open */
    int failures;       /* consecutive failed connects */
    int64_t next_connect_ms, last_rx_ms, next_pull_ms, lease_until_ms;
    int pull_due; /* queue a catch-up pull (after a reconnect) */
    int connected_once;
    /* info cache */
    zkbio_zk_info info;
    int64_t info_at_ms; /* 0 = none */
    /* user list cache (a copy: malloc'd, freed with the terminal or when dropped) */
    zkbio_zk_user *users;
    size_t nusers;
    int64_t users_at_ms; /* 0 = none */
    /* counters */
    int64_t sessions, events;
    int reconnects;
    zf_term *next;  /* registry */
    zf_term *rnext; /* ready list */
};

/* Unlock rate windows, per device ("device:<id>") and per account ("account:<key>"). */
typedef struct zf_acct {
    char key[128];
    zc_window win;
    struct zf_acct *next;
} zf_acct;

struct zfleet {
    zs_store *st;
    zjobs *jobs;
    zfleet_options o;
    char owner[96];
    pthread_mutex_t mu;
    pthread_cond_t work;    /* ready list not empty, or stopping */
    pthread_cond_t changed; /* an operation ended or left the queue */
    zf_term *terms;
    zf_term *ready, *ready_tail;
    zf_acct *accts;
    int stopping;
    int started;
    pthread_t *workers;
    int nworkers;
    pthread_t watcher;
    int watcher_started;
};

/* Make room for element n of a growable array (*arr, *cap elements of `elem` bytes). 0 or
 * ZKBIO_ENOMEM. */
int zf_grow(void *arr, size_t *cap, size_t n, size_t elem);
/* Monotonic milliseconds. */
int64_t zf_now(void);

/* fleet.c: the terminal with id (created for a registered 4370 terminal when missing, listener
 * per options), under f->mu. NULL when it is not a 4370 terminal (or the store fails). */
zf_term *zf_term_get_locked(zfleet *f, int64_t id, int create);
/* Put t on the ready list if it is idle and not listed (f->mu held). */
void zf_ready_locked(zfleet *f, zf_term *t);
/* Run fn on terminal id's session: queue, wait up to wait_ms to start, then wait for the end. */
int zf_run(zfleet *f, int64_t id, zf_op_fn fn, void *arg, int wait_ms, char *err, size_t errsz);

/* session.c: with t held by the calling worker (f->mu NOT held). */
/* Open the session if closed (lease first). 0 or an error (err filled). */
int zf_session_open(zfleet *f, zf_term *t, char *err, size_t errsz);
/* Close the session and drop the lease. `failed`: schedule a reconnect after the backoff. */
void zf_session_close(zfleet *f, zf_term *t, int failed, const char *why);
/* Store the events received so far (punches); returns a transport error of the session, or 0. */
int zf_session_drain(zfleet *f, zf_term *t);
/* Renew the lease during a long operation (throttled: when a third of it is used). 0, or
 * ZKBIO_EBUSY when another process took it (the operation should stop). */
int zf_lease_touch(zfleet *f, zf_term *t);
/* Heartbeat: a clock read; renews the lease. */
int zf_session_heartbeat(zfleet *f, zf_term *t);
/* 1 when rc means the session is unusable (transport error, timeout). */
int zf_transport_error(int rc);
/* The next reconnect delay for `failures` consecutive failures (jitter +-20 %). */
int64_t zf_backoff_ms(const zfleet *f, int failures);
/* Queue a catch-up attendance pull job for device id (no-op without a job queue). */
void zf_queue_pull(zfleet *f, int64_t id, const char *reason);

/* ops.c: forget t's cached user list (f->mu held): its users changed. */
void zf_users_drop_locked(zf_term *t);

/* pulls.c: register the job handlers. */
int zf_jobs_register(zfleet *f);

#endif /* ZKBIOD_FLEET_IMPL_H */
