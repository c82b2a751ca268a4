/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The fingerprint service's WebSocket (contract §2.3, §4): upgrades on / and /ws after the Host and
 * Origin checks of daemon/http's gate; the first message must be `auth` with an API key (checked by
 * daemon/auth); then subscribe/unsubscribe, scan:start/scan:stop, ping/pong. Events (the
 * fingerprint service's callback, zapi_ws_emit) are written from any thread: each client has a
 * reference count, and the close handler waits until no write is in flight before civetweb frees
 * the connection. A client that goes away cancels the scans it started. The hub's keep-alive
 * thread pings every 30 s, closes sockets that did not authenticate in time and reaps finished
 * scans.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pthread.h>

#include "zkbio/version.h"

#include "api.h"

typedef struct fp_ws {
    struct mg_connection *conn;
    uint64_t id;
    int authed;
    int slot;
    char subs[FP_MAX_SUBS][ZKBIO_READER_STR_MAX];
    int nsubs;
    int refs;
    int closed;
    int kicked;    /* a close frame was sent: no auth in time */
    time_t opened; /* upgrade time */
    struct fp_ws *next;
} fp_ws;

/* The clients, under lock. */
struct zapi_ws {
    pthread_mutex_t lock;
    pthread_cond_t cond; /* a client's refs dropped */
    fp_ws *ws;
    int count;
    int max;
    uint64_t next_id;
    pthread_t keeper;
    int keeper_running;
    volatile int keeper_stop;
};

static fp_ws *client_of(const struct mg_connection *c)
{
    return mg_get_user_connection_data(c);
}

/* Write one JSON text frame; takes ownership of msg. */
static void ws_send(struct mg_connection *c, json_t *msg)
{
    char *txt = msg ? json_dumps(msg, JSON_COMPACT | JSON_REAL_PRECISION(10)) : NULL;
    json_decref(msg);
    if (txt) {
        mg_websocket_write(c, MG_WEBSOCKET_OPCODE_TEXT, txt, strlen(txt));
        free(txt);
    }
}

/* The WebSocket's error message: {"type":"error","error":msg,"code":code[,"timestamp":ts]}. */
static void ws_error(struct mg_connection *c, const char *msg, int code, const char *ts)
{
    json_t *e = json_pack("{s:s,s:s,s:i}", "type", "error", "error", msg, "code", code);
    if (e && ts)
        json_object_set_new(e, "timestamp", json_string(ts));
    ws_send(c, e);
}

static int subscribed(const fp_ws *w, const char *dev)
{
    for (int i = 0; i < w->nsubs; i++)
        if (strcmp(w->subs[i], dev) == 0)
            return 1;
    return 0;
}

void zapi_ws_emit(void *user, const char *dev_id, uint64_t owner, json_t *ev)
{
    const zapi *app = user;
    zapi_ws *s = app ? app->ws : NULL;
    if (!ev)
        return;
    if (!s) {
        json_decref(ev);
        return;
    }
    if (!json_object_get(ev, "timestamp")) {
        char ts[24];
        zc_iso_time(0, ts, sizeof(ts));
        json_object_set_new(ev, "timestamp", json_string(ts));
    }
    char *txt = json_dumps(ev, JSON_COMPACT | JSON_REAL_PRECISION(10));
    json_decref(ev);
    if (!txt)
        return;
    size_t len = strlen(txt);
    /* collect the targets with a reference, write without the lock */
    fp_ws *targets[512];
    size_t n = 0;
    pthread_mutex_lock(&s->lock);
    for (fp_ws *w = s->ws; w && n < sizeof(targets) / sizeof(targets[0]); w = w->next) {
        if (!w->authed || w->closed)
            continue;
        if (dev_id && !(subscribed(w, dev_id) || (owner && w->id == owner)))
            continue;
        w->refs++;
        targets[n++] = w;
    }
    pthread_mutex_unlock(&s->lock);
    for (size_t i = 0; i < n; i++)
        mg_websocket_write(targets[i]->conn, MG_WEBSOCKET_OPCODE_TEXT, txt, len);
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < n; i++)
        targets[i]->refs--;
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->lock);
    free(txt);
}

