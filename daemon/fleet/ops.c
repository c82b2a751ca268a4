/* SPDX-License-Identifier: Apache-2.0 */
/* Interactive operations on a 4370 terminal, each run on the terminal's session (fleet.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fleet_impl.h"

/* The client's last error, or the code's text. */
static int client_fail(zkbio_zk_client *c, int rc, char *err, size_t errsz)
{
    if (c)
        zkbio_zk_client_last_error(c, err, errsz);
    if (!err[0])
        snprintf(err, errsz, "%s", zkbio_strerror(rc));
    return rc;
}

int zfleet_probe(zfleet *f, const char *ip, int port, int udp, uint32_t key, zkbio_zk_info *out,
                 int *used_udp, char *err, size_t errsz)
{
    if (!f || !ip || !out || port <= 0 || port > 65535)
        return ZKBIO_EINVAL;
    zkbio_zk_client_options co;
    zkbio_zk_client_options_init(&co);
    co.transport = udp ? ZKBIO_ZK_UDP : ZKBIO_ZK_AUTO;
    co.comm_key = key;
    co.timeout_ms = f->o.timeout_ms;
    zkbio_zk_client *c = NULL;
    int rc = zkbio_zk_client_open(ip, (uint16_t)port, &co, &c);
    if (rc != 0) {
        snprintf(err, errsz, "%s",
                 rc == ZKBIO_EACCES ? "comm key refused by the terminal" : zkbio_strerror(rc));
        return rc;
    }
    err[0] = '\0';
    int tr = ZKBIO_ZK_TCP;
    zkbio_zk_client_transport(c, &tr);
    if (used_udp)
        *used_udp = tr == ZKBIO_ZK_UDP;
    rc = zkbio_zk_info_get(c, out);
    if (rc != 0)
        client_fail(c, rc, err, errsz);
    zkbio_zk_client_close(c);
    return rc;
}

/* ---- info ---------------------------------------------------------------------------------- */

static int op_info(zfleet *f, zf_term *t, zkbio_zk_client *c, void *arg, char *err, size_t errsz)
{
    zkbio_zk_info *out = arg;
    int rc = zkbio_zk_info_get(c, out);
    if (rc != 0)
        return client_fail(c, rc, err, errsz);
    pthread_mutex_lock(&f->mu);
    t->info = *out;
    t->info_at_ms = zf_now();
    pthread_mutex_unlock(&f->mu);
    zs_fleet_set_counts(f->st, t->id, out->sizes.users, out->sizes.fingers, out->sizes.records);
    return 0;
}

int zfleet_info(zfleet *f, int64_t id, int fresh, zkbio_zk_info *out, int64_t *age_ms, char *err,
                size_t errsz)
{
    if (!f || !out)
        return ZKBIO_EINVAL;
    if (!fresh && f->o.info_cache_ms > 0) {
        pthread_mutex_lock(&f->mu);
        zf_term *t = zf_term_get_locked(f, id, 0);
        int64_t age = t && t->info_at_ms ? zf_now() - t->info_at_ms : -1;
        int hit = age >= 0 && age < f->o.info_cache_ms;
        if (hit)
            *out = t->info;
        pthread_mutex_unlock(&f->mu);
        if (hit) {
            if (age_ms)
                *age_ms = age > 0 ? age : 1;
            return 0;
        }
    }
    int rc = zf_run(f, id, op_info, out, 0, err, errsz);
    if (rc == 0 && age_ms)
        *age_ms = 0;
    return rc;
}

void zfleet_cache_clear(zfleet *f, size_t *dropped)
{
    size_t n = 0;
    if (f) {
        pthread_mutex_lock(&f->mu);
        for (zf_term *t = f->terms; t; t = t->next) {
            n += (t->info_at_ms != 0) + (t->users_at_ms != 0);
            t->info_at_ms = 0;
            zf_users_drop_locked(t);
        }
        pthread_mutex_unlock(&f->mu);
    }
    if (dropped)
        *dropped = n;
}

/* ---- door, power, clock -------------------------------------------------------------------- */

