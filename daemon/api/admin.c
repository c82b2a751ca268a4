/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Management API (/api/v1/...) and /health.
 *
 * Access rule (declared in daemon/http/routes.c, checked by daemon/auth): /health is open (it
 * reveals only liveness and the version). Everything under /api/v1/ needs a bearer credential with
 * the route's role. Every reply is the /api/v1 envelope (api.h: zapi_ok / zapi_v1_fail), lists are
 * paged by page.c's one convention, and GET replies carry an ETag (reply.c). The contract:
 * docs/management-api.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api.h"
#include "api_json.h"

#define MAX_JSON_BODY (64 * 1024)

static int store_fail(zreq *r, int rc, const char *what)
{
    char msg[96];
    if (rc == ZKBIO_ENOENT) {
        snprintf(msg, sizeof(msg), "no such %s", what);
        return zapi_v1_fail(r, 404, "NOT_FOUND", msg, NULL);
    }
    if (rc == ZKBIO_EUNAVAIL)
        return zapi_v1_fail(r, 503, "SERVICE_UNAVAILABLE", "database unavailable, retry later",
                            NULL);
    zlog_error("api: store error: %s", zkbio_strerror(rc));
    return zapi_v1_fail(r, 500, "INTERNAL_ERROR", "database error", NULL);
}

/* from/to of r into f's strings; 0 or the status of the 400 sent. */
static int time_range(zreq *r, const char **from, const char **to, char fb[20], char tb[20])
{
    char v[64];
    int rc;
    *from = *to = NULL;
    if ((rc = zapi_query(r, "from", v, sizeof(v))) < 0)
        return 400;
    if (rc > 0) {
        if (!zapi_parse_wall_time(v, fb, 0))
            return zapi_bad_param(r, "from",
                                  "from must be YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS] (the "
                                  "terminals' wall clock, no zone)");
        *from = fb;
    }
    if ((rc = zapi_query(r, "to", v, sizeof(v))) < 0)
        return 400;
    if (rc > 0) {
        if (!zapi_parse_wall_time(v, tb, 1))
            return zapi_bad_param(r, "to",
                                  "to must be YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS] (the terminals' "
                                  "wall clock, no zone)");
        *to = tb;
    }
    if (*from && *to && strcmp(*from, *to) > 0)
        return zapi_bad_param(r, "to", "to is before from");
    return 0;
}

/* A boolean query parameter: 1/0 into *out, -1 when absent; 0 or the status of the 400 sent. */
static int bool_param(zreq *r, const char *name, int *out)
{
    char v[16];
    int rc = zapi_query(r, name, v, sizeof(v));
    *out = -1;
    if (rc < 0)
        return 400;
    if (rc == 0)
        return 0;
    if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0)
        *out = 1;
    else if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0)
        *out = 0;
    else
        return zapi_bad_param(r, name, "must be true or false");
    return 0;
}

/* The device a /api/v1/devices/{ref}[/...] path or a `device` filter names (an id, or an SN for
 * compatibility; zs_find_device). 0, or the status of the 404/503 sent. */
static int find_device(zreq *r, const char *ref, zs_device *dev)
{
    memset(dev, 0, sizeof(*dev));
    size_t l = ref ? strlen(ref) : 0;
    if (l == 0 || l > ZKBIO_PUSH_SN_MAX || !zkbio_push_sn_valid(ref))
        return zapi_v1_fail(r, 404, "NOT_FOUND", "no such device",
                            json_pack("{s:s}", "device", ref ? ref : ""));
    int rc = zs_find_device(r->app->store, ref, dev);
    if (rc == ZKBIO_ENOENT)
        return zapi_v1_fail(r, 404, "NOT_FOUND", "no such device",
                            json_pack("{s:s}", "device", ref));
    return rc ? store_fail(r, rc, "device") : 0;
}

/* Online: a tcp4370 terminal by its worker's state; a PUSH terminal when it polled within three
 * poll intervals (`Delay`) plus a minute (the last-seen flush and network slack). */
