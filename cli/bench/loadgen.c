/* SPDX-License-Identifier: Apache-2.0 */
/* Load generator for `zkbio bench`: see loadgen.h. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "loadgen.h"

#define NS_PER_S 1000000000ull
#define BACKOFF_NS                                                                                 \
    (10ull * 1000 * 1000) /* after a socket error, before the connection tries again */
#define SWEEP_NS      (20ull * 1000 * 1000) /* how often timeouts and back-offs are checked */
#define MAX_BODY_SIZE (1ull << 32)          /* a larger Content-Length is refused */

uint64_t lg_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

/* ------------------------------------------------------------------------------------------------------
 */
/* histogram */

static unsigned hist_index(uint64_t v)
{
    if (v < (1u << LG_HIST_SUB_BITS))
        return (unsigned)v;
    unsigned e = 63u - (unsigned)__builtin_clzll(v); /* e >= SUB_BITS */
    unsigned sub = (unsigned)(v >> (e - LG_HIST_SUB_BITS)) & ((1u << LG_HIST_SUB_BITS) - 1);
    return ((e - LG_HIST_SUB_BITS + 1) << LG_HIST_SUB_BITS) + sub;
}

/* Lower bound and width of bucket i. */
static void hist_bucket(unsigned i, uint64_t *low, uint64_t *width)
{
    if (i < (1u << LG_HIST_SUB_BITS)) {
        *low = i;
        *width = 1;
        return;
    }
    unsigned g = i >> LG_HIST_SUB_BITS, sub = i & ((1u << LG_HIST_SUB_BITS) - 1);
    unsigned shift = g - 1; /* e - SUB_BITS */
    *low = ((uint64_t)(1u << LG_HIST_SUB_BITS) + sub) << shift;
    *width = (uint64_t)1 << shift;
}

void lg_hist_add(lg_hist *h, uint64_t v)
{
    h->bucket[hist_index(v)]++;
    h->count++;
    if (v > h->max)
        h->max = v;
}

void lg_hist_merge(lg_hist *into, const lg_hist *from)
{
    for (unsigned i = 0; i < LG_HIST_BUCKETS; i++)
        into->bucket[i] += from->bucket[i];
    into->count += from->count;
    if (from->max > into->max)
        into->max = from->max;
}

uint64_t lg_hist_quantile(const lg_hist *h, double q)
{
    if (h->count == 0)
        return 0;
    if (q < 0)
        q = 0;
    if (q > 1)
        q = 1;
    uint64_t rank = (uint64_t)(q * (double)h->count + 0.999999);
    if (rank < 1)
        rank = 1;
    if (rank > h->count)
        rank = h->count;
    uint64_t seen = 0;
    for (unsigned i = 0; i < LG_HIST_BUCKETS; i++) {
        seen += h->bucket[i];
        if (seen >= rank) {
            uint64_t low, width;
            hist_bucket(i, &low, &width);
            uint64_t mid = low + width / 2;
            return mid > h->max ? h->max : mid;
        }
    }
    return h->max;
}

/* ------------------------------------------------------------------------------------------------------
 */
/* response parser */

enum { RS_HEAD, RS_BODY, RS_BODY_UNTIL_CLOSE, RS_DONE };

void lg_resp_reset(lg_resp *r)
{
    r->state = RS_HEAD;
    r->status = 0;
    r->close = 0;
    r->hlen = 0;
    r->remaining = 0;
    r->blen = 0;
    r->err = NULL;
    r->hdr[0] = '\0';
    r->body[0] = '\0';
}

static int fail_resp(lg_resp *r, const char *why)
{
    r->err = why;
    return LG_ERR;
}

/* Case-insensitive: does the comma-separated list [v, v+n) contain the token tok? */
static int has_token(const char *v, size_t n, const char *tok)
{
    size_t tl = strlen(tok);
    size_t i = 0;
    while (i < n) {
        while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
            i++;
        size_t s = i;
        while (i < n && v[i] != ',')
            i++;
        size_t e = i;
        while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
            e--;
        if (e - s == tl && strncasecmp(v + s, tok, tl) == 0)
            return 1;
    }
    return 0;
}

