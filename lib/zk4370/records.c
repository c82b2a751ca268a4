/* SPDX-License-Identifier: Apache-2.0 */
/* User and attendance records and the dataset stride (tcp4370.md §5.1-§5.4, §4.2 step 7). */
#include <stdio.h>
#include <string.h>

#include "internal/bytes.h"
#include "zk4370/zki_zk4370.h"

void zki_zk_field_copy(const uint8_t *p, size_t n, char *out, size_t outsize)
{
    size_t o = 0;
    for (size_t i = 0; i < n && p[i] && o + 1 < outsize; i++)
        if (p[i] >= 0x20 && p[i] != 0x7F)
            out[o++] = (char)p[i];
    out[o] = '\0';
}

int zki_zk_parse_u32(const char *s, uint32_t *out)
{
    if (!s || !*s)
        return -1;
    uint64_t v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        v = v * 10 + (uint64_t)(*s - '0');
        if (v > UINT32_MAX)
            return -1;
    }
    *out = (uint32_t)v;
    return 0;
}

/* A fixed field from a NUL-terminated string: NUL-padded, ZKBIO_ERANGE when it does not fit with a
 * NUL... except fields that may be full (pw of 8 on 72-byte records is char[8]). */
static int put_field(uint8_t *f, size_t n, const char *s, int allow_full)
{
    size_t len = strlen(s);
    if (len > n || (len == n && !allow_full))
        return ZKBIO_ERANGE;
    memset(f, 0, n);
    memcpy(f, s, len);
    return ZKBIO_OK;
}

int zkbio_zk_user_parse(const uint8_t *rec, size_t size, const char *charset, zkbio_zk_user *out)
{
    if (!rec || !out || (size != ZKBIO_ZK_USER6_SIZE && size != ZKBIO_ZK_USER8_SIZE))
        return ZKBIO_EINVAL;
    zkbio_zk_user u;
    memset(&u, 0, sizeof(u));
    u.uid = zki_le16(rec);
    u.privilege = rec[2];
    int rc;
    if (size == ZKBIO_ZK_USER6_SIZE) {
        zki_zk_field_copy(rec + 3, 5, u.password, sizeof(u.password));
        rc = zkbio_zk_text_decode(rec + 8, 8, charset, u.name, sizeof(u.name));
        u.card = zki_le32(rec + 16);
        u.group = rec[21];
        u.tz[0] = zki_le16(rec + 22);
        snprintf(u.user_id, sizeof(u.user_id), "%lu", (unsigned long)zki_le32(rec + 24));
    } else {
        zki_zk_field_copy(rec + 3, 8, u.password, sizeof(u.password));
        rc = zkbio_zk_text_decode(rec + 11, 24, charset, u.name, sizeof(u.name));
        u.card = zki_le32(rec + 35);
        u.group = rec[39];
        u.tz_flag = zki_le16(rec + 40);
        for (int i = 0; i < 3; i++)
            u.tz[i] = zki_le16(rec + 42 + 2 * i);
        zki_zk_field_copy(rec + 48, 24, u.user_id, sizeof(u.user_id));
    }
    if (rc != ZKBIO_OK && rc != ZKBIO_ENOSPC)
        return rc;
    *out = u;
    return ZKBIO_OK;
}

int zkbio_zk_user_build(const zkbio_zk_user *u, size_t size, const char *charset, uint8_t *out)
{
    if (!u || !out || (size != ZKBIO_ZK_USER6_SIZE && size != ZKBIO_ZK_USER8_SIZE))
        return ZKBIO_EINVAL;
    uint8_t r[ZKBIO_ZK_USER8_SIZE];
    memset(r, 0, sizeof(r));
    zki_put_le16(r, u->uid);
    r[2] = u->privilege;
    int rc;
    if (size == ZKBIO_ZK_USER6_SIZE) {
        uint32_t pin = u->uid;
        if (u->user_id[0] && zki_zk_parse_u32(u->user_id, &pin) != 0)
            return ZKBIO_ERANGE;
        if ((rc = put_field(r + 3, 5, u->password, 1)) != ZKBIO_OK)
            return rc;
        if ((rc = zkbio_zk_text_encode(u->name, charset, r + 8, 8)) != ZKBIO_OK)
            return rc;
        zki_put_le32(r + 16, u->card);
        r[21] = u->group;
        zki_put_le16(r + 22, u->tz[0]);
        zki_put_le32(r + 24, pin);
    } else {
        if ((rc = put_field(r + 3, 8, u->password, 1)) != ZKBIO_OK)
            return rc;
        if ((rc = zkbio_zk_text_encode(u->name, charset, r + 11, 24)) != ZKBIO_OK)
            return rc;
        zki_put_le32(r + 35, u->card);
        r[39] = u->group;
        zki_put_le16(r + 40, u->tz_flag);
        for (int i = 0; i < 3; i++)
            zki_put_le16(r + 42 + 2 * i, u->tz[i]);
        if ((rc = put_field(r + 48, 24, u->user_id, 0)) != ZKBIO_OK)
            return rc;
    }
    memcpy(out, r, size);
    return ZKBIO_OK;
}

