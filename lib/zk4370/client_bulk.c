/* SPDX-License-Identifier: Apache-2.0 */
/* 4370 client bulk reads (tcp4370.md §4.1, §4.2): 1503/1504 with chunk re-requests, the legacy
 * direct reads, and what is read that way: users, attendance, templates (§5). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal/bytes.h"
#include "zk4370/zki_client.h"

#define LOCK(c)   pthread_mutex_lock(&(c)->mu)
#define UNLOCK(c) pthread_mutex_unlock(&(c)->mu)

/* ---- bulk reads (§4.1, §4.2) ---- */

/* Receive the answer to one chunk request (or to a single-template request): PREPARE_DATA (size),
 * DATA packets, ACK_OK; or one DATA with everything. Fills out[0..want). want == 0 accepts any
 * size up to cap (single DATA form only), reported in *got. Returns OK, ETIMEDOUT/EAGAIN-like
 * incomplete (ZKBIO_EUNAVAIL), or a hard error. */
static int recv_stream(zkbio_zk_client *c, uint16_t reply, uint8_t *out, size_t want, size_t cap,
                       size_t *got)
{
    int64_t deadline = zki_zk_now_ms() + c->timeout_ms;
    size_t have = 0, announced = want;
    int prepared = 0;
    for (;;) {
        zkbio_zk_header h;
        const uint8_t *d;
        size_t n;
        int rc = zki_zk_reply_for(c, reply, deadline, &h, &d, &n);
        if (rc == ZKBIO_ETIMEDOUT) {
            *got = have;
            return ZKBIO_EUNAVAIL; /* incomplete: the caller may re-request */
        }
        if (rc != ZKBIO_OK)
            return rc;
        switch (h.cmd) {
        case ZKBIO_ZK_CMD_PREPARE_DATA:
            if (n < 4 || prepared)
                return zki_zk_fail(c, ZKBIO_EPROTO, "malformed PREPARE_DATA");
            announced = zki_le32(d);
            if ((want && announced != want) || announced > cap)
                return zki_zk_fail(c, ZKBIO_EPROTO,
                                   "device announced %zu bytes where %zu were asked", announced,
                                   want ? want : cap);
            prepared = 1;
            break;
        case ZKBIO_ZK_CMD_DATA:
            if (n > (prepared ? announced : (want ? want : cap)) - have)
                return zki_zk_fail(c, ZKBIO_EPROTO, "device sent more data than announced");
            memcpy(out + have, d, n);
            have += n;
            if (!prepared) { /* one DATA packet with the whole answer */
                *got = have;
                return ZKBIO_OK;
            }
            break;
        case ZKBIO_ZK_ACK_OK:
            *got = have;
            if (have == announced)
                return ZKBIO_OK;
            return ZKBIO_EUNAVAIL; /* datagrams lost on the way */
        case ZKBIO_ZK_ACK_UNAUTH:
            return zki_zk_fail(c, ZKBIO_EACCES, "not authenticated");
        default:
            return zki_zk_fail(c, ZKBIO_EIO, "device refused the data request (reply %u)", h.cmd);
        }
    }
}

int zki_zk_free_data(zkbio_zk_client *c)
{
    return zki_zk_simple(c, ZKBIO_ZK_CMD_FREE_DATA, NULL, 0);
}

/* Legacy direct read (§4.1 mode C) for firmware without 1503: `cmd` (13 attendance, or 9 with
 * data 05 for users) answered by PREPARE_DATA (u32 size), DATA pieces, ACK_OK. */