/* Parses the head in r->hdr[0, len) (which ends with CRLF CRLF). */
static int parse_head(lg_resp *r, size_t len)
{
    const char *h = r->hdr, *end = h + len;
    /* status line: HTTP/1.x SP ddd (SP reason)? CRLF */
    if (len < 12 || memcmp(h, "HTTP/1.", 7) != 0 || (h[7] != '0' && h[7] != '1') || h[8] != ' ')
        return fail_resp(r, "bad status line");
    int st = 0;
    for (int i = 9; i < 12; i++) {
        if (h[i] < '0' || h[i] > '9')
            return fail_resp(r, "bad status code");
        st = st * 10 + (h[i] - '0');
    }
    if (h[12] != ' ' && h[12] != '\r')
        return fail_resp(r, "bad status line");
    if (st < 200)
        return fail_resp(r, "unexpected 1xx response");
    r->status = st;
    int http10 = h[7] == '0';
    int have_len = 0, keep_alive = 0;
    uint64_t clen = 0;

    const char *p = memchr(h, '\n', len);
    if (!p)
        return fail_resp(r, "bad status line");
    p++;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl)
            return fail_resp(r, "unterminated header line");
        const char *le = nl;
        if (le > p && le[-1] == '\r')
            le--;
        if (le == p)
            break; /* the empty line */
        const char *colon = memchr(p, ':', (size_t)(le - p));
        if (!colon || colon == p)
            return fail_resp(r, "malformed header line");
        size_t nlen = (size_t)(colon - p);
        const char *v = colon + 1, *ve = le;
        while (v < ve && (*v == ' ' || *v == '\t'))
            v++;
        while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
            ve--;
        size_t vlen = (size_t)(ve - v);
        if (nlen == 14 && strncasecmp(p, "Content-Length", 14) == 0) {
            if (vlen == 0 || vlen > 19)
                return fail_resp(r, "bad Content-Length");
            uint64_t n = 0;
            for (size_t i = 0; i < vlen; i++) {
                if (v[i] < '0' || v[i] > '9')
                    return fail_resp(r, "bad Content-Length");
                n = n * 10 + (uint64_t)(v[i] - '0');
            }
            if (n > MAX_BODY_SIZE)
                return fail_resp(r, "Content-Length too large");
            if (have_len && n != clen)
                return fail_resp(r, "conflicting Content-Length");
            clen = n;
            have_len = 1;
        } else if (nlen == 10 && strncasecmp(p, "Connection", 10) == 0) {
            if (has_token(v, vlen, "close"))
                r->close = 1;
            if (has_token(v, vlen, "keep-alive"))
                keep_alive = 1;
        } else if (nlen == 17 && strncasecmp(p, "Transfer-Encoding", 17) == 0) {
            if (!(vlen == 8 && strncasecmp(v, "identity", 8) == 0))
                return fail_resp(r, "unsupported Transfer-Encoding");
        }
        p = nl + 1;
    }
    if (http10 && !keep_alive)
        r->close = 1;
    if (st == 204 || st == 304) {
        r->state = RS_DONE;
    } else if (have_len) {
        r->remaining = clen;
        r->state = clen ? RS_BODY : RS_DONE;
    } else {
        r->close = 1;
        r->state = RS_BODY_UNTIL_CLOSE;
    }
    return r->state == RS_DONE ? LG_DONE : LG_MORE;
}

static void keep_body(lg_resp *r, const char *data, size_t n)
{
    size_t room = LG_BODY_KEEP - r->blen;
    size_t k = n < room ? n : room;
    memcpy(r->body + r->blen, data, k);
    r->blen += k;
    r->body[r->blen] = '\0';
}