/* plausible: a real date not later than 2099 (the codec range) */
static int plausible(uint32_t t)
{
    zkbio_zk_time tm;
    return zkbio_zk_time_decode(t, &tm) == ZKBIO_OK;
}

int zkbio_zk_att_parse(const uint8_t *rec, size_t size, zkbio_zk_att *out)
{
    if (!rec || !out)
        return ZKBIO_EINVAL;
    zkbio_zk_att a;
    memset(&a, 0, sizeof(a));
    switch (size) {
    case ZKBIO_ZK_ATT8_SIZE: {
        a.uid = zki_le16(rec);
        uint32_t t = zki_le32(rec + 4); /* HBB4s */
        uint32_t alt = zki_le32(rec + 3);
        if (!plausible(t) && plausible(alt)) { /* pyzk HB4sB */
            a.verify = rec[2];
            a.state = rec[7];
            a.time_raw = alt;
        } else {
            a.verify = rec[2];
            a.state = rec[3];
            a.time_raw = t;
        }
        snprintf(a.user_id, sizeof(a.user_id), "%u", (unsigned)a.uid);
        break;
    }
    case ZKBIO_ZK_ATT16_SIZE:
        snprintf(a.user_id, sizeof(a.user_id), "%lu", (unsigned long)zki_le32(rec));
        a.time_raw = zki_le32(rec + 4);
        a.verify = rec[8];
        a.state = rec[9];
        a.workcode = zki_le32(rec + 12);
        break;
    case ZKBIO_ZK_ATT40_SIZE:
        a.uid = zki_le16(rec);
        zki_zk_field_copy(rec + 2, 24, a.user_id, sizeof(a.user_id));
        a.verify = rec[26];
        a.time_raw = zki_le32(rec + 27);
        a.state = rec[31];
        break;
    default:
        return ZKBIO_EINVAL;
    }
    (void)zkbio_zk_time_decode(a.time_raw, &a.time); /* invalid stored dates are kept as decoded */
    *out = a;
    return ZKBIO_OK;
}

int zkbio_zk_att_build(const zkbio_zk_att *a, size_t size, uint8_t *out)
{
    if (!a || !out)
        return ZKBIO_EINVAL;
    uint8_t r[ZKBIO_ZK_ATT40_SIZE];
    memset(r, 0, sizeof(r));
    switch (size) {
    case ZKBIO_ZK_ATT8_SIZE:
        zki_put_le16(r, a->uid);
        r[2] = a->verify;
        r[3] = a->state;
        zki_put_le32(r + 4, a->time_raw);
        break;
    case ZKBIO_ZK_ATT16_SIZE: {
        uint32_t pin;
        if (zki_zk_parse_u32(a->user_id, &pin) != 0)
            return ZKBIO_ERANGE;
        zki_put_le32(r, pin);
        zki_put_le32(r + 4, a->time_raw);
        r[8] = a->verify;
        r[9] = a->state;
        zki_put_le32(r + 12, a->workcode);
        break;
    }
    case ZKBIO_ZK_ATT40_SIZE: {
        zki_put_le16(r, a->uid);
        int rc = put_field(r + 2, 24, a->user_id, 0);
        if (rc != ZKBIO_OK)
            return rc;
        r[26] = a->verify;
        zki_put_le32(r + 27, a->time_raw);
        r[31] = a->state;
        r[36] = 0xFF; /* observed `00 00 00 00 FF 00 00 00` in the reserved area (§5.4) */
        break;
    }
    default:
        return ZKBIO_EINVAL;
    }
    memcpy(out, r, size);
    return ZKBIO_OK;
}

int zkbio_zk_stride(size_t records_bytes, uint32_t count, const size_t *allowed, size_t n,
                    size_t *stride)
{
    if (!allowed || n == 0 || !stride)
        return ZKBIO_EINVAL;
    if (records_bytes == 0) {
        *stride = allowed[0];
        return ZKBIO_OK;
    }
    if (count > 0) {
        if (records_bytes % count == 0)
            for (size_t i = 0; i < n; i++)
                if (allowed[i] == records_bytes / count) {
                    *stride = allowed[i];
                    return ZKBIO_OK;
                }
        /* a stale count (records added between the two requests): fall through */
    }
    size_t best = 0;
    for (size_t i = 0; i < n; i++)
        if (allowed[i] && records_bytes % allowed[i] == 0 && allowed[i] > best)
            best = allowed[i];
    if (!best)
        return ZKBIO_EPROTO;
    *stride = best;
    return ZKBIO_OK;
}

