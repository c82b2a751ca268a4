/* SPDX-License-Identifier: Apache-2.0 */
/* Integration keys: parse `token key:secret` / `Basic`, check, create, revoke (auth_intkeys.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>
#include <mbedtls/base64.h>
#include <mbedtls/platform_util.h>

#include "auth_impl.h"

#define KIND_KEY "intkey"
#define KIND_IP  "intkey-ip"

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Split "key:secret" (n bytes at s, printable ASCII without spaces) at its first ':'. */
static int split_pair(const char *s, size_t n, char *key, size_t keysz, char *secret, size_t secsz)
{
    const char *colon = memchr(s, ':', n);
    if (!colon)
        return -1;
    size_t kl = (size_t)(colon - s), sl = n - kl - 1;
    if (kl == 0 || sl == 0 || kl >= keysz || sl >= secsz)
        return -1;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
            return -1;
    memcpy(key, s, kl);
    key[kl] = '\0';
    memcpy(secret, colon + 1, sl);
    secret[sl] = '\0';
    return 0;
}

int zauth_intkey_parse(const char *authorization, char *key, size_t keysz, char *secret,
                       size_t secsz)
{
    if (key && keysz)
        key[0] = '\0';
    if (secret && secsz)
        secret[0] = '\0';
    if (!authorization || !key || !secret || keysz < 2 || secsz < 2)
        return 1;
    const char *p = authorization;
    while (*p == ' ' || *p == '\t')
        p++;
    int basic;
    if (strncasecmp(p, "token", 5) == 0 && (p[5] == ' ' || p[5] == '\t' || p[5] == '\0'))
        basic = 0;
    else if (strncasecmp(p, "basic", 5) == 0 && (p[5] == ' ' || p[5] == '\t' || p[5] == '\0'))
        basic = 1;
    else
        return 1;
    p += 5;
    while (*p == ' ' || *p == '\t')
        p++;
    size_t n = strlen(p);
    while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
        n--;
    if (n == 0)
        return -1;
    if (!basic)
        return split_pair(p, n, key, keysz, secret, secsz);
    unsigned char dec[ZS_INTKEY_KEY_MAX + ZAUTH_INTKEY_SECRET_MAX + 8];
    size_t dl = 0;
    if (n > 4 * ((sizeof(dec) + 2) / 3) ||
        mbedtls_base64_decode(dec, sizeof(dec), &dl, (const unsigned char *)p, n) != 0)
        return -1;
    int rc = split_pair((const char *)dec, dl, key, keysz, secret, secsz);
    mbedtls_platform_zeroize(dec, sizeof(dec));
    return rc;
}

/* Hex SHA-256 of a secret. */
static void secret_hash(const char *secret, char out[65])
{
    uint8_t h[32];
    zc_sha256(secret, strlen(secret), NULL, 0, h);
    zc_hex(h, sizeof(h), out);
}

int zauth_intkey_check(zauth *a, const char *authorization, const char *ip, zauth_intkey_who *who,
                       int *retry_after)
{
    memset(who, 0, sizeof(*who));
    if (retry_after)
        *retry_after = 0;
    char key[ZS_INTKEY_KEY_MAX + 1], secret[ZAUTH_INTKEY_SECRET_MAX + 1];
    int pr = zauth_intkey_parse(authorization, key, sizeof(key), secret, sizeof(secret));
    if (pr != 0) {
        mbedtls_platform_zeroize(secret, sizeof(secret));
        return pr > 0 ? ZAUTH_IK_MISSING : ZAUTH_IK_MALFORMED;
    }
    if (!a || !a->store) {
        mbedtls_platform_zeroize(secret, sizeof(secret));
        return ZAUTH_IK_UNAVAIL;
    }
    int wait = zauth_login_blocked(a, KIND_IP, ip ? ip : "");
    int wk = zauth_login_blocked(a, KIND_KEY, key);
    if (wk > wait)
        wait = wk;
    if (wait > 0) {
        mbedtls_platform_zeroize(secret, sizeof(secret));
        if (retry_after)
            *retry_after = wait;
        return ZAUTH_IK_LIMITED;
    }
    zs_intkey k;
    int rc = zs_intkey_get_by_key(a->store, key, &k);
    if (rc != 0 && rc != ZKBIO_ENOENT) {
        mbedtls_platform_zeroize(secret, sizeof(secret));
        return ZAUTH_IK_UNAVAIL;
    }
    /* an unknown key is compared against a dummy hash: the same work either way */
    char given[65];
    secret_hash(secret, given);
    mbedtls_platform_zeroize(secret, sizeof(secret));
    const char *want = rc == 0 && strlen(k.secret_hash) == 64
                           ? k.secret_hash
                           : "0000000000000000000000000000000000000000000000000000000000000000";
    int same = zc_ct_equal((const uint8_t *)given, (const uint8_t *)want, 64);
    if (rc != 0 || !same) {
        zauth_login_failed(a, KIND_IP, ip ? ip : "");
        zauth_login_failed(a, KIND_KEY, key);
        return ZAUTH_IK_INVALID;
    }
    if (k.revoked_at != 0)
        return ZAUTH_IK_REVOKED;
    zauth_login_clear(a, KIND_KEY, key);
    int64_t now = wall_ms();
    if (now - k.last_used_at >= ZAUTH_INTKEY_TOUCH_MS)
        (void)zs_intkey_touch(a->store, k.id, now, ZAUTH_INTKEY_TOUCH_MS); /* best effort */
    who->id = k.id;
    snprintf(who->api_key, sizeof(who->api_key), "%s", k.api_key);
    snprintf(who->name, sizeof(who->name), "%s", k.name);
    return ZAUTH_IK_OK;
}