static int op_unlock(zfleet *f, zf_term *t, zkbio_zk_client *c, void *arg, char *err, size_t errsz)
{
    (void)f;
    (void)t;
    int rc = zkbio_zk_unlock(c, (uint32_t)(*(int *)arg) * 10u); /* deciseconds, tcp4370 §7.5 */
    return rc ? client_fail(c, rc, err, errsz) : 0;
}

int zfleet_unlock(zfleet *f, int64_t id, int seconds, char *err, size_t errsz)
{
    if (!f || seconds < 1 || seconds > 60)
        return ZKBIO_EINVAL;
    return zf_run(f, id, op_unlock, &seconds, 0, err, errsz);
}

/* Forget windows idle for two minutes (or never counted), f->mu held. */
static void windows_prune_locked(zfleet *f, time_t now)
{
    for (zf_acct **pp = &f->accts; *pp;) {
        zf_acct *x = *pp;
        if (now - x->win.start > 120) {
            *pp = x->next;
            free(x);
            continue;
        }
        pp = &x->next;
    }
}

/* The window of `key` in f->accts (created when missing), f->mu held. NULL on ENOMEM. */
static zf_acct *window_locked(zfleet *f, const char *key)
{
    for (zf_acct *x = f->accts; x; x = x->next)
        if (strcmp(x->key, key) == 0)
            return x;
    zf_acct *a = calloc(1, sizeof(*a));
    if (a) {
        snprintf(a->key, sizeof(a->key), "%s", key);
        a->next = f->accts;
        f->accts = a;
    }
    return a;
}

int zfleet_unlock_allow(zfleet *f, int64_t id, const char *account)
{
    if (!f)
        return 0;
    time_t now = time(NULL);
    char dk[32], ak[128];
    snprintf(dk, sizeof(dk), "device:%lld", (long long)id);
    snprintf(ak, sizeof(ak), "account:%.*s", 110, account ? account : "");
    pthread_mutex_lock(&f->mu);
    windows_prune_locked(f, now);
    zf_acct *d = window_locked(f, dk);
    zf_acct *a = window_locked(f, ak);
    /* check both windows first, so a refused call counts in neither */
    zc_window dw = d ? d->win : (zc_window){0};
    zc_window aw = a ? a->win : (zc_window){0};
    int wd = zc_window_hit(&dw, 10, 60, now, NULL, NULL);
    int wa = zc_window_hit(&aw, 10, 60, now, NULL, NULL);
    int wait = wd > wa ? wd : wa;
    if (!wait) {
        if (d)
            d->win = dw;
        if (a)
            a->win = aw;
    }
    pthread_mutex_unlock(&f->mu);
    return wait;
}

static int op_restart(zfleet *f, zf_term *t, zkbio_zk_client *c, void *arg, char *err, size_t errsz)
{
    (void)arg;
    int rc = zkbio_zk_restart(c);
    if (rc != 0)
        return client_fail(c, rc, err, errsz);
    /* the terminal reboots: the handle is spent; reconnect after the first backoff step */
    zf_session_close(f, t, 0, NULL);
    pthread_mutex_lock(&f->mu);
    t->next_connect_ms = zf_now() + f->o.backoff_base_ms;
    t->info_at_ms = 0;
    zf_users_drop_locked(t);
    pthread_mutex_unlock(&f->mu);
    return 0;
}

int zfleet_restart(zfleet *f, int64_t id, char *err, size_t errsz)
{
    if (!f)
        return ZKBIO_EINVAL;
    return zf_run(f, id, op_restart, NULL, 0, err, errsz);
}