static int64_t push_window_s(const zreq *r)
{
    int delay = r->app->push ? r->app->push->push.delay_s : 0;
    if (delay < 1)
        delay = 30;
    return 3 * (int64_t)delay + 60;
}

int zapi_device_online(const zreq *r, const zs_device *d)
{
    if (d->transport && strcmp(d->transport, "tcp4370") == 0)
        return d->state && strcmp(d->state, "online") == 0;
    return d->last_seen > 0 && d->last_seen >= (int64_t)time(NULL) - push_window_s(r);
}

static json_t *read_json(zreq *r, int *status)
{
    char *body;
    size_t len;
    int rc = zc_read_body(r->c, MAX_JSON_BODY, &body, &len);
    if (rc == ZKBIO_ETOOBIG) {
        *status =
            zapi_v1_failf(r, 413, "PAYLOAD_TOO_LARGE", "request body over %d bytes", MAX_JSON_BODY);
        return NULL;
    }
    if (rc != 0) {
        *status = zapi_v1_fail(r, 400, "VALIDATION_ERROR", "could not read the request body", NULL);
        return NULL;
    }
    json_error_t err;
    json_t *j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &err);
    free(body);
    if (!j || !json_is_object(j)) {
        json_decref(j);
        *status = zapi_v1_failf(r, 400, "BAD_JSON", "body must be a JSON object (%s)",
                                j ? "not an object" : err.text);
        return NULL;
    }
    return j;
}

/* Build the wire text of an operator command from its JSON description. Returns 0 or an HTTP status
 * sent. */
static int build_command(zreq *r, json_t *j, char *out, size_t size)
{
    static const struct {
        const char *name;
        zkbio_push_simple_cmd cmd;
    } simple[] = {
        {"CHECK", ZKBIO_PUSH_CMD_CHECK},
        {"INFO", ZKBIO_PUSH_CMD_INFO},
        {"LOG", ZKBIO_PUSH_CMD_LOG},
        {"REBOOT", ZKBIO_PUSH_CMD_REBOOT},
        {"CLEAR_LOG", ZKBIO_PUSH_CMD_CLEAR_LOG},
        {"CLEAR_PHOTO", ZKBIO_PUSH_CMD_CLEAR_PHOTO},
        {"CLEAR_DATA", ZKBIO_PUSH_CMD_CLEAR_DATA},
        {"CLEAR_BIODATA", ZKBIO_PUSH_CMD_CLEAR_BIODATA},
        {"RELOAD_OPTIONS", ZKBIO_PUSH_CMD_RELOAD_OPTIONS},
        {"AC_UNLOCK", ZKBIO_PUSH_CMD_AC_UNLOCK},
        {"AC_UNALARM", ZKBIO_PUSH_CMD_AC_UNALARM},
    };
    const char *name = json_string_value(json_object_get(j, "command"));
    if (!name)
        return zapi_v1_failf(r, 400, "VALIDATION_ERROR", "\"command\" (string) is required");
    int rc = ZKBIO_EINVAL;
    size_t len;
    for (size_t i = 0; i < sizeof(simple) / sizeof(simple[0]); i++)
        if (strcasecmp(name, simple[i].name) == 0)
            rc = zkbio_push_cmd_simple(simple[i].cmd, out, size, &len);
    const char *pin = json_string_value(json_object_get(j, "pin"));
    const char *start = json_string_value(json_object_get(j, "start"));
    const char *end = json_string_value(json_object_get(j, "end"));
    if (strcasecmp(name, "SET_OPTION") == 0) {
        const char *key = json_string_value(json_object_get(j, "key"));
        const char *value = json_string_value(json_object_get(j, "value"));
        if (!key || !value)
            return zapi_v1_failf(r, 400, "VALIDATION_ERROR",
                                 "SET_OPTION needs \"key\" and \"value\"");
        rc = zkbio_push_cmd_set_option(key, value, out, size, &len);
    } else if (strcasecmp(name, "QUERY_ATTLOG") == 0 || strcasecmp(name, "VERIFY_SUM") == 0) {
        char s[20], e[20];
        if (!start || !end || !zapi_parse_wall_time(start, s, 0) ||
            !zapi_parse_wall_time(end, e, 1))
            return zapi_v1_failf(r, 400, "VALIDATION_ERROR", "%s needs \"start\" and \"end\" times",
                                 name);
        rc = strcasecmp(name, "VERIFY_SUM") == 0
                 ? zkbio_push_cmd_verify_sum(s, e, out, size, &len)
                 : zkbio_push_cmd_query(ZKBIO_PUSH_DT_ATTLOG, NULL, s, e, -1, -1, out, size, &len);
    } else if (strcasecmp(name, "QUERY_USERINFO") == 0) {
        rc = zkbio_push_cmd_query(ZKBIO_PUSH_DT_USERINFO, pin, NULL, NULL, -1, -1, out, size, &len);
    } else if (strcasecmp(name, "ENROLL_FP") == 0) {
        json_int_t fid = json_integer_value(json_object_get(j, "fid"));
        json_int_t retry = json_is_integer(json_object_get(j, "retry"))
                               ? json_integer_value(json_object_get(j, "retry"))
                               : 3;
        if (!pin || fid < 0 || fid > 9)
            return zapi_v1_fail(r, 400, "VALIDATION_ERROR",
                                "ENROLL_FP needs \"pin\" and \"fid\" 0..9", NULL);
        rc = zkbio_push_cmd_enroll_fp(pin, (int32_t)fid, (int32_t)retry,
                                      json_is_true(json_object_get(j, "overwrite")), out, size,
                                      &len);
    }
    if (rc != 0)
        return zapi_v1_failf(
            r, 400, "COMMAND_NOT_ALLOWED",
            "unknown or invalid command (allowed: CHECK, INFO, LOG, REBOOT, CLEAR_LOG, "
            "CLEAR_PHOTO, "
            "CLEAR_DATA, CLEAR_BIODATA, RELOAD_OPTIONS, AC_UNLOCK, AC_UNALARM, SET_OPTION, "
            "QUERY_ATTLOG, QUERY_USERINFO, VERIFY_SUM, ENROLL_FP)");
    return 0;
}

