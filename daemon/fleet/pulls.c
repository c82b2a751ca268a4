/* SPDX-License-Identifier: Apache-2.0 */
/* The fleet's job handlers (fleet.h "Jobs"): attendance pull, log clear, users to the database and
 * to the terminal, remote enrollment. Each runs its terminal work through the terminal's session
 * (zf_run) and its database work on the job's thread where it can, so the terminal is free sooner.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fleet_impl.h"
#include "zkbio/base64.h"

/* How long a job waits for its turn on the terminal (a pull of another job may be running). */
#define JOB_QUEUE_WAIT_MS (15 * 60 * 1000)
/* Users per batch of user.to_db / user.to_device (the contract's batches of 100). */
#define USER_BATCH 100

/* Network trouble (and a busy terminal) is worth a retry; anything else is not. */
static zjob_outcome outcome_of(int rc)
{
    if (rc == 0)
        return ZJOB_OK;
    if (zf_transport_error(rc) || rc == ZKBIO_EBUSY || rc == ZKBIO_EUNAVAIL)
        return ZJOB_RETRY;
    return ZJOB_FAIL;
}

static int64_t job_device(const zjob *job)
{
    if (job->device_id > 0)
        return job->device_id;
    json_t *p = job->payload ? json_loads(job->payload, 0, NULL) : NULL;
    int64_t id = p ? (int64_t)json_integer_value(json_object_get(p, "device_id")) : 0;
    json_decref(p);
    return id;
}

static void set_result(zjob_run *run, json_t *o)
{
    char *s = json_dumps(o, JSON_COMPACT);
    if (s)
        zjob_set_result(run, s);
    free(s);
    json_decref(o);
}

/* ---- attendance ---------------------------------------------------------------------------- */

typedef struct pull_arg {
    zjob_run *run;
    zfleet *f;
    zf_term *t; /* set while the operation runs on the terminal's session */
    int clear;  /* log.clear: store, then clear, within the session */
    zs_fleet_punch *p;
    size_t n;
    size_t inserted, duplicates;
    int cancelled;
} pull_arg;

static int to_punches(const zkbio_zk_att *a, size_t n, zs_fleet_punch **out)
{
    zs_fleet_punch *p = n ? calloc(n, sizeof(*p)) : NULL;
    if (n && !p)
        return ZKBIO_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        snprintf(p[i].pin, sizeof(p[i].pin), "%s", a[i].user_id);
        zkbio_zk_time_format(&a[i].time, p[i].time);
        p[i].status = a[i].state;
        p[i].verify = a[i].verify;
        p[i].workcode = a[i].workcode;
    }
    *out = p;
    return 0;
}

static int insert_progress(void *ctx, size_t done)
{
    pull_arg *a = ctx;
    if (a->t && zf_lease_touch(a->f, a->t) != 0) {
        a->cancelled = 1;
        return 1;
    }
    if (zjob_progress(a->run, (int64_t)done, (int64_t)a->n)) {
        a->cancelled = 1;
        return 1;
    }
    return 0;
}

static int download_progress(size_t done, size_t total, void *user)
{
    pull_arg *a = user;
    if (zf_lease_touch(a->f, a->t) != 0) { /* another process took the terminal: stop */
        a->cancelled = 1;
        return 1;
    }
    if (zjob_progress(a->run, (int64_t)done, (int64_t)total)) {
        a->cancelled = 1;
        return 1;
    }
    return 0;
}

