/* SPDX-License-Identifier: Apache-2.0 */
/*
 * HS256 access tokens (daemon/auth/jwt.c): the RFC 7515 Appendix A.1 known answer (its key, its
 * signing input, its signature bytes), base64url edge cases, sign/verify round trip, and every
 * negative case RFC 8725 asks for: tampered payload and signature, alg none, HS512, missing typ,
 * crit, expired, nbf and iat in the future, wrong iss/aud, oversize, bad base64url, non-object
 * JSON, and the key file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"

#include "../support/test.h"

#define NEED(cond) REQUIRE(cond, "REQUIRE(%s) failed", #cond)

/* RFC 7515 Appendix A.1 (JWS using HMAC SHA-256): the JWK "k" of the example key, the JWS Signing
 * Input and the signature as the octets listed there. */
static const char A1_K[] =
    "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow";
static const char A1_INPUT[] = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9"
                               ".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcG"
                               "xlLmNvbS9pc19yb290Ijp0cnVlfQ";
static const uint8_t A1_SIG[32] = {116, 24,  223, 180, 151, 153, 224, 37,  79,  250, 96,
                                   125, 216, 173, 187, 186, 22,  212, 37,  77,  105, 214,
                                   191, 240, 91,  88,  5,   88,  83,  132, 141, 121};
static const char A1_SIG_B64[] = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

static const uint8_t KEY[32] = "0123456789abcdef0123456789abcdef";

static void test_rfc7515_a1(void)
{
    uint8_t key[96];
    size_t kl = 0;
    NEED(zauth_b64url_decode(A1_K, strlen(A1_K), key, sizeof(key), &kl) == 0);
    CHECK_EQ_INT(kl, 64);
    uint8_t mac[32];
    NEED(zauth_hs256(key, kl, A1_INPUT, strlen(A1_INPUT), mac) == 0);
    CHECK(memcmp(mac, A1_SIG, 32) == 0);
    char enc[64];
    size_t el = 0;
    NEED(zauth_b64url_encode(mac, 32, enc, sizeof(enc), &el) == 0);
    CHECK_STR(enc, A1_SIG_B64);
    CHECK_EQ_INT(el, 43);

    char tok[512];
    snprintf(tok, sizeof(tok), "%s.%s", A1_INPUT, A1_SIG_B64);
    CHECK(zauth_jws_hs256_valid(key, kl, tok, strlen(tok)) == 1);
    /* The signature is right but the claims are not ours: iss "joe", no aud; the header (typ,
     * alg, CRLF and a space between) passes. */
    zauth_claims c;
    CHECK_EQ_INT(zauth_jwt_verify(key, kl, tok, 1300819000, &c), ZAUTH_JWT_BAD_CLAIMS);
    /* Another key, a flipped bit of the signature, a flipped payload byte: invalid. */
    CHECK(zauth_jws_hs256_valid(KEY, sizeof(KEY), tok, strlen(tok)) == 0);
    tok[strlen(tok) - 2] ^= 1;
    CHECK(zauth_jws_hs256_valid(key, kl, tok, strlen(tok)) == 0);
    tok[strlen(tok) - 2] ^= 1;
    tok[60] = tok[60] == 'A' ? 'B' : 'A';
    CHECK(zauth_jws_hs256_valid(key, kl, tok, strlen(tok)) == 0);
out:;
}

static void test_b64url(void)
{
    char out[64];
    size_t n;
    uint8_t b[64];
    CHECK(zauth_b64url_encode("\xfb\xff", 2, out, sizeof(out), &n) == 0);
    CHECK_STR(out, "-_8"); /* URL alphabet, no padding */
    CHECK(zauth_b64url_decode("-_8", 3, b, sizeof(b), &n) == 0 && n == 2 && b[0] == 0xfb &&
          b[1] == 0xff);
    CHECK(zauth_b64url_encode("", 0, out, sizeof(out), &n) == 0 && n == 0 && out[0] == '\0');
    CHECK(zauth_b64url_encode("abc", 3, out, 4, &n) == ZKBIO_ENOSPC);
    CHECK(zauth_b64url_decode("+_8", 3, b, sizeof(b), &n) == ZKBIO_EPROTO); /* standard alphabet */
    CHECK(zauth_b64url_decode("-/8", 3, b, sizeof(b), &n) == ZKBIO_EPROTO);
    CHECK(zauth_b64url_decode("-_8=", 4, b, sizeof(b), &n) == ZKBIO_EPROTO);  /* padding */
    CHECK(zauth_b64url_decode("-_ 8", 4, b, sizeof(b), &n) == ZKBIO_EPROTO);  /* white space */
    CHECK(zauth_b64url_decode("abcde", 5, b, sizeof(b), &n) == ZKBIO_EPROTO); /* 1 mod 4 */
    CHECK(zauth_b64url_decode("-_9", 3, b, sizeof(b), &n) == ZKBIO_EPROTO);   /* unused bits set */
    CHECK(zauth_b64url_decode("QR", 2, b, sizeof(b), &n) == ZKBIO_EPROTO);
    CHECK(zauth_b64url_decode("QQ", 2, b, sizeof(b), &n) == 0 && n == 1 && b[0] == 'A');
    CHECK(zauth_b64url_decode("QUJD", 4, b, 2, &n) == ZKBIO_ENOSPC);
}

