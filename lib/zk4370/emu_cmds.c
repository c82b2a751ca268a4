/* SPDX-License-Identifier: Apache-2.0 */
/* The emulated terminal's answer to each command (tcp4370.md §2, §4, §7, §10). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal/bytes.h"
#include "zk4370/zki_emu.h"

#define ACK(e, s, r)        zki_emu_send(e, s, ZKBIO_ZK_ACK_OK, r, NULL, 0)
#define NAK(e, s, r)        zki_emu_send(e, s, ZKBIO_ZK_ACK_ERROR, r, NULL, 0)
#define ACKD(e, s, r, d, n) zki_emu_send(e, s, ZKBIO_ZK_ACK_OK, r, d, n)

static void sleep_ms(int ms)
{
    if (ms > 0)
        usleep((useconds_t)ms * 1000u);
}

/* The first armed fault for cmd; consumes one count. */
static const zki_emu_fault *take_fault(zkbio_zk_emu *e, uint16_t cmd)
{
    for (int i = 0; i < ZKI_EMU_FAULTS; i++) {
        zki_emu_fault *f = &e->faults[i];
        if (f->count && (f->cmd == 0 || f->cmd == cmd)) {
            f->count--;
            return f;
        }
    }
    return NULL;
}

/* ---- bulk reads ---- */

/* Mode C (§4.1): PREPARE_DATA (u32 size), DATA pieces, ACK_OK. */
static void send_stream(zkbio_zk_emu *e, zki_emu_sess *s, uint16_t r, const uint8_t *p, size_t n)
{
    uint8_t sz[4];
    zki_put_le32(sz, (uint32_t)n);
    zki_emu_send_paced(e, s, ZKBIO_ZK_CMD_PREPARE_DATA, r, sz, 4, 0);
    size_t piece = s->fd >= 0 ? ZKBIO_ZK_CHUNK_TCP : ZKBIO_ZK_UDP_DATA;
    for (size_t off = 0; off < n && !s->dead; off += piece)
        zki_emu_send_paced(e, s, ZKBIO_ZK_CMD_DATA, r, p + off, n - off < piece ? n - off : piece,
                           0);
    zki_emu_send_paced(e, s, ZKBIO_ZK_ACK_OK, r, NULL, 0, 1);
}

static void on_data_wrrq(zkbio_zk_emu *e, zki_emu_sess *s, uint16_t r, const uint8_t *d, size_t n)
{
    if (n < 7) {
        NAK(e, s, r);
        return;
    }
    uint16_t inner = zki_le16(d + 1);
    int kind;
    if (inner == ZKBIO_ZK_CMD_USERTEMP_RRQ)
        kind = 0;
    else if (inner == ZKBIO_ZK_CMD_ATTLOG_RRQ)
        kind = 1;
    else if (inner == ZKBIO_ZK_CMD_DB_RRQ)
        kind = 2;
    else if (inner == ZKBIO_ZK_CMD_OPLOG_RRQ)
        kind = 3;
    else {
        NAK(e, s, r);
        return;
    }
    free(s->bulk);
    s->bulk = NULL;
    s->bulk_len = 0;
    uint8_t info[13] = {0};
    if (s->fault == ZKBIO_ZK_FAULT_HUGE_SIZE) {
        zki_put_le32(info + 1, 0x7FFFFFF0u);
        zki_put_le32(info + 5, 0x7FFFFFF0u);
        ACKD(e, s, r, info, sizeof(info));
        return;
    }
    uint8_t *buf;
    size_t len;
    if (zki_emu_dataset(e, kind, &buf, &len) != ZKBIO_OK) {
        NAK(e, s, r);
        return;
    }
    if (len < e->inline_max && len <= ZKBIO_ZK_MAX_DATA) { /* mode A */
        zki_emu_send(e, s, ZKBIO_ZK_CMD_DATA, r, buf, len);
        free(buf);
        return;
    }
    s->bulk = buf; /* mode B: the client pulls chunks with 1504 */
    s->bulk_len = len;
    zki_put_le32(info + 1, (uint32_t)len);
    zki_put_le32(info + 5, (uint32_t)len);
    ACKD(e, s, r, info, sizeof(info));
}