static int op_download(zfleet *f, zf_term *t, zkbio_zk_client *c, void *arg, char *err,
                       size_t errsz)
{
    pull_arg *a = arg;
    a->f = f;
    a->t = t;
    zkbio_zk_info info;
    /* the terminal's counts, for the device row */
    if (zkbio_zk_info_get(c, &info) == 0) {
        zs_fleet_set_counts(f->st, t->id, info.sizes.users, info.sizes.fingers, info.sizes.records);
    }
    int disabled = 0;
    if (a->clear) /* no punch may land between the download and the clear */
        disabled = zkbio_zk_disable(c) == 0;
    zkbio_zk_att *recs = NULL;
    size_t n = 0;
    /* progress in bytes while the log downloads, then in records while they are stored */
    zkbio_zk_client_progress_set(c, download_progress, a);
    int rc = zkbio_zk_attendance_get(c, NULL, &recs, &n);
    zkbio_zk_client_progress_set(c, NULL, NULL);
    if (rc == ZKBIO_ECANCELED)
        a->cancelled = 1;
    if (rc == 0)
        rc = to_punches(recs, n, &a->p);
    zkbio_zk_free(recs);
    if (rc == 0) {
        a->n = n;
        zjob_progress(a->run, 0, (int64_t)n);
    }
    if (rc == 0 && a->clear) {
        rc = zs_fleet_punches_insert(f->st, t->dev.sn, a->p, a->n, insert_progress, a, &a->inserted,
                                     &a->duplicates);
        if (rc == 0) /* committed: only now may the terminal forget them */
            rc = zkbio_zk_attendance_clear(c);
        if (rc == 0)
            zs_fleet_set_counts(f->st, t->id, -1, -1, 0);
    }
    if (disabled)
        zkbio_zk_enable(c);
    a->t = NULL; /* the inserts that follow run off the session */
    if (rc != 0) {
        zkbio_zk_client_last_error(c, err, errsz);
        if (!err[0])
            snprintf(err, errsz, "%s", zkbio_strerror(rc));
    }
    return rc;
}

static zjob_outcome pull_job(zfleet *f, const zjob *job, zjob_run *run, int clear, char *err,
                             size_t errsz)
{
    int64_t id = job_device(job);
    pull_arg a = {.run = run, .clear = clear};
    int64_t t0 = zf_now();
    int rc = zf_run(f, id, op_download, &a, JOB_QUEUE_WAIT_MS, err, errsz);
    int64_t t1 = zf_now();
    if (rc == 0 && !clear) {
        zs_fleet_device d;
        rc = zs_fleet_get(f->st, id, &d);
        if (rc == 0)
            rc = zs_fleet_punches_insert(f->st, d.sn, a.p, a.n, insert_progress, &a, &a.inserted,
                                         &a.duplicates);
        if (rc != 0 && !a.cancelled)
            snprintf(err, errsz, "storing the punches failed (%s)", zkbio_strerror(rc));
    }
    free(a.p);
    if (a.cancelled) {
        snprintf(err, errsz, "cancelled");
        return ZJOB_FAIL;
    }
    if (rc == 0) {
        json_t *r =
            json_pack("{s:I,s:I,s:I,s:I,s:I}", "downloaded", (json_int_t)a.n, "inserted",
                      (json_int_t)a.inserted, "duplicates", (json_int_t)a.duplicates, "download_ms",
                      (json_int_t)(t1 - t0), "total_ms", (json_int_t)(zf_now() - t0));
        if (clear)
            json_object_set_new(r, "cleared", json_true());
        set_result(run, r);
        zjob_progress(run, (int64_t)a.n, (int64_t)a.n);
    }
    return outcome_of(rc);
}

static zjob_outcome h_pull(void *ctx, const zjob *job, zjob_run *run, char *err, size_t errsz)
{
    return pull_job(ctx, job, run, 0, err, errsz);
}

static zjob_outcome h_clear(void *ctx, const zjob *job, zjob_run *run, char *err, size_t errsz)
{
    return pull_job(ctx, job, run, 1, err, errsz);
}

/* ---- users to the database ------------------------------------------------------------------ */

typedef struct read_arg {
    zkbio_zk_user *users;
    size_t nusers;
    zkbio_zk_template *tpl;
    size_t ntpl;
} read_arg;

static int op_read_users(zfleet *f, zf_term *t, zkbio_zk_client *c, void *arg, char *err,
                         size_t errsz)
{
    (void)f;
    (void)t;
    read_arg *a = arg;
    int rc = zkbio_zk_users_get(c, &a->users, &a->nusers);
    if (rc == 0)
        rc = zkbio_zk_templates_get(c, &a->tpl, &a->ntpl);
    if (rc != 0) {
        zkbio_zk_client_last_error(c, err, errsz);
        zkbio_zk_free(a->users);
        a->users = NULL;
    }
    return rc;
}

static int cmp_uid(const void *x, const void *y)
{
    const zkbio_zk_user *a = x, *b = y;
    return (a->uid > b->uid) - (a->uid < b->uid);
}

