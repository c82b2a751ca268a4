/* SPDX-License-Identifier: Apache-2.0 */
/* The one reply path of zkbiod's JSON APIs (see api.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"

void zapi_cors_headers(zreq *r)
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

int zapi_reply(zreq *r, int status, json_t *body)
{
    size_t flags = JSON_COMPACT | (r->family == ZAPI_FPS ? JSON_REAL_PRECISION(10) : 0);
    char *txt = body ? json_dumps(body, flags) : NULL;
    json_decref(body);
    if (!txt) {
        status = 500;
        txt =
            strdup(r->family == ZAPI_FPS
                       ? "{\"error\":{\"code\":5001,\"name\":\"INTERNAL_ERROR\",\"message\":\"out "
                         "of memory\"}}"
                       : "{\"error\":{\"code\":\"internal\",\"message\":\"out of memory\"}}");
    }
    size_t len = txt ? strlen(txt) : 0;
    char num[32];
    mg_response_header_start(r->c, status);
    mg_response_header_add(r->c, "Content-Type", "application/json", -1);
    snprintf(num, sizeof(num), "%zu", len);
    mg_response_header_add(r->c, "Content-Length", num, -1);
    mg_response_header_add(r->c, "Cache-Control", "no-store", -1);
    mg_response_header_add(r->c, "Pragma", "no-cache", -1);
    mg_response_header_add(r->c, "Vary", "Origin", -1);
    mg_response_header_add(r->c, "X-Content-Type-Options", "nosniff", -1);
    if (r->www_authenticate)
        mg_response_header_add(r->c, "WWW-Authenticate", "Bearer", -1);
    zapi_cors_headers(r);
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
