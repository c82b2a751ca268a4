/* SPDX-License-Identifier: Apache-2.0 */
/* ISO 19794-2:2005 and ANSI 378-2004 template import/export, and zkbio_template_ofield_set
 * (include/zkbio/template.h).
 * argv[1]: the test data folder (tests/data; a missing one is a failure); the hand-made records
 * always run. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../support/test.h"
#include "zkbio/template.h"

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    uint8_t *buf = malloc(65536);
    size_t n = buf ? fread(buf, 1, 65536, f) : 0;
    fclose(f);
    *len = n;
    return buf;
}

static int templates_equal(const zkbio_template *a, const zkbio_template *b)
{
    if (a->width != b->width || a->height != b->height || a->xres != b->xres ||
        a->yres != b->yres || a->equipment != b->equipment ||
        a->finger_position != b->finger_position || a->impression_type != b->impression_type ||
        a->finger_quality != b->finger_quality || a->count != b->count ||
        (a->view_count ? a->view_count : 1) != (b->view_count ? b->view_count : 1))
        return 0;
    for (size_t i = 0; i < a->count; i++) {
        const zkbio_minutia *x = &a->minutiae[i], *y = &b->minutiae[i];
        if (x->x != y->x || x->y != y->y || x->angle != y->angle || x->type != y->type ||
            x->quality != y->quality || x->view != y->view)
            return 0;
    }
    return 1;
}

/* ISO -> export -> import is identical; ISO -> ANSI -> import has the same minutiae up to angle
 * rounding, and ANSI -> ISO -> ANSI gives the same ANSI bytes. */
static void round_trips(const zkbio_template *t)
{
    uint8_t iso[2048], ansi[2048], ansi2[2048];
    size_t n = 0, na = 0, na2 = 0;
    CHECK_EQ_INT(zkbio_template_export_iso(t, iso, sizeof(iso), &n), ZKBIO_OK);
    CHECK_EQ_INT(n, 24 + 6 * (t->view_count ? t->view_count : 1) + 6 * t->count);
    zkbio_template *u = NULL;
    CHECK_EQ_INT(zkbio_template_import_iso(iso, n, &u, NULL), ZKBIO_OK);
    CHECK(u && templates_equal(t, u));
    zkbio_template_free(u);
    u = NULL;
    CHECK_EQ_INT(zkbio_template_import_auto(iso, n, &u, NULL), ZKBIO_OK);
    CHECK(u && templates_equal(t, u));
    zkbio_template_free(u);

    CHECK_EQ_INT(zkbio_template_export_ansi(t, ansi, sizeof(ansi), &na), ZKBIO_OK);
    CHECK_EQ_INT(na, 26 + 6 * (t->view_count ? t->view_count : 1) + 6 * t->count);
    zkbio_template *a = NULL, *b = NULL;
    CHECK_EQ_INT(zkbio_template_import_auto(ansi, na, &a, NULL), ZKBIO_OK);
    if (!a)
        return;
    CHECK_EQ_INT(a->count, t->count);
    for (size_t i = 0; i < a->count && i < t->count; i++) {
        int d = abs((int)a->minutiae[i].angle - (int)t->minutiae[i].angle);
        if (d > 128)
            d = 256 - d;
        CHECK(d <= 1);
        CHECK(a->minutiae[i].x == t->minutiae[i].x && a->minutiae[i].y == t->minutiae[i].y);
        CHECK_EQ_INT(a->minutiae[i].view, t->minutiae[i].view);
    }
    /* ANSI -> ISO -> ANSI */
    CHECK_EQ_INT(zkbio_template_export_iso(a, iso, sizeof(iso), &n), ZKBIO_OK);
    CHECK_EQ_INT(zkbio_template_import_iso(iso, n, &b, NULL), ZKBIO_OK);
    if (b) {
        b->ansi_product_id = a->ansi_product_id; /* ISO does not carry it */
        CHECK_EQ_INT(zkbio_template_export_ansi(b, ansi2, sizeof(ansi2), &na2), ZKBIO_OK);
        CHECK(na2 == na && memcmp(ansi, ansi2, na) == 0);
    }
    zkbio_template_free(a);
    zkbio_template_free(b);
}

