/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The REST routes of the fingerprint service (shared reference `fingerprint-service-api.md` §3;
 * docs/fingerprint-service.md): after the gate of fp_http.c, the API key (X-API-Key; 401 when
 * missing, unknown or revoked; with no key configured everything but health is refused) and the
 * per-key rate limit (429 with Retry-After), then devices, enroll, verify, identify, capture,
 * scan start/status, gallery, health and the certificate routes. Blocking calls wait for their job
 * and cancel it when the client goes away.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "zkbio/version.h"

#include "fp_cert.h"
#include "fp_rest.h"
#include "fp_service.h"
#include "http.h"
#include "log.h"
#include "store.h"

/* ---- request bodies ---------------------------------------------------------------------------
 */

static json_t *read_json(fp_req *r, int *status)
{
    char *body;
    size_t len;
    int rc = zh_read_body(r->c, r->s->cfg->service_max_body, &body, &len);
    if (rc == ZKBIO_ETOOBIG) {
        *status = fp_fail(r, 400, FP_PAYLOAD_TOO_LARGE, "request body too large",
                          json_pack("{s:I}", "limit", (json_int_t)r->s->cfg->service_max_body));
        return NULL;
    }
    if (rc != 0) {
        *status = fp_fail(r, 400, FP_INVALID_REQUEST, "could not read the request body", NULL);
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
        *status = fp_fail(r, 400, FP_INVALID_REQUEST, "malformed JSON: expected an object",
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

static int query(fp_req *r, const char *name, char *buf, size_t size)
{
    const struct mg_request_info *ri = mg_get_request_info(r->c);
    if (!ri->query_string)
        return 0;
    return mg_get_var(ri->query_string, strlen(ri->query_string), name, buf, size) > 0;
}

static int want_iso(fp_req *r, json_t *body)
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

/* Start a job and wait for it (REST blocking calls); cancels it when the client goes away. */
static int run_blocking(fp_req *r, fp_job *j, int fail_status_busy)
{
    fp_service *s = r->s;
    fp_job *job;
    int retry = 0;
    char dev[ZKBIO_READER_STR_MAX];
    snprintf(dev, sizeof(dev), "%s", j->dev_id);
    int code = fp_job_start(s, j, &job, &retry);
    if (code == FP_RATE_LIMIT_EXCEEDED)
        return fp_rate_limited(r, retry, s->cfg->scan_rate_limit, "device");
    if (code)
        return fp_fail(r, code == FP_DEVICE_BUSY ? fail_status_busy : fp_http_of(code), code,
                       code == FP_DEVICE_BUSY ? "the reader is busy with another operation"
                                              : "reader not connected",
                       json_pack("{s:s}", "deviceId", dev));
    int fd = conn_fd(r->c);
    pthread_mutex_lock(&s->lock);
    while (!job->done) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 200 * 1000 * 1000;
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&job->cond, &s->lock, &ts);
        if (!job->done && !job->cancel && peer_gone(fd)) {
            zlog_info("fingerprint service: client left during %s on %s: cancelled", job->scan_id,
                      job->dev_id);
            job->cancel = 1;
            if (job->r)
                zkbio_reader_cancel(job->r);
        }
    }
    int cancelled = job->cancel;
    int http = job->http ? job->http : 500;
    json_t *body = json_incref(job->result);
    pthread_mutex_unlock(&s->lock);
    fp_job_put(s, job);
    if (cancelled) {
        json_decref(body);
        return 499; /* nobody to answer */
    }
    return fp_reply(r, http, body);
}

/* ---- key permissions (§2.1, [A6]) --------------------------------------------------------- */

/* The key's permissions as the names of §2.1 (a new array). */
json_t *fp_perms_json(uint32_t perms)
{
    json_t *a = json_array();
    for (int i = 0; i < FP_PERM_COUNT; i++)
        if (perms & (1u << i))
            json_array_append_new(a, json_string(fp_perm_name(i)));
    return a;
}

/* 0 when the request's key holds one of `any` (FP_PERM_* bits), else the 403 / 4003 UNAUTHORIZED
 * reply with details {required, provided: "api_key", permissions}. */
static int need(fp_req *r, uint32_t any, const char *required)
{
    uint32_t have = fp_keys_perms(r->s->keys, r->slot);
    if (have & any)
        return 0;
    return fp_fail(r, 403, FP_UNAUTHORIZED, "this API key lacks the permission for this call",
                   json_pack("{s:s,s:s,s:o}", "required", required, "provided", "api_key",
                             "permissions", fp_perms_json(have)));
}

/* ---- routes --------------------------------------------------------------------------------- */

static int health(fp_req *r, int bare)
{
    char ts[24];
    fp_iso_time(0, ts, sizeof(ts));
    if (bare)
        return fp_reply(r, 200, json_pack("{s:s,s:s}", "status", "ok", "timestamp", ts));
    json_t *devs = fp_dev_list(r->s);
    int any = json_array_size(devs) > 0;
    json_decref(devs);
    /* the database is used only with template storage (--fp-store) */
    const char *db = !r->s->store                ? "not_used"
                     : zs_ping(r->s->store) == 0 ? "operational"
                                                 : "error";
    return fp_reply(r, 200,
                    json_pack("{s:s,s:I,s:s,s:s,s:s}", "status", "healthy", "uptime",
                              (json_int_t)(time(NULL) - r->s->started), "deviceStatus",
                              any ? "connected" : "disconnected", "dbStatus", db, "version",
                              zkbio_version()));
}

static fp_job *new_job(fp_req *r, int kind, json_t *body, const char *dev_from_query, int *status)
{
    int bad = 0;
    const char *dev = body ? str_field(body, "deviceId", &bad) : dev_from_query;
    if (bad) {
        *status = fp_fail(r, 400, FP_INVALID_REQUEST, "deviceId: expected a string or null", NULL);
        return NULL;
    }
    fp_job *j = calloc(1, sizeof(*j));
    if (!j) {
        *status = fp_fail(r, 500, FP_INTERNAL_ERROR, "out of memory", NULL);
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
        *status = fp_fail(r, 400, FP_INVALID_REQUEST, "timeout: milliseconds, 1..600000", NULL);
        return NULL;
    }
    if (to)
        j->timeout_ms = (int)json_integer_value(to);
    json_t *thr = body ? json_object_get(body, "threshold") : NULL;
    if (thr &&
        (!json_is_number(thr) || json_number_value(thr) < 0 || json_number_value(thr) > 1000)) {
        free(j);
        *status = fp_fail(r, 400, FP_INVALID_REQUEST, "threshold: a score, 0..1000", NULL);
        return NULL;
    }
    if (thr)
        j->threshold = json_number_value(thr);
    json_t *qt = body ? json_object_get(body, "qualityThreshold") : NULL;
    j->quality_min = json_is_number(qt) ? (int)json_number_value(qt) : 0;
    int needs_reader = !(kind == FP_JOB_IDENTIFY && body && json_object_get(body, "template"));
    if (needs_reader && fp_dev_pick(r->s, dev, j->dev_id) != 0) {
        free(j);
        *status = fp_fail(r, 404, FP_DEVICE_NOT_FOUND, "reader not connected",
                          dev ? json_pack("{s:s}", "deviceId", dev) : NULL);
        return NULL;
    }
    return j;
}

static int templates_field(fp_req *r, json_t *body, fp_job *j, int *status)
{
    json_t *arr = json_object_get(body, "templates");
    if (!arr || json_is_null(arr))
        return 0;
    char why[200];
    int code = fp_gallery_build(arr, &j->tmp_gallery, why, sizeof(why));
    if (code) {
        *status = fp_fail(r, fp_http_of(code), code, why, NULL);
        return -1;
    }
    return 0;
}

static int enroll(fp_req *r)
{
    int status = 0, bad = 0;
    json_t *b = read_json(r, &status);
    if (!b)
        return status;
    const char *user = str_field(b, "userId", &bad);
    if (!user || bad || !*user || strlen(user) > 127) {
        json_decref(b);
        return fp_fail(r, 400, FP_INVALID_REQUEST, "userId: required string (1..127 characters)",
                       NULL);
    }
    int finger = 0;
    if (r->s->store) { /* --fp-store: fingerId, and a stored finger is refused before scanning */
        json_t *jf = json_object_get(b, "fingerId");
        if (jf && !json_is_null(jf) &&
            (!json_is_integer(jf) || json_integer_value(jf) < 0 || json_integer_value(jf) > 10)) {
            json_decref(b);
            return fp_fail(r, 400, FP_INVALID_REQUEST,
                           "fingerId: an integer 0..10 (ISO/IEC 19794-2 finger position)", NULL);
        }
        finger = json_is_integer(jf) ? (int)json_integer_value(jf) : 0;
        int exists = 0, code = fp_store_exists(r->s, user, finger, &exists);
        if (code || exists) {
            json_t *d = exists ? json_pack("{s:s,s:s,s:i}", "userId", user, "field", "fingerId",
                                           "fingerId", finger)
                               : NULL;
            json_decref(b);
            return fp_fail(r, exists ? 409 : fp_http_of(code), exists ? FP_DUPLICATE_ENTRY : code,
                           exists ? "this user's finger is already enrolled (delete it first)"
                                  : "template storage unavailable",
                           d);
        }
    }
    fp_job *j = new_job(r, FP_JOB_ENROLL, b, NULL, &status);
    if (j && templates_field(r, b, j, &status) != 0) {
        free(j);
        j = NULL;
    }
    if (j) {
        snprintf(j->user_id, sizeof(j->user_id), "%s", user);
        j->finger_id = finger;
    }
    json_decref(b);
    return j ? run_blocking(r, j, 503) : status;
}

static int verify(fp_req *r)
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
    if (!bad && !tpl && user && *user && strlen(user) <= 127 && r->s->store) {
        int code = fp_store_user_gallery(r->s, user, &stored);
        if (code) {
            json_t *d = code == FP_RECORD_NOT_FOUND
                            ? json_pack("{s:s,s:s}", "userId", user, "table", "fp_templates")
                            : NULL;
            json_decref(b);
            return fp_fail(r, fp_http_of(code), code,
                           code == FP_RECORD_NOT_FOUND ? "user not found: no stored template"
                                                       : "template storage unavailable",
                           d);
        }
    } else if (bad || !tpl || (user && strlen(user) > 127)) {
        json_decref(b);
        return fp_fail(r, 400, FP_INVALID_REQUEST,
                       "template (base64 string) is required; userId is a string", NULL);
    }
    char why[200];
    zkbio_template *ref = NULL;
    if (tpl && fp_tpl_decode(tpl, &ref, why, sizeof(why)) != 0) {
        json_decref(b);
        return fp_fail(r, 400, FP_INVALID_TEMPLATE, why, NULL);
    }
    fp_job *j = new_job(r, FP_JOB_VERIFY, b, NULL, &status);
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

static int identify(fp_req *r)
{
    int status = 0, bad = 0;
    json_t *b = read_json(r, &status);
    if (!b)
        return status;
    const char *tpl = str_field(b, "template", &bad);
    if (bad) {
        json_decref(b);
        return fp_fail(r, 400, FP_INVALID_REQUEST, "template: expected a base64 string", NULL);
    }
    zkbio_template *probe = NULL;
    char why[200];
    if (tpl && fp_tpl_decode(tpl, &probe, why, sizeof(why)) != 0) {
        json_decref(b);
        return fp_fail(r, 400, FP_INVALID_TEMPLATE, why, NULL);
    }
    fp_job *j = new_job(r, FP_JOB_IDENTIFY, b, NULL, &status);
    if (j && templates_field(r, b, j, &status) != 0) {
        free(j);
        j = NULL;
    }
    json_decref(b);
    if (!j) {
        zkbio_template_free(probe);
        return status;
    }
    j->probe_given = probe;
    if (!j->tmp_gallery) {
        pthread_rwlock_rdlock(&r->s->gallery_lock);
        int have = r->s->store || (r->slot >= 0 && r->s->galleries[r->slot]);
        pthread_rwlock_unlock(&r->s->gallery_lock);
        if (!have) {
            zkbio_template_free(j->probe_given);
            free(j);
            return fp_fail(r, 404, FP_RECORD_NOT_FOUND,
                           "no templates to search: send templates or load a gallery first", NULL);
        }
    }
    if (probe) { /* no capture: answer on this thread */
        snprintf(j->dev_id, sizeof(j->dev_id), "%s", "");
    }
    return run_blocking(r, j, 503);
}

static int capture(fp_req *r, int blocking)
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
    fp_job *j =
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
    int code = fp_job_start(r->s, j, &job, &retry);
    if (code == FP_RATE_LIMIT_EXCEEDED)
        return fp_rate_limited(r, retry, r->s->cfg->scan_rate_limit, "device");
    if (code)
        return fp_fail(r, code == FP_DEVICE_BUSY ? 503 : fp_http_of(code), code,
                       code == FP_DEVICE_BUSY ? "the reader is busy" : "reader not connected",
                       json_pack("{s:s}", "deviceId", dev));
    json_t *o =
        json_pack("{s:s,s:s,s:s}", "scanId", job->scan_id, "status", "waiting", "deviceId", dev);
    fp_job_put(r->s, job);
    return fp_reply(r, 200, o);
}

