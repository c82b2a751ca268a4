/* SPDX-License-Identifier: Apache-2.0 */
/* The 4370 client against the in-process emulator: every operation over TCP and UDP, with and
 * without a comm key, both record profiles, injected faults, and a hostile device (huge sizes,
 * endless chunks, wrong lengths, bad checksums, garbage) that must give a clean error quickly. */
#ifdef _WIN32 /* the client's descriptor is a SOCKET there (zk4370_client.h): WSAPoll */
#include <winsock2.h>
#define poll(fds, n, ms) WSAPoll(fds, n, ms)
#else
#include <poll.h>
#endif
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../support/test.h"
#include "zkbio/zk4370_client.h"
#include "zkbio/zk4370_emu.h"

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static zkbio_zk_emu *start(int profile, uint32_t key, size_t users, size_t punches, int no_tcp)
{
    zkbio_zk_emu_options o;
    zkbio_zk_emu_options_init(&o);
    o.profile = profile;
    o.comm_key = key;
    o.users = users;
    o.punches = punches;
    o.fingers = 2;
    o.no_tcp = no_tcp;
    zkbio_zk_emu *e = NULL;
    int rc = zkbio_zk_emu_start(&o, &e);
    CHECK_EQ_INT(rc, ZKBIO_OK);
    return e;
}

static zkbio_zk_client *connect_to(zkbio_zk_emu *e, int transport, uint32_t key, int timeout)
{
    uint16_t port = 0;
    zkbio_zk_emu_port(e, &port);
    zkbio_zk_client_options o;
    zkbio_zk_client_options_init(&o);
    o.transport = transport;
    o.comm_key = key;
    o.timeout_ms = timeout;
    zkbio_zk_client *c = NULL;
    int rc = zkbio_zk_client_open("127.0.0.1", port, &o, &c);
    CHECK_EQ_INT(rc, ZKBIO_OK);
    return c;
}

typedef struct punch_arg {
    zkbio_zk_emu *e;
    int delay_ms;
} punch_arg;

static void *punch_later(void *p)
{
    punch_arg *a = p;
    usleep((useconds_t)a->delay_ms * 1000u);
    zkbio_zk_emu_punch(a->e, "3", 1, 1);
    return NULL;
}

/* After the listener registered: a button event (not registered for), verify, door, alarm. */
static void *events_later(void *p)
{
    zkbio_zk_emu *e = p;
    usleep(150 * 1000);
    zkbio_zk_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.flag = ZKBIO_ZK_EF_BUTTON;
    zkbio_zk_emu_event(e, &ev);
    ev.flag = ZKBIO_ZK_EF_VERIFY;
    ev.user_sn = 3;
    zkbio_zk_emu_event(e, &ev);
    ev.flag = ZKBIO_ZK_EF_UNLOCK;
    zkbio_zk_emu_event(e, &ev);
    ev.flag = ZKBIO_ZK_EF_ALARM;
    ev.result = 0x37; /* tamper */
    zkbio_zk_emu_event(e, &ev);
    return NULL;
}

typedef struct seen {
    int attlog, finger, fpftr, enrolled, other;
    char user_id[25];
} seen;

static int on_event(const zkbio_zk_event *ev, void *user)
{
    seen *s = user;
    switch (ev->flag) {
    case ZKBIO_ZK_EF_ATTLOG:
        s->attlog++;
        memcpy(s->user_id, ev->user_id, sizeof(s->user_id));
        return 1;
    case ZKBIO_ZK_EF_FINGER:
        s->finger++;
        break;
    case ZKBIO_ZK_EF_FPFTR:
        s->fpftr += ev->score == 100;
        break;
    case ZKBIO_ZK_EF_ENROLLFINGER:
        s->enrolled++;
        break;
    case 0: /* idle tick */
        break;
    default:
        s->other++;
        if (ev->flag == ZKBIO_ZK_EF_ALARM && ev->result == 0x37)
            return 1;
        break;
    }
    return 0;
}

typedef struct prog {
    int calls, stop;
    size_t done, total;
} prog;

static int on_progress(size_t done, size_t total, void *user)
{
    prog *p = user;
    p->calls++;
    p->done = done;
    p->total = total;
    return p->stop;
}

static const zkbio_zk_user *find_user(const zkbio_zk_user *u, size_t n, uint16_t uid)
{
    for (size_t i = 0; i < n; i++)
        if (u[i].uid == uid)
            return &u[i];
    return NULL;
}

