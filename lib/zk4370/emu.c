/* SPDX-License-Identifier: Apache-2.0 */
/* Emulated 4370 terminal: sockets, sessions, event loop and the public control functions. The
 * command handlers are in emu_cmds.c; the stored data in emu_store.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "internal/bytes.h"
#include "internal/net.h"
#include "internal/opts.h"
#include "zk4370/zki_emu.h"

int64_t zki_emu_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

uint32_t zki_emu_rand(zkbio_zk_emu *e)
{
    uint32_t x = e->rng; /* xorshift32 */
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    e->rng = x;
    return x;
}

/* ---- sending ---- */

static int send_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        zki_ssize w = zki_sock_send(fd, p, n);
        if (w > 0) {
            p += w;
            n -= (size_t)w;
        } else if (w < 0 && errno == EINTR) {
            continue;
        } else {
            return -1; /* includes the send timeout (SO_SNDTIMEO) */
        }
    }
    return 0;
}

static int cork_append(zki_emu_sess *s, const uint8_t *p, size_t n)
{
    if (n > s->cork_cap - s->cork_len) {
        size_t cap = s->cork_cap ? s->cork_cap : 4096;
        while (n > cap - s->cork_len)
            cap *= 2;
        uint8_t *c = realloc(s->cork, cap);
        if (!c)
            return -1;
        s->cork = c;
        s->cork_cap = cap;
    }
    memcpy(s->cork + s->cork_len, p, n);
    s->cork_len += n;
    return 0;
}

int zki_emu_flush(zkbio_zk_emu *e, zki_emu_sess *s)
{
    (void)e;
    if (s->fd < 0 || s->cork_len == 0)
        return 0;
    int rc = send_all(s->fd, s->cork, s->cork_len);
    s->cork_len = 0;
    if (rc != 0)
        s->dead = 1;
    return rc;
}

int zki_emu_send_raw(zkbio_zk_emu *e, zki_emu_sess *s, const uint8_t *p, size_t n)
{
    if (s->fd >= 0 && s->fault == ZKBIO_ZK_FAULT_COALESCE && !s->dead)
        return cork_append(s, p, n);
    if (s->fd >= 0) {
        if (send_all(s->fd, p, n) != 0) {
            s->dead = 1;
            return -1;
        }
        return 0;
    }
    zki_ssize w = zki_sock_sendto(e->ufd, p, n, (const struct sockaddr *)&s->peer, s->plen);
    return w == (zki_ssize)n ? 0 : -1;
}

/* Build one packet at `out` (room for the wrapper + header + len) with the session's faults. */
size_t zki_emu_build(zkbio_zk_emu *e, zki_emu_sess *s, uint8_t *out, uint16_t cmd,
                     uint16_t sessfield, uint16_t reply, const uint8_t *data, size_t len)
{
    size_t n = 0;
    int tcp = s->fd >= 0;
    zkbio_zk_packet_build(cmd, sessfield, reply, data, len, tcp, out,
                          ZKBIO_ZK_TCP_WRAP_SIZE + ZKBIO_ZK_HEADER_SIZE + len, &n);
    uint8_t *h = out + (tcp ? ZKBIO_ZK_TCP_WRAP_SIZE : 0);
    if (s->fault == ZKBIO_ZK_FAULT_BAD_CHECKSUM)
        h[2] ^= 0x5A;
    if (s->fault == ZKBIO_ZK_FAULT_WRONG_LENGTH && tcp)
        zki_put_le32(out + 4, 0x00200000u);
    (void)e;
    return n;
}

int zki_emu_send(zkbio_zk_emu *e, zki_emu_sess *s, uint16_t cmd, uint16_t reply,
                 const uint8_t *data, size_t len)
{
    size_t n = zki_emu_build(e, s, e->out, cmd, s->id, reply, data, len);
    return zki_emu_send_raw(e, s, e->out, n);
}

