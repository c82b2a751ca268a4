/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The delivery engine (forward.h): a dispatcher thread that finds targets with due rows, workers
 * that deliver one target each under its lease with a libcurl multi handle, the retention sweep.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "core.h"
#include "forward_impl.h"

#define MAX_TARGETS    1024
#define MAX_ROUND_ROWS 4000
#define SWEEP_EVERY_MS (3600 * 1000)

/* What this process knows of a target between rounds. */
typedef struct tstate {
    int64_t id;
    int busy;           /* queued for or worked by a worker */
    int64_t not_before; /* ms: after a round that only met transient errors */
    int fails;          /* such rounds in a row */
    int warned_tls;     /* verify_tls:false logged */
    int64_t noted_ok;   /* ms: last_success_at written (at most once a second) */
} tstate;

struct zfwd {
    zs_store *st;
    int workers, poll_ms, lease_ms, keep_days;
    char owner[64];
    char host[40]; /* this host's name as owners start with it */
    pthread_mutex_t mu;
    pthread_cond_t wake; /* the dispatcher: kick or stop */
    pthread_cond_t work; /* the workers: a target queued or stop */
    int stopping, started, kicked;
    pthread_t dispatcher;
    pthread_t *threads;
    int nthreads;
    int64_t queue[MAX_TARGETS];
    size_t qhead, qlen;
    tstate ts[MAX_TARGETS];
    size_t nts;
    int64_t last_sweep;
};

/* The state of target id (created when new; NULL when the table is full). Under mu. */
static tstate *state_of(zfwd *f, int64_t id)
{
    for (size_t i = 0; i < f->nts; i++)
        if (f->ts[i].id == id)
            return &f->ts[i];
    if (f->nts == MAX_TARGETS)
        return NULL;
    tstate *t = &f->ts[f->nts++];
    memset(t, 0, sizeof(*t));
    t->id = id;
    return t;
}

static int stopping(zfwd *f)
{
    pthread_mutex_lock(&f->mu);
    int s = f->stopping;
    pthread_mutex_unlock(&f->mu);
    return s;
}

/* ---- one request ----------------------------------------------------------------------------- */

typedef struct req {
    CURL *h;
    struct curl_slist *hdrs;
    char *body;
    fwd_buf resp;
    size_t first, count; /* rows items[first .. first+count) */
    int done;
    CURLcode cc;
    long status;
    int retry_after_s;
    char err[CURL_ERROR_SIZE];
} req;

static size_t on_data(char *p, size_t sz, size_t n, void *ctx)
{
    req *r = ctx;
    size_t len = sz * n;
    if (r->resp.len + len > 1024 * 1024) /* more than a megabyte: keep the head only */
        return len;
    fwd_buf_add(&r->resp, p, len);
    return len;
}

static void req_free(req *r)
{
    if (r->h)
        curl_easy_cleanup(r->h);
    curl_slist_free_all(r->hdrs);
    free(r->body);
    fwd_buf_free(&r->resp);
}