/* Every operation, one transport, one key. */
static void all_commands(int transport, uint32_t key)
{
    zkbio_zk_emu *e = start(8, key, 5, 3000, 0);
    if (!e)
        return;
    zkbio_zk_client *c = connect_to(e, transport, key, 3000);
    if (!c) {
        zkbio_zk_emu_stop(e);
        return;
    }
    int tr = 0;
    zkbio_zk_client_transport(c, &tr);
    CHECK_EQ_INT(tr, transport);

    zkbio_zk_info info;
    CHECK_EQ_INT(zkbio_zk_info_get(c, &info), ZKBIO_OK);
    CHECK_STR(info.serial, "ZKEMU0000001");
    CHECK_STR(info.platform, "ZEM560");
    CHECK_STR(info.firmware, "Ver 6.60 Apr 28 2015");
    CHECK_EQ_INT(info.pin_width, 9);
    CHECK_EQ_INT(info.sizes.users, 5);
    CHECK_EQ_INT(info.sizes.records, 3000);
    CHECK_EQ_INT(info.sizes.fingers, 10);
    CHECK(strlen(info.mac) == 17);
    char opt[32];
    CHECK_EQ_INT(zkbio_zk_option_get(c, "NoSuchOption", opt, sizeof(opt)), ZKBIO_ENOENT);
    CHECK_EQ_INT(zkbio_zk_option_set(c, "IdleMinute", "7"), ZKBIO_OK);
    CHECK_EQ_INT(zkbio_zk_option_get(c, "IdleMinute", opt, sizeof(opt)), ZKBIO_OK);
    CHECK_STR(opt, "7");

    /* clock */
    zkbio_zk_time t = {2025, 3, 4, 5, 6, 7}, g;
    CHECK_EQ_INT(zkbio_zk_time_set(c, &t), ZKBIO_OK);
    CHECK_EQ_INT(zkbio_zk_time_get(c, &g), ZKBIO_OK);
    CHECK(g.year == 2025 && g.month == 3 && g.day == 4 && g.hour == 5 && g.minute == 6);

    /* users: read, create, update, delete */
    zkbio_zk_user *u = NULL;
    size_t nu = 0;
    CHECK_EQ_INT(zkbio_zk_users_get(c, &u, &nu), ZKBIO_OK);
    CHECK_EQ_INT(nu, 5);
    if (nu == 5) {
        CHECK_STR(u[0].name, "User 1");
        CHECK_STR(u[4].user_id, "5");
        CHECK_EQ_INT(u[0].privilege, ZKBIO_ZK_PRIV_ADMIN);
        CHECK_EQ_INT(u[1].card, 10002);
    }
    zkbio_zk_free(u);
    zkbio_zk_user nw;
    memset(&nw, 0, sizeof(nw));
    nw.uid = 100;
    strcpy(nw.name, "J\xc3\xbcrgen");
    strcpy(nw.user_id, "100");
    strcpy(nw.password, "1234");
    nw.card = 777;
    CHECK_EQ_INT(zkbio_zk_user_set(c, &nw), ZKBIO_OK);
    strcpy(nw.name, "J\xc3\xbcrgen B");
    CHECK_EQ_INT(zkbio_zk_user_set(c, &nw), ZKBIO_OK); /* update in place */
    CHECK_EQ_INT(zkbio_zk_users_get(c, &u, &nu), ZKBIO_OK);
    CHECK_EQ_INT(nu, 6);
    const zkbio_zk_user *f = find_user(u, nu, 100);
    CHECK(f != NULL);
    if (f) {
        CHECK_STR(f->name, "J\xc3\xbcrgen B");
        CHECK_EQ_INT(f->card, 777);
        CHECK_STR(f->password, "1234");
    }
    zkbio_zk_free(u);
    CHECK_EQ_INT(zkbio_zk_user_delete(c, 100), ZKBIO_OK);
    CHECK_EQ_INT(zkbio_zk_user_delete(c, 100), ZKBIO_EIO);
    CHECK_EQ_INT(zkbio_zk_users_get(c, &u, &nu), ZKBIO_OK);
    CHECK_EQ_INT(nu, 5);
    zkbio_zk_free(u);

    /* templates: all, one, write one, delete one */
    zkbio_zk_template *tp = NULL;
    size_t nt = 0;
    CHECK_EQ_INT(zkbio_zk_templates_get(c, &tp, &nt), ZKBIO_OK);
    CHECK_EQ_INT(nt, 10);
    uint8_t *one = NULL;
    size_t olen = 0;
    CHECK_EQ_INT(zkbio_zk_template_get(c, tp[0].uid, tp[0].fid, &one, &olen), ZKBIO_OK);
    CHECK_EQ_INT(olen, tp[0].len);
    CHECK(one && olen == tp[0].len && memcmp(one, tp[0].data, olen) == 0);
    CHECK(olen > 6 && memcmp(one + 2, "SS21", 4) == 0);
    zkbio_zk_free(one);
    zkbio_zk_free(tp);
    CHECK_EQ_INT(zkbio_zk_template_get(c, 1, 9, &one, &olen), ZKBIO_ENOENT);
    uint8_t mine[1500];
    for (size_t i = 0; i < sizeof(mine); i++)
        mine[i] = (uint8_t)(i * 7 + 1);
    CHECK_EQ_INT(zkbio_zk_template_set(c, 2, 5, 1, mine, sizeof(mine)), ZKBIO_OK);
    CHECK_EQ_INT(zkbio_zk_template_get(c, 2, 5, &one, &olen), ZKBIO_OK);
    CHECK(one && olen == sizeof(mine) && memcmp(one, mine, olen) == 0);
    zkbio_zk_free(one);
    CHECK_EQ_INT(zkbio_zk_template_set(c, 99, 5, 1, mine, 100), ZKBIO_EIO); /* no such user */
    CHECK_EQ_INT(zkbio_zk_template_delete(c, 2, 5), ZKBIO_OK);
    CHECK_EQ_INT(zkbio_zk_template_delete(c, 2, 5), ZKBIO_ENOENT);

    /* bulk upload of users with templates */
    zkbio_zk_user up[2];
    memset(up, 0, sizeof(up));
    up[0].uid = 200;
    strcpy(up[0].user_id, "200");
    strcpy(up[0].name, "Bulk A");
    up[1].uid = 201;
    strcpy(up[1].user_id, "201");
    strcpy(up[1].name, "Bulk B");
    zkbio_zk_template ut[2] = {{200, 0, 1, mine, 800}, {201, 3, 1, mine + 100, 900}};
    CHECK_EQ_INT(zkbio_zk_upload(c, up, 2, ut, 2), ZKBIO_OK);
    CHECK_EQ_INT(zkbio_zk_users_get(c, &u, &nu), ZKBIO_OK);
    CHECK_EQ_INT(nu, 7);
    CHECK(find_user(u, nu, 201) != NULL);
    zkbio_zk_free(u);
    CHECK_EQ_INT(zkbio_zk_template_get(c, 201, 3, &one, &olen), ZKBIO_OK);
    CHECK(one && olen == 900 && memcmp(one, mine + 100, 900) == 0);
    zkbio_zk_free(one);
    ut[0].uid = 999; /* template of a user not in the upload */
    CHECK_EQ_INT(zkbio_zk_upload(c, up, 2, ut, 2), ZKBIO_EINVAL);

    /* attendance: all, since, clear */
    zkbio_zk_att *a = NULL;
    size_t na = 0;
    CHECK_EQ_INT(zkbio_zk_attendance_get(c, NULL, &a, &na), ZKBIO_OK);
    CHECK_EQ_INT(na, 3000);
    if (na == 3000) {
        char s[20];
        zkbio_zk_time_format(&a[0].time, s);
        CHECK_STR(s, "2024-01-01 08:00:00");
        zkbio_zk_time_format(&a[2999].time, s);
        CHECK_STR(s, "2024-01-03 09:59:00");
        CHECK_STR(a[1].user_id, "2");
        CHECK_EQ_INT(a[1].state, 1);
        CHECK_EQ_INT(a[1].verify, 1);
    }
    zkbio_zk_free(a);
    zkbio_zk_time since = {2024, 1, 2, 0, 0, 0};
    CHECK_EQ_INT(zkbio_zk_attendance_get(c, &since, &a, &na), ZKBIO_OK);
    CHECK_EQ_INT(na, 3000 - 960);
    zkbio_zk_free(a);
    CHECK_EQ_INT(zkbio_zk_attendance_clear(c), ZKBIO_OK);
    CHECK_EQ_INT(zkbio_zk_attendance_get(c, NULL, &a, &na), ZKBIO_OK);
    CHECK_EQ_INT(na, 0);
    CHECK(a == NULL);

    /* door and device state */
    zkbio_zk_emu_stats st;
    CHECK_EQ_INT(zkbio_zk_unlock(c, 50), ZKBIO_OK);
    CHECK_EQ_INT(zkbio_zk_disable(c), ZKBIO_OK);
    zkbio_zk_emu_stats_get(e, &st);
    CHECK_EQ_INT(st.last_unlock, 50);
    CHECK_EQ_INT(st.enabled, 0);
    CHECK_EQ_INT(zkbio_zk_enable(c), ZKBIO_OK);
    CHECK_EQ_INT(zkbio_zk_refresh(c), ZKBIO_OK);
    zkbio_zk_emu_stats_get(e, &st);
    CHECK_EQ_INT(st.enabled, 1);

    /* realtime punch */
    pthread_t th;
    punch_arg pa = {e, 150};
    seen sn;
    memset(&sn, 0, sizeof(sn));
    pthread_create(&th, NULL, punch_later, &pa);
    int64_t t0 = now_ms();
    CHECK_EQ_INT(zkbio_zk_listen(c, ZKBIO_ZK_EF_ATTLOG, 3000, on_event, &sn), ZKBIO_OK);
    pthread_join(th, NULL);
    CHECK_EQ_INT(sn.attlog, 1);
    CHECK_STR(sn.user_id, "3");
    CHECK(now_ms() - t0 < 2500);
    CHECK_EQ_INT(zkbio_zk_attendance_get(c, NULL, &a, &na), ZKBIO_OK);
    CHECK_EQ_INT(na, 1); /* the punch was stored */
    zkbio_zk_free(a);

    /* door, verify and alarm events; the ones not registered for are not sent */
    memset(&sn, 0, sizeof(sn));
    pthread_create(&th, NULL, events_later, e);
    CHECK_EQ_INT(zkbio_zk_listen(c, ZKBIO_ZK_EF_VERIFY | ZKBIO_ZK_EF_UNLOCK | ZKBIO_ZK_EF_ALARM,
                                 3000, on_event, &sn),
                 ZKBIO_OK);
    pthread_join(th, NULL);
    CHECK_EQ_INT(sn.other, 3); /* verify, door, alarm (the listen stops at the alarm) */

    /* bulk read progress (0.4): bytes as they arrive; a nonzero return stops the read */
    {
        prog pg = {0};
        zkbio_zk_user *pu = NULL;
        size_t pn = 0;
        CHECK_EQ_INT(zkbio_zk_client_progress_set(c, on_progress, &pg), ZKBIO_OK);
        CHECK_EQ_INT(zkbio_zk_users_get(c, &pu, &pn), ZKBIO_OK);
        zkbio_zk_free(pu);
        CHECK(pg.calls >= 1 && pg.done == pg.total && pg.total > 0);
        pg.stop = 1;
        CHECK_EQ_INT(zkbio_zk_users_get(c, &pu, &pn), ZKBIO_ECANCELED);
        CHECK_EQ_INT(zkbio_zk_client_progress_set(c, NULL, NULL), ZKBIO_OK);
        CHECK_EQ_INT(zkbio_zk_users_get(c, &pu, &pn), ZKBIO_OK); /* the session goes on */
        zkbio_zk_free(pu);
    }

    /* split listen (0.4): register once; a punch arriving while a command runs is queued by
     * that command and handed out by events_poll; the socket becomes readable for a later one */
    {
        int fd = -1;
        CHECK_EQ_INT(zkbio_zk_client_fd_get(c, &fd), ZKBIO_OK);
        CHECK(fd >= 0);
        CHECK_EQ_INT(zkbio_zk_events_register(c, ZKBIO_ZK_EF_ATTLOG), ZKBIO_OK);
        CHECK_EQ_INT(zkbio_zk_emu_punch(e, "2", 1, 0), ZKBIO_OK);
        usleep(100000);
        CHECK_EQ_INT(zkbio_zk_time_get(c, &g), ZKBIO_OK); /* the event is queued meanwhile */
        memset(&sn, 0, sizeof(sn));
        size_t got = 0;
        CHECK_EQ_INT(zkbio_zk_events_poll(c, 0, on_event, &sn, &got), ZKBIO_OK);
        CHECK_EQ_INT(got, 1);
        CHECK_STR(sn.user_id, "2");
        CHECK_EQ_INT(zkbio_zk_emu_punch(e, "3", 1, 0), ZKBIO_OK);
        struct pollfd pf = {fd, POLLIN, 0};
        CHECK_EQ_INT(poll(&pf, 1, 2000), 1);
        memset(&sn, 0, sizeof(sn));
        CHECK_EQ_INT(zkbio_zk_events_poll(c, 0, on_event, &sn, &got), ZKBIO_OK);
        CHECK_EQ_INT(got, 1);
        CHECK_STR(sn.user_id, "3");
        got = 9;
        CHECK_EQ_INT(zkbio_zk_events_poll(c, 50, on_event, &sn, &got), ZKBIO_OK); /* quiet */
        CHECK_EQ_INT(got, 0);
        CHECK_EQ_INT(zkbio_zk_events_poll(c, -1, on_event, &sn, NULL), ZKBIO_EINVAL);
        CHECK_EQ_INT(zkbio_zk_events_register(c, 0), ZKBIO_OK);
    }

    /* a quiet listen ends with its duration */
    memset(&sn, 0, sizeof(sn));
    t0 = now_ms();
    CHECK_EQ_INT(zkbio_zk_listen(c, ZKBIO_ZK_EF_ATTLOG, 300, on_event, &sn), ZKBIO_OK);
    CHECK(now_ms() - t0 >= 250 && now_ms() - t0 < 2000);
    CHECK_EQ_INT(sn.attlog + sn.other, 0);

    /* remote enroll: FINGER + FPFTR three times, then ENROLLFINGER */
    memset(&sn, 0, sizeof(sn));
    CHECK_EQ_INT(zkbio_zk_enroll(c, "3", 6, 5000, on_event, &sn), ZKBIO_OK);
    CHECK_EQ_INT(sn.finger, 3);
    CHECK_EQ_INT(sn.fpftr, 3);
    CHECK_EQ_INT(sn.enrolled, 1);
    CHECK_EQ_INT(zkbio_zk_template_get(c, 3, 6, &one, &olen), ZKBIO_OK);
    zkbio_zk_free(one);
    CHECK_EQ_INT(zkbio_zk_enroll(c, "4242", 1, 2000, NULL, NULL), ZKBIO_EIO); /* unknown user */

    /* restart: the connection goes away */
    CHECK_EQ_INT(zkbio_zk_restart(c), ZKBIO_OK);
    CHECK(zkbio_zk_time_get(c, &g) != ZKBIO_OK);
    zkbio_zk_client_close(c);
    c = connect_to(e, transport, key, 3000);
    CHECK_EQ_INT(zkbio_zk_poweroff(c), ZKBIO_OK);
    zkbio_zk_client_close(c);
    zkbio_zk_emu_stats_get(e, &st);
    CHECK_EQ_INT(st.restarts, 1);
    CHECK_EQ_INT(st.poweroffs, 1);
    CHECK_EQ_INT(st.bad_checksums, 0);

    /* a wrong comm key is refused, not retried over the other transport */
    uint16_t port;
    zkbio_zk_emu_port(e, &port);
    zkbio_zk_client_options o;
    zkbio_zk_client_options_init(&o);
    o.transport = transport;
    o.comm_key = key + 1;
    o.timeout_ms = 2000;
    c = NULL;
    int rc = zkbio_zk_client_open("127.0.0.1", port, &o, &c);
    CHECK_EQ_INT(rc, key ? ZKBIO_EACCES : ZKBIO_OK); /* no key on the device: any key is fine */
    zkbio_zk_client_close(c);
    zkbio_zk_emu_stop(e);
}

