/* SPDX-License-Identifier: Apache-2.0 */
/* What the emulated terminal stores: users, templates, attendance (raw records in the profile's
 * sizes, so bulk reads are a copy), options and the clock. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal/bytes.h"
#include "internal/timegm.h"
#include "zk4370/zki_emu.h"

#define TEMPLATE_SIZE 560

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return ZKBIO_OK;
    size_t nc = *cap ? *cap : 16;
    while (nc < need)
        nc *= 2;
    void *q = realloc(*p, nc * elem);
    if (!q)
        return ZKBIO_ENOMEM;
    *p = q;
    *cap = nc;
    return ZKBIO_OK;
}

void zki_emu_make_template(uint16_t uid, uint8_t fid, uint8_t *out, size_t len)
{
    /* looks like a ZKFinger v10 template: 4D FD, then "SS21" (§5.7), then deterministic bytes */
    static const uint8_t head[6] = {0x4D, 0xFD, 'S', 'S', '2', '1'};
    uint32_t x = 0x12345u ^ ((uint32_t)uid << 8) ^ fid;
    for (size_t i = 0; i < len; i++) {
        x = x * 1103515245u + 12345u;
        out[i] = i < sizeof(head) ? head[i] : (uint8_t)(x >> 16);
    }
}

int zki_emu_set_opt(zkbio_zk_emu *e, const char *key, const char *val)
{
    if (strlen(key) >= sizeof(e->opts[0].key) || strlen(val) >= sizeof(e->opts[0].val))
        return ZKBIO_ERANGE;
    for (size_t i = 0; i < e->nopts; i++)
        if (strcmp(e->opts[i].key, key) == 0) {
            snprintf(e->opts[i].val, sizeof(e->opts[i].val), "%s", val);
            return ZKBIO_OK;
        }
    if (e->nopts == ZKI_EMU_OPTS)
        return ZKBIO_ENOSPC;
    snprintf(e->opts[e->nopts].key, sizeof(e->opts[0].key), "%s", key);
    snprintf(e->opts[e->nopts].val, sizeof(e->opts[0].val), "%s", val);
    e->nopts++;
    return ZKBIO_OK;
}

const char *zki_emu_get_opt(zkbio_zk_emu *e, const char *key)
{
    for (size_t i = 0; i < e->nopts; i++)
        if (strcmp(e->opts[i].key, key) == 0)
            return e->opts[i].val;
    return NULL;
}

/* ---- clock ---- */

void zki_emu_clock(zkbio_zk_emu *e, zkbio_zk_time *t)
{
    time_t now = time(NULL) + (time_t)e->time_offset;
    struct tm tm;
    localtime_r(&now, &tm);
    *t = (zkbio_zk_time){
        (uint16_t)(tm.tm_year + 1900), (uint8_t)(tm.tm_mon + 1), (uint8_t)tm.tm_mday,
        (uint8_t)tm.tm_hour,           (uint8_t)tm.tm_min,       (uint8_t)tm.tm_sec};
}

int zki_emu_set_clock(zkbio_zk_emu *e, const zkbio_zk_time *t)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = t->year - 1900;
    tm.tm_mon = t->month - 1;
    tm.tm_mday = t->day;
    tm.tm_hour = t->hour;
    tm.tm_min = t->minute;
    tm.tm_sec = t->second;
    tm.tm_isdst = -1;
    time_t want = mktime(&tm);
    if (want == (time_t)-1)
        return ZKBIO_ERANGE;
    e->time_offset = (int64_t)(want - time(NULL));
    return ZKBIO_OK;
}

/* ---- users ---- */

int zki_emu_find_uid(zkbio_zk_emu *e, uint16_t uid)
{
    for (size_t i = 0; i < e->nusers; i++)
        if (zki_le16(e->users + i * e->usize) == uid)
            return (int)i;
    return -1;
}

/* The PIN of stored user i as text (no name decoding: this runs per lookup). */
static void pin_of(const zkbio_zk_emu *e, size_t i, char out[25])
{
    const uint8_t *r = e->users + i * e->usize;
    if (e->usize == ZKBIO_ZK_USER8_SIZE)
        zki_zk_field_copy(r + 48, 24, out, 25);
    else
        snprintf(out, 25, "%lu", (unsigned long)zki_le32(r + 24));
}

