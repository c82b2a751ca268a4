/* SPDX-License-Identifier: Apache-2.0 */
/* 4370 client operations: info, options, clock, door and power (tcp4370.md §2.1, §5.8, §5.9,
 * §7.5), remote enroll (§7.4). Bulk reads are in client_bulk.c, writes in client_write.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal/bytes.h"
#include "zk4370/zki_client.h"

#define LOCK(c)   pthread_mutex_lock(&(c)->mu)
#define UNLOCK(c) pthread_mutex_unlock(&(c)->mu)

/* ---- small requests ---- */

static int get_option_locked(zkbio_zk_client *c, const char *name, char *out, size_t outsize)
{
    size_t n = strlen(name);
    if (n == 0 || n > 200)
        return ZKBIO_EINVAL;
    zkbio_zk_header h;
    const uint8_t *d;
    size_t len;
    int rc =
        zki_zk_request(c, ZKBIO_ZK_CMD_OPTIONS_RRQ, (const uint8_t *)name, n + 1, &h, &d, &len);
    if (rc != ZKBIO_OK)
        return rc;
    if (h.cmd == ZKBIO_ZK_ACK_UNAUTH)
        return zki_zk_fail(c, ZKBIO_EACCES, "not authenticated");
    if (h.cmd != ZKBIO_ZK_ACK_OK)
        return ZKBIO_ENOENT;
    rc = zkbio_zk_option_value(d, len, out, outsize);
    return rc == ZKBIO_ENOSPC ? ZKBIO_OK : rc; /* a truncated value is still useful */
}

int zkbio_zk_option_get(zkbio_zk_client *c, const char *name, char *out, size_t outsize)
{
    if (!c || !name || !out || !outsize)
        return ZKBIO_EINVAL;
    LOCK(c);
    int rc = get_option_locked(c, name, out, outsize);
    UNLOCK(c);
    return rc;
}

int zkbio_zk_option_set(zkbio_zk_client *c, const char *name, const char *value)
{
    if (!c || !name || !value || !*name || strchr(name, '='))
        return ZKBIO_EINVAL;
    char buf[512];
    int n = snprintf(buf, sizeof(buf), "%s=%s", name, value);
    if (n < 0 || (size_t)n >= sizeof(buf))
        return ZKBIO_ETOOBIG;
    LOCK(c);
    int rc = zki_zk_simple(c, ZKBIO_ZK_CMD_OPTIONS_WRQ, (const uint8_t *)buf, (size_t)n + 1);
    if (rc == ZKBIO_OK)
        rc = zki_zk_simple(c, ZKBIO_ZK_CMD_REFRESHOPTION, NULL, 0);
    UNLOCK(c);
    return rc;
}

int zki_zk_get_sizes(zkbio_zk_client *c, zkbio_zk_sizes *s)
{
    zkbio_zk_header h;
    const uint8_t *d;
    size_t n;
    int rc = zki_zk_request(c, ZKBIO_ZK_CMD_GET_FREE_SIZES, NULL, 0, &h, &d, &n);
    if (rc != ZKBIO_OK)
        return rc;
    if (h.cmd != ZKBIO_ZK_ACK_OK)
        return zki_zk_fail(c, ZKBIO_EIO, "device refused GET_FREE_SIZES (reply %u)", h.cmd);
    if (zkbio_zk_sizes_parse(d, n, s) != ZKBIO_OK)
        return zki_zk_fail(c, ZKBIO_EPROTO, "free sizes reply of %zu bytes (need 80)", n);
    return ZKBIO_OK;
}

int zkbio_zk_info_get(zkbio_zk_client *c, zkbio_zk_info *out)
{
    if (!c || !out)
        return ZKBIO_EINVAL;
    zkbio_zk_info in;
    memset(&in, 0, sizeof(in));
    in.pin_width = -1;
    LOCK(c);
    static const struct {
        const char *name;
        size_t off, size;
    } opts[] = {
        {"~SerialNumber", offsetof(zkbio_zk_info, serial), sizeof(in.serial)},
        {"~DeviceName", offsetof(zkbio_zk_info, model), sizeof(in.model)},
        {"~Platform", offsetof(zkbio_zk_info, platform), sizeof(in.platform)},
        {"MAC", offsetof(zkbio_zk_info, mac), sizeof(in.mac)},
        {"~OEMVendor", offsetof(zkbio_zk_info, vendor), sizeof(in.vendor)},
        {"~ZKFPVersion", offsetof(zkbio_zk_info, fp_version), sizeof(in.fp_version)},
    };
    int rc = ZKBIO_OK;
    for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]) && rc == ZKBIO_OK; i++) {
        rc = get_option_locked(c, opts[i].name, (char *)&in + opts[i].off, opts[i].size);
        if (rc == ZKBIO_ENOENT)
            rc = ZKBIO_OK;
    }
    zkbio_zk_header h;
    const uint8_t *d;
    size_t n;
    if (rc == ZKBIO_OK &&
        (rc = zki_zk_request(c, ZKBIO_ZK_CMD_GET_VERSION, NULL, 0, &h, &d, &n)) == ZKBIO_OK &&
        h.cmd == ZKBIO_ZK_ACK_OK)
        (void)zkbio_zk_option_value(d, n, in.firmware, sizeof(in.firmware));
    if (rc == ZKBIO_OK &&
        (rc = zki_zk_request(c, ZKBIO_ZK_CMD_GET_PINWIDTH, (const uint8_t *)" P", 2, &h, &d, &n)) ==
            ZKBIO_OK &&
        h.cmd == ZKBIO_ZK_ACK_OK && n >= 1)
        in.pin_width = d[0];
    if (rc == ZKBIO_OK)
        rc = zki_zk_get_sizes(c, &in.sizes);
    UNLOCK(c);
    if (rc == ZKBIO_OK)
        *out = in;
    return rc;
}

