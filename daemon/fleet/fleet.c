/* SPDX-License-Identifier: Apache-2.0 */
/* The fleet's terminals (actors), the worker pool, the watcher and the operation queue (fleet.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fleet_impl.h"

int64_t zf_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t zf_now(void)
{
    return (int64_t)zc_now_ms();
}

int zf_grow(void *arr, size_t *cap, size_t n, size_t elem)
{
    void **p = arr;
    if (n < *cap)
        return 0;
    size_t nc = *cap ? *cap * 2 : 16;
    void *q = realloc(*p, nc * elem);
    if (!q)
        return ZKBIO_ENOMEM;
    *p = q;
    *cap = nc;
    return 0;
}

static void term_free(zf_term *t)
{
    zf_users_drop_locked(t);
    free(t);
}

/* Track the 4370 terminal of row d (f->mu held): the existing actor (a listener turned on again
 * when the row is enabled), else a new one. NULL on ENOMEM. */
static zf_term *adopt_locked(zfleet *f, const zs_fleet_device *d)
{
    for (zf_term *t = f->terms; t; t = t->next)
        if (t->id == d->id && !t->removed) {
            if (!t->listen && f->o.listen && d->enabled) {
                t->listen = 1;
                t->want_connect = 1;
                t->next_connect_ms = zf_now();
            }
            return t;
        }
    zf_term *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->id = d->id;
    t->dev = *d;
    t->fd = -1;
    t->listen = f->o.listen && d->enabled;
    t->want_connect = t->listen;
    t->next_connect_ms = zf_now();
    t->next_pull_ms =
        f->o.pull_interval_s > 0 ? zf_now() + (int64_t)f->o.pull_interval_s * 1000 : INT64_MAX;
    t->next = f->terms;
    f->terms = t;
    return t;
}

zf_term *zf_term_get_locked(zfleet *f, int64_t id, int create)
{
    for (zf_term *t = f->terms; t; t = t->next)
        if (t->id == id && !t->removed)
            return t;
    if (!create)
        return NULL;
    zs_fleet_device d;
    /* the store is read with the lock held: rare (first use of a terminal), and short */
    if (zs_fleet_get(f->st, id, &d) != 0 || strcmp(d.transport, "tcp4370") != 0)
        return NULL;
    return adopt_locked(f, &d);
}

/* Pick up terminals registered or enabled since (by this process's API, another process, or a
 * PATCH): the enabled 4370 rows, adopted. Called by the watcher without f->mu. */
static void rescan(zfleet *f)
{
    zs_fleet_device *list = NULL;
    size_t n = 0;
    if (zs_fleet_list_4370(f->st, &list, &n) != 0)
        return;
    pthread_mutex_lock(&f->mu);
    for (size_t i = 0; i < n && !f->stopping; i++)
        (void)adopt_locked(f, &list[i]);
    pthread_mutex_unlock(&f->mu);
    free(list);
}

void zf_ready_locked(zfleet *f, zf_term *t)
{
    if (t->running || t->in_ready)
        return;
    t->in_ready = 1;
    t->rnext = NULL;
    if (f->ready_tail)
        f->ready_tail->rnext = t;
    else
        f->ready = t;
    f->ready_tail = t;
    pthread_cond_signal(&f->work);
}

static zf_term *pop_ready_locked(zfleet *f)
{
    zf_term *t = f->ready;
    if (!t)
        return NULL;
    f->ready = t->rnext;
    if (!f->ready)
        f->ready_tail = NULL;
    t->in_ready = 0;
    t->rnext = NULL;
    return t;
}

static int has_work_locked(const zfleet *f, const zf_term *t)
{
    if (t->removed)
        return t->c != NULL;
    return t->nops > 0 || (t->c && (t->want_events || t->want_heartbeat)) ||
           (!t->c && t->want_connect && t->listen && !f->stopping &&
            zf_now() >= t->next_connect_ms);
}

/* Fail every queued operation of t (f->mu held). */
static void fail_ops_locked(zfleet *f, zf_term *t, int rc, const char *why)
{
    while (t->ops) {
        zf_op *op = t->ops;
        t->ops = op->next;
        op->next = NULL;
        op->rc = rc;
        snprintf(op->err, sizeof(op->err), "%s", why);
        op->state = 2;
    }
    t->ops_tail = NULL;
    t->nops = 0;
    pthread_cond_broadcast(&f->changed);
}