int zki_emu_send_paced(zkbio_zk_emu *e, zki_emu_sess *s, uint16_t cmd, uint16_t reply,
                       const uint8_t *data, size_t len, int last)
{
    size_t n = zki_emu_build(e, s, e->out, cmd, s->id, reply, data, len);
    int rc = zki_emu_send_raw(e, s, e->out, n);
    if (rc != 0 || e->link_rate <= 0 || s->fault == ZKBIO_ZK_FAULT_COALESCE)
        return rc;
    /* the time the packet takes on the terminal's link (UDP/IP or TCP/IP headers not counted),
     * at least the time its CPU takes to prepare the next one; other threads may announce events
     * meanwhile, which firmware interleaves the same way */
    uint64_t ns = (uint64_t)n * 1000000000u / (uint64_t)e->link_rate;
    uint64_t least = (uint64_t)(last ? ZKBIO_ZK_EMU_TURN_US : ZKBIO_ZK_EMU_PACKET_US) * 1000u;
    if (ns < least)
        ns = least;
    struct timespec ts = {(time_t)(ns / 1000000000u), (long)(ns % 1000000000u)};
    pthread_mutex_unlock(&e->mu);
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
    pthread_mutex_lock(&e->mu);
    return 0;
}

static void send_event(zkbio_zk_emu *e, zki_emu_sess *s, const zkbio_zk_event *ev)
{
    uint8_t d[64];
    size_t n = 0;
    if (zkbio_zk_event_build(ev, e->profile != 6, d, sizeof(d), &n) != ZKBIO_OK)
        return;
    int saved = s->fault;
    s->fault = 0;
    size_t len = zki_emu_build(e, s, e->out, ZKBIO_ZK_CMD_REG_EVENT, ev->flag, 0, d, n);
    s->fault = saved;
    (void)zki_emu_send_raw(e, s, e->out, len);
}

void zki_emu_broadcast(zkbio_zk_emu *e, const zkbio_zk_event *ev)
{
    for (int i = 0; i < ZKI_EMU_MAX_SESS; i++) {
        zki_emu_sess *s = &e->sess[i];
        if (s->used && !s->dead && s->authed && (s->mask & ev->flag))
            send_event(e, s, ev);
    }
}

/* ---- sessions ---- */

static zki_emu_sess *new_sess(zkbio_zk_emu *e)
{
    for (int i = 0; i < ZKI_EMU_MAX_SESS; i++) {
        zki_emu_sess *s = &e->sess[i];
        if (!s->used) {
            memset(s, 0, sizeof(*s));
            s->used = 1;
            s->fd = -1;
            do
                s->id = (uint16_t)zki_emu_rand(e);
            while (s->id == 0);
            s->authed = e->comm_key == 0;
            s->last_ms = zki_emu_now_ms();
            e->stats.sessions_opened++;
            return s;
        }
    }
    return NULL;
}

void zki_emu_sess_free(zki_emu_sess *s)
{
    if (!s->used)
        return;
    if (s->fd >= 0)
        zki_sock_close(s->fd);
    free(s->bulk);
    free(s->up);
    free(s->rbuf);
    free(s->cork);
    memset(s, 0, sizeof(*s));
    s->fd = -1;
}

static zki_emu_sess *udp_sess(zkbio_zk_emu *e, const struct sockaddr_storage *peer, socklen_t plen,
                              int create)
{
    for (int i = 0; i < ZKI_EMU_MAX_SESS; i++) {
        zki_emu_sess *s = &e->sess[i];
        if (s->used && s->fd < 0 && s->plen == plen && memcmp(&s->peer, peer, plen) == 0)
            return s;
    }
    if (!create)
        return NULL;
    zki_emu_sess *s = new_sess(e);
    if (!s) { /* reuse the UDP session idle for the longest time */
        zki_emu_sess *old = NULL;
        for (int i = 0; i < ZKI_EMU_MAX_SESS; i++)
            if (e->sess[i].fd < 0 && (!old || e->sess[i].last_ms < old->last_ms))
                old = &e->sess[i];
        if (!old)
            return NULL;
        zki_emu_sess_free(old);
        s = new_sess(e);
    }
    memcpy(&s->peer, peer, plen);
    s->plen = plen;
    return s;
}

/* ---- the loop ---- */

