/* SPDX-License-Identifier: Apache-2.0 */
/* A terminal's session: lease, connect, event registration, punches as they happen, heartbeat,
 * close with backoff (fleet.h). Called by the worker holding the terminal, without f->mu. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fleet_impl.h"

int zf_transport_error(int rc)
{
    return rc == ZKBIO_ECONN || rc == ZKBIO_ETIMEDOUT || rc == ZKBIO_EPROTO || rc == ZKBIO_ETOOBIG;
}

/* xorshift jitter source: per call, seeded from the clock and the caller (no shared state). */
static uint32_t jitter_seed(int64_t a, int64_t b)
{
    uint64_t x = (uint64_t)a * 0x9E3779B97F4A7C15ull ^ (uint64_t)b * 0xBF58476D1CE4E5B9ull;
    x ^= x >> 31;
    x *= 0x94D049BB133111EBull;
    x ^= x >> 29;
    return (uint32_t)x;
}

int64_t zf_backoff_ms(const zfleet *f, int failures)
{
    int64_t d = f->o.backoff_base_ms;
    for (int i = 1; i < failures && d < f->o.backoff_max_ms; i++)
        d *= 2;
    if (d > f->o.backoff_max_ms)
        d = f->o.backoff_max_ms;
    /* +-20 %: terminals that dropped together do not all come back in the same instant */
    int64_t span = d / 5;
    if (span > 0)
        d += (int64_t)(jitter_seed(zf_now(), failures) % (uint32_t)(2 * span + 1)) - span;
    return d > 0 ? d : 1;
}

static const char *state_of(int rc)
{
    return rc == ZKBIO_ETIMEDOUT || rc == ZKBIO_ECONN || rc == ZKBIO_ENOENT ? "unreachable"
                                                                            : "offline";
}

/* issue 15: a terminal answering at a registered address with another serial number is flagged
 * (devices.flag "sn_mismatch", audited and logged once per change) and not used, so its punches are
 * never stored under the registered SN. The flag clears when the registered SN answers again; a
 * replaced terminal is deleted and added again by an operator (docs/admission.md). */
static int check_serial(zfleet *f, const zs_fleet_device *d, zkbio_zk_client *c, char *err,
                        size_t errsz)
{
    char sn[64] = "";
    if (zkbio_zk_option_get(c, "~SerialNumber", sn, sizeof(sn)) != 0 || !sn[0])
        return 0; /* the terminal does not say: nothing to compare */
    int mismatch = 0, first = 0;
    if (zs_device_report_sn(f->st, d->id, sn, &mismatch, &first) != 0 || !mismatch)
        return 0;
    snprintf(err, errsz,
             "the terminal at %s:%d reports serial number %.40s, registered as %s: not used until "
             "an operator checks it",
             d->ip, d->port, sn, d->sn);
    if (first) {
        zlog_warn("fleet: terminal %lld (%s): %s", (long long)d->id, d->sn, err);
        json_t *det =
            json_pack("{s:s, s:s%}", "registered", d->sn, "reported", sn, strnlen(sn, 40));
        char *text = det ? json_dumps(det, JSON_COMPACT) : NULL;
        json_decref(det);
        zs_audit_begin(f->st, "system", 0, d->ip, "device.sn_mismatch", d->sn, d->id, "denied",
                       text, NULL);
        free(text);
    }
    return ZKBIO_EPROTO;
}

