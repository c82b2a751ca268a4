/* SPDX-License-Identifier: Apache-2.0 */
/*
 * zkbiod's civetweb contexts (see http.h): the terminal listener (/iclock to daemon/push, the rest
 * through the route table as the management family) and the fingerprint service listener (the
 * gate, then the route table as the service family; WebSocket upgrades on / and /ws). Each has its
 * own worker threads and access rule.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http.h"
#include "port_file.h"

struct zhttp {
    zapi *app;
    struct mg_context *terminal;
    struct mg_context *service;
    char ports[1024];
    char service_ports[1024];
    char pem[1024];
};

static void req_init(zreq *r, struct mg_connection *c, const zapi *app, zapi_family family)
{
    const struct mg_request_info *ri = mg_get_request_info(c);
    memset(r, 0, sizeof(*r));
    r->c = c;
    r->app = app;
    r->family = family;
    r->method = ri->request_method;
    r->path = ri->local_uri ? ri->local_uri : "/";
    r->slot = -1;
}

static int terminal_handler(struct mg_connection *c, void *cbdata)
{
    const zapi *app = cbdata;
    const struct mg_request_info *ri = mg_get_request_info(c);
    const char *path = ri->local_uri ? ri->local_uri : "/";
    zreq r;
    /* Issue 16: the BioTime-compatible API (its transactions and terminals live under
     * /iclock/api/, which is not PUSH) and the inbound Frappe-style methods. Some BioTime clients
     * send a doubled leading slash ("//personnel/api/..."). */
    const char *bt = path;
    while (bt[0] == '/' && bt[1] == '/')
        bt++;
    if (strncmp(bt, "/iclock/api/", 12) == 0 || strncmp(bt, "/personnel/api/", 15) == 0 ||
        strcmp(bt, "/jwt-api-token-auth/") == 0 || strcmp(bt, "/api-token-auth/") == 0 ||
        strcmp(bt, "/jwt-api-token-refresh/") == 0 || strcmp(bt, "/jwt-api-token-auth") == 0 ||
        strcmp(bt, "/api-token-auth") == 0) {
        req_init(&r, c, app, ZAPI_BIOTIME);
        r.path = bt;
        int st = zhttp_dispatch(&r, bt);
        if (st >= 200 && st < 300 && strncmp(bt, "/iclock/api/transactions", 24) == 0 &&
            strcmp(ri->request_method, "POST") == 0)
            zfwd_kick(app->forward); /* issue 16: a posted transaction is forwarded at once */
        return st;
    }
    if (strncmp(path, "/api/method/", 12) == 0) {
        req_init(&r, c, app, ZAPI_FRAPPE);
        int st = zhttp_dispatch(&r, path);
        if (st >= 200 && st < 300 && strcmp(ri->request_method, "POST") == 0)
            zfwd_kick(app->forward); /* issue 16: inbound punches are forwarded at once */
        return st;
    }
    /* PUSH: any prefix before /iclock/ is accepted (`/<company>/iclock/cdata`,
     * `/iclock/iclock/cdata`). */
    const char *ic = NULL;
    for (const char *p = strstr(path, "/iclock/"); p; p = strstr(p + 1, "/iclock/"))
        ic = p;
    if (ic) {
        int st = zpush_iclock(c, app->push, ic + 8);
        if (strncmp(ic + 8, "cdata", 5) == 0 &&
            strcmp(mg_get_request_info(c)->request_method, "POST") == 0)
            zfwd_kick(app->forward); /* issue 16: new punches are delivered at once */
        return st;
    }
    req_init(&r, c, app, ZAPI_ADMIN);
    return zhttp_dispatch(&r, path);
}

static int service_handler(struct mg_connection *c, void *cbdata)
{
    const zapi *app = cbdata;
    zreq r;
    req_init(&r, c, app, ZAPI_FPS);
    int st = zhttp_gate(&r);
    if (st)
        return st;
    return zhttp_dispatch(&r, r.path);
}

/* The WebSocket upgrade: / and /ws only, through the same Host and Origin checks as REST. */
static int ws_connect(const struct mg_connection *c, void *cbdata)
{
    const zapi *app = cbdata;
    const struct mg_request_info *ri = mg_get_request_info(c);
    const char *path = ri->local_uri ? ri->local_uri : "/";
    struct mg_connection *mc = (struct mg_connection *)c; /* for mg_send_http_error */
    if (strcmp(path, "/") != 0 && strcmp(path, "/ws") != 0) {
        mg_send_http_error(mc, 404, "WebSocket endpoints are / and /ws");
        return 1;
    }
    if (!zhttp_host_allowed(mg_get_header(c, "Host"))) {
        mg_send_http_error(mc, 421, "Host not allowed");
        return 1;
    }
    if (!zhttp_origin_allowed(app->cfg, mg_get_header(c, "Origin"))) {
        zlog_warn("fingerprint service: WebSocket from a foreign origin refused");
        mg_send_http_error(mc, 403, "Origin not allowed");
        return 1;
    }
    return zapi_ws_connect(mc, app);
}