/* GET /api/v1/devices?transport=&online=&sn=&q=&admission=&limit=&after= */
int zapi_devices_list(zreq *r)
{
    zapi_paging pg;
    int st = zapi_page_params(r, &pg);
    if (st)
        return st;
    zs_device_filter f = {.online = -1, .limit = pg.limit};
    if ((st = zapi_page_after_id(r, &pg, &f.after)) != 0)
        return st;
    char transport[16], sn[ZKBIO_PUSH_SN_MAX + 2], q[129];
    int rc;
    if ((rc = zapi_query(r, "transport", transport, sizeof(transport))) < 0)
        return 400;
    if (rc > 0) {
        if (strcmp(transport, "push") && strcmp(transport, "tcp4370"))
            return zapi_bad_param(r, "transport", "transport must be push or tcp4370");
        f.transport = transport;
    }
    if ((rc = zapi_query(r, "sn", sn, sizeof(sn))) < 0)
        return 400;
    f.sn = rc > 0 ? sn : NULL;
    if ((rc = zapi_query(r, "q", q, sizeof(q))) < 0)
        return 400;
    f.q = rc > 0 ? q : NULL;
    if ((st = bool_param(r, "online", &f.online)) != 0)
        return st;
    char adm[16]; /* issue 15: ?admission=pending|approved|rejected */
    if ((rc = zapi_query(r, "admission", adm, sizeof(adm))) < 0)
        return 400;
    if (rc > 0) {
        if (strcmp(adm, "pending") && strcmp(adm, "approved") && strcmp(adm, "rejected"))
            return zapi_bad_param(r, "admission",
                                  "admission must be pending, approved or rejected");
        f.admission = adm;
    }
    f.seen_since = (int64_t)time(NULL) - push_window_s(r);
    zs_device_page page;
    rc = zs_list_devices_page(r->app->store, &f, &page);
    if (rc)
        return store_fail(r, rc, "device");
    json_t *items = json_array();
    for (size_t i = 0; i < page.n; i++)
        json_array_append_new(
            items, zapi_device_json(&page.devices[i], zapi_device_online(r, &page.devices[i]), 0));
    st = zapi_page_id(r, &pg, items, page.has_next, page.next, page.total);
    zs_device_page_free(&page);
    return st;
}

