/* SPDX-License-Identifier: Apache-2.0 */
/* Accounts of /api/v1 (auth_accounts.h): sign-in, refresh-token rotation, logout, registration,
 * password changes and the bearer check. SQL is the store's (store_accounts.h). */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>
#include <mbedtls/platform_util.h>

#include "auth_impl.h"

/* A dummy hash (made at attach) that an unknown e-mail is checked against, so a login for an
 * unknown address costs what a wrong password costs (no account discovery by timing). */
static char dummy_hash[ZAUTH_HASH_MAX];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

/* Documented global state: dummy_hash is written once (pthread_once) and read-only after. */
static void make_dummy(void)
{
    static const char pw[] = "zkbiod-dummy-password-for-timing";
    if (zauth_password_hash(pw, sizeof(pw) - 1, dummy_hash, sizeof(dummy_hash)) != 0)
        dummy_hash[0] = '\0';
}

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int zauth_attach_store(zauth *a, zs_store *st, const char *data_dir, char *err, size_t errsz)
{
    if (!a || !st || !data_dir) {
        zc_errf(err, errsz, "accounts: no store or data directory");
        return -1;
    }
    if (zauth_jwt_key_load(data_dir, a->jwt_key, err, errsz) != 0)
        return -1;
    if (!a->login && !(a->login = calloc(ZAUTH_LOGIN_SLOTS, sizeof(*a->login)))) {
        zc_errf(err, errsz, "out of memory");
        return -1;
    }
    pthread_once(&dummy_once, make_dummy);
    a->store = st;
    /* Housekeeping: refresh tokens that expired a day ago are useless even as reuse evidence. */
    int64_t purged = 0;
    if (zs_refresh_purge(st, wall_ms() - 24 * 3600 * 1000LL, &purged) == 0 && purged > 0)
        zlog_info("accounts: %lld expired refresh tokens purged", (long long)purged);
    return 0;
}

/* ---- fields -------------------------------------------------------------------------------- */

int zauth_email_valid(const char *e)
{
    if (!e)
        return 0;
    size_t n = strlen(e);
    const char *at = strchr(e, '@');
    if (n == 0 || n > ZAUTH_EMAIL_MAX || !at || at == e || strchr(at + 1, '@'))
        return 0;
    for (const char *p = e; *p; p++)
        if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f)
            return 0;
    const char *dot = strrchr(at + 1, '.');
    return dot && dot > at + 1 && dot[1] != '\0';
}

int zauth_username_valid(const char *u)
{
    if (!u || !*u || strlen(u) > ZAUTH_USERNAME_MAX)
        return 0;
    for (const char *p = u; *p; p++)
        if ((unsigned char)*p < ' ' || *p == 0x7f)
            return 0;
    return 1;
}

void zauth_email_norm(const char *email, char *out, size_t outsz)
{
    size_t i = 0;
    for (; email && email[i] && i + 1 < outsz; i++)
        out[i] = (char)tolower((unsigned char)email[i]);
    if (outsz)
        out[i] = '\0';
}

/* ---- audit --------------------------------------------------------------------------------- */

/* A one-step audit row; failures to write it are logged (the action itself stands). */
static void audit(zauth *a, const char *actor, int64_t account_id, const char *ip,
                  const char *action, const char *target, const char *outcome, json_t *details)
{
    char *d = details ? json_dumps(details, JSON_COMPACT) : NULL;
    json_decref(details);
    int rc = zs_audit_begin(a->store, actor ? actor : "", account_id, ip, action, target, 0,
                            outcome, d, NULL);
    if (rc != 0)
        zlog_warn("audit %s: cannot write the row (%s)", action, zkbio_strerror(rc));
    free(d);
}

static const char *actor_of(const zauth_principal *who)
{
    return who ? who->name : "cli";
}

/* ---- tokens -------------------------------------------------------------------------------- */

int zauth_issue_access(zauth *a, const zs_account *acct, char *out, size_t outsz)
{
    zauth_claims c;
    memset(&c, 0, sizeof(c));
    c.sub = acct->id;
    c.role = zauth_role_parse(acct->role);
    c.ver = acct->token_version;
    c.iat = (int64_t)time(NULL);
    c.exp = c.iat + ZAUTH_ACCESS_TTL_S;
    uint8_t j[16];
    if (zc_random(j, sizeof(j)) != 0)
        return ZKBIO_EIO;
    zc_hex(j, sizeof(j), c.jti);
    return zauth_jwt_sign(a->jwt_key, sizeof(a->jwt_key), &c, out, outsz);
}