static void on_tcp_readable(zkbio_zk_emu *e, zki_emu_sess *s)
{
    zki_ssize got = zki_sock_recv(s->fd, s->rbuf + s->rlen, ZKI_EMU_RBUF - s->rlen, 1);
    if (got == 0 || (got < 0 && errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK)) {
        s->dead = 1;
        return;
    }
    if (got < 0)
        return;
    s->rlen += (size_t)got;
    size_t pos = 0;
    while (!s->dead) {
        const uint8_t *pkt;
        size_t plen, used;
        int r = zkbio_zk_tcp_frame(s->rbuf + pos, s->rlen - pos, &pkt, &plen, &used);
        if (r < 0) { /* not this protocol: firmware drops such connections */
            s->dead = 1;
            return;
        }
        if (r == 0)
            break;
        zki_emu_handle(e, s, pkt, plen);
        pos += used;
    }
    if (s->dead)
        return;
    memmove(s->rbuf, s->rbuf + pos, s->rlen - pos);
    s->rlen -= pos;
}

static void on_udp_readable(zkbio_zk_emu *e)
{
    struct sockaddr_storage peer;
    socklen_t plen = sizeof(peer);
    zki_ssize got =
        zki_sock_recvfrom(e->ufd, e->in, sizeof(e->in), 1, (struct sockaddr *)&peer, &plen);
    if (got < ZKBIO_ZK_HEADER_SIZE)
        return;
    int is_connect = zki_le16(e->in) == ZKBIO_ZK_CMD_CONNECT;
    zki_emu_sess *s = udp_sess(e, &peer, plen, is_connect);
    if (!s) { /* no session: firmware answers ACK_UNAUTH */
        zki_emu_sess tmp;
        memset(&tmp, 0, sizeof(tmp));
        tmp.fd = -1;
        memcpy(&tmp.peer, &peer, plen);
        tmp.plen = plen;
        zki_emu_send(e, &tmp, ZKBIO_ZK_ACK_UNAUTH, zki_le16(e->in + 6), NULL, 0);
        return;
    }
    zki_emu_handle(e, s, e->in, (size_t)got);
}

static void on_accept(zkbio_zk_emu *e)
{
    int fd = zki_sock_accept(e->lfd);
    if (fd < 0)
        return;
    zki_emu_sess *s = new_sess(e);
    uint8_t *rb = s ? malloc(ZKI_EMU_RBUF) : NULL;
    if (!s || !rb) {
        free(rb);
        if (s) {
            s->used = 0;
            e->stats.sessions_opened--; /* never served */
        }
        zki_sock_close(fd);
        return;
    }
    zki_sock_setint(fd, IPPROTO_TCP, TCP_NODELAY, 1);
    zki_sock_sndtimeo(fd, 3000); /* a client that stops reading cannot block the device for long */
    s->fd = fd;
    s->rbuf = rb;
}

static void run_timers(zkbio_zk_emu *e, int64_t now)
{
    if (e->punch_every_ms > 0 && now >= e->next_punch) {
        e->next_punch = now + e->punch_every_ms;
        char pin[24];
        size_t nu = e->nusers ? e->nusers : 1;
        snprintf(pin, sizeof(pin), "%zu", (size_t)(e->punch_counter++ % nu) + 1);
        zkbio_zk_event ev;
        if (zki_emu_add_punch(e, pin, 1, 0, &ev) == ZKBIO_OK)
            zki_emu_broadcast(e, &ev);
    }
    for (int i = 0; i < ZKI_EMU_MAX_SESS; i++) {
        zki_emu_sess *s = &e->sess[i];
        if (s->used && !s->dead && s->enroll_step && now >= s->enroll_next)
            zki_emu_enroll_step(e, s, now);
    }
    while (e->nev) {
        zkbio_zk_event ev = e->evq[0];
        memmove(e->evq, e->evq + 1, (e->nev - 1) * sizeof(ev));
        e->nev--;
        zki_emu_broadcast(e, &ev);
    }
}

static int next_timeout(zkbio_zk_emu *e, int64_t now)
{
    int64_t t = now + 200;
    if (e->punch_every_ms > 0 && e->next_punch < t)
        t = e->next_punch;
    for (int i = 0; i < ZKI_EMU_MAX_SESS; i++)
        if (e->sess[i].used && e->sess[i].enroll_step && e->sess[i].enroll_next < t)
            t = e->sess[i].enroll_next;
    return t <= now ? 0 : (int)(t - now);
}