static int scan_status(fp_req *r, const char *id)
{
    fp_job *j = fp_job_find(r->s, id);
    if (!j)
        return fp_fail(r, 404, FP_NOT_FOUND, "unknown scan session",
                       json_pack("{s:s}", "scanId", id));
    pthread_mutex_lock(&r->s->lock);
    json_t *o;
    if (j->done && !j->err_code && j->result) {
        o = json_deep_copy(j->result);
        json_object_set_new(o, "status", json_string("complete"));
    } else if (j->done) {
        json_t *e = json_object_get(j->result, "error");
        o = json_pack("{s:s,s:O?,s:i}", "status", "error", "error", json_object_get(e, "message"),
                      "code", j->err_code);
    } else {
        o = json_pack("{s:s}", "status", j->status);
    }
    json_object_set_new(o, "scanId", json_string(j->scan_id));
    json_object_set_new(o, "deviceId", json_string(j->dev_id));
    pthread_mutex_unlock(&r->s->lock);
    fp_job_put(r->s, j);
    return fp_reply(r, 200, o);
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
static int gallery_stored(fp_req *r, const char *method)
{
    fp_service *s = r->s;
    if (strcmp(method, "GET") == 0) {
        pthread_rwlock_rdlock(&s->gallery_lock);
        size_t n = s->stored ? s->stored->n : 0;
        pthread_rwlock_unlock(&s->gallery_lock);
        return fp_reply(r, 200, json_pack("{s:I,s:b}", "count", (json_int_t)n, "stored", 1));
    }
    if (strcmp(method, "DELETE") == 0) {
        int64_t n = 0;
        int code = fp_store_delete(s, NULL, -1, &n);
        if (code)
            return fp_fail(r, fp_http_of(code), code, "template storage unavailable", NULL);
        return fp_reply(r, 200,
                        json_pack("{s:s,s:I}", "status", "success", "deleted", (json_int_t)n));
    }
    int status = 0;
    json_t *b = read_json(r, &status);
    if (!b)
        return status;
    size_t count = 0;
    char why[240];
    uint64_t t0 = fp_now_ms();
    upload up;
    int code = upload_parse(json_object_get(b, "templates"), &up, why, sizeof(why));
    if (!code)
        code = fp_store_upload(s, up.items, up.n, &count, why, sizeof(why));
    upload_free(&up);
    json_decref(b);
    if (code)
        return fp_fail(r, fp_http_of(code), code, why, NULL);
    pthread_rwlock_rdlock(&s->gallery_lock);
    size_t total = s->stored ? s->stored->n : 0;
    pthread_rwlock_unlock(&s->gallery_lock);
    return fp_reply(r, 200,
                    json_pack("{s:s,s:I,s:I,s:I,s:b}", "status", "success", "count",
                              (json_int_t)count, "total", (json_int_t)total, "loadTime",
                              (json_int_t)(fp_now_ms() - t0), "stored", 1));
}

/* DELETE /api/fingerprint/templates/:userId[?fingerId=N]: stored templates (--fp-store). */
static int delete_templates(fp_req *r, const char *enc_user)
{
    if (!r->s->store)
        return fp_fail(r, 404, FP_NOT_FOUND,
                       "no templates are stored: template storage is off (fp-store)", NULL);
    char user[400], f[16];
    size_t l = strlen(enc_user);
    if (l == 0 || l >= sizeof(user) ||
        mg_url_decode(enc_user, (int)l, user, (int)sizeof(user), 0) < 1 || strlen(user) > 127)
        return fp_fail(r, 400, FP_INVALID_REQUEST, "userId: 1..127 characters", NULL);
    int finger = -1;
    if (query(r, "fingerId", f, sizeof(f))) {
        char *end;
        long v = strtol(f, &end, 10);
        if (*end || end == f || v < 0 || v > 10)
            return fp_fail(r, 400, FP_INVALID_REQUEST, "fingerId: an integer 0..10", NULL);
        finger = (int)v;
    }
    int64_t n = 0;
    int code = fp_store_delete(r->s, user, finger, &n);
    if (code)
        return fp_fail(r, fp_http_of(code), code, "template storage unavailable", NULL);
    if (n == 0) {
        json_t *d = json_pack("{s:s,s:s}", "userId", user, "table", "fp_templates");
        if (finger >= 0)
            json_object_set_new(d, "fingerId", json_integer(finger));
        return fp_fail(r, 404, FP_RECORD_NOT_FOUND, "no stored template for this user", d);
    }
    return fp_reply(
        r, 200,
        json_pack("{s:s,s:s,s:I}", "status", "success", "userId", user, "deleted", (json_int_t)n));
}

static int gallery(fp_req *r, const char *method)
{
    fp_service *s = r->s;
    if (s->store && (strcmp(method, "GET") == 0 || strcmp(method, "DELETE") == 0 ||
                     strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0))
        return gallery_stored(r, method);
    if (strcmp(method, "GET") == 0) {
        size_t n = 0;
        pthread_rwlock_rdlock(&s->gallery_lock);
        if (s->galleries[r->slot])
            zkbio_gallery_count(s->galleries[r->slot]->g, &n);
        pthread_rwlock_unlock(&s->gallery_lock);
        return fp_reply(r, 200, json_pack("{s:I}", "count", (json_int_t)n));
    }
    if (strcmp(method, "DELETE") == 0) {
        pthread_rwlock_wrlock(&s->gallery_lock);
        fp_gallery *old = s->galleries[r->slot];
        s->galleries[r->slot] = NULL;
        pthread_rwlock_unlock(&s->gallery_lock);
        fp_gallery_free(old);
        return fp_reply(r, 200, json_pack("{s:s}", "status", "success"));
    }
    if (strcmp(method, "POST") != 0 && strcmp(method, "PUT") != 0)
        return fp_fail(r, 405, FP_METHOD_NOT_ALLOWED, "use GET, POST or DELETE", NULL);
    int status = 0;
    json_t *b = read_json(r, &status);
    if (!b)
        return status;
    fp_gallery *g = NULL;
    char why[200];
    uint64_t t0 = fp_now_ms();
    int code = fp_gallery_build(json_object_get(b, "templates"), &g, why, sizeof(why));
    json_decref(b);
    if (code)
        return fp_fail(r, fp_http_of(code), code, why, NULL);
    pthread_rwlock_wrlock(&s->gallery_lock);
    fp_gallery *old = s->galleries[r->slot];
    s->galleries[r->slot] = g;
    pthread_rwlock_unlock(&s->gallery_lock);
    fp_gallery_free(old);
    zlog_info("fingerprint service: gallery of %zu templates loaded (in memory only)", g->n);
    return fp_reply(r, 200,
                    json_pack("{s:s,s:I,s:I}", "status", "success", "count", (json_int_t)g->n,
                              "loadTime", (json_int_t)(fp_now_ms() - t0)));
}

static int ssl_routes(fp_req *r, const char *rest, int authed)
{
    char fp[96], from[24], to[24];
    if (strcmp(rest, "download") == 0) {
        FILE *f = fopen(r->s->crt, "rb");
        char buf[8192];
        size_t n = f ? fread(buf, 1, sizeof(buf), f) : 0;
        if (f)
            fclose(f);
        if (!n)
            return fp_fail(r, 404, FP_NOT_FOUND, "no certificate (plain HTTP listener)", NULL);
        mg_response_header_start(r->c, 200);
        mg_response_header_add(r->c, "Content-Type", "application/x-pem-file", -1);
        mg_response_header_add(r->c, "Content-Disposition",
                               "attachment; filename=\"zkbiod-localhost.crt\"", -1);
        char num[32];
        snprintf(num, sizeof(num), "%zu", n);
        mg_response_header_add(r->c, "Content-Length", num, -1);
        fp_cors_headers(r);
        mg_response_header_send(r->c);
        mg_write(r->c, buf, n);
        return 200;
    }
    int have = fp_cert_info(r->s->crt, fp, from, to) == 0;
    if (strcmp(rest, "status") == 0)
        return fp_reply(r, 200,
                        json_pack("{s:b,s:{s:b,s:b,s:n,s:b,s:s}}", "success", 1, "status", "exists",
                                  have, "isValid", have && strcmp(to, "") != 0, "isInstalled",
                                  "hasAdminPrivileges", geteuid() == 0, "platform",
#ifdef __APPLE__
                                  "darwin"
#else
                                  "linux"
#endif
                                  ));
    if (strcmp(rest, "info") == 0) {
        if (!authed)
            return -1;
        if (!have)
            return fp_fail(r, 404, FP_NOT_FOUND, "no certificate (plain HTTP listener)", NULL);
        return fp_reply(r, 200,
                        json_pack("{s:b,s:{s:s,s:s,s:s}}", "success", 1, "certificate",
                                  "fingerprint", fp, "validFrom", from, "validTo", to));
    }
    return fp_fail(r, 404, FP_NOT_FOUND,
                   "not provided by zkbiod: use `zkbiod cert install` / restart to renew", NULL);
}

int fp_route(fp_req *r, const char *path)
{
    fp_service *s = r->s;
    const struct mg_request_info *ri = mg_get_request_info(r->c);
    const char *method = ri->request_method;
    const char *rest;
    if (strcmp(path, "/health") == 0)
        return health(r, 1);
    if (strncmp(path, "/api/v1/", 8) == 0 || strcmp(path, "/api/v1") == 0)
        return fp_fail(r, 404, FP_NOT_FOUND,
                       "the terminal management API /api/v1/ is served on the terminal listener",
                       NULL);
    if (strncmp(path, "/api/", 5) == 0)
        rest = path + 4;
    else if (strncmp(path, "/fingerprint/", 13) == 0 || strncmp(path, "/devices", 8) == 0)
        rest = path; /* A12: example apps without /api */
    else
        return fp_fail(r, 404, FP_NOT_FOUND, "no such resource", NULL);
    if (strcmp(rest, "/health") == 0)
        return health(r, 0);
    if (strncmp(rest, "/ssl/", 5) == 0 && strcmp(rest + 5, "info") != 0)
        return ssl_routes(r, rest + 5, 0);

    /* API key */
    if (fp_keys_slots(s->keys) == 0)
        return fp_fail(r, 401, FP_INVALID_API_KEY,
                       "no API key is configured on this service: every call is refused (zkbiod "
                       "apikey create)",
                       json_pack("{s:s}", "header", "X-API-Key"));
    const char *key = mg_get_header(r->c, "X-API-Key");
    int slot = -1;
    int kr = key ? fp_keys_check(s->keys, key, &slot) : -1;
    if (kr == 1)
        return fp_fail(r, 401, FP_API_KEY_REVOKED, "API key revoked",
                       json_pack("{s:s}", "reason", "revoked by the operator"));
    if (kr != 0)
        return fp_fail(r, 401, FP_INVALID_API_KEY, "missing or invalid API key",
                       json_pack("{s:s}", "header", "X-API-Key"));
    r->slot = slot;
    pthread_mutex_lock(&s->lock);
    int wait = fp_window_hit(&s->key_windows[slot], s->cfg->rate_limit, 60, time(NULL),
                             &r->rl_remaining, &r->rl_reset);
    pthread_mutex_unlock(&s->lock);
    r->rl_limit = s->cfg->rate_limit;
    if (wait > 0)
        return fp_rate_limited(r, wait, s->cfg->rate_limit, "api_key");

    int get = strcmp(method, "GET") == 0, post = strcmp(method, "POST") == 0;
    int st;
    const uint32_t scan_any = FP_PERM_SCAN | FP_PERM_ENROLL | FP_PERM_VERIFY | FP_PERM_IDENTIFY;
    if (strcmp(rest, "/devices") == 0 && get)
        return (st = need(r, FP_PERM_DEVICE_READ, "device:read"))
                   ? st
                   : fp_reply(r, 200, fp_dev_list(s));
    if (strncmp(rest, "/devices/", 9) == 0) {
        const char *sl = strchr(rest + 9, '/');
        int test = sl && strcmp(sl, "/test") == 0;
        if ((st = test ? need(r, FP_PERM_DEVICE_MANAGE, "device:manage")
                       : need(r, FP_PERM_DEVICE_READ, "device:read")))
            return st;
    }
    if (strncmp(rest, "/devices/", 9) == 0) {
        char id[ZKBIO_READER_STR_MAX * 3];
        const char *p = rest + 9, *slash = strchr(p, '/');
        size_t l = slash ? (size_t)(slash - p) : strlen(p);
        if (l >= sizeof(id) || mg_url_decode(p, (int)l, id, (int)sizeof(id), 0) < 0)
            return fp_fail(r, 404, FP_DEVICE_NOT_FOUND, "device not found", NULL);
        json_t *info = fp_dev_info(s, id);
        if (!info)
            return fp_fail(r, 404, FP_DEVICE_NOT_FOUND, "device not found",
                           json_pack("{s:s}", "deviceId", id));
        if (slash && strcmp(slash, "/info") == 0 && get)
            return fp_reply(r, 200, info);
        if (slash && strcmp(slash, "/test") == 0 && post) {
            json_decref(info);
            uint64_t t0 = fp_now_ms();
            zkbio_reader *rd = NULL;
            int rc = zkbio_reader_open(s->readers, id, &rd);
            zkbio_reader_close(rd);
            if (rc == ZKBIO_EBUSY)
                return fp_fail(r, 503, FP_DEVICE_BUSY, "device busy",
                               json_pack("{s:s}", "deviceId", id));
            if (rc != 0)
                return fp_fail(
                    r, 503, FP_DEVICE_INIT_FAILED, "device unavailable",
                    json_pack("{s:s,s:s}", "deviceId", id, "reason", zkbio_strerror(rc)));
            return fp_reply(r, 200,
                            json_pack("{s:s,s:s,s:i,s:I}", "status", "success", "message",
                                      "Device is working", "quality", 0, "responseTime",
                                      (json_int_t)(fp_now_ms() - t0)));
        }
        json_decref(info);
        return fp_fail(r, 404, FP_NOT_FOUND, "no such resource", NULL);
    }
    if (strcmp(rest, "/ssl/info") == 0)
        return ssl_routes(r, "info", 1);
    if (strcmp(rest, "/fingerprint/enroll") == 0 && post)
        return (st = need(r, FP_PERM_ENROLL, "fingerprint:enroll")) ? st : enroll(r);
    if (strcmp(rest, "/fingerprint/verify") == 0 && post)
        return (st = need(r, FP_PERM_VERIFY, "fingerprint:verify")) ? st : verify(r);
    if (strcmp(rest, "/fingerprint/identify") == 0 && post)
        return (st = need(r, FP_PERM_IDENTIFY, "fingerprint:identify")) ? st : identify(r);
    if (strcmp(rest, "/fingerprint/capture") == 0 && (post || get))
        return (st = need(r, scan_any, "fingerprint:scan")) ? st : capture(r, 1);
    if (strcmp(rest, "/fingerprint/scan/start") == 0 && (post || get))
        return (st = need(r, scan_any, "fingerprint:scan")) ? st : capture(r, 0);
    if (strncmp(rest, "/fingerprint/scan/status/", 25) == 0 && get)
        return (st = need(r, scan_any, "fingerprint:scan")) ? st : scan_status(r, rest + 25);
    if (strcmp(rest, "/fingerprint/gallery") == 0) {
        int del = strcmp(method, "DELETE") == 0;
        if ((st = get   ? need(r, FP_PERM_IDENTIFY, "fingerprint:identify")
                  : del ? need(r, FP_PERM_DELETE, "fingerprint:delete")
                        : need(r, FP_PERM_ENROLL, "fingerprint:enroll")))
            return st;
        return gallery(r, method);
    }
    if (strncmp(rest, "/fingerprint/templates/", 23) == 0 && strcmp(method, "DELETE") == 0)
        return (st = need(r, FP_PERM_DELETE, "fingerprint:delete"))
                   ? st
                   : delete_templates(r, rest + 23);
    if (strncmp(rest, "/fingerprint/", 13) == 0 || strcmp(rest, "/devices") == 0)
        return fp_fail(r, 405, FP_METHOD_NOT_ALLOWED, "method not allowed here", NULL);
    return fp_fail(r, 404, FP_NOT_FOUND, "no such resource", NULL);
}