int zki_emu_find_pin(zkbio_zk_emu *e, const char *user_id)
{
    char pin[25];
    for (size_t i = 0; i < e->nusers; i++) {
        pin_of(e, i, pin);
        if (strcmp(pin, user_id) == 0)
            return (int)i;
    }
    return -1;
}

int zki_emu_put_user(zkbio_zk_emu *e, const uint8_t *rec, size_t size)
{
    zkbio_zk_user u;
    int rc = zkbio_zk_user_parse(rec, size, e->charset, &u);
    if (rc != ZKBIO_OK)
        return rc;
    if (u.uid == 0 || (size == ZKBIO_ZK_USER8_SIZE && !u.user_id[0]))
        return ZKBIO_EINVAL;
    uint8_t out[ZKBIO_ZK_USER8_SIZE];
    if (size == e->usize)
        memcpy(out, rec, size); /* keep the bytes as sent */
    else if ((rc = zkbio_zk_user_build(&u, e->usize, e->charset, out)) != ZKBIO_OK)
        return rc;
    int i = zki_emu_find_uid(e, u.uid);
    if (i < 0) {
        /* a PIN belongs to one uid */
        int j = zki_emu_find_pin(e, u.user_id);
        if (j >= 0 && e->usize == ZKBIO_ZK_USER8_SIZE)
            return ZKBIO_EEXIST;
        if (grow((void **)&e->users, &e->ucap, e->nusers + 1, e->usize) != ZKBIO_OK)
            return ZKBIO_ENOMEM;
        i = (int)e->nusers++;
    }
    memcpy(e->users + (size_t)i * e->usize, out, e->usize);
    return ZKBIO_OK;
}

int zki_emu_delete_user(zkbio_zk_emu *e, uint16_t uid)
{
    int i = zki_emu_find_uid(e, uid);
    if (i < 0)
        return ZKBIO_ENOENT;
    memmove(e->users + (size_t)i * e->usize, e->users + (size_t)(i + 1) * e->usize,
            (e->nusers - (size_t)i - 1) * e->usize);
    e->nusers--;
    for (size_t k = 0; k < e->ntm;) {
        if (e->tm[k].uid == uid) {
            free(e->tm[k].data);
            e->tm[k] = e->tm[--e->ntm];
        } else {
            k++;
        }
    }
    return ZKBIO_OK;
}

/* ---- templates ---- */

int zki_emu_find_template(zkbio_zk_emu *e, uint16_t uid, uint8_t fid)
{
    for (size_t i = 0; i < e->ntm; i++)
        if (e->tm[i].uid == uid && e->tm[i].fid == fid)
            return (int)i;
    return -1;
}

int zki_emu_put_template(zkbio_zk_emu *e, uint16_t uid, uint8_t fid, uint8_t flag,
                         const uint8_t *data, size_t len)
{
    if (fid > 9 || len == 0 || len > 65535 - 6 || zki_emu_find_uid(e, uid) < 0)
        return ZKBIO_EINVAL;
    uint8_t *copy = malloc(len);
    if (!copy)
        return ZKBIO_ENOMEM;
    memcpy(copy, data, len);
    int i = zki_emu_find_template(e, uid, fid);
    if (i < 0) {
        if (grow((void **)&e->tm, &e->tmcap, e->ntm + 1, sizeof(*e->tm)) != ZKBIO_OK) {
            free(copy);
            return ZKBIO_ENOMEM;
        }
        i = (int)e->ntm++;
    } else {
        free(e->tm[i].data);
    }
    e->tm[i] = (zki_emu_tmpl){uid, fid, flag, copy, len};
    return ZKBIO_OK;
}

int zki_emu_delete_template(zkbio_zk_emu *e, uint16_t uid, uint8_t fid)
{
    int i = zki_emu_find_template(e, uid, fid);
    if (i < 0)
        return ZKBIO_ENOENT;
    free(e->tm[i].data);
    e->tm[i] = e->tm[--e->ntm];
    return ZKBIO_OK;
}

/* ---- attendance ---- */

static int append_att(zkbio_zk_emu *e, const zkbio_zk_att *a)
{
    if (grow((void **)&e->att, &e->acap, e->natt + 1, e->asize) != ZKBIO_OK)
        return ZKBIO_ENOMEM;
    int rc = zkbio_zk_att_build(a, e->asize, e->att + e->natt * e->asize);
    if (rc == ZKBIO_OK)
        e->natt++;
    return rc;
}

