/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Between the service listener (fp_http.c: the Host/Origin/preflight gate and the response
 * helpers) and the REST routes (fp_rest.c: API key, rate limit, the contract's routes).
 */
#ifndef ZKBIOD_FP_REST_H
#define ZKBIOD_FP_REST_H

#include <time.h>

#include <civetweb.h>
#include <jansson.h>

#include "fp_service.h"

/* Per-request context: what the gate found, for the response headers. */
typedef struct fp_req {
    fp_service *s;
    struct mg_connection *c;
    const char *origin; /* allowed Origin to echo, or NULL */
    int slot;           /* key slot, -1 before auth */
    int rl_limit, rl_remaining;
    time_t rl_reset;
    int retry_after;
} fp_req;

/* CORS response headers for an allowed Origin (nothing without one). */
void fp_cors_headers(fp_req *r);
/* A JSON response with the service's headers (no-store, Vary: Origin, CORS, X-RateLimit-*,
 * Retry-After); takes ownership of body. Returns status. */
int fp_reply(fp_req *r, int status, json_t *body);
/* The contract's error body (fp_error_body); takes ownership of details. */
int fp_fail(fp_req *r, int status, int code, const char *msg, json_t *details);
/* 429 RATE_LIMIT_EXCEEDED with Retry-After and retryAfter (seconds). */
int fp_rate_limited(fp_req *r, int retry, int limit, const char *scope);
/* HTTP status for a contract code where the contract gives none. */
int fp_http_of(int code);

/* After the gate: API key, rate limit, then the routes (/api/..., /fingerprint/..., /health). */
int fp_route(fp_req *r, const char *path);

#endif /* ZKBIOD_FP_REST_H */