int lg_resp_feed(lg_resp *r, const char *data, size_t len, size_t *used)
{
    size_t pos = 0;
    *used = 0;
    if (r->state == RS_HEAD) {
        size_t old = r->hlen;
        size_t room = LG_HDR_MAX - old;
        size_t k = len < room ? len : room;
        memcpy(r->hdr + old, data, k);
        r->hlen = old + k;
        r->hdr[r->hlen] = '\0';
        /* look for CRLF CRLF, starting just before the new bytes */
        size_t from = old >= 3 ? old - 3 : 0;
        size_t end = 0;
        for (size_t i = from; i + 4 <= r->hlen; i++) {
            if (r->hdr[i] == '\r' && r->hdr[i + 1] == '\n' && r->hdr[i + 2] == '\r' &&
                r->hdr[i + 3] == '\n') {
                end = i + 4;
                break;
            }
        }
        if (!end) {
            *used = k;
            if (r->hlen >= LG_HDR_MAX)
                return fail_resp(r, "response head too large");
            return LG_MORE;
        }
        pos = end - old; /* bytes of data that belong to the head */
        r->hlen = end;
        r->hdr[end] = '\0';
        int rc = parse_head(r, end);
        if (rc != LG_MORE) {
            *used = pos;
            return rc;
        }
    }
    if (r->state == RS_BODY) {
        size_t avail = len - pos;
        size_t k = (uint64_t)avail < r->remaining ? avail : (size_t)r->remaining;
        keep_body(r, data + pos, k);
        r->remaining -= k;
        pos += k;
        *used = pos;
        if (r->remaining == 0) {
            r->state = RS_DONE;
            return LG_DONE;
        }
        return LG_MORE;
    }
    if (r->state == RS_BODY_UNTIL_CLOSE) {
        keep_body(r, data + pos, len - pos);
        *used = len;
        return LG_MORE;
    }
    *used = pos;
    return r->state == RS_DONE ? LG_DONE : fail_resp(r, "parser misuse");
}

int lg_resp_eof(lg_resp *r)
{
    if (r->state == RS_BODY_UNTIL_CLOSE) {
        r->state = RS_DONE;
        return LG_DONE;
    }
    if (r->state == RS_DONE)
        return LG_DONE;
    return fail_resp(r, r->state == RS_HEAD && r->hlen == 0 ? "connection closed before a response"
                                                            : "connection closed mid-response");
}

/* ------------------------------------------------------------------------------------------------------
 */
/* connections and threads */

enum { C_IDLE, C_CONNECTING, C_SENDING, C_RECEIVING, C_CLOSING, C_BACKOFF, C_DONE };
enum { E_CONNECT, E_IO, E_TIMEOUT, E_STATUS, E_BODY, E_PROTO, E_KINDS };

typedef struct conn {
    int fd;
    int state;
    int rd_pending; /* readable edge seen while not receiving */
    unsigned device;
    char *req;
    size_t rlen, roff;
    uint64_t t_start, deadline, wake;
    lg_resp resp;
} conn;

typedef struct shared {
    const lg_phase *p;
    uint64_t t0, win_start, win_end, stop_at, drain_until;
    uint64_t timeout_ns;
    atomic_uint_fast64_t seq;
} shared;

typedef struct worker {
    shared *sh;
    pthread_t tid;
    int ep;
    conn *c;
    unsigned nconn, first; /* global index of c[0] */
    unsigned active;       /* connections not DONE */
    int depth;             /* do_read nesting */
    lg_hist hist;
    uint64_t ok, ok_total;
    uint64_t err[E_KINDS];
    char first_error[160];
    char scratch[65536];
} worker;

static void record_error(worker *w, int kind, const char *what, int err)
{
    w->err[kind]++;
    if (!w->first_error[0]) {
        if (err)
            snprintf(w->first_error, sizeof(w->first_error), "%s: %s", what, strerror(err));
        else
            snprintf(w->first_error, sizeof(w->first_error), "%s", what);
    }
}