/* Store users[0..n) and their templates through the PUSH ingest path (users/templates tables,
 * fan-out to the group's PUSH terminals). *ntpl += templates stored. */
static int store_users(zfleet *f, const char *sn, const zkbio_zk_user *users, size_t n,
                       const zkbio_zk_template *tpl, size_t nt, size_t *ntpl)
{
    size_t cap = n;
    for (size_t k = 0; k < nt; k++)
        for (size_t i = 0; i < n; i++)
            if (tpl[k].uid == users[i].uid)
                cap++;
    zkbio_push_record *rec = calloc(cap ? cap : 1, sizeof(*rec));
    char(*nums)[2][16] = calloc(n ? n : 1, sizeof(*nums));
    char **b64 = calloc(cap ? cap : 1, sizeof(char *));
    if (!rec || !nums || !b64) {
        free(rec);
        free(nums);
        free(b64);
        return ZKBIO_ENOMEM;
    }
    size_t m = 0, nb = 0;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        zkbio_push_record *r = &rec[m++];
        r->type = ZKBIO_PUSH_REC_USER;
        r->tag = "USER";
        snprintf(nums[i][0], sizeof(nums[i][0]), "%u", (unsigned)users[i].card);
        snprintf(nums[i][1], sizeof(nums[i][1]), "%u", (unsigned)users[i].group);
        r->u.user = (zkbio_push_user){
            .pin = users[i].user_id,
            .name = users[i].name,
            .privilege = users[i].privilege & 0x0E,
            .password = users[i].password,
            .card = users[i].card ? nums[i][0] : "",
            .group = nums[i][1],
            .tz = "",
            .verify = -1,
            .vice_card = "",
            .start_datetime = "",
            .end_datetime = "",
        };
        for (size_t k = 0; k < nt && rc == 0; k++) {
            if (tpl[k].uid != users[i].uid || !tpl[k].len)
                continue;
            size_t need = 0;
            zkbio_base64_encode(tpl[k].data, tpl[k].len, NULL, 0, &need);
            char *s = malloc(need + 1);
            if (!s || zkbio_base64_encode(tpl[k].data, tpl[k].len, s, need + 1, NULL) != 0) {
                free(s);
                rc = ZKBIO_ENOMEM;
                break;
            }
            b64[nb++] = s;
            zkbio_push_record *q = &rec[m++];
            q->type = ZKBIO_PUSH_REC_FP;
            q->tag = "FP";
            q->u.tmpl = (zkbio_push_template){
                .pin = users[i].user_id,
                .no = tpl[k].fid,
                .index = 0,
                .valid = tpl[k].flag ? 1 : 0,
                .duress = tpl[k].flag == 3,
                .type = 1,
                .major_ver = -1,
                .minor_ver = -1,
                .format = -1,
                .size = -1,
                .tmp = s,
            };
        }
    }
    if (rc == 0 && m) {
        zkbio_push_batch b = {.count = m, .records = rec};
        size_t acc = 0;
        rc = zs_ingest_operlog(f->st, sn, &b, ZS_STAMP_OPERLOG, "", &acc);
        if (rc == 0)
            *ntpl += m - n;
    }
    for (size_t i = 0; i < nb; i++)
        free(b64[i]);
    free(b64);
    free(nums);
    free(rec);
    return rc;
}

