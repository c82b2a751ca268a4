/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file auth_jwt.h
 * @brief The access tokens of /api/v1 (part of auth.h): JWT (RFC 7519) signed with HS256 (RFC
 * 7515), made and checked by zkbiod only, following the JWT best current practices (RFC 8725).
 *
 * A token is accepted only when ALL of these hold (checked in this order):
 *   - at most ZAUTH_JWT_MAX bytes, three base64url segments (URL alphabet, no padding, canonical:
 *     the unused low bits of the last character are zero), so nothing larger is ever decoded;
 *   - the header is exactly the JSON object {"alg":"HS256","typ":"JWT"} (member order and white
 *     space free; any other alg, "none", a missing or other typ, "crit", "kid" or any other member
 *     is refused: RFC 8725 §3.1, §3.11);
 *   - HMAC-SHA-256 of "header.payload" under the key equals the signature (constant-time compare);
 *   - the payload is a JSON object (duplicate members refused) with iss "zkbiod", aud "zkbiod-api"
 *     (a string), sub a decimal account id > 0 as a string, role "admin"|"operator"|"viewer", jti a
 *     string, ver an integer >= 1, iat and exp integers (seconds since the epoch), nbf optional;
 *   - exp > now - leeway, nbf <= now + leeway, iat <= now + leeway (leeway ZAUTH_JWT_LEEWAY_S).
 * Base64 and HMAC are mbedTLS's (mbedtls_base64_*, mbedtls_md_hmac, mbedtls_ct_memcmp); JSON is
 * jansson's. The module holds no state: the key is the caller's (zauth keeps it, see auth.h).
 * Thread-safety: every function is reentrant. Nothing here logs; tokens are secrets.
 */
#ifndef ZKBIOD_AUTH_JWT_H
#define ZKBIOD_AUTH_JWT_H

#include <stddef.h>
#include <stdint.h>

#define ZAUTH_JWT_MAX      8192 /**< bytes; longer tokens are refused before any decoding */
#define ZAUTH_JWT_LEEWAY_S 60   /**< clock skew tolerated on exp, nbf and iat */
#define ZAUTH_JWT_ISS      "zkbiod"
#define ZAUTH_JWT_AUD      "zkbiod-api"
#define ZAUTH_JWT_KEY_LEN  32   /**< the HS256 secret: 256 random bits */
#define ZAUTH_ACCESS_TTL_S 3600 /**< access token lifetime */

/** The claims zkbiod puts into (and reads back from) an access token. */
typedef struct zauth_claims {
    int64_t sub;  /**< accounts.id (> 0) */
    int role;     /**< zauth_role (auth.h) */
    char jti[33]; /**< token id: 32 hex characters */
    int64_t ver;  /**< the account's token_version when issued */
    int64_t iat;  /**< issued at, seconds since the epoch */
    int64_t nbf;  /**< not before (0 = absent) */
    int64_t exp;  /**< expires at */
} zauth_claims;

/** Results of zauth_jwt_verify (0 = valid). */
typedef enum zauth_jwt_result {
    ZAUTH_JWT_OK = 0,
    ZAUTH_JWT_MALFORMED = -1,  /**< not three canonical base64url segments, or not JSON objects */
    ZAUTH_JWT_BAD_HEADER = -2, /**< any header but {"alg":"HS256","typ":"JWT"} */
    ZAUTH_JWT_BAD_SIGNATURE = -3, /**< the MAC does not match */
    ZAUTH_JWT_BAD_CLAIMS = -4,    /**< iss, aud, sub, role, jti, ver, iat or exp missing/wrong */
    ZAUTH_JWT_EXPIRED = -5,       /**< exp passed (beyond the leeway) */
    ZAUTH_JWT_NOT_YET = -6,       /**< nbf or iat in the future (beyond the leeway) */
    ZAUTH_JWT_TOO_BIG = -7,       /**< longer than ZAUTH_JWT_MAX */
} zauth_jwt_result;

/**
 * base64url (RFC 4648 §5) without padding of n bytes into out (outsz bytes incl. the NUL).
 * 0, or ZKBIO_ENOSPC. *olen (may be NULL) = characters written.
 */
int zauth_b64url_encode(const void *in, size_t n, char *out, size_t outsz, size_t *olen);
/**
 * Decode n characters of unpadded base64url into out (outsz bytes). Refuses ('+', '/', '=', white
 * space, a length of 1 mod 4, non-zero unused bits) with ZKBIO_EPROTO; ZKBIO_ENOSPC when out is too
 * small. *olen = bytes written.
 */
int zauth_b64url_decode(const char *in, size_t n, void *out, size_t outsz, size_t *olen);

/** HMAC-SHA-256 of msg under key into mac. 0 or ZKBIO_EINVAL (mbedTLS refused). */
int zauth_hs256(const void *key, size_t keylen, const void *msg, size_t n, uint8_t mac[32]);

/**
 * 1 when the third segment of `token` (len bytes) is the canonical base64url of the HS256 MAC of
 * the first two ("header.payload") under key, compared in constant time; 0 otherwise (also for a
 * malformed or oversize token). Checks nothing else: zauth_jwt_verify is the gate.
 */
int zauth_jws_hs256_valid(const void *key, size_t keylen, const char *token, size_t len);

/**
 * Make an access token for c (iss, aud and the header are added) into out (outsz bytes incl. NUL;
 * 1024 is plenty). 0, ZKBIO_EINVAL (bad claims), ZKBIO_ENOSPC or ZKBIO_ENOMEM.
 */
int zauth_jwt_sign(const void *key, size_t keylen, const zauth_claims *c, char *out, size_t outsz);

/**
 * Check `token` (NUL-terminated) against every rule above at time `now` (seconds since the
 * epoch). On ZAUTH_JWT_OK *out holds its claims; otherwise *out is zeroed. out may not be NULL.
 */
int zauth_jwt_verify(const void *key, size_t keylen, const char *token, int64_t now,
                     zauth_claims *out);

/**
 * The signing key in <data_dir>/jwt.key (64 hex digits and a newline, mode 0600): read it, or make
 * it from the operating system's random source when the file does not exist (created exclusively,
 * so two starting processes agree). 0, or -1 with a message in err (unreadable, malformed, or
 * readable by group/others: the key is refused then, never silently used).
 */
int zauth_jwt_key_load(const char *data_dir, uint8_t key[ZAUTH_JWT_KEY_LEN], char *err,
                       size_t errsz);

#endif /* ZKBIOD_AUTH_JWT_H */
