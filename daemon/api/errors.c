/* SPDX-License-Identifier: Apache-2.0 */
/* The error shapes of zkbiod's JSON APIs (see api.h): the fingerprint service's numeric code table
 * and the /api/v1 contract's code table, and how a code of the first is rendered on /api/v1. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "api.h"

static const struct {
    int code;
    const char *name; /* the fingerprint service contract's name (§5.2) */
} codes[] = {
    {FP_DEVICE_NOT_FOUND, "DEVICE_NOT_FOUND"},
    {FP_DEVICE_BUSY, "DEVICE_BUSY"},
    {FP_DEVICE_DISCONNECTED, "DEVICE_DISCONNECTED"},
    {FP_DEVICE_INIT_FAILED, "DEVICE_INIT_FAILED"},
    {FP_DEVICE_TIMEOUT, "DEVICE_TIMEOUT"},
    {FP_LOW_QUALITY, "LOW_QUALITY"},
    {FP_NO_FINGERPRINT_DETECTED, "NO_FINGERPRINT_DETECTED"},
    {FP_TEMPLATE_EXTRACTION_FAILED, "TEMPLATE_EXTRACTION_FAILED"},
    {FP_MATCH_FAILED, "MATCH_FAILED"},
    {FP_ENROLLMENT_FAILED, "ENROLLMENT_FAILED"},
    {FP_DB_CONNECTION_FAILED, "DB_CONNECTION_FAILED"},
    {FP_DB_QUERY_FAILED, "DB_QUERY_FAILED"},
    {FP_DUPLICATE_ENTRY, "DUPLICATE_ENTRY"},
    {FP_RECORD_NOT_FOUND, "RECORD_NOT_FOUND"},
    {FP_INVALID_API_KEY, "INVALID_API_KEY"},
    {FP_API_KEY_REVOKED, "API_KEY_REVOKED"},
    {FP_UNAUTHORIZED, "UNAUTHORIZED"},
    {FP_RATE_LIMIT_EXCEEDED, "RATE_LIMIT_EXCEEDED"},
    {FP_INTERNAL_ERROR, "INTERNAL_ERROR"},
    {FP_SERVICE_UNAVAILABLE, "SERVICE_UNAVAILABLE"},
    {FP_INVALID_REQUEST, "INVALID_REQUEST"},
    {FP_PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE"},
    {FP_INVALID_TEMPLATE, "INVALID_TEMPLATE"},
    {FP_HOST_NOT_ALLOWED, "HOST_NOT_ALLOWED"},
    {FP_NOT_FOUND, "NOT_FOUND"},
    {FP_METHOD_NOT_ALLOWED, "METHOD_NOT_ALLOWED"},
    {ZAPI_BAD_JSON, "INVALID_REQUEST"},
    {ZAPI_COMMAND_NOT_ALLOWED, "INVALID_REQUEST"},
    {ZAPI_API_DISABLED, "UNAUTHORIZED"},
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

/* THE table of the /api/v1 contract's error codes (docs/management-api.md "Errors"): the code, its
 * type, the status it is normally sent with, and the fingerprint-service code (enum fp_code /
 * enum zapi_code) a zapi_fail() on the management family is rendered as (0: none). A code that is
 * not in the table is sent as given with a type derived from the status. */
static const struct v1_code {
    const char *code, *type;
    int status;
    int fp1, fp2, fp3;
} v1_codes[] = {
    {"VALIDATION_ERROR", "ValidationError", 400, FP_INVALID_REQUEST, FP_INVALID_TEMPLATE, 0},
    {"BAD_JSON", "ValidationError", 400, ZAPI_BAD_JSON, 0, 0},
    {"PAYLOAD_TOO_LARGE", "ValidationError", 413, FP_PAYLOAD_TOO_LARGE, 0, 0},
    {"COMMAND_NOT_ALLOWED", "ValidationError", 400, ZAPI_COMMAND_NOT_ALLOWED, 0, 0},
    {"UNAUTHORIZED", "AuthenticationError", 401, FP_INVALID_API_KEY, FP_API_KEY_REVOKED, 0},
    {"INVALID_CREDENTIALS", "AuthenticationError", 401, 0, 0, 0},
    {"TOKEN_EXPIRED", "AuthenticationError", 401, 0, 0, 0},
    {"TOKEN_INVALID", "AuthenticationError", 401, 0, 0, 0},
    {"FORBIDDEN", "AuthorizationError", 403, FP_UNAUTHORIZED, 0, 0},
    {"API_DISABLED", "AuthorizationError", 403, ZAPI_API_DISABLED, 0, 0},
    {"NOT_FOUND", "NotFoundError", 404, FP_NOT_FOUND, FP_RECORD_NOT_FOUND, FP_DEVICE_NOT_FOUND},
    {"METHOD_NOT_ALLOWED", "MethodNotAllowedError", 405, FP_METHOD_NOT_ALLOWED, 0, 0},
    {"CONFLICT", "ConflictError", 409, FP_DUPLICATE_ENTRY, 0, 0},
    {"RATE_LIMITED", "RateLimitError", 429, FP_RATE_LIMIT_EXCEEDED, 0, 0},
    {"DEVICE_UNREACHABLE", "DeviceError", 503, FP_DEVICE_DISCONNECTED, 0, 0},
    {"DEVICE_BUSY", "DeviceError", 503, FP_DEVICE_BUSY, 0, 0},
    {"DEVICE_TIMEOUT", "DeviceError", 503, FP_DEVICE_TIMEOUT, 0, 0},
    {"INVALID_COMM_KEY", "DeviceError", 400, 0, 0, 0},
    {"DEVICE_ERROR", "DeviceError", 502, FP_DEVICE_INIT_FAILED, 0, 0},
    {"SERVICE_UNAVAILABLE", "ServiceUnavailableError", 503, FP_SERVICE_UNAVAILABLE,
     FP_DB_CONNECTION_FAILED, 0},
    {"INTERNAL_ERROR", "ServerError", 500, FP_INTERNAL_ERROR, FP_DB_QUERY_FAILED, 0},
};

static const struct v1_code *v1_find(const char *code)
{
    for (size_t i = 0; i < sizeof(v1_codes) / sizeof(v1_codes[0]); i++)
        if (strcmp(code, v1_codes[i].code) == 0)
            return &v1_codes[i];
    return NULL;
}

const char *zapi_v1_code_of(int code)
{
    for (size_t i = 0; i < sizeof(v1_codes) / sizeof(v1_codes[0]); i++)
        if (code && (v1_codes[i].fp1 == code || v1_codes[i].fp2 == code || v1_codes[i].fp3 == code))
            return v1_codes[i].code;
    return code > 9000 ? "VALIDATION_ERROR" : "INTERNAL_ERROR";
}

int zapi_v1_status_of(const char *code)
{
    const struct v1_code *c = code ? v1_find(code) : NULL;
    return c ? c->status : 500;
}

/* The contract's error type: by code, then by status. */
static const char *v1_type(const char *code, int status)
{
    const struct v1_code *c = v1_find(code);
    if (c)
        return c->type;
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

/* An X-Request-Id the client sent is kept when it is 1..32 characters of [A-Za-z0-9._-] (so it can
 * be logged and echoed safely); otherwise a random one is made. */
const char *zapi_request_id(zreq *r)
{
    if (!r->request_id[0]) {
        const char *in = r->c ? mg_get_header(r->c, "X-Request-Id") : NULL;
        size_t l = in ? strlen(in) : 0;
        if (l >= 1 && l < sizeof(r->request_id) &&
            strspn(in, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == l) {
            memcpy(r->request_id, in, l + 1);
        } else {
            uint8_t b[8];
            if (zc_random(b, sizeof(b)) != 0)
                memset(b, 0, sizeof(b));
            zc_hex(b, sizeof(b), r->request_id);
        }
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
    if (!code)
        code = zapi_v1_code_of(0);
    return zapi_reply(r, status, v1_error_body(r, status, code, message, details));
}

int zapi_v1_failf(zreq *r, int status, const char *code, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return zapi_v1_fail(r, status, code, msg, NULL);
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
    if (family == ZAPI_ADMIN) { /* the /api/v1 envelope, without metadata (no request) */
        const char *c = zapi_v1_code_of(code);
        return json_pack("{s:b,s:s,s:{s:s,s:s,s:o}}", "status", 0, "message",
                         message ? message : "", "error", "code", c, "type", v1_type(c, 0),
                         "details", details ? details : json_null());
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
    if (r->family == ZAPI_ADMIN) /* the /api/v1 contract: the code from the one table */
        return zapi_v1_fail(r, status, zapi_v1_code_of(code), msg, details);
    if (r->family == ZAPI_BIOTIME)
        return zapi_bt_fail(r, status, msg, details);
    if (r->family == ZAPI_FRAPPE) {
        json_decref(details);
        return zapi_frappe_fail(r, status, msg);
    }
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
    if (r->family == ZAPI_BIOTIME)
        return zapi_bt_fail(r, 429, "Request was throttled.", NULL);
    if (r->family == ZAPI_FRAPPE)
        return zapi_frappe_fail(r, 429, "Too many requests, retry later");
    if (r->family == ZAPI_ADMIN)
        return zapi_v1_fail(r, 429, "RATE_LIMITED", "rate limit exceeded, retry later",
                            json_pack("{s:i,s:i,s:i,s:s}", "limit", limit, "window", 60000,
                                      "retry_after", retry, "scope", scope));
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