static int read_legacy(zkbio_zk_client *c, uint16_t cmd, const uint8_t *q, size_t qn, uint8_t **buf,
                       size_t *len)
{
    uint16_t reply = zki_zk_next_reply(c);
    int64_t deadline = zki_zk_now_ms() + c->timeout_ms;
    int rc = zki_zk_send(c, cmd, reply, q, qn, deadline);
    zkbio_zk_header h;
    const uint8_t *d;
    size_t n;
    if (rc == ZKBIO_OK)
        rc = zki_zk_reply_for(c, reply, deadline, &h, &d, &n);
    if (rc != ZKBIO_OK)
        return rc;
    if (h.cmd == ZKBIO_ZK_CMD_DATA) { /* everything in one packet */
        if (n < 4)
            return zki_zk_fail(c, ZKBIO_EPROTO, "dataset of %zu bytes", n);
        if (!(*buf = malloc(n)))
            return ZKBIO_ENOMEM;
        memcpy(*buf, d, n);
        *len = n;
        return ZKBIO_OK;
    }
    if (h.cmd != ZKBIO_ZK_CMD_PREPARE_DATA || n < 4)
        return zki_zk_fail(c, ZKBIO_ENOTSUP, "device has neither 1503 nor the legacy read (%u)",
                           h.cmd);
    size_t size = zki_le32(d);
    if (size > c->max_dataset)
        return zki_zk_fail(c, ZKBIO_ETOOBIG, "device announced %zu bytes, above the limit", size);
    if (size < 4)
        return zki_zk_fail(c, ZKBIO_EPROTO, "device announced a dataset of %zu bytes", size);
    uint8_t *b = malloc(size);
    if (!b)
        return ZKBIO_ENOMEM;
    size_t have = 0;
    for (;;) { /* one deadline per packet: a large log streams for a while */
        rc = zki_zk_reply_for(c, reply, zki_zk_now_ms() + c->timeout_ms, &h, &d, &n);
        if (rc != ZKBIO_OK)
            break;
        if (h.cmd == ZKBIO_ZK_CMD_DATA) {
            if (n > size - have) {
                rc = zki_zk_fail(c, ZKBIO_EPROTO, "device sent more data than announced");
                break;
            }
            memcpy(b + have, d, n);
            have += n;
        } else if (h.cmd == ZKBIO_ZK_ACK_OK) {
            if (have != size)
                rc = zki_zk_fail(c, ZKBIO_EPROTO, "legacy read ended after %zu of %zu bytes", have,
                                 size);
            break;
        } else {
            rc = zki_zk_fail(c, ZKBIO_EPROTO, "unexpected reply %u in a legacy read", h.cmd);
            break;
        }
    }
    if (rc != ZKBIO_OK) {
        free(b);
        return rc;
    }
    *buf = b;
    *len = size;
    return ZKBIO_OK;
}

/* Read a dataset with 1503/1504. *buf (malloc'ed) holds `u32 records_bytes` + records; *len is
 * 4 + records_bytes. */