int zf_session_open(zfleet *f, zf_term *t, char *err, size_t errsz)
{
    if (t->c)
        return ZKBIO_OK;
    zs_fleet_device d;
    int rc = zs_fleet_get(f->st, t->id, &d);
    if (rc != 0) {
        snprintf(err, errsz, "the terminal's row cannot be read (%s)", zkbio_strerror(rc));
        return rc;
    }
    int got = 0;
    rc = zs_lease_take(f->st, t->id, f->owner, f->o.lease_ms, &got);
    if (rc != 0 || !got) {
        snprintf(err, errsz, "%s",
                 rc ? "the terminal's lease cannot be taken (database)"
                    : "another zkbiod process holds this terminal's session");
        pthread_mutex_lock(&f->mu);
        t->dev = d;
        /* try again well before the holder's lease could expire: it may drop it sooner */
        int64_t wait = f->o.lease_ms / 4 < 5000 ? f->o.lease_ms / 4 : 5000;
        t->next_connect_ms = zf_now() + wait;
        pthread_mutex_unlock(&f->mu);
        return rc ? rc : ZKBIO_EBUSY;
    }
    zkbio_zk_client_options co;
    zkbio_zk_client_options_init(&co);
    co.transport = d.udp ? ZKBIO_ZK_UDP : ZKBIO_ZK_TCP;
    co.comm_key = d.comm_key;
    co.timeout_ms = f->o.timeout_ms;
    zkbio_zk_client *c = NULL;
    pthread_mutex_lock(&f->mu);
    int listen = t->listen;
    pthread_mutex_unlock(&f->mu);
    rc = zkbio_zk_client_open(d.ip, (uint16_t)d.port, &co, &c);
    if (rc == 0 && listen) {
        rc = zkbio_zk_events_register(c, ZKBIO_ZK_EF_ATTLOG);
        if (rc != 0) {
            zkbio_zk_client_last_error(c, err, errsz);
            zkbio_zk_client_close(c);
            c = NULL;
        }
    } else if (rc != 0) {
        snprintf(err, errsz, "%s:%d: %s", d.ip, d.port,
                 rc == ZKBIO_EACCES ? "comm key refused by the terminal" : zkbio_strerror(rc));
    }
    if (rc == 0 && c && (rc = check_serial(f, &d, c, err, errsz)) != 0) {
        zkbio_zk_client_close(c);
        c = NULL;
    }
    int fd = -1;
    if (c)
        zkbio_zk_client_fd_get(c, &fd);
    pthread_mutex_lock(&f->mu);
    t->dev = d;
    if (rc == 0) {
        t->c = c;
        t->fd = fd;
        t->sessions++;
        t->failures = 0;
        t->last_rx_ms = zf_now();
        t->lease_until_ms = zf_now() + f->o.lease_ms;
        t->want_connect = 0;
        if (t->listen) {
            if (t->connected_once)
                t->reconnects++;
            t->pull_due = 1; /* catch up on what happened while nobody listened */
        }
        t->connected_once = 1;
    } else {
        t->failures++;
        t->next_connect_ms = zf_now() + zf_backoff_ms(f, t->failures);
        t->want_connect = t->listen; /* the watcher asks again once the backoff passed */
    }
    pthread_mutex_unlock(&f->mu);
    if (rc == 0) {
        zs_fleet_set_state(f->st, t->id, "online", "", 1);
        zlog_info("fleet: terminal %lld (%s): session open over %s%s", (long long)t->id, d.sn,
                  d.udp ? "UDP" : "TCP", listen ? ", listening" : "");
    } else {
        zs_lease_drop(f->st, t->id, f->owner);
        zs_fleet_set_state(f->st, t->id, state_of(rc), err, 0);
        zlog_warn("fleet: terminal %lld (%s): %s", (long long)t->id, d.sn, err);
    }
    return rc;
}

void zf_session_close(zfleet *f, zf_term *t, int failed, const char *why)
{
    pthread_mutex_lock(&f->mu);
    zkbio_zk_client *c = t->c;
    t->c = NULL;
    t->fd = -1;
    t->want_events = t->want_heartbeat = 0;
    if (failed) {
        t->failures++;
        t->next_connect_ms = zf_now() + zf_backoff_ms(f, t->failures);
    }
    if (t->listen)
        t->want_connect = 1;
    pthread_mutex_unlock(&f->mu);
    if (!c)
        return;
    if (failed)
        zlog_warn("fleet: terminal %lld: session closed: %s", (long long)t->id,
                  why ? why : "error");
    zkbio_zk_client_close(c);
    zs_lease_drop(f->st, t->id, f->owner);
    if (failed)
        zs_fleet_set_state(f->st, t->id, "offline", why ? why : "", 0);
}

/* Punches collected from the event queue. */
typedef struct evbuf {
    zs_fleet_punch *p;
    size_t n, cap;
} evbuf;

static int on_event(const zkbio_zk_event *ev, void *user)
{
    evbuf *b = user;
    if (ev->flag != ZKBIO_ZK_EF_ATTLOG || !ev->user_id[0])
        return 0;
    if (zf_grow(&b->p, &b->cap, b->n, sizeof(*b->p)) != 0)
        return 1;
    zs_fleet_punch *p = &b->p[b->n++];
    memset(p, 0, sizeof(*p));
    snprintf(p->pin, sizeof(p->pin), "%s", ev->user_id);
    zkbio_zk_time_format(&ev->time, p->time);
    p->status = ev->state;
    p->verify = ev->verify;
    return 0;
}