/* ZK6 profile (28-byte users, 8-byte attendance) over UDP, reached by the TCP-then-UDP fallback. */
static void zk6_fallback(void)
{
    zkbio_zk_emu *e = start(6, 0, 4, 500, 1);
    if (!e)
        return;
    zkbio_zk_client *c = connect_to(e, ZKBIO_ZK_AUTO, 0, 2000);
    if (!c) {
        zkbio_zk_emu_stop(e);
        return;
    }
    int tr = 0;
    zkbio_zk_client_transport(c, &tr);
    CHECK_EQ_INT(tr, ZKBIO_ZK_UDP);
    zkbio_zk_user *u = NULL;
    size_t nu = 0;
    CHECK_EQ_INT(zkbio_zk_users_get(c, &u, &nu), ZKBIO_OK);
    CHECK_EQ_INT(nu, 4);
    if (nu == 4)
        CHECK_STR(u[3].name, "User 4");
    zkbio_zk_free(u);
    zkbio_zk_user nw;
    memset(&nw, 0, sizeof(nw));
    nw.uid = 9;
    strcpy(nw.user_id, "90009");
    strcpy(nw.name, "Eight ch");
    CHECK_EQ_INT(zkbio_zk_user_set(c, &nw), ZKBIO_OK);
    CHECK_EQ_INT(zkbio_zk_emu_punch(e, "90009", 1, 0), ZKBIO_OK);
    zkbio_zk_att *a = NULL;
    size_t na = 0;
    CHECK_EQ_INT(zkbio_zk_attendance_get(c, NULL, &a, &na), ZKBIO_OK);
    CHECK_EQ_INT(na, 501);
    if (na == 501) {
        CHECK_STR(a[0].user_id, "1");
        CHECK_STR(a[500].user_id, "90009"); /* uid 9 mapped through the user list */
    }
    zkbio_zk_free(a);
    zkbio_zk_client_close(c);
    zkbio_zk_emu_stop(e);
}