/* GET /api/v1/devices/{id|sn} */
int zapi_device_get(zreq *r)
{
    zs_device dev;
    int st = find_device(r, r->arg[0], &dev);
    if (st)
        return st;
    json_t *out = zapi_device_json(&dev, zapi_device_online(r, &dev), 1);
    zs_device_clear(&dev);
    return zapi_ok(r, 200, "OK", out);
}

/* A PATCH text field: absent (NULL), or a string of at most max bytes (may be empty when
 * allow_empty). 0, or the status of the 400 sent. */
static int patch_text(zreq *r, json_t *j, const char *key, size_t max, int allow_empty,
                      const char **out)
{
    json_t *v = json_object_get(j, key);
    *out = NULL;
    if (!v)
        return 0;
    if (!json_is_string(v) || json_string_length(v) > max ||
        (!allow_empty && json_string_length(v) == 0) ||
        strlen(json_string_value(v)) != json_string_length(v)) {
        char why[96];
        snprintf(why, sizeof(why), "\"%s\" must be a string of %s..%zu bytes", key,
                 allow_empty ? "0" : "1", max);
        return zapi_v1_fail(r, 400, "VALIDATION_ERROR", why, json_pack("{s:s}", "field", key));
    }
    *out = json_string_value(v);
    return 0;
}

/* PATCH (or PUT) /api/v1/devices/{id|sn}: name, location, tz, enabled, sync_group, pin_address
 */
int zapi_device_patch(zreq *r)
{
    int st;
    json_t *j = read_json(r, &st); /* the body first: a malformed request is 400 wherever sent */
    if (!j)
        return st;
    zs_device dev;
    if ((st = find_device(r, r->arg[0], &dev)) != 0) {
        json_decref(j);
        return st;
    }
    int64_t id = dev.id;
    zs_device_clear(&dev);
    static const char *const known[] = {"name",    "location",   "tz",
                                        "enabled", "sync_group", "pin_address"};
    const char *key;
    json_t *val;
    json_object_foreach(j, key, val)
    {
        size_t k = 0;
        while (k < sizeof(known) / sizeof(known[0]) && strcmp(key, known[k]) != 0)
            k++;
        if (k == sizeof(known) / sizeof(known[0])) {
            st = zapi_v1_fail(r, 400, "VALIDATION_ERROR",
                              "unknown field (allowed: name, location, tz, enabled, sync_group, "
                              "pin_address)",
                              json_pack("{s:s}", "field", key));
            json_decref(j);
            return st;
        }
    }
    zs_device_patch p = {.enabled = -1};
    json_t *e = json_object_get(j, "enabled");
    if ((st = patch_text(r, j, "name", 128, 1, &p.name)) ||
        (st = patch_text(r, j, "location", 128, 1, &p.location)) ||
        (st = patch_text(r, j, "tz", 64, 1, &p.tz)) ||
        (st = patch_text(r, j, "sync_group", 64, 0, &p.sync_group)) ||
        (st = patch_text(r, j, "pin_address", ZC_CIDR_MAX, 1, &p.pin_address))) {
        json_decref(j);
        return st;
    }
    if (p.tz && !zapi_tz_valid(p.tz)) {
        json_decref(j);
        return zapi_v1_fail(r, 400, "VALIDATION_ERROR",
                            "\"tz\" must be a UTC offset (\"+03:00\", \"-0530\") or \"UTC\", or "
                            "\"\" for unknown (IANA names are not accepted: zkbiod has no zone "
                            "database for the clock sync and punch_time_utc)",
                            json_pack("{s:s}", "field", "tz"));
    }
    zc_cidr pin; /* issue 15: an IP address or CIDR prefix, "" unpins */
    if (p.pin_address && p.pin_address[0] &&
        zc_cidr_parse(p.pin_address, strlen(p.pin_address), &pin) != 0) {
        json_decref(j);
        return zapi_v1_fail(r, 400, "VALIDATION_ERROR",
                            "\"pin_address\" must be an IPv4 or IPv6 address, optionally with a "
                            "/prefix length (10.1.2.0/24, 2001:db8::/48), or \"\" to unpin",
                            json_pack("{s:s}", "field", "pin_address"));
    }
    if (e && !json_is_boolean(e)) {
        json_decref(j);
        return zapi_v1_fail(r, 400, "VALIDATION_ERROR", "\"enabled\" must be a boolean",
                            json_pack("{s:s}", "field", "enabled"));
    }
    p.enabled = e ? json_is_true(e) : -1;
    int rc = zs_patch_device(r->app->store, id, &p);
    json_decref(j);
    if (rc == 0)
        rc = zs_get_device_by_id(r->app->store, id, &dev);
    if (rc)
        return store_fail(r, rc, "device");
    json_t *out = zapi_device_json(&dev, zapi_device_online(r, &dev), 1);
    zs_device_clear(&dev);
    return zapi_ok(r, 200, "device updated", out);
}

