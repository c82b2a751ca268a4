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

/* Conditional GET on the management family: a 200 to GET/HEAD gets a strong ETag (the first 128
 * bits of SHA-256 of the body, hex, quoted), so every list and resource has one. */
static int cacheable(const zreq *r, int status)
{
    return r->family == ZAPI_ADMIN && status == 200 && r->method &&
           (strcmp(r->method, "GET") == 0 || strcmp(r->method, "HEAD") == 0);
}

int zapi_reply(zreq *r, int status, json_t *body)
{
    size_t flags = JSON_COMPACT | (r->family == ZAPI_FPS ? JSON_REAL_PRECISION(10) : 0);
    char *txt = body ? json_dumps(body, flags) : NULL;
    json_decref(body);
    if (!txt && !(status == 204 && !body)) { /* 204: no body by definition */
        status = 500;
        txt =
            strdup(r->family == ZAPI_FPS
                       ? "{\"error\":{\"code\":5001,\"name\":\"INTERNAL_ERROR\",\"message\":\"out "
                         "of memory\"}}"
                       : "{\"status\":false,\"message\":\"out of memory\",\"error\":{\"code\":"
                         "\"INTERNAL_ERROR\",\"type\":\"ServerError\",\"details\":null}}");
    }
    size_t len = txt ? strlen(txt) : 0;
    char num[32], etag[40] = "";
    if (txt && cacheable(r, status)) {
        uint8_t h[32];
        zc_sha256(txt, len, NULL, 0, h);
        etag[0] = '"';
        zc_hex(h, 16, etag + 1);
        strcat(etag, "\"");
        if (zapi_etag_matches(mg_get_header(r->c, "If-None-Match"), etag)) {
            status = 304;
            len = 0;
        }
    }
    mg_response_header_start(r->c, status);
    if (status != 304 && status != 204) {
        mg_response_header_add(r->c, "Content-Type", "application/json", -1);
        snprintf(num, sizeof(num), "%zu", len);
        mg_response_header_add(r->c, "Content-Length", num, -1);
    }
    if (etag[0]) { /* may be kept, must be revalidated */
        mg_response_header_add(r->c, "ETag", etag, -1);
        mg_response_header_add(r->c, "Cache-Control", "private, no-cache", -1);
    } else {
        mg_response_header_add(r->c, "Cache-Control", "no-store", -1);
        mg_response_header_add(r->c, "Pragma", "no-cache", -1);
    }
    mg_response_header_add(r->c, "Vary", "Origin", -1);
    mg_response_header_add(r->c, "X-Content-Type-Options", "nosniff", -1);
    if (r->family == ZAPI_ADMIN)
        mg_response_header_add(r->c, "X-Request-Id", zapi_request_id(r), -1);
    if (r->www_authenticate)
        mg_response_header_add(r->c, "WWW-Authenticate",
                               /* djangorestframework-jwt's header (BioTime) */
                               r->family == ZAPI_BIOTIME ? "JWT realm=\"api\"" : "Bearer", -1);
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
    if (len && strcmp(r->method ? r->method : "", "HEAD") != 0)
        mg_write(r->c, txt, len);
    free(txt);
    return status;
}
