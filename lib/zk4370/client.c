/* SPDX-License-Identifier: Apache-2.0 */
/* 4370 client: connection, transport, request/reply matching, events (tcp4370.md §1, §3, §6).
 * The operations (users, attendance, templates, ...) are in client_ops.c. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal/bytes.h"
#include "internal/opts.h"
#include "internal/net.h"
#include "zk4370/zki_client.h"

int64_t zki_zk_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int zki_zk_fail(zkbio_zk_client *c, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err, sizeof(c->err), fmt, ap);
    va_end(ap);
    if (rc == ZKBIO_ECONN || (rc == ZKBIO_EPROTO && c->tcp)) {
        /* the stream cannot be trusted any more: close it so a hostile device stops at once */
        c->broken = 1;
        if (c->fd >= 0)
            zki_sock_close(c->fd);
        c->fd = -1;
    }
    return rc;
}

/* ---- sockets ---- */

static int wait_fd(int fd, short events, int64_t deadline)
{
    for (;;) {
        int64_t left = deadline - zki_zk_now_ms();
        if (left <= 0)
            return ZKBIO_ETIMEDOUT;
        struct pollfd p = {fd, events, 0};
        int r = zki_poll(&p, 1, left > 1000 ? 1000 : (int)left);
        if (r > 0)
            return ZKBIO_OK;
        if (r < 0 && errno != EINTR)
            return ZKBIO_ECONN;
    }
}

static int send_all(zkbio_zk_client *c, const uint8_t *p, size_t n, int64_t deadline)
{
    while (n > 0) {
        zki_ssize w = zki_sock_send(c->fd, p, n);
        if (w > 0) {
            p += w;
            n -= (size_t)w;
            continue;
        }
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            int rc = wait_fd(c->fd, POLLOUT, deadline);
            if (rc != ZKBIO_OK)
                return zki_zk_fail(c, rc, "sending: %s", zkbio_strerror(rc));
            continue;
        }
        return zki_zk_fail(c, ZKBIO_ECONN, "send: %s", zki_net_strerror(errno));
    }
    return ZKBIO_OK;
}

uint16_t zki_zk_next_reply(zkbio_zk_client *c)
{
    c->reply = (uint16_t)(c->reply + 1);
    if (c->reply == 0xFFFF) /* 65535 itself is never sent (§1.4) */
        c->reply = 0;
    return c->reply;
}

int zki_zk_send(zkbio_zk_client *c, uint16_t cmd, uint16_t reply, const uint8_t *data, size_t len,
                int64_t deadline)
{
    if (c->broken || c->fd < 0)
        return zki_zk_fail(c, ZKBIO_ECONN, "connection is closed");
    size_t n;
    int rc = zkbio_zk_packet_build(cmd, c->session, reply, data, len, c->tcp, c->sbuf,
                                   sizeof(c->sbuf), &n);
    if (rc != ZKBIO_OK)
        return zki_zk_fail(c, rc, "building command %u: %s", cmd, zkbio_strerror(rc));
    return send_all(c, c->sbuf, n, deadline);
}

static void queue_event(zkbio_zk_client *c, const zkbio_zk_header *h, const uint8_t *d, size_t n)
{
    zkbio_zk_event ev;
    /* acknowledge every event (session = ours, reply id 0), §6.1 */
    (void)zki_zk_send(c, ZKBIO_ZK_ACK_OK, 0, NULL, 0, zki_zk_now_ms() + c->timeout_ms);
    if (zkbio_zk_event_parse(h->session, d, n, &ev) != ZKBIO_OK) {
        memset(&ev, 0, sizeof(ev));
        ev.flag = h->session;
    }
    if (c->nevents == ZKI_ZK_EVENTQ) { /* full: drop the oldest */
        c->ev_head = (c->ev_head + 1) % ZKI_ZK_EVENTQ;
        c->nevents--;
    }
    c->events[(c->ev_head + c->nevents) % ZKI_ZK_EVENTQ] = ev;
    c->nevents++;
}