/* One turn of a terminal on a worker: one operation, else events, heartbeat or connect. */
static void run_turn(zfleet *f, zf_term *t)
{
    /* f->mu held on entry and exit */
    if (t->removed) {
        pthread_mutex_unlock(&f->mu);
        zf_session_close(f, t, 0, "removed");
        pthread_mutex_lock(&f->mu);
        fail_ops_locked(f, t, ZKBIO_ECANCELED, "the terminal was deleted");
        return;
    }
    zf_op *op = t->ops;
    if (op) {
        t->ops = op->next;
        if (!t->ops)
            t->ops_tail = NULL;
        t->nops--;
        op->state = 1;
        op->next = NULL;
        pthread_mutex_unlock(&f->mu);
        char err[256] = "";
        int rc = zf_session_open(f, t, err, sizeof(err));
        if (rc == 0) {
            rc = op->fn(f, t, t->c, op->arg, err, sizeof(err));
            if (zf_transport_error(rc))
                zf_session_close(f, t, 1, err);
            else if (rc != ZKBIO_EACCES) {
                pthread_mutex_lock(&f->mu);
                t->last_rx_ms = zf_now(); /* the terminal answered */
                pthread_mutex_unlock(&f->mu);
                zs_device_seen(f->st, t->dev.sn, t->dev.ip, NULL);
                if (t->c && zf_session_drain(f, t) != 0)
                    zf_session_close(f, t, 1, "connection lost");
            }
            pthread_mutex_lock(&f->mu);
            int keep = t->listen;
            pthread_mutex_unlock(&f->mu);
            if (t->c && !keep)
                zf_session_close(f, t, 0, NULL); /* no listener: one session per operation */
        }
        pthread_mutex_lock(&f->mu);
        op->rc = rc;
        snprintf(op->err, sizeof(op->err), "%s", err);
        op->state = 2;
        pthread_cond_broadcast(&f->changed);
        return;
    }
    /* a (re)connect only when its backoff has passed: the watcher asks again when it is due */
    int events = t->want_events, hb = t->want_heartbeat,
        conn = t->want_connect && zf_now() >= t->next_connect_ms;
    t->want_events = t->want_heartbeat = 0;
    if (conn)
        t->want_connect = 0;
    pthread_mutex_unlock(&f->mu);
    if (!t->c && conn && t->listen) {
        char err[256];
        zf_session_open(f, t, err, sizeof(err)); /* failures schedule the next try */
    } else if (t->c && events) {
        if (zf_session_drain(f, t) != 0)
            zf_session_close(f, t, 1, "connection lost");
    } else if (t->c && hb) {
        if (zf_session_heartbeat(f, t) != 0)
            zf_session_close(f, t, 1, "no answer to the heartbeat");
    }
    pthread_mutex_lock(&f->mu);
}

static void *worker_main(void *arg)
{
    zfleet *f = arg;
    pthread_mutex_lock(&f->mu);
    for (;;) {
        zf_term *t = pop_ready_locked(f);
        if (!t) {
            if (f->stopping)
                break;
            pthread_cond_wait(&f->work, &f->mu);
            continue;
        }
        t->running = 1;
        run_turn(f, t);
        t->running = 0;
        if (has_work_locked(f, t))
            zf_ready_locked(f, t); /* at the back: terminals take turns */
    }
    pthread_mutex_unlock(&f->mu);
    return NULL;
}

