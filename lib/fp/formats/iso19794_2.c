/* SPDX-License-Identifier: Apache-2.0 */
/* ISO/IEC 19794-2:2005 minutiae records, and the record codec shared with ANSI 378-2004
 * (fingerprint.md §4.1, §4.2). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fp/formats/zki_fmr.h"
#include "internal/bytes.h"

#define ISO_HEADER   24
#define ANSI_HEADER  26
#define VIEW_HEADER  4
#define MINUTIA_SIZE 6

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

int zkbio_template_new(size_t count, zkbio_template **out)
{
    if (!out || count > ZKBIO_TEMPLATE_MINUTIAE_MAX)
        return ZKBIO_EINVAL;
    zkbio_template *t = calloc(1, sizeof(*t) + (count ? count : 1) * sizeof(zkbio_minutia));
    if (!t)
        return ZKBIO_ENOMEM;
    t->count = count;
    t->minutiae = (zkbio_minutia *)(void *)(t + 1);
    *out = t;
    return ZKBIO_OK;
}

void zkbio_template_free(zkbio_template *t)
{
    free(t);
}

/* ANSI angle units are 2 degrees (0..179), ISO units 360/256 degrees (§4.2). Round to nearest. */
static uint8_t ansi_to_iso_angle(uint8_t a)
{
    return (uint8_t)(((unsigned)a * 256u + 90u) / 180u % 256u);
}

static uint8_t iso_to_ansi_angle(uint8_t a)
{
    return (uint8_t)(((unsigned)a * 180u + 128u) / 256u % 180u);
}

int zki_fmr_import(const uint8_t *data, size_t len, bool ansi, zkbio_template **out,
                   zkbio_error_info *err)
{
    const char *fmt = ansi ? "ANSI 378" : "ISO 19794-2";
    if (!out || (!data && len > 0))
        return fail(err, ZKBIO_EINVAL, 0, "NULL argument");
    if (len < 8)
        return fail(err, ZKBIO_EPROTO, len, "%s: record truncated in its format identifier", fmt);
    if (memcmp(data, "FMR\0", 4) != 0)
        return fail(err, ZKBIO_EPROTO, 0, "%s: format identifier is not \"FMR\"", fmt);
    if (memcmp(data + 4, " 20\0", 4) != 0)
        return fail(err, ZKBIO_EPROTO, 4,
                    "%s: unsupported version (only the 2004/2005 \" 20\" records)", fmt);

    zki_reader r;
    zki_reader_init(&r, data, len);
    r.pos = 8;
    uint64_t reclen;
    size_t header;
    uint32_t product = 0;
    if (ansi) {
        reclen = zki_rd_be16(&r);
        header = ANSI_HEADER;
        if (reclen == 0) { /* 6-byte length form for records of 64 KiB or more */
            reclen = zki_rd_be32(&r);
            header = ANSI_HEADER + 4;
        }
        product = zki_rd_be32(&r);
    } else {
        reclen = zki_rd_be32(&r);
        header = ISO_HEADER;
    }
    if (r.fail)
        return fail(err, ZKBIO_EPROTO, len, "%s: record truncated in its header", fmt);
    if (reclen < header + VIEW_HEADER)
        return fail(err, ZKBIO_EPROTO, 8,
                    "%s: record length %llu is shorter than a header and one view", fmt,
                    (unsigned long long)reclen);
    if (reclen > len)
        return fail(err, ZKBIO_EPROTO, len, "%s: record length %llu exceeds the %zu bytes given",
                    fmt, (unsigned long long)reclen, len);
    r.len = (size_t)reclen; /* honour the record length; trailing bytes (padding) are ignored */

    uint16_t equipment = zki_rd_be16(&r);
    uint16_t width = zki_rd_be16(&r);
    uint16_t height = zki_rd_be16(&r);
    uint16_t xres = zki_rd_be16(&r);
    uint16_t yres = zki_rd_be16(&r);
    uint8_t views = zki_rd_u8(&r);
    (void)zki_rd_u8(&r); /* reserved */
    if (views == 0)
        return fail(err, ZKBIO_EPROTO, r.pos - 2, "%s: record has no finger view", fmt);

    size_t view_at = r.pos;
    uint8_t position = zki_rd_u8(&r);
    uint8_t impression = zki_rd_u8(&r);
    uint8_t quality = zki_rd_u8(&r);
    uint8_t count = zki_rd_u8(&r);
    if (r.fail)
        return fail(err, ZKBIO_EPROTO, r.pos, "%s: record truncated in the finger view header",
                    fmt);
    if ((size_t)count * MINUTIA_SIZE > zki_reader_left(&r))
        return fail(err, ZKBIO_EPROTO, view_at + 3, "%s: %u minutiae do not fit in the record", fmt,
                    (unsigned)count);
    size_t minutiae_at = r.pos;
    r.pos += (size_t)count * MINUTIA_SIZE;
    /* The extended data length; its blocks are skipped with this outer length, so either block
     * length convention (with or without the 4-byte block header, §4.1 caveat) is accepted. */
    size_t ext_at = r.pos;
    uint16_t ext = zki_rd_be16(&r);
    if (r.fail)
        return fail(err, ZKBIO_EPROTO, ext_at,
                    "%s: record truncated before the extended data length", fmt);
    if (ext > 0 && ext < 4)
        return fail(err, ZKBIO_EPROTO, ext_at,
                    "%s: extended data length %u is shorter than a block header", fmt,
                    (unsigned)ext);
    if (!zki_rd_skip(&r, ext))
        return fail(err, ZKBIO_EPROTO, ext_at, "%s: extended data (%u bytes) runs past the record",
                    fmt, (unsigned)ext);

    zkbio_template *t;
    int rc = zkbio_template_new(count, &t);
    if (rc != ZKBIO_OK)
        return fail(err, rc, 0, "out of memory");
    t->width = width;
    t->height = height;
    t->xres = xres;
    t->yres = yres;
    t->equipment = equipment;
    t->ansi_product_id = product;
    t->finger_position = position;
    t->impression_type = (uint8_t)(impression & 0x0F);
    t->finger_quality = quality;
    for (size_t i = 0; i < count; i++) {
        const uint8_t *m = data + minutiae_at + i * MINUTIA_SIZE;
        uint16_t tx = zki_be16(m), ry = zki_be16(m + 2);
        unsigned type = tx >> 14;
        if (type == 3) {
            zkbio_template_free(t);
            return fail(err, ZKBIO_EPROTO, minutiae_at + i * MINUTIA_SIZE,
                        "%s: minutia %zu has reserved type 11", fmt, i);
        }
        t->minutiae[i].type = (uint8_t)type;
        t->minutiae[i].x = tx & 0x3FFF;
        t->minutiae[i].y = ry & 0x3FFF;
        t->minutiae[i].angle = ansi ? ansi_to_iso_angle(m[4]) : m[4];
        t->minutiae[i].quality = m[5];
    }
    *out = t;
    return ZKBIO_OK;
}