static size_t min_count = 1000, max_count;

static int check_iso_file(const char *path, int expect_ok)
{
    size_t len;
    uint8_t *data = read_file(path, &len);
    if (!data) {
        TEST_FAIL_("cannot read %s", path);
        return 0;
    }
    zkbio_template *t = NULL;
    zkbio_error_info err;
    int rc = zkbio_template_import_iso(data, len, &t, &err);
    if (!expect_ok) {
        if (rc != ZKBIO_EPROTO)
            TEST_FAIL_("%s: expected ZKBIO_EPROTO, got %d", path, rc);
        else
            test_passed_++;
        CHECK_EQ_INT(err.code, ZKBIO_EPROTO);
        CHECK(err.offset <= len);
        CHECK_EQ_INT(zkbio_template_import_auto(data, len, &t, NULL), ZKBIO_EPROTO);
        free(data);
        return 1;
    }
    if (rc != ZKBIO_OK) {
        TEST_FAIL_("%s: %s at %zu", path, err.text, err.offset);
        free(data);
        return 0;
    }
    /* The data README says 16-55; the files hold 11-61 (FVC2004_DB1_B 11-58, FVC2002_DB1_B up to
     * 61). */
    CHECK(t->count >= 11 && t->count <= 61);
    if (t->count < min_count)
        min_count = t->count;
    if (t->count > max_count)
        max_count = t->count;
    int in_range = 1;
    for (size_t i = 0; i < t->count; i++) {
        const zkbio_minutia *m = &t->minutiae[i];
        /* the header's 300x400 is not trusted: the images are at most 640x480 */
        if (m->x >= 640 || m->y >= 640 || m->type > 2 || m->quality > 100)
            in_range = 0;
    }
    if (!in_range)
        TEST_FAIL_("%s: minutia out of range", path);
    else
        test_passed_++;
    zkbio_template *a = NULL;
    CHECK_EQ_INT(zkbio_template_import_auto(data, len, &a, NULL), ZKBIO_OK);
    CHECK(a && templates_equal(t, a));
    zkbio_template_free(a);
    round_trips(t);
    zkbio_template_free(t);
    free(data);
    return 1;
}

static void test_fvc(const char *root)
{
    char dir[4096], path[8192];
    snprintf(dir, sizeof(dir), "%s/fvc", root);
    DIR *d = opendir(dir);
    if (!d) {
        TEST_FAIL_("cannot open %s", dir);
        return;
    }
    int files = 0, invalid = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char sub[4096 + 256];
        snprintf(sub, sizeof(sub), "%s/%s", dir, e->d_name);
        DIR *s = opendir(sub);
        if (!s)
            continue;
        struct dirent *f;
        while ((f = readdir(s))) {
            size_t n = strlen(f->d_name);
            if (n < 4 || strcmp(f->d_name + n - 4, ".iso") != 0)
                continue;
            snprintf(path, sizeof(path), "%s/%s", sub, f->d_name);
            int bad = strstr(f->d_name, "truncate") != NULL;
            files += check_iso_file(path, !bad);
            invalid += bad;
        }
        closedir(s);
    }
    closedir(d);
    printf("%d .iso files checked (%zu..%zu minutiae), %d truncated ones rejected\n", files,
           min_count, max_count, invalid);
    CHECK(files >= 240);
    CHECK_EQ_INT(invalid, 3);
}