/* POST /api/v1/devices/{id|sn}/commands */
int zapi_device_command(zreq *r)
{
    int st;
    json_t *j = read_json(r, &st); /* the body first: a malformed request is 400 wherever sent */
    if (!j)
        return st;
    char text[1024];
    st = build_command(r, j, text, sizeof(text));
    json_decref(j);
    if (st)
        return st;
    zs_device dev;
    if ((st = find_device(r, r->arg[0], &dev)) != 0)
        return st;
    int64_t id;
    int rc = zs_command_enqueue(r->app->store, dev.sn, text, &id);
    if (rc) {
        zs_device_clear(&dev);
        return store_fail(r, rc, "device");
    }
    zlog_info("api: command %lld queued for %s", (long long)id, dev.sn);
    json_t *out = json_pack("{s:I,s:I,s:s,s:s}", "id", (json_int_t)id, "device_id",
                            (json_int_t)dev.id, "sn", dev.sn, "status", "queued");
    zs_device_clear(&dev);
    return zapi_ok(r, 201, "command queued", out);
}

/* GET /health (open) */
int zapi_health(zreq *r)
{
    int rc = zs_ping(r->app->store);
    json_t *d = json_pack("{s:s,s:s,s:s}", "status", rc == 0 ? "ok" : "degraded", "database",
                          rc == 0 ? "ok" : "unavailable", "version", r->app->version);
    if (rc == 0)
        return zapi_ok(r, 200, "OK", d);
    return zapi_v1_fail(r, 503, "SERVICE_UNAVAILABLE", "the database is unavailable", d);
}

/* GET /api/v1/users?pin=&limit=&after= (the database's users, by PIN) */
int zapi_users(zreq *r)
{
    zapi_paging pg;
    int st = zapi_page_params(r, &pg);
    if (st)
        return st;
    char pin[64], after[64];
    zs_filter f = {.limit = pg.limit};
    int rc = zapi_query(r, "pin", pin, sizeof(pin));
    if (rc < 0)
        return 400;
    f.pin = rc > 0 ? pin : NULL;
    if (pg.after[0]) {
        if (!zapi_cursor_key_parse(pg.after, after, sizeof(after)))
            return zapi_bad_param(r, "after", "after is not a cursor of this list");
        f.after_key = after;
    }
    zs_user_page page;
    rc = zs_list_users(r->app->store, &f, &page);
    if (rc)
        return store_fail(r, rc, "user");
    json_t *items = json_array();
    for (size_t i = 0; i < page.n; i++)
        json_array_append_new(items, zapi_user_json(&page.users[i]));
    char next[2 * 64 + 1] = "";
    if (page.next && !zapi_cursor_key_make(page.next, next, sizeof(next)))
        next[0] = '\0'; /* a PIN over 64 bytes: cannot be stored (users.pin is 24) */
    st = zapi_page(r, &pg, items, next[0] ? next : NULL, page.total);
    zs_user_page_free(&page);
    return st;
}

/* The device filter of a list: `device` (id or SN) or `sn` (exact SN, kept for compatibility).
 * Into sn (NULL = no filter); 0 or the status sent (404 for an unknown `device`). */