int zki_emu_add_punch(zkbio_zk_emu *e, const char *user_id, uint8_t verify, uint8_t state,
                      zkbio_zk_event *ev)
{
    zkbio_zk_att a;
    memset(&a, 0, sizeof(a));
    if (strlen(user_id) >= sizeof(a.user_id))
        return ZKBIO_ERANGE;
    snprintf(a.user_id, sizeof(a.user_id), "%s", user_id);
    int i = zki_emu_find_pin(e, user_id);
    if (i >= 0) {
        a.uid = zki_le16(e->users + (size_t)i * e->usize);
    } else {
        uint32_t v;
        if (zki_zk_parse_u32(user_id, &v) == 0 && v <= 0xFFFF)
            a.uid = (uint16_t)v;
        else if (e->profile == 6)
            return ZKBIO_ERANGE;
    }
    a.verify = verify;
    a.state = state;
    zkbio_zk_time t;
    zki_emu_clock(e, &t);
    if (zkbio_zk_time_encode(&t, &a.time_raw) != ZKBIO_OK)
        return ZKBIO_ERANGE;
    int rc = append_att(e, &a);
    if (rc != ZKBIO_OK)
        return rc;
    memset(ev, 0, sizeof(*ev));
    ev->flag = ZKBIO_ZK_EF_ATTLOG;
    if (e->profile == 6)
        snprintf(ev->user_id, sizeof(ev->user_id), "%u", (unsigned)a.uid);
    else
        snprintf(ev->user_id, sizeof(ev->user_id), "%s", user_id);
    ev->verify = verify;
    ev->state = state;
    ev->time = t;
    return ZKBIO_OK;
}

/* ---- datasets ---- */

int zki_emu_dataset(zkbio_zk_emu *e, int kind, uint8_t **buf, size_t *len)
{
    size_t body = 0;
    if (kind == 0)
        body = e->nusers * e->usize;
    else if (kind == 1)
        body = e->natt * e->asize;
    else if (kind == 2)
        for (size_t i = 0; i < e->ntm; i++)
            body += 6 + e->tm[i].len;
    uint8_t *b = malloc(4 + body);
    if (!b)
        return ZKBIO_ENOMEM;
    zki_put_le32(b, (uint32_t)body);
    if (kind == 0 && body)
        memcpy(b + 4, e->users, body);
    else if (kind == 1 && body)
        memcpy(b + 4, e->att, body);
    else if (kind == 2) {
        size_t off = 4;
        for (size_t i = 0; i < e->ntm; i++) {
            zkbio_zk_template t = {e->tm[i].uid, e->tm[i].fid, e->tm[i].flag, e->tm[i].data,
                                   e->tm[i].len};
            size_t n;
            zkbio_zk_template_build(&t, b + off, 4 + body - off, &n);
            off += n;
        }
    }
    *buf = b;
    *len = 4 + body;
    return ZKBIO_OK;
}

/* ---- start-up data ---- */

