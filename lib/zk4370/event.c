/* SPDX-License-Identifier: Apache-2.0 */
/* Realtime event payloads (tcp4370.md §6.2). */
#include <stdio.h>
#include <string.h>

#include "internal/bytes.h"
#include "zk4370/zki_zk4370.h"

static int parse_attlog(const uint8_t *d, size_t len, zkbio_zk_event *e)
{
    const uint8_t *rest;
    switch (len) {
    case 10: /* u16 uid, u8, u8, time6 */
    case 14: /* same + 4 extra */
        snprintf(e->user_id, sizeof(e->user_id), "%u", (unsigned)zki_le16(d));
        rest = d + 2;
        break;
    case 12: /* u32 user id, u8, u8, time6 */
        snprintf(e->user_id, sizeof(e->user_id), "%lu", (unsigned long)zki_le32(d));
        rest = d + 4;
        break;
    default:
        if (len != 32 && len != 36 && len != 37 && len < 52)
            return ZKBIO_EPROTO;
        zki_zk_field_copy(d, 24, e->user_id, sizeof(e->user_id));
        rest = d + 24;
        break;
    }
    e->verify = rest[0];
    e->state = rest[1];
    (void)zkbio_zk_timehex_decode(rest + 2, &e->time); /* kept as sent when not a real date */
    return ZKBIO_OK;
}

int zkbio_zk_event_parse(uint16_t flag, const uint8_t *data, size_t len, zkbio_zk_event *out)
{
    if ((!data && len) || !out)
        return ZKBIO_EINVAL;
    zkbio_zk_event e;
    memset(&e, 0, sizeof(e));
    e.flag = flag;
    if (len)
        e.value = data[0];
    switch (flag) {
    case ZKBIO_ZK_EF_ATTLOG: {
        int rc = parse_attlog(data, len, &e);
        if (rc != ZKBIO_OK)
            return rc;
        break;
    }
    case ZKBIO_ZK_EF_ENROLLUSER:
        if (len >= 2)
            e.user_sn = zki_le16(data);
        break;
    case ZKBIO_ZK_EF_ENROLLFINGER:
        if (len >= 2)
            e.result = zki_le16(data);
        if (len >= 4)
            e.size = zki_le16(data + 2);
        if (len >= 14) { /* u16 result, u16 size, char[9] user id, u8 finger */
            zki_zk_field_copy(data + 4, 9, e.user_id, sizeof(e.user_id));
            e.fid = data[13];
        }
        break;
    case ZKBIO_ZK_EF_VERIFY:
        if (len >= 4)
            e.user_sn = zki_le32(data);
        break;
    case ZKBIO_ZK_EF_FPFTR:
        if (len >= 1)
            e.score = data[0];
        break;
    case ZKBIO_ZK_EF_ALARM:
        if (len >= 12) {
            e.result = zki_le16(data + 4);
            e.user_sn = zki_le16(data + 6);
        } else if (len >= 1) {
            e.result = data[0];
        }
        break;
    case ZKBIO_ZK_EF_BUTTON:
        if (len >= 4)
            e.value = zki_le32(data);
        else if (len >= 2)
            e.value = zki_le16(data);
        break;
    default:
        break;
    }
    *out = e;
    return ZKBIO_OK;
}

int zkbio_zk_event_build(const zkbio_zk_event *ev, int long_form, uint8_t *out, size_t outsize,
                         size_t *outlen)
{
    if (!ev || !out || !outlen)
        return ZKBIO_EINVAL;
    if (outsize < 32)
        return ZKBIO_ENOSPC;
    memset(out, 0, 32);
    size_t n = 0;
    switch (ev->flag) {
    case ZKBIO_ZK_EF_ATTLOG: {
        uint8_t *rest;
        if (long_form) {
            size_t l = strlen(ev->user_id);
            if (l >= 24)
                return ZKBIO_ERANGE;
            memcpy(out, ev->user_id, l);
            rest = out + 24;
            n = 32;
        } else {
            uint32_t uid;
            if (zki_zk_parse_u32(ev->user_id, &uid) != 0 || uid > 0xFFFF)
                return ZKBIO_ERANGE;
            zki_put_le16(out, (uint16_t)uid);
            rest = out + 2;
            n = 10;
        }
        rest[0] = ev->verify;
        rest[1] = ev->state;
        int rc = zkbio_zk_timehex_encode(&ev->time, rest + 2);
        if (rc != ZKBIO_OK)
            return rc;
        break;
    }
    case ZKBIO_ZK_EF_ENROLLFINGER:
        zki_put_le16(out, ev->result);
        n = 2;
        if (ev->result == 0) {
            zki_put_le16(out + 2, ev->size);
            size_t l = strlen(ev->user_id);
            memcpy(out + 4, ev->user_id, l < 9 ? l : 9);
            out[13] = ev->fid;
            n = 14;
        }
        break;
    case ZKBIO_ZK_EF_FPFTR:
        out[0] = ev->score;
        n = 1;
        break;
    case ZKBIO_ZK_EF_VERIFY:
        zki_put_le32(out, ev->user_sn);
        out[4] = 1;
        n = 5;
        break;
    case ZKBIO_ZK_EF_ENROLLUSER:
        zki_put_le16(out, (uint16_t)ev->user_sn);
        n = 2;
        break;
    case ZKBIO_ZK_EF_ALARM:
        out[0] = (uint8_t)ev->result;
        n = 4;
        break;
    case ZKBIO_ZK_EF_BUTTON:
        zki_put_le32(out, ev->value);
        n = 4;
        break;
    default:
        n = 0;
        break;
    }
    *outlen = n;
    return ZKBIO_OK;
}
