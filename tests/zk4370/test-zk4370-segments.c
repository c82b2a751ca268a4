/* SPDX-License-Identifier: Apache-2.0 */
/* The 4370 client reads the same records whichever way a device's packets fall into TCP segments
 * (issue 13): coalesced (every packet of an answer in one segment), one packet per segment, or cut
 * at any byte.
 *
 * A relay between the client and the in-process emulator records the device's byte stream of one
 * session (info, users, templates, attendance in 1503/1504 chunks, then a realtime punch during a
 * listen), answer by answer. One realtime event is added in the middle of the attendance answer,
 * between PREPARE_DATA and DATA, as a device may interleave one. Then a replaying "device" plays
 * the recorded answers back, in step with the client's requests, cut by a plan; after each piece it
 * waits until the client has read everything (FIONREAD on the client's socket is 0), so that each
 * piece reaches the client as a recv of its own. Plans: coalesced, one packet per piece, one byte
 * per piece, and for every byte offset k of the stream, packets cut at k as well. Every replay
 * must give the client exactly the records and events of the reference replay, whose records
 * must equal those the client read from the emulator directly. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "zkbio/zk4370.h"
#include "zkbio/zk4370_client.h"
#include "zkbio/zk4370_emu.h"

static int failures;
#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c);                  \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

#define MAX_REQ    256
#define PUNCH_USER "2"
#define EXTRA_USER "77"

/* ---- growable text: the digest of what a client session read ---- */

typedef struct text {
    char *s;
    size_t len, cap;
} text;

static void addf(text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void addf(text *t, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if (t->len + (size_t)n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 4096;
        while (cap < t->len + (size_t)n + 1)
            cap *= 2;
        char *p = realloc(t->s, cap);
        if (!p)
            abort();
        t->s = p;
        t->cap = cap;
    }
    memcpy(t->s + t->len, line, (size_t)n + 1);
    t->len += (size_t)n;
}

static uint32_t fnv(const uint8_t *p, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

/* ---- the client session: everything it read, as text ---- */

typedef struct session_events {
    text *t;
    int punched;
} session_events;

static int on_event(const zkbio_zk_event *ev, void *user)
{
    session_events *s = user;
    if (ev->flag == 0)
        return 0; /* idle tick */
    addf(s->t, "event %u %s %u %u %04u-%02u-%02u %02u:%02u:%02u\n", ev->flag, ev->user_id,
         ev->verify, ev->state, ev->time.year, ev->time.month, ev->time.day, ev->time.hour,
         ev->time.minute, ev->time.second);
    if (ev->flag == ZKBIO_ZK_EF_ATTLOG && strcmp(ev->user_id, PUNCH_USER) == 0) {
        s->punched = 1;
        return 1;
    }
    return 0;
}

/* Returns 0 when every call succeeded; *records_only gets the part without the events. */
static int client_session(uint16_t port, text *out, size_t *records_only, int listen_ms)
{
    zkbio_zk_client_options o;
    zkbio_zk_client_options_init(&o);
    o.transport = ZKBIO_ZK_TCP;
    o.timeout_ms = 3000;
    o.retries = -1; /* a replay cannot answer a re-request */
    zkbio_zk_client *c = NULL;
    int rc = zkbio_zk_client_open("127.0.0.1", port, &o, &c);
    if (rc != ZKBIO_OK) {
        addf(out, "open: %s\n", zkbio_error_name(rc));
        return -1;
    }
    int bad = 0;
    zkbio_zk_user *u = NULL;
    size_t nu = 0;
    rc = zkbio_zk_users_get(c, &u, &nu);
    addf(out, "users %s %zu\n", zkbio_error_name(rc), nu);
    bad |= rc != ZKBIO_OK;
    for (size_t i = 0; i < nu; i++)
        addf(out, "user %u %u '%s' '%s' %u %u %u %u/%u/%u '%s'\n", u[i].uid, u[i].privilege,
             u[i].password, u[i].name, u[i].card, u[i].group, u[i].tz_flag, u[i].tz[0], u[i].tz[1],
             u[i].tz[2], u[i].user_id);
    zkbio_zk_free(u);
    zkbio_zk_template *tm = NULL;
    size_t nt = 0;
    rc = zkbio_zk_templates_get(c, &tm, &nt);
    addf(out, "templates %s %zu\n", zkbio_error_name(rc), nt);
    bad |= rc != ZKBIO_OK;
    for (size_t i = 0; i < nt; i++)
        addf(out, "template %u %u %u %zu %08x\n", tm[i].uid, tm[i].fid, tm[i].flag, tm[i].len,
             fnv(tm[i].data, tm[i].len));
    zkbio_zk_free(tm);
    zkbio_zk_att *a = NULL;
    size_t na = 0;
    rc = zkbio_zk_attendance_get(c, NULL, &a, &na);
    addf(out, "attendance %s %zu\n", zkbio_error_name(rc), na);
    bad |= rc != ZKBIO_OK;
    for (size_t i = 0; i < na; i++)
        addf(out, "att %u '%s' %u %u %08x\n", a[i].uid, a[i].user_id, a[i].verify, a[i].state,
             a[i].time_raw);
    zkbio_zk_free(a);
    *records_only = out->len;
    session_events se = {out, 0};
    rc = zkbio_zk_listen(c, ZKBIO_ZK_EF_ATTLOG, listen_ms, on_event, &se);
    addf(out, "listen %s %d\n", zkbio_error_name(rc), se.punched);
    bad |= rc != ZKBIO_OK || !se.punched;
    zkbio_zk_client_close(c);
    return bad ? -1 : 0;
}

/* ---- sockets ---- */

static int listener(uint16_t *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t l = sizeof(a);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(fd, 4) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &l) != 0)
        abort();
    *port = ntohs(a.sin_port);
    return fd;
}

