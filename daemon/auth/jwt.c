/* SPDX-License-Identifier: Apache-2.0 */
/* HS256 access tokens (auth_jwt.h): base64url over mbedTLS's base64, HMAC with mbedtls_md_hmac,
 * claims with jansson. */
#include "auth.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <mbedtls/base64.h>
#include <mbedtls/constant_time.h>
#include <mbedtls/md.h>
#include <mbedtls/platform_util.h>

#include "core.h"

/* ---- base64url ----------------------------------------------------------------------------- */

int zauth_b64url_encode(const void *in, size_t n, char *out, size_t outsz, size_t *olen)
{
    size_t w = 0;
    if (olen)
        *olen = 0;
    /* mbedTLS writes the padded form plus a NUL: 4 * ceil(n / 3) + 1 bytes. */
    if (n > (SIZE_MAX - 4) / 4 * 3 || outsz < (n + 2) / 3 * 4 + 1)
        return ZKBIO_ENOSPC;
    if (mbedtls_base64_encode((unsigned char *)out, outsz, &w, in, n) != 0)
        return ZKBIO_ENOSPC;
    while (w > 0 && out[w - 1] == '=')
        w--;
    for (size_t i = 0; i < w; i++) {
        if (out[i] == '+')
            out[i] = '-';
        else if (out[i] == '/')
            out[i] = '_';
    }
    out[w] = '\0';
    if (olen)
        *olen = w;
    return 0;
}

static int b64url_char(int c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
}

int zauth_b64url_decode(const char *in, size_t n, void *out, size_t outsz, size_t *olen)
{
    *olen = 0;
    if (n % 4 == 1 || n > ZAUTH_JWT_MAX)
        return ZKBIO_EPROTO;
    /* The standard alphabet with its padding back, for mbedTLS (which would also skip white space
     * and accept '+' and '/': both are refused here first). */
    char buf[ZAUTH_JWT_MAX + 4];
    for (size_t i = 0; i < n; i++) {
        if (!b64url_char((unsigned char)in[i]))
            return ZKBIO_EPROTO;
        buf[i] = in[i] == '-' ? '+' : in[i] == '_' ? '/' : in[i];
    }
    size_t m = n;
    while (m % 4)
        buf[m++] = '=';
    size_t w = 0;
    int rc = mbedtls_base64_decode(out, outsz, &w, (const unsigned char *)buf, m);
    if (rc == MBEDTLS_ERR_BASE64_BUFFER_TOO_SMALL)
        return ZKBIO_ENOSPC;
    if (rc != 0)
        return ZKBIO_EPROTO;
    /* Canonical only: the unused low bits of the last character must be zero, so a token has one
     * spelling (otherwise "...Xk" and "...Xl" would carry the same signature). */
    if (n % 4) {
        static const char alpha[] =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        int v = (int)(strchr(alpha, in[n - 1]) - alpha);
        int unused = n % 4 == 2 ? 0x0f : 0x03;
        if (v & unused)
            return ZKBIO_EPROTO;
    }
    *olen = w;
    return 0;
}

/* ---- HMAC ---------------------------------------------------------------------------------- */

int zauth_hs256(const void *key, size_t keylen, const void *msg, size_t n, uint8_t mac[32])
{
    const mbedtls_md_info_t *md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
    if (!md || mbedtls_md_hmac(md, key, keylen, msg, n, mac) != 0)
        return ZKBIO_EINVAL;
    return 0;
}

/* The two dots of a compact JWS; 0 with their offsets, or -1. */
static int split(const char *t, size_t len, size_t *d1, size_t *d2)
{
    const char *a = memchr(t, '.', len);
    if (!a)
        return -1;
    const char *b = memchr(a + 1, '.', len - (size_t)(a + 1 - t));
    if (!b || memchr(b + 1, '.', len - (size_t)(b + 1 - t)))
        return -1;
    *d1 = (size_t)(a - t);
    *d2 = (size_t)(b - t);
    return 0;
}

int zauth_jws_hs256_valid(const void *key, size_t keylen, const char *token, size_t len)
{
    size_t d1, d2;
    if (len > ZAUTH_JWT_MAX || split(token, len, &d1, &d2) != 0 || d1 == 0 || d2 == d1 + 1)
        return 0;
    uint8_t sig[48], mac[32];
    size_t sl = 0;
    if (zauth_b64url_decode(token + d2 + 1, len - d2 - 1, sig, sizeof(sig), &sl) != 0 ||
        sl != sizeof(mac) || zauth_hs256(key, keylen, token, d2, mac) != 0)
        return 0;
    int ok = mbedtls_ct_memcmp(sig, mac, sizeof(mac)) == 0;
    mbedtls_platform_zeroize(mac, sizeof(mac));
    return ok;
}

/* ---- tokens -------------------------------------------------------------------------------- */