/* Receive one raw packet into c->pkt (c->pkt_len) before the deadline. */
static int recv_raw(zkbio_zk_client *c, int64_t deadline)
{
    if (c->broken || c->fd < 0)
        return zki_zk_fail(c, ZKBIO_ECONN, "connection is closed");
    for (;;) {
        if (c->tcp) {
            const uint8_t *pkt;
            size_t plen, used;
            int r = zkbio_zk_tcp_frame(c->rbuf + c->rpos, c->rlen - c->rpos, &pkt, &plen, &used);
            if (r == 1) {
                memcpy(c->pkt, pkt, plen);
                c->pkt_len = plen;
                c->rpos += used;
                if (c->rpos == c->rlen)
                    c->rpos = c->rlen = 0;
                return ZKBIO_OK;
            }
            if (r < 0)
                return zki_zk_fail(c, ZKBIO_EPROTO, "device sent a bad TCP frame (%s)",
                                   r == ZKBIO_ETOOBIG ? "length above 64 KiB"
                                                      : "bad magic or length");
            if (c->rpos > 0) { /* keep the partial frame at the start */
                memmove(c->rbuf, c->rbuf + c->rpos, c->rlen - c->rpos);
                c->rlen -= c->rpos;
                c->rpos = 0;
            }
            zki_ssize got = zki_sock_recv(c->fd, c->rbuf + c->rlen, sizeof(c->rbuf) - c->rlen, 0);
            if (got > 0) {
                c->rlen += (size_t)got;
                continue;
            }
            if (got == 0)
                return zki_zk_fail(c, ZKBIO_ECONN, "device closed the connection");
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                return zki_zk_fail(c, ZKBIO_ECONN, "recv: %s", zki_net_strerror(errno));
        } else {
            zki_ssize got = zki_sock_recv(c->fd, c->pkt, sizeof(c->pkt), 0);
            if (got >= 0) {
                if ((size_t)got < ZKBIO_ZK_HEADER_SIZE)
                    continue; /* runt datagram: ignore */
                c->pkt_len = (size_t)got;
                return ZKBIO_OK;
            }
            if (errno == EINTR)
                continue;
            if (errno == ECONNREFUSED)
                return zki_zk_fail(c, ZKBIO_ECONN, "device port unreachable (UDP)");
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                return zki_zk_fail(c, ZKBIO_ECONN, "recv: %s", zki_net_strerror(errno));
        }
        int rc = wait_fd(c->fd, POLLIN, deadline);
        if (rc != ZKBIO_OK)
            return zki_zk_fail(c, rc, "no answer from the device within %d ms", c->timeout_ms);
    }
}

int zki_zk_recv(zkbio_zk_client *c, int64_t deadline, int keep_events, zkbio_zk_header *h,
                const uint8_t **data, size_t *len)
{
    for (;;) {
        /* checked here too: a device that never stops sending (events, stale replies) must not
         * keep a call alive past its deadline */
        if (zki_zk_now_ms() >= deadline)
            return zki_zk_fail(c, ZKBIO_ETIMEDOUT, "no answer from the device within %d ms",
                               c->timeout_ms);
        int rc = recv_raw(c, deadline);
        if (rc != ZKBIO_OK)
            return rc;
        int ok;
        if (zkbio_zk_packet_parse(c->pkt, c->pkt_len, h, data, len, &ok) != ZKBIO_OK) {
            if (c->tcp) /* cannot happen after the framer; kept for safety */
                return zki_zk_fail(c, ZKBIO_EPROTO, "malformed packet");
            continue; /* an oversized datagram: dropped */
        }
        if (!ok && !c->lenient) {
            if (c->tcp)
                return zki_zk_fail(c, ZKBIO_EPROTO, "packet with a bad checksum (command %u)",
                                   h->cmd);
            /* UDP: drop it, as a lost datagram; the caller re-requests or times out */
            c->bad_checksums++;
            if (c->bad_checksums > 64)
                return zki_zk_fail(c, ZKBIO_EPROTO, "too many packets with a bad checksum");
            continue;
        }
        if (h->cmd == ZKBIO_ZK_CMD_REG_EVENT && !keep_events) {
            queue_event(c, h, *data, *len);
            if (c->broken)
                return ZKBIO_ECONN;
            continue;
        }
        return ZKBIO_OK;
    }
}

