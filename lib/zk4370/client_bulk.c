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

/* A dataset is delivered to a sink in order, in pieces (a chunk, a datagram, the inline reply):
 * `total` is the whole size announced (the u32 records_bytes prefix included). The piece is valid
 * during the call only. Returns ZKBIO_OK to go on, an error to stop the transfer. */
typedef int (*dataset_sink)(void *ud, const uint8_t *p, size_t n, size_t total);

/* Legacy direct read (§4.1 mode C) for firmware without 1503: `cmd` (13 attendance, or 9 with
 * data 05 for users) answered by PREPARE_DATA (u32 size), DATA pieces, ACK_OK. */
static int read_legacy(zkbio_zk_client *c, uint16_t cmd, const uint8_t *q, size_t qn,
                       dataset_sink sink, void *ud)
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
    if (h.cmd == ZKBIO_ZK_CMD_DATA) /* everything in one packet */
        return n < 4 ? zki_zk_fail(c, ZKBIO_EPROTO, "dataset of %zu bytes", n) : sink(ud, d, n, n);
    if (h.cmd != ZKBIO_ZK_CMD_PREPARE_DATA || n < 4)
        return zki_zk_fail(c, ZKBIO_ENOTSUP, "device has neither 1503 nor the legacy read (%u)",
                           h.cmd);
    size_t size = zki_le32(d);
    if (size > c->max_dataset)
        return zki_zk_fail(c, ZKBIO_ETOOBIG, "device announced %zu bytes, above the limit", size);
    if (size < 4)
        return zki_zk_fail(c, ZKBIO_EPROTO, "device announced a dataset of %zu bytes", size);
    size_t have = 0;
    for (;;) { /* one deadline per packet: a large log streams for a while */
        rc = zki_zk_reply_for(c, reply, zki_zk_now_ms() + c->timeout_ms, &h, &d, &n);
        if (rc != ZKBIO_OK)
            return rc;
        if (h.cmd == ZKBIO_ZK_CMD_DATA) {
            if (n > size - have)
                return zki_zk_fail(c, ZKBIO_EPROTO, "device sent more data than announced");
            if ((rc = sink(ud, d, n, size)) != ZKBIO_OK)
                return rc;
            have += n;
        } else if (h.cmd == ZKBIO_ZK_ACK_OK) {
            if (have != size)
                return zki_zk_fail(c, ZKBIO_EPROTO, "legacy read ended after %zu of %zu bytes",
                                   have, size);
            return ZKBIO_OK;
        } else {
            return zki_zk_fail(c, ZKBIO_EPROTO, "unexpected reply %u in a legacy read", h.cmd);
        }
    }
}

/* Mode B (§4.2): the chunks of a `size`-byte dataset, each complete chunk to the sink. */
static int read_chunks(zkbio_zk_client *c, size_t size, dataset_sink sink, void *ud)
{
    size_t chunk = c->tcp ? ZKBIO_ZK_CHUNK_TCP : ZKBIO_ZK_CHUNK_UDP;
    uint8_t *buf = malloc(size < chunk ? size : chunk); /* one chunk: never the whole dataset */
    if (!buf)
        return ZKBIO_ENOMEM;
    int rc = ZKBIO_OK;
    for (size_t off = 0; off < size && rc == ZKBIO_OK;) {
        size_t want = size - off < chunk ? size - off : chunk;
        int attempt = 0;
        for (;;) {
            uint8_t r[8];
            zki_put_le32(r, (uint32_t)off);
            zki_put_le32(r + 4, (uint32_t)want);
            uint16_t reply = zki_zk_next_reply(c);
            rc =
                zki_zk_send(c, ZKBIO_ZK_CMD_DATA_RDY, reply, r, 8, zki_zk_now_ms() + c->timeout_ms);
            size_t got = 0;
            if (rc == ZKBIO_OK)
                rc = recv_stream(c, reply, buf, want, want, &got);
            if (rc == ZKBIO_OK && got != want)
                rc = zki_zk_fail(c, ZKBIO_EPROTO, "chunk of %zu bytes where %zu were asked", got,
                                 want);
            if (rc != ZKBIO_EUNAVAIL)
                break;
            if (attempt++ >= c->retries) { /* re-request an incomplete chunk, a few times */
                rc = zki_zk_fail(c, ZKBIO_ETIMEDOUT,
                                 "chunk at offset %zu incomplete after %d attempts", off, attempt);
                break;
            }
        }
        if (rc == ZKBIO_OK)
            rc = sink(ud, buf, want, size);
        off += want;
    }
    free(buf);
    return rc;
}