static void kick_unauthenticated(zapi_ws *s)
{
    fp_ws *targets[64];
    size_t n = 0;
    time_t now = time(NULL);
    pthread_mutex_lock(&s->lock);
    for (fp_ws *w = s->ws; w && n < sizeof(targets) / sizeof(targets[0]); w = w->next)
        if (!w->authed && !w->closed && !w->kicked && now - w->opened >= FP_WS_AUTH_S) {
            w->kicked = 1;
            w->refs++;
            targets[n++] = w;
        }
    pthread_mutex_unlock(&s->lock);
    static const char reason[] = "\x03\xf0"
                                 "authentication timeout"; /* 1008 */
    for (size_t i = 0; i < n; i++)
        mg_websocket_write(targets[i]->conn, MG_WEBSOCKET_OPCODE_CONNECTION_CLOSE, reason,
                           sizeof(reason) - 1);
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < n; i++)
        targets[i]->refs--;
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->lock);
    if (n)
        zlog_info("fingerprint service: %zu WebSocket(s) closed: no auth within %d s", n,
                  FP_WS_AUTH_S);
}

int zapi_ws_connect(struct mg_connection *mc, const zapi *app)
{
    zapi_ws *s = app->ws;
    fp_ws *w = calloc(1, sizeof(*w));
    if (!w) {
        mg_send_http_error(mc, 503, "out of memory");
        return 1;
    }
    pthread_mutex_lock(&s->lock);
    if (s->count >= s->max) {
        pthread_mutex_unlock(&s->lock);
        free(w);
        zlog_warn("fingerprint service: WebSocket refused, %d open (limit keeps threads for REST)",
                  s->max);
        mg_send_http_error(mc, 503, "too many WebSocket connections");
        return 1;
    }
    w->conn = mc;
    w->opened = time(NULL);
    w->id = ++s->next_id;
    w->slot = -1;
    w->next = s->ws;
    s->ws = w;
    s->count++;
    pthread_mutex_unlock(&s->lock);
    mg_set_user_connection_data(mc, w);
    return 0;
}

void zapi_ws_ready(struct mg_connection *c, void *cbdata)
{
    (void)c;
    (void)cbdata;
}