static void *loop(void *arg)
{
    zkbio_zk_emu *e = arg;
    struct pollfd pf[3 + ZKI_EMU_MAX_SESS];
    zki_emu_sess *owner[3 + ZKI_EMU_MAX_SESS];
    pthread_mutex_lock(&e->mu);
    while (!e->stop) {
        int n = 0;
        pf[n] = (struct pollfd){e->wake[0], POLLIN, 0};
        owner[n++] = NULL;
        if (e->lfd >= 0) {
            pf[n] = (struct pollfd){e->lfd, POLLIN, 0};
            owner[n++] = NULL;
        }
        if (e->ufd >= 0) {
            pf[n] = (struct pollfd){e->ufd, POLLIN, 0};
            owner[n++] = NULL;
        }
        int fixed = n;
        for (int i = 0; i < ZKI_EMU_MAX_SESS; i++)
            if (e->sess[i].used && e->sess[i].fd >= 0) {
                pf[n] = (struct pollfd){e->sess[i].fd, POLLIN, 0};
                owner[n++] = &e->sess[i];
            }
        int timeout = next_timeout(e, zki_emu_now_ms());
        pthread_mutex_unlock(&e->mu);
        int r = zki_poll(pf, (unsigned)n, timeout);
        pthread_mutex_lock(&e->mu);
        if (e->stop)
            break;
        if (r > 0) {
            if (pf[0].revents)
                zki_wake_drain(e->wake[0]);
            for (int i = 1; i < fixed; i++) {
                if (!pf[i].revents)
                    continue;
                if ((int)pf[i].fd == e->lfd) /* a SOCKET on Windows: net.h */
                    on_accept(e);
                else
                    on_udp_readable(e);
            }
            for (int i = fixed; i < n; i++)
                if (pf[i].revents && owner[i]->used && !owner[i]->dead)
                    on_tcp_readable(e, owner[i]);
        }
        for (int i = 0; i < ZKI_EMU_MAX_SESS; i++)
            if (e->sess[i].used && e->sess[i].dead)
                zki_emu_sess_free(&e->sess[i]);
        run_timers(e, zki_emu_now_ms());
    }
    pthread_mutex_unlock(&e->mu);
    return NULL;
}

/* ---- public ---- */

static void wake(zkbio_zk_emu *e)
{
    zki_wake_signal(e->wake[1]);
}

static int bind_socket(int type, const struct addrinfo *ai, uint16_t port)
{
    int fd = zki_sock_open(ai->ai_family, type, 0);
    if (fd < 0)
        return -1;
#ifndef _WIN32 /* Windows' SO_REUSEADDR would let a second emulator take the same port */
    zki_sock_setint(fd, SOL_SOCKET, SO_REUSEADDR, 1);
#endif
    struct sockaddr_storage a;
    memcpy(&a, ai->ai_addr, ai->ai_addrlen);
    if (a.ss_family == AF_INET)
        ((struct sockaddr_in *)&a)->sin_port = htons(port);
    else
        ((struct sockaddr_in6 *)&a)->sin6_port = htons(port);
    if (bind(fd, (struct sockaddr *)&a, ai->ai_addrlen) != 0 ||
        (type == SOCK_STREAM && listen(fd, 16) != 0)) {
        zki_sock_close(fd);
        return -1;
    }
    if (type == SOCK_DGRAM) {
        zki_sock_setint(fd, SOL_SOCKET, SO_SNDBUF, 1 << 20);
        zki_sock_setint(fd, SOL_SOCKET, SO_RCVBUF, 1 << 20);
    }
    return fd;
}

static uint16_t bound_port(int fd)
{
    struct sockaddr_storage a;
    socklen_t l = sizeof(a);
    if (getsockname(fd, (struct sockaddr *)&a, &l) != 0)
        return 0;
    return ntohs(a.ss_family == AF_INET ? ((struct sockaddr_in *)&a)->sin_port
                                        : ((struct sockaddr_in6 *)&a)->sin6_port);
}