int zki_zk_reply_for(zkbio_zk_client *c, uint16_t reply, int64_t deadline, zkbio_zk_header *h,
                     const uint8_t **data, size_t *len)
{
    for (;;) {
        int rc = zki_zk_recv(c, deadline, 0, h, data, len);
        if (rc != ZKBIO_OK)
            return rc;
        if (h->reply == reply)
            return ZKBIO_OK;
        /* a late answer to an earlier request that timed out: skip it */
    }
}

int zki_zk_request(zkbio_zk_client *c, uint16_t cmd, const uint8_t *data, size_t len,
                   zkbio_zk_header *h, const uint8_t **rdata, size_t *rlen)
{
    int64_t deadline = zki_zk_now_ms() + c->timeout_ms;
    uint16_t reply = zki_zk_next_reply(c);
    c->bad_checksums = 0; /* the UDP limit counts per request */
    int rc = zki_zk_send(c, cmd, reply, data, len, deadline);
    if (rc != ZKBIO_OK)
        return rc;
    rc = zki_zk_reply_for(c, reply, deadline, h, rdata, rlen);
    if (rc == ZKBIO_ETIMEDOUT)
        zki_zk_fail(c, rc, "no answer to command %u within %d ms", cmd, c->timeout_ms);
    return rc;
}

int zki_zk_simple(zkbio_zk_client *c, uint16_t cmd, const uint8_t *data, size_t len)
{
    zkbio_zk_header h;
    const uint8_t *d;
    size_t n;
    int rc = zki_zk_request(c, cmd, data, len, &h, &d, &n);
    if (rc != ZKBIO_OK)
        return rc;
    if (h.cmd == ZKBIO_ZK_ACK_OK)
        return ZKBIO_OK;
    if (h.cmd == ZKBIO_ZK_ACK_UNAUTH)
        return zki_zk_fail(c, ZKBIO_EACCES, "device says the session is not authenticated");
    return zki_zk_fail(c, ZKBIO_EIO, "device refused command %u (reply %u)", cmd, h.cmd);
}

/* ---- connect ---- */

/* Open a socket to ai; TCP connect waits until deadline. */
static int open_socket(zkbio_zk_client *c, const struct addrinfo *ai, int tcp, int64_t deadline)
{
    int fd = zki_sock_open(ai->ai_family, tcp ? SOCK_STREAM : SOCK_DGRAM,
                           tcp ? IPPROTO_TCP : IPPROTO_UDP);
    if (fd < 0)
        return zki_zk_fail(c, ZKBIO_ECONN, "socket: %s", zki_net_strerror(errno));
    if (zki_sock_nonblock(fd) != 0) {
        int e = errno;
        zki_sock_close(fd);
        return zki_zk_fail(c, ZKBIO_ECONN, "nonblocking socket: %s", zki_net_strerror(e));
    }
    if (tcp)
        zki_sock_setint(fd, IPPROTO_TCP, TCP_NODELAY, 1);
    else /* a 16 KiB chunk arrives as a burst of datagrams */
        zki_sock_setint(fd, SOL_SOCKET, SO_RCVBUF, 1 << 20);
    if (zki_sock_connect(fd, ai->ai_addr, (socklen_t)ai->ai_addrlen) != 0) {
        if (errno != EINPROGRESS) {
            int e = errno;
            zki_sock_close(fd);
            return zki_zk_fail(c, ZKBIO_ECONN, "connect: %s", zki_net_strerror(e));
        }
        /* our own deadline: WSAPoll may never report a failed connect (platforms.md §3.4) */
        int rc = wait_fd(fd, POLLOUT, deadline);
        int err = rc == ZKBIO_OK ? zki_sock_error(fd) : 0;
        if (rc == ZKBIO_OK && err)
            rc = ZKBIO_ECONN;
        if (rc != ZKBIO_OK) {
            zki_sock_close(fd);
            return zki_zk_fail(c, rc, "connect: %s",
                               rc == ZKBIO_ETIMEDOUT ? "timed out" : zki_net_strerror(err));
        }
    }
    c->fd = fd;
    c->tcp = tcp;
    c->rpos = c->rlen = 0;
    c->broken = 0;
    return ZKBIO_OK;
}