static int read_dataset(zkbio_zk_client *c, uint16_t inner, uint32_t fct, uint8_t **buf,
                        size_t *len)
{
    uint8_t q[11] = {1};
    zki_put_le16(q + 1, inner);
    zki_put_le32(q + 3, fct);
    zkbio_zk_header h;
    const uint8_t *d;
    size_t n;
    int rc = zki_zk_request(c, ZKBIO_ZK_CMD_DATA_WRRQ, q, sizeof(q), &h, &d, &n);
    if (rc != ZKBIO_OK)
        return rc;
    uint8_t *data = NULL;
    size_t size;
    if (h.cmd == ZKBIO_ZK_CMD_DATA) { /* mode A: everything inline */
        size = n;
        if (size < 4)
            return zki_zk_fail(c, ZKBIO_EPROTO, "dataset of %zu bytes", size);
        if (!(data = malloc(size)))
            return ZKBIO_ENOMEM;
        memcpy(data, d, size);
    } else if (h.cmd == ZKBIO_ZK_ACK_OK || h.cmd == ZKBIO_ZK_CMD_PREPARE_DATA) {
        if (n < 5)
            return zki_zk_fail(c, ZKBIO_EPROTO, "bulk size reply of %zu bytes", n);
        size = zki_le32(d + 1);
        if (size > c->max_dataset) {
            (void)zki_zk_free_data(c);
            return zki_zk_fail(c, ZKBIO_ETOOBIG,
                               "device announced %zu bytes, above the limit of %zu", size,
                               c->max_dataset);
        }
        if (size < 4)
            return zki_zk_fail(c, ZKBIO_EPROTO, "device announced a dataset of %zu bytes", size);
        if (!(data = malloc(size)))
            return ZKBIO_ENOMEM;
        size_t chunk = c->tcp ? ZKBIO_ZK_CHUNK_TCP : ZKBIO_ZK_CHUNK_UDP;
        for (size_t off = 0; off < size && rc == ZKBIO_OK;) {
            size_t want = size - off < chunk ? size - off : chunk;
            int attempt = 0;
            for (;;) {
                uint8_t r[8];
                zki_put_le32(r, (uint32_t)off);
                zki_put_le32(r + 4, (uint32_t)want);
                uint16_t reply = zki_zk_next_reply(c);
                rc = zki_zk_send(c, ZKBIO_ZK_CMD_DATA_RDY, reply, r, 8,
                                 zki_zk_now_ms() + c->timeout_ms);
                size_t got = 0;
                if (rc == ZKBIO_OK)
                    rc = recv_stream(c, reply, data + off, want, want, &got);
                if (rc == ZKBIO_OK && got != want)
                    rc = zki_zk_fail(c, ZKBIO_EPROTO, "chunk of %zu bytes where %zu were asked",
                                     got, want);
                if (rc != ZKBIO_EUNAVAIL)
                    break;
                if (attempt++ >= c->retries) {
                    rc = zki_zk_fail(c, ZKBIO_ETIMEDOUT,
                                     "chunk at offset %zu incomplete after %d attempts", off,
                                     attempt);
                    break;
                }
            }
            off += want;
        }
        if (rc == ZKBIO_OK || (rc != ZKBIO_ECONN && !c->broken))
            (void)zki_zk_free_data(c);
        if (rc != ZKBIO_OK) {
            free(data);
            return rc;
        }
    } else if (h.cmd == ZKBIO_ZK_ACK_UNAUTH) {
        return zki_zk_fail(c, ZKBIO_EACCES, "not authenticated");
    } else if ((h.cmd == ZKBIO_ZK_ACK_UNKNOWN || h.cmd == ZKBIO_ZK_ACK_ERROR_CMD) &&
               (inner == ZKBIO_ZK_CMD_ATTLOG_RRQ || inner == ZKBIO_ZK_CMD_USERTEMP_RRQ)) {
        /* old firmware without 1503: the direct read */
        static const uint8_t all_users = 5;
        int users = inner == ZKBIO_ZK_CMD_USERTEMP_RRQ;
        rc = read_legacy(c, inner, users ? &all_users : NULL, users ? 1 : 0, &data, &size);
        if (rc != ZKBIO_OK)
            return rc;
    } else {
        return zki_zk_fail(c, ZKBIO_EIO, "device refused the bulk read (reply %u)", h.cmd);
    }
    uint32_t rb = zki_le32(data);
    if (rb > size - 4) {
        free(data);
        return zki_zk_fail(c, ZKBIO_EPROTO, "dataset says %lu bytes of records but holds %zu",
                           (unsigned long)rb, size - 4);
    }
    *buf = data;
    *len = 4 + (size_t)rb;
    return ZKBIO_OK;
}