static int log_terminal(const struct mg_connection *c, const char *msg)
{
    (void)c;
    zlog_warn("http: %s", msg);
    return 1;
}

static int log_service(const struct mg_connection *c, const char *msg)
{
    (void)c;
    zlog_warn("service http: %s", msg);
    return 1;
}

/* civetweb's comma-separated list of listeners; *tls when one ends in 's'. */
static void join(char *const *list, size_t n, char *out, size_t size, int *tls)
{
    out[0] = '\0';
    *tls = 0;
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(list[i]);
        if (l && list[i][l - 1] == 's')
            *tls = 1;
        snprintf(out + strlen(out), size - strlen(out), "%s%s", i ? "," : "", list[i]);
    }
}

/* civetweb's own refusals on the terminal listener (a request head over its buffer, a malformed
 * request line, ...) are answered in the /api/v1 envelope too, so every answer of this listener
 * is JSON with an error body (civetweb 1.15 `http_error` callback: 0 = answered here). */
static int terminal_http_error(struct mg_connection *c, int status, const char *msg)
{
    const struct mg_context *ctx = mg_get_context(c);
    zreq r;
    req_init(&r, c, ctx ? mg_get_user_data(ctx) : NULL, ZAPI_ADMIN);
    const char *code = status == 413   ? "PAYLOAD_TOO_LARGE"
                       : status == 404 ? "NOT_FOUND"
                       : status == 405 ? "METHOD_NOT_ALLOWED"
                       : status < 500  ? "VALIDATION_ERROR"
                                       : "INTERNAL_ERROR";
    char text[160];
    snprintf(text, sizeof(text), "%s", msg && *msg ? msg : "the request could not be read");
    text[strcspn(text, "\r\n")] = '\0';
    zapi_v1_fail(&r, status, code, text, NULL);
    return 0;
}

static int start_terminal(const zkbiod_config *cfg, zhttp *h, char *err, size_t errsz)
{
    if (!cfg->listen_count)
        return 0;
    int tls;
    char pem[1024] = "";
    join(cfg->listen, cfg->listen_count, h->ports, sizeof(h->ports), &tls);
    /* a trailing 's' is TLS and needs <data-dir>/zkbiod.pem (key + certificate in one file) */
    if (tls) {
        snprintf(pem, sizeof(pem), "%s/zkbiod.pem", cfg->data_dir);
        if (access(pem, R_OK) != 0) {
            snprintf(err, errsz,
                     "a TLS listener needs %.900s (private key and certificate in one PEM file)",
                     pem);
            return -1;
        }
    }
    char threads[16];
    snprintf(threads, sizeof(threads), "%d", cfg->threads);
    const char *options[] = {
        "listening_ports", h->ports, "num_threads", threads, "request_timeout_ms", "10000",
        "enable_keep_alive", "yes", "keep_alive_timeout_ms", "15000", "access_control_allow_origin",
        "",
        /* Headers and body go out in two writes: without TCP_NODELAY, Nagle plus the
           peer's delayed ACK adds ~40 ms to every keep-alive response. */
        "tcp_nodelay", "1", tls ? "ssl_certificate" : NULL, tls ? pem : NULL, NULL, NULL};
    struct mg_callbacks cb;
    memset(&cb, 0, sizeof(cb));
    cb.log_message = log_terminal;
    cb.http_error = terminal_http_error;
    h->terminal = mg_start(&cb, h->app, options);
    if (!h->terminal) {
        snprintf(err, errsz, "cannot listen on %.900s", h->ports);
        return -1;
    }
    mg_set_request_handler(h->terminal, "/", terminal_handler, h->app);
    return 0;
}

