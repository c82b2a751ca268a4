/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The fingerprint service listener (docs/fingerprint-service.md): its own civetweb context, the
 * access gate every request passes (Host, Origin/CORS and preflights), the response helpers, the
 * keep-alive thread, start and stop. The API key, rate limit and routes are in fp_rest.c.
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "zkbio/version.h"

#include "fp_cert.h"
#include "fp_rest.h"
#include "fp_service.h"
#include "log.h"

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

void fp_cors_headers(fp_req *r)
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

int fp_reply(fp_req *r, int status, json_t *body)
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
    fp_cors_headers(r);
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

int fp_fail(fp_req *r, int status, int code, const char *msg, json_t *details)
{
    return fp_reply(r, status, fp_error_body(code, msg, details));
}

int fp_rate_limited(fp_req *r, int retry, int limit, const char *scope)
{
    r->retry_after = retry;
    json_t *b = fp_error_body(FP_RATE_LIMIT_EXCEEDED, "rate limit exceeded, retry later",
                              json_pack("{s:i,s:i,s:i,s:s}", "limit", limit, "window", 60000,
                                        "retryAfter", retry, "scope", scope));
    json_object_set_new(json_object_get(b, "error"), "retryAfter", json_integer(retry));
    return fp_reply(r, 429, b);
}

/* HTTP status of a contract code where the contract gives none. */
int fp_http_of(int code)
{
    switch (code) {
    case FP_DEVICE_NOT_FOUND:
    case FP_RECORD_NOT_FOUND:
    case FP_NOT_FOUND:
        return 404;
    case FP_DEVICE_BUSY:
    case FP_SERVICE_UNAVAILABLE:
    case FP_DB_CONNECTION_FAILED:
        return 503;
    case FP_UNAUTHORIZED:
        return 403;
    case FP_DUPLICATE_ENTRY:
        return 409;
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

static int handler(struct mg_connection *c, void *cbdata)
{
    fp_service *s = cbdata;
    const struct mg_request_info *ri = mg_get_request_info(c);
    const char *path = ri->local_uri ? ri->local_uri : "/";
    fp_req r = {.s = s, .c = c, .slot = -1};
    if (!fp_host_ok(c))
        return fp_fail(&r, 421, FP_HOST_NOT_ALLOWED,
                       "Host not allowed: use localhost, 127.0.0.1 or [::1]", NULL);
    const char *origin = mg_get_header(c, "Origin");
    if (!fp_origin_ok(s, origin)) {
        zlog_warn("fingerprint service: request from a foreign origin refused");
        return fp_fail(
            &r, 403, FP_UNAUTHORIZED, "Origin not allowed",
            json_pack("{s:s,s:s}", "required", "an allowed origin", "provided", "origin"));
    }
    r.origin = origin;
    if (strcmp(ri->request_method, "OPTIONS") == 0) {
        mg_response_header_start(c, 204);
        fp_cors_headers(&r);
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
    return fp_route(&r, path);
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

int fp_service_start(const zkbiod_config *cfg, struct zs_store *store, fp_service **out, char *err,
                     size_t errsz)
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
    s->store = store;
    if (fp_store_start(s, err, errsz) != 0) {
        fp_store_free(s);
        free(s);
        return -1;
    }
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
    fp_store_free(s);
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
    fp_store_free(s);
    free(s->key_windows);
    fp_keys_free(s->keys);
    pthread_rwlock_destroy(&s->gallery_lock);
    pthread_cond_destroy(&s->ws_cond);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

struct mg_context *fp_service_context(const fp_service *s)
{
    return s ? s->ctx : NULL;
}
