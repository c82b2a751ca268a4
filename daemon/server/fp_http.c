/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The fingerprint service listener (docs/fingerprint-service.md): its own civetweb context, the
 * access gate every request passes (Host, Origin/CORS and preflights, API key, rate limit), and
 * the REST routes of the contract (shared reference `fingerprint-service-api.md` §3).
 *
 * Access rules, in order: (1) the Host header must name this machine (localhost, 127.0.0.1, [::1],
 * any port), else 421: a DNS-rebinding page carries its own host name; (2) a request with an
 * Origin header must come from an --allow-origin origin, else 403 (REST, preflight and WebSocket
 * upgrade alike); no Origin (curl, native apps) passes; (3) OPTIONS preflights are answered here
 * (civetweb's own CORS answers are off) with the allowed origin echoed, never `*`, plus
 * Access-Control-Allow-Private-Network when asked; (4) health needs nothing more; everything else
 * needs a valid X-API-Key (401 otherwise; with no key configured everything is refused); (5) at
 * most rate-limit requests per minute per key (429 with Retry-After).
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
#include "fp_service.h"
#include "http.h"
#include "log.h"

/* Per-request context: what the gate found, for the response headers. */
typedef struct req {
    fp_service *s;
    struct mg_connection *c;
    const char *origin; /* allowed Origin to echo, or NULL */
    int slot;           /* key slot, -1 before auth */
    int rl_limit, rl_remaining;
    time_t rl_reset;
    int retry_after;
} req;

/* ---- gate ----------------------------------------------------------------------------------- */

int fp_host_ok(const struct mg_connection *c)
{
    return fp_host_allowed(mg_get_header(c, "Host"));
}

int fp_origin_ok(const fp_service *s, const char *origin)
{
    if (!origin)
        return 1;
    for (size_t i = 0; i < s->cfg->allow_origin_count; i++)
        if (strcmp(origin, s->cfg->allow_origin[i]) == 0)
            return 1;
    return 0;
}

static void cors_headers(req *r)
{
    if (!r->origin)
        return;
    mg_response_header_add(r->c, "Access-Control-Allow-Origin", r->origin, -1);
    mg_response_header_add(r->c, "Access-Control-Allow-Credentials", "true", -1);
    mg_response_header_add(r->c, "Access-Control-Expose-Headers",
                           "X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, "
                           "Retry-After",
                           -1);
}

static int reply(req *r, int status, json_t *body)
{
    char *txt = body ? json_dumps(body, JSON_COMPACT | JSON_REAL_PRECISION(10)) : NULL;
    json_decref(body);
    if (!txt)
        txt = strdup("{\"error\":{\"code\":5001,\"name\":\"INTERNAL_ERROR\",\"message\":\"out of "
                     "memory\"}}");
    size_t len = txt ? strlen(txt) : 0;
    char num[32];
    mg_response_header_start(r->c, status);
    mg_response_header_add(r->c, "Content-Type", "application/json", -1);
    snprintf(num, sizeof(num), "%zu", len);
    mg_response_header_add(r->c, "Content-Length", num, -1);
    mg_response_header_add(r->c, "Cache-Control", "no-store", -1);
    mg_response_header_add(r->c, "Vary", "Origin", -1);
    mg_response_header_add(r->c, "X-Content-Type-Options", "nosniff", -1);
    cors_headers(r);
    if (r->rl_limit) {
        snprintf(num, sizeof(num), "%d", r->rl_limit);
        mg_response_header_add(r->c, "X-RateLimit-Limit", num, -1);
        snprintf(num, sizeof(num), "%d", r->rl_remaining < 0 ? 0 : r->rl_remaining);
        mg_response_header_add(r->c, "X-RateLimit-Remaining", num, -1);
        snprintf(num, sizeof(num), "%lld", (long long)r->rl_reset);
        mg_response_header_add(r->c, "X-RateLimit-Reset", num, -1);
    }
    if (r->retry_after > 0) {
        snprintf(num, sizeof(num), "%d", r->retry_after);
        mg_response_header_add(r->c, "Retry-After", num, -1);
    }
    mg_response_header_send(r->c);
    if (len)
        mg_write(r->c, txt, len);
    free(txt);
    return status;
}

static int fail(req *r, int status, int code, const char *msg, json_t *details)
{
    return reply(r, status, fp_error_body(code, msg, details));
}

static int rate_limited(req *r, int retry, int limit, const char *scope)
{
    r->retry_after = retry;
    json_t *b = fp_error_body(FP_RATE_LIMIT_EXCEEDED, "rate limit exceeded, retry later",
                              json_pack("{s:i,s:i,s:i,s:s}", "limit", limit, "window", 60000,
                                        "retryAfter", retry, "scope", scope));
    json_object_set_new(json_object_get(b, "error"), "retryAfter", json_integer(retry));
    return reply(r, 429, b);
}

/* HTTP status of a contract code where the contract gives none. */
static int http_of(int code)
{
    switch (code) {
    case FP_DEVICE_NOT_FOUND:
    case FP_RECORD_NOT_FOUND:
    case FP_NOT_FOUND:
        return 404;
    case FP_DEVICE_BUSY:
    case FP_SERVICE_UNAVAILABLE:
        return 503;
    case FP_RATE_LIMIT_EXCEEDED:
        return 429;
    case FP_INVALID_REQUEST:
    case FP_PAYLOAD_TOO_LARGE:
    case FP_INVALID_TEMPLATE:
        return 400;
    default:
        return 500;
    }
}

/* ---- request bodies ---------------------------------------------------------------------------
 */

static json_t *read_json(req *r, int *status)
{
    char *body;
    size_t len;
    int rc = zh_read_body(r->c, r->s->cfg->service_max_body, &body, &len);
    if (rc == ZKBIO_ETOOBIG) {
        *status = fail(r, 400, FP_PAYLOAD_TOO_LARGE, "request body too large",
                       json_pack("{s:I}", "limit", (json_int_t)r->s->cfg->service_max_body));
        return NULL;
    }
    if (rc != 0) {
        *status = fail(r, 400, FP_INVALID_REQUEST, "could not read the request body", NULL);
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
        *status = fail(r, 400, FP_INVALID_REQUEST, "malformed JSON: expected an object",
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

static int query(req *r, const char *name, char *buf, size_t size)
{
    const struct mg_request_info *ri = mg_get_request_info(r->c);
    if (!ri->query_string)
        return 0;
    return mg_get_var(ri->query_string, strlen(ri->query_string), name, buf, size) > 0;
}

static int want_iso(req *r, json_t *body)
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
static int run_blocking(req *r, fp_job *j, int fail_status_busy)
{
    fp_service *s = r->s;
    fp_job *job;
    int retry = 0;
    char dev[ZKBIO_READER_STR_MAX];
    snprintf(dev, sizeof(dev), "%s", j->dev_id);
    int code = fp_job_start(s, j, &job, &retry);
    if (code == FP_RATE_LIMIT_EXCEEDED)
        return rate_limited(r, retry, s->cfg->scan_rate_limit, "device");
    if (code)
        return fail(r, code == FP_DEVICE_BUSY ? fail_status_busy : http_of(code), code,
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
    return reply(r, http, body);
}

/* ---- routes --------------------------------------------------------------------------------- */

static int health(req *r, int bare)
{
    char ts[24];
    fp_iso_time(0, ts, sizeof(ts));
    if (bare)
        return reply(r, 200, json_pack("{s:s,s:s}", "status", "ok", "timestamp", ts));
    json_t *devs = fp_dev_list(r->s);
    int any = json_array_size(devs) > 0;
    json_decref(devs);
    return reply(r, 200,
                 json_pack("{s:s,s:I,s:s,s:s,s:s}", "status", "healthy", "uptime",
                           (json_int_t)(time(NULL) - r->s->started), "deviceStatus",
                           any ? "connected" : "disconnected", "dbStatus", "not_used", "version",
                           zkbio_version()));
}

static fp_job *new_job(req *r, int kind, json_t *body, const char *dev_from_query, int *status)
{
    int bad = 0;
    const char *dev = body ? str_field(body, "deviceId", &bad) : dev_from_query;
    if (bad) {
        *status = fail(r, 400, FP_INVALID_REQUEST, "deviceId: expected a string or null", NULL);
        return NULL;
    }
    fp_job *j = calloc(1, sizeof(*j));
    if (!j) {
        *status = fail(r, 500, FP_INTERNAL_ERROR, "out of memory", NULL);
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
        *status = fail(r, 400, FP_INVALID_REQUEST, "timeout: milliseconds, 1..600000", NULL);
        return NULL;
    }
    if (to)
        j->timeout_ms = (int)json_integer_value(to);
    json_t *thr = body ? json_object_get(body, "threshold") : NULL;
    if (thr &&
        (!json_is_number(thr) || json_number_value(thr) < 0 || json_number_value(thr) > 1000)) {
        free(j);
        *status = fail(r, 400, FP_INVALID_REQUEST, "threshold: a score, 0..1000", NULL);
        return NULL;
    }
    if (thr)
        j->threshold = json_number_value(thr);
    json_t *qt = body ? json_object_get(body, "qualityThreshold") : NULL;
    j->quality_min = json_is_number(qt) ? (int)json_number_value(qt) : 0;
    int needs_reader = !(kind == FP_JOB_IDENTIFY && body && json_object_get(body, "template"));
    if (needs_reader && fp_dev_pick(r->s, dev, j->dev_id) != 0) {
        free(j);
        *status = fail(r, 404, FP_DEVICE_NOT_FOUND, "reader not connected",
                       dev ? json_pack("{s:s}", "deviceId", dev) : NULL);
        return NULL;
    }
    return j;
}

static int templates_field(req *r, json_t *body, fp_job *j, int *status)
{
    json_t *arr = json_object_get(body, "templates");
    if (!arr || json_is_null(arr))
        return 0;
    char why[200];
    int code = fp_gallery_build(arr, &j->tmp_gallery, why, sizeof(why));
    if (code) {
        *status = fail(r, http_of(code), code, why, NULL);
        return -1;
    }
    return 0;
}

static int enroll(req *r)
{
    int status = 0, bad = 0;
    json_t *b = read_json(r, &status);
    if (!b)
        return status;
    const char *user = str_field(b, "userId", &bad);
    if (!user || bad || !*user || strlen(user) > 127) {
        json_decref(b);
        return fail(r, 400, FP_INVALID_REQUEST, "userId: required string (1..127 characters)",
                    NULL);
    }
    fp_job *j = new_job(r, FP_JOB_ENROLL, b, NULL, &status);
    if (j && templates_field(r, b, j, &status) != 0) {
        free(j);
        j = NULL;
    }
    if (j)
        snprintf(j->user_id, sizeof(j->user_id), "%s", user);
    json_decref(b);
    return j ? run_blocking(r, j, 503) : status;
}

static int verify(req *r)
{
    int status = 0, bad = 0;
    json_t *b = read_json(r, &status);
    if (!b)
        return status;
    const char *user = str_field(b, "userId", &bad);
    const char *tpl = str_field(b, "template", &bad);
    if (!tpl)
        tpl = str_field(b, "templateData", &bad); /* A14 */
    if (bad || !tpl || (user && strlen(user) > 127)) {
        json_decref(b);
        return fail(r, 400, FP_INVALID_REQUEST,
                    "template (base64 string) is required; userId is a string", NULL);
    }
    char why[200];
    zkbio_template *ref = NULL;
    if (fp_tpl_decode(tpl, &ref, why, sizeof(why)) != 0) {
        json_decref(b);
        return fail(r, 400, FP_INVALID_TEMPLATE, why, NULL);
    }
    fp_job *j = new_job(r, FP_JOB_VERIFY, b, NULL, &status);
    if (j)
        snprintf(j->user_id, sizeof(j->user_id), "%s", user ? user : "");
    json_decref(b);
    if (!j) {
        zkbio_template_free(ref);
        return status;
    }
    j->ref = ref;
    return run_blocking(r, j, 503);
}

static int identify(req *r)
{
    int status = 0, bad = 0;
    json_t *b = read_json(r, &status);
    if (!b)
        return status;
    const char *tpl = str_field(b, "template", &bad);
    if (bad) {
        json_decref(b);
        return fail(r, 400, FP_INVALID_REQUEST, "template: expected a base64 string", NULL);
    }
    zkbio_template *probe = NULL;
    char why[200];
    if (tpl && fp_tpl_decode(tpl, &probe, why, sizeof(why)) != 0) {
        json_decref(b);
        return fail(r, 400, FP_INVALID_TEMPLATE, why, NULL);
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
        int have = r->slot >= 0 && r->s->galleries[r->slot];
        pthread_rwlock_unlock(&r->s->gallery_lock);
        if (!have) {
            zkbio_template_free(j->probe_given);
            free(j);
            return fail(r, 404, FP_RECORD_NOT_FOUND,
                        "no templates to search: send templates or load a gallery first", NULL);
        }
    }
    if (probe) { /* no capture: answer on this thread */
        snprintf(j->dev_id, sizeof(j->dev_id), "%s", "");
    }
    return run_blocking(r, j, 503);
}

static int capture(req *r, int blocking)
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
        return rate_limited(r, retry, r->s->cfg->scan_rate_limit, "device");
    if (code)
        return fail(r, code == FP_DEVICE_BUSY ? 503 : http_of(code), code,
                    code == FP_DEVICE_BUSY ? "the reader is busy" : "reader not connected",
                    json_pack("{s:s}", "deviceId", dev));
    json_t *o =
        json_pack("{s:s,s:s,s:s}", "scanId", job->scan_id, "status", "waiting", "deviceId", dev);
    fp_job_put(r->s, job);
    return reply(r, 200, o);
}

static int scan_status(req *r, const char *id)
{
    fp_job *j = fp_job_find(r->s, id);
    if (!j)
        return fail(r, 404, FP_NOT_FOUND, "unknown scan session", json_pack("{s:s}", "scanId", id));
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
    return reply(r, 200, o);
}

static int gallery(req *r, const char *method)
{
    fp_service *s = r->s;
    if (strcmp(method, "GET") == 0) {
        size_t n = 0;
        pthread_rwlock_rdlock(&s->gallery_lock);
        if (s->galleries[r->slot])
            zkbio_gallery_count(s->galleries[r->slot]->g, &n);
        pthread_rwlock_unlock(&s->gallery_lock);
        return reply(r, 200, json_pack("{s:I}", "count", (json_int_t)n));
    }
    if (strcmp(method, "DELETE") == 0) {
        pthread_rwlock_wrlock(&s->gallery_lock);
        fp_gallery *old = s->galleries[r->slot];
        s->galleries[r->slot] = NULL;
        pthread_rwlock_unlock(&s->gallery_lock);
        fp_gallery_free(old);
        return reply(r, 200, json_pack("{s:s}", "status", "success"));
    }
    if (strcmp(method, "POST") != 0 && strcmp(method, "PUT") != 0)
        return fail(r, 405, FP_METHOD_NOT_ALLOWED, "use GET, POST or DELETE", NULL);
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
        return fail(r, http_of(code), code, why, NULL);
    pthread_rwlock_wrlock(&s->gallery_lock);
    fp_gallery *old = s->galleries[r->slot];
    s->galleries[r->slot] = g;
    pthread_rwlock_unlock(&s->gallery_lock);
    fp_gallery_free(old);
    zlog_info("fingerprint service: gallery of %zu templates loaded (in memory only)", g->n);
    return reply(r, 200,
                 json_pack("{s:s,s:I,s:I}", "status", "success", "count", (json_int_t)g->n,
                           "loadTime", (json_int_t)(fp_now_ms() - t0)));
}

static int ssl_routes(req *r, const char *rest, int authed)
{
    char fp[96], from[24], to[24];
    if (strcmp(rest, "download") == 0) {
        FILE *f = fopen(r->s->crt, "rb");
        char buf[8192];
        size_t n = f ? fread(buf, 1, sizeof(buf), f) : 0;
        if (f)
            fclose(f);
        if (!n)
            return fail(r, 404, FP_NOT_FOUND, "no certificate (plain HTTP listener)", NULL);
        mg_response_header_start(r->c, 200);
        mg_response_header_add(r->c, "Content-Type", "application/x-pem-file", -1);
        mg_response_header_add(r->c, "Content-Disposition",
                               "attachment; filename=\"zkbiod-localhost.crt\"", -1);
        char num[32];
        snprintf(num, sizeof(num), "%zu", n);
        mg_response_header_add(r->c, "Content-Length", num, -1);
        cors_headers(r);
        mg_response_header_send(r->c);
        mg_write(r->c, buf, n);
        return 200;
    }
    int have = fp_cert_info(r->s->crt, fp, from, to) == 0;
    if (strcmp(rest, "status") == 0)
        return reply(r, 200,
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
            return fail(r, 404, FP_NOT_FOUND, "no certificate (plain HTTP listener)", NULL);
        return reply(r, 200,
                     json_pack("{s:b,s:{s:s,s:s,s:s}}", "success", 1, "certificate", "fingerprint",
                               fp, "validFrom", from, "validTo", to));
    }
    return fail(r, 404, FP_NOT_FOUND,
                "not provided by zkbiod: use `zkbiod cert install` / restart to renew", NULL);
}

static int route(req *r, const char *path)
{
    fp_service *s = r->s;
    const struct mg_request_info *ri = mg_get_request_info(r->c);
    const char *method = ri->request_method;
    const char *rest;
    if (strcmp(path, "/health") == 0)
        return health(r, 1);
    if (strncmp(path, "/api/v1/", 8) == 0 || strcmp(path, "/api/v1") == 0)
        return fail(r, 404, FP_NOT_FOUND,
                    "the terminal management API /api/v1/ is served on the terminal listener",
                    NULL);
    if (strncmp(path, "/api/", 5) == 0)
        rest = path + 4;
    else if (strncmp(path, "/fingerprint/", 13) == 0 || strncmp(path, "/devices", 8) == 0)
        rest = path; /* A12: example apps without /api */
    else
        return fail(r, 404, FP_NOT_FOUND, "no such resource", NULL);
    if (strcmp(rest, "/health") == 0)
        return health(r, 0);
    if (strncmp(rest, "/ssl/", 5) == 0 && strcmp(rest + 5, "info") != 0)
        return ssl_routes(r, rest + 5, 0);

    /* API key */
    if (fp_keys_slots(s->keys) == 0)
        return fail(r, 401, FP_INVALID_API_KEY,
                    "no API key is configured on this service: every call is refused (zkbiod "
                    "apikey create)",
                    json_pack("{s:s}", "header", "X-API-Key"));
    const char *key = mg_get_header(r->c, "X-API-Key");
    int slot = -1;
    int kr = key ? fp_keys_check(s->keys, key, &slot) : -1;
    if (kr == 1)
        return fail(r, 401, FP_API_KEY_REVOKED, "API key revoked",
                    json_pack("{s:s}", "reason", "revoked by the operator"));
    if (kr != 0)
        return fail(r, 401, FP_INVALID_API_KEY, "missing or invalid API key",
                    json_pack("{s:s}", "header", "X-API-Key"));
    r->slot = slot;
    pthread_mutex_lock(&s->lock);
    int wait = fp_window_hit(&s->key_windows[slot], s->cfg->rate_limit, 60, time(NULL),
                             &r->rl_remaining, &r->rl_reset);
    pthread_mutex_unlock(&s->lock);
    r->rl_limit = s->cfg->rate_limit;
    if (wait > 0)
        return rate_limited(r, wait, s->cfg->rate_limit, "api_key");

    int get = strcmp(method, "GET") == 0, post = strcmp(method, "POST") == 0;
    if (strcmp(rest, "/devices") == 0 && get)
        return reply(r, 200, fp_dev_list(s));
    if (strncmp(rest, "/devices/", 9) == 0) {
        char id[ZKBIO_READER_STR_MAX * 3];
        const char *p = rest + 9, *slash = strchr(p, '/');
        size_t l = slash ? (size_t)(slash - p) : strlen(p);
        if (l >= sizeof(id) || mg_url_decode(p, (int)l, id, (int)sizeof(id), 0) < 0)
            return fail(r, 404, FP_DEVICE_NOT_FOUND, "device not found", NULL);
        json_t *info = fp_dev_info(s, id);
        if (!info)
            return fail(r, 404, FP_DEVICE_NOT_FOUND, "device not found",
                        json_pack("{s:s}", "deviceId", id));
        if (slash && strcmp(slash, "/info") == 0 && get)
            return reply(r, 200, info);
        if (slash && strcmp(slash, "/test") == 0 && post) {
            json_decref(info);
            uint64_t t0 = fp_now_ms();
            zkbio_reader *rd = NULL;
            int rc = zkbio_reader_open(s->readers, id, &rd);
            zkbio_reader_close(rd);
            if (rc == ZKBIO_EBUSY)
                return fail(r, 503, FP_DEVICE_BUSY, "device busy",
                            json_pack("{s:s}", "deviceId", id));
            if (rc != 0)
                return fail(r, 503, FP_DEVICE_INIT_FAILED, "device unavailable",
                            json_pack("{s:s,s:s}", "deviceId", id, "reason", zkbio_strerror(rc)));
            return reply(r, 200,
                         json_pack("{s:s,s:s,s:i,s:I}", "status", "success", "message",
                                   "Device is working", "quality", 0, "responseTime",
                                   (json_int_t)(fp_now_ms() - t0)));
        }
        json_decref(info);
        return fail(r, 404, FP_NOT_FOUND, "no such resource", NULL);
    }
    if (strcmp(rest, "/ssl/info") == 0)
        return ssl_routes(r, "info", 1);
    if (strcmp(rest, "/fingerprint/enroll") == 0 && post)
        return enroll(r);
    if (strcmp(rest, "/fingerprint/verify") == 0 && post)
        return verify(r);
    if (strcmp(rest, "/fingerprint/identify") == 0 && post)
        return identify(r);
    if (strcmp(rest, "/fingerprint/capture") == 0 && (post || get))
        return capture(r, 1);
    if (strcmp(rest, "/fingerprint/scan/start") == 0 && (post || get))
        return capture(r, 0);
    if (strncmp(rest, "/fingerprint/scan/status/", 25) == 0 && get)
        return scan_status(r, rest + 25);
    if (strcmp(rest, "/fingerprint/gallery") == 0)
        return gallery(r, method);
    if (strncmp(rest, "/fingerprint/", 13) == 0 || strcmp(rest, "/devices") == 0)
        return fail(r, 405, FP_METHOD_NOT_ALLOWED, "method not allowed here", NULL);
    return fail(r, 404, FP_NOT_FOUND, "no such resource", NULL);
}

static int handler(struct mg_connection *c, void *cbdata)
{
    fp_service *s = cbdata;
    const struct mg_request_info *ri = mg_get_request_info(c);
    const char *path = ri->local_uri ? ri->local_uri : "/";
    req r = {.s = s, .c = c, .slot = -1};
    if (!fp_host_ok(c))
        return fail(&r, 421, FP_HOST_NOT_ALLOWED,
                    "Host not allowed: use localhost, 127.0.0.1 or [::1]", NULL);
    const char *origin = mg_get_header(c, "Origin");
    if (!fp_origin_ok(s, origin)) {
        zlog_warn("fingerprint service: request from a foreign origin refused");
        return fail(&r, 403, FP_UNAUTHORIZED, "Origin not allowed",
                    json_pack("{s:s,s:s}", "required", "an allowed origin", "provided", "origin"));
    }
    r.origin = origin;
    if (strcmp(ri->request_method, "OPTIONS") == 0) {
        mg_response_header_start(c, 204);
        cors_headers(&r);
        if (origin) {
            mg_response_header_add(c, "Access-Control-Allow-Methods", "GET, POST, PUT, DELETE", -1);
            mg_response_header_add(c, "Access-Control-Allow-Headers",
                                   "Content-Type, X-API-Key, Authorization", -1);
            mg_response_header_add(c, "Access-Control-Max-Age", "600", -1);
            const char *pna = mg_get_header(c, "Access-Control-Request-Private-Network");
            if (pna && strcasecmp(pna, "true") == 0)
                mg_response_header_add(c, "Access-Control-Allow-Private-Network", "true", -1);
        }
        mg_response_header_add(c, "Vary", "Origin", -1);
        mg_response_header_add(c, "Content-Length", "0", -1);
        mg_response_header_send(c);
        return 204;
    }
    return route(&r, path);
}

static int log_message(const struct mg_connection *c, const char *msg)
{
    (void)c;
    zlog_warn("service http: %s", msg);
    return 1;
}

/* Server keep-alive (contract §4.3): {"type":"ping"} every 30 s; finished scans are reaped. */
static pthread_t keeper;
static volatile int keeper_stop;

static void *keeper_main(void *arg)
{
    fp_service *s = arg;
    int ticks = 0;
    while (!keeper_stop) {
        struct timespec ts = {0, 200 * 1000 * 1000};
        nanosleep(&ts, NULL);
        if (++ticks % 5 == 0) /* every second */
            fp_ws_kick_unauthenticated(s);
        if (ticks % 150 != 0)
            continue;
        fp_ws_emit(s, NULL, 0, json_pack("{s:s}", "type", "ping"));
        pthread_mutex_lock(&s->lock);
        fp_job_reap(s);
        pthread_mutex_unlock(&s->lock);
    }
    return NULL;
}

int fp_service_start(const zkbiod_config *cfg, fp_service **out, char *err, size_t errsz)
{
    *out = NULL;
    if (cfg->service_listen_count == 0)
        return 0;
    fp_service *s = calloc(1, sizeof(*s));
    if (!s) {
        snprintf(err, errsz, "out of memory");
        return -1;
    }
    s->cfg = cfg;
    s->started = time(NULL);
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->ws_cond, NULL);
    pthread_rwlock_init(&s->gallery_lock, NULL);
    char ports[1024] = "";
    for (size_t i = 0; i < cfg->service_listen_count; i++) {
        size_t l = strlen(cfg->service_listen[i]);
        if (l && cfg->service_listen[i][l - 1] == 's')
            s->tls = 1;
        snprintf(ports + strlen(ports), sizeof(ports) - strlen(ports), "%s%s", i ? "," : "",
                 cfg->service_listen[i]);
    }
    snprintf(s->crt, sizeof(s->crt), "%s/service.crt", cfg->data_dir);
    if (s->tls && fp_cert_ensure(cfg->data_dir, s->pem, sizeof(s->pem), err, errsz) != 0)
        goto fail;
    if (fp_keys_load(cfg->data_dir, cfg->api_key, cfg->api_key_count, &s->keys, err, errsz) != 0)
        goto fail;
    int slots = fp_keys_slots(s->keys);
    s->key_windows = calloc((size_t)slots + 1, sizeof(*s->key_windows));
    s->galleries = calloc((size_t)slots + 1, sizeof(*s->galleries));
    if (!s->key_windows || !s->galleries) {
        snprintf(err, errsz, "out of memory");
        goto fail;
    }
    /* Each open WebSocket holds a worker thread: keep a quarter of them for REST. */
    s->ws_max = cfg->service_threads - cfg->service_threads / 4;
    if (fp_dev_start(s, err, errsz) != 0)
        goto fail;
    char threads[16];
    snprintf(threads, sizeof(threads), "%d", cfg->service_threads);
    const char *options[] = {"listening_ports", ports, "num_threads", threads, "request_timeout_ms",
                             "30000", "enable_keep_alive", "yes", "keep_alive_timeout_ms", "15000",
                             "tcp_nodelay", "1",
                             /* CORS is answered by zkbiod (allow-list), never civetweb's `*` */
                             "access_control_allow_origin", "", "access_control_allow_methods", "",
                             "access_control_allow_headers", "", "websocket_timeout_ms", "10000",
                             "enable_websocket_ping_pong", "yes", s->tls ? "ssl_certificate" : NULL,
                             s->tls ? s->pem : NULL, NULL, NULL};
    struct mg_callbacks cb;
    memset(&cb, 0, sizeof(cb));
    cb.log_message = log_message;
    s->ctx = mg_start(&cb, s, options);
    if (!s->ctx) {
        snprintf(err, errsz, "fingerprint service: cannot listen on %s", ports);
        fp_dev_stop(s);
        fp_dev_free(s);
        goto fail;
    }
    mg_set_request_handler(s->ctx, "/", handler, s);
    fp_ws_setup(s);
    keeper_stop = 0;
    pthread_create(&keeper, NULL, keeper_main, s);
    zlog_info("fingerprint service on %s (%s); %zu API key(s), %zu allowed origin(s)%s", ports,
              s->tls ? "HTTPS/WSS" : "plain HTTP", fp_keys_active(s->keys), cfg->allow_origin_count,
              fp_keys_active(s->keys) ? "" : ": every call refused until a key is configured");
    if (s->tls) {
        char fp[96];
        if (fp_cert_info(s->crt, fp, NULL, NULL) == 0)
            zlog_info("service certificate %s, SHA-256 %s", s->crt, fp);
    }
    *out = s;
    return 0;
fail:
    fp_keys_free(s->keys);
    free(s->key_windows);
    free(s->galleries);
    free(s);
    return -1;
}

void fp_service_stop(fp_service *s)
{
    if (!s)
        return;
    keeper_stop = 1;
    pthread_join(keeper, NULL);
    fp_ws_emit(s, NULL, 0,
               json_pack("{s:s,s:s,s:I,s:s}", "type", "service:status", "status", "stopping",
                         "uptime", (json_int_t)(time(NULL) - s->started), "version",
                         zkbio_version()));
    fp_dev_stop(s);
    mg_stop(s->ctx);
    fp_dev_free(s);
    for (int i = 0; i < fp_keys_slots(s->keys); i++)
        fp_gallery_free(s->galleries[i]);
    free(s->galleries);
    free(s->key_windows);
    fp_keys_free(s->keys);
    pthread_rwlock_destroy(&s->gallery_lock);
    pthread_cond_destroy(&s->ws_cond);
    pthread_mutex_destroy(&s->lock);
    free(s);
}
