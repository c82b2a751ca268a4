/* SPDX-License-Identifier: Apache-2.0 */
/* The credentials of the BioTime-compatible API (auth_accounts.h, "the BioTime-compatible API"):
 * sign-in for a JWT or a static DRF-style token, the JWT refresh, and the Token and Basic checks.
 * Tokens and passwords are never logged. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mbedtls/base64.h>
#include <mbedtls/platform_util.h>

#include "auth_impl.h"

/* One remembered Basic success: a keyed hash of "name\0password", the account and its
 * token_version then; free when expires_ms is 0 or past. */
struct zauth_basic_entry {
    uint8_t key[32];
    int64_t account_id;
    int64_t token_version;
    uint64_t expires_ms; /* zc_now_ms() clock */
};

/* SHA-256 (hex) of a static token as stored. */
static void token_hash(const char *tok, char hex[65])
{
    uint8_t d[32];
    zc_sha256(tok, strlen(tok), NULL, 0, d);
    zc_hex(d, sizeof(d), hex);
}

static int by_username(const char *name)
{
    return !strchr(name, '@');
}

int zauth_bt_login(zauth *a, const char *name, const char *password, size_t pwlen, const char *ip,
                   zauth_bt_kind kind, char *token, size_t tokensz, int *retry_after)
{
    if (tokensz)
        token[0] = '\0';
    *retry_after = 0;
    if (!a || !a->store)
        return ZAUTH_OFF;
    if (!name || !password)
        return ZAUTH_BAD_CREDENTIALS;
    zs_account acct;
    int rehashed = 0;
    int rc = zauth_password_login(a, name, by_username(name), password, pwlen, ip, &acct, &rehashed,
                                  retry_after);
    if (rc != ZAUTH_OK)
        return rc;
    if (kind == ZAUTH_BT_STATIC) {
        uint8_t raw[ZAUTH_BT_TOKEN_LEN / 2];
        char hash[65];
        if (tokensz <= ZAUTH_BT_TOKEN_LEN || zc_random(raw, sizeof(raw)) != 0)
            return ZAUTH_UNAVAILABLE;
        zc_hex(raw, sizeof(raw), token);
        mbedtls_platform_zeroize(raw, sizeof(raw));
        token_hash(token, hash);
        if (zs_api_token_add(a->store, acct.id, hash, acct.token_version, ZAUTH_BT_TOKENS_KEEP) !=
            0) {
            mbedtls_platform_zeroize(token, tokensz);
            return ZAUTH_UNAVAILABLE;
        }
    } else if (zauth_issue_access(a, &acct, token, tokensz) != 0) {
        mbedtls_platform_zeroize(token, tokensz);
        return ZAUTH_UNAVAILABLE;
    }
    zauth_audit_login_ok(
        a, &acct, ip, kind == ZAUTH_BT_STATIC ? "api-token-auth" : "jwt-api-token-auth", rehashed);
    return ZAUTH_OK;
}

int zauth_bt_refresh(zauth *a, const char *token, char *out, size_t outsz)
{
    if (outsz)
        out[0] = '\0';
    if (!a || !a->store)
        return ZAUTH_OFF;
    if (!token)
        return ZAUTH_BAD_CREDENTIALS;
    zauth_claims c;
    int v = zauth_jwt_verify(a->jwt_key, sizeof(a->jwt_key), token, (int64_t)time(NULL), &c);
    if (v == ZAUTH_JWT_EXPIRED)
        return ZAUTH_EXPIRED;
    if (v != ZAUTH_JWT_OK)
        return ZAUTH_BAD_CREDENTIALS;
    zs_account acct;
    int rc = zs_account_get(a->store, c.sub, &acct);
    if (rc != 0)
        return rc == ZKBIO_ENOENT ? ZAUTH_BAD_CREDENTIALS : ZAUTH_UNAVAILABLE;
    if (acct.disabled || acct.token_version != c.ver)
        return ZAUTH_BAD_CREDENTIALS;
    return zauth_issue_access(a, &acct, out, outsz) == 0 ? ZAUTH_OK : ZAUTH_UNAVAILABLE;
}

/* The principal of an account whose token_version must be `ver` (-1: any). */
static int principal_of(zauth *a, int64_t id, int64_t ver, zauth_principal *who)
{
    zs_account acct;
    int rc = zs_account_get(a->store, id, &acct);
    if (rc != 0 && rc != ZKBIO_ENOENT)
        return ZAUTH_BEARER_UNAVAIL;
    if (rc == ZKBIO_ENOENT || acct.disabled || (ver >= 0 && acct.token_version != ver))
        return ZAUTH_BEARER_INVALID;
    who->role = zauth_role_parse(acct.role);
    who->account_id = acct.id;
    snprintf(who->name, sizeof(who->name), "%s", acct.email);
    return who->role == ZAUTH_ROLE_NONE ? ZAUTH_BEARER_INVALID : ZAUTH_BEARER_OK;
}

int zauth_token_check(zauth *a, const char *token, zauth_principal *who)
{
    memset(who, 0, sizeof(*who));
    if (!a || !a->store || !token)
        return ZAUTH_BEARER_INVALID;
    size_t n = strlen(token);
    if (n != ZAUTH_BT_TOKEN_LEN) /* DRF's key length; nothing else is looked up */
        return ZAUTH_BEARER_INVALID;
    char hash[65];
    token_hash(token, hash);
    int64_t id = 0, ver = 0;
    int rc = zs_api_token_find(a->store, hash, &id, &ver);
    if (rc == ZKBIO_ENOENT)
        return ZAUTH_BEARER_INVALID;
    if (rc != 0)
        return ZAUTH_BEARER_UNAVAIL;
    int r = principal_of(a, id, ver, who);
    if (r != ZAUTH_BEARER_OK)
        memset(who, 0, sizeof(*who));
    return r;
}