static void on_data_rdy(zkbio_zk_emu *e, zki_emu_sess *s, uint16_t r, const uint8_t *d, size_t n)
{
    if (n < 8) {
        NAK(e, s, r);
        return;
    }
    size_t off = zki_le32(d), len = zki_le32(d + 4);
    int tcp = s->fd >= 0;
    if (!s->bulk || len == 0 || off > s->bulk_len || len > s->bulk_len - off ||
        len > ZKBIO_ZK_CHUNK_TCP) {
        NAK(e, s, r);
        return;
    }
    const uint8_t *p = s->bulk + off;
    uint8_t prep[8] = {0};
    zki_put_le32(prep, (uint32_t)len);
    int fault = s->fault;
    if (fault == ZKBIO_ZK_FAULT_ENDLESS) {
        zki_emu_send(e, s, ZKBIO_ZK_CMD_PREPARE_DATA, r, prep, 8);
        int64_t end = zki_emu_now_ms() + 3000;
        size_t piece = tcp ? len : (len < ZKBIO_ZK_UDP_DATA ? len : ZKBIO_ZK_UDP_DATA);
        for (unsigned k = 0; k < 100000 && !s->dead && zki_emu_now_ms() < end; k++)
            if (zki_emu_send(e, s, ZKBIO_ZK_CMD_DATA, r, p, piece) != 0)
                break;
        return;
    }
    if (fault == ZKBIO_ZK_FAULT_CLOSE_MID) {
        zki_emu_send(e, s, ZKBIO_ZK_CMD_PREPARE_DATA, r, prep, 8);
        if (tcp) { /* the DATA frame announces len bytes, half of them follow, then close */
            size_t k = zki_emu_build(e, s, e->out, ZKBIO_ZK_CMD_DATA, s->id, r, p, len);
            zki_emu_send_raw(e, s, e->out, k - len / 2);
            s->dead = 1;
        } else {
            zki_emu_send(e, s, ZKBIO_ZK_CMD_DATA, r, p,
                         len < ZKBIO_ZK_UDP_DATA ? len : ZKBIO_ZK_UDP_DATA);
        }
        return;
    }
    if (fault == ZKBIO_ZK_FAULT_WRONG_LENGTH && !tcp) { /* 100 bytes more than announced */
        zki_emu_send(e, s, ZKBIO_ZK_CMD_PREPARE_DATA, r, prep, 8);
        for (size_t k = 0; k < len; k += ZKBIO_ZK_UDP_DATA)
            zki_emu_send(e, s, ZKBIO_ZK_CMD_DATA, r, p + k,
                         len - k < ZKBIO_ZK_UDP_DATA ? len - k : ZKBIO_ZK_UDP_DATA);
        uint8_t extra[100];
        memset(extra, 0xEE, sizeof(extra));
        zki_emu_send(e, s, ZKBIO_ZK_CMD_DATA, r, extra, sizeof(extra));
        ACK(e, s, r);
        return;
    }
    /* §4.2 step 5: PREPARE_DATA, the chunk (one DATA packet on TCP, DATA datagrams of at most
     * 1024 bytes on UDP), ACK_OK; each packet its own write, as firmware sends them */
    size_t piece = tcp ? len : ZKBIO_ZK_UDP_DATA;
    zki_emu_send_paced(e, s, ZKBIO_ZK_CMD_PREPARE_DATA, r, prep, 8, 0);
    for (size_t k = 0; k < len && !s->dead; k += piece)
        zki_emu_send_paced(e, s, ZKBIO_ZK_CMD_DATA, r, p + k, len - k < piece ? len - k : piece, 0);
    zki_emu_send_paced(e, s, ZKBIO_ZK_ACK_OK, r, NULL, 0, 1);
}

/* ---- uploads ---- */

static void on_prepare(zkbio_zk_emu *e, zki_emu_sess *s, uint16_t r, const uint8_t *d, size_t n)
{
    size_t size = n >= 4 ? zki_le32(d) : (n >= 2 ? zki_le16(d) : 0);
    if (size == 0 || size > ZKI_EMU_MAX_UP) {
        NAK(e, s, r);
        return;
    }
    uint8_t *b = realloc(s->up, size);
    if (!b) {
        NAK(e, s, r);
        return;
    }
    s->up = b;
    s->up_cap = size;
    s->up_len = 0;
    ACK(e, s, r);
}

