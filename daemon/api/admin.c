/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Management API (/api/v1/...) and /health.
 *
 * Access rule (declared in daemon/http/routes.c, checked by daemon/auth): /health is open (it
 * reveals only liveness and the version). Everything under /api/v1/ needs `Authorization: Bearer
 * <admin token>`; with no token configured the API is disabled (403). Errors are the management
 * family's JSON `{"error":{"code","message"}}` (api.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api.h"
#include "api_json.h"

#define MAX_JSON_BODY (64 * 1024)

static int store_fail(zreq *r, int rc)
{
    if (rc == ZKBIO_ENOENT)
        return zapi_failf(r, 404, FP_NOT_FOUND, "no such resource");
    if (rc == ZKBIO_EUNAVAIL)
        return zapi_failf(r, 503, FP_SERVICE_UNAVAILABLE, "database unavailable, retry later");
    zlog_error("api: store error: %s", zkbio_strerror(rc));
    return zapi_failf(r, 500, FP_INTERNAL_ERROR, "database error");
}

/* Query parameter, or NULL when absent/empty. */
static const char *param(struct mg_connection *c, const char *name, char *buf, size_t size)
{
    const struct mg_request_info *ri = mg_get_request_info(c);
    const char *q = ri->query_string ? ri->query_string : "";
    if (zkbio_push_query_get(q, strlen(q), name, buf, size) != 0 || !buf[0])
        return NULL;
    return buf;
}

/* "YYYY-MM-DD" or "YYYY-MM-DD HH:MM:SS" (also with 'T'); normalised into out. */
static int valid_time(const char *in, char out[20], int end_of_day)
{
    size_t l = strlen(in);
    if (l != 10 && l != 19)
        return 0;
    static const char shape[] = "dddd-dd-dd dd:dd:dd";
    for (size_t i = 0; i < l; i++) {
        char s = shape[i], ch = in[i];
        if (s == 'd' ? (ch < '0' || ch > '9') : (i == 10 ? (ch != ' ' && ch != 'T') : ch != s))
            return 0;
    }
    memcpy(out, in, l);
    if (l == 10)
        memcpy(out + 10, end_of_day ? " 23:59:59" : " 00:00:00", 9);
    out[10] = ' ';
    out[19] = '\0';
    return 1;
}

static int list_params(zreq *r, zs_filter *f, char bufs[6][64], char from[20], char to[20],
                       int numeric_after)
{
    memset(f, 0, sizeof(*f));
    struct mg_connection *c = r->c;
    f->sn = param(c, "sn", bufs[0], 64);
    f->pin = param(c, "pin", bufs[1], 64);
    f->status = param(c, "status", bufs[2], 64);
    const char *v;
    if ((v = param(c, "from", bufs[3], 64))) {
        if (!valid_time(v, from, 0))
            return zapi_failf(r, 400, FP_INVALID_REQUEST, "from must be YYYY-MM-DD[ HH:MM:SS]");
        f->from = from;
    }
    if ((v = param(c, "to", bufs[4], 64))) {
        if (!valid_time(v, to, 1))
            return zapi_failf(r, 400, FP_INVALID_REQUEST, "to must be YYYY-MM-DD[ HH:MM:SS]");
        f->to = to;
    }
    if ((v = param(c, "limit", bufs[5], 64))) {
        char *end;
        long n = strtol(v, &end, 10);
        if (*end || n < 1 || n > 1000)
            return zapi_failf(r, 400, FP_INVALID_REQUEST, "limit must be 1..1000");
        f->limit = (int)n;
    }
    char after[64];
    if (numeric_after && (v = param(c, "after", after, sizeof(after)))) {
        char *end;
        long long n = strtoll(v, &end, 10);
        if (*end || n < 0)
            return zapi_failf(r, 400, FP_INVALID_REQUEST, "after must be a record id");
        f->after = n;
    }
    if (f->status && strcmp(f->status, "queued") && strcmp(f->status, "sent") &&
        strcmp(f->status, "done") && strcmp(f->status, "failed") && strcmp(f->status, "superseded"))
        return zapi_failf(r, 400, FP_INVALID_REQUEST,
                          "status must be queued, sent, done, failed or superseded");
    return 0;
}

