/* SPDX-License-Identifier: Apache-2.0 */
/* The one JSON error shape of zkbiod's JSON APIs (see api.h): one code table, two renderings. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "api.h"

static const struct {
    int code;
    const char *name; /* the fingerprint service contract's name (§5.2) */
    const char *slug; /* the management API's code */
} codes[] = {
    {FP_DEVICE_NOT_FOUND, "DEVICE_NOT_FOUND", "device_not_found"},
    {FP_DEVICE_BUSY, "DEVICE_BUSY", "device_busy"},
    {FP_DEVICE_DISCONNECTED, "DEVICE_DISCONNECTED", "device_disconnected"},
    {FP_DEVICE_INIT_FAILED, "DEVICE_INIT_FAILED", "device_init_failed"},
    {FP_DEVICE_TIMEOUT, "DEVICE_TIMEOUT", "device_timeout"},
    {FP_LOW_QUALITY, "LOW_QUALITY", "low_quality"},
    {FP_NO_FINGERPRINT_DETECTED, "NO_FINGERPRINT_DETECTED", "no_fingerprint_detected"},
    {FP_TEMPLATE_EXTRACTION_FAILED, "TEMPLATE_EXTRACTION_FAILED", "template_extraction_failed"},
    {FP_MATCH_FAILED, "MATCH_FAILED", "match_failed"},
    {FP_ENROLLMENT_FAILED, "ENROLLMENT_FAILED", "enrollment_failed"},
    {FP_DB_CONNECTION_FAILED, "DB_CONNECTION_FAILED", "unavailable"},
    {FP_DB_QUERY_FAILED, "DB_QUERY_FAILED", "internal"},
    {FP_DUPLICATE_ENTRY, "DUPLICATE_ENTRY", "duplicate"},
    {FP_RECORD_NOT_FOUND, "RECORD_NOT_FOUND", "not_found"},
    {FP_INVALID_API_KEY, "INVALID_API_KEY", "unauthorized"},
    {FP_API_KEY_REVOKED, "API_KEY_REVOKED", "unauthorized"},
    {FP_UNAUTHORIZED, "UNAUTHORIZED", "forbidden"},
    {FP_RATE_LIMIT_EXCEEDED, "RATE_LIMIT_EXCEEDED", "rate_limited"},
    {FP_INTERNAL_ERROR, "INTERNAL_ERROR", "internal"},
    {FP_SERVICE_UNAVAILABLE, "SERVICE_UNAVAILABLE", "unavailable"},
    {FP_INVALID_REQUEST, "INVALID_REQUEST", "bad_request"},
    {FP_PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE", "too_large"},
    {FP_INVALID_TEMPLATE, "INVALID_TEMPLATE", "bad_request"},
    {FP_HOST_NOT_ALLOWED, "HOST_NOT_ALLOWED", "host_not_allowed"},
    {FP_NOT_FOUND, "NOT_FOUND", "not_found"},
    {FP_METHOD_NOT_ALLOWED, "METHOD_NOT_ALLOWED", "method_not_allowed"},
    {ZAPI_BAD_JSON, "INVALID_REQUEST", "bad_json"},
    {ZAPI_COMMAND_NOT_ALLOWED, "INVALID_REQUEST", "command_not_allowed"},
    {ZAPI_API_DISABLED, "UNAUTHORIZED", "api_disabled"},
};

static int find(int code)
{
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
        if (codes[i].code == code)
            return (int)i;
    return -1;
}

const char *zapi_code_name(int code)
{
    int i = find(code);
    return i < 0 || code > 9000 ? "UNKNOWN" : codes[i].name;
}

const char *zapi_code_slug(int code)
{
    int i = find(code);
    return i < 0 ? "error" : codes[i].slug;
}

/* The contract's error types, by code, then by status. */
static const char *v1_type(const char *code, int status)
{
    static const struct {
        const char *code, *type;
    } types[] = {
        {"INVALID_CREDENTIALS", "AuthenticationError"},
        {"TOKEN_EXPIRED", "AuthenticationError"},
        {"TOKEN_INVALID", "AuthenticationError"},
        {"UNAUTHORIZED", "AuthenticationError"},
        {"FORBIDDEN", "AuthorizationError"},
        {"VALIDATION_ERROR", "ValidationError"},
        {"BAD_JSON", "ValidationError"},
        {"NOT_FOUND", "NotFoundError"},
        {"CONFLICT", "ConflictError"},
        {"RATE_LIMITED", "RateLimitError"},
        {"DEVICE_UNREACHABLE", "DeviceError"},
        {"DEVICE_BUSY", "DeviceError"},
        {"DEVICE_TIMEOUT", "DeviceError"},
    };
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        if (strcmp(code, types[i].code) == 0)
            return types[i].type;
    switch (status) {
    case 400:
    case 413:
    case 422:
        return "ValidationError";
    case 401:
        return "AuthenticationError";
    case 403:
        return "AuthorizationError";
    case 404:
        return "NotFoundError";
    case 405:
        return "MethodNotAllowedError";
    case 409:
        return "ConflictError";
    case 429:
        return "RateLimitError";
    case 503:
        return "ServiceUnavailableError";
    default:
        return status >= 500 ? "ServerError" : "RequestError";
    }
}

const char *zapi_request_id(zreq *r)
{
    if (!r->request_id[0]) {
        uint8_t b[8];
        if (zc_random(b, sizeof(b)) != 0)
            memset(b, 0, sizeof(b));
        zc_hex(b, sizeof(b), r->request_id);
    }
    return r->request_id;
}

static json_t *v1_error_body(zreq *r, int status, const char *code, const char *message,
                             json_t *details)
{
    char ts[32];
    zc_iso_time(time(NULL), ts, sizeof(ts));
    return json_pack("{s:b,s:s,s:{s:s,s:s,s:o},s:{s:s,s:s,s:s}}", "status", 0, "message",
                     message ? message : "", "error", "code", code, "type", v1_type(code, status),
                     "details", details ? details : json_null(), "metadata", "timestamp", ts,
                     "request_id", zapi_request_id(r), "api_version", "v1");
}

int zapi_v1_fail(zreq *r, int status, const char *code, const char *message, json_t *details)
{
    return zapi_reply(r, status, v1_error_body(r, status, code, message, details));
}

int zapi_ok(zreq *r, int status, const char *message, json_t *data)
{
    return zapi_reply(r, status,
                      json_pack("{s:b,s:s,s:o}", "status", 1, "message", message ? message : "OK",
                                "data", data ? data : json_null()));
}

json_t *zapi_error_body(zapi_family family, int code, const char *message, json_t *details)
{
    json_t *e;
    if (family == ZAPI_ADMIN) {
        json_decref(details); /* the management API's shape has no details */
        e = json_pack("{s:s,s:s}", "code", zapi_code_slug(code), "message", message ? message : "");
    } else {
        e = json_pack("{s:i,s:s,s:s}", "code", code, "name", zapi_code_name(code), "message",
                      message ? message : "");
        if (e && details)
            json_object_set_new(e, "details", details);
        else
            json_decref(details);
    }
    return e ? json_pack("{s:o}", "error", e) : NULL;
}

int zapi_fail(zreq *r, int status, int code, const char *msg, json_t *details)
{
    if (r->family == ZAPI_ADMIN) /* the /api/v1 contract: the code's constant name */
        return zapi_v1_fail(r, status, code > 9000 ? "VALIDATION_ERROR" : zapi_code_name(code), msg,
                            details);
    return zapi_reply(r, status, zapi_error_body(r->family, code, msg, details));
}

int zapi_failf(zreq *r, int status, int code, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return zapi_fail(r, status, code, msg, NULL);
}

int zapi_rate_limited(zreq *r, int retry, int limit, const char *scope)
{
    r->retry_after = retry;
    json_t *b =
        zapi_error_body(r->family, FP_RATE_LIMIT_EXCEEDED, "rate limit exceeded, retry later",
                        json_pack("{s:i,s:i,s:i,s:s}", "limit", limit, "window", 60000,
                                  "retryAfter", retry, "scope", scope));
    json_object_set_new(json_object_get(b, "error"), "retryAfter", json_integer(retry));
    return zapi_reply(r, 429, b);
}

int zapi_http_of(int code)
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

json_t *zapi_perms_json(uint32_t perms)
{
    json_t *a = json_array();
    for (int i = 0; i < ZAUTH_PERM_COUNT; i++)
        if (perms & (1u << i))
            json_array_append_new(a, json_string(zauth_perm_name(i)));
    return a;
}