static void on_data(zkbio_zk_emu *e, zki_emu_sess *s, uint16_t r, const uint8_t *d, size_t n)
{
    if (!s->up || n > s->up_cap - s->up_len) {
        NAK(e, s, r);
        return;
    }
    memcpy(s->up + s->up_len, d, n);
    s->up_len += n;
    ACK(e, s, r);
}

/* _CMD_SAVE_USERTEMPS (§7.2): users, a table of template slots, the templates. */
static int save_usertemps(zkbio_zk_emu *e, const uint8_t *b, size_t n)
{
    if (n < 12)
        return ZKBIO_EPROTO;
    size_t up = zki_le32(b), tp = zki_le32(b + 4), fp = zki_le32(b + 8);
    if (up > n - 12 || tp > n - 12 - up || fp > n - 12 - up - tp || tp % 8)
        return ZKBIO_EPROTO;
    size_t rec = up % 73 == 0 ? 73 : (up % 29 == 0 ? 29 : 0);
    if (up && !rec)
        return ZKBIO_EPROTO;
    const uint8_t *u = b + 12, *t = u + up, *f = t + tp;
    for (size_t i = 0; rec && i < up; i += rec) {
        int rc = zki_emu_put_user(e, u + i + 1, rec - 1);
        if (rc != ZKBIO_OK)
            return rc;
    }
    for (size_t i = 0; i < tp; i += 8) {
        uint16_t uid = zki_le16(t + i + 1);
        uint8_t fid = (uint8_t)(t[i + 3] - 0x10);
        size_t off = zki_le32(t + i + 4);
        if (off > fp || fp - off < 2)
            return ZKBIO_EPROTO;
        size_t len = zki_le16(f + off);
        if (len > fp - off - 2)
            return ZKBIO_EPROTO;
        int rc = zki_emu_put_template(e, uid, fid, 1, f + off + 2, len);
        if (rc != ZKBIO_OK)
            return rc;
    }
    return ZKBIO_OK;
}

/* ---- single templates ---- */

static void on_get_usertemp(zkbio_zk_emu *e, zki_emu_sess *s, uint16_t r, const uint8_t *d,
                            size_t n)
{
    if (n < 3) {
        NAK(e, s, r);
        return;
    }
    int i = zki_emu_find_template(e, zki_le16(d), d[2]);
    if (i < 0) {
        NAK(e, s, r);
        return;
    }
    const zki_emu_tmpl *t = &e->tm[i];
    uint8_t *b = malloc(t->len + 1);
    if (!b) {
        NAK(e, s, r);
        return;
    }
    memcpy(b, t->data, t->len);
    b[t->len] = 0; /* firmware appends one byte (§2.2) */
    if (s->fd < 0 && t->len + 1 > ZKBIO_ZK_UDP_DATA)
        send_stream(e, s, r, b, t->len + 1);
    else
        zki_emu_send(e, s, ZKBIO_ZK_CMD_DATA, r, b, t->len + 1);
    free(b);
}

/* ---- enroll (§7.4) ---- */

static void on_startenroll(zkbio_zk_emu *e, zki_emu_sess *s, uint16_t r, const uint8_t *d, size_t n)
{
    char pin[25];
    uint8_t fid;
    if (n >= 26) {
        zki_zk_field_copy(d, 24, pin, sizeof(pin));
        fid = d[24];
    } else if (n >= 5) {
        snprintf(pin, sizeof(pin), "%lu", (unsigned long)zki_le32(d));
        fid = d[4];
    } else {
        NAK(e, s, r);
        return;
    }
    if (fid > 9 || zki_emu_find_pin(e, pin) < 0) {
        NAK(e, s, r);
        return;
    }
    snprintf(s->enroll_uid, sizeof(s->enroll_uid), "%s", pin);
    s->enroll_fid = fid;
    s->enroll_bad = s->fault == ZKBIO_ZK_FAULT_BAD_SAMPLE;
    s->enroll_step = 1;
    s->enroll_next = zki_emu_now_ms() + 30;
    ACK(e, s, r);
}