/* The watcher: timers, readable sockets, freeing removed terminals. */
static void *watcher_main(void *arg)
{
    zfleet *f = arg;
    struct pollfd *fds = NULL;
    zf_term **who = NULL;
    size_t cap = 0;
    int64_t *pulls = NULL;
    size_t pcap = 0;
    int64_t next_scan = zf_now() + (int64_t)f->o.heartbeat_s * 1000;
    pthread_mutex_lock(&f->mu);
    while (!f->stopping) {
        int64_t now = zf_now();
        if (now >= next_scan) {
            next_scan = now + (int64_t)f->o.heartbeat_s * 1000;
            pthread_mutex_unlock(&f->mu);
            rescan(f);
            pthread_mutex_lock(&f->mu);
            now = zf_now();
        }
        size_t n = 0, np = 0;
        zf_term **pp = &f->terms;
        while (*pp) {
            zf_term *t = *pp;
            if (t->removed && !t->running && !t->in_ready && !t->c && !t->nops) {
                *pp = t->next;
                term_free(t);
                continue;
            }
            pp = &t->next;
            if (t->removed) {
                zf_ready_locked(f, t);
                continue;
            }
            if (t->pull_due || (t->listen && now >= t->next_pull_ms)) {
                t->pull_due = 0;
                t->next_pull_ms = f->o.pull_interval_s > 0
                                      ? now + (int64_t)f->o.pull_interval_s * 1000
                                      : INT64_MAX;
                if (zf_grow(&pulls, &pcap, np, sizeof(*pulls)) == 0)
                    pulls[np++] = t->id;
            }
            if (t->running || t->in_ready)
                continue;
            if (!t->c) {
                if (t->listen && now >= t->next_connect_ms) {
                    t->want_connect = 1;
                    zf_ready_locked(f, t);
                }
                continue;
            }
            if (now - t->last_rx_ms >= (int64_t)f->o.heartbeat_s * 1000 ||
                now + 2000 >= t->lease_until_ms) {
                t->want_heartbeat = 1;
                zf_ready_locked(f, t);
                continue;
            }
            if (t->fd >= 0) {
                if (n == cap) {
                    size_t nc = cap ? cap * 2 : 16;
                    struct pollfd *nf = realloc(fds, nc * sizeof(*nf));
                    if (nf)
                        fds = nf;
                    zf_term **nw = nf ? realloc(who, nc * sizeof(*nw)) : NULL;
                    if (nw)
                        who = nw;
                    if (!nf || !nw)
                        continue;
                    cap = nc;
                }
                fds[n].fd = t->fd; /* a SOCKET on Windows: the int the client gives back */
                fds[n].events = POLLIN;
                fds[n].revents = 0;
                who[n++] = t;
            }
        }
        pthread_mutex_unlock(&f->mu);
        for (size_t i = 0; i < np; i++)
            zf_queue_pull(f, pulls[i], "catch-up");
        /* 100 ms: the longest a timer or a newly opened session waits to be noticed */
        int pr = zc_poll(fds, n, 100);
        pthread_mutex_lock(&f->mu);
        if (pr > 0) {
            for (size_t i = 0; i < n; i++) {
                zf_term *t = who[i];
                /* still in the list: terminals are freed by this thread only */
                if ((fds[i].revents & (POLLIN | POLLERR | POLLHUP)) && t->c && !t->running &&
                    !t->removed && (zc_sock)t->fd == (zc_sock)fds[i].fd) {
                    t->want_events = 1;
                    zf_ready_locked(f, t);
                }
            }
        }
    }
    pthread_mutex_unlock(&f->mu);
    free(fds);
    free(who);
    free(pulls);
    return NULL;
}

int zf_run(zfleet *f, int64_t id, zf_op_fn fn, void *arg, int wait_ms, char *err, size_t errsz)
{
    zf_op op;
    memset(&op, 0, sizeof(op));
    op.fn = fn;
    op.arg = arg;
    pthread_mutex_lock(&f->mu);
    if (f->stopping || !f->started) {
        pthread_mutex_unlock(&f->mu);
        snprintf(err, errsz, "the fleet is not running");
        return ZKBIO_EUNAVAIL;
    }
    zf_term *t = zf_term_get_locked(f, id, 1);
    if (!t) {
        pthread_mutex_unlock(&f->mu);
        snprintf(err, errsz, "no 4370 terminal with id %lld", (long long)id);
        return ZKBIO_ENOENT;
    }
    if (t->ops_tail)
        t->ops_tail->next = &op;
    else
        t->ops = &op;
    t->ops_tail = &op;
    t->nops++;
    zf_ready_locked(f, t);
    struct timespec ts;
    zc_deadline(&ts, wait_ms > 0 ? wait_ms : f->o.queue_wait_ms);
    while (op.state == 0) {
        if (pthread_cond_timedwait(&f->changed, &f->mu, &ts) != 0 && op.state == 0) {
            /* gave up before it started: take it out of the queue */
            zf_op **pp = &t->ops;
            zf_op *prev = NULL;
            while (*pp && *pp != &op) {
                prev = *pp;
                pp = &(*pp)->next;
            }
            if (*pp) {
                *pp = op.next;
                if (t->ops_tail == &op)
                    t->ops_tail = prev;
                t->nops--;
            }
            pthread_mutex_unlock(&f->mu);
            snprintf(err, errsz, "the terminal is busy with another operation");
            return ZKBIO_EBUSY;
        }
    }
    while (op.state != 2)
        pthread_cond_wait(&f->changed, &f->mu);
    pthread_mutex_unlock(&f->mu);
    snprintf(err, errsz, "%s", op.err);
    return op.rc;
}