typedef struct worker {
    zkbio_zk_client *c;
    int ok;
} worker;

static void *time_worker(void *p)
{
    worker *w = p;
    for (int i = 0; i < 40; i++) {
        zkbio_zk_time t;
        w->ok += zkbio_zk_time_get(w->c, &t) == ZKBIO_OK;
    }
    return NULL;
}

/* One handle, two threads. */
static void threads(int transport)
{
    zkbio_zk_emu *e = start(8, 0, 3, 10, 0);
    zkbio_zk_client *c = e ? connect_to(e, transport, 0, 2000) : NULL;
    if (c) {
        worker w[2] = {{c, 0}, {c, 0}};
        pthread_t th[2];
        for (int i = 0; i < 2; i++)
            pthread_create(&th[i], NULL, time_worker, &w[i]);
        zkbio_zk_user *u = NULL;
        size_t nu = 0;
        for (int i = 0; i < 10; i++) {
            CHECK_EQ_INT(zkbio_zk_users_get(c, &u, &nu), ZKBIO_OK);
            zkbio_zk_free(u);
        }
        for (int i = 0; i < 2; i++)
            pthread_join(th[i], NULL);
        CHECK_EQ_INT(w[0].ok + w[1].ok, 80);
    }
    zkbio_zk_client_close(c);
    zkbio_zk_emu_stop(e);
}