void zki_emu_enroll_step(zkbio_zk_emu *e, zki_emu_sess *s, int64_t now)
{
    zkbio_zk_event ev;
    memset(&ev, 0, sizeof(ev));
    uint8_t d[32];
    size_t n = 0;
    if (s->enroll_step <= 6) { /* three presses: FINGER, then FPFTR with a good score */
        ev.flag = s->enroll_step % 2 ? ZKBIO_ZK_EF_FINGER : ZKBIO_ZK_EF_FPFTR;
        ev.score = 100;
        if (s->enroll_bad && s->enroll_step == 4) { /* the second press is bad: give up */
            ev.score = 0;
            s->enroll_step = 6;
        }
    } else if (s->enroll_bad) {
        ev.flag = ZKBIO_ZK_EF_ENROLLFINGER;
        ev.result = 4; /* failed (§6.2) */
    } else {
        ev.flag = ZKBIO_ZK_EF_ENROLLFINGER;
        int i = zki_emu_find_pin(e, s->enroll_uid);
        uint8_t tpl[560];
        zki_emu_make_template((uint16_t)(i + 1), s->enroll_fid, tpl, sizeof(tpl));
        ev.result = 6; /* failed */
        if (i >= 0 && zki_emu_put_template(e, zki_le16(e->users + (size_t)i * e->usize),
                                           s->enroll_fid, 1, tpl, sizeof(tpl)) == ZKBIO_OK)
            ev.result = 0;
        ev.size = sizeof(tpl);
        snprintf(ev.user_id, sizeof(ev.user_id), "%s", s->enroll_uid);
        ev.fid = s->enroll_fid;
    }
    if (zkbio_zk_event_build(&ev, 1, d, sizeof(d), &n) == ZKBIO_OK) {
        int saved = s->fault;
        s->fault = 0;
        size_t k = zki_emu_build(e, s, e->out, ZKBIO_ZK_CMD_REG_EVENT, ev.flag, 0, d, n);
        s->fault = saved;
        zki_emu_send_raw(e, s, e->out, k);
    }
    s->enroll_step = s->enroll_step >= 7 ? 0 : s->enroll_step + 1;
    s->enroll_next = now + 20;
}

/* ---- dispatch ---- */

static void on_options_rrq(zkbio_zk_emu *e, zki_emu_sess *s, uint16_t r, const uint8_t *d, size_t n)
{
    char key[64];
    zki_zk_field_copy(d, n, key, sizeof(key));
    const char *v = zki_emu_get_opt(e, key);
    if (!v) {
        NAK(e, s, r);
        return;
    }
    char out[160];
    int k = snprintf(out, sizeof(out), "%s=%s", key, v);
    ACKD(e, s, r, (const uint8_t *)out, (size_t)k + 1);
}

static void on_options_wrq(zkbio_zk_emu *e, zki_emu_sess *s, uint16_t r, const uint8_t *d, size_t n)
{
    char kv[160];
    zki_zk_field_copy(d, n, kv, sizeof(kv));
    char *eq = strchr(kv, '=');
    if (!eq || eq == kv) {
        NAK(e, s, r);
        return;
    }
    *eq = '\0';
    if (zki_emu_set_opt(e, kv, eq + 1) != ZKBIO_OK)
        NAK(e, s, r);
    else
        ACK(e, s, r);
}

static void on_clear_data(zkbio_zk_emu *e, zki_emu_sess *s, uint16_t r, const uint8_t *d, size_t n)
{
    int what = n ? d[0] : 0; /* FCT: 1 attendance, 2 templates, 5 users; none = everything */
    if (what == 0 || what == 1)
        e->natt = 0;
    if (what == 0 || what == 2 || what == 5) {
        for (size_t i = 0; i < e->ntm; i++)
            free(e->tm[i].data);
        e->ntm = 0;
    }
    if (what == 0 || what == 5)
        e->nusers = 0;
    ACK(e, s, r);
}