int zfleet_open(zs_store *st, zjobs *q, const zfleet_options *o, zfleet **out, char *err,
                size_t errsz)
{
    if (!st || !out) {
        snprintf(err, errsz, "fleet: bad arguments");
        return -1;
    }
    zfleet *f = calloc(1, sizeof(*f));
    if (!f) {
        snprintf(err, errsz, "fleet: out of memory");
        return -1;
    }
    f->st = st;
    f->jobs = q;
    if (o)
        f->o = *o;
    if (f->o.workers <= 0)
        f->o.workers = 4;
    if (f->o.workers > 256)
        f->o.workers = 256;
    if (f->o.timeout_ms <= 0)
        f->o.timeout_ms = 5000;
    if (f->o.queue_wait_ms <= 0)
        f->o.queue_wait_ms = 10000;
    if (f->o.info_cache_ms == 0)
        f->o.info_cache_ms = 5000;
    if (f->o.pull_interval_s == 0)
        f->o.pull_interval_s = 600;
    if (f->o.heartbeat_s <= 0)
        f->o.heartbeat_s = 15;
    if (f->o.backoff_base_ms <= 0)
        f->o.backoff_base_ms = 1000;
    if (f->o.backoff_max_ms <= 0)
        f->o.backoff_max_ms = 60000;
    if (f->o.backoff_max_ms < f->o.backoff_base_ms)
        f->o.backoff_max_ms = f->o.backoff_base_ms;
    if (f->o.lease_ms <= 0)
        f->o.lease_ms = 30000;
    if (o && o->owner && *o->owner) {
        snprintf(f->owner, sizeof(f->owner), "%s", o->owner);
    } else {
        char host[64] = "";
        gethostname(host, sizeof(host) - 1);
        snprintf(f->owner, sizeof(f->owner), "%s:%ld", host[0] ? host : "zkbiod", (long)getpid());
    }
    f->o.owner = f->owner;
    pthread_mutex_init(&f->mu, NULL);
    pthread_cond_init(&f->work, NULL);
    pthread_cond_init(&f->changed, NULL);
    if (q && zf_jobs_register(f) != 0) {
        snprintf(err, errsz, "fleet: cannot register the job handlers");
        zfleet_close(f);
        return -1;
    }
    *out = f;
    return 0;
}

int zfleet_start(zfleet *f)
{
    if (!f)
        return ZKBIO_EINVAL;
    zs_fleet_device *list = NULL;
    size_t n = 0;
    int rc = zs_fleet_list_4370(f->st, &list, &n);
    if (rc != 0)
        return rc;
    pthread_mutex_lock(&f->mu);
    for (size_t i = 0; i < n; i++)
        (void)adopt_locked(f, &list[i]);
    free(list);
    f->workers = calloc((size_t)f->o.workers, sizeof(pthread_t));
    if (!f->workers) {
        pthread_mutex_unlock(&f->mu);
        return ZKBIO_ENOMEM;
    }
    for (int i = 0; i < f->o.workers; i++) {
        if (pthread_create(&f->workers[i], NULL, worker_main, f) != 0)
            break;
        f->nworkers++;
    }
    if (pthread_create(&f->watcher, NULL, watcher_main, f) == 0)
        f->watcher_started = 1;
    f->started = f->nworkers > 0 && f->watcher_started;
    pthread_mutex_unlock(&f->mu);
    zlog_info("fleet: %zu 4370 terminal(s), %d worker(s), listeners %s", n, f->nworkers,
              f->o.listen ? "on" : "off");
    return f->started ? ZKBIO_OK : ZKBIO_ENOMEM;
}