static int handshake(zkbio_zk_client *c)
{
    c->session = 0;
    c->reply = 0xFFFE; /* the first request (CONNECT) goes out with reply id 0, as pyzk's */
    zkbio_zk_header h;
    const uint8_t *d;
    size_t n;
    int rc = zki_zk_request(c, ZKBIO_ZK_CMD_CONNECT, NULL, 0, &h, &d, &n);
    if (rc != ZKBIO_OK)
        return rc;
    if (h.cmd != ZKBIO_ZK_ACK_OK && h.cmd != ZKBIO_ZK_ACK_UNAUTH)
        return zki_zk_fail(c, ZKBIO_EPROTO, "unexpected reply %u to CONNECT", h.cmd);
    c->session = h.session;
    if (h.cmd == ZKBIO_ZK_ACK_UNAUTH) {
        uint8_t key[4];
        zkbio_zk_commkey(c->comm_key, c->session, 50, key);
        rc = zki_zk_request(c, ZKBIO_ZK_CMD_AUTH, key, 4, &h, &d, &n);
        if (rc != ZKBIO_OK)
            return rc;
        if (h.cmd != ZKBIO_ZK_ACK_OK)
            return zki_zk_fail(c, ZKBIO_EACCES, "the device rejected the comm key");
    }
    return ZKBIO_OK;
}

static void close_fd(zkbio_zk_client *c)
{
    if (c->fd >= 0)
        zki_sock_close(c->fd);
    c->fd = -1;
}

/* The options as 0.3 had them: the first version with a size field. */
#define ZKI_ZK_CLIENT_OPTIONS_0_3 ZKI_OPTS_END(zkbio_zk_client_options, lenient_checksum)

int zkbio_zk_client_open(const char *host, uint16_t port, const zkbio_zk_client_options *opt,
                         zkbio_zk_client **out)
{
    if (!host || !*host || !out)
        return ZKBIO_EINVAL;
    zkbio_zk_client_options o;
    if (zki_opts_copy(&o, sizeof(o), opt, opt ? opt->size : 0, ZKI_ZK_CLIENT_OPTIONS_0_3) != 0)
        return ZKBIO_EINVAL;
    if (o.transport < ZKBIO_ZK_AUTO || o.transport > ZKBIO_ZK_UDP)
        return ZKBIO_EINVAL;
    zkbio_zk_client *c = calloc(1, sizeof(*c));
    if (!c)
        return ZKBIO_ENOMEM;
    c->fd = -1;
    c->timeout_ms = o.timeout_ms > 0 ? o.timeout_ms : 5000;
    c->retries = o.retries == 0 ? 3 : (o.retries < 0 ? 0 : o.retries);
    c->max_dataset = o.max_dataset ? o.max_dataset : (size_t)64 << 20;
    c->comm_key = o.comm_key;
    c->lenient = o.lenient_checksum;
    if (o.charset && !(c->charset = strdup(o.charset))) {
        free(c);
        return ZKBIO_ENOMEM;
    }
    pthread_mutex_init(&c->mu, NULL);

    char ports[8];
    snprintf(ports, sizeof(ports), "%u", port ? (unsigned)port : (unsigned)ZKBIO_ZK_PORT);
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    if (zki_net_init() != ZKBIO_OK) { /* Windows: WSAStartup, once per process */
        zkbio_zk_client_close(c);
        return ZKBIO_ECONN;
    }
    if (getaddrinfo(host, ports, &hints, &res) != 0 || !res) {
        zkbio_zk_client_close(c);
        return ZKBIO_ENOENT;
    }
    int rc = ZKBIO_ECONN;
    int try_udp = o.transport == ZKBIO_ZK_UDP;
    if (o.transport != ZKBIO_ZK_UDP) {
        /* every address of the name in turn ("localhost" may give ::1 before 127.0.0.1) */
        for (const struct addrinfo *ai = res; ai; ai = ai->ai_next) {
            rc = open_socket(c, ai, 1, zki_zk_now_ms() + c->timeout_ms);
            if (rc == ZKBIO_OK && (rc = handshake(c)) != ZKBIO_OK)
                close_fd(c);
            if (rc == ZKBIO_OK || rc == ZKBIO_EACCES)
                break;
        }
        /* fall back to UDP when TCP is refused or silent, not when the key was rejected (§1.5) */
        if (rc != ZKBIO_OK && o.transport == ZKBIO_ZK_AUTO && rc != ZKBIO_EACCES)
            try_udp = 1;
    }
    for (const struct addrinfo *ai = res; try_udp && ai; ai = ai->ai_next) {
        rc = open_socket(c, ai, 0, zki_zk_now_ms() + c->timeout_ms);
        if (rc == ZKBIO_OK && (rc = handshake(c)) != ZKBIO_OK)
            close_fd(c);
        if (rc == ZKBIO_OK || rc == ZKBIO_EACCES)
            break;
    }
    freeaddrinfo(res);
    if (rc != ZKBIO_OK) {
        zkbio_zk_client_close(c);
        return rc;
    }
    *out = c;
    return ZKBIO_OK;
}