static zjob_outcome h_to_db(void *ctx, const zjob *job, zjob_run *run, char *err, size_t errsz)
{
    zfleet *f = ctx;
    int64_t id = job_device(job);
    json_t *p = job->payload ? json_loads(job->payload, 0, NULL) : NULL;
    if (!p)
        p = json_object();
    int64_t after = (int64_t)json_integer_value(json_object_get(p, "after_uid"));
    read_arg a = {0};
    int rc = zf_run(f, id, op_read_users, &a, JOB_QUEUE_WAIT_MS, err, errsz);
    zs_fleet_device d;
    if (rc == 0)
        rc = zs_fleet_get(f->st, id, &d);
    size_t done = 0, ntpl = 0;
    if (rc == 0) {
        if (a.nusers > 1) /* an empty list may be NULL, which qsort must not get */
            qsort(a.users, a.nusers, sizeof(*a.users), cmp_uid);
        size_t i = 0;
        while (i < a.nusers && a.users[i].uid <= after)
            i++;
        done = i;
        zjob_progress(run, (int64_t)done, (int64_t)a.nusers);
        while (rc == 0 && i < a.nusers) {
            size_t take = a.nusers - i < USER_BATCH ? a.nusers - i : USER_BATCH;
            rc = store_users(f, d.sn, a.users + i, take, a.tpl, a.ntpl, &ntpl);
            if (rc != 0) {
                snprintf(err, errsz, "storing users failed (%s)", zkbio_strerror(rc));
                break;
            }
            i += take;
            done = i;
            json_object_set_new(p, "device_id", json_integer(id));
            json_object_set_new(p, "after_uid", json_integer(a.users[i - 1].uid));
            char *s = json_dumps(p, JSON_COMPACT);
            if (s)
                zjob_save_payload(run, s); /* the cursor: a retry resumes after this batch */
            free(s);
            if (zjob_progress(run, (int64_t)done, (int64_t)a.nusers)) {
                snprintf(err, errsz, "cancelled");
                rc = ZKBIO_ECANCELED;
            }
        }
    }
    if (rc == 0)
        set_result(run, json_pack("{s:I,s:I,s:I}", "users", (json_int_t)a.nusers, "stored",
                                  (json_int_t)done, "templates", (json_int_t)ntpl));
    zkbio_zk_free(a.users);
    zkbio_zk_free(a.tpl);
    json_decref(p);
    return outcome_of(rc);
}

/* ---- users to the terminal ------------------------------------------------------------------ */

typedef struct upload_arg {
    const zs_fleet_user *rows;
    size_t n;
    size_t ntpl;
} upload_arg;

static int op_upload(zfleet *f, zf_term *t, zkbio_zk_client *c, void *arg, char *err, size_t errsz)
{
    upload_arg *a = arg;
    zkbio_zk_user *have = NULL;
    size_t nhave = 0;
    int rc = zkbio_zk_users_get(c, &have, &nhave);
    if (rc != 0) {
        zkbio_zk_client_last_error(c, err, errsz);
        return rc;
    }
    uint32_t max_uid = 0;
    for (size_t i = 0; i < nhave; i++)
        if (have[i].uid > max_uid)
            max_uid = have[i].uid;
    zkbio_zk_user *u = calloc(a->n ? a->n : 1, sizeof(*u));
    zkbio_zk_template *tp = calloc(a->n * 10 + 1, sizeof(*tp));
    uint8_t **bufs = calloc(a->n * 10 + 1, sizeof(*bufs));
    size_t nt = 0;
    if (!u || !tp || !bufs)
        rc = ZKBIO_ENOMEM;
    for (size_t i = 0; rc == 0 && i < a->n; i++) {
        const zs_fleet_user *r = &a->rows[i];
        uint16_t uid = 0;
        for (size_t k = 0; k < nhave && !uid; k++)
            if (strcmp(have[k].user_id, r->pin) == 0)
                uid = have[k].uid;
        if (!uid) {
            if (max_uid >= 65535) {
                snprintf(err, errsz, "the terminal has no free user slot");
                rc = ZKBIO_ENOSPC;
                break;
            }
            uid = (uint16_t)++max_uid;
        }
        u[i].uid = uid;
        u[i].privilege = (uint8_t)(r->privilege & 0x0E);
        snprintf(u[i].user_id, sizeof(u[i].user_id), "%s", r->pin);
        snprintf(u[i].name, sizeof(u[i].name), "%.*s", (int)sizeof(u[i].name) - 1, r->name);
        snprintf(u[i].password, sizeof(u[i].password), "%.*s", (int)sizeof(u[i].password) - 1,
                 r->password);
        u[i].card = (uint32_t)strtoul(r->card, NULL, 10);
        u[i].group = 1;
        for (size_t k = 0; k < r->ntemplates; k++) {
            const char *s = r->templates[k].tmp;
            size_t len = 0;
            if (zkbio_base64_decode(s, strlen(s), NULL, 0, &len) != ZKBIO_ENOSPC || !len)
                continue; /* not base64: skipped */
            uint8_t *b = malloc(len);
            if (!b || zkbio_base64_decode(s, strlen(s), b, len, &len) != 0) {
                free(b);
                continue;
            }
            bufs[nt] = b;
            tp[nt].uid = uid;
            tp[nt].fid = (uint8_t)r->templates[k].fid;
            tp[nt].flag = r->templates[k].duress ? 3 : 1;
            tp[nt].data = b;
            tp[nt].len = len;
            nt++;
        }
    }
    if (rc == 0 && a->n) {
        pthread_mutex_lock(&f->mu);
        zf_users_drop_locked(t);
        pthread_mutex_unlock(&f->mu);
        rc = zkbio_zk_upload(c, u, a->n, tp, nt);
        if (rc != 0)
            zkbio_zk_client_last_error(c, err, errsz);
    }
    a->ntpl = nt;
    for (size_t i = 0; i < nt; i++)
        free(bufs[i]);
    free(bufs);
    free(tp);
    free(u);
    zkbio_zk_free(have);
    return rc;
}