int zf_session_drain(zfleet *f, zf_term *t)
{
    if (!t->c)
        return 0;
    evbuf b = {0};
    int rc;
    for (;;) {
        size_t got = 0;
        rc = zkbio_zk_events_poll(t->c, 0, on_event, &b, &got);
        if (rc != 0 || got == 0)
            break;
    }
    if (b.n) {
        size_t ins = 0, dup = 0;
        int src = zs_fleet_punches_insert(f->st, t->dev.sn, b.p, b.n, NULL, NULL, &ins, &dup);
        if (src != 0) /* kept on the terminal: the next catch-up pull stores it */
            zlog_warn("fleet: terminal %lld: %zu live punch(es) not stored (%s)", (long long)t->id,
                      b.n, zkbio_strerror(src));
        zs_device_seen(f->st, t->dev.sn, t->dev.ip, NULL);
        pthread_mutex_lock(&f->mu);
        t->events += (int64_t)b.n;
        t->last_rx_ms = zf_now();
        if (src != 0)
            t->pull_due = 1;
        pthread_mutex_unlock(&f->mu);
    }
    free(b.p);
    return rc;
}

int zf_lease_touch(zfleet *f, zf_term *t)
{
    pthread_mutex_lock(&f->mu);
    int due = zf_now() + (int64_t)f->o.lease_ms * 2 / 3 >= t->lease_until_ms;
    pthread_mutex_unlock(&f->mu);
    if (!due)
        return 0;
    int got = 0;
    if (zs_lease_take(f->st, t->id, f->owner, f->o.lease_ms, &got) != 0)
        return 0; /* the database is away: keep going, the heartbeat tries again */
    if (!got)
        return ZKBIO_EBUSY;
    pthread_mutex_lock(&f->mu);
    t->lease_until_ms = zf_now() + f->o.lease_ms;
    pthread_mutex_unlock(&f->mu);
    return 0;
}

int zf_session_heartbeat(zfleet *f, zf_term *t)
{
    if (!t->c)
        return 0;
    /* the row may have changed meanwhile (PATCH: enabled, tz; DELETE from another process) */
    zs_fleet_device d;
    int rr = zs_fleet_get(f->st, t->id, &d);
    if (rr == ZKBIO_ENOENT || (rr == 0 && (!d.enabled || strcmp(d.transport, "tcp4370") != 0))) {
        pthread_mutex_lock(&f->mu);
        t->listen = 0; /* disabled or gone: no listener until zfleet_device_added */
        t->want_connect = 0;
        pthread_mutex_unlock(&f->mu);
        zf_session_close(f, t, 0, NULL);
        zlog_info("fleet: terminal %lld: %s, listener stopped", (long long)t->id,
                  rr == ZKBIO_ENOENT ? "deleted" : "disabled");
        return 0;
    }
    if (rr == 0) {
        pthread_mutex_lock(&f->mu);
        t->dev = d;
        pthread_mutex_unlock(&f->mu);
    }
    zkbio_zk_time now;
    int rc = zkbio_zk_time_get(t->c, &now);
    if (rc != 0)
        return rc;
    int got = 0;
    if (zs_lease_take(f->st, t->id, f->owner, f->o.lease_ms, &got) == 0 && !got)
        return ZKBIO_EBUSY; /* the lease was lost (expired and taken): give the session up */
    pthread_mutex_lock(&f->mu);
    t->last_rx_ms = zf_now();
    t->lease_until_ms = zf_now() + f->o.lease_ms;
    pthread_mutex_unlock(&f->mu);
    zs_device_seen(f->st, t->dev.sn, t->dev.ip, NULL); /* last contact (buffered) */
    return zf_session_drain(f, t);
}

void zf_queue_pull(zfleet *f, int64_t id, const char *reason)
{
    if (!f->jobs)
        return;
    char payload[96], key[64];
    snprintf(payload, sizeof(payload), "{\"device_id\":%lld,\"reason\":\"%s\"}", (long long)id,
             reason);
    snprintf(key, sizeof(key), "attendance.pull:%lld", (long long)id);
    zjob_new n = {
        .queue = "attendance-sync",
        .kind = "attendance.pull",
        .device_id = id,
        .priority = 7,
        .max_attempts = 1, /* no retry: the next reconnect or interval queues another */
        .payload = payload,
        .unique_key = key,
        .created_by = "system",
    };
    int64_t jid = 0;
    int existing = 0;
    int rc = zjobs_enqueue(f->jobs, &n, &jid, &existing);
    if (rc != 0)
        zlog_warn("fleet: terminal %lld: catch-up pull not queued (%s)", (long long)id,
                  zkbio_strerror(rc));
}