static void test_vendor_dat(const char *root)
{
    static const char *const names[] = {"probe", "matching", "nonmatching"};
    for (size_t i = 0; i < 3; i++) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/iso/iso-%s.dat", root, names[i]);
        size_t len;
        uint8_t *data = read_file(path, &len);
        CHECK(data != NULL);
        if (!data)
            continue;
        CHECK_EQ_INT(len, 384);
        zkbio_template *t = NULL;
        zkbio_error_info err = {0};
        int rc = zkbio_template_import_auto(data, len, &t, &err);
        if (rc != ZKBIO_OK)
            TEST_FAIL_("%s: %s at %zu", path, err.text, err.offset);
        else {
            test_passed_++;
            CHECK(t->count > 10);
            CHECK_EQ_INT(t->xres, 197);
            round_trips(t);
        }
        zkbio_template_free(t);
        free(data);
    }
}

/* A small valid ISO record: 2 minutiae, one 0x0144 extended block of 5 bytes (header-inclusive). */
static size_t make_iso(uint8_t *b, int ext_inclusive)
{
    static const uint8_t head[] = {'F', 'M', 'R', 0,    ' ', '2',  '0', 0,   0, 0,   0, 0,
                                   0,   0,   1,   0x2C, 1,   0x90, 0,   197, 0, 197, 1, 0};
    size_t n = sizeof(head);
    memcpy(b, head, n);
    const uint8_t view[] = {2, 0, 60, 2, 0x40, 100, 0, 50, 10, 80, 0x80, 20, 1, 44, 200, 90};
    memcpy(b + n, view, sizeof(view));
    n += sizeof(view);
    size_t blk = ext_inclusive ? 5 : 1;
    const uint8_t ext[] = {0, 5, 0x01, 0x44, 0, (uint8_t)blk, 0x97};
    memcpy(b + n, ext, sizeof(ext));
    n += sizeof(ext);
    b[11] = (uint8_t)n;
    return n;
}

