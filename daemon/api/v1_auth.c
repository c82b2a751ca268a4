/* SPDX-License-Identifier: Apache-2.0 */
/*
 * /api/v1/auth/... and /api/v1/audit: sign-in, token refresh, sign-out, registration, the
 * signed-in principal, and the audit log (docs/management-api.md, "Accounts, tokens and roles").
 * The rules are daemon/auth's (auth_accounts.h); this file reads the JSON bodies and writes the
 * envelope. Passwords and tokens are never logged or echoed.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"

#define AUTH_BODY_MAX (16 * 1024)

/* The request body as a JSON object; NULL after sending 400/413. */
static json_t *body_object(zreq *r, int *status, int optional)
{
    char *body = NULL;
    size_t len = 0;
    int rc = zc_read_body(r->c, AUTH_BODY_MAX, &body, &len);
    if (rc == ZKBIO_ETOOBIG) {
        *status =
            zapi_v1_failf(r, 413, "PAYLOAD_TOO_LARGE", "request body over %d bytes", AUTH_BODY_MAX);
        return NULL;
    }
    if (rc != 0) {
        free(body);
        *status = zapi_v1_fail(r, 400, "VALIDATION_ERROR", "could not read the request body", NULL);
        return NULL;
    }
    if (optional && len == 0) {
        free(body);
        return json_object();
    }
    json_error_t err;
    json_t *j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &err);
    free(body);
    if (!j || !json_is_object(j)) {
        json_decref(j);
        *status = zapi_v1_fail(r, 400, "BAD_JSON", "the body must be a JSON object", NULL);
        return NULL;
    }
    return j;
}

/* A string member: 1 present (*out set), 0 absent or null, -1 present but not a string. */
static int str_member(const json_t *o, const char *k, const char **out, size_t *len)
{
    const json_t *v = json_object_get(o, k);
    *out = NULL;
    if (len)
        *len = 0;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_string(v))
        return -1;
    *out = json_string_value(v);
    if (len)
        *len = json_string_length(v);
    return 1;
}

static int field_error(zreq *r, const char *field, const char *why)
{
    return zapi_v1_fail(r, 400, "VALIDATION_ERROR", why,
                        json_pack("{s:s,s:s}", "field", field, "reason", why));
}

static void ms_time(json_t *o, const char *key, int64_t ms)
{
    if (ms <= 0) {
        json_object_set_new(o, key, json_null());
        return;
    }
    char buf[32];
    zc_iso_time((time_t)(ms / 1000), buf, sizeof(buf));
    json_object_set_new(o, key, json_string(buf));
}

/* The public view of an account (never its hash or token_version). */
static json_t *account_json(const zs_account *a)
{
    json_t *o = json_pack("{s:I,s:s,s:s,s:s,s:b}", "id", (json_int_t)a->id, "username", a->username,
                          "email", a->email, "role", a->role, "disabled", a->disabled);
    if (!o)
        return NULL;
    ms_time(o, "created_at", a->created_at);
    ms_time(o, "last_login_at", a->last_login_at);
    return o;
}

static int session_reply(zreq *r, const zauth_session *s, const char *message)
{
    return zapi_ok(r, 200, message,
                   json_pack("{s:s,s:s,s:s,s:i,s:i,s:o}", "access_token", s->access_token,
                             "refresh_token", s->refresh_token, "token_type", "Bearer",
                             "expires_in", s->expires_in, "refresh_expires_in", ZAUTH_REFRESH_TTL_S,
                             "user", account_json(&s->account)));
}