/* Build request r for items[first..first+count). 0 or ZKBIO_ENOMEM. */
static int req_build(req *r, const fwd_target *t, const zs_outbox_item *items)
{
    int rc;
    if (t->kind == FWD_ERPNEXT)
        rc = fwd_body_erpnext(t, &items[r->first], &r->body);
    else if (t->kind == FWD_REALTIME)
        rc = fwd_body_realtime(t, &items[r->first], r->count, &r->body);
    else
        rc = fwd_body_webhook(t, &items[r->first], r->count, &r->body);
    if (rc != 0)
        return rc;
    r->h = curl_easy_init();
    if (!r->h)
        return ZKBIO_ENOMEM;
    char url[1600];
    fwd_delivery_url(t, r->count, url, sizeof(url));
    curl_easy_setopt(r->h, CURLOPT_URL, url);
    fwd_curl_common(r->h, t);
    curl_easy_setopt(r->h, CURLOPT_POSTFIELDS, r->body);
    curl_easy_setopt(r->h, CURLOPT_POSTFIELDSIZE, (long)strlen(r->body));
    curl_easy_setopt(r->h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(r->h, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(r->h, CURLOPT_ERRORBUFFER, r->err);
    curl_easy_setopt(r->h, CURLOPT_PRIVATE, r);
    struct curl_slist *l = NULL;
    l = curl_slist_append(l, "Content-Type: application/json");
    l = l ? curl_slist_append(l, "Accept: application/json") : NULL;
    l = l ? curl_slist_append(l, "Expect:") : NULL;
    char h[600];
    if (t->kind != FWD_WEBHOOK) {
        fwd_auth_header(t, h, sizeof(h));
        l = l ? curl_slist_append(l, h) : NULL;
    } else {
        int64_t now = fwd_wall_ms() / 1000;
        char sig[72];
        zfwd_sign(t->secret, now, r->body, strlen(r->body), sig);
        snprintf(h, sizeof(h), "X-Zkbio-Timestamp: %lld", (long long)now);
        l = l ? curl_slist_append(l, h) : NULL;
        snprintf(h, sizeof(h), "X-Zkbio-Signature: %s", sig);
        l = l ? curl_slist_append(l, h) : NULL;
        /* the batch's key: over its punches' keys, so a resent batch carries the same one */
        fwd_buf keys = {0};
        for (size_t i = 0; i < r->count; i++) {
            const zs_outbox_item *it = &items[r->first + i];
            char k[33];
            zfwd_idempotency_key(it->sn, it->pin, it->punch_time, it->status, k);
            fwd_buf_add(&keys, k, 32);
        }
        uint8_t d[32];
        char hex[65];
        zc_sha256(keys.p ? keys.p : "", keys.len, NULL, 0, d);
        zc_hex(d, sizeof(d), hex);
        hex[32] = '\0';
        fwd_buf_free(&keys);
        snprintf(h, sizeof(h), "Idempotency-Key: %s", hex);
        l = l ? curl_slist_append(l, h) : NULL;
    }
    volatile char *wipe = h; /* it held the secret */
    for (size_t i = 0; i < sizeof(h); i++)
        wipe[i] = 0;
    if (!l)
        return ZKBIO_ENOMEM;
    r->hdrs = l;
    curl_easy_setopt(r->h, CURLOPT_HTTPHEADER, l);
    return 0;
}

static void req_finish(req *r, CURLcode cc)
{
    r->done = 1;
    r->cc = cc;
    curl_easy_getinfo(r->h, CURLINFO_RESPONSE_CODE, &r->status);
    if (cc != CURLE_OK)
        r->status = 0;
    struct curl_header *hd = NULL;
    if (r->status && curl_easy_header(r->h, "Retry-After", 0, CURLH_HEADER, -1, &hd) == CURLHE_OK &&
        hd && hd->value) {
        long v = strtol(hd->value, NULL, 10);
        if (v > 0 && v < 86400)
            r->retry_after_s = (int)v;
    }
}

/* ---- one round of a target ------------------------------------------------------------------- */

typedef struct round {
    int delivered, transient, pause;
    int retry_after_s; /* the longest Retry-After of the round's transient answers */
    char pause_reason[256];
    char last_error[513];
} round;

/* The delay before the next attempt of a row tried `attempts` times before: 1 s doubling, capped,
 * with jitter in [d/2, d]; at least Retry-After. */
static int64_t backoff_ms(const fwd_target *t, int attempts, int retry_after_s)
{
    int64_t d = 1000;
    for (int i = 0; i < attempts && d < (int64_t)t->max_backoff_s * 1000; i++)
        d *= 2;
    if (d > (int64_t)t->max_backoff_s * 1000)
        d = (int64_t)t->max_backoff_s * 1000;
    uint32_t rnd = 0;
    zc_random(&rnd, sizeof(rnd));
    d = d / 2 + (int64_t)(rnd % (uint32_t)(d / 2 + 1));
    if ((int64_t)retry_after_s * 1000 > d)
        d = (int64_t)retry_after_s * 1000;
    return d;
}

static void set_result(zs_outbox_result *res, const zs_outbox_item *it, zfwd_verdict v, int status,
                       const char *reason, const fwd_target *t, int retry_after, round *rd)
{
    res->id = it->id;
    res->last_status = status;
    res->error = NULL;
    switch (v) {
    case ZFWD_DELIVERED:
        res->state = ZS_OUTBOX_DELIVERED;
        rd->delivered = 1;
        return;
    case ZFWD_DUPLICATE:
        res->state = ZS_OUTBOX_DUPLICATE;
        res->error = reason;
        rd->delivered = 1;
        return;
    case ZFWD_PARK:
        res->state = ZS_OUTBOX_PARKED;
        break;
    case ZFWD_FAIL:
        res->state = ZS_OUTBOX_FAILED;
        break;
    case ZFWD_PAUSE: /* the row stays as it is: not marked (res->id = 0) */
        res->id = 0;
        rd->pause = 1;
        snprintf(rd->pause_reason, sizeof(rd->pause_reason), "%s", reason);
        break;
    default:
        res->state = ZS_OUTBOX_PENDING;
        res->next_at = fwd_wall_ms() + backoff_ms(t, it->attempts, retry_after);
        rd->transient = 1;
        if (retry_after > rd->retry_after_s)
            rd->retry_after_s = retry_after;
        break;
    }
    res->error = reason;
    snprintf(rd->last_error, sizeof(rd->last_error), "%s", reason);
}

/* Classify request r's answer into res[] (one per row of r); reasons live in rs (one per row,
 * 256 bytes each). */
static void classify_req(const req *r, const fwd_target *t, const zs_outbox_item *items,
                         zs_outbox_result *res, char (*rs)[256], round *rd)
{
    char reason[256];
    int status = (int)r->status;
    zfwd_verdict v;
    if (r->cc != CURLE_OK) {
        v = ZFWD_RETRY;
        snprintf(reason, sizeof(reason), "%.100s: %.140s", curl_easy_strerror(r->cc),
                 r->err[0] ? r->err : "no answer");
    } else
        v = zfwd_classify(status, r->resp.p, r->resp.len, reason, sizeof(reason));
    json_t *results = NULL, *root = NULL;
    if (v == ZFWD_DELIVERED && t->kind == FWD_REALTIME && r->resp.p) {
        root = json_loadb(r->resp.p, r->resp.len, 0, NULL);
        json_t *m = json_object_get(root, "message");
        results = json_object_get(m, "results");
        if (!json_is_array(results))
            results = NULL;
        json_t *ok = json_object_get(m, "success");
        if (!results && json_is_false(ok)) { /* the single endpoint refused the record */
            const char *e = json_string_value(json_object_get(m, "error"));
            v = zfwd_classify_text(e);
            snprintf(reason, sizeof(reason), "HTTP %d: %.200s", status, e ? e : "success false");
        }
    }
    for (size_t i = 0; i < r->count; i++) {
        const zs_outbox_item *it = &items[r->first + i];
        zfwd_verdict vi = v;
        snprintf(rs[r->first + i], 256, "%s", reason);
        if (results) {
            json_t *e = json_array_get(results, i);
            if (!e) { /* no result for this item: send it again (a duplicate answer then) */
                vi = ZFWD_RETRY;
                snprintf(rs[r->first + i], 256, "HTTP %d: no result for this log", status);
            } else if (!json_is_true(json_object_get(e, "success"))) {
                const char *msg = json_string_value(json_object_get(e, "error"));
                vi = zfwd_classify_text(msg);
                snprintf(rs[r->first + i], 256, "HTTP %d: %.200s", status, msg ? msg : "failed");
            }
        }
        set_result(&res[r->first + i], it, vi, status, rs[r->first + i], t, r->retry_after_s, rd);
        if (vi == ZFWD_DELIVERED && t->kind == FWD_ERPNEXT && r->resp.p) {
            /* the new Employee Checkin's name, {"message": {"name": ...}} (§2.2) */
            json_t *b = json_loadb(r->resp.p, r->resp.len, 0, NULL);
            const char *name =
                json_string_value(json_object_get(json_object_get(b, "message"), "name"));
            if (name && *name) {
                snprintf(rs[r->first + i], 256, "%.140s", name);
                res[r->first + i].remote_id = rs[r->first + i];
            }
            json_decref(b);
        }
    }
    json_decref(root);
}

/* Send items[0..n) as requests with up to t->concurrency in flight on m; fill res. Requests not
 * finished when the engine stops leave their rows unmarked (res id 0). */
static void send_all(zfwd *f, CURLM *m, const fwd_target *t, const zs_outbox_item *items, size_t n,
                     zs_outbox_result *res, char (*rs)[256], round *rd)
{
    size_t per = t->kind == FWD_ERPNEXT ? 1 : (size_t)t->batch;
    size_t nreq = (n + per - 1) / per;
    req *rq = calloc(nreq, sizeof(*rq));
    if (!rq)
        return;
    for (size_t i = 0; i < nreq; i++) {
        rq[i].first = i * per;
        rq[i].count = n - rq[i].first < per ? n - rq[i].first : per;
    }
    size_t next = 0, active = 0;
    int64_t renew_at = fwd_wall_ms() + f->lease_ms / 3;
    while (next < nreq || active > 0) {
        while (active < (size_t)t->concurrency && next < nreq && !stopping(f)) {
            req *r = &rq[next++];
            if (req_build(r, t, items) != 0 || curl_multi_add_handle(m, r->h) != CURLM_OK) {
                r->done = 1; /* out of memory: the rows stay pending */
                continue;
            }
            active++;
        }
        if (active == 0)
            break;
        int running = 0;
        curl_multi_perform(m, &running);
        CURLMsg *msg;
        int left;
        while ((msg = curl_multi_info_read(m, &left))) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            req *r = NULL;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&r);
            CURLcode cc = msg->data.result;
            if (r) {
                req_finish(r, cc);
                classify_req(r, t, items, res, rs, rd);
            }
            curl_multi_remove_handle(m, msg->easy_handle);
            active--;
        }
        if (stopping(f))
            break;
        if (fwd_wall_ms() >= renew_at) {
            int got = 0;
            zs_forwarder_lease(f->st, t->id, f->owner, f->lease_ms, &got);
            renew_at = fwd_wall_ms() + f->lease_ms / 3;
        }
        if (active > 0)
            curl_multi_poll(m, NULL, 0, 100, NULL);
    }
    for (size_t i = 0; i < nreq; i++) {
        if (rq[i].h && !rq[i].done)
            curl_multi_remove_handle(m, rq[i].h);
        req_free(&rq[i]);
    }
    free(rq);
}