static void audit(zauth *a, const struct zauth_principal *who, const char *ip, const char *action,
                  const zs_intkey *k, const char *outcome)
{
    char target[48];
    snprintf(target, sizeof(target), "intkey:%lld", (long long)k->id);
    json_t *d = json_pack("{s:s,s:s}", "api_key", k->api_key, "name", k->name);
    char *txt = d ? json_dumps(d, JSON_COMPACT) : NULL;
    json_decref(d);
    int rc = zs_audit_begin(a->store, who ? who->name : "cli", who ? who->account_id : 0,
                            ip ? ip : "", action, target, 0, outcome, txt, NULL);
    free(txt);
    if (rc != 0)
        zlog_warn("audit %s: cannot write the row (%s)", action, zkbio_strerror(rc));
}

/* A name: 1..ZS_INTKEY_NAME_MAX bytes, no control characters. */
static int name_valid(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n > ZS_INTKEY_NAME_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
            return 0;
    return 1;
}

int zauth_intkey_create(zauth *a, const struct zauth_principal *who, const char *ip,
                        const char *name, zs_intkey *out, char *secret, size_t secsz)
{
    memset(out, 0, sizeof(*out));
    if (secret && secsz)
        secret[0] = '\0';
    if (!a || !a->store)
        return ZAUTH_OFF;
    if (!name_valid(name) || !secret || secsz < ZAUTH_INTKEY_SECRET_LEN + 1)
        return ZAUTH_INVALID;
    char key[ZAUTH_INTKEY_KEY_LEN + 1], hash[65];
    int64_t id = 0;
    int rc = ZKBIO_EEXIST;
    for (int attempt = 0; attempt < 3 && rc == ZKBIO_EEXIST; attempt++) {
        if (zc_random_alnum(key, ZAUTH_INTKEY_KEY_LEN) != 0 ||
            zc_random_alnum(secret, ZAUTH_INTKEY_SECRET_LEN) != 0) {
            mbedtls_platform_zeroize(secret, secsz);
            return ZAUTH_UNAVAILABLE;
        }
        secret_hash(secret, hash);
        rc = zs_intkey_create(a->store, key, hash, name, who ? who->name : "cli", &id);
    }
    if (rc != 0 || zs_intkey_get(a->store, id, out) != 0) {
        mbedtls_platform_zeroize(secret, secsz);
        return ZAUTH_UNAVAILABLE;
    }
    audit(a, who, ip, "intkey.create", out, "ok");
    return ZAUTH_OK;
}

int zauth_intkey_revoke(zauth *a, const struct zauth_principal *who, const char *ip, int64_t id,
                        zs_intkey *out, int *was_active)
{
    zs_intkey k;
    if (out)
        memset(out, 0, sizeof(*out));
    if (was_active)
        *was_active = 0;
    if (!a || !a->store)
        return ZAUTH_OFF;
    int active = 0;
    int rc = zs_intkey_revoke(a->store, id, wall_ms(), &active);
    if (rc == ZKBIO_ENOENT)
        return ZAUTH_NOT_FOUND;
    if (rc != 0 || zs_intkey_get(a->store, id, &k) != 0)
        return ZAUTH_UNAVAILABLE;
    if (active)
        audit(a, who, ip, "intkey.revoke", &k, "ok");
    if (out)
        *out = k;
    if (was_active)
        *was_active = active;
    return ZAUTH_OK;
}
