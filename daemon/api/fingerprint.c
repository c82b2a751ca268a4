/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The REST routes of the fingerprint service (shared reference `fingerprint-service-api.md` §3;
 * docs/fingerprint-service.md): devices, enroll, verify, identify, capture, scan start/status,
 * gallery, health and the certificate routes. The gate (Host, Origin), the API key (X-API-Key),
 * the per-key rate limit and each route's permission are checked before a handler runs, by
 * daemon/http from the route table. Blocking calls wait for their job and cancel it when the
 * client goes away.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#if !defined(_WIN32)
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#endif

#include "zkbio/version.h"

#include "api.h"

/* ---- request bodies ---------------------------------------------------------------------------
 */

static json_t *read_json(zreq *r, int *status)
{
    char *body;
    size_t len;
    int rc = zc_read_body(r->c, r->app->cfg->service_max_body, &body, &len);
    if (rc == ZKBIO_ETOOBIG) {
        *status = zapi_fail(r, 400, FP_PAYLOAD_TOO_LARGE, "request body too large",
                            json_pack("{s:I}", "limit", (json_int_t)r->app->cfg->service_max_body));
        return NULL;
    }
    if (rc != 0) {
        *status = zapi_fail(r, 400, FP_INVALID_REQUEST, "could not read the request body", NULL);
        return NULL;
    }
    if (len == 0) {
        free(body);
        return json_object();
    }
    json_error_t je;
    json_t *j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
    free(body);
    if (!json_is_object(j)) {
        json_decref(j);
        *status = zapi_fail(r, 400, FP_INVALID_REQUEST, "malformed JSON: expected an object",
                            json_pack("{s:i,s:i}", "line", je.line, "column", je.column));
        return NULL;
    }
    return j;
}

/* A string field or NULL (JSON null and absence alike). *bad when present with another type. */
static const char *str_field(json_t *o, const char *name, int *bad)
{
    json_t *v = json_object_get(o, name);
    if (!v || json_is_null(v))
        return NULL;
    if (!json_is_string(v)) {
        *bad = 1;
        return NULL;
    }
    return json_string_value(v);
}

static int query(zreq *r, const char *name, char *buf, size_t size)
{
    const struct mg_request_info *ri = mg_get_request_info(r->c);
    if (!ri->query_string)
        return 0;
    return mg_get_var(ri->query_string, strlen(ri->query_string), name, buf, size) > 0;
}

static int want_iso(zreq *r, json_t *body)
{
    char f[16];
    const char *fmt = body ? json_string_value(json_object_get(body, "format")) : NULL;
    if (!fmt && query(r, "format", f, sizeof(f)))
        fmt = f;
    return fmt && strcasecmp(fmt, "iso") == 0;
}

/* ---- client disconnect detection ---------------------------------------------------------------
 * civetweb gives no notice when the peer of a blocked handler goes away, so the handler finds its
 * socket (the descriptor whose peer and local ports are this request's) and polls it. */
#if defined(_WIN32)
/* Windows (issue 17): a socket is a handle, not a small descriptor the scan below could find, so
 * a client that leaves is not noticed; the job ends at its own timeout instead. */
static int conn_fd(struct mg_connection *c)
{
    (void)c;
    return -1;
}

static int peer_gone(int fd)
{
    (void)fd;
    return 0;
}
#else
static int conn_fd(struct mg_connection *c)
{
    const struct mg_request_info *ri = mg_get_request_info(c);
    int maxfd = (int)sysconf(_SC_OPEN_MAX);
    if (maxfd <= 0 || maxfd > 65536)
        maxfd = 65536;
    for (int fd = 3; fd < maxfd; fd++) {
        struct sockaddr_storage peer, self;
        socklen_t pl = sizeof(peer), sl = sizeof(self);
        if (getpeername(fd, (struct sockaddr *)&peer, &pl) != 0) {
            if (errno == EBADF && fd > 4096)
                break;
            continue;
        }
        if (getsockname(fd, (struct sockaddr *)&self, &sl) != 0)
            continue;
        int pport, sport;
        char addr[64];
        if (peer.ss_family == AF_INET) {
            pport = ntohs(((struct sockaddr_in *)&peer)->sin_port);
            sport = ntohs(((struct sockaddr_in *)&self)->sin_port);
            inet_ntop(AF_INET, &((struct sockaddr_in *)&peer)->sin_addr, addr, sizeof(addr));
        } else if (peer.ss_family == AF_INET6) {
            pport = ntohs(((struct sockaddr_in6 *)&peer)->sin6_port);
            sport = ntohs(((struct sockaddr_in6 *)&self)->sin6_port);
            inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&peer)->sin6_addr, addr, sizeof(addr));
        } else {
            continue;
        }
        if (pport == ri->remote_port && sport == ri->server_port &&
            strcmp(addr, ri->remote_addr) == 0)
            return fd;
    }
    return -1;
}