/* Recoverable faults: the client gets its data or a clean, prompt error, and stays usable. */
static void faults(int transport)
{
    int tcp = transport == ZKBIO_ZK_TCP;
    zkbio_zk_emu *e = start(8, 0, 5, 3000, 0); /* 120 kB: several chunks */
    zkbio_zk_client *c = e ? connect_to(e, transport, 0, 500) : NULL;
    if (!c) {
        zkbio_zk_emu_stop(e);
        return;
    }
    zkbio_zk_att *a = NULL;
    size_t na = 0;
    zkbio_zk_time t;
    /* a dropped chunk is requested again */
    zkbio_zk_emu_fault(e, ZKBIO_ZK_FAULT_DROP_REPLY, ZKBIO_ZK_CMD_DATA_RDY, 1, 0);
    CHECK_EQ_INT(zkbio_zk_attendance_get(c, NULL, &a, &na), ZKBIO_OK);
    CHECK_EQ_INT(na, 3000);
    zkbio_zk_free(a);
    /* firmware without 1503: the legacy direct reads (mode C) */
    zkbio_zk_emu_fault(e, ZKBIO_ZK_FAULT_UNKNOWN, ZKBIO_ZK_CMD_DATA_WRRQ, 2, 0);
    CHECK_EQ_INT(zkbio_zk_attendance_get(c, NULL, &a, &na), ZKBIO_OK);
    CHECK_EQ_INT(na, 3000);
    zkbio_zk_free(a);
    zkbio_zk_user *u = NULL;
    size_t nu = 0;
    CHECK_EQ_INT(zkbio_zk_users_get(c, &u, &nu), ZKBIO_OK);
    CHECK_EQ_INT(nu, 5);
    if (nu == 5)
        CHECK_STR(u[4].name, "User 5");
    zkbio_zk_free(u);
    /* a short delay is fine; a long one is a timeout, and the late answer is then skipped */
    zkbio_zk_emu_fault(e, ZKBIO_ZK_FAULT_DELAY, ZKBIO_ZK_CMD_GET_TIME, 1, 200);
    CHECK_EQ_INT(zkbio_zk_time_get(c, &t), ZKBIO_OK);
    zkbio_zk_emu_fault(e, ZKBIO_ZK_FAULT_DELAY, ZKBIO_ZK_CMD_GET_TIME, 1, 800);
    int64_t t0 = now_ms();
    CHECK_EQ_INT(zkbio_zk_time_get(c, &t), ZKBIO_ETIMEDOUT);
    CHECK(now_ms() - t0 < 1500);
    CHECK_EQ_INT(zkbio_zk_time_get(c, &t), ZKBIO_OK);
    /* a dropped answer to a plain command is a timeout */
    zkbio_zk_emu_fault(e, ZKBIO_ZK_FAULT_DROP_REPLY, ZKBIO_ZK_CMD_UNLOCK, 1, 0);
    CHECK_EQ_INT(zkbio_zk_unlock(c, 10), ZKBIO_ETIMEDOUT);
    CHECK_EQ_INT(zkbio_zk_unlock(c, 10), ZKBIO_OK);
    /* a transfer cut in the middle: over TCP the connection is gone (clean error); over UDP the
     * chunk is incomplete and requested again */
    zkbio_zk_emu_fault(e, ZKBIO_ZK_FAULT_CLOSE_MID, ZKBIO_ZK_CMD_DATA_RDY, 1, 0);
    t0 = now_ms();
    int rc = zkbio_zk_attendance_get(c, NULL, &a, &na);
    CHECK(now_ms() - t0 < 3000);
    if (tcp) {
        CHECK(rc == ZKBIO_ECONN || rc == ZKBIO_EPROTO);
        CHECK_EQ_INT(zkbio_zk_time_get(c, &t), ZKBIO_ECONN);
    } else {
        CHECK_EQ_INT(rc, ZKBIO_OK);
        CHECK_EQ_INT(na, 3000);
        zkbio_zk_free(a);
    }
    zkbio_zk_client_close(c);
    /* a restart the device does not answer still counts as done */
    c = connect_to(e, transport, 0, 500);
    zkbio_zk_emu_fault(e, ZKBIO_ZK_FAULT_DROP_REPLY, ZKBIO_ZK_CMD_RESTART, 1, 0);
    t0 = now_ms();
    CHECK_EQ_INT(zkbio_zk_restart(c), ZKBIO_OK);
    CHECK(now_ms() - t0 < 1500);
    zkbio_zk_client_close(c);
    zkbio_zk_emu_stop(e);
}

