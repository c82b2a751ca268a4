/* SPDX-License-Identifier: Apache-2.0 */
/* ISO/IEC 19794-2:2005 minutiae records, and the record codec shared with ANSI 378-2004
 * (fingerprint.md §4.1, §4.2). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fp/formats/zki_fmr.h"
#include "internal/errinfo.h"
#include "fp/zki_ofield.h"
#include "internal/bytes.h"

#define ISO_HEADER   24
#define ANSI_HEADER  26
#define VIEW_HEADER  4
#define MINUTIA_SIZE 6

int zkbio_template_new(size_t count, zkbio_template **out)
{
    if (!out || count > ZKBIO_TEMPLATE_MINUTIAE_MAX)
        return ZKBIO_EINVAL;
    zkbio_template *t = calloc(1, sizeof(*t) + (count ? count : 1) * sizeof(zkbio_minutia));
    if (!t)
        return ZKBIO_ENOMEM;
    t->count = count;
    t->view_count = 1;
    t->minutiae = (zkbio_minutia *)(void *)(t + 1);
    *out = t;
    return ZKBIO_OK;
}

int zkbio_template_dup(const zkbio_template *t, zkbio_template **out)
{
    if (!t || !out || t->count > ZKBIO_TEMPLATE_MINUTIAE_MAX || (t->count && !t->minutiae))
        return ZKBIO_EINVAL;
    zkbio_template *c;
    int rc = zkbio_template_new(t->count, &c);
    if (rc != ZKBIO_OK)
        return rc;
    zkbio_minutia *m = c->minutiae;
    *c = *t;
    c->minutiae = m;
    if (t->count)
        memcpy(m, t->minutiae, t->count * sizeof(*m));
    memset(c->ofield, 0, sizeof(c->ofield));
    for (unsigned v = 0; v < ZKBIO_TEMPLATE_VIEWS_MAX; v++) {
        const zkbio_ofield *f = &t->ofield[v];
        if (!f->cols && !f->rows)
            continue;
        rc = zkbio_template_ofield_set(c, v, f->x0, f->y0, f->cols, f->rows, f->cells);
        if (rc != ZKBIO_OK) {
            zkbio_template_free(c);
            return rc;
        }
    }
    *out = c;
    return ZKBIO_OK;
}

void zkbio_template_free(zkbio_template *t)
{
    if (!t)
        return;
    for (int v = 0; v < ZKBIO_TEMPLATE_VIEWS_MAX; v++)
        free(t->ofield[v].cells);
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

/* One finger view as found in a record: where its minutiae start and what its header says. */
typedef struct fmr_view {
    size_t minutiae_at;
    uint8_t position, impression, quality, count;
} fmr_view;

/* Read the finger view at r->pos (header, minutiae, extended data) and leave r after it. */
static int read_view(zki_reader *r, const char *fmt, fmr_view *v, zkbio_error_info *err)
{
    size_t view_at = r->pos;
    v->position = zki_rd_u8(r);
    v->impression = zki_rd_u8(r);
    v->quality = zki_rd_u8(r);
    v->count = zki_rd_u8(r);
    if (r->fail)
        return zki_errinfo_set(err, ZKBIO_EPROTO, r->pos,
                               "%s: record truncated in the finger view header", fmt);
    if ((size_t)v->count * MINUTIA_SIZE > zki_reader_left(r))
        return zki_errinfo_set(err, ZKBIO_EPROTO, view_at + 3,
                               "%s: %u minutiae do not fit in the record", fmt, (unsigned)v->count);
    v->minutiae_at = r->pos;
    r->pos += (size_t)v->count * MINUTIA_SIZE;
    /* The extended data length; its blocks are skipped with this outer length, so either block
     * length convention (with or without the 4-byte block header, §4.1 caveat) is accepted. */
    size_t ext_at = r->pos;
    uint16_t ext = zki_rd_be16(r);
    if (r->fail)
        return zki_errinfo_set(err, ZKBIO_EPROTO, ext_at,
                               "%s: record truncated before the extended data length", fmt);
    if (ext > 0 && ext < 4)
        return zki_errinfo_set(err, ZKBIO_EPROTO, ext_at,
                               "%s: extended data length %u is shorter than a block header", fmt,
                               (unsigned)ext);
    if (!zki_rd_skip(r, ext))
        return zki_errinfo_set(err, ZKBIO_EPROTO, ext_at,
                               "%s: extended data (%u bytes) runs past the record", fmt,
                               (unsigned)ext);
    return ZKBIO_OK;
}