static void test_handmade(void)
{
    uint8_t b[256];
    zkbio_template *t = NULL;
    zkbio_error_info err;
    for (int incl = 0; incl < 2; incl++) {
        size_t n = make_iso(b, incl);
        memset(b + n, 0, sizeof(b) - n);
        t = NULL;
        CHECK_EQ_INT(zkbio_template_import_iso(b, sizeof(b), &t, &err),
                     ZKBIO_OK); /* zero padding */
        if (t) {
            CHECK_EQ_INT(t->count, 2);
            CHECK_EQ_INT(t->width, 300);
            CHECK_EQ_INT(t->height, 400);
            CHECK_EQ_INT(t->finger_position, 2);
            CHECK_EQ_INT(t->finger_quality, 60);
            CHECK_EQ_INT(t->minutiae[0].type, ZKBIO_MINUTIA_ENDING);
            CHECK_EQ_INT(t->minutiae[0].x, 100);
            CHECK_EQ_INT(t->minutiae[0].y, 50);
            CHECK_EQ_INT(t->minutiae[0].angle, 10);
            CHECK_EQ_INT(t->minutiae[0].quality, 80);
            CHECK_EQ_INT(t->minutiae[1].type, ZKBIO_MINUTIA_BIFURCATION);
            CHECK_EQ_INT(t->minutiae[1].x, 20);
            CHECK_EQ_INT(t->minutiae[1].y, 300);
            CHECK_EQ_INT(t->minutiae[1].angle, 200);
            round_trips(t);
        }
        zkbio_template_free(t);
        t = NULL;
        CHECK_EQ_INT(zkbio_template_import_iso(b, n, &t, NULL), ZKBIO_OK);
        zkbio_template_free(t);
    }
    size_t n = make_iso(b, 1);
    uint8_t c[256];
    /* every truncation is rejected cleanly */
    for (size_t k = 0; k < n; k++) {
        t = NULL;
        int rc = zkbio_template_import_iso(b, k, &t, &err);
        if (rc != ZKBIO_EPROTO || t != NULL)
            TEST_FAIL_("truncated to %zu: rc %d", k, rc);
        else
            test_passed_++;
        CHECK(err.offset <= k);
    }
    /* bad magic */
    memcpy(c, b, n);
    c[0] = 'X';
    CHECK_EQ_INT(zkbio_template_import_iso(c, n, &t, &err), ZKBIO_EPROTO);
    CHECK_EQ_INT(err.offset, 0);
    /* bad version (and the 2011 edition) */
    memcpy(c, b, n);
    c[5] = '1';
    CHECK_EQ_INT(zkbio_template_import_iso(c, n, &t, &err), ZKBIO_EPROTO);
    memcpy(c + 4, "030", 4);
    CHECK_EQ_INT(zkbio_template_import_auto(c, n, &t, &err), ZKBIO_EPROTO);
    /* record length larger than the data */
    memcpy(c, b, n);
    c[11] = (uint8_t)(n + 1);
    CHECK_EQ_INT(zkbio_template_import_iso(c, n, &t, &err), ZKBIO_EPROTO);
    CHECK_EQ_INT(err.offset, n);
    /* record length too short for a header */
    c[11] = 20;
    CHECK_EQ_INT(zkbio_template_import_iso(c, n, &t, &err), ZKBIO_EPROTO);
    /* minutiae count that does not fit */
    memcpy(c, b, n);
    c[27] = 4;
    CHECK_EQ_INT(zkbio_template_import_iso(c, n, &t, &err), ZKBIO_EPROTO);
    CHECK_EQ_INT(err.offset, 27);
    c[27] = 255;
    CHECK_EQ_INT(zkbio_template_import_iso(c, sizeof(c), &t, &err), ZKBIO_EPROTO);
    /* no finger view */
    memcpy(c, b, n);
    c[22] = 0;
    CHECK_EQ_INT(zkbio_template_import_iso(c, n, &t, &err), ZKBIO_EPROTO);
    /* extended data running past the end of the record */
    memcpy(c, b, n);
    c[41] = 6;
    memset(c + n, 0, sizeof(c) - n);
    CHECK_EQ_INT(zkbio_template_import_iso(c, sizeof(c), &t, &err), ZKBIO_EPROTO);
    CHECK_EQ_INT(err.offset, 40);
    /* extended data length shorter than a block header */
    c[41] = 2;
    CHECK_EQ_INT(zkbio_template_import_iso(c, n, &t, &err), ZKBIO_EPROTO);
    /* reserved minutia type 11 */
    memcpy(c, b, n);
    c[28] |= 0xC0;
    CHECK_EQ_INT(zkbio_template_import_iso(c, n, &t, &err), ZKBIO_EPROTO);
    /* arguments */
    CHECK_EQ_INT(zkbio_template_import_iso(NULL, 5, &t, NULL), ZKBIO_EINVAL);
    CHECK_EQ_INT(zkbio_template_import_iso(b, n, NULL, NULL), ZKBIO_EINVAL);
    CHECK_EQ_INT(zkbio_template_import_auto(NULL, 0, &t, NULL), ZKBIO_EPROTO);

    /* ANSI: 6-byte length form and angle conversion */
    uint8_t a[64] = {'F', 'M', 'R', 0, ' ', '2', '0', 0, 0, 0, 0, 0, 0, 42, 0x12, 0x34, 0x56, 0x78};
    size_t an = 18;
    const uint8_t rest[] = {0, 0, 1, 0, 1,    0, 0, 197, 0,   197, 1, 0,
                            1, 0, 0, 1, 0x40, 7, 0, 9,   179, 0,   0, 0};
    memcpy(a + an, rest, sizeof(rest));
    an += sizeof(rest);
    a[13] = (uint8_t)an;
    t = NULL;
    CHECK_EQ_INT(zkbio_template_import_auto(a, an, &t, &err), ZKBIO_OK);
    if (t) {
        CHECK_EQ_INT(t->ansi_product_id, 0x12345678);
        CHECK_EQ_INT(t->count, 1);
        CHECK_EQ_INT(t->minutiae[0].x, 7);
        CHECK_EQ_INT(t->minutiae[0].y, 9);
        CHECK_EQ_INT(t->minutiae[0].angle, 255); /* 358 degrees */
        round_trips(t);
    }
    zkbio_template_free(t);

    /* export: ENOSPC with the length needed, invalid minutiae */
    CHECK_EQ_INT(zkbio_template_new(2, &t), ZKBIO_OK);
    size_t need = 0;
    CHECK_EQ_INT(zkbio_template_export_iso(t, NULL, 0, &need), ZKBIO_ENOSPC);
    CHECK_EQ_INT(need, 42);
    CHECK_EQ_INT(zkbio_template_export_ansi(t, c, 10, &need), ZKBIO_ENOSPC);
    CHECK_EQ_INT(need, 44);
    t->minutiae[1].x = 16384;
    CHECK_EQ_INT(zkbio_template_export_iso(t, c, sizeof(c), &need), ZKBIO_EINVAL);
    t->minutiae[1].x = 0;
    t->minutiae[1].type = 3;
    CHECK_EQ_INT(zkbio_template_export_ansi(t, c, sizeof(c), &need), ZKBIO_EINVAL);
    zkbio_template_free(t);
    CHECK_EQ_INT(zkbio_template_new(256, &t), ZKBIO_EINVAL);
    zkbio_template_free(NULL);
}