/* Store the time to send of rows that have none yet; items[] get it. */
static int fix_sent_times(zfwd *f, const fwd_target *t, zs_outbox_item *items, size_t n)
{
    int64_t *ids = malloc(n * sizeof(*ids));
    const char **times = malloc(n * sizeof(*times));
    size_t k = 0;
    int rc = ids && times ? 0 : ZKBIO_ENOMEM;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (items[i].sent_time[0])
            continue;
        char out[20];
        if (zfwd_convert_time(items[i].punch_time, items[i].device_tz, t->has_tz ? t->tz : "", out,
                              NULL) != 0)
            snprintf(out, sizeof(out), "%s", items[i].punch_time);
        snprintf(items[i].sent_time, sizeof(items[i].sent_time), "%s", out);
        ids[k] = items[i].id;
        times[k++] = items[i].sent_time;
    }
    if (rc == 0 && k > 0)
        rc = zs_outbox_set_sent_times(f->st, ids, times, k);
    free(ids);
    free(times);
    return rc;
}

/* One round: due rows, sent, marked. Returns 1 to go on with another round, 0 to stop. */
static int run_round(zfwd *f, CURLM *m, int64_t id, tstate *ts_copy)
{
    zs_forwarder fw;
    memset(&fw, 0, sizeof(fw));
    if (zs_forwarder_get(f->st, id, &fw) != 0 || strcmp(fw.state, "active") != 0) {
        zs_forwarder_clear(&fw);
        return 0;
    }
    fwd_target t;
    char field[96], msg[256];
    if (fwd_target_parse(fw.kind, fw.url, fw.settings, &t, field, sizeof(field), msg,
                         sizeof(msg)) != 0) {
        char reason[400];
        snprintf(reason, sizeof(reason), "invalid settings: %s: %s", field, msg);
        zs_forwarder_set_state(f->st, id, "paused", reason);
        zlog_warn("forwarder %s paused: %s", fw.name, reason);
        zs_forwarder_clear(&fw);
        return 0;
    }
    t.id = id;
    snprintf(t.name, sizeof(t.name), "%s", fw.name);
    zs_forwarder_clear(&fw);
    if (!t.verify_tls && !ts_copy->warned_tls) {
        zlog_warn("forwarder %s: TLS verification is off (verify_tls false)", t.name);
        ts_copy->warned_tls = 1;
    }
    size_t max =
        t.kind == FWD_ERPNEXT ? (size_t)t.concurrency * 8 : (size_t)t.batch * (size_t)t.concurrency;
    if (max > MAX_ROUND_ROWS)
        max = MAX_ROUND_ROWS;
    zs_outbox_item *items = malloc(max * sizeof(*items));
    zs_outbox_result *res = calloc(max, sizeof(*res));
    char(*rs)[256] = calloc(max, 256);
    size_t n = 0;
    int more = 0;
    uint64_t t0 = zc_now_ms();
    if (!items || !res || !rs || zs_outbox_due(f->st, id, fwd_wall_ms(), items, max, &n) != 0 ||
        n == 0)
        goto out;
    uint64_t t1 = zc_now_ms();
    /* a row whose punch was deleted meanwhile cannot be sent: failed, for an operator to drop */
    size_t kept = 0, gone = 0;
    for (size_t i = 0; i < n; i++) {
        if (items[i].punch_time[0]) {
            if (kept != i)
                items[kept] = items[i];
            kept++;
        } else
            res[gone++] = (zs_outbox_result){
                .id = items[i].id, .state = ZS_OUTBOX_FAILED, .error = "the punch was deleted"};
    }
    if (gone) {
        zs_outbox_mark(f->st, id, res, gone);
        memset(res, 0, gone * sizeof(*res));
        more = 1;
    }
    n = kept;
    if (n == 0 || fix_sent_times(f, &t, items, n) != 0)
        goto out;
    uint64_t t2 = zc_now_ms();
    round rd;
    memset(&rd, 0, sizeof(rd));
    send_all(f, m, &t, items, n, res, rs, &rd);
    uint64_t t3 = zc_now_ms();
    /* keep only the rows with an outcome */
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (res[i].id)
            res[k++] = res[i];
    if (zs_outbox_mark(f->st, id, res, k) != 0)
        zlog_warn("forwarder %s: cannot store delivery results: %s", t.name, zs_errmsg(f->st));
    zlog_debug("forwarder %s: %zu row(s): due %llu ms, sent_time %llu ms, send %llu ms, results "
               "%llu ms",
               t.name, n, (unsigned long long)(t1 - t0), (unsigned long long)(t2 - t1),
               (unsigned long long)(t3 - t2), (unsigned long long)(zc_now_ms() - t3));
    int64_t now = fwd_wall_ms();
    int note_ok = rd.delivered && now - ts_copy->noted_ok >= 1000;
    if (rd.last_error[0] || note_ok)
        zs_forwarder_note(f->st, id, rd.last_error[0] ? rd.last_error : NULL, note_ok);
    if (note_ok)
        ts_copy->noted_ok = now;
    if (rd.pause) {
        char reason[400];
        snprintf(reason, sizeof(reason), "%s%s", rd.pause_reason,
                 strstr(rd.pause_reason, "HTTP 404")
                     ? (t.kind == FWD_ERPNEXT ? " (method path not found: check setting app, hrms "
                                                "or erpnext)"
                                              : " (method path not found: check the URL or "
                                                "method_path)")
                     : " (check the credentials, then resume)");
        zs_forwarder_set_state(f->st, id, "paused", reason);
        zlog_warn("forwarder %s paused: %s", t.name, reason);
    } else if (rd.transient && !rd.delivered) {
        int64_t wait = backoff_ms(&t, ts_copy->fails, rd.retry_after_s);
        ts_copy->fails++;
        ts_copy->not_before = fwd_wall_ms() + wait;
    } else {
        ts_copy->fails = 0;
        more = more || n == max || rd.transient;
    }
out:
    fwd_target_wipe(&t);
    free(items);
    free(res);
    free(rs);
    return more && !stopping(f);
}

