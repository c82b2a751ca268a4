/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Inbound punches in the Frappe real-time shape (api.h; docs/integrations.md "Inbound punches
 * (Frappe real-time shape)"): POST /api/method/<any.dotted.path>.receive_attendance_log,
 * .receive_bulk_attendance_logs and .test_connection with the request and response bodies of the
 * peer app (shared reference integrations.md §2.5), wrapped as Frappe sends a method's return
 * value ({"message": ...}, plus _server_messages when the peer's frappe.throw queued one, §2.4).
 * The credential (an integration key) was checked by the route table (zapi_frappe_check).
 *
 * A punch is stored with the de-duplication key of every source (sn, punch_time, pin, status) in
 * one transaction per request (store_intkeys.h zs_inbound_store) and acknowledged only after the
 * commit; the schema-6 trigger queues it for every forwarder in that transaction, and the
 * forwarding engine is woken (zfwd_kick) once something new was committed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>

#include "api.h"

#define FRAPPE_BODY_MAX (4u * 1024 * 1024) /* 1,000 logs of up to ~4 KiB each */

/* HRMS's duplicate text (integrations.md §2.2; the peer returns it for a repeated punch). */
static const char DUP_MSG[] = "This employee already has a log with the same timestamp.";

/* 400 {"message": {"success": false, "error": msg, "error_type": "validation_error"}} as the peer
 * answers a ValidationError it caught (its frappe.throw queued msg: _server_messages). */
static int validation_fail(zreq *r, const char *msg)
{
    return zapi_frappe_reply(
        r, 400,
        json_pack("{s:b,s:s,s:s}", "success", 0, "error", msg, "error_type", "validation_error"),
        &msg, 1);
}

/* The peer's answer to any other failure, with 503 (retry later) instead of its 500: nothing of
 * the request was stored. */
static int system_fail(zreq *r, int rc)
{
    zlog_warn("inbound punches: cannot store (%s)", zkbio_strerror(rc));
    r->retry_after = 5;
    return zapi_frappe_reply(r, 503,
                             json_pack("{s:b,s:s,s:s}", "success", 0, "error",
                                       "Internal server error. Please contact administrator.",
                                       "error_type", "system_error"),
                             NULL, 0);
}

/* The body as a JSON object (JSON, or a form for form-encoded requests); NULL after replying
 * 413 or 417 ValidationError. */
static json_t *read_body(zreq *r, int *status)
{
    char *body = NULL;
    size_t len = 0;
    int rc = zc_read_body(r->c, FRAPPE_BODY_MAX, &body, &len);
    if (rc == ZKBIO_ETOOBIG) {
        free(body);
        *status = zapi_frappe_fail(r, 413, "Request body too large.");
        return NULL;
    }
    if (rc != 0) {
        free(body);
        *status = zapi_frappe_fail(r, 417, "Could not read the request body.");
        return NULL;
    }
    const char *ct = mg_get_header(r->c, "Content-Type");
    json_t *j;
    if (ct && strncasecmp(ct, "application/x-www-form-urlencoded", 33) == 0) {
        j = zapi_frappe_form(body, len);
    } else if (len == 0) {
        j = json_object(); /* no arguments: the method says what is missing */
    } else {
        json_error_t err;
        j = json_loadb(body, len, 0, &err);
        if (!j || !json_is_object(j)) {
            json_decref(j);
            free(body);
            *status = zapi_frappe_fail(r, 417,
                                       j ? "The request body must be a JSON object."
                                         : "Invalid JSON in the request body.");
            return NULL;
        }
    }
    free(body);
    if (!j)
        *status = system_fail(r, ZKBIO_ENOMEM);
    return j;
}

/* Device zones, looked up once per SN of a request. */
typedef struct tz_cache {
    char sn[41];
    int known, ok, offset;
} tz_cache;

/* p as a row to store: the wall clock in the device's zone when the timestamp had an offset and
 * the device a known offset zone; else the wall clock as given. */
static int to_row(zreq *r, const zapi_frappe_punch *p, tz_cache *tc, zs_inbound_punch *row)
{
    memset(row, 0, sizeof(*row));
    snprintf(row->sn, sizeof(row->sn), "%s", p->sn);
    snprintf(row->pin, sizeof(row->pin), "%s", p->pin);
    snprintf(row->time, sizeof(row->time), "%s", p->wall);
    row->status = p->status;
    row->verify = ZAPI_FRAPPE_VERIFY;
    if (p->has_offset) {
        if (strcmp(tc->sn, p->sn) != 0) {
            char tz[65];
            int rc = zs_inbound_device_tz(r->app->store, p->sn, &tc->known, tz);
            if (rc != 0)
                return rc;
            snprintf(tc->sn, sizeof(tc->sn), "%s", p->sn);
            tc->ok = tc->known && zc_tz_offset(tz, &tc->offset);
        }
        char shifted[20];
        if (tc->ok && zapi_frappe_shift(p->wall, p->offset_min, tc->offset, shifted))
            memcpy(row->time, shifted, sizeof(shifted));
    }
    size_t l = (size_t)snprintf(row->extra, sizeof(row->extra),
                                "src=frappe\tdevice_id=%s\tlog_type=%s", p->device_id, p->log_type);
    if (p->has_geo && l < sizeof(row->extra))
        snprintf(row->extra + l, sizeof(row->extra) - l, "\tlat=%.7f\tlon=%.7f", p->lat, p->lon);
    return 0;
}

static json_t *id_text(int64_t id)
{
    char b[24];
    snprintf(b, sizeof(b), "%lld", (long long)id);
    return json_string(b);
}

static int receive_one(zreq *r)
{
    int st = 0;
    json_t *j = read_body(r, &st);
    if (!j)
        return st;
    zapi_frappe_punch p;
    char err[256];
    if (zapi_frappe_parse_punch(j, &p, err, sizeof(err)) != 0) {
        json_decref(j);
        return validation_fail(r, err);
    }
    json_decref(j);
    tz_cache tc = {0};
    zs_inbound_punch row;
    int64_t id = 0;
    int rc = to_row(r, &p, &tc, &row);
    if (rc == 0)
        rc = zs_inbound_store(r->app->store, &row, 1, &id);
    if (rc != 0)
        return system_fail(r, rc);
    if (id == 0)
        return validation_fail(r, DUP_MSG);
    zfwd_kick(r->app->forward); /* committed: the forwarders deliver it at once */
    zlog_debug("inbound punch %lld: pin %s sn %s %s (%s)", (long long)id, row.pin, row.sn, row.time,
               r->who.name);
    return zapi_frappe_reply(r, 200,
                             json_pack("{s:b,s:o,s:s,s:s,s:b,s:s}", "success", 1, "checkin_id",
                                       id_text(id), "message", "Attendance logged successfully",
                                       "employee", row.pin, "attendance_created", 0, "timestamp",
                                       row.time),
                             NULL, 0);
}

static int receive_bulk(zreq *r)
{
    int st = 0;
    json_t *j = read_body(r, &st);
    if (!j)
        return st;
    /* the peer's checks, in its order (integrations.md §2.5) */
    const json_t *logs = json_object_get(j, "logs");
    const char *bad = NULL;
    if (!logs || json_is_null(logs) || (json_is_array(logs) && json_array_size(logs) == 0) ||
        (json_is_string(logs) && json_string_length(logs) == 0))
        bad = "No logs provided";
    else if (!json_is_array(logs))
        bad = "Logs must be an array";
    else if (json_array_size(logs) > ZAPI_FRAPPE_BULK_MAX)
        bad = "Maximum 1000 logs per request";
    if (bad) {
        json_decref(j);
        return validation_fail(r, bad);
    }
    size_t n = json_array_size(logs);
    zs_inbound_punch *rows = calloc(n, sizeof(*rows));
    int64_t *ids = calloc(n, sizeof(*ids));
    int *slot = calloc(n, sizeof(*slot)); /* item -> row index, -1 = refused */
    char(*errs)[256] = calloc(n, sizeof(*errs));
    const char **msgs = calloc(n, sizeof(*msgs));
    int rc = rows && ids && slot && errs && msgs ? 0 : ZKBIO_ENOMEM;
    size_t nrows = 0;
    tz_cache tc = {0};
    for (size_t i = 0; rc == 0 && i < n; i++) {
        zapi_frappe_punch p;
        slot[i] = -1;
        if (zapi_frappe_parse_punch(json_array_get(logs, i), &p, errs[i], sizeof(errs[i])) != 0)
            continue;
        rc = to_row(r, &p, &tc, &rows[nrows]);
        if (rc == 0)
            slot[i] = (int)nrows++;
    }
    if (rc == 0)
        rc = zs_inbound_store(r->app->store, rows, nrows, ids);
    json_t *results = rc == 0 ? json_array() : NULL;
    size_t processed = 0, failed = 0;
    for (size_t i = 0; results && i < n; i++) {
        const json_t *item = json_array_get(logs, i);
        json_t *raw = json_is_object(item) ? json_object_get(item, "employee_id") : NULL;
        if (slot[i] >= 0 && ids[slot[i]] != 0) {
            const zs_inbound_punch *w = &rows[slot[i]];
            json_array_append_new(results, json_pack("{s:b,s:s,s:o,s:s}", "success", 1,
                                                     "employee_id", w->pin, "checkin_id",
                                                     id_text(ids[slot[i]]), "employee", w->pin));
            processed++;
            continue;
        }
        const char *why = slot[i] >= 0 ? DUP_MSG : errs[i];
        json_array_append_new(results, json_pack("{s:b,s:O,s:s}", "success", 0, "employee_id",
                                                 raw ? raw : json_null(), "error", why));
        msgs[failed++] = why;
    }
    if (rc != 0 || !results) {
        json_decref(results);
        st = system_fail(r, rc ? rc : ZKBIO_ENOMEM);
    } else {
        if (processed > 0)
            zfwd_kick(r->app->forward); /* committed: the forwarders deliver them at once */
        zlog_debug("inbound bulk: %zu logs, %zu stored, %zu failed (%s)", n, processed, failed,
                   r->who.name);
        st = zapi_frappe_reply(r, 200,
                               json_pack("{s:b,s:I,s:I,s:I,s:o}", "success", 1, "processed",
                                         (json_int_t)processed, "failed", (json_int_t)failed,
                                         "total", (json_int_t)n, "results", results),
                               msgs, failed);
    }
    free(rows);
    free(ids);
    free(slot);
    free(errs);
    free(msgs);
    json_decref(j);
    return st;
}

/* The peer's test_connection: server_time as Python's str(now_datetime()) in the server's zone. */
static int test_connection(zreq *r)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    time_t t = tv.tv_sec;
    struct tm tm;
    char now[96] = "";
    if (localtime_r(&t, &tm))
        snprintf(now, sizeof(now), "%04d-%02d-%02d %02d:%02d:%02d.%06ld", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (long)tv.tv_usec);
    return zapi_frappe_reply(r, 200,
                             json_pack("{s:b,s:s,s:s,s:s}", "success", 1, "message",
                                       "Connection successful", "server_time", now, "version",
                                       r->app->version ? r->app->version : ""),
                             NULL, 0);
}

int zapi_frappe_method(zreq *r)
{
    char path[ZAPI_ARG_MAX];
    int n = mg_url_decode(r->arg[0] ? r->arg[0] : "", (int)strlen(r->arg[0] ? r->arg[0] : ""), path,
                          (int)sizeof(path), 0);
    if (n <= 0)
        return zapi_frappe_fail(r, 404, "Method not found.");
    const char *dot = strrchr(path, '.');
    const char *name = dot ? dot + 1 : path;
    int post = strcmp(r->method, "POST") == 0;
    if (strcmp(name, "test_connection") == 0)
        return test_connection(r);
    if (strcmp(name, "receive_attendance_log") == 0)
        return post ? receive_one(r) : zapi_frappe_fail(r, 405, "Method not allowed: use POST.");
    if (strcmp(name, "receive_bulk_attendance_logs") == 0)
        return post ? receive_bulk(r) : zapi_frappe_fail(r, 405, "Method not allowed: use POST.");
    return zapi_frappe_fail(r, 404, "Method not found.");
}
