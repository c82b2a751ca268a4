/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The BioTime family's credentials and error bodies (api.h; docs/biotime-api.md). BioTime is
 * Django REST Framework: errors are {"detail": "..."} or per-field lists (shared reference
 * integrations.md §1.9).
 */
#include <stdio.h>
#include <string.h>

#include "api.h"

int zapi_bt_fail(zreq *r, int status, const char *msg, json_t *details)
{
    json_t *b = details ? details : json_pack("{s:s}", "detail", msg ? msg : "");
    return zapi_reply(r, status, b);
}

int zapi_bt_check(zreq *r, uint32_t need)
{
    const char *h = mg_get_header(r->c, "Authorization");
    char bearer[8300];
    const char *presented = NULL;
    if (h && (strncmp(h, "JWT ", 4) == 0 || strncmp(h, "Bearer ", 7) == 0)) {
        snprintf(bearer, sizeof(bearer), "Bearer %s", strchr(h, ' ') + 1);
        presented = bearer;
    }
    if (!presented) {
        r->www_authenticate = 1;
        return zapi_bt_fail(r, 401, "Authentication credentials were not provided.", NULL);
    }
    int rc = zauth_bearer_check(r->app->auth, presented, &r->who);
    if (rc == ZAUTH_BEARER_UNAVAIL)
        return zapi_bt_fail(r, 503, "Database unavailable, retry later.", NULL);
    if (rc != ZAUTH_BEARER_OK) {
        r->www_authenticate = 1;
        return zapi_bt_fail(r, 401,
                            rc == ZAUTH_BEARER_EXPIRED ? "Signature has expired."
                                                       : "Error decoding signature.",
                            NULL);
    }
    if (!zauth_role_allows(r->who.role, need))
        return zapi_bt_fail(r, 403, "You do not have permission to perform this action.", NULL);
    return 0;
}