static void handle(const zapi *app, fp_ws *w, struct mg_connection *c, json_t *m)
{
    zapi_ws *hub = app->ws;
    fp_service *s = app->fps;
    const zauth_keys *keys = zauth_keys_of(app->auth);
    const char *type = json_string_value(json_object_get(m, "type"));
    if (!type)
        type = json_string_value(json_object_get(m, "event")); /* A16 */
    char ts[24];
    zc_iso_time(0, ts, sizeof(ts));
    if (!type) {
        ws_error(c, "a message needs a string \"type\"", FP_INVALID_REQUEST, ts);
        return;
    }
    if (strcmp(type, "auth") == 0) {
        const char *key = json_string_value(json_object_get(m, "apiKey"));
        int slot = -1;
        int rc = key ? zauth_keys_check(keys, key, &slot) : -1;
        if (rc == 0) {
            pthread_mutex_lock(&hub->lock);
            w->authed = 1;
            w->slot = slot;
            pthread_mutex_unlock(&hub->lock);
            ws_send(c,
                    json_pack("{s:s,s:s,s:o}", "type", "auth:success", "message", "Authenticated",
                              "permissions", zapi_perms_json(zauth_keys_perms(keys, slot))));
            ws_send(c, json_pack("{s:s,s:s,s:I,s:s,s:s}", "type", "service:status", "status",
                                 "running", "uptime", (json_int_t)fps_uptime(s), "version",
                                 zkbio_version(), "timestamp", ts));
        } else {
            ws_send(c, json_pack("{s:s,s:s,s:i}", "type", "auth:error", "message",
                                 rc == 1 ? "API key revoked"
                                         : (json_object_get(m, "token")
                                                ? "admin tokens are not supported here"
                                                : "invalid API key"),
                                 "code", rc == 1 ? FP_API_KEY_REVOKED : FP_INVALID_API_KEY));
        }
        return;
    }
    if (strcmp(type, "ping") == 0) {
        ws_send(c, json_pack("{s:s,s:s}", "type", "pong", "timestamp", ts));
        return;
    }
    if (strcmp(type, "pong") == 0)
        return;
    if (!w->authed) {
        /* A9: anything before a successful auth is refused, the socket stays open */
        ws_send(c, json_pack("{s:s,s:s,s:i}", "type", "auth:error", "message",
                             "authenticate first: {\"type\":\"auth\",\"apiKey\":...}", "code",
                             FP_INVALID_API_KEY));
        return;
    }
    const char *dev = json_string_value(json_object_get(m, "deviceId"));
    /* key permissions (§2.1): events of a reader need device:read, scans a fingerprint one */
    uint32_t perms = zauth_keys_perms(keys, w->slot);
    const uint32_t scan_any =
        ZAUTH_PERM_SCAN | ZAUTH_PERM_ENROLL | ZAUTH_PERM_VERIFY | ZAUTH_PERM_IDENTIFY;
    int sub_msg = strcmp(type, "subscribe") == 0, scan_msg = strcmp(type, "scan:start") == 0;
    if ((sub_msg && !(perms & ZAUTH_PERM_DEVICE_READ)) || (scan_msg && !(perms & scan_any))) {
        ws_send(c, json_pack("{s:s,s:s?,s:s,s:i,s:{s:s,s:s,s:o},s:s}", "type",
                             sub_msg ? "subscribe:error" : "scan:error", "deviceId", dev, "message",
                             "this API key lacks the permission for this call", "code",
                             FP_UNAUTHORIZED, "details", "required",
                             sub_msg ? "device:read" : "fingerprint:scan", "provided", "api_key",
                             "permissions", zapi_perms_json(perms), "timestamp", ts));
        return;
    }
    if (strcmp(type, "subscribe") == 0 || strcmp(type, "unsubscribe") == 0) {
        int sub = type[0] == 's';
        char id[ZKBIO_READER_STR_MAX];
        if (sub && (!dev || fp_dev_pick(s, dev, id) != 0)) {
            ws_send(c, json_pack("{s:s,s:s?,s:s,s:i}", "type", "subscribe:error", "deviceId", dev,
                                 "message", "device not found", "code", FP_DEVICE_NOT_FOUND));
            return;
        }
        pthread_mutex_lock(&hub->lock);
        if (sub && !subscribed(w, dev) && w->nsubs < FP_MAX_SUBS)
            snprintf(w->subs[w->nsubs++], ZKBIO_READER_STR_MAX, "%s", dev);
        if (!sub && dev)
            for (int i = 0; i < w->nsubs; i++)
                if (strcmp(w->subs[i], dev) == 0) {
                    memmove(w->subs[i], w->subs[i + 1],
                            (size_t)(w->nsubs - i - 1) * sizeof(w->subs[0]));
                    w->nsubs--;
                    break;
                }
        pthread_mutex_unlock(&hub->lock);
        ws_send(c, json_pack("{s:s,s:s?,s:s}", "type",
                             sub ? "subscribe:success" : "unsubscribe:success", "deviceId", dev,
                             "message", sub ? "Subscribed" : "Unsubscribed"));
        return;
    }
    if (strcmp(type, "scan:start") == 0) {
        fp_job_in *j = calloc(1, sizeof(*j));
        json_t *opt = json_object_get(m, "options");
        json_t *to = json_object_get(opt, "timeout"),
               *qt = json_object_get(opt, "qualityThreshold");
        const char *fmt = json_string_value(json_object_get(m, "format"));
        int code = 0, retry = 0;
        if (!j) {
            code = FP_INTERNAL_ERROR;
        } else if (fp_dev_pick(s, dev, j->dev_id) != 0) {
            free(j);
            code = FP_DEVICE_NOT_FOUND;
        } else {
            j->kind = FP_JOB_SCAN;
            j->owner_ws = w->id;
            j->iso = fmt && strcmp(fmt, "iso") == 0;
            j->timeout_ms = json_is_integer(to) && json_integer_value(to) > 0 &&
                                    json_integer_value(to) <= 600000
                                ? (int)json_integer_value(to)
                                : 30000;
            j->quality_min = json_is_number(qt) ? (int)json_number_value(qt) : 0;
            j->threshold = -1;
            char devid[ZKBIO_READER_STR_MAX];
            snprintf(devid, sizeof(devid), "%s", j->dev_id);
            fp_job *started;
            code = fp_job_start(s, j, &started, &retry);
            if (code == 0) {
                ws_send(c, json_pack("{s:s,s:s,s:s,s:s}", "type", "scan:started", "scanId",
                                     fp_job_id(started), "deviceId", devid, "timestamp", ts));
                fp_job_put(s, started);
                return;
            }
        }
        json_t *e = json_pack("{s:s,s:s,s:i,s:s}", "type", "scan:error", "message",
                              code == FP_DEVICE_BUSY           ? "device busy"
                              : code == FP_DEVICE_NOT_FOUND    ? "device not found"
                              : code == FP_RATE_LIMIT_EXCEEDED ? "too many scans, retry later"
                                                               : "internal error",
                              "code", code, "timestamp", ts);
        if (retry)
            json_object_set_new(e, "retryAfter", json_integer(retry));
        ws_send(c, e);
        return;
    }
    if (strcmp(type, "scan:stop") == 0) {
        const char *id = json_string_value(json_object_get(m, "scanId"));
        fp_job *j = id ? fp_job_find(s, id) : NULL;
        if (j) {
            fp_job_cancel(s, j);
            fp_job_put(s, j);
        }
        ws_send(c,
                json_pack("{s:s,s:s?,s:s}", "type", "scan:stopped", "scanId", id, "timestamp", ts));
        return;
    }
    ws_error(c, "unknown message type", FP_INVALID_REQUEST, ts);
}