/* The answer for a zauth_result that is not ZAUTH_OK. */
static int result_fail(zreq *r, int res, const char *why)
{
    switch (res) {
    case ZAUTH_BAD_CREDENTIALS:
        return zapi_v1_fail(r, 401, "INVALID_CREDENTIALS", why ? why : "invalid credentials", NULL);
    case ZAUTH_DISABLED:
        return zapi_v1_fail(r, 403, "FORBIDDEN", "this account is disabled",
                            json_pack("{s:s}", "reason", "account disabled"));
    case ZAUTH_EXISTS:
    case ZAUTH_INVALID: {
        const char *colon = why ? strchr(why, ':') : NULL;
        char field[32] = "body";
        if (colon && (size_t)(colon - why) < sizeof(field))
            snprintf(field, sizeof(field), "%.*s", (int)(colon - why), why);
        return field_error(r, field, why ? why : "invalid value");
    }
    case ZAUTH_NOT_FOUND:
        return zapi_v1_fail(r, 404, "NOT_FOUND", "no such account", NULL);
    case ZAUTH_REUSED:
        r->www_authenticate = 1;
        return zapi_v1_fail(r, 401, "TOKEN_INVALID",
                            "this refresh token was already used: every session of its sign-in "
                            "is revoked, sign in again",
                            NULL);
    case ZAUTH_EXPIRED:
        r->www_authenticate = 1;
        return zapi_v1_fail(r, 401, "TOKEN_EXPIRED", "the refresh token has expired", NULL);
    case ZAUTH_OFF:
        return zapi_v1_fail(r, 403, "API_DISABLED", "accounts are not enabled on this server",
                            NULL);
    default:
        return zapi_v1_fail(r, 503, "SERVICE_UNAVAILABLE", "database unavailable, retry later",
                            NULL);
    }
}

int zapi_auth_login(zreq *r)
{
    int st = 0;
    json_t *j = body_object(r, &st, 0);
    if (!j)
        return st;
    const char *email, *pw;
    size_t pwlen = 0;
    int e = str_member(j, "email", &email, NULL), p = str_member(j, "password", &pw, &pwlen);
    if (e != 1 || !zauth_email_valid(email))
        st = field_error(r, "email", "email: an e-mail address is required");
    else if (p != 1 || pwlen < ZAUTH_PASSWORD_MIN || pwlen > ZAUTH_PASSWORD_MAX)
        st = field_error(r, "password", "password: a string of 8 to 1024 bytes is required");
    if (st) {
        json_decref(j);
        return st;
    }
    char ip[48];
    zc_client_ip(r->c, ip, sizeof(ip));
    zauth_session *s = calloc(1, sizeof(*s));
    if (!s) {
        json_decref(j);
        return zapi_v1_fail(r, 503, "SERVICE_UNAVAILABLE", "out of memory", NULL);
    }
    int retry = 0;
    int res = zauth_login(r->app->auth, email, pw, pwlen, ip, s, &retry);
    json_decref(j);
    if (res == ZAUTH_LIMITED) {
        r->retry_after = retry;
        st = zapi_v1_fail(r, 429, "RATE_LIMITED", "too many failed logins: try again later",
                          json_pack("{s:i,s:i,s:i}", "retry_after", retry, "limit",
                                    ZAUTH_LOGIN_FAILS, "window", ZAUTH_LOGIN_WINDOW_S));
    } else if (res != ZAUTH_OK) {
        st = result_fail(r, res, "invalid e-mail or password");
    } else {
        st = session_reply(r, s, "signed in");
    }
    memset(s, 0, sizeof(*s));
    free(s);
    return st;
}

int zapi_auth_refresh(zreq *r)
{
    int st = 0;
    json_t *j = body_object(r, &st, 0);
    if (!j)
        return st;
    const char *tok;
    size_t len = 0;
    if (str_member(j, "refresh_token", &tok, &len) != 1 || len == 0 || len > 256) {
        json_decref(j);
        return field_error(r, "refresh_token", "refresh_token: a string is required");
    }
    char ip[48];
    zc_client_ip(r->c, ip, sizeof(ip));
    zauth_session *s = calloc(1, sizeof(*s));
    if (!s) {
        json_decref(j);
        return zapi_v1_fail(r, 503, "SERVICE_UNAVAILABLE", "out of memory", NULL);
    }
    int res = zauth_refresh(r->app->auth, tok, ip, s);
    json_decref(j);
    st = res == ZAUTH_OK ? session_reply(r, s, "token refreshed")
                         : result_fail(r, res, "unknown or revoked refresh token");
    memset(s, 0, sizeof(*s));
    free(s);
    return st;
}