int zki_zk_users_locked(zkbio_zk_client *c, zkbio_zk_user **users, size_t *count)
{
    zkbio_zk_sizes s;
    int rc = zki_zk_get_sizes(c, &s);
    if (rc != ZKBIO_OK)
        return rc;
    uint8_t *buf;
    size_t len;
    if ((rc = read_dataset(c, ZKBIO_ZK_CMD_USERTEMP_RRQ, 5, &buf, &len)) != ZKBIO_OK)
        return rc;
    static const size_t allowed[] = {ZKBIO_ZK_USER8_SIZE, ZKBIO_ZK_USER6_SIZE};
    size_t stride, rb = len - 4;
    rc = zkbio_zk_stride(rb, s.users, allowed, 2, &stride);
    if (rc != ZKBIO_OK) {
        free(buf);
        return zki_zk_fail(c, rc, "%zu bytes of users are no whole number of records", rb);
    }
    size_t n = rb / stride;
    zkbio_zk_user *u = NULL;
    if (n > c->max_dataset / sizeof(*u)) { /* the parsed array obeys the cap too */
        free(buf);
        return zki_zk_fail(c, ZKBIO_ETOOBIG, "%zu users exceed the memory limit", n);
    }
    if (n && !(u = malloc(n * sizeof(*u)))) {
        free(buf);
        return ZKBIO_ENOMEM;
    }
    for (size_t i = 0; i < n && rc == ZKBIO_OK; i++)
        rc = zkbio_zk_user_parse(buf + 4 + i * stride, stride, c->charset, &u[i]);
    free(buf);
    if (rc != ZKBIO_OK) {
        free(u);
        return zki_zk_fail(c, rc, "user records: %s", zkbio_strerror(rc));
    }
    if (rb)
        c->user_size = stride;
    *users = u;
    *count = n;
    return ZKBIO_OK;
}

int zkbio_zk_get_users(zkbio_zk_client *c, zkbio_zk_user **users, size_t *count)
{
    if (!c || !users || !count)
        return ZKBIO_EINVAL;
    LOCK(c);
    int rc = zki_zk_users_locked(c, users, count);
    UNLOCK(c);
    return rc;
}

static int att_locked(zkbio_zk_client *c, const zkbio_zk_time *since, zkbio_zk_att **out,
                      size_t *count)
{
    zkbio_zk_sizes s;
    int rc = zki_zk_get_sizes(c, &s);
    if (rc != ZKBIO_OK)
        return rc;
    uint8_t *buf;
    size_t len;
    if ((rc = read_dataset(c, ZKBIO_ZK_CMD_ATTLOG_RRQ, 0, &buf, &len)) != ZKBIO_OK)
        return rc;
    static const size_t allowed[] = {ZKBIO_ZK_ATT40_SIZE, ZKBIO_ZK_ATT16_SIZE, ZKBIO_ZK_ATT8_SIZE};
    size_t stride, rb = len - 4;
    rc = zkbio_zk_stride(rb, s.records, allowed, 3, &stride);
    if (rc != ZKBIO_OK) {
        free(buf);
        return zki_zk_fail(c, rc, "%zu bytes of attendance are no whole number of records", rb);
    }
    size_t n = rb / stride, k = 0;
    zkbio_zk_att *a = NULL;
    if (n > c->max_dataset / sizeof(*a)) {
        free(buf);
        return zki_zk_fail(c, ZKBIO_ETOOBIG, "%zu records exceed the memory limit", n);
    }
    if (n && !(a = malloc(n * sizeof(*a)))) {
        free(buf);
        return ZKBIO_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        zkbio_zk_att r;
        zkbio_zk_att_parse(buf + 4 + i * stride, stride, &r);
        if (!since || zkbio_zk_time_cmp(&r.time, since) >= 0)
            a[k++] = r;
    }
    free(buf);
    if (stride == ZKBIO_ZK_ATT8_SIZE && k) { /* map uid -> user id through the user list */
        zkbio_zk_user *u = NULL;
        size_t nu = 0;
        if (zki_zk_users_locked(c, &u, &nu) == ZKBIO_OK) {
            for (size_t i = 0; i < k; i++)
                for (size_t j = 0; j < nu; j++)
                    if (u[j].uid == a[i].uid) {
                        memcpy(a[i].user_id, u[j].user_id, sizeof(a[i].user_id));
                        break;
                    }
            free(u);
        }
    }
    if (!k) {
        free(a);
        a = NULL;
    }
    *out = a;
    *count = k;
    return ZKBIO_OK;
}

