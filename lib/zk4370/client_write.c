/* SPDX-License-Identifier: Apache-2.0 */
/* 4370 client writes (tcp4370.md §4.3, §7.1-§7.3): users, single templates, bulk upload. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal/bytes.h"
#include "zk4370/zki_client.h"

#define LOCK(c)   pthread_mutex_lock(&(c)->mu)
#define UNLOCK(c) pthread_mutex_unlock(&(c)->mu)

/* ---- uploads (§4.3) ---- */

static int upload_buffer(zkbio_zk_client *c, const uint8_t *p, size_t n)
{
    uint8_t sz[4];
    zki_put_le32(sz, (uint32_t)n);
    int rc = zki_zk_free_data(c);
    if (rc == ZKBIO_OK)
        rc = zki_zk_simple(c, ZKBIO_ZK_CMD_PREPARE_DATA, sz, 4);
    for (size_t off = 0; off < n && rc == ZKBIO_OK; off += ZKBIO_ZK_UDP_DATA) {
        size_t k = n - off < ZKBIO_ZK_UDP_DATA ? n - off : ZKBIO_ZK_UDP_DATA;
        rc = zki_zk_simple(c, ZKBIO_ZK_CMD_DATA, p + off, k);
    }
    return rc;
}

int zkbio_zk_template_set(zkbio_zk_client *c, uint16_t uid, uint8_t fid, uint8_t flag,
                          const uint8_t *data, size_t len)
{
    if (!c || !data || !len || fid > 9)
        return ZKBIO_EINVAL;
    if (len > 0xFFFF)
        return ZKBIO_ETOOBIG;
    LOCK(c);
    int rc = zki_zk_simple(c, ZKBIO_ZK_CMD_DISABLEDEVICE, NULL, 0);
    if (rc == ZKBIO_OK)
        rc = upload_buffer(c, data, len);
    if (rc == ZKBIO_OK) {
        zkbio_zk_header h;
        const uint8_t *d;
        size_t n;
        rc = zki_zk_request(c, ZKBIO_ZK_CMD_CHECKSUM_BUFFER, NULL, 0, &h, &d, &n);
    }
    if (rc == ZKBIO_OK) {
        uint8_t w[6];
        zki_put_le16(w, uid);
        w[2] = fid;
        w[3] = flag;
        zki_put_le16(w + 4, (uint16_t)len);
        rc = zki_zk_simple(c, ZKBIO_ZK_CMD_TMP_WRITE, w, 6);
    }
    if (rc == ZKBIO_OK)
        rc = zki_zk_free_data(c);
    if (rc == ZKBIO_OK)
        rc = zki_zk_simple(c, ZKBIO_ZK_CMD_REFRESHDATA, NULL, 0);
    if (!c->broken)
        (void)zki_zk_simple(c, ZKBIO_ZK_CMD_ENABLEDEVICE, NULL, 0);
    UNLOCK(c);
    return rc;
}

int zkbio_zk_template_delete(zkbio_zk_client *c, uint16_t uid, uint8_t fid)
{
    if (!c)
        return ZKBIO_EINVAL;
    uint8_t q[3];
    zki_put_le16(q, uid);
    q[2] = fid;
    LOCK(c);
    int rc = zki_zk_simple(c, ZKBIO_ZK_CMD_DELETE_USERTEMP, q, 3);
    if (rc == ZKBIO_EIO)
        rc = ZKBIO_ENOENT;
    if (rc == ZKBIO_OK)
        rc = zki_zk_simple(c, ZKBIO_ZK_CMD_REFRESHDATA, NULL, 0);
    UNLOCK(c);
    return rc;
}

/* The user record size to write: detected, else learnt from a read, else by transport. */
static size_t user_size_locked(zkbio_zk_client *c)
{
    if (!c->user_size) {
        zkbio_zk_user *u = NULL;
        size_t n = 0;
        if (zki_zk_users_locked(c, &u, &n) == ZKBIO_OK)
            free(u);
    }
    if (c->user_size)
        return c->user_size;
    return c->tcp ? ZKBIO_ZK_USER8_SIZE : ZKBIO_ZK_USER6_SIZE;
}