static int start_service(const zkbiod_config *cfg, zhttp *h, char *err, size_t errsz)
{
    zapi *app = h->app;
    int tls;
    join(cfg->service_listen, cfg->service_listen_count, h->service_ports, sizeof(h->service_ports),
         &tls);
    snprintf(app->crt, sizeof(app->crt), "%s/service.crt", cfg->data_dir);
    if (tls && zhttp_cert_ensure(cfg->data_dir, h->pem, sizeof(h->pem), err, errsz) != 0)
        return -1;
    app->cert_ok = zhttp_cert_info(app->crt, app->cert_fp, app->cert_from, app->cert_to) == 0;
    /* Each open WebSocket holds a worker thread: keep a quarter of them for REST. */
    if (zapi_ws_start(app, cfg->service_threads - cfg->service_threads / 4) != 0) {
        snprintf(err, errsz, "fingerprint service: cannot start the WebSocket thread");
        return -1;
    }
    char threads[16];
    snprintf(threads, sizeof(threads), "%d", cfg->service_threads);
    const char *options[] = {"listening_ports", h->service_ports, "num_threads", threads,
                             "request_timeout_ms", "30000", "enable_keep_alive", "yes",
                             "keep_alive_timeout_ms", "15000", "tcp_nodelay", "1",
                             /* CORS is answered by zkbiod (allow-list), never civetweb's `*` */
                             "access_control_allow_origin", "", "access_control_allow_methods", "",
                             "access_control_allow_headers", "", "websocket_timeout_ms", "10000",
                             "enable_websocket_ping_pong", "yes", tls ? "ssl_certificate" : NULL,
                             tls ? h->pem : NULL, NULL, NULL};
    struct mg_callbacks cb;
    memset(&cb, 0, sizeof(cb));
    cb.log_message = log_service;
    h->service = mg_start(&cb, app, options);
    if (!h->service) {
        snprintf(err, errsz, "fingerprint service: cannot listen on %.900s", h->service_ports);
        zapi_ws_stop(app);
        zapi_ws_free(app);
        return -1;
    }
    mg_set_request_handler(h->service, "/", service_handler, app);
    /* "/" matches every path: the connect handler keeps only / and /ws */
    mg_set_websocket_handler(h->service, "/", ws_connect, zapi_ws_ready, zapi_ws_data,
                             zapi_ws_close, app);
    size_t active = zauth_keys_active(zauth_keys_of(app->auth));
    zlog_info("fingerprint service on %s (%s); %zu API key(s), %zu allowed origin(s)%s",
              h->service_ports, tls ? "HTTPS/WSS" : "plain HTTP", active, cfg->allow_origin_count,
              active ? "" : ": every call refused until a key is configured");
    if (tls && app->cert_ok)
        zlog_info("service certificate %s, SHA-256 %s", app->crt, app->cert_fp);
    return 0;
}

int zhttp_start(const zkbiod_config *cfg, zapi *app, zhttp **out, char *err, size_t errsz)
{
    *out = NULL;
    zhttp *h = calloc(1, sizeof(*h));
    if (!h) {
        snprintf(err, errsz, "out of memory");
        return -1;
    }
    h->app = app;
    int tls = 0, t;
    join(cfg->listen, cfg->listen_count, h->ports, sizeof(h->ports), &t);
    tls |= t;
    join(cfg->service_listen, cfg->service_listen_count, h->service_ports, sizeof(h->service_ports),
         &t);
    tls |= t;
    mg_init_library(tls ? MG_FEATURES_TLS : 0);
    if (start_terminal(cfg, h, err, errsz) != 0 ||
        (app->fps && start_service(cfg, h, err, errsz) != 0)) {
        zhttp_stop(h);
        return -1;
    }
    *out = h;
    return 0;
}

const char *zhttp_ports(const zhttp *h)
{
    return h->terminal ? h->ports : "(no terminal listener)";
}

int zhttp_port(const zhttp *h, int service)
{
    struct mg_context *ctx = service ? h->service : h->terminal;
    struct mg_server_port ports[4];
    memset(ports, 0, sizeof(ports));
    if (!ctx || mg_get_server_ports(ctx, 4, ports) < 1)
        return -1;
    return ports[0].port;
}

int zhttp_port_file_write(const zhttp *h, const char *path, char *err, size_t errsz)
{
    return zkbiod_port_file_write(path, h->terminal, h->service, err, errsz);
}

void zhttp_quiesce(zhttp *h)
{
    if (h && h->service)
        zapi_ws_stop(h->app);
}

void zhttp_stop(zhttp *h)
{
    if (!h)
        return;
    if (h->service) {
        zapi_ws_stop(h->app); /* no-op after zhttp_quiesce */
        mg_stop(h->service);
        zapi_ws_free(h->app);
    }
    mg_stop(h->terminal);
    mg_exit_library();
    free(h);
}