static void work_target(zfwd *f, CURLM *m, int64_t id)
{
    int got = 0;
    if (zs_forwarder_lease(f->st, id, f->owner, f->lease_ms, &got) != 0 || !got)
        return;
    pthread_mutex_lock(&f->mu);
    tstate *ts = state_of(f, id);
    tstate copy = ts ? *ts : (tstate){.id = id};
    pthread_mutex_unlock(&f->mu);
    for (;;) {
        int more = run_round(f, m, id, &copy);
        if (!more)
            break;
        if (zs_forwarder_lease(f->st, id, f->owner, f->lease_ms, &got) != 0 || !got)
            break;
    }
    zs_forwarder_lease_drop(f->st, id, f->owner);
    pthread_mutex_lock(&f->mu);
    ts = state_of(f, id);
    if (ts) {
        ts->not_before = copy.not_before;
        ts->fails = copy.fails;
        ts->warned_tls = copy.warned_tls;
        ts->noted_ok = copy.noted_ok;
    }
    pthread_mutex_unlock(&f->mu);
}

static void *worker_main(void *arg)
{
    zfwd *f = arg;
    CURLM *m = curl_multi_init();  /* one per worker: its connection cache is reused */
    zs_forward_thread_init(f->st); /* bookkeeping commits need not wait for the disk */
    if (m)
        curl_multi_setopt(m, CURLMOPT_MAXCONNECTS, 64L);
    pthread_mutex_lock(&f->mu);
    while (!f->stopping) {
        if (f->qlen == 0) {
            pthread_cond_wait(&f->work, &f->mu);
            continue;
        }
        int64_t id = f->queue[f->qhead];
        f->qhead = (f->qhead + 1) % MAX_TARGETS;
        f->qlen--;
        pthread_mutex_unlock(&f->mu);
        if (m)
            work_target(f, m, id);
        pthread_mutex_lock(&f->mu);
        tstate *ts = state_of(f, id);
        if (ts)
            ts->busy = 0;
        /* A kick that came while this target was busy found it busy and was spent: punches
         * stored after the last round's outbox query would wait for the next poll (60 s).
         * One more dispatch pass picks them up now. */
        f->kicked = 1;
        pthread_cond_signal(&f->wake);
    }
    pthread_mutex_unlock(&f->mu);
    if (m)
        curl_multi_cleanup(m);
    return NULL;
}