/* SHA-256 (hex) of a refresh token as stored. */
static void refresh_hash(const char *tok, char hex[65])
{
    uint8_t d[32];
    zc_sha256(tok, strlen(tok), NULL, 0, d);
    zc_hex(d, sizeof(d), hex);
}

/* A new refresh token (43 base64url characters) and its hash. 0 or -1. */
static int new_refresh(char tok[48], char hash[65])
{
    uint8_t r[32];
    if (zc_random(r, sizeof(r)) != 0 || zauth_b64url_encode(r, sizeof(r), tok, 48, NULL) != 0)
        return -1;
    mbedtls_platform_zeroize(r, sizeof(r));
    refresh_hash(tok, hash);
    return 0;
}

static int refresh_shape_ok(const char *t)
{
    if (!t || strlen(t) != 43)
        return 0;
    for (const char *p = t; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_')
            return 0;
    return 1;
}

/* A session for acct: an access token, and a refresh token of a new family. */
static int open_session(zauth *a, const zs_account *acct, zauth_session *out)
{
    char hash[65], fam[33];
    uint8_t f[16];
    if (zc_random(f, sizeof(f)) != 0 || new_refresh(out->refresh_token, hash) != 0)
        return ZAUTH_UNAVAILABLE;
    zc_hex(f, sizeof(f), fam);
    if (zs_refresh_add(a->store, acct->id, fam, hash, wall_ms() + ZAUTH_REFRESH_TTL_S * 1000LL) !=
            0 ||
        zauth_issue_access(a, acct, out->access_token, sizeof(out->access_token)) != 0)
        return ZAUTH_UNAVAILABLE;
    out->expires_in = ZAUTH_ACCESS_TTL_S;
    out->account = *acct;
    return ZAUTH_OK;
}

static void session_clear(zauth_session *s)
{
    mbedtls_platform_zeroize(s, sizeof(*s));
}

/* ---- sign-in ------------------------------------------------------------------------------- */

int zauth_password_login(zauth *a, const char *key, int by_username, const char *password,
                         size_t pwlen, const char *ip, zs_account *acct, int *rehashed,
                         int *retry_after)
{
    *retry_after = 0;
    *rehashed = 0;
    memset(acct, 0, sizeof(*acct));
    if (!a || !a->store)
        return ZAUTH_OFF;
    char em[ZAUTH_EMAIL_MAX + 2];
    if (by_username)
        snprintf(em, sizeof(em), "%s", key ? key : "");
    else
        zauth_email_norm(key ? key : "", em, sizeof(em));
    ip = ip ? ip : "";
    int w1 = zauth_login_blocked(a, "ip", ip), w2 = zauth_login_blocked(a, "acct", em);
    if (w1 || w2) {
        *retry_after = w1 > w2 ? w1 : w2;
        audit(a, em, 0, ip, "auth.login", em, "denied",
              json_pack("{s:s}", "reason",
                        w1 ? "too many failures from this address"
                           : "too many failures for this account"));
        return ZAUTH_LIMITED;
    }
    int rc = by_username ? zs_account_get_by_username(a->store, em, acct)
                         : zs_account_get_by_email(a->store, em, acct);
    if (rc != 0 && rc != ZKBIO_ENOENT && rc != ZKBIO_EINVAL)
        return ZAUTH_UNAVAILABLE;
    int found = rc == 0, rehash = 0;
    const char *stored = found ? acct->password_hash : dummy_hash;
    zauth_hash_enter(a);
    int vr = zauth_password_verify(password, pwlen, stored, &rehash);
    zauth_hash_leave(a);
    if (vr == ZKBIO_ENOMEM)
        return ZAUTH_UNAVAILABLE;
    if (!found || vr != 0) {
        zauth_login_failed(a, "ip", ip);
        zauth_login_failed(a, "acct", em);
        audit(a, em, found ? acct->id : 0, ip, "auth.login", em, "failed",
              json_pack("{s:s}", "reason", found ? "wrong password" : "unknown account"));
        return ZAUTH_BAD_CREDENTIALS;
    }
    if (acct->disabled) {
        audit(a, em, acct->id, ip, "auth.login", em, "denied",
              json_pack("{s:s}", "reason", "account disabled"));
        return ZAUTH_DISABLED;
    }
    zauth_login_clear(a, "acct", em);
    if (rehash) { /* an imported or older hash: store argon2id with today's parameters */
        char h[ZAUTH_HASH_MAX];
        zauth_hash_enter(a);
        int hr = zauth_password_hash(password, pwlen, h, sizeof(h));
        zauth_hash_leave(a);
        if (hr == 0 && zs_account_set_password(a->store, acct->id, h, 0) == 0)
            snprintf(acct->password_hash, sizeof(acct->password_hash), "%s", h);
        else
            zlog_warn("account %" PRId64 ": could not rehash its password", acct->id);
        *rehashed = 1;
    }
    zs_account_set_last_login(a->store, acct->id);
    return ZAUTH_OK;
}

void zauth_audit_login_ok(zauth *a, const zs_account *acct, const char *ip, const char *via,
                          int rehashed)
{
    json_t *d = NULL;
    if (via || rehashed) {
        d = json_object();
        if (via)
            json_object_set_new(d, "via", json_string(via));
        if (rehashed)
            json_object_set_new(d, "rehashed", json_true());
    }
    audit(a, acct->email, acct->id, ip ? ip : "", "auth.login", acct->email, "ok", d);
}

int zauth_login(zauth *a, const char *email, const char *password, size_t pwlen, const char *ip,
                zauth_session *out, int *retry_after)
{
    memset(out, 0, sizeof(*out));
    zs_account acct;
    int rehash = 0;
    int rc = zauth_password_login(a, email, 0, password, pwlen, ip, &acct, &rehash, retry_after);
    if (rc != ZAUTH_OK)
        return rc;
    rc = open_session(a, &acct, out);
    if (rc != ZAUTH_OK) {
        session_clear(out);
        return rc;
    }
    zauth_audit_login_ok(a, &acct, ip, NULL, rehash);
    return ZAUTH_OK;
}

int zauth_refresh(zauth *a, const char *refresh_token, const char *ip, zauth_session *out)
{
    memset(out, 0, sizeof(*out));
    if (!a || !a->store)
        return ZAUTH_OFF;
    if (!refresh_shape_ok(refresh_token))
        return ZAUTH_BAD_CREDENTIALS;
    char old[65], next[65];
    refresh_hash(refresh_token, old);
    if (new_refresh(out->refresh_token, next) != 0)
        return ZAUTH_UNAVAILABLE;
    zs_refresh_result res;
    int64_t acct_id = 0;
    int rc = zs_refresh_rotate(a->store, old, next, wall_ms() + ZAUTH_REFRESH_TTL_S * 1000LL, &res,
                               &acct_id);
    if (rc != 0 || res != ZS_REFRESH_OK) {
        session_clear(out);
        if (rc != 0)
            return ZAUTH_UNAVAILABLE;
        if (res == ZS_REFRESH_REUSED) {
            zs_account who;
            int known = zs_account_get(a->store, acct_id, &who) == 0;
            audit(a, known ? who.email : "", acct_id, ip, "auth.refresh_reuse",
                  known ? who.email : "", "denied",
                  json_pack("{s:s}", "reason",
                            "a rotated refresh token was presented again: "
                            "its family is revoked"));
            return ZAUTH_REUSED;
        }
        return res == ZS_REFRESH_EXPIRED ? ZAUTH_EXPIRED : ZAUTH_BAD_CREDENTIALS;
    }
    zs_account acct;
    rc = zs_account_get(a->store, acct_id, &acct);
    if (rc != 0) {
        session_clear(out);
        return rc == ZKBIO_ENOENT ? ZAUTH_BAD_CREDENTIALS : ZAUTH_UNAVAILABLE;
    }
    if (acct.disabled) {
        session_clear(out);
        zs_account_revoke_sessions(a->store, acct.id);
        return ZAUTH_DISABLED;
    }
    if (zauth_issue_access(a, &acct, out->access_token, sizeof(out->access_token)) != 0) {
        session_clear(out);
        return ZAUTH_UNAVAILABLE;
    }
    out->expires_in = ZAUTH_ACCESS_TTL_S;
    out->account = acct;
    return ZAUTH_OK;
}

int zauth_logout(zauth *a, const zauth_principal *who, const char *ip)
{
    if (!a || !who || who->account_id <= 0)
        return ZAUTH_OK; /* the admin token has no session to end */
    if (!a->store)
        return ZAUTH_OFF;
    int rc = zs_account_revoke_sessions(a->store, who->account_id);
    if (rc == ZKBIO_ENOENT)
        return ZAUTH_NOT_FOUND;
    if (rc != 0)
        return ZAUTH_UNAVAILABLE;
    audit(a, who->name, who->account_id, ip, "auth.logout", who->name, "ok", NULL);
    return ZAUTH_OK;
}

/* ---- account management -------------------------------------------------------------------- */

static int pw_len_ok(const char *pw, size_t len)
{
    return pw && len >= ZAUTH_PASSWORD_MIN && len <= ZAUTH_PASSWORD_MAX;
}

int zauth_register(zauth *a, const zauth_principal *who, const char *ip, const char *username,
                   const char *email, const char *password, size_t pwlen, const char *role,
                   zs_account *out, char *why, size_t whysz)
{
    if (out)
        memset(out, 0, sizeof(*out));
    zc_errf(why, whysz, "%s", "");
    if (!a || !a->store)
        return ZAUTH_OFF;
    if (!zauth_email_valid(email)) {
        zc_errf(why, whysz, "email: not an e-mail address");
        return ZAUTH_INVALID;
    }
    if (!zauth_username_valid(username)) {
        zc_errf(why, whysz, "username: 1 to %d characters, no control characters",
                ZAUTH_USERNAME_MAX);
        return ZAUTH_INVALID;
    }
    if (!pw_len_ok(password, pwlen)) {
        zc_errf(why, whysz, "password: %d to %d bytes", ZAUTH_PASSWORD_MIN, ZAUTH_PASSWORD_MAX);
        return ZAUTH_INVALID;
    }
    if (zauth_role_parse(role) == ZAUTH_ROLE_NONE) {
        zc_errf(why, whysz, "role: one of admin, operator, viewer");
        return ZAUTH_INVALID;
    }
    char em[ZAUTH_EMAIL_MAX + 1], h[ZAUTH_HASH_MAX];
    zauth_email_norm(email, em, sizeof(em));
    zauth_hash_enter(a);
    int rc = zauth_password_hash(password, pwlen, h, sizeof(h));
    zauth_hash_leave(a);
    if (rc != 0)
        return ZAUTH_UNAVAILABLE;
    int64_t id = 0;
    rc = zs_account_create(a->store, username, em, h, role, &id);
    mbedtls_platform_zeroize(h, sizeof(h));
    if (rc == ZKBIO_EEXIST) {
        zc_errf(why, whysz, "email: an account with this e-mail exists");
        audit(a, actor_of(who), who ? who->account_id : 0, ip, "auth.register", em, "failed",
              json_pack("{s:s}", "reason", "e-mail taken"));
        return ZAUTH_EXISTS;
    }
    if (rc != 0)
        return ZAUTH_UNAVAILABLE;
    audit(a, actor_of(who), who ? who->account_id : 0, ip, "auth.register", em, "ok",
          json_pack("{s:I,s:s}", "account_id", (json_int_t)id, "role", role));
    if (out && zs_account_get(a->store, id, out) != 0)
        return ZAUTH_UNAVAILABLE;
    return ZAUTH_OK;
}

int zauth_set_password(zauth *a, const zauth_principal *who, const char *ip, int64_t account_id,
                       const char *password, size_t pwlen)
{
    if (!a || !a->store)
        return ZAUTH_OFF;
    if (!pw_len_ok(password, pwlen))
        return ZAUTH_INVALID;
    zs_account acct;
    int rc = zs_account_get(a->store, account_id, &acct);
    if (rc != 0)
        return rc == ZKBIO_ENOENT ? ZAUTH_NOT_FOUND : ZAUTH_UNAVAILABLE;
    char h[ZAUTH_HASH_MAX];
    zauth_hash_enter(a);
    rc = zauth_password_hash(password, pwlen, h, sizeof(h));
    zauth_hash_leave(a);
    if (rc == 0)
        rc = zs_account_set_password(a->store, account_id, h, 1);
    mbedtls_platform_zeroize(h, sizeof(h));
    if (rc != 0)
        return rc == ZKBIO_ENOENT ? ZAUTH_NOT_FOUND : ZAUTH_UNAVAILABLE;
    audit(a, actor_of(who), who ? who->account_id : 0, ip, "account.password", acct.email, "ok",
          json_pack("{s:I,s:s}", "account_id", (json_int_t)account_id, "sessions", "revoked"));
    return ZAUTH_OK;
}

int zauth_set_disabled(zauth *a, const zauth_principal *who, const char *ip, int64_t account_id,
                       int disabled)
{
    if (!a || !a->store)
        return ZAUTH_OFF;
    zs_account acct;
    int rc = zs_account_get(a->store, account_id, &acct);
    if (rc == 0)
        rc = zs_account_set_disabled(a->store, account_id, disabled);
    if (rc != 0)
        return rc == ZKBIO_ENOENT ? ZAUTH_NOT_FOUND : ZAUTH_UNAVAILABLE;
    audit(a, actor_of(who), who ? who->account_id : 0, ip,
          disabled ? "account.disable" : "account.enable", acct.email, "ok",
          json_pack("{s:I}", "account_id", (json_int_t)account_id));
    return ZAUTH_OK;
}

int zauth_remove_account(zauth *a, const zauth_principal *who, const char *ip, int64_t account_id)
{
    if (!a || !a->store)
        return ZAUTH_OFF;
    zs_account acct;
    int rc = zs_account_get(a->store, account_id, &acct);
    if (rc == 0)
        rc = zs_account_remove(a->store, account_id);
    if (rc != 0)
        return rc == ZKBIO_ENOENT ? ZAUTH_NOT_FOUND : ZAUTH_UNAVAILABLE;
    audit(a, actor_of(who), who ? who->account_id : 0, ip, "account.remove", acct.email, "ok",
          json_pack("{s:I,s:s}", "account_id", (json_int_t)account_id, "role", acct.role));
    return ZAUTH_OK;
}

/* ---- the bearer check ---------------------------------------------------------------------- */

int zauth_bearer_check(zauth *a, const char *authorization, zauth_principal *who)
{
    memset(who, 0, sizeof(*who));
    const char *tok = NULL;
    if (authorization && strncasecmp(authorization, "Bearer ", 7) == 0) {
        tok = authorization + 7;
        while (*tok == ' ')
            tok++;
        if (!*tok)
            tok = NULL;
    }
    int admin = zauth_admin_enabled(a);
    if (tok && admin && zc_ct_streq(tok, a->admin_token)) {
        who->role = ZAUTH_ROLE_ADMIN;
        who->account_id = 0;
        snprintf(who->name, sizeof(who->name), "admin-token");
        return ZAUTH_BEARER_OK;
    }
    if (tok && a && a->store) {
        zauth_claims c;
        int v = zauth_jwt_verify(a->jwt_key, sizeof(a->jwt_key), tok, (int64_t)time(NULL), &c);
        if (v == ZAUTH_JWT_EXPIRED)
            return ZAUTH_BEARER_EXPIRED;
        if (v == ZAUTH_JWT_OK) {
            zs_account acct;
            int rc = zs_account_get(a->store, c.sub, &acct);
            if (rc != 0 && rc != ZKBIO_ENOENT)
                return ZAUTH_BEARER_UNAVAIL;
            if (rc == ZKBIO_ENOENT || acct.disabled || acct.token_version != c.ver)
                return ZAUTH_BEARER_INVALID;
            /* The account's role now, not the token's: a demotion applies at once. */
            who->role = zauth_role_parse(acct.role);
            who->account_id = acct.id;
            snprintf(who->name, sizeof(who->name), "%s", acct.email);
            return who->role == ZAUTH_ROLE_NONE ? ZAUTH_BEARER_INVALID : ZAUTH_BEARER_OK;
        }
    }
    if (!admin) { /* nobody could ever sign in: the API is off, as without accounts */
        int64_t n = 0;
        if (!a || !a->store)
            return ZAUTH_BEARER_DISABLED;
        if (zs_account_count(a->store, &n) != 0)
            return ZAUTH_BEARER_UNAVAIL;
        if (n == 0)
            return ZAUTH_BEARER_DISABLED;
    }
    return tok ? ZAUTH_BEARER_INVALID : ZAUTH_BEARER_MISSING;
}