void zkbio_zk_client_close(zkbio_zk_client *c)
{
    if (!c)
        return;
    if (c->fd >= 0 && !c->broken) {
        int saved = c->timeout_ms;
        c->timeout_ms = saved < 500 ? saved : 500;
        (void)zki_zk_simple(c, ZKBIO_ZK_CMD_EXIT, NULL, 0);
        c->timeout_ms = saved;
    }
    close_fd(c);
    pthread_mutex_destroy(&c->mu);
    free(c->charset);
    free(c);
}

int zkbio_zk_client_transport(zkbio_zk_client *c, int *out)
{
    if (!c || !out)
        return ZKBIO_EINVAL;
    pthread_mutex_lock(&c->mu);
    *out = c->tcp ? ZKBIO_ZK_TCP : ZKBIO_ZK_UDP;
    pthread_mutex_unlock(&c->mu);
    return ZKBIO_OK;
}

int zkbio_zk_client_last_error(zkbio_zk_client *c, char *out, size_t outsize)
{
    if (!c || !out || !outsize)
        return ZKBIO_EINVAL;
    pthread_mutex_lock(&c->mu);
    snprintf(out, outsize, "%s", c->err);
    pthread_mutex_unlock(&c->mu);
    return ZKBIO_OK;
}

void zkbio_zk_free(void *p)
{
    free(p);
}

/* ---- events ---- */

int zki_zk_pop_event(zkbio_zk_client *c, zkbio_zk_event *ev)
{
    if (!c->nevents)
        return 0;
    *ev = c->events[c->ev_head];
    c->ev_head = (c->ev_head + 1) % ZKI_ZK_EVENTQ;
    c->nevents--;
    return 1;
}

/* Wait up to `slice_ms` for events; queued ones first. Returns 1 and *ev, 0 none, <0 error. */
int zki_zk_wait_event(zkbio_zk_client *c, int slice_ms, zkbio_zk_event *ev)
{
    if (zki_zk_pop_event(c, ev))
        return 1;
    int64_t deadline = zki_zk_now_ms() + slice_ms;
    for (;;) {
        zkbio_zk_header h;
        const uint8_t *d;
        size_t n;
        /* events are taken as they come (keep_events), so that each is delivered when it
         * arrives, not at the end of the slice */
        int rc = zki_zk_recv(c, deadline, 1, &h, &d, &n);
        if (rc == ZKBIO_ETIMEDOUT) {
            c->err[0] = '\0';
            return 0;
        }
        if (rc != ZKBIO_OK)
            return rc;
        if (h.cmd == ZKBIO_ZK_CMD_REG_EVENT) {
            queue_event(c, &h, d, n);
            if (c->broken)
                return ZKBIO_ECONN;
        }
        if (zki_zk_pop_event(c, ev))
            return 1;
        /* anything else (late replies) is dropped */
    }
}

