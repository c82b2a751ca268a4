/* SPDX-License-Identifier: Apache-2.0 */
#include "core.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <mbedtls/sha256.h>
#include <mbedtls/version.h>

/* The platform shim of the one random source: getrandom(2) where the C library has it (glibc
 * 2.25+, musl 1.1.20+), BCryptGenRandom on Windows, else getentropy(3) (the BSDs, macOS), in chunks
 * of at most 256 bytes. */
#if defined(__linux__)
#include <sys/random.h>
static int os_random(unsigned char *p, size_t n)
{
    while (n > 0) {
        ssize_t r = getrandom(p, n, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        p += r;
        n -= (size_t)r;
    }
    return 0;
}
#elif defined(_WIN32)
/* Windows (issue 17): the system-preferred RNG of CNG (bcrypt.dll), in chunks a ULONG holds. */
#include <windows.h>
#include <bcrypt.h>
static int os_random(unsigned char *p, size_t n)
{
    while (n > 0) {
        ULONG chunk = n > 65536 ? 65536 : (ULONG)n;
        if (!BCRYPT_SUCCESS(BCryptGenRandom(NULL, p, chunk, BCRYPT_USE_SYSTEM_PREFERRED_RNG)))
            return -1;
        p += chunk;
        n -= chunk;
    }
    return 0;
}
#else
#include <unistd.h>
static int os_random(unsigned char *p, size_t n)
{
    while (n > 0) {
        size_t chunk = n > 256 ? 256 : n;
        if (getentropy(p, chunk) != 0)
            return -1;
        p += chunk;
        n -= chunk;
    }
    return 0;
}
#endif

int zc_random(void *buf, size_t n)
{
    return os_random(buf, n);
}

int zc_random_alnum(char *out, size_t n)
{
    static const char alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    size_t k = 0;
    while (k < n) {
        unsigned char b[32];
        if (zc_random(b, sizeof(b)) != 0)
            return -1;
        for (size_t i = 0; i < sizeof(b) && k < n; i++)
            if (b[i] < 248) /* 248 = 4 * 62: keep only unbiased bytes */
                out[k++] = alpha[b[i] % 62];
    }
    out[n] = '\0';
    return 0;
}

/* The one place that knows mbedTLS 2.28's `_ret` names from 3.x's. */
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
#define SHA256_STARTS mbedtls_sha256_starts
#define SHA256_UPDATE mbedtls_sha256_update
#define SHA256_FINISH mbedtls_sha256_finish
#else
#define SHA256_STARTS mbedtls_sha256_starts_ret
#define SHA256_UPDATE mbedtls_sha256_update_ret
#define SHA256_FINISH mbedtls_sha256_finish_ret
#endif

void zc_sha256(const void *a, size_t alen, const void *b, size_t blen, uint8_t out[32])
{
    mbedtls_sha256_context c;
    mbedtls_sha256_init(&c);
    SHA256_STARTS(&c, 0);
    SHA256_UPDATE(&c, a, alen);
    if (blen)
        SHA256_UPDATE(&c, b, blen);
    SHA256_FINISH(&c, out);
    mbedtls_sha256_free(&c);
}

void zc_sha256_strings(const char *const *parts, size_t n, uint8_t out[32])
{
    mbedtls_sha256_context c;
    mbedtls_sha256_init(&c);
    SHA256_STARTS(&c, 0);
    for (size_t i = 0; i < n; i++) {
        const char *p = parts[i] ? parts[i] : "";
        size_t l = strlen(p);
        unsigned char len[8];
        for (int k = 0; k < 8; k++)
            len[k] = (unsigned char)((uint64_t)l >> (8 * k));
        SHA256_UPDATE(&c, len, sizeof(len));
        SHA256_UPDATE(&c, (const unsigned char *)p, l);
    }
    SHA256_FINISH(&c, out);
    mbedtls_sha256_free(&c);
}

void zc_errf(char *err, size_t errsz, const char *fmt, ...)
{
    if (!err || errsz == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errsz, fmt, ap);
    va_end(ap);
}

void zc_hex(const uint8_t *in, size_t n, char *out)
{
    static const char d[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = d[in[i] >> 4];
        out[2 * i + 1] = d[in[i] & 15];
    }
    out[2 * n] = '\0';
}

int zc_hexdigit(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int zc_unhex(const char *in, uint8_t *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int hi = zc_hexdigit((unsigned char)in[2 * i]),
            lo = hi < 0 ? -1 : zc_hexdigit((unsigned char)in[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return in[2 * n] == '\0' || in[2 * n] == '\t' || in[2 * n] == ' ' ? 0 : -1;
}

int zc_ct_equal(const uint8_t *a, const uint8_t *b, size_t n)
{
    uint8_t d = 0;
    for (size_t i = 0; i < n; i++)
        d |= (uint8_t)(a[i] ^ b[i]);
    return d == 0;
}

int zc_ct_streq(const char *given, const char *want)
{
    size_t gl = strlen(given), wl = strlen(want);
    unsigned char diff = (unsigned char)(gl != wl);
    for (size_t i = 0; i < wl; i++)
        diff |= (unsigned char)(want[i] ^ (i < gl ? given[i] : 0));
    return diff == 0;
}

int zc_tz_offset(const char *tz, int *minutes)
{
    if (!tz)
        return 0;
    if (!strcmp(tz, "UTC") || !strcmp(tz, "Z") || !strcmp(tz, "GMT") || !strcmp(tz, "Etc/UTC")) {
        *minutes = 0;
        return 1;
    }
    const char *p = tz;
    if (!strncmp(p, "UTC", 3) || !strncmp(p, "GMT", 3))
        p += 3;
    if (*p != '+' && *p != '-')
        return 0;
    int sign = *p == '-' ? -1 : 1, h = 0, m = 0;
    p++;
    if (p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9')
        return 0;
    h = (p[0] - '0') * 10 + (p[1] - '0');
    p += 2;
    if (*p == ':')
        p++;
    if (*p) {
        if (p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9' || p[2])
            return 0;
        m = (p[0] - '0') * 10 + (p[1] - '0');
    }
    if (h > 14 || m > 59)
        return 0;
    *minutes = sign * (h * 60 + m);
    return 1;
}

void zc_iso_time(time_t t, char *buf, size_t size)
{
    struct tm tm;
    if (!t)
        t = time(NULL);
    gmtime_r(&t, &tm);
    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

uint64_t zc_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void zc_deadline(struct timespec *ts, int64_t ms)
{
    clock_gettime(CLOCK_REALTIME, ts);
    ts->tv_sec += (time_t)(ms / 1000);
    ts->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

int zc_window_hit(zc_window *w, int limit, int window_s, time_t now, int *remaining, time_t *reset)
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