/* One hostile behaviour on a fresh connection: expect `want` (or `alt`) within 3 s. */
static void hostile_one(zkbio_zk_emu *e, int transport, int fault, uint16_t cmd, int want, int alt)
{
    zkbio_zk_client *c = connect_to(e, transport, 0, 600);
    if (!c)
        return;
    zkbio_zk_emu_fault(e, fault, cmd, 1, 0);
    int64_t t0 = now_ms();
    int rc;
    if (cmd == ZKBIO_ZK_CMD_GET_TIME) {
        zkbio_zk_time t;
        rc = zkbio_zk_time_get(c, &t);
    } else {
        zkbio_zk_att *a = NULL;
        size_t na = 0;
        rc = zkbio_zk_attendance_get(c, NULL, &a, &na);
        zkbio_zk_free(a);
    }
    int64_t took = now_ms() - t0;
    if (rc != want && rc != alt)
        fprintf(stderr, "hostile fault %d transport %d: got %s\n", fault, transport,
                zkbio_error_name(rc));
    CHECK(rc == want || rc == alt);
    CHECK(took < 3000);
    zkbio_zk_emu_fault(e, 0, 0, 0, 0);
    zkbio_zk_client_close(c);
}

static void hostile(int transport)
{
    int tcp = transport == ZKBIO_ZK_TCP;
    zkbio_zk_emu *e = start(8, 0, 5, 3000, 0);
    if (!e)
        return;
    hostile_one(e, transport, ZKBIO_ZK_FAULT_HUGE_SIZE, ZKBIO_ZK_CMD_DATA_WRRQ, ZKBIO_ETOOBIG,
                ZKBIO_ETOOBIG);
    hostile_one(e, transport, ZKBIO_ZK_FAULT_ENDLESS, ZKBIO_ZK_CMD_DATA_RDY, ZKBIO_EPROTO,
                ZKBIO_EPROTO);
    hostile_one(e, transport, ZKBIO_ZK_FAULT_WRONG_LENGTH,
                tcp ? ZKBIO_ZK_CMD_GET_TIME : ZKBIO_ZK_CMD_DATA_RDY, ZKBIO_EPROTO, ZKBIO_EPROTO);
    /* bad checksums: a broken TCP stream is an error; a bad UDP datagram is dropped like a lost
     * one (a timeout, or a re-requested chunk) */
    hostile_one(e, transport, ZKBIO_ZK_FAULT_BAD_CHECKSUM, ZKBIO_ZK_CMD_GET_TIME,
                tcp ? ZKBIO_EPROTO : ZKBIO_ETIMEDOUT, tcp ? ZKBIO_EPROTO : ZKBIO_ETIMEDOUT);
    hostile_one(e, transport, ZKBIO_ZK_FAULT_BAD_CHECKSUM, ZKBIO_ZK_CMD_DATA_RDY,
                tcp ? ZKBIO_EPROTO : ZKBIO_OK, tcp ? ZKBIO_EPROTO : ZKBIO_OK);
    hostile_one(e, transport, ZKBIO_ZK_FAULT_GARBAGE, ZKBIO_ZK_CMD_GET_TIME,
                tcp ? ZKBIO_EPROTO : ZKBIO_ETIMEDOUT, tcp ? ZKBIO_EPROTO : ZKBIO_ETIMEDOUT);
    /* a flood of unsolicited packets does not keep a call alive past its deadline */
    hostile_one(e, transport, ZKBIO_ZK_FAULT_FLOOD, ZKBIO_ZK_CMD_GET_TIME, ZKBIO_ETIMEDOUT,
                ZKBIO_ETIMEDOUT);
    usleep(1200 * 1000); /* let the flood end before the next connection */
    /* the device survives all of it */
    zkbio_zk_client *c = connect_to(e, transport, 0, 1000);
    zkbio_zk_time t;
    if (c)
        CHECK_EQ_INT(zkbio_zk_time_get(c, &t), ZKBIO_OK);
    zkbio_zk_client_close(c);
    zkbio_zk_emu_stop(e);
}

