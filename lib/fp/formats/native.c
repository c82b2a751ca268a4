/* SPDX-License-Identifier: Apache-2.0 */
/* The native libzkbio template record ("ZKBT", layout in include/zkbio/template.h) and
 * zkbio_template_import_any(). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "fp/formats/zki_fmr.h"
#include "internal/bytes.h"
#include "internal/errinfo.h"

#define NATIVE_HEADER 14
#define NATIVE_CRC    4
#define MINUTIA_SIZE  6
#define FIELD_HEADER  4   /* x0, y0, cols, rows (version 2) */
#define RES_500DPI    197 /* px/cm */

/* The record's CRC-32 is zlib's crc32() (IEEE 802.3, reflected polynomial 0xEDB88320, initial
 * value and final xor 0xFFFFFFFF). A record is at most a few KiB, far below uInt's range. */
static uint32_t crc32_ieee(const uint8_t *p, size_t n)
{
    return (uint32_t)crc32(crc32(0L, Z_NULL, 0), p, (uInt)n);
}

_Static_assert(ZKBIO_OFIELD_LEVELS <= 15, "an orientation level must fit a nibble");

/* Bytes of a field's packed cells: two cells a byte. */
static size_t field_bytes(unsigned cols, unsigned rows)
{
    return ((size_t)cols * rows + 1) / 2;
}

size_t zki_native_size(size_t count, unsigned views, const zkbio_ofield *fields)
{
    size_t n = NATIVE_HEADER + count * MINUTIA_SIZE + views * FIELD_HEADER + NATIVE_CRC;
    for (unsigned v = 0; v < views; v++)
        if (fields[v].cols > 0)
            n += field_bytes(fields[v].cols, fields[v].rows);
    return n;
}

int zkbio_template_export_native(const zkbio_template *t, uint8_t *buf, size_t size, size_t *len)
{
    size_t per_view[ZKBIO_TEMPLATE_VIEWS_MAX];
    if (!buf && size > 0)
        return ZKBIO_EINVAL;
    int rc = zki_template_check(t, per_view);
    if (rc != ZKBIO_OK)
        return rc;
    const unsigned views = t->view_count ? t->view_count : 1;
    size_t cells[ZKBIO_TEMPLATE_VIEWS_MAX] = {0}; /* packed bytes of each view's field written */
    size_t need = NATIVE_HEADER + t->count * MINUTIA_SIZE + views * FIELD_HEADER + NATIVE_CRC;
    for (unsigned v = 0; v < views; v++) {
        if (t->ofield[v].cols > 0)
            cells[v] = field_bytes(t->ofield[v].cols, t->ofield[v].rows);
        need += cells[v];
    }
    /* the field budget: leave out the fields of the last views first (a view without a field
     * frees nothing; without any field the record takes at most 1560 bytes) */
    for (unsigned v = views; v-- > 0 && need > ZKBIO_NATIVE_MAX;) {
        need -= cells[v];
        cells[v] = 0;
    }
    if (len)
        *len = need;
    if (size < need)
        return ZKBIO_ENOSPC;
    memcpy(buf, "ZKBT", 4);
    buf[4] = ZKBIO_NATIVE_VERSION;
    buf[5] = (uint8_t)views;
    zki_put_le16(buf + 6, t->width);
    zki_put_le16(buf + 8, t->height);
    buf[10] = t->finger_quality;
    buf[11] = t->finger_position;
    buf[12] = (uint8_t)t->count;
    buf[13] = 0;
    uint8_t *p = buf + NATIVE_HEADER;
    for (size_t i = 0; i < t->count; i++, p += MINUTIA_SIZE) {
        const zkbio_minutia *m = &t->minutiae[i];
        zki_put_le16(p, (uint16_t)((unsigned)m->type << 14 | m->x));
        zki_put_le16(p + 2, (uint16_t)((unsigned)m->view << 14 | m->y));
        p[4] = m->angle;
        p[5] = m->quality;
    }
    for (unsigned v = 0; v < views; v++) {
        const zkbio_ofield *f = &t->ofield[v];
        if (cells[v] == 0) { /* no field, or left out */
            memset(p, 0, FIELD_HEADER);
            p += FIELD_HEADER;
            continue;
        }
        p[0] = f->x0;
        p[1] = f->y0;
        p[2] = f->cols;
        p[3] = f->rows;
        p += FIELD_HEADER;
        memset(p, 0, cells[v]);
        const size_t n = (size_t)f->cols * f->rows;
        for (size_t i = 0; i < n; i++)
            p[i / 2] |= (uint8_t)(f->cells[i] << (4 * (i & 1)));
        p += cells[v];
    }
    zki_put_le32(p, crc32_ieee(buf, (size_t)(p - buf)));
    return ZKBIO_OK;
}

