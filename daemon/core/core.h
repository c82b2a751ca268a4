/* SPDX-License-Identifier: Apache-2.0 */
/*
 * daemon/core: what every zkbiod module may use, and which uses no other module.
 *
 *   config.h  the configuration (flags, ZKBIOD_* environment, config file, --help); config.c
 *   log.h     leveled logging to stderr; log.c
 *   plat.h    the platform layer (issue 17): sockets, the stop request, files, time on Linux,
 *             macOS and Windows; plat_net.c, plat_proc.c, plat_fs.c, plat_time.c
 *   this file the small shared helpers (util.c), the database URI parser (dburi.c), the systemd
 *             readiness notification (sdnotify.c) and the HTTP wire helpers over civetweb (wire.c)
 *
 * Helpers: ONE random source (the operating system's: getrandom(2) or getentropy(3), behind the
 * tiny shim in util.c; no user-space DRBG), ONE SHA-256 (mbedTLS 2.28 and 3.x), hex, constant-time
 * compare, ISO-8601 time, the monotonic clock and a fixed-window rate counter.
 *
 * Dependencies: libc, mbedcrypto (SHA-256), libcurl (curl_url(), the URI parser; optional on
 * Windows, where mariadb:// URIs are then refused: ZKBIOD_HAVE_CURL), civetweb (wire
 * helpers). Nothing else of zkbiod. The build has two libraries: zcore_base_dep (config, log,
 * helpers, URI parser: what daemon/db and daemon/store use, no civetweb) and zcore_dep (all of it).
 *
 * Thread-safety: every function here may be called from any thread (zc_window is the caller's to
 * lock). Errors: random and parsing return 0 or -1; the wire helpers return an HTTP status or a
 * ZKBIO_* code as documented per function. Nothing here logs secrets or aborts.
 */
#ifndef ZKBIOD_CORE_H
#define ZKBIOD_CORE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct mg_connection; /* civetweb's, for the wire helpers (wire.c) */

#include "config.h"
#include "log.h"
#include "plat.h"

/* ---- random, hashing, encoding (util.c) ---------------------------------------------------- */

/* Fill buf with n bytes from the operating system's random source (getrandom, or getentropy in
 * chunks of 256 bytes). 0 or -1 (no randomness: never fall back to a weaker source). */
int zc_random(void *buf, size_t n);

/* n random characters of [A-Za-z0-9] (no modulo bias) plus a NUL into out (n + 1 bytes). 0/-1. */
int zc_random_alnum(char *out, size_t n);

/* SHA-256 of a || b (b may be NULL with blen 0). */
void zc_sha256(const void *a, size_t alen, const void *b, size_t blen, uint8_t out[32]);

/* SHA-256 of n strings, each preceded by its length in 8 bytes little-endian, so ("ab","c") and
 * ("a","bc") differ; a NULL string is hashed as "". */
void zc_sha256_strings(const char *const *parts, size_t n, uint8_t out[32]);

/* Lower-case hex of n bytes into out (2n + 1 bytes). */
void zc_hex(const uint8_t *in, size_t n, char *out);

/* The value of one hex digit (either case), or -1. */
int zc_hexdigit(int c);

/* Parse exactly 2n hex digits into out (followed by NUL, tab or space); 0 or -1. */
int zc_unhex(const char *in, uint8_t *out, size_t n);

/* Constant-time equality of two n-byte buffers (1 equal, 0 not). */
int zc_ct_equal(const uint8_t *a, const uint8_t *b, size_t n);

/* Constant-time equality of two strings: the time depends on the length of `want` only. */
int zc_ct_streq(const char *given, const char *want);

/* Format a message into err (errsz bytes; nothing when err is NULL or errsz 0), as snprintf. */
void zc_errf(char *err, size_t errsz, const char *fmt, ...) ZC_PRINTF(3, 4);

/* ---- database URIs (dburi.c) ------------------------------------------------------------------
 */

typedef enum zc_dburi_kind { ZC_DBURI_SQLITE = 1, ZC_DBURI_MARIADB = 2 } zc_dburi_kind;

/* A parsed database URI (zc_dburi_parse()); every string is decoded and owned by the struct. */
typedef struct zc_dburi {
    zc_dburi_kind dialect;
    char *path;    /* SQLite: the file as written after `sqlite:` (":memory:" too); else NULL */
    char *user;    /* MariaDB: never empty */
    char *pass;    /* "" when absent; wiped by zc_dburi_free() */
    char *host;    /* without [] for IPv6 literals; "localhost" when empty */
    unsigned port; /* 3306 unless given */
    char *dbname;  /* never empty */
    char *socket;  /* NULL unless ?socket= */
} zc_dburi;

/*
 * Parse a database URI of the forms daemon/db's zdb_open() takes (the one parser: the
 * configuration check uses it too). `mariadb://` URIs are split by libcurl's URL parser
 * (curl_url()); a missing user, database, bad port, query parameter other than one `socket=`,
 * fragment, malformed percent-escape or encoded NUL is ZKBIO_EINVAL with a message in err (never
 * the password). ZKBIO_ENOMEM when out of memory. On failure *u is zeroed. Free a parsed URI with
 * zc_dburi_free().
 */