/* Read a dataset with 1503 (inline, or chunks with 1504), or the legacy direct read. */
static int read_dataset_raw(zkbio_zk_client *c, uint16_t inner, uint32_t fct, dataset_sink sink,
                            void *ud)
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
    if (h.cmd == ZKBIO_ZK_CMD_DATA) /* mode A: everything inline */
        return n < 4 ? zki_zk_fail(c, ZKBIO_EPROTO, "dataset of %zu bytes", n) : sink(ud, d, n, n);
    if (h.cmd == ZKBIO_ZK_ACK_OK || h.cmd == ZKBIO_ZK_CMD_PREPARE_DATA) {
        if (n < 5)
            return zki_zk_fail(c, ZKBIO_EPROTO, "bulk size reply of %zu bytes", n);
        size_t size = zki_le32(d + 1);
        if (size > c->max_dataset) {
            (void)zki_zk_free_data(c);
            return zki_zk_fail(c, ZKBIO_ETOOBIG,
                               "device announced %zu bytes, above the limit of %zu", size,
                               c->max_dataset);
        }
        if (size < 4)
            return zki_zk_fail(c, ZKBIO_EPROTO, "device announced a dataset of %zu bytes", size);
        rc = read_chunks(c, size, sink, ud);
        if (rc == ZKBIO_OK || (rc != ZKBIO_ECONN && !c->broken))
            (void)zki_zk_free_data(c);
        return rc;
    }
    if (h.cmd == ZKBIO_ZK_ACK_UNAUTH)
        return zki_zk_fail(c, ZKBIO_EACCES, "not authenticated");
    if ((h.cmd == ZKBIO_ZK_ACK_UNKNOWN || h.cmd == ZKBIO_ZK_ACK_ERROR_CMD) &&
        (inner == ZKBIO_ZK_CMD_ATTLOG_RRQ || inner == ZKBIO_ZK_CMD_USERTEMP_RRQ)) {
        /* old firmware without 1503: the direct read */
        static const uint8_t all_users = 5;
        int users = inner == ZKBIO_ZK_CMD_USERTEMP_RRQ;
        return read_legacy(c, inner, users ? &all_users : NULL, users ? 1 : 0, sink, ud);
    }
    return zki_zk_fail(c, ZKBIO_EIO, "device refused the bulk read (reply %u)", h.cmd);
}

/* The caller's progress callback (zkbio_zk_client_progress_set) around a sink. */
typedef struct prog_sink {
    zkbio_zk_client *c;
    dataset_sink sink;
    void *ud;
    size_t done;
} prog_sink;

static int with_progress(void *ud, const uint8_t *p, size_t n, size_t total)
{
    prog_sink *s = ud;
    int rc = s->sink(s->ud, p, n, total);
    s->done += n;
    if (rc == ZKBIO_OK && s->c->progress &&
        s->c->progress(s->done, total, s->c->progress_user) != 0)
        rc = zki_zk_fail(s->c, ZKBIO_ECANCELED, "bulk read stopped by the caller");
    return rc;
}

static int read_dataset_to(zkbio_zk_client *c, uint16_t inner, uint32_t fct, dataset_sink sink,
                           void *ud)
{
    if (!c->progress)
        return read_dataset_raw(c, inner, fct, sink, ud);
    prog_sink s = {c, sink, ud, 0};
    return read_dataset_raw(c, inner, fct, with_progress, &s);
}

