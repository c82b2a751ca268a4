/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A lean HTTP/1.1 load generator for loopback benchmarks (used by `zkbio bench push`).
 *
 * T threads, each with its own epoll set, drive C non-blocking connections in total. One request is
 * in flight per connection (no pipelining), as on a real device. Responses are parsed only as far
 * as the status line, `Content-Length`, `Connection: close` and `Transfer-Encoding` (which is
 * refused), plus the first bytes of the body for an optional exact comparison. Every phase ends by
 * time: a deadline for new requests, then a bounded drain of the requests still in flight.
 */
#ifndef ZKBIO_CLI_LOADGEN_H
#define ZKBIO_CLI_LOADGEN_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* ---- latency histogram (log-linear: 32 linear sub-buckets per power of two, about 3% resolution)
 * ---- */
#define LG_HIST_SUB_BITS 5
#define LG_HIST_BUCKETS  ((64 - LG_HIST_SUB_BITS + 1) << LG_HIST_SUB_BITS)

typedef struct lg_hist {
    uint64_t count;
    uint64_t max;
    uint64_t bucket[LG_HIST_BUCKETS];
} lg_hist;

void lg_hist_add(lg_hist *h, uint64_t v);
void lg_hist_merge(lg_hist *into, const lg_hist *from);
/* The value at quantile q (0..1): the middle of its bucket, never more than the largest value seen.
 */
uint64_t lg_hist_quantile(const lg_hist *h, double q);

/* ---- incremental response parser ---- */
#define LG_HDR_MAX   8192 /* larger response heads are an error */
#define LG_BODY_KEEP 64   /* bytes of the body kept for comparison */

enum { LG_MORE = 0, LG_DONE = 1, LG_ERR = -1 };

typedef struct lg_resp {
    int state;   /* internal */
    int status;  /* HTTP status code, once the head is parsed */
    int close;   /* the server will close the connection after this response */
    size_t hlen; /* bytes of head buffered */
    uint64_t remaining;
    size_t blen; /* bytes of body kept in body[] (the rest is counted and dropped) */
    const char *err;
    char hdr[LG_HDR_MAX + 1];
    char body[LG_BODY_KEEP + 1];
} lg_resp;

void lg_resp_reset(lg_resp *r);
/* Feeds len bytes; *used tells how many belong to this response. LG_MORE, LG_DONE or LG_ERR
 * (r->err). */
int lg_resp_feed(lg_resp *r, const char *data, size_t len, size_t *used);
/* The peer closed the connection: LG_DONE when that ends a read-until-close body, else LG_ERR. */
int lg_resp_eof(lg_resp *r);

/* ---- phases ---- */

/* Writes request number seq (unique within the phase) for simulated device `device` into buf (at
 * most cap bytes) and returns its length, or 0 if it does not fit. Called concurrently from every
 * thread. */
typedef size_t (*lg_build_fn)(void *ud, unsigned device, uint64_t seq, char *buf, size_t cap);

typedef struct lg_phase {
    struct sockaddr_storage addr;
    socklen_t addrlen;
    unsigned threads;     /* >= 1 */
    unsigned connections; /* >= 1, spread over the threads */
    unsigned devices;     /* >= 1; connection i serves devices i, i+C, i+2C, ... (mod devices) */
    int close_each;  /* open a new connection for every request (the request says Connection: close)
                      */
    double warmup_s; /* not measured */
    double seconds;  /* the measured window */
    uint64_t max_requests; /* > 0: issue exactly this many requests, no warm-up, `seconds` is the
                              deadline */
    double drain_s;        /* how long requests in flight at the end may take to finish */
    double timeout_s;      /* per request */
    size_t req_cap;        /* request buffer per connection */
    lg_build_fn build;
    void *ud;
    const char
        *expect_body; /* NULL: any body; else the body must equal it (trailing CR/LF ignored) */
    unsigned records_per_request; /* for records/s (0 for none) */
    volatile sig_atomic_t *stop;  /* optional: set asynchronously to end the phase early */
} lg_phase;

typedef struct lg_result {
    uint64_t ok;          /* successful requests completed inside the measured window */
    uint64_t ok_total;    /* successful requests, warm-up and drain included */
    double window_s;      /* length of the measured window */
    double req_per_s;     /* ok / window_s */
    double records_per_s; /* req_per_s * records_per_request */
    uint64_t p50_ns, p99_ns, max_ns;
    uint64_t errors; /* the sum of the following */
    uint64_t err_connect, err_io, err_timeout, err_status, err_body, err_proto;
    char first_error[160]; /* the first error seen, for diagnostics ("" if none) */
} lg_result;

/* Runs one phase. Returns 0 (errors are counted in *res), or -1 if the phase could not start
 * (errno). */
int lg_run(const lg_phase *p, lg_result *res);

/* Monotonic clock in nanoseconds. */
uint64_t lg_now_ns(void);

#endif /* ZKBIO_CLI_LOADGEN_H */