static int device_filter(zreq *r, char sn[ZKBIO_PUSH_SN_MAX + 2], const char **out)
{
    char ref[ZKBIO_PUSH_SN_MAX + 2];
    *out = NULL;
    int rc = zapi_query(r, "device", ref, ZKBIO_PUSH_SN_MAX + 2);
    if (rc < 0)
        return 400;
    if (rc > 0) {
        zs_device dev;
        int st = find_device(r, ref, &dev);
        if (st)
            return st;
        snprintf(sn, ZKBIO_PUSH_SN_MAX + 2, "%s", dev.sn);
        zs_device_clear(&dev);
        *out = sn;
        return 0;
    }
    if ((rc = zapi_query(r, "sn", sn, ZKBIO_PUSH_SN_MAX + 2)) < 0)
        return 400;
    *out = rc > 0 ? sn : NULL;
    return 0;
}

/* The common filters of /attendance and /attendance/summary. 0 or the status sent. */
static int punch_filter(zreq *r, zs_punch_filter *f, char sn[ZKBIO_PUSH_SN_MAX + 2], char pin[32],
                        char from[20], char to[20])
{
    int st = device_filter(r, sn, &f->sn);
    if (st)
        return st;
    int rc = zapi_query(r, "user", pin, 32);
    if (rc == 0)
        rc = zapi_query(r, "pin", pin, 32); /* the earlier name */
    if (rc < 0)
        return 400;
    if (rc > 0 && strlen(pin) > 24)
        return zapi_bad_param(r, "user", "user (a PIN) is at most 24 characters");
    f->pin = rc > 0 ? pin : NULL;
    if ((st = time_range(r, &f->from, &f->to, from, to)) != 0)
        return st;
    int total;
    if ((st = bool_param(r, "total", &total)) != 0)
        return st;
    f->want_total = total == 1;
    return 0;
}

/* GET /api/v1/attendance?device=&user=&from=&to=&status=&total=&limit=&after=
 * Ordered by (punch_time, id); cursor "YYYYMMDDHHMMSS.<id>" of the last row. */
int zapi_attendance(zreq *r)
{
    zapi_paging pg;
    int st = zapi_page_params(r, &pg);
    if (st)
        return st;
    zs_punch_filter f = {.status = -1, .limit = pg.limit};
    char sn[ZKBIO_PUSH_SN_MAX + 2], pin[32], from[20], to[20], v[16], at[20];
    if ((st = punch_filter(r, &f, sn, pin, from, to)) != 0)
        return st;
    int rc = zapi_query(r, "status", v, sizeof(v));
    if (rc < 0)
        return 400;
    if (rc > 0) {
        char *end;
        long n = strtol(v, &end, 10);
        if (*end || v[0] == '-' || v[0] == '+' || n < 0 || n > 255)
            return zapi_bad_param(r, "status", "status (a punch state) must be 0..255");
        f.status = (int)n;
    }
    if (pg.after[0]) {
        if (!zapi_cursor_punch_parse(pg.after, at, &f.after_id))
            return zapi_bad_param(r, "after", "after is not a cursor of this list");
        f.after_time = at;
    }
    zs_punch_page page;
    rc = zs_list_attendance(r->app->store, &f, &page);
    if (rc)
        return store_fail(r, rc, "punch");
    json_t *items = json_array();
    for (size_t i = 0; i < page.n; i++)
        json_array_append_new(items, zapi_punch_json(&page.punches[i]));
    char next[48] = "";
    if (page.has_next && page.n &&
        !zapi_cursor_punch_make(page.punches[page.n - 1].time, page.punches[page.n - 1].id, next,
                                sizeof(next)))
        next[0] = '\0';
    st = zapi_page(r, &pg, items, next[0] ? next : NULL, page.total);
    zs_punch_page_free(&page);
    return st;
}

