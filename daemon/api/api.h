/* SPDX-License-Identifier: Apache-2.0 */
/*
 * daemon/api: the REST resources of zkbiod and the fingerprint service's WebSocket messages:
 * HTTP <-> modules, with every JSON body built here.
 *
 *   admin.c       the management API of the terminal listener (/api/v1/..., /health) over store
 *   fingerprint.c the fingerprint service's REST routes (docs/fingerprint-service.md) over
 * fpservice ws.c          the fingerprint service's WebSocket (auth, subscribe, scan:start/stop,
 * events) reply.c       the one reply path: JSON responses with their headers errors.c      the one
 * JSON error shape, rendered per route family (below)
 *
 * Handlers are `int handler(zreq *)` and are reached only through the route table of daemon/http
 * (http/routes.c), which has already checked the route's permission (daemon/auth) and filled the
 * request context; a handler returns the HTTP status it sent.
 *
 * One JSON error shape, two families (zapi_fail): every error names a code from one table
 * (errors.c: the fingerprint-service contract's numeric codes, enum fp_code, plus the three
 * management-API-only codes below). The family of the route decides how it is written:
 *   ZAPI_ADMIN  {"error":{"code":"not_found","message":"..."}}            (/api/v1, /health)
 *   ZAPI_FPS    {"error":{"code":6005,"name":"NOT_FOUND","message":"...","details":{...}}}
 * so the fingerprint service keeps its documented body and numeric codes, produced by the same code
 * path as the management API's.
 *
 * Thread-safety: handlers run on civetweb worker threads concurrently; zapi and the modules it
 * points to are safe for that. Dependencies: core, auth, store, push, fpservice.
 */
#ifndef ZKBIOD_API_H
#define ZKBIOD_API_H

#include <time.h>

#include <civetweb.h>
#include <jansson.h>

#include "auth.h"
#include "core.h"
#include "fpservice.h"
#include "push.h"
#include "store.h"

/* Codes of the management API that the contract has no equivalent for (never sent by the
 * fingerprint service's routes). */
enum zapi_code {
    ZAPI_BAD_JSON = 9001,            /* "bad_json" */
    ZAPI_COMMAND_NOT_ALLOWED = 9002, /* "command_not_allowed" */
    ZAPI_API_DISABLED = 9003,        /* "api_disabled" */
};

typedef enum zapi_family {
    ZAPI_ADMIN = 0, /* terminal listener: /api/v1/..., /health */
    ZAPI_FPS = 1,   /* fingerprint service listener */
} zapi_family;

typedef struct zapi_ws zapi_ws; /* the WebSocket clients of the fingerprint service (ws.c) */

/* What the handlers need; read-only after start-up (the pointed-to modules lock themselves). */
typedef struct zapi {
    const zkbiod_config *cfg;
    zauth *auth;
    zs_store *store;   /* zkbiod's database */
    const zpush *push; /* the terminal listener's PUSH settings */
    const char *version;
    fp_service *fps; /* the fingerprint service, NULL when off */
    char crt[1024];  /* the service certificate (<data-dir>/service.crt), "" without TLS */
    int cert_ok;     /* the certificate below was read at start-up */
    char cert_fp[96], cert_from[24], cert_to[24];
    zapi_ws *ws; /* NULL when the service is off */
} zapi;

#define ZAPI_ARG_MAX 1024

/* One request, as the route table hands it to a handler. */
typedef struct zreq {
    struct mg_connection *c;
    const zapi *app;
    zapi_family family;
    const char *method;
    const char *path;   /* the route-relative path (the fingerprint family drops a leading /api) */
    const char *arg[2]; /* what the route pattern's `*` and `**` matched (still URL-encoded) */
    char argbuf[2][ZAPI_ARG_MAX];
    const char *origin; /* allowed Origin to echo (CORS), or NULL */
    int slot;           /* API key slot, -1 when none */
    int rl_limit, rl_remaining;
    time_t rl_reset;
    int retry_after;
    int www_authenticate; /* add `WWW-Authenticate: Bearer` */
    char request_id[33];  /* /api/v1: the request's id (hex), made on first use; X-Request-Id */
    zauth_principal who;  /* /api/v1: the checked bearer credential (role NONE on public routes) */
} zreq;

typedef int (*zapi_handler)(zreq *r);

/* ---- replies (reply.c) and errors (errors.c) ------------------------------------------------ */

/* A JSON response with the route family's headers (no-store, Vary: Origin, nosniff, CORS for an
 * allowed origin, X-RateLimit-*, Retry-After, WWW-Authenticate); takes ownership of body.
 * Returns status. */