/* The prefix of a dataset: records_bytes must fit in what was announced. */
static int check_prefix(zkbio_zk_client *c, uint32_t rb, size_t total)
{
    if (rb > total - 4)
        return zki_zk_fail(c, ZKBIO_EPROTO, "dataset says %lu bytes of records but holds %zu",
                           (unsigned long)rb, total - 4);
    return ZKBIO_OK;
}

/* Sink collecting the whole dataset in one buffer (users, templates). */
typedef struct buf_sink {
    zkbio_zk_client *c;
    uint8_t *data;
    size_t len, total;
} buf_sink;

static int to_buffer(void *ud, const uint8_t *p, size_t n, size_t total)
{
    buf_sink *b = ud;
    if (!b->data) {
        if (!(b->data = malloc(total)))
            return ZKBIO_ENOMEM;
        b->total = total;
    }
    if (total != b->total || n > b->total - b->len)
        return zki_zk_fail(b->c, ZKBIO_EPROTO, "dataset larger than announced");
    memcpy(b->data + b->len, p, n);
    b->len += n;
    return ZKBIO_OK;
}

/* Read a whole dataset. *buf (malloc'ed) holds `u32 records_bytes` + records; *len is
 * 4 + records_bytes. */
static int read_dataset(zkbio_zk_client *c, uint16_t inner, uint32_t fct, uint8_t **buf,
                        size_t *len)
{
    buf_sink b = {c, NULL, 0, 0};
    int rc = read_dataset_to(c, inner, fct, to_buffer, &b);
    if (rc == ZKBIO_OK && b.len != b.total)
        rc = zki_zk_fail(c, ZKBIO_EPROTO, "dataset incomplete");
    if (rc == ZKBIO_OK)
        rc = check_prefix(c, zki_le32(b.data), b.total);
    if (rc != ZKBIO_OK) {
        free(b.data);
        return rc;
    }
    *buf = b.data;
    *len = 4 + (size_t)zki_le32(b.data);
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

int zkbio_zk_users_get(zkbio_zk_client *c, zkbio_zk_user **users, size_t *count)
{
    if (!c || !users || !count)
        return ZKBIO_EINVAL;
    LOCK(c);
    int rc = zki_zk_users_locked(c, users, count);
    UNLOCK(c);
    return rc;
}

/* Sink parsing attendance records as they arrive, so the raw log is never held whole: the memory
 * of a download is the parsed array plus one chunk. */
typedef struct att_sink {
    zkbio_zk_client *c;
    uint32_t count; /* records announced by GET_FREE_SIZES */
    const zkbio_zk_time *since;
    uint8_t head[4];
    size_t seen;   /* bytes of the dataset seen */
    size_t rb;     /* records bytes (from the prefix) */
    size_t stride; /* 0 until the prefix is complete */
    uint8_t part[ZKBIO_ZK_ATT40_SIZE];
    size_t plen;
    zkbio_zk_att *out;
    size_t n;
} att_sink;

static int att_start(att_sink *a, size_t total)
{
    uint32_t rb = zki_le32(a->head);
    int rc = check_prefix(a->c, rb, total);
    if (rc != ZKBIO_OK)
        return rc;
    static const size_t allowed[] = {ZKBIO_ZK_ATT40_SIZE, ZKBIO_ZK_ATT16_SIZE, ZKBIO_ZK_ATT8_SIZE};
    a->rb = rb;
    if (zkbio_zk_stride(rb, a->count, allowed, 3, &a->stride) != ZKBIO_OK)
        return zki_zk_fail(a->c, ZKBIO_EPROTO,
                           "%zu bytes of attendance are no whole number of records", a->rb);
    size_t cap = rb / a->stride;
    if (cap > a->c->max_dataset / sizeof(zkbio_zk_att))
        return zki_zk_fail(a->c, ZKBIO_ETOOBIG, "%zu records exceed the memory limit", cap);
    if (cap && !(a->out = malloc(cap * sizeof(zkbio_zk_att))))
        return ZKBIO_ENOMEM;
    return ZKBIO_OK;
}

static void att_take(att_sink *a, const uint8_t *rec)
{
    zkbio_zk_att r;
    zkbio_zk_att_parse(rec, a->stride, &r);
    if (!a->since || zkbio_zk_time_cmp(&r.time, a->since) >= 0)
        a->out[a->n++] = r;
}

static int to_records(void *ud, const uint8_t *p, size_t n, size_t total)
{
    att_sink *a = ud;
    while (n && a->seen < 4) { /* the u32 records_bytes prefix */
        a->head[a->seen++] = *p++;
        n--;
        if (a->seen == 4) {
            int rc = att_start(a, total);
            if (rc != ZKBIO_OK)
                return rc;
        }
    }
    size_t left = a->seen >= 4 ? 4 + a->rb - a->seen : 0; /* record bytes still to come */
    if (n > left)
        n = left; /* bytes after the records are ignored */
    a->seen += n;
    if (a->plen) { /* finish a record split between two pieces */
        size_t k = a->stride - a->plen < n ? a->stride - a->plen : n;
        memcpy(a->part + a->plen, p, k);
        a->plen += k;
        p += k;
        n -= k;
        if (a->plen == a->stride) {
            att_take(a, a->part);
            a->plen = 0;
        }
    }
    for (; n >= a->stride && a->stride; p += a->stride, n -= a->stride)
        att_take(a, p);
    if (n) {
        memcpy(a->part, p, n);
        a->plen = n;
    }
    return ZKBIO_OK;
}

static int att_locked(zkbio_zk_client *c, const zkbio_zk_time *since, zkbio_zk_att **out,
                      size_t *count)
{
    zkbio_zk_sizes s;
    int rc = zki_zk_get_sizes(c, &s);
    if (rc != ZKBIO_OK)
        return rc;
    att_sink a;
    memset(&a, 0, sizeof(a));
    a.c = c;
    a.count = s.records;
    a.since = since;
    rc = read_dataset_to(c, ZKBIO_ZK_CMD_ATTLOG_RRQ, 0, to_records, &a);
    if (rc == ZKBIO_OK && (a.seen < 4 || a.seen != 4 + a.rb))
        rc = zki_zk_fail(c, ZKBIO_EPROTO, "attendance dataset incomplete");
    if (rc != ZKBIO_OK) {
        free(a.out);
        return rc;
    }
    if (a.stride == ZKBIO_ZK_ATT8_SIZE && a.n) { /* map uid -> user id through the user list */
        zkbio_zk_user *u = NULL;
        size_t nu = 0;
        if (zki_zk_users_locked(c, &u, &nu) == ZKBIO_OK) {
            for (size_t i = 0; i < a.n; i++)
                for (size_t j = 0; j < nu; j++)
                    if (u[j].uid == a.out[i].uid) {
                        memcpy(a.out[i].user_id, u[j].user_id, sizeof(a.out[i].user_id));
                        break;
                    }
            free(u);
        }
    }
    if (!a.n) {
        free(a.out);
        a.out = NULL;
    }
    *out = a.out;
    *count = a.n;
    return ZKBIO_OK;
}

int zkbio_zk_attendance_get(zkbio_zk_client *c, const zkbio_zk_time *since, zkbio_zk_att **records,
                            size_t *count)
{
    if (!c || !records || !count)
        return ZKBIO_EINVAL;
    LOCK(c);
    int rc = att_locked(c, since, records, count);
    UNLOCK(c);
    return rc;
}

int zkbio_zk_templates_get(zkbio_zk_client *c, zkbio_zk_template **templates, size_t *count)
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

int zkbio_zk_template_get(zkbio_zk_client *c, uint16_t uid, uint8_t fid, uint8_t **data,
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