static void refused(void)
{
    /* nothing listens: a clean error */
    zkbio_zk_emu *e = start(8, 0, 0, 0, 0);
    uint16_t port = 0;
    zkbio_zk_emu_port(e, &port);
    zkbio_zk_emu_stop(e);
    zkbio_zk_client_options o;
    zkbio_zk_client_options_init(&o);
    o.timeout_ms = 300;
    zkbio_zk_client *c = NULL;
    int64_t t0 = now_ms();
    int rc = zkbio_zk_client_open("127.0.0.1", port, &o, &c);
    CHECK(rc == ZKBIO_ECONN || rc == ZKBIO_ETIMEDOUT);
    CHECK(c == NULL);
    CHECK(now_ms() - t0 < 2000);
    CHECK_EQ_INT(zkbio_zk_client_open(NULL, 1, &o, &c), ZKBIO_EINVAL);
}

/* The options structs carry their size: 0 (never set) or a size below that of 0.3 is refused
 * before anything else happens; a larger size (a newer caller) has its known fields read, the
 * rest ignored. */
static void option_sizes(void)
{
    zkbio_zk_emu_options eo;
    zkbio_zk_emu_options_init(&eo);
    CHECK_EQ_INT(eo.size, sizeof(eo));
    zkbio_zk_emu *e = NULL;
    eo.size = 0;
    CHECK_EQ_INT(zkbio_zk_emu_start(&eo, &e), ZKBIO_EINVAL);
    eo.size = (uint32_t)offsetof(zkbio_zk_emu_options, inline_max); /* without inline_max */
    CHECK_EQ_INT(zkbio_zk_emu_start(&eo, &e), ZKBIO_EINVAL);
    CHECK(e == NULL);
    /* a caller built before link_rate and att_size: accepted, both take their defaults */
    eo.size = (uint32_t)(offsetof(zkbio_zk_emu_options, inline_max) + sizeof(size_t));
    eo.link_rate = 12345;
    eo.att_size = 3; /* beyond the caller's size: not read */
    CHECK_EQ_INT(zkbio_zk_emu_start(&eo, &e), ZKBIO_OK);
    zkbio_zk_emu_stop(e);
    e = NULL;
    zkbio_zk_emu_options_init(&eo);
    eo.att_size = 12; /* not a record size */
    CHECK_EQ_INT(zkbio_zk_emu_start(&eo, &e), ZKBIO_EINVAL);
    CHECK(e == NULL);
    struct {
        zkbio_zk_emu_options o;
        char newer[16]; /* fields of a later version, unknown here */
    } big;
    memset(&big, 0x5A, sizeof(big));
    zkbio_zk_emu_options_init(&big.o);
    big.o.size = (uint32_t)sizeof(big);
    CHECK_EQ_INT(zkbio_zk_emu_start(&big.o, &e), ZKBIO_OK);
    uint16_t port = 0;
    zkbio_zk_emu_port(e, &port);

    zkbio_zk_client_options o;
    zkbio_zk_client_options_init(&o);
    CHECK_EQ_INT(o.size, sizeof(o));
    CHECK(o.transport == 0 && o.comm_key == 0 && o.charset == NULL && o.lenient_checksum == 0);
    zkbio_zk_client *c = NULL;
    o.size = 0;
    CHECK_EQ_INT(zkbio_zk_client_open("127.0.0.1", port, &o, &c), ZKBIO_EINVAL);
    o.size = 4;
    CHECK_EQ_INT(zkbio_zk_client_open("127.0.0.1", port, &o, &c), ZKBIO_EINVAL);
    CHECK(c == NULL);
    struct {
        zkbio_zk_client_options o;
        char newer[16];
    } cbig;
    memset(&cbig, 0x5A, sizeof(cbig));
    zkbio_zk_client_options_init(&cbig.o);
    cbig.o.size = (uint32_t)sizeof(cbig);
    cbig.o.transport = ZKBIO_ZK_TCP;
    cbig.o.timeout_ms = 2000;
    CHECK_EQ_INT(zkbio_zk_client_open("127.0.0.1", port, &cbig.o, &c), ZKBIO_OK);
    int t = -1;
    CHECK_EQ_INT(zkbio_zk_client_transport(c, &t), ZKBIO_OK);
    CHECK_EQ_INT(t, ZKBIO_ZK_TCP);
    zkbio_zk_client_close(c);
    c = NULL;
    CHECK_EQ_INT(zkbio_zk_client_open("127.0.0.1", port, NULL, &c), ZKBIO_OK); /* defaults */
    zkbio_zk_client_close(c);
    zkbio_zk_emu_stop(e);
}