int zkbio_zk_time_get(zkbio_zk_client *c, zkbio_zk_time *out)
{
    if (!c || !out)
        return ZKBIO_EINVAL;
    LOCK(c);
    zkbio_zk_header h;
    const uint8_t *d;
    size_t n;
    int rc = zki_zk_request(c, ZKBIO_ZK_CMD_GET_TIME, NULL, 0, &h, &d, &n);
    if (rc == ZKBIO_OK && h.cmd != ZKBIO_ZK_ACK_OK)
        rc = zki_zk_fail(c, ZKBIO_EIO, "device refused GET_TIME (reply %u)", h.cmd);
    else if (rc == ZKBIO_OK && n < 4)
        rc = zki_zk_fail(c, ZKBIO_EPROTO, "GET_TIME reply of %zu bytes", n);
    if (rc == ZKBIO_OK)
        (void)zkbio_zk_time_decode(zki_le32(d), out);
    UNLOCK(c);
    return rc;
}

int zkbio_zk_time_set(zkbio_zk_client *c, const zkbio_zk_time *t)
{
    if (!c || !t)
        return ZKBIO_EINVAL;
    uint32_t v;
    int rc = zkbio_zk_time_encode(t, &v);
    if (rc != ZKBIO_OK)
        return rc;
    uint8_t d[4];
    zki_put_le32(d, v);
    LOCK(c);
    rc = zki_zk_simple(c, ZKBIO_ZK_CMD_SET_TIME, d, 4);
    if (rc == ZKBIO_OK)
        rc = zki_zk_simple(c, ZKBIO_ZK_CMD_REFRESHDATA, NULL, 0);
    UNLOCK(c);
    return rc;
}

static int one_cmd(zkbio_zk_client *c, uint16_t cmd, const uint8_t *d, size_t n)
{
    if (!c)
        return ZKBIO_EINVAL;
    LOCK(c);
    int rc = zki_zk_simple(c, cmd, d, n);
    UNLOCK(c);
    return rc;
}

/* Commands zkbio_zk_command_send() refuses: the handle manages them itself (session, events,
 * buffers, power). */
static int command_reserved(uint16_t cmd)
{
    static const uint16_t reserved[] = {
        ZKBIO_ZK_CMD_CONNECT,   ZKBIO_ZK_CMD_EXIT,         ZKBIO_ZK_CMD_AUTH,
        ZKBIO_ZK_CMD_REG_EVENT, ZKBIO_ZK_CMD_PREPARE_DATA, ZKBIO_ZK_CMD_DATA,
        ZKBIO_ZK_CMD_DATA_WRRQ, ZKBIO_ZK_CMD_DATA_RDY,     ZKBIO_ZK_CMD_CHECKSUM_BUFFER,
        ZKBIO_ZK_CMD_RESTART,   ZKBIO_ZK_CMD_POWEROFF,
    };
    for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
        if (reserved[i] == cmd)
            return 1;
    return 0;
}

int zkbio_zk_command_send(zkbio_zk_client *c, uint16_t cmd, const uint8_t *data, size_t len,
                          uint8_t *reply, size_t reply_size, size_t *reply_len, uint16_t *code)
{
    if (!c || (!data && len) || (!reply && reply_size) || len > ZKBIO_ZK_MAX_DATA ||
        command_reserved(cmd))
        return ZKBIO_EINVAL;
    LOCK(c);
    zkbio_zk_header h;
    const uint8_t *d;
    size_t n;
    int rc = zki_zk_request(c, cmd, data, len, &h, &d, &n);
    if (rc == ZKBIO_OK) {
        if (reply_size)
            memcpy(reply, d, n < reply_size ? n : reply_size);
        if (reply_len)
            *reply_len = n;
        if (code)
            *code = h.cmd;
        if (h.cmd != ZKBIO_ZK_ACK_OK)
            rc = zki_zk_fail(c, ZKBIO_EIO, "device refused command %u (reply %u)", cmd, h.cmd);
    }
    UNLOCK(c);
    return rc;
}

int zkbio_zk_client_user_size(zkbio_zk_client *c, size_t *out)
{
    if (!c || !out)
        return ZKBIO_EINVAL;
    LOCK(c);
    *out = c->user_size;
    UNLOCK(c);
    return ZKBIO_OK;
}