/* Validate and unpack the field block of view `v` at data[at..) (its length already checked) into
 * t->ofield[v]. ZKBIO_OK, or the error through zki_errinfo_set(). */
static int read_field(const uint8_t *data, size_t at, unsigned v, zkbio_template *t,
                      zkbio_error_info *err)
{
    const uint8_t *h = data + at;
    const unsigned x0 = h[0], y0 = h[1], cols = h[2], rows = h[3];
    if (cols == 0 && rows == 0) {
        if (x0 != 0 || y0 != 0)
            return zki_errinfo_set(
                err, ZKBIO_EPROTO, at,
                "native template: view %u has no orientation field but a non-zero "
                "offset (%u, %u)",
                v, x0, y0);
        return ZKBIO_OK;
    }
    if (cols == 0 || rows == 0)
        return zki_errinfo_set(
            err, ZKBIO_EPROTO, at + (cols == 0 ? 2 : 3),
            "native template: orientation field of view %u is %u x %u cells (only one "
            "side 0)",
            v, cols, rows);
    if (cols > ZKBIO_OFIELD_DIM_MAX || rows > ZKBIO_OFIELD_DIM_MAX)
        return zki_errinfo_set(
            err, ZKBIO_EPROTO, at + (cols > ZKBIO_OFIELD_DIM_MAX ? 2 : 3),
            "native template: orientation field of view %u is %u x %u cells (at most "
            "%d a side)",
            v, cols, rows, ZKBIO_OFIELD_DIM_MAX);
    if (x0 + cols > 255 || y0 + rows > 255)
        return zki_errinfo_set(
            err, ZKBIO_EPROTO, at + (x0 + cols > 255 ? 0 : 1),
            "native template: orientation field of view %u ends past cell 255 (x0 %u + "
            "cols %u, y0 %u + rows %u)",
            v, x0, cols, y0, rows);
    const size_t n = (size_t)cols * rows;
    const uint8_t *c = h + FIELD_HEADER;
    if (n % 2 == 1 && (c[n / 2] >> 4) != 0)
        return zki_errinfo_set(
            err, ZKBIO_EPROTO, at + FIELD_HEADER + n / 2,
            "native template: orientation field of view %u has a non-zero padding "
            "nibble",
            v);
    uint8_t *cells = malloc(n);
    if (!cells)
        return zki_errinfo_set(err, ZKBIO_ENOMEM, 0, "out of memory");
    for (size_t i = 0; i < n; i++) {
        unsigned level = (c[i / 2] >> (4 * (i & 1))) & 15u;
        if (level > ZKBIO_OFIELD_LEVELS) { /* unreachable while ZKBIO_OFIELD_LEVELS is 15 */
            free(cells);
            return zki_errinfo_set(
                err, ZKBIO_EPROTO, at + FIELD_HEADER + i / 2,
                "native template: orientation field of view %u: cell %zu has level %u "
                "(at most %d)",
                v, i, level, ZKBIO_OFIELD_LEVELS);
        }
        cells[i] = (uint8_t)level;
    }
    t->ofield[v] = (zkbio_ofield){(uint8_t)x0, (uint8_t)y0, (uint8_t)cols, (uint8_t)rows, cells};
    return ZKBIO_OK;
}