static void close_fd(conn *c)
{
    if (c->fd >= 0) {
        close(c->fd); /* also leaves the epoll set */
        c->fd = -1;
    }
}

static int stopping(const worker *w, uint64_t now)
{
    const shared *sh = w->sh;
    return now >= sh->stop_at || (sh->p->stop && *sh->p->stop);
}

static void start_request(worker *w, conn *c, uint64_t now);

/* A finished request (successful or not) leads to the next one, or to the end of this connection.
 */
static void next_or_done(worker *w, conn *c, uint64_t now)
{
    if (stopping(w, now)) {
        close_fd(c);
        c->state = C_DONE;
        w->active--;
        return;
    }
    start_request(w, c, now);
}

static void conn_fail(worker *w, conn *c, int kind, const char *what, int err, uint64_t now)
{
    record_error(w, kind, what, err);
    close_fd(c);
    if (stopping(w, now)) {
        c->state = C_DONE;
        w->active--;
        return;
    }
    c->state = C_BACKOFF;
    c->wake = now + BACKOFF_NS;
}

static void try_send(worker *w, conn *c);
static void do_read(worker *w, conn *c);
static void do_read_(worker *w, conn *c);

static void open_conn(worker *w, conn *c, uint64_t now)
{
    const lg_phase *p = w->sh->p;
    int fd = socket(p->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
    if (fd < 0) {
        conn_fail(w, c, E_CONNECT, "socket", errno, now);
        return;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    c->fd = fd;
    struct epoll_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    ev.data.ptr = c;
    if (epoll_ctl(w->ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
        conn_fail(w, c, E_CONNECT, "epoll_ctl", errno, now);
        return;
    }
    c->rd_pending = 0;
    if (connect(fd, (const struct sockaddr *)&p->addr, p->addrlen) == 0) {
        c->state = C_SENDING;
        try_send(w, c);
    } else if (errno == EINPROGRESS) {
        c->state = C_CONNECTING;
    } else {
        conn_fail(w, c, E_CONNECT, "connect", errno, now);
    }
}

static void start_request(worker *w, conn *c, uint64_t now)
{
    shared *sh = w->sh;
    const lg_phase *p = sh->p;
    uint64_t seq = atomic_fetch_add_explicit(&sh->seq, 1, memory_order_relaxed);
    if (p->max_requests && seq >= p->max_requests) {
        close_fd(c);
        c->state = C_DONE;
        w->active--;
        return;
    }
    c->rlen = p->build(p->ud, c->device, seq, c->req, p->req_cap);
    c->device = (unsigned)(((uint64_t)c->device + p->connections) % p->devices);
    if (c->rlen == 0 || c->rlen > p->req_cap) {
        record_error(w, E_PROTO, "request does not fit the buffer", 0);
        close_fd(c);
        c->state = C_DONE;
        w->active--;
        return;
    }
    c->roff = 0;
    c->t_start = now;
    c->deadline = now + sh->timeout_ns;
    lg_resp_reset(&c->resp);
    if (c->fd < 0) {
        open_conn(w, c, now);
    } else {
        c->state = C_SENDING;
        try_send(w, c);
    }
}

static void try_send(worker *w, conn *c)
{
    while (c->roff < c->rlen) {
        ssize_t n = send(c->fd, c->req + c->roff, c->rlen - c->roff, MSG_NOSIGNAL);
        if (n > 0) {
            c->roff += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return; /* wait for EPOLLOUT */
        conn_fail(w, c, E_IO, "send", n < 0 ? errno : EPIPE, lg_now_ns());
        return;
    }
    c->state = C_RECEIVING;
    if (c->rd_pending) {
        c->rd_pending = 0;
        do_read(w, c);
    }
}

static int body_matches(const lg_resp *r, const char *expect)
{
    size_t n = r->blen;
    while (n && (r->body[n - 1] == '\n' || r->body[n - 1] == '\r'))
        n--;
    return r->remaining == 0 && strlen(expect) == n && memcmp(r->body, expect, n) == 0 &&
           r->blen < LG_BODY_KEEP;
}

static void complete(worker *w, conn *c, int eof)
{
    shared *sh = w->sh;
    uint64_t now = lg_now_ns();
    lg_resp *r = &c->resp;
    if (r->status != 200) {
        char msg[64];
        snprintf(msg, sizeof(msg), "HTTP status %d", r->status);
        record_error(w, E_STATUS, msg, 0);
    } else if (sh->p->expect_body && !body_matches(r, sh->p->expect_body)) {
        char msg[LG_BODY_KEEP + 32];
        snprintf(msg, sizeof(msg), "unexpected reply \"%.40s\"", r->body);
        for (char *q = msg; *q; q++)
            if ((unsigned char)*q < 0x20)
                *q = ' ';
        record_error(w, E_BODY, msg, 0);
    } else {
        w->ok_total++;
        if (now >= sh->win_start && now < sh->win_end) {
            w->ok++;
            lg_hist_add(&w->hist, now - c->t_start);
        }
    }
    if (eof) {
        close_fd(c);
    } else if (r->close || sh->p->close_each) {
        /* Wait for the server's FIN, so the TIME-WAIT state stays on its side (as with a device).
         */
        c->state = C_CLOSING;
        c->deadline = now + sh->timeout_ns;
        c->rd_pending = 0;
        do_read(w, c); /* the FIN may be queued already, and its edge gone with the data's */
        return;
    }
    next_or_done(w, c, now);
}

static void do_read(worker *w, conn *c)
{
    if (w->depth >= 4) { /* a chain of instant replies: continue from the sweep, not the stack */
        c->rd_pending = 1;
        return;
    }
    w->depth++;
    do_read_(w, c);
    w->depth--;
}

static void do_read_(worker *w, conn *c)
{
    for (int rounds = 0; rounds < 64; rounds++) {
        ssize_t n = recv(c->fd, w->scratch, sizeof(w->scratch), 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return;
            conn_fail(w, c, E_IO, "recv", errno, lg_now_ns());
            return;
        }
        if (c->state == C_CLOSING) {
            if (n == 0) {
                close_fd(c);
                next_or_done(w, c, lg_now_ns());
            } else {
                conn_fail(w, c, E_PROTO, "data after the response", 0, lg_now_ns());
            }
            return;
        }
        if (n == 0) {
            if (lg_resp_eof(&c->resp) == LG_DONE)
                complete(w, c, 1);
            else
                conn_fail(w, c, E_IO, c->resp.err, 0, lg_now_ns());
            return;
        }
        size_t used = 0;
        int rc = lg_resp_feed(&c->resp, w->scratch, (size_t)n, &used);
        if (rc == LG_ERR) {
            conn_fail(w, c, E_PROTO, c->resp.err, 0, lg_now_ns());
            return;
        }
        if (rc == LG_DONE) {
            if (used < (size_t)n) {
                conn_fail(w, c, E_PROTO, "data after the response", 0, lg_now_ns());
                return;
            }
            /* A short read drained the socket; a full one may have left the FIN or stray bytes
             * behind. */
            c->rd_pending = (size_t)n == sizeof(w->scratch);
            complete(w, c, 0);
            return;
        }
        /* Incomplete: read on until EAGAIN, as a FIN queued behind these bytes brings no new edge.
         */
    }
    c->rd_pending = 1; /* a big body: continue on the next sweep */
}

static void on_event(worker *w, conn *c, uint32_t ev)
{
    switch (c->state) {
    case C_CONNECTING:
        if (ev & (EPOLLOUT | EPOLLERR | EPOLLHUP)) {
            int err = 0;
            socklen_t el = sizeof(err);
            if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el) != 0)
                err = errno;
            if (err) {
                conn_fail(w, c, E_CONNECT, "connect", err, lg_now_ns());
                return;
            }
            if (ev & (EPOLLIN | EPOLLRDHUP))
                c->rd_pending = 1;
            c->state = C_SENDING;
            try_send(w, c);
        }
        return;
    case C_SENDING:
        if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
            c->rd_pending = 1;
        if (ev & (EPOLLOUT | EPOLLERR | EPOLLHUP))
            try_send(w, c);
        return;
    case C_RECEIVING:
    case C_CLOSING:
        if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
            do_read(w, c);
        return;
    default:
        return;
    }
}

static void sweep(worker *w, uint64_t now, int final)
{
    for (unsigned i = 0; i < w->nconn; i++) {
        conn *c = &w->c[i];
        switch (c->state) {
        case C_CONNECTING:
        case C_SENDING:
        case C_RECEIVING:
        case C_CLOSING:
            if (final || now >= c->deadline) {
                record_error(w, E_TIMEOUT,
                             c->state == C_CLOSING ? "timeout waiting for the close"
                                                   : "request timed out",
                             0);
                close_fd(c);
                if (final || stopping(w, now)) {
                    c->state = C_DONE;
                    w->active--;
                } else {
                    c->state = C_BACKOFF;
                    c->wake = now + BACKOFF_NS;
                }
            } else if (c->rd_pending && (c->state == C_RECEIVING || c->state == C_CLOSING)) {
                c->rd_pending = 0;
                do_read(w, c);
            }
            break;
        case C_IDLE: /* never started: the phase ended first */
            if (final || stopping(w, now)) {
                c->state = C_DONE;
                w->active--;
            }
            break;
        case C_BACKOFF:
            if (final || stopping(w, now)) {
                c->state = C_DONE;
                w->active--;
            } else if (now >= c->wake) {
                start_request(w, c, now);
            }
            break;
        default:
            break;
        }
    }
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    shared *sh = w->sh;
    struct epoll_event evs[256];
    uint64_t now = lg_now_ns();
    for (unsigned i = 0; i < w->nconn && !stopping(w, now); i++)
        start_request(w, &w->c[i], now);
    uint64_t next_sweep = now + SWEEP_NS;
    int stopped = 0;
    while (w->active > 0) {
        now = lg_now_ns();
        if (now >= sh->drain_until) {
            sweep(w, now, 1);
            break;
        }
        if (!stopped && stopping(w, now)) {
            stopped = 1;
            /* idle and backing-off connections end now; those in flight finish (or time out) */
            sweep(w, now, 0);
            if (w->active == 0)
                break;
        }
        int n = epoll_wait(w->ep, evs, (int)(sizeof(evs) / sizeof(evs[0])), 5);
        if (n < 0 && errno != EINTR) {
            record_error(w, E_IO, "epoll_wait", errno);
            sweep(w, lg_now_ns(), 1);
            break;
        }
        for (int i = 0; i < n; i++)
            on_event(w, evs[i].data.ptr, evs[i].events);
        now = lg_now_ns();
        if (now >= next_sweep) {
            sweep(w, now, 0);
            next_sweep = now + SWEEP_NS;
        }
    }
    for (unsigned i = 0; i < w->nconn; i++)
        close_fd(&w->c[i]);
    return NULL;
}

static uint64_t secs_ns(double s)
{
    if (!(s > 0))
        return 0;
    if (s > 1e6)
        s = 1e6;
    return (uint64_t)(s * 1e9);
}

int lg_run(const lg_phase *p, lg_result *res)
{
    memset(res, 0, sizeof(*res));
    if (!p->build || p->threads == 0 || p->connections == 0 || p->devices == 0 || p->req_cap == 0 ||
        !(p->seconds > 0)) {
        errno = EINVAL;
        return -1;
    }
    unsigned nthreads = p->threads > p->connections ? p->connections : p->threads;
    shared sh;
    memset(&sh, 0, sizeof(sh));
    sh.p = p;
    atomic_init(&sh.seq, 0);
    sh.timeout_ns = secs_ns(p->timeout_s > 0 ? p->timeout_s : 10);

    worker *ws = calloc(nthreads, sizeof(*ws));
    conn *cs = calloc(p->connections, sizeof(*cs));
    char *bufs = calloc(p->connections, p->req_cap);
    if (!ws || !cs || !bufs) {
        free(ws);
        free(cs);
        free(bufs);
        errno = ENOMEM;
        return -1;
    }
    for (unsigned i = 0; i < p->connections; i++) {
        cs[i].fd = -1;
        cs[i].state = C_IDLE;
        cs[i].req = bufs + (size_t)i * p->req_cap;
        cs[i].device = i % p->devices;
    }
    unsigned base = 0;
    int rc = 0;
    for (unsigned t = 0; t < nthreads; t++) {
        worker *w = &ws[t];
        w->sh = &sh;
        w->first = base;
        w->nconn = p->connections / nthreads + (t < p->connections % nthreads);
        w->active = w->nconn;
        w->c = cs + base;
        base += w->nconn;
        w->ep = epoll_create1(EPOLL_CLOEXEC);
        if (w->ep < 0)
            rc = -1;
    }

    uint64_t t0 = lg_now_ns();
    sh.t0 = t0;
    if (p->max_requests) {
        sh.win_start = t0;
        sh.win_end = UINT64_MAX;
        sh.stop_at = t0 + secs_ns(p->seconds);
    } else {
        sh.win_start = t0 + secs_ns(p->warmup_s);
        sh.win_end = sh.win_start + secs_ns(p->seconds);
        sh.stop_at = sh.win_end;
    }
    sh.drain_until = sh.stop_at + secs_ns(p->drain_s > 0 ? p->drain_s : 2);

    unsigned started = 0;
    if (rc == 0) {
        for (; started < nthreads; started++) {
            if (pthread_create(&ws[started].tid, NULL, worker_main, &ws[started]) != 0) {
                rc = -1;
                break;
            }
        }
    }
    for (unsigned t = 0; t < started; t++)
        pthread_join(ws[t].tid, NULL);
    uint64_t t_end = lg_now_ns();

    lg_hist *h = calloc(1, sizeof(*h));
    for (unsigned t = 0; t < nthreads; t++) {
        worker *w = &ws[t];
        if (h)
            lg_hist_merge(h, &w->hist);
        res->ok += w->ok;
        res->ok_total += w->ok_total;
        res->err_connect += w->err[E_CONNECT];
        res->err_io += w->err[E_IO];
        res->err_timeout += w->err[E_TIMEOUT];
        res->err_status += w->err[E_STATUS];
        res->err_body += w->err[E_BODY];
        res->err_proto += w->err[E_PROTO];
        if (!res->first_error[0] && w->first_error[0])
            snprintf(res->first_error, sizeof(res->first_error), "%s", w->first_error);
        if (w->ep >= 0)
            close(w->ep);
    }
    res->errors = res->err_connect + res->err_io + res->err_timeout + res->err_status +
                  res->err_body + res->err_proto;
    if (p->max_requests) {
        res->window_s = (double)(t_end - t0) / 1e9;
    } else {
        uint64_t we = t_end < sh.win_end ? t_end : sh.win_end; /* stopped early */
        res->window_s = we > sh.win_start ? (double)(we - sh.win_start) / 1e9 : 0;
    }
    if (res->window_s > 0)
        res->req_per_s = (double)res->ok / res->window_s;
    res->records_per_s = res->req_per_s * p->records_per_request;
    if (h) {
        res->p50_ns = lg_hist_quantile(h, 0.50);
        res->p99_ns = lg_hist_quantile(h, 0.99);
        res->max_ns = h->max;
        free(h);
    }
    free(ws);
    free(cs);
    free(bufs);
    if (rc != 0 && started == 0) {
        errno = EAGAIN;
        return -1;
    }
    return 0;
}
