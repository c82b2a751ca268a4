/* SPDX-License-Identifier: Apache-2.0 */
#include "fp_util.h"

#include <math.h>
#include <pthread.h>
#include <strings.h>
#include <stdio.h>
#include <string.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/sha256.h>

static const struct {
    int code;
    const char *name;
} code_names[] = {
    {FP_DEVICE_NOT_FOUND, "DEVICE_NOT_FOUND"},
    {FP_DEVICE_BUSY, "DEVICE_BUSY"},
    {FP_DEVICE_DISCONNECTED, "DEVICE_DISCONNECTED"},
    {FP_DEVICE_INIT_FAILED, "DEVICE_INIT_FAILED"},
    {FP_DEVICE_TIMEOUT, "DEVICE_TIMEOUT"},
    {FP_LOW_QUALITY, "LOW_QUALITY"},
    {FP_NO_FINGERPRINT_DETECTED, "NO_FINGERPRINT_DETECTED"},
    {FP_TEMPLATE_EXTRACTION_FAILED, "TEMPLATE_EXTRACTION_FAILED"},
    {FP_MATCH_FAILED, "MATCH_FAILED"},
    {FP_ENROLLMENT_FAILED, "ENROLLMENT_FAILED"},
    {FP_DB_CONNECTION_FAILED, "DB_CONNECTION_FAILED"},
    {FP_DB_QUERY_FAILED, "DB_QUERY_FAILED"},
    {FP_DUPLICATE_ENTRY, "DUPLICATE_ENTRY"},
    {FP_RECORD_NOT_FOUND, "RECORD_NOT_FOUND"},
    {FP_INVALID_API_KEY, "INVALID_API_KEY"},
    {FP_API_KEY_REVOKED, "API_KEY_REVOKED"},
    {FP_UNAUTHORIZED, "UNAUTHORIZED"},
    {FP_RATE_LIMIT_EXCEEDED, "RATE_LIMIT_EXCEEDED"},
    {FP_INTERNAL_ERROR, "INTERNAL_ERROR"},
    {FP_SERVICE_UNAVAILABLE, "SERVICE_UNAVAILABLE"},
    {FP_INVALID_REQUEST, "INVALID_REQUEST"},
    {FP_PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE"},
    {FP_INVALID_TEMPLATE, "INVALID_TEMPLATE"},
    {FP_HOST_NOT_ALLOWED, "HOST_NOT_ALLOWED"},
    {FP_NOT_FOUND, "NOT_FOUND"},
    {FP_METHOD_NOT_ALLOWED, "METHOD_NOT_ALLOWED"},
};

const char *fp_code_name(int code)
{
    for (size_t i = 0; i < sizeof(code_names) / sizeof(code_names[0]); i++)
        if (code_names[i].code == code)
            return code_names[i].name;
    return "UNKNOWN";
}

json_t *fp_error_body(int code, const char *message, json_t *details)
{
    json_t *e = json_pack("{s:i,s:s,s:s}", "code", code, "name", fp_code_name(code), "message",
                          message ? message : "");
    if (e && details)
        json_object_set_new(e, "details", details);
    else
        json_decref(details);
    return e ? json_pack("{s:o}", "error", e) : NULL;
}

static pthread_mutex_t rng_lock = PTHREAD_MUTEX_INITIALIZER;
static int rng_ready;
static mbedtls_entropy_context rng_entropy;
static mbedtls_ctr_drbg_context rng_drbg;

int fp_random(void *buf, size_t n)
{
    int rc = 0;
    pthread_mutex_lock(&rng_lock);
    if (!rng_ready) {
        mbedtls_entropy_init(&rng_entropy);
        mbedtls_ctr_drbg_init(&rng_drbg);
        static const unsigned char pers[] = "zkbiod fingerprint service";
        if (mbedtls_ctr_drbg_seed(&rng_drbg, mbedtls_entropy_func, &rng_entropy, pers,
                                  sizeof(pers) - 1) == 0)
            rng_ready = 1;
    }
    unsigned char *p = buf;
    while (rc == 0 && n > 0) {
        size_t chunk = n > MBEDTLS_CTR_DRBG_MAX_REQUEST ? MBEDTLS_CTR_DRBG_MAX_REQUEST : n;
        if (!rng_ready || mbedtls_ctr_drbg_random(&rng_drbg, p, chunk) != 0)
            rc = -1;
        p += chunk;
        n -= chunk;
    }
    pthread_mutex_unlock(&rng_lock);
    return rc;
}

int fp_random_alnum(char *out, size_t n)
{
    static const char alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    size_t k = 0;
    while (k < n) {
        unsigned char b[32];
        if (fp_random(b, sizeof(b)) != 0)
            return -1;
        for (size_t i = 0; i < sizeof(b) && k < n; i++)
            if (b[i] < 248) /* 248 = 4 * 62: keep only unbiased bytes */
                out[k++] = alpha[b[i] % 62];
    }
    out[n] = '\0';
    return 0;
}

void fp_sha256(const void *a, size_t alen, const void *b, size_t blen, uint8_t out[32])
{
    mbedtls_sha256_context c;
    mbedtls_sha256_init(&c);
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
    mbedtls_sha256_starts(&c, 0);
    mbedtls_sha256_update(&c, a, alen);
    if (blen)
        mbedtls_sha256_update(&c, b, blen);
    mbedtls_sha256_finish(&c, out);
#else
    mbedtls_sha256_starts_ret(&c, 0);
    mbedtls_sha256_update_ret(&c, a, alen);
    if (blen)
        mbedtls_sha256_update_ret(&c, b, blen);
    mbedtls_sha256_finish_ret(&c, out);
#endif
    mbedtls_sha256_free(&c);
}

void fp_hex(const uint8_t *in, size_t n, char *out)
{
    static const char d[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = d[in[i] >> 4];
        out[2 * i + 1] = d[in[i] & 15];
    }
    out[2 * n] = '\0';
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int fp_unhex(const char *in, uint8_t *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int hi = hexval(in[2 * i]), lo = hi < 0 ? -1 : hexval(in[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return in[2 * n] == '\0' || in[2 * n] == '\t' || in[2 * n] == ' ' ? 0 : -1;
}

int fp_ct_equal(const uint8_t *a, const uint8_t *b, size_t n)
{
    uint8_t d = 0;
    for (size_t i = 0; i < n; i++)
        d |= (uint8_t)(a[i] ^ b[i]);
    return d == 0;
}

void fp_iso_time(time_t t, char *buf, size_t size)
{
    struct tm tm;
    if (!t)
        t = time(NULL);
    gmtime_r(&t, &tm);
    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

uint64_t fp_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int fp_window_hit(fp_window *w, int limit, int window_s, time_t now, int *remaining, time_t *reset)
{
    if (now >= w->start + window_s || now < w->start) {
        w->start = now;
        w->count = 0;
    }
    int wait = 0;
    if (w->count >= limit)
        wait = (int)(w->start + window_s - now);
    else
        w->count++;
    if (remaining)
        *remaining = limit - w->count;
    if (reset)
        *reset = w->start + window_s;
    return wait > 0 ? wait : (w->count > limit ? 1 : 0);
}

int fp_host_allowed(const char *h)
{
    if (!h)
        return 0;
    size_t len = strlen(h);
    const char *colon = NULL;
    if (h[0] == '[') {
        const char *close = strchr(h, ']');
        if (!close)
            return 0;
        colon = close[1] == ':' ? close + 1 : NULL;
        if (close[1] && !colon)
            return 0;
        len = (size_t)(close + 1 - h);
    } else {
        colon = strchr(h, ':');
        if (colon)
            len = (size_t)(colon - h);
    }
    if (colon) {
        const char *p = colon + 1;
        if (!*p || strlen(p) > 5)
            return 0;
        for (; *p; p++)
            if (*p < '0' || *p > '9')
                return 0;
    }
    static const char *const names[] = {"localhost", "127.0.0.1", "[::1]"};
    for (size_t i = 0; i < 3; i++)
        if (strlen(names[i]) == len && strncasecmp(h, names[i], len) == 0)
            return 1;
    return 0;
}

double fp_confidence(double score, double threshold)
{
    /* Piecewise linear: 0 -> 0, threshold -> 70 (the guides' "medium security" acceptance), twice
     * the threshold and above -> 100. So `match && confidence >= 70` in a web app means the score
     * reached the service's threshold. Two decimals, as the contract's samples. */
    double c;
    if (score <= 0)
        c = 0;
    else if (score < threshold)
        c = 70.0 * score / threshold;
    else
        c = 70.0 + 30.0 * (score - threshold) / threshold;
    if (c > 100)
        c = 100;
    return floor(c * 100 + 0.5) / 100;
}