static zauth_claims claims_now(int64_t now)
{
    zauth_claims c;
    memset(&c, 0, sizeof(c));
    c.sub = 42;
    c.role = ZAUTH_ROLE_OPERATOR;
    snprintf(c.jti, sizeof(c.jti), "00112233445566778899aabbccddeeff");
    c.ver = 3;
    c.iat = now;
    c.exp = now + ZAUTH_ACCESS_TTL_S;
    return c;
}

/* A token from raw header and payload JSON, signed with KEY (for the negative cases that must
 * fail on their content, not on the signature). */
static void forge(const char *header, const char *payload, char *out, size_t size)
{
    size_t h = 0, p = 0, s = 0;
    zauth_b64url_encode(header, strlen(header), out, size, &h);
    out[h] = '.';
    zauth_b64url_encode(payload, strlen(payload), out + h + 1, size - h - 1, &p);
    uint8_t mac[32];
    zauth_hs256(KEY, sizeof(KEY), out, h + 1 + p, mac);
    out[h + 1 + p] = '.';
    zauth_b64url_encode(mac, 32, out + h + 2 + p, size - h - 2 - p, &s);
}

#define GOOD_HDR "{\"alg\":\"HS256\",\"typ\":\"JWT\"}"

static void test_roundtrip_and_negatives(void)
{
    int64_t now = (int64_t)time(NULL);
    zauth_claims c = claims_now(now), got;
    char tok[2048];
    NEED(zauth_jwt_sign(KEY, sizeof(KEY), &c, tok, sizeof(tok)) == 0);
    CHECK(strncmp(tok, "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.", 37) == 0);
    CHECK_EQ_INT(zauth_jwt_verify(KEY, sizeof(KEY), tok, now, &got), ZAUTH_JWT_OK);
    CHECK_EQ_INT(got.sub, 42);
    CHECK_EQ_INT(got.role, ZAUTH_ROLE_OPERATOR);
    CHECK_EQ_INT(got.ver, 3);
    CHECK_STR(got.jti, c.jti);
    CHECK_EQ_INT(got.exp, now + 3600);
    CHECK_EQ_INT(got.iat, now);

    /* Wrong key. */
    uint8_t other[32];
    memcpy(other, KEY, 32);
    other[0] ^= 1;
    CHECK_EQ_INT(zauth_jwt_verify(other, 32, tok, now, &got), ZAUTH_JWT_BAD_SIGNATURE);
    CHECK_EQ_INT(got.sub, 0); /* zeroed on failure */

    /* Tampered payload: one character of the middle segment changed. */
    char t2[2048];
    snprintf(t2, sizeof(t2), "%s", tok);
    char *dot = strchr(t2, '.');
    dot[5] = dot[5] == 'a' ? 'b' : 'a';
    CHECK(zauth_jwt_verify(KEY, sizeof(KEY), t2, now, &got) < 0);
    /* Tampered payload that still decodes: a role raised by hand, signature kept. */
    char forged[2048], hdr_pl[2048];
    forge(GOOD_HDR,
          "{\"iss\":\"zkbiod\",\"aud\":\"zkbiod-api\",\"sub\":\"42\",\"role\":\"admin\","
          "\"jti\":\"x\",\"ver\":3,\"iat\":1,\"exp\":99999999999}",
          forged, sizeof(forged));
    snprintf(hdr_pl, sizeof(hdr_pl), "%.*s%s", (int)(strrchr(forged, '.') - forged), forged,
             strrchr(tok, '.'));
    CHECK_EQ_INT(zauth_jwt_verify(KEY, sizeof(KEY), hdr_pl, now, &got), ZAUTH_JWT_BAD_SIGNATURE);
    /* Tampered signature: last character (a data-carrying bit) and a truncated one. */
    snprintf(t2, sizeof(t2), "%s", tok);
    size_t L = strlen(t2);
    t2[L - 3] = t2[L - 3] == 'A' ? 'B' : 'A';
    CHECK_EQ_INT(zauth_jwt_verify(KEY, sizeof(KEY), t2, now, &got), ZAUTH_JWT_BAD_SIGNATURE);
    snprintf(t2, sizeof(t2), "%s", tok);
    t2[L - 4] = '\0';
    CHECK(zauth_jwt_verify(KEY, sizeof(KEY), t2, now, &got) < 0);
    /* A non-canonical spelling of the same signature (unused low bits set). */
    snprintf(t2, sizeof(t2), "%s", tok);
    static const char alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    int v = (int)(strchr(alpha, t2[L - 1]) - alpha);
    t2[L - 1] = alpha[v | 1];
    CHECK_EQ_INT(zauth_jwt_verify(KEY, sizeof(KEY), t2, now, &got), ZAUTH_JWT_MALFORMED);

    /* Headers: alg none (signed or unsigned), HS512, missing typ, other typ, crit, kid, lower case
     * alg, not an object. */
#define PAYLOAD_FMT                                                                                \
    "{\"iss\":\"zkbiod\",\"aud\":\"zkbiod-api\",\"sub\":\"42\","                                   \
    "\"role\":\"viewer\",\"jti\":\"j\",\"ver\":1,\"iat\":%lld,\"exp\":%lld}"
    char pl[512];
    snprintf(pl, sizeof(pl), PAYLOAD_FMT, (long long)now, (long long)now + 600);
    forge(GOOD_HDR, pl, t2, sizeof(t2));
    CHECK_EQ_INT(zauth_jwt_verify(KEY, sizeof(KEY), t2, now, &got), ZAUTH_JWT_OK);
    const char *bad_headers[] = {
        "{\"alg\":\"none\",\"typ\":\"JWT\"}",
        "{\"alg\":\"HS512\",\"typ\":\"JWT\"}",
        "{\"alg\":\"HS256\"}",
        "{\"alg\":\"HS256\",\"typ\":\"at+jwt\"}",
        "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"crit\":[\"exp\"]}",
        "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"1\"}",
        "{\"alg\":\"hs256\",\"typ\":\"JWT\"}",
        "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"alg\":\"HS256\"}",
        "[\"HS256\"]",
        "\"HS256\"",
    };
    for (size_t i = 0; i < sizeof(bad_headers) / sizeof(bad_headers[0]); i++) {
        forge(bad_headers[i], pl, t2, sizeof(t2));
        int r = zauth_jwt_verify(KEY, sizeof(KEY), t2, now, &got);
        CHECK_MSG(r == ZAUTH_JWT_BAD_HEADER || r == ZAUTH_JWT_MALFORMED, "header %s: %d",
                  bad_headers[i], r);
    }
    /* alg none without a signature. */
    char none[1024];
    forge("{\"alg\":\"none\",\"typ\":\"JWT\"}", pl, none, sizeof(none));
    *(strrchr(none, '.') + 1) = '\0';
    CHECK(zauth_jwt_verify(KEY, sizeof(KEY), none, now, &got) < 0);

    /* Claims: expired (beyond the leeway; within it still fine), nbf and iat in the future,
     * wrong iss/aud, aud as an array, missing sub/ver/exp, bad sub, unknown role. */
    char p2[512];
#define CLAIMS(extra_fmt, ...)                                                                     \
    snprintf(p2, sizeof(p2), extra_fmt, __VA_ARGS__), forge(GOOD_HDR, p2, t2, sizeof(t2)),         \
        zauth_jwt_verify(KEY, sizeof(KEY), t2, now, &got)
#define BASE                                                                                       \
    "{\"iss\":\"%s\",\"aud\":\"%s\",\"sub\":\"42\",\"role\":\"viewer\","                           \
    "\"jti\":\"j\",\"ver\":1,\"iat\":%lld,\"exp\":%lld%s}"
    CHECK_EQ_INT(
        CLAIMS(BASE, "zkbiod", "zkbiod-api", (long long)now - 7200, (long long)now - 61, ""),
        ZAUTH_JWT_EXPIRED);
    CHECK_EQ_INT(
        CLAIMS(BASE, "zkbiod", "zkbiod-api", (long long)now - 7200, (long long)now - 30, ""),
        ZAUTH_JWT_OK); /* leeway */
    CHECK_EQ_INT(CLAIMS(BASE, "zkbiod", "zkbiod-api", (long long)now, (long long)now + 600,
                        ",\"nbf\":99999999999"),
                 ZAUTH_JWT_NOT_YET);
    CHECK_EQ_INT(
        CLAIMS(BASE, "zkbiod", "zkbiod-api", (long long)now + 600, (long long)now + 900, ""),
        ZAUTH_JWT_NOT_YET);
    CHECK_EQ_INT(CLAIMS(BASE, "joe", "zkbiod-api", (long long)now, (long long)now + 600, ""),
                 ZAUTH_JWT_BAD_CLAIMS);
    CHECK_EQ_INT(CLAIMS(BASE, "zkbiod", "someone-else", (long long)now, (long long)now + 600, ""),
                 ZAUTH_JWT_BAD_CLAIMS);
    CHECK_EQ_INT(CLAIMS(BASE, "zkbiod", "zkbiod-api", (long long)now, (long long)now + 600,
                        ",\"nbf\":\"soon\""),
                 ZAUTH_JWT_BAD_CLAIMS);
    CHECK_EQ_INT(CLAIMS("{\"iss\":\"zkbiod\",\"aud\":[\"zkbiod-api\"],\"sub\":\"42\",\"role\":"
                        "\"viewer\",\"jti\":\"j\",\"ver\":1,\"iat\":%lld,\"exp\":%lld}",
                        (long long)now, (long long)now + 600),
                 ZAUTH_JWT_BAD_CLAIMS);
    CHECK_EQ_INT(CLAIMS("{\"iss\":\"zkbiod\",\"aud\":\"zkbiod-api\",\"sub\":\"042\",\"role\":"
                        "\"viewer\",\"jti\":\"j\",\"ver\":1,\"iat\":%lld,\"exp\":%lld}",
                        (long long)now, (long long)now + 600),
                 ZAUTH_JWT_BAD_CLAIMS);
    CHECK_EQ_INT(CLAIMS("{\"iss\":\"zkbiod\",\"aud\":\"zkbiod-api\",\"sub\":\" 42\",\"role\":"
                        "\"viewer\",\"jti\":\"j\",\"ver\":1,\"iat\":%lld,\"exp\":%lld}",
                        (long long)now, (long long)now + 600),
                 ZAUTH_JWT_BAD_CLAIMS);
    CHECK_EQ_INT(CLAIMS("{\"iss\":\"zkbiod\",\"aud\":\"zkbiod-api\",\"sub\":\"+42\",\"role\":"
                        "\"viewer\",\"jti\":\"j\",\"ver\":1,\"iat\":%lld,\"exp\":%lld}",
                        (long long)now, (long long)now + 600),
                 ZAUTH_JWT_BAD_CLAIMS);
    CHECK_EQ_INT(CLAIMS("{\"iss\":\"zkbiod\",\"aud\":\"zkbiod-api\",\"sub\":42,\"role\":"
                        "\"viewer\",\"jti\":\"j\",\"ver\":1,\"iat\":%lld,\"exp\":%lld}",
                        (long long)now, (long long)now + 600),
                 ZAUTH_JWT_BAD_CLAIMS);
    CHECK_EQ_INT(CLAIMS("{\"iss\":\"zkbiod\",\"aud\":\"zkbiod-api\",\"sub\":\"42\",\"role\":"
                        "\"root\",\"jti\":\"j\",\"ver\":1,\"iat\":%lld,\"exp\":%lld}",
                        (long long)now, (long long)now + 600),
                 ZAUTH_JWT_BAD_CLAIMS);
    CHECK_EQ_INT(CLAIMS("{\"iss\":\"zkbiod\",\"aud\":\"zkbiod-api\",\"sub\":\"42\",\"role\":"
                        "\"viewer\",\"jti\":\"j\",\"iat\":%lld,\"exp\":%lld}",
                        (long long)now, (long long)now + 600),
                 ZAUTH_JWT_BAD_CLAIMS);
    CHECK_EQ_INT(CLAIMS("{\"iss\":\"zkbiod\",\"aud\":\"zkbiod-api\",\"sub\":\"42\",\"role\":"
                        "\"viewer\",\"jti\":\"j\",\"ver\":1,\"iat\":%lld,\"nbf\":%lld}",
                        (long long)now, (long long)now),
                 ZAUTH_JWT_BAD_CLAIMS);
    /* Non-object payloads and broken JSON. */
    const char *bad_payloads[] = {"[1,2]", "\"zkbiod\"", "42", "null", "{\"iss\":", ""};
    for (size_t i = 0; i < sizeof(bad_payloads) / sizeof(bad_payloads[0]); i++) {
        forge(GOOD_HDR, bad_payloads[i], t2, sizeof(t2));
        CHECK_MSG(zauth_jwt_verify(KEY, sizeof(KEY), t2, now, &got) == ZAUTH_JWT_MALFORMED,
                  "payload %s", bad_payloads[i]);
    }

    /* Shapes: two segments, four segments, empty parts, bad base64url, NULL, empty. */
    const char *shapes[] = {
        "",     "a",    "a.b",    "a.b.c.d",   ".b.c",
        "a..c", "a.b.", "!!.b.c", "e30.e30.*", "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.e30=.AAAA"};
    for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++)
        CHECK_MSG(zauth_jwt_verify(KEY, sizeof(KEY), shapes[i], now, &got) == ZAUTH_JWT_MALFORMED,
                  "shape %s", shapes[i]);
    CHECK_EQ_INT(zauth_jwt_verify(KEY, sizeof(KEY), NULL, now, &got), ZAUTH_JWT_MALFORMED);

    /* Oversize: refused on its length before anything is decoded. */
    char *big = malloc(ZAUTH_JWT_MAX + 100);
    NEED(big);
    memset(big, 'A', ZAUTH_JWT_MAX + 99);
    big[ZAUTH_JWT_MAX + 99] = '\0';
    big[10] = '.';
    big[20] = '.';
    CHECK_EQ_INT(zauth_jwt_verify(KEY, sizeof(KEY), big, now, &got), ZAUTH_JWT_TOO_BIG);
    CHECK(zauth_jws_hs256_valid(KEY, sizeof(KEY), big, strlen(big)) == 0);
    free(big);

    /* Signing refuses claims it could not verify. */
    zauth_claims bad = claims_now(now);
    bad.sub = 0;
    CHECK(zauth_jwt_sign(KEY, sizeof(KEY), &bad, tok, sizeof(tok)) == ZKBIO_EINVAL);
    bad = claims_now(now);
    bad.role = 7;
    CHECK(zauth_jwt_sign(KEY, sizeof(KEY), &bad, tok, sizeof(tok)) == ZKBIO_EINVAL);
    bad = claims_now(now);
    CHECK(zauth_jwt_sign(KEY, sizeof(KEY), &bad, tok, 40) == ZKBIO_ENOSPC);