/* An owner "host:pid:..." of this host whose process is gone (killed: its lease would otherwise
 * hold the target until it expires). As daemon/jobs does for its jobs. */
static int owner_dead(const zfwd *f, const char *owner)
{
    size_t hl = strlen(f->host);
    if (!hl || strncmp(owner, f->host, hl) != 0 || owner[hl] != ':' || strcmp(owner, f->owner) == 0)
        return 0;
    char *end = NULL;
    long pid = strtol(owner + hl + 1, &end, 10);
    if (pid <= 0 || !end || *end != ':')
        return 0;
    return zc_pid_gone(pid);
}

/* One pass of the dispatcher: queue every active target with due rows that no worker holds. */
static void dispatch(zfwd *f)
{
    zs_forwarder *list = NULL;
    size_t n = 0;
    if (zs_forwarders_list(f->st, 0, 1000, &list, &n, NULL) != 0)
        return;
    int64_t now = fwd_wall_ms();
    for (size_t i = 0; i < n; i++) {
        if (strcmp(list[i].state, "active") != 0)
            continue;
        pthread_mutex_lock(&f->mu);
        tstate *ts = state_of(f, list[i].id);
        int skip = !ts || ts->busy || ts->not_before > now || f->stopping;
        pthread_mutex_unlock(&f->mu);
        if (skip)
            continue;
        /* someone else's live lease: skip without a write (unless its process died here) */
        if (list[i].lease_owner[0] && strcmp(list[i].lease_owner, f->owner) != 0 &&
            list[i].lease_until > now) {
            int got = 0;
            if (!owner_dead(f, list[i].lease_owner) ||
                zs_forwarder_lease_steal(f->st, list[i].id, list[i].lease_owner, f->owner,
                                         f->lease_ms, &got) != 0 ||
                !got)
                continue;
            zlog_info("forwarder %s: taken over from %s (that process is gone)", list[i].name,
                      list[i].lease_owner);
        }
        zs_outbox_item one;
        size_t got = 0;
        if (zs_outbox_due(f->st, list[i].id, now, &one, 1, &got) != 0 || got == 0)
            continue;
        pthread_mutex_lock(&f->mu);
        if (ts->busy == 0 && f->qlen < MAX_TARGETS) {
            ts->busy = 1;
            f->queue[(f->qhead + f->qlen) % MAX_TARGETS] = list[i].id;
            f->qlen++;
            pthread_cond_signal(&f->work);
        }
        pthread_mutex_unlock(&f->mu);
    }
    /* forget targets that are gone (deleted), so the table never fills up */
    pthread_mutex_lock(&f->mu);
    for (size_t k = 0; k < f->nts;) {
        int alive = f->ts[k].busy;
        for (size_t i = 0; !alive && i < n; i++)
            alive = list[i].id == f->ts[k].id;
        if (alive)
            k++;
        else
            f->ts[k] = f->ts[--f->nts];
    }
    pthread_mutex_unlock(&f->mu);
    zs_forwarders_free(list, n);
    if (now - f->last_sweep >= SWEEP_EVERY_MS) {
        int64_t swept = 0;
        if (zs_outbox_sweep(f->st, f->keep_days, &swept) == 0 && swept > 0)
            zlog_info("forward: %lld delivered outbox rows past retention deleted",
                      (long long)swept);
        f->last_sweep = now;
    }
}