static zjob_outcome h_to_device(void *ctx, const zjob *job, zjob_run *run, char *err, size_t errsz)
{
    zfleet *f = ctx;
    int64_t id = job_device(job);
    json_t *p = job->payload ? json_loads(job->payload, 0, NULL) : NULL;
    if (!p)
        p = json_object();
    char after[25];
    const char *a0 = json_string_value(json_object_get(p, "after_pin"));
    snprintf(after, sizeof(after), "%s", a0 ? a0 : "");
    zs_fleet_device d;
    int rc = zs_fleet_get(f->st, id, &d);
    size_t users = (size_t)json_integer_value(json_object_get(p, "users_done"));
    size_t tpls = 0;
    while (rc == 0) {
        zs_fleet_user *rows = NULL;
        size_t n = 0;
        rc = zs_fleet_group_users(f->st, d.sync_group, after, USER_BATCH, &rows, &n);
        if (rc != 0 || n == 0) {
            zs_fleet_users_free(rows, n);
            break;
        }
        upload_arg ua = {rows, n, 0};
        rc = zf_run(f, id, op_upload, &ua, JOB_QUEUE_WAIT_MS, err, errsz);
        if (rc == 0) {
            users += n;
            tpls += ua.ntpl;
            snprintf(after, sizeof(after), "%s", rows[n - 1].pin);
            json_object_set_new(p, "device_id", json_integer(id));
            json_object_set_new(p, "after_pin", json_string(after));
            json_object_set_new(p, "users_done", json_integer((json_int_t)users));
            char *s = json_dumps(p, JSON_COMPACT);
            if (s)
                zjob_save_payload(run, s);
            free(s);
            if (zjob_progress(run, (int64_t)users, 0)) {
                snprintf(err, errsz, "cancelled");
                rc = ZKBIO_ECANCELED;
            }
        }
        zs_fleet_users_free(rows, n);
        if (n < USER_BATCH)
            break;
    }
    if (rc == 0) {
        set_result(run, json_pack("{s:I,s:I,s:s}", "users", (json_int_t)users, "templates",
                                  (json_int_t)tpls, "sync_group", d.sync_group));
        zjob_progress(run, (int64_t)users, (int64_t)users);
    }
    json_decref(p);
    return outcome_of(rc);
}

/* ---- remote enrollment ---------------------------------------------------------------------- */

typedef struct enroll_arg {
    char user_id[25];
    int finger;
    json_t *events;
    int captures;
} enroll_arg;

static int on_enroll_event(const zkbio_zk_event *ev, void *user)
{
    enroll_arg *a = user;
    json_t *e = NULL;
    switch (ev->flag) {
    case ZKBIO_ZK_EF_FINGER:
        e = json_pack("{s:s}", "event", "finger_placed");
        break;
    case ZKBIO_ZK_EF_FPFTR:
        a->captures++;
        e = json_pack("{s:s,s:i,s:i,s:b}", "event", "capture", "capture", a->captures, "score",
                      ev->score, "good", ev->score >= 100);
        break;
    case ZKBIO_ZK_EF_ENROLLFINGER:
        e = json_pack("{s:s,s:i,s:i}", "event", "enrolled", "result", ev->result, "finger",
                      ev->fid);
        break;
    default:
        break;
    }
    if (e)
        json_array_append_new(a->events, e);
    return 0;
}