int zki_fmr_export(const zkbio_template *t, bool ansi, uint8_t *buf, size_t size, size_t *len)
{
    if (!t || t->count > ZKBIO_TEMPLATE_MINUTIAE_MAX || (t->count > 0 && !t->minutiae) ||
        (!buf && size > 0))
        return ZKBIO_EINVAL;
    for (size_t i = 0; i < t->count; i++) {
        const zkbio_minutia *m = &t->minutiae[i];
        if (m->x > ZKBIO_MINUTIA_COORD_MAX || m->y > ZKBIO_MINUTIA_COORD_MAX || m->type > 2)
            return ZKBIO_EINVAL;
    }
    size_t header = ansi ? ANSI_HEADER : ISO_HEADER;
    size_t need = header + VIEW_HEADER + t->count * MINUTIA_SIZE + 2;
    if (len)
        *len = need;
    if (size < need)
        return ZKBIO_ENOSPC;
    uint8_t *p = buf;
    memcpy(p, "FMR\0 20\0", 8);
    p += 8;
    if (ansi) {
        zki_put_be16(
            p,
            (uint16_t)need); /* at most 26 + 4 + 6 * 255 + 2 bytes: the 2-byte form always fits */
        zki_put_be32(p + 2, t->ansi_product_id);
        p += 6;
    } else {
        zki_put_be32(p, (uint32_t)need);
        p += 4;
    }
    zki_put_be16(p, t->equipment);
    zki_put_be16(p + 2, t->width);
    zki_put_be16(p + 4, t->height);
    zki_put_be16(p + 6, t->xres);
    zki_put_be16(p + 8, t->yres);
    p[10] = 1; /* one finger view */
    p[11] = 0;
    p += 12;
    p[0] = t->finger_position;
    p[1] = (uint8_t)(t->impression_type & 0x0F); /* view number 0 */
    p[2] = t->finger_quality;
    p[3] = (uint8_t)t->count;
    p += 4;
    for (size_t i = 0; i < t->count; i++) {
        const zkbio_minutia *m = &t->minutiae[i];
        zki_put_be16(p, (uint16_t)((unsigned)m->type << 14 | m->x));
        zki_put_be16(p + 2, m->y);
        p[4] = ansi ? iso_to_ansi_angle(m->angle) : m->angle;
        p[5] = m->quality;
        p += MINUTIA_SIZE;
    }
    zki_put_be16(p, 0); /* no extended data */
    return ZKBIO_OK;
}

int zkbio_template_import_iso(const uint8_t *data, size_t len, zkbio_template **out,
                              zkbio_error_info *err)
{
    return zki_fmr_import(data, len, false, out, err);
}

int zkbio_template_export_iso(const zkbio_template *t, uint8_t *buf, size_t size, size_t *len)
{
    return zki_fmr_export(t, false, buf, size, len);
}
