/* SPDX-License-Identifier: Apache-2.0 */
/* The native libzkbio template record ("ZKBT", layout in include/zkbio/template.h) and
 * zkbio_template_import_any(). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "fp/formats/zki_fmr.h"

#define NATIVE_HEADER 14
#define NATIVE_CRC    4
#define MINUTIA_SIZE  6
#define RES_500DPI    197 /* px/cm */

#if defined(__GNUC__)
#define ZKI_PRINTF_(f, a) __attribute__((format(printf, f, a)))
#else
#define ZKI_PRINTF_(f, a)
#endif

static int fail(zkbio_error_info *err, int code, size_t offset, const char *fmt, ...)
    ZKI_PRINTF_(4, 5);

static int fail(zkbio_error_info *err, int code, size_t offset, const char *fmt, ...)
{
    if (err) {
        err->code = code;
        err->offset = offset;
        err->line = 0;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->text, sizeof(err->text), fmt, ap);
        va_end(ap);
    }
    return code;
}

/* CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320, initial value and final xor 0xFFFFFFFF:
 * the value zlib's crc32() gives). Bitwise: records are at most 1.5 KiB, so no table is needed. */
static uint32_t crc32_ieee(const uint8_t *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
    }
    return c ^ 0xFFFFFFFFu;
}

static uint16_t le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (unsigned)p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

int zkbio_template_export_native(const zkbio_template *t, uint8_t *buf, size_t size, size_t *len)
{
    size_t per_view[ZKBIO_TEMPLATE_VIEWS_MAX];
    if (!buf && size > 0)
        return ZKBIO_EINVAL;
    int rc = zki_template_check(t, per_view);
    if (rc != ZKBIO_OK)
        return rc;
    size_t need = NATIVE_HEADER + t->count * MINUTIA_SIZE + NATIVE_CRC;
    if (len)
        *len = need;
    if (size < need)
        return ZKBIO_ENOSPC;
    memcpy(buf, "ZKBT", 4);
    buf[4] = ZKBIO_NATIVE_VERSION;
    buf[5] = t->view_count ? t->view_count : 1;
    put_le16(buf + 6, t->width);
    put_le16(buf + 8, t->height);
    buf[10] = t->finger_quality;
    buf[11] = t->finger_position;
    buf[12] = (uint8_t)t->count;
    buf[13] = 0;
    uint8_t *p = buf + NATIVE_HEADER;
    for (size_t i = 0; i < t->count; i++, p += MINUTIA_SIZE) {
        const zkbio_minutia *m = &t->minutiae[i];
        put_le16(p, (uint16_t)((unsigned)m->type << 14 | m->x));
        put_le16(p + 2, (uint16_t)((unsigned)m->view << 14 | m->y));
        p[4] = m->angle;
        p[5] = m->quality;
    }
    put_le32(p, crc32_ieee(buf, (size_t)(p - buf)));
    return ZKBIO_OK;
}

int zkbio_template_import_native(const uint8_t *data, size_t len, zkbio_template **out,
                                 zkbio_error_info *err)
{
    if (!out || (!data && len > 0))
        return fail(err, ZKBIO_EINVAL, 0, "NULL argument");
    if (len < 4 || memcmp(data, "ZKBT", 4) != 0)
        return fail(err, ZKBIO_EPROTO, 0, "native template: format identifier is not \"ZKBT\"");
    if (len < 5)
        return fail(err, ZKBIO_EPROTO, len, "native template: truncated in its header");
    if (data[4] == 0)
        return fail(err, ZKBIO_EPROTO, 4, "native template: version 0 is not valid");
    if (data[4] > ZKBIO_NATIVE_VERSION)
        return fail(err, ZKBIO_ENOTSUP, 4,
                    "native template: format version %u is newer than this library's %u",
                    (unsigned)data[4], (unsigned)ZKBIO_NATIVE_VERSION);
    if (len < NATIVE_HEADER)
        return fail(err, ZKBIO_EPROTO, len, "native template: truncated in its header");
    size_t count = data[12];
    size_t body = NATIVE_HEADER + count * MINUTIA_SIZE;
    if (len < body + NATIVE_CRC)
        return fail(err, ZKBIO_EPROTO, len,
                    "native template: %zu minutiae need %zu bytes, %zu given", count,
                    body + NATIVE_CRC, len);
    if (crc32_ieee(data, body) != le32(data + body))
        return fail(err, ZKBIO_EPROTO, body, "native template: CRC-32 mismatch");
    unsigned views = data[5];
    if (views < 1 || views > ZKBIO_TEMPLATE_VIEWS_MAX)
        return fail(err, ZKBIO_EPROTO, 5, "native template: view count %u is out of range", views);
    if (data[13] != 0)
        return fail(err, ZKBIO_EPROTO, 13, "native template: reserved byte is not 0");

    zkbio_template *t;
    int rc = zkbio_template_new(count, &t);
    if (rc != ZKBIO_OK)
        return fail(err, rc, 0, "out of memory");
    t->view_count = (uint8_t)views;
    t->width = le16(data + 6);
    t->height = le16(data + 8);
    t->xres = RES_500DPI;
    t->yres = RES_500DPI;
    t->finger_quality = data[10];
    t->finger_position = data[11];
    unsigned last = 0;
    for (size_t i = 0; i < count; i++) {
        size_t at = NATIVE_HEADER + i * MINUTIA_SIZE;
        const uint8_t *p = data + at;
        uint16_t tx = le16(p), vy = le16(p + 2);
        unsigned type = tx >> 14, view = vy >> 14;
        if (type > 2 || view >= views || view < last) {
            zkbio_template_free(t);
            if (type > 2)
                return fail(err, ZKBIO_EPROTO, at, "native template: minutia %zu has type 3", i);
            return fail(err, ZKBIO_EPROTO, at,
                        "native template: minutia %zu has a view out of range or order", i);
        }
        last = view;
        zkbio_minutia *m = &t->minutiae[i];
        m->type = (uint8_t)type;
        m->x = tx & 0x3FFF;
        m->view = (uint8_t)view;
        m->y = vy & 0x3FFF;
        m->angle = p[4];
        m->quality = p[5];
    }
    *out = t;
    return ZKBIO_OK;
}

int zkbio_template_import_any(const uint8_t *data, size_t len, zkbio_template **out,
                              zkbio_error_info *err)
{
    if (data && len >= 4 && memcmp(data, "ZKBT", 4) == 0)
        return zkbio_template_import_native(data, len, out, err);
    return zkbio_template_import_auto(data, len, out, err);
}