static int open_sockets(zkbio_zk_emu *e, const zkbio_zk_emu_options *o)
{
    struct addrinfo hints, *res = NULL;
    if (zki_net_init() != ZKBIO_OK)
        return ZKBIO_ECONN;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_flags = AI_NUMERICHOST | AI_PASSIVE;
    if (getaddrinfo(o->host ? o->host : "127.0.0.1", NULL, &hints, &res) != 0 || !res)
        return ZKBIO_EINVAL;
    uint16_t port = o->port;
    /* with port 0, TCP picks a free port and UDP takes the same number (retry a few times) */
    for (int attempt = 0; attempt < 20; attempt++) {
        e->lfd = e->ufd = -1;
        if (!o->no_tcp && (e->lfd = bind_socket(SOCK_STREAM, res, port)) < 0)
            goto retry;
        uint16_t p = e->lfd >= 0 ? bound_port(e->lfd) : port;
        if (!o->no_udp && (e->ufd = bind_socket(SOCK_DGRAM, res, p)) < 0)
            goto retry;
        e->port = e->lfd >= 0 ? p : bound_port(e->ufd);
        freeaddrinfo(res);
        return ZKBIO_OK;
    retry:
        if (e->lfd >= 0)
            zki_sock_close(e->lfd);
        if (e->ufd >= 0)
            zki_sock_close(e->ufd);
        e->lfd = e->ufd = -1;
        if (port != 0)
            break;
    }
    freeaddrinfo(res);
    return ZKBIO_ECONN;
}

/* The options as 0.3 had them: the first version with a size field. */
#define ZKI_ZK_EMU_OPTIONS_0_3 ZKI_OPTS_END(zkbio_zk_emu_options, inline_max)

int zkbio_zk_emu_start(const zkbio_zk_emu_options *opt, zkbio_zk_emu **out)
{
    zkbio_zk_emu_options copy;
    if (!opt || !out ||
        zki_opts_copy(&copy, sizeof(copy), opt, opt->size, ZKI_ZK_EMU_OPTIONS_0_3) != 0)
        return ZKBIO_EINVAL;
    const zkbio_zk_emu_options *o = &copy;
    if ((o->no_tcp && o->no_udp) || o->fingers > 10 ||
        (o->profile && o->profile != 6 && o->profile != 8) || o->users > 65534 ||
        o->punches > 10000000 || o->punch_every_ms < 0 ||
        (o->att_size && o->att_size != ZKBIO_ZK_ATT8_SIZE && o->att_size != ZKBIO_ZK_ATT16_SIZE &&
         o->att_size != ZKBIO_ZK_ATT40_SIZE))
        return ZKBIO_EINVAL;
    zkbio_zk_emu *e = calloc(1, sizeof(*e));
    if (!e)
        return ZKBIO_ENOMEM;
    e->lfd = e->ufd = e->wake[0] = e->wake[1] = -1;
    for (int i = 0; i < ZKI_EMU_MAX_SESS; i++)
        e->sess[i].fd = -1;
    e->profile = o->profile ? o->profile : 8;
    e->usize = e->profile == 6 ? ZKBIO_ZK_USER6_SIZE : ZKBIO_ZK_USER8_SIZE;
    e->asize = o->att_size       ? o->att_size
               : e->profile == 6 ? ZKBIO_ZK_ATT8_SIZE
                                 : ZKBIO_ZK_ATT40_SIZE;
    e->comm_key = o->comm_key;
    e->strict = o->strict_checksum;
    e->link_rate = o->link_rate < 0 ? 0 : o->link_rate ? o->link_rate : ZKBIO_ZK_EMU_LINK_RATE;
    e->punch_every_ms = o->punch_every_ms;
    e->inline_max = o->inline_max ? o->inline_max : 1024;
    e->enabled = 1;
    e->rng = (uint32_t)time(NULL) ^ ((uint32_t)getpid() << 16) ^ 0x9E3779B9u;
    if (!e->rng)
        e->rng = 1;
    snprintf(e->charset, sizeof(e->charset), "%s", o->charset ? o->charset : "UTF-8");
    pthread_mutex_init(&e->mu, NULL);
    int rc = zki_emu_store_init(e, o);
    if (rc == ZKBIO_OK && zki_net_init() != ZKBIO_OK)
        rc = ZKBIO_ECONN;
    if (rc == ZKBIO_OK && zki_wake_open(e->wake) != 0)
        rc = ZKBIO_ENOMEM;
    if (rc == ZKBIO_OK)
        rc = open_sockets(e, o);
    e->next_punch = zki_emu_now_ms() + e->punch_every_ms;
    if (rc == ZKBIO_OK && pthread_create(&e->thread, NULL, loop, e) != 0)
        rc = ZKBIO_ENOMEM;
    else if (rc == ZKBIO_OK)
        e->running = 1;
    if (rc != ZKBIO_OK) {
        zkbio_zk_emu_stop(e);
        return rc;
    }
    *out = e;
    return ZKBIO_OK;
}