/* A template of `views` views with `per_view` minutiae each. */
static zkbio_template *make_multi(unsigned views, size_t per_view)
{
    zkbio_template *t = NULL;
    if (zkbio_template_new(views * per_view, &t) != ZKBIO_OK)
        return NULL;
    t->view_count = (uint8_t)views;
    t->width = 388;
    t->height = 374;
    t->xres = t->yres = 197;
    t->finger_position = 7;
    t->impression_type = 0;
    t->finger_quality = 77;
    for (size_t i = 0; i < t->count; i++) {
        zkbio_minutia *m = &t->minutiae[i];
        m->view = (uint8_t)(i / per_view);
        m->x = (uint16_t)(10 + i * 7 % 370);
        m->y = (uint16_t)(5 + i * 13 % 360);
        m->angle = (uint8_t)(i * 37);
        m->type = (uint8_t)(1 + i % 2);
        m->quality = (uint8_t)(i % 101);
    }
    return t;
}

static void test_multiview(void)
{
    zkbio_template *t = NULL;
    CHECK_EQ_INT(zkbio_template_new(3, &t), ZKBIO_OK);
    CHECK_EQ_INT(t->view_count, 1);
    zkbio_template_free(t);

    for (unsigned views = 1; views <= 3; views++) {
        t = make_multi(views, 20);
        CHECK(t != NULL);
        if (!t)
            continue;
        round_trips(t);
        uint8_t iso[2048];
        size_t n = 0;
        CHECK_EQ_INT(zkbio_template_export_iso(t, iso, sizeof(iso), &n), ZKBIO_OK);
        CHECK_EQ_INT(iso[22], views);
        /* view numbers in the high nibble of each view header */
        for (unsigned j = 0; j < views; j++) {
            size_t at = 24 + j * (4 + 6 * 20 + 2);
            CHECK_EQ_INT(iso[at + 1] >> 4, j);
            CHECK_EQ_INT(iso[at + 3], 20);
        }
        zkbio_template_free(t);
    }

    /* a view may be empty */
    t = make_multi(3, 4);
    if (t) {
        for (size_t i = 4; i < t->count; i++)
            t->minutiae[i].view = 2; /* views 0 and 2 only */
        round_trips(t);
        /* invalid views */
        uint8_t b[2048];
        size_t n;
        t->minutiae[5].view = 1; /* 2 then 1: out of order */
        CHECK_EQ_INT(zkbio_template_export_iso(t, b, sizeof(b), &n), ZKBIO_EINVAL);
        t->minutiae[5].view = 2;
        t->minutiae[t->count - 1].view = 3; /* >= view_count */
        CHECK_EQ_INT(zkbio_template_export_ansi(t, b, sizeof(b), &n), ZKBIO_EINVAL);
        t->minutiae[t->count - 1].view = 2;
        t->view_count = 4;
        CHECK_EQ_INT(zkbio_template_export_iso(t, b, sizeof(b), &n), ZKBIO_EINVAL);
        zkbio_template_free(t);
    }

    /* a record of 4 views: the first 3 are imported; 3 views of 100 minutiae: the third would
     * pass 255 minutiae and is dropped */
    t = make_multi(3, 30);
    if (t) {
        uint8_t b[4096];
        size_t n = 0;
        CHECK_EQ_INT(zkbio_template_export_iso(t, b, sizeof(b), &n), ZKBIO_OK);
        /* append a 4th view: header + 1 minutia + empty extended data */
        const uint8_t v4[] = {7, 0x30, 77, 1, 0x40, 1, 0, 2, 3, 4, 0, 0};
        memcpy(b + n, v4, sizeof(v4));
        n += sizeof(v4);
        b[22] = 4;
        b[8] = (uint8_t)(n >> 24);
        b[9] = (uint8_t)(n >> 16);
        b[10] = (uint8_t)(n >> 8);
        b[11] = (uint8_t)n;
        zkbio_template *u = NULL;
        CHECK_EQ_INT(zkbio_template_import_iso(b, n, &u, NULL), ZKBIO_OK);
        CHECK(u && templates_equal(t, u));
        zkbio_template_free(u);
        zkbio_template_free(t);
    }
    t = make_multi(3, 100);
    CHECK(t == NULL); /* 300 minutiae do not fit a template */
    t = make_multi(2, 100);
    if (t) {
        uint8_t b[4096];
        size_t n = 0;
        CHECK_EQ_INT(zkbio_template_export_iso(t, b, sizeof(b), &n), ZKBIO_OK);
        /* add a third view of 100 minutiae by hand */
        size_t v3 = n;
        b[v3] = 7;
        b[v3 + 1] = 0x20;
        b[v3 + 2] = 77;
        b[v3 + 3] = 100;
        memset(b + v3 + 4, 0, 600 + 2);
        n = v3 + 4 + 600 + 2;
        b[22] = 3;
        b[8] = (uint8_t)(n >> 24);
        b[9] = (uint8_t)(n >> 16);
        b[10] = (uint8_t)(n >> 8);
        b[11] = (uint8_t)n;
        zkbio_template *u = NULL;
        CHECK_EQ_INT(zkbio_template_import_iso(b, n, &u, NULL), ZKBIO_OK);
        CHECK(u && u->view_count == 2 && u->count == 200);
        zkbio_template_free(u);
        /* a view that is cut short inside the record is an error */
        n = v3 + 3;
        b[8] = (uint8_t)(n >> 24);
        b[9] = (uint8_t)(n >> 16);
        b[10] = (uint8_t)(n >> 8);
        b[11] = (uint8_t)n;
        zkbio_error_info err;
        CHECK_EQ_INT(zkbio_template_import_iso(b, n, &u, &err), ZKBIO_EPROTO);
        CHECK_EQ_INT(err.offset, n);
        zkbio_template_free(t);
    }
}

