/* SPDX-License-Identifier: Apache-2.0 */
/*
 * /api/v1 for users on a terminal and the terminal syncs: the live user list, add (with a remote
 * enrollment), delete, users to the database / to the terminal, attendance sync and log clear
 * (docs/management-api.md "Terminals over 4370"). Syncs are jobs (daemon/jobs, handlers in
 * daemon/fleet); for a PUSH terminal the calls queue the PUSH command instead.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "v1_fleet.h"

static int cmp_uid(const void *x, const void *y)
{
    const zkbio_zk_user *a = x, *b = y;
    return (a->uid > b->uid) - (a->uid < b->uid);
}

/* GET /api/v1/users/device/{id}?limit=&after= (viewer): live, ordered by uid; `after` = the uid
 * cursor of the previous page. */
int zapi_fleet_users_list(zreq *r)
{
    zs_fleet_device d;
    int st = zapi_fleet_device(r, &d);
    if (st)
        return st;
    if (!zapi_fleet_is_4370(&d))
        return zapi_v1_fail(r, 400, "VALIDATION_ERROR",
                            "a PUSH terminal's users are read from the database: GET /api/v1/users",
                            NULL);
    zapi_paging pg;
    int64_t after = 0;
    if ((st = zapi_page_params(r, &pg)) != 0 || (st = zapi_page_after_id(r, &pg, &after)) != 0)
        return st;
    if (after > 65535)
        return zapi_bad_param(r, "after",
                              "\"after\" is the uid cursor of the previous page (0..65535)");
    long limit = pg.limit;
    char rb[8];
    if (zapi_query(r, "refresh", rb, sizeof(rb)) < 0)
        return 400;
    zkbio_zk_user *u = NULL;
    size_t n = 0;
    int64_t read_at = 0;
    int cached = 0;
    char err[256] = "";
    int rc = zfleet_users(r->app->fleet, d.id, rb[0] == '1' || rb[0] == 't', &u, &n, &read_at,
                          &cached, err, sizeof(err));
    if (rc != 0)
        return zapi_fleet_fail(r, rc, err);
    if (n > 1) /* an empty list may be NULL, which qsort must not get (C11 7.22.5) */
        qsort(u, n, sizeof(*u), cmp_uid);
    json_t *items = json_array();
    size_t shown = 0, last = 0;
    for (size_t i = 0; i < n && shown < (size_t)limit; i++) {
        if (u[i].uid <= after)
            continue;
        /* the user's password is never served: only whether one is set */
        json_array_append_new(
            items, json_pack("{s:i,s:s,s:s,s:i,s:b,s:I,s:i,s:b}", "uid", u[i].uid, "user_id",
                             u[i].user_id, "name", u[i].name, "privilege", u[i].privilege & 0x0E,
                             "enabled", !(u[i].privilege & 1), "card", (json_int_t)u[i].card,
                             "group", u[i].group, "password_set", u[i].password[0] != 0));
        shown++;
        last = i;
    }
    int more = 0;
    for (size_t i = last + 1; shown && i < n; i++)
        if (u[i].uid > after)
            more = 1;
    /* the cursor is a string like every list's (api.h) */
    char next[16];
    snprintf(next, sizeof(next), "%u", more ? (unsigned)u[last].uid : 0u);
    json_t *paging = json_pack("{s:i,s:o,s:I}", "limit", (int)limit, "next",
                               more ? json_string(next) : json_null(), "total", (json_int_t)n);
    zkbio_zk_free(u);
    char when[32];
    return zapi_ok(r, 200, cached ? "users on the terminal (cached)" : "users on the terminal",
                   json_pack("{s:o,s:o,s:b,s:s}", "items", items, "paging", paging, "cached",
                             cached, "read_at", zapi_fleet_iso_ms(read_at, when)));
}