int zapi_auth_logout(zreq *r)
{
    int st = 0;
    json_t *j = body_object(r, &st, 1); /* {refresh_token} is optional: every token ends anyway */
    if (!j)
        return st;
    const char *tok;
    int has = str_member(j, "refresh_token", &tok, NULL);
    json_decref(j);
    if (has < 0)
        return field_error(r, "refresh_token", "refresh_token: a string when given");
    char ip[48];
    zc_client_ip(r->c, ip, sizeof(ip));
    int res = zauth_logout(r->app->auth, &r->who, ip);
    if (res != ZAUTH_OK)
        return result_fail(r, res, NULL);
    return zapi_ok(r, 200,
                   r->who.account_id ? "signed out: every token of the account is revoked"
                                     : "the admin token has no session to end",
                   NULL);
}

int zapi_auth_register(zreq *r)
{
    int st = 0;
    json_t *j = body_object(r, &st, 0);
    if (!j)
        return st;
    const char *user, *email, *pw, *role;
    size_t pwlen = 0;
    int u = str_member(j, "username", &user, NULL), e = str_member(j, "email", &email, NULL),
        p = str_member(j, "password", &pw, &pwlen), ro = str_member(j, "role", &role, NULL);
    if (u != 1)
        st = field_error(r, "username", "username: a string is required");
    else if (e != 1)
        st = field_error(r, "email", "email: a string is required");
    else if (p != 1)
        st = field_error(r, "password", "password: a string is required");
    else if (ro != 1)
        st = field_error(r, "role", "role: one of admin, operator, viewer");
    if (st) {
        json_decref(j);
        return st;
    }
    char ip[48], why[160];
    zc_client_ip(r->c, ip, sizeof(ip));
    zs_account acct;
    int res = zauth_register(r->app->auth, &r->who, ip, user, email, pw, pwlen, role, &acct, why,
                             sizeof(why));
    json_decref(j);
    if (res != ZAUTH_OK)
        return result_fail(r, res, why[0] ? why : NULL);
    return zapi_ok(r, 201, "account created", account_json(&acct));
}

int zapi_auth_me(zreq *r)
{
    if (r->who.account_id == 0) /* the admin token: a service principal */
        return zapi_ok(r, 200, "OK",
                       json_pack("{s:i,s:s,s:s,s:s,s:b,s:n,s:n}", "id", 0, "username", r->who.name,
                                 "email", "", "role", "admin", "disabled", 0, "created_at",
                                 "last_login_at"));
    zs_account acct;
    int rc = zs_account_get(r->app->store, r->who.account_id, &acct);
    if (rc == ZKBIO_ENOENT)
        return zapi_v1_fail(r, 404, "NOT_FOUND", "no such account", NULL);
    if (rc != 0)
        return zapi_v1_fail(r, 503, "SERVICE_UNAVAILABLE", "database unavailable, retry later",
                            NULL);
    return zapi_ok(r, 200, "OK", account_json(&acct));
}

/* ---- the audit log ------------------------------------------------------------------------- */

/* A time filter: milliseconds since the epoch (digits), or UTC "YYYY-MM-DD" (its first or, for
 * `to`, last millisecond) or "YYYY-MM-DDTHH:MM[:SS][Z]". 1 with *ms, 0 when malformed. */
static int parse_time(const char *s, int end, int64_t *ms)
{
    size_t l = strlen(s);
    if (l > 0 && l <= 15 && strspn(s, "0123456789") == l) {
        *ms = strtoll(s, NULL, 10);
        return 1;
    }
    int y, mo, d, h = 0, mi = 0, se = 0, n = 0;
    if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10)
        return 0;
    int has_time = 0;
    if (s[10] == 'T' || s[10] == ' ') {
        int k = 0;
        if (sscanf(s + 11, "%2d:%2d%n", &h, &mi, &k) != 2 || k != 5)
            return 0;
        n = 16;
        if (s[n] == ':') {
            if (sscanf(s + n + 1, "%2d%n", &se, &k) != 1 || k != 2)
                return 0;
            n += 3;
        }
        if (s[n] == 'Z')
            n++;
        has_time = 1;
    }
    if (s[n] != '\0' || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60 ||
        y < 1970)
        return 0;
    int64_t secs = zc_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
    *ms = secs * 1000 + (end ? (has_time ? 999 : 86400 * 1000 - 1) : 0);
    return 1;
}