/* zkbio_template_ofield_set: argument errors leave the template unchanged; replace and remove
 * (the replaced cells are freed: ASan); zkbio_template_free frees every view's field. */
static void test_set_ofield(void)
{
    zkbio_template *t = NULL;
    CHECK_EQ_INT(zkbio_template_new(0, &t), ZKBIO_OK);
    if (!t)
        return;
    for (int v = 0; v < ZKBIO_TEMPLATE_VIEWS_MAX; v++)
        CHECK(t->ofield[v].cols == 0 && t->ofield[v].rows == 0 && !t->ofield[v].cells);
    uint8_t c[ZKBIO_OFIELD_DIM_MAX * ZKBIO_OFIELD_DIM_MAX];
    for (size_t i = 0; i < sizeof(c); i++)
        c[i] = (uint8_t)(i % (ZKBIO_OFIELD_LEVELS + 1));
    CHECK_EQ_INT(zkbio_template_ofield_set(NULL, 0, 0, 0, 1, 1, c), ZKBIO_EINVAL);
    CHECK_EQ_INT(zkbio_template_ofield_set(t, ZKBIO_TEMPLATE_VIEWS_MAX, 0, 0, 1, 1, c),
                 ZKBIO_EINVAL);
    CHECK_EQ_INT(zkbio_template_ofield_set(t, 0, 0, 0, 0, 1, c), ZKBIO_EINVAL);
    CHECK_EQ_INT(zkbio_template_ofield_set(t, 0, 0, 0, 1, 0, c), ZKBIO_EINVAL);
    CHECK_EQ_INT(zkbio_template_ofield_set(t, 0, 0, 0, ZKBIO_OFIELD_DIM_MAX + 1, 1, c),
                 ZKBIO_EINVAL);
    CHECK_EQ_INT(zkbio_template_ofield_set(t, 0, 0, 0, 1, ZKBIO_OFIELD_DIM_MAX + 1, c),
                 ZKBIO_EINVAL);
    CHECK_EQ_INT(zkbio_template_ofield_set(t, 0, 200, 0, 56, 1, c), ZKBIO_EINVAL); /* 256 */
    CHECK_EQ_INT(zkbio_template_ofield_set(t, 0, 0, 200, 1, 56, c), ZKBIO_EINVAL);
    CHECK_EQ_INT(zkbio_template_ofield_set(t, 0, 0, 0, 2, 2, NULL), ZKBIO_EINVAL);
    uint8_t bad[4] = {1, 2, ZKBIO_OFIELD_LEVELS + 1, 3};
    CHECK_EQ_INT(zkbio_template_ofield_set(t, 0, 0, 0, 2, 2, bad), ZKBIO_EINVAL);
    CHECK(t->ofield[0].cols == 0 && !t->ofield[0].cells);
    /* set, at the limits */
    CHECK_EQ_INT(zkbio_template_ofield_set(t, 0, 191, 199, 64, 56, c), ZKBIO_OK);
    CHECK(t->ofield[0].x0 == 191 && t->ofield[0].y0 == 199 && t->ofield[0].cols == 64 &&
          t->ofield[0].rows == 56 && t->ofield[0].cells && t->ofield[0].cells != c &&
          memcmp(t->ofield[0].cells, c, 64 * 56) == 0);
    /* replace: a copy, independent of the caller's buffer */
    CHECK_EQ_INT(zkbio_template_ofield_set(t, 0, 1, 2, 3, 1, bad), ZKBIO_EINVAL); /* kept */
    CHECK(t->ofield[0].cols == 64);
    CHECK_EQ_INT(zkbio_template_ofield_set(t, 0, 1, 2, 2, 1, bad), ZKBIO_OK);
    bad[0] = 9;
    CHECK(t->ofield[0].x0 == 1 && t->ofield[0].y0 == 2 && t->ofield[0].cols == 2 &&
          t->ofield[0].rows == 1 && t->ofield[0].cells[0] == 1 && t->ofield[0].cells[1] == 2);
    CHECK_EQ_INT(zkbio_template_ofield_set(t, 2, 0, 0, 4, 4, c), ZKBIO_OK);
    /* remove (cells may be NULL; the offset is dropped too) */
    CHECK_EQ_INT(zkbio_template_ofield_set(t, 0, 7, 7, 0, 0, NULL), ZKBIO_OK);
    CHECK(t->ofield[0].x0 == 0 && t->ofield[0].y0 == 0 && t->ofield[0].cols == 0 &&
          t->ofield[0].rows == 0 && !t->ofield[0].cells);
    CHECK_EQ_INT(zkbio_template_ofield_set(t, 0, 0, 0, 0, 0, NULL), ZKBIO_OK); /* again */
    CHECK(t->ofield[2].cols == 4 && t->ofield[2].cells);
    zkbio_template_free(t); /* frees view 2's field */
}