int zki_emu_store_init(zkbio_zk_emu *e, const zkbio_zk_emu_options *o)
{
    char mac[32];
    snprintf(mac, sizeof(mac), "00:17:61:%02x:%02x:%02x", (unsigned)(e->rng >> 16) & 0xFF,
             (unsigned)(e->rng >> 8) & 0xFF, (unsigned)e->rng & 0xFF);
    const char *defaults[][2] = {
        {"~SerialNumber", o->serial ? o->serial : "ZKEMU0000001"},
        {"~DeviceName", e->profile == 6 ? "ZKEMU-6 (UDP)" : "ZKEMU-8"},
        {"~Platform", e->profile == 6 ? "ZEM510" : "ZEM560"},
        {"MAC", mac},
        {"~OEMVendor", "zkbio emulator"},
        {"~ProductTime", "2024-01-01 00:00:00"},
        {"~ZKFPVersion", "10"},
        {"~OS", "1"},
        {"~PIN2Width", "9"},
        {"~IsABCPinEnable", "0"},
        {"~T9FunOn", "0"},
        {"~ExtendFmt", "0"},
        {"~UserExtFmt", "0"},
        {"FingerFunOn", "1"},
        {"FaceFunOn", "0"},
        {"WorkCode", "0"},
        {"IPAddress", "127.0.0.1"},
        {"NetMask", "255.0.0.0"},
        {"GATEIPAddress", "0.0.0.0"},
        {"Language", "69"},
        {"DeviceID", "1"},
        {"LockOn", "5"},
    };
    for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
        if (zki_emu_set_opt(e, defaults[i][0], defaults[i][1]) != ZKBIO_OK)
            return ZKBIO_EINVAL;
    int rc = ZKBIO_OK;
    for (size_t i = 1; i <= o->users && rc == ZKBIO_OK; i++) {
        zkbio_zk_user u;
        memset(&u, 0, sizeof(u));
        u.uid = (uint16_t)i;
        u.privilege = i == 1 ? ZKBIO_ZK_PRIV_ADMIN : ZKBIO_ZK_PRIV_USER;
        snprintf(u.name, sizeof(u.name), "User %zu", i);
        u.card = (uint32_t)(10000 + i);
        u.group = 1;
        snprintf(u.user_id, sizeof(u.user_id), "%zu", i);
        /* uids and PINs are distinct by construction: append without the lookups of
         * zki_emu_put_user (65534 users would take minutes) */
        if (grow((void **)&e->users, &e->ucap, e->nusers + 1, e->usize) != ZKBIO_OK)
            return ZKBIO_ENOMEM;
        rc = zkbio_zk_user_build(&u, e->usize, NULL, e->users + e->nusers * e->usize);
        if (rc == ZKBIO_OK)
            e->nusers++;
        uint8_t tpl[TEMPLATE_SIZE];
        for (size_t f = 0; f < o->fingers && rc == ZKBIO_OK; f++) {
            zki_emu_make_template(u.uid, (uint8_t)f, tpl, sizeof(tpl));
            uint8_t *copy = malloc(sizeof(tpl)); /* appended directly, as the users */
            if (!copy || grow((void **)&e->tm, &e->tmcap, e->ntm + 1, sizeof(*e->tm)) != ZKBIO_OK) {
                free(copy);
                return ZKBIO_ENOMEM;
            }
            memcpy(copy, tpl, sizeof(tpl));
            e->tm[e->ntm++] = (zki_emu_tmpl){u.uid, (uint8_t)f, 1, copy, sizeof(tpl)};
        }
    }
    if (rc == ZKBIO_OK && o->punches &&
        grow((void **)&e->att, &e->acap, o->punches, e->asize) != ZKBIO_OK)
        rc = ZKBIO_ENOMEM;
    /* one minute apart from 2024-01-01 08:00 (calendar arithmetic through timegm) */
    struct tm base;
    memset(&base, 0, sizeof(base));
    base.tm_year = 124;
    base.tm_mday = 1;
    base.tm_hour = 8;
    time_t t0 = zki_timegm(&base);
    size_t nu = o->users ? o->users : 1;
    for (size_t k = 0; k < o->punches && rc == ZKBIO_OK; k++) {
        time_t t = t0 + (time_t)k * 60;
        struct tm tm;
        gmtime_r(&t, &tm);
        zkbio_zk_time zt = {
            (uint16_t)(tm.tm_year + 1900), (uint8_t)(tm.tm_mon + 1), (uint8_t)tm.tm_mday,
            (uint8_t)tm.tm_hour,           (uint8_t)tm.tm_min,       (uint8_t)tm.tm_sec};
        zkbio_zk_att a;
        memset(&a, 0, sizeof(a));
        a.uid = (uint16_t)(k % nu + 1);
        snprintf(a.user_id, sizeof(a.user_id), "%u", (unsigned)a.uid);
        a.verify = 1;
        a.state = (uint8_t)(k % 2);
        if (zkbio_zk_time_encode(&zt, &a.time_raw) != ZKBIO_OK)
            break; /* past 2099: stop there */
        rc = append_att(e, &a);
    }
    return rc;
}

void zki_emu_store_free(zkbio_zk_emu *e)
{
    free(e->users);
    for (size_t i = 0; i < e->ntm; i++)
        free(e->tm[i].data);
    free(e->tm);
    free(e->att);
    e->users = NULL;
    e->tm = NULL;
    e->att = NULL;
}
