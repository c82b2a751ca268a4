/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The loopback forwarding target of `zkbio bench forward`: a small HTTP/1.1 server (plain
 * sockets, one thread per connection, keep-alive) answering as an ERPNext site does for the two
 * kinds the benchmark measures (integrations.md §2.2, §2.5 as tests/forward/erpnext_stub.py
 * implements them; this one checks less and is fast):
 *
 *  - POST
 * /api/method/<app>.hr.doctype.employee_checkin.employee_checkin.add_log_based_on_employee_field
 *    with {employee_field_value, timestamp, ...}: 200 {"message": {"name": "EMP-CKIN-..", ...}};
 *  - POST /api/method/<path>.receive_bulk_attendance_logs with {"logs": [{employee_id, timestamp,
 *    ...}]} (at most 1000): 200 {"message": {"success": true, "processed", "failed", "total",
 *    "results": [...]}}; `.receive_attendance_log` (one log) and `.test_connection` too.
 *
 * Every request waits `latency_ms` before its answer (the site's own time). `Authorization: token
 * <key>:<secret>` must match, else 401 with Frappe's AuthenticationError body.
 *
 * Punches are identified by the benchmark's numbering: punch k is PIN (k % users) + 1 at wall time
 * base_epoch + k seconds (UTC fields, "YYYY-MM-DD HH:MM:SS"), 0 <= k < n. The target records the
 * monotonic arrival time of each k (the first arrival), and counts duplicates (a k seen again) and
 * strays (a log that is not one of the benchmark's punches: wrong PIN, time out of range, bad
 * field). Limits: request head 16 KiB, body 16 MiB, 256 connections at once; beyond them the
 * connection is answered 4xx/closed and counted as an error.
 *
 * Threading: fwd_target_start() starts the accept thread; the counters are read with
 * fwd_target_stats() from any thread (atomics and a mutex). fwd_target_stop() closes every socket
 * and joins every thread; then the arrival array may be read without locking.
 */
#ifndef ZKBIO_CLI_BENCH_FWD_TARGET_H
#define ZKBIO_CLI_BENCH_FWD_TARGET_H

#include <stddef.h>
#include <stdint.h>

typedef struct fwd_target fwd_target;

typedef struct fwd_target_config {
    long n;                   /* punches 0..n-1 expected (>= 1) */
    long users;               /* PINs 1..users (>= 1) */
    int64_t base_epoch;       /* wall time of punch 0, seconds (as UTC fields) */
    int latency_ms;           /* added before every answer (>= 0) */
    const char *key, *secret; /* the token the forwarder must send (copied) */
} fwd_target_config;

typedef struct fwd_target_stats {
    long arrived;    /* distinct punches received */
    long duplicates; /* a punch received again */
    long strays;     /* logs that are not the benchmark's */
    long requests;   /* HTTP requests answered */
    long bulk_requests, max_batch;
    long errors; /* malformed requests, auth failures, connections refused over the limit */
    double first_s,
        last_s; /* monotonic time (cli_now_s) of the first and last arrival; 0 if none */
} fwd_target_stats;

/* Listen on 127.0.0.1 (port 0: any). 0 with *out set and the port in *port, or -1 (errno). */
int fwd_target_start(const fwd_target_config *c, fwd_target **out, int *port);

/* The same without a socket or thread (fwd_target_answer only: the fuzz target). 0 or -1. */
int fwd_target_create(const fwd_target_config *c, fwd_target **out);

/* One request head, parsed (fwd_http_head_parse). */
typedef struct fwd_http_head {
    size_t head_len; /* bytes of the head, its blank line included */
    size_t body_len; /* Content-Length (0 when absent) */
    int close;       /* Connection: close */
    char path[512];  /* the request target without its query */
    char auth[256];  /* the Authorization value ("" when absent or longer) */
} fwd_http_head;

/* Parse the head at the start of buf[0..len) (buf[len] must be NUL; bytes after the head are
 * not read). 0 with *h set; 1 when the head is not complete yet (fewer than 16 KiB); else the HTTP
 * status to answer before closing: 431 (a head of 16 KiB or more), 400 (a malformed request line,
 * a path of 512 bytes or more, Transfer-Encoding), 413 (a Content-Length that is not digits or is
 * over 16 MiB). */
int fwd_http_head_parse(const char *buf, size_t len, fwd_http_head *h);

/* The answer to one request (path, the Authorization value, body[0..len), not NUL-terminated):
 * a malloc'd JSON body (NULL when out of memory) and its *status; records the punches as above.
 * Thread-safe. */
char *fwd_target_answer(fwd_target *t, const char *path, const char *auth, const char *body,
                        size_t len, int *status);

/* Counters now. */
void fwd_target_stats_get(fwd_target *t, fwd_target_stats *s);

/* Arrival time of punch k (cli_now_s clock), 0 when it has not arrived. */
double fwd_target_arrival(fwd_target *t, long k);

/* Close every socket, join every thread, free. NULL accepted. */
void fwd_target_stop(fwd_target *t);

#endif /* ZKBIO_CLI_BENCH_FWD_TARGET_H */
