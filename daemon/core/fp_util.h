/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Helpers shared by the fingerprint service files (fp_*.c): random bytes, SHA-256, hex, ISO-8601
 * time, the contract's error table and error bodies (shared reference
 * `fingerprint-service-api.md` §5), and a small fixed-window rate limiter (§6.1).
 *
 * Thread-safety: every function may be called from any thread (fp_random serialises on a mutex).
 */
#ifndef ZKBIOD_FP_UTIL_H
#define ZKBIOD_FP_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

/* Contract error codes (§5.2) plus zkbiod's own 6xxx "request" range (docs/fingerprint-service.md):
 * the contract names no code for a malformed request. */
enum fp_code {
    FP_DEVICE_NOT_FOUND = 1001,
    FP_DEVICE_BUSY = 1002,
    FP_DEVICE_DISCONNECTED = 1003,
    FP_DEVICE_INIT_FAILED = 1004,
    FP_DEVICE_TIMEOUT = 1005,
    FP_LOW_QUALITY = 2001,
    FP_NO_FINGERPRINT_DETECTED = 2002,
    FP_TEMPLATE_EXTRACTION_FAILED = 2003,
    FP_MATCH_FAILED = 2004,
    FP_ENROLLMENT_FAILED = 2005,
    FP_DB_CONNECTION_FAILED = 3001,
    FP_DB_QUERY_FAILED = 3002,
    FP_DUPLICATE_ENTRY = 3003,
    FP_RECORD_NOT_FOUND = 3004,
    FP_INVALID_API_KEY = 4001,
    FP_API_KEY_REVOKED = 4002,
    FP_UNAUTHORIZED = 4003,
    FP_RATE_LIMIT_EXCEEDED = 4004,
    FP_INTERNAL_ERROR = 5001,
    FP_SERVICE_UNAVAILABLE = 5002,
    FP_INVALID_REQUEST = 6001,
    FP_PAYLOAD_TOO_LARGE = 6002,
    FP_INVALID_TEMPLATE = 6003,
    FP_HOST_NOT_ALLOWED = 6004,
    FP_NOT_FOUND = 6005,
    FP_METHOD_NOT_ALLOWED = 6006,
};

/* The constant name of a code ("DEVICE_NOT_FOUND"); "UNKNOWN" for others. */
const char *fp_code_name(int code);

/* `{"error":{"code","name","message","details"?}}`; takes ownership of details (may be NULL). */
json_t *fp_error_body(int code, const char *message, json_t *details);

/* Fill buf with n cryptographically random bytes (mbedTLS CTR-DRBG seeded from the OS entropy).
 * Returns 0 or -1. */
int fp_random(void *buf, size_t n);

/* n random characters of [A-Za-z0-9] (no modulo bias) plus a NUL into out (n + 1 bytes). */
int fp_random_alnum(char *out, size_t n);

/* SHA-256 of a || b (b may be NULL with blen 0). */
void fp_sha256(const void *a, size_t alen, const void *b, size_t blen, uint8_t out[32]);

/* Lower-case hex of n bytes into out (2n + 1 bytes). */
void fp_hex(const uint8_t *in, size_t n, char *out);

/* Parse exactly 2n hex digits into out; 0 or -1. */
int fp_unhex(const char *in, uint8_t *out, size_t n);

/* Constant-time equality of two n-byte buffers. */
int fp_ct_equal(const uint8_t *a, const uint8_t *b, size_t n);

/* ISO-8601 UTC "2026-01-31T12:00:00Z" of t (now when t is 0) into buf (>= 21 bytes). */
void fp_iso_time(time_t t, char *buf, size_t size);

/* Monotonic milliseconds. */
uint64_t fp_now_ms(void);

/* Host header value names this machine: localhost, 127.0.0.1 or [::1], optionally with a numeric
 * port (1..5 digits); case-insensitive. NULL is not allowed. The DNS-rebinding defence. */
int fp_host_allowed(const char *host);

/* Score (10*log10(1/FMR)) -> the contract's 0..100 confidence, two decimals: 0 -> 0, threshold ->
 * 70, 2 * threshold and above -> 100, linear between (docs/fingerprint-service.md, Scores). */
double fp_confidence(double score, double threshold);

/* A fixed-window counter: at most `limit` events per `window_s` seconds. */
typedef struct fp_window {
    time_t start;
    int count;
} fp_window;

/* Count one event at `now`. Returns 0 when allowed, else the seconds until the window resets
 * (>= 1). *remaining and *reset (epoch seconds) are set either way (may be NULL). Not locked:
 * the caller holds the lock that protects w. */
int fp_window_hit(fp_window *w, int limit, int window_s, time_t now, int *remaining, time_t *reset);

#endif /* ZKBIOD_FP_UTIL_H */