int zkbio_template_import_native(const uint8_t *data, size_t len, zkbio_template **out,
                                 zkbio_error_info *err)
{
    if (!out || (!data && len > 0))
        return zki_errinfo_set(err, ZKBIO_EINVAL, 0, "NULL argument");
    if (len < 4 || memcmp(data, "ZKBT", 4) != 0)
        return zki_errinfo_set(err, ZKBIO_EPROTO, 0,
                               "native template: format identifier is not \"ZKBT\"");
    if (len < 5)
        return zki_errinfo_set(err, ZKBIO_EPROTO, len, "native template: truncated in its header");
    const unsigned version = data[4];
    if (version == 0)
        return zki_errinfo_set(err, ZKBIO_EPROTO, 4, "native template: version 0 is not valid");
    if (version > ZKBIO_NATIVE_VERSION)
        return zki_errinfo_set(err, ZKBIO_ENOTSUP, 4,
                               "native template: format version %u is newer than this library's %u",
                               version, (unsigned)ZKBIO_NATIVE_VERSION);
    if (len < NATIVE_HEADER)
        return zki_errinfo_set(err, ZKBIO_EPROTO, len, "native template: truncated in its header");
    size_t count = data[12];
    unsigned views = data[5];
    size_t body = NATIVE_HEADER + count * MINUTIA_SIZE;
    const size_t need = body + (version >= 2 ? 0 : NATIVE_CRC);
    if (len < need)
        return zki_errinfo_set(err, ZKBIO_EPROTO, len,
                               "native template: %zu minutiae need %zu bytes, %zu given", count,
                               need, len);
    /* Version 2: the orientation field blocks, one per view, come before the CRC; finding it
     * takes the view count and each block's cols and rows. */
    size_t field_at[ZKBIO_TEMPLATE_VIEWS_MAX] = {0};
    if (version >= 2) {
        if (views < 1 || views > ZKBIO_TEMPLATE_VIEWS_MAX)
            return zki_errinfo_set(err, ZKBIO_EPROTO, 5,
                                   "native template: view count %u is out of range", views);
        for (unsigned v = 0; v < views; v++) {
            if (len < body + FIELD_HEADER)
                return zki_errinfo_set(
                    err, ZKBIO_EPROTO, len,
                    "native template: truncated in the orientation field header of view "
                    "%u",
                    v);
            size_t end = body + FIELD_HEADER + field_bytes(data[body + 2], data[body + 3]);
            if (end + NATIVE_CRC > ZKBIO_NATIVE_MAX)
                return zki_errinfo_set(
                    err, ZKBIO_EPROTO, body,
                    "native template: the orientation field of view %u takes the record "
                    "past %d bytes",
                    v, ZKBIO_NATIVE_MAX);
            if (len < end)
                return zki_errinfo_set(
                    err, ZKBIO_EPROTO, len,
                    "native template: orientation field of view %u needs %zu bytes, %zu "
                    "given",
                    v, end, len);
            field_at[v] = body;
            body = end;
        }
        if (len < body + NATIVE_CRC)
            return zki_errinfo_set(err, ZKBIO_EPROTO, len,
                                   "native template: truncated before its CRC-32");
    }
    if (crc32_ieee(data, body) != zki_le32(data + body))
        return zki_errinfo_set(err, ZKBIO_EPROTO, body, "native template: CRC-32 mismatch");
    if (views < 1 || views > ZKBIO_TEMPLATE_VIEWS_MAX)
        return zki_errinfo_set(err, ZKBIO_EPROTO, 5,
                               "native template: view count %u is out of range", views);
    if (data[13] != 0)
        return zki_errinfo_set(err, ZKBIO_EPROTO, 13, "native template: reserved byte is not 0");

    zkbio_template *t;
    int rc = zkbio_template_new(count, &t);
    if (rc != ZKBIO_OK)
        return zki_errinfo_set(err, rc, 0, "out of memory");
    t->view_count = (uint8_t)views;
    t->width = zki_le16(data + 6);
    t->height = zki_le16(data + 8);
    t->xres = RES_500DPI;
    t->yres = RES_500DPI;
    t->finger_quality = data[10];
    t->finger_position = data[11];
    unsigned last = 0;
    for (size_t i = 0; i < count; i++) {
        size_t at = NATIVE_HEADER + i * MINUTIA_SIZE;
        const uint8_t *p = data + at;
        uint16_t tx = zki_le16(p), vy = zki_le16(p + 2);
        unsigned type = tx >> 14, view = vy >> 14;
        if (type > 2 || view >= views || view < last) {
            zkbio_template_free(t);
            if (type > 2)
                return zki_errinfo_set(err, ZKBIO_EPROTO, at,
                                       "native template: minutia %zu has type 3", i);
            return zki_errinfo_set(err, ZKBIO_EPROTO, at,
                                   "native template: minutia %zu has a view out of range or order",
                                   i);
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
    if (version >= 2)
        for (unsigned v = 0; v < views; v++) {
            rc = read_field(data, field_at[v], v, t, err);
            if (rc != ZKBIO_OK) {
                zkbio_template_free(t);
                return rc;
            }
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