int zapi_reply(zreq *r, int status, json_t *body);
/* The one error reply: `code` from the table, rendered for r->family; takes details. */
int zapi_fail(zreq *r, int status, int code, const char *msg, json_t *details);
int zapi_failf(zreq *r, int status, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* 429 RATE_LIMIT_EXCEEDED with Retry-After and retryAfter (seconds). */
int zapi_rate_limited(zreq *r, int retry, int limit, const char *scope);
/* CORS response headers for an allowed Origin (nothing without one). */
void zapi_cors_headers(zreq *r);
/* The error body for a family (a new object; takes details). */
json_t *zapi_error_body(zapi_family family, int code, const char *message, json_t *details);
/* The constant name of a code ("DEVICE_NOT_FOUND"); "UNKNOWN" for others. */
const char *zapi_code_name(int code);
/* The management API's name of a code ("not_found"); "error" for others. */
const char *zapi_code_slug(int code);
/* HTTP status for a contract code where the contract gives none. */
int zapi_http_of(int code);
/* A key's permissions as the contract's names (a new array). */
json_t *zapi_perms_json(uint32_t perms);

/* ---- the /api/v1 contract envelope (family ZAPI_ADMIN; docs/management-api.md) ---------------
 * Success: {"status":true,"message":M,"data":D}. Error: {"status":false,"message":M,
 * "error":{"code":C,"type":T,"details":D},"metadata":{"timestamp":ISO-8601,"request_id":ID,
 * "api_version":"v1"}}. Every /api/v1 response uses it; zapi_fail() renders this shape for the
 * family too. */
/* A success reply; takes ownership of data (NULL = JSON null). Returns status. */
int zapi_ok(zreq *r, int status, const char *message, json_t *data);
/* An error reply: `code` an UPPER_SNAKE name (INVALID_CREDENTIALS, VALIDATION_ERROR, NOT_FOUND...);
 * the type follows from the code, else from the status (errors.c). Takes details (may be NULL).
 * Returns status. */
int zapi_v1_fail(zreq *r, int status, const char *code, const char *message, json_t *details);
/* The request id of r (made on first call). */
const char *zapi_request_id(zreq *r);

/* ---- the management API (admin.c): family ZAPI_ADMIN ---------------------------------------- */
int zapi_health(zreq *r);
int zapi_devices_list(zreq *r);
int zapi_device_get(zreq *r);   /* arg[0] = SN */
int zapi_device_patch(zreq *r); /* arg[0] = SN */
int zapi_device_command(zreq *r);
int zapi_users(zreq *r);
int zapi_attendance(zreq *r);
int zapi_commands(zreq *r);
/* GET /api/v1/openapi.yaml (openapi_doc.c): docs/openapi.yaml, embedded at build time; open. */
int zapi_openapi_doc(zreq *r);

/* ---- the fingerprint service's REST routes (fingerprint.c): family ZAPI_FPS ------------------ */
int zapi_fp_health_bare(zreq *r); /* /health */
int zapi_fp_health(zreq *r);      /* /api/health */
int zapi_fp_v1_elsewhere(zreq *r);
int zapi_fp_devices(zreq *r);
int zapi_fp_device_info(zreq *r); /* arg[0] = device id */
int zapi_fp_device_test(zreq *r);
int zapi_fp_device_other(zreq *r); /* anything else under /devices/<id>: 404 */
int zapi_fp_enroll(zreq *r);
int zapi_fp_verify(zreq *r);
int zapi_fp_identify(zreq *r);
int zapi_fp_capture(zreq *r);
int zapi_fp_scan_start(zreq *r);
int zapi_fp_scan_status(zreq *r);   /* arg[0] = scan id */
int zapi_fp_gallery(zreq *r);       /* GET, POST, PUT, DELETE */
int zapi_fp_templates_del(zreq *r); /* arg[0] = user id */
int zapi_fp_ssl_status(zreq *r);
int zapi_fp_ssl_download(zreq *r);
int zapi_fp_ssl_info(zreq *r);
int zapi_fp_ssl_other(zreq *r);

/* ---- the WebSocket (ws.c) --------------------------------------------------------------------
 * Owns one thread (keep-alive: {"type":"ping"} every 30 s, unauthenticated sockets closed after
 * FP_WS_AUTH_S, finished scans reaped). */
#define FP_WS_AUTH_S 15
#define FP_MAX_SUBS  8
/* max_clients: open sockets allowed (each holds a worker thread). 0 or -1. */
int zapi_ws_start(zapi *app, int max_clients);
/* Tell the clients the service stops, stop the thread (before the listener stops). */
void zapi_ws_stop(zapi *app);
void zapi_ws_free(zapi *app);
/* The fingerprint service's event callback (fps_emit_fn); user = the zapi. */
void zapi_ws_emit(void *user, const char *dev_id, uint64_t owner, json_t *ev);
/* civetweb WebSocket callbacks, after the gate of daemon/http accepted the upgrade (cbdata = the
 * zapi). zapi_ws_connect returns 0 to accept, 1 after refusing (503 when full). */
int zapi_ws_connect(struct mg_connection *c, const zapi *app);
void zapi_ws_ready(struct mg_connection *c, void *cbdata);
int zapi_ws_data(struct mg_connection *c, int bits, char *data, size_t len, void *cbdata);
void zapi_ws_close(const struct mg_connection *c, void *cbdata);

#endif /* ZKBIOD_API_H */