/* ---- templates (§5.7) ---- */

int zkbio_zk_template_next(const uint8_t *p, size_t len, size_t *pos, zkbio_zk_template *out)
{
    if ((!p && len) || !pos || !out)
        return ZKBIO_EINVAL;
    if (*pos >= len)
        return 0;
    size_t left = len - *pos;
    if (left < 6)
        return ZKBIO_EPROTO;
    const uint8_t *e = p + *pos;
    size_t sz = zki_le16(e);
    if (sz < 6 || sz > left)
        return ZKBIO_EPROTO;
    out->uid = zki_le16(e + 2);
    out->fid = e[4];
    out->flag = e[5];
    out->data = e + 6;
    out->len = sz - 6;
    *pos += sz;
    return 1;
}

int zkbio_zk_template_build(const zkbio_zk_template *t, uint8_t *out, size_t outsize,
                            size_t *outlen)
{
    if (!t || !outlen || (!t->data && t->len) || (!out && outsize))
        return ZKBIO_EINVAL;
    if (t->len > 65535 - 6)
        return ZKBIO_ETOOBIG;
    *outlen = 6 + t->len;
    if (outsize < 6 + t->len)
        return ZKBIO_ENOSPC;
    zki_put_le16(out, (uint16_t)(6 + t->len));
    zki_put_le16(out + 2, t->uid);
    out[4] = t->fid;
    out[5] = t->flag;
    if (t->len)
        memcpy(out + 6, t->data, t->len);
    return ZKBIO_OK;
}

/* ---- free sizes (§5.8) and options (§5.9) ---- */

int zkbio_zk_sizes_parse(const uint8_t *p, size_t len, zkbio_zk_sizes *out)
{
    if (!p || !out)
        return ZKBIO_EINVAL;
    if (len < 80)
        return ZKBIO_EPROTO;
    zkbio_zk_sizes s;
    memset(&s, 0, sizeof(s));
    s.users = zki_le32(p + 16);
    s.fingers = zki_le32(p + 24);
    s.records = zki_le32(p + 32);
    s.oplogs = zki_le32(p + 40);
    s.admins = zki_le32(p + 48);
    s.passwords = zki_le32(p + 52);
    s.fingers_cap = zki_le32(p + 56);
    s.users_cap = zki_le32(p + 60);
    s.records_cap = zki_le32(p + 64);
    s.fingers_av = zki_le32(p + 68);
    s.users_av = zki_le32(p + 72);
    s.records_av = zki_le32(p + 76);
    if (len >= 92) {
        s.faces = zki_le32(p + 80);
        s.faces_cap = zki_le32(p + 88);
    }
    *out = s;
    return ZKBIO_OK;
}

int zkbio_zk_sizes_build(const zkbio_zk_sizes *s, uint8_t out[92])
{
    if (!s || !out)
        return ZKBIO_EINVAL;
    memset(out, 0, 92);
    zki_put_le32(out + 16, s->users);
    zki_put_le32(out + 24, s->fingers);
    zki_put_le32(out + 32, s->records);
    zki_put_le32(out + 40, s->oplogs);
    zki_put_le32(out + 48, s->admins);
    zki_put_le32(out + 52, s->passwords);
    zki_put_le32(out + 56, s->fingers_cap);
    zki_put_le32(out + 60, s->users_cap);
    zki_put_le32(out + 64, s->records_cap);
    zki_put_le32(out + 68, s->fingers_av);
    zki_put_le32(out + 72, s->users_av);
    zki_put_le32(out + 76, s->records_av);
    zki_put_le32(out + 80, s->faces);
    zki_put_le32(out + 88, s->faces_cap);
    return ZKBIO_OK;
}

int zkbio_zk_option_value(const uint8_t *p, size_t len, char *out, size_t outsize)
{
    if ((!p && len) || !out || outsize == 0)
        return ZKBIO_EINVAL;
    const uint8_t *nul = len ? memchr(p, 0, len) : NULL;
    if (nul)
        len = (size_t)(nul - p);
    const uint8_t *eq = len ? memchr(p, '=', len) : NULL;
    if (eq) {
        len -= (size_t)(eq + 1 - p);
        p = eq + 1;
    }
    size_t o = 0;
    int rc = ZKBIO_OK;
    for (size_t i = 0; i < len; i++) {
        if (p[i] < 0x20 || p[i] == 0x7F)
            continue;
        if (o + 1 >= outsize) {
            rc = ZKBIO_ENOSPC;
            break;
        }
        out[o++] = (char)p[i];
    }
    out[o] = '\0';
    return rc;
}