int zc_dburi_parse(const char *uri, zc_dburi *u, char *err, size_t errsz);

/* Free the strings of *u (wiping the password) and zero it; NULL accepted. */
void zc_dburi_free(zc_dburi *u);

/* ---- time (util.c) ----------------------------------------------------------------------------
 */

/* ISO-8601 UTC "2026-01-31T12:00:00Z" of t (now when t is 0) into buf (>= 21 bytes). */
void zc_iso_time(time_t t, char *buf, size_t size);

/* Minutes east of UTC of a terminal time zone as devices.tz holds it: "UTC", "Z", "GMT",
 * "Etc/UTC", or an offset "+HH:MM", "-HHMM", "+HH" (optionally after "UTC"/"GMT"; HH 00..14,
 * MM 00..59). 1 with *minutes, or 0 (not an offset: IANA names are not accepted, since neither the
 * clock sync nor punch_time_utc could honour their rules portably). */
int zc_tz_offset(const char *tz, int *minutes);

/* Monotonic milliseconds. */
uint64_t zc_now_ms(void);

/* *ts = the CLOCK_REALTIME time ms milliseconds from now (ms >= 0): the absolute deadline that
 * pthread_cond_timedwait() takes. */
void zc_deadline(struct timespec *ts, int64_t ms);

/* A fixed-window counter: at most `limit` events per `window_s` seconds. */
typedef struct zc_window {
    time_t start;
    int count;
} zc_window;

/* Count one event at `now`. Returns 0 when allowed, else the seconds until the window resets
 * (>= 1). *remaining and *reset (epoch seconds) are set either way (may be NULL). Not locked:
 * the caller holds the lock that protects w. */
int zc_window_hit(zc_window *w, int limit, int window_s, time_t now, int *remaining, time_t *reset);

/* ---- IP addresses and CIDR prefixes (cidr.c; issue 15, address pinning) ---------------------
 */

/* Longest accepted text: a full IPv6 address with an embedded IPv4 part and "/128". */
#define ZC_CIDR_MAX 49

/* An address or prefix: family 4 (addr[0..3]) or 6 (addr[0..15]), network byte order; bits is the
 * prefix length (32 / 128 for a single address). Host bits past the prefix are zero. */
typedef struct zc_cidr {
    int family;
    uint8_t addr[16];
    int bits;
} zc_cidr;

/* Parse len bytes of s (no NUL needed, at most ZC_CIDR_MAX): "A.B.C.D", "A.B.C.D/N" (N 0..32), an
 * IPv6 address with an optional "/N" (0..128). ::ffff:A.B.C.D (/96..128) is taken as IPv4. Host
 * bits past the prefix are cleared. Zone ids, spaces, signs and empty parts are refused. 0 or -1.
 */
int zc_cidr_parse(const char *s, size_t len, zc_cidr *out);

/* 1 when the address text ip (as zc_client_ip() gives it; IPv4-mapped IPv6 counts as IPv4) lies in
 * c, else 0 (also for text that is not an address). */
int zc_cidr_contains(const zc_cidr *c, const char *ip);

/* zc_cidr_contains() of the parsed NUL-terminated pattern; 0 when the pattern is malformed. */
int zc_addr_match(const char *pattern, const char *ip);

/* ---- service manager notification (sdnotify.c) ------------------------------------------------
 * systemd's Type=notify protocol without libsystemd: one datagram with `state` ("READY=1",
 * "STOPPING=1", newline-separated assignments of sd_notify(3)) to the AF_UNIX datagram socket
 * `socket_name`: an absolute path, or "@name" for a Linux abstract socket. Linux only: elsewhere
 * both return 0 and send nothing. */

/* Send state to $NOTIFY_SOCKET. 1 sent, 0 when the variable is unset or empty (not started by
 * systemd, or not on Linux), -1 when the name is invalid or the send failed (errno). */
int zc_sd_notify(const char *state);

/* zc_sd_notify() with an explicit socket name (NULL or "" returns 0); for tests. */
int zc_sd_notify_to(const char *socket_name, const char *state);

/* ---- HTTP wire helpers over civetweb (wire.c) -------------------------------------------------
 * For handlers that answer in plain text (/iclock) and for the JSON reply path of daemon/api. */

/* Send a complete response: status, Content-Type, Content-Length, `Cache-Control: no-store`,
 * `Pragma: no-cache`, and (added by civetweb) a GMT `Date` header, which PUSH devices use to set
 * their clock (push.md §2.3). Returns `status` (civetweb's "handled" value). */
int zc_send(struct mg_connection *c, int status, const char *ctype, const char *body, size_t len);

/* text/plain response. */
int zc_text(struct mg_connection *c, int status, const char *text);

/* Read the request body into a malloc'd NUL-terminated buffer (*out, *len without the NUL).
 * Returns 0, ZKBIO_ETOOBIG when Content-Length or the data exceed `max` (nothing kept), ZKBIO_EIO
 * on a read error or a body shorter than announced, ZKBIO_ENOMEM. */
int zc_read_body(struct mg_connection *c, size_t max, char **out, size_t *len);

/* Client address as text ("127.0.0.1", "::1"). */
void zc_client_ip(const struct mg_connection *c, char *out, size_t size);

#endif /* ZKBIOD_CORE_H */