/* sessions_opened counts every session ever opened; sessions only the open ones. */
static void sessions_counted(void)
{
    zkbio_zk_emu *e = start(8, 0, 3, 3, 0);
    zkbio_zk_emu_stats st;
    zkbio_zk_emu_stats_get(e, &st);
    CHECK_EQ_INT(st.sessions_opened, 0);
    CHECK_EQ_INT(st.sessions, 0);
    zkbio_zk_client *c = connect_to(e, ZKBIO_ZK_TCP, 0, 3000);
    zkbio_zk_client_close(c);
    c = connect_to(e, ZKBIO_ZK_TCP, 0, 3000);
    zkbio_zk_client *u = connect_to(e, ZKBIO_ZK_UDP, 0, 3000);
    /* the emulator notices the first connection's end when it reads it */
    for (int i = 0; i < 100; i++) {
        zkbio_zk_emu_stats_get(e, &st);
        if (st.sessions == 2)
            break;
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    CHECK_EQ_INT(st.sessions_opened, 3);
    CHECK_EQ_INT(st.sessions, 2);
    zkbio_zk_client_close(u);
    zkbio_zk_client_close(c);
    zkbio_zk_emu_stop(e);
}

int main(void)
{
    sessions_counted();
    option_sizes();
    all_commands(ZKBIO_ZK_TCP, 0);
    all_commands(ZKBIO_ZK_UDP, 0);
    all_commands(ZKBIO_ZK_TCP, 12345);
    all_commands(ZKBIO_ZK_UDP, 999999);
    zk6_fallback();
    threads(ZKBIO_ZK_TCP);
    threads(ZKBIO_ZK_UDP);
    faults(ZKBIO_ZK_TCP);
    faults(ZKBIO_ZK_UDP);
    hostile(ZKBIO_ZK_TCP);
    hostile(ZKBIO_ZK_UDP);
    refused();
    return TEST_DONE();
}