void zfleet_stop(zfleet *f)
{
    if (!f)
        return;
    pthread_mutex_lock(&f->mu);
    if (f->stopping && !f->nworkers && !f->watcher_started) {
        pthread_mutex_unlock(&f->mu);
        return;
    }
    f->stopping = 1;
    for (zf_term *t = f->terms; t; t = t->next)
        fail_ops_locked(f, t, ZKBIO_ECANCELED, "zkbiod is stopping");
    pthread_cond_broadcast(&f->work);
    pthread_mutex_unlock(&f->mu);
    if (f->watcher_started)
        pthread_join(f->watcher, NULL);
    f->watcher_started = 0;
    for (int i = 0; i < f->nworkers; i++)
        pthread_join(f->workers[i], NULL);
    f->nworkers = 0;
    /* no fleet thread left: close what is open (zf_run refuses new work: stopping) */
    pthread_mutex_lock(&f->mu);
    for (zf_term *t = f->terms; t; t = t->next) {
        fail_ops_locked(f, t, ZKBIO_ECANCELED, "zkbiod is stopping");
        if (t->c) {
            pthread_mutex_unlock(&f->mu);
            zf_session_close(f, t, 0, "stopping");
            pthread_mutex_lock(&f->mu);
        }
    }
    pthread_mutex_unlock(&f->mu);
}

void zfleet_close(zfleet *f)
{
    if (!f)
        return;
    zfleet_stop(f);
    free(f->workers);
    while (f->terms) {
        zf_term *t = f->terms;
        f->terms = t->next;
        term_free(t);
    }
    while (f->accts) {
        zf_acct *a = f->accts;
        f->accts = a->next;
        free(a);
    }
    pthread_cond_destroy(&f->changed);
    pthread_cond_destroy(&f->work);
    pthread_mutex_destroy(&f->mu);
    free(f);
}

zjobs *zfleet_jobs(zfleet *f)
{
    return f ? f->jobs : NULL;
}

int zfleet_device_added(zfleet *f, int64_t id)
{
    if (!f)
        return ZKBIO_EINVAL;
    pthread_mutex_lock(&f->mu);
    zf_term *t = f->stopping ? NULL : zf_term_get_locked(f, id, 1);
    if (t && t->listen && !t->c)
        zf_ready_locked(f, t);
    pthread_mutex_unlock(&f->mu);
    return t ? ZKBIO_OK : ZKBIO_ENOENT;
}

void zfleet_device_removed(zfleet *f, int64_t id)
{
    if (!f)
        return;
    pthread_mutex_lock(&f->mu);
    zf_term *t = zf_term_get_locked(f, id, 0);
    if (t) {
        t->removed = 1;
        t->listen = 0;
        fail_ops_locked(f, t, ZKBIO_ECANCELED, "the terminal was deleted");
        zf_ready_locked(f, t); /* a worker closes its session */
    }
    pthread_mutex_unlock(&f->mu);
}

int zfleet_status_get(zfleet *f, int64_t id, zfleet_status *out)
{
    if (!f || !out)
        return ZKBIO_EINVAL;
    memset(out, 0, sizeof(*out));
    pthread_mutex_lock(&f->mu);
    zf_term *t = zf_term_get_locked(f, id, 0);
    if (t) {
        out->known = 1;
        out->connected = t->c != NULL;
        out->queued = t->nops;
        out->reconnects = t->reconnects;
        out->events = t->events;
    }
    pthread_mutex_unlock(&f->mu);
    return t ? ZKBIO_OK : ZKBIO_ENOENT;
}

int64_t zfleet_sessions_opened(zfleet *f, int64_t id)
{
    if (!f)
        return 0;
    pthread_mutex_lock(&f->mu);
    zf_term *t = zf_term_get_locked(f, id, 0);
    int64_t n = t ? t->sessions : 0;
    pthread_mutex_unlock(&f->mu);
    return n;
}
