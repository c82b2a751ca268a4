/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Frappe family's credentials and error bodies (api.h; docs/integrations.md). Frappe v15
 * answers an /api/method error with exc_type and the doubly-encoded _server_messages (shared
 * reference integrations.md §2.4); a method's return value travels as {"message": ...}.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"

static const char *exc_type(int status)
{
    switch (status) {
    case 401:
        return "AuthenticationError";
    case 403:
        return "PermissionError";
    case 404:
        return "DoesNotExistError";
    case 400:
    case 413:
    case 417:
        return "ValidationError";
    case 409:
        return "DuplicateEntryError";
    case 429:
        return "RateLimitExceededError";
    case 503:
        return "SessionStopped";
    default:
        return "ServerError";
    }
}

char *zapi_frappe_server_messages(const char *const *msgs, size_t n)
{
    /* a JSON string of a list of JSON strings, each a message dict (integrations.md §2.4) */
    json_t *list = json_array();
    for (size_t i = 0; list && i < n; i++) {
        json_t *m = json_pack("{s:s,s:s,s:s,s:i}", "message", msgs[i] ? msgs[i] : "", "title",
                              "Message", "indicator", "red", "raise_exception", 1);
        char *inner = m ? json_dumps(m, JSON_COMPACT) : NULL;
        json_decref(m);
        json_array_append_new(list, json_string(inner ? inner : "{}"));
        free(inner);
    }
    char *outer = list ? json_dumps(list, JSON_COMPACT) : NULL;
    json_decref(list);
    return outer;
}

int zapi_frappe_fail(zreq *r, int status, const char *msg)
{
    const char *m = msg ? msg : "";
    char *sm = zapi_frappe_server_messages(&m, 1);
    json_t *b =
        json_pack("{s:s,s:s}", "exc_type", exc_type(status), "_server_messages", sm ? sm : "[]");
    free(sm);
    return zapi_reply(r, status, b);
}

int zapi_frappe_reply(zreq *r, int status, json_t *message, const char *const *msgs, size_t n)
{
    json_t *b = json_object();
    if (b)
        json_object_set_new(b, "message", message ? message : json_null());
    else
        json_decref(message);
    if (b && n > 0) {
        char *sm = zapi_frappe_server_messages(msgs, n);
        if (sm)
            json_object_set_new(b, "_server_messages", json_string(sm));
        free(sm);
    }
    return zapi_reply(r, status, b);
}

int zapi_frappe_check(zreq *r)
{
    char ip[48];
    zc_client_ip(r->c, ip, sizeof(ip));
    zauth_intkey_who who;
    int wait = 0;
    int rc =
        zauth_intkey_check(r->app->auth, mg_get_header(r->c, "Authorization"), ip, &who, &wait);
    switch (rc) {
    case ZAUTH_IK_OK:
        r->who.role = ZAUTH_ROLE_NONE;
        r->who.account_id = 0;
        snprintf(r->who.name, sizeof(r->who.name), "intkey:%s", who.api_key);
        return 0;
    case ZAUTH_IK_LIMITED:
        r->retry_after = wait > 0 ? wait : 1;
        return zapi_frappe_fail(r, 429,
                                "Too many failed authentication attempts. Please try again later.");
    case ZAUTH_IK_UNAVAIL:
        r->retry_after = 5;
        return zapi_frappe_fail(r, 503, "Database unavailable, retry later.");
    case ZAUTH_IK_REVOKED:
        return zapi_frappe_fail(r, 401, "This API key has been revoked.");
    case ZAUTH_IK_INVALID:
    case ZAUTH_IK_MALFORMED:
        return zapi_frappe_fail(r, 401, "Invalid API key or secret.");
    default: /* no credential: Frappe's Guest may not call the method (handler.is_whitelisted) */
        return zapi_frappe_fail(r, 403, "Not permitted");
    }
}