int zkbio_zk_attendance_clear(zkbio_zk_client *c)
{
    return one_cmd(c, ZKBIO_ZK_CMD_CLEAR_ATTLOG, NULL, 0);
}

int zkbio_zk_unlock(zkbio_zk_client *c, uint32_t deciseconds)
{
    uint8_t d[4];
    zki_put_le32(d, deciseconds);
    return one_cmd(c, ZKBIO_ZK_CMD_UNLOCK, d, 4);
}

int zkbio_zk_enable(zkbio_zk_client *c)
{
    return one_cmd(c, ZKBIO_ZK_CMD_ENABLEDEVICE, NULL, 0);
}

int zkbio_zk_disable(zkbio_zk_client *c)
{
    static const uint8_t zero[4] = {0, 0, 0, 0};
    return one_cmd(c, ZKBIO_ZK_CMD_DISABLEDEVICE, zero, 4);
}

int zkbio_zk_refresh(zkbio_zk_client *c)
{
    return one_cmd(c, ZKBIO_ZK_CMD_REFRESHDATA, NULL, 0);
}

/* RESTART / POWEROFF: a missing answer or a closed connection is success (§2.1). */
static int power_cmd(zkbio_zk_client *c, uint16_t cmd)
{
    if (!c)
        return ZKBIO_EINVAL;
    LOCK(c);
    int saved = c->timeout_ms, was_broken = c->broken;
    c->timeout_ms = saved < 2000 ? saved : 2000;
    int rc = zki_zk_simple(c, cmd, NULL, 0);
    c->timeout_ms = saved;
    if (rc == ZKBIO_ETIMEDOUT || (rc == ZKBIO_ECONN && !was_broken))
        rc = ZKBIO_OK; /* no answer, or the connection closed by the device going down */
    c->broken = 1;     /* the device is going away */
    UNLOCK(c);
    return rc;
}

int zkbio_zk_restart(zkbio_zk_client *c)
{
    return power_cmd(c, ZKBIO_ZK_CMD_RESTART);
}

int zkbio_zk_poweroff(zkbio_zk_client *c)
{
    return power_cmd(c, ZKBIO_ZK_CMD_POWEROFF);
}

/* ---- remote enroll (§7.4) ---- */

int zkbio_zk_enroll(zkbio_zk_client *c, const char *user_id, uint8_t fid, int timeout_ms,
                    zkbio_zk_event_cb cb, void *user)
{
    if (!c || !user_id || !*user_id || fid > 9 || strlen(user_id) > 23)
        return ZKBIO_EINVAL;
    uint8_t q[26];
    size_t qn;
    memset(q, 0, sizeof(q));
    LOCK(c);
    if (c->tcp) {
        memcpy(q, user_id, strlen(user_id));
        q[24] = fid;
        q[25] = 1;
        qn = 26;
    } else {
        uint32_t pin;
        if (zki_zk_parse_u32(user_id, &pin) != 0) {
            UNLOCK(c);
            return ZKBIO_ERANGE;
        }
        zki_put_le32(q, pin);
        q[4] = fid;
        qn = 5;
    }
    int rc = zki_zk_simple(c, ZKBIO_ZK_CMD_CANCELCAPTURE, NULL, 0);
    if (rc == ZKBIO_OK)
        rc = zki_zk_simple(c, ZKBIO_ZK_CMD_STARTENROLL, q, qn);
    if (rc == ZKBIO_OK)
        rc = zki_zk_simple(c, ZKBIO_ZK_CMD_STARTVERIFY, NULL, 0);
    int64_t end = zki_zk_now_ms() + (timeout_ms > 0 ? timeout_ms : 60000);
    int done = 0;
    while (rc == ZKBIO_OK && !done) {
        int64_t left = end - zki_zk_now_ms();
        if (left <= 0) {
            rc = zki_zk_fail(c, ZKBIO_ETIMEDOUT, "enrollment did not finish in time");
            break;
        }
        zkbio_zk_event ev;
        int r = zki_zk_wait_event(c, left < 100 ? (int)left : 100, &ev);
        if (r < 0) {
            rc = r;
            break;
        }
        if (r == 0)
            continue;
        if (cb)
            (void)cb(&ev, user);
        if (ev.flag == ZKBIO_ZK_EF_ENROLLFINGER) {
            done = 1;
            if (ev.result != 0)
                rc = zki_zk_fail(c, ZKBIO_EIO, "enrollment failed on the device (result %u)",
                                 ev.result);
        }
    }
    if (!c->broken) {
        (void)zki_zk_simple(c, ZKBIO_ZK_CMD_CANCELCAPTURE, NULL, 0);
        (void)zki_zk_simple(c, ZKBIO_ZK_CMD_STARTVERIFY, NULL, 0);
        (void)zki_zk_simple(c, ZKBIO_ZK_CMD_REFRESHDATA, NULL, 0);
    }
    UNLOCK(c);
    return rc;
}