out:;
}

static void test_key_file(void)
{
    char dir[] = "/tmp/zkbio-jwtkey-XXXXXX";
    NEED(mkdtemp(dir));
    uint8_t k1[32], k2[32];
    char err[256], path[128];
    NEED(zauth_jwt_key_load(dir, k1, err, sizeof(err)) == 0);
    snprintf(path, sizeof(path), "%s/jwt.key", dir);
    struct stat sb;
    NEED(stat(path, &sb) == 0);
    CHECK_EQ_INT(sb.st_mode & 0777, 0600);
    CHECK_EQ_INT(sb.st_size, 65);
    NEED(zauth_jwt_key_load(dir, k2, err, sizeof(err)) == 0);
    CHECK(memcmp(k1, k2, 32) == 0); /* made once, read after */
    chmod(path, 0644);
    CHECK(zauth_jwt_key_load(dir, k2, err, sizeof(err)) == -1 && strstr(err, "chmod 600"));
    chmod(path, 0600);
    FILE *f = fopen(path, "w");
    NEED(f);
    fputs("not hex\n", f);
    fclose(f);
    CHECK(zauth_jwt_key_load(dir, k2, err, sizeof(err)) == -1 && strstr(err, "hex"));
    unlink(path);
    rmdir(dir);
out:;
}

int main(void)
{
    test_rfc7515_a1();
    test_b64url();
    test_roundtrip_and_negatives();
    test_key_file();
    return TEST_DONE();
}
