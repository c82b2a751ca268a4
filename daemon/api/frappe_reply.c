/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Frappe family's credentials and error bodies (api.h; docs/integrations.md). Frappe v15
 * answers an /api/method error with exc_type and the doubly-encoded _server_messages (shared
 * reference integrations.md §2.4).
 */
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
    case 417:
        return "ValidationError";
    case 409:
        return "DuplicateEntryError";
    case 429:
        return "RateLimitExceededError";
    default:
        return "ServerError";
    }
}

int zapi_frappe_fail(zreq *r, int status, const char *msg)
{
    /* _server_messages: a JSON string of a list of JSON strings, each a message dict */
    json_t *m = json_pack("{s:s,s:s,s:s,s:i}", "message", msg ? msg : "", "title", "Message",
                          "indicator", "red", "raise_exception", 1);
    char *inner = m ? json_dumps(m, JSON_COMPACT) : NULL;
    json_decref(m);
    json_t *list = json_pack("[s]", inner ? inner : "{}");
    free(inner);
    char *outer = list ? json_dumps(list, JSON_COMPACT) : NULL;
    json_decref(list);
    json_t *b = json_pack("{s:s,s:s}", "exc_type", exc_type(status), "_server_messages",
                          outer ? outer : "[]");
    free(outer);
    return zapi_reply(r, status, b);
}

int zapi_frappe_check(zreq *r)
{
    (void)r; /* the integration keys come with the inbound endpoints */
    return zapi_frappe_fail(r, 401, "Invalid authentication");
}