/* Minutes east of UTC of a zone text: "+03:00", "-0530", "UTC", "Z", "GMT". 1 when parsed. */
static int tz_offset(const char *tz, int *minutes)
{
    if (!strcmp(tz, "UTC") || !strcmp(tz, "Z") || !strcmp(tz, "GMT") || !strcmp(tz, "Etc/UTC")) {
        *minutes = 0;
        return 1;
    }
    const char *p = tz;
    if (!strncmp(p, "UTC", 3) || !strncmp(p, "GMT", 3))
        p += 3;
    if (*p != '+' && *p != '-')
        return 0;
    int sign = *p == '-' ? -1 : 1, h = 0, m = 0;
    p++;
    if (p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9')
        return 0;
    h = (p[0] - '0') * 10 + (p[1] - '0');
    p += 2;
    if (*p == ':')
        p++;
    if (*p) {
        if (p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9' || p[2])
            return 0;
        m = (p[0] - '0') * 10 + (p[1] - '0');
    }
    if (h > 14 || m > 59)
        return 0;
    *minutes = sign * (h * 60 + m);
    return 1;
}

int zfleet_tz_valid(const char *tz)
{
    int m;
    return tz && (!*tz || tz_offset(tz, &m));
}

static int op_time(zfleet *f, zf_term *t, zkbio_zk_client *c, void *arg, char *err, size_t errsz)
{
    zkbio_zk_time *set = arg;
    char tz[65];
    zs_fleet_device d; /* the zone as stored now (a PATCH may have changed it) */
    pthread_mutex_lock(&f->mu);
    snprintf(tz, sizeof(tz), "%s", t->dev.tz);
    pthread_mutex_unlock(&f->mu);
    if (zs_fleet_get(f->st, t->id, &d) == 0)
        snprintf(tz, sizeof(tz), "%s", d.tz);
    time_t now = time(NULL);
    struct tm tm;
    int off;
    if (tz[0] && tz_offset(tz, &off)) {
        now += (time_t)off * 60;
        gmtime_r(&now, &tm);
    } else {
        localtime_r(&now, &tm);
    }
    set->year = (uint16_t)(tm.tm_year + 1900);
    set->month = (uint8_t)(tm.tm_mon + 1);
    set->day = (uint8_t)tm.tm_mday;
    set->hour = (uint8_t)tm.tm_hour;
    set->minute = (uint8_t)tm.tm_min;
    set->second = (uint8_t)tm.tm_sec;
    int rc = zkbio_zk_time_set(c, set);
    return rc ? client_fail(c, rc, err, errsz) : 0;
}

int zfleet_time_sync(zfleet *f, int64_t id, zkbio_zk_time *set, char *err, size_t errsz)
{
    if (!f)
        return ZKBIO_EINVAL;
    zkbio_zk_time tmp;
    return zf_run(f, id, op_time, set ? set : &tmp, 0, err, errsz);
}

/* ---- users --------------------------------------------------------------------------------- */

typedef struct users_arg {
    zkbio_zk_user *users;
    size_t n;
    const zkbio_zk_user *add;
    const char *user_id;
    uint16_t uid;
} users_arg;

void zf_users_drop_locked(zf_term *t)
{
    free(t->users);
    t->users = NULL;
    t->nusers = 0;
    t->users_at_ms = 0;
}

static int op_users(zfleet *f, zf_term *t, zkbio_zk_client *c, void *arg, char *err, size_t errsz)
{
    users_arg *a = arg;
    int rc = zkbio_zk_users_get(c, &a->users, &a->n);
    if (rc != 0)
        return client_fail(c, rc, err, errsz);
    zkbio_zk_user *copy = a->n ? malloc(a->n * sizeof(*copy)) : NULL;
    if (copy)
        memcpy(copy, a->users, a->n * sizeof(*copy));
    pthread_mutex_lock(&f->mu);
    zf_users_drop_locked(t);
    if (copy || !a->n) {
        t->users = copy;
        t->nusers = a->n;
        t->users_at_ms = zf_now();
    }
    pthread_mutex_unlock(&f->mu);
    return 0;
}

int zfleet_users(zfleet *f, int64_t id, int fresh, zkbio_zk_user **users, size_t *n,
                 int64_t *age_ms, char *err, size_t errsz)
{
    if (!f || !users || !n)
        return ZKBIO_EINVAL;
    if (!fresh && f->o.info_cache_ms > 0) {
        pthread_mutex_lock(&f->mu);
        zf_term *t = zf_term_get_locked(f, id, 0);
        int64_t age = t && t->users_at_ms ? zf_now() - t->users_at_ms : -1;
        int hit = age >= 0 && age < f->o.info_cache_ms;
        zkbio_zk_user *copy = NULL;
        if (hit && t->nusers) {
            copy = malloc(t->nusers * sizeof(*copy));
            if (copy)
                memcpy(copy, t->users, t->nusers * sizeof(*copy));
            else
                hit = 0;
        }
        size_t cn = hit ? t->nusers : 0;
        pthread_mutex_unlock(&f->mu);
        if (hit) {
            *users = copy;
            *n = cn;
            if (age_ms)
                *age_ms = age > 0 ? age : 1;
            return 0;
        }
    }
    users_arg a = {0};
    int rc = zf_run(f, id, op_users, &a, 0, err, errsz);
    if (rc == 0) {
        *users = a.users;
        *n = a.n;
        if (age_ms)
            *age_ms = 0;
    }
    return rc;
}

static int op_user_add(zfleet *f, zf_term *t, zkbio_zk_client *c, void *arg, char *err,
                       size_t errsz)
{
    (void)f;
    users_arg *a = arg;
    zkbio_zk_user *all = NULL;
    size_t n = 0;
    int rc = zkbio_zk_users_get(c, &all, &n);
    if (rc != 0)
        return client_fail(c, rc, err, errsz);
    uint32_t max_uid = 0;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(all[i].user_id, a->add->user_id) == 0) {
            zkbio_zk_free(all);
            snprintf(err, errsz, "user %s already exists on the terminal", a->add->user_id);
            return ZKBIO_EEXIST;
        }
        if (all[i].uid > max_uid)
            max_uid = all[i].uid;
    }
    zkbio_zk_free(all);
    zkbio_zk_user u = *a->add;
    if (!u.uid) {
        if (max_uid >= 65535) {
            snprintf(err, errsz, "the terminal has no free user slot");
            return ZKBIO_ENOSPC;
        }
        u.uid = (uint16_t)(max_uid + 1);
    }
    rc = zkbio_zk_user_set(c, &u);
    if (rc != 0)
        return client_fail(c, rc, err, errsz);
    a->uid = u.uid;
    pthread_mutex_lock(&f->mu);
    zf_users_drop_locked(t);
    pthread_mutex_unlock(&f->mu);
    zs_fleet_set_counts(f->st, t->id, (int64_t)n + 1, -1, -1);
    return 0;
}

