/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz every 4370 record parser: the first byte selects the parser (users 28/72 in UTF-8 and
 * GB18030, attendance 8/16/40, a whole dataset with stride detection, templates, free sizes,
 * options, events, the packed and 6-byte times). What parses is built again where a builder
 * exists; the rebuilt record must parse to the same fields. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "zkbio/zk4370.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void user(const uint8_t *p, size_t n, size_t rec, const char *cs)
{
    if (n < rec)
        return;
    zkbio_zk_user u, v;
    if (zkbio_zk_user_parse(p, rec, cs, &u) != ZKBIO_OK)
        return;
    if (strlen(u.name) >= sizeof(u.name) || strlen(u.user_id) >= sizeof(u.user_id))
        abort();
    uint8_t out[72];
    if (zkbio_zk_user_build(&u, rec, cs, out) == ZKBIO_OK) {
        if (zkbio_zk_user_parse(out, rec, cs, &v) != ZKBIO_OK || v.uid != u.uid ||
            v.card != u.card || strcmp(v.user_id, u.user_id) != 0)
            abort();
    }
}

static void att(const uint8_t *p, size_t n, size_t rec)
{
    if (n < rec)
        return;
    zkbio_zk_att a, b;
    if (zkbio_zk_att_parse(p, rec, &a) != ZKBIO_OK)
        abort(); /* every record of a known size parses */
    uint8_t out[40];
    if (rec != 8 && zkbio_zk_att_build(&a, rec, out) == ZKBIO_OK) {
        if (zkbio_zk_att_parse(out, rec, &b) != ZKBIO_OK || b.time_raw != a.time_raw ||
            b.state != a.state || strcmp(a.user_id, b.user_id) != 0)
            abort();
    }
}

static void dataset(const uint8_t *p, size_t n)
{
    if (n < 8)
        return;
    uint32_t count = (uint32_t)p[0] | (uint32_t)p[1] << 8;
    static const size_t allowed[] = {40, 16, 8};
    size_t stride;
    p += 4;
    n -= 4;
    if (zkbio_zk_stride(n, count, allowed, 3, &stride) != ZKBIO_OK)
        return;
    if (n % stride)
        abort();
    for (size_t off = 0; off + stride <= n; off += stride)
        att(p + off, stride, stride);
}

static void templates(const uint8_t *p, size_t n)
{
    size_t pos = 0, total = 0;
    zkbio_zk_template t;
    int r;
    while ((r = zkbio_zk_template_next(p, n, &pos, &t)) == 1) {
        if (t.data < p || t.data + t.len > p + n)
            abort();
        total += 6 + t.len;
    }
    if (r == 0 && total != n)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t sel = data[0];
    const uint8_t *p = data + 1;
    size_t n = size - 1;
    switch (sel % 12) {
    case 0:
        user(p, n, 28, NULL);
        break;
    case 1:
        user(p, n, 72, NULL);
        break;
    case 2:
        user(p, n, 72, "GB18030");
        break;
    case 3:
        att(p, n, 8);
        break;
    case 4:
        att(p, n, 16);
        break;
    case 5:
        att(p, n, 40);
        break;
    case 6:
        dataset(p, n);
        break;
    case 7:
        templates(p, n);
        break;
    case 8: {
        zkbio_zk_sizes s;
        uint8_t b[92];
        if (zkbio_zk_sizes_parse(p, n, &s) == ZKBIO_OK)
            zkbio_zk_sizes_build(&s, b);
        char v[32];
        (void)zkbio_zk_option_value(p, n, v, sizeof(v));
        break;
    }
    case 9: {
        if (n < 2)
            break;
        zkbio_zk_event ev;
        uint16_t flag = (uint16_t)(1u << (p[0] % 10));
        if (zkbio_zk_event_parse(flag, p + 1, n - 1, &ev) == ZKBIO_OK) {
            uint8_t b[64];
            size_t bl;
            (void)zkbio_zk_event_build(&ev, p[0] & 0x80, b, sizeof(b), &bl);
        }
        break;
    }
    case 10: {
        if (n < 6)
            break;
        zkbio_zk_time t, u;
        uint32_t v =
            (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
        zkbio_zk_time_decode(v, &t);
        uint32_t w;
        if (zkbio_zk_time_encode(&t, &w) == ZKBIO_OK && w != v)
            abort();
        if (zkbio_zk_timehex_decode(p, &u) == ZKBIO_OK) {
            uint8_t hx[6];
            if (zkbio_zk_timehex_encode(&u, hx) != ZKBIO_OK || memcmp(hx, p, 6) != 0)
                abort();
        }
        char s[20];
        zkbio_zk_time_format(&t, s);
        break;
    }
    default: {
        char txt[64];
        char *z = malloc(n + 1);
        if (!z)
            break;
        memcpy(z, p, n);
        z[n] = '\0';
        zkbio_zk_time t;
        (void)zkbio_zk_time_parse(z, &t);
        uint8_t f[24];
        (void)zkbio_zk_text_encode(z, "GB18030", f, sizeof(f));
        (void)zkbio_zk_text_decode(f, sizeof(f), "GB18030", txt, sizeof(txt));
        (void)zkbio_zk_text_decode(p, n, "BIG5", txt, sizeof(txt));
        free(z);
        break;
    }
    }
    return 0;
}