static void *dispatcher_main(void *arg)
{
    zfwd *f = arg;
    pthread_mutex_lock(&f->mu);
    while (!f->stopping) {
        f->kicked = 0;
        pthread_mutex_unlock(&f->mu);
        dispatch(f);
        pthread_mutex_lock(&f->mu);
        if (!f->kicked && !f->stopping) {
            struct timespec ts;
            zc_deadline(&ts, f->poll_ms);
            pthread_cond_timedwait(&f->wake, &f->mu, &ts);
        }
    }
    pthread_mutex_unlock(&f->mu);
    return NULL;
}

/* ---- life ------------------------------------------------------------------------------------ */

int zfwd_open(zs_store *st, const zfwd_options *o, zfwd **out, char *err, size_t errsz)
{
    if (!st || !out) {
        zc_errf(err, errsz, "forward: no store");
        return -1;
    }
    *out = NULL;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        zc_errf(err, errsz, "forward: libcurl cannot start");
        return -1;
    }
    zfwd *f = calloc(1, sizeof(*f));
    if (!f) {
        zc_errf(err, errsz, "out of memory");
        return -1;
    }
    f->st = st;
    f->workers = o && o->workers > 0 ? (o->workers > 64 ? 64 : o->workers) : 4;
    f->poll_ms = o && o->poll_ms > 0 ? o->poll_ms : 200;
    f->lease_ms = o && o->lease_ms > 0 ? o->lease_ms : 30000;
    f->keep_days = o && o->keep_days > 0 ? o->keep_days : 7;
    if (zc_hostname(f->host, sizeof(f->host)) != 0 || !f->host[0])
        snprintf(f->host, sizeof(f->host), "host");
    f->host[sizeof(f->host) - 1] = '\0';
    for (char *p = f->host; *p; p++)
        if (*p == ':')
            *p = '_'; /* the owner's separator */
    if (o && o->owner && *o->owner)
        snprintf(f->owner, sizeof(f->owner), "%s", o->owner);
    else {
        char rnd[9];
        if (zc_random_alnum(rnd, 8) != 0)
            snprintf(rnd, sizeof(rnd), "0");
        snprintf(f->owner, sizeof(f->owner), "%.39s:%ld:%s", f->host, zc_pid(), rnd);
    }
    pthread_mutex_init(&f->mu, NULL);
    pthread_cond_init(&f->wake, NULL);
    pthread_cond_init(&f->work, NULL);
    *out = f;
    return 0;
}