/* zkbio_template_dup: a deep copy (minutiae, header fields, the orientation field of each view)
 * that shares no memory with the original and exports to the same bytes. */
static void test_dup(void)
{
    zkbio_template *t = make_multi(3, 20), *c = NULL;
    CHECK(t != NULL);
    if (!t)
        return;
    t->equipment = 0x1234;
    t->ansi_product_id = 0x00330044u;
    const uint8_t f0[6] = {1, 2, 3, 4, 5, 6}, f2[2] = {15, 0};
    CHECK_EQ_INT(zkbio_template_ofield_set(t, 0, 2, 3, 3, 2, f0), ZKBIO_OK);
    CHECK_EQ_INT(zkbio_template_ofield_set(t, 2, 9, 8, 1, 2, f2), ZKBIO_OK);
    CHECK_EQ_INT(zkbio_template_dup(t, &c), ZKBIO_OK);
    CHECK(c != NULL && c != t);
    if (!c) {
        zkbio_template_free(t);
        return;
    }
    CHECK(c->minutiae != t->minutiae && c->minutiae == (zkbio_minutia *)(void *)(c + 1));
    CHECK_EQ_INT(c->count, t->count);
    CHECK(memcmp(c->minutiae, t->minutiae, t->count * sizeof(*t->minutiae)) == 0);
    CHECK(c->width == 388 && c->height == 374 && c->xres == 197 && c->yres == 197);
    CHECK(c->equipment == 0x1234 && c->ansi_product_id == 0x00330044u);
    CHECK(c->finger_position == 7 && c->finger_quality == 77 && c->view_count == 3);
    CHECK(c->ofield[0].cells && c->ofield[0].cells != t->ofield[0].cells);
    CHECK(c->ofield[0].x0 == 2 && c->ofield[0].y0 == 3 && c->ofield[0].cols == 3 &&
          c->ofield[0].rows == 2 && memcmp(c->ofield[0].cells, f0, 6) == 0);
    CHECK(c->ofield[1].cells == NULL && c->ofield[1].cols == 0);
    CHECK(c->ofield[2].cells && c->ofield[2].cells != t->ofield[2].cells && c->ofield[2].x0 == 9 &&
          memcmp(c->ofield[2].cells, f2, 2) == 0);
    uint8_t a[ZKBIO_NATIVE_MAX], b[ZKBIO_NATIVE_MAX];
    size_t na = 0, nb = 0;
    CHECK_EQ_INT(zkbio_template_export_native(t, a, sizeof(a), &na), ZKBIO_OK);
    /* the copy owns its memory: it still exports the same bytes once the original is gone */
    t->minutiae[0].x = 1;
    t->ofield[0].cells[0] = 9;
    zkbio_template_free(t);
    CHECK_EQ_INT(zkbio_template_export_native(c, b, sizeof(b), &nb), ZKBIO_OK);
    CHECK(na == nb && memcmp(a, b, na) == 0);
    zkbio_template_free(c);

    CHECK_EQ_INT(zkbio_template_dup(NULL, &c), ZKBIO_EINVAL);
    CHECK_EQ_INT(zkbio_template_new(1, &t), ZKBIO_OK);
    CHECK_EQ_INT(zkbio_template_dup(t, NULL), ZKBIO_EINVAL);
    t->count = ZKBIO_TEMPLATE_MINUTIAE_MAX + 1;
    c = NULL;
    CHECK_EQ_INT(zkbio_template_dup(t, &c), ZKBIO_EINVAL);
    CHECK(c == NULL);
    t->count = 1;
    zkbio_template_free(t);
}

int main(int argc, char **argv)
{
    test_set_ofield();
    test_dup();
    test_handmade();
    test_multiview();
    struct stat st;
    if (argc < 2 || stat(argv[1], &st) != 0) {
        TEST_FAIL_("no test data folder (tests/data) at %s", argc < 2 ? "(none given)" : argv[1]);
        return TEST_DONE();
    }
    test_fvc(argv[1]);
    test_vendor_dat(argv[1]);
    return TEST_DONE();
}
