/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The fingerprint service listener's gate (docs/fingerprint-service.md), which every request and
 * WebSocket upgrade passes before the route table. Access rules, in order: (1) the Host header must
 * name this machine (localhost, 127.0.0.1, [::1], any port), else 421: a DNS-rebinding page
 * carries its own host name; (2) a request with an Origin header must come from an --allow-origin
 * origin, else 403 (REST, preflight and WebSocket upgrade alike); no Origin (curl, native apps)
 * passes; (3) OPTIONS preflights are answered here (civetweb's own CORS answers are off) with the
 * allowed origin echoed, never `*`, plus Access-Control-Allow-Private-Network when asked. The API
 * key, rate limit and permissions follow in routes.c, through daemon/auth.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "http.h"

int zhttp_host_allowed(const char *h)
{
    if (!h)
        return 0;
    size_t len = strlen(h);
    const char *colon = NULL;
    if (h[0] == '[') {
        const char *close = strchr(h, ']');
        if (!close)
            return 0;
        colon = close[1] == ':' ? close + 1 : NULL;
        if (close[1] && !colon)
            return 0;
        len = (size_t)(close + 1 - h);
    } else {
        colon = strchr(h, ':');
        if (colon)
            len = (size_t)(colon - h);
    }
    if (colon) {
        const char *p = colon + 1;
        if (!*p || strlen(p) > 5)
            return 0;
        for (; *p; p++)
            if (*p < '0' || *p > '9')
                return 0;
    }
    static const char *const names[] = {"localhost", "127.0.0.1", "[::1]"};
    for (size_t i = 0; i < 3; i++)
        if (strlen(names[i]) == len && strncasecmp(h, names[i], len) == 0)
            return 1;
    return 0;
}

int zhttp_origin_allowed(const zkbiod_config *cfg, const char *origin)
{
    if (!origin)
        return 1;
    for (size_t i = 0; i < cfg->allow_origin_count; i++)
        if (strcmp(origin, cfg->allow_origin[i]) == 0)
            return 1;
    return 0;
}

int zhttp_gate(zreq *r)
{
    struct mg_connection *c = r->c;
    if (!zhttp_host_allowed(mg_get_header(c, "Host")))
        return zapi_fail(r, 421, FP_HOST_NOT_ALLOWED,
                         "Host not allowed: use localhost, 127.0.0.1 or [::1]", NULL);
    const char *origin = mg_get_header(c, "Origin");
    if (!zhttp_origin_allowed(r->app->cfg, origin)) {
        zlog_warn("fingerprint service: request from a foreign origin refused");
        return zapi_fail(
            r, 403, FP_UNAUTHORIZED, "Origin not allowed",
            json_pack("{s:s,s:s}", "required", "an allowed origin", "provided", "origin"));
    }
    r->origin = origin;
    if (strcmp(r->method, "OPTIONS") == 0) {
        mg_response_header_start(c, 204);
        zapi_cors_headers(r);
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
    return 0;
}