static const char HEADER[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";

int zauth_jwt_sign(const void *key, size_t keylen, const zauth_claims *c, char *out, size_t outsz)
{
    if (!c || c->sub <= 0 || c->ver < 1 || c->exp <= 0 || c->role < ZAUTH_ROLE_VIEWER ||
        c->role > ZAUTH_ROLE_ADMIN || !c->jti[0])
        return ZKBIO_EINVAL;
    char sub[24];
    snprintf(sub, sizeof(sub), "%" PRId64, c->sub);
    json_t *p =
        json_pack("{s:s,s:s,s:s,s:s,s:s,s:I,s:I,s:I}", "iss", ZAUTH_JWT_ISS, "aud", ZAUTH_JWT_AUD,
                  "sub", sub, "role", zauth_role_name(c->role), "jti", c->jti, "ver",
                  (json_int_t)c->ver, "iat", (json_int_t)c->iat, "exp", (json_int_t)c->exp);
    if (p && c->nbf > 0 && json_object_set_new(p, "nbf", json_integer(c->nbf)) != 0) {
        json_decref(p);
        p = NULL;
    }
    char *payload = p ? json_dumps(p, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(p);
    if (!payload)
        return ZKBIO_ENOMEM;
    size_t h = 0, pl = 0, sl = 0;
    int rc = zauth_b64url_encode(HEADER, sizeof(HEADER) - 1, out, outsz, &h);
    if (rc == 0 && h + 1 < outsz) {
        out[h] = '.';
        rc = zauth_b64url_encode(payload, strlen(payload), out + h + 1, outsz - h - 1, &pl);
    } else if (rc == 0) {
        rc = ZKBIO_ENOSPC;
    }
    free(payload);
    uint8_t mac[32];
    size_t used = h + 1 + pl;
    if (rc == 0 && used + 1 < outsz && zauth_hs256(key, keylen, out, used, mac) == 0) {
        out[used] = '.';
        rc = zauth_b64url_encode(mac, sizeof(mac), out + used + 1, outsz - used - 1, &sl);
        mbedtls_platform_zeroize(mac, sizeof(mac));
    } else if (rc == 0) {
        rc = ZKBIO_ENOSPC;
    }
    if (rc == 0 && used + 1 + sl > ZAUTH_JWT_MAX)
        rc = ZKBIO_ENOSPC;
    if (rc != 0 && outsz)
        out[0] = '\0';
    return rc;
}

/* Parse decoded bytes as a JSON object (duplicates refused); NULL when they are not one. */
static json_t *object_of(const char *buf, size_t len)
{
    json_t *j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, NULL);
    if (j && !json_is_object(j)) {
        json_decref(j);
        j = NULL;
    }
    return j;
}

/* The header rule: exactly {"alg":"HS256","typ":"JWT"}. */
static int header_ok(const json_t *h)
{
    return json_object_size(h) == 2 && json_is_string(json_object_get(h, "alg")) &&
           strcmp(json_string_value(json_object_get(h, "alg")), "HS256") == 0 &&
           json_is_string(json_object_get(h, "typ")) &&
           strcmp(json_string_value(json_object_get(h, "typ")), "JWT") == 0;
}

static int str_is(const json_t *o, const char *k, const char *want)
{
    const json_t *v = json_object_get(o, k);
    return json_is_string(v) && strcmp(json_string_value(v), want) == 0;
}

static int claims_of(const json_t *p, int64_t now, zauth_claims *c)
{
    const json_t *sub = json_object_get(p, "sub"), *role = json_object_get(p, "role"),
                 *jti = json_object_get(p, "jti"), *ver = json_object_get(p, "ver"),
                 *iat = json_object_get(p, "iat"), *exp = json_object_get(p, "exp"),
                 *nbf = json_object_get(p, "nbf");
    if (!str_is(p, "iss", ZAUTH_JWT_ISS) || !str_is(p, "aud", ZAUTH_JWT_AUD) ||
        !json_is_string(sub) || !json_is_string(role) || !json_is_string(jti) ||
        !json_is_integer(ver) || !json_is_integer(iat) || !json_is_integer(exp) ||
        (nbf && !json_is_integer(nbf)))
        return ZAUTH_JWT_BAD_CLAIMS;
    const char *s = json_string_value(sub);
    char *end = NULL;
    errno = 0;
    long long id = strtoll(s, &end, 10);
    if (!*s || strspn(s, "0123456789") != strlen(s) || *end || errno || id <= 0 || s[0] == '0' ||
        strlen(json_string_value(jti)) >= sizeof(c->jti) || !json_string_value(jti)[0])
        return ZAUTH_JWT_BAD_CLAIMS;
    c->sub = id;
    c->role = zauth_role_parse(json_string_value(role));
    snprintf(c->jti, sizeof(c->jti), "%s", json_string_value(jti));
    c->ver = json_integer_value(ver);
    c->iat = json_integer_value(iat);
    c->exp = json_integer_value(exp);
    c->nbf = nbf ? json_integer_value(nbf) : 0;
    if (c->role == ZAUTH_ROLE_NONE || c->ver < 1)
        return ZAUTH_JWT_BAD_CLAIMS;
    if (c->exp <= now - ZAUTH_JWT_LEEWAY_S)
        return ZAUTH_JWT_EXPIRED;
    if (c->nbf > now + ZAUTH_JWT_LEEWAY_S || c->iat > now + ZAUTH_JWT_LEEWAY_S)
        return ZAUTH_JWT_NOT_YET;
    return ZAUTH_JWT_OK;
}

int zauth_jwt_verify(const void *key, size_t keylen, const char *token, int64_t now,
                     zauth_claims *out)
{
    memset(out, 0, sizeof(*out));
    size_t len = token ? strnlen(token, ZAUTH_JWT_MAX + 1) : 0;
    if (len > ZAUTH_JWT_MAX)
        return ZAUTH_JWT_TOO_BIG;
    size_t d1, d2;
    if (!token || split(token, len, &d1, &d2) != 0 || d1 == 0 || d2 == d1 + 1 || d2 + 1 == len)
        return ZAUTH_JWT_MALFORMED;
    /* Every segment must be canonical base64url before anything else is looked at. */
    char hb[ZAUTH_JWT_MAX], pb[ZAUTH_JWT_MAX];
    uint8_t sig[ZAUTH_JWT_MAX / 4 * 3 + 3];
    size_t hl = 0, pl = 0, sl = 0;
    if (zauth_b64url_decode(token, d1, hb, sizeof(hb), &hl) != 0 ||
        zauth_b64url_decode(token + d1 + 1, d2 - d1 - 1, pb, sizeof(pb), &pl) != 0 ||
        zauth_b64url_decode(token + d2 + 1, len - d2 - 1, sig, sizeof(sig), &sl) != 0)
        return ZAUTH_JWT_MALFORMED;
    /* The algorithm is checked before the key is used (RFC 8725 §3.1). */
    json_t *h = object_of(hb, hl);
    if (!h)
        return ZAUTH_JWT_MALFORMED;
    int hok = header_ok(h);
    json_decref(h);
    if (!hok)
        return ZAUTH_JWT_BAD_HEADER;
    if (!zauth_jws_hs256_valid(key, keylen, token, len))
        return ZAUTH_JWT_BAD_SIGNATURE;
    json_t *p = object_of(pb, pl);
    if (!p)
        return ZAUTH_JWT_MALFORMED;
    int rc = claims_of(p, now, out);
    json_decref(p);
    if (rc != ZAUTH_JWT_OK)
        memset(out, 0, sizeof(*out));
    return rc;
}

/* ---- the key file -------------------------------------------------------------------------- */

int zauth_jwt_key_load(const char *data_dir, uint8_t key[ZAUTH_JWT_KEY_LEN], char *err,
                       size_t errsz)
{
    char path[4096];
    if ((size_t)snprintf(path, sizeof(path), "%s/jwt.key", data_dir) >= sizeof(path)) {
        zc_errf(err, errsz, "data directory path too long");
        return -1;
    }
    char text[2 * ZAUTH_JWT_KEY_LEN + 2];
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd >= 0) { /* first start: make the key */
        uint8_t k[ZAUTH_JWT_KEY_LEN];
        int ok = zc_random(k, sizeof(k)) == 0;
        if (ok) {
            zc_hex(k, sizeof(k), text);
            text[2 * ZAUTH_JWT_KEY_LEN] = '\n';
            ok = write(fd, text, sizeof(text) - 1) == (ssize_t)(sizeof(text) - 1) &&
                 zc_fsync(fd) == 0;
        }
        ok = close(fd) == 0 && ok;
        mbedtls_platform_zeroize(k, sizeof(k));
        mbedtls_platform_zeroize(text, sizeof(text));
        if (!ok) {
            unlink(path);
            zc_errf(err, errsz, "cannot write %s", path);
            return -1;
        }
    } else if (errno != EEXIST) {
        zc_errf(err, errsz, "cannot create %s: %s", path, strerror(errno));
        return -1;
    }
    fd = open(path, O_RDONLY);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) != 0) {
        zc_errf(err, errsz, "cannot read %s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
#if !defined(_WIN32) /* Windows: no mode bits; the data directory's ACL protects the key (plat.h)  \
                      */
    if (sb.st_mode & 077) {
        close(fd);
        zc_errf(err, errsz, "%s is readable by others (mode %03o): chmod 600 it", path,
                (unsigned)(sb.st_mode & 0777));
        return -1;
    }
#endif
    char buf[2 * ZAUTH_JWT_KEY_LEN + 8];
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    int ok = n >= 2 * ZAUTH_JWT_KEY_LEN && n <= 2 * ZAUTH_JWT_KEY_LEN + 1;
    if (ok) {
        buf[n] = '\0';
        if (buf[2 * ZAUTH_JWT_KEY_LEN] == '\n')
            buf[2 * ZAUTH_JWT_KEY_LEN] = '\0';
        ok = zc_unhex(buf, key, ZAUTH_JWT_KEY_LEN) == 0;
    }
    mbedtls_platform_zeroize(buf, sizeof(buf));
    if (!ok) {
        zc_errf(err, errsz, "%s is not 64 hex digits", path);
        return -1;
    }
    return 0;
}