static void dispatch(zkbio_zk_emu *e, zki_emu_sess *s, uint16_t cmd, uint16_t r, const uint8_t *d,
                     size_t n)
{
    uint8_t b[96];
    switch (cmd) {
    case ZKBIO_ZK_CMD_EXIT:
        ACK(e, s, r);
        s->dead = 1;
        break;
    case ZKBIO_ZK_CMD_ENABLEDEVICE:
        e->enabled = 1;
        ACK(e, s, r);
        break;
    case ZKBIO_ZK_CMD_DISABLEDEVICE:
        e->enabled = 0;
        ACK(e, s, r);
        break;
    case ZKBIO_ZK_CMD_RESTART:
    case ZKBIO_ZK_CMD_POWEROFF:
        if (cmd == ZKBIO_ZK_CMD_RESTART)
            e->stats.restarts++;
        else
            e->stats.poweroffs++;
        ACK(e, s, r);
        s->dead = 1; /* the device goes away */
        break;
    case ZKBIO_ZK_CMD_GET_VERSION: {
        static const char v[] = "Ver 6.60 Apr 28 2015";
        ACKD(e, s, r, (const uint8_t *)v, sizeof(v));
        break;
    }
    case ZKBIO_ZK_CMD_GET_TIME: {
        zkbio_zk_time t;
        uint32_t v = 0;
        zki_emu_clock(e, &t);
        zkbio_zk_time_encode(&t, &v);
        zki_put_le32(b, v);
        ACKD(e, s, r, b, 4);
        break;
    }
    case ZKBIO_ZK_CMD_SET_TIME: {
        zkbio_zk_time t;
        if (n < 4 || zkbio_zk_time_decode(zki_le32(d), &t) != ZKBIO_OK ||
            zki_emu_set_clock(e, &t) != ZKBIO_OK)
            NAK(e, s, r);
        else
            ACK(e, s, r);
        break;
    }
    case ZKBIO_ZK_CMD_GET_FREE_SIZES: {
        zkbio_zk_sizes z;
        memset(&z, 0, sizeof(z));
        z.users = (uint32_t)e->nusers;
        z.fingers = (uint32_t)e->ntm;
        z.records = (uint32_t)e->natt;
        z.users_cap = 65534;
        z.fingers_cap = 10000;
        z.records_cap = 10000000;
        z.users_av = z.users_cap - z.users;
        z.fingers_av = z.fingers < z.fingers_cap ? z.fingers_cap - z.fingers : 0;
        z.records_av = z.records < z.records_cap ? z.records_cap - z.records : 0;
        for (size_t i = 0; i < e->nusers; i++)
            z.admins += (e->users[i * e->usize + 2] & 0x0E) != 0;
        zkbio_zk_sizes_build(&z, b);
        ACKD(e, s, r, b, 92);
        break;
    }
    case ZKBIO_ZK_CMD_STATE_RRQ: /* state in the session field: 0 waiting */
        zki_emu_send(e, s, ZKBIO_ZK_ACK_OK, r, NULL, 0);
        break;
    case ZKBIO_ZK_CMD_GET_PINWIDTH:
        b[0] = 9;
        ACKD(e, s, r, b, 1);
        break;
    case ZKBIO_ZK_CMD_DOORSTATE_RRQ:
        b[0] = 0;
        ACKD(e, s, r, b, 1);
        break;
    case ZKBIO_ZK_CMD_OPTIONS_RRQ:
        on_options_rrq(e, s, r, d, n);
        break;
    case ZKBIO_ZK_CMD_OPTIONS_WRQ:
        on_options_wrq(e, s, r, d, n);
        break;
    case ZKBIO_ZK_CMD_CLEAR_DATA:
        on_clear_data(e, s, r, d, n);
        break;
    case ZKBIO_ZK_CMD_CLEAR_ATTLOG:
        e->natt = 0;
        ACK(e, s, r);
        break;
    case ZKBIO_ZK_CMD_USER_WRQ:
        if ((n == ZKBIO_ZK_USER6_SIZE || n == ZKBIO_ZK_USER8_SIZE) &&
            zki_emu_put_user(e, d, n) == ZKBIO_OK)
            ACK(e, s, r);
        else
            NAK(e, s, r);
        break;
    case ZKBIO_ZK_CMD_DELETE_USER:
        if (n >= 2 && zki_emu_delete_user(e, zki_le16(d)) == ZKBIO_OK)
            ACK(e, s, r);
        else
            NAK(e, s, r);
        break;
    case ZKBIO_ZK_CMD_DELETE_USERTEMP:
        if (n >= 3 && zki_emu_delete_template(e, zki_le16(d), d[2]) == ZKBIO_OK)
            ACK(e, s, r);
        else
            NAK(e, s, r);
        break;
    case ZKBIO_ZK_CMD_DEL_FPTMP: {
        char pin[25];
        int i = -1;
        if (n >= 25) {
            zki_zk_field_copy(d, 24, pin, sizeof(pin));
            i = zki_emu_find_pin(e, pin);
        }
        if (i >= 0 && zki_emu_delete_template(e, zki_le16(e->users + (size_t)i * e->usize),
                                              d[24]) == ZKBIO_OK)
            ACK(e, s, r);
        else
            NAK(e, s, r);
        break;
    }
    case ZKBIO_ZK_CMD_UNLOCK:
        e->stats.unlocks++;
        e->stats.last_unlock = n >= 4 ? zki_le32(d) : 0;
        ACK(e, s, r);
        break;
    case ZKBIO_ZK_CMD_GET_USERTEMP:
        on_get_usertemp(e, s, r, d, n);
        break;
    case ZKBIO_ZK_CMD_USERTEMP_RRQ:
        if (n == 1 && d[0] == 5) { /* legacy: all users, mode C */
            uint8_t *buf;
            size_t len;
            if (zki_emu_dataset(e, 0, &buf, &len) == ZKBIO_OK) {
                send_stream(e, s, r, buf, len);
                free(buf);
            } else {
                NAK(e, s, r);
            }
        } else {
            on_get_usertemp(e, s, r, d, n);
        }
        break;
    case ZKBIO_ZK_CMD_ATTLOG_RRQ: {
        uint8_t *buf;
        size_t len;
        if (zki_emu_dataset(e, 1, &buf, &len) == ZKBIO_OK) {
            send_stream(e, s, r, buf, len);
            free(buf);
        } else {
            NAK(e, s, r);
        }
        break;
    }
    case ZKBIO_ZK_CMD_DATA_WRRQ:
        on_data_wrrq(e, s, r, d, n);
        break;
    case ZKBIO_ZK_CMD_DATA_RDY:
        on_data_rdy(e, s, r, d, n);
        break;
    case ZKBIO_ZK_CMD_FREE_DATA:
        free(s->bulk);
        s->bulk = NULL;
        s->bulk_len = 0;
        s->up_len = 0;
        ACK(e, s, r);
        break;
    case ZKBIO_ZK_CMD_PREPARE_DATA:
        on_prepare(e, s, r, d, n);
        break;
    case ZKBIO_ZK_CMD_DATA:
        on_data(e, s, r, d, n);
        break;
    case ZKBIO_ZK_CMD_CHECKSUM_BUFFER: {
        uint32_t sum = 0;
        for (size_t i = 0; i < s->up_len; i++)
            sum += s->up[i];
        zki_put_le32(b, sum);
        ACKD(e, s, r, b, 4);
        break;
    }
    case ZKBIO_ZK_CMD_TMP_WRITE: {
        size_t size = n >= 6 ? zki_le16(d + 4) : 0;
        if (n >= 6 && size && size <= s->up_len &&
            zki_emu_put_template(e, zki_le16(d), d[2], d[3], s->up, size) == ZKBIO_OK)
            ACK(e, s, r);
        else
            NAK(e, s, r);
        break;
    }
    case ZKBIO_ZK_CMD_SAVE_USERTEMPS:
        if (s->up && save_usertemps(e, s->up, s->up_len) == ZKBIO_OK)
            ACK(e, s, r);
        else
            NAK(e, s, r);
        break;
    case ZKBIO_ZK_CMD_REG_EVENT:
        s->mask = n >= 4 ? zki_le32(d) : (n >= 2 ? zki_le16(d) : 0);
        ACK(e, s, r);
        break;
    case ZKBIO_ZK_CMD_STARTENROLL:
        on_startenroll(e, s, r, d, n);
        break;
    case ZKBIO_ZK_CMD_CANCELCAPTURE:
        s->enroll_step = 0;
        ACK(e, s, r);
        break;
    case ZKBIO_ZK_CMD_REFRESHDATA:
    case ZKBIO_ZK_CMD_REFRESHOPTION:
    case ZKBIO_ZK_CMD_ENABLE_CLOCK:
    case ZKBIO_ZK_CMD_STARTVERIFY:
    case ZKBIO_ZK_CMD_WRITE_LCD:
    case ZKBIO_ZK_CMD_CLEAR_LCD:
    case ZKBIO_ZK_CMD_TESTVOICE:
    case ZKBIO_ZK_CMD_CHANGE_SPEED:
    case ZKBIO_ZK_CMD_SLEEP:
    case ZKBIO_ZK_CMD_CLEAR_ADMIN:
    case ZKBIO_ZK_CMD_CLEAR_ACC:
    case ZKBIO_ZK_CMD_CLEAR_OPLOG:
    case ZKBIO_ZK_CMD_RESUME:
    case ZKBIO_ZK_CMD_EMPTY_MIFARE:
        ACK(e, s, r);
        break;
    default: /* includes the 2001 / 65535 that pyzk sends to clear errors (§2.4) */
        zki_emu_send(e, s, ZKBIO_ZK_ACK_UNKNOWN, r, NULL, 0);
        break;
    }
}