static int op_enroll(zfleet *f, zf_term *t, zkbio_zk_client *c, void *arg, char *err, size_t errsz)
{
    (void)f;
    (void)t;
    enroll_arg *a = arg;
    int rc = zkbio_zk_enroll(c, a->user_id, (uint8_t)a->finger, 60000, on_enroll_event, a);
    if (rc != 0)
        zkbio_zk_client_last_error(c, err, errsz);
    return rc;
}

static zjob_outcome h_enroll(void *ctx, const zjob *job, zjob_run *run, char *err, size_t errsz)
{
    zfleet *f = ctx;
    json_t *p = job->payload ? json_loads(job->payload, 0, NULL) : NULL;
    const char *uid = json_string_value(json_object_get(p, "user_id"));
    enroll_arg a = {.finger = (int)json_integer_value(json_object_get(p, "finger"))};
    if (!uid || !*uid || a.finger < 0 || a.finger > 9) {
        json_decref(p);
        snprintf(err, errsz, "bad enrollment payload");
        return ZJOB_FAIL;
    }
    snprintf(a.user_id, sizeof(a.user_id), "%s", uid);
    json_decref(p);
    a.events = json_array();
    int rc = zf_run(f, job_device(job), op_enroll, &a, JOB_QUEUE_WAIT_MS, err, errsz);
    const char *why = NULL;
    if (rc == ZKBIO_EIO) {
        /* the terminal's verdict: a failed capture is a sample of too low quality */
        size_t n = json_array_size(a.events);
        json_t *last = n ? json_array_get(a.events, n - 1) : NULL;
        int bad = 0;
        for (size_t i = 0; i < n; i++) {
            json_t *e = json_array_get(a.events, i);
            if (json_is_false(json_object_get(e, "good")))
                bad = 1;
        }
        why = bad || (last && json_integer_value(json_object_get(last, "result")) != 0)
                  ? "quality too low"
                  : "refused by the terminal";
    } else if (rc == ZKBIO_ETIMEDOUT) {
        why = "no finger placed in time";
    }
    json_t *r = json_pack("{s:b,s:s,s:i,s:i,s:o}", "ok", rc == 0, "user_id", a.user_id, "finger",
                          a.finger, "captures", a.captures, "events", a.events);
    if (why)
        json_object_set_new(r, "error", json_string(why));
    set_result(run, r);
    /* a refused or failed enrollment is the outcome, not a fault to retry */
    return rc == 0 ? ZJOB_OK : rc == ZKBIO_EBUSY || rc == ZKBIO_ECONN ? ZJOB_RETRY : ZJOB_FAIL;
}

/* ---- one user off the terminal (issue 16: a BioTime employee deleted or moved out of the
 * terminal's area) --------------------------------------------------------------------------- */

static zjob_outcome h_user_delete(void *ctx, const zjob *job, zjob_run *run, char *err,
                                  size_t errsz)
{
    zfleet *f = ctx;
    int64_t id = job_device(job);
    json_t *p = job->payload ? json_loads(job->payload, 0, NULL) : NULL;
    const char *uid = p ? json_string_value(json_object_get(p, "user_id")) : NULL;
    int rc = ZKBIO_EINVAL;
    if (!uid || !*uid || strlen(uid) > 24)
        snprintf(err, errsz, "the payload names no user_id");
    else
        rc = zfleet_user_delete(f, id, uid, err, errsz);
    int gone = rc == ZKBIO_ENOENT; /* not on the terminal: as good as deleted */
    if (rc == 0 || gone)
        set_result(run, json_pack("{s:s,s:b}", "user_id", uid, "was_present", !gone));
    json_decref(p);
    return outcome_of(gone ? 0 : rc);
}

int zf_jobs_register(zfleet *f)
{
    int rc = zjobs_register(f->jobs, "attendance.pull", h_pull, f);
    if (rc == 0)
        rc = zjobs_register(f->jobs, "log.clear", h_clear, f);
    if (rc == 0)
        rc = zjobs_register(f->jobs, "user.to_db", h_to_db, f);
    if (rc == 0)
        rc = zjobs_register(f->jobs, "user.to_device", h_to_device, f);
    if (rc == 0)
        rc = zjobs_register(f->jobs, "device.enroll", h_enroll, f);
    if (rc == 0)
        rc = zjobs_register(f->jobs, "user.delete", h_user_delete, f);
    return rc;
}