/* A user id from JSON: a string of 1..24 characters without control bytes, or a number. */
static int user_id_field(json_t *v, char out[25])
{
    if (json_is_integer(v) && json_integer_value(v) > 0) {
        snprintf(out, 25, "%lld", (long long)json_integer_value(v));
        return 0;
    }
    if (!json_is_string(v) || !json_string_length(v) || json_string_length(v) > 24)
        return -1;
    for (const char *p = json_string_value(v); *p; p++)
        if ((unsigned char)*p < 0x20 || *p == '\t')
            return -1;
    snprintf(out, 25, "%s", json_string_value(v));
    return 0;
}

/* POST /api/v1/users/device/{id} {user_id, name, privilege?, card?, password?, enroll_finger?}
 * (operator) */
int zapi_fleet_user_add(zreq *r)
{
    zs_fleet_device d;
    int st = zapi_fleet_device(r, &d);
    if (st)
        return st;
    json_t *j = zapi_fleet_body(r, &st);
    if (!j)
        return st;
    zkbio_zk_user u;
    memset(&u, 0, sizeof(u));
    json_t *name = json_object_get(j, "name"), *pri = json_object_get(j, "privilege"),
           *card = json_object_get(j, "card"), *pw = json_object_get(j, "password"),
           *fin = json_object_get(j, "enroll_finger");
    int priv = pri ? (int)json_integer_value(pri) : 0;
    if (user_id_field(json_object_get(j, "user_id"), u.user_id))
        st = zapi_fleet_bad_field(
            r, "user_id", "\"user_id\" is required: a string of 1..24 or a positive number");
    else if (!json_is_string(name) || json_string_length(name) > 24)
        st = zapi_fleet_bad_field(r, "name", "\"name\" is required: a string of at most 24 bytes");
    else if (pri && (!json_is_integer(pri) || (priv != 0 && priv != 2 && priv != 6 && priv != 14)))
        st = zapi_fleet_bad_field(r, "privilege",
                                  "\"privilege\" is 0 (user), 2 (enroller), 6 (manager) or 14 "
                                  "(admin)");
    else if (card && (!json_is_integer(card) || json_integer_value(card) < 0 ||
                      json_integer_value(card) > 4294967295LL))
        st = zapi_fleet_bad_field(r, "card", "\"card\" is a number 0..4294967295");
    else if (pw && (!json_is_string(pw) || json_string_length(pw) > 8))
        st = zapi_fleet_bad_field(r, "password", "\"password\" is a string of at most 8");
    else if (fin && !json_is_null(fin) &&
             (!json_is_integer(fin) || json_integer_value(fin) < 0 || json_integer_value(fin) > 9))
        st = zapi_fleet_bad_field(r, "enroll_finger", "\"enroll_finger\" is a finger index 0..9");
    if (st) {
        json_decref(j);
        return st;
    }
    snprintf(u.name, sizeof(u.name), "%s", json_string_value(name));
    u.privilege = (uint8_t)priv;
    u.card = card ? (uint32_t)json_integer_value(card) : 0;
    if (pw)
        snprintf(u.password, sizeof(u.password), "%s", json_string_value(pw));
    u.group = 1;
    int finger = fin && json_is_integer(fin) ? (int)json_integer_value(fin) : -1;
    json_decref(j);

    int64_t aid = 0;
    char target[96];
    snprintf(target, sizeof(target), "%s/%s", d.sn, u.user_id);
    zs_audit_begin(r->app->store, zapi_fleet_actor(r), r->who.account_id, zapi_fleet_ip(r),
                   "device.user_add", target, d.id, "pending", NULL, &aid);
    if (!zapi_fleet_is_4370(&d)) {
        char cardtxt[16] = "", text[512];
        size_t len;
        if (u.card)
            snprintf(cardtxt, sizeof(cardtxt), "%u", (unsigned)u.card);
        zkbio_push_user pu = {.pin = u.user_id,
                              .name = u.name,
                              .privilege = priv,
                              .password = u.password,
                              .card = cardtxt,
                              .group = "",
                              .tz = "",
                              .verify = -1,
                              .vice_card = "",
                              .start_datetime = "",
                              .end_datetime = ""};
        if (zkbio_push_cmd_user_update(&pu, 0, text, sizeof(text), &len) != 0) {
            zs_audit_end(r->app->store, aid, "failed", NULL);
            return zapi_fleet_bad_field(r, "user_id",
                                        "this user id cannot be sent to a PUSH terminal");
        }
        return zapi_fleet_push_command(r, &d, text, "DATA UPDATE USERINFO", aid);
    }
    uint16_t uid = 0;
    char err[256] = "";
    int rc = zfleet_user_add(r->app->fleet, d.id, &u, &uid, err, sizeof(err));
    if (aid)
        zs_audit_end(r->app->store, aid, rc == 0 ? "ok" : "failed", NULL);
    if (rc == ZKBIO_EEXIST)
        return zapi_v1_fail(r, 409, "CONFLICT", "this user id already exists on the terminal",
                            json_pack("{s:s}", "user_id", u.user_id));
    if (rc != 0)
        return zapi_fleet_fail(r, rc, err);
    json_t *data = json_pack("{s:I,s:i,s:s,s:s,s:i,s:I,s:I}", "device_id", (json_int_t)d.id, "uid",
                             uid, "user_id", u.user_id, "name", u.name, "privilege", priv, "card",
                             (json_int_t)u.card, "audit_id", (json_int_t)aid);
    if (finger >= 0) {
        /* the remote enrollment waits for three presses on the terminal: a job reports it */
        json_t *p = json_pack("{s:I,s:s,s:i}", "device_id", (json_int_t)d.id, "user_id", u.user_id,
                              "finger", finger);
        char *ps = json_dumps(p, JSON_COMPACT);
        json_decref(p);
        zjobs *q = zfleet_jobs(r->app->fleet);
        zjob_new n = {.queue = "device-cmd",
                      .kind = "device.enroll",
                      .device_id = d.id,
                      .priority = 0,
                      .max_attempts = 1,
                      .payload = ps,
                      .created_by = zapi_fleet_actor(r)};
        int64_t jid = 0;
        int existing = 0;
        zjob jj;
        memset(&jj, 0, sizeof(jj));
        if (q && zjobs_enqueue(q, &n, &jid, &existing) == 0 && zjobs_get(q, jid, &jj) == 0) {
            json_object_set_new(data, "enrollment", zapi_job_queued_json(&jj, existing));
            zjob_clear(&jj);
        } else {
            json_object_set_new(data, "enrollment", json_null());
        }
        free(ps);
    }
    return zapi_ok(r, 201, finger >= 0 ? "user added; enrollment started" : "user added", data);
}