/* GET /api/v1/attendance/{id} */
int zapi_attendance_get(zreq *r)
{
    const char *ref = r->arg[0] ? r->arg[0] : "";
    size_t l = strlen(ref);
    if (l == 0 || l > 18 || strspn(ref, "0123456789") != l)
        return zapi_v1_fail(r, 404, "NOT_FOUND", "no such punch (ids are numbers)", NULL);
    zs_punch p;
    int rc = zs_get_punch(r->app->store, (int64_t)strtoll(ref, NULL, 10), &p);
    if (rc)
        return store_fail(r, rc, "punch");
    json_t *out = zapi_punch_json(&p);
    zs_punch_clear(&p);
    return zapi_ok(r, 200, "OK", out);
}

/* GET /api/v1/attendance/summary?from=&to=&device=&user=&total=&limit=&after=
 * Per (user, date); cursor "YYYYMMDD.<hex of the PIN>" of the last group. */
int zapi_attendance_summary(zreq *r)
{
    zapi_paging pg;
    int st = zapi_page_params(r, &pg);
    if (st)
        return st;
    zs_punch_filter f = {.status = -1, .limit = pg.limit};
    char sn[ZKBIO_PUSH_SN_MAX + 2], pin[32], from[20], to[20], apin[32], adate[20];
    if ((st = punch_filter(r, &f, sn, pin, from, to)) != 0)
        return st;
    /* Without a user the summary groups every punch of the range: keep the range bounded (a
     * month of 1,000,000 punches a year is ~0.2 s a page on SQLite). */
    if (!f.pin && (!f.from || !f.to || zapi_wall_day(f.to) - zapi_wall_day(f.from) > 92))
        return zapi_bad_param(r, f.from && f.to ? "to" : "from",
                              "without a user, the summary needs from and to at most 93 days "
                              "apart");
    if (pg.after[0]) {
        if (!zapi_cursor_day_parse(pg.after, adate, apin, sizeof(apin)))
            return zapi_bad_param(r, "after", "after is not a cursor of this list");
        f.after_pin = apin;
        f.after_time = adate;
    }
    zs_punch_day_page page;
    int rc = zs_attendance_summary(r->app->store, &f, &page);
    if (rc)
        return store_fail(r, rc, "punch");
    json_t *items = json_array();
    for (size_t i = 0; i < page.n; i++)
        json_array_append_new(items, zapi_punch_day_json(&page.days[i]));
    char next[80] = "";
    if (page.has_next && page.n &&
        !zapi_cursor_day_make(page.days[page.n - 1].date, page.days[page.n - 1].pin, next,
                              sizeof(next)))
        next[0] = '\0';
    st = zapi_page(r, &pg, items, next[0] ? next : NULL, page.total);
    zs_punch_day_page_free(&page);
    return st;
}

/* GET /api/v1/commands?device=&sn=&status=&total=&limit=&after= */
int zapi_commands(zreq *r)
{
    zapi_paging pg;
    int st = zapi_page_params(r, &pg);
    if (st)
        return st;
    zs_filter f = {.limit = pg.limit};
    if ((st = zapi_page_after_id(r, &pg, &f.after)) != 0)
        return st;
    char sn[ZKBIO_PUSH_SN_MAX + 2], status[16];
    if ((st = device_filter(r, sn, &f.sn)) != 0)
        return st;
    int rc = zapi_query(r, "status", status, sizeof(status));
    if (rc < 0)
        return 400;
    if (rc > 0) {
        if (strcmp(status, "queued") && strcmp(status, "sent") && strcmp(status, "done") &&
            strcmp(status, "failed") && strcmp(status, "superseded"))
            return zapi_bad_param(r, "status",
                                  "status must be queued, sent, done, failed or superseded");
        f.status = status;
    }
    int total;
    if ((st = bool_param(r, "total", &total)) != 0)
        return st;
    f.want_total = total == 1;
    zs_command_page page;
    rc = zs_list_commands(r->app->store, &f, &page);
    if (rc)
        return store_fail(r, rc, "command");
    json_t *items = json_array();
    for (size_t i = 0; i < page.n; i++)
        json_array_append_new(items, zapi_command_json(&page.commands[i]));
    st = zapi_page_id(r, &pg, items, page.has_next, page.next, page.total);
    zs_command_page_free(&page);
    return st;
}