int zapi_ws_data(struct mg_connection *c, int bits, char *data, size_t len, void *cbdata)
{
    const zapi *app = cbdata;
    fp_ws *w = client_of(c);
    int op = bits & 0x0f;
    if (op == MG_WEBSOCKET_OPCODE_CONNECTION_CLOSE) {
        mg_websocket_write(c, MG_WEBSOCKET_OPCODE_CONNECTION_CLOSE, data, len > 2 ? 2 : len);
        return 0;
    }
    if (op != MG_WEBSOCKET_OPCODE_TEXT || !w)
        return 1; /* binary and continuation frames are ignored */
    if (len > FP_JSON_MAX) {
        ws_error(c, "message too large", FP_PAYLOAD_TOO_LARGE, NULL);
        return 1;
    }
    json_error_t je;
    json_t *m = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
    if (!json_is_object(m)) {
        json_decref(m);
        ws_error(c, "malformed JSON message", FP_INVALID_REQUEST, NULL);
        return 1;
    }
    handle(app, w, c, m);
    json_decref(m);
    return 1;
}

void zapi_ws_close(const struct mg_connection *c, void *cbdata)
{
    const zapi *app = cbdata;
    zapi_ws *s = app->ws;
    fp_ws *w = client_of(c);
    if (!w)
        return;
    fp_job_cancel_owner(app->fps, w->id); /* a client that leaves mid-scan frees the reader */
    pthread_mutex_lock(&s->lock);
    w->closed = 1;
    while (w->refs > 0)
        pthread_cond_wait(&s->cond, &s->lock);
    for (fp_ws **pp = &s->ws; *pp; pp = &(*pp)->next)
        if (*pp == w) {
            *pp = w->next;
            break;
        }
    s->count--;
    pthread_mutex_unlock(&s->lock);
    mg_set_user_connection_data(c, NULL);
    free(w);
}

/* Server keep-alive (contract §4.3): {"type":"ping"} every 30 s; sockets that did not authenticate
 * are closed; finished scans are reaped. */
static void *keeper_main(void *arg)
{
    zapi *app = arg;
    zapi_ws *s = app->ws;
    int ticks = 0;
    while (!s->keeper_stop) {
        struct timespec ts = {0, 200 * 1000 * 1000};
        nanosleep(&ts, NULL);
        if (++ticks % 5 == 0) /* every second */
            kick_unauthenticated(s);
        if (ticks % 150 != 0)
            continue;
        zapi_ws_emit(app, NULL, 0, json_pack("{s:s}", "type", "ping"));
        fps_reap(app->fps);
    }
    return NULL;
}

int zapi_ws_start(zapi *app, int max_clients)
{
    zapi_ws *s = calloc(1, sizeof(*s));
    if (!s)
        return -1;
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->cond, NULL);
    s->max = max_clients;
    app->ws = s;
    if (pthread_create(&s->keeper, NULL, keeper_main, app) != 0) {
        app->ws = NULL;
        pthread_cond_destroy(&s->cond);
        pthread_mutex_destroy(&s->lock);
        free(s);
        return -1;
    }
    s->keeper_running = 1;
    return 0;
}

void zapi_ws_stop(zapi *app)
{
    zapi_ws *s = app->ws;
    if (!s)
        return;
    if (!s->keeper_running)
        return;
    s->keeper_stop = 1;
    pthread_join(s->keeper, NULL);
    s->keeper_running = 0;
    zapi_ws_emit(app, NULL, 0,
                 json_pack("{s:s,s:s,s:I,s:s}", "type", "service:status", "status", "stopping",
                           "uptime", (json_int_t)fps_uptime(app->fps), "version", zkbio_version()));
}

void zapi_ws_free(zapi *app)
{
    zapi_ws *s = app->ws;
    if (!s)
        return;
    app->ws = NULL;
    pthread_cond_destroy(&s->cond);
    pthread_mutex_destroy(&s->lock);
    free(s);
}