/* DELETE /api/v1/users/device/{id}/{user_id} (operator) */
int zapi_fleet_user_delete(zreq *r)
{
    zs_fleet_device d;
    int st = zapi_fleet_device(r, &d);
    if (st)
        return st;
    char uid[64];
    size_t ul = 0;
    const char *raw = r->arg[1] ? r->arg[1] : "";
    if (mg_url_decode(raw, (int)strlen(raw), uid, sizeof(uid), 0) < 0 || (ul = strlen(uid)) == 0 ||
        ul > 24 || strchr(uid, '/'))
        return zapi_v1_fail(r, 404, "NOT_FOUND", "no such user on the terminal", NULL);
    int64_t aid = 0;
    char target[80];
    snprintf(target, sizeof(target), "%s/%s", d.sn, uid);
    zs_audit_begin(r->app->store, zapi_fleet_actor(r), r->who.account_id, zapi_fleet_ip(r),
                   "device.user_delete", target, d.id, "pending", NULL, &aid);
    if (!zapi_fleet_is_4370(&d)) {
        char text[128];
        size_t len;
        if (zkbio_push_cmd_delete(ZKBIO_PUSH_DT_USERINFO, uid, -1, -1, text, sizeof(text), &len)) {
            zs_audit_end(r->app->store, aid, "failed", NULL);
            return zapi_v1_fail(r, 404, "NOT_FOUND", "no such user", NULL);
        }
        return zapi_fleet_push_command(r, &d, text, "DATA DELETE USERINFO", aid);
    }
    char err[256] = "";
    int rc = zfleet_user_delete(r->app->fleet, d.id, uid, err, sizeof(err));
    if (aid)
        zs_audit_end(r->app->store, aid, rc == 0 ? "ok" : "failed", NULL);
    if (rc == ZKBIO_ENOENT)
        return zapi_v1_fail(r, 404, "NOT_FOUND", "no such user on the terminal",
                            json_pack("{s:s}", "user_id", uid));
    if (rc != 0)
        return zapi_fleet_fail(r, rc, err);
    return zapi_ok(r, 200, "user deleted from the terminal",
                   json_pack("{s:I,s:s,s:b,s:I}", "device_id", (json_int_t)d.id, "user_id", uid,
                             "deleted", 1, "audit_id", (json_int_t)aid));
}

