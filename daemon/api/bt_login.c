/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The token routes of the BioTime-compatible API (docs/biotime-api.md "Authentication"; shared
 * reference integrations.md §1.2): POST /jwt-api-token-auth/, /api-token-auth/ and
 * /jwt-api-token-refresh/, JSON or form bodies. The rules (limits, hashing, audit) are
 * daemon/auth's; passwords and tokens are never logged or echoed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/platform_util.h>

#include "api.h"

/* A required string field of the body: 1 with *out, else the status of the DRF 400 sent. */
static int need_string(zreq *r, const json_t *j, const char *k, const char **out, size_t *len)
{
    const json_t *v = json_object_get(j, k);
    if (!v || json_is_null(v))
        return zapi_bt_field_error(r, k, "This field is required.");
    if (!json_is_string(v))
        return zapi_bt_field_error(r, k, "Not a valid string.");
    if (json_string_length(v) == 0)
        return zapi_bt_field_error(r, k, "This field may not be blank.");
    *out = json_string_value(v);
    if (len)
        *len = json_string_length(v);
    return 1;
}

static int login(zreq *r, zauth_bt_kind kind)
{
    json_t *j = NULL;
    int st = zapi_bt_body(r, &j);
    if (st)
        return st;
    const char *name = NULL, *pw = NULL;
    size_t pwlen = 0;
    /* DRF reports every missing field at once */
    json_t *errs = json_object();
    const json_t *u = json_object_get(j, "username"), *p = json_object_get(j, "password");
    if (!u || json_is_null(u) || (json_is_string(u) && json_string_length(u) == 0))
        json_object_set_new(errs, "username",
                            json_pack("[s]", u && !json_is_null(u) ? "This field may not be blank."
                                                                   : "This field is required."));
    else if (!json_is_string(u))
        json_object_set_new(errs, "username", json_pack("[s]", "Not a valid string."));
    if (!p || json_is_null(p) || (json_is_string(p) && json_string_length(p) == 0))
        json_object_set_new(errs, "password",
                            json_pack("[s]", p && !json_is_null(p) ? "This field may not be blank."
                                                                   : "This field is required."));
    else if (!json_is_string(p))
        json_object_set_new(errs, "password", json_pack("[s]", "Not a valid string."));
    if (json_object_size(errs) > 0) {
        json_decref(j);
        return zapi_reply(r, 400, errs);
    }
    json_decref(errs);
    name = json_string_value(u);
    pw = json_string_value(p);
    pwlen = json_string_length(p);
    char ip[48];
    zc_client_ip(r->c, ip, sizeof(ip));
    char token[1024];
    int retry = 0;
    int res = ZAUTH_BAD_CREDENTIALS;
    if (strlen(name) <= ZAUTH_EMAIL_MAX && pwlen <= ZAUTH_PASSWORD_MAX)
        res = zauth_bt_login(r->app->auth, name, pw, pwlen, ip, kind, token, sizeof(token), &retry);
    json_decref(j);
    switch (res) {
    case ZAUTH_OK:
        st = zapi_reply(r, 200, json_pack("{s:s}", "token", token));
        break;
    case ZAUTH_BAD_CREDENTIALS:
    case ZAUTH_DISABLED:
        st = zapi_bt_fail(r, 400, NULL,
                          json_pack("{s:[s]}", "non_field_errors",
                                    "Unable to log in with provided credentials."));
        break;
    case ZAUTH_LIMITED: {
        char m[96];
        snprintf(m, sizeof(m), "Request was throttled. Expected available in %d second%s.", retry,
                 retry == 1 ? "" : "s"); /* DRF's ngettext */
        r->retry_after = retry;
        st = zapi_bt_fail(r, 429, m, NULL);
        break;
    }
    default:
        st = zapi_bt_fail(r, 503, "Accounts are unavailable, retry later.", NULL);
    }
    mbedtls_platform_zeroize(token, sizeof(token));
    return st;
}

int zapi_bt_jwt_auth(zreq *r)
{
    return login(r, ZAUTH_BT_JWT);
}

int zapi_bt_token_auth(zreq *r)
{
    return login(r, ZAUTH_BT_STATIC);
}

int zapi_bt_jwt_refresh(zreq *r)
{
    json_t *j = NULL;
    int st = zapi_bt_body(r, &j);
    if (st)
        return st;
    const char *tok = NULL;
    size_t len = 0;
    st = need_string(r, j, "token", &tok, &len);
    if (st != 1) {
        json_decref(j);
        return st;
    }
    char out[1024];
    int res = len <= ZAUTH_JWT_MAX ? zauth_bt_refresh(r->app->auth, tok, out, sizeof(out))
                                   : ZAUTH_BAD_CREDENTIALS;
    json_decref(j);
    if (res == ZAUTH_OK)
        st = zapi_reply(r, 200, json_pack("{s:s}", "token", out));
    else if (res == ZAUTH_EXPIRED)
        st = zapi_bt_fail(r, 400, NULL,
                          json_pack("{s:[s]}", "non_field_errors", "Signature has expired."));
    else if (res == ZAUTH_BAD_CREDENTIALS)
        st = zapi_bt_fail(r, 400, NULL,
                          json_pack("{s:[s]}", "non_field_errors", "Error decoding signature."));
    else
        st = zapi_bt_fail(r, 503, "Accounts are unavailable, retry later.", NULL);
    mbedtls_platform_zeroize(out, sizeof(out));
    return st;
}