int zkbio_zk_get_attendance(zkbio_zk_client *c, const zkbio_zk_time *since, zkbio_zk_att **records,
                            size_t *count)
{
    if (!c || !records || !count)
        return ZKBIO_EINVAL;
    LOCK(c);
    int rc = att_locked(c, since, records, count);
    UNLOCK(c);
    return rc;
}

int zkbio_zk_get_templates(zkbio_zk_client *c, zkbio_zk_template **templates, size_t *count)
{
    if (!c || !templates || !count)
        return ZKBIO_EINVAL;
    LOCK(c);
    uint8_t *buf;
    size_t len;
    int rc = read_dataset(c, ZKBIO_ZK_CMD_DB_RRQ, 2, &buf, &len);
    UNLOCK(c);
    if (rc != ZKBIO_OK)
        return rc;
    size_t n = 0, pos = 0;
    zkbio_zk_template t;
    while ((rc = zkbio_zk_template_next(buf + 4, len - 4, &pos, &t)) == 1)
        n++;
    if (rc < 0) {
        free(buf);
        LOCK(c);
        zki_zk_fail(c, ZKBIO_EPROTO, "malformed template entry at offset %zu", pos);
        UNLOCK(c);
        return ZKBIO_EPROTO;
    }
    /* one block: the array, then the entries' bytes */
    if (n > c->max_dataset / sizeof(zkbio_zk_template)) {
        free(buf);
        return ZKBIO_ETOOBIG;
    }
    size_t head = n * sizeof(zkbio_zk_template);
    uint8_t *block = n ? malloc(head + len) : NULL;
    if (n && !block) {
        free(buf);
        return ZKBIO_ENOMEM;
    }
    zkbio_zk_template *arr = (zkbio_zk_template *)(void *)block;
    if (n) {
        memcpy(block + head, buf, len);
        pos = 0;
        for (size_t i = 0; i < n; i++)
            zkbio_zk_template_next(block + head + 4, len - 4, &pos, &arr[i]);
    }
    free(buf);
    *templates = arr;
    *count = n;
    return ZKBIO_OK;
}

int zkbio_zk_get_template(zkbio_zk_client *c, uint16_t uid, uint8_t fid, uint8_t **data,
                          size_t *len)
{
    if (!c || !data || !len)
        return ZKBIO_EINVAL;
    uint8_t q[3];
    zki_put_le16(q, uid);
    q[2] = fid;
    uint8_t *buf = malloc(ZKBIO_ZK_MAX_PACKET);
    if (!buf)
        return ZKBIO_ENOMEM;
    LOCK(c);
    uint16_t reply = zki_zk_next_reply(c);
    int rc =
        zki_zk_send(c, ZKBIO_ZK_CMD_GET_USERTEMP, reply, q, 3, zki_zk_now_ms() + c->timeout_ms);
    size_t got = 0;
    if (rc == ZKBIO_OK)
        rc = recv_stream(c, reply, buf, 0, ZKBIO_ZK_MAX_PACKET, &got);
    if (rc == ZKBIO_EUNAVAIL)
        rc = zki_zk_fail(c, ZKBIO_ETIMEDOUT, "template transfer incomplete");
    if (rc == ZKBIO_EIO) {
        rc = ZKBIO_ENOENT;
        zki_zk_fail(c, rc, "no template %u/%u", uid, fid);
    }
    UNLOCK(c);
    if (rc != ZKBIO_OK) {
        free(buf);
        return rc;
    }
    /* the device appends one byte (and sometimes 6 zero bytes) to the template (§2.2) */
    if (got > 0)
        got--;
    if (got >= 6 && memcmp(buf + got - 6, "\0\0\0\0\0\0", 6) == 0)
        got -= 6;
    *data = buf;
    *len = got;
    return ZKBIO_OK;
}