void zkbio_zk_emu_stop(zkbio_zk_emu *e)
{
    if (!e)
        return;
    if (e->running) {
        pthread_mutex_lock(&e->mu);
        e->stop = 1;
        pthread_mutex_unlock(&e->mu);
        wake(e);
        pthread_join(e->thread, NULL);
    }
    for (int i = 0; i < ZKI_EMU_MAX_SESS; i++)
        zki_emu_sess_free(&e->sess[i]);
    if (e->lfd >= 0)
        zki_sock_close(e->lfd);
    if (e->ufd >= 0)
        zki_sock_close(e->ufd);
    zki_wake_close(e->wake);
    zki_emu_store_free(e);
    pthread_mutex_destroy(&e->mu);
    free(e);
}

int zkbio_zk_emu_port(zkbio_zk_emu *e, uint16_t *port)
{
    if (!e || !port)
        return ZKBIO_EINVAL;
    *port = e->port;
    return ZKBIO_OK;
}

int zkbio_zk_emu_fault(zkbio_zk_emu *e, int fault, uint16_t cmd, unsigned count, int delay_ms)
{
    if (!e || fault < 0 || fault > ZKBIO_ZK_FAULT_BAD_SAMPLE || delay_ms < 0)
        return ZKBIO_EINVAL;
    pthread_mutex_lock(&e->mu);
    int rc = ZKBIO_OK;
    if (count == 0) {
        memset(e->faults, 0, sizeof(e->faults));
    } else {
        int i = 0;
        while (i < ZKI_EMU_FAULTS && e->faults[i].count)
            i++;
        if (i == ZKI_EMU_FAULTS || fault == 0)
            rc = fault == 0 ? ZKBIO_EINVAL : ZKBIO_ENOSPC;
        else
            e->faults[i] = (zki_emu_fault){fault, cmd, count, delay_ms};
    }
    pthread_mutex_unlock(&e->mu);
    return rc;
}

int zkbio_zk_emu_punch(zkbio_zk_emu *e, const char *user_id, uint8_t verify, uint8_t state)
{
    if (!e || !user_id || !*user_id)
        return ZKBIO_EINVAL;
    pthread_mutex_lock(&e->mu);
    zkbio_zk_event ev;
    int rc = zki_emu_add_punch(e, user_id, verify, state, &ev);
    if (rc == ZKBIO_OK) {
        if (e->nev < ZKI_EMU_EVQ)
            e->evq[e->nev++] = ev;
        else
            rc = ZKBIO_EBUSY;
    }
    pthread_mutex_unlock(&e->mu);
    if (rc == ZKBIO_OK)
        wake(e);
    return rc;
}

int zkbio_zk_emu_event(zkbio_zk_emu *e, const zkbio_zk_event *ev)
{
    if (!e || !ev || !ev->flag)
        return ZKBIO_EINVAL;
    pthread_mutex_lock(&e->mu);
    int rc = ZKBIO_OK;
    if (e->nev < ZKI_EMU_EVQ)
        e->evq[e->nev++] = *ev;
    else
        rc = ZKBIO_EBUSY;
    pthread_mutex_unlock(&e->mu);
    if (rc == ZKBIO_OK)
        wake(e);
    return rc;
}

int zkbio_zk_emu_stats_get(zkbio_zk_emu *e, zkbio_zk_emu_stats *out)
{
    if (!e || !out)
        return ZKBIO_EINVAL;
    pthread_mutex_lock(&e->mu);
    *out = e->stats;
    out->users = e->nusers;
    out->templates = e->ntm;
    out->records = e->natt;
    out->enabled = e->enabled;
    out->sessions = 0;
    for (int i = 0; i < ZKI_EMU_MAX_SESS; i++)
        out->sessions += e->sess[i].used;
    pthread_mutex_unlock(&e->mu);
    return ZKBIO_OK;
}
