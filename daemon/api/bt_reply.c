/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The BioTime family's credentials and error bodies (api.h; docs/biotime-api.md
 * "Authentication"). BioTime is Django REST Framework with djangorestframework-jwt: errors are
 * {"detail": "..."} or per-field lists (shared reference integrations.md §1.9); the texts below
 * are DRF's and djangorestframework-jwt's own English strings.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "api.h"

int zapi_bt_fail(zreq *r, int status, const char *msg, json_t *details)
{
    json_t *b = details ? details : json_pack("{s:s}", "detail", msg ? msg : "");
    return zapi_reply(r, status, b);
}

int zapi_bt_field_error(zreq *r, const char *field, const char *msg)
{
    return zapi_reply(r, 400, json_pack("{s:[s]}", field, msg));
}

static int unauthorized(zreq *r, const char *msg)
{
    r->www_authenticate = 1;
    return zapi_bt_fail(r, 401, msg, NULL);
}

/* The scheme's credentials in h: what follows "<scheme> " (case-insensitive scheme, spaces
 * skipped), "" when nothing follows, NULL when h is another scheme. */
static const char *scheme(const char *h, const char *name)
{
    size_t n = strlen(name);
    if (strncasecmp(h, name, n) != 0 || (h[n] != ' ' && h[n] != '\0'))
        return NULL;
    h += n;
    while (*h == ' ')
        h++;
    return h;
}

int zapi_bt_check(zreq *r, uint32_t need)
{
    const char *h = mg_get_header(r->c, "Authorization");
    const char *cred = NULL;
    int kind = 0; /* 1 JWT/Bearer, 2 Token, 3 Basic */
    if (h) {
        if ((cred = scheme(h, "JWT")) || (cred = scheme(h, "Bearer")))
            kind = 1;
        else if ((cred = scheme(h, "Token")))
            kind = 2;
        else if ((cred = scheme(h, "Basic")))
            kind = 3;
    }
    if (!kind) /* no header, or a scheme DRF does not know: nobody presented anything */
        return unauthorized(r, "Authentication credentials were not provided.");
    if (!*cred)
        return unauthorized(r, "Invalid token header. No credentials provided.");
    if (kind != 3 && strchr(cred, ' '))
        return unauthorized(r, "Invalid token header. Token string should not contain spaces.");
    int rc = ZAUTH_BEARER_INVALID;
    /* a static token sent as Bearer (simplejwt-style clients) is the same token; what it does not
     * match is still tried as a bearer (an admin token could have its shape) */
    if (kind == 1 && strlen(cred) == ZAUTH_BT_TOKEN_LEN &&
        strspn(cred, "0123456789abcdef") == ZAUTH_BT_TOKEN_LEN)
        rc = zauth_token_check(r->app->auth, cred, &r->who);
    if (kind == 1 && rc == ZAUTH_BEARER_INVALID) {
        char bearer[ZAUTH_JWT_MAX + 16];
        if (strlen(cred) > ZAUTH_JWT_MAX)
            return unauthorized(r, "Error decoding signature.");
        snprintf(bearer, sizeof(bearer), "Bearer %s", cred);
        rc = zauth_bearer_check(r->app->auth, bearer, &r->who);
    } else if (kind == 1) {
        /* the static token's answer (OK, or the database unavailable) */
    } else if (kind == 2) {
        rc = zauth_token_check(r->app->auth, cred, &r->who);
    } else {
        char ip[48];
        zc_client_ip(r->c, ip, sizeof(ip));
        rc = zauth_basic_check(r->app->auth, cred, ip, &r->who);
    }
    switch (rc) {
    case ZAUTH_BEARER_OK:
        break;
    case ZAUTH_BEARER_UNAVAIL:
        return zapi_bt_fail(r, 503, "Database unavailable, retry later.", NULL);
    case ZAUTH_BEARER_EXPIRED:
        return unauthorized(r, "Signature has expired.");
    case ZAUTH_BEARER_MISSING:
        return unauthorized(r, kind == 3 ? "Invalid basic header. Credentials not correctly "
                                           "base64 encoded."
                                         : "Authentication credentials were not provided.");
    default:
        return unauthorized(r, kind == 1   ? "Error decoding signature."
                               : kind == 2 ? "Invalid token."
                                           : "Invalid username/password.");
    }
    if (!zauth_role_allows(r->who.role, need))
        return zapi_bt_fail(r, 403, "You do not have permission to perform this action.", NULL);
    return 0;
}