static json_t *audit_json(const zs_audit *a)
{
    json_t *o =
        json_pack("{s:I,s:I,s:s,s:I,s:s,s:s,s:s,s:s}", "id", (json_int_t)a->id, "at_ms",
                  (json_int_t)a->at, "actor", a->actor, "account_id", (json_int_t)a->account_id,
                  "ip", a->ip, "action", a->action, "target", a->target, "outcome", a->outcome);
    if (!o)
        return NULL;
    ms_time(o, "at", a->at);
    ms_time(o, "finished_at", a->finished_at);
    json_object_set_new(o, "device_id",
                        a->device_id > 0 ? json_integer(a->device_id) : json_null());
    json_t *d = a->details ? json_loads(a->details, 0, NULL) : NULL;
    json_object_set_new(o, "details", d ? d : json_null());
    return o;
}

int zapi_audit_list(zreq *r)
{
    zapi_paging pg;
    int st = zapi_page_params(r, &pg);
    if (st)
        return st;
    int64_t before = 0;
    if ((st = zapi_page_after_id(r, &pg, &before)) != 0)
        return st;
    char bb[24]; /* `before` (an id) is accepted too, as the cursor's other name */
    int rc = zapi_query(r, "before", bb, sizeof(bb));
    if (rc < 0)
        return 400;
    if (rc > 0) {
        size_t l = strlen(bb);
        if (l > 18 || strspn(bb, "0123456789") != l)
            return zapi_bad_param(r, "before", "before must be an audit id");
        before = strtoll(bb, NULL, 10);
    }
    zs_audit_filter f;
    memset(&f, 0, sizeof(f));
    f.limit = pg.limit;
    f.before = before;
    char action[64], actor[260], dev[48], from[40], to[40];
    if ((rc = zapi_query(r, "action", action, sizeof(action))) < 0)
        return 400;
    if (rc > 0) {
        if (strlen(action) > 47)
            return zapi_bad_param(r, "action", "action: at most 47 characters");
        f.action = action;
    }
    if ((rc = zapi_query(r, "actor", actor, sizeof(actor))) < 0)
        return 400;
    if (rc > 0)
        f.actor = actor;
    if ((rc = zapi_query(r, "device", dev, sizeof(dev))) < 0 ||
        (rc == 0 && (rc = zapi_query(r, "device_id", dev, sizeof(dev))) < 0))
        return 400;
    if (rc > 0) {
        zs_device d;
        size_t l = strlen(dev);
        if (l <= 18 && strspn(dev, "0123456789") == l) {
            f.device_id = strtoll(dev, NULL, 10);
        } else if ((rc = zs_find_device(r->app->store, dev, &d)) == 0) {
            f.device_id = d.id;
            zs_device_clear(&d);
        } else {
            return rc == ZKBIO_ENOENT ? zapi_v1_fail(r, 404, "NOT_FOUND", "no such device",
                                                     json_pack("{s:s}", "device", dev))
                                      : zapi_v1_fail(r, 503, "SERVICE_UNAVAILABLE",
                                                     "database unavailable, retry later", NULL);
        }
        if (f.device_id <= 0)
            return zapi_bad_param(r, "device", "device: an id or a serial number");
    }
    if ((rc = zapi_query(r, "from", from, sizeof(from))) < 0)
        return 400;
    if (rc > 0 && !parse_time(from, 0, &f.from_ms))
        return zapi_bad_param(r, "from", "from: YYYY-MM-DD[THH:MM[:SS]] (UTC) or epoch ms");
    if ((rc = zapi_query(r, "to", to, sizeof(to))) < 0)
        return 400;
    if (rc > 0 && !parse_time(to, 1, &f.to_ms))
        return zapi_bad_param(r, "to", "to: YYYY-MM-DD[THH:MM[:SS]] (UTC) or epoch ms");
    zs_audit_page p;
    rc = zs_audit_list(r->app->store, &f, &p);
    if (rc != 0)
        return zapi_v1_fail(r, 503, "SERVICE_UNAVAILABLE", "database unavailable, retry later",
                            NULL);
    json_t *items = json_array();
    for (size_t i = 0; items && i < p.n; i++)
        json_array_append_new(items, audit_json(&p.rows[i]));
    st = zapi_page_id(r, &pg, items, p.has_next, p.next, -1);
    zs_audit_page_free(&p);
    return st;
}