int zkbio_zk_user_set(zkbio_zk_client *c, const zkbio_zk_user *u)
{
    if (!c || !u || u->uid == 0)
        return ZKBIO_EINVAL;
    LOCK(c);
    size_t size = user_size_locked(c);
    uint8_t rec[ZKBIO_ZK_USER8_SIZE];
    int rc = zkbio_zk_user_build(u, size, c->charset, rec);
    if (rc == ZKBIO_OK)
        rc = zki_zk_simple(c, ZKBIO_ZK_CMD_DISABLEDEVICE, NULL, 0);
    if (rc == ZKBIO_OK)
        rc = zki_zk_simple(c, ZKBIO_ZK_CMD_USER_WRQ, rec, size);
    if (rc == ZKBIO_OK)
        rc = zki_zk_simple(c, ZKBIO_ZK_CMD_REFRESHDATA, NULL, 0);
    if (!c->broken)
        (void)zki_zk_simple(c, ZKBIO_ZK_CMD_ENABLEDEVICE, NULL, 0);
    UNLOCK(c);
    return rc;
}

int zkbio_zk_user_delete(zkbio_zk_client *c, uint16_t uid)
{
    if (!c)
        return ZKBIO_EINVAL;
    uint8_t q[2];
    zki_put_le16(q, uid);
    LOCK(c);
    int rc = zki_zk_simple(c, ZKBIO_ZK_CMD_DELETE_USER, q, 2);
    if (rc == ZKBIO_OK)
        rc = zki_zk_simple(c, ZKBIO_ZK_CMD_REFRESHDATA, NULL, 0);
    UNLOCK(c);
    return rc;
}

int zkbio_zk_upload(zkbio_zk_client *c, const zkbio_zk_user *users, size_t nusers,
                    const zkbio_zk_template *templates, size_t ntemplates)
{
    if (!c || (!users && nusers) || (!templates && ntemplates) || nusers > 65535 ||
        ntemplates > 65535 * 10)
        return ZKBIO_EINVAL;
    for (size_t i = 0; i < ntemplates; i++) {
        size_t j = 0;
        while (j < nusers && users[j].uid != templates[i].uid)
            j++;
        if (j == nusers || !templates[i].data || templates[i].len > 0xFFFF - 2)
            return ZKBIO_EINVAL;
    }
    LOCK(c);
    size_t usize = user_size_locked(c);
    size_t upart = nusers * (usize + 1), tpart = ntemplates * 8, fpart = 0;
    for (size_t i = 0; i < ntemplates; i++)
        fpart += 2 + templates[i].len;
    size_t total = 12 + upart + tpart + fpart;
    int rc = ZKBIO_OK;
    uint8_t *b = NULL;
    if (total > c->max_dataset || total > UINT32_MAX)
        rc = ZKBIO_ETOOBIG;
    else if (!(b = calloc(1, total)))
        rc = ZKBIO_ENOMEM;
    if (rc == ZKBIO_OK) {
        zki_put_le32(b, (uint32_t)upart);
        zki_put_le32(b + 4, (uint32_t)tpart);
        zki_put_le32(b + 8, (uint32_t)fpart);
        uint8_t *p = b + 12;
        for (size_t i = 0; i < nusers && rc == ZKBIO_OK; i++, p += usize + 1) {
            p[0] = 2;
            rc = zkbio_zk_user_build(&users[i], usize, c->charset, p + 1);
        }
        uint8_t *tab = b + 12 + upart, *fp = tab + tpart;
        size_t off = 0;
        for (size_t i = 0; i < ntemplates && rc == ZKBIO_OK; i++, tab += 8) {
            tab[0] = 2;
            zki_put_le16(tab + 1, templates[i].uid);
            tab[3] = (uint8_t)(0x10 + templates[i].fid);
            zki_put_le32(tab + 4, (uint32_t)off);
            zki_put_le16(fp + off, (uint16_t)templates[i].len);
            memcpy(fp + off + 2, templates[i].data, templates[i].len);
            off += 2 + templates[i].len;
        }
    }
    if (rc == ZKBIO_OK)
        rc = zki_zk_simple(c, ZKBIO_ZK_CMD_DISABLEDEVICE, NULL, 0);
    if (rc == ZKBIO_OK)
        rc = upload_buffer(c, b, total);
    if (rc == ZKBIO_OK) {
        static const uint8_t save[8] = {12, 0, 0, 0, 0, 0, 8, 0};
        rc = zki_zk_simple(c, ZKBIO_ZK_CMD_SAVE_USERTEMPS, save, 8);
    }
    if (rc == ZKBIO_OK)
        rc = zki_zk_free_data(c);
    if (rc == ZKBIO_OK)
        rc = zki_zk_simple(c, ZKBIO_ZK_CMD_REFRESHDATA, NULL, 0);
    if (b && !c->broken)
        (void)zki_zk_simple(c, ZKBIO_ZK_CMD_ENABLEDEVICE, NULL, 0);
    UNLOCK(c);
    free(b);
    return rc;
}