static int connect_to(uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0)
        abort();
    return fd;
}

/* Each write its own segment, as firmware writes (and as the emulator does). */
static void nodelay(int fd)
{
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static int send_all(int fd, const uint8_t *p, size_t n)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Reads one whole request packet (wrapper + packet) from fd into buf; its command in *cmd. */
typedef struct reqbuf {
    uint8_t b[70000];
    size_t len;
} reqbuf;

static int next_request(int fd, reqbuf *rb, uint16_t *cmd, uint8_t *pkt, size_t *pktlen)
{
    for (;;) {
        const uint8_t *p;
        size_t plen, used;
        int r = zkbio_zk_tcp_frame(rb->b, rb->len, &p, &plen, &used);
        if (r < 0)
            return -1;
        if (r == 1) {
            *cmd = (uint16_t)(p[0] | p[1] << 8);
            if (pkt) {
                memcpy(pkt, rb->b, used);
                *pktlen = used;
            }
            memmove(rb->b, rb->b + used, rb->len - used);
            rb->len -= used;
            return 0;
        }
        struct pollfd pf = {fd, POLLIN, 0};
        if (poll(&pf, 1, 5000) <= 0)
            return -1;
        ssize_t got = recv(fd, rb->b + rb->len, sizeof(rb->b) - rb->len, 0);
        if (got <= 0)
            return -1;
        rb->len += (size_t)got;
    }
}

/* ---- recording: the device's stream, answer by answer ---- */

typedef struct recording {
    uint8_t *stream;
    size_t len, cap;
    size_t start[MAX_REQ + 1]; /* answer i = stream[start[i], start[i + 1]) */
    uint16_t cmd[MAX_REQ];
    size_t nreq;
} recording;

static void rec_append(recording *r, const uint8_t *p, size_t n)
{
    if (r->len + n > r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 65536;
        while (cap < r->len + n)
            cap *= 2;
        uint8_t *s = realloc(r->stream, cap);
        if (!s)
            abort();
        r->stream = s;
        r->cap = cap;
    }
    memcpy(r->stream + r->len, p, n);
    r->len += n;
}

typedef struct relay {
    int lfd;
    uint16_t emu_port;
    zkbio_zk_emu *emu;
    recording *rec;
} relay;

/* Client <-> emulator. Client ACK_OKs (for events) are forwarded but do not start an answer. When
 * the client registers for events and the emulator has acknowledged, one punch is made. */
static void *relay_main(void *arg)
{
    relay *rl = arg;
    recording *r = rl->rec;
    int cfd = accept(rl->lfd, NULL, NULL);
    int efd = connect_to(rl->emu_port);
    nodelay(cfd);
    nodelay(efd);
    static reqbuf rb;
    rb.len = 0;
    int punch_armed = 0;
    size_t armed_at = 0;
    r->nreq = 0;
    r->start[0] = 0;
    for (;;) {
        struct pollfd pf[2] = {{cfd, POLLIN, 0}, {efd, POLLIN, 0}};
        if (poll(pf, 2, 5000) <= 0)
            break;
        if (pf[1].revents & (POLLIN | POLLHUP)) {
            uint8_t b[65536];
            ssize_t got = recv(efd, b, sizeof(b), 0);
            if (got <= 0)
                break;
            rec_append(r, b, (size_t)got);
            if (send_all(cfd, b, (size_t)got) != 0)
                break;
            if (punch_armed && r->len >= armed_at + 16) { /* the ACK_OK of REG_EVENT */
                punch_armed = 0;
                zkbio_zk_emu_punch(rl->emu, PUNCH_USER, 1, 0);
            }
        }
        if (pf[0].revents & (POLLIN | POLLHUP)) {
            ssize_t got = recv(cfd, rb.b + rb.len, sizeof(rb.b) - rb.len, 0);
            if (got <= 0)
                break;
            rb.len += (size_t)got;
            for (;;) {
                const uint8_t *p;
                size_t plen, used;
                if (zkbio_zk_tcp_frame(rb.b, rb.len, &p, &plen, &used) != 1)
                    break;
                uint16_t cmd = (uint16_t)(p[0] | p[1] << 8);
                if (cmd != ZKBIO_ZK_ACK_OK && r->nreq < MAX_REQ) {
                    r->start[r->nreq] = r->len;
                    r->cmd[r->nreq++] = cmd;
                    if (cmd == ZKBIO_ZK_CMD_REG_EVENT && plen >= 12 && p[8] != 0) {
                        punch_armed = 1;
                        armed_at = r->len;
                    }
                }
                send_all(efd, rb.b, used);
                memmove(rb.b, rb.b + used, rb.len - used);
                rb.len -= used;
            }
        }
    }
    r->start[r->nreq] = r->len;
    close(cfd);
    close(efd);
    return NULL;
}

/* Insert one EF_ATTLOG event packet (user EXTRA_USER) after the first PREPARE_DATA of the answer
 * to the attendance read's first 1504. */
static int insert_event(recording *r)
{
    /* the attendance 1503 is the third one (users, templates, attendance); the 1504 after it */
    int n1503 = 0;
    size_t i = 0;
    for (; i < r->nreq; i++)
        if (r->cmd[i] == ZKBIO_ZK_CMD_DATA_WRRQ && ++n1503 == 3)
            break;
    while (i < r->nreq && r->cmd[i] != ZKBIO_ZK_CMD_DATA_RDY)
        i++;
    if (i == r->nreq)
        return -1;
    size_t at = r->start[i];
    const uint8_t *p;
    size_t plen, used;
    if (zkbio_zk_tcp_frame(r->stream + at, r->len - at, &p, &plen, &used) != 1 ||
        (p[0] | p[1] << 8) != ZKBIO_ZK_CMD_PREPARE_DATA)
        return -1;
    at += used;
    zkbio_zk_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.flag = ZKBIO_ZK_EF_ATTLOG;
    snprintf(ev.user_id, sizeof(ev.user_id), "%s", EXTRA_USER);
    ev.verify = 1;
    ev.time = (zkbio_zk_time){2024, 5, 6, 7, 8, 9};
    uint8_t d[64], pkt[128];
    size_t dn = 0, pn = 0;
    if (zkbio_zk_event_build(&ev, 1, d, sizeof(d), &dn) != ZKBIO_OK ||
        zkbio_zk_packet_build(ZKBIO_ZK_CMD_REG_EVENT, ZKBIO_ZK_EF_ATTLOG, 0, d, dn, 1, pkt,
                              sizeof(pkt), &pn) != ZKBIO_OK)
        return -1;
    rec_append(r, pkt, pn); /* grow, then open the gap */
    memmove(r->stream + at + pn, r->stream + at, r->len - pn - at);
    memcpy(r->stream + at, pkt, pn);
    for (size_t k = i + 1; k <= r->nreq; k++)
        r->start[k] += pn;
    return 0;
}

/* ---- replay ---- */

enum { PLAN_COALESCED, PLAN_PACKETS, PLAN_BYTES, PLAN_CUT_AT };

typedef struct replay {
    int lfd;
    const recording *rec;
    int plan;
    size_t cut;    /* PLAN_CUT_AT: stream offset */
    int client_fd; /* the client's socket (same process), for FIONREAD */
    int bad_sequence;
    size_t pieces;
} replay;

/* The client's end of the accepted connection: the socket of this process whose local address
 * is the peer address of `afd`. */
static int find_client_fd(int afd)
{
    struct sockaddr_in peer, me;
    socklen_t l = sizeof(peer);
    if (getpeername(afd, (struct sockaddr *)&peer, &l) != 0)
        return -1;
    for (int fd = 3; fd < 1024; fd++) {
        if (fd == afd)
            continue;
        l = sizeof(me);
        if (getsockname(fd, (struct sockaddr *)&me, &l) == 0 && l == sizeof(me) &&
            me.sin_family == AF_INET && me.sin_port == peer.sin_port &&
            me.sin_addr.s_addr == peer.sin_addr.s_addr)
            return fd;
    }
    return -1;
}

/* Wait until the client has read everything sent so far (or 2 s). */
static void wait_drained(const replay *rp)
{
    for (int i = 0; i < 20000; i++) {
        int n = 0;
        if (rp->client_fd < 0 || ioctl(rp->client_fd, FIONREAD, &n) != 0 || n == 0)
            return;
        struct timespec ts = {0, 100000};
        nanosleep(&ts, NULL);
    }
}

/* Is stream offset `off` a packet boundary? (the recorded stream is well framed) */
static void packet_ends(const recording *r, size_t from, size_t to, size_t *ends, size_t *n)
{
    *n = 0;
    size_t at = from;
    while (at < to) {
        const uint8_t *p;
        size_t plen, used;
        if (zkbio_zk_tcp_frame(r->stream + at, to - at, &p, &plen, &used) != 1)
            break;
        at += used;
        ends[(*n)++] = at;
    }
}

static void *replay_main(void *arg)
{
    replay *rp = arg;
    const recording *r = rp->rec;
    int fd = accept(rp->lfd, NULL, NULL);
    nodelay(fd);
    rp->client_fd = find_client_fd(fd);
    static reqbuf rb;
    rb.len = 0;
    static size_t ends[8192];
    for (size_t i = 0; i < r->nreq; i++) {
        uint16_t cmd;
        do {
            if (next_request(fd, &rb, &cmd, NULL, NULL) != 0) {
                rp->bad_sequence = 1;
                goto out;
            }
        } while (cmd == ZKBIO_ZK_ACK_OK); /* the client acknowledging an event */
        if (cmd != r->cmd[i]) {
            fprintf(stderr, "replay: request %zu is %u, recorded %u\n", i, cmd, r->cmd[i]);
            rp->bad_sequence = 1;
            goto out;
        }
        size_t a = r->start[i], b = r->start[i + 1];
        if (a == b)
            continue;
        size_t cuts[8192 + 2], nc = 0;
        if (rp->plan == PLAN_COALESCED) {
            cuts[nc++] = b;
        } else if (rp->plan == PLAN_BYTES) {
            for (size_t k = a + 1; k <= b && nc < 8192; k++)
                cuts[nc++] = k;
            if (cuts[nc - 1] != b)
                cuts[nc++] = b;
        } else {
            size_t ne;
            packet_ends(r, a, b, ends, &ne);
            for (size_t k = 0; k < ne && nc < 8192; k++) {
                if (rp->plan == PLAN_CUT_AT && rp->cut > (k ? ends[k - 1] : a) && rp->cut < ends[k])
                    cuts[nc++] = rp->cut;
                cuts[nc++] = ends[k];
            }
            if (!nc || cuts[nc - 1] != b)
                cuts[nc++] = b;
        }
        size_t at = a;
        for (size_t k = 0; k < nc; k++) {
            if (send_all(fd, r->stream + at, cuts[k] - at) != 0)
                goto out;
            rp->pieces++;
            at = cuts[k];
            wait_drained(rp);
        }
    }
    /* EXIT and anything else after the recording: answer nothing, wait for the close */
    char sink[256];
    struct pollfd pf = {fd, POLLIN, 0};
    while (poll(&pf, 1, 2000) > 0 && recv(fd, sink, sizeof(sink), 0) > 0)
        ;
out:
    close(fd);
    return NULL;
}

static int run_replay(const recording *r, int plan, size_t cut, text *out, size_t *pieces)
{
    uint16_t port;
    replay rp = {listener(&port), r, plan, cut, -1, 0, 0};
    pthread_t th;
    if (pthread_create(&th, NULL, replay_main, &rp) != 0)
        abort();
    size_t rec_only = 0;
    int rc = client_session(port, out, &rec_only, 3000);
    pthread_join(th, NULL);
    close(rp.lfd);
    if (pieces)
        *pieces = rp.pieces;
    return rc != 0 || rp.bad_sequence ? -1 : 0;
}

int main(void)
{
    /* the device: 4 users with 2 fingers, 40 punches; every dataset in 1503/1504 chunks */
    zkbio_zk_emu_options eo;
    zkbio_zk_emu_options_init(&eo);
    eo.users = 4;
    eo.fingers = 2;
    eo.punches = 40;
    eo.inline_max = 1;
    eo.link_rate = -1;
    zkbio_zk_emu *e = NULL;
    if (zkbio_zk_emu_start(&eo, &e) != ZKBIO_OK) {
        fprintf(stderr, "emulator did not start\n");
        return 1;
    }
    uint16_t eport = 0;
    zkbio_zk_emu_port(e, &eport);

    /* 1. record one session through the relay */
    static recording rec;
    uint16_t rport;
    relay rl = {listener(&rport), eport, e, &rec};
    pthread_t th;
    if (pthread_create(&th, NULL, relay_main, &rl) != 0)
        abort();
    text direct = {0};
    size_t direct_records = 0;
    CHECK(client_session(rport, &direct, &direct_records, 3000) == 0);
    pthread_join(th, NULL);
    close(rl.lfd);
    zkbio_zk_emu_stop(e);
    CHECK(direct.s && strstr(direct.s, "users ZKBIO_OK 4\n"));
    CHECK(direct.s && strstr(direct.s, "templates ZKBIO_OK 8\n"));
    CHECK(direct.s && strstr(direct.s, "attendance ZKBIO_OK 40\n"));
    CHECK(direct.s && strstr(direct.s, "event 1 " PUNCH_USER " "));
    if (failures) {
        fprintf(stderr, "the recorded session read:\n%s", direct.s ? direct.s : "");
        return 1;
    }
    size_t n1504 = 0;
    for (size_t i = 0; i < rec.nreq; i++)
        n1504 += rec.cmd[i] == ZKBIO_ZK_CMD_DATA_RDY;
    CHECK(n1504 >= 3); /* users, templates and attendance each in a chunk */
    CHECK(insert_event(&rec) == 0);
    printf("recorded %zu requests, %zu bytes of device stream\n", rec.nreq, rec.len);

    /* 2. the reference: one packet per piece; records as read directly, plus the extra event */
    text ref = {0};
    size_t pieces = 0;
    CHECK(run_replay(&rec, PLAN_PACKETS, 0, &ref, &pieces) == 0);
    CHECK(ref.s && direct.s && strncmp(ref.s, direct.s, direct_records) == 0);
    CHECK(ref.s && strstr(ref.s, "event 1 " EXTRA_USER " "));
    CHECK(ref.s && strstr(ref.s, "event 1 " PUNCH_USER " "));
    printf("one packet per segment: %zu segments, %s\n", pieces,
           ref.s && direct.s && strncmp(ref.s, direct.s, direct_records) == 0 ? "same records"
                                                                              : "DIFFERENT");

    /* 3. coalesced, then one byte per segment */
    static const struct {
        int plan;
        const char *name;
    } plans[] = {{PLAN_COALESCED, "coalesced"}, {PLAN_BYTES, "one byte per segment"}};
    for (size_t p = 0; p < 2; p++) {
        text t = {0};
        int rc = run_replay(&rec, plans[p].plan, 0, &t, &pieces);
        int same = rc == 0 && t.s && ref.s && strcmp(t.s, ref.s) == 0;
        CHECK(same);
        printf("%s: %zu segments, %s\n", plans[p].name, pieces, same ? "identical" : "DIFFERENT");
        if (!same && t.s)
            fprintf(stderr, "--- got\n%s--- want\n%s", t.s, ref.s ? ref.s : "");
        free(t.s);
    }

    /* 4. every byte boundary: packets, plus a cut at offset k */
    size_t differ = 0;
    for (size_t k = 1; k < rec.len; k++) {
        text t = {0};
        int rc = run_replay(&rec, PLAN_CUT_AT, k, &t, NULL);
        if (rc != 0 || !t.s || !ref.s || strcmp(t.s, ref.s) != 0) {
            if (differ++ < 3)
                fprintf(stderr, "cut at %zu: %s\n", k, rc ? "session failed" : "different");
        }
        free(t.s);
    }
    CHECK(differ == 0);
    printf("cut at each of %zu byte offsets: %zu different\n", rec.len - 1, differ);

    free(direct.s);
    free(ref.s);
    free(rec.stream);
    if (failures) {
        fprintf(stderr, "%d check(s) failed\n", failures);
        return 1;
    }
    printf("all passed\n");
    return 0;
}
