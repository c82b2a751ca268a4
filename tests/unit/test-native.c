/* SPDX-License-Identifier: Apache-2.0 */
/* Native template record ("ZKBT") and base64 (include/zkbio/template.h): round trips with 1 and
 * 3 views, with and without orientation fields, golden records, limits, every truncation, CRC,
 * magic and version errors, version 1 records, the field budget rule and malformed field blocks;
 * RFC 4648 §10 base64 vectors and malformed base64. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "../support/test.h"
#include "zkbio/template.h"

/* CRC-32 as the native record uses it (IEEE 802.3, zlib's crc32()), from zlib itself: an oracle
 * independent of the library's own code, to forge records with a valid CRC. */
static uint32_t crc32_ieee(const uint8_t *p, size_t n)
{
    return (uint32_t)crc32(0L, p, (uInt)n);
}

static uint32_t le32_test(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void fix_crc(uint8_t *rec, size_t len)
{
    uint32_t c = crc32_ieee(rec, len - 4);
    for (int i = 0; i < 4; i++)
        rec[len - 4 + i] = (uint8_t)(c >> (8 * i));
}

static zkbio_template *make(unsigned views, size_t per_view)
{
    zkbio_template *t = NULL;
    if (zkbio_template_new(views * per_view, &t) != ZKBIO_OK)
        return NULL;
    t->view_count = (uint8_t)views;
    t->width = 640;
    t->height = 480;
    t->xres = t->yres = 197;
    t->finger_quality = 81;
    t->finger_position = 2;
    for (size_t i = 0; i < t->count; i++) {
        zkbio_minutia *m = &t->minutiae[i];
        m->view = (uint8_t)(i / per_view);
        m->x = (uint16_t)(i * 61 % 16384);
        m->y = (uint16_t)(16383 - i * 37 % 16384);
        m->angle = (uint8_t)(i * 29 + 3);
        m->type = (uint8_t)(i % 3);
        m->quality = (uint8_t)(i * 7 % 101);
    }
    return t;
}

static int same_field(const zkbio_ofield *a, const zkbio_ofield *b)
{
    if (a->cols != b->cols || a->rows != b->rows)
        return 0;
    if (a->cols == 0)
        return b->x0 == 0 && b->y0 == 0 && !b->cells;
    return a->x0 == b->x0 && a->y0 == b->y0 && a->cells && b->cells &&
           memcmp(a->cells, b->cells, (size_t)a->cols * a->rows) == 0;
}

static int same(const zkbio_template *a, const zkbio_template *b)
{
    if (a->count != b->count || a->view_count != b->view_count || a->width != b->width ||
        a->height != b->height || a->finger_quality != b->finger_quality ||
        a->finger_position != b->finger_position || b->xres != 197 || b->yres != 197)
        return 0;
    for (size_t i = 0; i < a->count; i++)
        if (memcmp(&a->minutiae[i], &b->minutiae[i], sizeof(zkbio_minutia)) != 0)
            return 0;
    for (unsigned v = 0; v < a->view_count; v++)
        if (!same_field(&a->ofield[v], &b->ofield[v]))
            return 0;
    return 1;
}

/* The native length of `t` when every field fits: 18 + 6 n + for each view 4 + its cell bytes. */
static size_t native_len(const zkbio_template *t)
{
    unsigned views = t->view_count ? t->view_count : 1;
    size_t n = 18 + 6 * t->count + 4 * views;
    for (unsigned v = 0; v < views; v++)
        n += ((size_t)t->ofield[v].cols * t->ofield[v].rows + 1) / 2;
    return n;
}

/* Give view `v` of `t` a cols x rows field at (x0, y0) with cells from `seed` (all 16 values
 * 0..15 occur). */
static void put_field(zkbio_template *t, unsigned v, uint8_t x0, uint8_t y0, uint8_t cols,
                      uint8_t rows, unsigned seed)
{
    uint8_t cells[ZKBIO_OFIELD_DIM_MAX * ZKBIO_OFIELD_DIM_MAX];
    for (size_t i = 0; i < (size_t)cols * rows; i++)
        cells[i] = (uint8_t)((i * 7 + seed) % (ZKBIO_OFIELD_LEVELS + 1));
    CHECK_EQ_INT(zkbio_template_ofield_set(t, v, x0, y0, cols, rows, cells), ZKBIO_OK);
}

static void round_trip(const zkbio_template *t)
{
    uint8_t b1[ZKBIO_NATIVE_MAX], b2[ZKBIO_NATIVE_MAX];
    size_t n1 = 0, n2 = 0;
    CHECK_EQ_INT(zkbio_template_export_native(t, b1, sizeof(b1), &n1), ZKBIO_OK);
    CHECK_EQ_INT(n1, native_len(t));
    CHECK_EQ_INT(b1[4], 2);
    CHECK(n1 <= ZKBIO_NATIVE_MAX);
    zkbio_template *u = NULL;
    CHECK_EQ_INT(zkbio_template_import_native(b1, n1, &u, NULL), ZKBIO_OK);
    CHECK(u && same(t, u));
    if (u) {
        CHECK_EQ_INT(zkbio_template_export_native(u, b2, sizeof(b2), &n2), ZKBIO_OK);
        CHECK(n1 == n2 && memcmp(b1, b2, n1) == 0);
    }
    zkbio_template_free(u);
    u = NULL;
    CHECK_EQ_INT(zkbio_template_import_any(b1, n1, &u, NULL), ZKBIO_OK);
    CHECK(u && same(t, u));
    zkbio_template_free(u);
}

static void test_round_trips(void)
{
    for (unsigned v = 1; v <= 3; v++) {
        zkbio_template *t = make(v, 40);
        CHECK(t != NULL);
        if (t)
            round_trip(t);
        zkbio_template_free(t);
    }
    zkbio_template *t = make(1, 0); /* no minutiae */
    if (t)
        round_trip(t);
    zkbio_template_free(t);
    t = make(3, 85); /* 255 minutiae: the largest record */
    if (t) {
        round_trip(t);
        size_t need = 0;
        CHECK_EQ_INT(zkbio_template_export_native(t, NULL, 0, &need), ZKBIO_ENOSPC);
        CHECK_EQ_INT(need, 1560); /* 18 + 6 * 255 + 4 * 3: the largest record without fields */
        CHECK(need <= ZKBIO_NATIVE_MAX);
        uint8_t b[1559];
        CHECK_EQ_INT(zkbio_template_export_native(t, b, sizeof(b), &need), ZKBIO_ENOSPC);
    }
    zkbio_template_free(t);
    /* view_count 0 is read as 1 */
    t = make(1, 5);
    if (t) {
        t->view_count = 0;
        uint8_t b[64];
        size_t n;
        CHECK_EQ_INT(zkbio_template_export_native(t, b, sizeof(b), &n), ZKBIO_OK);
        CHECK_EQ_INT(b[5], 1);
    }
    zkbio_template_free(t);
}

/* A golden record: fixes the byte layout and the CRC-32 (zlib's crc32 of the first 26 bytes). */
static void test_golden(void)
{
    zkbio_template *t = NULL;
    CHECK_EQ_INT(zkbio_template_new(2, &t), ZKBIO_OK);
    if (!t)
        return;
    t->view_count = 2;
    t->width = 388;
    t->height = 374;
    t->finger_quality = 60;
    t->finger_position = 1;
    t->minutiae[0] = (zkbio_minutia){100, 200, 64, 1, 90, 0};
    t->minutiae[1] = (zkbio_minutia){300, 50, 200, 2, 40, 1};
    static const uint8_t want[] = {
        'Z',  'K',  'B',  'T',  2,   2,  0x84, 0x01, 0x76, 0x01, 60, 1, 2, 0, /* header */
        0x64, 0x40, 0xC8, 0x00, 64,  90,                                      /* minutia 0 */
        0x2C, 0x81, 0x32, 0x40, 200, 40,                                      /* minutia 1 */
        0,    0,    0,    0,                                                  /* view 0: no field */
        0,    0,    0,    0,                                                  /* view 1: no field */
    };
    uint8_t b[64];
    size_t n = 0;
    CHECK_EQ_INT(zkbio_template_export_native(t, b, sizeof(b), &n), ZKBIO_OK);
    CHECK_EQ_INT(n, sizeof(want) + 4);
    CHECK(memcmp(b, want, sizeof(want)) == 0);
    uint32_t crc =
        (uint32_t)b[34] | (uint32_t)b[35] << 8 | (uint32_t)b[36] << 16 | (uint32_t)b[37] << 24;
    CHECK_EQ_INT(crc, crc32_ieee(want, sizeof(want)));
    CHECK_EQ_INT(crc32_ieee((const uint8_t *)"123456789", 9), 0xCBF43926u); /* the check value */

    /* with fields: view 0 3 x 1 cells at (1, 2), view 1 2 x 2 at (0, 0) */
    static const uint8_t c0[] = {1, 15, 7}, c1[] = {0, 3, 12, 0};
    CHECK_EQ_INT(zkbio_template_ofield_set(t, 0, 1, 2, 3, 1, c0), ZKBIO_OK);
    CHECK_EQ_INT(zkbio_template_ofield_set(t, 1, 0, 0, 2, 2, c1), ZKBIO_OK);
    static const uint8_t fields[] = {
        1, 2, 3, 1, 0xF1, 0x07, /* cells 1, 15 | 7, padding 0 */
        0, 0, 2, 2, 0x30, 0x0C, /* cells 0, 3 | 12, 0 */
    };
    CHECK_EQ_INT(zkbio_template_export_native(t, b, sizeof(b), &n), ZKBIO_OK);
    CHECK_EQ_INT(n, 26 + sizeof(fields) + 4);
    CHECK(memcmp(b, want, 26) == 0 && memcmp(b + 26, fields, sizeof(fields)) == 0);
    CHECK_EQ_INT(le32_test(b + 26 + sizeof(fields)), crc32_ieee(b, 26 + sizeof(fields)));
    zkbio_template_free(t);
}

static void test_errors(void)
{
    zkbio_template *t = make(3, 10), *u = NULL;
    if (!t)
        return;
    uint8_t b[256], c[256];
    size_t n = 0;
    zkbio_error_info err;
    CHECK_EQ_INT(zkbio_template_export_native(t, b, sizeof(b), &n), ZKBIO_OK);

    /* every truncation */
    int trunc_ok = 1;
    for (size_t k = 0; k < n; k++) {
        u = NULL;
        memcpy(c, b, k);
        int rc = zkbio_template_import_native(c, k, &u, &err);
        if (rc != ZKBIO_EPROTO || u || err.offset > k)
            trunc_ok = 0;
    }
    CHECK(trunc_ok);
    /* trailing bytes are ignored */
    memcpy(c, b, n);
    memset(c + n, 0xAB, 10);
    CHECK_EQ_INT(zkbio_template_import_native(c, n + 10, &u, NULL), ZKBIO_OK);
    zkbio_template_free(u);
    /* every single-bit flip after the version byte is caught by the CRC */
    int crc_ok = 1;
    for (size_t k = 5; k < n; k++)
        for (int bit = 0; bit < 8; bit++) {
            memcpy(c, b, n);
            c[k] ^= (uint8_t)(1u << bit);
            u = NULL;
            if (zkbio_template_import_native(c, n, &u, &err) != ZKBIO_EPROTO || u)
                crc_ok = 0;
        }
    CHECK(crc_ok);
    /* magic, version */
    memcpy(c, b, n);
    c[3] = 'X';
    CHECK_EQ_INT(zkbio_template_import_native(c, n, &u, &err), ZKBIO_EPROTO);
    CHECK_EQ_INT(err.offset, 0);
    CHECK_EQ_INT(zkbio_template_import_any(c, n, &u, &err), ZKBIO_EPROTO); /* neither format */
    memcpy(c, b, n);
    c[4] = ZKBIO_NATIVE_VERSION + 1;
    fix_crc(c, n);
    CHECK_EQ_INT(zkbio_template_import_native(c, n, &u, &err), ZKBIO_ENOTSUP);
    CHECK_EQ_INT(err.offset, 4);
    CHECK_EQ_INT(zkbio_template_import_native(c, 5, &u, &err), ZKBIO_ENOTSUP); /* before length */
    c[4] = 0;
    fix_crc(c, n);
    CHECK_EQ_INT(zkbio_template_import_native(c, n, &u, &err), ZKBIO_EPROTO);
    /* fields, with a valid CRC */
    memcpy(c, b, n);
    c[5] = 0;
    fix_crc(c, n);
    CHECK_EQ_INT(zkbio_template_import_native(c, n, &u, &err), ZKBIO_EPROTO);
    c[5] = 4;
    fix_crc(c, n);
    CHECK_EQ_INT(zkbio_template_import_native(c, n, &u, &err), ZKBIO_EPROTO);
    memcpy(c, b, n);
    c[14 + 1] |= 0xC0; /* type 3 */
    fix_crc(c, n);
    CHECK_EQ_INT(zkbio_template_import_native(c, n, &u, &err), ZKBIO_EPROTO);
    CHECK_EQ_INT(err.offset, 14);
    memcpy(c, b, n);
    c[14 + 6 * 29 + 3] = (uint8_t)((c[14 + 6 * 29 + 3] & 0x3F) | 0x40); /* last minutia: view 1 */
    fix_crc(c, n);
    CHECK_EQ_INT(zkbio_template_import_native(c, n, &u, &err), ZKBIO_EPROTO); /* out of order */
    CHECK_EQ_INT(err.offset, 14 + 6 * 29);
    memcpy(c, b, n);
    c[5] = 2; /* the minutiae of view 2 are out of range */
    fix_crc(c, n);
    CHECK_EQ_INT(zkbio_template_import_native(c, n, &u, &err), ZKBIO_EPROTO);
    memcpy(c, b, n);
    c[13] = 1; /* reserved */
    fix_crc(c, n);
    CHECK_EQ_INT(zkbio_template_import_native(c, n, &u, &err), ZKBIO_EPROTO);
    /* arguments */
    CHECK_EQ_INT(zkbio_template_import_native(NULL, 3, &u, NULL), ZKBIO_EINVAL);
    CHECK_EQ_INT(zkbio_template_import_native(b, n, NULL, NULL), ZKBIO_EINVAL);
    CHECK_EQ_INT(zkbio_template_import_native(NULL, 0, &u, NULL), ZKBIO_EPROTO);
    CHECK_EQ_INT(zkbio_template_export_native(NULL, b, sizeof(b), &n), ZKBIO_EINVAL);
    CHECK_EQ_INT(zkbio_template_export_native(t, NULL, 5, &n), ZKBIO_EINVAL);
    /* invalid templates */
    t->minutiae[3].x = 16384;
    CHECK_EQ_INT(zkbio_template_export_native(t, b, sizeof(b), &n), ZKBIO_EINVAL);
    t->minutiae[3].x = 1;
    t->minutiae[3].type = 3;
    CHECK_EQ_INT(zkbio_template_export_native(t, b, sizeof(b), &n), ZKBIO_EINVAL);
    t->minutiae[3].type = 1;
    t->minutiae[3].view = 2; /* 2 among views 0: out of order */
    CHECK_EQ_INT(zkbio_template_export_native(t, b, sizeof(b), &n), ZKBIO_EINVAL);
    t->minutiae[3].view = 0;
    t->view_count = 2; /* view 2 >= view_count */
    CHECK_EQ_INT(zkbio_template_export_native(t, b, sizeof(b), &n), ZKBIO_EINVAL);
    t->view_count = 4;
    CHECK_EQ_INT(zkbio_template_export_native(t, b, sizeof(b), &n), ZKBIO_EINVAL);
    zkbio_template_free(t);

    /* import_any reads ISO too */
    t = make(2, 5);
    if (t) {
        t->minutiae[0].type = 1; /* ISO keeps every field the native record does */
        CHECK_EQ_INT(zkbio_template_export_iso(t, b, sizeof(b), &n), ZKBIO_OK);
        u = NULL;
        CHECK_EQ_INT(zkbio_template_import_any(b, n, &u, NULL), ZKBIO_OK);
        CHECK(u && same(t, u));
        zkbio_template_free(u);
    }
    zkbio_template_free(t);
}

/* Orientation fields survive export -> import -> export on 1 and 3 views, odd and even cell
 * counts, offsets, the largest field, a view without a field between two with one. */
static void test_field_round_trips(void)
{
    zkbio_template *t = make(1, 20);
    if (t) {
        put_field(t, 0, 3, 4, 24, 23, 1); /* 552 cells */
        round_trip(t);
        put_field(t, 0, 191, 192, 64, 48, 5); /* ending at cell 255 */
        round_trip(t);
        put_field(t, 0, 0, 0, 1, 1, 9); /* one cell: a padding nibble */
        round_trip(t);
    }
    zkbio_template_free(t);
    /* the largest field a record can hold: 18 + 4 + 2016 bytes with no minutiae (a 64 x 64 field,
     * 2048 bytes of cells, never fits) */
    t = make(1, 0);
    if (t) {
        put_field(t, 0, 191, 192, 64, 63, 6);
        round_trip(t);
    }
    zkbio_template_free(t);
    t = make(3, 30);
    if (t) {
        put_field(t, 0, 2, 1, 25, 25, 2); /* 625 cells: odd */
        put_field(t, 2, 0, 7, 20, 18, 3);
        round_trip(t); /* view 1 has none */
        put_field(t, 1, 9, 0, 5, 3, 4);
        round_trip(t);
        /* fields above view_count are neither written nor checked */
        t->view_count = 2;
        for (size_t i = 0; i < t->count; i++)
            if (t->minutiae[i].view == 2)
                t->minutiae[i].view = 1;
        t->ofield[2].rows = 0; /* inconsistent, but not looked at */
        uint8_t b[ZKBIO_NATIVE_MAX];
        size_t n = 0;
        CHECK_EQ_INT(zkbio_template_export_native(t, b, sizeof(b), &n), ZKBIO_OK);
        CHECK_EQ_INT(n, 18 + 6 * 90 + 8 + (625 + 1) / 2 + (15 + 1) / 2);
        t->ofield[2].rows = 18;
        round_trip(t);
    }
    zkbio_template_free(t);
}

/* A version 1 record built by hand (CRC right after the minutiae) imports without fields and
 * exports as version 2. */
static void test_version1(void)
{
    uint8_t v1[] = {
        'Z',  'K',  'B',  'T',  1,   2,  0x84, 0x01, 0x76, 0x01, 60, 1, 2, 0, /* header */
        0x64, 0x40, 0xC8, 0x00, 64,  90,                                      /* minutia 0 */
        0x2C, 0x81, 0x32, 0x40, 200, 40,                                      /* minutia 1 */
        0,    0,    0,    0,                                                  /* CRC */
    };
    fix_crc(v1, sizeof(v1));
    zkbio_template *u = NULL;
    zkbio_error_info err;
    CHECK_EQ_INT(zkbio_template_import_native(v1, sizeof(v1), &u, &err), ZKBIO_OK);
    CHECK(u && u->view_count == 2 && u->count == 2 && u->width == 388 && u->height == 374 &&
          u->finger_quality == 60 && u->finger_position == 1);
    if (u) {
        const zkbio_minutia m0 = {100, 200, 64, 1, 90, 0}, m1 = {300, 50, 200, 2, 40, 1};
        CHECK(memcmp(&u->minutiae[0], &m0, sizeof(m0)) == 0);
        CHECK(memcmp(&u->minutiae[1], &m1, sizeof(m1)) == 0);
        for (int v = 0; v < ZKBIO_TEMPLATE_VIEWS_MAX; v++)
            CHECK(u->ofield[v].cols == 0 && u->ofield[v].rows == 0 && !u->ofield[v].cells);
        uint8_t b[64];
        size_t n = 0;
        CHECK_EQ_INT(zkbio_template_export_native(u, b, sizeof(b), &n), ZKBIO_OK);
        CHECK_EQ_INT(n, sizeof(v1) + 8); /* version 2: two empty field blocks */
        CHECK(b[4] == 2 && memcmp(b + 5, v1 + 5, 21) == 0);
        static const uint8_t zero[8] = {0};
        CHECK(memcmp(b + 26, zero, 8) == 0);
    }
    zkbio_template_free(u);
    u = NULL;
    CHECK_EQ_INT(zkbio_template_import_any(v1, sizeof(v1), &u, NULL), ZKBIO_OK);
    zkbio_template_free(u);
    u = NULL;
    /* truncated, bad CRC */
    CHECK_EQ_INT(zkbio_template_import_native(v1, sizeof(v1) - 1, &u, &err), ZKBIO_EPROTO);
    CHECK_EQ_INT(err.offset, sizeof(v1) - 1);
    v1[sizeof(v1) - 1] ^= 1;
    CHECK_EQ_INT(zkbio_template_import_native(v1, sizeof(v1), &u, &err), ZKBIO_EPROTO);
    CHECK_EQ_INT(err.offset, 26);
    CHECK(u == NULL);
}

static void check_kept(const zkbio_template *t, const uint8_t *rec, size_t n, int keep0, int keep1,
                       int keep2)
{
    const int keep[3] = {keep0, keep1, keep2};
    zkbio_template *u = NULL;
    CHECK_EQ_INT(zkbio_template_import_native(rec, n, &u, NULL), ZKBIO_OK);
    if (!u)
        return;
    for (unsigned v = 0; v < 3; v++) {
        if (keep[v])
            CHECK(same_field(&t->ofield[v], &u->ofield[v]));
        else
            CHECK(u->ofield[v].cols == 0 && u->ofield[v].rows == 0 && !u->ofield[v].cells);
    }
    uint8_t b[ZKBIO_NATIVE_MAX];
    size_t m = 0;
    CHECK_EQ_INT(zkbio_template_export_native(u, b, sizeof(b), &m), ZKBIO_OK);
    CHECK(m == n && memcmp(b, rec, n) == 0);
    zkbio_template_free(u);
}

/* The budget rule: fields that would take the record past ZKBIO_NATIVE_MAX are left out, last
 * views first; the record always fits ZKBIO_NATIVE_MAX bytes. */
static void test_budget(void)
{
    zkbio_template *t = make(3, 85); /* 255 minutiae: 1560 bytes without fields */
    if (!t)
        return;
    uint8_t b[ZKBIO_NATIVE_MAX];
    size_t n = 0;
    put_field(t, 0, 0, 0, 30, 30, 1);   /* 450 bytes */
    put_field(t, 1, 10, 10, 40, 40, 2); /* 800 */
    put_field(t, 2, 20, 20, 20, 20, 3); /* 200: small, but last, so left out first */
    CHECK_EQ_INT(zkbio_template_export_native(t, NULL, 0, &n), ZKBIO_ENOSPC);
    CHECK_EQ_INT(n, 1560 + 450);
    CHECK_EQ_INT(zkbio_template_export_native(t, b, sizeof(b), &n), ZKBIO_OK);
    CHECK_EQ_INT(n, 1560 + 450);
    check_kept(t, b, n, 1, 0, 0);
    /* view 2 without a field: view 1's is left out, view 0's kept */
    CHECK_EQ_INT(zkbio_template_ofield_set(t, 2, 0, 0, 0, 0, NULL), ZKBIO_OK);
    CHECK_EQ_INT(zkbio_template_export_native(t, b, sizeof(b), &n), ZKBIO_OK);
    CHECK_EQ_INT(n, 1560 + 450);
    check_kept(t, b, n, 1, 0, 0);
    /* a record of exactly ZKBIO_NATIVE_MAX bytes keeps its field; one byte more does not */
    CHECK_EQ_INT(zkbio_template_ofield_set(t, 1, 0, 0, 0, 0, NULL), ZKBIO_OK);
    put_field(t, 0, 0, 0, 61, 16, 4); /* 488 bytes */
    CHECK_EQ_INT(zkbio_template_export_native(t, b, sizeof(b), &n), ZKBIO_OK);
    CHECK_EQ_INT(n, ZKBIO_NATIVE_MAX);
    check_kept(t, b, n, 1, 0, 0);
    put_field(t, 0, 0, 0, 62, 16, 4); /* 496 bytes */
    CHECK_EQ_INT(zkbio_template_export_native(t, b, sizeof(b), &n), ZKBIO_OK);
    CHECK_EQ_INT(n, 1560);
    check_kept(t, b, n, 0, 0, 0);
    /* three largest fields, every one left out */
    for (unsigned v = 0; v < 3; v++)
        put_field(t, v, 0, 0, 64, 64, v);
    CHECK_EQ_INT(zkbio_template_export_native(t, b, sizeof(b), &n), ZKBIO_OK);
    CHECK_EQ_INT(n, 1560);
    zkbio_template_free(t);
    /* fewer minutiae: the first two 20 x 20 fields fit, the third does not */
    t = make(3, 50); /* 18 + 900 + 12 = 930 bytes without fields */
    if (!t)
        return;
    for (unsigned v = 0; v < 3; v++)
        put_field(t, v, 1, 2, 40, 20, v); /* 400 bytes each */
    CHECK_EQ_INT(zkbio_template_export_native(t, b, sizeof(b), &n), ZKBIO_OK);
    CHECK_EQ_INT(n, 930 + 800);
    check_kept(t, b, n, 1, 1, 0);
    zkbio_template_free(t);
}

/* A version 2 record with one view, 2 minutiae and the given field block bytes, CRC appended.
 * Returns its length. */
static size_t forge(uint8_t *rec, const uint8_t *block, size_t block_len)
{
    static const uint8_t head[] = {
        'Z', 'K',  'B',  'T',  2,    1,  0x84, 0x01, 0x76, 0x01, 60,   1,   2,
        0,   0x64, 0x40, 0xC8, 0x00, 64, 90,   0x2C, 0x41, 0x32, 0x00, 200, 40,
    };
    memcpy(rec, head, sizeof(head));
    memcpy(rec + sizeof(head), block, block_len);
    size_t n = sizeof(head) + block_len + 4;
    fix_crc(rec, n);
    return n;
}

/* import of a forged record: the code, the offset, nothing allocated on failure. */
static void forged(const uint8_t *block, size_t block_len, int want_rc, size_t want_off, int line)
{
    static uint8_t rec[26 + 4 + 4096 + 4];
    size_t n = forge(rec, block, block_len);
    zkbio_template *u = NULL;
    zkbio_error_info err = {0};
    int rc = zkbio_template_import_native(rec, n, &u, &err);
    if (rc != want_rc || (rc != ZKBIO_OK && (err.offset != want_off || u || !err.text[0])))
        TEST_FAIL_("forged record (line %d): rc %d offset %zu, want %d at %zu (%s)", line, rc,
                   err.offset, want_rc, want_off, err.text);
    else
        test_passed_++;
    if (rc == ZKBIO_OK) {
        /* a record that imports exports again to its own bytes */
        uint8_t b[ZKBIO_NATIVE_MAX];
        size_t m = 0;
        CHECK_EQ_INT(zkbio_template_export_native(u, b, sizeof(b), &m), ZKBIO_OK);
        CHECK(m == n && memcmp(b, rec, n) == 0);
    }
    zkbio_template_free(u);
}

#define FORGED(want_rc, want_off, ...)                                                             \
    do {                                                                                           \
        static const uint8_t blk_[] = {__VA_ARGS__};                                               \
        forged(blk_, sizeof(blk_), want_rc, want_off, __LINE__);                                   \
    } while (0)

/* Malformed orientation field blocks (the block starts at offset 26). */
static void test_field_errors(void)
{
    FORGED(ZKBIO_OK, 0, 0, 0, 0, 0);
    FORGED(ZKBIO_OK, 0, 3, 4, 3, 1, 0xF1, 0x07);
    FORGED(ZKBIO_OK, 0, 251, 250, 4, 5, 0x21, 0x43, 0x65, 0x87, 0xA9, 0xCB, 0xED, 0x0F, 0, 0);
    FORGED(ZKBIO_EPROTO, 26, 5, 0, 0, 0);             /* no field but an offset */
    FORGED(ZKBIO_EPROTO, 26, 0, 5, 0, 0);             /* (also reported at the block) */
    FORGED(ZKBIO_EPROTO, 28, 0, 0, 0, 3);             /* cols 0, rows 3: no cells */
    FORGED(ZKBIO_EPROTO, 29, 0, 0, 3, 0);             /* cols 3, rows 0 */
    FORGED(ZKBIO_EPROTO, 26, 250, 0, 6, 1, 0, 0, 0);  /* x0 + cols = 256 */
    FORGED(ZKBIO_EPROTO, 27, 0, 250, 1, 6, 0, 0, 0);  /* y0 + rows = 256 */
    FORGED(ZKBIO_EPROTO, 31, 0, 0, 3, 1, 0x21, 0x13); /* padding nibble 1 */
    FORGED(ZKBIO_EPROTO, 30, 0, 0, 1, 1, 0xF1);       /* padding nibble 15 */
    /* cols or rows above ZKBIO_OFIELD_DIM_MAX */
    uint8_t blk[4 + 4096] = {0, 0, 65, 1};
    forged(blk, 4 + 33, ZKBIO_EPROTO, 28, __LINE__);
    blk[2] = 1;
    blk[3] = 65;
    forged(blk, 4 + 33, ZKBIO_EPROTO, 29, __LINE__);
    /* a block taking the record past ZKBIO_NATIVE_MAX (26 + 4 + 2048 + 4 bytes) */
    blk[2] = blk[3] = 64;
    forged(blk, 4 + 2048, ZKBIO_EPROTO, 26, __LINE__);
    blk[2] = 62; /* 26 + 4 + 1984 + 4: fits */
    forged(blk, 4 + 1984, ZKBIO_OK, 0, __LINE__);
    /* with 15 levels every nibble is a valid cell: there is no "level above the maximum" case */

    /* truncation anywhere in or after a field block: EPROTO at the input's length */
    uint8_t rec[64];
    static const uint8_t good[] = {3, 4, 5, 3, 0x21, 0x43, 0x65, 0x87, 0x09, 0x00, 0x00, 0x00};
    size_t n = forge(rec, good, sizeof(good));
    int ok = 1;
    for (size_t k = 26; k < n; k++) {
        zkbio_template *u = NULL;
        zkbio_error_info err;
        if (zkbio_template_import_native(rec, k, &u, &err) != ZKBIO_EPROTO || u || err.offset != k)
            ok = 0;
    }
    CHECK(ok);
    /* CRC mismatch: reported at the CRC, before the field contents */
    zkbio_template *u = NULL;
    zkbio_error_info err;
    rec[n - 2] ^= 0x40;
    CHECK_EQ_INT(zkbio_template_import_native(rec, n, &u, &err), ZKBIO_EPROTO);
    CHECK_EQ_INT(err.offset, n - 4);
    rec[n - 2] ^= 0x40;
    rec[26 + 4 + 7] = 0xF0; /* padding nibble of 15 cells, CRC not fixed: the CRC is reported */
    CHECK_EQ_INT(zkbio_template_import_native(rec, n, &u, &err), ZKBIO_EPROTO);
    CHECK_EQ_INT(err.offset, n - 4);
    fix_crc(rec, n);
    CHECK_EQ_INT(zkbio_template_import_native(rec, n, &u, &err), ZKBIO_EPROTO);
    CHECK_EQ_INT(err.offset, 26 + 4 + 7);
    /* view count out of range in a version 2 record: found while walking to the CRC */
    n = forge(rec, good, sizeof(good));
    rec[5] = 0;
    CHECK_EQ_INT(zkbio_template_import_native(rec, n, &u, &err), ZKBIO_EPROTO);
    CHECK_EQ_INT(err.offset, 5);
    rec[5] = 4;
    CHECK_EQ_INT(zkbio_template_import_native(rec, n, &u, &err), ZKBIO_EPROTO);
    CHECK_EQ_INT(err.offset, 5);
    CHECK(u == NULL);

    /* three views, the last field bad after two good ones were unpacked (freed: ASan) */
    zkbio_template *t = make(3, 4);
    if (t) {
        put_field(t, 0, 1, 1, 7, 9, 1);
        put_field(t, 1, 2, 2, 9, 7, 2);
        put_field(t, 2, 3, 3, 5, 5, 3);
        uint8_t b[256];
        CHECK_EQ_INT(zkbio_template_export_native(t, b, sizeof(b), &n), ZKBIO_OK);
        size_t at2 = 18 + 6 * 12 + 4 + 32 + 4 + 32 - 4; /* view 2's block */
        CHECK_EQ_INT(at2, 14 + 72 + 36 + 36);
        CHECK(b[at2] == 3 && b[at2 + 2] == 5);
        b[at2 + 4 + 12] |= 0x10; /* padding nibble of 25 cells */
        fix_crc(b, n);
        CHECK_EQ_INT(zkbio_template_import_native(b, n, &u, &err), ZKBIO_EPROTO);
        CHECK_EQ_INT(err.offset, at2 + 4 + 12);
        b[at2 + 4 + 12] &= 0x0F;
        b[at2] = 251; /* x0 + cols = 256 */
        fix_crc(b, n);
        CHECK_EQ_INT(zkbio_template_import_native(b, n, &u, &err), ZKBIO_EPROTO);
        CHECK_EQ_INT(err.offset, at2);
        CHECK(u == NULL);
    }
    zkbio_template_free(t);
}

/* Export refuses inconsistent fields (EINVAL) and zkbio_template_ofield_set checks its arguments.
 */
static void test_field_export_errors(void)
{
    zkbio_template *t = make(2, 3);
    if (!t)
        return;
    uint8_t b[256];
    size_t n;
    uint8_t cells[6] = {1, 2, 3, 4, 5, 6};
    CHECK_EQ_INT(zkbio_template_ofield_set(t, 1, 0, 0, 3, 2, cells), ZKBIO_OK);
    CHECK_EQ_INT(zkbio_template_export_native(t, b, sizeof(b), &n), ZKBIO_OK);
    zkbio_ofield *f = &t->ofield[1];
    f->rows = 0; /* only one side 0 */
    CHECK_EQ_INT(zkbio_template_export_native(t, b, sizeof(b), &n), ZKBIO_EINVAL);
    CHECK_EQ_INT(zkbio_template_export_iso(t, b, sizeof(b), &n), ZKBIO_EINVAL);
    f->rows = 2;
    f->cells[4] = ZKBIO_OFIELD_LEVELS + 1;
    CHECK_EQ_INT(zkbio_template_export_native(t, b, sizeof(b), &n), ZKBIO_EINVAL);
    f->cells[4] = 5;
    f->x0 = 253; /* x0 + cols = 256 */
    CHECK_EQ_INT(zkbio_template_export_native(t, b, sizeof(b), &n), ZKBIO_EINVAL);
    f->x0 = 0;
    uint8_t *keep = f->cells;
    f->cells = NULL;
    CHECK_EQ_INT(zkbio_template_export_native(t, b, sizeof(b), &n), ZKBIO_EINVAL);
    f->cells = keep;
    CHECK_EQ_INT(zkbio_template_export_native(t, b, sizeof(b), &n), ZKBIO_OK);
    /* a 0 x 0 field with an offset is written 0, 0, 0, 0 */
    CHECK_EQ_INT(zkbio_template_ofield_set(t, 0, 0, 0, 0, 0, NULL), ZKBIO_OK);
    t->ofield[0].x0 = 9;
    CHECK_EQ_INT(zkbio_template_export_native(t, b, sizeof(b), &n), ZKBIO_OK);
    CHECK(b[50] == 0 && b[51] == 0 && b[52] == 0 && b[53] == 0); /* 14 + 6 * 6 */
    zkbio_template_free(t);
}

static void b64_vector(const char *plain, const char *enc)
{
    char out[64];
    size_t n = 99;
    size_t pl = strlen(plain);
    CHECK_EQ_INT(zkbio_base64_encode((const uint8_t *)plain, pl, out, sizeof(out), &n), ZKBIO_OK);
    CHECK_STR(out, enc);
    CHECK_EQ_INT(n, strlen(enc));
    uint8_t dec[64];
    CHECK_EQ_INT(zkbio_base64_decode(enc, strlen(enc), dec, sizeof(dec), &n), ZKBIO_OK);
    CHECK(n == pl && memcmp(dec, plain, pl) == 0);
    /* without padding */
    size_t el = strlen(enc);
    while (el && enc[el - 1] == '=')
        el--;
    CHECK_EQ_INT(zkbio_base64_decode(enc, el, dec, sizeof(dec), &n), ZKBIO_OK);
    CHECK(n == pl && memcmp(dec, plain, pl) == 0);
}

static int b64_rc(const char *s)
{
    uint8_t dec[64];
    size_t n;
    return zkbio_base64_decode(s, strlen(s), dec, sizeof(dec), &n);
}

static void test_base64(void)
{
    /* RFC 4648 §10 */
    b64_vector("", "");
    b64_vector("f", "Zg==");
    b64_vector("fo", "Zm8=");
    b64_vector("foo", "Zm9v");
    b64_vector("foob", "Zm9vYg==");
    b64_vector("fooba", "Zm9vYmE=");
    b64_vector("foobar", "Zm9vYmFy");

    /* whitespace anywhere, the whole alphabet */
    uint8_t dec[300];
    size_t n = 0;
    CHECK_EQ_INT(zkbio_base64_decode(" Zm9v\r\nYm\tFy \n", 14, dec, sizeof(dec), &n), ZKBIO_OK);
    CHECK(n == 6 && memcmp(dec, "foobar", 6) == 0);
    uint8_t all[256];
    for (int i = 0; i < 256; i++)
        all[i] = (uint8_t)i;
    char enc[400];
    for (size_t len = 0; len <= 256; len += 1 + len / 8) {
        CHECK_EQ_INT(zkbio_base64_encode(all + 256 - len, len, enc, sizeof(enc), &n), ZKBIO_OK);
        CHECK_EQ_INT(n, (len + 2) / 3 * 4);
        size_t m = 0;
        CHECK_EQ_INT(zkbio_base64_decode(enc, n, dec, sizeof(dec), &m), ZKBIO_OK);
        CHECK(m == len && memcmp(dec, all + 256 - len, len) == 0);
    }

    /* buffer sizes */
    CHECK_EQ_INT(zkbio_base64_encode((const uint8_t *)"foob", 4, NULL, 0, &n), ZKBIO_ENOSPC);
    CHECK_EQ_INT(n, 8);
    CHECK_EQ_INT(zkbio_base64_encode((const uint8_t *)"foob", 4, enc, 8, &n), ZKBIO_ENOSPC);
    CHECK_EQ_INT(zkbio_base64_encode((const uint8_t *)"foob", 4, enc, 9, NULL), ZKBIO_OK);
    CHECK_STR(enc, "Zm9vYg==");
    CHECK_EQ_INT(zkbio_base64_decode("Zm9vYg==", 8, NULL, 0, &n), ZKBIO_ENOSPC);
    CHECK_EQ_INT(n, 4);
    CHECK_EQ_INT(zkbio_base64_decode("Zm9vYg==", 8, dec, 3, &n), ZKBIO_ENOSPC);
    CHECK_EQ_INT(zkbio_base64_decode("Zm9vYg==", 8, dec, 4, &n), ZKBIO_OK);
    CHECK_EQ_INT(zkbio_base64_decode("", 0, NULL, 0, &n), ZKBIO_OK);
    CHECK_EQ_INT(n, 0);

    /* malformed */
    CHECK_EQ_INT(b64_rc("Z"), ZKBIO_EPROTO);        /* 1 character left over */
    CHECK_EQ_INT(b64_rc("Zm9vY"), ZKBIO_EPROTO);    /* 5 */
    CHECK_EQ_INT(b64_rc("Zg="), ZKBIO_EPROTO);      /* incomplete padding */
    CHECK_EQ_INT(b64_rc("Zg==="), ZKBIO_EPROTO);    /* too much padding */
    CHECK_EQ_INT(b64_rc("Z==="), ZKBIO_EPROTO);     /* padding after 1 character */
    CHECK_EQ_INT(b64_rc("===="), ZKBIO_EPROTO);     /* padding alone */
    CHECK_EQ_INT(b64_rc("Zm9v===="), ZKBIO_EPROTO); /* padding after a full group */
    CHECK_EQ_INT(b64_rc("Zg==Zg=="), ZKBIO_EPROTO); /* data after padding */
    CHECK_EQ_INT(b64_rc("Zm8=Zm9v"), ZKBIO_EPROTO); /* data after padding */
    CHECK_EQ_INT(b64_rc("Zh=="), ZKBIO_EPROTO);     /* non-zero unused bits */
    CHECK_EQ_INT(b64_rc("Zm9="), ZKBIO_EPROTO);     /* non-zero unused bits */
    CHECK_EQ_INT(b64_rc("Zm9v!A=="), ZKBIO_EPROTO); /* outside the alphabet */
    CHECK_EQ_INT(b64_rc("Zm9v-_=="), ZKBIO_EPROTO); /* the URL alphabet is not accepted */
    CHECK_EQ_INT(zkbio_base64_decode("Zm\0v", 4, dec, sizeof(dec), &n), ZKBIO_EPROTO); /* NUL */

    /* arguments */
    CHECK_EQ_INT(zkbio_base64_encode(NULL, 3, enc, sizeof(enc), &n), ZKBIO_EINVAL);
    CHECK_EQ_INT(zkbio_base64_encode(all, 3, NULL, 5, &n), ZKBIO_EINVAL);
    CHECK_EQ_INT(zkbio_base64_encode(NULL, 0, enc, 1, &n), ZKBIO_OK);
    CHECK_STR(enc, "");
    CHECK_EQ_INT(zkbio_base64_decode(NULL, 3, dec, sizeof(dec), &n), ZKBIO_EINVAL);
    CHECK_EQ_INT(zkbio_base64_decode("Zg==", 4, NULL, 5, &n), ZKBIO_EINVAL);
    CHECK_EQ_INT(zkbio_base64_decode("Zg==", 4, dec, sizeof(dec), NULL), ZKBIO_EINVAL);

    /* a native record through base64 and back */
    zkbio_template *t = make(3, 30), *u = NULL;
    if (t) {
        uint8_t rec[ZKBIO_NATIVE_MAX], back[ZKBIO_NATIVE_MAX];
        char text[ZKBIO_NATIVE_MAX * 2];
        size_t rl = 0, tl = 0, bl = 0;
        CHECK_EQ_INT(zkbio_template_export_native(t, rec, sizeof(rec), &rl), ZKBIO_OK);
        CHECK_EQ_INT(zkbio_base64_encode(rec, rl, text, sizeof(text), &tl), ZKBIO_OK);
        CHECK_EQ_INT(zkbio_base64_decode(text, tl, back, sizeof(back), &bl), ZKBIO_OK);
        CHECK(bl == rl && memcmp(rec, back, rl) == 0);
        CHECK_EQ_INT(zkbio_template_import_any(back, bl, &u, NULL), ZKBIO_OK);
        CHECK(u && same(t, u));
        zkbio_template_free(u);
    }
    zkbio_template_free(t);
}

int main(void)
{
    test_round_trips();
    test_golden();
    test_errors();
    test_field_round_trips();
    test_version1();
    test_budget();
    test_field_errors();
    test_field_export_errors();
    test_base64();
    return TEST_DONE();
}