static int peer_gone(int fd)
{
    if (fd < 0)
        return 0;
    struct pollfd p = {.fd = fd,
                       .events = POLLIN
#ifdef POLLRDHUP
                                 | POLLRDHUP
#endif
    };
    if (poll(&p, 1, 0) <= 0)
        return 0;
    if (p.revents & (POLLHUP | POLLERR | POLLNVAL))
        return 1;
#ifdef POLLRDHUP
    if (p.revents & POLLRDHUP)
        return 1;
#endif
    char b;
    ssize_t n = recv(fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
    return n == 0;
}
#endif

static int gone(void *arg)
{
    return peer_gone(*(int *)arg);
}

/* Start a job and wait for it (REST blocking calls); cancels it when the client goes away. */
static int run_blocking(zreq *r, fp_job_in *j, int fail_status_busy)
{
    fp_service *s = r->app->fps;
    fp_job *job;
    int retry = 0;
    char dev[ZKBIO_READER_STR_MAX];
    snprintf(dev, sizeof(dev), "%s", j->dev_id);
    int code = fp_job_start(s, j, &job, &retry);
    if (code == FP_RATE_LIMIT_EXCEEDED)
        return zapi_rate_limited(r, retry, r->app->cfg->scan_rate_limit, "device");
    if (code)
        return zapi_fail(r, code == FP_DEVICE_BUSY ? fail_status_busy : zapi_http_of(code), code,
                         code == FP_DEVICE_BUSY ? "the reader is busy with another operation"
                                                : "reader not connected",
                         json_pack("{s:s}", "deviceId", dev));
    int fd = conn_fd(r->c);
    fp_job_state st;
    fp_job_wait(s, job, gone, &fd, &st);
    fp_job_put(s, job);
    int http = st.http ? st.http : 500;
    int rc;
    if (st.cancelled) {
        rc = 499; /* nobody to answer */
    } else if (st.err_code) {
        rc = zapi_fail(r, http, st.err_code, st.err_msg, json_incref(st.details));
    } else {
        rc = zapi_reply(r, http, json_incref(st.result));
    }
    fp_job_state_clear(&st);
    return rc;
}

/* ---- routes --------------------------------------------------------------------------------- */

/* GET /health: liveness only */
int zapi_fp_health_bare(zreq *r)
{
    char ts[24];
    zc_iso_time(0, ts, sizeof(ts));
    return zapi_reply(r, 200, json_pack("{s:s,s:s}", "status", "ok", "timestamp", ts));
}

/* GET /api/health */
int zapi_fp_health(zreq *r)
{
    json_t *devs = fp_dev_list(r->app->fps);
    int any = json_array_size(devs) > 0;
    json_decref(devs);
    /* the database is used only with template storage (--fp-store) */
    int ping = fps_store_ping(r->app->fps);
    const char *db = !fps_has_store(r->app->fps) ? "not_used" : ping == 0 ? "operational" : "error";
    return zapi_reply(r, 200,
                      json_pack("{s:s,s:I,s:s,s:s,s:s}", "status", "healthy", "uptime",
                                (json_int_t)fps_uptime(r->app->fps), "deviceStatus",
                                any ? "connected" : "disconnected", "dbStatus", db, "version",
                                zkbio_version()));
}

static fp_job_in *new_job(zreq *r, int kind, json_t *body, const char *dev_from_query, int *status)
{
    int bad = 0;
    const char *dev = body ? str_field(body, "deviceId", &bad) : dev_from_query;
    if (bad) {
        *status =
            zapi_fail(r, 400, FP_INVALID_REQUEST, "deviceId: expected a string or null", NULL);
        return NULL;
    }
    fp_job_in *j = calloc(1, sizeof(*j));
    if (!j) {
        *status = zapi_fail(r, 500, FP_INTERNAL_ERROR, "out of memory", NULL);
        return NULL;
    }
    j->kind = kind;
    j->iso = want_iso(r, body);
    j->threshold = -1;
    j->key_slot = r->slot;
    j->timeout_ms = 30000;
    json_t *to = body ? json_object_get(body, "timeout") : NULL;
    if (to &&
        (!json_is_integer(to) || json_integer_value(to) < 1 || json_integer_value(to) > 600000)) {
        free(j);
        *status = zapi_fail(r, 400, FP_INVALID_REQUEST, "timeout: milliseconds, 1..600000", NULL);
        return NULL;
    }
    if (to)
        j->timeout_ms = (int)json_integer_value(to);
    json_t *thr = body ? json_object_get(body, "threshold") : NULL;
    if (thr &&
        (!json_is_number(thr) || json_number_value(thr) < 0 || json_number_value(thr) > 1000)) {
        free(j);
        *status = zapi_fail(r, 400, FP_INVALID_REQUEST, "threshold: a score, 0..1000", NULL);
        return NULL;
    }
    if (thr)
        j->threshold = json_number_value(thr);
    json_t *qt = body ? json_object_get(body, "qualityThreshold") : NULL;
    j->quality_min = json_is_number(qt) ? (int)json_number_value(qt) : 0;
    int needs_reader = !(kind == FP_JOB_IDENTIFY && body && json_object_get(body, "template"));
    if (needs_reader && fp_dev_pick(r->app->fps, dev, j->dev_id) != 0) {
        free(j);
        *status = zapi_fail(r, 404, FP_DEVICE_NOT_FOUND, "reader not connected",
                            dev ? json_pack("{s:s}", "deviceId", dev) : NULL);
        return NULL;
    }
    return j;
}

static int templates_field(zreq *r, json_t *body, fp_job_in *j, int *status)
{
    json_t *arr = json_object_get(body, "templates");
    if (!arr || json_is_null(arr))
        return 0;
    char why[200];
    int code = fp_gallery_build(arr, &j->tmp_gallery, why, sizeof(why));
    if (code) {
        *status = zapi_fail(r, zapi_http_of(code), code, why, NULL);
        return -1;
    }
    return 0;
}

static int enroll(zreq *r)
{
    int status = 0, bad = 0;
    json_t *b = read_json(r, &status);
    if (!b)
        return status;
    const char *user = str_field(b, "userId", &bad);
    if (!user || bad || !*user || strlen(user) > 127) {
        json_decref(b);
        return zapi_fail(r, 400, FP_INVALID_REQUEST, "userId: required string (1..127 characters)",
                         NULL);
    }
    int finger = 0;
    if (fps_has_store(r->app->fps)) { /* --fp-store: fingerId, and a stored finger is refused before
                                         scanning */
        json_t *jf = json_object_get(b, "fingerId");
        if (jf && !json_is_null(jf) &&
            (!json_is_integer(jf) || json_integer_value(jf) < 0 || json_integer_value(jf) > 10)) {
            json_decref(b);
            return zapi_fail(r, 400, FP_INVALID_REQUEST,
                             "fingerId: an integer 0..10 (ISO/IEC 19794-2 finger position)", NULL);
        }
        finger = json_is_integer(jf) ? (int)json_integer_value(jf) : 0;
        int exists = 0, code = fp_store_exists(r->app->fps, user, finger, &exists);
        if (code || exists) {
            json_t *d = exists ? json_pack("{s:s,s:s,s:i}", "userId", user, "field", "fingerId",
                                           "fingerId", finger)
                               : NULL;
            json_decref(b);
            return zapi_fail(r, exists ? 409 : zapi_http_of(code),
                             exists ? FP_DUPLICATE_ENTRY : code,
                             exists ? "this user's finger is already enrolled (delete it first)"
                                    : "template storage unavailable",
                             d);
        }
    }
    fp_job_in *j = new_job(r, FP_JOB_ENROLL, b, NULL, &status);
    if (j && templates_field(r, b, j, &status) != 0) {
        fp_job_in_free(j);
        j = NULL;
    }
    if (j) {
        snprintf(j->user_id, sizeof(j->user_id), "%s", user);
        j->finger_id = finger;
    }
    json_decref(b);
    return j ? run_blocking(r, j, 503) : status;
}

static int verify(zreq *r)
{
    int status = 0, bad = 0;
    json_t *b = read_json(r, &status);
    if (!b)
        return status;
    const char *user = str_field(b, "userId", &bad);
    const char *tpl = str_field(b, "template", &bad);
    if (!tpl)
        tpl = str_field(b, "templateData", &bad); /* A14 */
    /* --fp-store: without a template, compare with the user's stored templates (Variant A) */
    fp_gallery *stored = NULL;
    if (!bad && !tpl && user && *user && strlen(user) <= 127 && fps_has_store(r->app->fps)) {
        int code = fp_store_user_gallery(r->app->fps, user, &stored);
        if (code) {
            json_t *d = code == FP_RECORD_NOT_FOUND
                            ? json_pack("{s:s,s:s}", "userId", user, "table", "fp_templates")
                            : NULL;
            json_decref(b);
            return zapi_fail(r, zapi_http_of(code), code,
                             code == FP_RECORD_NOT_FOUND ? "user not found: no stored template"
                                                         : "template storage unavailable",
                             d);
        }
    } else if (bad || !tpl || (user && strlen(user) > 127)) {
        json_decref(b);
        return zapi_fail(r, 400, FP_INVALID_REQUEST,
                         "template (base64 string) is required; userId is a string", NULL);
    }
    char why[200];
    zkbio_template *ref = NULL;
    if (tpl && fp_tpl_decode(tpl, &ref, why, sizeof(why)) != 0) {
        json_decref(b);
        return zapi_fail(r, 400, FP_INVALID_TEMPLATE, why, NULL);
    }
    fp_job_in *j = new_job(r, FP_JOB_VERIFY, b, NULL, &status);
    if (j)
        snprintf(j->user_id, sizeof(j->user_id), "%s", user ? user : "");
    json_decref(b);
    if (!j) {
        zkbio_template_free(ref);
        fp_gallery_free(stored);
        return status;
    }
    j->ref = ref;
    j->tmp_gallery = stored;
    return run_blocking(r, j, 503);
}

static int identify(zreq *r)
{
    int status = 0, bad = 0;
    json_t *b = read_json(r, &status);
    if (!b)
        return status;
    const char *tpl = str_field(b, "template", &bad);
    if (bad) {
        json_decref(b);
        return zapi_fail(r, 400, FP_INVALID_REQUEST, "template: expected a base64 string", NULL);
    }
    zkbio_template *probe = NULL;
    char why[200];
    if (tpl && fp_tpl_decode(tpl, &probe, why, sizeof(why)) != 0) {
        json_decref(b);
        return zapi_fail(r, 400, FP_INVALID_TEMPLATE, why, NULL);
    }
    fp_job_in *j = new_job(r, FP_JOB_IDENTIFY, b, NULL, &status);
    if (j && templates_field(r, b, j, &status) != 0) {
        fp_job_in_free(j);
        j = NULL;
    }
    json_decref(b);
    if (!j) {
        zkbio_template_free(probe);
        return status;
    }
    j->probe_given = probe;
    if (!j->tmp_gallery) {
        if (!fps_can_identify(r->app->fps, r->slot)) {
            fp_job_in_free(j);
            return zapi_fail(r, 404, FP_RECORD_NOT_FOUND,
                             "no templates to search: send templates or load a gallery first",
                             NULL);
        }
    }
    if (probe) { /* no capture: answer on this thread */
        snprintf(j->dev_id, sizeof(j->dev_id), "%s", "");
    }
    return run_blocking(r, j, 503);
}

static int capture(zreq *r, int blocking)
{
    int status = 0;
    json_t *b = NULL;
    char qdev[ZKBIO_READER_STR_MAX] = "";
    const char *method = mg_get_request_info(r->c)->request_method;
    if (strcmp(method, "POST") == 0) {
        b = read_json(r, &status);
        if (!b)
            return status;
    } else {
        query(r, "deviceId", qdev, sizeof(qdev));
    }
    fp_job_in *j =
        new_job(r, blocking ? FP_JOB_CAPTURE : FP_JOB_SCAN, b, qdev[0] ? qdev : NULL, &status);
    json_decref(b);
    if (!j)
        return status;
    if (blocking)
        return run_blocking(r, j, 503);
    fp_job *job;
    int retry = 0;
    char dev[ZKBIO_READER_STR_MAX];
    snprintf(dev, sizeof(dev), "%s", j->dev_id);
    int code = fp_job_start(r->app->fps, j, &job, &retry);
    if (code == FP_RATE_LIMIT_EXCEEDED)
        return zapi_rate_limited(r, retry, r->app->cfg->scan_rate_limit, "device");
    if (code)
        return zapi_fail(r, code == FP_DEVICE_BUSY ? 503 : zapi_http_of(code), code,
                         code == FP_DEVICE_BUSY ? "the reader is busy" : "reader not connected",
                         json_pack("{s:s}", "deviceId", dev));
    json_t *o =
        json_pack("{s:s,s:s,s:s}", "scanId", fp_job_id(job), "status", "waiting", "deviceId", dev);
    fp_job_put(r->app->fps, job);
    return zapi_reply(r, 200, o);
}

static int scan_status(zreq *r, const char *id)
{
    fp_job *j = fp_job_find(r->app->fps, id);
    if (!j)
        return zapi_fail(r, 404, FP_NOT_FOUND, "unknown scan session",
                         json_pack("{s:s}", "scanId", id));
    fp_job_state st;
    fp_job_get_state(r->app->fps, j, &st);
    fp_job_put(r->app->fps, j);
    json_t *o;
    if (st.done && !st.err_code && st.result) {
        o = json_deep_copy(st.result);
        json_object_set_new(o, "status", json_string("complete"));
    } else if (st.done) {
        o = json_pack("{s:s,s:s,s:i}", "status", "error", "error", st.err_msg, "code", st.err_code);
    } else {
        o = json_pack("{s:s}", "status", st.status);
    }
    json_object_set_new(o, "scanId", json_string(st.scan_id));
    json_object_set_new(o, "deviceId", json_string(st.dev_id));
    fp_job_state_clear(&st);
    return zapi_reply(r, 200, o);
}

/* A gallery upload's "templates" array as store entries (the templates decoded; free with
 * upload_free()). 0, or a contract code with why. */
typedef struct upload {
    zs_fp_template *items;
    zkbio_template **tpls;
    char (*ids)[32];
    size_t n;
} upload;

static void upload_free(upload *u)
{
    for (size_t i = 0; u->tpls && i < u->n; i++)
        zkbio_template_free(u->tpls[i]);
    free(u->items);
    free(u->tpls);
    free(u->ids);
}

static int upload_parse(json_t *arr, upload *u, char *why, size_t whysz)
{
    memset(u, 0, sizeof(*u));
    if (!json_is_array(arr)) {
        snprintf(why, whysz, "templates: expected an array of {id, userId, fingerId, template}");
        return FP_INVALID_REQUEST;
    }
    size_t n = json_array_size(arr);
    u->n = n;
    u->items = calloc(n + 1, sizeof(*u->items));
    u->tpls = calloc(n + 1, sizeof(*u->tpls));
    u->ids = calloc(n + 1, sizeof(*u->ids));
    if (!u->items || !u->tpls || !u->ids) {
        snprintf(why, whysz, "out of memory");
        return FP_INTERNAL_ERROR;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(arr, i);
        const char *b64 = json_string_value(json_object_get(e, "template"));
        const char *uid = json_string_value(json_object_get(e, "userId"));
        json_t *jid = json_object_get(e, "id"), *jf = json_object_get(e, "fingerId");
        const char *tid = json_string_value(jid);
        if (json_is_integer(jid)) {
            snprintf(u->ids[i], sizeof(u->ids[i]), "%lld", (long long)json_integer_value(jid));
            tid = u->ids[i];
        }
        if (!b64 || !uid || !*uid || strlen(uid) > 127 || (tid && strlen(tid) > 127) ||
            (jf && !json_is_null(jf) &&
             (!json_is_integer(jf) || json_integer_value(jf) < 0 || json_integer_value(jf) > 10))) {
            snprintf(why, whysz,
                     "templates[%zu]: userId (1..127 characters) and template are required; "
                     "fingerId is 0..10; id at most 127 characters",
                     i);
            return FP_INVALID_REQUEST;
        }
        char w[160];
        if (fp_tpl_decode(b64, &u->tpls[i], w, sizeof(w)) != 0) {
            snprintf(why, whysz, "templates[%zu].%s", i, w);
            return FP_INVALID_TEMPLATE;
        }
        u->items[i] =
            (zs_fp_template){uid, jf && json_is_integer(jf) ? (int)json_integer_value(jf) : 0,
                             tid ? tid : "", u->tpls[i], 0};
    }
    return 0;
}

/* The gallery route with template storage on: the stored templates. */
static int gallery_stored(zreq *r, const char *method)
{
    fp_service *s = r->app->fps;
    if (strcmp(method, "GET") == 0) {
        size_t n = fps_stored_count(s);
        return zapi_reply(r, 200, json_pack("{s:I,s:b}", "count", (json_int_t)n, "stored", 1));
    }
    if (strcmp(method, "DELETE") == 0) {
        int64_t n = 0;
        int code = fp_store_delete(s, NULL, -1, &n);
        if (code)
            return zapi_fail(r, zapi_http_of(code), code, "template storage unavailable", NULL);
        return zapi_reply(r, 200,
                          json_pack("{s:s,s:I}", "status", "success", "deleted", (json_int_t)n));
    }
    int status = 0;
    json_t *b = read_json(r, &status);
    if (!b)
        return status;
    size_t count = 0;
    char why[240];
    uint64_t t0 = zc_now_ms();
    upload up;
    int code = upload_parse(json_object_get(b, "templates"), &up, why, sizeof(why));
    if (!code)
        code = fp_store_upload(s, up.items, up.n, &count, why, sizeof(why));
    upload_free(&up);
    json_decref(b);
    if (code)
        return zapi_fail(r, zapi_http_of(code), code, why, NULL);
    size_t total = fps_stored_count(s);
    return zapi_reply(r, 200,
                      json_pack("{s:s,s:I,s:I,s:I,s:b}", "status", "success", "count",
                                (json_int_t)count, "total", (json_int_t)total, "loadTime",
                                (json_int_t)(zc_now_ms() - t0), "stored", 1));
}

/* DELETE /api/fingerprint/templates/:userId[?fingerId=N]: stored templates (--fp-store). */
static int delete_templates(zreq *r, const char *enc_user)
{
    if (!fps_has_store(r->app->fps))
        return zapi_fail(r, 404, FP_NOT_FOUND,
                         "no templates are stored: template storage is off (fp-store)", NULL);
    char user[400], f[16];
    size_t l = strlen(enc_user);
    if (l == 0 || l >= sizeof(user) ||
        mg_url_decode(enc_user, (int)l, user, (int)sizeof(user), 0) < 1 || strlen(user) > 127)
        return zapi_fail(r, 400, FP_INVALID_REQUEST, "userId: 1..127 characters", NULL);
    int finger = -1;
    if (query(r, "fingerId", f, sizeof(f))) {
        char *end;
        long v = strtol(f, &end, 10);
        if (*end || end == f || v < 0 || v > 10)
            return zapi_fail(r, 400, FP_INVALID_REQUEST, "fingerId: an integer 0..10", NULL);
        finger = (int)v;
    }
    int64_t n = 0;
    int code = fp_store_delete(r->app->fps, user, finger, &n);
    if (code)
        return zapi_fail(r, zapi_http_of(code), code, "template storage unavailable", NULL);
    if (n == 0) {
        json_t *d = json_pack("{s:s,s:s}", "userId", user, "table", "fp_templates");
        if (finger >= 0)
            json_object_set_new(d, "fingerId", json_integer(finger));
        return zapi_fail(r, 404, FP_RECORD_NOT_FOUND, "no stored template for this user", d);
    }
    return zapi_reply(
        r, 200,
        json_pack("{s:s,s:s,s:I}", "status", "success", "userId", user, "deleted", (json_int_t)n));
}

/* /api/fingerprint/gallery: GET (fingerprint:identify), POST/PUT (enroll), DELETE (delete) */
int zapi_fp_gallery(zreq *r)
{
    const char *method = r->method;
    fp_service *s = r->app->fps;
    if (fps_has_store(s) && (strcmp(method, "GET") == 0 || strcmp(method, "DELETE") == 0 ||
                             strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0))
        return gallery_stored(r, method);
    if (strcmp(method, "GET") == 0) {
        size_t n = fps_gallery_count(s, r->slot);
        return zapi_reply(r, 200, json_pack("{s:I}", "count", (json_int_t)n));
    }
    if (strcmp(method, "DELETE") == 0) {
        fps_gallery_set(s, r->slot, NULL);
        return zapi_reply(r, 200, json_pack("{s:s}", "status", "success"));
    }
    if (strcmp(method, "POST") != 0 && strcmp(method, "PUT") != 0)
        return zapi_fail(r, 405, FP_METHOD_NOT_ALLOWED, "use GET, POST or DELETE", NULL);
    int status = 0;
    json_t *b = read_json(r, &status);
    if (!b)
        return status;
    fp_gallery *g = NULL;
    char why[200];
    uint64_t t0 = zc_now_ms();
    int code = fp_gallery_build(json_object_get(b, "templates"), &g, why, sizeof(why));
    json_decref(b);
    if (code)
        return zapi_fail(r, zapi_http_of(code), code, why, NULL);
    size_t loaded = g->n;
    fps_gallery_set(s, r->slot, g);
    zlog_info("fingerprint service: gallery of %zu templates loaded (in memory only)", loaded);
    return zapi_reply(r, 200,
                      json_pack("{s:s,s:I,s:I}", "status", "success", "count", (json_int_t)loaded,
                                "loadTime", (json_int_t)(zc_now_ms() - t0)));
}

/* GET /api/ssl/download: the certificate (public) */
int zapi_fp_ssl_download(zreq *r)
{
    FILE *f = r->app->crt[0] ? fopen(r->app->crt, "rb") : NULL;
    char buf[8192];
    size_t n = f ? fread(buf, 1, sizeof(buf), f) : 0;
    if (f)
        fclose(f);
    if (!n)
        return zapi_fail(r, 404, FP_NOT_FOUND, "no certificate (plain HTTP listener)", NULL);
    mg_response_header_start(r->c, 200);
    mg_response_header_add(r->c, "Content-Type", "application/x-pem-file", -1);
    mg_response_header_add(r->c, "Content-Disposition",
                           "attachment; filename=\"zkbiod-localhost.crt\"", -1);
    char num[32];
    snprintf(num, sizeof(num), "%zu", n);
    mg_response_header_add(r->c, "Content-Length", num, -1);
    zapi_cors_headers(r);
    mg_response_header_send(r->c);
    mg_write(r->c, buf, n);
    return 200;
}

/* GET /api/ssl/status (public) */
int zapi_fp_ssl_status(zreq *r)
{
    const zapi *a = r->app;
    int have = a->cert_ok;
    return zapi_reply(r, 200,
                      json_pack("{s:b,s:{s:b,s:b,s:n,s:b,s:s}}", "success", 1, "status", "exists",
                                have, "isValid", have && strcmp(a->cert_to, "") != 0, "isInstalled",
                                "hasAdminPrivileges", zc_is_admin(), "platform",
                                zc_platform_name()));
}

/* GET /api/ssl/info (device:read... any valid key) */
int zapi_fp_ssl_info(zreq *r)
{
    const zapi *a = r->app;
    if (!a->cert_ok)
        return zapi_fail(r, 404, FP_NOT_FOUND, "no certificate (plain HTTP listener)", NULL);
    return zapi_reply(r, 200,
                      json_pack("{s:b,s:{s:s,s:s,s:s}}", "success", 1, "certificate", "fingerprint",
                                a->cert_fp, "validFrom", a->cert_from, "validTo", a->cert_to));
}

/* /api/ssl/<other> (public): certificate management is a command, not a route */
int zapi_fp_ssl_other(zreq *r)
{
    return zapi_fail(r, 404, FP_NOT_FOUND,
                     "not provided by zkbiod: use `zkbiod cert install` / restart to renew", NULL);
}

/* /api/v1/... on the service listener */
int zapi_fp_v1_elsewhere(zreq *r)
{
    return zapi_fail(r, 404, FP_NOT_FOUND,
                     "the terminal management API /api/v1/ is served on the terminal listener",
                     NULL);
}

/* GET /devices */
int zapi_fp_devices(zreq *r)
{
    return zapi_reply(r, 200, fp_dev_list(r->app->fps));
}

/* The device id of /devices/<id>/... (URL-decoded), or 0 after a 404. */
static int device_id(zreq *r, char *id, size_t size, json_t **info)
{
    const char *p = r->arg[0] ? r->arg[0] : "";
    size_t l = strlen(p);
    if (l >= size || mg_url_decode(p, (int)l, id, (int)size, 0) < 0) {
        zapi_fail(r, 404, FP_DEVICE_NOT_FOUND, "device not found", NULL);
        return 0;
    }
    *info = fp_dev_info(r->app->fps, id);
    if (!*info) {
        zapi_fail(r, 404, FP_DEVICE_NOT_FOUND, "device not found",
                  json_pack("{s:s}", "deviceId", id));
        return 0;
    }
    return 1;
}

/* GET /devices/<id>/info */
int zapi_fp_device_info(zreq *r)
{
    char id[ZKBIO_READER_STR_MAX * 3];
    json_t *info = NULL;
    if (!device_id(r, id, sizeof(id), &info))
        return 404;
    return zapi_reply(r, 200, info);
}

/* POST /devices/<id>/test */
int zapi_fp_device_test(zreq *r)
{
    char id[ZKBIO_READER_STR_MAX * 3];
    json_t *info = NULL;
    if (!device_id(r, id, sizeof(id), &info))
        return 404;
    json_decref(info);
    uint64_t t0 = zc_now_ms();
    int rc = fps_dev_test(r->app->fps, id);
    if (rc == ZKBIO_EBUSY)
        return zapi_fail(r, 503, FP_DEVICE_BUSY, "device busy", json_pack("{s:s}", "deviceId", id));
    if (rc != 0)
        return zapi_fail(r, 503, FP_DEVICE_INIT_FAILED, "device unavailable",
                         json_pack("{s:s,s:s}", "deviceId", id, "reason", zkbio_strerror(rc)));
    return zapi_reply(r, 200,
                      json_pack("{s:s,s:s,s:i,s:I}", "status", "success", "message",
                                "Device is working", "quality", 0, "responseTime",
                                (json_int_t)(zc_now_ms() - t0)));
}

/* /devices/<id>/<anything else>: the device must exist (1001), and then there is nothing here */
int zapi_fp_device_other(zreq *r)
{
    char id[ZKBIO_READER_STR_MAX * 3];
    json_t *info = NULL;
    const char *slash = r->arg[0] ? strchr(r->arg[0], '/') : NULL;
    if (slash) /* arg[0] is "<id>/<rest>": keep the id */
        r->argbuf[0][slash - r->arg[0]] = '\0';
    if (!device_id(r, id, sizeof(id), &info))
        return 404;
    json_decref(info);
    return zapi_fail(r, 404, FP_NOT_FOUND, "no such resource", NULL);
}

int zapi_fp_enroll(zreq *r)
{
    return enroll(r);
}

int zapi_fp_verify(zreq *r)
{
    return verify(r);
}

int zapi_fp_identify(zreq *r)
{
    return identify(r);
}

/* /fingerprint/capture (GET or POST): blocking */
int zapi_fp_capture(zreq *r)
{
    return capture(r, 1);
}

/* /fingerprint/scan/start (GET or POST): returns a scan id at once */
int zapi_fp_scan_start(zreq *r)
{
    return capture(r, 0);
}

/* GET /fingerprint/scan/status/<id> */
int zapi_fp_scan_status(zreq *r)
{
    return scan_status(r, r->arg[0] ? r->arg[0] : "");
}

/* DELETE /fingerprint/templates/<userId> */
int zapi_fp_templates_del(zreq *r)
{
    return delete_templates(r, r->arg[0] ? r->arg[0] : "");
}
