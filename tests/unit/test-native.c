/* SPDX-License-Identifier: Apache-2.0 */
/* Native template record ("ZKBT") and base64 (include/zkbio/template.h): round trips with 1 and
 * 3 views, a golden record, limits, every truncation, CRC, magic and version errors; RFC 4648
 * §10 base64 vectors and malformed base64. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "zkbio/template.h"

/* The test's own CRC-32 (IEEE), to forge records with a valid CRC. */
static uint32_t crc32_test(const uint8_t *p, size_t n)
{
    uint32_t c = ~0u;
    while (n--) {
        c ^= *p++;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? (c >> 1) ^ 0xEDB88320u : c >> 1;
    }
    return ~c;
}

static void fix_crc(uint8_t *rec, size_t len)
{
    uint32_t c = crc32_test(rec, len - 4);
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

static int same(const zkbio_template *a, const zkbio_template *b)
{
    if (a->count != b->count || a->view_count != b->view_count || a->width != b->width ||
        a->height != b->height || a->finger_quality != b->finger_quality ||
        a->finger_position != b->finger_position || b->xres != 197 || b->yres != 197)
        return 0;
    for (size_t i = 0; i < a->count; i++)
        if (memcmp(&a->minutiae[i], &b->minutiae[i], sizeof(zkbio_minutia)) != 0)
            return 0;
    return 1;
}

static void round_trip(const zkbio_template *t)
{
    uint8_t b1[ZKBIO_NATIVE_MAX], b2[ZKBIO_NATIVE_MAX];
    size_t n1 = 0, n2 = 0;
    CHECK_EQ_INT(zkbio_template_export_native(t, b1, sizeof(b1), &n1), ZKBIO_OK);
    CHECK_EQ_INT(n1, 18 + 6 * t->count);
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
        CHECK_EQ_INT(need, 1548);
        CHECK(need <= ZKBIO_NATIVE_MAX);
        uint8_t b[1547];
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
        'Z',  'K',  'B',  'T',  1,   2,  0x84, 0x01, 0x76, 0x01, 60, 1, 2, 0, /* header */
        0x64, 0x40, 0xC8, 0x00, 64,  90,                                      /* minutia 0 */
        0x2C, 0x81, 0x32, 0x40, 200, 40,                                      /* minutia 1 */
    };
    uint8_t b[64];
    size_t n = 0;
    CHECK_EQ_INT(zkbio_template_export_native(t, b, sizeof(b), &n), ZKBIO_OK);
    CHECK_EQ_INT(n, sizeof(want) + 4);
    CHECK(memcmp(b, want, sizeof(want)) == 0);
    uint32_t crc =
        (uint32_t)b[26] | (uint32_t)b[27] << 8 | (uint32_t)b[28] << 16 | (uint32_t)b[29] << 24;
    CHECK_EQ_INT(crc, crc32_test(want, sizeof(want)));
    CHECK_EQ_INT(crc32_test((const uint8_t *)"123456789", 9), 0xCBF43926u); /* the check value */
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
    test_base64();
    return TEST_DONE();
}