void zki_emu_handle(zkbio_zk_emu *e, zki_emu_sess *s, const uint8_t *pkt, size_t len)
{
    zkbio_zk_header h;
    const uint8_t *d;
    size_t n;
    int ok;
    if (zkbio_zk_packet_parse(pkt, len, &h, &d, &n, &ok) != ZKBIO_OK)
        return;
    e->stats.packets++;
    s->last_ms = zki_emu_now_ms();
    if (!ok) {
        e->stats.bad_checksums++;
        if (e->strict)
            return;
    }
    if (h.cmd == ZKBIO_ZK_ACK_OK) /* a client acknowledging an event: no answer */
        return;
    s->fault = 0;
    const zki_emu_fault *f = take_fault(e, h.cmd);
    if (f) {
        switch (f->kind) {
        case ZKBIO_ZK_FAULT_DROP_REPLY:
            return;
        case ZKBIO_ZK_FAULT_DELAY: {
            int ms = f->delay_ms;
            pthread_mutex_unlock(&e->mu);
            sleep_ms(ms);
            pthread_mutex_lock(&e->mu);
            break;
        }
        case ZKBIO_ZK_FAULT_FLOOD: {
            uint8_t key[4] = {1, 0, 0, 0};
            int64_t end = zki_emu_now_ms() + 1000;
            while (!s->dead && zki_emu_now_ms() < end) {
                size_t k = zki_emu_build(e, s, e->out, ZKBIO_ZK_CMD_REG_EVENT, ZKBIO_ZK_EF_BUTTON,
                                         0, key, sizeof(key));
                if (zki_emu_send_raw(e, s, e->out, k) != 0)
                    break;
            }
            break;
        }
        case ZKBIO_ZK_FAULT_UNKNOWN:
            zki_emu_send(e, s, ZKBIO_ZK_ACK_UNKNOWN, h.reply, NULL, 0);
            return;
        case ZKBIO_ZK_FAULT_GARBAGE: {
            static const uint8_t junk[24] = "HTTP/1.0 400 Bad\r\n\r\nxx";
            zki_emu_send_raw(e, s, junk, sizeof(junk));
            return;
        }
        default:
            s->fault = f->kind;
            break;
        }
    }
    if (h.cmd == ZKBIO_ZK_CMD_CONNECT) {
        zki_emu_send(e, s, e->comm_key ? ZKBIO_ZK_ACK_UNAUTH : ZKBIO_ZK_ACK_OK, h.reply, NULL, 0);
    } else if (h.cmd == ZKBIO_ZK_CMD_AUTH) {
        uint8_t want[4];
        if (n >= 4)
            zkbio_zk_commkey(e->comm_key, s->id, d[2], want); /* ticks = received byte 2 (§3) */
        if (n >= 4 && memcmp(want, d, 4) == 0) {
            s->authed = 1;
            ACK(e, s, h.reply);
        } else {
            e->stats.auth_failures++;
            zki_emu_send(e, s, ZKBIO_ZK_ACK_UNAUTH, h.reply, NULL, 0);
        }
    } else if (!s->authed && h.cmd != ZKBIO_ZK_CMD_EXIT) {
        zki_emu_send(e, s, ZKBIO_ZK_ACK_UNAUTH, h.reply, NULL, 0);
    } else {
        dispatch(e, s, h.cmd, h.reply, d, n);
    }
    zki_emu_flush(e, s);
    s->fault = 0;
}