int zfleet_user_add(zfleet *f, int64_t id, const zkbio_zk_user *u, uint16_t *uid, char *err,
                    size_t errsz)
{
    if (!f || !u || !u->user_id[0])
        return ZKBIO_EINVAL;
    users_arg a = {0};
    a.add = u;
    int rc = zf_run(f, id, op_user_add, &a, 0, err, errsz);
    if (rc == 0 && uid)
        *uid = a.uid;
    return rc;
}

static int op_user_delete(zfleet *f, zf_term *t, zkbio_zk_client *c, void *arg, char *err,
                          size_t errsz)
{
    users_arg *a = arg;
    zkbio_zk_user *all = NULL;
    size_t n = 0;
    int rc = zkbio_zk_users_get(c, &all, &n);
    if (rc != 0)
        return client_fail(c, rc, err, errsz);
    uint16_t uid = 0;
    for (size_t i = 0; i < n && !uid; i++)
        if (strcmp(all[i].user_id, a->user_id) == 0)
            uid = all[i].uid;
    zkbio_zk_free(all);
    if (!uid) {
        snprintf(err, errsz, "user %s is not on the terminal", a->user_id);
        return ZKBIO_ENOENT;
    }
    rc = zkbio_zk_user_delete(c, uid);
    pthread_mutex_lock(&f->mu);
    zf_users_drop_locked(t);
    pthread_mutex_unlock(&f->mu);
    if (rc != 0)
        return client_fail(c, rc, err, errsz);
    zs_fleet_set_counts(f->st, t->id, (int64_t)n - 1, -1, -1);
    return 0;
}

int zfleet_user_delete(zfleet *f, int64_t id, const char *user_id, char *err, size_t errsz)
{
    if (!f || !user_id || !*user_id)
        return ZKBIO_EINVAL;
    users_arg a = {0};
    a.user_id = user_id;
    return zf_run(f, id, op_user_delete, &a, 0, err, errsz);
}