/* ---- Basic ---------------------------------------------------------------------------------- */

/* The cache slot holding key (or -1); call under basic_lock. */
static int basic_find(const zauth *a, const uint8_t key[32], uint64_t now)
{
    for (int i = 0; i < ZAUTH_BASIC_SLOTS; i++) {
        const struct zauth_basic_entry *e = &a->basic[i];
        if (e->expires_ms > now && zc_ct_equal(e->key, key, 32))
            return i;
    }
    return -1;
}

static void basic_remember(zauth *a, const uint8_t key[32], int64_t id, int64_t ver)
{
    uint64_t now = zc_now_ms();
    pthread_mutex_lock(&a->basic_lock);
    if (!a->basic)
        a->basic = calloc(ZAUTH_BASIC_SLOTS, sizeof(*a->basic));
    if (a->basic) {
        int pick = 0; /* a free or expired slot, else the one expiring first */
        for (int i = 0; i < ZAUTH_BASIC_SLOTS; i++) {
            if (a->basic[i].expires_ms <= now) {
                pick = i;
                break;
            }
            if (a->basic[i].expires_ms < a->basic[pick].expires_ms)
                pick = i;
        }
        struct zauth_basic_entry *e = &a->basic[pick];
        memcpy(e->key, key, 32);
        e->account_id = id;
        e->token_version = ver;
        e->expires_ms = now + ZAUTH_BASIC_TTL_S * 1000ULL;
    }
    pthread_mutex_unlock(&a->basic_lock);
}

static void basic_forget(zauth *a, const uint8_t key[32])
{
    pthread_mutex_lock(&a->basic_lock);
    if (a->basic) {
        int i = basic_find(a, key, zc_now_ms());
        if (i >= 0)
            memset(&a->basic[i], 0, sizeof(a->basic[i]));
    }
    pthread_mutex_unlock(&a->basic_lock);
}

int zauth_basic_check(zauth *a, const char *b64, const char *ip, zauth_principal *who)
{
    memset(who, 0, sizeof(*who));
    if (!a || !a->store)
        return ZAUTH_BEARER_INVALID;
    /* "name:password" is at most an e-mail, a colon and a password */
    unsigned char dec[ZAUTH_EMAIL_MAX + ZAUTH_PASSWORD_MAX + 8];
    size_t n = 0, bl = b64 ? strlen(b64) : 0;
    while (bl > 0 && b64[bl - 1] == ' ')
        bl--;
    if (bl == 0 || bl > 4 * (sizeof(dec) / 3) ||
        mbedtls_base64_decode(dec, sizeof(dec) - 1, &n, (const unsigned char *)b64, bl) != 0)
        return ZAUTH_BEARER_MISSING;
    dec[n] = '\0';
    char *colon = memchr(dec, ':', n);
    if (!colon || colon == (char *)dec || memchr(dec, '\0', n)) {
        mbedtls_platform_zeroize(dec, sizeof(dec));
        return ZAUTH_BEARER_MISSING;
    }
    *colon = '\0';
    const char *name = (const char *)dec, *pw = colon + 1;
    size_t pwlen = n - (size_t)(colon + 1 - (char *)dec);
    /* the cache key: HMAC-SHA-256 under the JWT key of name || NUL || password */
    uint8_t key[32];
    int rc = zauth_hs256(a->jwt_key, sizeof(a->jwt_key), dec, n, key);
    if (rc != 0) {
        mbedtls_platform_zeroize(dec, sizeof(dec));
        return ZAUTH_BEARER_UNAVAIL;
    }
    int64_t id = 0, ver = -1;
    pthread_mutex_lock(&a->basic_lock);
    if (a->basic) {
        int i = basic_find(a, key, zc_now_ms());
        if (i >= 0) {
            id = a->basic[i].account_id;
            ver = a->basic[i].token_version;
        }
    }
    pthread_mutex_unlock(&a->basic_lock);
    if (id > 0) {
        mbedtls_platform_zeroize(dec, sizeof(dec));
        int r = principal_of(a, id, ver, who);
        if (r == ZAUTH_BEARER_INVALID)
            basic_forget(a, key); /* the password changed, or the account went: check again */
        if (r != ZAUTH_BEARER_INVALID)
            return r;
        memset(who, 0, sizeof(*who));
    }
    zs_account acct;
    int rehashed = 0, retry = 0;
    rc = zauth_password_login(a, name, by_username(name), pw, pwlen, ip, &acct, &rehashed, &retry);
    mbedtls_platform_zeroize(dec, sizeof(dec));
    if (rc == ZAUTH_UNAVAILABLE)
        return ZAUTH_BEARER_UNAVAIL;
    if (rc != ZAUTH_OK)
        return ZAUTH_BEARER_INVALID;
    zauth_audit_login_ok(a, &acct, ip, "basic", rehashed);
    basic_remember(a, key, acct.id, acct.token_version);
    mbedtls_platform_zeroize(acct.password_hash, sizeof(acct.password_hash));
    return principal_of(a, acct.id, acct.token_version, who);
}
