/* SPDX-License-Identifier: Apache-2.0 */
/*
 * daemon/http: zkbiod's HTTP spine.
 *
 *   listener.c  the civetweb contexts: the terminal listener (/iclock, /api/v1, /health) and the
 *               fingerprint service listener (REST + WebSocket), TLS options, start and stop
 *   gate.c      the service listener's gate: Host (DNS-rebinding defence), Origin allow-list,
 *               CORS preflights
 *   routes.c    THE route table, {method, path pattern, family, permission, handler}, and the
 *               dispatcher: a route is added there and nowhere else
 *   cert.c      the service's self-signed certificate and `zkbiod cert`
 *
 * Request path: civetweb worker -> listener.c handler -> (service listener) gate.c -> routes.c:
 * /iclock paths go to daemon/push (plain text); every other path is looked up in the table; the
 * route's permission is checked through daemon/auth (admin bearer token, or an API key with its
 * rate limit and permissions); the handler in daemon/api runs. An unknown path, a method the path
 * does not take, or a refused credential is answered here in the route family's JSON error shape
 * (daemon/api's zapi_fail), so every JSON error of zkbiod comes out of one function.
 *
 * Thread-safety: start/stop from the main thread; handlers run on civetweb's worker threads.
 * Dependencies: api, push, auth, core (and civetweb, mbedTLS).
 */
#ifndef ZKBIOD_HTTP_H
#define ZKBIOD_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "api.h"

/* ---- the route table (routes.c) ----------------------------------------------------------- */

/* One route. Patterns are absolute paths of literal segments, where a `*` segment matches one
 * non-empty segment and a final `**` the (non-empty) rest of the path; what they match is handed
 * to the handler as r->arg[0..1]. For the fingerprint family, paths are matched after a leading
 * "/api" is dropped (the contract serves /api/devices and /devices alike). */
typedef struct zroute {
    const char *method;  /* "GET", "POST", ... ; a route per method */
    const char *pattern; /* "/api/v1/devices/ *" (without the space) */
    zapi_family family;
    uint32_t perm;         /* ZAUTH_PUBLIC, ZAUTH_ADMIN, or ZAUTH_PERM_* bits (any grants) */
    const char *perm_name; /* the permission's name for 403 details ("device:read") */
    zapi_handler handler;
    int hidden; /* an alias not listed in 405 messages (PUT beside PATCH) */
} zroute;

/* The table, and its length. */
const zroute *zhttp_routes(size_t *count);

/* Dispatch a request of `family` (not /iclock) through the table. Returns the status sent. */
int zhttp_dispatch(zreq *r, const char *path);

/* Match `path` against `pattern` (rules above); fills r->arg when r is not NULL. 1 or 0. */
int zhttp_match(const char *pattern, const char *path, zreq *r);

/* ---- the gate (gate.c) ---------------------------------------------------------------------- */

/* Host header value names this machine: localhost, 127.0.0.1 or [::1], optionally with a numeric
 * port (1..5 digits); case-insensitive. NULL is not allowed. The DNS-rebinding defence. */
int zhttp_host_allowed(const char *host);
/* Origin absent, or on cfg's allow-origin list. */
int zhttp_origin_allowed(const zkbiod_config *cfg, const char *origin);
/* The service listener's gate: Host, Origin, OPTIONS preflight. Returns 0 when the request goes
 * on (r->origin set), else the status of the reply it sent. */
int zhttp_gate(zreq *r);

/* ---- listeners (listener.c) ----------------------------------------------------------------- */

typedef struct zhttp zhttp;

/* Start the terminal listener (cfg->listen; none when empty) and, when app->fps is set, the
 * service listener (cfg->service_listen: certificate ensured for TLS, the WebSocket hub started).
 * app must outlive the listeners; fills app->crt and app->cert_*. 0, or -1 with err. */
int zhttp_start(const zkbiod_config *cfg, zapi *app, zhttp **out, char *err, size_t errsz);
/* The terminal listener's ports as civetweb was given them, for the start-up log line. */
const char *zhttp_ports(const zhttp *h);
/* The first port the terminal listener (service 0) or the service listener (service 1) is bound
 * to (useful with port 0), or -1 when that listener is off. */
int zhttp_port(const zhttp *h, int service);
/* --port-file: write every bound port to path, atomically (path.tmp renamed over path): one line
 * per bound socket, "listen PORT" lines (terminal listener) then "service PORT" lines, in listener
 * order. Format and errors: port_file.h. 0, or -1 with err. */
int zhttp_port_file_write(const zhttp *h, const char *path, char *err, size_t errsz);
/* The WebSocket hub says goodbye; call before stopping the fingerprint service's jobs. */
void zhttp_quiesce(zhttp *h);
/* Stop both listeners (waits for running handlers). NULL is accepted. */
void zhttp_stop(zhttp *h);

/* ---- the certificate (cert.c) ----------------------------------------------------------------
 * The fingerprint service's TLS certificate (shared reference `service.md` §4, §1.5): a
 * self-signed ECDSA P-256 leaf for localhost, 127.0.0.1 and ::1 (CA:FALSE, key usage
 * digitalSignature, extended key usage serverAuth), valid 825 days (Apple's limit for TLS server
 * certificates), made with mbedTLS on first start. Files in the data directory:
 *   service.pem  private key + certificate (civetweb reads both from one file), mode 0600
 *   service.crt  the certificate alone (public; what `zkbiod cert install` adds to trust stores)
 * A certificate that expires within 30 days is replaced at start-up (install it again then). */

/* Make sure <data_dir>/service.pem and service.crt exist and are valid for 30 more days; create
 * them otherwise. pem (size bytes) receives the path of service.pem. 0, or -1 with err. */
int zhttp_cert_ensure(const char *data_dir, char *pem, size_t size, char *err, size_t errsz);

/* SHA-256 fingerprint of the certificate file as colon-hex "AA:BB:..." (96 bytes), and its
 * validity as ISO-8601 strings (24 bytes each; may be NULL). 0 or -1. */
int zhttp_cert_info(const char *crt_path, char fingerprint[96], char *valid_from, char *valid_to);

/* `zkbiod cert install|uninstall|show` (argv[0] = "cert"); returns the exit status. */
int zhttp_cert_cli(int argc, char **argv);

#endif /* ZKBIOD_HTTP_H */