static int device_job(zreq *r, const char *queue, const char *kind)
{
    zs_fleet_device d;
    int st = zapi_fleet_device(r, &d);
    if (st)
        return st;
    char payload[64];
    snprintf(payload, sizeof(payload), "{\"device_id\":%lld}", (long long)d.id);
    return zapi_fleet_job(r, &d, queue, kind, payload, 1);
}

/* POST /api/v1/users/device/{id}/syncUserToDb (operator) */
int zapi_fleet_sync_to_db(zreq *r)
{
    zs_fleet_device d;
    int st = zapi_fleet_device(r, &d);
    if (st)
        return st;
    if (!zapi_fleet_is_4370(&d)) {
        char text[128];
        size_t len;
        zkbio_push_cmd_query(ZKBIO_PUSH_DT_USERINFO, NULL, NULL, NULL, -1, -1, text, sizeof(text),
                             &len);
        return zapi_fleet_push_command(r, &d, text, "DATA QUERY USERINFO", 0);
    }
    return device_job(r, "user-sync", "user.to_db");
}

/* POST /api/v1/users/device/{id}/syncUserToDevice (operator) */
int zapi_fleet_sync_to_device(zreq *r)
{
    zs_fleet_device d;
    int st = zapi_fleet_device(r, &d);
    if (st)
        return st;
    if (!zapi_fleet_is_4370(&d))
        return zapi_v1_fail(r, 400, "VALIDATION_ERROR",
                            "a PUSH terminal receives its sync group's users by itself", NULL);
    return device_job(r, "user-sync", "user.to_device");
}

/* POST /api/v1/attendance/device/{id}/sync (operator) */
int zapi_fleet_attendance_sync(zreq *r)
{
    zs_fleet_device d;
    int st = zapi_fleet_device(r, &d);
    if (st)
        return st;
    if (!zapi_fleet_is_4370(&d)) {
        char text[64];
        size_t len;
        zkbio_push_cmd_simple(ZKBIO_PUSH_CMD_LOG, text, sizeof(text), &len);
        return zapi_fleet_push_command(r, &d, text, "LOG", 0);
    }
    return device_job(r, "attendance-sync", "attendance.pull");
}

/* POST /api/v1/attendance/device/{id}/clear (admin): pull, store, then clear. */
int zapi_fleet_attendance_clear(zreq *r)
{
    zs_fleet_device d;
    int st = zapi_fleet_device(r, &d);
    if (st)
        return st;
    if (!zapi_fleet_is_4370(&d)) {
        /* the terminal runs its commands in order: upload what it has (LOG), then clear */
        char text[64];
        size_t len;
        int64_t cid = 0;
        zkbio_push_cmd_simple(ZKBIO_PUSH_CMD_LOG, text, sizeof(text), &len);
        int rc = zs_command_enqueue(r->app->store, d.sn, text, &cid);
        if (rc != 0)
            return zapi_fleet_store_fail(r, rc);
        zkbio_push_cmd_simple(ZKBIO_PUSH_CMD_CLEAR_LOG, text, sizeof(text), &len);
        return zapi_fleet_push_command(r, &d, text, "CLEAR LOG", 0);
    }
    return device_job(r, "attendance-sync", "log.clear");
}