int zfwd_start(zfwd *f)
{
    if (!f || f->started)
        return ZKBIO_EINVAL;
    f->threads = calloc((size_t)f->workers, sizeof(*f->threads));
    if (!f->threads)
        return ZKBIO_ENOMEM;
    f->started = 1;
    for (int i = 0; i < f->workers; i++) {
        if (pthread_create(&f->threads[i], NULL, worker_main, f) != 0)
            break;
        f->nthreads++;
    }
    if (f->nthreads == 0 || pthread_create(&f->dispatcher, NULL, dispatcher_main, f) != 0) {
        pthread_mutex_lock(&f->mu);
        f->stopping = 1;
        pthread_cond_broadcast(&f->work);
        pthread_mutex_unlock(&f->mu);
        for (int i = 0; i < f->nthreads; i++)
            pthread_join(f->threads[i], NULL);
        f->nthreads = 0;
        f->started = 0;
        return ZKBIO_EIO;
    }
    return 0;
}

void zfwd_kick(zfwd *f)
{
    if (!f)
        return;
    pthread_mutex_lock(&f->mu);
    f->kicked = 1;
    pthread_cond_signal(&f->wake);
    pthread_mutex_unlock(&f->mu);
}

void zfwd_close(zfwd *f)
{
    if (!f)
        return;
    pthread_mutex_lock(&f->mu);
    f->stopping = 1;
    pthread_cond_broadcast(&f->wake);
    pthread_cond_broadcast(&f->work);
    pthread_mutex_unlock(&f->mu);
    if (f->started) {
        pthread_join(f->dispatcher, NULL);
        for (int i = 0; i < f->nthreads; i++)
            pthread_join(f->threads[i], NULL);
    }
    free(f->threads);
    pthread_mutex_destroy(&f->mu);
    pthread_cond_destroy(&f->wake);
    pthread_cond_destroy(&f->work);
    free(f);
}