static json_t *read_json(zreq *r, int *status)
{
    char *body;
    size_t len;
    int rc = zc_read_body(r->c, MAX_JSON_BODY, &body, &len);
    if (rc == ZKBIO_ETOOBIG) {
        *status =
            zapi_failf(r, 413, FP_PAYLOAD_TOO_LARGE, "request body over %d bytes", MAX_JSON_BODY);
        return NULL;
    }
    if (rc != 0) {
        *status = zapi_failf(r, 400, FP_INVALID_REQUEST, "could not read the request body");
        return NULL;
    }
    json_error_t err;
    json_t *j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &err);
    free(body);
    if (!j || !json_is_object(j)) {
        json_decref(j);
        *status = zapi_failf(r, 400, ZAPI_BAD_JSON, "body must be a JSON object (%s)",
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
        return zapi_failf(r, 400, FP_INVALID_REQUEST, "\"command\" (string) is required");
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
            return zapi_failf(r, 400, FP_INVALID_REQUEST, "SET_OPTION needs \"key\" and \"value\"");
        rc = zkbio_push_cmd_set_option(key, value, out, size, &len);
    } else if (strcasecmp(name, "QUERY_ATTLOG") == 0 || strcasecmp(name, "VERIFY_SUM") == 0) {
        char s[20], e[20];
        if (!start || !end || !valid_time(start, s, 0) || !valid_time(end, e, 1))
            return zapi_failf(r, 400, FP_INVALID_REQUEST, "%s needs \"start\" and \"end\" times",
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
            return zapi_failf(r, 400, FP_INVALID_REQUEST,
                              "ENROLL_FP needs \"pin\" and \"fid\" 0..9");
        rc = zkbio_push_cmd_enroll_fp(pin, (int32_t)fid, (int32_t)retry,
                                      json_is_true(json_object_get(j, "overwrite")), out, size,
                                      &len);
    }
    if (rc != 0)
        return zapi_failf(
            r, 400, ZAPI_COMMAND_NOT_ALLOWED,
            "unknown or invalid command (allowed: CHECK, INFO, LOG, REBOOT, CLEAR_LOG, "
            "CLEAR_PHOTO, "
            "CLEAR_DATA, CLEAR_BIODATA, RELOAD_OPTIONS, AC_UNLOCK, AC_UNALARM, SET_OPTION, "
            "QUERY_ATTLOG, QUERY_USERINFO, VERIFY_SUM, ENROLL_FP)");
    return 0;
}

/* The SN of /api/v1/devices/<sn>[/...] (arg[0]), or NULL after a 404. */
static const char *device_sn(zreq *r, char sn[ZKBIO_PUSH_SN_MAX + 2])
{
    const char *rest = r->arg[0] ? r->arg[0] : "";
    size_t snlen = strlen(rest);
    if (snlen == 0 || snlen > ZKBIO_PUSH_SN_MAX) {
        zapi_failf(r, 404, FP_NOT_FOUND, "no such device");
        return NULL;
    }
    memcpy(sn, rest, snlen);
    sn[snlen] = '\0';
    if (!zkbio_push_sn_valid(sn)) {
        zapi_failf(r, 404, FP_NOT_FOUND, "no such device");
        return NULL;
    }
    return sn;
}

/* GET /api/v1/devices */
int zapi_devices_list(zreq *r)
{
    zs_device *list;
    size_t n;
    int rc = zs_list_devices(r->app->store, &list, &n);
    if (rc)
        return store_fail(r, rc);
    json_t *out = zapi_devices_json(list, n);
    zs_device_list_free(list, n);
    return zapi_reply(r, 200, out);
}

/* GET /api/v1/devices/<sn> */
int zapi_device_get(zreq *r)
{
    char buf[ZKBIO_PUSH_SN_MAX + 2];
    const char *sn = device_sn(r, buf);
    if (!sn)
        return 404;
    zs_device dev;
    int rc = zs_get_device(r->app->store, sn, &dev);
    if (rc)
        return store_fail(r, rc);
    json_t *out = zapi_device_json(&dev, 1);
    zs_device_clear(&dev);
    return zapi_reply(r, 200, out);
}

/* PATCH (or PUT) /api/v1/devices/<sn> */
int zapi_device_patch(zreq *r)
{
    char buf[ZKBIO_PUSH_SN_MAX + 2];
    const char *sn = device_sn(r, buf);
    if (!sn)
        return 404;
    json_t *out = NULL;
    int rc;
    int status;
    json_t *j = read_json(r, &status);
    if (!j)
        return status;
    json_t *g = json_object_get(j, "sync_group"), *e = json_object_get(j, "enabled");
    if ((g && (!json_is_string(g) || !json_string_length(g) || json_string_length(g) > 64)) ||
        (e && !json_is_boolean(e))) {
        json_decref(j);
        return zapi_failf(r, 400, FP_INVALID_REQUEST,
                          "\"sync_group\" is a string of 1..64, \"enabled\" a boolean");
    }
    rc = zs_update_device(r->app->store, sn, g ? json_string_value(g) : NULL,
                          e ? json_is_true(e) : -1);
    json_decref(j);
    zs_device dev;
    if (rc == 0)
        rc = zs_get_device(r->app->store, sn, &dev);
    if (rc)
        return store_fail(r, rc);
    out = zapi_device_json(&dev, 1);
    zs_device_clear(&dev);
    return zapi_reply(r, 200, out);
}

/* POST /api/v1/devices/<sn>/commands */
int zapi_device_command(zreq *r)
{
    char buf[ZKBIO_PUSH_SN_MAX + 2];
    const char *sn = device_sn(r, buf);
    if (!sn)
        return 404;
    int rc;
    int status;
    json_t *j = read_json(r, &status);
    if (!j)
        return status;
    char text[1024];
    status = build_command(r, j, text, sizeof(text));
    json_decref(j);
    if (status)
        return status;
    int64_t id;
    rc = zs_command_enqueue(r->app->store, sn, text, &id);
    if (rc)
        return store_fail(r, rc);
    zlog_info("api: command %lld queued for %s", (long long)id, sn);
    return zapi_reply(
        r, 201, json_pack("{s:I,s:s,s:s}", "id", (json_int_t)id, "sn", sn, "status", "queued"));
}

/* GET /health (open) */
int zapi_health(zreq *r)
{
    int rc = zs_ping(r->app->store);
    return zapi_reply(r, rc == 0 ? 200 : 503,
                      json_pack("{s:s,s:s,s:s}", "status", rc == 0 ? "ok" : "degraded", "database",
                                rc == 0 ? "ok" : "unavailable", "version", r->app->version));
}

/* GET /api/v1/users, /attendance, /commands */
static int list(zreq *r, char which)
{
    struct mg_connection *c = r->c;
    zs_filter f;
    char bufs[6][64], from[20], to[20];
    json_t *out = NULL;
    int rc;
    int status = list_params(r, &f, bufs, from, to, which != 'u'); /* users page by PIN */
    if (status)
        return status;
    if (which == 'u') {
        char after[64];
        f.after_key = param(c, "after", after, sizeof(after));
        zs_user_page page;
        rc = zs_list_users(r->app->store, &f, &page);
        if (rc == 0)
            out = zapi_users_json(&page);
        zs_user_page_free(&page);
    } else if (which == 'a') {
        zs_punch_page page;
        rc = zs_list_attendance(r->app->store, &f, &page);
        if (rc == 0)
            out = zapi_punches_json(&page);
        zs_punch_page_free(&page);
    } else {
        zs_command_page page;
        rc = zs_list_commands(r->app->store, &f, &page);
        if (rc == 0)
            out = zapi_commands_json(&page);
        zs_command_page_free(&page);
    }
    return rc ? store_fail(r, rc) : zapi_reply(r, 200, out);
}

int zapi_users(zreq *r)
{
    return list(r, 'u');
}

int zapi_attendance(zreq *r)
{
    return list(r, 'a');
}

int zapi_commands(zreq *r)
{
    return list(r, 'c');
}