int zkbio_zk_listen(zkbio_zk_client *c, uint32_t mask, int duration_ms, zkbio_zk_event_cb cb,
                    void *user)
{
    if (!c || !cb)
        return ZKBIO_EINVAL;
    uint8_t m[4];
    zki_put_le32(m, mask);
    pthread_mutex_lock(&c->mu);
    int rc = zki_zk_simple(c, ZKBIO_ZK_CMD_REG_EVENT, m, 4);
    pthread_mutex_unlock(&c->mu);
    if (rc != ZKBIO_OK)
        return rc;
    int64_t end = duration_ms < 0 ? INT64_MAX : zki_zk_now_ms() + duration_ms;
    int stop = 0;
    while (!stop) {
        int64_t left = end - zki_zk_now_ms();
        if (left <= 0)
            break;
        pthread_mutex_lock(&c->mu);
        zkbio_zk_event ev;
        int r = zki_zk_wait_event(c, left < 100 ? (int)left : 100, &ev);
        if (r == 0) { /* idle tick: lets the caller stop a listen that hears nothing */
            memset(&ev, 0, sizeof(ev));
            stop = cb(&ev, user) != 0;
        }
        while (r == 1 && !stop) {
            stop = cb(&ev, user) != 0;
            r = stop ? 0 : zki_zk_pop_event(c, &ev);
        }
        pthread_mutex_unlock(&c->mu);
        if (r < 0)
            return r;
    }
    zki_put_le32(m, 0);
    pthread_mutex_lock(&c->mu);
    rc = zki_zk_simple(c, ZKBIO_ZK_CMD_REG_EVENT, m, 4);
    pthread_mutex_unlock(&c->mu);
    return rc;
}

/* ---- split listen: a caller polls many handles (Since 0.4) ---- */

int zkbio_zk_client_fd_get(zkbio_zk_client *c, int *fd)
{
    if (!c || !fd)
        return ZKBIO_EINVAL;
    pthread_mutex_lock(&c->mu);
    *fd = c->broken ? -1 : c->fd;
    pthread_mutex_unlock(&c->mu);
    return ZKBIO_OK;
}

int zkbio_zk_events_register(zkbio_zk_client *c, uint32_t mask)
{
    if (!c)
        return ZKBIO_EINVAL;
    uint8_t m[4];
    zki_put_le32(m, mask);
    pthread_mutex_lock(&c->mu);
    int rc = zki_zk_simple(c, ZKBIO_ZK_CMD_REG_EVENT, m, 4);
    pthread_mutex_unlock(&c->mu);
    return rc;
}

int zkbio_zk_events_poll(zkbio_zk_client *c, int wait_ms, zkbio_zk_event_cb cb, void *user,
                         size_t *delivered)
{
    if (!c || !cb || wait_ms < 0)
        return ZKBIO_EINVAL;
    size_t n = 0;
    int rc = ZKBIO_OK;
    pthread_mutex_lock(&c->mu);
    /* at least 1 ms: zki_zk_recv checks its deadline before it reads what is already there */
    int64_t end = zki_zk_now_ms() + (wait_ms > 0 ? wait_ms : 1);
    for (;;) {
        int64_t left = end - zki_zk_now_ms();
        zkbio_zk_event ev;
        int r = zki_zk_wait_event(c, left > 0 ? (int)left : 1, &ev);
        if (r < 0) {
            rc = r;
            break;
        }
        if (r == 0)
            break;
        n++;
        if (cb(&ev, user) != 0)
            break;
        if (left <= 0 && !c->nevents)
            break;
    }
    pthread_mutex_unlock(&c->mu);
    if (delivered)
        *delivered = n;
    return rc;
}

int zkbio_zk_client_progress_set(zkbio_zk_client *c, zkbio_zk_progress_cb cb, void *user)
{
    if (!c)
        return ZKBIO_EINVAL;
    pthread_mutex_lock(&c->mu);
    c->progress = cb;
    c->progress_user = user;
    pthread_mutex_unlock(&c->mu);
    return ZKBIO_OK;
}