int zki_fmr_import(const uint8_t *data, size_t len, bool ansi, zkbio_template **out,
                   zkbio_error_info *err)
{
    const char *fmt = ansi ? "ANSI 378" : "ISO 19794-2";
    if (!out || (!data && len > 0))
        return zki_errinfo_set(err, ZKBIO_EINVAL, 0, "NULL argument");
    if (len < 8)
        return zki_errinfo_set(err, ZKBIO_EPROTO, len,
                               "%s: record truncated in its format identifier", fmt);
    if (memcmp(data, "FMR\0", 4) != 0)
        return zki_errinfo_set(err, ZKBIO_EPROTO, 0, "%s: format identifier is not \"FMR\"", fmt);
    if (memcmp(data + 4, " 20\0", 4) != 0)
        return zki_errinfo_set(err, ZKBIO_EPROTO, 4,
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
        return zki_errinfo_set(err, ZKBIO_EPROTO, len, "%s: record truncated in its header", fmt);
    if (reclen < header + VIEW_HEADER)
        return zki_errinfo_set(err, ZKBIO_EPROTO, 8,
                               "%s: record length %llu is shorter than a header and one view", fmt,
                               (unsigned long long)reclen);
    if (reclen > len)
        return zki_errinfo_set(err, ZKBIO_EPROTO, len,
                               "%s: record length %llu exceeds the %zu bytes given", fmt,
                               (unsigned long long)reclen, len);
    r.len = (size_t)reclen; /* honour the record length; trailing bytes (padding) are ignored */

    uint16_t equipment = zki_rd_be16(&r);
    uint16_t width = zki_rd_be16(&r);
    uint16_t height = zki_rd_be16(&r);
    uint16_t xres = zki_rd_be16(&r);
    uint16_t yres = zki_rd_be16(&r);
    uint8_t views = zki_rd_u8(&r);
    (void)zki_rd_u8(&r); /* reserved */
    if (views == 0)
        return zki_errinfo_set(err, ZKBIO_EPROTO, r.pos - 2, "%s: record has no finger view", fmt);

    /* Up to ZKBIO_TEMPLATE_VIEWS_MAX views, while the minutiae of all views fit one template;
     * further views are not read. */
    fmr_view v[ZKBIO_TEMPLATE_VIEWS_MAX];
    unsigned nv = 0;
    size_t total = 0;
    while (nv < views && nv < ZKBIO_TEMPLATE_VIEWS_MAX) {
        int rc = read_view(&r, fmt, &v[nv], err);
        if (rc != ZKBIO_OK)
            return rc;
        if (nv > 0 && total + v[nv].count > ZKBIO_TEMPLATE_MINUTIAE_MAX)
            break;
        total += v[nv].count;
        nv++;
    }

    zkbio_template *t;
    int rc = zkbio_template_new(total, &t);
    if (rc != ZKBIO_OK)
        return zki_errinfo_set(err, rc, 0, "out of memory");
    t->width = width;
    t->height = height;
    t->xres = xres;
    t->yres = yres;
    t->equipment = equipment;
    t->ansi_product_id = product;
    t->finger_position = v[0].position;
    t->impression_type = (uint8_t)(v[0].impression & 0x0F);
    t->finger_quality = v[0].quality;
    t->view_count = (uint8_t)nv;
    size_t k = 0;
    for (unsigned j = 0; j < nv; j++) {
        for (size_t i = 0; i < v[j].count; i++, k++) {
            size_t at = v[j].minutiae_at + i * MINUTIA_SIZE;
            const uint8_t *m = data + at;
            uint16_t tx = zki_be16(m), ry = zki_be16(m + 2);
            unsigned type = tx >> 14;
            if (type == 3) {
                zkbio_template_free(t);
                return zki_errinfo_set(err, ZKBIO_EPROTO, at,
                                       "%s: minutia %zu of view %u has reserved type 11", fmt, i,
                                       j);
            }
            t->minutiae[k].type = (uint8_t)type;
            t->minutiae[k].x = tx & 0x3FFF;
            t->minutiae[k].y = ry & 0x3FFF;
            t->minutiae[k].angle = ansi ? ansi_to_iso_angle(m[4]) : m[4];
            t->minutiae[k].quality = m[5];
            t->minutiae[k].view = (uint8_t)j;
        }
    }
    *out = t;
    return ZKBIO_OK;
}

/* Checks shared by every exporter: zki_template_check() in zki_fmr.h. */
int zki_template_check(const zkbio_template *t, size_t per_view[ZKBIO_TEMPLATE_VIEWS_MAX])
{
    if (!t || t->count > ZKBIO_TEMPLATE_MINUTIAE_MAX || (t->count > 0 && !t->minutiae) ||
        t->view_count > ZKBIO_TEMPLATE_VIEWS_MAX)
        return ZKBIO_EINVAL;
    unsigned views = t->view_count ? t->view_count : 1;
    for (unsigned j = 0; j < ZKBIO_TEMPLATE_VIEWS_MAX; j++)
        per_view[j] = 0;
    unsigned last = 0;
    for (size_t i = 0; i < t->count; i++) {
        const zkbio_minutia *m = &t->minutiae[i];
        if (m->x > ZKBIO_MINUTIA_COORD_MAX || m->y > ZKBIO_MINUTIA_COORD_MAX || m->type > 2 ||
            m->view >= views || m->view < last)
            return ZKBIO_EINVAL;
        last = m->view;
        per_view[m->view]++;
    }
    for (unsigned j = 0; j < views; j++)
        if (!zki_ofield_valid(t->ofield[j].x0, t->ofield[j].y0, t->ofield[j].cols,
                              t->ofield[j].rows, t->ofield[j].cells))
            return ZKBIO_EINVAL;
    return ZKBIO_OK;
}

int zki_fmr_export(const zkbio_template *t, bool ansi, uint8_t *buf, size_t size, size_t *len)
{
    size_t per_view[ZKBIO_TEMPLATE_VIEWS_MAX];
    if (!buf && size > 0)
        return ZKBIO_EINVAL;
    int rc = zki_template_check(t, per_view);
    if (rc != ZKBIO_OK)
        return rc;
    unsigned views = t->view_count ? t->view_count : 1;
    size_t header = ansi ? ANSI_HEADER : ISO_HEADER;
    size_t need = header + views * (VIEW_HEADER + 2) + t->count * MINUTIA_SIZE;
    if (len)
        *len = need;
    if (size < need)
        return ZKBIO_ENOSPC;
    uint8_t *p = buf;
    memcpy(p, "FMR\0 20\0", 8);
    p += 8;
    if (ansi) {
        /* at most 26 + 3 * 6 + 6 * 255 bytes: the 2-byte form always fits */
        zki_put_be16(p, (uint16_t)need);
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
    p[10] = (uint8_t)views;
    p[11] = 0;
    p += 12;
    const zkbio_minutia *m = t->minutiae;
    for (unsigned j = 0; j < views; j++) {
        p[0] = t->finger_position;
        p[1] = (uint8_t)(j << 4 | (t->impression_type & 0x0F)); /* view number, impression */
        p[2] = t->finger_quality;
        p[3] = (uint8_t)per_view[j];
        p += 4;
        for (size_t i = 0; i < per_view[j]; i++, m++) {
            zki_put_be16(p, (uint16_t)((unsigned)m->type << 14 | m->x));
            zki_put_be16(p + 2, m->y);
            p[4] = ansi ? iso_to_ansi_angle(m->angle) : m->angle;
            p[5] = m->quality;
            p += MINUTIA_SIZE;
        }
        zki_put_be16(p, 0); /* no extended data */
        p += 2;
    }
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
